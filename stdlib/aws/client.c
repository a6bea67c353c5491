/*
** client.c: the run's AWS client (aws.h, the half below the header):
** configuration, credentials cache, sending with SigV4 and the SDKs'
** standard retry mode, error replies decoded, preflight.
**
** Decisions:
**   - Requests are signed with the real wall-clock time, whatever the run's
**     clock: AWS checks X-Amz-Date against its own time.  Backoff sleeps go
**     through loop_sleep, so on the virtual clock a retry costs no real time.
**   - Standard retry mode: max_attempts (default 3) counts the first try;
**     retried are the throttling codes, the transient ones, HTTP 500, 502,
**     503, 504, and network errors (a failure to connect always, one
**     mid-request only when the request is idempotent).  Delay: a
**     Retry-After in seconds when the reply has one, else full jitter,
**     random in [0, min(100 ms * 2^(attempt-1), 20 s)).  As in botocore, a
**     client-wide retry quota (500) pays 5 per retry (10 after a timeout)
**     and gets the last cost back when a retried call succeeds, 1 when a
**     call succeeds at once: a failing service stops being retried.
**   - Credentials are cached until 5 minutes before they expire; an
**     ExpiredToken(Exception) reply makes the chain run again once and the
**     call is sent again (that try does not count against max_attempts).
**   - The client keeps no easy handle: each transfer gets its own, and the
**     loop's multi handle keeps the connections, so calls reuse them.
*/
#define _POSIX_C_SOURCE 200809L

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <expat.h>
#include <jansson.h>

#include "stdlib/aws/aws.h"
#include "stdlib/aws/creds.h"
#include "stdlib/aws/sigv4.h"
#include "stdlib/loop.h"

#define BACKOFF_BASE_MS 100
#define BACKOFF_CAP_MS 20000
#define REFRESH_BEFORE_S 300
#define SEND_TIMEOUT_MS 60000
#define MAX_HEADERS 64
#define QUOTA_MAX 500                   /* standard mode's retry quota */
#define QUOTA_RETRY_COST 5
#define QUOTA_TIMEOUT_COST 10
#define QUOTA_SUCCESS_REFILL 1

struct aws_client {
  struct rbc_loop *loop;        /* borrowed: HTTP and sleeps */
  struct aws_profiles profiles; /* the shared files, read once */
  char *profile;                /* profile in use (owned) */
  bool profile_explicit;        /* --profile given */
  char *region;                 /* owned */
  int max_attempts;             /* >= 1 */
  struct aws_creds creds;       /* current credentials (secret) */
  bool have_creds;
  uint64_t rng;                 /* xorshift state for jitter */
  int quota;                    /* retry quota left (standard mode), 0..QUOTA_MAX */
};

/* {==== small helpers ==== */

static int64_t now_s(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec;
}

/* A random number in [0, n) (n > 0). */
static int64_t jitter(struct aws_client *c, int64_t n)
{
  c->rng ^= c->rng << 13;
  c->rng ^= c->rng >> 7;
  c->rng ^= c->rng << 17;
  return (int64_t)(c->rng % (uint64_t)n);
}

/* Release what rs holds (see aws.h). */
void aws_response_free(struct aws_response *rs)
{
  if (!rs)
    return;
  for (size_t i = 0; i < rs->nheaders; i++) {
    free(rs->headers[i].name);
    free(rs->headers[i].value);
  }
  free(rs->headers);
  free(rs->body);
  memset(rs, 0, sizeof *rs);
}

/* Value of reply header name (see aws.h). */
const char *aws_response_header(const struct aws_response *rs, const char *name)
{
  for (size_t i = 0; rs && i < rs->nheaders; i++)
    if (strcasecmp(rs->headers[i].name, name) == 0)
      return rs->headers[i].value;
  return NULL;
}

/* The region in use (see aws.h). */
const char *aws_client_region(const struct aws_client *c)
{
  return c->region;
}

/* }==== */

/* {==== decoding replies ==== */

