/*
** value_int.h: internals shared by value.c, value_text.c and value_json.c
** (and their unit tests).  Nothing outside vm/value*.c should include it.
*/
#ifndef RBC_VALUE_INT_H
#define RBC_VALUE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "vm/value.h"

/* {==== allocation funnel ==== */

/*
** Every allocation of the value modules goes through these three, so a test
** can make the Nth allocation fail (val_mem_fail_after) and check that each
** failure path returns VAL_ERR_OOM and leaks nothing.
*/
void *val_mem_alloc(size_t size);
void *val_mem_realloc(void *p, size_t size);
void val_mem_free(void *p);

/*
** Test hook: make the n-th allocation from now fail (n >= 1), and every one
** after it until the next call; n = 0 turns failures off.
*/
void val_mem_fail_after(long n);

/*
** Record a printf-formatted message in err (which may be NULL) and return
** st: the one way value code reports a failure.
*/
enum val_status val_fail(struct val_err *err, enum val_status st, const char *fmt, ...)
  __attribute__((format(printf, 3, 4)));

/* }==== */

/* {==== calendar ==== */

#define VAL_MS_PER_DAY INT64_C(86400000)

/* A UTC calendar date and time of day, from val_civil. */
struct val_civil {
  int64_t year;                 /* proleptic Gregorian, may be <= 0 */
  int month;                    /* 1..12 */
  int day;                      /* 1..31 */
  int hour, minute, second;     /* 0..23, 0..59, 0..59 */
  int ms;                       /* 0..999 */
  int weekday;                  /* 0 = Sunday .. 6 */
};

/* Split ms since the epoch into UTC calendar fields. */
void val_civil(int64_t epoch_ms, struct val_civil *c);

/* Days since 1970-01-01 of a proleptic Gregorian date (month 1..12). */
int64_t val_days_from_civil(int64_t year, int month, int day);

/* Floored division and modulo (the result of val_floor_mod has b's sign). */
int64_t val_floor_div(int64_t a, int64_t b);
int64_t val_floor_mod(int64_t a, int64_t b);

/* }==== */

#endif
