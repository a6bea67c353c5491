/*
** test_http_reply.c: http.bench's reply parser (stdlib/http_reply.h), fed
** whole and one byte at a time.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "stdlib/http_reply.h"

struct reply_case {
  const char *name;
  const char *bytes;
  bool head_method;
  int64_t used;                 /* bytes used; -1: malformed */
  enum http_reply_state rs;     /* where it ends */
  int status;
  bool closes;                  /* the connection must be closed after it */
};

#define DONE HTTP_REPLY_DONE
static const struct reply_case cases[] = {
  { "content-length", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", false, 43, DONE, 200,
    false },
  { "bytes past the reply are left", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhiHTTP/1.1",
    false, 40, DONE, 200, false },
  { "no body: 204", "HTTP/1.1 204 No Content\r\n\r\n", false, 27, DONE, 204, false },
  { "HEAD has no body", "HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n", true, 39, DONE, 200,
    false },
  { "chunked with trailer",
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n0\r\nT: 1\r\n\r\n",
    false, 72, DONE, 200, false },
  { "100 Continue first",
    "HTTP/1.1 100 Continue\r\n\r\n"
    "HTTP/1.1 404 Nope\r\nContent-Length: 0\r\n\r\n", false, 65, DONE, 404, false },
  { "Connection: close",
    "HTTP/1.1 503 x\r\nConnection: keep-alive, Close\r\n"
    "Content-Length: 0\r\n\r\n", false, 68, DONE, 503, true },
  { "HTTP/1.0 closes", "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", false, 38, DONE, 200, true },
  { "HTTP/1.0 keep-alive", "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n",
    false, 62, DONE, 200, false },
  { "LF only", "HTTP/1.1 200 OK\nContent-Length: 1\n\nx", false, 36, DONE, 200, false },
  { "body to the end", "HTTP/1.1 200 OK\r\n\r\nand more", false, 27, HTTP_REPLY_BODY_EOF, 200,
    true },
  { "incomplete head", "HTTP/1.1 200 OK\r\nContent-Le", false, 27, HTTP_REPLY_HEADERS, 200, false },
  { "not HTTP", "SSH-2.0-OpenSSH\r\n", false, -1, DONE, 0, false },
  { "status 600", "HTTP/1.1 600 x\r\n\r\n", false, -1, DONE, 0, false },
  { "101 unasked", "HTTP/1.1 101 Switching\r\n\r\n", false, -1, DONE, 0, false },
  { "two lengths", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", false, -1,
    DONE, 0, false },
  { "length not a number", "HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n", false, -1, DONE, 0,
    false },
  { "space in a name", "HTTP/1.1 200 OK\r\nBad Name: 1\r\n\r\n", false, -1, DONE, 0, false },
  { "chunk size not hex", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", false, -1,
    DONE, 0, false },
  { "petabyte chunk", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1000000000000000\r\n",
    false, -1, DONE, 0, false },
  { "no CRLF after chunk",
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nxy\r\n", false, -1, DONE, 0, false },
};

static int64_t feed(struct http_reply *r, const struct reply_case *c, size_t piece)
{
  size_t n = strlen(c->bytes), at = 0;

  http_reply_begin(r, c->head_method);
  while (at < n && r->rs != HTTP_REPLY_DONE) {
    size_t k = n - at < piece ? n - at : piece;
    int64_t used = http_reply_feed(r, c->bytes + at, k);

    if (used < 0)
      return -1;
    at += (size_t)used;
  }
  return (int64_t)at;
}

static void test_cases(void **state)
{
  static struct http_reply r;
  size_t pieces[] = { 1, 3, 4096 };

  (void)state;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    for (size_t p = 0; p < sizeof pieces / sizeof pieces[0]; p++) {
      const struct reply_case *c = &cases[i];
      int64_t used = feed(&r, c, pieces[p]);

      if (used != c->used)
        fail_msg("%s (pieces of %zu): used %lld, want %lld", c->name, pieces[p],
                 (long long)used, (long long)c->used);
      if (used < 0)
        continue;
      if (r.rs != c->rs || r.status != c->status || http_reply_closes(&r) != c->closes)
        fail_msg("%s (pieces of %zu): state %d status %d closes %d", c->name, pieces[p],
                 (int)r.rs, r.status, (int)http_reply_closes(&r));
    }
}

/* A line or a head past its bound is malformed, not a buffer overrun. */
static void test_bounds(void **state)
{
  static struct http_reply r;
  size_t n = HTTP_REPLY_HEAD_MAX + 64, at;
  char *big = malloc(n);

  (void)state;
  assert_non_null(big);
  memset(big, 'a', n);
  memcpy(big, "HTTP/1.1 200 OK\r\nX: ", 20);
  http_reply_begin(&r, false);
  assert_int_equal(http_reply_feed(&r, big, HTTP_REPLY_LINE_MAX + 100), -1);
  /* many short headers: the head bound */
  for (at = 17; at + 6 < n; at += 6)
    memcpy(big + at, "X: 1\r\n", 6);
  http_reply_begin(&r, false);
  assert_int_equal(http_reply_feed(&r, big, at), -1);
  free(big);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_cases),
    cmocka_unit_test(test_bounds),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
