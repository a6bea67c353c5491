/*
** http_bench.c: http.bench, the runbook's `ab -n 100 -c 10`.
**
**   http.bench(url, requests: 100, concurrency: 10, method: "GET",
**              headers: {...}, body: "..." | json: value, timeout: 30s,
**              insecure: false, cacert: "ca.pem")
**
** `concurrency` connections stay open; each sends the next request as soon
** as its reply is in, until `requests` have been sent.  libcurl does what
** it is good at: each connection is an easy handle with CURLOPT_CONNECT_ONLY
** on a multi handle of the bench's own (resolving, connecting and TLS run
** asynchronously; reconnects too), whose sockets the bench watches (not
** the run's multi handle: the loop removes a handle whose transfer ended,
** and libcurl 7.88 closes a CONNECT_ONLY connection whose handle leaves its
** multi handle).  On an
** established connection the bench does the per-request work itself
** (bench/README.md "HTTP": libcurl spent ~52,000 instructions a request):
** it writes a request built once (bench_request) and reads the reply
** (curl_easy_send/recv on https, where libcurl does the TLS; send/recv on
** the socket on http: conn_send) through a
** small bounded parser (http_reply.c: status line, Content-Length, chunked,
** to the end of the connection, Connection: close) that allocates nothing.
** Every wait is one loop_wait_fds on the run's loop (a `parallel` branch
** lets the others run), or poll(2) without a loop.  Like ab and wrk it
** measures the server: a direct connection (no proxy), HTTP/1.1, no
** User-Agent of its own, no redirects followed.
**
** Result: {requests, failed, rps, mean, min, max, p50, p90, p95, p99,
** statuses}: requests completed (int), failed (no reply, or a status of 400
** or more), requests per second (float, over the real elapsed time),
** latencies of the replies as durations (milliseconds, rounded; nearest-
** rank percentiles), statuses a map "200": count.  When no request at all
** got a reply the call fails with the first transfer's network code
** (RB5012 ...), as http.get would.  Times are real (the virtual clock does
** not apply to the network).
*/
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <sys/socket.h>

#include "stdlib/http.h"
#include "stdlib/http_reply.h"
#include "stdlib/loop.h"
#include "stdlib/sim.h"
#include "stdlib/natives_int.h"

#define BENCH_MAX_REQUESTS 1000000
#define BENCH_MAX_CONCURRENCY 1000

/* {==== the run ==== */

/* Where a connection slot is. */
enum slot_state {
  SLOT_IDLE,                    /* no request: done, or waiting for none */
  SLOT_CONNECTING,              /* on the connect multi handle */
  SLOT_SENDING,                 /* writing the request */
  SLOT_RECEIVING                /* reading the reply */
};

#define BENCH_RECV_BUF 65536    /* bytes read at a time */

/* One connection and the request on it. */
struct slot {
  CURL *e;                      /* CONNECT_ONLY easy handle (libcurl connects, does TLS) */
  curl_socket_t fd;             /* its socket once connected */
  enum slot_state st;
  bool connected;               /* fd is usable */
  bool on_multi;                /* e is on the connect multi handle */
  size_t sent;                  /* bytes of the request written */
  int64_t t0;                   /* real us when the request started */
  int64_t served;               /* replies read on this connection */
  bool retried;                 /* the request was resent once after a stale connection */
  struct http_reply r;          /* the reply being read */
};

/* One bench: the counters and the connections. */
struct bench {
  struct rbc_loop *loop;        /* the run's loop, or NULL: poll(2) directly */
  CURLM *cm;                    /* connects the slots (its own: see bench_connect) */
  struct slot *slots;           /* concurrency of them */
  int nslots;
  char *req;                    /* the request, built once */
  size_t req_len;
  bool head;                    /* method HEAD: replies have no body */
  bool tls;                     /* https: the bytes go through libcurl's TLS */
  int64_t timeout_us;           /* a request's limit, connecting included */
  int64_t requests;             /* to send */
  int64_t started, finished;    /* so far */
  int64_t failed;               /* no reply, or status >= 400 */
  int64_t *lat_us;              /* latency of each reply, microseconds */
  int64_t nlat;                 /* entries in lat_us */
  int64_t status_count[600];    /* replies per status code (0..599) */
  CURLcode first_error;         /* the first request error */
  bool done;                    /* every started request has finished */
  struct pollfd *pfds;          /* what the next wait watches */
  int *pwho;                    /* slot of each, or -1: a socket of cm */
  size_t npfds, cappfds;
  struct pollfd *csocks;        /* cm's sockets (CURLMOPT_SOCKETFUNCTION) */
  size_t ncsocks, capcsocks;
  int64_t cm_due;               /* real us of cm's timer, or -1 */
  char *rbuf;                   /* BENCH_RECV_BUF bytes: what a recv returned */
};

