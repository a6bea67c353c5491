/*
** creds.c: shared config files, plain HTTP for credential sources, and the
** credentials chain (see creds.h for the order).
**
** Decisions:
**   - A source that is configured but fails (a credential_process that
**     exits non-zero, a container URI that does not answer, an AssumeRole
**     that STS refuses) is an error naming the source, as in the SDKs; only
**     the instance metadata service failing means "no credentials here".
**   - credential_process runs without a shell's interpretation: the line is
**     split into words (quotes and backslashes as the SDKs' shlex does) and
**     handed to the project's runner (stdlib/shell.h) as `exec 'w0' 'w1' ...`,
**     every word sh_quote'd, so nothing is expanded; it is waited for
**     through the run's loop.  No secret is ever put in its argv.
**   - Container credentials: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI goes to
**     http://169.254.170.2; AWS_CONTAINER_CREDENTIALS_FULL_URI must be https
**     or a loopback / ECS / EKS agent address (the SDKs' rule), which is
**     also how tests point it at 127.0.0.1.
**   - IMDSv2 with 1 s timeouts: PUT the token, GET the role, GET its
**     credentials.  AWS_EC2_METADATA_DISABLED=true skips it;
**     AWS_EC2_METADATA_SERVICE_ENDPOINT moves it.
*/
#define _POSIX_C_SOURCE 200809L

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>
#include <openssl/crypto.h>

#include "stdlib/aws/creds.h"
#include "stdlib/aws/sigv4.h"
#include "stdlib/loop.h"
#include "stdlib/shell.h"

#define IMDS_TIMEOUT_MS 1000
#define CONTAINER_TIMEOUT_MS 2000
#define PROCESS_TIMEOUT_MS 60000
#define HTTP_MAX_BODY ((size_t)256 << 20)
#define MAX_ROLE_DEPTH 5

/* {==== errors and credentials ==== */

/* Fill err (see creds.h). */
void aws_error_set(struct aws_error *err, enum aws_err_kind kind, const char *fmt, ...)
{
  va_list ap;

  err->kind = kind;
  err->code[0] = '\0';
  err->request_id[0] = '\0';
  err->status = 0;
  va_start(ap, fmt);
  vsnprintf(err->message, sizeof err->message, fmt, ap);
  va_end(ap);
}

static void wipe_free(char *s)
{
  if (s) {
    OPENSSL_cleanse(s, strlen(s));
    free(s);
  }
}

/* Wipe and free c (see creds.h). */
void aws_creds_clear(struct aws_creds *c)
{
  if (!c)
    return;
  wipe_free(c->access_key);
  wipe_free(c->secret_key);
  wipe_free(c->session_token);
  memset(c, 0, sizeof *c);
}

/* Set c from the three strings (copied); 0, or -1 when out of memory. */
static int creds_set(struct aws_creds *c, const char *ak, const char *sk, const char *tok,
                     int64_t expires, const char *source)
{
  aws_creds_clear(c);
  c->access_key = strdup(ak);
  c->secret_key = strdup(sk);
  c->session_token = tok && *tok ? strdup(tok) : NULL;
  c->expires_s = expires;
  c->source = source;
  if (!c->access_key || !c->secret_key || (tok && *tok && !c->session_token)) {
    aws_creds_clear(c);
    return -1;
  }
  return 0;
}

/* Copy src into dst (see creds.h). */
int aws_creds_copy(struct aws_creds *dst, const struct aws_creds *src)
{
  return creds_set(dst, src->access_key, src->secret_key, src->session_token, src->expires_s,
                   src->source);
}

/* Seconds since the epoch of an ISO 8601 UTC time (see creds.h). */
int64_t aws_parse_iso8601(const char *s)
{
  int y, mo, d, h, mi, se, n = 0;
  int64_t era, yoe, doy, t;
  const char *z;

  if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &se, &n) != 6 ||
      mo < 1 || mo > 12 || d < 1 || d > 31)
    return -1;
  z = s + n;
  if (*z == '.')
    for (z++; isdigit((unsigned char)*z); z++)
      ;
  y -= mo <= 2;
  era = (y >= 0 ? y : y - 399) / 400;
  yoe = y - era * 400;
  doy = (153 * (mo > 2 ? mo - 3 : mo + 9) + 2) / 5 + d - 1;
  t = (era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468) * 86400 +
      h * 3600 + mi * 60 + se;
  if ((*z == '+' || *z == '-') && strlen(z) >= 6)
    t -= (*z == '+' ? 1 : -1) * ((z[1] - '0') * 36000 + (z[2] - '0') * 3600 +
                                 (z[4] - '0') * 600 + (z[5] - '0') * 60);
  return t;
}

