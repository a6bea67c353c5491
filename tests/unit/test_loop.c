/*
** test_loop.c: the run's event loop (stdlib/loop.c): sleeps on the virtual
** and the real clock, children driven by the loop, libcurl transfers (on
** file:// URLs: no network), the interrupt flag.
*/
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/time.h>
#include <unistd.h>

#include "stdlib/loop.h"

/* {==== helpers ==== */

static volatile sig_atomic_t flag;

static void on_alarm(int sig)
{
  (void)sig;
  flag = 1;
}

/* Set `flag` from a SIGALRM in ms milliseconds. */
static void flag_in(int ms)
{
  struct sigaction sa;
  struct itimerval it;

  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_alarm;
  sigemptyset(&sa.sa_mask);
  assert_int_equal(sigaction(SIGALRM, &sa, NULL), 0);
  memset(&it, 0, sizeof it);
  it.it_value.tv_sec = ms / 1000;
  it.it_value.tv_usec = (ms % 1000) * 1000;
  assert_int_equal(setitimer(ITIMER_REAL, &it, NULL), 0);
}

/* Has the process group gone (its last members reaped by init), within 5 s? */
static bool group_gone(pid_t pg)
{
  for (int i = 0; i < 500; i++) {
    if (kill(-pg, 0) == -1 && errno == ESRCH)
      return true;
    usleep(10000);
  }
  return false;
}

/* Start `sh -c cmd` with the interrupt flag `flag`. */
static struct sh_proc *start(const char *cmd, struct sh_result *res)
{
  struct sh_request req;
  struct sh_proc *p = NULL;

  memset(&req, 0, sizeof req);
  req.command = cmd;
  req.command_len = strlen(cmd);
  req.interrupt = &flag;
  sh_result_init(res);
  assert_int_equal(sh_start(&req, &p, res), SH_OK);
  return p;
}

/* }==== */

/* {==== sleeps ==== */

/* On the virtual clock a sleep advances the clock by exactly its length. */
static void test_virtual_sleep(void **state)
{
  struct rbc_clock *c = clock_new_virtual(0);
  struct rbc_loop *l;

  (void)state;
  flag = 0;
  l = loop_new(c, &flag);
  assert_non_null(l);
  assert_ptr_equal(loop_clock(l), c);
  assert_int_equal(loop_sleep(l, 30000), 0);
  assert_int_equal(clock_monotonic_ms(c), 30000);
  assert_int_equal(loop_sleep(l, 0), 0);
  assert_int_equal(loop_sleep(l, -5), 0);
  assert_int_equal(clock_monotonic_ms(c), 30000);
  for (int i = 0; i < 10; i++)
    assert_int_equal(loop_sleep(l, 30000), 0);
  assert_int_equal(clock_monotonic_ms(c), 330000);
  loop_free(l);
  clock_free(c);
}

/* An interrupt ends a sleep with -1 and the virtual clock stays where it was. */
static void test_interrupted_sleep(void **state)
{
  struct rbc_clock *c = clock_new_virtual(0);
  struct rbc_loop *l = loop_new(c, &flag);

  (void)state;
  assert_non_null(l);
  flag = 1;
  assert_true(loop_interrupted(l));
  assert_int_equal(loop_sleep(l, 1000), -1);
  assert_int_equal(clock_monotonic_ms(c), 0);
  flag = 0;
  assert_false(loop_interrupted(l));
  loop_free(l);
  clock_free(c);
}

/* On the real clock a sleep takes at least its time; an interrupt cuts it short. */
static void test_real_sleep(void **state)
{
  struct rbc_clock *c = clock_new_real();
  struct rbc_loop *l = loop_new(c, &flag);
  int64_t t0;

  (void)state;
  assert_non_null(l);
  flag = 0;
  t0 = clock_monotonic_ms(c);
  assert_int_equal(loop_sleep(l, 30), 0);
  assert_true(clock_monotonic_ms(c) - t0 >= 30);
  flag_in(50);
  assert_int_equal(loop_sleep(l, 3600 * 1000), -1);
  assert_true(flag != 0);
  flag = 0;
  loop_free(l);
  clock_free(c);
}

