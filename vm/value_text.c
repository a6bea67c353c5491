/*
** value_text.c: values as text and text as values: the string builder
** (struct val_buf), display formatting with secret masking, durations and
** RFC 3339 times both ways, shortest round-trip floats, and the conversion
** of `--param` strings to declared types.
**
** Ownership as in value.h: arguments borrowed, `out` values new.
*/
#include "vm/value.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vm/value_int.h"
#include "vm/value_json.h"

/* {==== errors ==== */

/* }==== */

/* {==== string builder ==== */

/*
** struct val_buf backs string interpolation, str(), display formatting and
** JSON encoding.  Besides the bytes it carries one bit of taint: appending a
** value in VAL_FMT_RAW mode that is (or holds) a secret sets b->secret, and
** val_buf_finish hands the bit on to the string it builds.  In the default,
** masked mode a secret is written as *** and the buffer stays clean.
*/


/* An empty buffer (a zeroed struct is one too). */
void val_buf_init(struct val_buf *b)
{
  memset(b, 0, sizeof *b);
}

/* Release the bytes and reset to empty, failure flag included. */
void val_buf_free(struct val_buf *b)
{
  val_mem_free(b->data);
  val_buf_init(b);
}

/* Room for `extra` more bytes plus a NUL. */
static enum val_status buf_reserve(struct val_buf *b, size_t extra)
{
  size_t ncap;
  char *p;

  if (b->oom)
    return VAL_ERR_OOM;
  if (extra < b->cap - b->len)
    return VAL_OK;
  if (extra > SIZE_MAX / 2 - b->len) {
    b->oom = true;
    return VAL_ERR_OOM;
  }
  ncap = b->cap < 64 ? 64 : b->cap;
  while (ncap <= b->len + extra)
    ncap *= 2;
  p = val_mem_realloc(b->data, ncap);
  if (!p) {
    b->oom = true;
    return VAL_ERR_OOM;
  }
  b->data = p;
  b->cap = ncap;
  return VAL_OK;
}

/* Copy bytes in and keep the buffer NUL-terminated. */
enum val_status val_buf_append(struct val_buf *b, const char *bytes, size_t len)
{
  if (buf_reserve(b, len) != VAL_OK)
    return VAL_ERR_OOM;
  if (len)
    memcpy(b->data + b->len, bytes, len);
  b->len += len;
  b->data[b->len] = '\0';
  return VAL_OK;
}

/* Append a C string. */
enum val_status val_buf_puts(struct val_buf *b, const char *s)
{
  return val_buf_append(b, s, strlen(s));
}

/* Format twice: once to measure, once into reserved room (no truncation). */
enum val_status val_buf_printf(struct val_buf *b, const char *fmt, ...)
{
  va_list ap;
  int n;

  va_start(ap, fmt);
  n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0 || buf_reserve(b, (size_t)n) != VAL_OK)
    return VAL_ERR_OOM;
  va_start(ap, fmt);
  vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;
  return VAL_OK;
}

/*
** Length of the valid UTF-8 sequence at p[0..n) (1..4), or 0 when the bytes
** there are not one (overlong forms, surrogates and > U+10FFFF rejected).
*/
static size_t utf8_len(const unsigned char *p, size_t n)
{
  size_t len, i;
  uint32_t cp;

  if (p[0] < 0x80)
    return 1;
  if (p[0] >= 0xc2 && p[0] <= 0xdf)
    len = 2;
  else if (p[0] >= 0xe0 && p[0] <= 0xef)
    len = 3;
  else if (p[0] >= 0xf0 && p[0] <= 0xf4)
    len = 4;
  else
    return 0;
  cp = p[0] & (0x7f >> len);
  if (n < len)
    return 0;
  for (i = 1; i < len; i++) {
    if ((p[i] & 0xc0) != 0x80)
      return 0;
    cp = (cp << 6) | (p[i] & 0x3f);
  }
  if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff)))
      || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
    return 0;
  return len;
}

