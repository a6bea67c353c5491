/*
** http.c: http.get/post/put/patch/delete/request and `assert http` on
** libcurl (http.h says how transfers run, the defaults and the secrets
** rule; docs/builtins.md "HTTP" is the user's page).
**
**   http.get(url, headers: {...}, body: "..." | json: value, timeout: 5s,
**            follow: true, insecure: true, cacert: "ca.pem")
**
** Reply: {status: int, headers: {lower-case name: string}, body: string,
** json: the parsed body when the content type is JSON (else null),
** time: duration, url: the final URL}.  Repeated response headers are
** joined with ", ".  Any HTTP status is a reply, not an error; only a
** transfer that gets no complete reply fails, with its own code:
**   RB5012 refused, RB5013 DNS, RB5014 timeout, RB5015 TLS, RB5016 reset /
**   empty reply, RB5017 body too large, RB5018 protocol (bad reply, too
**   many redirects), RB5019 bad URL; RB5006 anything else; RB5009 when the
**   run is interrupted.
*/
#define _GNU_SOURCE
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "stdlib/http.h"
#include "stdlib/loop.h"
#include "stdlib/sim.h"
#include "stdlib/natives_int.h"
#include "vm/bytecode.h"
#include "vm/value_json.h"

/* {==== libcurl set-up ==== */

/* Set when this file initialised libcurl for a host without a loop. */
static bool http_global_ready;

/* libcurl ready for host: through its loop, or once per process. */
int
http_curl_ready(const struct std_host *host)
{
  if (host != NULL && host->loop != NULL)
    return loop_curl_init(host->loop);
  if (!http_global_ready) {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
      return -1;
    http_global_ready = true;
  }
  return 0;
}

/* Only http and https, for the request and for redirects. */
static CURLcode
set_protocols(CURL *e)
{
#if LIBCURL_VERSION_NUM >= 0x075500
  CURLcode rc = curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");

  return rc != CURLE_OK ? rc : curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
  CURLcode rc = curl_easy_setopt(e, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));

  return rc != CURLE_OK ? rc : curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS,
                                                (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
}

/* The method and the body. */
static CURLcode
set_method(CURL *e, const char *method, const struct http_opts *o)
{
  CURLcode rc = CURLE_OK;

  if (strcmp(method, "HEAD") == 0)
    return curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
  if (strcmp(method, "GET") == 0 && o->body == NULL)
    return curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
  if (o->body != NULL || strcmp(method, "POST") == 0) {
    rc = curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)o->body_len);
    if (rc == CURLE_OK)
      rc = curl_easy_setopt(e, CURLOPT_POSTFIELDS, o->body != NULL ? o->body : "");
  }
  if (rc == CURLE_OK && strcmp(method, "POST") != 0)
    rc = curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
  return rc;
}

/* Timeouts, TLS and redirects from o. */
static CURLcode
set_limits(CURL *e, const struct http_opts *o)
{
  long connect = o->timeout_ms < HTTP_CONNECT_TIMEOUT_MS ? (long)o->timeout_ms
                                                         : HTTP_CONNECT_TIMEOUT_MS;
  CURLcode rc = curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)o->timeout_ms);

  if (rc == CURLE_OK)
    rc = curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, connect);
  if (rc == CURLE_OK)
    rc = curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)HTTP_MAX_BODY);
  if (rc == CURLE_OK)
    rc = curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, o->insecure ? 0L : 1L);
  if (rc == CURLE_OK)
    rc = curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, o->insecure ? 0L : 2L);
  if (rc == CURLE_OK && o->cacert != NULL)
    rc = curl_easy_setopt(e, CURLOPT_CAINFO, o->cacert);
  if (rc == CURLE_OK)
    rc = curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, o->follow ? 1L : 0L);
  if (rc == CURLE_OK)
    rc = curl_easy_setopt(e, CURLOPT_MAXREDIRS, (long)HTTP_MAX_REDIRECTS);
  return rc;
}

/* Everything a transfer needs on e (see http.h). */
int
http_setup(CURL *e, const char *method, const char *url, const struct http_opts *o)
{
  CURLcode rc = curl_easy_setopt(e, CURLOPT_URL, url);

  if (rc == CURLE_OK)
    rc = set_protocols(e);
  if (rc == CURLE_OK)
    rc = curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  if (rc == CURLE_OK)
    rc = curl_easy_setopt(e, CURLOPT_USERAGENT, "rbc");
  if (rc == CURLE_OK)
    rc = curl_easy_setopt(e, CURLOPT_HTTPHEADER, o->headers);
  if (rc == CURLE_OK)
    rc = set_method(e, method, o);
  if (rc == CURLE_OK)
    rc = set_limits(e, o);
  return rc == CURLE_OK ? 0 : -1;
}

/* }==== */

/* {==== failures ==== */

/* Was the transfer's failure a TLS problem? */
static bool
tls_error(CURLcode rc)
{
  switch (rc) {
  case CURLE_SSL_CONNECT_ERROR:
  case CURLE_PEER_FAILED_VERIFICATION:
  case CURLE_SSL_CERTPROBLEM:
  case CURLE_SSL_CIPHER:
  case CURLE_SSL_CACERT_BADFILE:
  case CURLE_SSL_ENGINE_NOTFOUND:
  case CURLE_SSL_ENGINE_SETFAILED:
  case CURLE_SSL_ENGINE_INITFAILED:
  case CURLE_SSL_ISSUER_ERROR:
  case CURLE_SSL_CRL_BADFILE:
  case CURLE_SSL_SHUTDOWN_FAILED:
  case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
  case CURLE_SSL_INVALIDCERTSTATUS:
  case CURLE_USE_SSL_FAILED:
    return true;
  default:
    return false;
  }
}

