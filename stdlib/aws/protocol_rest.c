/*
** protocol_rest.c: the REST protocols, rest-json (AppConfig) and rest-xml
** (S3), as botocore's RestJSONSerializer / RestXMLSerializer write them.
** Input members go where their `location` says: `uri` fills a {Label} of
** the operation's requestUri ({Key+} is greedy: its '/' stay), `querystring`
** a query parameter (lists repeat it), `header` a header (timestamps
** RFC 822), `headers` a map of prefixed headers (x-amz-meta-*).  The rest
** form the body: the `payload` member alone (a blob or string is sent raw:
** S3 PutObject Body; a structure as JSON or XML), else a JSON object of the
** unlocated members.  Replies: header members from the reply headers,
** statusCode, and the body (JSON object, XML root element, or the raw
** payload as a string: S3 GetObject Body).
*/
#define _POSIX_C_SOURCE 200809L

#include "stdlib/aws/protocol.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* {==== URI, query string and headers ==== */

/* The value of the member whose `location` is loc and locationName is name. */
static const char *located_member(const json_t *st, const char *loc, const char *name)
{
  json_t *members = json_object_get(st, "members"), *ref;
  const char *m;

  json_object_foreach(members, m, ref) {
    const char *l = aws_model_str(ref, "location");
    const char *ln = aws_model_str(ref, "locationName");
    if (l != NULL && strcmp(l, loc) == 0 && strcmp(ln != NULL ? ln : m, name) == 0)
      return m;
  }
  return NULL;
}

/* One {Label} or {Label+} of the request URI into enc->path. */
static int uri_label(struct aws_enc *enc, const struct aws_op *op, struct rbc_value args,
                     const char *label, size_t len)
{
  char name[128];
  bool greedy = len > 0 && label[len - 1] == '+';
  const char *member;
  const struct rbc_value *v;
  struct aws_path p = { "", 0 };
  struct val_buf text;
  json_t *ref;

  snprintf(name, sizeof name, "%.*s", (int)(greedy ? len - 1 : len), label);
  member = located_member(op->input, "uri", name);
  v = member != NULL ? val_map_get(args, member, strlen(member)) : NULL;
  if (v == NULL || v->type == VAL_NULL) {
    snprintf(enc->err, sizeof enc->err, "%s: required member missing",
             member != NULL ? member : name);
    return -1;
  }
  aws_path_push(&p, member);
  ref = json_object_get(json_object_get(op->input, "members"), member);
  val_buf_init(&text);
  if (aws_scalar_text(enc, &p, ref, aws_model_ref_shape(op->svc, ref),
                      val_tainted(*v, args.secret), "iso8601", &text) != 0) {
    val_buf_free(&text);
    return -1;
  }
  aws_uri_append(&enc->path, text.len ? text.data : "", text.len, greedy);
  enc->secret = enc->secret || text.secret;
  val_buf_free(&text);
  return 0;
}

/* enc->path from the requestUri (labels filled); its literal query to enc->query. */
static int rest_uri(struct aws_enc *enc, const struct aws_op *op, struct rbc_value args)
{
  const char *u = op->request_uri;
  const char *q = strchr(u, '?');
  const char *end = q != NULL ? q : u + strlen(u);

  while (u < end) {
    const char *open = memchr(u, '{', (size_t)(end - u));
    const char *close = open != NULL ? memchr(open, '}', (size_t)(end - open)) : NULL;
    if (open == NULL || close == NULL) {
      val_buf_append(&enc->path, u, (size_t)(end - u));
      break;
    }
    val_buf_append(&enc->path, u, (size_t)(open - u));
    if (uri_label(enc, op, args, open + 1, (size_t)(close - open - 1)) != 0)
      return -1;
    u = close + 1;
  }
  if (q != NULL && q[1] != '\0') {
    val_buf_puts(&enc->query, q + 1);
    if (strchr(q + 1, '=') == NULL)
      val_buf_puts(&enc->query, "=");
  }
  return 0;
}

/* name=value appended to the query string. */
static void query_pair(struct aws_enc *enc, const char *name, const char *value, size_t len)
{
  if (enc->query.len > 0)
    val_buf_puts(&enc->query, "&");
  aws_uri_append(&enc->query, name, strlen(name), false);
  val_buf_puts(&enc->query, "=");
  aws_uri_append(&enc->query, value, len, false);
}

