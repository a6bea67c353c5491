/*
** protocol.c: what the AWS protocols share (see protocol.h): dispatch,
** argument checks, timestamps, base64, percent-encoding, XML replies.
*/
#define _POSIX_C_SOURCE 200809L

#include "stdlib/aws/protocol.h"

#include <expat.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* {==== dispatch ==== */

int aws_encode(const struct aws_op *op, struct rbc_value args, struct aws_enc *enc)
{
  int rc;

  memset(enc, 0, sizeof *enc);
  enc->rq.service = op->svc->endpoint_prefix;
  enc->rq.signing_name = op->svc->signing_name;
  enc->rq.env_name = op->svc->env_name;
  enc->rq.method = op->method;
  switch (op->svc->protocol) {
  case AWS_PROTO_JSON:
    rc = aws_json_encode(op, args, enc);
    break;
  case AWS_PROTO_QUERY:
    rc = aws_query_encode(op, args, enc);
    break;
  default:
    rc = aws_rest_encode(op, args, enc);
    break;
  }
  if (rc == 0 && (enc->path.oom || enc->query.oom || enc->body.oom)) {
    snprintf(enc->err, sizeof enc->err, "out of memory encoding the request");
    rc = -1;
  }
  enc->rq.path = enc->path.len > 0 ? enc->path.data : "/";
  enc->rq.query = enc->query.len > 0 ? enc->query.data : "";
  enc->rq.body = enc->body.data;
  enc->rq.body_len = enc->body.len;
  enc->rq.headers = enc->headers;
  enc->rq.nheaders = enc->nheaders;
  enc->rq.s3 = op->svc->protocol == AWS_PROTO_REST_XML;
  enc->secret = enc->body.secret || enc->path.secret || enc->query.secret || enc->secret;
  return rc;
}

void aws_enc_free(struct aws_enc *enc)
{
  val_buf_free(&enc->path);
  val_buf_free(&enc->query);
  val_buf_free(&enc->body);
  for (size_t i = 0; i < enc->nheaders; i++) {
    free(enc->headers[i].name);
    free(enc->headers[i].value);
  }
  enc->nheaders = 0;
}

int aws_decode(const struct aws_op *op, const struct aws_response *rs, struct rbc_value *out,
               char *err, size_t errsz)
{
  int rc;

  if (errsz > 0)
    err[0] = '\0';
  switch (op->svc->protocol) {
  case AWS_PROTO_JSON:
    rc = aws_json_decode(op, rs, out, err, errsz);
    break;
  case AWS_PROTO_QUERY:
    rc = aws_query_decode(op, rs, out, err, errsz);
    break;
  default:
    rc = aws_rest_decode(op, rs, out, err, errsz);
    break;
  }
  /* the decoders explain every malformed reply; what they leave unexplained
     is a value that could not be allocated */
  if (rc != 0 && errsz > 0 && err[0] == '\0')
    (void)aws_decode_oom(err, errsz);
  return rc;
}

/* }==== */

/* {==== member paths and checks ==== */

size_t aws_path_push(struct aws_path *p, const char *name)
{
  size_t old = p->len;
  int n = snprintf(p->text + p->len, sizeof p->text - p->len, "%s%s", p->len ? "." : "", name);

  if (n > 0)
    p->len = p->len + (size_t)n < sizeof p->text ? p->len + (size_t)n : sizeof p->text - 1;
  return old;
}

size_t aws_path_index(struct aws_path *p, size_t i)
{
  size_t old = p->len;
  int n = snprintf(p->text + p->len, sizeof p->text - p->len, "[%zu]", i);

  if (n > 0)
    p->len = p->len + (size_t)n < sizeof p->text ? p->len + (size_t)n : sizeof p->text - 1;
  return old;
}

void aws_path_pop(struct aws_path *p, size_t old)
{
  p->len = old;
  p->text[old] = '\0';
}

const char *aws_shape_type(const json_t *shape)
{
  const char *t = aws_model_str(shape, "type");

  return t != NULL ? t : "";
}

