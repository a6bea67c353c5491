/*
** fuzz_http_reply.c: libFuzzer harness for http.bench's reply parser
** (stdlib/http_reply.c): the bytes come from whatever server the bench is
** pointed at.
**
** Input: one byte of flags (bit 0: the request was HEAD), one byte giving
** the size of the pieces the reply arrives in (1..256), then the reply.
** The parser must never crash or overrun its line buffer, and it must not
** depend on how the bytes are cut up: the reply fed whole and fed in
** pieces must end the same (complete with the same status and length,
** malformed, or waiting for more).  A complete reply has a final status.
**
** Build and run: scripts/fuzz.sh [SECONDS].
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stdlib/http_reply.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* How a feeding ended: -1 malformed, else the bytes used, with the state. */
struct outcome {
  int64_t used;
  enum http_reply_state rs;
  int status;
  int64_t head;
};

static struct http_reply whole, cut;   /* 8 KiB lines: not on the stack */

static struct outcome feed(struct http_reply *r, bool head, const char *p, size_t n, size_t piece)
{
  struct outcome o = { 0, HTTP_REPLY_STATUS, 0, 0 };
  size_t at = 0;

  http_reply_begin(r, head);
  while (at < n && r->rs != HTTP_REPLY_DONE) {
    size_t k = n - at < piece ? n - at : piece;
    int64_t used = http_reply_feed(r, p + at, k);

    if (used < 0) {
      o.used = -1;
      return o;
    }
    if ((size_t)used > k || (r->rs != HTTP_REPLY_DONE && (size_t)used != k))
      abort();                  /* fewer bytes used only at the end of the reply */
    if (r->llen > HTTP_REPLY_LINE_MAX || r->head > HTTP_REPLY_HEAD_MAX)
      abort();
    at += (size_t)used;
  }
  o.used = (int64_t)at;
  o.rs = r->rs;
  o.status = r->status;
  o.head = r->head;
  if (r->got != o.used)
    abort();
  if (r->rs == HTTP_REPLY_DONE && (r->status < 200 || r->status > 599))
    abort();                    /* complete means a final status */
  return o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct outcome a, b;
  bool head;
  size_t piece;

  if (size < 2)
    return 0;
  head = data[0] & 1;
  piece = (size_t)data[1] + 1;
  a = feed(&whole, head, (const char *)data + 2, size - 2, size);
  b = feed(&cut, head, (const char *)data + 2, size - 2, piece);
  if (a.used != b.used || (a.used >= 0 && (a.rs != b.rs || a.status != b.status
                                           || a.head != b.head)))
    abort();                    /* the cut changed the result */
  (void)http_reply_closes(&whole);
  return 0;
}
