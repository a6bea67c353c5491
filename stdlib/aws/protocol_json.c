/*
** protocol_json.c: the `json` protocol (ECS, SSM, CloudWatch Logs):
**   POST /  Content-Type: application/x-amz-json-1.1
**   X-Amz-Target: <targetPrefix>.<Operation>
**   body: the input members as a JSON object (timestamps epoch seconds,
**   blobs base64); the reply is a JSON object of the output members.
** Also the JSON value helpers the rest-json protocol uses.
*/
#include "stdlib/aws/protocol.h"

#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* {==== arguments to JSON ==== */

/* The JSON name of a member: its locationName, else its own name. */
static const char *json_name(const json_t *ref, const char *member)
{
  const char *n = aws_model_str(ref, "locationName");

  return n != NULL ? n : member;
}

json_t *aws_json_struct_arg(struct aws_enc *enc, struct aws_path *p,
                            const struct aws_service *svc, const json_t *st,
                            struct rbc_value v, bool skip_located)
{
  json_t *obj = json_object();
  size_t pos = 0, klen;
  const char *key;
  const struct rbc_value *item;

  if (obj == NULL) {
    snprintf(enc->err, sizeof enc->err, "out of memory encoding the request");
    return NULL;
  }
  while (val_map_next(v, &pos, &key, &klen, &item)) {
    json_t *ref = aws_member_ref(enc, p, st, key), *j;
    size_t old;
    if (ref == NULL) {
      json_decref(obj);
      return NULL;
    }
    if (item->type == VAL_NULL || (skip_located && aws_model_str(ref, "location") != NULL))
      continue;
    old = aws_path_push(p, key);
    j = aws_json_arg(enc, p, svc, ref, aws_model_ref_shape(svc, ref),
                     val_tainted(*item, v.secret));
    aws_path_pop(p, old);
    if (j == NULL || json_object_set_new(obj, json_name(ref, key), j) != 0) {
      json_decref(obj);
      return NULL;
    }
  }
  return obj;
}

/* A list argument. */
static json_t *json_list_arg(struct aws_enc *enc, struct aws_path *p,
                             const struct aws_service *svc, const json_t *shape,
                             struct rbc_value v)
{
  json_t *arr = json_array(), *mref = json_object_get(shape, "member");
  json_t *mshape = aws_model_ref_shape(svc, mref);

  for (size_t i = 0; arr != NULL && i < val_list_len(v); i++) {
    size_t old = aws_path_index(p, i);
    json_t *j = aws_json_arg(enc, p, svc, mref, mshape,
                             val_tainted(*val_list_at(v, i), v.secret));
    aws_path_pop(p, old);
    if (j == NULL || json_array_append_new(arr, j) != 0) {
      json_decref(arr);
      return NULL;
    }
  }
  return arr;
}

/* A map argument (string keys). */
static json_t *json_map_arg(struct aws_enc *enc, struct aws_path *p,
                            const struct aws_service *svc, const json_t *shape,
                            struct rbc_value v)
{
  json_t *obj = json_object(), *vref = json_object_get(shape, "value");
  json_t *vshape = aws_model_ref_shape(svc, vref);
  size_t pos = 0, klen;
  const char *key;
  const struct rbc_value *item;

  while (obj != NULL && val_map_next(v, &pos, &key, &klen, &item)) {
    size_t old = aws_path_push(p, key);
    json_t *j = aws_json_arg(enc, p, svc, vref, vshape, val_tainted(*item, v.secret));
    aws_path_pop(p, old);
    if (j == NULL || json_object_set_new(obj, key, j) != 0) {
      json_decref(obj);
      return NULL;
    }
  }
  return obj;
}