/* A querystring member: a scalar, a list (repeated) or a map of them. */
static int rest_query(struct aws_enc *enc, struct aws_path *p, const struct aws_service *svc,
                      const json_t *ref, const char *name, struct rbc_value v)
{
  json_t *shape = aws_model_ref_shape(svc, ref);
  const char *t = aws_shape_type(shape);
  size_t pos = 0, klen, n = 1;
  const struct rbc_value *item;
  const char *key;
  json_t *iref = json_object_get(shape, strcmp(t, "map") == 0 ? "value" : "member");
  int rc = 0;

  if (aws_check_type(enc, p, shape, v) != 0)
    return -1;
  if (strcmp(t, "list") != 0 && strcmp(t, "map") != 0) {
    struct val_buf text;
    val_buf_init(&text);
    rc = aws_scalar_text(enc, p, ref, shape, v, "iso8601", &text);
    if (rc == 0)
      query_pair(enc, name, text.len ? text.data : "", text.len);
    enc->secret = enc->secret || text.secret;
    val_buf_free(&text);
    return rc;
  }
  for (size_t i = 0; rc == 0 && i < n; i++) {
    if (strcmp(t, "list") == 0) {
      n = val_list_len(v);
      if (n == 0)
        break;
      item = val_list_at(v, i);
      key = name;
    } else if (!val_map_next(v, &pos, &key, &klen, &item)) {
      break;
    } else {
      n = i + 2;
    }
    rc = rest_query(enc, p, svc, iref, key, val_tainted(*item, v.secret));
  }
  return rc;
}

/* A header member (or a `headers` map: prefix + key). */
static int rest_header(struct aws_enc *enc, struct aws_path *p, const struct aws_service *svc,
                       const json_t *ref, const char *name, struct rbc_value v, bool prefixed)
{
  json_t *shape = aws_model_ref_shape(svc, ref);
  struct val_buf text;
  int rc;

  if (prefixed) {
    size_t pos = 0, klen;
    const char *key;
    const struct rbc_value *item;
    json_t *vref = json_object_get(shape, "value");
    char full[256];
    if (aws_check_type(enc, p, shape, v) != 0)
      return -1;
    while (val_map_next(v, &pos, &key, &klen, &item)) {
      snprintf(full, sizeof full, "%s%s", name, key);
      if (rest_header(enc, p, svc, vref, full, val_tainted(*item, v.secret), false) != 0)
        return -1;
    }
    return 0;
  }
  val_buf_init(&text);
  rc = aws_scalar_text(enc, p, ref, shape, v, "rfc822", &text);
  if (rc == 0 && !text.oom)
    rc = aws_enc_header(enc, name, text.len ? text.data : "");
  if (text.secret)
    enc->secret = true;
  val_buf_free(&text);
  return rc;
}

/* }==== */

/* {==== XML bodies ==== */

static int xml_arg(struct aws_enc *enc, struct aws_path *p, const struct aws_service *svc,
                   const json_t *ref, const char *name, struct rbc_value v);

/* Text with & < > " escaped. */
static void xml_text(struct val_buf *b, const char *s, size_t len)
{
  for (size_t i = 0; i < len; i++) {
    const char *e = s[i] == '&' ? "&amp;" : s[i] == '<' ? "&lt;" : s[i] == '>' ? "&gt;"
                    : s[i] == '"' ? "&quot;" : s[i] == '\r' ? "&#13;" : NULL;
    if (e != NULL)
      val_buf_puts(b, e);
    else
      val_buf_append(b, &s[i], 1);
  }
}

/* <name xmlns="..."> for a member ref (the namespace from the ref or the shape). */
static void xml_open(struct val_buf *b, const char *name, const json_t *ref,
                     const json_t *shape)
{
  json_t *ns = json_object_get(ref, "xmlNamespace");
  const char *uri;

  if (ns == NULL)
    ns = json_object_get(shape, "xmlNamespace");
  uri = aws_model_str(ns, "uri");
  val_buf_printf(b, "<%s", name);
  if (uri != NULL) {
    val_buf_puts(b, " xmlns=\"");
    xml_text(b, uri, strlen(uri));
    val_buf_puts(b, "\"");
  }
  val_buf_puts(b, ">");
}