/* }==== */

/* {==== children ==== */

/* The loop reads a child's output and notices its exit. */
static void test_child(void **state)
{
  struct rbc_clock *c = clock_new_virtual(0);
  struct rbc_loop *l = loop_new(c, &flag);
  struct sh_result res;
  struct sh_proc *p;

  (void)state;
  flag = 0;
  p = start("echo hello; echo oops >&2; exit 3", &res);
  assert_int_equal(loop_sh_wait(l, p), 0);
  assert_true(sh_done(p));
  sh_reap(p, &res);
  assert_int_equal(res.status, SH_OK);
  assert_int_equal(res.exit_code, 3);
  assert_string_equal(res.out.data, "hello\n");
  assert_string_equal(res.err.data, "oops\n");
  assert_int_equal(clock_monotonic_ms(c), 0);        /* children do not move the virtual clock */
  sh_result_free(&res);
  loop_free(l);
  clock_free(c);
}

/* An interrupt ends the wait for a child with -1; sh_reap kills its group. */
static void test_child_interrupted(void **state)
{
  struct rbc_clock *c = clock_new_real();
  struct rbc_loop *l = loop_new(c, &flag);
  struct sh_result res;
  struct sh_proc *p;
  pid_t pg;

  (void)state;
  flag = 0;
  p = start("sleep 30 & sleep 30; wait", &res);
  pg = sh_pid(p);
  flag_in(100);
  assert_int_equal(loop_sh_wait(l, p), -1);
  sh_reap(p, &res);
  assert_true(res.status == SH_CANCELLED || res.status == SH_INTERRUPTED);
  assert_true(group_gone(pg));
  sh_result_free(&res);
  flag = 0;
  loop_free(l);
  clock_free(c);
}

/* }==== */

/* {==== transfers ==== */

/* Counts the bytes a transfer receives. */
static size_t count_bytes(char *ptr, size_t size, size_t n, void *ud)
{
  (void)ptr;
  *(size_t *)ud += size * n;
  return size * n;
}

/* An easy handle reading a file:// URL of a file holding `len` bytes. */
static CURL *file_easy(const char *path, size_t *got)
{
  CURL *e = curl_easy_init();
  char url[512];

  assert_non_null(e);
  snprintf(url, sizeof url, "file://%s", path);
  curl_easy_setopt(e, CURLOPT_URL, url);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, count_bytes);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, got);
  return e;
}

/* A temporary file with n bytes; its path into buf. */
static void make_file(char *buf, size_t size, size_t n)
{
  FILE *f;

  snprintf(buf, size, "/tmp/rbc-test-loop-%ld-%zu", (long)getpid(), n);
  f = fopen(buf, "w");
  assert_non_null(f);
  for (size_t i = 0; i < n; i++)
    fputc('x', f);
  fclose(f);
}

/* loop_curl_perform runs one transfer to its end. */
static void test_curl_perform(void **state)
{
  struct rbc_clock *c = clock_new_real();
  struct rbc_loop *l = loop_new(c, &flag);
  char path[256];
  size_t got = 0;
  CURLcode rc = CURLE_OK;
  CURL *e;

  (void)state;
  flag = 0;
  assert_int_equal(loop_curl_init(l), 0);
  assert_int_equal(loop_curl_init(l), 0);
  make_file(path, sizeof path, 12345);
  e = file_easy(path, &got);
  assert_int_equal(loop_curl_perform(l, e, &rc), 0);
  assert_int_equal(rc, CURLE_OK);
  assert_int_equal(got, 12345);
  got = 0;                              /* the handle can be reused */
  assert_int_equal(loop_curl_perform(l, e, &rc), 0);
  assert_int_equal(got, 12345);
  curl_easy_setopt(e, CURLOPT_URL, "file:///nonexistent/rbc/test");
  assert_int_equal(loop_curl_perform(l, e, &rc), 0);
  assert_int_not_equal(rc, CURLE_OK);
  flag = 1;
  assert_int_equal(loop_curl_perform(l, e, &rc), -1);
  assert_int_equal(rc, CURLE_ABORTED_BY_CALLBACK);
  flag = 0;
  curl_easy_cleanup(e);
  unlink(path);
  loop_free(l);
  clock_free(c);
}