/* Texts of the first elements named in `names` of an XML document (expat). */
struct xml_pick {
  const char *const *names;     /* element names to capture, NULL-terminated */
  char **out;                   /* out[i]: text of names[i] (owned), or NULL */
  int cur;                      /* index being captured, or -1 */
  bool oom;
};

static void XMLCALL xml_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
  struct xml_pick *x = ud;

  (void)atts;
  x->cur = -1;
  for (int i = 0; x->names[i]; i++)
    if (strcmp(name, x->names[i]) == 0 && !x->out[i]) {
      x->out[i] = calloc(1, 1);
      x->oom |= !x->out[i];
      x->cur = x->out[i] ? i : -1;
    }
}

static void XMLCALL xml_end(void *ud, const XML_Char *name)
{
  struct xml_pick *x = ud;

  (void)name;
  x->cur = -1;
}

static void XMLCALL xml_text(void *ud, const XML_Char *s, int len)
{
  struct xml_pick *x = ud;
  char *o, *n;
  size_t ol;

  if (x->cur < 0 || len <= 0)
    return;
  o = x->out[x->cur];
  ol = strlen(o);
  n = realloc(o, ol + (size_t)len + 1);
  if (!n) {
    x->oom = true;
    return;
  }
  memcpy(n + ol, s, (size_t)len);
  n[ol + (size_t)len] = '\0';
  x->out[x->cur] = n;
}

/* Fill out[] (zeroed by the caller) from the XML body; false when not XML. */
static bool xml_pick(const char *body, size_t len, const char *const *names, char **out)
{
  struct xml_pick x = { names, out, -1, false };
  XML_Parser p = XML_ParserCreate("UTF-8");
  bool ok;

  if (!p)
    return false;
  XML_SetUserData(p, &x);
  XML_SetElementHandler(p, xml_start, xml_end);
  XML_SetCharacterDataHandler(p, xml_text);
  ok = XML_Parse(p, body, (int)len, 1) == XML_STATUS_OK && !x.oom;
  XML_ParserFree(p);
  return ok;
}

static void free_picks(char **v, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    if (v[i])
      memset(v[i], 0, strlen(v[i]));
    free(v[i]);
  }
}

/* "prefix#Code" and "Code:http://..." become "Code". */
static void set_code(struct aws_error *err, const char *code)
{
  const char *h = strrchr(code, '#');
  size_t n;

  if (h)
    code = h + 1;
  n = strcspn(code, ":");
  if (n >= sizeof err->code)
    n = sizeof err->code - 1;
  memcpy(err->code, code, n);
  err->code[n] = '\0';
}

static void decode_json_error(const struct aws_response *rs, struct aws_error *err)
{
  json_t *j = json_loadb(rs->body, rs->body_len, 0, NULL);
  const char *code = json_string_value(json_object_get(j, "__type"));
  const char *msg = json_string_value(json_object_get(j, "message"));

  if (!code)
    code = json_string_value(json_object_get(j, "code"));
  if (!msg)
    msg = json_string_value(json_object_get(j, "Message"));
  if (!msg)
    msg = json_string_value(json_object_get(j, "errorMessage"));
  if (code && !err->code[0])
    set_code(err, code);
  if (msg)
    snprintf(err->message, sizeof err->message, "%s", msg);
  json_decref(j);
}

static void decode_xml_error(const struct aws_response *rs, struct aws_error *err)
{
  static const char *const names[] = { "Code", "Message", "RequestId", NULL };
  char *v[3] = { NULL, NULL, NULL };

  if (xml_pick(rs->body, rs->body_len, names, v) || v[0]) {
    if (v[0] && *v[0])
      set_code(err, v[0]);
    if (v[1])
      snprintf(err->message, sizeof err->message, "%s", v[1]);
    if (v[2] && !err->request_id[0])
      snprintf(err->request_id, sizeof err->request_id, "%s", v[2]);
  }
  free_picks(v, 3);
}

/* The request id of a reply into buf (headers, else nothing). */
static void reply_request_id(const struct aws_response *rs, char *buf, size_t size)
{
  const char *id = aws_response_header(rs, "x-amzn-requestid");

  if (!id)
    id = aws_response_header(rs, "x-amz-request-id");
  snprintf(buf, size, "%s", id ? id : "");
}

