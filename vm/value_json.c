/*
** value_json.c: rbc values <-> JSON.  The mapping and the taint rule are in
** value_json.h; ownership as in value.h (arguments borrowed, results new).
**
** Parsing goes through jansson (json_loadb) and then val_from_json.
** Encoding writes text directly with struct val_buf so floats come out in
** the shortest round-trip form (jansson prints 0.1 as 0.10000000000000001).
*/
#include "vm/value_int.h"
#include "vm/value_json.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* {==== errors ==== */

/* The nesting limit, in both directions. */
static enum val_status too_deep(struct val_err *err)
{
  return val_fail(err, VAL_ERR_DEPTH, "JSON nests deeper than %d levels", VAL_MAX_DEPTH);
}

/* }==== */

/* {==== JSON -> value ==== */

static enum val_status from_json(const json_t *j, bool secret, int depth,
                                 struct rbc_value *out, struct val_err *err);

/* A JSON array as a list, items converted in order. */
static enum val_status from_array(const json_t *j, bool secret, int depth,
                                  struct rbc_value *out, struct val_err *err)
{
  size_t i, n = json_array_size(j);
  struct rbc_value item;
  enum val_status st = val_list_new(n, out, err);

  for (i = 0; st == VAL_OK && i < n; i++) {
    st = from_json(json_array_get(j, i), secret, depth + 1, &item, err);
    if (st == VAL_OK) {
      st = val_list_push(out, item, err);
      val_release(item);
    }
  }
  return st;
}

/* A JSON object as a map, members in document order. */
static enum val_status from_object(const json_t *j, bool secret, int depth,
                                   struct rbc_value *out, struct val_err *err)
{
  const char *key;
  size_t klen;
  json_t *member;
  struct rbc_value item;
  enum val_status st = val_map_new(out, err);

  /* jansson iterates objects in insertion order, i.e. document order. */
  json_object_keylen_foreach((json_t *)j, key, klen, member) {
    if (st != VAL_OK)
      break;
    st = from_json(member, secret, depth + 1, &item, err);
    if (st == VAL_OK) {
      st = val_map_set(out, key, klen, item, err);
      val_release(item);
    }
  }
  return st;
}

/*
** One JSON value at nesting `depth`, flagged secret when asked (so every
** value of a parsed secret carries the flag).
*/
static enum val_status from_json(const json_t *j, bool secret, int depth,
                                 struct rbc_value *out, struct val_err *err)
{
  enum val_status st = VAL_OK;

  *out = val_null();
  if (depth > VAL_MAX_DEPTH)
    return too_deep(err);
  switch (json_typeof(j)) {
  case JSON_NULL:    break;
  case JSON_TRUE:    *out = val_bool(true); break;
  case JSON_FALSE:   *out = val_bool(false); break;
  case JSON_INTEGER: *out = val_int((int64_t)json_integer_value(j)); break;
  case JSON_REAL:
    if (!isfinite(json_real_value(j)))
      return val_fail(err, VAL_ERR_TYPE, "JSON number is not finite");
    *out = val_float(json_real_value(j));
    break;
  case JSON_STRING:
    st = val_string_new(json_string_value(j), json_string_length(j), out, err);
    break;
  case JSON_ARRAY:   st = from_array(j, secret, depth, out, err); break;
  case JSON_OBJECT:  st = from_object(j, secret, depth, out, err); break;
  }
  if (st != VAL_OK) {
    val_release(*out);
    *out = val_null();
    return st;
  }
  out->secret = secret;
  return VAL_OK;
}

/* A jansson value as an rbc value; NULL (a failed jansson call) is an error. */
enum val_status val_from_json(const json_t *j, bool secret, struct rbc_value *out,
                              struct val_err *err)
{
  if (!j) {
    *out = val_null();
    return val_fail(err, VAL_ERR_TYPE, "no JSON value");
  }
  return from_json(j, secret, 0, out, err);
}

/*
** Status and message for a jansson parse error (text hidden when secret).
** jansson's text quotes the input near the error; its control bytes are
** shown as '?', so a reply or file cannot put a newline (a forged log line)
** or a terminal escape into a message.
*/
static enum val_status parse_error(json_error_t *e, bool secret, struct val_err *err)
{
  for (char *c = e->text; *c != '\0'; c++)
    if ((unsigned char)*c < 0x20 || *c == 0x7f)
      *c = '?';
  switch (json_error_code(e)) {
  case json_error_out_of_memory:
    return val_fail(err, VAL_ERR_OOM, "out of memory");
  case json_error_stack_overflow:
    return too_deep(err);
  case json_error_numeric_overflow:
    return val_fail(err, VAL_ERR_OVERFLOW, "JSON number out of range at line %d column %d",
                e->line, e->column);
  default:
    if (secret)
      return val_fail(err, VAL_ERR_PARSE, "invalid JSON at line %d column %d", e->line,
                  e->column);
    return val_fail(err, VAL_ERR_PARSE, "invalid JSON at line %d column %d: %s", e->line,
                e->column, e->text);
  }
}