/* State of the loop_curl_start test. */
struct many {
  int ended;                    /* transfers ended */
  int failed;                   /* of which with an error */
  bool all;                     /* all of them ended */
  int want;                     /* how many were started */
};

static void one_done(void *ud, CURL *e, CURLcode rc)
{
  struct many *m = ud;

  (void)e;
  m->ended++;
  m->failed += rc != CURLE_OK;
  m->all = m->ended == m->want;
}

/* Several transfers in flight at once; loop_wait_flag until all ended; cancel one. */
static void test_curl_start(void **state)
{
  struct rbc_clock *c = clock_new_real();
  struct rbc_loop *l = loop_new(c, &flag);
  struct many m = { 0, 0, false, 4 };
  size_t got[5] = { 0 };
  CURL *e[5];
  char path[256];

  (void)state;
  flag = 0;
  make_file(path, sizeof path, 777);
  for (int i = 0; i < 5; i++) {
    e[i] = file_easy(path, &got[i]);
    assert_int_equal(loop_curl_start(l, e[i], one_done, &m), 0);
  }
  loop_curl_cancel(l, e[4]);
  loop_curl_cancel(l, e[4]);            /* no-op the second time */
  assert_int_equal(loop_wait_flag(l, &m.all), 0);
  assert_int_equal(m.ended, 4);
  assert_int_equal(m.failed, 0);
  for (int i = 0; i < 4; i++)
    assert_int_equal(got[i], 777);
  for (int i = 0; i < 5; i++)
    curl_easy_cleanup(e[i]);
  m.all = false;
  flag_in(50);                          /* nothing sets m.all: only the interrupt ends this */
  assert_int_equal(loop_wait_flag(l, &m.all), -1);
  flag = 0;
  unlink(path);
  loop_free(l);
  clock_free(c);
}

/* A loop that never made a transfer frees without touching libcurl. */
static void test_free_untouched(void **state)
{
  struct rbc_clock *c = clock_new_virtual(0);

  (void)state;
  loop_free(NULL);
  loop_free(loop_new(c, NULL));
  clock_free(c);
}

/* }==== */

/* {==== fibers ==== */

/* What a test fiber does, and what it saw. */
struct job {
  struct rbc_loop *l;
  int64_t sleep_ms;             /* loop_sleep this long (0: skip) */
  const char *cmd;              /* then run this child (NULL: none) */
  const char *touch;            /* then create this file (NULL: none) */
  int rc;                       /* loop_sleep's / loop_sh_wait's result */
  int exit_code;                /* the child's */
  int order;                    /* 1-based rank among the jobs that finished */
  bool in_fiber;                /* loop_in_fiber while it ran */
};

static int finished;            /* jobs finished so far */

static void job_main(void *ud)
{
  struct job *j = ud;
  struct sh_result res;

  j->in_fiber = loop_in_fiber(j->l);
  if (j->sleep_ms > 0)
    j->rc = loop_sleep(j->l, j->sleep_ms);
  if (j->touch) {
    FILE *f = fopen(j->touch, "w");

    assert_non_null(f);
    fclose(f);
  }
  if (j->cmd) {
    struct sh_proc *p = start(j->cmd, &res);

    j->rc = loop_sh_wait(j->l, p);
    sh_reap(p, &res);
    j->exit_code = res.exit_code;
    sh_result_free(&res);
  }
  j->order = ++finished;
}