/* The code for a failed transfer (http.h). */
enum diag_code
http_code_of(CURLcode rc, bool too_large)
{
  if (too_large || rc == CURLE_FILESIZE_EXCEEDED)
    return DIAG_RB5017;
  if (tls_error(rc))
    return DIAG_RB5015;
  switch (rc) {
  case CURLE_COULDNT_CONNECT: return DIAG_RB5012;
  case CURLE_COULDNT_RESOLVE_HOST:
  case CURLE_COULDNT_RESOLVE_PROXY: return DIAG_RB5013;
  case CURLE_OPERATION_TIMEDOUT: return DIAG_RB5014;
  case CURLE_RECV_ERROR:
  case CURLE_SEND_ERROR:
  case CURLE_GOT_NOTHING:
  case CURLE_PARTIAL_FILE: return DIAG_RB5016;
  case CURLE_WEIRD_SERVER_REPLY:
  case CURLE_TOO_MANY_REDIRECTS:
  case CURLE_HTTP2:
  case CURLE_HTTP2_STREAM:
  case CURLE_BAD_CONTENT_ENCODING: return DIAG_RB5018;
  case CURLE_UNSUPPORTED_PROTOCOL: return DIAG_RB5018;   /* HTTP/0.9, a redirect to ftp: */
  case CURLE_URL_MALFORMAT: return DIAG_RB5019;
  case CURLE_ABORTED_BY_CALLBACK: return DIAG_RB5009;
  default: return DIAG_RB5006;
  }
}

/* The phrase for a failed transfer (http.h). */
const char *
http_phrase_of(CURLcode rc, bool too_large)
{
  switch (http_code_of(rc, too_large)) {
  case DIAG_RB5012: return "connection refused";
  case DIAG_RB5013: return "cannot resolve the host name";
  case DIAG_RB5014: return "timed out";
  case DIAG_RB5015: return "TLS handshake or certificate verification failed";
  case DIAG_RB5016: return "connection reset or closed before a complete reply";
  case DIAG_RB5017: return "response body larger than the limit";
  case DIAG_RB5018: return "invalid HTTP reply";
  case DIAG_RB5019: return "bad or unsupported URL";
  case DIAG_RB5009: return "interrupted";
  default: return "request failed";
  }
}

/* The short status word of the action event for a failed transfer. */
static const char *
action_status(CURLcode rc, bool too_large)
{
  switch (http_code_of(rc, too_large)) {
  case DIAG_RB5012: return "refused";
  case DIAG_RB5013: return "dns-error";
  case DIAG_RB5014: return "timed-out";
  case DIAG_RB5015: return "tls-error";
  case DIAG_RB5016: return "reset";
  case DIAG_RB5017: return "too-large";
  case DIAG_RB5018: return "protocol-error";
  case DIAG_RB5019: return "bad-url";
  case DIAG_RB5009: return "interrupted";
  default: return "error";
  }
}

/* The URL as messages show it (http.h). */
void
http_url_shown(struct rbc_value url, char *buf, size_t size)
{
  if (url.type != VAL_STRING || url.secret)
    snprintf(buf, size, "***");
  else
    snprintf(buf, size, "%.300s", std_shown(url));
}

/* }==== */

/* {==== options ==== */

/* The option `name` from the call's named arguments or the options map. */
static const struct rbc_value *
opt_get(const struct http_optsrc *src, const char *name)
{
  if (src->map != NULL)
    return val_map_get(*src->map, name, strlen(name));
  return std_named(src->call, name);
}

/* Record "FNAME(): NAME: must be WANT, got TYPE". */
static int
opt_type(const struct http_optsrc *src, const char *name, const char *want,
         struct rbc_value got)
{
  return std_error(src->call, "%s(): %s: must be %s, got %s", src->fname, name, want,
                   val_kind(got));
}

/* Register a secret's bytes with the host (so echoes of it are scrubbed). */
static void
register_secret(const struct std_call *call, const char *bytes, size_t len)
{
  const struct std_host *h = call->host;

  if (h != NULL && h->add_secret != NULL)
    h->add_secret(h->ctx, bytes, len);
}

/* Is name a valid header field name (RFC 9110 token)? */
static bool
header_name_ok(const char *s, size_t n)
{
  if (n == 0 || n > 256)
    return false;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c <= 32 || c >= 127 || strchr("\"(),/:;<=>?@[\\]{}", c) != NULL)
      return false;
  }
  return true;
}

/* Append "Name: value" to o->headers; value is any scalar in its display form. */
static int
add_header(const struct http_optsrc *src, struct http_opts *o, const char *key, size_t klen,
           struct rbc_value v, bool map_secret)
{
  struct val_buf b;
  struct curl_slist *l;
  int rc = 0, shown = (int)(klen < 64 ? klen : 64);

  if (!header_name_ok(key, klen))
    return std_error(src->call, "%s(): headers: \"%.*s\" is not a valid header name",
                     src->fname, map_secret ? 3 : shown, map_secret ? "***" : key);
  if (v.type == VAL_LIST || v.type == VAL_MAP || v.type == VAL_NULL || v.type == VAL_FN)
    return std_error(src->call, "%s(): headers: %.*s must be a string or a number, got %s",
                     src->fname, shown, key, val_kind(v));
  val_buf_init(&b);
  val_buf_append(&b, key, klen);
  val_buf_append(&b, ": ", 2);
  val_buf_append_value(&b, v, VAL_FMT_RAW);
  if (!b.oom && b.len == klen + 2) {    /* an empty value: libcurl's "Name;" form */
    b.len = klen;
    val_buf_append(&b, ";", 1);
  }
  if (b.oom)
    rc = std_oom(src->call, STD_BI_http_request);
  else if (memchr(b.data, '\r', b.len) != NULL || memchr(b.data, '\n', b.len) != NULL
           || strlen(b.data) != b.len)
    rc = std_error(src->call, "%s(): headers: the value of %.*s holds a line break or NUL",
                   src->fname, shown, key);
  if (rc == 0 && (v.secret || map_secret) && b.len > klen + 2) {
    o->secret = true;
    register_secret(src->call, b.data + klen + 2, b.len - klen - 2);
  }
  if (rc == 0) {
    l = curl_slist_append(o->headers, b.data);
    if (l == NULL)
      rc = std_oom(src->call, STD_BI_http_request);
    else
      o->headers = l;
  }
  val_buf_free(&b);
  return rc;
}

/* Read headers: (a map) into o->headers, plus "Expect:" (no 100-continue wait). */
static int
read_headers(const struct http_optsrc *src, struct http_opts *o, bool json)
{
  const struct rbc_value *h = opt_get(src, "headers"), *v;
  const char *key;
  size_t klen, pos = 0;
  bool has_type = false;
  struct curl_slist *l;

  if (h != NULL && h->type != VAL_NULL && h->type != VAL_MAP)
    return opt_type(src, "headers", "a map", *h);
  while (h != NULL && h->type == VAL_MAP && val_map_next(*h, &pos, &key, &klen, &v)) {
    if (add_header(src, o, key, klen, *v, h->secret) < 0)
      return -1;
    has_type = has_type || (klen == 12 && strncasecmp(key, "content-type", 12) == 0);
  }
  if (o->body != NULL) {                /* no 100-continue round trip */
    l = curl_slist_append(o->headers, "Expect:");
    if (l == NULL)
      return std_oom(src->call, STD_BI_http_request);
    o->headers = l;
  }
  if (json && !has_type) {
    l = curl_slist_append(o->headers, "Content-Type: application/json");
    if (l == NULL)
      return std_oom(src->call, STD_BI_http_request);
    o->headers = l;
  }
  return 0;
}