/* enc->err = "PATH: fmt..." */
static int fail(struct aws_enc *enc, const struct aws_path *p, const char *fmt, ...)
  __attribute__((format(printf, 3, 4)));

static int fail(struct aws_enc *enc, const struct aws_path *p, const char *fmt, ...)
{
  va_list ap;
  int n;

  if (enc == NULL)
    return -1;
  n = snprintf(enc->err, sizeof enc->err, "%s: ", p->len ? p->text : "arguments");
  if (n < 0 || (size_t)n >= sizeof enc->err)
    return -1;
  va_start(ap, fmt);
  vsnprintf(enc->err + n, sizeof enc->err - (size_t)n, fmt, ap);
  va_end(ap);
  return -1;
}

/* The rbc type a shape type wants, for messages. */
static const char *wanted(const char *type)
{
  static const char *const map[][2] = {
    { "structure", "a map" }, { "map", "a map" }, { "list", "a list" },
    { "string", "a string" }, { "integer", "an int" }, { "long", "an int" },
    { "float", "a number" }, { "double", "a number" }, { "boolean", "a bool" },
    { "timestamp", "a time or an RFC 3339 string" }, { "blob", "a string" },
  };

  for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
    if (strcmp(map[i][0], type) == 0)
      return map[i][1];
  return "a value";
}

/* Does v have the rbc type that shape type `t` takes? */
static bool fits(const char *t, struct rbc_value v)
{
  int64_t ms;

  if (strcmp(t, "structure") == 0 || strcmp(t, "map") == 0)
    return v.type == VAL_MAP;
  if (strcmp(t, "list") == 0)
    return v.type == VAL_LIST;
  if (strcmp(t, "string") == 0 || strcmp(t, "blob") == 0)
    return v.type == VAL_STRING;
  if (strcmp(t, "integer") == 0 || strcmp(t, "long") == 0)
    return v.type == VAL_INT;
  if (strcmp(t, "float") == 0 || strcmp(t, "double") == 0)
    return v.type == VAL_INT || v.type == VAL_FLOAT;
  if (strcmp(t, "boolean") == 0)
    return v.type == VAL_BOOL;
  if (strcmp(t, "timestamp") == 0)
    return aws_time_arg(v, &ms) == 0;
  return true;
}

int aws_check_type(struct aws_enc *enc, const struct aws_path *p, const json_t *shape,
                   struct rbc_value v)
{
  const char *t = aws_shape_type(shape);

  if (fits(t, v))
    return 0;
  if (strcmp(t, "timestamp") == 0 && v.type == VAL_STRING)
    return fail(enc, p, "expects %s, got a string that is not one", wanted(t));
  return fail(enc, p, "expects %s, got %s", wanted(t), val_kind(v));
}

json_t *aws_member_ref(struct aws_enc *enc, const struct aws_path *p, const json_t *st,
                       const char *name)
{
  json_t *ref = json_object_get(json_object_get(st, "members"), name);

  if (ref == NULL) {
    struct aws_path q = *p;
    aws_path_push(&q, name);
    fail(enc, &q, "no such member");
  }
  return ref;
}

int aws_check_required(struct aws_enc *enc, const struct aws_path *p, const json_t *st,
                       struct rbc_value v)
{
  json_t *req = json_object_get(st, "required");
  size_t i;
  json_t *r;

  json_array_foreach(req, i, r) {
    const char *name = json_string_value(r);
    if (name != NULL && val_map_get(v, name, strlen(name)) == NULL) {
      struct aws_path q = *p;
      aws_path_push(&q, name);
      return fail(enc, &q, "required member missing");
    }
  }
  return 0;
}

/* }==== */

/* {==== timestamps ==== */

int aws_time_arg(struct rbc_value v, int64_t *ms)
{
  if (v.type == VAL_TIME) {
    *ms = v.as.i;
    return 0;
  }
  if (v.type == VAL_STRING)
    return val_parse_time(val_str_data(v), val_str_len(v), ms, NULL) == VAL_OK ? 0 : -1;
  return -1;
}

