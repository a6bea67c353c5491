/*
** sigv4.c: AWS Signature Version 4 (see sigv4.h for the rules).
**
** Decisions:
**   - The canonical request and the string to sign are built in sh_buf's
**     (stdlib/shell.h), so every step can fail only by running out of memory.
**   - HMAC-SHA256 through OpenSSL's one-shot HMAC() and SHA-256 through
**     EVP_Digest; libcrypto is initialised with OPENSSL_INIT_NO_LOAD_CONFIG
**     (as lexer/source.c does), so no openssl.cnf is read.
**   - The derived keys and "AWS4" + secret live in local buffers that are
**     OPENSSL_cleanse'd before returning; the result holds the Authorization
**     value (not secret by itself) and the session token, and is wiped too.
*/
#define _POSIX_C_SOURCE 200809L

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "stdlib/aws/sigv4.h"
#include "stdlib/shell.h"

/* {==== encoding and hashing ==== */

static const char hexdig[] = "0123456789ABCDEF";
static const char hexlow[] = "0123456789abcdef";

static bool unreserved(unsigned char c)
{
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         c == '-' || c == '.' || c == '_' || c == '~';
}

/* Append s[0..len) percent-encoded to b; false when out of memory. */
static bool append_encoded(struct sh_buf *b, const char *s, size_t len, bool keep_slash)
{
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    char esc[3];

    if (unreserved(c) || (keep_slash && c == '/')) {
      if (sh_buf_append(b, (const char *)&c, 1) != SH_OK)
        return false;
      continue;
    }
    esc[0] = '%';
    esc[1] = hexdig[c >> 4];
    esc[2] = hexdig[c & 15];
    if (sh_buf_append(b, esc, 3) != SH_OK)
      return false;
  }
  return true;
}

/* URI-encode s[0..len) into a new string (see sigv4.h). */
char *sigv4_uri_encode(const char *s, size_t len, bool keep_slash)
{
  struct sh_buf b = { 0 };

  if (!append_encoded(&b, s, len, keep_slash) || sh_buf_append(&b, "", 0) != SH_OK) {
    sh_buf_free(&b);
    return NULL;
  }
  return b.data;
}

static int hexval(char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* Percent-decode s[0..len) into b (a stray '%' stays as it is). */
static bool append_decoded(struct sh_buf *b, const char *s, size_t len)
{
  for (size_t i = 0; i < len; i++) {
    char c = s[i];

    if (c == '%' && i + 2 < len && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
      c = (char)(hexval(s[i + 1]) << 4 | hexval(s[i + 2]));
      i += 2;
    }
    if (sh_buf_append(b, &c, 1) != SH_OK)
      return false;
  }
  return true;
}

static void crypto_init(void)
{
  OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG, NULL);
}

static void to_hex(const unsigned char *md, size_t n, char *hex)
{
  for (size_t i = 0; i < n; i++) {
    hex[2 * i] = hexlow[md[i] >> 4];
    hex[2 * i + 1] = hexlow[md[i] & 15];
  }
  hex[2 * n] = '\0';
}