/* }==== */

/* {==== shared config files ==== */

static void free_profile(struct aws_profile *p)
{
  for (size_t i = 0; i < p->nkv; i++) {
    free(p->kv[i].key);
    wipe_free(p->kv[i].value);
  }
  free(p->kv);
  free(p->name);
}

/* Free ps (see creds.h). */
void aws_profiles_free(struct aws_profiles *ps)
{
  if (!ps)
    return;
  for (size_t i = 0; i < ps->n; i++)
    free_profile(&ps->v[i]);
  free(ps->v);
  ps->v = NULL;
  ps->n = 0;
}

/* Profile name (see creds.h). */
const struct aws_profile *aws_profiles_find(const struct aws_profiles *ps, const char *name)
{
  for (size_t i = 0; ps && name && i < ps->n; i++)
    if (strcmp(ps->v[i].name, name) == 0)
      return &ps->v[i];
  return NULL;
}

/* Value of key (see creds.h). */
const char *aws_profile_get(const struct aws_profile *p, const char *key)
{
  for (size_t i = 0; p && i < p->nkv; i++)
    if (strcmp(p->kv[i].key, key) == 0)
      return p->kv[i].value;
  return NULL;
}

/* The profile named name[0..len), added when missing; NULL when out of memory. */
static struct aws_profile *get_profile(struct aws_profiles *ps, const char *name, size_t len)
{
  struct aws_profile *nv;

  for (size_t i = 0; i < ps->n; i++)
    if (strlen(ps->v[i].name) == len && memcmp(ps->v[i].name, name, len) == 0)
      return &ps->v[i];
  nv = realloc(ps->v, (ps->n + 1) * sizeof *nv);
  if (!nv)
    return NULL;
  ps->v = nv;
  memset(&nv[ps->n], 0, sizeof nv[ps->n]);
  nv[ps->n].name = strndup(name, len);
  if (!nv[ps->n].name)
    return NULL;
  return &ps->v[ps->n++];
}

static int add_kv(struct aws_profile *p, const char *k, size_t klen, const char *v, size_t vlen)
{
  struct aws_kv *nkv = realloc(p->kv, (p->nkv + 1) * sizeof *nkv);

  if (!nkv)
    return -1;
  p->kv = nkv;
  nkv[p->nkv].key = strndup(k, klen);
  nkv[p->nkv].value = strndup(v, vlen);
  if (!nkv[p->nkv].key || !nkv[p->nkv].value) {
    free(nkv[p->nkv].key);
    free(nkv[p->nkv].value);
    return -1;
  }
  for (char *s = nkv[p->nkv].key; *s; s++)
    *s = (char)tolower((unsigned char)*s);
  p->nkv++;
  return 0;
}

/* [name] of a section line into name and nlen; false for a section that is no profile. */
static bool section_name(const char *s, size_t len, bool config, const char **name,
                         size_t *nlen)
{
  while (len > 0 && isspace((unsigned char)*s)) {
    s++;
    len--;
  }
  while (len > 0 && isspace((unsigned char)s[len - 1]))
    len--;
  if (config && len > 8 && strncmp(s, "profile", 7) == 0 && isspace((unsigned char)s[7])) {
    s += 8;
    len -= 8;
    while (len > 0 && isspace((unsigned char)*s)) {
      s++;
      len--;
    }
  } else if (config && !(len == 7 && strncmp(s, "default", 7) == 0)) {
    return false;
  }
  *name = s;
  *nlen = len;
  return len > 0;
}

static void trim(const char **s, size_t *len)
{
  while (*len > 0 && isspace((unsigned char)**s)) {
    (*s)++;
    (*len)--;
  }
  while (*len > 0 && isspace((unsigned char)(*s)[*len - 1]))
    (*len)--;
}

/* One line of an ini file; *cur is the section being read (NULL: none). */
static int ini_line(struct aws_profiles *ps, const char *line, size_t len, bool config,
                    struct aws_profile **cur)
{
  const char *name, *eq;
  size_t nlen, klen, vlen;

