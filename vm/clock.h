/*
** clock.h: the one clock everything that waits or reads the time goes
** through (architecture.md "Time"): retry, wait, step and phase budgets,
** timeouts and now().
**
** Two implementations behind one interface:
**   real     now() from CLOCK_REALTIME, elapsed time from CLOCK_MONOTONIC,
**            sleeping with nanosleep;
**   virtual  now() starts at a given epoch and elapsed time at 0; sleeping
**            advances both instantly, so `retry 10 every 30s` takes no real
**            time in tests (`rbc run --clock=virtual`).
**
** Sleeping is interruptible: when the interrupt flag given to
** clock_set_interrupt (set by a signal handler) becomes non-zero, a sleep
** returns CLOCK_INTERRUPTED within about CLOCK_SLICE_MS, and a sleep started
** while it is set returns at once.  The flag is only read, never cleared.
**
** Ownership: clock_new_* return a clock the caller frees with clock_free.
** Not thread-safe (one OS thread runs the VM's fibers).
*/
#ifndef RBC_CLOCK_H
#define RBC_CLOCK_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

/* Opaque handle. */
struct rbc_clock;

enum clock_status {
  CLOCK_OK = 0,                 /* slept the whole time */
  CLOCK_INTERRUPTED             /* the interrupt flag was set (EINTR-like) */
};

/* Longest single nanosleep of the real clock, bounding interrupt latency. */
#define CLOCK_SLICE_MS 100

/* Default start of a virtual clock: 2026-01-01T00:00:00Z. */
#define CLOCK_VIRTUAL_DEFAULT_EPOCH_MS INT64_C(1767225600000)

/* A real clock; NULL when out of memory. */
struct rbc_clock *clock_new_real(void);

/*
** A virtual clock whose now() starts at start_epoch_ms (ms since the Unix
** epoch, UTC) and whose monotonic time starts at 0; NULL when out of memory.
*/
struct rbc_clock *clock_new_virtual(int64_t start_epoch_ms);

/* Release a clock; NULL is a no-op. */
void clock_free(struct rbc_clock *c);

/* Is this the virtual clock? */
bool clock_is_virtual(const struct rbc_clock *c);

/*
** Watch *flag (may be NULL to stop watching): sleeps end early once it is
** non-zero.  The flag is borrowed and must outlive the clock's use.
*/
void clock_set_interrupt(struct rbc_clock *c, volatile sig_atomic_t *flag);

/* Wall-clock time: ms since 1970-01-01T00:00:00Z. */
int64_t clock_now_ms(struct rbc_clock *c);

/* Elapsed-time reference: ms since an arbitrary fixed point, never decreasing. */
int64_t clock_monotonic_ms(struct rbc_clock *c);

/*
** Sleep ms milliseconds (<= 0 returns at once, after checking the flag).
** CLOCK_INTERRUPTED when the interrupt flag is or becomes set; the virtual
** clock then does not advance.
*/
enum clock_status clock_sleep_ms(struct rbc_clock *c, int64_t ms);

#endif
