/*
** protocol_query.c: the `query` protocol (SNS, ELBv2, CloudWatch, RDS, Auto
** Scaling, STS), as botocore's QuerySerializer writes it:
**   POST /  Content-Type: application/x-www-form-urlencoded; charset=utf-8
**   Action=<Operation>&Version=<apiVersion>&<members...>
** Members in the order given; nested structures as `A.B`; lists as
** `A.member.N` (the list member's locationName instead of `member`), or
** `A.N` when flattened; an empty list as `A=`; maps as `A.entry.N.key` /
** `A.entry.N.value` (`A.N.key` when flattened); timestamps ISO 8601;
** booleans true/false; blobs base64.  Replies are XML:
** <OpResponse><OpResult>members</OpResult><ResponseMetadata/></OpResponse>.
*/
#include "stdlib/aws/protocol.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int query_value(struct aws_enc *enc, struct aws_path *p, const struct aws_service *svc,
                       const json_t *ref, struct rbc_value v, const char *prefix);

/* {==== encoding ==== */

/* Append "&prefix=" then the encoded text. */
static void pair(struct aws_enc *enc, const char *prefix, const char *text, size_t len)
{
  val_buf_puts(&enc->body, "&");
  aws_uri_append(&enc->body, prefix, strlen(prefix), false);
  val_buf_puts(&enc->body, "=");
  aws_uri_append(&enc->body, text, len, false);
}

/* The query name of a member: its locationName, else the member's name. */
static const char *qname(const json_t *ref, const char *dflt)
{
  const char *n = aws_model_str(ref, "locationName");

  return n != NULL ? n : dflt;
}

/* Is the shape (or the member ref) flattened? */
static bool is_flat(const json_t *ref, const json_t *shape)
{
  return aws_model_flag(ref, "flattened") || aws_model_flag(shape, "flattened");
}

/* prefix "A.B" + "." + suffix into buf; -1 when too long. */
static int join(char *buf, size_t size, const char *prefix, const char *suffix)
{
  int n = snprintf(buf, size, "%s%s%s", prefix, *prefix && *suffix ? "." : "", suffix);

  return n < 0 || (size_t)n >= size ? -1 : 0;
}

static int query_struct(struct aws_enc *enc, struct aws_path *p, const struct aws_service *svc,
                        const json_t *st, struct rbc_value v, const char *prefix)
{
  size_t pos = 0, klen;
  const char *key;
  const struct rbc_value *item;
  char name[512];

  if (aws_check_required(enc, p, st, v) != 0)
    return -1;
  while (val_map_next(v, &pos, &key, &klen, &item)) {
    json_t *ref = aws_member_ref(enc, p, st, key);
    size_t old;
    int rc;
    if (ref == NULL)
      return -1;
    if (item->type == VAL_NULL)
      continue;
    if (join(name, sizeof name, prefix, qname(ref, key)) != 0) {
      snprintf(enc->err, sizeof enc->err, "%s: nested too deeply", p->text);
      return -1;
    }
    old = aws_path_push(p, key);
    rc = query_value(enc, p, svc, ref, val_tainted(*item, v.secret), name);
    aws_path_pop(p, old);
    if (rc != 0)
      return -1;
  }
  return 0;
}

static int query_list(struct aws_enc *enc, struct aws_path *p, const struct aws_service *svc,
                      const json_t *ref, const json_t *shape, struct rbc_value v,
                      const char *prefix)
{
  json_t *mref = json_object_get(shape, "member");
  const char *mname = aws_model_str(mref, "locationName");
  char base[512], name[560];

  if (val_list_len(v) == 0) {
    pair(enc, prefix, "", 0);
    return 0;
  }
  if (is_flat(ref, shape)) {
    const char *dot = strrchr(prefix, '.');
    int n = mname == NULL ? snprintf(base, sizeof base, "%s", prefix)
            : snprintf(base, sizeof base, "%.*s%s", dot != NULL ? (int)(dot - prefix + 1) : 0,
                       prefix, mname);
    if (n < 0 || (size_t)n >= sizeof base)
      return -1;
  } else if (join(base, sizeof base, prefix, mname != NULL ? mname : "member") != 0) {
    return -1;
  }
  for (size_t i = 0; i < val_list_len(v); i++) {
    size_t old = aws_path_index(p, i);
    int rc;
    snprintf(name, sizeof name, "%s.%zu", base, i + 1);
    rc = query_value(enc, p, svc, mref, val_tainted(*val_list_at(v, i), v.secret), name);
    aws_path_pop(p, old);
    if (rc != 0)
      return -1;
  }
  return 0;
}