/*
** json.parse: any JSON value at the top, NUL bytes allowed in strings.
** jansson's own depth limit (2048) and ours (VAL_MAX_DEPTH) both report
** VAL_ERR_DEPTH.
*/
enum val_status val_json_parse(const char *text, size_t len, bool secret,
                               struct rbc_value *out, struct val_err *err)
{
  json_error_t e;
  json_t *j;
  enum val_status st;

  *out = val_null();
  errno = 0;
  j = json_loadb(text, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);
  /* jansson reports some failed allocations (in its string buffers) as a
     syntax error; malloc's ENOMEM tells them apart (tests/failalloc.sh) */
  if (!j && errno == ENOMEM)
    return val_fail(err, VAL_ERR_OOM, "out of memory");
  if (!j)
    return parse_error(&e, secret, err);
  st = from_json(j, secret, 0, out, err);
  json_decref(j);
  return st;
}

/* }==== */

/* {==== value -> JSON text ==== */

static enum val_status encode(struct val_buf *b, struct rbc_value v, int flags, int depth,
                              struct val_err *err);

/* Newline and indentation before an item at `depth` (pretty mode only). */
static void indent(struct val_buf *b, int flags, int depth)
{
  int i;

  if (!(flags & VAL_JSON_PRETTY))
    return;
  val_buf_append(b, "\n", 1);
  for (i = 0; i < depth; i++)
    val_buf_append(b, "  ", 2);
}

/* [a,b] compact, or one item per line when pretty; [] stays on one line. */
static enum val_status encode_list(struct val_buf *b, struct rbc_value v, int flags,
                                   int depth, struct val_err *err)
{
  size_t i, n = val_list_len(v);
  enum val_status st = VAL_OK;

  val_buf_append(b, "[", 1);
  for (i = 0; st == VAL_OK && i < n; i++) {
    if (i)
      val_buf_append(b, ",", 1);
    indent(b, flags, depth + 1);
    st = encode(b, *val_list_at(v, i), flags, depth + 1, err);
  }
  if (n)
    indent(b, flags, depth);
  val_buf_append(b, "]", 1);
  return st;
}

/* {"k":v} compact, or one member per line when pretty; {} stays as is. */
static enum val_status encode_map(struct val_buf *b, struct rbc_value v, int flags,
                                  int depth, struct val_err *err)
{
  size_t pos = 0, klen;
  const char *key;
  const struct rbc_value *item;
  enum val_status st = VAL_OK;
  bool first = true;

  val_buf_append(b, "{", 1);
  while (st == VAL_OK && val_map_next(v, &pos, &key, &klen, &item)) {
    if (!first)
      val_buf_append(b, ",", 1);
    first = false;
    indent(b, flags, depth + 1);
    val_buf_append_quoted(b, key, klen);
    val_buf_append(b, flags & VAL_JSON_PRETTY ? ": " : ":", flags & VAL_JSON_PRETTY ? 2 : 1);
    st = encode(b, *item, flags, depth + 1, err);
  }
  if (!first)
    indent(b, flags, depth);
  val_buf_append(b, "}", 1);
  return st;
}

/*
** JSON text of v.  Secrets are written raw and taint the buffer: the
** encoded string is then secret as a whole.
*/
static enum val_status encode(struct val_buf *b, struct rbc_value v, int flags, int depth,
                              struct val_err *err)
{
  char tmp[VAL_FMT_BUF];

  if (depth > VAL_MAX_DEPTH)
    return too_deep(err);
  b->secret = b->secret || v.secret;
  switch (v.type) {
  case VAL_NULL:     val_buf_puts(b, "null"); break;
  case VAL_BOOL:     val_buf_puts(b, v.as.b ? "true" : "false"); break;
  case VAL_INT:      val_buf_printf(b, "%lld", (long long)v.as.i); break;
  case VAL_FLOAT:    val_buf_puts(b, val_format_float(v.as.f, tmp)); break;
  case VAL_STRING:   val_buf_append_quoted(b, val_str_data(v), val_str_len(v)); break;
  case VAL_DURATION:
    val_format_duration(v.as.i, tmp);
    val_buf_append_quoted(b, tmp, strlen(tmp));
    break;
  case VAL_TIME:
    val_format_time(v.as.i, true, tmp);
    val_buf_append_quoted(b, tmp, strlen(tmp));
    break;
  case VAL_LIST:     return encode_list(b, v, flags, depth, err);
  case VAL_MAP:      return encode_map(b, v, flags, depth, err);
  default:
    return val_fail(err, VAL_ERR_TYPE, "cannot encode a %s as JSON", val_kind(v));
  }
  return VAL_OK;
}