json_t *aws_json_arg(struct aws_enc *enc, struct aws_path *p, const struct aws_service *svc,
                     const json_t *ref, const json_t *shape, struct rbc_value v)
{
  const char *t = aws_shape_type(shape);
  json_t *j = NULL;

  if (aws_check_type(enc, p, shape, v) != 0)
    return NULL;
  if (v.secret)
    enc->secret = true;
  if (strcmp(t, "structure") == 0)
    return aws_json_struct_arg(enc, p, svc, shape, v, false);
  if (strcmp(t, "list") == 0)
    return json_list_arg(enc, p, svc, shape, v);
  if (strcmp(t, "map") == 0)
    return json_map_arg(enc, p, svc, shape, v);
  if (strcmp(t, "timestamp") == 0) {
    int64_t ms = 0;
    const char *f = aws_model_str(ref, "timestampFormat");
    char buf[64];
    aws_time_arg(v, &ms);
    if (f != NULL && strcmp(f, "unixTimestamp") != 0) {
      aws_time_format(ms, f, buf, sizeof buf);
      j = json_string(buf);
    } else {
      j = ms % 1000 == 0 ? json_integer(ms / 1000) : json_real((double)ms / 1000.0);
    }
  } else if (strcmp(t, "blob") == 0) {
    struct val_buf b;
    val_buf_init(&b);
    aws_base64_append(&b, val_str_data(v), val_str_len(v));
    j = b.oom ? NULL : json_stringn(b.len ? b.data : "", b.len);
    val_buf_free(&b);
  } else if (v.type == VAL_STRING) {
    j = json_stringn(val_str_data(v), val_str_len(v));
  } else if (v.type == VAL_BOOL) {
    j = json_boolean(v.as.b);
  } else if (v.type == VAL_INT) {
    j = strcmp(t, "float") == 0 || strcmp(t, "double") == 0 ? json_real((double)v.as.i)
        : json_integer(v.as.i);
  } else if (v.type == VAL_FLOAT) {
    j = json_real(v.as.f);
  }
  if (j == NULL)
    snprintf(enc->err, sizeof enc->err, "%s: cannot encode this value (not UTF-8?)",
             p->len ? p->text : "arguments");
  return j;
}

/* }==== */

/* {==== JSON replies ==== */

/* Deepest nesting of a reply decoded (AWS's replies nest a dozen levels). */
#define JSON_REPLY_MAX_DEPTH 64

static int json_value(const struct aws_service *svc, const json_t *shape, const json_t *j,
                      struct rbc_value *out, char *err, size_t errsz, int depth);

/* -1 with "too deep" in err, when depth is past the limit; else 0. */
static int json_too_deep(int depth, char *err, size_t errsz)
{
  if (depth <= JSON_REPLY_MAX_DEPTH)
    return 0;
  snprintf(err, errsz, "the reply nests deeper than %d levels", JSON_REPLY_MAX_DEPTH);
  return -1;
}

/* A decoded structure: the members of st found in object j. */
static int json_struct_value(const struct aws_service *svc, const json_t *st, const json_t *j,
                             struct rbc_value *out, char *err, size_t errsz, int depth)
{
  json_t *members = json_object_get(st, "members"), *ref;
  const char *name;
  struct val_err e;

  if (val_map_new(out, &e) != VAL_OK)
    return aws_decode_oom(err, errsz);
  json_object_foreach(members, name, ref) {
    json_t *jv = json_object_get(j, json_name(ref, name));
    struct rbc_value v = val_null();
    if (jv == NULL || json_is_null(jv) || aws_model_str(ref, "location") != NULL)
      continue;
    if (json_value(svc, aws_model_ref_shape(svc, ref), jv, &v, err, errsz, depth + 1) != 0) {
      val_release(v);
      return -1;
    }
    if (val_map_set(out, name, strlen(name), v, &e) != VAL_OK) {
      val_release(v);
      return aws_decode_oom(err, errsz);
    }
    val_release(v);
  }
  return 0;
}