/* Hex SHA-256 of data (see sigv4.h). */
int sigv4_sha256_hex(const void *data, size_t len, char hex[SIGV4_SHA256_HEX])
{
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int mdlen = 0;

  crypto_init();
  if (EVP_Digest(data ? data : "", len, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32)
    return -1;
  to_hex(md, 32, hex);
  return 0;
}

/* out = HMAC-SHA256(key, msg); false on failure. */
static bool hmac(const unsigned char *key, size_t klen, const char *msg, size_t mlen,
                 unsigned char out[32])
{
  unsigned int n = 0;

  return HMAC(EVP_sha256(), key, (int)klen, (const unsigned char *)msg, mlen, out, &n) &&
         n == 32;
}

/* "20150830T123600Z" for t (see sigv4.h). */
void sigv4_amz_date(int64_t t, char buf[17])
{
  time_t tt = (time_t)t;
  struct tm tm;

  if (!gmtime_r(&tt, &tm))
    memset(&tm, 0, sizeof tm);
  strftime(buf, 17, "%Y%m%dT%H%M%SZ", &tm);
}

/* }==== */

/* {==== canonical URI and query ==== */

/* Append path with dot segments removed and empty segments dropped (botocore's rules). */
static bool append_normalized(struct sh_buf *b, const char *path)
{
  size_t n = strlen(path), nseg = 0, cap = n / 2 + 2;
  const char **seg = malloc(cap * sizeof *seg);
  size_t *seglen = malloc(cap * sizeof *seglen);
  bool ok = seg && seglen;

  for (size_t i = 0; ok && i <= n;) {
    size_t j = i;

    while (j < n && path[j] != '/')
      j++;
    if (j - i == 2 && path[i] == '.' && path[i + 1] == '.') {
      if (nseg > 0)
        nseg--;
    } else if (j > i && !(j - i == 1 && path[i] == '.')) {
      seg[nseg] = path + i;
      seglen[nseg++] = j - i;
    }
    i = j + 1;
  }
  if (ok && n > 0 && path[0] == '/')
    ok = sh_buf_append(b, "/", 1) == SH_OK;
  for (size_t k = 0; ok && k < nseg; k++)
    ok = (k == 0 || sh_buf_append(b, "/", 1) == SH_OK) &&
         sh_buf_append(b, seg[k], seglen[k]) == SH_OK;
  if (ok && n > 0 && path[n - 1] == '/' && nseg > 0)
    ok = sh_buf_append(b, "/", 1) == SH_OK;
  free(seg);
  free(seglen);
  return ok;
}

/* The canonical URI line (without its newline). */
static bool append_uri(struct sh_buf *b, const struct sigv4_params *p, const char *path)
{
  struct sh_buf t = { 0 };
  bool ok;

  if (!path || !*path)
    path = "/";
  if (!p->normalize_path && !p->encode_path)
    return sh_buf_append(b, path, strlen(path)) == SH_OK;
  if (p->normalize_path) {
    ok = append_normalized(&t, path);
    if (ok && t.len == 0)
      ok = sh_buf_append(&t, "/", 1) == SH_OK;
  } else {
    ok = sh_buf_append(&t, path, strlen(path)) == SH_OK;
  }
  if (ok)
    ok = p->encode_path ? append_encoded(b, t.data, t.len, true)
                        : sh_buf_append(b, t.data, t.len) == SH_OK;
  sh_buf_free(&t);
  return ok;
}

/* One query parameter, canonically encoded. */
struct qparam {
  char *name;                   /* encoded name */
  char *value;                  /* encoded value */
};

static int cmp_qparam(const void *a, const void *b)
{
  const struct qparam *x = a, *y = b;
  int c = strcmp(x->name, y->name);

  return c != 0 ? c : strcmp(x->value, y->value);
}

/* Decode then re-encode s[0..len) into a new string; NULL when out of memory. */
static char *recode(const char *s, size_t len)
{
  struct sh_buf d = { 0 };
  char *r = NULL;

  if (append_decoded(&d, s, len))
    r = sigv4_uri_encode(d.data ? d.data : "", d.len, false);
  sh_buf_free(&d);
  return r;
}

/* Split query into pairs (*out, *n); false when out of memory. */
static bool split_query(const char *q, struct qparam **out, size_t *n)
{
  size_t cap = 1, k = 0;
  struct qparam *v;

  for (const char *s = q; *s; s++)
    cap += *s == '&';
  v = calloc(cap, sizeof *v);
  if (!v)
    return false;
  for (const char *s = q; *s;) {
    const char *amp = strchr(s, '&'), *eq;
    size_t len = amp ? (size_t)(amp - s) : strlen(s);

    eq = memchr(s, '=', len);
    if (len > 0) {
      v[k].name = recode(s, eq ? (size_t)(eq - s) : len);
      v[k].value = eq ? recode(eq + 1, len - (size_t)(eq + 1 - s)) : recode("", 0);
      if (!v[k].name || !v[k].value) {
        *out = v;
        *n = k + 1;
        return false;
      }
      k++;
    }
    s += len + (amp ? 1 : 0);
  }
  *out = v;
  *n = k;
  return true;
}

/* The canonical query line (without its newline). */
static bool append_query(struct sh_buf *b, const char *q)
{
  struct qparam *v = NULL;
  size_t n = 0;
  bool ok;

  if (!q || !*q)
    return true;
  ok = split_query(q, &v, &n);
  if (ok)
    qsort(v, n, sizeof *v, cmp_qparam);
  for (size_t i = 0; ok && i < n; i++)
    ok = (i == 0 || sh_buf_append(b, "&", 1) == SH_OK) &&
         sh_buf_append(b, v[i].name, strlen(v[i].name)) == SH_OK &&
         sh_buf_append(b, "=", 1) == SH_OK &&
         sh_buf_append(b, v[i].value, strlen(v[i].value)) == SH_OK;
  for (size_t i = 0; v && i < n; i++) {
    free(v[i].name);
    free(v[i].value);
  }
  free(v);
  return ok;
}

/* }==== */

/* {==== canonical headers ==== */

/* One header as signed: lower-case name, trimmed value, position for a stable sort. */
struct cheader {
  char *name;                   /* lower-cased, owned */
  char *value;                  /* white space trimmed and squeezed, owned */
  size_t order;                 /* position given, to keep repeated names in order */
};

static int cmp_cheader(const void *a, const void *b)
{
  const struct cheader *x = a, *y = b;
  int c = strcmp(x->name, y->name);

  if (c != 0)
    return c;
  return x->order < y->order ? -1 : x->order > y->order;
}

static bool is_space(char c)
{
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/* A header into h (name lower-cased, value trimmed); false when out of memory. */
static bool make_cheader(struct cheader *h, const char *name, const char *value, size_t order)
{
  size_t nl = strlen(name), j = 0;

  h->order = order;
  h->name = malloc(nl + 1);
  h->value = malloc(strlen(value) + 1);
  if (!h->name || !h->value)
    return false;
  for (size_t i = 0; i <= nl; i++)
    h->name[i] = (char)(name[i] >= 'A' && name[i] <= 'Z' ? name[i] + 32 : name[i]);
  for (const char *s = value; *s;) {
    if (is_space(*s)) {
      while (*s && is_space(*s))
        s++;
      if (*s && j > 0)
        h->value[j++] = ' ';
      continue;
    }
    h->value[j++] = *s++;
  }
  h->value[j] = '\0';
  return true;
}

/* Headers the signer adds itself; a caller's copy is ignored. */
static bool signer_header(const char *name)
{
  return strcasecmp(name, "authorization") == 0 || strcasecmp(name, "x-amz-date") == 0 ||
         strcasecmp(name, "x-amz-security-token") == 0 ||
         strcasecmp(name, "x-amz-content-sha256") == 0;
}

/* The headers to sign, sorted: the request's plus the signer's (hash, date, token). */
struct cheaders {
  struct cheader *v;            /* owned array */
  size_t n;
};

static void free_cheaders(struct cheaders *hs)
{
  for (size_t i = 0; i < hs->n; i++) {
    free(hs->v[i].name);
    if (hs->v[i].value)
      OPENSSL_cleanse(hs->v[i].value, strlen(hs->v[i].value));
    free(hs->v[i].value);
  }
  free(hs->v);
}

static bool collect_headers(struct cheaders *hs, const struct sigv4_request *rq,
                            const struct sigv4_params *p, const char *date,
                            const char *payload, bool presign)
{
  bool token = p->session_token && *p->session_token && !p->omit_session_token && !presign;

  hs->n = 0;
  hs->v = calloc(rq->nheaders + 3, sizeof *hs->v);
  if (!hs->v)
    return false;
  for (size_t i = 0; i < rq->nheaders; i++) {
    if (signer_header(rq->headers[i].name))
      continue;
    if (!make_cheader(&hs->v[hs->n++], rq->headers[i].name, rq->headers[i].value, i))
      return false;
  }
  if (!presign && !make_cheader(&hs->v[hs->n++], "x-amz-date", date, SIZE_MAX))
    return false;
  if (!presign && p->content_sha256_header &&
      !make_cheader(&hs->v[hs->n++], "x-amz-content-sha256", payload, SIZE_MAX))
    return false;
  if (token && !make_cheader(&hs->v[hs->n++], "x-amz-security-token", p->session_token,
                             SIZE_MAX))
    return false;
  qsort(hs->v, hs->n, sizeof *hs->v, cmp_cheader);
  return true;
}

/* "name:v1,v2\n" lines, then the blank line, then "a;b;c" into signed. */
static bool append_headers(struct sh_buf *b, struct sh_buf *signed_names,
                           const struct cheaders *hs)
{
  bool ok = true;

  for (size_t i = 0; ok && i < hs->n; i++) {
    const struct cheader *h = &hs->v[i];
    bool same = i > 0 && strcmp(hs->v[i - 1].name, h->name) == 0;

    if (same) {
      ok = sh_buf_append(b, ",", 1) == SH_OK;
    } else {
      ok = (i == 0 || sh_buf_append(b, "\n", 1) == SH_OK) &&
           sh_buf_append(b, h->name, strlen(h->name)) == SH_OK &&
           sh_buf_append(b, ":", 1) == SH_OK &&
           (signed_names->len == 0 || sh_buf_append(signed_names, ";", 1) == SH_OK) &&
           sh_buf_append(signed_names, h->name, strlen(h->name)) == SH_OK;
    }
    if (ok)
      ok = sh_buf_append(b, h->value, strlen(h->value)) == SH_OK;
  }
  return ok && sh_buf_append(b, "\n\n", 2) == SH_OK;
}

/* }==== */

/* {==== signing ==== */

/* Append "&name=" and value percent-encoded to b (no '&' when b is empty). */
static bool add_param(struct sh_buf *b, const char *name, const char *value)
{
  return (b->len == 0 || sh_buf_append(b, "&", 1) == SH_OK) &&
         sh_buf_append(b, name, strlen(name)) == SH_OK && sh_buf_append(b, "=", 1) == SH_OK &&
         append_encoded(b, value, strlen(value), false);
}

/*
** The presigned URL's parameters, in the order they are sent: algorithm,
** credential, date, signed headers, expiry, and the token when it is signed.
*/
static bool presign_params(struct sh_buf *b, const struct sigv4_params *p, const char *date,
                           const char *signed_names, int64_t expires)
{
  char cred[512], exp[24];

  snprintf(cred, sizeof cred, "%s/%.8s/%s/%s/aws4_request", p->access_key, date, p->region,
           p->service);
  snprintf(exp, sizeof exp, "%lld", (long long)expires);
  return add_param(b, "X-Amz-Algorithm", "AWS4-HMAC-SHA256") &&
         add_param(b, "X-Amz-Credential", cred) && add_param(b, "X-Amz-Date", date) &&
         add_param(b, "X-Amz-SignedHeaders", signed_names) &&
         add_param(b, "X-Amz-Expires", exp) &&
         (!p->session_token || !*p->session_token || p->omit_session_token ||
          add_param(b, "X-Amz-Security-Token", p->session_token));
}

/*
** Build the canonical request into cr and the signed header names into sn.
** With pq (presigning), the presign parameters go into *pq and join the query.
*/
static bool canonical_request(struct sh_buf *cr, struct sh_buf *sn,
                              const struct sigv4_params *p, const struct sigv4_request *rq,
                              const char *date, const char *payload, struct sh_buf *pq,
                              int64_t expires)
{
  struct cheaders hs = { NULL, 0 };
  struct sh_buf hb = { 0 }, q = { 0 };
  const char *query = rq->query ? rq->query : "";
  bool ok;

  ok = collect_headers(&hs, rq, p, date, payload, pq != NULL) && append_headers(&hb, sn, &hs);
  if (ok && pq) {
    ok = presign_params(pq, p, date, sn->data ? sn->data : "", expires) &&
         sh_buf_append(&q, query, strlen(query)) == SH_OK &&
         (!*query || sh_buf_append(&q, "&", 1) == SH_OK) &&
         sh_buf_append(&q, pq->data, pq->len) == SH_OK;
    query = q.data;
  }
  ok = ok && sh_buf_append(cr, rq->method, strlen(rq->method)) == SH_OK &&
       sh_buf_append(cr, "\n", 1) == SH_OK && append_uri(cr, p, rq->path) &&
       sh_buf_append(cr, "\n", 1) == SH_OK && append_query(cr, query) &&
       sh_buf_append(cr, "\n", 1) == SH_OK && sh_buf_append(cr, hb.data, hb.len) == SH_OK &&
       sh_buf_append(cr, sn->data, sn->len) == SH_OK && sh_buf_append(cr, "\n", 1) == SH_OK &&
       sh_buf_append(cr, payload, strlen(payload)) == SH_OK;
  free_cheaders(&hs);
  if (hb.data)
    OPENSSL_cleanse(hb.data, hb.len);
  sh_buf_free(&hb);
  sh_buf_free(&q);
  return ok;
}

/* The hex signature of sts with the key derived from p at date8. */
static bool signature(const struct sigv4_params *p, const char *date8, const char *sts,
                      char hex[SIGV4_SHA256_HEX])
{
  size_t sl = strlen(p->secret_key);
  unsigned char k[32], k2[32], sig[32];
  char *key = malloc(sl + 5);
  bool ok;

  if (!key)
    return false;
  memcpy(key, "AWS4", 4);
  memcpy(key + 4, p->secret_key, sl + 1);
  ok = hmac((unsigned char *)key, sl + 4, date8, 8, k) &&
       hmac(k, 32, p->region, strlen(p->region), k2) &&
       hmac(k2, 32, p->service, strlen(p->service), k) &&
       hmac(k, 32, "aws4_request", 12, k2) && hmac(k2, 32, sts, strlen(sts), sig);
  if (ok)
    to_hex(sig, 32, hex);
  OPENSSL_cleanse(key, sl + 4);
  OPENSSL_cleanse(k, sizeof k);
  OPENSSL_cleanse(k2, sizeof k2);
  free(key);
  return ok;
}

/* A new header name: value pair in r->added; false when out of memory. */
static bool add_header(struct sigv4_result *r, const char *name, const char *value)
{
  struct aws_header *h = &r->added[r->nadded];

  h->name = strdup(name);
  h->value = strdup(value);
  if (!h->name || !h->value) {
    free(h->name);
    free(h->value);
    h->name = h->value = NULL;
    return false;
  }
  r->nadded++;
  return true;
}

/* The string to sign of cr into out->string_to_sign, and the signature. */
static bool sign_request(const struct sigv4_params *p, struct sigv4_result *out,
                         const struct sh_buf *cr, const char *scope)
{
  char crhash[SIGV4_SHA256_HEX];
  struct sh_buf sts = { 0 };
  bool ok;

  ok = sigv4_sha256_hex(cr->data, cr->len, crhash) == 0 &&
       sh_buf_append(&sts, "AWS4-HMAC-SHA256\n", 17) == SH_OK &&
       sh_buf_append(&sts, out->amz_date, 16) == SH_OK && sh_buf_append(&sts, "\n", 1) == SH_OK &&
       sh_buf_append(&sts, scope, strlen(scope)) == SH_OK &&
       sh_buf_append(&sts, "\n", 1) == SH_OK &&
       sh_buf_append(&sts, crhash, 64) == SH_OK &&
       signature(p, out->amz_date, sts.data, out->signature);
  out->string_to_sign = sts.data;
  return ok;
}

/* The string to sign, the signature, then the headers to add. */
static bool finish(const struct sigv4_params *p, struct sigv4_result *out,
                   const struct sh_buf *cr, const struct sh_buf *sn, const char *payload)
{
  char scope[256];
  struct sh_buf az = { 0 };
  bool ok;

  snprintf(scope, sizeof scope, "%.8s/%s/%s/aws4_request", out->amz_date, p->region,
           p->service);
  ok = sign_request(p, out, cr, scope);
  ok = ok && sh_buf_append(&az, "AWS4-HMAC-SHA256 Credential=", 28) == SH_OK &&
       sh_buf_append(&az, p->access_key, strlen(p->access_key)) == SH_OK &&
       sh_buf_append(&az, "/", 1) == SH_OK && sh_buf_append(&az, scope, strlen(scope)) == SH_OK &&
       sh_buf_append(&az, ", SignedHeaders=", 16) == SH_OK &&
       sh_buf_append(&az, sn->data, sn->len) == SH_OK &&
       sh_buf_append(&az, ", Signature=", 12) == SH_OK &&
       sh_buf_append(&az, out->signature, 64) == SH_OK;
  if (ok && p->session_token && *p->session_token)
    ok = add_header(out, "X-Amz-Security-Token", p->session_token);
  ok = ok && add_header(out, "X-Amz-Date", out->amz_date);
  if (ok && p->content_sha256_header)
    ok = add_header(out, "x-amz-content-sha256", payload);
  ok = ok && add_header(out, "Authorization", az.data);
  sh_buf_free(&az);
  return ok;
}

/* Common start of signing: checks, the date and the payload hash.  false on bad input. */
static bool begin(const struct sigv4_params *p, const struct sigv4_request *rq,
                  struct sigv4_result *out, char payload[SIGV4_SHA256_HEX])
{
  memset(out, 0, sizeof *out);
  if (!p || !rq || !rq->method || !p->access_key || !p->secret_key || !p->region ||
      !p->service)
    return false;
  crypto_init();
  sigv4_amz_date(p->time_s, out->amz_date);
  if (p->unsigned_payload) {
    memcpy(payload, SIGV4_UNSIGNED_PAYLOAD, sizeof SIGV4_UNSIGNED_PAYLOAD);
    return true;
  }
  return sigv4_sha256_hex(rq->body, rq->body ? rq->body_len : 0, payload) == 0;
}

/* Sign rq with p (see sigv4.h). */
int sigv4_sign(const struct sigv4_params *p, const struct sigv4_request *rq,
               struct sigv4_result *out)
{
  struct sh_buf cr = { 0 }, sn = { 0 };
  char payload[SIGV4_SHA256_HEX];
  bool ok;

  if (!begin(p, rq, out, payload))
    return -1;
  ok = canonical_request(&cr, &sn, p, rq, out->amz_date, payload, NULL, 0) &&
       finish(p, out, &cr, &sn, payload);
  out->canonical_request = cr.data;
  sh_buf_free(&sn);
  if (!ok) {
    sigv4_result_free(out);
    return -1;
  }
  return 0;
}

/* The query of the presigned request: rq's, the parameters, the token, the signature. */
static bool presigned_query(const struct sigv4_params *p, const struct sigv4_request *rq,
                            const struct sh_buf *pq, struct sigv4_result *out)
{
  struct sh_buf b = { 0 };
  bool ok = true;

  if (rq->query && *rq->query)
    ok = sh_buf_append(&b, rq->query, strlen(rq->query)) == SH_OK;
  ok = ok && (b.len == 0 || sh_buf_append(&b, "&", 1) == SH_OK) &&
       sh_buf_append(&b, pq->data, pq->len) == SH_OK;
  if (ok && p->session_token && *p->session_token && p->omit_session_token)
    ok = add_param(&b, "X-Amz-Security-Token", p->session_token);
  ok = ok && add_param(&b, "X-Amz-Signature", out->signature);
  out->presigned_query = b.data;
  return ok;
}

/* Presign rq with p for expires seconds (see sigv4.h). */
int sigv4_presign(const struct sigv4_params *p, const struct sigv4_request *rq,
                  int64_t expires, struct sigv4_result *out)
{
  struct sh_buf cr = { 0 }, sn = { 0 }, pq = { 0 };
  char payload[SIGV4_SHA256_HEX], scope[256];
  bool ok;

  if (!begin(p, rq, out, payload))
    return -1;
  snprintf(scope, sizeof scope, "%.8s/%s/%s/aws4_request", out->amz_date, p->region,
           p->service);
  ok = canonical_request(&cr, &sn, p, rq, out->amz_date, payload, &pq, expires) &&
       sign_request(p, out, &cr, scope) && presigned_query(p, rq, &pq, out);
  out->canonical_request = cr.data;
  sh_buf_free(&sn);
  if (pq.data)
    OPENSSL_cleanse(pq.data, pq.len);
  sh_buf_free(&pq);
  if (!ok) {
    sigv4_result_free(out);
    return -1;
  }
  return 0;
}

/* Release and wipe r (see sigv4.h). */
void sigv4_result_free(struct sigv4_result *r)
{
  if (!r)
    return;
  for (size_t i = 0; i < r->nadded; i++) {
    if (r->added[i].value)
      OPENSSL_cleanse(r->added[i].value, strlen(r->added[i].value));
    free(r->added[i].name);
    free(r->added[i].value);
  }
  if (r->canonical_request)
    OPENSSL_cleanse(r->canonical_request, strlen(r->canonical_request));
  free(r->canonical_request);
  free(r->string_to_sign);
  if (r->presigned_query)
    OPENSSL_cleanse(r->presigned_query, strlen(r->presigned_query));
  free(r->presigned_query);
  memset(r, 0, sizeof *r);
}

/* }==== */