/* Keep a copy of bytes as the request body. */
static int
set_body(const struct http_optsrc *src, struct http_opts *o, const char *bytes, size_t len,
         bool secret)
{
  o->body = malloc(len + 1);
  if (o->body == NULL)
    return std_oom(src->call, STD_BI_http_request);
  memcpy(o->body, bytes, len);
  o->body[len] = '\0';
  o->body_len = len;
  if (secret) {
    o->secret = true;
    register_secret(src->call, bytes, len);
  }
  return 0;
}

/* Read body: (a string) or json: (any value, encoded); not both. */
static int
read_body(const struct http_optsrc *src, struct http_opts *o, bool *json)
{
  const struct rbc_value *body = opt_get(src, "body"), *j = opt_get(src, "json");
  struct rbc_value text;
  struct val_err err;
  int rc;

  *json = j != NULL && j->type != VAL_NULL;
  if (body != NULL && body->type == VAL_NULL)
    body = NULL;
  if (body != NULL && *json)
    return std_error(src->call, "%s(): give body: or json:, not both", src->fname);
  if (body != NULL) {
    if (body->type != VAL_STRING)
      return opt_type(src, "body", "a string (use json: for a value)", *body);
    return set_body(src, o, val_str_data(*body), val_str_len(*body), body->secret);
  }
  if (!*json)
    return 0;
  if (val_json_encode(*j, 0, &text, &err) != VAL_OK)
    return std_error(src->call, "%s(): json: %s", src->fname, err.msg);
  rc = set_body(src, o, val_str_data(text), val_str_len(text), text.secret);
  val_release(text);
  return rc;
}

/* A bool option (absent or null: false). */
static int
read_flag(const struct http_optsrc *src, const char *name, bool *out)
{
  const struct rbc_value *v = opt_get(src, name);

  *out = false;
  if (v == NULL || v->type == VAL_NULL)
    return 0;
  if (v->type != VAL_BOOL)
    return opt_type(src, name, "a bool", *v);
  *out = v->as.b;
  return 0;
}

/* timeout: (a duration > 0) and cacert: (a path, against the workdir). */
static int
read_limits(const struct http_optsrc *src, struct http_opts *o)
{
  const struct rbc_value *t = opt_get(src, "timeout"), *ca = opt_get(src, "cacert");
  const char *workdir = src->call->host != NULL ? src->call->host->workdir : NULL;

  o->timeout_ms = HTTP_TIMEOUT_MS;
  if (t != NULL && t->type != VAL_NULL) {
    if (t->type != VAL_DURATION)
      return opt_type(src, "timeout", "a duration", *t);
    if (t->as.i <= 0)
      return std_error(src->call, "%s(): timeout: must be more than 0s", src->fname);
    o->timeout_ms = t->as.i;
  }
  if (ca == NULL || ca->type == VAL_NULL)
    return 0;
  if (ca->type != VAL_STRING)
    return opt_type(src, "cacert", "a string (a file path)", *ca);
  if (val_str_len(*ca) == 0 || memchr(val_str_data(*ca), '\0', val_str_len(*ca)) != NULL)
    return std_error(src->call, "%s(): cacert: the path is empty or holds a NUL byte",
                     src->fname);
  if (std_join_path(workdir, val_str_data(*ca), val_str_len(*ca), &o->cacert) < 0)
    return std_oom(src->call, STD_BI_http_request);
  return 0;
}

/* Read every option (http.h). */
int
http_opts_read(const struct http_optsrc *src, struct http_opts *o)
{
  bool json = false;

  memset(o, 0, sizeof *o);
  o->timeout_ms = HTTP_TIMEOUT_MS;
  if (src->map != NULL && src->map->type != VAL_MAP)
    return std_error(src->call, "%s: the options must be a map", src->fname);
  if (read_body(src, o, &json) < 0 || read_headers(src, o, json) < 0)
    return -1;
  if (read_flag(src, "follow", &o->follow) < 0 || read_flag(src, "insecure", &o->insecure) < 0)
    return -1;
  return read_limits(src, o);
}

/* Release the options (http.h). */
void
http_opts_free(struct http_opts *o)
{
  curl_slist_free_all(o->headers);
  free(o->body);
  free(o->cacert);
  memset(o, 0, sizeof *o);
}

/* }==== */

/* {==== one transfer ==== */

/* What a transfer collects. */
struct http_reply {
  char *body;                   /* malloc'ed, NUL-terminated when body_len > 0 */
  size_t body_len, body_cap;    /* bytes kept, bytes allocated */
  bool too_large;               /* the body passed HTTP_MAX_BODY: transfer aborted */
  bool oom;                     /* an allocation failed in a callback */
  struct rbc_value headers;     /* map: lower-case name -> value (owned) */
  int nheaders;                 /* header lines kept in this response */
  char errbuf[CURL_ERROR_SIZE]; /* libcurl's detail for a failure */
  CURLcode rc;                  /* how the transfer ended */
  char *final;                  /* the final URL (malloc'ed), NULL: the request's */
  long status;                  /* HTTP status */
  int64_t time_ms;              /* total time */
};

/* libcurl's body callback: keep up to HTTP_MAX_BODY bytes. */
static size_t
on_body(char *data, size_t size, size_t n, void *ud)
{
  struct http_reply *r = ud;
  size_t len = size * n, cap;
  char *p;

  if (len > HTTP_MAX_BODY - r->body_len) {
    r->too_large = true;
    return 0;
  }
  if (r->body_len + len + 1 > r->body_cap) {
    cap = r->body_cap ? r->body_cap : 4096;
    while (cap < r->body_len + len + 1)
      cap *= 2;
    p = realloc(r->body, cap);
    if (p == NULL) {
      r->oom = true;
      return 0;
    }
    r->body = p;
    r->body_cap = cap;
  }
  memcpy(r->body + r->body_len, data, len);
  r->body_len += len;
  r->body[r->body_len] = '\0';
  return len;
}