  if (len == 0 || line[0] == '#' || line[0] == ';')
    return 0;
  if (isspace((unsigned char)line[0]))
    return 0;                            /* a nested sub-property: not used */
  if (line[0] == '[') {
    const char *end = memchr(line, ']', len);

    *cur = NULL;
    if (!end || !section_name(line + 1, (size_t)(end - line - 1), config, &name, &nlen))
      return 0;
    *cur = get_profile(ps, name, nlen);
    if (!*cur)
      return -1;
    if (config)
      (*cur)->from_config = true;
    else
      (*cur)->from_credentials = true;
    return 0;
  }
  eq = memchr(line, '=', len);
  if (!*cur || !eq)
    return 0;
  name = line;
  klen = (size_t)(eq - line);
  trim(&name, &klen);
  eq++;
  vlen = len - (size_t)(eq - line);
  trim(&eq, &vlen);
  return add_kv(*cur, name, klen, eq, vlen);
}

/* Read the ini file at path into ps.  0 (a missing file is fine), -1 + *err. */
static int read_ini(struct aws_profiles *ps, const char *path, bool config,
                    struct aws_error *err)
{
  FILE *f = fopen(path, "r");
  struct aws_profile *cur = NULL;
  char *line = NULL;
  size_t cap = 0;
  ssize_t n;
  int rc = 0;

  if (!f)
    return 0;
  for (n = getline(&line, &cap, f); rc == 0 && n >= 0; n = getline(&line, &cap, f)) {
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
      n--;
    rc = ini_line(ps, line, (size_t)n, config, &cur);
  }
  if (line) {
    OPENSSL_cleanse(line, cap);
    free(line);
  }
  if (rc == 0 && ferror(f)) {
    aws_error_set(err, AWS_ERR_CONFIG, "cannot read %s", path);
    rc = -1;
  } else if (rc != 0) {
    aws_error_set(err, AWS_ERR_NOMEM, "out of memory reading %s", path);
  }
  fclose(f);
  return rc;
}

/* path from env var, else ~/.aws/<dflt>, with a leading "~/" expanded, into buf. */
static bool config_path(const char *var, const char *dflt, char *buf, size_t size)
{
  const char *v = getenv(var), *home = getenv("HOME");

  if (v && *v) {
    if (strncmp(v, "~/", 2) == 0 && home)
      return (size_t)snprintf(buf, size, "%s%s", home, v + 1) < size;
    return (size_t)snprintf(buf, size, "%s", v) < size;
  }
  if (!home || !*home)
    return false;
  return (size_t)snprintf(buf, size, "%s/.aws/%s", home, dflt) < size;
}

/* Read both files (see creds.h). */
int aws_profiles_load(struct aws_profiles *ps, struct aws_error *err)
{
  char path[4096];

  ps->v = NULL;
  ps->n = 0;
  if (config_path("AWS_SHARED_CREDENTIALS_FILE", "credentials", path, sizeof path) &&
      read_ini(ps, path, false, err) != 0)
    return -1;
  if (config_path("AWS_CONFIG_FILE", "config", path, sizeof path) &&
      read_ini(ps, path, true, err) != 0)
    return -1;
  return 0;
}

/* }==== */

/* {==== plain HTTP ==== */

/* Where a transfer's reply goes. */
struct http_sink {
  struct sh_buf body;           /* the payload */
  struct aws_header *headers;   /* owned array */
  size_t nheaders;
  bool oom;                     /* an allocation failed */
  bool too_big;                 /* the payload passed HTTP_MAX_BODY */
};

static size_t on_body(char *p, size_t sz, size_t n, void *ud)
{
  struct http_sink *s = ud;

  if (s->body.len + sz * n > HTTP_MAX_BODY) {
    s->too_big = true;
    return 0;
  }
  if (sh_buf_append(&s->body, p, sz * n) != SH_OK) {
    s->oom = true;
    return 0;
  }
  return sz * n;
}

static void drop_headers(struct http_sink *s)
{
  for (size_t i = 0; i < s->nheaders; i++) {
    free(s->headers[i].name);
    free(s->headers[i].value);
  }
  free(s->headers);
  s->headers = NULL;
  s->nheaders = 0;
}

/* One header line: "HTTP/..." starts a new reply (keep the last one's headers). */
static size_t on_header(char *p, size_t sz, size_t n, void *ud)
{
  struct http_sink *s = ud;
  size_t len = sz * n, klen, vlen;
  const char *colon = memchr(p, ':', len), *v;
  struct aws_header *nh;

  if (len >= 5 && strncmp(p, "HTTP/", 5) == 0) {
    drop_headers(s);
    return len;
  }
  if (!colon)
    return len;
  klen = (size_t)(colon - p);
  v = colon + 1;
  vlen = len - klen - 1;
  trim(&v, &vlen);
  nh = realloc(s->headers, (s->nheaders + 1) * sizeof *nh);
  if (!nh) {
    s->oom = true;
    return 0;
  }
  s->headers = nh;
  nh[s->nheaders].name = strndup(p, klen);
  nh[s->nheaders].value = strndup(v, vlen);
  if (!nh[s->nheaders].name || !nh[s->nheaders].value) {
    free(nh[s->nheaders].name);
    free(nh[s->nheaders].value);
    s->oom = true;
    return 0;
  }
  for (char *c = nh[s->nheaders].name; *c; c++)
    *c = (char)tolower((unsigned char)*c);
  s->nheaders++;
  return len;
}