/* Run the jobs as fibers until all are done; free them. */
static void run_jobs(struct rbc_loop *l, struct job *jobs, size_t n)
{
  struct loop_fiber *f[16], *alive[16];
  size_t k;

  assert_true(n <= 16);
  finished = 0;
  for (size_t i = 0; i < n; i++) {
    jobs[i].l = l;
    f[i] = loop_fiber_new(l, job_main, &jobs[i]);
    assert_non_null(f[i]);
    assert_false(loop_fiber_done(f[i]));
  }
  for (;;) {
    k = 0;
    for (size_t i = 0; i < n; i++)
      if (!loop_fiber_done(f[i]))
        alive[k++] = f[i];
    if (k == 0)
      break;
    assert_int_equal(loop_fiber_wait(l, alive, k), 0);
  }
  for (size_t i = 0; i < n; i++)
    loop_fiber_free(f[i]);
}

/* Ten fibers sleeping 30s on the virtual clock: 30s pass, not 300s; shortest first. */
static void test_fibers_sleep_together(void **state)
{
  struct rbc_clock *c = clock_new_virtual(0);
  struct rbc_loop *l = loop_new(c, &flag);
  struct job jobs[10];

  (void)state;
  flag = 0;
  memset(jobs, 0, sizeof jobs);
  for (int i = 0; i < 10; i++)
    jobs[i].sleep_ms = i == 3 ? 10000 : 30000;
  run_jobs(l, jobs, 10);
  assert_false(loop_in_fiber(l));
  assert_int_equal(clock_monotonic_ms(c), 30000);
  assert_int_equal(jobs[3].order, 1);             /* the short sleep ended first */
  assert_int_equal(jobs[0].order, 2);             /* then creation order */
  assert_int_equal(jobs[9].order, 10);
  for (int i = 0; i < 10; i++) {
    assert_true(jobs[i].in_fiber);
    assert_int_equal(jobs[i].rc, 0);
  }
  assert_int_equal(loop_fiber_wait(l, NULL, 0), -1);
  loop_free(l);
  clock_free(c);
}

/*
** A child waits for a file that another fiber creates after a sleep: this
** only ends if the loop runs the other fiber while the child runs.
*/
static void test_fibers_child_and_sleep(void **state)
{
  struct rbc_clock *c = clock_new_real();
  struct rbc_loop *l = loop_new(c, &flag);
  struct job jobs[2];
  char path[128], cmd[256];

  (void)state;
  flag = 0;
  snprintf(path, sizeof path, "/tmp/rbc-test-loop-hs-%ld", (long)getpid());
  unlink(path);
  snprintf(cmd, sizeof cmd,
           "n=0; while [ ! -f %s ]; do sleep 0.02; n=$((n+1)); [ $n -gt 1000 ] && exit 1; done;"
           " exit 0", path);
  memset(jobs, 0, sizeof jobs);
  jobs[0].cmd = cmd;
  jobs[1].sleep_ms = 50;
  jobs[1].touch = path;
  run_jobs(l, jobs, 2);
  assert_int_equal(jobs[0].rc, 0);
  assert_int_equal(jobs[0].exit_code, 0);
  assert_int_equal(jobs[1].order, 1);
  assert_int_equal(jobs[0].order, 2);
  unlink(path);
  loop_free(l);
  clock_free(c);
}

/* An interrupt ends every fiber's wait (sleeps and a child); the join still returns. */
static void test_fibers_interrupted(void **state)
{
  struct rbc_clock *c = clock_new_real();
  struct rbc_loop *l = loop_new(c, &flag);
  struct job jobs[3];

  (void)state;
  flag = 0;
  memset(jobs, 0, sizeof jobs);
  jobs[0].sleep_ms = 3600 * 1000;
  jobs[1].cmd = "sleep 60";
  jobs[2].sleep_ms = 3600 * 1000;
  flag_in(100);
  run_jobs(l, jobs, 3);
  for (int i = 0; i < 3; i++)
    assert_int_equal(jobs[i].rc, -1);
  assert_int_not_equal(jobs[1].exit_code, 0);      /* killed */
  flag = 0;
  loop_free(l);
  clock_free(c);
}