/* Store one "name: value" header line (name lower-cased; repeats joined with ", "). */
static void
keep_header(struct http_reply *r, char *name, size_t nlen, const char *val, size_t vlen)
{
  const struct rbc_value *old;
  struct rbc_value s;
  struct val_buf b;
  struct val_err err;

  for (size_t i = 0; i < nlen; i++)
    name[i] = (char)tolower((unsigned char)name[i]);
  val_buf_init(&b);
  old = val_map_get(r->headers, name, nlen);
  if (old != NULL && old->type == VAL_STRING) {
    val_buf_append(&b, val_str_data(*old), val_str_len(*old));
    val_buf_append(&b, ", ", 2);
  }
  val_buf_append(&b, val, vlen);
  if (b.oom || val_string_new(b.data != NULL ? b.data : "", b.len, &s, &err) != VAL_OK) {
    r->oom = true;
  } else {
    if (val_map_set(&r->headers, name, nlen, s, &err) != VAL_OK)
      r->oom = true;
    val_release(s);
  }
  val_buf_free(&b);
}

/* libcurl's header callback: a status line starts a new response (redirects, 100). */
static size_t
on_header(char *data, size_t size, size_t n, void *ud)
{
  struct http_reply *r = ud;
  size_t len = size * n, nlen;
  struct val_err err;
  char *colon;

  if (len >= 5 && memcmp(data, "HTTP/", 5) == 0) {
    val_release(r->headers);
    r->nheaders = 0;
    if (val_map_new(&r->headers, &err) != VAL_OK) {
      r->headers = val_null();
      r->oom = true;
    }
    return len;
  }
  while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == '\r'))
    len--;
  colon = memchr(data, ':', len);
  if (colon == NULL || r->headers.type != VAL_MAP || r->nheaders >= HTTP_MAX_HEADERS)
    return size * n;
  nlen = (size_t)(colon - data);
  colon++;
  while (colon < data + len && (*colon == ' ' || *colon == '\t'))
    colon++;
  r->nheaders++;
  keep_header(r, data, nlen, colon, (size_t)(data + len - colon));
  return size * n;
}

/* Milliseconds on the real monotonic clock (transfers take real time). */
static int64_t
real_ms(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Run e to completion on the host's loop (or alone); r->rc says how it ended. */
static void
perform(const struct std_host *host, CURL *e, struct http_reply *r)
{
  curl_off_t us = 0;
  int64_t t0 = real_ms();
  char *eff = NULL;

  if (host != NULL && host->loop != NULL)
    loop_curl_perform(host->loop, e, &r->rc);
  else
    r->rc = curl_easy_perform(e);
  if (r->rc == CURLE_OPERATION_TIMEDOUT && strncmp(r->errbuf, "Resolving timed out", 19) == 0)
    r->rc = CURLE_COULDNT_RESOLVE_HOST;   /* a DNS failure, whatever its form */
  if (r->rc == CURLE_OK) {
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &r->status);
    if (curl_easy_getinfo(e, CURLINFO_TOTAL_TIME_T, &us) == CURLE_OK)
      r->time_ms = (int64_t)((us + 500) / 1000);
    if (curl_easy_getinfo(e, CURLINFO_EFFECTIVE_URL, &eff) == CURLE_OK && eff != NULL) {
      r->final = strdup(eff);
      r->oom = r->oom || r->final == NULL;
    }
  } else {
    r->time_ms = real_ms() - t0;
  }
}

/*
** rbc test (stdlib/sim.h): the scenario answers instead of the network.
** 0 with *r filled as a transfer would fill it (r->rc CURLE_OK or the
** failure the scenario asked for), or -1 with RB5060 recorded when the
** scenario does not describe the request.
*/
static int
simulate(struct std_call *call, const char *method, const char *u, bool secret,
         const struct http_opts *o, struct http_reply *r)
{
  static const CURLcode fails[] = {
    [SIM_NET_NONE] = CURLE_OK, [SIM_NET_REFUSED] = CURLE_COULDNT_CONNECT,
    [SIM_NET_TIMEOUT] = CURLE_OPERATION_TIMEDOUT, [SIM_NET_DNS] = CURLE_COULDNT_RESOLVE_HOST,
    [SIM_NET_RESET] = CURLE_RECV_ERROR, [SIM_NET_TLS] = CURLE_PEER_FAILED_VERIFICATION
  };
  const struct sim *sim = loop_sim(call->host->loop);
  struct sim_http_req rq = { method, u, o->body, o->body_len, secret };
  struct sim_http_reply rp;

  memset(&rp, 0, sizeof rp);
  if (sim->http == NULL || sim->http(sim->ctx, &rq, &rp) != SIM_ANSWERED)
    return std_error_code(call, DIAG_RB5060, "%.20s %s: not described by the scenario", method,
                          secret ? "***" : u);
  r->rc = fails[rp.error];
  r->time_ms = rp.delay_ms;
  r->status = rp.status;
  r->body = rp.body;
  r->body_len = rp.body_len;
  r->body_cap = rp.body_len;
  if (r->body_len > HTTP_MAX_BODY)
    r->too_large = true;
  if (rp.content_type != NULL)
    keep_header(r, (char[]){ "content-type" }, 12, rp.content_type, strlen(rp.content_type));
  free(rp.content_type);
  if (r->rc != CURLE_OK)
    snprintf(r->errbuf, sizeof r->errbuf, "simulated by the scenario");
  return 0;
}

/* Set map[key] = the string text[0..len). */
static void
export_str(struct rbc_value *map, const char *key, const char *text, size_t len)
{
  struct rbc_value v;
  struct val_err err;

  if (val_string_new(text, len, &v, &err) != VAL_OK)
    return;
  val_map_set(map, key, strlen(key), v, &err);
  val_release(v);
}

