/*
** sigv4.h: AWS Signature Version 4 (header signing) on OpenSSL.
**
** The steps of AWS's "Create a signed AWS API request": the canonical
** request (method, canonical URI, canonical query, canonical headers,
** signed headers, payload hash), the string to sign, the signing key
** (HMAC-SHA256 chain over date, region, service, "aws4_request") and the
** signature, then the headers to add: X-Amz-Security-Token (session
** credentials), X-Amz-Date, x-amz-content-sha256 (S3, or when asked) and
** Authorization; or, presigning, the query parameters of a presigned URL.
** Checked byte for byte against AWS's SigV4 test suite (header and
** presigned forms; tests/unit/test_sigv4.c) and, through the local AWS
** endpoint, against botocore.
**
** Path rules.  Services other than S3 normalise the path (remove `.` and
** `..` segments, merge repeated slashes) and URI-encode the path that goes
** on the wire once more, so `/a%20b` signs as `/a%2520b` (botocore's
** SigV4Auth).  S3 signs the wire path as it is.  The two flags below say
** which; the test suite's `normalize: false` is "encode once, do not
** normalise".
**
** Query: every `name=value` pair is percent-decoded and re-encoded with the
** RFC 3986 unreserved set, then sorted by name and then value (byte order).
** Headers: names lower-cased; values trimmed, inner runs of white space
** (folded lines included) made one space; repeated names joined with ','
** in the order given; every header given is signed.
**
** Nothing here prints or keeps state; secrets are wiped from the stack
** buffers that held derived keys.  OpenSSL is initialised without reading
** its configuration file.
*/
#ifndef RBC_SIGV4_H
#define RBC_SIGV4_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stdlib/aws/aws.h"

#define SIGV4_SHA256_HEX 65             /* 64 hex digits + NUL */
#define SIGV4_UNSIGNED_PAYLOAD "UNSIGNED-PAYLOAD"
#define SIGV4_MAX_ADDED 4               /* headers sigv4_sign adds at most */

/* Who signs, where, when and how. All borrowed. */
struct sigv4_params {
  const char *access_key;       /* access key id */
  const char *secret_key;       /* secret access key (never copied into the output) */
  const char *session_token;    /* or NULL / "": no X-Amz-Security-Token */
  const char *region;           /* "us-east-1" */
  const char *service;          /* the signing name (credential scope): "ecs", "s3" */
  int64_t time_s;               /* signing time, seconds since the Unix epoch (UTC) */
  bool normalize_path;          /* remove dot segments and repeated slashes (not S3) */
  bool encode_path;             /* URI-encode the path once more (not S3) */
  bool content_sha256_header;   /* add and sign x-amz-content-sha256 (S3; sign_body) */
  bool unsigned_payload;        /* payload hash UNSIGNED-PAYLOAD instead of the body's */
  bool omit_session_token;      /* add X-Amz-Security-Token after signing (unsigned) */
};

/* The request to sign. All borrowed. */
struct sigv4_request {
  const char *method;           /* "GET", "POST", ... */
  const char *path;             /* the path (see "Path rules"), starting with '/' or "" */
  const char *query;            /* query without '?', or NULL / "" */
  const struct aws_header *headers; /* headers to sign, Host included; names in any case */
  size_t nheaders;
  const char *body;             /* payload bytes, or NULL */
  size_t body_len;
};

/* What signing produced; everything owned by the struct (sigv4_result_free). */
struct sigv4_result {
  char *canonical_request;      /* the canonical request text */
  char *string_to_sign;         /* the string to sign */
  char signature[SIGV4_SHA256_HEX]; /* hex signature */
  char amz_date[17];            /* "20150830T123600Z" */
  struct aws_header added[SIGV4_MAX_ADDED]; /* headers to add to the request, in this
                                              order: X-Amz-Security-Token, X-Amz-Date,
                                              x-amz-content-sha256, Authorization */
  size_t nadded;                /* used entries of added */
  char *presigned_query;        /* sigv4_presign: the query to send (rq's query, the
                                   X-Amz-* parameters, X-Amz-Signature); else NULL */
};

/*
** Sign rq with p.  0 with *out filled, or -1 (out of memory, or a bad
** argument: NULL key, region or service) with *out empty.  out need not be
** initialised; free it with sigv4_result_free.
*/
int sigv4_sign(const struct sigv4_params *p, const struct sigv4_request *rq,
               struct sigv4_result *out);

/*
** Presign rq (the signature goes in the query, valid `expires` seconds):
** the same canonical request rules, with the X-Amz-Algorithm, -Credential,
** -Date, -SignedHeaders, -Expires (and -Security-Token unless omitted)
** parameters in the canonical query and no signer headers.  0 with
** out->presigned_query set (nadded is 0), or -1 as sigv4_sign.
*/
int sigv4_presign(const struct sigv4_params *p, const struct sigv4_request *rq,
                  int64_t expires, struct sigv4_result *out);

/* Release and wipe what r holds (the Authorization and token values). NULL is a no-op. */
void sigv4_result_free(struct sigv4_result *r);

/* Hex SHA-256 of data[0..len) into hex (SIGV4_SHA256_HEX bytes).  0, or -1. */
int sigv4_sha256_hex(const void *data, size_t len, char hex[SIGV4_SHA256_HEX]);

/*
** Append s[0..len) to a new string percent-encoded with the RFC 3986
** unreserved set (A-Z a-z 0-9 - . _ ~ stay; '/' too when keep_slash),
** upper-case hex.  Returns the malloc'ed string, or NULL when out of memory.
*/
char *sigv4_uri_encode(const char *s, size_t len, bool keep_slash);

/* "20150830T123600Z" for t (UTC) into buf (at least 17 bytes). */
void sigv4_amz_date(int64_t t, char buf[17]);

#endif