/* Floor division of ms into seconds and the remaining ms (0..999). */
static void split_ms(int64_t ms, int64_t *sec, int *frac)
{
  *sec = ms / 1000;
  *frac = (int)(ms % 1000);
  if (*frac < 0) {
    *frac += 1000;
    (*sec)--;
  }
}

void aws_time_format(int64_t ms, const char *format, char *buf, size_t size)
{
  static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
  static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
  int64_t sec;
  int frac;
  time_t t;
  struct tm tm;
  char tmp[VAL_FMT_BUF];

  split_ms(ms, &sec, &frac);
  if (format != NULL && strcmp(format, "unixTimestamp") == 0) {
    if (frac == 0)
      snprintf(buf, size, "%" PRId64, sec);
    else
      snprintf(buf, size, "%" PRId64 ".%03d", sec, frac);
    return;
  }
  if (format != NULL && strcmp(format, "rfc822") == 0) {
    t = (time_t)sec;
    if (gmtime_r(&t, &tm) == NULL) {
      snprintf(buf, size, "%s", "Thu, 01 Jan 1970 00:00:00 GMT");
      return;
    }
    snprintf(buf, size, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday], tm.tm_mday,
             months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
    return;
  }
  if (frac == 0) {
    snprintf(buf, size, "%s", val_format_time(ms, false, tmp));
    return;
  }
  /* botocore's form: microseconds ("2026-11-26T12:05:00.500000Z") */
  val_format_time(sec * 1000, false, tmp);
  snprintf(buf, size, "%.19s.%03d000Z", tmp, frac);
}

/* "Thu, 26 Nov 2026 13:00:00 GMT" to ms; -1 when not that form. */
static int parse_rfc822(const char *s, int64_t *ms)
{
  static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
  char mon[4];
  int d, y, h, mi, sec;
  const char *m;
  char iso[40];

  if (sscanf(s, "%*3s, %d %3s %d %d:%d:%d", &d, mon, &y, &h, &mi, &sec) != 6)
    return -1;
  mon[3] = '\0';
  m = strstr(months, mon);
  if (m == NULL || (m - months) % 3 != 0)
    return -1;
  snprintf(iso, sizeof iso, "%04d-%02d-%02dT%02d:%02d:%02dZ", y, (int)(m - months) / 3 + 1,
           d, h, mi, sec);
  return val_parse_time(iso, strlen(iso), ms, NULL) == VAL_OK ? 0 : -1;
}

int aws_time_parse(const char *text, int64_t *ms)
{
  char *end;
  double secs;

  if (text[0] >= '0' && text[0] <= '9' && strchr(text, '-') == NULL) {
    secs = strtod(text, &end);
    if (*end != '\0' || secs > 9.2e15 || secs < 0)
      return -1;
    *ms = (int64_t)(secs * 1000.0 + 0.5);
    return 0;
  }
  if (val_parse_time(text, strlen(text), ms, NULL) == VAL_OK)
    return 0;
  return parse_rfc822(text, ms);
}

/* }==== */

/* {==== base64, percent-encoding, headers ==== */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void aws_base64_append(struct val_buf *b, const char *bytes, size_t len)
{
  const unsigned char *s = (const unsigned char *)bytes;
  char q[4];

  for (size_t i = 0; i < len; i += 3) {
    uint32_t n = (uint32_t)s[i] << 16;
    if (i + 1 < len)
      n |= (uint32_t)s[i + 1] << 8;
    if (i + 2 < len)
      n |= s[i + 2];
    q[0] = b64[n >> 18 & 63];
    q[1] = b64[n >> 12 & 63];
    q[2] = i + 1 < len ? b64[n >> 6 & 63] : '=';
    q[3] = i + 2 < len ? b64[n & 63] : '=';
    val_buf_append(b, q, 4);
  }
}

/* Value of a base64 digit, or -1. */
static int b64val(char c)
{
  const char *p = c != '\0' ? strchr(b64, c) : NULL;

  return p != NULL ? (int)(p - b64) : -1;
}