/* The easy handle's options for rq, sending to sink; false when out of memory. */
static bool setup_easy(CURL *e, const struct aws_http_req *rq, struct http_sink *sink,
                       struct curl_slist **hl)
{
  bool has_type = false;

  for (size_t i = 0; i < rq->nheaders; i++) {
    if (strcasecmp(rq->headers[i].name, "Content-Type") == 0)
      has_type = true;
    size_t nl = strlen(rq->headers[i].name), vl = strlen(rq->headers[i].value);
    char *line = malloc(nl + vl + 3);
    struct curl_slist *n = NULL;

    if (line) {
      memcpy(line, rq->headers[i].name, nl);
      memcpy(line + nl, ": ", 2);
      memcpy(line + nl + 2, rq->headers[i].value, vl + 1);
      n = curl_slist_append(*hl, line);
      OPENSSL_cleanse(line, nl + vl + 2);
      free(line);
    }
    if (!n)
      return false;
    *hl = n;
  }
  *hl = curl_slist_append(*hl, "Expect:");
  if (!*hl)
    return false;
  if (!has_type) {
    /* a body curl sends by POSTFIELDS would otherwise be labelled as a form */
    struct curl_slist *n = curl_slist_append(*hl, "Content-Type:");
    if (!n)
      return false;
    *hl = n;
  }
  curl_easy_setopt(e, CURLOPT_URL, rq->url);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, *hl);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, sink);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, sink);
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, rq->timeout_ms);
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, rq->timeout_ms);
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_USERAGENT, "rbc");
  if (strcmp(rq->method, "HEAD") == 0)
    curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
  else if (strcmp(rq->method, "GET") != 0)
    curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, rq->method);
  if (rq->body || strcmp(rq->method, "POST") == 0 || strcmp(rq->method, "PUT") == 0) {
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(rq->body ? rq->body_len : 0));
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, rq->body ? rq->body : "");
  }
  return true;
}

/* Move sink into rs. */
static int take_reply(CURL *e, struct http_sink *sink, struct aws_response *rs,
                      struct aws_error *err)
{
  memset(rs, 0, sizeof *rs);
  if (sh_buf_append(&sink->body, "", 0) != SH_OK) {
    aws_error_set(err, AWS_ERR_NOMEM, "out of memory");
    return -1;
  }
  curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &rs->status);
  rs->body = sink->body.data;
  rs->body_len = sink->body.len;
  rs->headers = sink->headers;
  rs->nheaders = sink->nheaders;
  sink->body.data = NULL;
  sink->headers = NULL;
  sink->nheaders = 0;
  return 0;
}

/* One exchange (see creds.h). */
int aws_http_do(struct rbc_loop *loop, const struct aws_http_req *rq, struct aws_response *rs,
                struct aws_error *err)
{
  struct http_sink sink;
  struct curl_slist *hl = NULL;
  CURLcode cc = CURLE_OK;
  CURL *e = NULL;
  int rc = -1;

  memset(&sink, 0, sizeof sink);
  memset(rs, 0, sizeof *rs);
  if (loop && loop_curl_init(loop) == 0)
    e = curl_easy_init();
  if (!e) {
    aws_error_set(err, AWS_ERR_NETWORK, "cannot initialise libcurl");
    return -1;
  }
  if (!setup_easy(e, rq, &sink, &hl))
    aws_error_set(err, AWS_ERR_NOMEM, "out of memory");
  else if (loop_curl_perform(loop, e, &cc) != 0 && loop_interrupted(loop))
    aws_error_set(err, AWS_ERR_INTERRUPTED, "interrupted");
  else if (sink.oom)
    aws_error_set(err, AWS_ERR_NOMEM, "out of memory");
  else if (sink.too_big)
    aws_error_set(err, AWS_ERR_NETWORK, "reply larger than %zu bytes", HTTP_MAX_BODY);
  else if (cc != CURLE_OK) {
    aws_error_set(err, AWS_ERR_NETWORK, "%s", curl_easy_strerror(cc));
    if (cc == CURLE_COULDNT_CONNECT || cc == CURLE_COULDNT_RESOLVE_HOST)
      snprintf(err->code, sizeof err->code, "ConnectFailed");
    else if (cc == CURLE_OPERATION_TIMEDOUT)
      snprintf(err->code, sizeof err->code, "Timeout");
  }
  else
    rc = take_reply(e, &sink, rs, err);
  for (struct curl_slist *s = hl; s; s = s->next)
    OPENSSL_cleanse(s->data, strlen(s->data));
  curl_slist_free_all(hl);
  curl_easy_cleanup(e);
  sh_buf_free(&sink.body);
  drop_headers(&sink);
  return rc;
}