/* An error reply into err (kind SERVICE): code, message, request id. */
static void decode_error(const struct aws_response *rs, struct aws_error *err)
{
  const char *b = rs->body ? rs->body : "", *et = aws_response_header(rs, "x-amzn-errortype");

  err->kind = AWS_ERR_SERVICE;
  err->status = rs->status;
  err->code[0] = '\0';
  err->message[0] = '\0';
  reply_request_id(rs, err->request_id, sizeof err->request_id);
  if (et)
    set_code(err, et);
  while (*b && isspace((unsigned char)*b))
    b++;
  if (*b == '{')
    decode_json_error(rs, err);
  else if (*b == '<')
    decode_xml_error(rs, err);
  if (!err->code[0])
    snprintf(err->code, sizeof err->code, "%ld", rs->status);
  if (!err->message[0])
    snprintf(err->message, sizeof err->message, "HTTP %ld", rs->status);
}

/* }==== */

/* {==== retry policy ==== */

static bool in_list(const char *code, const char *const *list)
{
  for (int i = 0; list[i]; i++)
    if (strcmp(code, list[i]) == 0)
      return true;
  return false;
}

/* Standard mode: throttling and transient error codes, and 5xx statuses. */
static bool retryable_reply(const struct aws_error *err)
{
  static const char *const codes[] = {
    "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
    "TooManyRequestsException", "ProvisionedThroughputExceededException",
    "TransactionInProgressException", "RequestLimitExceeded", "BandwidthLimitExceeded",
    "LimitExceededException", "RequestThrottled", "SlowDown", "PriorRequestNotComplete",
    "EC2ThrottledException", "RequestTimeout", "RequestTimeoutException",
    "IDPCommunicationError", NULL
  };

  return in_list(err->code, codes) || err->status == 500 || err->status == 502 ||
         err->status == 503 || err->status == 504;
}

/* Would the standard retry mode retry this error reply (aws.h)? */
bool aws_retryable(const char *code, long status)
{
  struct aws_error e;

  memset(&e, 0, sizeof e);
  snprintf(e.code, sizeof e.code, "%s", code);
  e.status = status;
  return retryable_reply(&e);
}

static bool expired_token(const struct aws_error *err)
{
  static const char *const codes[] = { "ExpiredToken", "ExpiredTokenException",
                                       "RequestExpired", NULL };

  return err->kind == AWS_ERR_SERVICE && in_list(err->code, codes);
}

/* How long to wait before attempt `attempt` + 1 (attempt >= 1). */
static int64_t backoff_ms(struct aws_client *c, const struct aws_response *rs, int attempt)
{
  const char *ra = rs ? aws_response_header(rs, "retry-after") : NULL;
  int64_t cap = BACKOFF_BASE_MS;
  char *end;

  if (ra) {
    long s = strtol(ra, &end, 10);

    if (end != ra && *end == '\0' && s >= 0)
      return s * 1000 < BACKOFF_CAP_MS ? s * 1000 : BACKOFF_CAP_MS;
  }
  for (int i = 1; i < attempt && cap < BACKOFF_CAP_MS; i++)
    cap *= 2;
  if (cap > BACKOFF_CAP_MS)
    cap = BACKOFF_CAP_MS;
  return jitter(c, cap);
}

/* }==== */

/* {==== sending ==== */

/* A request ready for one attempt: URL, signature, header list. */
struct wire {
  char url[4096];
  char host[512];
  struct aws_header hdr[MAX_HEADERS];
  size_t nhdr;
  struct sigv4_result sig;
};

/* Endpoint and URL of rq; 0, or -1 with *err. */
static int build_url(const struct aws_client *c, const struct aws_request *rq, struct wire *w,
                     struct aws_error *err)
{
  char base[2048];
  size_t n;

