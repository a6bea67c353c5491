/*
** core.c: the pure built-ins (strings, numbers, lists, maps, regex) and the
** small ones that read the run's world (env, now, log, fail, glob).
**
** Conventions (natives.h): arguments borrowed, *out a new reference, errors
** through std_error.  Taint: a result computed from a secret argument is
** secret.  Containers follow vm/value.h: keys() and split() of a secret give
** a secret list whose items are secret too; min/max/contains/sum are secret
** when any value they examined was.  No message quotes a secret's bytes.
**
** Decisions documented here (and in docs/language.md's built-ins list):
**   int(x)    int as is; float truncated toward zero (out of int64 range is
**             an error); bool 1/0; duration its milliseconds; a string
**             (blanks around it ignored, so `int(sh("wc -l <f").stdout)`
**             works) in decimal or 0x hex with '_' between digits.
**   float(x)  int or float; a string in decimal/exponent form or a
**             percentage "5%" (0.05), blanks ignored.  Not a duration
**             (use d.seconds).
**   lower/upper change ASCII letters only; other bytes (UTF-8) are kept.
**   split(s)  without separator: on runs of blanks (space, tab, CR, LF, VT,
**             FF), empty items dropped; with one: every piece, empty ones
**             included ("a,,b" is 3 items, "" is [""]); the separator
**             may not be empty.
**   join(l)   items that are strings go in as they are, others in their
**             display form ("1", "2s", "[1, 2]").
**   min/max   numbers (int/float mixed), durations, times or strings;
**             variadic, or one list (an empty list is an error); the
**             chosen argument is returned unchanged (an int stays an int).
**   glob(p)   relative patterns match under host->workdir and the paths
**             come back relative, as written; sorted bytewise; no match
**             is the empty list.
*/
#define _GNU_SOURCE
#include <glob.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "stdlib/loop.h"
#include "stdlib/natives_int.h"
#include "stdlib/sim.h"

/* {==== small helpers ==== */

/* The first occurrence of needle in hay, or NULL (NUL bytes allowed). */
static const char *
find_bytes(const char *hay, size_t hlen, const char *needle, size_t nlen)
{
  if (nlen == 0)
    return hay;
  for (size_t i = 0; nlen <= hlen && i <= hlen - nlen; i++) {
    if (hay[i] == needle[0] && memcmp(hay + i, needle, nlen) == 0)
      return hay + i;
  }
  return NULL;
}

