/*
** http_reply.c: the bounded HTTP/1.x reply parser of http.bench (see
** http_reply.h).  No allocation; the state is in struct http_reply.
*/
#include "stdlib/http_reply.h"

#include <string.h>
#include <strings.h>

void
http_reply_begin(struct http_reply *r, bool head_method)
{
  r->rs = HTTP_REPLY_STATUS;
  r->head_method = head_method;
  r->status = 0;
  r->got = r->head = r->left = 0;
  r->has_len = r->chunked = r->close = r->keep_alive = r->http10 = false;
  r->llen = 0;
}

bool
http_reply_closes(const struct http_reply *r)
{
  return r->close || (r->http10 && !r->keep_alive);
}

/* Is the header value v[0..n) a comma-separated list holding the token tok (any case)? */
static bool
has_token(const char *v, size_t n, const char *tok)
{
  size_t tl = strlen(tok), i = 0;

  while (i < n) {
    size_t j;

    while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
      i++;
    j = i;
    while (j < n && v[j] != ',')
      j++;
    size_t k = j;
    while (k > i && (v[k - 1] == ' ' || v[k - 1] == '\t'))
      k--;
    if (k - i == tl && strncasecmp(v + i, tok, tl) == 0)
      return true;
    i = j;
  }
  return false;
}

/* Is the last coding of the Transfer-Encoding value v[0..n) chunked? */
static bool
last_is_chunked(const char *v, size_t n)
{
  size_t k = n, i;

  while (k > 0 && (v[k - 1] == ' ' || v[k - 1] == '\t'))
    k--;
  i = k;
  while (i > 0 && v[i - 1] != ',' && v[i - 1] != ' ' && v[i - 1] != '\t')
    i--;
  return k - i == 7 && strncasecmp(v + i, "chunked", 7) == 0;
}

/* The status line "HTTP/1.x NNN reason" of r->line; false when malformed. */
static bool
parse_status(struct http_reply *r)
{
  const char *l = r->line;
  size_t n = r->llen;

  if (n < 12 || memcmp(l, "HTTP/1.", 7) != 0 || (l[7] != '0' && l[7] != '1') || l[8] != ' ')
    return false;
  for (int i = 9; i < 12; i++)
    if (l[i] < '0' || l[i] > '9')
      return false;
  if (n > 12 && l[12] != ' ')
    return false;
  r->status = (l[9] - '0') * 100 + (l[10] - '0') * 10 + (l[11] - '0');
  r->http10 = l[7] == '0';
  return r->status >= 100 && r->status <= 599;
}

/* One header line of r->line; false when malformed. */
static bool
parse_header(struct http_reply *r)
{
  const char *l = r->line, *colon = memchr(l, ':', r->llen);
  size_t nl, vi, vn;

  if (colon == NULL || colon == l || l[0] == ' ' || l[0] == '\t')
    return false;
  nl = (size_t)(colon - l);
  if (memchr(l, ' ', nl) != NULL || memchr(l, '\t', nl) != NULL)
    return false;
  vi = nl + 1;
  while (vi < r->llen && (l[vi] == ' ' || l[vi] == '\t'))
    vi++;
  vn = r->llen - vi;
  while (vn > 0 && (l[vi + vn - 1] == ' ' || l[vi + vn - 1] == '\t'))
    vn--;
  if (nl == 14 && strncasecmp(l, "content-length", 14) == 0) {
    int64_t v = 0;

    if (vn == 0 || vn > 15)
      return false;
    for (size_t i = vi; i < vi + vn; i++) {
      if (l[i] < '0' || l[i] > '9')
        return false;
      v = v * 10 + (l[i] - '0');
    }
    if (r->has_len && v != r->left)
      return false;             /* two different lengths */
    r->has_len = true;
    r->left = v;
  } else if (nl == 17 && strncasecmp(l, "transfer-encoding", 17) == 0) {
    r->chunked = last_is_chunked(l + vi, vn);
    if (!r->chunked)
      r->close = true;          /* another coding last: the body ends with the connection */
  } else if (nl == 10 && strncasecmp(l, "connection", 10) == 0) {
    r->close = r->close || has_token(l + vi, vn, "close");
    r->keep_alive = r->keep_alive || has_token(l + vi, vn, "keep-alive");
  }
  return true;
}

