/*
** protocol.h: encoding an AWS call into a struct aws_request and decoding its
** reply, for the four wire protocols of the service models (model.h):
**   json       protocol_json.c   (ECS, SSM, CloudWatch Logs)
**   query      protocol_query.c  (SNS, ELBv2, CloudWatch, RDS, Auto Scaling, STS)
**   rest-json  protocol_rest.c   (AppConfig)
**   rest-xml   protocol_rest.c   (S3)
** and what they share (protocol.c): argument type checks against shapes,
** timestamps, base64, percent-encoding and a small XML tree read with expat.
**
** Arguments are one rbc map (member name -> value) checked against the
** operation's input shape: a wrong type or an unknown member fails with a
** message naming the member ("Targets[0].Port: expects an int, got string"),
** never a value (values may be secret).  Replies decode into rbc values with
** the API's member names: structures and maps are maps, lists are lists,
** timestamps are time values, blobs are strings.
*/
#ifndef RBC_AWS_PROTOCOL_H
#define RBC_AWS_PROTOCOL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stdlib/aws/aws.h"
#include "stdlib/aws/model.h"
#include "vm/value.h"

/* Most headers an encoder adds (Content-Type, X-Amz-Target, S3 headers ...). */
#define AWS_ENC_MAX_HEADERS 48

/* An encoded request: owns every byte its `rq` borrows (aws_enc_free). */
struct aws_enc {
  struct aws_request rq;        /* ready for aws_send */
  struct val_buf path;          /* URI-encoded path */
  struct val_buf query;         /* URI-encoded query, without '?' */
  struct val_buf body;          /* payload */
  struct aws_header headers[AWS_ENC_MAX_HEADERS]; /* names and values owned */
  size_t nheaders;
  bool secret;                  /* a secret argument went into the request */
  char err[512];                /* why encoding failed */
};

/* {==== entry points ==== */

/*
** Encode a call of op with the named arguments in `args` (an rbc map,
** borrowed) into *enc (zeroed first; release with aws_enc_free even on
** failure).  Left-out idempotency tokens get a fresh UUID.  0, or -1 with
** enc->err set.
*/
int aws_encode(const struct aws_op *op, struct rbc_value args, struct aws_enc *enc);

/* Release what enc holds. */
void aws_enc_free(struct aws_enc *enc);

/*
** Decode a successful reply of op into *out (a map; a new reference).  0,
** or -1 with a message in err (size errsz) when the reply is malformed.
*/
int aws_decode(const struct aws_op *op, const struct aws_response *rs, struct rbc_value *out,
               char *err, size_t errsz);

/* }==== */

/* {==== per protocol (called by aws_encode / aws_decode) ==== */

/*
** Each encoder fills enc (path, query, body, headers) from args as
** aws_encode describes, returning 0 or -1 with enc->err; each decoder turns
** a 2xx reply into *out as aws_decode describes, returning 0 or -1 with err.
*/
int aws_json_encode(const struct aws_op *op, struct rbc_value args, struct aws_enc *enc);
int aws_json_decode(const struct aws_op *op, const struct aws_response *rs,
                    struct rbc_value *out, char *err, size_t errsz);
int aws_query_encode(const struct aws_op *op, struct rbc_value args, struct aws_enc *enc);
int aws_query_decode(const struct aws_op *op, const struct aws_response *rs,
                     struct rbc_value *out, char *err, size_t errsz);
int aws_rest_encode(const struct aws_op *op, struct rbc_value args, struct aws_enc *enc);
int aws_rest_decode(const struct aws_op *op, const struct aws_response *rs,
                    struct rbc_value *out, char *err, size_t errsz);

/* }==== */

/* {==== shared helpers (protocol.c) ==== */

/* Where a member sits, for messages: "Targets[0].Id" (a fixed buffer). */
struct aws_path {
  char text[256];
  size_t len;
};

/* Append ".name" (or "name" at the start); returns the old length for aws_path_pop. */
size_t aws_path_push(struct aws_path *p, const char *name);

/* Append "[i]"; returns the old length. */
size_t aws_path_index(struct aws_path *p, size_t i);

/* Cut p back to the length `old` that aws_path_push / aws_path_index returned. */
void aws_path_pop(struct aws_path *p, size_t old);

/* The type of a shape ("structure", "list", ...), "" when none. */
const char *aws_shape_type(const json_t *shape);

/*
** Check that v fits a shape of type `type` (scalars only; structure, list,
** map check the container kind).  0, or -1 with enc->err naming p.
*/
int aws_check_type(struct aws_enc *enc, const struct aws_path *p, const json_t *shape,
                   struct rbc_value v);

