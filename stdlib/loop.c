/*
** loop.c: the run's one event loop (stdlib/loop.h).
**
** Everything that waits is a waiter (struct loop_waiter) on the loop's
** list: a sleep until a time of the run's clock, a libcurl transfer, a
** child process (stdlib/shell.h), a flag set by a callback.  A wait
** (loop_wait) links its waiter, then
**   - outside a fiber: runs the loop (loop_turn) until the waiter is done;
**   - inside a fiber: see "fibers" (added with the parallel issue).
**
** One turn of the loop: collect the children's descriptors and the nearest
** deadline (a child's next sh_poll_deadline, a sleep on the real clock,
** libcurl's timer, CLOCK_SLICE_MS at most so an interrupt is seen in
** time), then wait with one poll(2) on the pipes, libcurl's sockets and
** the descriptors of loop_wait_fds (http.bench's connections);
** afterwards hand what is readable to the children, tell libcurl which of
** its sockets are ready (curl_multi_socket_action: only the transfers on
** those sockets do any work, instead of curl_multi_perform looking at
** every transfer), collect finished transfers and wake whoever is done.
** When nothing but sleeps on the virtual clock is pending, the turn
** advances the clock to the earliest wake-up at once.
**
** libcurl is initialised lazily by
** loop_curl_init (the first transfer):
** curl_global_init once per process, then the run's multi handle and a
** share handle for the DNS cache and TLS sessions.
*/
#define _GNU_SOURCE

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#ifdef HAVE_VALGRIND_VALGRIND_H
#include <valgrind/valgrind.h>
#endif

#include "stdlib/loop.h"

/* {==== types ==== */

enum loop_wkind {
  LOOP_W_SLEEP,                 /* until the clock reaches wake_at */
  LOOP_W_CURL,                  /* until transfer xfer ends */
  LOOP_W_SH,                    /* until sh_done(proc) */
  LOOP_W_FLAG,                  /* until *flag */
  LOOP_W_FIBERS,                /* until one of fibers[0..nfibers) is done */
  LOOP_W_FDS                    /* until one of pfds[0..npfds) is ready, or due (real ms) */
};

/* One pending wait. */
struct loop_waiter {
  enum loop_wkind kind;
  bool done;                    /* what it waits for has happened */
  int64_t wake_at;              /* LOOP_W_SLEEP: clock_monotonic_ms of the loop's clock */
  struct sh_proc *proc;         /* LOOP_W_SH: the child (borrowed) */
  int64_t due;                  /* LOOP_W_SH: real ms by which to call sh_poll_deadline */
  const bool *flag;             /* LOOP_W_FLAG (borrowed) */
  CURLcode result;              /* LOOP_W_CURL: how the transfer ended */
  struct loop_fiber *const *fibers;     /* LOOP_W_FIBERS (borrowed) */
  size_t nfibers;
  struct pollfd *pfds;          /* LOOP_W_FDS (borrowed; revents set when done) */
  size_t npfds;
  struct loop_fiber *fiber;     /* the fiber waiting, or NULL (the main context) */
  struct loop_waiter *next;     /* the loop's list */
  struct loop_waiter *prev;
};

/* A transfer on the multi handle. */
struct loop_xfer {
  CURL *e;                      /* borrowed easy handle */
  loop_curl_done_fn *done;      /* loop_curl_start's callback, or NULL */
  void *ud;                     /* its argument */
  struct loop_waiter *w;        /* loop_curl_perform's waiter, or NULL */
  struct loop_xfer *next;       /* the loop's list */
};

/* A fiber: a C stack of its own and the context to switch to it. */
struct loop_fiber {
  struct rbc_loop *l;           /* its loop */
  ucontext_t ctx;               /* where it goes on */
  void *map;                    /* the mapping: guard page, then the stack */
  size_t map_len;
  loop_fiber_fn *fn;            /* what it runs */
  void *ud;
  bool done;                    /* fn returned */
  struct loop_waiter *waiting;  /* the wait it is in, or NULL: it can run */
  void *asan_fake;              /* ASan's fake stack of the fiber while switched out */
  unsigned vg_id;               /* valgrind's id of the stack */
  struct loop_fiber *next;      /* the loop's list, in creation order */
  struct loop_fiber *prev;
};

