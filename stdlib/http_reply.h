/*
** http_reply.h: a bounded, allocation-free HTTP/1.x reply parser (the
** reader of http.bench: stdlib/http_bench.c).
**
** It is fed the bytes of one reply as they arrive and says when the reply
** is complete: status line, headers (Content-Length, Transfer-Encoding,
** Connection), a body of Content-Length bytes, chunked, or to the end of
** the connection, and the trailer.  Body bytes are counted, not kept.  A
** line is at most HTTP_REPLY_LINE_MAX bytes and the head at most
** HTTP_REPLY_HEAD_MAX: a longer one is malformed.  Fuzzed by
** tests/fuzz/fuzz_http_reply.c.
*/
#ifndef RBC_HTTP_REPLY_H
#define RBC_HTTP_REPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP_REPLY_LINE_MAX 8192        /* longest status, header, chunk-size or trailer line */
#define HTTP_REPLY_HEAD_MAX 65536       /* bytes of a reply's status line and headers together */

/* Where the parser is. */
enum http_reply_state {
  HTTP_REPLY_STATUS,            /* the status line */
  HTTP_REPLY_HEADERS,           /* header lines, up to the empty one */
  HTTP_REPLY_BODY_LEN,          /* body of Content-Length bytes */
  HTTP_REPLY_BODY_EOF,          /* body up to the end of the connection */
  HTTP_REPLY_CHUNK_SIZE,        /* a chunk-size line */
  HTTP_REPLY_CHUNK_DATA,        /* chunk data */
  HTTP_REPLY_CHUNK_END,         /* the CRLF after chunk data */
  HTTP_REPLY_TRAILER,           /* trailer lines, up to the empty one */
  HTTP_REPLY_DONE               /* the reply is complete */
};

struct http_reply {
  enum http_reply_state rs;
  bool head_method;             /* the request was HEAD: the reply has no body */
  int status;                   /* its status code (100..599 once the status line is read) */
  int64_t got;                  /* bytes of it read */
  int64_t head;                 /* bytes of its head read */
  int64_t left;                 /* bytes left in the body or chunk */
  bool has_len, chunked, close, keep_alive, http10;
  size_t llen;                  /* bytes in line */
  char line[HTTP_REPLY_LINE_MAX];       /* the line being read */
};

/* Get r ready for the reply to a request (head_method: it was a HEAD). */
void http_reply_begin(struct http_reply *r, bool head_method);

/*
** Feed p[0..n) of the reply to r.  Returns the bytes used (at most n;
** fewer only when the reply ended: r->rs is then HTTP_REPLY_DONE), or -1
** when the reply is malformed.  HTTP_REPLY_BODY_EOF ends with the
** connection, which the caller sees.
*/
int64_t http_reply_feed(struct http_reply *r, const char *p, size_t n);

/* After a complete reply: must the connection be closed (Connection: close, HTTP/1.0)? */
bool http_reply_closes(const struct http_reply *r);

#endif