static int xml_struct(struct aws_enc *enc, struct aws_path *p, const struct aws_service *svc,
                      const json_t *st, struct rbc_value v)
{
  size_t pos = 0, klen;
  const char *key;
  const struct rbc_value *item;

  if (aws_check_required(enc, p, st, v) != 0)
    return -1;
  while (val_map_next(v, &pos, &key, &klen, &item)) {
    json_t *ref = aws_member_ref(enc, p, st, key);
    const char *ln = aws_model_str(ref, "locationName");
    size_t old;
    int rc;
    if (ref == NULL)
      return -1;
    if (item->type == VAL_NULL || aws_model_flag(ref, "xmlAttribute"))
      continue;
    old = aws_path_push(p, key);
    rc = xml_arg(enc, p, svc, ref, ln != NULL ? ln : key, val_tainted(*item, v.secret));
    aws_path_pop(p, old);
    if (rc != 0)
      return -1;
  }
  return 0;
}

static int xml_list(struct aws_enc *enc, struct aws_path *p, const struct aws_service *svc,
                    const json_t *ref, const json_t *shape, const char *name,
                    struct rbc_value v)
{
  json_t *mref = json_object_get(shape, "member");
  const char *mname = aws_model_str(mref, "locationName");
  bool flat = aws_model_flag(ref, "flattened") || aws_model_flag(shape, "flattened");

  if (!flat)
    xml_open(&enc->body, name, ref, shape);
  for (size_t i = 0; i < val_list_len(v); i++) {
    size_t old = aws_path_index(p, i);
    int rc = xml_arg(enc, p, svc, mref, flat ? name : mname != NULL ? mname : "member",
                     val_tainted(*val_list_at(v, i), v.secret));
    aws_path_pop(p, old);
    if (rc != 0)
      return -1;
  }
  if (!flat)
    val_buf_printf(&enc->body, "</%s>", name);
  return 0;
}

static int xml_arg(struct aws_enc *enc, struct aws_path *p, const struct aws_service *svc,
                   const json_t *ref, const char *name, struct rbc_value v)
{
  json_t *shape = aws_model_ref_shape(svc, ref);
  const char *t = aws_shape_type(shape);
  struct val_buf text;
  int rc;

  if (aws_check_type(enc, p, shape, v) != 0)
    return -1;
  if (v.secret)
    enc->secret = true;
  if (strcmp(t, "list") == 0)
    return xml_list(enc, p, svc, ref, shape, name, v);
  if (strcmp(t, "map") == 0) {
    snprintf(enc->err, sizeof enc->err, "%s: maps in XML bodies are not supported", p->text);
    return -1;
  }
  xml_open(&enc->body, name, ref, shape);
  if (strcmp(t, "structure") == 0) {
    rc = xml_struct(enc, p, svc, shape, v);
  } else {
    val_buf_init(&text);
    rc = aws_scalar_text(enc, p, ref, shape, v, "iso8601", &text);
    if (rc == 0)
      xml_text(&enc->body, text.len ? text.data : "", text.len);
    val_buf_free(&text);
  }
  val_buf_printf(&enc->body, "</%s>", name);
  return rc;
}

/* Content-MD5 of the body, base64 (S3 operations that require a checksum). */
static int content_md5(struct aws_enc *enc)
{
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  struct val_buf b;
  int rc;

  if (EVP_Digest(enc->body.len ? enc->body.data : "", enc->body.len, md, &n, EVP_md5(),
                 NULL) != 1) {
    snprintf(enc->err, sizeof enc->err, "cannot compute Content-MD5");
    return -1;
  }
  val_buf_init(&b);
  aws_base64_append(&b, (const char *)md, n);
  rc = b.oom ? -1 : aws_enc_header(enc, "Content-MD5", b.data);
  val_buf_free(&b);
  return rc;
}

/* }==== */

/* {==== encoding ==== */

/* j (its reference taken) as the JSON body, with its Content-Type; -1 if j is NULL or oom. */
static int json_body(struct aws_enc *enc, json_t *j)
{
  char *text = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;

  json_decref(j);
  if (text == NULL)
    return -1;
  val_buf_puts(&enc->body, text);
  free(text);
  return aws_enc_header(enc, "Content-Type", "application/json");
}

/* The payload member: raw bytes, or a structure as JSON / XML. */
static int rest_payload(struct aws_enc *enc, const struct aws_op *op, const char *member,
                        struct rbc_value v)
{
  json_t *ref = json_object_get(json_object_get(op->input, "members"), member);
  json_t *shape = aws_model_ref_shape(op->svc, ref);
  const char *t = aws_shape_type(shape);
  struct aws_path p = { "", 0 };
  const char *ln = aws_model_str(ref, "locationName");