/* The escape for byte c inside a JSON string, or NULL when none is needed. */
static const char *short_escape(unsigned char c)
{
  switch (c) {
  case '"':  return "\\\"";
  case '\\': return "\\\\";
  case '\n': return "\\n";
  case '\t': return "\\t";
  case '\r': return "\\r";
  case '\b': return "\\b";
  case '\f': return "\\f";
  default:   return NULL;
  }
}

/*
** JSON string quoting.  Runs of bytes that need no escape are copied in one
** append; `run` counts the pending run ending at i.
*/
enum val_status val_buf_append_quoted(struct val_buf *b, const char *bytes, size_t len)
{
  const unsigned char *p = (const unsigned char *)bytes;
  size_t i = 0, run = 0;

  val_buf_append(b, "\"", 1);
  while (i < len) {
    size_t n = utf8_len(p + i, len - i);
    const char *esc = n == 1 ? short_escape(p[i]) : NULL;
    if (n > 1 || (n == 1 && !esc && p[i] >= 0x20)) {
      i += n;
      run += n;
      continue;
    }
    val_buf_append(b, bytes + i - run, run);
    run = 0;
    if (esc)
      val_buf_puts(b, esc);
    else if (n == 1)
      val_buf_printf(b, "\\u%04x", p[i]);
    else
      val_buf_puts(b, "\\ufffd");
    i++;
  }
  val_buf_append(b, bytes + i - run, run);
  return val_buf_append(b, "\"", 1);
}

static enum val_status append_rec(struct val_buf *b, struct rbc_value v, int flags,
                                  int depth);

/* Items of a list, comma separated, in brackets. */
static enum val_status append_list(struct val_buf *b, struct rbc_value v, int flags,
                                   int depth)
{
  size_t i, n = val_list_len(v);
  enum val_status st = val_buf_append(b, "[", 1);

  for (i = 0; st == VAL_OK && i < n; i++) {
    if (i)
      val_buf_append(b, ", ", 2);
    st = append_rec(b, *val_list_at(v, i), flags, depth + 1);
  }
  return st == VAL_OK ? val_buf_append(b, "]", 1) : st;
}

/* Entries of a map as {"key": value, ...}. */
static enum val_status append_map(struct val_buf *b, struct rbc_value v, int flags,
                                  int depth)
{
  size_t pos = 0, klen;
  const char *key;
  const struct rbc_value *item;
  enum val_status st = val_buf_append(b, "{", 1);
  bool first = true;

  while (st == VAL_OK && val_map_next(v, &pos, &key, &klen, &item)) {
    if (!first)
      val_buf_append(b, ", ", 2);
    first = false;
    val_buf_append_quoted(b, key, klen);
    val_buf_append(b, ": ", 2);
    st = append_rec(b, *item, flags, depth + 1);
  }
  return st == VAL_OK ? val_buf_append(b, "}", 1) : st;
}

/* Display form of v; depth 0 is the top level (strings unquoted there). */
static enum val_status append_rec(struct val_buf *b, struct rbc_value v, int flags,
                                  int depth)
{
  char tmp[VAL_FMT_BUF];

  if (depth > VAL_MAX_DEPTH)
    return VAL_ERR_DEPTH;
  if (v.secret && !(flags & VAL_FMT_RAW))
    return val_buf_append(b, "***", 3);
  b->secret = b->secret || v.secret;
  switch (v.type) {
  case VAL_NULL:     return val_buf_puts(b, "null");
  case VAL_BOOL:     return val_buf_puts(b, v.as.b ? "true" : "false");
  case VAL_INT:      return val_buf_printf(b, "%lld", (long long)v.as.i);
  case VAL_FLOAT:    return val_buf_puts(b, val_format_float(v.as.f, tmp));
  case VAL_DURATION: return val_buf_puts(b, val_format_duration(v.as.i, tmp));
  case VAL_TIME:     return val_buf_puts(b, val_format_time(v.as.i, false, tmp));
  case VAL_FN:       return val_buf_printf(b, "<fn %u>", (unsigned)val_fn_index(v));
  case VAL_BUILTIN:  return val_buf_printf(b, "<builtin %u>", (unsigned)v.as.builtin);
  case VAL_LIST:     return append_list(b, v, flags, depth);
  case VAL_MAP:      return append_map(b, v, flags, depth);
  case VAL_STRING:
    if (depth == 0 && !(flags & VAL_FMT_QUOTED))
      return val_buf_append(b, val_str_data(v), val_str_len(v));
    return val_buf_append_quoted(b, val_str_data(v), val_str_len(v));
  default:
    return val_buf_puts(b, "?");
  }
}