struct rbc_loop {
  struct rbc_clock *clock;              /* borrowed */
  volatile sig_atomic_t *interrupt;     /* borrowed, or NULL */
  struct loop_waiter *waiters;          /* pending waits (not owned: on their callers' stacks) */
  struct loop_xfer *xfers;              /* owned: transfers on the multi handle */
  CURLM *multi;                         /* NULL until loop_curl_init */
  CURLSH *share;                        /* DNS cache and TLS sessions */
  bool curl_global;                     /* this loop ran curl_global_init */
  struct loop_fiber *cur;               /* the fiber running, or NULL */
  struct loop_fiber *fibers;            /* not owned: every fiber not yet freed */
  struct loop_fiber *fibers_tail;
  ucontext_t main_ctx;                  /* the main context while a fiber runs */
  const void *main_bottom;              /* ASan: the main stack's bounds */
  size_t main_size;
  struct pollfd *pfds;                  /* owned: the children's descriptors of a turn */
  struct sh_proc **pwho;                /* owned: whose each is */
  size_t pcap;                          /* entries of each */
  struct pollfd *socks;                 /* owned: libcurl's sockets (CURLMOPT_SOCKETFUNCTION) */
  size_t nsocks, capsocks;
  int64_t curl_due;                     /* real ms of libcurl's timer, or -1 */
  const struct sim *sim;                /* rbc test's simulated world (stdlib/sim.h), or NULL */
};

/* }==== */

/* {==== switching stacks ==== */

/*
** A fiber runs on a stack mapped with a guard page below it (an overflow
** faults instead of writing over the heap); ucontext switches to it and
** back.  AddressSanitizer must be told about each switch (its fake stacks
** and stack bounds), valgrind about each stack, or both would report the
** switches as stack corruption.
*/
#if defined(__SANITIZE_ADDRESS__)
#define LOOP_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define LOOP_ASAN 1
#endif
#endif
#ifdef LOOP_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif

/* The fiber fiber_entry starts (set just before the first switch into it). */
static struct loop_fiber *starting;

static size_t page_size(void)
{
  long p = sysconf(_SC_PAGESIZE);

  return p > 0 ? (size_t)p : 4096;
}

/* Before a switch: to the stack [bottom, bottom + size); fake keeps this side's fake stack. */
static void asan_start(void **fake, const void *bottom, size_t size)
{
#ifdef LOOP_ASAN
  __sanitizer_start_switch_fiber(fake, bottom, size);
#else
  (void)fake;
  (void)bottom;
  (void)size;
#endif
}

/* After a switch: back on this side; the bounds of the side left go to *bottom, *size. */
static void asan_finish(void *fake, const void **bottom, size_t *size)
{
#ifdef LOOP_ASAN
  __sanitizer_finish_switch_fiber(fake, bottom, size);
#else
  (void)fake;
  (void)bottom;
  (void)size;
#endif
}

/* Tell valgrind about a stack; its id (0 without valgrind). */
static unsigned vg_register(char *start, size_t size)
{
#ifdef HAVE_VALGRIND_VALGRIND_H
  return VALGRIND_STACK_REGISTER(start, start + size);
#else
  (void)start;
  (void)size;
  return 0;
#endif
}

static void vg_deregister(unsigned id)
{
#ifdef HAVE_VALGRIND_VALGRIND_H
  VALGRIND_STACK_DEREGISTER(id);
#else
  (void)id;
#endif
}

/*
** Save the running context in *from and go on at *to.  Under ASan with
** getcontext + setcontext: its swapcontext interceptor prints a warning on
** every run (the switches are annotated above, so it has nothing to add).
*/
static void ctx_switch(ucontext_t *from, const ucontext_t *to)
{
#ifdef LOOP_ASAN
  volatile bool back = false;

  getcontext(from);
  if (!back) {
    back = true;
    setcontext(to);
  }
#else
  swapcontext(from, to);
#endif
}

