/*
** test_http.c: the HTTP built-ins (stdlib/http.c, http_bench.c) without a
** server and without the run's event loop (a host whose loop is NULL, so
** transfers take the curl_easy_perform / own-multi path): argument checks,
** the URL check (RB5019), a refused connection to 127.0.0.1 port 1
** (RB5012) with its action event, secrets kept out of messages and
** registered with the host, and `assert http` reporting a request failure.
** Replies from a real server are tested by tests/http.sh.
*/
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "stdlib/http.h"
#include "stdlib/natives.h"
#include "vm/bytecode.h"
#include "vm/value.h"

/* {==== the fake host ==== */

/* What the built-ins told the host. */
struct fake {
  char secrets[8][128];         /* registered secrets */
  int nsecrets;
  char action[512];             /* the last action: "kind|call|status" */
  int nactions;
};

static struct fake fake;

static void
fake_add_secret(void *ctx, const char *bytes, size_t len)
{
  (void)ctx;
  if (fake.nsecrets < 8)
    snprintf(fake.secrets[fake.nsecrets++], sizeof fake.secrets[0], "%.*s", (int)len, bytes);
}

static void
fake_action(void *ctx, const char *kind, const char *call, const char *status, int64_t ms)
{
  (void)ctx;
  (void)ms;
  fake.nactions++;
  snprintf(fake.action, sizeof fake.action, "%s|%s|%s", kind, call, status);
}

static struct std_host host;

static int
setup(void **state)
{
  (void)state;
  memset(&fake, 0, sizeof fake);
  memset(&host, 0, sizeof host);
  host.add_secret = fake_add_secret;
  host.action = fake_action;
  host.workdir = "/tmp";
  return 0;
}

/* }==== */

/* {==== calls ==== */

/* A string value (the test owns it). */
static struct rbc_value
str(const char *s, bool secret)
{
  struct rbc_value v;

  assert_int_equal(val_string_cstr(s, &v, NULL), VAL_OK);
  v.secret = secret;
  return v;
}

/* Call built-in `name` with positional args and named args (names[i] = vals[i]). */
static int
call(const char *name, const struct rbc_value *args, int nargs, const char **names,
     const struct rbc_value *vals, int nnamed, struct std_call *c, struct rbc_value *out)
{
  const struct std_builtin *b = std_builtin_lookup(name);

  assert_non_null(b);
  assert_non_null(std_natives[b->id]);
  memset(c, 0, sizeof *c);
  c->host = &host;
  c->args = args;
  c->nargs = nargs;
  c->names = names;
  c->named = vals;
  c->nnamed = nnamed;
  c->code = DIAG_RB5011;
  *out = val_null();
  return std_natives[b->id](c, out);
}

static void
assert_has(const char *text, const char *needle)
{
  if (strstr(text, needle) == NULL)
    fail_msg("'%s' does not contain '%s'", text, needle);
}

/* }==== */

/* {==== tests ==== */

/* Wrong types and conflicting options are RB5011 with the option's name. */
static void
test_arguments(void **state)
{
  struct std_call c;
  struct rbc_value out, url = str("http://127.0.0.1:1/", false), bad = val_int(3);
  struct rbc_value two[2] = { str("x", false), val_int(1) };
  const char *n_body_json[2] = { "body", "json" };
  const char *n_timeout[1] = { "timeout" };
  const char *n_headers[1] = { "headers" };
  struct rbc_value hdr;

  (void)state;
  assert_int_equal(call("http.get", &bad, 1, NULL, NULL, 0, &c, &out), -1);
  assert_has(c.message, "http.get(): argument 1 must be a string (a URL), got int");
  assert_int_equal(call("http.post", &url, 1, n_body_json, two, 2, &c, &out), -1);
  assert_has(c.message, "http.post(): give body: or json:, not both");
  assert_int_equal(call("http.get", &url, 1, n_timeout, &bad, 1, &c, &out), -1);
  assert_has(c.message, "http.get(): timeout: must be a duration, got int");
  assert_int_equal(val_map_new(&hdr, NULL), VAL_OK);
  assert_int_equal(val_map_set(&hdr, "Bad Name", 8, two[0], NULL), VAL_OK);
  assert_int_equal(call("http.get", &url, 1, n_headers, &hdr, 1, &c, &out), -1);
  assert_has(c.message, "\"Bad Name\" is not a valid header name");
  val_release(hdr);
  two[1] = url;
  assert_int_equal(call("http.request", two, 2, NULL, NULL, 0, &c, &out), -1);
  assert_has(c.message, "http.request(): \"x\" is not a method");
  assert_int_equal(fake.nactions, 0);
  val_release(two[0]);
  val_release(url);
}