/* A JSON value with no shape to follow (a document): plain conversion. */
static int json_plain(const json_t *j, struct rbc_value *out, char *err, size_t errsz,
                      int depth)
{
  struct val_err e;
  const char *k;
  json_t *x;
  size_t i;

  if (json_too_deep(depth, err, errsz) != 0)
    return -1;
  switch (json_typeof(j)) {
  case JSON_OBJECT:
    if (val_map_new(out, &e) != VAL_OK)
      return aws_decode_oom(err, errsz);
    json_object_foreach((json_t *)(uintptr_t)j, k, x) {
      struct rbc_value v = val_null();
      int rc = json_plain(x, &v, err, errsz, depth + 1);

      if (rc == 0 && val_map_set(out, k, strlen(k), v, &e) != VAL_OK)
        rc = aws_decode_oom(err, errsz);
      val_release(v);
      if (rc != 0)
        return -1;
    }
    return 0;
  case JSON_ARRAY:
    if (val_list_new(json_array_size(j), out, &e) != VAL_OK)
      return aws_decode_oom(err, errsz);
    json_array_foreach(j, i, x) {
      struct rbc_value v = val_null();
      int rc = json_plain(x, &v, err, errsz, depth + 1);

      if (rc == 0 && val_list_push(out, v, &e) != VAL_OK)
        rc = aws_decode_oom(err, errsz);
      val_release(v);
      if (rc != 0)
        return -1;
    }
    return 0;
  case JSON_STRING:
    return val_string_new(json_string_value(j), json_string_length(j), out, &e) == VAL_OK
           ? 0 : aws_decode_oom(err, errsz);
  case JSON_INTEGER:
    *out = val_int(json_integer_value(j));
    return 0;
  case JSON_REAL:
    *out = val_float(json_real_value(j));
    return 0;
  case JSON_TRUE:
  case JSON_FALSE:
    *out = val_bool(json_is_true(j));
    return 0;
  default:
    *out = val_null();
    return 0;
  }
}

/* A list or map of shape from j. */
static int json_container_value(const struct aws_service *svc, const json_t *shape,
                                const json_t *j, struct rbc_value *out, char *err,
                                size_t errsz, int depth)
{
  struct val_err e;
  size_t i;
  json_t *x;
  const char *k;

  if (json_is_array(j)) {
    json_t *ms = aws_model_ref_shape(svc, json_object_get(shape, "member"));
    if (val_list_new(json_array_size(j), out, &e) != VAL_OK)
      return aws_decode_oom(err, errsz);
    json_array_foreach(j, i, x) {
      struct rbc_value v = val_null();
      int rc = json_value(svc, ms, x, &v, err, errsz, depth + 1);

      if (rc == 0 && val_list_push(out, v, &e) != VAL_OK)
        rc = aws_decode_oom(err, errsz);
      val_release(v);
      if (rc != 0)
        return -1;
    }
    return 0;
  }
  {
    json_t *vs = aws_model_ref_shape(svc, json_object_get(shape, "value"));
    if (val_map_new(out, &e) != VAL_OK)
      return aws_decode_oom(err, errsz);
    json_object_foreach((json_t *)(uintptr_t)j, k, x) {
      struct rbc_value v = val_null();
      int rc = json_value(svc, vs, x, &v, err, errsz, depth + 1);

      if (rc == 0 && val_map_set(out, k, strlen(k), v, &e) != VAL_OK)
        rc = aws_decode_oom(err, errsz);
      val_release(v);
      if (rc != 0)
        return -1;
    }
  }
  return 0;
}

/* aws_json_value at nesting depth (a recursive shape must not recurse for ever). */
static int json_value(const struct aws_service *svc, const json_t *shape, const json_t *j,
                      struct rbc_value *out, char *err, size_t errsz, int depth)
{
  const char *t = aws_shape_type(shape);
  struct val_err e;

  if (json_too_deep(depth, err, errsz) != 0)
    return -1;
  if (strcmp(t, "structure") == 0 && json_is_object(j))
    return json_struct_value(svc, shape, j, out, err, errsz, depth);
  if ((strcmp(t, "list") == 0 && json_is_array(j)) || (strcmp(t, "map") == 0
                                                      && json_is_object(j)))
    return json_container_value(svc, shape, j, out, err, errsz, depth);
  if (strcmp(t, "timestamp") == 0 && json_is_number(j)) {
    double secs = json_number_value(j);
    if (!(secs > -9.0e15 && secs < 9.0e15)) {
      snprintf(err, errsz, "the reply holds a timestamp out of range");
      return -1;
    }
    *out = val_time((int64_t)(secs * 1000.0 + (secs < 0 ? -0.5 : 0.5)));
    return 0;
  }
  if ((strcmp(t, "timestamp") == 0 || strcmp(t, "blob") == 0) && json_is_string(j)) {
    if (aws_scalar_value(shape, json_string_value(j), json_string_length(j), out) == 0)
      return 0;
    snprintf(err, errsz, "the reply holds a malformed %s", t);
    return -1;
  }
  if (json_is_string(j))
    return val_string_new(json_string_value(j), json_string_length(j), out, &e) == VAL_OK
           ? 0 : aws_decode_oom(err, errsz);
  if ((strcmp(t, "float") == 0 || strcmp(t, "double") == 0) && json_is_integer(j)) {
    *out = val_float((double)json_integer_value(j));
    return 0;
  }
  return json_plain(j, out, err, errsz, depth);
}