/*
** The `http` action's exports (docs/journal.md): method, the URL as shown
** (masked), and for a reply its status, content-type and body (cut at
** STD_EXPORT_TEXT_MAX bytes, body_truncated then); "secret": true when a
** header or the body carried a secret (never shown).  false when out of memory.
*/
static bool
exports(const struct std_host *host, const char *method, const char *shown, bool secret,
        const struct http_reply *r, struct rbc_value *map)
{
  const struct rbc_value *ct;
  struct val_err err;

  if (val_map_new(map, &err) != VAL_OK)
    return false;
  export_str(map, "method", method, strlen(method));
  export_str(map, "url", shown, strlen(shown));
  if (secret)
    val_map_set(map, "secret", 6, val_bool(true), &err);
  if (r->rc != CURLE_OK || r->too_large)
    return true;
  val_map_set(map, "status", 6, val_int(r->status), &err);
  ct = val_map_get(r->headers, "content-type", 12);
  if (ct != NULL && ct->type == VAL_STRING)
    val_map_set(map, "content_type", 12, *ct, &err);
  if (std_export_text(host, map, "body", "body_truncated", r->body, r->body_len) < 0) {
    val_release(*map);
    return false;
  }
  return true;
}

/* Journal the request: kind http, call "METHOD URL", status "200" or the failure word. */
static void
journal(const struct std_host *host, const char *method, const char *shown, bool secret,
        const struct http_reply *r)
{
  char call[400], status[32];
  struct rbc_value ex;
  bool have;

  if (host == NULL || (host->action == NULL && host->action_exports == NULL))
    return;
  snprintf(call, sizeof call, "%.20s %s", method, shown);
  if (r->rc == CURLE_OK && !r->too_large)
    snprintf(status, sizeof status, "%ld", r->status);
  else
    snprintf(status, sizeof status, "%s", action_status(r->rc, r->too_large));
  have = host->action_exports != NULL && exports(host, method, shown, secret, r, &ex);
  std_host_action(host, "http", call, status, r->time_ms, have ? &ex : NULL);
  if (have)
    val_release(ex);
}

/* Record the failure of a transfer: "METHOD URL: phrase (detail)". */
static int
transfer_failed(struct std_call *call, const char *method, struct rbc_value url,
                const struct http_reply *r)
{
  char shown[320];
  bool detail = !url.secret && r->errbuf[0] != '\0' && !r->too_large;

  http_url_shown(url, shown, sizeof shown);
  if (r->oom)
    return std_oom(call, STD_BI_http_request);
  return std_error_code(call, http_code_of(r->rc, r->too_large), "%.20s %s: %s%s%.200s%s",
                        method, shown, http_phrase_of(r->rc, r->too_large),
                        detail ? " (" : "", detail ? r->errbuf : "", detail ? ")" : "");
}

/* Check that u is an absolute http or https URL (http.h). */
int
http_check_url(struct std_call *call, const char *method, const char *u, const char *shown)
{
  CURLU *h = curl_url();
  char *scheme = NULL;
  int rc = 0;

  if (h == NULL)
    return std_oom(call, STD_BI_http_request);
  if (curl_url_set(h, CURLUPART_URL, u, 0) != CURLUE_OK)
    rc = std_error_code(call, DIAG_RB5019, "%s %s: malformed URL (write http://HOST/PATH)",
                        method, shown);
  else if (curl_url_get(h, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK
           || (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0))
    rc = std_error_code(call, DIAG_RB5019, "%s %s: only http and https URLs are supported",
                        method, shown);
  curl_free(scheme);
  curl_url_cleanup(h);
  return rc;
}

/*
** Perform METHOD url with options o; on success *r holds the reply (the
** caller frees it with reply_free).  0, or -1 with the problem recorded.
*/
static int
request(struct std_call *call, const char *method, struct rbc_value url,
        const struct http_opts *o, struct http_reply *r)
{
  const struct std_host *host = call->host;
  char shown[320], *u;
  CURL *e;
  int rc = -1;

  http_url_shown(url, shown, sizeof shown);
  if (url.secret)
    register_secret(call, val_str_data(url), val_str_len(url));
  if (http_curl_ready(host) < 0)
    return std_error_code(call, DIAG_RB5006, "%s %s: cannot initialise libcurl", method, shown);
  u = strndup(val_str_data(url), val_str_len(url));
  e = u != NULL ? curl_easy_init() : NULL;
  if (e == NULL || val_map_new(&r->headers, NULL) != VAL_OK) {
    free(u);
    curl_easy_cleanup(e);
    return std_oom(call, STD_BI_http_request);
  }
  if (http_check_url(call, method, u, shown) < 0) {
    rc = -1;
  } else if (http_setup(e, method, u, o) < 0
      || curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body) != CURLE_OK
      || curl_easy_setopt(e, CURLOPT_WRITEDATA, r) != CURLE_OK
      || curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header) != CURLE_OK
      || curl_easy_setopt(e, CURLOPT_HEADERDATA, r) != CURLE_OK
      || curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->errbuf) != CURLE_OK) {
    rc = std_error_code(call, DIAG_RB5006, "%s %s: libcurl refused an option", method, shown);
  } else if (host != NULL && loop_sim(host->loop) != NULL) {
    rc = simulate(call, method, u, url.secret || o->secret, o, r);
    if (rc == 0) {
      journal(host, method, shown, url.secret || o->secret, r);
      rc = r->rc == CURLE_OK && !r->oom ? 0 : transfer_failed(call, method, url, r);
    }
  } else {
    perform(host, e, r);
    journal(host, method, shown, url.secret || o->secret, r);
    rc = r->rc == CURLE_OK && !r->oom ? 0 : transfer_failed(call, method, url, r);
  }
  free(u);
  curl_easy_cleanup(e);
  return rc;
}

/* Release a reply. */
static void
reply_free(struct http_reply *r)
{
  free(r->body);
  free(r->final);
  val_release(r->headers);
  memset(r, 0, sizeof *r);
}

/* }==== */

/* {==== the reply value ==== */

/* Does the reply's content type say JSON (application/json, anything+json)? */
static bool
is_json(const struct http_reply *r)
{
  const struct rbc_value *ct = val_map_get(r->headers, "content-type", 12);
  const char *s, *end;

  if (ct == NULL || ct->type != VAL_STRING)
    return false;
  s = val_str_data(*ct);
  end = memchr(s, ';', val_str_len(*ct));
  if (end == NULL)
    end = s + val_str_len(*ct);
  while (end > s && end[-1] == ' ')
    end--;
  if ((size_t)(end - s) == 16 && strncasecmp(s, "application/json", 16) == 0)
    return true;
  return end - s > 5 && strncasecmp(end - 5, "+json", 5) == 0;
}

/* The body parsed as JSON into *out, or null when it is not JSON.  -1 only on OOM. */
static int
parse_json(const struct http_reply *r, struct rbc_value *out)
{
  struct val_err err;
  enum val_status st;

  *out = val_null();
  st = val_json_parse(r->body != NULL ? r->body : "", r->body_len, false, out, &err);
  if (st == VAL_ERR_OOM)
    return -1;
  if (st != VAL_OK)
    *out = val_null();
  return 0;
}