/* }==== */

/* {==== sources: environment, profile keys, JSON documents ==== */

static const char *env(const char *name)
{
  const char *v = getenv(name);

  return v && *v ? v : NULL;
}

/* 1: found, 0: not configured, -1: error. */
static int from_env(struct aws_creds *out, struct aws_error *err)
{
  const char *ak = env("AWS_ACCESS_KEY_ID"), *sk = env("AWS_SECRET_ACCESS_KEY");

  if (!ak || !sk)
    return 0;
  if (creds_set(out, ak, sk, env("AWS_SESSION_TOKEN"), 0, "environment") != 0) {
    aws_error_set(err, AWS_ERR_NOMEM, "out of memory");
    return -1;
  }
  return 1;
}

static int from_profile_keys(const struct aws_profile *p, struct aws_creds *out,
                             struct aws_error *err)
{
  const char *ak = aws_profile_get(p, "aws_access_key_id");
  const char *sk = aws_profile_get(p, "aws_secret_access_key");

  if (!ak || !sk || !*ak || !*sk)
    return 0;
  if (creds_set(out, ak, sk, aws_profile_get(p, "aws_session_token"), 0,
                p->from_credentials ? "shared-credentials-file" : "config-file") != 0) {
    aws_error_set(err, AWS_ERR_NOMEM, "out of memory");
    return -1;
  }
  return 1;
}

/*
** Credentials from a JSON document (credential_process, container, IMDS):
** AccessKeyId, SecretAccessKey, Token or SessionToken, Expiration.  1, or
** -1 with *err naming `what`.
*/
static int from_json(const char *text, size_t len, const char *what, const char *source,
                     struct aws_creds *out, struct aws_error *err)
{
  json_t *j = json_loadb(text, len, 0, NULL);
  const char *ak, *sk, *tok, *exp;
  int64_t t = 0;
  int rc = -1;

  ak = json_string_value(json_object_get(j, "AccessKeyId"));
  sk = json_string_value(json_object_get(j, "SecretAccessKey"));
  tok = json_string_value(json_object_get(j, "SessionToken"));
  if (!tok)
    tok = json_string_value(json_object_get(j, "Token"));
  exp = json_string_value(json_object_get(j, "Expiration"));
  if (exp)
    t = aws_parse_iso8601(exp);
  if (!j || !json_is_object(j))
    aws_error_set(err, AWS_ERR_CREDENTIALS, "%s: the reply is not a JSON object", what);
  else if (!ak || !sk)
    aws_error_set(err, AWS_ERR_CREDENTIALS, "%s: no AccessKeyId / SecretAccessKey", what);
  else if (t < 0)
    aws_error_set(err, AWS_ERR_CREDENTIALS, "%s: Expiration is not an ISO 8601 time", what);
  else if (creds_set(out, ak, sk, tok, t, source) != 0)
    aws_error_set(err, AWS_ERR_NOMEM, "out of memory");
  else
    rc = 1;
  if (j) {
    if (sk)
      OPENSSL_cleanse((char *)sk, strlen(sk));
    json_decref(j);
  }
  return rc;
}

/* }==== */

/* {==== credential_process ==== */

/* Split line into sh-quoted words after "exec " in b (quotes and backslashes). */
static int split_words(const char *line, struct sh_buf *b)
{
  struct sh_buf w = { 0 };
  int nwords = 0;
  bool ok = sh_buf_append(b, "exec", 4) == SH_OK;

  for (const char *s = line; ok && *s;) {
    bool any = false;

    while (*s && isspace((unsigned char)*s))
      s++;
    w.len = 0;
    while (ok && *s && !isspace((unsigned char)*s)) {
      char q = *s;

      any = true;
      if (q == '\'' || q == '"') {
        for (s++; ok && *s && *s != q; s++) {
          if (q == '"' && *s == '\\' && (s[1] == '"' || s[1] == '\\'))
            s++;
          ok = sh_buf_append(&w, s, 1) == SH_OK;
        }
        if (*s == q)
          s++;
        continue;
      }
      if (q == '\\' && s[1])
        s++;
      ok = sh_buf_append(&w, s++, 1) == SH_OK;
    }
    if (ok && any) {
      ok = sh_buf_append(b, " ", 1) == SH_OK && sh_quote(b, w.data ? w.data : "", w.len) == SH_OK;
      nwords++;
    }
  }
  sh_buf_free(&w);
  return ok ? nwords : -1;
}