  aws_path_push(&p, member);
  if (strcmp(t, "blob") == 0 || strcmp(t, "string") == 0) {
    if (aws_check_type(enc, &p, shape, v) != 0)
      return -1;
    val_buf_append(&enc->body, val_str_data(v), val_str_len(v));
    enc->secret = enc->secret || v.secret;
    return 0;
  }
  if (op->svc->protocol == AWS_PROTO_REST_XML)
    return xml_arg(enc, &p, op->svc, ref, ln != NULL ? ln : member, v);
  return json_body(enc, aws_json_arg(enc, &p, op->svc, ref, shape, v));
}

/* The located members (uri labels are done by rest_uri). */
static int rest_located(struct aws_enc *enc, const struct aws_op *op, struct rbc_value args,
                        bool *body_members)
{
  size_t pos = 0, klen;
  const char *key;
  const struct rbc_value *item;
  struct aws_path p = { "", 0 };
  const char *payload = aws_model_str(op->input, "payload");

  *body_members = false;
  while (val_map_next(args, &pos, &key, &klen, &item)) {
    json_t *ref = aws_member_ref(enc, &p, op->input, key);
    const char *loc = aws_model_str(ref, "location");
    const char *ln = aws_model_str(ref, "locationName");
    size_t old;
    int rc = 0;
    if (ref == NULL)
      return -1;
    if (item->type == VAL_NULL || (loc != NULL && strcmp(loc, "uri") == 0))
      continue;
    old = aws_path_push(&p, key);
    if (loc != NULL && strcmp(loc, "querystring") == 0)
      rc = rest_query(enc, &p, op->svc, ref, ln != NULL ? ln : key, *item);
    else if (loc != NULL && strcmp(loc, "header") == 0)
      rc = rest_header(enc, &p, op->svc, ref, ln != NULL ? ln : key, *item, false);
    else if (loc != NULL && strcmp(loc, "headers") == 0)
      rc = rest_header(enc, &p, op->svc, ref, ln != NULL ? ln : "", *item, true);
    else if (payload != NULL && strcmp(payload, key) == 0)
      rc = rest_payload(enc, op, key, *item);
    else
      *body_members = true;
    aws_path_pop(&p, old);
    if (rc != 0)
      return -1;
  }
  return 0;
}

/* The body of the unlocated members, when the input has no payload member. */
static int rest_body(struct aws_enc *enc, const struct aws_op *op, struct rbc_value args)
{
  struct aws_path p = { "", 0 };

  if (op->svc->protocol == AWS_PROTO_REST_JSON)
    return json_body(enc, aws_json_struct_arg(enc, &p, op->svc, op->input, args, true));
  snprintf(enc->err, sizeof enc->err, "%s: body members outside a payload are not supported",
           op->py);
  return -1;
}

int aws_rest_encode(const struct aws_op *op, struct rbc_value args, struct aws_enc *enc)
{
  struct aws_path p = { "", 0 };
  bool body_members = false;

  if (op->input == NULL) {
    if (val_map_len(args) > 0) {
      snprintf(enc->err, sizeof enc->err, "%s takes no arguments", op->py);
      return -1;
    }
    return rest_uri(enc, op, args);
  }
  if (aws_check_required(enc, &p, op->input, args) != 0 || rest_uri(enc, op, args) != 0
      || rest_located(enc, op, args, &body_members) != 0)
    return -1;
  if (body_members && rest_body(enc, op, args) != 0)
    return -1;
  enc->body.secret = enc->secret;
  if (op->checksum_required && content_md5(enc) != 0)
    return -1;
  enc->rq.idempotent = strcmp(op->method, "POST") != 0;
  return 0;
}

/* }==== */

/* {==== decoding ==== */

/* Lower-cased copy of s into buf. */
static void lower(const char *s, char *buf, size_t size)
{
  size_t i = 0;

  for (; s[i] != '\0' && i + 1 < size; i++)
    buf[i] = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] + 32) : s[i];
  buf[i] = '\0';
}

/* The header members (and statusCode) of the reply into map *out. */
static int rest_reply_headers(const struct aws_op *op, const struct aws_response *rs,
                              struct rbc_value *out)
{
  json_t *members = json_object_get(op->output, "members"), *ref;
  const char *name;
  struct val_err e;
  char h[128];

