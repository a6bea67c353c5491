/*
** test_shell.c: quoting and the child-process runner (stdlib/shell.c),
** against the real /bin/sh.  Marker files live in a fresh temporary
** directory; every test checks that the process groups it made are gone.
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

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "stdlib/shell.h"

/* {==== helpers ==== */

static char tmpdir[64];                 /* fresh directory for marker files */

static int
setup_dir(void **state)
{
  (void)state;
  snprintf(tmpdir, sizeof tmpdir, "/tmp/rbc-shell-XXXXXX");
  return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int
teardown_dir(void **state)
{
  char cmd[128];

  (void)state;
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
  return system(cmd) == 0 ? 0 : -1;
}

static int64_t
mono_ms(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool
exists(const char *path)
{
  struct stat st;

  return stat(path, &st) == 0;
}

/* A request for the command text cmd, everything else default. */
static struct sh_request
request(const char *cmd)
{
  struct sh_request r;

  memset(&r, 0, sizeof r);
  r.command = cmd;
  r.command_len = strlen(cmd);
  return r;
}

/* Run cmd with defaults; res initialised here, freed by the caller. */
static enum sh_status
run(const char *cmd, struct sh_result *res)
{
  struct sh_request r = request(cmd);

  sh_result_init(res);
  return sh_run(&r, res);
}

/* Pids of the processes whose process group is pgid, up to max; zombies
   (dead, waiting for their parent or init to reap them) are left out. */
static size_t
group_members(pid_t pgid, pid_t *pids, size_t max)
{
  DIR *d = opendir("/proc");
  struct dirent *e;
  char path[300], buf[512], *close_paren, state;
  size_t n = 0;
  long pgrp;
  FILE *f;

  if (d == NULL)
    return 0;
  while (n < max && (e = readdir(d)) != NULL) {   /* checksrc: ignore ASSIGNCOND */
    if (e->d_name[0] < '0' || e->d_name[0] > '9')
      continue;
    snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
    f = fopen(path, "r");
    if (f == NULL)
      continue;
    buf[0] = '\0';
    if (fgets(buf, sizeof buf, f) == NULL)
      buf[0] = '\0';
    fclose(f);
    close_paren = strrchr(buf, ')');
    /* after "pid (comm)": state ppid pgrp */
    if (close_paren != NULL && sscanf(close_paren + 1, " %c %*d %ld", &state, &pgrp) == 2
        && pgrp == (long)pgid && state != 'Z')
      pids[n++] = (pid_t)atol(e->d_name);
  }
  closedir(d);
  return n;
}

/* True once no live process is left in group pgid (waits up to 3 s for
   the kernel to finish killing).  A zombie counts as gone: reaping an
   orphan is init's business, and some containers' init is slow at it. */
static bool
group_gone(pid_t pgid)
{
  int64_t until = mono_ms() + 3000;
  pid_t pids[4];

  while (mono_ms() < until) {
    if (kill(-pgid, 0) == -1 && errno == ESRCH)
      return true;
    if (group_members(pgid, pids, 4) == 0)
      return true;
    usleep(10000);
  }
  return false;
}

/* The bytes of /proc/PID/WHAT into buf (NULs kept); length, or -1. */
static ssize_t
read_proc(pid_t pid, const char *what, char *buf, size_t size)
{
  char path[64];
  ssize_t n, total = 0;
  int fd;

  snprintf(path, sizeof path, "/proc/%ld/%s", (long)pid, what);
  fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  while ((size_t)total < size) {
    n = read(fd, buf + total, size - (size_t)total);
    if (n <= 0)
      break;
    total += n;
  }
  close(fd);
  return total;
}

/* The event loop of sh_run, by hand: drive p until it is done. */
static void
drive(struct sh_proc *p)
{
  struct pollfd fds[SH_MAX_POLLFDS];
  int64_t until, wait;
  size_t n, i;

  for (;;) {
    until = sh_poll_deadline(p);
    if (sh_done(p))
      return;
    n = sh_pollfds(p, fds, SH_MAX_POLLFDS);
    wait = until - mono_ms();
    poll(fds, (nfds_t)n, (int)(wait < 0 ? 0 : wait > 1000 ? 1000 : wait));
    for (i = 0; i < n; i++)
      if (fds[i].revents != 0)
        sh_on_readable(p, fds[i].fd);
  }
}

/* The process group a kill message names ("... process group N killed"). */
static pid_t
group_in_message(const char *msg)
{
  const char *g = strstr(msg, "process group ");
  long pgid = -1;

  assert_non_null(g);
  assert_int_equal(sscanf(g, "process group %ld", &pgid), 1);
  return (pid_t)pgid;
}

/* How many of pids[0..n) run the program prog (their argv[0] is prog). */
static size_t
count_running(const pid_t *pids, size_t n, const char *prog)
{
  char buf[256];
  size_t i, count = 0;
  ssize_t len;

  for (i = 0; i < n; i++) {
    len = read_proc(pids[i], "cmdline", buf, sizeof buf - 1);
    if (len <= 0)
      continue;
    buf[len] = '\0';
    count += strcmp(buf, prog) == 0;
  }
  return count;
}

/* Number of descriptors this process has open. */
static int
open_fds(void)
{
  DIR *d = opendir("/proc/self/fd");
  int n = 0;

  assert_non_null(d);
  while (readdir(d) != NULL)
    n++;
  closedir(d);
  return n;
}

/* {==== quoting ==== */

struct quote_case {
  const char *in;                       /* the value */
  const char *out;                      /* what sh_quote appends */
};

static const struct quote_case quote_cases[] = {
  { "", "''" },
  { "abc", "abc" },
  { "41", "41" },
  { "/usr/bin/x-y_z.1:a,b@c%d+e", "/usr/bin/x-y_z.1:a,b@c%d+e" },
  { "a b", "'a b'" },
  { "it's", "'it'\\''s'" },
  { "'", "''\\'''" },
  { "''", "''\\'''\\'''" },
  { "$(touch /tmp/pwned); rm -rf ~", "'$(touch /tmp/pwned); rm -rf ~'" },
  { "`id`", "'`id`'" },
  { "a\nb", "'a\nb'" },
  { "\"x\"", "'\"x\"'" },
  { "FOO=bar", "'FOO=bar'" },
  { "~", "'~'" },
  { "*", "'*'" },
  { "a\\b", "'a\\b'" },
  { "#x", "'#x'" },
  { "$HOME", "'$HOME'" },
  { "caf\xc3\xa9", "'caf\xc3\xa9'" },
  { "-n", "-n" },
  { "x;y", "'x;y'" },
  { "{a,b}", "'{a,b}'" },
  { "a\tb", "'a\tb'" },
};

static void
test_quote_table(void **state)
{
  struct sh_buf b = { 0 };
  size_t i;

  (void)state;
  for (i = 0; i < sizeof quote_cases / sizeof quote_cases[0]; i++) {
    b.len = 0;
    assert_int_equal(sh_quote(&b, quote_cases[i].in, strlen(quote_cases[i].in)), SH_OK);
    assert_non_null(b.data);
    assert_int_equal(b.len, strlen(quote_cases[i].out));
    assert_string_equal(b.data, quote_cases[i].out);
  }
  sh_buf_free(&b);
}

static void
test_quote_appends_and_rejects_nul(void **state)
{
  struct sh_buf b = { 0 };

  (void)state;
  assert_int_equal(sh_buf_append(&b, "echo ", 5), SH_OK);
  assert_int_equal(sh_quote(&b, "a b", 3), SH_OK);
  assert_int_equal(sh_buf_append(&b, " ", 1), SH_OK);
  assert_int_equal(sh_quote(&b, "x\0y", 3), SH_ERR_INVALID);
  assert_string_equal(b.data, "echo 'a b' ");   /* unchanged by the refusal */
  assert_int_equal(sh_quote(&b, "z", 1), SH_OK);
  assert_string_equal(b.data, "echo 'a b' z");
  sh_buf_free(&b);
  assert_null(b.data);
  sh_buf_free(NULL);
}

/* Values that would run `touch MARKER` or delete VICTIM if quoting failed;
   @ stands for the temporary directory. */
static const char *const hostile[] = {
  "$(touch @/pwned); rm -rf @/victim",
  "`touch @/pwned`",
  "'; touch @/pwned; '",
  "\"; touch @/pwned; \"",
  "x' ; touch @/pwned ; echo '",
  "\ntouch @/pwned\n",
  "a && touch @/pwned",
  "a | touch @/pwned",
  "> @/pwned",
  "$((1+1)) ${IFS} $HOME * ? [a] ~ #",
  "\\'; touch @/pwned; #",
  "'\"'\"'; touch @/pwned",
  "",
  "-n",
  "--",
  "%s%s%n",
  "\x01\x7f\xff\xfe binary",
  "line1\r\nline2",
};

/* s with every @ replaced by tmpdir, into out. */
static void
expand(const char *s, char *out, size_t size)
{
  size_t n = 0, dl = strlen(tmpdir);

  for (; *s != '\0' && n + dl + 1 < size; s++) {
    if (*s == '@') {
      memcpy(out + n, tmpdir, dl);
      n += dl;
    } else {
      out[n++] = *s;
    }
  }
  out[n] = '\0';
}

static void
test_injection_strings_stay_literal(void **state)
{
  char value[512], marker[128], victim[128];
  struct sh_result res;
  struct sh_request r;
  struct sh_buf cmd = { 0 };
  size_t i;
  FILE *f;

  (void)state;
  snprintf(marker, sizeof marker, "%s/pwned", tmpdir);
  snprintf(victim, sizeof victim, "%s/victim", tmpdir);
  f = fopen(victim, "w");
  assert_non_null(f);
  fclose(f);
  for (i = 0; i < sizeof hostile / sizeof hostile[0]; i++) {
    expand(hostile[i], value, sizeof value);
    cmd.len = 0;
    assert_int_equal(sh_buf_append(&cmd, "printf %s ", 10), SH_OK);
    assert_int_equal(sh_quote(&cmd, value, strlen(value)), SH_OK);
    r = request(cmd.data);
    sh_result_init(&res);
    assert_int_equal(sh_run(&r, &res), SH_OK);
    assert_int_equal(res.exit_code, 0);
    assert_int_equal(res.out.len, strlen(value));
    assert_memory_equal(res.out.data, value, res.out.len);
    assert_false(exists(marker));
    assert_true(exists(victim));
    sh_result_free(&res);
  }
  sh_buf_free(&cmd);
}

static void
test_each_value_is_one_argument(void **state)
{
  struct sh_buf cmd = { 0 };
  struct sh_result res;

  (void)state;
  assert_int_equal(sh_buf_append(&cmd, "printf '[%s]' ", 14), SH_OK);
  assert_int_equal(sh_quote(&cmd, "a  b", 4), SH_OK);
  assert_int_equal(sh_buf_append(&cmd, " ", 1), SH_OK);
  assert_int_equal(sh_quote(&cmd, "", 0), SH_OK);
  assert_int_equal(sh_buf_append(&cmd, " ", 1), SH_OK);
  assert_int_equal(sh_quote(&cmd, "*", 1), SH_OK);
  assert_int_equal(run(cmd.data, &res), SH_OK);
  assert_string_equal(res.out.data, "[a  b][][*]");
  sh_result_free(&res);
  sh_buf_free(&cmd);
}

/* {==== exit codes, capture ==== */

struct exit_case {
  const char *cmd;
  int code;                             /* expected exit_code */
  int sig;                              /* expected term_signal */
};

static const struct exit_case exit_cases[] = {
  { "true", 0, 0 },
  { "exit 3", 3, 0 },
  { "exit 255", 255, 0 },
  { "kill -9 $$", 137, 9 },
  { "kill -TERM $$", 143, 15 },
  { "rbc_no_such_command_xyz", 127, 0 },
};

static void
test_exit_codes(void **state)
{
  struct sh_result res;
  size_t i;

  (void)state;
  for (i = 0; i < sizeof exit_cases / sizeof exit_cases[0]; i++) {
    assert_int_equal(run(exit_cases[i].cmd, &res), SH_OK);
    assert_int_equal(res.exit_code, exit_cases[i].code);
    assert_int_equal(res.term_signal, exit_cases[i].sig);
    assert_string_equal(res.message, "");
    sh_result_free(&res);
  }
  assert_int_equal(run("rbc_no_such_command_xyz", &res), SH_OK);
  assert_non_null(strstr(res.err.data, "rbc_no_such_command_xyz"));
  sh_result_free(&res);
}

static void
test_exec_failure(void **state)
{
  char plain[96];                       /* a file without execute permission */
  const char *const shells[] = { "/nonexistent/sh", plain, "/" };
  struct sh_request r = request("true");
  struct sh_result res;
  size_t i;
  int before = open_fds();
  FILE *f;

  (void)state;
  snprintf(plain, sizeof plain, "%s/plain", tmpdir);
  f = fopen(plain, "w");
  assert_non_null(f);
  fputs("echo not a program\n", f);
  fclose(f);
  for (i = 0; i < sizeof shells / sizeof shells[0]; i++) {
    r.shell = shells[i];
    sh_result_init(&res);
    assert_int_equal(sh_run(&r, &res), SH_EXEC_FAILED);
    assert_int_equal(res.exit_code, 127);
    assert_non_null(strstr(res.message, shells[i]));
    assert_null(res.out.data);
    sh_result_free(&res);
  }
  assert_int_equal(open_fds(), before);
}

static void
test_capture(void **state)
{
  struct sh_result res;

  (void)state;
  assert_int_equal(run("printf 'out\\n'; printf err >&2; exit 4", &res), SH_OK);
  assert_int_equal(res.exit_code, 4);
  assert_string_equal(res.out.data, "out\n");
  assert_string_equal(res.err.data, "err");
  assert_false(res.out_truncated);
  assert_false(res.err_truncated);
  assert_int_equal(res.out_total, 4);
  assert_true(res.duration_ms >= 0 && res.duration_ms < 5000);
  sh_result_free(&res);

  /* stdin is /dev/null: cat ends at once with nothing */
  assert_int_equal(run("cat; printf '[%s]' \"$(wc -c)\"", &res), SH_OK);
  assert_string_equal(res.out.data, "[0]");
  sh_result_free(&res);

  /* nothing written: empty buffers */
  assert_int_equal(run(":", &res), SH_OK);
  assert_int_equal(res.out.len, 0);
  assert_int_equal(res.err.len, 0);
  sh_result_free(&res);

  assert_int_equal(run("sleep 0.2", &res), SH_OK);
  assert_true(res.duration_ms >= 190);
  sh_result_free(&res);
}

static void
test_large_output_truncated(void **state)
{
  struct sh_request r = request("head -c 10485760 /dev/zero; head -c 3000000 /dev/zero >&2;"
                                " printf end");
  struct sh_result res;
  size_t i;

  (void)state;
  sh_result_init(&res);
  assert_int_equal(sh_run(&r, &res), SH_OK);
  assert_int_equal(res.exit_code, 0);
  assert_int_equal(res.out.len, SH_DEFAULT_MAX_OUTPUT);
  assert_true(res.out_truncated);
  assert_true(res.err_truncated);
  assert_int_equal(res.out_total, 10485760 + 3);
  assert_int_equal(res.err_total, 3000000);
  assert_true(res.out.cap <= SH_DEFAULT_MAX_OUTPUT + 1);   /* grown to the bound, no more */
  for (i = 0; i < res.out.len; i++)
    if (res.out.data[i] != '\0')
      fail_msg("byte %zu is not zero", i);
  sh_result_free(&res);

  /* a small bound, both streams writing at once */
  r = request("yes out | head -c 5000000 & yes err | head -c 5000000 >&2; wait");
  r.max_output = 1000;
  sh_result_init(&res);
  assert_int_equal(sh_run(&r, &res), SH_OK);
  assert_int_equal(res.out.len, 1000);
  assert_int_equal(res.err.len, 1000);
  assert_int_equal(res.out_total, 5000000);
  assert_int_equal(res.err_total, 5000000);
  assert_memory_equal(res.out.data, "out\nout\n", 8);
  assert_memory_equal(res.err.data, "err\nerr\n", 8);
  sh_result_free(&res);
}

/* {==== environment ==== */

static void
test_env_reaches_child(void **state)
{
  static const char secret[] = "s3cr3t 'quoted' $(touch /tmp/x) \"x\"\nline2";
  struct sh_env_var vars[3];
  struct sh_request r = request("printf '%s|%s|%s|%s' \"$RBC_TEST_SECRET\" "
                                "\"$RBC_TEST_OVERRIDE\" \"$RBC_TEST_KEEP\" "
                                "\"${RBC_TEST_EMPTY-unset}\"");
  struct sh_result res;

  (void)state;
  assert_int_equal(setenv("RBC_TEST_OVERRIDE", "parent", 1), 0);
  assert_int_equal(setenv("RBC_TEST_KEEP", "kept", 1), 0);
  vars[0].name = "RBC_TEST_SECRET";
  vars[0].value = secret;
  vars[0].value_len = strlen(secret);
  vars[1].name = "RBC_TEST_OVERRIDE";
  vars[1].value = "child";
  vars[1].value_len = 5;
  vars[2].name = "RBC_TEST_EMPTY";             /* set, empty */
  vars[2].value = NULL;
  vars[2].value_len = 0;
  r.env = vars;
  r.env_count = 3;
  sh_result_init(&res);
  assert_int_equal(sh_run(&r, &res), SH_OK);
  assert_string_equal(res.out.data,
                      "s3cr3t 'quoted' $(touch /tmp/x) \"x\"\nline2|child|kept|");
  /* the parent's environment is untouched */
  assert_null(getenv("RBC_TEST_SECRET"));
  assert_string_equal(getenv("RBC_TEST_OVERRIDE"), "parent");
  sh_result_free(&res);
  unsetenv("RBC_TEST_OVERRIDE");
  unsetenv("RBC_TEST_KEEP");
}

static void
test_env_refused(void **state)
{
  static const char *const bad_names[] = { "", "1X", "A=B", "A B", "A-B", "\xc3\xa9" };
  struct sh_env_var v = { "OK_NAME", "a\0b", 3 };
  struct sh_request r = request("exit 0");
  struct sh_result res;
  size_t i;

  (void)state;
  r.env = &v;
  r.env_count = 1;
  sh_result_init(&res);
  assert_int_equal(sh_run(&r, &res), SH_ERR_INVALID);
  assert_non_null(strstr(res.message, "NUL"));
  v.value = "x";
  v.value_len = 1;
  for (i = 0; i < sizeof bad_names / sizeof bad_names[0]; i++) {
    v.name = bad_names[i];
    assert_int_equal(sh_run(&r, &res), SH_ERR_INVALID);
    assert_int_equal(res.exit_code, -1);
  }
  v.name = NULL;
  assert_int_equal(sh_run(&r, &res), SH_ERR_INVALID);
  v.name = "_ok_9";
  assert_int_equal(sh_run(&r, &res), SH_OK);
  sh_result_free(&res);
}

/* Drive p until its stdout holds at least `want` bytes (or 5 s pass). */
static void
pump_until_output(struct sh_proc *p, size_t want, struct sh_buf *seen)
{
  struct pollfd fds[SH_MAX_POLLFDS];
  int64_t until = mono_ms() + 5000;
  size_t n, i;
  char chunk[256];
  ssize_t got;

  while (seen->len < want && mono_ms() < until) {
    n = sh_pollfds(p, fds, SH_MAX_POLLFDS);
    assert_true(n > 0);
    /* peek through our own read on stdout: the runner's buffer is private */
    if (poll(fds, (nfds_t)n, 100) <= 0)
      continue;
    for (i = 0; i < n; i++) {
      if (fds[i].revents == 0)
        continue;
      got = read(fds[i].fd, chunk, sizeof chunk);
      if (got > 0)
        assert_int_equal(sh_buf_append(seen, chunk, (size_t)got), SH_OK);
    }
  }
  assert_true(seen->len >= want);
}

static void
test_secret_not_on_any_cmdline(void **state)
{
  static const char sentinel[] = "rbc-sentinel-7f3a9c1e";
  struct sh_env_var v = { "RBC_SECRET", sentinel, sizeof sentinel - 1 };
  struct sh_request r = request("printf started; sleep 30 & sleep 31");
  struct sh_result res;
  struct sh_proc *p;
  struct sh_buf seen = { 0 };
  pid_t pids[16], pgid;
  char buf[65536];
  size_t n = 0, i;
  ssize_t len;
  int64_t until;

  (void)state;
  r.env = &v;
  r.env_count = 1;
  sh_result_init(&res);
  assert_int_equal(sh_start(&r, &p, &res), SH_OK);
  pgid = sh_pid(p);
  assert_true(pgid > 0);
  assert_int_equal(getpgid(pgid), pgid);        /* its own process group */
  pump_until_output(p, 7, &seen);
  assert_memory_equal(seen.data, "started", 7);
  until = mono_ms() + 5000;
  while (mono_ms() < until) {                   /* the shell and both sleeps, exec'd */
    n = group_members(pgid, pids, 16);
    if (n >= 3 && count_running(pids, n, "sleep") >= 2)
      break;
    usleep(10000);
  }
  assert_true(n >= 3);
  assert_true(count_running(pids, n, "sleep") >= 2);
  for (i = 0; i < n; i++) {
    len = read_proc(pids[i], "cmdline", buf, sizeof buf);
    assert_true(len > 0);
    assert_null(memmem(buf, (size_t)len, sentinel, sizeof sentinel - 1));
    /* the variable does reach each process (so the check above can fail) */
    len = read_proc(pids[i], "environ", buf, sizeof buf);
    assert_true(len > 0);
    assert_non_null(memmem(buf, (size_t)len, sentinel, sizeof sentinel - 1));
  }
  sh_reap(p, &res);                             /* before the end: cancelled */
  assert_int_equal(res.status, SH_CANCELLED);
  assert_int_equal(res.term_signal, SIGKILL);
  assert_true(group_gone(pgid));
  sh_result_free(&res);
  sh_buf_free(&seen);
}

/* {==== timeouts and interruption ==== */

static void
test_timeout_kills_group(void **state)
{
  struct sh_request r = request("sleep 30 & sleep 30");
  struct sh_result res;
  struct sh_proc *p;
  pid_t pgid;

  (void)state;
  r.timeout_ms = 300;
  sh_result_init(&res);
  assert_int_equal(sh_start(&r, &p, &res), SH_OK);
  pgid = sh_pid(p);
  drive(p);
  sh_reap(p, &res);
  assert_int_equal(res.status, SH_TIMED_OUT);
  assert_int_equal(res.term_signal, SIGTERM);
  assert_non_null(strstr(res.message, "timed out after 300ms"));
  assert_true(res.duration_ms >= 300 && res.duration_ms < 2000);
  assert_true(group_gone(pgid));
  sh_result_free(&res);
}

static void
test_timeout_escalates_to_sigkill(void **state)
{
  struct sh_request r = request("trap '' TERM; printf x; sleep 30 & sleep 30");
  struct sh_result res;
  struct sh_proc *p;
  pid_t pgid;

  (void)state;
  r.timeout_ms = 200;
  r.grace_ms = 300;
  sh_result_init(&res);
  assert_int_equal(sh_start(&r, &p, &res), SH_OK);
  pgid = sh_pid(p);
  sh_reap(p, &res);                             /* cancelled at once */
  assert_int_equal(res.status, SH_CANCELLED);
  assert_true(group_gone(pgid));

  assert_int_equal(sh_run(&r, &res), SH_TIMED_OUT);
  assert_int_equal(res.term_signal, SIGKILL);   /* SIGTERM was ignored */
  assert_true(res.duration_ms >= 500 && res.duration_ms < 3000);
  assert_string_equal(res.out.data, "x");       /* output up to the kill is kept */
  sh_result_free(&res);
}

static void
test_timeout_grace_lets_the_group_clean_up(void **state)
{
  /* the shell dies at SIGTERM; an inner shell traps it and needs 300 ms */
  struct sh_request r = request("sh -c 'trap \"sleep 0.3; printf cleaned; exit 0\" TERM;"
                                " printf ready; sleep 30 & wait' & sleep 30");
  struct sh_result res;

  (void)state;
  r.timeout_ms = 500;
  sh_result_init(&res);
  assert_int_equal(sh_run(&r, &res), SH_TIMED_OUT);
  assert_int_equal(res.term_signal, SIGTERM);
  assert_string_equal(res.out.data, "readycleaned");
  assert_true(res.duration_ms >= 750 && res.duration_ms < 2000);   /* not the 2 s grace */
  sh_result_free(&res);
}

static void
test_interrupt_flag_preset(void **state)
{
  volatile sig_atomic_t flag = 1;
  char cmd[128], marker[96];
  struct sh_request r;
  struct sh_result res;
  static char dummy;
  struct sh_proc *p = (struct sh_proc *)(void *)&dummy;

  (void)state;
  snprintf(marker, sizeof marker, "%s/ran", tmpdir);
  snprintf(cmd, sizeof cmd, "touch '%s'", marker);
  r = request(cmd);
  r.interrupt = &flag;
  sh_result_init(&res);
  assert_int_equal(sh_start(&r, &p, &res), SH_INTERRUPTED);
  assert_null(p);
  assert_int_equal(sh_run(&r, &res), SH_INTERRUPTED);
  assert_false(exists(marker));                 /* nothing was started */
  flag = 0;
  assert_int_equal(sh_run(&r, &res), SH_OK);
  assert_true(exists(marker));
  sh_result_free(&res);
}

static void
on_alarm(int sig)
{
  (void)sig;
  sh_interrupt_requested = 1;
}

static struct sigaction old_alarm;      /* SIGALRM disposition before the test */

/* Undo test_interrupt_by_signal's changes even when it fails. */
static int
reset_interrupt(void **state)
{
  struct itimerval off;

  (void)state;
  memset(&off, 0, sizeof off);
  setitimer(ITIMER_REAL, &off, NULL);
  sigaction(SIGALRM, &old_alarm, NULL);
  sh_interrupt_requested = 0;
  return 0;
}

static void
test_interrupt_by_signal(void **state)
{
  struct sigaction sa;
  struct itimerval it;
  struct sh_result res;
  struct sh_request r = request("sleep 30 & sleep 30");

  (void)state;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_alarm;
  sigemptyset(&sa.sa_mask);
  assert_int_equal(sigaction(SIGALRM, &sa, &old_alarm), 0);
  memset(&it, 0, sizeof it);
  it.it_value.tv_usec = 200000;
  sh_result_init(&res);
  assert_int_equal(setitimer(ITIMER_REAL, &it, NULL), 0);
  assert_int_equal(sh_run(&r, &res), SH_INTERRUPTED);
  assert_true(res.duration_ms >= 150 && res.duration_ms < 2000);
  assert_int_equal(res.term_signal, SIGTERM);
  assert_non_null(strstr(res.message, "interrupted"));
  assert_true(group_gone(group_in_message(res.message)));
  sh_result_free(&res);
}

/* A fake clock: each reading is one second later than the previous one. */
static int64_t
fast_clock(void *ctx)
{
  int64_t *t = ctx;

  return *t += 1000;
}

static void
test_clock_callback(void **state)
{
  int64_t fake = 0, t0 = mono_ms();
  struct sh_request r = request("sleep 30");
  struct sh_result res;

  (void)state;
  r.now_ms = fast_clock;
  r.clock_ctx = &fake;
  r.timeout_ms = 10000;                         /* 10 readings of the fake clock */
  sh_result_init(&res);
  assert_int_equal(sh_run(&r, &res), SH_TIMED_OUT);
  assert_true(mono_ms() - t0 < 10000);           /* not 10 s of real time */
  assert_true(fake >= 10000);
  assert_true(res.duration_ms >= 10000);
  sh_result_free(&res);
}

/* {==== the event loop ==== */

enum { N_CHILDREN = 24 };

static void
test_many_concurrent(void **state)
{
  struct sh_proc *procs[N_CHILDREN];
  struct sh_result res[N_CHILDREN];
  struct pollfd fds[SH_MAX_POLLFDS * N_CHILDREN];
  struct sh_proc *owner[SH_MAX_POLLFDS * N_CHILDREN];
  char cmd[N_CHILDREN][64];
  struct sh_request r;
  int64_t t0 = mono_ms(), next, until;
  size_t live = N_CHILDREN, n, k, i;
  int before = open_fds();

  (void)state;
  for (i = 0; i < N_CHILDREN; i++) {
    snprintf(cmd[i], sizeof cmd[i], "sleep 0.3; printf %zu; printf e%zu >&2", i, i);
    r = request(cmd[i]);
    sh_result_init(&res[i]);
    assert_int_equal(sh_start(&r, &procs[i], &res[i]), SH_OK);
  }
  while (live > 0) {
    next = SH_NO_DEADLINE;
    n = 0;
    for (i = 0; i < N_CHILDREN; i++) {
      if (procs[i] == NULL)
        continue;
      until = sh_poll_deadline(procs[i]);
      if (sh_done(procs[i])) {
        sh_reap(procs[i], &res[i]);
        procs[i] = NULL;
        live--;
        continue;
      }
      next = until < next ? until : next;
      k = sh_pollfds(procs[i], fds + n, SH_MAX_POLLFDS);
      for (; k > 0; k--)
        owner[n++] = procs[i];
    }
    if (live == 0)
      break;
    poll(fds, (nfds_t)n, (int)(next - mono_ms() < 0 ? 0 : next - mono_ms()));
    for (i = 0; i < n; i++)
      if (fds[i].revents)
        sh_on_readable(owner[i], fds[i].fd);
  }
  assert_true(mono_ms() - t0 < 3000);            /* concurrent, not 24 x 0.3 s */
  for (i = 0; i < N_CHILDREN; i++) {
    char want[16];

    assert_int_equal(res[i].status, SH_OK);
    assert_int_equal(res[i].exit_code, 0);
    snprintf(want, sizeof want, "%zu", i);
    assert_string_equal(res[i].out.data, want);
    snprintf(want, sizeof want, "e%zu", i);
    assert_string_equal(res[i].err.data, want);
    sh_result_free(&res[i]);
  }
  assert_int_equal(open_fds(), before);
}

/* {==== odds and ends ==== */

static void
test_background_job_does_not_hold_the_command(void **state)
{
  struct sh_request r = request("sleep 3 & printf done");
  struct sh_result res;
  struct sh_proc *p;
  int64_t t0 = mono_ms();
  pid_t pgid;

  (void)state;
  sh_result_init(&res);
  assert_int_equal(sh_start(&r, &p, &res), SH_OK);
  pgid = sh_pid(p);
  drive(p);
  sh_reap(p, &res);
  assert_int_equal(res.status, SH_OK);
  assert_true(mono_ms() - t0 < 1500);           /* not the 3 s of the sleep */
  assert_string_equal(res.out.data, "done");
  /* the background sleep is left running (a normal end kills nothing) */
  assert_int_equal(kill(-pgid, 0), 0);
  kill(-pgid, SIGKILL);
  assert_true(group_gone(pgid));
  sh_result_free(&res);
}

static void
test_invalid_requests(void **state)
{
  struct sh_request r = request("echo a");
  struct sh_result res;
  struct sh_proc *p;

  (void)state;
  sh_result_init(&res);
  r.command = NULL;
  assert_int_equal(sh_run(&r, &res), SH_ERR_INVALID);
  assert_int_equal(sh_start(NULL, &p, &res), SH_ERR_INVALID);
  assert_null(p);
  r = request("sleep 5");
  assert_int_equal(sh_start(&r, &p, &res), SH_OK);
  {
    struct pollfd fds[SH_MAX_POLLFDS];

    assert_int_equal(sh_pollfds(p, fds, 1), 1);          /* bounded by max */
    assert_in_range(sh_pollfds(p, fds, SH_MAX_POLLFDS), 2, 3);   /* + pidfd on Linux */
    assert_int_equal(sh_pollfds(NULL, fds, 2), 0);
    sh_on_readable(p, 12345);                          /* not ours: ignored */
    sh_on_readable(NULL, fds[0].fd);
    assert_false(sh_done(p));
    assert_false(sh_done(NULL));
    assert_int_equal(sh_pid(NULL), -1);
  }
  sh_reap(p, &res);
  assert_int_equal(res.status, SH_CANCELLED);
  r.command = "echo a\0; touch x";
  r.command_len = 16;
  assert_int_equal(sh_run(&r, &res), SH_ERR_INVALID);
  assert_non_null(strstr(res.message, "NUL"));
  assert_string_equal(sh_status_name(SH_TIMED_OUT), "timed-out");
  assert_string_equal(sh_status_name((enum sh_status)99), "unknown");
  sh_reap(NULL, &res);
  sh_result_free(&res);
  sh_result_free(NULL);
}

static void
test_no_fd_leaks_into_child(void **state)
{
  struct sh_request r = request("sleep 30");
  struct sh_result res;
  struct sh_proc *p;
  char path[64], target[256];
  ssize_t len;
  int fd, i, before;
  DIR *d;
  struct dirent *e;

  (void)state;
  fd = open("/dev/null", O_RDONLY);             /* deliberately not O_CLOEXEC */
  assert_true(fd >= 3);
  before = open_fds();
  sh_result_init(&res);
  assert_int_equal(sh_start(&r, &p, &res), SH_OK);
  snprintf(path, sizeof path, "/proc/%ld/fd", (long)sh_pid(p));
  d = opendir(path);
  assert_non_null(d);
  while ((e = readdir(d)) != NULL) {            /* checksrc: ignore ASSIGNCOND */
    if (e->d_name[0] == '.')
      continue;
    i = atoi(e->d_name);
    assert_in_range(i, 0, 2);                   /* 0 1 2 and nothing else */
  }
  closedir(d);
  snprintf(path, sizeof path, "/proc/%ld/fd/0", (long)sh_pid(p));
  len = readlink(path, target, sizeof target - 1);
  assert_true(len > 0);
  target[len] = '\0';
  assert_string_equal(target, "/dev/null");
  sh_reap(p, &res);
  assert_int_equal(res.status, SH_CANCELLED);
  sh_result_free(&res);
  assert_int_equal(open_fds(), before);
  close(fd);
}

static void
test_out_of_descriptors(void **state)
{
  struct sh_request r = request("true");
  struct sh_result res;
  struct rlimit old, low;
  int free_fds[8], n = 0, fd, before, k;

  (void)state;
  /* RLIMIT_NOFILE bounds descriptor numbers: a limit of free_fds[k] leaves
     exactly k descriptors to open, whatever else is open below it */
  for (fd = 0; n < 8; fd++)
    if (fcntl(fd, F_GETFD) == -1 && errno == EBADF)
      free_fds[n++] = fd;
  before = open_fds();
  assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
  low = old;
  sh_result_init(&res);
  for (k = 0; k <= 7; k++) {
    low.rlim_cur = (rlim_t)free_fds[k];
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
    sh_run(&r, &res);
    setrlimit(RLIMIT_NOFILE, &old);
    assert_int_equal(open_fds(), before);       /* what was made is closed */
    if (k < 6) {                                /* one of the three pipes fails */
      assert_int_equal(res.status, SH_ERR_SYSTEM);
      assert_non_null(strstr(res.message, "cannot create a pipe"));
      assert_int_equal(res.exit_code, -1);
    } else if (k == 6) {                        /* the pipes fit, the child's /dev/null not */
      assert_int_equal(res.status, SH_ERR_SYSTEM);
      assert_non_null(strstr(res.message, "cannot set up the child process (stdio)"));
    } else {
      assert_int_equal(res.status, SH_OK);
    }
  }
  sh_result_free(&res);
}

static void
test_child_signals_are_clean(void **state)
{
  struct sigaction ign, old_pipe, old_hup;
  sigset_t block, old_mask;
  struct sh_result res;

  (void)state;
  memset(&ign, 0, sizeof ign);
  ign.sa_handler = SIG_IGN;
  sigemptyset(&ign.sa_mask);
  sigaction(SIGPIPE, &ign, &old_pipe);          /* what libcurl users do */
  sigaction(SIGHUP, &ign, &old_hup);
  sigemptyset(&block);
  sigaddset(&block, SIGUSR1);
  sigprocmask(SIG_BLOCK, &block, &old_mask);
  run("grep -E '^Sig(Ign|Blk)' /proc/self/status | tr '\\t\\n' '  '", &res);
  sigprocmask(SIG_SETMASK, &old_mask, NULL);
  sigaction(SIGPIPE, &old_pipe, NULL);
  sigaction(SIGHUP, &old_hup, NULL);
  assert_int_equal(res.status, SH_OK);
  {
    unsigned long long blk = 1, ignored = 1;

    assert_int_equal(sscanf(res.out.data, "SigBlk: %llx SigIgn: %llx", &blk, &ignored), 2);
    assert_int_equal(blk, 0);
    /* 1..31: everything a program can set; glibc keeps 32 and 33 for itself
       (sigaction refuses them), so an ignored 32/33 from the test harness stays */
    assert_int_equal(ignored & 0x7fffffffULL, 0);
    assert_int_equal(ignored >> 33, 0);            /* real-time signals 34.. */
  }
  sh_result_free(&res);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_quote_table),
    cmocka_unit_test(test_quote_appends_and_rejects_nul),
    cmocka_unit_test(test_injection_strings_stay_literal),
    cmocka_unit_test(test_each_value_is_one_argument),
    cmocka_unit_test(test_exit_codes),
    cmocka_unit_test(test_exec_failure),
    cmocka_unit_test(test_capture),
    cmocka_unit_test(test_large_output_truncated),
    cmocka_unit_test(test_env_reaches_child),
    cmocka_unit_test(test_env_refused),
    cmocka_unit_test(test_secret_not_on_any_cmdline),
    cmocka_unit_test(test_timeout_kills_group),
    cmocka_unit_test(test_timeout_escalates_to_sigkill),
    cmocka_unit_test(test_timeout_grace_lets_the_group_clean_up),
    cmocka_unit_test(test_interrupt_flag_preset),
    cmocka_unit_test_teardown(test_interrupt_by_signal, reset_interrupt),
    cmocka_unit_test(test_clock_callback),
    cmocka_unit_test(test_many_concurrent),
    cmocka_unit_test(test_background_job_does_not_hold_the_command),
    cmocka_unit_test(test_invalid_requests),
    cmocka_unit_test(test_no_fd_leaks_into_child),
    cmocka_unit_test(test_out_of_descriptors),
    cmocka_unit_test(test_child_signals_are_clean),
  };

  return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