/* The final URL (the request's when libcurl had none), secret when the request's was. */
static int
final_url(const struct http_reply *r, struct rbc_value url, struct rbc_value *out)
{
  if (r->final == NULL) {
    *out = val_retain(url);
    return 0;
  }
  if (val_string_cstr(r->final, out, NULL) != VAL_OK)
    return -1;
  out->secret = url.secret;
  return 0;
}

/* Build {status, headers, body, json, time, url} from r; 0, or -1 on OOM. */
static int
reply_map(const struct http_reply *r, struct rbc_value url, struct rbc_value *out)
{
  struct rbc_value map, body, json = val_null(), final;
  struct val_err err;

  if (val_map_new(&map, &err) != VAL_OK)
    return -1;
  if (std_map_put(&map, "status", val_int(r->status)) < 0
      || std_map_put(&map, "headers", val_retain(r->headers)) < 0
      || val_string_new(r->body != NULL ? r->body : "", r->body_len, &body, &err) != VAL_OK
      || std_map_put(&map, "body", body) < 0
      || (is_json(r) && parse_json(r, &json) < 0)
      || std_map_put(&map, "json", json) < 0
      || std_map_put(&map, "time", val_duration(r->time_ms)) < 0
      || final_url(r, url, &final) < 0
      || std_map_put(&map, "url", final) < 0) {
    val_release(map);
    return -1;
  }
  *out = map;
  return 0;
}

/* }==== */

/* {==== the built-ins ==== */

/* Is method an HTTP token (upper-case letters, at most 20)? */
static bool
method_ok(const char *m, size_t n)
{
  if (n == 0 || n > 20)
    return false;
  for (size_t i = 0; i < n; i++)
    if (!(m[i] >= 'A' && m[i] <= 'Z'))
      return false;
  return true;
}

/* method url [options] -> reply map; url is positional argument url_arg. */
static int
http_call(struct std_call *call, enum std_builtin_id id, const char *method, int url_arg,
          struct rbc_value *out)
{
  struct http_optsrc src = { call, NULL, std_builtins[id].name };
  struct rbc_value url = call->args[url_arg];
  struct http_opts o;
  struct http_reply r;
  int rc = -1;

  if (url.type != VAL_STRING)
    return std_type_error(call, id, url_arg + 1, "a string (a URL)", url);
  if (memchr(val_str_data(url), '\0', val_str_len(url)) != NULL)
    return std_error_code(call, DIAG_RB5019, "%s(): the URL holds a NUL byte",
                          std_builtins[id].name);
  memset(&r, 0, sizeof r);
  if (http_opts_read(&src, &o) == 0 && request(call, method, url, &o, &r) == 0) {
    rc = reply_map(&r, url, out);
    if (rc < 0)
      std_oom(call, id);
  }
  reply_free(&r);
  http_opts_free(&o);
  return rc;
}

/* http.get(url, ...) */
int
std_http_get(struct std_call *call, struct rbc_value *out)
{
  if (std_check_args(call, STD_BI_http_get) < 0)
    return -1;
  return http_call(call, STD_BI_http_get, "GET", 0, out);
}

/* http.post(url, ...) */
int
std_http_post(struct std_call *call, struct rbc_value *out)
{
  if (std_check_args(call, STD_BI_http_post) < 0)
    return -1;
  return http_call(call, STD_BI_http_post, "POST", 0, out);
}

/* http.put(url, ...) */
int
std_http_put(struct std_call *call, struct rbc_value *out)
{
  if (std_check_args(call, STD_BI_http_put) < 0)
    return -1;
  return http_call(call, STD_BI_http_put, "PUT", 0, out);
}

/* http.patch(url, ...) */
int
std_http_patch(struct std_call *call, struct rbc_value *out)
{
  if (std_check_args(call, STD_BI_http_patch) < 0)
    return -1;
  return http_call(call, STD_BI_http_patch, "PATCH", 0, out);
}

/* http.delete(url, ...) */
int
std_http_delete(struct std_call *call, struct rbc_value *out)
{
  if (std_check_args(call, STD_BI_http_delete) < 0)
    return -1;
  return http_call(call, STD_BI_http_delete, "DELETE", 0, out);
}

/* http.request(method, url, ...): any method, upper-case letters only. */
int
std_http_request(struct std_call *call, struct rbc_value *out)
{
  struct rbc_value m;
  char method[24];

  if (std_check_args(call, STD_BI_http_request) < 0)
    return -1;
  m = call->args[0];
  if (m.type != VAL_STRING)
    return std_type_error(call, STD_BI_http_request, 1, "a string (a method)", m);
  if (!method_ok(val_str_data(m), val_str_len(m)))
    return std_error(call, "http.request(): \"%.40s\" is not a method (upper-case letters, "
                     "such as GET or OPTIONS)", std_shown(m));
  snprintf(method, sizeof method, "%s", val_str_data(m));
  return http_call(call, STD_BI_http_request, method, 1, out);
}

/* }==== */

/* {==== JSON paths ==== */

/*
** One step of a JSON path: `.name`, `name` (first step), `[N]`, `["key"]`
** or `['key']`, from *p.  On success *key and *klen are a member name or *index
** an item (klen == SIZE_MAX marks an index).  0, 1 at the end, -1 malformed.
*/
static int
path_step(const char **p, const char **key, size_t *klen, int64_t *index)
{
  const char *s = *p;

  if (*s == '\0')
    return 1;
  if (*s == '[' && (s[1] == '"' || s[1] == '\'')) {
    const char *end = strchr(s + 2, s[1]);
    if (end == NULL || end[1] != ']')
      return -1;
    *key = s + 2;
    *klen = (size_t)(end - s - 2);
    *p = end + 2;
    return 0;
  }
  if (*s == '[') {
    char *end;
    *index = strtoll(s + 1, &end, 10);
    if (end == s + 1 || *end != ']')
      return -1;
    *klen = SIZE_MAX;
    *p = end + 1;
    return 0;
  }
  if (*s == '.')
    s++;
  *key = s;
  while (*s != '\0' && *s != '.' && *s != '[')
    s++;
  *klen = (size_t)(s - *key);
  *p = s;
  return *klen == 0 ? -1 : 0;
}