/* The head of r ended: where its body is.  false when malformed. */
static bool
head_ended(struct http_reply *r)
{
  if (r->status < 200) {        /* 100 Continue and the like: the real head follows */
    if (r->status == 101)
      return false;             /* no protocol switch was asked */
    r->rs = HTTP_REPLY_STATUS;
    r->has_len = r->chunked = r->close = r->keep_alive = false;
    return true;
  }
  if (r->head_method || r->status == 204 || r->status == 304) {
    r->rs = HTTP_REPLY_DONE;
    r->left = 0;
  } else if (r->chunked) {
    r->rs = HTTP_REPLY_CHUNK_SIZE;
  } else if (r->has_len) {
    r->rs = r->left > 0 ? HTTP_REPLY_BODY_LEN : HTTP_REPLY_DONE;
  } else {
    r->rs = HTTP_REPLY_BODY_EOF;
    r->close = true;
  }
  return true;
}

/* The chunk-size line of r (hex, then extensions); false when malformed. */
static bool
parse_chunk_size(struct http_reply *r)
{
  int64_t v = 0;
  size_t i = 0;

  for (; i < r->llen; i++) {
    char c = r->line[i];
    int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
            : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
    if (d < 0)
      break;
    if (i >= 15)
      return false;             /* a chunk of a petabyte */
    v = v * 16 + d;
  }
  if (i == 0 || (i < r->llen && r->line[i] != ';' && r->line[i] != ' ' && r->line[i] != '\t'))
    return false;
  r->left = v;
  r->rs = v > 0 ? HTTP_REPLY_CHUNK_DATA : HTTP_REPLY_TRAILER;
  return true;
}

/* A complete line is in r->line (CR stripped): act on it.  false when malformed. */
static bool
on_line(struct http_reply *r)
{
  switch (r->rs) {
  case HTTP_REPLY_STATUS:
    r->rs = HTTP_REPLY_HEADERS;
    return parse_status(r);
  case HTTP_REPLY_HEADERS:
    return r->llen == 0 ? head_ended(r) : parse_header(r);
  case HTTP_REPLY_CHUNK_SIZE:
    return parse_chunk_size(r);
  case HTTP_REPLY_CHUNK_END:
    r->rs = HTTP_REPLY_CHUNK_SIZE;
    return r->llen == 0;
  case HTTP_REPLY_TRAILER:
    if (r->llen == 0)
      r->rs = HTTP_REPLY_DONE;
    return true;
  default:
    return false;
  }
}

int64_t
http_reply_feed(struct http_reply *r, const char *p, size_t n)
{
  size_t i = 0;

  while (i < n && r->rs != HTTP_REPLY_DONE) {
    if (r->rs == HTTP_REPLY_BODY_EOF) {
      i = n;
    } else if (r->rs == HTTP_REPLY_BODY_LEN || r->rs == HTTP_REPLY_CHUNK_DATA) {
      size_t k = n - i < (uint64_t)r->left ? n - i : (size_t)r->left;

      i += k;
      r->left -= (int64_t)k;
      if (r->left == 0)
        r->rs = r->rs == HTTP_REPLY_BODY_LEN ? HTTP_REPLY_DONE : HTTP_REPLY_CHUNK_END;
    } else {
      const char *nl = memchr(p + i, '\n', n - i);
      size_t k = nl != NULL ? (size_t)(nl - (p + i)) : n - i;

      if (r->llen + k > HTTP_REPLY_LINE_MAX)
        return -1;
      memcpy(r->line + r->llen, p + i, k);
      r->llen += k;
      i += k;
      if (r->rs == HTTP_REPLY_STATUS || r->rs == HTTP_REPLY_HEADERS) {
        r->head += (int64_t)k + (nl != NULL);
        if (r->head > HTTP_REPLY_HEAD_MAX)
          return -1;
      }
      if (nl == NULL)
        break;
      i++;                      /* the LF */
      if (r->llen > 0 && r->line[r->llen - 1] == '\r')
        r->llen--;
      if (!on_line(r))
        return -1;
      r->llen = 0;
    }
  }
  r->got += (int64_t)i;
  return (int64_t)i;
}