int aws_base64_decode(const char *text, size_t len, struct rbc_value *out)
{
  struct val_buf b;
  uint32_t acc = 0;
  int bits = 0;
  struct val_err e;

  val_buf_init(&b);
  for (size_t i = 0; i < len; i++) {
    int v;
    if (text[i] == '=' || text[i] == '\n' || text[i] == '\r' || text[i] == ' ')
      continue;
    v = b64val(text[i]);
    if (v < 0) {
      val_buf_free(&b);
      return -1;
    }
    acc = acc << 6 | (uint32_t)v;
    bits += 6;
    if (bits >= 8) {
      char ch = (char)(acc >> (bits - 8) & 0xff);
      bits -= 8;
      val_buf_append(&b, &ch, 1);
    }
  }
  if (b.len == 0) {
    val_buf_free(&b);
    return val_string_new("", 0, out, &e) == VAL_OK ? 0 : -1;
  }
  return val_buf_finish(&b, out, &e) == VAL_OK ? 0 : -1;
}

void aws_uri_append(struct val_buf *b, const char *bytes, size_t len, bool keep_slash)
{
  static const char hex[] = "0123456789ABCDEF";

  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)bytes[i];
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
        || c == '-' || c == '_' || c == '.' || c == '~' || (keep_slash && c == '/')) {
      char ch = (char)c;
      val_buf_append(b, &ch, 1);
    } else {
      char e[3] = { '%', hex[c >> 4], hex[c & 15] };
      val_buf_append(b, e, 3);
    }
  }
}

int aws_enc_header(struct aws_enc *enc, const char *name, const char *value)
{
  struct aws_header *h;

  if (enc->nheaders >= AWS_ENC_MAX_HEADERS) {
    snprintf(enc->err, sizeof enc->err, "too many headers in one request");
    return -1;
  }
  h = &enc->headers[enc->nheaders];
  h->name = strdup(name);
  h->value = strdup(value);
  if (h->name == NULL || h->value == NULL) {
    free(h->name);
    free(h->value);
    snprintf(enc->err, sizeof enc->err, "out of memory encoding the request");
    return -1;
  }
  enc->nheaders++;
  return 0;
}

int aws_scalar_text(struct aws_enc *enc, const struct aws_path *p, const json_t *ref,
                    const json_t *shape, struct rbc_value v, const char *default_ts,
                    struct val_buf *out)
{
  const char *t = aws_shape_type(shape);
  char buf[VAL_FMT_BUF + 16];
  int64_t ms;

  if (aws_check_type(enc, p, shape, v) != 0)
    return -1;
  if (v.secret)
    out->secret = true;
  if (strcmp(t, "timestamp") == 0) {
    const char *f = aws_model_str(ref, "timestampFormat");
    if (f == NULL)
      f = aws_model_str(shape, "timestampFormat");
    aws_time_arg(v, &ms);
    aws_time_format(ms, f != NULL ? f : default_ts, buf, sizeof buf);
    val_buf_puts(out, buf);
  } else if (strcmp(t, "blob") == 0) {
    aws_base64_append(out, val_str_data(v), val_str_len(v));
  } else if (v.type == VAL_STRING) {
    val_buf_append(out, val_str_data(v), val_str_len(v));
  } else if (v.type == VAL_BOOL) {
    val_buf_puts(out, v.as.b ? "true" : "false");
  } else if (v.type == VAL_INT) {
    val_buf_printf(out, "%" PRId64, v.as.i);
  } else if (v.type == VAL_FLOAT) {
    val_buf_puts(out, val_format_float(v.as.f, buf));
  } else {
    return fail(enc, p, "expects a scalar, got %s", val_kind(v));
  }
  return 0;
}

/* }==== */

/* {==== XML replies ==== */

/* Deepest reply rbc reads (hostile replies must not exhaust the stack). */
#define XML_MAX_DEPTH 64

/* The expat parse state. */
struct xml_state {
  struct aws_xml *root;
  struct aws_xml *stack[XML_MAX_DEPTH];
  int depth;
  bool failed;                  /* out of memory or too deep */
};

