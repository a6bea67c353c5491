/*
** http_bench.c: http.bench, the runbook's `ab -n 100 -c 10`.
**
**   http.bench(url, requests: 100, concurrency: 10, method: "GET",
**              headers: {...}, body: "..." | json: value, timeout: 30s,
**              insecure: false, cacert: "ca.pem")
**
** `concurrency` easy handles stay in flight on the run's event loop
** (loop_curl_start; without a loop, on a multi handle of its own); each one
** starts the next request as soon as its reply is in, over the same
** keep-alive connection, until `requests` have been sent.  Bodies are
** counted and dropped.
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
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "stdlib/http.h"
#include "stdlib/loop.h"
#include "stdlib/natives_int.h"

#define BENCH_MAX_REQUESTS 1000000
#define BENCH_MAX_CONCURRENCY 1000

/* {==== the run ==== */

/* One bench: the counters and the handles in flight. */
struct bench {
  struct rbc_loop *loop;        /* the run's loop, or NULL: own multi handle */
  CURLM *multi;                 /* own multi handle when loop is NULL */
  CURL **handles;               /* concurrency easy handles */
  int nhandles;                 /* handles made so far */
  int64_t requests;             /* to send */
  int64_t started, finished;    /* so far */
  int64_t failed;               /* no reply, or status >= 400 */
  int64_t *lat_us;              /* latency of each reply, microseconds */
  int64_t nlat;                 /* entries in lat_us */
  int64_t status_count[600];    /* replies per status code (0..599) */
  CURLcode first_error;         /* the first transfer error */
  bool done;                    /* every started request has finished */
};

/* Drop the body. */
static size_t
discard(char *data, size_t size, size_t n, void *ud)
{
  (void)data;
  (void)ud;
  return size * n;
}

/* Add e (again) to the loop or the multi handle; false when it could not be. */
static bool bench_start(struct bench *b, CURL *e);

/* A transfer ended: count it, then start the next request on the same handle. */
static void
bench_done(void *ud, CURL *e, CURLcode rc)
{
  struct bench *b = ud;
  long status = 0;
  curl_off_t us = 0;

  b->finished++;
  if (rc == CURLE_OK) {
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(e, CURLINFO_TOTAL_TIME_T, &us);
    b->lat_us[b->nlat++] = (int64_t)us;
    if (status >= 0 && status < 600)
      b->status_count[status]++;
    if (status >= 400)
      b->failed++;
  } else {
    b->failed++;
    if (b->first_error == CURLE_OK)
      b->first_error = rc;
  }
  if (b->started < b->requests && bench_start(b, e))
    return;
  if (b->finished == b->started)
    b->done = true;
}

static bool
bench_start(struct bench *b, CURL *e)
{
  int rc;

  if (b->loop != NULL)
    rc = loop_curl_start(b->loop, e, bench_done, b);
  else
    rc = curl_multi_add_handle(b->multi, e) == CURLM_OK ? 0 : -1;
  if (rc == 0)
    b->started++;
  return rc == 0;
}

/* Without a loop: drive the own multi handle until every request is done. */
static int
bench_drive(struct bench *b)
{
  int running = 0, left = 0;
  CURLMsg *m;

  while (!b->done) {
    if (curl_multi_perform(b->multi, &running) != CURLM_OK)
      return -1;
    for (m = curl_multi_info_read(b->multi, &left); m != NULL;
         m = curl_multi_info_read(b->multi, &left)) {
      if (m->msg != CURLMSG_DONE)
        continue;
      CURL *e = m->easy_handle;
      CURLcode rc = m->data.result;
      curl_multi_remove_handle(b->multi, e);
      bench_done(b, e, rc);
    }
    if (!b->done && curl_multi_poll(b->multi, NULL, 0, 100, NULL) != CURLM_OK)
      return -1;
  }
  return 0;
}

/* Microseconds on the real monotonic clock. */
static int64_t
bench_now_us(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
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

/* Make the handles, each set up for the request, and the own multi when there is no loop. */
static int
bench_prepare(struct std_call *call, struct bench *b, const struct bench_args *a)
{
  b->loop = call->host != NULL ? call->host->loop : NULL;
  b->requests = a->requests;
  b->lat_us = calloc((size_t)a->requests, sizeof *b->lat_us);
  b->handles = calloc((size_t)a->concurrency, sizeof *b->handles);
  if (b->lat_us == NULL || b->handles == NULL)
    return std_oom(call, STD_BI_http_bench);
  if (b->loop == NULL)
    b->multi = curl_multi_init();
  if (b->loop == NULL && b->multi == NULL)
    return std_oom(call, STD_BI_http_bench);
  for (int i = 0; i < (int)a->concurrency; i++) {
    CURL *e = curl_easy_init();
    if (e == NULL)
      return std_oom(call, STD_BI_http_bench);
    b->handles[b->nhandles++] = e;
    if (http_setup(e, a->method, a->url, &a->opts) < 0
        || curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard) != CURLE_OK
        || curl_easy_setopt(e, CURLOPT_PRIVATE, b) != CURLE_OK)
      return std_error_code(call, DIAG_RB5006, "http.bench(): libcurl refused an option");
  }
  return 0;
}

/* Release the handles (cancelling those still in flight) and the own multi. */
static void
bench_free(struct bench *b)
{
  for (int i = 0; i < b->nhandles; i++) {
    if (b->loop != NULL)
      loop_curl_cancel(b->loop, b->handles[i]);
    else if (b->multi != NULL)
      curl_multi_remove_handle(b->multi, b->handles[i]);
    curl_easy_cleanup(b->handles[i]);
  }
  if (b->multi != NULL)
    curl_multi_cleanup(b->multi);
  free(b->handles);
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

/* Run every request; 0, or -1 with the problem recorded. */
static int
bench_run(struct std_call *call, struct bench *b, const struct bench_args *a,
          int64_t *elapsed_us)
{
  char shown[320];
  int64_t t0 = bench_now_us();
  int rc = 0;

  http_url_shown(call->args[0], shown, sizeof shown);
  for (int i = 0; i < b->nhandles && rc == 0; i++)
    if (!bench_start(b, b->handles[i]))
      rc = std_error_code(call, DIAG_RB5006, "http.bench(): cannot start a transfer");
  if (rc == 0 && b->loop != NULL && loop_wait_flag(b->loop, &b->done) < 0)
    rc = std_error_code(call, DIAG_RB5009, "http.bench %s %s: interrupted", a->method, shown);
  else if (rc == 0 && b->loop == NULL && bench_drive(b) < 0)
    rc = std_error_code(call, DIAG_RB5006, "http.bench %s %s: libcurl failed", a->method,
                        shown);
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