/* append_rec from the top level; an earlier allocation failure shows here. */
enum val_status val_buf_append_value(struct val_buf *b, struct rbc_value v, int flags)
{
  enum val_status st = append_rec(b, v, flags, 0);

  if (st == VAL_OK && b->oom)
    st = VAL_ERR_OOM;
  return st;
}

/*
** The buffer's bytes as a string value carrying the buffer's taint.  The
** buffer is emptied either way, so the caller only frees it on early exits.
*/
enum val_status val_buf_finish(struct val_buf *b, struct rbc_value *out, struct val_err *err)
{
  enum val_status st;

  *out = val_null();
  if (b->oom) {
    val_buf_free(b);
    return val_fail(err, VAL_ERR_OOM, "out of memory");
  }
  st = val_string_new(b->data ? b->data : "", b->len, out, err);
  if (st == VAL_OK)
    out->secret = b->secret;
  val_buf_free(b);
  return st;
}

/*
** Display form as a string value.  A string that prints as itself is
** shared rather than copied (its flag rides along, so a raw secret stays
** secret).
*/
enum val_status val_to_string(struct rbc_value v, int flags, struct rbc_value *out,
                              struct val_err *err)
{
  struct val_buf b;
  enum val_status st;

  *out = val_null();
  if (v.type == VAL_STRING && !(flags & VAL_FMT_QUOTED)
      && (!v.secret || (flags & VAL_FMT_RAW))) {
    *out = val_retain(v);
    return VAL_OK;
  }
  val_buf_init(&b);
  st = val_buf_append_value(&b, v, flags);
  if (st != VAL_OK) {
    val_buf_free(&b);
    if (st == VAL_ERR_DEPTH)
      return val_fail(err, st, "values nest deeper than %d levels", VAL_MAX_DEPTH);
    return val_fail(err, st, "out of memory");
  }
  return val_buf_finish(&b, out, err);
}

/* }==== */

/* {==== floats, durations, times as text ==== */

/*
** Canonical texts: floats in the shortest form that reads back exactly,
** durations in the literal syntax (so `rbc fmt`, messages and the journal
** show what a user would write), times in RFC 3339 UTC.  All three write to
** a caller's VAL_FMT_BUF array and never allocate.
*/


/*
** The fewest significant digits (1..17) that read back as f, then Python's
** layout: positional when the decimal exponent is in [-4, 16), else
** scientific; a positional whole number gets ".0" so it reads as a float.
*/
char *val_format_float(double f, char buf[VAL_FMT_BUF])
{
  int digits, exp;
  const char *e;

  for (digits = 1; digits < 17; digits++) {
    snprintf(buf, VAL_FMT_BUF, "%.*e", digits - 1, f);
    if (strtod(buf, NULL) == f)
      break;
  }
  snprintf(buf, VAL_FMT_BUF, "%.*e", digits - 1, f);
  e = strchr(buf, 'e');
  exp = e ? atoi(e + 1) : 0;
  if (exp < -4 || exp >= 16)
    return buf;
  snprintf(buf, VAL_FMT_BUF, "%.*f", digits - 1 - exp > 0 ? digits - 1 - exp : 0, f);
  if (!strchr(buf, '.'))
    memcpy(buf + strlen(buf), ".0", 3);
  return buf;
}