static int from_process(struct rbc_loop *loop, const char *line, struct aws_creds *out,
                        struct aws_error *err)
{
  struct sh_buf cmd = { 0 };
  struct sh_request rq;
  struct sh_result res;
  struct sh_proc *p = NULL;
  int rc = -1, n = split_words(line, &cmd);

  sh_result_init(&res);
  memset(&rq, 0, sizeof rq);
  rq.command = cmd.data;
  rq.command_len = cmd.len;
  rq.timeout_ms = PROCESS_TIMEOUT_MS;
  if (n <= 0 || !loop)
    aws_error_set(err, n < 0 ? AWS_ERR_NOMEM : AWS_ERR_CREDENTIALS,
                  "credential_process: %s", loop ? "empty command" : "no event loop");
  else if (sh_start(&rq, &p, &res) != SH_OK)
    aws_error_set(err, AWS_ERR_CREDENTIALS, "credential_process: %s", res.message);
  else {
    int w = loop_sh_wait(loop, p);

    sh_reap(p, &res);
    if (w != 0 || res.status == SH_INTERRUPTED)
      aws_error_set(err, AWS_ERR_INTERRUPTED, "interrupted");
    else if (res.status != SH_OK || res.exit_code != 0)
      aws_error_set(err, AWS_ERR_CREDENTIALS, "credential_process exited with status %d%s",
                    res.exit_code, res.status == SH_TIMED_OUT ? " (timed out)" : "");
    else
      rc = from_json(res.out.data ? res.out.data : "", res.out.len, "credential_process",
                     "process", out, err);
  }
  if (res.out.data)
    OPENSSL_cleanse(res.out.data, res.out.len);
  sh_result_free(&res);
  sh_buf_free(&cmd);
  return rc;
}

/* }==== */

/* {==== container and instance metadata ==== */

/* Is url's host one the SDKs allow for AWS_CONTAINER_CREDENTIALS_FULL_URI over http? */
static bool allowed_full_uri(const char *url)
{
  static const char *const hosts[] = { "127.", "localhost", "[::1]", "169.254.170.2",
                                       "169.254.170.23", "[fd00:ec2::23]", NULL };
  const char *h;

  if (strncmp(url, "https://", 8) == 0)
    return true;
  if (strncmp(url, "http://", 7) != 0)
    return false;
  h = url + 7;
  for (int i = 0; hosts[i]; i++) {
    size_t n = strlen(hosts[i]);

    if (strncmp(h, hosts[i], n) == 0 &&
        (hosts[i][n - 1] == '.' || h[n] == '\0' || h[n] == ':' || h[n] == '/'))
      return true;
  }
  return false;
}

/* The container authorization token (file first) into *tok (owned); 0 or -1. */
static int container_token(char **tok, struct aws_error *err)
{
  const char *file = env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
  const char *v = env("AWS_CONTAINER_AUTHORIZATION_TOKEN");
  struct sh_buf b = { 0 };
  char chunk[512];

  *tok = NULL;
  if (file) {
    FILE *f = fopen(file, "r");
    size_t n;

    if (!f) {
      aws_error_set(err, AWS_ERR_CREDENTIALS, "cannot read %s", file);
      return -1;
    }
    for (n = fread(chunk, 1, sizeof chunk, f); n > 0; n = fread(chunk, 1, sizeof chunk, f))
      if (sh_buf_append(&b, chunk, n) != SH_OK)
        break;
    fclose(f);
    OPENSSL_cleanse(chunk, sizeof chunk);
    while (b.len > 0 && isspace((unsigned char)b.data[b.len - 1]))
      b.data[--b.len] = '\0';
    *tok = b.data;
  } else if (v) {
    *tok = strdup(v);
  }
  if ((file || v) && !*tok) {
    aws_error_set(err, AWS_ERR_NOMEM, "out of memory");
    return -1;
  }
  if (*tok && strpbrk(*tok, "\r\n")) {
    wipe_free(*tok);
    *tok = NULL;
    aws_error_set(err, AWS_ERR_CREDENTIALS, "the container authorization token has a newline");
    return -1;
  }
  return 0;
}