static int query_map(struct aws_enc *enc, struct aws_path *p, const struct aws_service *svc,
                     const json_t *ref, const json_t *shape, struct rbc_value v,
                     const char *prefix)
{
  json_t *kref = json_object_get(shape, "key"), *vref = json_object_get(shape, "value");
  size_t pos = 0, klen, i = 0;
  const char *key;
  const struct rbc_value *item;
  char name[600];

  while (val_map_next(v, &pos, &key, &klen, &item)) {
    size_t old;
    int rc;
    i++;
    snprintf(name, sizeof name, "%s%s.%zu.%s", prefix, is_flat(ref, shape) ? "" : ".entry", i,
             qname(kref, "key"));
    pair(enc, name, key, klen);
    snprintf(name, sizeof name, "%s%s.%zu.%s", prefix, is_flat(ref, shape) ? "" : ".entry", i,
             qname(vref, "value"));
    old = aws_path_push(p, key);
    rc = query_value(enc, p, svc, vref, val_tainted(*item, v.secret), name);
    aws_path_pop(p, old);
    if (rc != 0)
      return -1;
  }
  return 0;
}

static int query_value(struct aws_enc *enc, struct aws_path *p, const struct aws_service *svc,
                       const json_t *ref, struct rbc_value v, const char *prefix)
{
  json_t *shape = aws_model_ref_shape(svc, ref);
  const char *t = aws_shape_type(shape);
  struct val_buf text;
  int rc;

  if (aws_check_type(enc, p, shape, v) != 0)
    return -1;
  if (v.secret)
    enc->secret = true;
  if (strcmp(t, "structure") == 0)
    return query_struct(enc, p, svc, shape, v, prefix);
  if (strcmp(t, "list") == 0)
    return query_list(enc, p, svc, ref, shape, v, prefix);
  if (strcmp(t, "map") == 0)
    return query_map(enc, p, svc, ref, shape, v, prefix);
  val_buf_init(&text);
  rc = aws_scalar_text(enc, p, ref, shape, v, "iso8601", &text);
  if (rc == 0)
    pair(enc, prefix, text.len ? text.data : "", text.len);
  val_buf_free(&text);
  return rc;
}

int aws_query_encode(const struct aws_op *op, struct rbc_value args, struct aws_enc *enc)
{
  struct aws_path p = { "", 0 };

  val_buf_puts(&enc->body, "Action=");
  aws_uri_append(&enc->body, op->name, strlen(op->name), false);
  val_buf_puts(&enc->body, "&Version=");
  aws_uri_append(&enc->body, op->svc->api_version, strlen(op->svc->api_version), false);
  if (op->input != NULL && query_struct(enc, &p, op->svc, op->input, args, "") != 0)
    return -1;
  if (op->input == NULL && val_map_len(args) > 0) {
    snprintf(enc->err, sizeof enc->err, "%s takes no arguments", op->py);
    return -1;
  }
  enc->body.secret = enc->secret;
  val_buf_puts(&enc->path, "/");
  enc->rq.method = "POST";
  return aws_enc_header(enc, "Content-Type",
                        "application/x-www-form-urlencoded; charset=utf-8");
}

/* }==== */

/* {==== decoding ==== */

int aws_query_decode(const struct aws_op *op, const struct aws_response *rs,
                     struct rbc_value *out, char *err, size_t errsz)
{
  struct aws_xml *root, *result;
  struct val_err e;
  int rc;

  if (op->output == NULL)
    return val_map_new(out, &e) == VAL_OK ? 0 : -1;
  root = aws_xml_parse(rs->body, rs->body_len, err, errsz);
  if (root == NULL)
    return -1;
  result = op->result_wrapper != NULL ? aws_xml_child(root, op->result_wrapper) : root;
  if (result == NULL) {
    aws_xml_free(root);
    return val_map_new(out, &e) == VAL_OK ? 0 : -1;
  }
  rc = aws_xml_struct(op->svc, op->output, result, out, err, errsz);
  aws_xml_free(root);
  if (rc != 0 && err[0] == '\0')
    snprintf(err, errsz, "out of memory reading the reply");
  return rc;
}

/* }==== */