/* Units of durations, largest first. */
static const struct {
  const char *name;             /* suffix in the literal syntax */
  int64_t ms;                   /* milliseconds in one unit */
} units[] = {
  { "d", INT64_C(86400000) }, { "h", INT64_C(3600000) }, { "m", INT64_C(60000) },
  { "s", INT64_C(1000) }, { "ms", INT64_C(1) }
};

#define NUNITS (sizeof units / sizeof units[0])

/*
** Literal-syntax text, largest unit first.  The magnitude is taken as
** unsigned so INT64_MIN formats too.
*/
char *val_format_duration(int64_t ms, char buf[VAL_FMT_BUF])
{
  uint64_t u = ms < 0 ? (uint64_t)0 - (uint64_t)ms : (uint64_t)ms;
  size_t n = 0, i;

  if (ms < 0)
    buf[n++] = '-';
  buf[n] = '\0';
  for (i = 0; i < NUNITS; i++) {
    uint64_t q = u / (uint64_t)units[i].ms;
    u %= (uint64_t)units[i].ms;
    if (q)
      n += (size_t)snprintf(buf + n, VAL_FMT_BUF - n, "%llu%s", (unsigned long long)q,
                            units[i].name);
  }
  if (ms == 0)
    snprintf(buf, VAL_FMT_BUF, "0s");
  return buf;
}

/*
** H. Hinnant's days_from_civil: 400-year eras of 146097 days, the year
** starting in March so the leap day comes last.
*/
int64_t val_days_from_civil(int64_t year, int month, int day)
{
  int64_t y = year - (month <= 2);
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

  return era * 146097 + doe - 719468;
}

/* H. Hinnant's civil_from_days, for any int64 ms. */
void val_civil(int64_t epoch_ms, struct val_civil *c)
{
  int64_t days = val_floor_div(epoch_ms, VAL_MS_PER_DAY);
  int64_t rem = val_floor_mod(epoch_ms, VAL_MS_PER_DAY);
  int64_t z = days + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;

  c->day = (int)(doy - (153 * mp + 2) / 5 + 1);
  c->month = (int)(mp < 10 ? mp + 3 : mp - 9);
  c->year = yoe + era * 400 + (c->month <= 2);
  c->hour = (int)(rem / 3600000);
  c->minute = (int)(rem / 60000 % 60);
  c->second = (int)(rem / 1000 % 60);
  c->ms = (int)(rem % 1000);
  c->weekday = (int)val_floor_mod(days + 4, 7);
}

/* RFC 3339 UTC text; milliseconds only when present (or asked for). */
char *val_format_time(int64_t epoch_ms, bool with_ms, char buf[VAL_FMT_BUF])
{
  struct val_civil c;
  int n;

  val_civil(epoch_ms, &c);
  n = snprintf(buf, VAL_FMT_BUF, "%04lld-%02d-%02dT%02d:%02d:%02d", (long long)c.year,
               c.month, c.day, c.hour, c.minute, c.second);
  if (with_ms || c.ms)
    snprintf(buf + n, VAL_FMT_BUF - (size_t)n, ".%03dZ", c.ms);
  else
    snprintf(buf + n, VAL_FMT_BUF - (size_t)n, "Z");
  return buf;
}

/* }==== */

/* {==== parsing durations and times ==== */

/* ASCII digit (isdigit depends on the locale and wants unsigned char). */
static bool is_digit(char c)
{
  return c >= '0' && c <= '9';
}

/* The unit at p[0..n) (longest match: "ms" before "m"); -1 when none. */
static int unit_at(const char *p, size_t n, size_t *ulen)
{
  size_t i;

  if (n >= 2 && p[0] == 'm' && p[1] == 's') {
    *ulen = 2;
    return (int)NUNITS - 1;
  }
  for (i = 0; n >= 1 && i < NUNITS - 1; i++) {
    if (p[0] == units[i].name[0]) {
      *ulen = 1;
      return (int)i;
    }
  }
  return -1;
}