static int from_container(struct rbc_loop *loop, struct aws_creds *out, struct aws_error *err)
{
  const char *rel = env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
  const char *full = env("AWS_CONTAINER_CREDENTIALS_FULL_URI");
  char url[2048];
  char *tok = NULL;
  struct aws_header h = { (char *)"Authorization", NULL };
  struct aws_http_req rq = { "GET", url, &h, 0, NULL, 0, CONTAINER_TIMEOUT_MS };
  struct aws_response rs;
  int rc = -1;

  if (!rel && !full)
    return 0;
  if (rel)
    snprintf(url, sizeof url, "http://169.254.170.2%s", rel);
  else
    snprintf(url, sizeof url, "%s", full);
  if (!rel && !allowed_full_uri(full)) {
    aws_error_set(err, AWS_ERR_CREDENTIALS, "AWS_CONTAINER_CREDENTIALS_FULL_URI must be https "
                  "or a loopback address: %s", full);
    return -1;
  }
  if (container_token(&tok, err) != 0)
    return -1;
  h.value = tok;
  rq.nheaders = tok ? 1 : 0;
  if (aws_http_do(loop, &rq, &rs, err) != 0) {
    if (err->kind == AWS_ERR_NETWORK)
      err->kind = AWS_ERR_CREDENTIALS;
    snprintf(err->message, sizeof err->message, "container credentials (%.300s): unreachable",
             url);
  } else if (rs.status != 200) {
    aws_error_set(err, AWS_ERR_CREDENTIALS, "container credentials (%.300s): HTTP %ld", url,
                  rs.status);
  } else {
    rc = from_json(rs.body, rs.body_len, "container credentials", "container", out, err);
  }
  if (rs.body)
    OPENSSL_cleanse(rs.body, rs.body_len);
  aws_response_free(&rs);
  wipe_free(tok);
  return rc;
}

/* GET/PUT base+path with one header; the reply body (owned) or NULL when not 200. */
static char *imds_get(struct rbc_loop *loop, const char *method, const char *base,
                      const char *path, const struct aws_header *h, struct aws_error *err)
{
  char url[2048];
  struct aws_http_req rq = { method, url, h, 1, NULL, 0, IMDS_TIMEOUT_MS };
  struct aws_response rs;
  char *body = NULL;

  snprintf(url, sizeof url, "%s%s", base, path);
  if (aws_http_do(loop, &rq, &rs, err) != 0)
    return NULL;
  if (rs.status == 200) {
    body = rs.body;
    rs.body = NULL;
  }
  aws_response_free(&rs);
  return body;
}

/* 1 found, 0 not there (disabled or unreachable), -1 error (interrupt, bad document). */
static int from_imds(struct rbc_loop *loop, struct aws_creds *out, struct aws_error *err)
{
  const char *dis = env("AWS_EC2_METADATA_DISABLED");
  const char *ep = env("AWS_EC2_METADATA_SERVICE_ENDPOINT");
  struct aws_header ttl = { (char *)"X-aws-ec2-metadata-token-ttl-seconds", (char *)"21600" };
  struct aws_header th = { (char *)"X-aws-ec2-metadata-token", NULL };
  char base[1024], path[512];
  char *token, *role = NULL, *doc = NULL;
  int rc = 0;

  if (dis && strcasecmp(dis, "true") == 0)
    return 0;
  snprintf(base, sizeof base, "%s", ep ? ep : "http://169.254.169.254");
  if (base[0] && base[strlen(base) - 1] == '/')
    base[strlen(base) - 1] = '\0';
  token = imds_get(loop, "PUT", base, "/latest/api/token", &ttl, err);
  th.value = token;
  if (token)
    role = imds_get(loop, "GET", base, "/latest/meta-data/iam/security-credentials/", &th, err);
  if (role) {
    char *enc;

    role[strcspn(role, "\r\n")] = '\0';
    enc = sigv4_uri_encode(role, strlen(role), false);
    if (enc && snprintf(path, sizeof path, "/latest/meta-data/iam/security-credentials/%s",
                        enc) < (int)sizeof path)
      doc = imds_get(loop, "GET", base, path, &th, err);
    free(enc);
  }
  if (doc)
    rc = from_json(doc, strlen(doc), "instance metadata", "instance-metadata", out, err);
  else if (err->kind == AWS_ERR_INTERRUPTED)
    rc = -1;
  wipe_free(token);
  free(role);
  wipe_free(doc);
  return rc;
}

/* }==== */