/*
** The value at path in root (borrowed; NULL when missing).  *bad is set
** when the path is malformed.  "$" alone, or "", is root.
*/
static const struct rbc_value *
json_at(const struct rbc_value *root, const char *path, bool *bad)
{
  const struct rbc_value *v = root;
  const char *p = path, *key = NULL;
  size_t klen = 0;
  int64_t index = 0;
  int st = 0;

  *bad = false;
  if (*p == '$')
    p++;
  while (v != NULL) {
    st = path_step(&p, &key, &klen, &index);
    if (st != 0)
      break;
    if (klen == SIZE_MAX)
      v = v->type == VAL_LIST && index >= 0 && (uint64_t)index < val_list_len(*v)
          ? val_list_at(*v, (size_t)index) : NULL;
    else
      v = v->type == VAL_MAP ? val_map_get(*v, key, klen) : NULL;
  }
  *bad = st < 0;
  return *bad ? NULL : v;
}

/* }==== */

/* {==== assert http ==== */

/* What one assert http knows while it checks the reply. */
struct assert_ctx {
  const struct http_assert *a;
  const struct http_reply *r;
  struct http_failure *f;
  char shown[320];              /* the URL as messages show it */
  struct rbc_value json;        /* the body parsed (owned), once needed */
  bool json_done;               /* json was attempted */
};

/* A value's masked display form (quoted strings) into b. */
static void
shown_value(struct val_buf *b, struct rbc_value v)
{
  val_buf_append_value(b, v, VAL_FMT_MASKED | VAL_FMT_QUOTED);
}

/* The first bytes of the body, printable and quoted, into b. */
static void
body_excerpt(struct val_buf *b, const struct http_reply *r)
{
  size_t n = r->body_len < 120 ? r->body_len : 120;

  if (r->body_len == 0) {
    val_buf_puts(b, "(empty)");
    return;
  }
  val_buf_puts(b, "\"");
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)r->body[i];
    char ch = c >= 32 && c < 127 && c != '"' && c != '\\' ? (char)c : '.';
    val_buf_append(b, &ch, 1);
  }
  val_buf_puts(b, r->body_len > n ? "\"..." : "\"");
}

/* Fill the failure: "assertion failed: TEXT: DETAIL" with the actual and expected values. */
static int
failed(struct assert_ctx *x, struct val_buf *detail, struct rbc_value actual,
       struct rbc_value expected)
{
  struct http_failure *f = x->f;

  f->code = DIAG_RB5001;
  snprintf(f->msg, sizeof f->msg, "assertion failed: %.120s: %s", x->a->text,
           detail->oom || detail->data == NULL ? "(out of memory)" : detail->data);
  f->has_actual = true;
  f->actual = actual;
  f->has_expected = true;
  f->expected = expected;
  val_buf_free(detail);
  return -1;
}

/* The expected status as a value: the status itself, or "2xx" for a class. */
static struct rbc_value
status_wanted(const struct http_assert *a)
{
  char text[32];
  struct rbc_value v;

  if (!a->status_class)
    return val_retain(a->status);
  snprintf(text, sizeof text, "%" PRId64 "xx", a->status.type == VAL_INT ? a->status.as.i : 0);
  return val_string_cstr(text, &v, NULL) == VAL_OK ? v : val_null();
}

/* The status check: an int (or any value) with ==, or a class digit. */
static int
check_status(struct assert_ctx *x)
{
  const struct http_assert *a = x->a;
  struct rbc_value got = val_int(x->r->status), eq = val_null(), want;
  struct val_buf b;
  bool ok;

  if (a->status_class)
    ok = a->status.type == VAL_INT && x->r->status / 100 == a->status.as.i;
  else
    ok = val_binop(VAL_OP_EQ, got, a->status, &eq, NULL) == VAL_OK && val_truthy(eq);
  val_release(eq);
  if (ok)
    return 0;
  val_buf_init(&b);
  val_buf_printf(&b, "%s %s answered %ld in %" PRId64 "ms, expected ", a->method, x->shown,
                 x->r->status, x->r->time_ms);
  want = status_wanted(a);
  shown_value(&b, want);
  val_buf_puts(&b, "; body: ");
  body_excerpt(&b, x->r);
  return failed(x, &b, got, want);
}

/* The text of a comparison word (enum chunk_cmp). */
static const char *
cmp_text(uint32_t op)
{
  static const char *const text[CMP__COUNT] = { "==", "!=", "<", "<=", ">", ">=", "in" };

  return op < CMP__COUNT ? text[op] : "==";
}

/* Does `actual OP expected` hold?  A comparison of unlike types does not. */
static bool
holds(uint32_t op, struct rbc_value actual, struct rbc_value expected)
{
  static const enum val_binop ops[CMP__COUNT] = {
    VAL_OP_EQ, VAL_OP_NE, VAL_OP_LT, VAL_OP_LE, VAL_OP_GT, VAL_OP_GE, VAL_OP_IN
  };
  struct rbc_value r = val_null();
  bool ok;

  ok = val_binop(op < CMP__COUNT ? ops[op] : VAL_OP_EQ, actual, expected, &r, NULL) == VAL_OK
       && val_truthy(r);
  val_release(r);
  return ok;
}

/* `contains NEEDLE`: the body holds the string. */
static int
check_contains(struct assert_ctx *x, struct rbc_value needle)
{
  struct val_buf b;
  struct rbc_value got;

  if (needle.type != VAL_STRING) {
    x->f->code = DIAG_RB5011;
    snprintf(x->f->msg, sizeof x->f->msg, "assert http: contains needs a string, got %s",
             val_kind(needle));
    return -1;
  }
  if (val_str_len(needle) == 0 || (x->r->body_len > 0
      && memmem(x->r->body, x->r->body_len, val_str_data(needle), val_str_len(needle)) != NULL))
    return 0;
  val_buf_init(&b);
  body_excerpt(&b, x->r);
  if (val_buf_finish(&b, &got, NULL) != VAL_OK)
    got = val_null();
  val_buf_init(&b);
  val_buf_printf(&b, "the body of %s %s does not contain ", x->a->method, x->shown);
  shown_value(&b, needle);
  val_buf_puts(&b, "; body: ");
  body_excerpt(&b, x->r);
  return failed(x, &b, got, val_retain(needle));
}