/* Microseconds on the real monotonic clock. */
static int64_t
bench_now_us(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* CURLMOPT_SOCKETFUNCTION of cm: the sockets a connect waits on. */
static int
cm_socket(CURL *e, curl_socket_t s, int what, void *ud, void *sp)
{
  struct bench *b = ud;
  size_t i = 0;

  (void)e;
  (void)sp;
  while (i < b->ncsocks && b->csocks[i].fd != s)
    i++;
  if (what == CURL_POLL_REMOVE) {
    if (i < b->ncsocks)
      b->csocks[i] = b->csocks[--b->ncsocks];
    return 0;
  }
  if (i == b->capcsocks) {
    size_t cap = b->capcsocks ? b->capcsocks * 2 : 16;
    struct pollfd *a = realloc(b->csocks, cap * sizeof *a);

    if (a == NULL)
      return -1;
    b->csocks = a;
    b->capcsocks = cap;
  }
  if (i == b->ncsocks)
    b->ncsocks++;
  b->csocks[i].fd = s;
  b->csocks[i].events = (short)((what & CURL_POLL_IN ? POLLIN : 0)
                                | (what & CURL_POLL_OUT ? POLLOUT : 0));
  b->csocks[i].revents = 0;
  return 0;
}

/* CURLMOPT_TIMERFUNCTION of cm. */
static int
cm_timer(CURLM *m, long ms, void *ud)
{
  struct bench *b = ud;

  (void)m;
  b->cm_due = ms < 0 ? -1 : bench_now_us() + (int64_t)ms * 1000;
  return 0;
}

/* A request ended without a reply (rc says why). */
static void
bench_fail(struct bench *b, CURLcode rc)
{
  b->finished++;
  b->failed++;
  if (b->first_error == CURLE_OK)
    b->first_error = rc;
}

/* Forget the connection of s (libcurl closes it when e leaves cm). */
static void
slot_disconnect(struct bench *b, struct slot *s)
{
  if (s->on_multi)
    curl_multi_remove_handle(b->cm, s->e);
  s->on_multi = false;
  s->connected = false;
  s->served = 0;
}

/* Give s the next request, connecting first when it has no connection. */
static void slot_next(struct bench *b, struct slot *s);

/* Write the rest of the request of s; on a full write go on to the reply. */
static void slot_send(struct bench *b, struct slot *s);

/* Start (again) the request of s: connect, or write it on the connection. */
static void
slot_begin(struct bench *b, struct slot *s)
{
  s->sent = 0;
  http_reply_begin(&s->r, b->head);
  if (s->connected) {
    s->st = SLOT_SENDING;
    slot_send(b, s);
    return;
  }
  s->st = SLOT_CONNECTING;
  if (curl_multi_add_handle(b->cm, s->e) != CURLM_OK) {
    s->st = SLOT_IDLE;
    bench_fail(b, CURLE_FAILED_INIT);
    return;                     /* the caller's loop sees the slot idle and moves on */
  }
  s->on_multi = true;
}

static void
slot_next(struct bench *b, struct slot *s)
{
  s->st = SLOT_IDLE;
  s->retried = false;
  if (b->started >= b->requests)
    return;
  b->started++;
  s->t0 = bench_now_us();
  slot_begin(b, s);
}

/*
** Was the connection of s a kept-alive one the server closed while idle
** (nothing of this request's reply read)?  Then the request goes once more
** on a new connection, as libcurl does; true when it went.
*/
static bool
slot_stale(struct bench *b, struct slot *s)
{
  if (s->r.got != 0 || s->served == 0 || s->retried)
    return false;
  slot_disconnect(b, s);
  s->retried = true;
  slot_begin(b, s);
  return true;
}

/* The request of s failed with rc: drop the connection, go on with the next request. */
static void
slot_failed(struct bench *b, struct slot *s, CURLcode rc)
{
  slot_disconnect(b, s);
  bench_fail(b, rc);
  slot_next(b, s);
}

/* The reply of s is complete: count it, go on (reconnecting when it said close). */
static void
slot_replied(struct bench *b, struct slot *s, bool reconnect)
{
  b->finished++;
  b->lat_us[b->nlat++] = bench_now_us() - s->t0;
  b->status_count[s->r.status]++;
  if (s->r.status >= 400)
    b->failed++;
  s->served++;
  if (reconnect || http_reply_closes(&s->r))
    slot_disconnect(b, s);
  slot_next(b, s);
}

/* }==== */

/* {==== driving the connections ==== */

/*
** Write or read on the connection of s, as curl_easy_send/recv would (*n
** bytes; CURLE_AGAIN: not now; a 0-byte read: the end).  On https the
** bytes go through libcurl (its TLS); on http straight through send(2)
** and recv(2) on the socket libcurl connected: curl_easy_send/recv find
** the connection in libcurl's cache on every call, about 1,100
** instructions each, a fifth of the bench's whole work per request.
*/
static CURLcode
conn_send(const struct bench *b, struct slot *s, const char *p, size_t len, size_t *n)
{
  ssize_t k;

  if (b->tls)
    return curl_easy_send(s->e, p, len, n);
  do
    k = send(s->fd, p, len, MSG_NOSIGNAL);
  while (k < 0 && errno == EINTR);
  *n = k > 0 ? (size_t)k : 0;
  if (k >= 0)
    return CURLE_OK;
  return errno == EAGAIN || errno == EWOULDBLOCK ? CURLE_AGAIN : CURLE_SEND_ERROR;
}

static CURLcode
conn_recv(const struct bench *b, struct slot *s, char *p, size_t len, size_t *n)
{
  ssize_t k;

  if (b->tls)
    return curl_easy_recv(s->e, p, len, n);
  do
    k = recv(s->fd, p, len, 0);
  while (k < 0 && errno == EINTR);
  *n = k > 0 ? (size_t)k : 0;
  if (k >= 0)
    return CURLE_OK;
  return errno == EAGAIN || errno == EWOULDBLOCK ? CURLE_AGAIN : CURLE_RECV_ERROR;
}

static void
slot_send(struct bench *b, struct slot *s)
{
  while (s->sent < b->req_len) {
    size_t n = 0;
    CURLcode rc = conn_send(b, s, b->req + s->sent, b->req_len - s->sent, &n);

    if (rc == CURLE_AGAIN)
      return;
    if (rc != CURLE_OK) {
      if (!slot_stale(b, s))
        slot_failed(b, s, rc == CURLE_UNSUPPORTED_PROTOCOL ? CURLE_SEND_ERROR : rc);
      return;
    }
    s->sent += n;
  }
  s->st = SLOT_RECEIVING;
}

/*
** The connection of s ended (EOF, or an error rc) while a reply was being
** read.  A body up to the end is complete; a stale kept-alive connection
** gets the request once more (slot_stale); anything else failed.
*/
static void
slot_eof(struct bench *b, struct slot *s, CURLcode rc)
{
  if (rc == CURLE_OK && s->r.rs == HTTP_REPLY_BODY_EOF) {
    slot_replied(b, s, true);
    return;
  }
  if (slot_stale(b, s))
    return;
  if (rc == CURLE_OK)
    rc = s->r.got == 0 ? CURLE_GOT_NOTHING : CURLE_PARTIAL_FILE;
  slot_failed(b, s, rc);
}

/* Read what there is of the reply of s. */
static void
slot_recv(struct bench *b, struct slot *s)
{
  for (;;) {
    size_t n = 0;
    CURLcode rc = conn_recv(b, s, b->rbuf, BENCH_RECV_BUF, &n);
    int64_t used;

    if (rc == CURLE_AGAIN)
      return;
    if (rc != CURLE_OK || n == 0) {
      slot_eof(b, s, rc == CURLE_UNSUPPORTED_PROTOCOL ? CURLE_RECV_ERROR : rc);
      return;
    }
    used = http_reply_feed(&s->r, b->rbuf, n);
    if (used < 0) {
      slot_failed(b, s, CURLE_WEIRD_SERVER_REPLY);
      return;
    }
    if (s->r.rs == HTTP_REPLY_DONE) {
      /* bytes past the reply: the server is out of step; do not read them as the next reply */
      slot_replied(b, s, (size_t)used < n);
      return;
    }
  }
}

/* Collect the connects that ended on cm. */
static void
cm_collect(struct bench *b)
{
  CURLMsg *m;
  int left = 0;

  for (m = curl_multi_info_read(b->cm, &left); m != NULL; m = curl_multi_info_read(b->cm, &left)) {
    struct slot *s = NULL;
    curl_socket_t fd = CURL_SOCKET_BAD;
    CURLcode rc = m->data.result;

    if (m->msg != CURLMSG_DONE)
      continue;
    curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&s);
    if (s == NULL || s->st != SLOT_CONNECTING)
      continue;
    if (rc == CURLE_OK && (curl_easy_getinfo(s->e, CURLINFO_ACTIVESOCKET, &fd) != CURLE_OK
                           || fd == CURL_SOCKET_BAD))
      rc = CURLE_COULDNT_CONNECT;
    if (rc != CURLE_OK) {
      slot_failed(b, s, rc);
      continue;
    }
    s->fd = fd;
    s->connected = true;
    s->st = SLOT_SENDING;
    slot_send(b, s);
  }
}