  json_object_foreach(members, name, ref) {
    const char *loc = aws_model_str(ref, "location");
    const char *ln = aws_model_str(ref, "locationName");
    json_t *shape = aws_model_ref_shape(op->svc, ref);
    struct rbc_value v = val_null();
    const char *text;
    if (loc == NULL)
      continue;
    if (strcmp(loc, "statusCode") == 0) {
      v = val_int(rs->status);
    } else if (strcmp(loc, "header") == 0) {
      lower(ln != NULL ? ln : name, h, sizeof h);
      text = aws_response_header(rs, h);
      if (text == NULL || aws_scalar_value(shape, text, strlen(text), &v) != 0)
        continue;
    } else if (strcmp(loc, "headers") == 0) {
      size_t plen;
      lower(ln != NULL ? ln : "", h, sizeof h);
      plen = strlen(h);
      if (val_map_new(&v, &e) != VAL_OK)
        return -1;
      for (size_t i = 0; i < rs->nheaders; i++)
        if (strncmp(rs->headers[i].name, h, plen) == 0) {
          struct rbc_value s = val_null();
          const char *k = rs->headers[i].name + plen;
          if (val_string_cstr(rs->headers[i].value, &s, &e) != VAL_OK
              || val_map_set(&v, k, strlen(k), s, &e) != VAL_OK) {
            val_release(s);
            val_release(v);
            return -1;
          }
          val_release(s);
        }
    } else {
      continue;
    }
    if (val_map_set(out, name, strlen(name), v, &e) != VAL_OK) {
      val_release(v);
      return -1;
    }
    val_release(v);
  }
  return 0;
}

/* Decode a body as shape st (XML root element or JSON object) and merge into *out. */
static int rest_body_struct(const struct aws_op *op, const json_t *st,
                            const struct aws_response *rs, struct rbc_value *body,
                            char *err, size_t errsz)
{
  if (op->svc->protocol == AWS_PROTO_REST_XML) {
    struct aws_xml *root = aws_xml_parse(rs->body, rs->body_len, err, errsz);
    int rc;
    if (root == NULL)
      return -1;
    rc = aws_xml_struct(op->svc, st, root, body, err, errsz);
    aws_xml_free(root);
    return rc;
  } else {
    json_error_t je;
    json_t *j = json_loadb(rs->body, rs->body_len, 0, &je);
    int rc;
    if (j == NULL) {
      snprintf(err, errsz, "the reply is not JSON: %s", je.text);
      return -1;
    }
    rc = aws_json_value(op->svc, st, j, body, err, errsz);
    json_decref(j);
    return rc;
  }
}

/* Copy the entries of map from into *to. */
static int merge(struct rbc_value *to, struct rbc_value from)
{
  size_t pos = 0, klen;
  const char *k;
  const struct rbc_value *v;
  struct val_err e;

  while (val_map_next(from, &pos, &k, &klen, &v))
    if (val_map_set(to, k, klen, *v, &e) != VAL_OK)
      return -1;
  return 0;
}

int aws_rest_decode(const struct aws_op *op, const struct aws_response *rs,
                    struct rbc_value *out, char *err, size_t errsz)
{
  const char *payload = aws_model_str(op->output, "payload");
  struct rbc_value body = val_null();
  struct val_err e;
  int rc = 0;

  if (val_map_new(out, &e) != VAL_OK)
    return -1;
  if (op->output == NULL)
    return 0;
  if (rest_reply_headers(op, rs, out) != 0)
    return -1;
  if (payload != NULL) {
    json_t *ref = json_object_get(json_object_get(op->output, "members"), payload);
    json_t *shape = aws_model_ref_shape(op->svc, ref);
    const char *t = aws_shape_type(shape);
    if (strcmp(t, "blob") == 0 || strcmp(t, "string") == 0)
      rc = val_string_new(rs->body_len ? rs->body : "", rs->body_len, &body, &e) == VAL_OK
           ? 0 : -1;
    else if (rs->body_len > 0)
      rc = rest_body_struct(op, shape, rs, &body, err, errsz);
    if (rc == 0 && body.type != VAL_NULL)
      rc = val_map_set(out, payload, strlen(payload), body, &e) == VAL_OK ? 0 : -1;
  } else if (rs->body_len > 0) {
    rc = rest_body_struct(op, op->output, rs, &body, err, errsz);
    if (rc == 0)
      rc = merge(out, body);
  }
  val_release(body);
  return rc;
}

/* }==== */