/* Detail "WHAT: actual A, expected OP E" and the failure. */
static int
compare_failed(struct assert_ctx *x, const char *what, struct rbc_value path, uint32_t op,
               const struct rbc_value *actual, struct rbc_value expected)
{
  struct val_buf b;

  val_buf_init(&b);
  val_buf_printf(&b, "%s %.100s: ", what, std_shown(path));
  if (actual == NULL)
    val_buf_puts(&b, "missing");
  else
    shown_value(&b, *actual);
  val_buf_printf(&b, ", expected %s ", cmp_text(op));
  shown_value(&b, expected);
  val_buf_printf(&b, " (%s %s)", x->a->method, x->shown);
  return failed(x, &b, actual != NULL ? val_retain(*actual) : val_null(),
                val_retain(expected));
}

/* `json PATH OP VALUE`: the value at the path of the body parsed as JSON. */
static int
check_json(struct assert_ctx *x, struct rbc_value path, uint32_t op, struct rbc_value want)
{
  const struct rbc_value *got;
  bool bad;

  if (path.type != VAL_STRING) {
    x->f->code = DIAG_RB5011;
    snprintf(x->f->msg, sizeof x->f->msg, "assert http: a json path must be a string, got %s",
             val_kind(path));
    return -1;
  }
  if (!x->json_done) {
    x->json_done = true;
    if (parse_json(x->r, &x->json) < 0)
      x->json = val_null();
  }
  got = json_at(&x->json, val_str_data(path), &bad);
  if (bad) {
    x->f->code = DIAG_RB5011;
    snprintf(x->f->msg, sizeof x->f->msg, "assert http: malformed json path \"%.100s\" "
             "(write $.a.b[0] or $[\"key\"])", std_shown(path));
    return -1;
  }
  if (got != NULL && holds(op, *got, want))
    return 0;
  if (x->json.type == VAL_NULL && x->r->body_len > 0 && got == NULL)
    return compare_failed(x, "the body is not JSON; json", path, op, NULL, want);
  return compare_failed(x, "json", path, op, got, want);
}

/* `header NAME OP VALUE`: a response header (names are case-insensitive). */
static int
check_header(struct assert_ctx *x, struct rbc_value name, uint32_t op, struct rbc_value want)
{
  const struct rbc_value *got;
  char lower[257];
  size_t n;

  if (name.type != VAL_STRING || val_str_len(name) > 256) {
    x->f->code = DIAG_RB5011;
    snprintf(x->f->msg, sizeof x->f->msg, "assert http: a header name must be a string");
    return -1;
  }
  n = val_str_len(name);
  for (size_t i = 0; i < n; i++)
    lower[i] = (char)tolower((unsigned char)val_str_data(name)[i]);
  lower[n] = '\0';
  got = val_map_get(x->r->headers, lower, n);
  if (got != NULL && holds(op, *got, want))
    return 0;
  return compare_failed(x, "header", name, op, got, want);
}

/* `within DURATION`: the response time. */
static int
check_within(struct assert_ctx *x, struct rbc_value limit)
{
  struct val_buf b;
  char d[VAL_FMT_BUF];

  if (limit.type != VAL_DURATION) {
    x->f->code = DIAG_RB5011;
    snprintf(x->f->msg, sizeof x->f->msg, "assert http: within needs a duration, got %s",
             val_kind(limit));
    return -1;
  }
  if (x->r->time_ms <= limit.as.i)
    return 0;
  val_buf_init(&b);
  val_buf_printf(&b, "%s %s took %" PRId64 "ms, expected within %s", x->a->method, x->shown,
                 x->r->time_ms, val_format_duration(limit.as.i, d));
  return failed(x, &b, val_duration(x->r->time_ms), val_retain(limit));
}

/* Run the checks in descriptor order, each with its operands from a->checks. */
static int
run_checks(struct assert_ctx *x)
{
  const struct http_assert *a = x->a;
  size_t vi = 0, nv = a->checks.type == VAL_LIST ? val_list_len(a->checks) : 0;
  struct rbc_value none = val_null();
  int rc = 0;

  for (uint32_t i = 0; rc == 0 && i < a->nchecks; i++) {
    uint32_t what = a->words[2 * i], op = a->words[2 * i + 1];
    bool two = what == HC_JSON || what == HC_HEADER;
    const struct rbc_value *v1 = vi < nv ? val_list_at(a->checks, vi) : &none;
    const struct rbc_value *v2 = two && vi + 1 < nv ? val_list_at(a->checks, vi + 1) : &none;

    vi += two ? 2 : 1;
    if (what == HC_CONTAINS)
      rc = check_contains(x, *v1);
    else if (what == HC_JSON)
      rc = check_json(x, *v1, op, *v2);
    else if (what == HC_HEADER)
      rc = check_header(x, *v1, op, *v2);
    else
      rc = check_within(x, *v1);
  }
  return rc;
}

/* Copy a failed request's code and message into f. */
static int
request_failed(struct http_failure *f, const struct std_call *call)
{
  f->code = call->code;
  snprintf(f->msg, sizeof f->msg, "%s", call->message);
  return -1;
}

/* Perform and check one `assert http` (http.h). */
int
http_assert_run(const struct std_host *host, const struct http_assert *a,
                struct http_failure *f)
{
  struct std_call call;
  struct http_optsrc src;
  struct http_opts o;
  struct http_reply r;
  struct assert_ctx x;
  int rc = -1;

  memset(f, 0, sizeof *f);
  memset(&call, 0, sizeof call);
  memset(&r, 0, sizeof r);
  memset(&x, 0, sizeof x);
  memset(&o, 0, sizeof o);
  x.json = val_null();
  call.host = host;
  call.code = DIAG_RB5011;
  src.call = &call;
  src.map = &a->options;
  src.fname = "assert http";
  x.a = a;
  x.r = &r;
  x.f = f;
  http_url_shown(a->url, x.shown, sizeof x.shown);
  if (a->url.type != VAL_STRING
      || memchr(val_str_data(a->url), '\0', val_str_len(a->url)) != NULL) {
    f->code = DIAG_RB5011;
    snprintf(f->msg, sizeof f->msg, "assert http: the URL must be a string without NUL "
             "bytes, got %s", val_kind(a->url));
  } else if (http_opts_read(&src, &o) < 0 || request(&call, a->method, a->url, &o, &r) < 0) {
    request_failed(f, &call);
  } else {
    rc = check_status(&x) == 0 && run_checks(&x) == 0 ? 0 : -1;
  }
  val_release(x.json);
  reply_free(&r);
  http_opts_free(&o);
  return rc;
}

/* }==== */