/* Run cm's timer when due, then collect. */
static void
cm_progress(struct bench *b)
{
  int running = 0;

  for (int i = 0; i < 4 && b->cm_due >= 0 && bench_now_us() >= b->cm_due; i++) {
    b->cm_due = -1;
    curl_multi_socket_action(b->cm, CURL_SOCKET_TIMEOUT, 0, &running);
    cm_collect(b);
  }
  cm_collect(b);
}

/* Room for n entries in pfds and pwho; false when out of memory. */
static bool
pfds_room(struct bench *b, size_t n)
{
  size_t cap;
  void *a, *w;

  if (n <= b->cappfds)
    return true;
  cap = n * 2;
  a = realloc(b->pfds, cap * sizeof *b->pfds);
  if (a != NULL)
    b->pfds = a;
  w = realloc(b->pwho, cap * sizeof *b->pwho);
  if (w != NULL)
    b->pwho = w;
  if (a == NULL || w == NULL)
    return false;
  b->cappfds = cap;
  return true;
}

/* What the next wait watches, and how long it may take (us, -1: no limit). */
static int64_t
bench_watch(struct bench *b)
{
  int64_t now = bench_now_us(), t = INT64_MAX;

  b->npfds = 0;
  for (int i = 0; i < b->nslots; i++) {
    struct slot *s = &b->slots[i];

    if (s->st == SLOT_IDLE)
      continue;
    if (s->t0 + b->timeout_us - now < t)
      t = s->t0 + b->timeout_us - now;
    if (s->st == SLOT_CONNECTING)
      continue;
    b->pfds[b->npfds].fd = s->fd;
    b->pfds[b->npfds].events = s->st == SLOT_SENDING ? POLLOUT : POLLIN;
    b->pfds[b->npfds].revents = 0;
    b->pwho[b->npfds++] = i;
  }
  for (size_t i = 0; i < b->ncsocks; i++) {
    b->pfds[b->npfds] = b->csocks[i];
    b->pwho[b->npfds++] = -1;
  }
  if (b->cm_due >= 0 && b->cm_due - now < t)
    t = b->cm_due - now;
  return t == INT64_MAX ? -1 : t < 0 ? 0 : t;
}