  if (aws_endpoint_resolve(rq->service, rq->env_name, c->region, rq->global, base,
                           sizeof base, err) != 0)
    return -1;
  n = (size_t)snprintf(w->url, sizeof w->url, "%s%s%s%s", base, rq->path[0] ? rq->path : "/",
                       rq->query && *rq->query ? "?" : "", rq->query ? rq->query : "");
  if (n >= sizeof w->url || aws_endpoint_host(base, w->host, sizeof w->host) != 0) {
    aws_error_set(err, AWS_ERR_CONFIG, "the URL of the request is too long");
    return -1;
  }
  return 0;
}

/* Sign rq with creds and list every header to send in w->hdr. */
static int sign(const struct aws_client *c, const struct aws_request *rq,
                const struct aws_creds *cr, struct wire *w, struct aws_error *err)
{
  struct sigv4_params p;
  struct sigv4_request sr;

  if (rq->nheaders + 1 + SIGV4_MAX_ADDED > MAX_HEADERS) {
    aws_error_set(err, AWS_ERR_CONFIG, "too many request headers");
    return -1;
  }
  for (size_t i = 0; i < rq->nheaders; i++)
    if (strpbrk(rq->headers[i].name, "\r\n:") || strpbrk(rq->headers[i].value, "\r\n")) {
      aws_error_set(err, AWS_ERR_CONFIG, "request header %.64s has a line break",
                    rq->headers[i].name);
      return -1;
    }
  w->nhdr = 0;
  w->hdr[w->nhdr].name = (char *)"Host";
  w->hdr[w->nhdr++].value = w->host;
  for (size_t i = 0; i < rq->nheaders; i++)
    w->hdr[w->nhdr++] = rq->headers[i];
  memset(&p, 0, sizeof p);
  p.access_key = cr->access_key;
  p.secret_key = cr->secret_key;
  p.session_token = cr->session_token;
  p.region = c->region;
  p.service = rq->signing_name && *rq->signing_name ? rq->signing_name : rq->service;
  p.time_s = now_s();
  p.normalize_path = p.encode_path = !rq->s3;
  p.content_sha256_header = rq->s3;
  memset(&sr, 0, sizeof sr);
  sr.method = rq->method;
  sr.path = rq->path;
  sr.query = rq->query;
  sr.headers = w->hdr;
  sr.nheaders = w->nhdr;
  sr.body = rq->body;
  sr.body_len = rq->body_len;
  if (sigv4_sign(&p, &sr, &w->sig) != 0) {
    aws_error_set(err, AWS_ERR_NOMEM, "cannot sign the request (out of memory)");
    return -1;
  }
  for (size_t i = 0; i < w->sig.nadded; i++)
    w->hdr[w->nhdr++] = w->sig.added[i];
  return 0;
}

/* One attempt: 0 (a reply, any status) or -1 with *err (network, interrupt). */
static int attempt(struct aws_client *c, const struct aws_request *rq,
                   const struct aws_creds *cr, struct wire *w, struct aws_response *rs,
                   struct aws_error *err)
{
  struct aws_http_req hr;
  int rc;

  if (sign(c, rq, cr, w, err) != 0)
    return -1;
  hr.method = rq->method;
  hr.url = w->url;
  hr.headers = w->hdr;
  hr.nheaders = w->nhdr;
  hr.body = rq->body;
  hr.body_len = rq->body_len;
  hr.timeout_ms = SEND_TIMEOUT_MS;
  rc = aws_http_do(c->loop, &hr, rs, err);
  sigv4_result_free(&w->sig);
  return rc;
}

/* May this failed attempt be tried again? */
static bool should_retry(const struct aws_request *rq, const struct aws_error *err)
{
  if (err->kind == AWS_ERR_SERVICE)
    return retryable_reply(err);
  if (err->kind == AWS_ERR_NETWORK)
    return rq->idempotent || strcmp(err->code, "ConnectFailed") == 0;
  return false;
}

/* Take the cost of one more retry from the quota; false when it is spent. */
static bool take_quota(struct aws_client *c, const struct aws_error *err, int *cost)
{
  *cost = strcmp(err->code, "Timeout") == 0 ? QUOTA_TIMEOUT_COST : QUOTA_RETRY_COST;
  if (c->quota < *cost)
    return false;
  c->quota -= *cost;
  return true;
}