/* json.encode: the text as a string value (secret when any input was). */
enum val_status val_json_encode(struct rbc_value v, int flags, struct rbc_value *out,
                                struct val_err *err)
{
  struct val_buf b;
  enum val_status st;

  *out = val_null();
  val_buf_init(&b);
  st = encode(&b, v, flags, 0, err);
  if (st != VAL_OK) {
    val_buf_free(&b);
    return st;
  }
  return val_buf_finish(&b, out, err);
}

/* }==== */

/* {==== value -> json_t ==== */

static enum val_status to_json(struct rbc_value v, int depth, json_t **out, bool *tnt,
                               struct val_err *err);

/* Items of a list appended to a jansson array. */
static enum val_status list_to_json(struct rbc_value v, int depth, json_t *arr, bool *tnt,
                                    struct val_err *err)
{
  size_t i, n = val_list_len(v);
  json_t *item;
  enum val_status st = VAL_OK;

  for (i = 0; st == VAL_OK && i < n; i++) {
    st = to_json(*val_list_at(v, i), depth + 1, &item, tnt, err);
    if (st == VAL_OK && json_array_append_new(arr, item) != 0)
      st = val_fail(err, VAL_ERR_OOM, "out of memory");
  }
  return st;
}

/* Entries of a map set on a jansson object (jansson keeps their order). */
static enum val_status map_to_json(struct rbc_value v, int depth, json_t *obj, bool *tnt,
                                   struct val_err *err)
{
  size_t pos = 0, klen;
  const char *key;
  const struct rbc_value *item;
  json_t *member;
  enum val_status st = VAL_OK;

  while (st == VAL_OK && val_map_next(v, &pos, &key, &klen, &item)) {
    st = to_json(*item, depth + 1, &member, tnt, err);
    if (st == VAL_OK && json_object_setn_new(obj, key, klen, member) != 0)
      st = val_fail(err, VAL_ERR_TYPE, "a map key is not valid UTF-8 (or out of memory)");
  }
  return st;
}

/*
** A JSON string of a string value.  JSON strings are UTF-8: when the bytes
** are not, the string goes through val_buf_append_quoted (which replaces
** each invalid sequence with U+FFFD) and is read back by jansson.
*/
static json_t *string_json(struct rbc_value v)
{
  struct val_buf b;
  json_t *j = json_stringn(val_str_data(v), val_str_len(v));

  if (j)
    return j;
  val_buf_init(&b);
  val_buf_append_quoted(&b, val_str_data(v), val_str_len(v));
  if (!b.oom)
    j = json_loadb(b.data, b.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
  val_buf_free(&b);
  return j;
}

/* A JSON string of a duration's or time's text form. */
static json_t *text_json(struct rbc_value v)
{
  char tmp[VAL_FMT_BUF];

  if (v.type == VAL_DURATION)
    return json_string(val_format_duration(v.as.i, tmp));
  return json_string(val_format_time(v.as.i, true, tmp));
}

/* One value as a new jansson value; *tnt collects taint. */
static enum val_status to_json(struct rbc_value v, int depth, json_t **out, bool *tnt,
                               struct val_err *err)
{
  enum val_status st = VAL_OK;
  json_t *j = NULL;

  *out = NULL;
  if (depth > VAL_MAX_DEPTH)
    return too_deep(err);
  *tnt = *tnt || v.secret;
  switch (v.type) {
  case VAL_NULL:     j = json_null(); break;
  case VAL_BOOL:     j = json_boolean(v.as.b); break;
  case VAL_INT:      j = json_integer((json_int_t)v.as.i); break;
  case VAL_FLOAT:    j = json_real(v.as.f); break;
  case VAL_STRING:   j = string_json(v); break;
  case VAL_DURATION:
  case VAL_TIME:     j = text_json(v); break;
  case VAL_LIST:
    j = json_array();
    if (j)
      st = list_to_json(v, depth, j, tnt, err);
    break;
  case VAL_MAP:
    j = json_object();
    if (j)
      st = map_to_json(v, depth, j, tnt, err);
    break;
  default:
    return val_fail(err, VAL_ERR_TYPE, "cannot convert a %s to JSON", val_kind(v));
  }
  if (!j)
    return val_fail(err, VAL_ERR_OOM, "out of memory");
  if (st != VAL_OK) {
    json_decref(j);
    return st;
  }
  *out = j;
  return VAL_OK;
}

/* An rbc value as a new jansson value (value_json.h). */
enum val_status val_to_json(struct rbc_value v, json_t **out, bool *tainted,
                            struct val_err *err)
{
  bool t = false;
  enum val_status st = to_json(v, 0, out, &t, err);

  if (tainted)
    *tainted = t;
  return st;
}

/* }==== */