void aws_xml_free(struct aws_xml *x)
{
  if (x == NULL)
    return;
  for (size_t i = 0; i < x->nkids; i++)
    aws_xml_free(x->kids[i]);
  free(x->kids);
  free(x->name);
  free(x->text);
  free(x);
}

/* A new element named name (namespace prefix dropped). */
static struct aws_xml *xml_new(const char *name)
{
  const char *colon = strrchr(name, ':');
  struct aws_xml *x = calloc(1, sizeof *x);

  if (x == NULL)
    return NULL;
  x->name = strdup(colon != NULL ? colon + 1 : name);
  x->text = calloc(1, 1);
  if (x->name == NULL || x->text == NULL) {
    aws_xml_free(x);
    return NULL;
  }
  return x;
}

static void XMLCALL xml_start(void *ud, const XML_Char *name, const XML_Char **attrs)
{
  struct xml_state *st = ud;
  struct aws_xml *x, *parent;

  (void)attrs;
  if (st->failed)
    return;
  x = st->depth < XML_MAX_DEPTH ? xml_new(name) : NULL;
  if (x == NULL) {
    st->failed = true;
    return;
  }
  parent = st->depth > 0 ? st->stack[st->depth - 1] : NULL;
  if (parent == NULL) {
    if (st->root != NULL) {
      aws_xml_free(x);
      st->failed = true;
      return;
    }
    st->root = x;
  } else {
    if (parent->nkids == parent->cap) {
      size_t cap = parent->cap ? parent->cap * 2 : 4;
      struct aws_xml **k = realloc(parent->kids, cap * sizeof *k);
      if (k == NULL) {
        aws_xml_free(x);
        st->failed = true;
        return;
      }
      parent->kids = k;
      parent->cap = cap;
    }
    parent->kids[parent->nkids++] = x;
  }
  st->stack[st->depth++] = x;
}

static void XMLCALL xml_end(void *ud, const XML_Char *name)
{
  struct xml_state *st = ud;

  (void)name;
  if (!st->failed && st->depth > 0)
    st->depth--;
}

static void XMLCALL xml_text(void *ud, const XML_Char *s, int len)
{
  struct xml_state *st = ud;
  struct aws_xml *x;
  char *t;

  if (st->failed || st->depth == 0 || len <= 0)
    return;
  x = st->stack[st->depth - 1];
  t = realloc(x->text, x->text_len + (size_t)len + 1);
  if (t == NULL) {
    st->failed = true;
    return;
  }
  memcpy(t + x->text_len, s, (size_t)len);
  x->text_len += (size_t)len;
  t[x->text_len] = '\0';
  x->text = t;
}

struct aws_xml *aws_xml_parse(const char *bytes, size_t len, char *err, size_t errsz)
{
  struct xml_state st;
  XML_Parser p = XML_ParserCreate(NULL);
  enum XML_Status ok;

  memset(&st, 0, sizeof st);
  if (p == NULL) {
    snprintf(err, errsz, "out of memory reading the reply");
    return NULL;
  }
  XML_SetUserData(p, &st);
  XML_SetElementHandler(p, xml_start, xml_end);
  XML_SetCharacterDataHandler(p, xml_text);
  ok = XML_Parse(p, bytes, (int)(len > INT32_MAX ? INT32_MAX : len), 1);
  if (ok != XML_STATUS_OK || st.failed || st.root == NULL) {
    snprintf(err, errsz, "the reply is not valid XML: %s",
             st.failed ? "too deep or out of memory"
             : ok != XML_STATUS_OK ? XML_ErrorString(XML_GetErrorCode(p)) : "no element");
    aws_xml_free(st.root);
    XML_ParserFree(p);
    return NULL;
  }
  XML_ParserFree(p);
  return st.root;
}

struct aws_xml *aws_xml_child(const struct aws_xml *x, const char *name)
{
  for (size_t i = 0; x != NULL && i < x->nkids; i++)
    if (strcmp(x->kids[i]->name, name) == 0)
      return x->kids[i];
  return NULL;
}