/* A call succeeded: give back the last retry's cost, or the small refill. */
static void refill_quota(struct aws_client *c, int last_cost)
{
  c->quota += last_cost > 0 ? last_cost : QUOTA_SUCCESS_REFILL;
  if (c->quota > QUOTA_MAX)
    c->quota = QUOTA_MAX;
}

/* Send rq with the credentials cr, retrying per the policy. */
static int send_with(struct aws_client *c, const struct aws_request *rq,
                     const struct aws_creds *cr, struct aws_response *rs,
                     struct aws_error *err)
{
  struct wire w;
  int cost = 0;

  memset(&w, 0, sizeof w);
  memset(rs, 0, sizeof *rs);
  if (build_url(c, rq, &w, err) != 0)
    return -1;
  for (int n = 1;; n++) {
    int64_t delay;

    err->attempts = n;
    if (attempt(c, rq, cr, &w, rs, err) == 0) {
      if (rs->status >= 200 && rs->status < 300) {
        reply_request_id(rs, rs->request_id, sizeof rs->request_id);
        err->kind = AWS_ERR_NONE;
        refill_quota(c, cost);
        return 0;
      }
      decode_error(rs, err);
    }
    if (n >= c->max_attempts || !should_retry(rq, err) || !take_quota(c, err, &cost)) {
      aws_response_free(rs);
      return -1;
    }
    delay = backoff_ms(c, rs, n);
    aws_response_free(rs);
    if (loop_sleep(c->loop, delay) != 0) {
      aws_error_set(err, AWS_ERR_INTERRUPTED, "interrupted while waiting to retry");
      err->attempts = n;
      return -1;
    }
  }
}

/* }==== */

/* {==== credentials ==== */

/* The form body of AssumeRole into b; false when out of memory. */
static bool assume_body(struct sh_buf *b, const char *role, const char *sess, const char *ext)
{
  const char *names[] = { "&RoleArn=", "&RoleSessionName=", "&ExternalId=" };
  const char *vals[] = { role, sess, ext };
  bool ok = sh_buf_append(b, "Action=AssumeRole&Version=2011-06-15", 36) == SH_OK;

  for (int i = 0; ok && i < 3; i++) {
    char *e;

    if (!vals[i])
      continue;
    e = sigv4_uri_encode(vals[i], strlen(vals[i]), false);
    ok = e && sh_buf_append(b, names[i], strlen(names[i])) == SH_OK &&
         sh_buf_append(b, e, strlen(e)) == SH_OK;
    free(e);
  }
  return ok;
}

/* The Credentials of an AssumeRole reply into *out. */
static int assume_reply(const struct aws_response *rs, struct aws_creds *out,
                        struct aws_error *err)
{
  static const char *const names[] = { "AccessKeyId", "SecretAccessKey", "SessionToken",
                                       "Expiration", NULL };
  char *v[4] = { NULL, NULL, NULL, NULL };
  int rc = -1;

  memset(out, 0, sizeof *out);
  if (!xml_pick(rs->body, rs->body_len, names, v) || !v[0] || !v[1] || !v[2])
    aws_error_set(err, AWS_ERR_CREDENTIALS, "STS AssumeRole: no credentials in the reply");
  else if (v[3] && aws_parse_iso8601(v[3]) < 0)
    aws_error_set(err, AWS_ERR_CREDENTIALS, "STS AssumeRole: Expiration is not a time");
  else {
    out->access_key = v[0];
    out->secret_key = v[1];
    out->session_token = v[2];
    out->expires_s = v[3] ? aws_parse_iso8601(v[3]) : 0;
    v[0] = v[1] = v[2] = NULL;
    rc = 0;
  }
  free_picks(v, 4);
  return rc;
}

