/*
** clock.c: the real and the virtual clock (see clock.h).
*/
#define _POSIX_C_SOURCE 200809L

#include "vm/clock.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

struct rbc_clock {
  bool is_virtual;              /* which implementation */
  int64_t epoch_ms;             /* virtual: now() at monotonic time 0 */
  int64_t elapsed_ms;           /* virtual: monotonic time */
  volatile sig_atomic_t *interrupt; /* ends sleeps when non-zero; may be NULL */
};

/* {==== construction ==== */

/* Either kind of clock, not watching any interrupt flag yet. */
static struct rbc_clock *new_clock(bool is_virtual, int64_t epoch_ms)
{
  struct rbc_clock *c = malloc(sizeof *c);

  if (!c)
    return NULL;
  c->is_virtual = is_virtual;
  c->epoch_ms = epoch_ms;
  c->elapsed_ms = 0;
  c->interrupt = NULL;
  return c;
}

/* The real clock: reads the system clocks, sleeps for real. */
struct rbc_clock *clock_new_real(void)
{
  return new_clock(false, 0);
}

/* A virtual clock at start_epoch_ms with no time elapsed. */
struct rbc_clock *clock_new_virtual(int64_t start_epoch_ms)
{
  return new_clock(true, start_epoch_ms);
}

/* Release a clock (the interrupt flag is borrowed, not freed). */
void clock_free(struct rbc_clock *c)
{
  free(c);
}

/* Which implementation (for the journal's "clock" field). */
bool clock_is_virtual(const struct rbc_clock *c)
{
  return c->is_virtual;
}

/* Watch flag from now on (NULL: none). */
void clock_set_interrupt(struct rbc_clock *c, volatile sig_atomic_t *flag)
{
  c->interrupt = flag;
}

/* }==== */

/* {==== reading ==== */

/* A POSIX clock in ms (floored). */
static int64_t posix_ms(clockid_t id)
{
  struct timespec ts;

  if (clock_gettime(id, &ts) != 0)
    return 0;
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* a + b, saturating at the int64 limits (virtual clocks far in the future). */
static int64_t sat_add(int64_t a, int64_t b)
{
  int64_t r;

  if (__builtin_add_overflow(a, b, &r))
    return b > 0 ? INT64_MAX : INT64_MIN;
  return r;
}

/* Wall-clock ms: the epoch plus elapsed time when virtual. */
int64_t clock_now_ms(struct rbc_clock *c)
{
  if (c->is_virtual)
    return sat_add(c->epoch_ms, c->elapsed_ms);
  return posix_ms(CLOCK_REALTIME);
}

/* Elapsed-time ms: the counter when virtual, CLOCK_MONOTONIC when real. */
int64_t clock_monotonic_ms(struct rbc_clock *c)
{
  if (c->is_virtual)
    return c->elapsed_ms;
  return posix_ms(CLOCK_MONOTONIC);
}

/* }==== */

/* {==== sleeping ==== */

/* Has the watched flag been raised? */
static bool interrupted(const struct rbc_clock *c)
{
  return c->interrupt && *c->interrupt;
}

/*
** Real sleep toward a monotonic deadline, in slices of at most
** CLOCK_SLICE_MS so a flag set just before a nanosleep call (a race no
** plain check can close) delays the return by one slice at most.  A signal
** also cuts the current nanosleep short (EINTR); the loop then re-checks.
*/
static enum clock_status real_sleep(struct rbc_clock *c, int64_t ms)
{
  int64_t deadline = sat_add(posix_ms(CLOCK_MONOTONIC), ms), left;
  struct timespec ts;

  for (;;) {
    if (interrupted(c))
      return CLOCK_INTERRUPTED;
    left = deadline - posix_ms(CLOCK_MONOTONIC);
    if (left <= 0)
      return CLOCK_OK;
    if (left > CLOCK_SLICE_MS)
      left = CLOCK_SLICE_MS;
    ts.tv_sec = (time_t)(left / 1000);
    ts.tv_nsec = (long)(left % 1000) * 1000000L;
    if (nanosleep(&ts, NULL) != 0 && errno != EINTR)
      return CLOCK_OK;
  }
}

/*
** Sleep, or advance the virtual counter.  The flag is checked first in
** both cases, so an interrupted run never lets virtual time pass either.
*/
enum clock_status clock_sleep_ms(struct rbc_clock *c, int64_t ms)
{
  if (interrupted(c))
    return CLOCK_INTERRUPTED;
  if (ms <= 0)
    return CLOCK_OK;
  if (!c->is_virtual)
    return real_sleep(c, ms);
  c->elapsed_ms = sat_add(c->elapsed_ms, ms);
  return CLOCK_OK;
}

/* }==== */