/* {==== the chain ==== */

static int from_profile(const struct aws_chain *ch, const char *name, int depth,
                        struct aws_creds *out, struct aws_error *err);

/* credential_source = Environment | EcsContainer | Ec2InstanceMetadata. */
static int from_credential_source(const struct aws_chain *ch, const char *src,
                                  struct aws_creds *out, struct aws_error *err)
{
  int rc;

  if (strcmp(src, "Environment") == 0)
    rc = from_env(out, err);
  else if (strcmp(src, "EcsContainer") == 0)
    rc = from_container(ch->loop, out, err);
  else if (strcmp(src, "Ec2InstanceMetadata") == 0)
    rc = from_imds(ch->loop, out, err);
  else {
    aws_error_set(err, AWS_ERR_CREDENTIALS, "credential_source %s is not supported", src);
    return -1;
  }
  if (rc == 0)
    aws_error_set(err, AWS_ERR_CREDENTIALS, "credential_source %s has no credentials", src);
  return rc == 1 ? 1 : -1;
}

/* role_arn: the source's credentials, then STS AssumeRole. */
static int assume_role(const struct aws_chain *ch, const struct aws_profile *p, int depth,
                       struct aws_creds *out, struct aws_error *err)
{
  const char *src = aws_profile_get(p, "source_profile");
  const char *cs = aws_profile_get(p, "credential_source");
  const char *sess = aws_profile_get(p, "role_session_name");
  struct aws_creds base = { 0 };
  char name[64];
  int rc;

  if (src && strcmp(src, p->name) == 0)
    rc = from_profile_keys(p, &base, err);
  else if (src)
    rc = from_profile(ch, src, depth + 1, &base, err);
  else if (cs)
    rc = from_credential_source(ch, cs, &base, err);
  else {
    aws_error_set(err, AWS_ERR_CREDENTIALS, "profile %s has role_arn but neither "
                  "source_profile nor credential_source", p->name);
    return -1;
  }
  if (rc == 0)
    aws_error_set(err, AWS_ERR_CREDENTIALS, "source_profile %s has no credentials", src);
  if (rc != 1)
    return -1;
  snprintf(name, sizeof name, "rbc-%lld", (long long)time(NULL));
  rc = ch->assume(ch->assume_ud, &base, aws_profile_get(p, "role_arn"), sess ? sess : name,
                  aws_profile_get(p, "external_id"), out, err);
  aws_creds_clear(&base);
  if (rc != 0)
    return -1;
  out->source = "assume-role";
  return 1;
}

/* A profile's credentials: role, static keys, credential_process.  1, 0, -1. */
static int from_profile(const struct aws_chain *ch, const char *name, int depth,
                        struct aws_creds *out, struct aws_error *err)
{
  const struct aws_profile *p = aws_profiles_find(ch->profiles, name);
  const char *proc;
  int rc;

  if (!p) {
    if (depth == 0)
      return 0;
    aws_error_set(err, AWS_ERR_CREDENTIALS, "source_profile %s does not exist", name);
    return -1;
  }
  if (depth > MAX_ROLE_DEPTH) {
    aws_error_set(err, AWS_ERR_CREDENTIALS, "profile %s: source_profile chain too long "
                  "(a cycle?)", name);
    return -1;
  }
  if (aws_profile_get(p, "role_arn"))
    return assume_role(ch, p, depth, out, err);
  rc = from_profile_keys(p, out, err);
  proc = aws_profile_get(p, "credential_process");
  if (rc == 0 && proc && *proc)
    rc = from_process(ch->loop, proc, out, err);
  return rc;
}

/* Resolve through the chain (see creds.h). */
int aws_chain_resolve(const struct aws_chain *ch, struct aws_creds *out, struct aws_error *err)
{
  int rc = 0;

  memset(out, 0, sizeof *out);
  err->kind = AWS_ERR_NONE;
  if (!ch->profile_explicit)
    rc = from_env(out, err);
  if (rc == 0)
    rc = from_profile(ch, ch->profile, 0, out, err);
  if (rc == 0)
    rc = from_container(ch->loop, out, err);
  if (rc == 0)
    rc = from_imds(ch->loop, out, err);
  if (rc == 1)
    return 0;
  if (rc == 0)
    aws_error_set(err, AWS_ERR_CREDENTIALS, "no AWS credentials found (looked in: %s"
                  "profile %s of the shared files, container credentials, instance "
                  "metadata)", ch->profile_explicit ? "" : "the environment, ", ch->profile);
  aws_creds_clear(out);
  return -1;
}

/* }==== */