/* Trim ASCII white space for number/bool/timestamp text. */
static void trimmed(const char **s, size_t *len)
{
  while (*len > 0 && (**s == ' ' || **s == '\n' || **s == '\r' || **s == '\t')) {
    (*s)++;
    (*len)--;
  }
  while (*len > 0 && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\n'
                      || (*s)[*len - 1] == '\r' || (*s)[*len - 1] == '\t'))
    (*len)--;
}

int aws_scalar_value(const json_t *shape, const char *text, size_t len, struct rbc_value *out)
{
  const char *t = aws_shape_type(shape);
  char buf[96];
  char *end;
  struct val_err e;

  if (strcmp(t, "blob") == 0)
    return aws_base64_decode(text, len, out);
  if (strcmp(t, "string") == 0 || strcmp(t, "structure") == 0 || t[0] == '\0')
    return val_string_new(text, len, out, &e) == VAL_OK ? 0 : -1;
  trimmed(&text, &len);
  if (len >= sizeof buf)
    return -1;
  memcpy(buf, text, len);
  buf[len] = '\0';
  if (strcmp(t, "boolean") == 0) {
    *out = val_bool(strcmp(buf, "true") == 0);
    return strcmp(buf, "true") == 0 || strcmp(buf, "false") == 0 ? 0 : -1;
  }
  if (strcmp(t, "integer") == 0 || strcmp(t, "long") == 0) {
    long long n = strtoll(buf, &end, 10);
    *out = val_int((int64_t)n);
    return len > 0 && *end == '\0' ? 0 : -1;
  }
  if (strcmp(t, "float") == 0 || strcmp(t, "double") == 0) {
    double d = strtod(buf, &end);
    *out = val_float(d);
    return len > 0 && *end == '\0' && d - d == 0 ? 0 : -1;
  }
  if (strcmp(t, "timestamp") == 0) {
    int64_t ms;
    if (aws_time_parse(buf, &ms) != 0)
      return -1;
    *out = val_time(ms);
    return 0;
  }
  return val_string_new(text, len, out, &e) == VAL_OK ? 0 : -1;
}

/* The XML element name of a member: its locationName, else the member name. */
static const char *xml_name(const json_t *ref, const char *member)
{
  const char *n = aws_model_str(ref, "locationName");

  return n != NULL ? n : member;
}

/* Is the list/map of ref (a member ref) flattened? */
static bool flattened(const json_t *ref, const json_t *shape)
{
  return aws_model_flag(ref, "flattened") || aws_model_flag(shape, "flattened");
}

int aws_decode_oom(char *err, size_t errsz)
{
  if (errsz > 0)
    snprintf(err, errsz, "out of memory decoding the reply");
  return -1;
}

/* Decode the items of a list: elements of x named `item`. */
static int xml_list_items(const struct aws_service *svc, const json_t *shape,
                          const struct aws_xml *x, const char *item, struct rbc_value *out,
                          char *err, size_t errsz)
{
  json_t *mref = json_object_get(shape, "member");
  json_t *mshape = aws_model_ref_shape(svc, mref);
  struct val_err e;

  if (val_list_new(0, out, &e) != VAL_OK)
    return aws_decode_oom(err, errsz);
  for (size_t i = 0; x != NULL && i < x->nkids; i++) {
    struct rbc_value v = val_null();
    if (strcmp(x->kids[i]->name, item) != 0)
      continue;
    if (aws_xml_value(svc, mref, mshape, x->kids[i], &v, err, errsz) != 0) {
      val_release(v);
      return -1;
    }
    if (val_list_push(out, v, &e) != VAL_OK) {
      val_release(v);
      return aws_decode_oom(err, errsz);
    }
    val_release(v);
  }
  return 0;
}