/* rq as an STS query-protocol call (POST /, form body[0..len)), idempotent. */
static void sts_request(struct aws_request *rq, const char *body, size_t len)
{
  static const struct aws_header ct = { (char *)"Content-Type",
                                        (char *)"application/x-www-form-urlencoded; "
                                                "charset=utf-8" };

  memset(rq, 0, sizeof *rq);
  rq->service = rq->signing_name = "sts";
  rq->env_name = "STS";
  rq->method = "POST";
  rq->path = "/";
  rq->query = "";
  rq->headers = &ct;
  rq->nheaders = 1;
  rq->body = body;
  rq->body_len = len;
  rq->idempotent = true;
}

/* aws_assume_fn for the chain: STS AssumeRole signed with `with`. */
static int client_assume(void *ud, const struct aws_creds *with, const char *role_arn,
                         const char *session_name, const char *external_id,
                         struct aws_creds *out, struct aws_error *err)
{
  struct aws_client *c = ud;
  struct aws_request rq;
  struct aws_response rs;
  struct sh_buf b = { 0 };
  int rc = -1;

  if (!assume_body(&b, role_arn, session_name, external_id)) {
    sh_buf_free(&b);
    aws_error_set(err, AWS_ERR_NOMEM, "out of memory");
    return -1;
  }
  sts_request(&rq, b.data, b.len);
  if (send_with(c, &rq, with, &rs, err) == 0)
    rc = assume_reply(&rs, out, err);
  else if (err->kind == AWS_ERR_SERVICE || err->kind == AWS_ERR_NETWORK) {
    char m[sizeof err->message];

    snprintf(m, sizeof m, "%s", err->message);
    snprintf(err->message, sizeof err->message, "STS AssumeRole %.120s: %.90s%s%.250s", role_arn,
             err->code, err->code[0] ? ": " : "", m);
    err->kind = AWS_ERR_CREDENTIALS;
  }
  if (rs.body)
    memset(rs.body, 0, rs.body_len);
  aws_response_free(&rs);
  sh_buf_free(&b);
  return rc;
}

/*
** Make sure c->creds is usable (resolved, not near expiry, or force).  The
** chain resolves into a local struct that replaces c->creds only at the end:
** a fiber that waits meanwhile (an AssumeRole in flight) leaves the old
** credentials in place for the other fibers' calls.
*/
static int current_creds(struct aws_client *c, bool force, struct aws_error *err)
{
  struct aws_chain ch;
  struct aws_creds fresh;

  if (c->have_creds && !force &&
      (c->creds.expires_s == 0 || now_s() < c->creds.expires_s - REFRESH_BEFORE_S))
    return 0;
  memset(&ch, 0, sizeof ch);
  ch.loop = c->loop;
  ch.profiles = &c->profiles;
  ch.profile = c->profile;
  ch.profile_explicit = c->profile_explicit;
  ch.assume = client_assume;
  ch.assume_ud = c;
  if (aws_chain_resolve(&ch, &fresh, err) != 0)
    return -1;
  aws_creds_clear(&c->creds);
  c->creds = fresh;
  c->have_creds = true;
  return 0;
}

/* Send rq (see aws.h). */
int aws_send(struct aws_client *c, const struct aws_request *rq, struct aws_response *rs,
             struct aws_error *err)
{
  int rc;

  memset(err, 0, sizeof *err);
  memset(rs, 0, sizeof *rs);
  if (current_creds(c, false, err) != 0)
    return -1;
  rc = send_with(c, rq, &c->creds, rs, err);
  if (rc != 0 && expired_token(err)) {
    int tries = err->attempts;

    if (current_creds(c, true, err) != 0)
      return -1;
    rc = send_with(c, rq, &c->creds, rs, err);
    err->attempts += tries;
  }
  return rc;
}

/* }==== */

/* {==== the client ==== */

/* max_attempts: cfg, AWS_MAX_ATTEMPTS, the profile's, else 3.  -1 when invalid. */
static int pick_attempts(int given, const struct aws_profile *p)
{
  const char *v = getenv("AWS_MAX_ATTEMPTS");
  char *end;
  long n;

  if (given > 0)
    return given;
  if (!v || !*v)
    v = aws_profile_get(p, "max_attempts");
  if (!v || !*v)
    return 3;
  n = strtol(v, &end, 10);
  return *end == '\0' && n >= 1 && n <= 100 ? (int)n : -1;
}