/* Fail the requests that passed the timeout. */
static void
bench_expire(struct bench *b)
{
  int64_t now = bench_now_us();

  for (int i = 0; i < b->nslots; i++) {
    struct slot *s = &b->slots[i];

    if (s->st != SLOT_IDLE && now - s->t0 >= b->timeout_us)
      slot_failed(b, s, CURLE_OPERATION_TIMEDOUT);
  }
}

/* Is any slot busy? */
static bool
bench_busy(const struct bench *b)
{
  for (int i = 0; i < b->nslots; i++)
    if (b->slots[i].st != SLOT_IDLE)
      return true;
  return false;
}

/* Run until every request has finished; 0, or -1 when interrupted or out of memory. */
static int
bench_drive(struct bench *b)
{
  for (int i = 0; i < b->nslots; i++)
    slot_next(b, &b->slots[i]);
  while (bench_busy(b)) {
    int64_t t;
    int ready;

    if (!pfds_room(b, (size_t)b->nslots + b->ncsocks))
      return -1;
    t = bench_watch(b);
    if (b->loop != NULL)
      ready = loop_wait_fds(b->loop, b->pfds, b->npfds, t < 0 ? -1 : (t + 999) / 1000);
    else
      ready = poll(b->pfds, (nfds_t)b->npfds, t < 0 ? -1 : (int)((t + 999) / 1000));
    if (ready < 0 && (b->loop != NULL || errno != EINTR))
      return -1;
    for (size_t i = 0; i < b->npfds && ready > 0; i++) {
      struct pollfd *p = &b->pfds[i];

      if (p->revents == 0)
        continue;
      if (b->pwho[i] < 0) {
        int running = 0, ev = 0;

        ev |= p->revents & (POLLIN | POLLHUP | POLLERR) ? CURL_CSELECT_IN : 0;
        ev |= p->revents & (POLLOUT | POLLHUP | POLLERR) ? CURL_CSELECT_OUT : 0;
        curl_multi_socket_action(b->cm, p->fd, ev, &running);
        continue;
      }
      struct slot *s = &b->slots[b->pwho[i]];
      if (s->st == SLOT_SENDING && s->fd == p->fd)
        slot_send(b, s);
      else if (s->st == SLOT_RECEIVING && s->fd == p->fd)
        slot_recv(b, s);
    }
    cm_progress(b);
    bench_expire(b);
  }
  b->done = true;
  return 0;
}

/* }==== */

/* {==== the result ==== */

static int
cmp_i64(const void *a, const void *b)
{
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

  return (x > y) - (x < y);
}

