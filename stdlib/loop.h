/*
** loop.h: the run's one event loop and its fibers (architecture.md
** "Concurrency").
**
** Everything that waits during a run waits here: HTTP transfers (one
** libcurl multi handle per run, so connections and DNS answers are reused
** across steps), child processes (their pipes and deadlines, stdlib/shell.h),
** and sleeps on the run's clock (vm/clock.h).  `parallel` branches run as
** fibers on the one OS thread: a built-in that waits inside a fiber yields
** to the loop, which runs the other fibers and the I/O until what it waits
** for is done.  Outside `parallel` the same calls simply run the loop until
** their own operation completes, so a built-in is written once, as straight
** C code, and is concurrent when called from a fiber.
**
** Start-up is lazy: loop_new allocates a small struct and nothing else;
** libcurl (curl_global_init, the multi handle, TLS) is initialised by the
** first HTTP transfer, so a run that uses no network initialises none of it
** (tests/noinit.sh).
**
** Virtual clock: when every fiber waits only on sleeps, the loop advances
** the virtual clock to the earliest wake-up at once; real I/O (a transfer,
** a child) takes the real time it takes.
**
** Interrupts: the flag given to loop_new (set by the CLI's SIGINT/SIGTERM
** handler) makes every wait below return -1 within about CLOCK_SLICE_MS;
** a transfer is then removed from the multi handle, a child is left to the
** caller (who reaps it with sh_reap, which kills its process group).
**
** Ownership: the loop borrows the clock and the flag; easy handles and
** sh_proc's stay owned by their callers.  Not thread-safe (one thread).
*/
#ifndef RBC_LOOP_H
#define RBC_LOOP_H

#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include <curl/curl.h>

#include "stdlib/shell.h"
#include "vm/clock.h"

/* Opaque handle: one per run. */
struct rbc_loop;

/* {==== the loop ==== */

/*
** A loop on clock c watching *interrupt (may be NULL).  Borrowed: c and
** interrupt must outlive the loop.  NULL when out of memory.  Initialises
** no library.
*/
struct rbc_loop *loop_new(struct rbc_clock *c, volatile sig_atomic_t *interrupt);

/*
** Free l: transfers still registered are removed (never completed), the
** multi handle is cleaned up and, when this loop initialised libcurl,
** curl_global_cleanup runs.  NULL is a no-op.
*/
void loop_free(struct rbc_loop *l);

/* The clock the loop was made with (borrowed). */
struct rbc_clock *loop_clock(struct rbc_loop *l);

/* Has the interrupt flag been set? */
bool loop_interrupted(const struct rbc_loop *l);

struct sim;

/*
** Attach rbc test's simulated world (stdlib/sim.h; borrowed, NULL detaches).
** While one is attached the built-ins ask it instead of the world, and
** loop_curl_perform / loop_curl_start refuse every transfer, so nothing
** reaches the network even from a path that forgot to ask.
*/
void loop_set_sim(struct rbc_loop *l, const struct sim *sim);

/* The attached world, or NULL (always NULL in `rbc run`; l may be NULL). */
const struct sim *loop_sim(const struct rbc_loop *l);

/* }==== */

/* {==== HTTP transfers (libcurl) ==== */

/*
** Make libcurl ready (curl_global_init once per process, the run's multi
** handle and share handle).  Call before creating easy handles; 0, or -1
** when libcurl cannot be initialised.  Idempotent.
*/
int loop_curl_init(struct rbc_loop *l);

/*
** Perform the configured easy handle e on the run's multi handle and
** return when it has finished, with its result in *rc.  In a fiber, the
** fiber waits and the others run; outside one, the loop runs until this
** transfer ends.  The loop sets CURLOPT_SHARE itself (DNS cache, TLS
** sessions) and never changes any other option of e.
** Returns 0 (the transfer ended; *rc says how, as curl_easy_perform
** would), or -1 when interrupted (e removed from the multi handle, *rc =
** CURLE_ABORTED_BY_CALLBACK) or when the loop cannot start it (*rc set).
** Borrowed: e, which the caller may reuse or clean up afterwards.
*/
int loop_curl_perform(struct rbc_loop *l, CURL *e, CURLcode *rc);

