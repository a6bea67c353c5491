/*
** fuzz_sigv4.c: libFuzzer harness for the SigV4 canonicaliser
** (stdlib/aws/sigv4.c): path normalisation and encoding, query parsing,
** percent-decoding and sorting, header trimming, folding and joining.
**
** Input: an HTTP request in the test suite's request.txt form (the seeds
** are tests/data/sigv4*): "METHOD URI[ VERSION]", header lines
** "Name:value" (a line starting with white space continues the value
** before it), a blank line, the body.  The signer options (path rules,
** S3's content header, unsigned payload, session token, presigning) come
** from a hash of the input, so every input picks one combination.
**
** Properties: signing never fails on any request (only out of memory or a
** missing key can), never crashes, leaks or hangs, and nothing it returns
** but the signature depends on the secret key: the request is signed with
** two keys, and the canonical request, the string to sign and the added
** headers and query must be the same up to the signature.  The second key
** is in no dictionary, so it must not appear in anything returned either.
** (Searching for the first key alone is not enough: the fuzzer learns it
** from the dictionary and can spell it in a path that normalisation then
** joins, as "FEMI///K7M" becomes "FEMI/K7M".)  A violation aborts.
**
** Build and run: scripts/fuzz.sh [SECONDS].
*/
#define _GNU_SOURCE             /* memmem */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stdlib/aws/sigv4.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_HEADERS 32
#define SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define SECRET_B "q7Rv2ZkXw9LmT4cNpB8sYd1HfGj6UaEo3Ki5WxVz"

/* Does s (may be NULL) hold the second key? */
static bool leaks(const char *s)
{
  return s != NULL && strstr(s, SECRET_B) != NULL;
}

/* Sign or presign (as bit 128 of the input's hash h says) into *out. */
static void sign(const struct sigv4_params *prm, const struct sigv4_request *rq, uint32_t h,
                 struct sigv4_result *out)
{
  int rc = (h & 128) ? sigv4_presign(prm, rq, (int64_t)(h >> 8) % 604801, out)
                     : sigv4_sign(prm, rq, out);

  if (rc != 0)
    abort();                    /* nothing but memory or a missing key can fail */
}

/* Are a and b (either may be NULL) the same up to where `cut` starts in a? */
static bool same_until(const char *a, const char *b, const char *cut)
{
  const char *at;

  if (a == NULL || b == NULL)
    return a == b;
  at = cut != NULL ? strstr(a, cut) : NULL;
  return at != NULL ? strncmp(a, b, (size_t)(at - a)) == 0 : strcmp(a, b) == 0;
}

/* Abort unless r and rb (signed with SECRET and SECRET_B) differ only in signatures. */
static void check_results(const struct sigv4_result *r, const struct sigv4_result *rb,
                          bool input_has_b)
{
  if (!same_until(r->canonical_request, rb->canonical_request, NULL)
      || !same_until(r->string_to_sign, rb->string_to_sign, NULL)
      || !same_until(r->presigned_query, rb->presigned_query, "X-Amz-Signature=")
      || r->nadded != rb->nadded)
    abort();
  for (size_t i = 0; i < r->nadded; i++)
    if (strcmp(r->added[i].name, rb->added[i].name) != 0
        || !same_until(r->added[i].value, rb->added[i].value, "Signature="))
      abort();
  if (input_has_b)
    return;
  if (leaks(rb->canonical_request) || leaks(rb->string_to_sign) || leaks(rb->presigned_query))
    abort();
  for (size_t i = 0; i < rb->nadded; i++)
    if (leaks(rb->added[i].name) || leaks(rb->added[i].value))
      abort();
}

/* FNV-1a of the input: the signer options. */
static uint32_t hash(const uint8_t *data, size_t size)
{
  uint32_t h = 2166136261u;

  for (size_t i = 0; i < size; i++)
    h = (h ^ data[i]) * 16777619u;
  return h;
}

/* Cut the line starting at *p (ends at '\n' or the end); *p moves past it. */
static char *next_line(char **p, char *end)
{
  char *line = *p, *nl;

  if (line >= end)
    return NULL;
  nl = memchr(line, '\n', (size_t)(end - line));
  if (nl == NULL)
    nl = end;
  *nl = '\0';
  *p = nl + (nl < end);
  return line;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct aws_header hs[MAX_HEADERS];
  struct sigv4_params prm;
  struct sigv4_request rq;
  struct sigv4_result res, res_b;
  uint32_t h = hash(data, size);
  char *copy = malloc(size + 1), *p, *end, *line, *sp, *q, *enc;
  bool had_b;

  if (copy == NULL)
    return 0;
  memcpy(copy, data, size);
  copy[size] = '\0';
  had_b = memmem(data, size, SECRET_B, strlen(SECRET_B)) != NULL;
  p = copy;
  end = copy + size;
  memset(&rq, 0, sizeof rq);
  memset(&prm, 0, sizeof prm);

  /* request line: METHOD URI [VERSION] */
  line = next_line(&p, end);
  rq.method = "GET";
  rq.path = "/";
  if (line != NULL) {
    sp = strchr(line, ' ');
    if (sp != NULL) {
      *sp = '\0';
      rq.method = line;
      rq.path = sp + 1;
      sp = strrchr(sp + 1, ' ');
      if (sp != NULL)
        *sp = '\0';
      q = strchr(rq.path, '?');
      if (q != NULL) {
        *q = '\0';
        rq.query = q + 1;
      }
    }
  }
  /* headers, continuation lines joined with a newline as the suite has them */
  for (line = next_line(&p, end); line != NULL && *line != '\0'; line = next_line(&p, end)) {
    if ((*line == ' ' || *line == '\t') && rq.nheaders > 0) {
      line[-1] = '\n';          /* undo the cut: the value runs on */
      continue;
    }
    q = strchr(line, ':');
    if (q == NULL || rq.nheaders == MAX_HEADERS)
      continue;
    *q = '\0';
    hs[rq.nheaders].name = line;
    hs[rq.nheaders].value = q + 1;
    rq.nheaders++;
  }
  rq.headers = hs;
  rq.body = p < end ? p : NULL;
  rq.body_len = p < end ? (size_t)(end - p) : 0;

  prm.access_key = "AKIDEXAMPLE";
  prm.secret_key = SECRET;
  prm.session_token = (h & 1) ? "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4"
                                "FZTwdQW" : NULL;
  prm.region = "us-east-1";
  prm.service = (h & 2) ? "s3" : "service";
  prm.time_s = 1440938160;      /* 20150830T123600Z, the suite's date */
  prm.normalize_path = (h & 4) != 0;
  prm.encode_path = (h & 8) != 0;
  prm.content_sha256_header = (h & 16) != 0;
  prm.unsigned_payload = (h & 32) != 0;
  prm.omit_session_token = (h & 64) != 0;

  sign(&prm, &rq, h, &res);
  prm.secret_key = SECRET_B;
  sign(&prm, &rq, h, &res_b);
  check_results(&res, &res_b, had_b);
  sigv4_result_free(&res);
  sigv4_result_free(&res_b);

  enc = sigv4_uri_encode(rq.path, strlen(rq.path), (h & 256) != 0);
  free(enc);
  free(copy);
  return 0;
}