/* A fiber that runs fibers of its own and waits for them (nested `parallel`). */
static void nest_main(void *ud)
{
  struct job *outer = ud, inner[3];

  memset(inner, 0, sizeof inner);
  for (int i = 0; i < 3; i++)
    inner[i].sleep_ms = 1000 * (3 - i);
  run_jobs(outer->l, inner, 3);
  outer->rc = inner[2].order == 1 && inner[0].order == 3 ? 0 : -1;
}

static void test_fibers_nested(void **state)
{
  struct rbc_clock *c = clock_new_virtual(0);
  struct rbc_loop *l = loop_new(c, &flag);
  struct job outer;
  struct loop_fiber *f;

  (void)state;
  flag = 0;
  memset(&outer, 0, sizeof outer);
  outer.l = l;
  outer.rc = 1;
  f = loop_fiber_new(l, nest_main, &outer);
  assert_non_null(f);
  assert_int_equal(loop_fiber_wait(l, &f, 1), 0);
  assert_true(loop_fiber_done(f));
  loop_fiber_free(f);
  assert_int_equal(outer.rc, 0);
  assert_int_equal(clock_monotonic_ms(c), 3000);
  loop_free(l);
  clock_free(c);
}

/* }==== */

/* {==== loop_wait_fds ==== */

struct fdjob {
  struct rbc_loop *l;
  int wfd;
  int rc;
};

/* A fiber that writes a byte to the pipe after a real 20 ms sleep. */
static void fd_writer(void *ud)
{
  struct fdjob *j = ud;

  j->rc = loop_sleep(j->l, 20);
  assert_int_equal(write(j->wfd, "x", 1), 1);
}

/*
** loop_wait_fds: a timeout gives 0 with no revents; a descriptor that a
** fiber makes readable while the main context waits on it gives 1 (the
** fiber ran during the wait); the interrupt flag gives -1.
*/
static void test_wait_fds(void **state)
{
  struct rbc_clock *c = clock_new_real();
  struct rbc_loop *l = loop_new(c, &flag);
  struct loop_fiber *f;
  struct fdjob j;
  struct pollfd p;
  int fds[2];
  char ch;

  (void)state;
  flag = 0;
  assert_int_equal(pipe(fds), 0);
  p.fd = fds[0];
  p.events = POLLIN;
  assert_int_equal(loop_wait_fds(l, &p, 1, 30), 0);
  assert_int_equal(p.revents, 0);
  j.l = l;
  j.wfd = fds[1];
  j.rc = -2;
  f = loop_fiber_new(l, fd_writer, &j);
  assert_non_null(f);
  assert_int_equal(loop_wait_fds(l, &p, 1, -1), 1);
  assert_true(p.revents & POLLIN);
  assert_int_equal(read(fds[0], &ch, 1), 1);
  assert_int_equal(loop_fiber_wait(l, &f, 1), 0);
  assert_int_equal(j.rc, 0);
  loop_fiber_free(f);
  flag = 1;
  assert_int_equal(loop_wait_fds(l, &p, 1, -1), -1);
  flag = 0;
  close(fds[0]);
  close(fds[1]);
  loop_free(l);
  clock_free(c);
}

/* }==== */

int
main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_virtual_sleep),
    cmocka_unit_test(test_interrupted_sleep),
    cmocka_unit_test(test_real_sleep),
    cmocka_unit_test(test_child),
    cmocka_unit_test(test_child_interrupted),
    cmocka_unit_test(test_curl_perform),
    cmocka_unit_test(test_curl_start),
    cmocka_unit_test(test_free_untouched),
    cmocka_unit_test(test_fibers_sleep_together),
    cmocka_unit_test(test_fibers_child_and_sleep),
    cmocka_unit_test(test_fibers_interrupted),
    cmocka_unit_test(test_fibers_nested),
    cmocka_unit_test(test_wait_fds),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