/* Nearest-rank percentile p of the sorted latencies, as a duration in ms. */
static struct rbc_value
percentile(const struct bench *b, int p)
{
  int64_t rank;

  if (b->nlat == 0)
    return val_duration(0);
  rank = (b->nlat * p + 99) / 100;
  rank = rank < 1 ? 1 : rank;
  return val_duration((b->lat_us[rank - 1] + 500) / 1000);
}

/* Set map[key] = v (taking v); -1 on OOM. */
static int
put(struct rbc_value *map, const char *key, struct rbc_value v)
{
  enum val_status st = val_map_set(map, key, strlen(key), v, NULL);

  val_release(v);
  return st == VAL_OK ? 0 : -1;
}

/* The histogram {"200": n, ...}. */
static int
statuses(const struct bench *b, struct rbc_value *out)
{
  char key[8];

  if (val_map_new(out, NULL) != VAL_OK)
    return -1;
  for (int s = 0; s < 600; s++) {
    if (b->status_count[s] == 0)
      continue;
    snprintf(key, sizeof key, "%d", s);
    if (put(out, key, val_int(b->status_count[s])) < 0)
      return -1;
  }
  return 0;
}

/* The result map of a finished bench that took elapsed_us. */
static int
bench_result(struct bench *b, int64_t elapsed_us, struct rbc_value *out)
{
  struct rbc_value map, hist = val_null();
  int64_t sum = 0;
  double secs = elapsed_us > 0 ? (double)elapsed_us / 1e6 : 1e-6;

  qsort(b->lat_us, (size_t)b->nlat, sizeof *b->lat_us, cmp_i64);
  for (int64_t i = 0; i < b->nlat; i++)
    sum += b->lat_us[i];
  if (val_map_new(&map, NULL) != VAL_OK)
    return -1;
  if (put(&map, "requests", val_int(b->finished)) < 0
      || put(&map, "failed", val_int(b->failed)) < 0
      || put(&map, "rps", val_float((double)b->finished / secs)) < 0
      || put(&map, "mean", val_duration(b->nlat ? (sum / b->nlat + 500) / 1000 : 0)) < 0
      || put(&map, "min", val_duration(b->nlat ? (b->lat_us[0] + 500) / 1000 : 0)) < 0
      || put(&map, "max", val_duration(b->nlat ? (b->lat_us[b->nlat - 1] + 500) / 1000 : 0)) < 0
      || put(&map, "p50", percentile(b, 50)) < 0 || put(&map, "p90", percentile(b, 90)) < 0
      || put(&map, "p95", percentile(b, 95)) < 0 || put(&map, "p99", percentile(b, 99)) < 0
      || statuses(b, &hist) < 0 || put(&map, "statuses", hist) < 0) {
    val_release(map);
    return -1;
  }
  *out = map;
  return 0;
}

/* }==== */

/* {==== arguments ==== */

/* What http.bench was asked. */
struct bench_args {
  int64_t requests;             /* default 100 */
  int64_t concurrency;          /* default 10, at most requests */
  char method[24];              /* default GET */
  char *url;                    /* NUL-terminated copy */
  struct http_opts opts;
};

/* An int named argument within lo..hi (absent: def). */
static int
int_arg(struct std_call *call, const char *name, int64_t lo, int64_t hi, int64_t def,
        int64_t *out)
{
  const struct rbc_value *v = std_named(call, name);

  *out = def;
  if (v == NULL || v->type == VAL_NULL)
    return 0;
  if (v->type != VAL_INT)
    return std_named_type_error(call, STD_BI_http_bench, name, "an int", *v);
  if (v->as.i < lo || v->as.i > hi)
    return std_error(call, "http.bench(): %s: must be %" PRId64 " to %" PRId64 ", got %"
                     PRId64, name, lo, hi, v->as.i);
  *out = v->as.i;
  return 0;
}

/* method: an upper-case token (default GET). */
static int
method_arg(struct std_call *call, char *out, size_t size)
{
  const struct rbc_value *v = std_named(call, "method");
  size_t n;

  snprintf(out, size, "GET");
  if (v == NULL || v->type == VAL_NULL)
    return 0;
  if (v->type != VAL_STRING)
    return std_named_type_error(call, STD_BI_http_bench, "method", "a string", *v);
  n = val_str_len(*v);
  for (size_t i = 0; i < n; i++)
    if (val_str_data(*v)[i] < 'A' || val_str_data(*v)[i] > 'Z')
      n = 0;
  if (n == 0 || n >= size)
    return std_error(call, "http.bench(): method: \"%.40s\" is not a method (upper-case "
                     "letters, such as GET)", std_shown(*v));
  snprintf(out, size, "%s", val_str_data(*v));
  return 0;
}