/*
** One NUMBER UNIT part of a duration at t[*pos..len): adds its ms to *total.
** *last is the index of the previous unit (units must strictly descend).
*/
static enum val_status duration_part(const char *t, size_t len, size_t *pos, int *last,
                                     int64_t *total, struct val_err *err)
{
  size_t i = *pos, ulen = 0;
  int64_t whole = 0, frac = 0, scale = 1, part;
  int u;

  if (i >= len || !is_digit(t[i]))
    return val_fail(err, VAL_ERR_PARSE, "a duration is numbers with units (1h30m, 250ms, 1.5s)");
  for (; i < len && is_digit(t[i]); i++)
    if (__builtin_mul_overflow(whole, 10, &whole)
        || __builtin_add_overflow(whole, t[i] - '0', &whole))
      return val_fail(err, VAL_ERR_OVERFLOW, "duration is too large");
  if (i < len && t[i] == '.') {
    if (++i >= len || !is_digit(t[i]))
      return val_fail(err, VAL_ERR_PARSE, "digits expected after '.' in a duration");
    for (; i < len && is_digit(t[i]); i++)
      if (scale < INT64_C(1000000000)) {
        frac = frac * 10 + (t[i] - '0');
        scale *= 10;
      }
  }
  u = unit_at(t + i, len - i, &ulen);
  if (u < 0)
    return val_fail(err, VAL_ERR_PARSE, "unit expected in a duration (d, h, m, s or ms)");
  if (u <= *last)
    return val_fail(err, VAL_ERR_PARSE, "duration units must go from largest to smallest");
  if (__builtin_mul_overflow(whole, units[u].ms, &part)
      || __builtin_add_overflow(part, (frac * units[u].ms + scale / 2) / scale, &part)
      || __builtin_add_overflow(*total, part, total))
    return val_fail(err, VAL_ERR_OVERFLOW, "duration is too large");
  *last = u;
  *pos = i + ulen;
  return VAL_OK;
}

/* [-] PART+ where PART is NUMBER UNIT with units descending (value.h). */
enum val_status val_parse_duration(const char *text, size_t len, int64_t *ms,
                                   struct val_err *err)
{
  size_t pos = 0;
  int last = -1;
  int64_t total = 0;
  bool neg = len > 0 && text[0] == '-';
  enum val_status st = VAL_OK;

  *ms = 0;
  if (neg)
    pos = 1;
  if (pos >= len)
    return val_fail(err, VAL_ERR_PARSE, "empty duration");
  while (st == VAL_OK && pos < len)
    st = duration_part(text, len, &pos, &last, &total, err);
  if (st != VAL_OK)
    return st;
  *ms = neg ? -total : total;
  return VAL_OK;
}

/* Read exactly n digits at t[*pos..len) as an int; false when not digits. */
static bool fixed_digits(const char *t, size_t len, size_t *pos, int n, int *out)
{
  int v = 0, i;

  if (*pos + (size_t)n > len)
    return false;
  for (i = 0; i < n; i++) {
    if (!is_digit(t[*pos + (size_t)i]))
      return false;
    v = v * 10 + (t[*pos + (size_t)i] - '0');
  }
  *pos += (size_t)n;
  *out = v;
  return true;
}

/* Is t[*pos] the character c?  Consumes it when so. */
static bool expect_char(const char *t, size_t len, size_t *pos, char c)
{
  if (*pos < len && t[*pos] == c) {
    (*pos)++;
    return true;
  }
  return false;
}