/*
** The member reference of `name` in structure shape st, or NULL (then
** enc->err says "unknown member"; enc may be NULL).
*/
json_t *aws_member_ref(struct aws_enc *enc, const struct aws_path *p, const json_t *st,
                       const char *name);

/* Every required member of structure st present in map v?  -1 with enc->err. */
int aws_check_required(struct aws_enc *enc, const struct aws_path *p, const json_t *st,
                       struct rbc_value v);

/* A timestamp argument (time value or RFC 3339 string) as ms since the epoch; -1 if not. */
int aws_time_arg(struct rbc_value v, int64_t *ms);

/*
** Format ms as a timestamp: "iso8601" (2026-11-26T13:00:00Z, .mmm when
** needed), "unixTimestamp" (seconds, with a fraction when needed) or
** "rfc822" (Thu, 26 Nov 2026 13:00:00 GMT) into buf (>= 48 bytes).
*/
void aws_time_format(int64_t ms, const char *format, char *buf, size_t size);

/* Parse any of the three forms (a number is epoch seconds).  0, or -1. */
int aws_time_parse(const char *text, int64_t *ms);

/* Append base64 of bytes to b. */
void aws_base64_append(struct val_buf *b, const char *bytes, size_t len);

/* Decode base64 into a new string value (*out).  0, or -1 (malformed, no memory). */
int aws_base64_decode(const char *text, size_t len, struct rbc_value *out);

/* Append bytes percent-encoded (RFC 3986 unreserved kept; '/' kept when keep_slash). */
void aws_uri_append(struct val_buf *b, const char *bytes, size_t len, bool keep_slash);

/* Add a header (copied) to enc.  -1 when full or out of memory. */
int aws_enc_header(struct aws_enc *enc, const char *name, const char *value);

/* A scalar argument as text for a query string, a header or a URI label. */
int aws_scalar_text(struct aws_enc *enc, const struct aws_path *p, const json_t *ref,
                    const json_t *shape, struct rbc_value v, const char *default_ts,
                    struct val_buf *out);

/*
** JSON form of argument v for a member (ref, may be NULL) of shape: a new
** reference, or NULL with enc->err set.  Timestamps as epoch seconds,
** blobs base64 (json and rest-json bodies).
*/
json_t *aws_json_arg(struct aws_enc *enc, struct aws_path *p, const struct aws_service *svc,
                     const json_t *ref, const json_t *shape, struct rbc_value v);

/* A structure's members from map v into a new JSON object (NULL: enc->err). */
json_t *aws_json_struct_arg(struct aws_enc *enc, struct aws_path *p,
                            const struct aws_service *svc, const json_t *st,
                            struct rbc_value v, bool skip_located);

/* A decoded JSON reply value of shape into *out.  0, or -1 with err. */
int aws_json_value(const struct aws_service *svc, const json_t *shape, const json_t *j,
                   struct rbc_value *out, char *err, size_t errsz);

/* }==== */

/* {==== XML replies (expat) ==== */

/* An element of a parsed reply: name (no namespace prefix), text, children. */
struct aws_xml {
  char *name;
  char *text;                   /* concatenated character data (NUL-terminated) */
  size_t text_len;
  struct aws_xml **kids;
  size_t nkids;
  size_t cap;
};

/* Parse a document.  The root element, or NULL (err says why). */
struct aws_xml *aws_xml_parse(const char *bytes, size_t len, char *err, size_t errsz);

/* Free a parsed tree (NULL is a no-op). */
void aws_xml_free(struct aws_xml *x);

/* The first child named name, or NULL. */
struct aws_xml *aws_xml_child(const struct aws_xml *x, const char *name);

/*
** Decode element x as shape (a member ref's traits in ref, may be NULL)
** into *out.  0, or -1 (out of memory, malformed scalar: err says where).
*/
int aws_xml_value(const struct aws_service *svc, const json_t *ref, const json_t *shape,
                  const struct aws_xml *x, struct rbc_value *out, char *err, size_t errsz);

/* Decode the members of structure st found among x's children into map *out. */
int aws_xml_struct(const struct aws_service *svc, const json_t *st, const struct aws_xml *x,
                   struct rbc_value *out, char *err, size_t errsz);

/* A scalar of shape from text (string, number, bool, timestamp, blob). */
int aws_scalar_value(const json_t *shape, const char *text, size_t len, struct rbc_value *out);

/* -1, with the decoders' out-of-memory message in err. */
int aws_decode_oom(char *err, size_t errsz);

/* }==== */

#endif