/* From fiber f back to the main context, until the scheduler resumes f. */
static void fiber_yield(struct loop_fiber *f)
{
  struct rbc_loop *l = f->l;

  asan_start(&f->asan_fake, l->main_bottom, l->main_size);
  ctx_switch(&f->ctx, &l->main_ctx);
  asan_finish(f->asan_fake, &l->main_bottom, &l->main_size);
}

/* The first function on a fiber's stack: run it, mark it done, never return. */
static void fiber_entry(void)
{
  struct loop_fiber *f = starting;
  struct rbc_loop *l = f->l;

  asan_finish(NULL, &l->main_bottom, &l->main_size);
  f->fn(f->ud);
  f->done = true;
  asan_start(NULL, l->main_bottom, l->main_size);
  setcontext(&l->main_ctx);
}

/* }==== */

/* {==== the loop ==== */

/* curl_global_init has run (and its loop has not cleaned it up yet). */
static bool global_done;

struct rbc_loop *loop_new(struct rbc_clock *c, volatile sig_atomic_t *interrupt)
{
  struct rbc_loop *l = calloc(1, sizeof *l);

  if (!l)
    return NULL;
  l->clock = c;
  l->interrupt = interrupt;
  l->curl_due = -1;
  return l;
}

void loop_free(struct rbc_loop *l)
{
  if (!l)
    return;
  while (l->xfers) {
    struct loop_xfer *x = l->xfers;

    l->xfers = x->next;
    if (l->multi)
      curl_multi_remove_handle(l->multi, x->e);
    free(x);
  }
  if (l->multi)
    curl_multi_cleanup(l->multi);
  if (l->share)
    curl_share_cleanup(l->share);
  if (l->curl_global) {
    curl_global_cleanup();
    global_done = false;
  }
  free(l->pfds);
  free(l->pwho);
  free(l->socks);
  free(l);
}

struct rbc_clock *loop_clock(struct rbc_loop *l)
{
  return l->clock;
}

bool loop_interrupted(const struct rbc_loop *l)
{
  return l->interrupt && *l->interrupt;
}