static int configure(struct aws_client *c, const struct aws_client_config *cfg,
                     struct aws_error *err)
{
  const char *env_profile = getenv("AWS_PROFILE");
  const struct aws_profile *p;
  const char *region;

  c->profile_explicit = cfg->profile && *cfg->profile;
  c->profile = strdup(c->profile_explicit ? cfg->profile
                      : env_profile && *env_profile ? env_profile : "default");
  if (!c->profile) {
    aws_error_set(err, AWS_ERR_NOMEM, "out of memory");
    return -1;
  }
  p = aws_profiles_find(&c->profiles, c->profile);
  if (!p && strcmp(c->profile, "default") != 0) {
    aws_error_set(err, AWS_ERR_CONFIG, "the profile %s is not in the shared config or "
                  "credentials file", c->profile);
    return -1;
  }
  region = aws_region_resolve(cfg->region, p);
  if (!region) {
    aws_error_set(err, AWS_ERR_CONFIG, "no AWS region: pass --region, set AWS_REGION, or "
                  "give profile %s a region", c->profile);
    snprintf(err->code, sizeof err->code, "NoRegion");
    return -1;
  }
  if (!aws_region_valid(region)) {
    aws_error_set(err, AWS_ERR_CONFIG, "'%.64s' is not an AWS region name", region);
    snprintf(err->code, sizeof err->code, "InvalidRegion");
    return -1;
  }
  c->region = strdup(region);
  c->max_attempts = pick_attempts(cfg->max_attempts, p);
  if (!c->region) {
    aws_error_set(err, AWS_ERR_NOMEM, "out of memory");
    return -1;
  }
  if (c->max_attempts < 1) {
    aws_error_set(err, AWS_ERR_CONFIG, "max_attempts must be a whole number from 1 to 100");
    return -1;
  }
  return 0;
}

/* A client for the run (see aws.h). */
struct aws_client *aws_client_new(const struct aws_client_config *cfg, struct rbc_loop *loop,
                                  struct aws_error *err)
{
  struct aws_client *c = calloc(1, sizeof *c);

  memset(err, 0, sizeof *err);
  if (!c) {
    aws_error_set(err, AWS_ERR_NOMEM, "out of memory");
    return NULL;
  }
  c->loop = loop;
  c->quota = QUOTA_MAX;
  c->rng = (uint64_t)now_s() * 2654435761u ^ (uint64_t)getpid() ^ (uint64_t)(uintptr_t)c;
  if (c->rng == 0)
    c->rng = 88172645463325252u;
  if (aws_profiles_load(&c->profiles, err) != 0 || configure(c, cfg, err) != 0) {
    aws_client_free(c);
    return NULL;
  }
  return c;
}

/* Free c and wipe its credentials (see aws.h). */
void aws_client_free(struct aws_client *c)
{
  if (!c)
    return;
  aws_creds_clear(&c->creds);
  aws_profiles_free(&c->profiles);
  free(c->profile);
  free(c->region);
  free(c);
}

/* Preflight: credentials, then STS GetCallerIdentity (see aws.h). */
int aws_client_preflight(struct aws_client *c, struct aws_error *err)
{
  static const char body[] = "Action=GetCallerIdentity&Version=2011-06-15";
  struct aws_request rq;
  struct aws_response rs;

  sts_request(&rq, body, sizeof body - 1);
  if (aws_send(c, &rq, &rs, err) == 0) {
    aws_response_free(&rs);
    return 0;
  }
  if (err->kind == AWS_ERR_SERVICE && err->status >= 400 && err->status < 500 &&
      !retryable_reply(err)) {
    char m[sizeof err->message];

    snprintf(m, sizeof m, "%s", err->message);
    snprintf(err->message, sizeof err->message, "STS GetCallerIdentity rejected the %.30s "
             "credentials: %.90s: %.300s", c->creds.source ? c->creds.source : "", err->code, m);
    err->kind = AWS_ERR_CREDENTIALS;
  }
  return -1;
}

/* }==== */