int aws_json_value(const struct aws_service *svc, const json_t *shape, const json_t *j,
                   struct rbc_value *out, char *err, size_t errsz)
{
  return json_value(svc, shape, j, out, err, errsz, 0);
}

/* }==== */

/* {==== the json protocol ==== */

/*
** Members marked idempotencyToken that the call left out get a fresh UUID
** (version 4), as the SDKs do, so a retried request is not applied twice.
*/
static int fill_tokens(struct aws_enc *enc, const json_t *input, json_t *body)
{
  json_t *members = json_object_get(input, "members"), *ref;
  const char *name;

  json_object_foreach(members, name, ref) {
    unsigned char r[16];
    char uuid[40];
    if (!aws_model_flag(ref, "idempotencyToken") || json_object_get(body, name) != NULL)
      continue;
    if (RAND_bytes(r, sizeof r) != 1) {
      snprintf(enc->err, sizeof enc->err, "%s: no random bytes for a client token", name);
      return -1;
    }
    r[6] = (unsigned char)((r[6] & 0x0f) | 0x40);
    r[8] = (unsigned char)((r[8] & 0x3f) | 0x80);
    snprintf(uuid, sizeof uuid, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
             "%02x%02x%02x%02x%02x%02x", r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8],
             r[9], r[10], r[11], r[12], r[13], r[14], r[15]);
    if (json_object_set_new(body, name, json_string(uuid)) != 0) {
      snprintf(enc->err, sizeof enc->err, "out of memory encoding the request");
      return -1;
    }
  }
  return 0;
}

int aws_json_encode(const struct aws_op *op, struct rbc_value args, struct aws_enc *enc)
{
  const struct aws_service *svc = op->svc;
  struct aws_path p = { "", 0 };
  char ct[64], target[256];
  json_t *body;
  char *text;

  if (op->input != NULL && aws_check_required(enc, &p, op->input, args) != 0)
    return -1;
  body = op->input != NULL ? aws_json_struct_arg(enc, &p, svc, op->input, args, false)
         : json_object();
  if (body == NULL || (op->input != NULL && fill_tokens(enc, op->input, body) != 0)) {
    json_decref(body);
    return -1;
  }
  text = json_dumps(body, JSON_COMPACT);
  json_decref(body);
  if (text == NULL) {
    snprintf(enc->err, sizeof enc->err, "out of memory encoding the request");
    return -1;
  }
  val_buf_puts(&enc->body, text);
  free(text);
  enc->body.secret = enc->secret;
  snprintf(ct, sizeof ct, "application/x-amz-json-%s",
           svc->json_version != NULL ? svc->json_version : "1.0");
  snprintf(target, sizeof target, "%s.%s", svc->target_prefix != NULL ? svc->target_prefix
           : "", op->name);
  val_buf_puts(&enc->path, "/");
  if (aws_enc_header(enc, "Content-Type", ct) != 0
      || aws_enc_header(enc, "X-Amz-Target", target) != 0)
    return -1;
  enc->rq.method = "POST";
  return 0;
}

int aws_json_decode(const struct aws_op *op, const struct aws_response *rs,
                    struct rbc_value *out, char *err, size_t errsz)
{
  json_error_t je;
  json_t *j;
  int rc;
  struct val_err e;

  if (rs->body_len == 0 || op->output == NULL)
    return val_map_new(out, &e) == VAL_OK ? 0 : aws_decode_oom(err, errsz);
  j = json_loadb(rs->body, rs->body_len, JSON_DECODE_ANY, &je);
  if (j == NULL || !json_is_object(j)) {
    snprintf(err, errsz, "the reply is not a JSON object%s%s", j == NULL ? ": " : "",
             j == NULL ? je.text : "");
    json_decref(j);
    return -1;
  }
  rc = aws_json_value(op->svc, op->output, j, out, err, errsz);
  json_decref(j);
  return rc;
}

/* }==== */