/* Read every argument into *a. */
static int
bench_args(struct std_call *call, struct bench_args *a)
{
  struct http_optsrc src = { call, NULL, "http.bench" };
  struct rbc_value url = call->args[0];

  if (url.type != VAL_STRING)
    return std_type_error(call, STD_BI_http_bench, 1, "a string (a URL)", url);
  if (memchr(val_str_data(url), '\0', val_str_len(url)) != NULL)
    return std_error_code(call, DIAG_RB5019, "http.bench(): the URL holds a NUL byte");
  if (int_arg(call, "requests", 1, BENCH_MAX_REQUESTS, 100, &a->requests) < 0
      || int_arg(call, "concurrency", 1, BENCH_MAX_CONCURRENCY, 10, &a->concurrency) < 0
      || method_arg(call, a->method, sizeof a->method) < 0
      || http_opts_read(&src, &a->opts) < 0)
    return -1;
  if (a->concurrency > a->requests)
    a->concurrency = a->requests;
  a->url = strndup(val_str_data(url), val_str_len(url));
  if (a->url == NULL)
    return std_oom(call, STD_BI_http_bench);
  if (url.secret && call->host != NULL && call->host->add_secret != NULL)
    call->host->add_secret(call->host->ctx, val_str_data(url), val_str_len(url));
  return 0;
}

/* }==== */

/* {==== http.bench ==== */

/* Is the header line h (of headers:) named name (any case)? */
static bool
header_is(const char *h, const char *name)
{
  size_t n = strlen(name);

  return strncasecmp(h, name, n) == 0 && (h[n] == ':' || h[n] == ';');
}

/* Was a header named name given in headers: (even to remove it)? */
static bool
header_given(const struct http_opts *o, const char *name)
{
  for (const struct curl_slist *h = o->headers; h != NULL; h = h->next)
    if (header_is(h->data, name))
      return true;
  return false;
}