/* Called from inside the loop when a transfer started by loop_curl_start ends. */
typedef void loop_curl_done_fn(void *ud, CURL *e, CURLcode rc);

/*
** Start e without waiting for it: done(ud, e, rc) runs from inside the
** loop when it ends (and may start further transfers).  For a built-in
** that keeps many transfers in flight at once (http.bench); pair with
** loop_wait_flag.  0, or -1 when it cannot be added (done is not called).
*/
int loop_curl_start(struct rbc_loop *l, CURL *e, loop_curl_done_fn *done, void *ud);

/* Remove a started transfer that has not ended; done is not called.  No-op otherwise. */
void loop_curl_cancel(struct rbc_loop *l, CURL *e);

/*
** Run the loop (in a fiber: wait, letting others run) until *flag becomes
** true, which callbacks of this loop set.  0, or -1 when interrupted.
*/
int loop_wait_flag(struct rbc_loop *l, const bool *flag);

/*
** Wait until one of fds[0..n) is ready (poll(2)'s events; the loop's one
** poll includes them, so other fibers, transfers and children go on
** meanwhile) or timeout_ms (real time; -1: no limit) has passed.  For a
** built-in that talks on sockets of its own (http.bench's connections).
** Each revents is set (all 0 after the timeout).  The number of fds
** ready, or -1 when interrupted.  Borrowed: fds, only during the call.
*/
int loop_wait_fds(struct rbc_loop *l, struct pollfd *fds, size_t n, int64_t timeout_ms);

/* }==== */

/* {==== time and children ==== */

/*
** Sleep ms on the loop's clock (a fiber yields meanwhile).  0, or -1 when
** interrupted (the virtual clock then does not advance).
*/
int loop_sleep(struct rbc_loop *l, int64_t ms);

/*
** Drive the started child p (sh_start) until sh_done(p): its pipes are read
** and its deadlines kept while other fibers run.  0, or -1 when
** interrupted; either way the caller then calls sh_reap(p, ...).
*/
int loop_sh_wait(struct rbc_loop *l, struct sh_proc *p);

/* }==== */

/* {==== fibers (added by the fibers engineer; see loop.c "fibers") ==== */

/* What a fiber runs; when it returns, the fiber is done. */
typedef void loop_fiber_fn(void *ud);

/* Opaque: one fiber (its own C stack, LOOP_FIBER_STACK bytes). */
struct loop_fiber;

/* Bytes of a fiber's stack (plus one guard page below it). */
#define LOOP_FIBER_STACK ((size_t)512 * 1024)

/*
** A new fiber of l that will run fn(ud) on its own stack.  It starts the
** next time the loop schedules (inside a wait of the main context, e.g.
** loop_fiber_wait): fibers run one at a time, in the order they were
** created whenever several can run, each until it waits or returns.
** NULL when out of memory (or no stack can be mapped).
*/
struct loop_fiber *loop_fiber_new(struct rbc_loop *l, loop_fiber_fn *fn, void *ud);

/* Has f's function returned? */
bool loop_fiber_done(const struct loop_fiber *f);

/* Free a fiber that is done (or never ran).  NULL is a no-op. */
void loop_fiber_free(struct loop_fiber *f);

/* Is the caller running inside a fiber of l? */
bool loop_in_fiber(const struct rbc_loop *l);

/*
** Wait until at least one of fs[0..n) is done (at once if one is).  In a
** fiber the caller waits while the others run; in the main context this is
** where the fibers run.  An interrupt does not end this wait: every other
** wait then returns -1, so the fibers end soon by themselves.  0, or -1
** when n is 0.
*/
int loop_fiber_wait(struct rbc_loop *l, struct loop_fiber *const *fs, size_t n);

/* }==== */

#endif
