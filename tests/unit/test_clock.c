/*
** test_clock.c: the real and the virtual clock (vm/clock.h).
*/
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include <cmocka.h>

#include "vm/clock.h"

/* {==== virtual clock ==== */

struct virtual_case {
  int64_t sleep_ms;             /* argument of clock_sleep_ms */
  int64_t want_elapsed;         /* monotonic time after it */
};

static const struct virtual_case virtual_cases[] = {
  { 0, 0 },
  { -5, 0 },                    /* negative: no time passes */
  { 250, 250 },
  { 30000, 30250 },
  { 1, 30251 },
  { 86400000, 86430251 },
};

static void test_virtual_sleep_table(void **state)
{
  struct rbc_clock *c = clock_new_virtual(CLOCK_VIRTUAL_DEFAULT_EPOCH_MS);
  size_t i;

  (void)state;
  assert_non_null(c);
  assert_true(clock_is_virtual(c));
  assert_int_equal(clock_now_ms(c), INT64_C(1767225600000));
  assert_int_equal(clock_monotonic_ms(c), 0);
  for (i = 0; i < sizeof virtual_cases / sizeof virtual_cases[0]; i++) {
    assert_int_equal(clock_sleep_ms(c, virtual_cases[i].sleep_ms), CLOCK_OK);
    assert_int_equal(clock_monotonic_ms(c), virtual_cases[i].want_elapsed);
    assert_int_equal(clock_now_ms(c), INT64_C(1767225600000) + virtual_cases[i].want_elapsed);
  }
  clock_free(c);
}

/* `retry 10 every 30s` on the virtual clock: five minutes pass, no real time. */
static void test_virtual_takes_no_real_time(void **state)
{
  struct rbc_clock *real = clock_new_real();
  struct rbc_clock *c = clock_new_virtual(0);
  int64_t start;
  int i;

  (void)state;
  assert_non_null(real);
  assert_non_null(c);
  start = clock_monotonic_ms(real);
  for (i = 0; i < 10; i++)
    assert_int_equal(clock_sleep_ms(c, 30000), CLOCK_OK);
  assert_int_equal(clock_now_ms(c), 300000);
  assert_true(clock_monotonic_ms(real) - start < 1000);
  clock_free(c);
  clock_free(real);
}

static void test_virtual_interrupt_and_limits(void **state)
{
  volatile sig_atomic_t flag = 0;
  struct rbc_clock *c = clock_new_virtual(INT64_MAX - 10);

  (void)state;
  assert_non_null(c);
  clock_set_interrupt(c, &flag);
  flag = 1;
  assert_int_equal(clock_sleep_ms(c, 5), CLOCK_INTERRUPTED);
  assert_int_equal(clock_sleep_ms(c, 0), CLOCK_INTERRUPTED);
  assert_int_equal(clock_monotonic_ms(c), 0);        /* did not advance */
  flag = 0;
  assert_int_equal(clock_sleep_ms(c, 5), CLOCK_OK);
  assert_int_equal(clock_now_ms(c), INT64_MAX - 5);
  assert_int_equal(clock_sleep_ms(c, 100), CLOCK_OK);
  assert_int_equal(clock_now_ms(c), INT64_MAX);     /* saturates, never wraps */
  assert_int_equal(clock_sleep_ms(c, INT64_MAX), CLOCK_OK);
  assert_int_equal(clock_monotonic_ms(c), INT64_MAX);
  clock_set_interrupt(c, NULL);
  clock_free(c);
  clock_free(NULL);
}

/* }==== */

/* {==== real clock ==== */

static volatile sig_atomic_t stop_flag;

static void on_alarm_set_flag(int sig)
{
  (void)sig;
  stop_flag = 1;
}

static void on_alarm_ignore(int sig)
{
  (void)sig;
}

/* Deliver SIGALRM once after ms milliseconds to handler. */
static void arm_alarm(void (*handler)(int), long ms)
{
  struct sigaction sa;
  struct itimerval it;

  memset(&sa, 0, sizeof sa);
  sa.sa_handler = handler;
  sigemptyset(&sa.sa_mask);
  assert_int_equal(sigaction(SIGALRM, &sa, NULL), 0);
  memset(&it, 0, sizeof it);
  it.it_value.tv_sec = ms / 1000;
  it.it_value.tv_usec = (ms % 1000) * 1000;
  assert_int_equal(setitimer(ITIMER_REAL, &it, NULL), 0);
}

static void test_real_reads(void **state)
{
  struct rbc_clock *c = clock_new_real();
  int64_t now, m1, m2;

  (void)state;
  assert_non_null(c);
  assert_false(clock_is_virtual(c));
  now = clock_now_ms(c);
  assert_true(now / 1000 - (int64_t)time(NULL) <= 1);
  assert_true((int64_t)time(NULL) - now / 1000 <= 1);
  m1 = clock_monotonic_ms(c);
  m2 = clock_monotonic_ms(c);
  assert_true(m2 >= m1);
  clock_free(c);
}

static void test_real_sleep(void **state)
{
  struct rbc_clock *c = clock_new_real();
  int64_t start, took;

  (void)state;
  assert_non_null(c);
  start = clock_monotonic_ms(c);
  assert_int_equal(clock_sleep_ms(c, 120), CLOCK_OK);   /* more than one slice */
  took = clock_monotonic_ms(c) - start;
  assert_true(took >= 120);
  assert_true(took < 2000);
  start = clock_monotonic_ms(c);
  assert_int_equal(clock_sleep_ms(c, 0), CLOCK_OK);
  assert_int_equal(clock_sleep_ms(c, -100), CLOCK_OK);
  assert_true(clock_monotonic_ms(c) - start < 50);
  clock_free(c);
}

/* A signal that sets the flag ends a long sleep early. */
static void test_real_sleep_interrupted(void **state)
{
  struct rbc_clock *c = clock_new_real();
  int64_t start, took;

  (void)state;
  assert_non_null(c);
  stop_flag = 0;
  clock_set_interrupt(c, &stop_flag);
  arm_alarm(on_alarm_set_flag, 50);
  start = clock_monotonic_ms(c);
  assert_int_equal(clock_sleep_ms(c, 10000), CLOCK_INTERRUPTED);
  took = clock_monotonic_ms(c) - start;
  assert_true(took >= 40);
  assert_true(took < 1000);
  /* Already set: returns at once. */
  start = clock_monotonic_ms(c);
  assert_int_equal(clock_sleep_ms(c, 10000), CLOCK_INTERRUPTED);
  assert_true(clock_monotonic_ms(c) - start < 50);
  stop_flag = 0;
  clock_free(c);
}

/* A signal that does not set the flag only wakes the sleep, which goes on. */
static void test_real_sleep_survives_other_signals(void **state)
{
  struct rbc_clock *c = clock_new_real();
  int64_t start, took;

  (void)state;
  assert_non_null(c);
  stop_flag = 0;
  clock_set_interrupt(c, &stop_flag);
  arm_alarm(on_alarm_ignore, 30);
  start = clock_monotonic_ms(c);
  assert_int_equal(clock_sleep_ms(c, 200), CLOCK_OK);
  took = clock_monotonic_ms(c) - start;
  assert_true(took >= 200);
  clock_free(c);
}

/* }==== */

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_virtual_sleep_table),
    cmocka_unit_test(test_virtual_takes_no_real_time),
    cmocka_unit_test(test_virtual_interrupt_and_limits),
    cmocka_unit_test(test_real_reads),
    cmocka_unit_test(test_real_sleep),
    cmocka_unit_test(test_real_sleep_interrupted),
    cmocka_unit_test(test_real_sleep_survives_other_signals),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