/* CLOCK_MONOTONIC in ms: children and transfers run in real time. */
static int64_t real_ms(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void link_waiter(struct rbc_loop *l, struct loop_waiter *w)
{
  w->prev = NULL;
  w->next = l->waiters;
  if (l->waiters)
    l->waiters->prev = w;
  l->waiters = w;
}

static void unlink_waiter(struct rbc_loop *l, struct loop_waiter *w)
{
  if (w->prev)
    w->prev->next = w->next;
  else
    l->waiters = w->next;
  if (w->next)
    w->next->prev = w->prev;
  w->next = w->prev = NULL;
}

/* }==== */

/* {==== one turn ==== */

/* Is anything pending that runs in real time (a transfer, a child, a callback's flag)? */
static bool real_work(const struct rbc_loop *l)
{
  if (l->xfers)
    return true;
  for (const struct loop_waiter *w = l->waiters; w; w = w->next)
    if (!w->done && w->kind != LOOP_W_SLEEP && w->kind != LOOP_W_FIBERS)
      return true;
  return false;
}

/* Is one of w's fibers done? */
static bool fibers_done(const struct loop_waiter *w)
{
  for (size_t i = 0; i < w->nfibers; i++)
    if (w->fibers[i]->done)
      return true;
  return false;
}

/* Mark the sleeps that are due, the flags that are set, the joins that can go on done. */
static void wake_sleepers(struct rbc_loop *l)
{
  int64_t now = clock_monotonic_ms(l->clock);

  for (struct loop_waiter *w = l->waiters; w; w = w->next) {
    if (w->kind == LOOP_W_SLEEP && !w->done && now >= w->wake_at)
      w->done = true;
    else if (w->kind == LOOP_W_FLAG && *w->flag)
      w->done = true;
    else if (w->kind == LOOP_W_FIBERS && fibers_done(w))
      w->done = true;
    else if (w->kind == LOOP_W_FDS && !w->done && w->due >= 0 && real_ms() >= w->due)
      w->done = true;
  }
}

/*
** Only sleeps on the virtual clock are pending: advance the clock to the
** earliest wake-up.  Returns false when there is no such sleep.
*/
static bool advance_virtual(struct rbc_loop *l)
{
  int64_t earliest = INT64_MAX, now;

  for (const struct loop_waiter *w = l->waiters; w; w = w->next)
    if (w->kind == LOOP_W_SLEEP && !w->done && w->wake_at < earliest)
      earliest = w->wake_at;
  if (earliest == INT64_MAX)
    return false;
  now = clock_monotonic_ms(l->clock);
  if (earliest > now && clock_sleep_ms(l->clock, earliest - now) != CLOCK_OK)
    return true;                        /* interrupted: the caller sees the flag */
  wake_sleepers(l);
  return true;
}

/* The children's descriptors into fds (at most max); their owners into who. */
static size_t child_fds(struct rbc_loop *l, struct pollfd *fds, struct sh_proc **who,
                        size_t max)
{
  size_t n = 0;

  for (struct loop_waiter *w = l->waiters; w; w = w->next) {
    size_t k;

    if (w->kind != LOOP_W_SH || w->done || max - n < SH_MAX_POLLFDS)
      continue;
    k = sh_pollfds(w->proc, fds + n, SH_MAX_POLLFDS);
    for (size_t i = 0; i < k; i++)
      who[n + i] = w->proc;
    n += k;
  }
  return n;
}

/* How long this turn may wait (ms): the nearest deadline, CLOCK_SLICE_MS at most. */
static int turn_timeout(const struct rbc_loop *l)
{
  int64_t t = CLOCK_SLICE_MS, now = real_ms();
  bool virt = clock_is_virtual(l->clock);
  int64_t cnow = virt ? 0 : clock_monotonic_ms(l->clock);

  for (const struct loop_waiter *w = l->waiters; w; w = w->next) {
    if (w->done)
      continue;
    if ((w->kind == LOOP_W_SH || (w->kind == LOOP_W_FDS && w->due >= 0)) && w->due - now < t)
      t = w->due - now;
    else if (w->kind == LOOP_W_SLEEP && !virt && w->wake_at - cnow < t)
      t = w->wake_at - cnow;
  }
  if (l->xfers && l->curl_due >= 0 && l->curl_due - now < t)
    t = l->curl_due - now;
  return t < 0 ? 0 : (int)t;
}

/* Advance every child's state machine; mark the finished ones done. */
static void drive_children(struct rbc_loop *l)
{
  for (struct loop_waiter *w = l->waiters; w; w = w->next) {
    if (w->kind != LOOP_W_SH || w->done)
      continue;
    w->due = sh_poll_deadline(w->proc);
    if (sh_done(w->proc))
      w->done = true;
  }
}

/* A transfer ended: take it off the multi handle, tell its owner. */
static void xfer_ended(struct rbc_loop *l, CURL *e, CURLcode rc)
{
  struct loop_xfer **pp = &l->xfers, *x;

  while (*pp && (*pp)->e != e)
    pp = &(*pp)->next;
  x = *pp;
  curl_multi_remove_handle(l->multi, e);
  if (!x)
    return;
  *pp = x->next;
  if (x->w) {
    x->w->done = true;
    x->w->result = rc;
  }
  if (x->done)
    x->done(x->ud, e, rc);
  free(x);
}

/* Collect the transfers that ended (their callbacks may start others). */
static void curl_collect(struct rbc_loop *l)
{
  CURLMsg *m;
  int left = 0;

  for (m = curl_multi_info_read(l->multi, &left); m; m = curl_multi_info_read(l->multi, &left))
    if (m->msg == CURLMSG_DONE)
      xfer_ended(l, m->easy_handle, m->data.result);
}

/*
** Run libcurl's timer when it is due (it is due at once after a transfer
** was added), then collect the transfers that ended.  A callback that
** starts the next transfer makes the timer due again: run it again, a few
** times at most, so the request goes out before the loop waits.
*/
static void curl_progress(struct rbc_loop *l)
{
  int running = 0;

  if (!l->multi || !l->xfers)
    return;
  curl_collect(l);
  for (int i = 0; i < 4 && l->xfers && l->curl_due >= 0 && real_ms() >= l->curl_due; i++) {
    l->curl_due = -1;
    curl_multi_socket_action(l->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    curl_collect(l);
  }
}

/* CURLMOPT_SOCKETFUNCTION: libcurl waits on s for what (or no longer: CURL_POLL_REMOVE). */
static int on_curl_socket(CURL *e, curl_socket_t s, int what, void *ud, void *sp)
{
  struct rbc_loop *l = ud;
  size_t i = 0;

  (void)e;
  (void)sp;
  while (i < l->nsocks && l->socks[i].fd != s)
    i++;
  if (what == CURL_POLL_REMOVE) {
    if (i < l->nsocks)
      l->socks[i] = l->socks[--l->nsocks];
    return 0;
  }
  if (i == l->capsocks) {
    size_t cap = l->capsocks ? l->capsocks * 2 : 16;
    struct pollfd *a = realloc(l->socks, cap * sizeof *a);

    if (!a)
      return -1;
    l->socks = a;
    l->capsocks = cap;
  }
  if (i == l->nsocks)
    l->nsocks++;
  l->socks[i].fd = s;
  l->socks[i].events = (short)((what & CURL_POLL_IN ? POLLIN : 0)
                               | (what & CURL_POLL_OUT ? POLLOUT : 0));
  l->socks[i].revents = 0;
  return 0;
}

/* CURLMOPT_TIMERFUNCTION: run curl_multi_socket_action(TIMEOUT) in ms (-1: never). */
static int on_curl_timer(CURLM *m, long ms, void *ud)
{
  struct rbc_loop *l = ud;

  (void)m;
  l->curl_due = ms < 0 ? -1 : real_ms() + ms;
  return 0;
}

/*
** What poll's revents on a libcurl socket mean to curl_multi_socket_action.
** An error or a hang-up is passed as readable/writable (as curl_multi_poll
** would), so that libcurl's own recv/send finds the error and reports it
** with its proper code (a reset is CURLE_RECV_ERROR, not a poll error).
*/
static int curl_events(short asked, short got)
{
  int ev = 0;

  if ((asked & POLLIN) && (got & (POLLIN | POLLHUP | POLLERR)))
    ev |= CURL_CSELECT_IN;
  if ((asked & POLLOUT) && (got & (POLLOUT | POLLHUP | POLLERR)))
    ev |= CURL_CSELECT_OUT;
  return ev != 0 ? ev : CURL_CSELECT_ERR;
}

/*
** Room for the descriptors of every running child and libcurl's sockets in
** the loop's arrays (kept from turn to turn).  Out of memory, the arrays
** stay as they are and the children past them wait for a later turn.
*/
static void grow_fds(struct rbc_loop *l)
{
  size_t need = l->nsocks, cap;
  void *a, *b;

  for (const struct loop_waiter *w = l->waiters; w; w = w->next)
    need += w->kind == LOOP_W_SH && !w->done ? SH_MAX_POLLFDS
            : w->kind == LOOP_W_FDS && !w->done ? w->npfds : 0;
  if (need <= l->pcap)
    return;
  cap = need < 48 ? 48 : need * 2;
  a = realloc(l->pfds, cap * sizeof *l->pfds);
  if (a)
    l->pfds = a;
  b = realloc(l->pwho, cap * sizeof *l->pwho);
  if (b)
    l->pwho = b;
  if (a && b)
    l->pcap = cap;
}

/* Append the descriptors of the loop_wait_fds waiters to fds[n..max); the new n. */
static size_t waiter_fds(struct rbc_loop *l, struct pollfd *fds, size_t n, size_t max)
{
  for (struct loop_waiter *w = l->waiters; w; w = w->next) {
    if (w->kind != LOOP_W_FDS || w->done || max - n < w->npfds)
      continue;
    memcpy(fds + n, w->pfds, w->npfds * sizeof *fds);
    n += w->npfds;
  }
  return n;
}

/* Copy poll's answers back to the loop_wait_fds waiters (as waiter_fds laid them out). */
static void waiter_ready(struct rbc_loop *l, const struct pollfd *fds, size_t n, size_t max)
{
  for (struct loop_waiter *w = l->waiters; w; w = w->next) {
    if (w->kind != LOOP_W_FDS || w->done || max - n < w->npfds)
      continue;
    for (size_t i = 0; i < w->npfds; i++) {
      w->pfds[i].revents = fds[n + i].revents;
      if (fds[n + i].revents)
        w->done = true;
    }
    n += w->npfds;
  }
}

/* Wait on the children's descriptors and libcurl's sockets at most timeout ms. */
static void wait_io(struct rbc_loop *l, int timeout)
{
  struct pollfd *fds;
  struct sh_proc **who;
  size_t n, nc = 0, nw;
  int running = 0;

  grow_fds(l);
  fds = l->pfds;
  who = l->pwho;
  if (l->multi && l->xfers && l->nsocks <= l->pcap) {
    nc = l->nsocks;
    memcpy(fds, l->socks, nc * sizeof *fds);
  }
  n = nc + child_fds(l, fds + nc, who + nc, l->pcap - nc);
  nw = waiter_fds(l, fds, n, l->pcap);
  if (poll(fds, (nfds_t)nw, timeout) < 0)
    return;                             /* EINTR: the caller looks at the flag */
  waiter_ready(l, fds, n, l->pcap);
  for (size_t i = 0; i < nc; i++)
    if (fds[i].revents)
      curl_multi_socket_action(l->multi, fds[i].fd, curl_events(fds[i].events, fds[i].revents),
                               &running);
  for (size_t i = nc; i < n; i++)
    if (fds[i].revents)
      sh_on_readable(who[i], fds[i].fd);
}

/*
** One turn: wait for whatever comes first (I/O, a deadline, CLOCK_SLICE_MS)
** and mark the waiters it finishes done.
*/
static void loop_turn(struct rbc_loop *l)
{
  drive_children(l);
  curl_progress(l);
  wake_sleepers(l);
  for (const struct loop_waiter *w = l->waiters; w; w = w->next)
    if (w->done)
      return;                           /* someone can go on already */
  if (loop_interrupted(l))
    return;
  if (clock_is_virtual(l->clock) && !real_work(l) && advance_virtual(l))
    return;
  wait_io(l, turn_timeout(l));
  drive_children(l);
  curl_progress(l);
  wake_sleepers(l);
}

/* }==== */

/* {==== fibers ==== */

/* Does the wait w end now?  0 no, 1 done, -1 interrupted. */
static int wait_state(struct rbc_loop *l, struct loop_waiter *w)
{
  if ((w->kind == LOOP_W_FLAG && *w->flag) || (w->kind == LOOP_W_FIBERS && fibers_done(w)))
    w->done = true;
  if (w->done)
    return 1;
  return w->kind != LOOP_W_FIBERS && loop_interrupted(l) ? -1 : 0;
}

/* Switch from the main context into f until it waits or ends. */
static void fiber_resume(struct rbc_loop *l, struct loop_fiber *f)
{
  void *fake = NULL;

  l->cur = f;
  starting = f;
  asan_start(&fake, (char *)f->map + page_size(), f->map_len - page_size());
  ctx_switch(&l->main_ctx, &f->ctx);
  asan_finish(fake, NULL, NULL);
  l->cur = NULL;
}

/* Run the first fiber (in creation order) that can run.  false when none can. */
static bool run_fiber(struct rbc_loop *l)
{
  for (struct loop_fiber *f = l->fibers; f; f = f->next)
    if (!f->done && (!f->waiting || wait_state(l, f->waiting) != 0)) {
      fiber_resume(l, f);
      return true;
    }
  return false;
}

/*
** getcontext returns twice, like setjmp; kept in a function of its own so
** that no local of the caller lives across it (-Wclobbered).
*/
static __attribute__((noinline)) int ctx_get(ucontext_t *c)
{
  return getcontext(c);
}

struct loop_fiber *loop_fiber_new(struct rbc_loop *l, loop_fiber_fn *fn, void *ud)
{
  struct loop_fiber *f = calloc(1, sizeof *f);
  size_t page = page_size();

  if (!f)
    return NULL;
  f->map_len = LOOP_FIBER_STACK + page;
  f->map = mmap(NULL, f->map_len, PROT_READ | PROT_WRITE,
                MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK | MAP_NORESERVE, -1, 0);
  if (f->map == MAP_FAILED) {
    free(f);
    return NULL;
  }
  if (mprotect(f->map, page, PROT_NONE) != 0 || ctx_get(&f->ctx) != 0) {
    munmap(f->map, f->map_len);
    free(f);
    return NULL;
  }
  f->ctx.uc_stack.ss_sp = (char *)f->map + page;
  f->ctx.uc_stack.ss_size = LOOP_FIBER_STACK;
  f->ctx.uc_link = NULL;
  makecontext(&f->ctx, fiber_entry, 0);
  f->vg_id = vg_register((char *)f->map + page, LOOP_FIBER_STACK);
  f->l = l;
  f->fn = fn;
  f->ud = ud;
  f->prev = l->fibers_tail;
  if (l->fibers_tail)
    l->fibers_tail->next = f;
  else
    l->fibers = f;
  l->fibers_tail = f;
  return f;
}

bool loop_fiber_done(const struct loop_fiber *f)
{
  return f->done;
}

void loop_fiber_free(struct loop_fiber *f)
{
  struct rbc_loop *l;

  if (!f)
    return;
  l = f->l;
  if (f->prev)
    f->prev->next = f->next;
  else
    l->fibers = f->next;
  if (f->next)
    f->next->prev = f->prev;
  else
    l->fibers_tail = f->prev;
  vg_deregister(f->vg_id);
#ifdef LOOP_ASAN
  /* frames left on the stack keep their redzones poisoned: a later mapping may reuse it */
  __asan_unpoison_memory_region((char *)f->map + page_size(), f->map_len - page_size());
#endif
  munmap(f->map, f->map_len);
  free(f);
}

bool loop_in_fiber(const struct rbc_loop *l)
{
  return l->cur != NULL;
}

/*
** Wait until w is done: link it; in a fiber, switch to the main context
** until the scheduler finds it done; in the main context, run the fibers
** that can run and turn the loop.  0, or -1 when the interrupt flag is set
** first (never for LOOP_W_FIBERS).
*/
static int loop_wait(struct rbc_loop *l, struct loop_waiter *w)
{
  struct loop_fiber *f = l->cur;
  int st;

  w->fiber = f;
  link_waiter(l, w);
  for (st = wait_state(l, w); st == 0; st = wait_state(l, w)) {
    if (f) {
      f->waiting = w;
      fiber_yield(f);
      f->waiting = NULL;
    } else if (!run_fiber(l)) {
      loop_turn(l);
    }
  }
  unlink_waiter(l, w);
  return st < 0 ? -1 : 0;
}

int loop_fiber_wait(struct rbc_loop *l, struct loop_fiber *const *fs, size_t n)
{
  struct loop_waiter w;

  if (n == 0)
    return -1;
  memset(&w, 0, sizeof w);
  w.kind = LOOP_W_FIBERS;
  w.fibers = fs;
  w.nfibers = n;
  return loop_wait(l, &w);
}

/* }==== */

/* {==== HTTP transfers ==== */

int loop_curl_init(struct rbc_loop *l)
{
  if (l->multi)
    return 0;
  if (!global_done) {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
      return -1;
    global_done = true;
    l->curl_global = true;
  }
  l->multi = curl_multi_init();
  l->share = curl_share_init();
  if (!l->multi || !l->share) {
    if (l->multi)
      curl_multi_cleanup(l->multi);
    if (l->share)
      curl_share_cleanup(l->share);
    l->multi = NULL;
    l->share = NULL;
    return -1;
  }
  curl_multi_setopt(l->multi, CURLMOPT_SOCKETFUNCTION, on_curl_socket);
  curl_multi_setopt(l->multi, CURLMOPT_SOCKETDATA, l);
  curl_multi_setopt(l->multi, CURLMOPT_TIMERFUNCTION, on_curl_timer);
  curl_multi_setopt(l->multi, CURLMOPT_TIMERDATA, l);
  curl_share_setopt(l->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
  curl_share_setopt(l->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
  return 0;
}

/* Put e on the multi handle with a new transfer record; NULL when it cannot. */
static struct loop_xfer *add_xfer(struct rbc_loop *l, CURL *e)
{
  struct loop_xfer *x;

  if (loop_curl_init(l) != 0)
    return NULL;
  x = calloc(1, sizeof *x);
  if (!x)
    return NULL;
  x->e = e;
  curl_easy_setopt(e, CURLOPT_SHARE, l->share);
  if (curl_multi_add_handle(l->multi, e) != CURLM_OK) {
    free(x);
    return NULL;
  }
  x->next = l->xfers;
  l->xfers = x;
  return x;
}

void loop_set_sim(struct rbc_loop *l, const struct sim *sim)
{
  l->sim = sim;
}

const struct sim *loop_sim(const struct rbc_loop *l)
{
  return l ? l->sim : NULL;
}

int loop_curl_perform(struct rbc_loop *l, CURL *e, CURLcode *rc)
{
  struct loop_waiter w;
  struct loop_xfer *x;

  if (l->sim) {                         /* rbc test: nothing reaches the network */
    *rc = CURLE_COULDNT_CONNECT;
    return -1;
  }
  if (loop_interrupted(l)) {
    *rc = CURLE_ABORTED_BY_CALLBACK;
    return -1;
  }
  x = add_xfer(l, e);
  if (!x) {
    *rc = CURLE_FAILED_INIT;
    return -1;
  }
  memset(&w, 0, sizeof w);
  w.kind = LOOP_W_CURL;
  x->w = &w;
  if (loop_wait(l, &w) != 0) {
    loop_curl_cancel(l, e);
    *rc = CURLE_ABORTED_BY_CALLBACK;
    return -1;
  }
  *rc = w.result;                       /* xfer_ended freed the record */
  return 0;
}

int loop_curl_start(struct rbc_loop *l, CURL *e, loop_curl_done_fn *done, void *ud)
{
  struct loop_xfer *x = l->sim ? NULL : add_xfer(l, e);

  if (!x)
    return -1;
  x->done = done;
  x->ud = ud;
  return 0;
}

void loop_curl_cancel(struct rbc_loop *l, CURL *e)
{
  struct loop_xfer **pp = &l->xfers, *x;

  while (*pp && (*pp)->e != e)
    pp = &(*pp)->next;
  x = *pp;
  if (!x)
    return;
  *pp = x->next;
  curl_multi_remove_handle(l->multi, e);
  free(x);
}

int loop_wait_flag(struct rbc_loop *l, const bool *flag)
{
  struct loop_waiter w;

  memset(&w, 0, sizeof w);
  w.kind = LOOP_W_FLAG;
  w.flag = flag;
  return loop_wait(l, &w);
}

int loop_wait_fds(struct rbc_loop *l, struct pollfd *fds, size_t n, int64_t timeout_ms)
{
  struct loop_waiter w;
  int ready = 0;

  for (size_t i = 0; i < n; i++)
    fds[i].revents = 0;
  memset(&w, 0, sizeof w);
  w.kind = LOOP_W_FDS;
  w.pfds = fds;
  w.npfds = n;
  w.due = timeout_ms < 0 ? -1 : real_ms() + timeout_ms;
  if (loop_wait(l, &w) != 0)
    return -1;
  for (size_t i = 0; i < n; i++)
    ready += fds[i].revents != 0;
  return ready;
}

/* }==== */

/* {==== time and children ==== */

int loop_sleep(struct rbc_loop *l, int64_t ms)
{
  struct loop_waiter w;

  if (loop_interrupted(l))
    return -1;
  if (ms <= 0)
    return 0;
  memset(&w, 0, sizeof w);
  w.kind = LOOP_W_SLEEP;
  w.wake_at = clock_monotonic_ms(l->clock) + ms;
  return loop_wait(l, &w);
}

int loop_sh_wait(struct rbc_loop *l, struct sh_proc *p)
{
  struct loop_waiter w;

  memset(&w, 0, sizeof w);
  w.kind = LOOP_W_SH;
  w.proc = p;
  w.due = sh_poll_deadline(p);
  w.done = sh_done(p);
  return loop_wait(l, &w);
}

/* }==== */