/* Is c one of the blanks split() and the conversions skip? */
static bool
is_blank(char c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Narrow s[0..*len) to exclude leading and trailing blanks. */
static const char *
trim(const char *s, size_t *len)
{
  while (*len > 0 && is_blank(s[0])) {
    s++;
    (*len)--;
  }
  while (*len > 0 && is_blank(s[*len - 1]))
    (*len)--;
  return s;
}

/* Finish buffer b into *out, tainted with `secret`; reports OOM for `id`. */
static int
finish_buf(struct std_call *call, enum std_builtin_id id, struct val_buf *b, bool secret,
           struct rbc_value *out)
{
  struct val_err err;
  struct rbc_value v;

  if (val_buf_finish(b, &v, &err) != VAL_OK) {
    val_buf_free(b);
    return std_oom(call, id);
  }
  *out = val_tainted(v, secret);
  return 0;
}

/* A new string of bytes s[0..len) tainted with `secret` into *out. */
static int
new_string(struct std_call *call, enum std_builtin_id id, const char *s, size_t len,
           bool secret, struct rbc_value *out)
{
  struct val_err err;
  struct rbc_value v;

  if (val_string_new(s, len, &v, &err) != VAL_OK)
    return std_oom(call, id);
  *out = val_tainted(v, secret);
  return 0;
}

/* Append a new string s[0..len) (tainted with `secret`) to the list *list. */
static int
push_string(struct std_call *call, enum std_builtin_id id, struct rbc_value *list,
            const char *s, size_t len, bool secret)
{
  struct rbc_value item;
  struct val_err err;
  enum val_status st;

  if (new_string(call, id, s, len, secret, &item) < 0)
    return -1;
  st = val_list_push(list, item, &err);
  val_release(item);
  if (st != VAL_OK)
    return std_oom(call, id);
  return 0;
}

/* }==== */

/* {==== environment, length, conversions ==== */

/*
** env(name[, default]): the environment variable's value as a string;
** when unset, the default (as given), else null.
*/
int
std_env(struct std_call *call, struct rbc_value *out)
{
  const struct sim *sim;
  const char *name, *value = NULL;
  size_t len;

  if (std_check_args(call, STD_BI_env) < 0
      || std_arg_string(call, STD_BI_env, 0, &name, &len) < 0)
    return -1;
  if (len == 0 || memchr(name, '\0', len) != NULL)
    return std_error(call, "env(): the variable name is empty or holds a NUL byte");
  sim = call->host != NULL ? loop_sim(call->host->loop) : NULL;
  if (sim == NULL || sim->env == NULL || sim->env(sim->ctx, name, &value) != SIM_ANSWERED)
    value = getenv(name);               /* rbc test's scenario may answer (stdlib/sim.h) */
  if (value != NULL)
    return new_string(call, STD_BI_env, value, strlen(value), call->args[0].secret, out);
  *out = call->nargs == 2 ? val_retain(call->args[1]) : val_null();
  return 0;
}

/* len(x): bytes of a string, items of a list, entries of a map. */
int
std_len(struct std_call *call, struct rbc_value *out)
{
  struct rbc_value v;
  struct val_err err;

  if (std_check_args(call, STD_BI_len) < 0)
    return -1;
  v = call->args[0];
  if (v.type != VAL_STRING && v.type != VAL_LIST && v.type != VAL_MAP)
    return std_type_error(call, STD_BI_len, 1, "a string, list or map", v);
  if (val_len(v, out, &err) != VAL_OK)
    return std_val_error(call, STD_BI_len, &err);
  return 0;
}

/* str(x): the display form (a string stays as it is; secrets stay secret). */
int
std_str(struct std_call *call, struct rbc_value *out)
{
  struct val_err err;

  if (std_check_args(call, STD_BI_str) < 0)
    return -1;
  if (call->args[0].type == VAL_STRING) {
    *out = val_retain(call->args[0]);
    return 0;
  }
  if (val_to_string(call->args[0], VAL_FMT_RAW, out, &err) != VAL_OK)
    return std_val_error(call, STD_BI_str, &err);
  return 0;
}

/*
** Parse string argument 0 as a param of `type` (blanks trimmed) into *out.
** The message quotes the text unless it is secret.
*/
static int
parse_number(struct std_call *call, enum std_builtin_id id, enum val_param_type type,
             struct rbc_value *out)
{
  struct rbc_value v = call->args[0];
  size_t len = val_str_len(v);
  const char *s = trim(val_str_data(v), &len);
  struct val_err err;
  enum val_status st = val_from_param(s, len, type, v.secret, out, &err);

  if (st == VAL_OK)
    return 0;
  if (st == VAL_ERR_OOM)
    return std_oom(call, id);
  if (st == VAL_ERR_OVERFLOW)
    return std_error(call, "%s(): \"%.64s\" is out of range", std_builtins[id].name,
                     std_shown(v));
  return std_error(call, "%s(): \"%.64s\" is not %s", std_builtins[id].name, std_shown(v),
                   type == VAL_PARAM_INT ? "an integer" : "a number");
}

/* int(x): see the top of the file for the conversions. */
int
std_int(struct std_call *call, struct rbc_value *out)
{
  struct rbc_value v;

  if (std_check_args(call, STD_BI_int) < 0)
    return -1;
  v = call->args[0];
  switch (v.type) {
  case VAL_INT:
    *out = v;
    return 0;
  case VAL_FLOAT: {
    double f = v.as.f;
    /* [-2^63, 2^63) is the range of int64; the cast truncates toward zero */
    if (!(f >= -9223372036854775808.0 && f < 9223372036854775808.0))
      return std_error(call, "int(): float is out of the int range");
    *out = val_tainted(val_int((int64_t)f), v.secret);
    return 0;
  }
  case VAL_BOOL:
    *out = val_tainted(val_int(v.as.b ? 1 : 0), v.secret);
    return 0;
  case VAL_DURATION:
    *out = val_tainted(val_int(v.as.i), v.secret);
    return 0;
  case VAL_STRING:
    return parse_number(call, STD_BI_int, VAL_PARAM_INT, out);
  default:
    return std_type_error(call, STD_BI_int, 1, "a number, bool, duration or string", v);
  }
}

/* float(x): see the top of the file for the conversions. */
int
std_float(struct std_call *call, struct rbc_value *out)
{
  struct rbc_value v;

  if (std_check_args(call, STD_BI_float) < 0)
    return -1;
  v = call->args[0];
  if (v.type == VAL_FLOAT) {
    *out = v;
    return 0;
  }
  if (v.type == VAL_INT) {
    *out = val_tainted(val_float((double)v.as.i), v.secret);
    return 0;
  }
  if (v.type == VAL_STRING)
    return parse_number(call, STD_BI_float, VAL_PARAM_FLOAT, out);
  return std_type_error(call, STD_BI_float, 1, "a number or a numeric string", v);
}

/* }==== */

/* {==== numbers over lists: sum, min, max ==== */

/*
** The item sum() adds at list position i: the item itself, or its member
** `key` when a key is given (tainted with the item's flag).
*/
static int
sum_item(struct std_call *call, const struct rbc_value *item, size_t i, const char *key,
         size_t klen, struct rbc_value *v)
{
  if (key != NULL) {
    const struct rbc_value *m;
    if (item->type != VAL_MAP)
      return std_error(call, "sum(): item %zu must be a map, got %s", i, val_kind(*item));
    m = val_map_get(*item, key, klen);
    if (m == NULL)
      return std_error(call, "sum(): item %zu has no key \"%.64s\"", i,
                       std_shown(call->args[1]));
    *v = val_tainted(*m, item->secret);
  } else {
    *v = *item;
  }
  if (v->type != VAL_INT && v->type != VAL_FLOAT && v->type != VAL_DURATION)
    return std_error(call, "sum(): item %zu must be a number or duration, got %s", i,
                     val_kind(*v));
  return 0;
}

/*
** sum(list[, key]): ints add to an int (overflow is an error), a float
** anywhere makes a float, durations add to a duration; [] sums to 0.
*/
int
std_sum(struct std_call *call, struct rbc_value *out)
{
  struct rbc_value list, acc = val_int(0), v, tmp;
  const char *key = NULL;
  size_t klen = 0, n;
  struct val_err err;

  if (std_check_args(call, STD_BI_sum) < 0)
    return -1;
  list = call->args[0];
  if (list.type != VAL_LIST)
    return std_type_error(call, STD_BI_sum, 1, "a list", list);
  if (call->nargs == 2 && std_arg_string(call, STD_BI_sum, 1, &key, &klen) < 0)
    return -1;
  n = val_list_len(list);
  for (size_t i = 0; i < n; i++) {
    if (sum_item(call, val_list_at(list, i), i, key, klen, &v) < 0)
      return -1;
    if (i == 0) {
      acc = v;
      continue;
    }
    if (val_binop(VAL_OP_ADD, acc, v, &tmp, &err) != VAL_OK)
      return std_val_error(call, STD_BI_sum, &err);
    acc = tmp;
  }
  *out = val_tainted(acc, list.secret || (call->nargs == 2 && call->args[1].secret));
  return 0;
}

/* min (sign -1) or max (sign +1) of the arguments, or of one list argument. */
static int
extremum(struct std_call *call, enum std_builtin_id id, int sign, struct rbc_value *out)
{
  bool one_list = call->nargs == 1 && call->args[0].type == VAL_LIST;
  size_t n = one_list ? val_list_len(call->args[0]) : (size_t)call->nargs;
  bool secret = one_list && call->args[0].secret;
  const struct rbc_value *best = NULL;
  struct val_err err;
  int cmp;

  if (n == 0)
    return std_error(call, "%s(): the list is empty", std_builtins[id].name);
  for (size_t i = 0; i < n; i++) {
    const struct rbc_value *v = one_list ? val_list_at(call->args[0], i) : &call->args[i];
    secret = secret || v->secret;
    if (best == NULL) {
      best = v;
      continue;
    }
    if (val_compare(*v, *best, &cmp, &err) != VAL_OK)
      return std_val_error(call, id, &err);
    if (cmp * sign > 0)
      best = v;
  }
  if (n == 1 && val_compare(*best, *best, &cmp, &err) != VAL_OK)
    return std_val_error(call, id, &err);
  *out = val_tainted(val_retain(*best), secret);
  return 0;
}

/* min(a, b, ...) or min(list): the smallest (the first of equals). */
int
std_min(struct std_call *call, struct rbc_value *out)
{
  if (std_check_args(call, STD_BI_min) < 0)
    return -1;
  return extremum(call, STD_BI_min, -1, out);
}

/* max(a, b, ...) or max(list): the largest (the first of equals). */
int
std_max(struct std_call *call, struct rbc_value *out)
{
  if (std_check_args(call, STD_BI_max) < 0)
    return -1;
  return extremum(call, STD_BI_max, 1, out);
}

/* }==== */

/* {==== range ==== */

/*
** range(start, stop[, step]) checked: all ints, step not 0, at most
** STD_RANGE_MAX items.  *count is the number of items: start, start + step,
** ... while below stop (step > 0) or above it (step < 0).  *secret: an
** argument is secret.  0, or -1 (message recorded).
*/
static int
range_plan(struct std_call *call, int64_t *start, int64_t *step, uint64_t *count,
           bool *secret)
{
  int64_t stop;
  uint64_t span;

  if (std_check_args(call, STD_BI_range) < 0)
    return -1;
  for (int i = 0; i < call->nargs; i++)
    if (call->args[i].type != VAL_INT)
      return std_type_error(call, STD_BI_range, i + 1, "an int", call->args[i]);
  *start = call->args[0].as.i;
  stop = call->args[1].as.i;
  *step = call->nargs == 3 ? call->args[2].as.i : 1;
  *secret = call->args[0].secret || call->args[1].secret
         || (call->nargs == 3 && call->args[2].secret);
  if (*step == 0)
    return std_error(call, "range(): the step must not be 0");
  /* unsigned differences: stop - start cannot overflow this way */
  if (*step > 0)
    span = *start < stop ? (uint64_t)stop - (uint64_t)*start : 0;
  else
    span = *start > stop ? (uint64_t)*start - (uint64_t)stop : 0;
  *count = span == 0 ? 0
         : (span - 1) / (*step > 0 ? (uint64_t)*step : (uint64_t)0 - (uint64_t)*step) + 1;
  if (*count > STD_RANGE_MAX)
    return std_error(call, "range(): more than %d items", STD_RANGE_MAX);
  return 0;
}

/* range(start, stop[, step]): a new list of ints (secret items when an argument is). */
int
std_range(struct std_call *call, struct rbc_value *out)
{
  int64_t start, step;
  uint64_t count;
  bool secret;
  struct rbc_value list;
  struct val_err err;

  if (range_plan(call, &start, &step, &count, &secret) < 0)
    return -1;
  if (val_list_new((size_t)count, &list, &err) != VAL_OK)
    return std_oom(call, STD_BI_range);
  for (uint64_t i = 0; i < count; i++) {
    /* start + i * step stays within [start, stop): no overflow */
    int64_t v = (int64_t)((uint64_t)start + i * (uint64_t)step);

    if (val_list_push(&list, val_tainted(val_int(v), secret), &err) != VAL_OK) {
      val_release(list);
      return std_oom(call, STD_BI_range);
    }
  }
  *out = list;
  return 0;
}

/* range()'s checks and item count (natives.h). */
int
std_range_count(struct std_call *call, struct rbc_value *out)
{
  int64_t start, step;
  uint64_t count;
  bool secret;

  if (range_plan(call, &start, &step, &count, &secret) < 0)
    return -1;
  *out = val_tainted(val_int((int64_t)count), secret);
  return 0;
}

/* }==== */

/* {==== maps and lists: keys, contains, join ==== */

/* keys(map): a new list of the keys as strings, in insertion order. */
int
std_keys(struct std_call *call, struct rbc_value *out)
{
  struct rbc_value map, list;
  struct val_err err;
  const char *k;
  size_t klen, pos = 0;

  if (std_check_args(call, STD_BI_keys) < 0)
    return -1;
  map = call->args[0];
  if (map.type != VAL_MAP)
    return std_type_error(call, STD_BI_keys, 1, "a map", map);
  if (val_list_new(val_map_len(map), &list, &err) != VAL_OK)
    return std_oom(call, STD_BI_keys);
  while (val_map_next(map, &pos, &k, &klen, NULL)) {
    if (push_string(call, STD_BI_keys, &list, k, klen, map.secret) < 0) {
      val_release(list);
      return -1;
    }
  }
  *out = val_tainted(list, map.secret);
  return 0;
}

/* Is there an item equal to needle in list?  *secret collects taint. */
static int
list_contains(struct std_call *call, struct rbc_value list, struct rbc_value needle,
              bool *found, bool *secret)
{
  struct val_err err;
  size_t n = val_list_len(list);

  *found = false;
  for (size_t i = 0; i < n && !*found; i++) {
    if (val_equal(*val_list_at(list, i), needle, found, secret, &err) != VAL_OK)
      return std_val_error(call, STD_BI_contains, &err);
  }
  return 0;
}

/*
** contains(haystack, needle): substring of a string, item of a list (deep
** equality), key of a map.
*/
int
std_contains(struct std_call *call, struct rbc_value *out)
{
  struct rbc_value hay, needle;
  bool found = false, secret;

  if (std_check_args(call, STD_BI_contains) < 0)
    return -1;
  hay = call->args[0];
  needle = call->args[1];
  secret = hay.secret || needle.secret;
  if (hay.type == VAL_LIST) {
    if (list_contains(call, hay, needle, &found, &secret) < 0)
      return -1;
  } else if (hay.type == VAL_STRING || hay.type == VAL_MAP) {
    if (needle.type != VAL_STRING)
      return std_type_error(call, STD_BI_contains, 2, "a string", needle);
    if (hay.type == VAL_STRING)
      found = find_bytes(val_str_data(hay), val_str_len(hay), val_str_data(needle),
                         val_str_len(needle)) != NULL;
    else
      found = val_map_get(hay, val_str_data(needle), val_str_len(needle)) != NULL;
  } else {
    return std_type_error(call, STD_BI_contains, 1, "a string, list or map", hay);
  }
  *out = val_tainted(val_bool(found), secret);
  return 0;
}

/* join(list[, sep]): the items' text with sep (default "") between them. */
int
std_join(struct std_call *call, struct rbc_value *out)
{
  struct rbc_value list;
  const char *sep = "";
  size_t seplen = 0, n;
  struct val_buf b;
  bool secret;

  if (std_check_args(call, STD_BI_join) < 0)
    return -1;
  list = call->args[0];
  if (list.type != VAL_LIST)
    return std_type_error(call, STD_BI_join, 1, "a list", list);
  if (call->nargs == 2 && std_arg_string(call, STD_BI_join, 1, &sep, &seplen) < 0)
    return -1;
  secret = list.secret || (call->nargs == 2 && call->args[1].secret);
  val_buf_init(&b);
  n = val_list_len(list);
  for (size_t i = 0; i < n; i++) {
    if (i > 0)
      val_buf_append(&b, sep, seplen);
    if (val_buf_append_value(&b, *val_list_at(list, i), VAL_FMT_RAW) == VAL_ERR_DEPTH) {
      val_buf_free(&b);
      return std_error(call, "join(): an item nests too deeply");
    }
  }
  return finish_buf(call, STD_BI_join, &b, secret, out);
}

/* }==== */

/* {==== strings: split, lower, upper, replace ==== */

/* split on runs of blanks into *list. */
static int
split_blanks(struct std_call *call, const char *s, size_t len, bool secret,
             struct rbc_value *list)
{
  size_t i = 0;

  while (i < len) {
    size_t start;
    while (i < len && is_blank(s[i]))
      i++;
    if (i == len)
      break;
    start = i;
    while (i < len && !is_blank(s[i]))
      i++;
    if (push_string(call, STD_BI_split, list, s + start, i - start, secret) < 0)
      return -1;
  }
  return 0;
}

/* split on every occurrence of sep (non-empty) into *list. */
static int
split_sep(struct std_call *call, const char *s, size_t len, const char *sep, size_t seplen,
          bool secret, struct rbc_value *list)
{
  const char *p = s, *end = s + len, *hit;

  for (;;) {
    hit = find_bytes(p, (size_t)(end - p), sep, seplen);
    if (hit == NULL)
      break;
    if (push_string(call, STD_BI_split, list, p, (size_t)(hit - p), secret) < 0)
      return -1;
    p = hit + seplen;
  }
  return push_string(call, STD_BI_split, list, p, (size_t)(end - p), secret);
}

/* split(s[, sep]): see the top of the file. */
int
std_split(struct std_call *call, struct rbc_value *out)
{
  const char *s, *sep = NULL;
  size_t len, seplen = 0;
  struct rbc_value list;
  struct val_err err;
  bool secret;
  int rc;

  if (std_check_args(call, STD_BI_split) < 0
      || std_arg_string(call, STD_BI_split, 0, &s, &len) < 0)
    return -1;
  if (call->nargs == 2) {
    if (std_arg_string(call, STD_BI_split, 1, &sep, &seplen) < 0)
      return -1;
    if (seplen == 0)
      return std_error(call, "split(): the separator is empty");
  }
  secret = call->args[0].secret || (call->nargs == 2 && call->args[1].secret);
  if (val_list_new(0, &list, &err) != VAL_OK)
    return std_oom(call, STD_BI_split);
  if (sep == NULL)
    rc = split_blanks(call, s, len, secret, &list);
  else
    rc = split_sep(call, s, len, sep, seplen, secret, &list);
  if (rc < 0) {
    val_release(list);
    return -1;
  }
  *out = val_tainted(list, secret);
  return 0;
}

/* lower()/upper(): copy of argument 0 with ASCII letters mapped by `up`. */
static int
change_case(struct std_call *call, enum std_builtin_id id, bool up, struct rbc_value *out)
{
  const char *s;
  size_t len;
  struct val_buf b;

  if (std_check_args(call, id) < 0 || std_arg_string(call, id, 0, &s, &len) < 0)
    return -1;
  val_buf_init(&b);
  if (val_buf_append(&b, s, len) != VAL_OK) {
    val_buf_free(&b);
    return std_oom(call, id);
  }
  for (size_t i = 0; i < len; i++) {
    char c = b.data[i];
    if (up && c >= 'a' && c <= 'z')
      b.data[i] = (char)(c - 'a' + 'A');
    else if (!up && c >= 'A' && c <= 'Z')
      b.data[i] = (char)(c - 'A' + 'a');
  }
  return finish_buf(call, id, &b, call->args[0].secret, out);
}

/* lower(s): ASCII letters lower-cased. */
int
std_lower(struct std_call *call, struct rbc_value *out)
{
  return change_case(call, STD_BI_lower, false, out);
}

/* upper(s): ASCII letters upper-cased. */
int
std_upper(struct std_call *call, struct rbc_value *out)
{
  return change_case(call, STD_BI_upper, true, out);
}

/* replace(s, old, new): every non-overlapping `old`, left to right. */
int
std_replace(struct std_call *call, struct rbc_value *out)
{
  const char *s, *old, *rep, *p, *end, *hit;
  size_t len, olen, rlen;
  struct val_buf b;
  bool secret;

  if (std_check_args(call, STD_BI_replace) < 0
      || std_arg_string(call, STD_BI_replace, 0, &s, &len) < 0
      || std_arg_string(call, STD_BI_replace, 1, &old, &olen) < 0
      || std_arg_string(call, STD_BI_replace, 2, &rep, &rlen) < 0)
    return -1;
  if (olen == 0)
    return std_error(call, "replace(): the string to replace is empty");
  secret = call->args[0].secret || call->args[1].secret || call->args[2].secret;
  val_buf_init(&b);
  p = s;
  end = s + len;
  for (;;) {
    hit = find_bytes(p, (size_t)(end - p), old, olen);
    if (hit == NULL)
      break;
    val_buf_append(&b, p, (size_t)(hit - p));
    val_buf_append(&b, rep, rlen);
    p = hit + olen;
  }
  val_buf_append(&b, p, (size_t)(end - p));
  return finish_buf(call, STD_BI_replace, &b, secret, out);
}

/* }==== */

/* {==== regular expressions ==== */

/* Run compiled re over s[0..len), NUL bytes included where supported. */
static bool
regex_hit(const regex_t *re, const char *s, size_t len)
{
#ifdef REG_STARTEND
  regmatch_t m[1];
  m[0].rm_so = 0;
  m[0].rm_eo = (regoff_t)len;
  return regexec(re, s, 1, m, REG_STARTEND) == 0;
#else
  (void)len;
  return regexec(re, s, 0, NULL, 0) == 0;
#endif
}

/*
** matches(s, regex): whether a POSIX extended regular expression matches
** somewhere in s (anchor with ^ and $ for a whole match).  A regex that
** does not compile is an error naming it (unless it is secret).
*/
int
std_matches(struct std_call *call, struct rbc_value *out)
{
  const char *s, *pat;
  size_t len, plen;
  regex_t re;
  char why[128];
  int rc;
  bool hit;

  if (std_check_args(call, STD_BI_matches) < 0
      || std_arg_string(call, STD_BI_matches, 0, &s, &len) < 0
      || std_arg_string(call, STD_BI_matches, 1, &pat, &plen) < 0)
    return -1;
  if (memchr(pat, '\0', plen) != NULL)
    return std_error(call, "matches(): the regular expression holds a NUL byte");
  rc = regcomp(&re, pat, REG_EXTENDED | REG_NOSUB);
  if (rc != 0) {
    regerror(rc, &re, why, sizeof why);
    return std_error(call, "matches(): invalid regular expression \"%.200s\": %s",
                     std_shown(call->args[1]), why);
  }
  hit = regex_hit(&re, s, len);
  regfree(&re);
  *out = val_tainted(val_bool(hit), call->args[0].secret || call->args[1].secret);
  return 0;
}

/* }==== */

/* {==== the run: now, log, fail ==== */

/* now(): the run clock's current time (virtual under --clock=virtual). */
int
std_now(struct std_call *call, struct rbc_value *out)
{
  const struct std_host *h = call->host;

  if (std_check_args(call, STD_BI_now) < 0)
    return -1;
  if (h == NULL || h->now_ms == NULL)
    return std_error(call, "now(): no clock in this context");
  *out = val_time(h->now_ms(h->ctx));
  return 0;
}

/*
** The masked display text of args[0..n) joined by spaces into b (strings
** as they are, secrets as ***).
*/
static void
masked_text(struct val_buf *b, const struct rbc_value *args, int n)
{
  for (int i = 0; i < n; i++) {
    if (i > 0)
      val_buf_append(b, " ", 1);
    val_buf_append_value(b, args[i], VAL_FMT_MASKED);
  }
}

/* log(values...): one info line of the values, masked, through the host. */
int
std_log(struct std_call *call, struct rbc_value *out)
{
  const struct std_host *h = call->host;
  struct val_buf b;

  if (std_check_args(call, STD_BI_log) < 0)
    return -1;
  val_buf_init(&b);
  masked_text(&b, call->args, call->nargs);
  if (b.oom) {
    val_buf_free(&b);
    return std_oom(call, STD_BI_log);
  }
  if (h != NULL && h->log != NULL)
    h->log(h->ctx, "info", b.data != NULL ? b.data : "", b.len);
  val_buf_free(&b);
  *out = val_null();
  return 0;
}

/*
** fail(message): always fails, with RB5011 and the message as given (its
** masked display form when not a string; *** when secret).
*/
int
std_fail(struct std_call *call, struct rbc_value *out)
{
  struct val_buf b;

  (void)out;
  if (std_check_args(call, STD_BI_fail) < 0)
    return -1;
  val_buf_init(&b);
  masked_text(&b, call->args, 1);
  std_error_code(call, DIAG_RB5011, "%s", b.data != NULL && !b.oom ? b.data : "fail()");
  val_buf_free(&b);
  return -1;
}

/* }==== */

/* {==== glob ==== */

/* Copy of dir with glob's special characters backslash-escaped. */
static char *
escape_glob(const char *dir, size_t len)
{
  char *e = malloc(2 * len + 1);
  size_t j = 0;

  if (e == NULL)
    return NULL;
  for (size_t i = 0; i < len; i++) {
    if (strchr("*?[]\\{}~", dir[i]) != NULL)
      e[j++] = '\\';
    e[j++] = dir[i];
  }
  e[j] = '\0';
  return e;
}

/* Pattern to give glob(3), and how many leading bytes to cut from matches. */
static char *
full_pattern(const char *workdir, const char *pat, size_t plen, size_t *cut)
{
  size_t wlen = workdir != NULL ? strlen(workdir) : 0;
  char *esc, *full = NULL;

  *cut = 0;
  if (wlen == 0 || pat[0] == '/')
    return strdup(pat);
  while (wlen > 1 && workdir[wlen - 1] == '/')
    wlen--;
  esc = escape_glob(workdir, wlen);
  if (esc != NULL && std_join_path(esc, pat, plen, &full) == 0)
    *cut = wlen == 1 && workdir[0] == '/' ? 1 : wlen + 1;
  free(esc);
  return full;
}

/* strcmp for qsort over an array of char *. */
static int
cmp_paths(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sorted matches of g, cut by `cut` bytes, as a list of strings. */
static int
glob_list(struct std_call *call, glob_t *g, size_t cut, bool secret, struct rbc_value *out)
{
  struct rbc_value list;
  struct val_err err;

  if (g->gl_pathc > 1)
    qsort(g->gl_pathv, g->gl_pathc, sizeof g->gl_pathv[0], cmp_paths);
  if (val_list_new(g->gl_pathc, &list, &err) != VAL_OK)
    return std_oom(call, STD_BI_glob);
  for (size_t i = 0; i < g->gl_pathc; i++) {
    const char *p = g->gl_pathv[i];
    size_t skip = strlen(p) > cut ? cut : 0;
    if (push_string(call, STD_BI_glob, &list, p + skip, strlen(p + skip), secret) < 0) {
      val_release(list);
      return -1;
    }
  }
  *out = val_tainted(list, secret);
  return 0;
}

/* glob(pattern): matching paths, sorted; see the top of the file. */
int
std_glob(struct std_call *call, struct rbc_value *out)
{
  const char *pat;
  size_t plen, cut;
  char *full;
  glob_t g;
  int rc;
  bool secret;

  if (std_check_args(call, STD_BI_glob) < 0
      || std_arg_string(call, STD_BI_glob, 0, &pat, &plen) < 0)
    return -1;
  if (plen == 0 || memchr(pat, '\0', plen) != NULL)
    return std_error(call, "glob(): the pattern is empty or holds a NUL byte");
  secret = call->args[0].secret;
  full = full_pattern(call->host != NULL ? call->host->workdir : NULL, pat, plen, &cut);
  if (full == NULL)
    return std_oom(call, STD_BI_glob);
  memset(&g, 0, sizeof g);
  rc = glob(full, 0, NULL, &g);
  free(full);
  if (rc == GLOB_NOMATCH)
    g.gl_pathc = 0;
  else if (rc == GLOB_NOSPACE)
    rc = std_oom(call, STD_BI_glob);
  else if (rc != 0)
    rc = std_error(call, "glob(): cannot read a directory for \"%.200s\"",
                   std_shown(call->args[0]));
  if (rc == 0 || rc == GLOB_NOMATCH)
    rc = glob_list(call, &g, cut, secret, out);
  globfree(&g);
  return rc;
}

/* }==== */