/*
** The request every slot writes, built once: request line, Host, the
** headers libcurl would add (Accept, Content-Type and Content-Length with a
** body), Connection: keep-alive, headers: (libcurl's conventions: "Name:"
** with no value only suppresses the header, "Name;" sends it empty), body.
*/
static int
bench_request(struct bench *b, const struct bench_args *a, CURLU *uh)
{
  char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL, *query = NULL;
  FILE *f;
  int rc = -1;
  size_t len = 0;

  if (curl_url_get(uh, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK
      || curl_url_get(uh, CURLUPART_HOST, &host, 0) != CURLUE_OK
      || curl_url_get(uh, CURLUPART_PATH, &path, 0) != CURLUE_OK)
    goto out;
  (void)curl_url_get(uh, CURLUPART_PORT, &port, 0);         /* none: the scheme's */
  (void)curl_url_get(uh, CURLUPART_QUERY, &query, 0);
  b->tls = strcmp(scheme, "https") == 0;
  if (port != NULL && strcmp(port, b->tls ? "443" : "80") == 0) {
    curl_free(port);
    port = NULL;
  }
  f = open_memstream(&b->req, &len);
  if (f == NULL)
    goto out;
  fprintf(f, "%s %s%s%s HTTP/1.1\r\n", a->method, path, query ? "?" : "", query ? query : "");
  if (!header_given(&a->opts, "host"))
    fprintf(f, "Host: %s%s%s\r\n", host, port ? ":" : "", port ? port : "");
  if (!header_given(&a->opts, "accept"))
    fputs("Accept: */*\r\n", f);
  if (a->opts.body != NULL && !header_given(&a->opts, "content-type"))
    fputs("Content-Type: application/x-www-form-urlencoded\r\n", f);
  if ((a->opts.body != NULL || strcmp(a->method, "POST") == 0)
      && !header_given(&a->opts, "content-length"))
    fprintf(f, "Content-Length: %zu\r\n", a->opts.body_len);
  if (!header_given(&a->opts, "connection"))
    fputs("Connection: keep-alive\r\n", f);
  for (const struct curl_slist *h = a->opts.headers; h != NULL; h = h->next) {
    const char *sep = strpbrk(h->data, ":;");
    size_t v;

    if (sep == NULL)
      continue;
    v = strspn(sep + 1, " \t");
    if (*sep == ':' && sep[1 + v] == '\0')
      continue;                 /* "Name:": suppress */
    if (*sep == ';')
      fprintf(f, "%.*s:\r\n", (int)(sep - h->data), h->data);
    else
      fprintf(f, "%s\r\n", h->data);
  }
  fputs("\r\n", f);
  if (a->opts.body_len > 0)
    fwrite(a->opts.body, 1, a->opts.body_len, f);
  if (fclose(f) == 0 && b->req != NULL) {
    b->req_len = len;
    rc = 0;
  }
out:
  curl_free(scheme);
  curl_free(host);
  curl_free(port);
  curl_free(path);
  curl_free(query);
  return rc;
}

/*
** A slot's handle: http_setup's TLS options and timeouts, CONNECT_ONLY (libcurl
** resolves, connects and does TLS; the bench then talks on the connection
** with curl_easy_send/recv), no proxy (the bench measures the server, as
** ab and wrk do), HTTP/1.1 (no ALPN offer of HTTP/2 on https).
*/
static int
slot_setup(struct slot *s, const struct bench_args *a)
{
  CURLcode rc;

  if (http_setup(s->e, "GET", a->url, &a->opts) < 0)
    return -1;
  rc = curl_easy_setopt(s->e, CURLOPT_CONNECT_ONLY, 1L);
  if (rc == CURLE_OK)
    rc = curl_easy_setopt(s->e, CURLOPT_PRIVATE, s);
  if (rc == CURLE_OK)
    rc = curl_easy_setopt(s->e, CURLOPT_PROXY, "");
  if (rc == CURLE_OK)
    rc = curl_easy_setopt(s->e, CURLOPT_NOPROXY, "*");
  if (rc == CURLE_OK)
    rc = curl_easy_setopt(s->e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
  return rc == CURLE_OK ? 0 : -1;
}

/* The slots with their handles, the connect multi handle, the request. */
static int
bench_prepare(struct std_call *call, struct bench *b, const struct bench_args *a)
{
  CURLU *uh;
  int rc;

  b->loop = call->host != NULL ? call->host->loop : NULL;
  b->requests = a->requests;
  b->timeout_us = a->opts.timeout_ms * 1000;
  b->head = strcmp(a->method, "HEAD") == 0;
  b->cm_due = -1;
  b->lat_us = calloc((size_t)a->requests, sizeof *b->lat_us);
  b->slots = calloc((size_t)a->concurrency, sizeof *b->slots);
  b->rbuf = malloc(BENCH_RECV_BUF);
  b->cm = curl_multi_init();
  uh = curl_url();
  if (b->lat_us == NULL || b->slots == NULL || b->rbuf == NULL || b->cm == NULL || uh == NULL) {
    curl_url_cleanup(uh);
    return std_oom(call, STD_BI_http_bench);
  }
  /* http_check_url has parsed it with libcurl already */
  rc = curl_url_set(uh, CURLUPART_URL, a->url, 0) == CURLUE_OK ? bench_request(b, a, uh) : -1;
  curl_url_cleanup(uh);
  if (rc < 0)
    return std_error_code(call, DIAG_RB5019, "http.bench(): cannot build the request for the "
                          "URL");
  curl_multi_setopt(b->cm, CURLMOPT_SOCKETFUNCTION, cm_socket);
  curl_multi_setopt(b->cm, CURLMOPT_SOCKETDATA, b);
  curl_multi_setopt(b->cm, CURLMOPT_TIMERFUNCTION, cm_timer);
  curl_multi_setopt(b->cm, CURLMOPT_TIMERDATA, b);
  for (int i = 0; i < (int)a->concurrency; i++) {
    struct slot *s = &b->slots[i];

    s->e = curl_easy_init();
    if (s->e == NULL)
      return std_oom(call, STD_BI_http_bench);
    s->fd = CURL_SOCKET_BAD;
    b->nslots++;
    if (slot_setup(s, a) < 0)
      return std_error_code(call, DIAG_RB5006, "http.bench(): libcurl refused an option");
  }
  return 0;
}

/* Release the connections, the handles and the rest. */
static void
bench_free(struct bench *b)
{
  for (int i = 0; i < b->nslots; i++) {
    if (b->slots[i].on_multi)
      curl_multi_remove_handle(b->cm, b->slots[i].e);
    curl_easy_cleanup(b->slots[i].e);
  }
  if (b->cm != NULL)
    curl_multi_cleanup(b->cm);
  free(b->slots);
  free(b->req);
  free(b->rbuf);
  free(b->pfds);
  free(b->pwho);
  free(b->csocks);
  free(b->lat_us);
}

/* Journal the bench as one action: "BENCH GET URL", "ok" or "N failed". */
static void
bench_journal(const struct std_host *host, const struct bench_args *a, struct rbc_value url,
              const struct bench *b, int64_t elapsed_us)
{
  char shown[320], call[400], status[48];

  if (host == NULL || host->action == NULL)
    return;
  http_url_shown(url, shown, sizeof shown);
  snprintf(call, sizeof call, "bench %s %s", a->method, shown);
  if (b->failed == 0)
    snprintf(status, sizeof status, "ok");
  else
    snprintf(status, sizeof status, "%" PRId64 " failed", b->failed);
  host->action(host->ctx, "http", call, status, elapsed_us / 1000);
}

/*
** rbc test (stdlib/sim.h): each request is answered by the scenario, one
** after the other; latencies are the simulated delays and the elapsed time
** is their sum spread over the concurrency.  0, or -1 (RB5060 unmatched).
*/
static int
bench_sim(struct std_call *call, struct bench *b, const struct bench_args *a,
          int64_t *elapsed_us)
{
  static const CURLcode fails[] = {
    [SIM_NET_NONE] = CURLE_OK, [SIM_NET_REFUSED] = CURLE_COULDNT_CONNECT,
    [SIM_NET_TIMEOUT] = CURLE_OPERATION_TIMEDOUT, [SIM_NET_DNS] = CURLE_COULDNT_RESOLVE_HOST,
    [SIM_NET_RESET] = CURLE_RECV_ERROR, [SIM_NET_TLS] = CURLE_PEER_FAILED_VERIFICATION
  };
  const struct sim *sim = loop_sim(b->loop);
  struct sim_http_req rq = { a->method, a->url, a->opts.body, a->opts.body_len,
                             call->args[0].secret || a->opts.secret };
  int64_t total_ms = 0;
  char shown[320];

  http_url_shown(call->args[0], shown, sizeof shown);
  for (int64_t i = 0; i < b->requests; i++) {
    struct sim_http_reply rp;

    memset(&rp, 0, sizeof rp);
    if (sim->http == NULL || sim->http(sim->ctx, &rq, &rp) != SIM_ANSWERED)
      return std_error_code(call, DIAG_RB5060, "http.bench %s %s: not described by the "
                            "scenario", a->method, shown);
    free(rp.body);
    free(rp.content_type);
    b->started++;
    b->finished++;
    total_ms += rp.delay_ms;
    if (rp.error != SIM_NET_NONE) {
      b->failed++;
      if (b->first_error == CURLE_OK)
        b->first_error = fails[rp.error];
      continue;
    }
    b->lat_us[b->nlat++] = rp.delay_ms * 1000;
    if (rp.status >= 0 && rp.status < 600)
      b->status_count[rp.status]++;
    if (rp.status >= 400)
      b->failed++;
  }
  b->done = true;
  *elapsed_us = total_ms * 1000 / (a->concurrency > 0 ? a->concurrency : 1);
  if (b->nlat == 0)
    return std_error_code(call, http_code_of(b->first_error, false), "http.bench %s %s: no "
                          "request got a reply: %s", a->method, shown,
                          http_phrase_of(b->first_error, false));
  return 0;
}

/* Run every request; 0, or -1 with the problem recorded. */
static int
bench_run(struct std_call *call, struct bench *b, const struct bench_args *a,
          int64_t *elapsed_us)
{
  char shown[320];
  int64_t t0 = bench_now_us();
  int rc = 0;

  if (b->loop != NULL && loop_sim(b->loop) != NULL)
    return bench_sim(call, b, a, elapsed_us);
  http_url_shown(call->args[0], shown, sizeof shown);
  if (bench_drive(b) < 0) {
    if (b->loop != NULL && loop_interrupted(b->loop))
      rc = std_error_code(call, DIAG_RB5009, "http.bench %s %s: interrupted", a->method,
                          shown);
    else
      rc = std_error_code(call, DIAG_RB5006, "http.bench %s %s: cannot wait for the "
                          "connections", a->method, shown);
  }
  *elapsed_us = bench_now_us() - t0;
  if (rc == 0 && b->nlat == 0)
    rc = std_error_code(call, http_code_of(b->first_error, false), "http.bench %s %s: no "
                        "request got a reply: %s", a->method, shown,
                        http_phrase_of(b->first_error, false));
  return rc;
}

/* http.bench(url, requests:, concurrency:, method:, ...): see the top of the file. */
int
std_http_bench(struct std_call *call, struct rbc_value *out)
{
  struct bench_args a;
  struct bench b;
  char shown[320];
  int64_t elapsed = 0;
  int rc = -1;

  memset(&a, 0, sizeof a);
  memset(&b, 0, sizeof b);
  http_url_shown(call->nargs > 0 ? call->args[0] : val_null(), shown, sizeof shown);
  if (std_check_args(call, STD_BI_http_bench) < 0 || bench_args(call, &a) < 0
      || http_check_url(call, a.method, a.url, shown) < 0) {
    rc = -1;
  } else if (http_curl_ready(call->host) < 0) {
    std_error_code(call, DIAG_RB5006, "http.bench(): cannot initialise libcurl");
  } else if (bench_prepare(call, &b, &a) == 0 && bench_run(call, &b, &a, &elapsed) == 0) {
    rc = bench_result(&b, elapsed, out);
    if (rc < 0)
      std_oom(call, STD_BI_http_bench);
  }
  if (b.started > 0)
    bench_journal(call->host, &a, call->args[0], &b, elapsed);
  bench_free(&b);
  http_opts_free(&a.opts);
  free(a.url);
  return rc;
}

/* }==== */