/* Days in a month of the proleptic Gregorian calendar. */
static int days_in_month(int year, int month)
{
  static const int dim[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

  return month == 2 && leap ? 29 : dim[month - 1];
}

/* "HH:MM:SS[.frac]" into ms of the day; false when malformed. */
static bool parse_clock(const char *t, size_t len, size_t *pos, int64_t *ms)
{
  int hh, mi, ss, scale = 100, frac = 0;

  if (!fixed_digits(t, len, pos, 2, &hh) || !expect_char(t, len, pos, ':')
      || !fixed_digits(t, len, pos, 2, &mi) || !expect_char(t, len, pos, ':')
      || !fixed_digits(t, len, pos, 2, &ss) || hh > 23 || mi > 59 || ss > 59)
    return false;
  if (expect_char(t, len, pos, '.')) {
    if (*pos >= len || !is_digit(t[*pos]))
      return false;
    for (; *pos < len && is_digit(t[*pos]); (*pos)++) {
      frac += (t[*pos] - '0') * scale;
      scale /= 10;
    }
  }
  *ms = ((int64_t)hh * 3600 + mi * 60 + ss) * 1000 + frac;
  return true;
}

/* "Z" or "+HH:MM"/"-HH:MM" into an offset in ms; false when malformed. */
static bool parse_offset(const char *t, size_t len, size_t *pos, int64_t *off)
{
  int hh, mi, sign;

  *off = 0;
  if (expect_char(t, len, pos, 'Z') || expect_char(t, len, pos, 'z'))
    return true;
  if (*pos >= len || (t[*pos] != '+' && t[*pos] != '-'))
    return false;
  sign = t[(*pos)++] == '-' ? -1 : 1;
  if (!fixed_digits(t, len, pos, 2, &hh) || !expect_char(t, len, pos, ':')
      || !fixed_digits(t, len, pos, 2, &mi) || hh > 23 || mi > 59)
    return false;
  *off = sign * ((int64_t)hh * 3600000 + (int64_t)mi * 60000);
  return true;
}

/*
** DATE [('T' | 't' | ' ') CLOCK OFFSET], every field checked against the
** calendar; a bare date is midnight UTC.
*/
enum val_status val_parse_time(const char *text, size_t len, int64_t *epoch_ms,
                               struct val_err *err)
{
  size_t pos = 0;
  int y, mo, d;
  int64_t clock = 0, off = 0;
  bool ok;

  *epoch_ms = 0;
  ok = fixed_digits(text, len, &pos, 4, &y) && expect_char(text, len, &pos, '-')
       && fixed_digits(text, len, &pos, 2, &mo) && expect_char(text, len, &pos, '-')
       && fixed_digits(text, len, &pos, 2, &d) && mo >= 1 && mo <= 12 && d >= 1
       && d <= days_in_month(y, mo);
  if (ok && pos < len) {
    ok = text[pos] == 'T' || text[pos] == 't' || text[pos] == ' ';
    pos++;
    ok = ok && parse_clock(text, len, &pos, &clock) && parse_offset(text, len, &pos, &off);
  }
  if (!ok || pos != len)
    return val_fail(err, VAL_ERR_PARSE, "a time is RFC 3339: 2026-11-26T13:00:00Z");
  *epoch_ms = val_days_from_civil(y, mo, d) * VAL_MS_PER_DAY + clock - off;
  return VAL_OK;
}

/* }==== */

/* {==== params ==== */

/*
** `--param k=v` values arrive as text and are converted to the type the
** runbook declared; a failure makes `rbc run` exit 64 before anything runs.
** Messages describe the expected form and never repeat the text, which may
** be a secret.
*/


/* Index of name in the declared-type names (same order as the enum). */
int val_param_type_parse(const char *name)
{
  static const char *const names[] = {
    "string", "int", "float", "bool", "duration", "list", "map"
  };
  size_t i;

  for (i = 0; i < sizeof names / sizeof names[0]; i++)
    if (strcmp(name, names[i]) == 0)
      return (int)i;
  return -1;
}

/* Value of a digit in base 10 or 16, -1 when c is not one. */
static int digit_value(char c, int base)
{
  int d = -1;

  if (is_digit(c))
    d = c - '0';
  else if (c >= 'a' && c <= 'f')
    d = c - 'a' + 10;
  else if (c >= 'A' && c <= 'F')
    d = c - 'A' + 10;
  return d < base ? d : -1;
}

/* An int: optional sign, decimal or 0x hex digits, '_' between digits. */
static enum val_status parse_int(const char *t, size_t len, int64_t *out,
                                 struct val_err *err)
{
  size_t i = 0;
  int base = 10, d;
  bool neg = false, any = false;
  uint64_t v = 0, limit;

  if (i < len && (t[i] == '+' || t[i] == '-'))
    neg = t[i++] == '-';
  if (len - i > 2 && t[i] == '0' && (t[i + 1] == 'x' || t[i + 1] == 'X'))
    base = 16, i += 2;
  limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
  for (; i < len; i++) {
    if (t[i] == '_' && any && i + 1 < len && digit_value(t[i + 1], base) >= 0)
      continue;
    d = digit_value(t[i], base);
    if (d < 0)
      return val_fail(err, VAL_ERR_PARSE, "not an int (digits with an optional sign)");
    if (v > (limit - (uint64_t)d) / (uint64_t)base)
      return val_fail(err, VAL_ERR_OVERFLOW, "int out of range (64 bits)");
    v = v * (uint64_t)base + (uint64_t)d;
    any = true;
  }
  if (!any)
    return val_fail(err, VAL_ERR_PARSE, "not an int (digits with an optional sign)");
  if (neg)
    *out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
  else
    *out = (int64_t)v;
  return VAL_OK;
}

/* A finite float, or a percentage "5%" (0.05). */
static enum val_status parse_float(const char *t, size_t len, double *out,
                                   struct val_err *err)
{
  char tmp[128];
  char *end;
  size_t i, n = len;
  bool pct = n > 0 && t[n - 1] == '%';

  if (pct)
    n--;
  if (n == 0 || n >= sizeof tmp)
    return val_fail(err, VAL_ERR_PARSE, "not a float (like 1.5, 2e3 or 5%%)");
  for (i = 0; i < n; i++)
    if (!is_digit(t[i]) && !strchr("+-.eE", t[i]))
      return val_fail(err, VAL_ERR_PARSE, "not a float (like 1.5, 2e3 or 5%%)");
  memcpy(tmp, t, n);
  tmp[n] = '\0';
  *out = strtod(tmp, &end);
  if (end != tmp + n || !is_digit(tmp[strspn(tmp, "+-.")]))
    return val_fail(err, VAL_ERR_PARSE, "not a float (like 1.5, 2e3 or 5%%)");
  if (pct)
    *out /= 100.0;
  if (!isfinite(*out))
    return val_fail(err, VAL_ERR_OVERFLOW, "float out of range");
  return VAL_OK;
}

/* Does t[0..len) equal word, ignoring ASCII case? */
static bool word_ci(const char *t, size_t len, const char *word)
{
  size_t i;

  if (strlen(word) != len)
    return false;
  for (i = 0; i < len; i++) {
    char c = t[i] >= 'A' && t[i] <= 'Z' ? (char)(t[i] - 'A' + 'a') : t[i];
    if (c != word[i])
      return false;
  }
  return true;
}

static enum val_status parse_bool(const char *t, size_t len, bool *out, struct val_err *err)
{
  static const char *const yes[] = { "true", "yes", "on", "1" };
  static const char *const no[] = { "false", "no", "off", "0" };
  size_t i;

  for (i = 0; i < 4; i++) {
    if (word_ci(t, len, yes[i]) || word_ci(t, len, no[i])) {
      *out = word_ci(t, len, yes[i]);
      return VAL_OK;
    }
  }
  return val_fail(err, VAL_ERR_PARSE, "not a bool (true/false, yes/no, on/off, 1/0)");
}

/* Blanks trimmed around comma-separated list items. */
static bool is_blank(char c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Comma-separated items as a list of strings (blanks trimmed, "" empty). */
static enum val_status parse_csv(const char *t, size_t len, bool secret,
                                 struct rbc_value *out, struct val_err *err)
{
  size_t start = 0, i, a, z;
  struct rbc_value item;
  enum val_status st = val_list_new(0, out, err);

  for (i = 0; st == VAL_OK && len > 0 && i <= len; i++) {
    if (i < len && t[i] != ',')
      continue;
    for (a = start; a < i && is_blank(t[a]); a++)
      ;
    for (z = i; z > a && is_blank(t[z - 1]); z--)
      ;
    st = val_string_new(t + a, z - a, &item, err);
    if (st == VAL_OK) {
      item.secret = secret;
      st = val_list_push(out, item, err);
      val_release(item);
    }
    start = i + 1;
  }
  if (st != VAL_OK) {
    val_release(*out);
    *out = val_null();
  }
  return st;
}

/* A JSON array or object, checked to be of the wanted type. */
static enum val_status parse_json_param(const char *t, size_t len, enum val_type want,
                                        bool secret, struct rbc_value *out,
                                        struct val_err *err)
{
  enum val_status st = val_json_parse(t, len, secret, out, err);

  if (st == VAL_OK && out->type != want) {
    val_release(*out);
    *out = val_null();
    return val_fail(err, VAL_ERR_PARSE, "JSON %s expected", want == VAL_LIST ? "array" : "object");
  }
  return st;
}

/*
** One `--param` string to its declared type (value.h).  Secrets are
** flagged at the top, and each element too (CSV items here, JSON values by
** val_json_parse).
*/
enum val_status val_from_param(const char *text, size_t len, enum val_param_type type,
                               bool secret, struct rbc_value *out, struct val_err *err)
{
  enum val_status st = VAL_OK;
  int64_t i = 0;
  double f = 0;
  bool b = false;
  size_t skip = 0;

  *out = val_null();
  switch (type) {
  case VAL_PARAM_STRING: st = val_string_new(text, len, out, err); break;
  case VAL_PARAM_INT:
    st = parse_int(text, len, &i, err);
    *out = st == VAL_OK ? val_int(i) : val_null();
    break;
  case VAL_PARAM_FLOAT:
    st = parse_float(text, len, &f, err);
    *out = st == VAL_OK ? val_float(f) : val_null();
    break;
  case VAL_PARAM_BOOL:
    st = parse_bool(text, len, &b, err);
    *out = st == VAL_OK ? val_bool(b) : val_null();
    break;
  case VAL_PARAM_DURATION:
    st = val_parse_duration(text, len, &i, err);
    *out = st == VAL_OK ? val_duration(i) : val_null();
    break;
  case VAL_PARAM_LIST:
    while (skip < len && is_blank(text[skip]))
      skip++;
    if (skip < len && text[skip] == '[')
      st = parse_json_param(text, len, VAL_LIST, secret, out, err);
    else
      st = parse_csv(text, len, secret, out, err);
    break;
  case VAL_PARAM_MAP: st = parse_json_param(text, len, VAL_MAP, secret, out, err); break;
  default: st = val_fail(err, VAL_ERR_TYPE, "unknown param type"); break;
  }
  if (st == VAL_OK)
    out->secret = secret;
  return st;
}

/* The value type a declared param type holds. */
static enum val_type param_value_type(enum val_param_type type)
{
  static const enum val_type map[] = {
    VAL_STRING, VAL_INT, VAL_FLOAT, VAL_BOOL, VAL_DURATION, VAL_LIST, VAL_MAP
  };

  return (size_t)type < sizeof map / sizeof map[0] ? map[type] : VAL_NULL;
}

enum val_status val_param_coerce(struct rbc_value v, enum val_param_type type, bool secret,
                                 struct rbc_value *out, struct val_err *err)
{
  enum val_type want = param_value_type(type);

  *out = val_null();
  if (v.type == VAL_STRING && want != VAL_STRING)
    return val_from_param(val_str_data(v), val_str_len(v), type, secret, out, err);
  if (v.type == VAL_INT && want == VAL_FLOAT)
    *out = val_float((double)v.as.i);
  else if (v.type == want)
    *out = val_retain(v);
  else
    return val_fail(err, VAL_ERR_PARSE, "expected %s, got %s", val_type_name(want),
                val_kind(v));
  out->secret = secret;
  return VAL_OK;
}

/* }==== */