/* One map entry element (with key and value children) into *out. */
static int xml_map_entry(const struct aws_service *svc, const json_t *shape,
                         const struct aws_xml *entry, struct rbc_value *out, char *err,
                         size_t errsz)
{
  json_t *kref = json_object_get(shape, "key"), *vref = json_object_get(shape, "value");
  struct aws_xml *k = aws_xml_child(entry, xml_name(kref, "key"));
  struct aws_xml *v = aws_xml_child(entry, xml_name(vref, "value"));
  struct rbc_value val = val_null();
  struct val_err e;
  int rc;

  if (k == NULL)
    return 0;
  if (v != NULL && aws_xml_value(svc, vref, aws_model_ref_shape(svc, vref), v, &val, err,
                                 errsz) != 0)
    return -1;
  rc = val_map_set(out, k->text, k->text_len, val, &e) == VAL_OK ? 0 : aws_decode_oom(err, errsz);
  val_release(val);
  return rc;
}

int aws_xml_struct(const struct aws_service *svc, const json_t *st, const struct aws_xml *x,
                   struct rbc_value *out, char *err, size_t errsz)
{
  json_t *members = json_object_get(st, "members"), *ref;
  const char *name;
  struct val_err e;

  if (val_map_new(out, &e) != VAL_OK)
    return aws_decode_oom(err, errsz);
  json_object_foreach(members, name, ref) {
    json_t *shape = aws_model_ref_shape(svc, ref);
    const char *t = aws_shape_type(shape);
    const char *loc = aws_model_str(ref, "location");
    struct rbc_value v = val_null();
    struct aws_xml *el;
    int rc;

    if (loc != NULL)
      continue;                 /* headers and status codes: the REST decoder's */
    if (flattened(ref, shape) && strcmp(t, "list") == 0) {
      const char *item = aws_model_str(json_object_get(shape, "member"), "locationName");
      const char *nm = aws_model_str(ref, "locationName") ? xml_name(ref, name)
                       : item != NULL ? item : name;
      if (aws_xml_child(x, nm) == NULL)
        continue;
      rc = xml_list_items(svc, shape, x, nm, &v, err, errsz);
    } else if (flattened(ref, shape) && strcmp(t, "map") == 0) {
      const char *nm = xml_name(ref, name);
      rc = val_map_new(&v, &e) == VAL_OK ? 0 : aws_decode_oom(err, errsz);
      if (aws_xml_child(x, nm) == NULL) {
        val_release(v);
        continue;
      }
      for (size_t i = 0; rc == 0 && i < x->nkids; i++)
        if (strcmp(x->kids[i]->name, nm) == 0)
          rc = xml_map_entry(svc, shape, x->kids[i], &v, err, errsz);
    } else {
      el = aws_xml_child(x, xml_name(ref, name));
      if (el == NULL)
        continue;
      rc = aws_xml_value(svc, ref, shape, el, &v, err, errsz);
    }
    if (rc == 0 && val_map_set(out, name, strlen(name), v, &e) != VAL_OK)
      rc = aws_decode_oom(err, errsz);
    if (rc != 0) {
      val_release(v);
      return -1;
    }
    val_release(v);
  }
  return 0;
}

int aws_xml_value(const struct aws_service *svc, const json_t *ref, const json_t *shape,
                  const struct aws_xml *x, struct rbc_value *out, char *err, size_t errsz)
{
  const char *t = aws_shape_type(shape);
  struct val_err e;

  (void)ref;
  if (strcmp(t, "structure") == 0)
    return aws_xml_struct(svc, shape, x, out, err, errsz);
  if (strcmp(t, "list") == 0) {
    json_t *mref = json_object_get(shape, "member");
    return xml_list_items(svc, shape, x, xml_name(mref, "member"), out, err, errsz);
  }
  if (strcmp(t, "map") == 0) {
    int rc = val_map_new(out, &e) == VAL_OK ? 0 : aws_decode_oom(err, errsz);
    for (size_t i = 0; rc == 0 && i < x->nkids; i++)
      if (strcmp(x->kids[i]->name, "entry") == 0)
        rc = xml_map_entry(svc, shape, x->kids[i], out, err, errsz);
    return rc;
  }
  if (aws_scalar_value(shape, x->text, x->text_len, out) != 0) {
    snprintf(err, errsz, "the reply's <%s> is not a valid %s", x->name, t);
    return -1;
  }
  return 0;
}

/* }==== */