/* Only absolute http(s) URLs: RB5019 before anything is sent. */
static void
test_bad_urls(void **state)
{
  static const char *const urls[] = { "ftp://127.0.0.1/x", "127.0.0.1/health", "http://[::1" };
  struct std_call c;
  struct rbc_value out, url;

  (void)state;
  for (size_t i = 0; i < sizeof urls / sizeof urls[0]; i++) {
    url = str(urls[i], false);
    assert_int_equal(call("http.get", &url, 1, NULL, NULL, 0, &c, &out), -1);
    assert_int_equal(c.code, DIAG_RB5019);
    assert_has(c.message, urls[i]);
    val_release(url);
  }
  assert_int_equal(fake.nactions, 0);
}

/* Nothing listens on port 1: RB5012, one action event, the URL in the message. */
static void
test_refused(void **state)
{
  struct std_call c;
  struct rbc_value out, url = str("http://127.0.0.1:1/health", false);

  (void)state;
  assert_int_equal(call("http.get", &url, 1, NULL, NULL, 0, &c, &out), -1);
  assert_int_equal(c.code, DIAG_RB5012);
  assert_has(c.message, "GET http://127.0.0.1:1/health: connection refused");
  assert_int_equal(fake.nactions, 1);
  assert_string_equal(fake.action, "http|GET http://127.0.0.1:1/health|refused");
  val_release(url);
}

/* A secret URL and a secret header: *** in messages and events, registered with the host. */
static void
test_secrets(void **state)
{
  struct std_call c;
  struct rbc_value out, url = str("http://127.0.0.1:1/?key=hunter2-secret", true), hdr;
  const char *n_headers[1] = { "headers" };

  (void)state;
  assert_int_equal(val_map_new(&hdr, NULL), VAL_OK);
  out = str("Bearer tok-12345678", true);
  assert_int_equal(val_map_set(&hdr, "Authorization", 13, out, NULL), VAL_OK);
  val_release(out);
  assert_int_equal(call("http.get", &url, 1, n_headers, &hdr, 1, &c, &out), -1);
  assert_int_equal(c.code, DIAG_RB5012);
  assert_string_equal(c.message, "GET ***: connection refused");
  assert_string_equal(fake.action, "http|GET ***|refused");
  assert_int_equal(fake.nsecrets, 2);
  assert_string_equal(fake.secrets[0], "Bearer tok-12345678");
  assert_string_equal(fake.secrets[1], "http://127.0.0.1:1/?key=hunter2-secret");
  val_release(hdr);
  val_release(url);
}

/* assert http whose request fails: the network code and message, no values. */
static void
test_assert_refused(void **state)
{
  struct http_assert a;
  struct http_failure f;
  uint32_t words[2] = { HC_CONTAINS, CMP_EQ };
  struct rbc_value opts, checks;

  (void)state;
  assert_int_equal(val_map_new(&opts, NULL), VAL_OK);
  assert_int_equal(val_list_new(1, &checks, NULL), VAL_OK);
  a.status = str("ok", false);
  assert_int_equal(val_list_push(&checks, a.status, NULL), VAL_OK);
  val_release(a.status);
  memset(&a, 0, sizeof a);
  a.method = "HEAD";
  a.text = "assert http 200 HEAD url";
  a.status = val_int(200);
  a.url = str("http://127.0.0.1:1/", false);
  a.options = opts;
  a.checks = checks;
  a.words = words;
  a.nchecks = 1;
  assert_int_equal(http_assert_run(&host, &a, &f), -1);
  assert_int_equal(f.code, DIAG_RB5012);
  assert_has(f.msg, "HEAD http://127.0.0.1:1/: connection refused (");
  assert_false(f.has_actual);
  assert_string_equal(fake.action, "http|HEAD http://127.0.0.1:1/|refused");
  val_release(a.url);
  val_release(opts);
  val_release(checks);
}

/* http.bench: argument ranges, and no reply at all is the network code. */
static void
test_bench(void **state)
{
  struct std_call c;
  struct rbc_value out, url = str("http://127.0.0.1:1/", false);
  struct rbc_value vals[2] = { val_int(0), val_int(2) };
  const char *names[2] = { "requests", "concurrency" };

  (void)state;
  assert_int_equal(call("http.bench", &url, 1, names, vals, 2, &c, &out), -1);
  assert_has(c.message, "http.bench(): requests: must be 1 to 1000000, got 0");
  vals[0] = val_int(5);
  assert_int_equal(call("http.bench", &url, 1, names, vals, 2, &c, &out), -1);
  assert_int_equal(c.code, DIAG_RB5012);
  assert_string_equal(c.message, "http.bench GET http://127.0.0.1:1/: no request got a reply: "
                      "connection refused");
  assert_string_equal(fake.action, "http|bench GET http://127.0.0.1:1/|5 failed");
  val_release(url);
}

/* }==== */

int
main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup(test_arguments, setup),
    cmocka_unit_test_setup(test_bad_urls, setup),
    cmocka_unit_test_setup(test_refused, setup),
    cmocka_unit_test_setup(test_secrets, setup),
    cmocka_unit_test_setup(test_assert_refused, setup),
    cmocka_unit_test_setup(test_bench, setup),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
