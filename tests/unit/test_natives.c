/*
** test_natives.c: the built-ins written in C (stdlib/natives.c, core.c,
** fs.c, json.c, sh_native.c), called the way the VM calls them: through
** std_natives[id] with a fake std_host (fixed clock, captured log lines,
** captured secrets, a temporary working directory).
**
** Most cases are rows of {built-in, arguments, expected}.  Arguments are
** written as a JSON array; a top-level string argument with a prefix
** (at any depth) stands for what JSON cannot say:
**   "~d:1h30m"   a duration          "~t:1000"   a time (ms since epoch)
**   "~s:text"    a secret string     "~S:[1,2]"  a secret value from JSON
** The expected result is its display text in raw, quoted form ("3" is the
** int 3, "\"3\"" the string), or, for a failure, a substring of the message.
*/
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "stdlib/natives.h"
#include "stdlib/shell.h"
#include "vm/value.h"
#include "vm/value_int.h"
#include "vm/value_json.h"

/* {==== the fake host ==== */

#define FAKE_NOW_MS INT64_C(1767225600000)      /* 2026-01-01T00:00:00Z */

/* What the built-ins told the host. */
struct fake {
  char logs[8][256];            /* captured log lines */
  int nlogs;
  char secrets[8][64];          /* captured secret bytes */
  int nsecrets;
  char workdir[256];            /* a fresh temporary directory */
};

static struct fake fake;

static int64_t
fake_now(void *ctx)
{
  (void)ctx;
  return FAKE_NOW_MS;
}

static void
fake_log(void *ctx, const char *level, const char *text, size_t len)
{
  (void)ctx;
  assert_string_equal(level, "info");
  if (fake.nlogs < 8)
    snprintf(fake.logs[fake.nlogs++], sizeof fake.logs[0], "%.*s", (int)len, text);
}

static void
fake_add_secret(void *ctx, const char *bytes, size_t len)
{
  (void)ctx;
  if (fake.nsecrets < 8)
    snprintf(fake.secrets[fake.nsecrets++], sizeof fake.secrets[0], "%.*s", (int)len, bytes);
}

static struct std_host host = {
  .now_ms = fake_now, .monotonic_ms = fake_now, .log = fake_log, .add_secret = fake_add_secret,
};

/* Each test gets a new empty workdir and a clean capture. */
static int
setup(void **state)
{
  (void)state;
  memset(&fake, 0, sizeof fake);
  snprintf(fake.workdir, sizeof fake.workdir, "/tmp/rbc-natives-XXXXXX");
  assert_non_null(mkdtemp(fake.workdir));
  host.workdir = fake.workdir;
  return 0;
}

static int
teardown(void **state)
{
  char cmd[512];

  (void)state;
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", fake.workdir);
  assert_int_equal(system(cmd), 0);
  return 0;
}

/* }==== */

/* {==== building arguments, calling, showing ==== */

static struct rbc_value decode_arg(struct rbc_value v);

/* A list or map with every item decoded (a new value). */
static struct rbc_value
decode_container(struct rbc_value v)
{
  struct rbc_value r, item;
  struct val_err err;
  const struct rbc_value *x;
  const char *k;
  size_t klen, pos = 0;

  if (v.type == VAL_LIST) {
    assert_int_equal(val_list_new(0, &r, &err), VAL_OK);
    for (size_t i = 0; i < val_list_len(v); i++) {
      item = decode_arg(*val_list_at(v, i));
      assert_int_equal(val_list_push(&r, item, &err), VAL_OK);
      val_release(item);
    }
    return r;
  }
  assert_int_equal(val_map_new(&r, &err), VAL_OK);
  while (val_map_next(v, &pos, &k, &klen, &x)) {
    item = decode_arg(*x);
    assert_int_equal(val_map_set(&r, k, klen, item, &err), VAL_OK);
    val_release(item);
  }
  return r;
}

/* An argument from its JSON form, prefixes decoded at every depth (see above). */
static struct rbc_value
decode_arg(struct rbc_value v)
{
  const char *s = val_str_data(v);
  struct rbc_value r = v;
  struct val_err err;
  int64_t ms;

  if (v.type == VAL_LIST || v.type == VAL_MAP)
    return decode_container(v);
  if (v.type != VAL_STRING || strncmp(s, "~", 1) != 0 || strlen(s) < 3 || s[2] != ':')
    return val_retain(v);
  if (s[1] == 'd') {
    assert_int_equal(val_parse_duration(s + 3, strlen(s + 3), &ms, &err), VAL_OK);
    r = val_duration(ms);
  } else if (s[1] == 't') {
    r = val_time(strtoll(s + 3, NULL, 10));
  } else if (s[1] == 's') {
    assert_int_equal(val_string_cstr(s + 3, &r, &err), VAL_OK);
    r.secret = true;
  } else if (s[1] == 'S') {
    assert_int_equal(val_json_parse(s + 3, strlen(s + 3), false, &r, &err), VAL_OK);
    r.secret = true;
  } else {
    return val_retain(v);
  }
  return r;
}

/* Arguments of one call: up to 8 positional and 4 named. */
struct args {
  struct rbc_value pos[8];
  int npos;
  struct rbc_value named[4];
  const char *names[4];
  int nnamed;
};

/* Parse a JSON array of arguments into a. */
static void
args_parse(struct args *a, const char *json)
{
  struct rbc_value list;
  struct val_err err;

  memset(a, 0, sizeof *a);
  assert_int_equal(val_json_parse(json, strlen(json), false, &list, &err), VAL_OK);
  assert_true(val_list_len(list) <= 8);
  for (size_t i = 0; i < val_list_len(list); i++)
    a->pos[a->npos++] = decode_arg(*val_list_at(list, i));
  val_release(list);
}

/* Add the named argument name = JSON value (prefixes decoded). */
static void
args_named(struct args *a, const char *name, const char *json)
{
  struct rbc_value v;
  struct val_err err;

  assert_true(a->nnamed < 4);
  assert_int_equal(val_json_parse(json, strlen(json), false, &v, &err), VAL_OK);
  a->names[a->nnamed] = name;
  a->named[a->nnamed++] = decode_arg(v);
  val_release(v);
}

static void
args_free(struct args *a)
{
  for (int i = 0; i < a->npos; i++)
    val_release(a->pos[i]);
  for (int i = 0; i < a->nnamed; i++)
    val_release(a->named[i]);
}

/* Call built-in `name` as the VM does; the call record goes to *c. */
static int
call_bi(const char *name, struct args *a, struct std_call *c, struct rbc_value *out)
{
  const struct std_builtin *b = std_builtin_lookup(name);

  assert_non_null(b);
  assert_non_null(std_natives[b->id]);
  memset(c, 0, sizeof *c);
  c->host = &host;
  c->args = a->pos;
  c->nargs = a->npos;
  c->named = a->named;
  c->names = a->names;
  c->nnamed = a->nnamed;
  c->code = DIAG_RB5011;
  *out = val_null();
  return std_natives[b->id](c, out);
}

/* Display text of v (raw, quoted) in a static buffer. */
static const char *
show(struct rbc_value v)
{
  static char text[4096];
  struct rbc_value s;
  struct val_err err;

  assert_int_equal(val_to_string(v, VAL_FMT_RAW | VAL_FMT_QUOTED, &s, &err), VAL_OK);
  snprintf(text, sizeof text, "%.*s", (int)val_str_len(s), val_str_data(s));
  val_release(s);
  return text;
}

/* Fail the test when `text` holds `needle`. */
static void
assert_lacks(const char *text, const char *needle)
{
  if (strstr(text, needle) != NULL)
    fail_msg("\"%s\" leaks \"%s\"", text, needle);
}

/* Fail the test when `text` lacks `needle`. */
static void
assert_has(const char *text, const char *needle)
{
  if (strstr(text, needle) == NULL)
    fail_msg("\"%s\" does not contain \"%s\"", text, needle);
}

#define NROWS(t) (sizeof(t) / sizeof((t)[0]))

/* }==== */

/* {==== table of pure calls ==== */

struct row {
  const char *fn;               /* built-in name */
  const char *args;             /* JSON array of arguments */
  const char *want;             /* display text of the result, or NULL */
  const char *error;            /* substring of the message when failing */
  bool secret;                  /* expected taint of the result */
};

#define OK(fn, args, want) { fn, args, want, NULL, false }
#define OKS(fn, args, want) { fn, args, want, NULL, true }
#define ERR(fn, args, msg) { fn, args, NULL, msg, false }

static const struct row rows[] = {
  /* len, str */
  OK("len", "[\"abc\"]", "3"),
  OK("len", "[[1, 2]]", "2"),
  OK("len", "[{\"a\": 1}]", "1"),
  OKS("len", "[\"~s:hunter2\"]", "7"),
  ERR("len", "[1]", "len(): argument 1 must be a string, list or map, got int"),
  ERR("len", "[]", "len() takes 1 argument (0 given)"),
  ERR("len", "[1, 2]", "len() takes 1 argument (2 given)"),
  OK("str", "[42]", "\"42\""),
  OK("str", "[1.5]", "\"1.5\""),
  OK("str", "[\"~d:90s\"]", "\"1m30s\""),
  OK("str", "[[1, \"a\"]]", "\"[1, \\\"a\\\"]\""),
  OK("str", "[null]", "\"null\""),
  OKS("str", "[\"~s:pw\"]", "\"pw\""),
  /* int, float */
  OK("int", "[\"42\"]", "42"),
  OK("int", "[\" 17\\n\"]", "17"),
  OK("int", "[\"-0x1f\"]", "-31"),
  OK("int", "[3.9]", "3"),
  OK("int", "[-3.9]", "-3"),
  OK("int", "[true]", "1"),
  OK("int", "[\"~d:2s\"]", "2000"),
  OKS("int", "[\"~s:12\"]", "12"),
  ERR("int", "[\"12abc\"]", "int(): \"12abc\" is not an integer"),
  ERR("int", "[\"99999999999999999999\"]", "is out of range"),
  ERR("int", "[1e300]", "int(): float is out of the int range"),
  ERR("int", "[null]", "int(): argument 1 must be a number, bool, duration or string, got null"),
  OK("float", "[2]", "2.0"),
  OK("float", "[\"1.25\"]", "1.25"),
  OK("float", "[\"5%\"]", "0.05"),
  OK("float", "[0.5]", "0.5"),
  ERR("float", "[\"x\"]", "float(): \"x\" is not a number"),
  ERR("float", "[\"~d:1s\"]", "argument 1 must be a number or a numeric string, got duration"),
  /* sum, min, max */
  OK("sum", "[[1, 2, 3]]", "6"),
  OK("sum", "[[1, 2.5]]", "3.5"),
  OK("sum", "[[]]", "0"),
  OK("sum", "[[{\"Sum\": 2}, {\"Sum\": 3.5}], \"Sum\"]", "5.5"),
  OKS("sum", "[\"~S:[1, 2]\"]", "3"),
  ERR("sum", "[[1, \"a\"]]", "sum(): item 1 must be a number or duration, got string"),
  ERR("sum", "[[{\"Sum\": 1}, {\"x\": 1}], \"Sum\"]", "sum(): item 1 has no key \"Sum\""),
  ERR("sum", "[[1], \"Sum\"]", "sum(): item 0 must be a map, got int"),
  ERR("sum", "[[9223372036854775807, 1]]", "sum(): "),
  ERR("sum", "[5]", "sum(): argument 1 must be a list, got int"),
  OK("min", "[3, 1, 2]", "1"),
  OK("max", "[3, 1.5, 2]", "3"),
  OK("max", "[[1, 7, 2]]", "7"),
  OK("max", "[\"b\", \"a\"]", "\"b\""),
  OK("min", "[5]", "5"),
  OKS("max", "[1, \"~S:9\"]", "9"),
  ERR("max", "[[]]", "max(): the list is empty"),
  ERR("min", "[1, \"a\"]", "min(): "),
  ERR("max", "[]", "max() takes at least 1 argument (0 given)"),
  /* keys, contains, join, split */
  OK("keys", "[{\"b\": 1, \"a\": 2}]", "[\"b\", \"a\"]"),
  OK("keys", "[{}]", "[]"),
  OKS("keys", "[\"~S:{\\\"k\\\": 1}\"]", "[\"k\"]"),
  ERR("keys", "[[1]]", "keys(): argument 1 must be a map, got list"),
  OK("contains", "[\"hello\", \"ell\"]", "true"),
  OK("contains", "[\"hello\", \"xyz\"]", "false"),
  OK("contains", "[[1, [2]], [2]]", "true"),
  OK("contains", "[[1, 2], 3]", "false"),
  OK("contains", "[{\"a\": 1}, \"a\"]", "true"),
  OK("contains", "[{\"a\": 1}, \"b\"]", "false"),
  OKS("contains", "[\"~s:secret\", \"sec\"]", "true"),
  ERR("contains", "[\"abc\", 1]", "contains(): argument 2 must be a string, got int"),
  ERR("contains", "[1, 1]", "contains(): argument 1 must be a string, list or map, got int"),
  OK("join", "[[\"a\", \"b\", \"c\"], \", \"]", "\"a, b, c\""),
  OK("join", "[[\"a\", 1, \"~d:2s\"]]", "\"a12s\""),
  OK("join", "[[]]", "\"\""),
  OKS("join", "[[\"a\", \"~s:b\"], \"-\"]", "\"a-b\""),
  ERR("join", "[\"abc\"]", "join(): argument 1 must be a list, got string"),
  OK("split", "[\"  a b\\t\\nc  \"]", "[\"a\", \"b\", \"c\"]"),
  OK("split", "[\"\"]", "[]"),
  OK("split", "[\"a,,b\", \",\"]", "[\"a\", \"\", \"b\"]"),
  OK("split", "[\"a::b::\", \"::\"]", "[\"a\", \"b\", \"\"]"),
  OK("split", "[\"\", \",\"]", "[\"\"]"),
  OKS("split", "[\"~s:x y\"]", "[\"x\", \"y\"]"),
  ERR("split", "[\"a\", \"\"]", "split(): the separator is empty"),
  /* lower, upper, replace */
  OK("lower", "[\"AbC-\\u00c9\"]", "\"abc-\xc3\x89\""),
  OK("upper", "[\"abc1\"]", "\"ABC1\""),
  OK("lower", "[\"\"]", "\"\""),
  OKS("upper", "[\"~s:pw\"]", "\"PW\""),
  OK("replace", "[\"a.b.c\", \".\", \"::\"]", "\"a::b::c\""),
  OK("replace", "[\"aaa\", \"aa\", \"b\"]", "\"ba\""),
  OK("replace", "[\"abc\", \"x\", \"y\"]", "\"abc\""),
  OKS("replace", "[\"key=K\", \"K\", \"~s:v\"]", "\"key=v\""),
  ERR("replace", "[\"abc\", \"\", \"y\"]", "replace(): the string to replace is empty"),
  ERR("replace", "[\"abc\", \"a\"]", "replace() takes 3 arguments (2 given)"),
  /* matches */
  OK("matches", "[\"v1.2.3\", \"^v[0-9]+\\\\.[0-9]+\"]", "true"),
  OK("matches", "[\"abc\", \"^b\"]", "false"),
  OK("matches", "[\"ok: 200\", \"(ok|fine): (2|3)[0-9]{2}$\"]", "true"),
  OKS("matches", "[\"~s:token123\", \"[0-9]+$\"]", "true"),
  ERR("matches", "[\"abc\", \"a(b\"]", "matches(): invalid regular expression \"a(b\""),
  ERR("matches", "[\"abc\", 1]", "matches(): argument 2 must be a string, got int"),
  /* json */
  OK("json.parse", "[\"{\\\"a\\\": [1, 2.5, null, true]}\"]", "{\"a\": [1, 2.5, null, true]}"),
  OK("json.parse", "[\"42\"]", "42"),
  OKS("json.parse", "[\"~s:{\\\"k\\\": \\\"v\\\"}\"]", "{\"k\": \"v\"}"),
  ERR("json.parse", "[\"{\\\"a\\\":\\n  oops}\"]", "json.parse(): invalid JSON at line 2 column"),
  ERR("json.parse", "[1]", "json.parse(): argument 1 must be a string, got int"),
  OK("json.encode", "[{\"a\": [1, \"x\"], \"d\": \"~d:1s\"}]",
     "\"{\\\"a\\\":[1,\\\"x\\\"],\\\"d\\\":\\\"1s\\\"}\""),
  OK("json.encode", "[\"~d:1m\"]", "\"\\\"1m\\\"\""),
  OKS("json.encode", "[\"~s:pw\"]", "\"\\\"pw\\\"\""),
};

/* Run one row and check its outcome. */
static void
run_row(const struct row *r)
{
  struct args a;
  struct std_call c;
  struct rbc_value out;
  int rc;

  args_parse(&a, r->args);
  rc = call_bi(r->fn, &a, &c, &out);
  if (r->want != NULL) {
    if (rc != 0)
      fail_msg("%s%s: unexpected error: %s", r->fn, r->args, c.message);
    if (strcmp(show(out), r->want) != 0)
      fail_msg("%s%s: got %s, want %s", r->fn, r->args, show(out), r->want);
    if (out.secret != r->secret)
      fail_msg("%s%s: secret flag is %d", r->fn, r->args, out.secret);
    val_release(out);
  } else {
    if (rc != -1)
      fail_msg("%s%s: succeeded with %s, want error", r->fn, r->args, show(out));
    assert_has(c.message, r->error);
    assert_int_equal(c.code, DIAG_RB5011);
    assert_int_equal(out.type, VAL_NULL);
  }
  args_free(&a);
}

static void
test_table(void **state)
{
  (void)state;
  for (size_t i = 0; i < NROWS(rows); i++)
    run_row(&rows[i]);
}

/* }==== */

/* {==== the table of natives, named arguments, secrets in messages ==== */

/* Every entry has a function except those the VM or a later issue handle. */
static void
test_natives_table(void **state)
{
  (void)state;
  for (size_t i = 0; i < std_nbuiltins; i++) {
    const char *n = std_builtins[i].name;
    bool absent = strcmp(n, "aws") == 0 || strcmp(n, "confirm") == 0;
    if (absent)
      assert_null(std_natives[std_builtins[i].id]);
    else if (std_natives[std_builtins[i].id] == NULL)
      fail_msg("built-in %s has no function", n);
  }
}

static void
test_unknown_named(void **state)
{
  struct args a;
  struct std_call c;
  struct rbc_value out;

  (void)state;
  args_parse(&a, "[\"abc\"]");
  args_named(&a, "indent", "2");
  assert_int_equal(call_bi("len", &a, &c, &out), -1);
  assert_string_equal(c.message, "len(): unknown named argument 'indent'");
  args_free(&a);
  args_parse(&a, "[[1]]");
  args_named(&a, "indent", "\"x\"");
  assert_int_equal(call_bi("json.encode", &a, &c, &out), -1);
  assert_has(c.message, "json.encode(): indent: must be a bool or an int >= 0, got string");
  args_free(&a);
  args_parse(&a, "[{\"a\": [1]}]");
  args_named(&a, "indent", "true");
  assert_int_equal(call_bi("json.encode", &a, &c, &out), 0);
  assert_string_equal(val_str_data(out), "{\n  \"a\": [\n    1\n  ]\n}");
  val_release(out);
  args_free(&a);
}

/* Failing calls on secrets never put the secret's bytes in the message. */
static void
test_secret_messages(void **state)
{
  static const char *const cases[][2] = {
    { "int", "[\"~s:hunter2\"]" },
    { "float", "[\"~s:hunter2\"]" },
    { "matches", "[\"x\", \"~s:hunter2(\"]" },
    { "json.parse", "[\"~s:{\\\"a\\\": hunter2}\"]" },
    { "read_file", "[\"~s:hunter2\"]" },
    { "sum", "[[{\"a\": 1}], \"~s:hunter2\"]" },
    { "fail", "[\"~s:hunter2\"]" },
    { "glob", "[\"~s:hunter2[\"]" },
  };
  struct args a;
  struct std_call c;
  struct rbc_value out;

  (void)state;
  for (size_t i = 0; i < NROWS(cases); i++) {
    args_parse(&a, cases[i][1]);
    int rc = call_bi(cases[i][0], &a, &c, &out);
    if (rc == 0) {
      /* glob of a pattern matching nothing succeeds: the list is secret */
      assert_true(out.secret);
      val_release(out);
    } else {
      assert_lacks(c.message, "hunter2");
      assert_true(c.message[0] != '\0');
    }
    args_free(&a);
  }
}

/* }==== */

/* {==== allocation failures ==== */

/*
** Allocation failures (vm/value_int.h's test hook fails the Nth value
** allocation): each call either succeeds or fails cleanly with "out of
** memory", and nothing leaks (valgrind / LeakSanitizer check that).
*/
static void
test_out_of_memory(void **state)
{
  static const char *const cases[][2] = {
    { "keys", "[{\"a\": 1, \"b\": 2, \"c\": 3}]" },
    { "split", "[\"a b c d e\"]" },
    { "split", "[\"a,b,c\", \",\"]" },
    { "join", "[[\"a\", 1, [2]], \"-\"]" },
    { "replace", "[\"aXbXc\", \"X\", \"yy\"]" },
    { "upper", "[\"abc\"]" },
    { "str", "[[1, {\"a\": 2}]]" },
    { "json.parse", "[\"{\\\"a\\\": [1, 2, {\\\"b\\\": null}]}\"]" },
    { "json.encode", "[{\"a\": [1, 2]}]" },
    { "log", "[\"a\", [1, 2]]" },
    { "env", "[\"PATH\"]" },
    { "glob", "[\"*\"]" },
  };
  struct args a;
  struct std_call c;
  struct rbc_value out;

  (void)state;
  for (size_t i = 0; i < NROWS(cases); i++) {
    args_parse(&a, cases[i][1]);
    for (long n = 1; n < 40; n++) {
      int rc;
      val_mem_fail_after(n);
      rc = call_bi(cases[i][0], &a, &c, &out);
      val_mem_fail_after(0);
      if (rc == 0)
        val_release(out);
      else
        assert_has(c.message, "out of memory");
    }
    args_free(&a);
  }
}

/* }==== */

/* {==== env, now, log, fail ==== */

static void
test_env(void **state)
{
  struct args a;
  struct std_call c;
  struct rbc_value out;

  (void)state;
  assert_int_equal(setenv("RBC_TEST_NATIVES", "value 1", 1), 0);
  unsetenv("RBC_TEST_UNSET");
  args_parse(&a, "[\"RBC_TEST_NATIVES\", \"d\"]");
  assert_int_equal(call_bi("env", &a, &c, &out), 0);
  assert_string_equal(show(out), "\"value 1\"");
  val_release(out);
  args_free(&a);
  args_parse(&a, "[\"RBC_TEST_UNSET\", 5]");
  assert_int_equal(call_bi("env", &a, &c, &out), 0);
  assert_string_equal(show(out), "5");
  args_free(&a);
  args_parse(&a, "[\"RBC_TEST_UNSET\"]");
  assert_int_equal(call_bi("env", &a, &c, &out), 0);
  assert_int_equal(out.type, VAL_NULL);
  args_free(&a);
  args_parse(&a, "[\"\"]");
  assert_int_equal(call_bi("env", &a, &c, &out), -1);
  assert_has(c.message, "env(): the variable name is empty");
  args_free(&a);
  args_parse(&a, "[1]");
  assert_int_equal(call_bi("env", &a, &c, &out), -1);
  assert_string_equal(c.message, "env(): argument 1 must be a string, got int");
  args_free(&a);
}

static void
test_now_log_fail(void **state)
{
  struct args a;
  struct std_call c;
  struct rbc_value out;

  (void)state;
  args_parse(&a, "[]");
  assert_int_equal(call_bi("now", &a, &c, &out), 0);
  assert_int_equal(out.type, VAL_TIME);
  assert_string_equal(show(out), "2026-01-01T00:00:00Z");
  args_free(&a);

  args_parse(&a, "[\"deploy\", 41, \"~s:hunter2\", [1, \"~s:x\"], \"~d:5s\"]");
  assert_int_equal(call_bi("log", &a, &c, &out), 0);
  assert_int_equal(out.type, VAL_NULL);
  assert_int_equal(fake.nlogs, 1);
  assert_string_equal(fake.logs[0], "deploy 41 *** [1, ***] 5s");
  args_free(&a);

  args_parse(&a, "[\"rollback needed: error rate high\"]");
  assert_int_equal(call_bi("fail", &a, &c, &out), -1);
  assert_string_equal(c.message, "rollback needed: error rate high");
  assert_int_equal(c.code, DIAG_RB5011);
  args_free(&a);
  args_parse(&a, "[\"~s:hunter2\"]");
  assert_int_equal(call_bi("fail", &a, &c, &out), -1);
  assert_string_equal(c.message, "***");
  args_free(&a);
}

/* }==== */

/* {==== files and glob ==== */

/* Full path of name in the workdir, in a static buffer. */
static const char *
in_workdir(const char *name)
{
  static char path[512];
  snprintf(path, sizeof path, "%s/%s", fake.workdir, name);
  return path;
}

/* Mode bits of a file in the workdir. */
static unsigned
mode_of(const char *name)
{
  struct stat st;
  assert_int_equal(stat(in_workdir(name), &st), 0);
  return (unsigned)(st.st_mode & 0777);
}

/* Call fn with JSON args, expecting success; returns the display text. */
static const char *
ok_call(const char *fn, const char *json)
{
  static char text[4096];
  struct args a;
  struct std_call c;
  struct rbc_value out;

  args_parse(&a, json);
  if (call_bi(fn, &a, &c, &out) != 0)
    fail_msg("%s%s: %s", fn, json, c.message);
  snprintf(text, sizeof text, "%s%s", show(out), out.secret ? " (secret)" : "");
  val_release(out);
  args_free(&a);
  return text;
}

/* Call fn with JSON args, expecting failure; returns the message. */
static const char *
err_call(const char *fn, const char *json)
{
  static struct std_call c;
  struct args a;
  struct rbc_value out;

  args_parse(&a, json);
  if (call_bi(fn, &a, &c, &out) == 0)
    fail_msg("%s%s: succeeded with %s", fn, json, show(out));
  args_free(&a);
  return c.message;
}

static void
test_files(void **state)
{
  char big[600];

  (void)state;
  assert_string_equal(ok_call("exists", "[\"a.txt\"]"), "false");
  assert_string_equal(ok_call("write_file", "[\"a.txt\", \"hello\\nworld\"]"), "null");
  assert_string_equal(ok_call("exists", "[\"a.txt\"]"), "true");
  assert_int_equal(mode_of("a.txt"), 0644);
  assert_string_equal(ok_call("read_file", "[\"a.txt\"]"), "\"hello\\nworld\"");
  /* replacing keeps no temporary file behind */
  assert_string_equal(ok_call("write_file", "[\"a.txt\", \"v2\"]"), "null");
  assert_string_equal(ok_call("read_file", "[\"a.txt\"]"), "\"v2\"");
  assert_string_equal(ok_call("glob", "[\"a.txt*\"]"), "[\"a.txt\"]");
  /* a secret content gets 0600, and reading it back through a secret path taints */
  assert_string_equal(ok_call("write_file", "[\"s.txt\", \"~s:pw\"]"), "null");
  assert_int_equal(mode_of("s.txt"), 0600);
  assert_string_equal(ok_call("read_file", "[\"~s:s.txt\"]"), "\"pw\" (secret)");
  /* absolute paths are used as they are */
  snprintf(big, sizeof big, "[\"%s\"]", in_workdir("a.txt"));
  assert_string_equal(ok_call("exists", big), "true");
  /* remove: true, then false for the missing file */
  assert_string_equal(ok_call("remove", "[\"a.txt\"]"), "true");
  assert_string_equal(ok_call("remove", "[\"a.txt\"]"), "false");
  assert_has(err_call("read_file", "[\"a.txt\"]"),
             "read_file(): cannot open \"a.txt\": No such file or directory");
  assert_has(err_call("write_file", "[\"nodir/x\", \"a\"]"), "write_file(): cannot write");
  assert_has(err_call("write_file", "[\"x\", 1]"), "argument 2 must be a string");
  assert_has(err_call("read_file", "[\"\"]"), "read_file(): the path is empty");
}

static void
test_files_limits(void **state)
{
  FILE *f;

  (void)state;
  assert_int_equal(mkdir(in_workdir("dir"), 0755), 0);
  assert_has(err_call("read_file", "[\"dir\"]"), "Is a directory");
  assert_has(err_call("remove", "[\"dir\"]"), "remove(): cannot remove \"dir\"");
  /* a file over 16 MiB is refused (sparse: no real disk use) */
  f = fopen(in_workdir("big"), "w");
  assert_non_null(f);
  assert_int_equal(fseek(f, (16L << 20) + 1, SEEK_SET), 0);
  assert_int_equal(fputc('x', f), 'x');
  assert_int_equal(fclose(f), 0);
  assert_has(err_call("read_file", "[\"big\"]"), "read_file(): \"big\" is larger than 16 MiB");
}

static void
test_write_json(void **state)
{
  struct args a;
  struct std_call c;
  struct rbc_value out;

  (void)state;
  assert_string_equal(ok_call("write_json", "[\"o.json\", {\"a\": [1, 2], \"b\": null}]"),
                      "null");
  assert_string_equal(ok_call("read_file", "[\"o.json\"]"),
                      "\"{\\n  \\\"a\\\": [\\n    1,\\n    2\\n  ],\\n  \\\"b\\\": null\\n}\\n\"");
  assert_int_equal(mode_of("o.json"), 0644);
  args_parse(&a, "[\"c.json\", {\"a\": \"~s:pw\"}]");
  args_named(&a, "indent", "false");
  assert_int_equal(call_bi("write_json", &a, &c, &out), 0);
  args_free(&a);
  assert_int_equal(mode_of("c.json"), 0600);
  assert_string_equal(ok_call("read_file", "[\"c.json\"]"), "\"{\\\"a\\\":\\\"pw\\\"}\\n\"");
  assert_has(err_call("write_json", "[\"x.json\"]"), "write_json() takes 2 arguments");
}

static void
test_glob(void **state)
{
  (void)state;
  assert_string_equal(ok_call("glob", "[\"*.log\"]"), "[]");
  assert_string_equal(ok_call("write_file", "[\"b.log\", \"\"]"), "null");
  assert_string_equal(ok_call("write_file", "[\"a.log\", \"\"]"), "null");
  assert_string_equal(ok_call("write_file", "[\"c.txt\", \"\"]"), "null");
  assert_int_equal(mkdir(in_workdir("sub"), 0755), 0);
  assert_string_equal(ok_call("write_file", "[\"sub/z.log\", \"\"]"), "null");
  assert_string_equal(ok_call("glob", "[\"*.log\"]"), "[\"a.log\", \"b.log\"]");
  assert_string_equal(ok_call("glob", "[\"*/*.log\"]"), "[\"sub/z.log\"]");
  assert_string_equal(ok_call("glob", "[\"[ab].*\"]"), "[\"a.log\", \"b.log\"]");
  assert_string_equal(ok_call("glob", "[\"~s:*.txt\"]"), "[\"c.txt\"] (secret)");
  assert_has(err_call("glob", "[\"\"]"), "glob(): the pattern is empty");
}

/* }==== */

/* {==== sh ==== */

/* Run sh with command and named args as JSON ("" name ends), expecting rc. */
static struct rbc_value
sh_call(int want_rc, struct std_call *c, const char *cmd, ...)
{
  struct args a;
  struct rbc_value out, s;
  struct val_err err;
  const char *name;
  va_list ap;

  memset(&a, 0, sizeof a);
  assert_int_equal(val_string_cstr(cmd, &s, &err), VAL_OK);
  a.pos[a.npos++] = s;
  va_start(ap, cmd);
  for (name = va_arg(ap, const char *); name != NULL; name = va_arg(ap, const char *))
    args_named(&a, name, va_arg(ap, const char *));
  va_end(ap);
  if (call_bi("sh", &a, c, &out) != want_rc)
    fail_msg("sh %s: rc != %d (%s)", cmd, want_rc, c->message);
  args_free(&a);
  return out;
}

/* The string member `key` of map m, as a C string in a static buffer. */
static const char *
member(struct rbc_value m, const char *key)
{
  const struct rbc_value *v = val_map_get(m, key, strlen(key));
  assert_non_null(v);
  return show(*v);
}

static void
test_sh_basics(void **state)
{
  struct std_call c;
  struct rbc_value r;

  (void)state;
  r = sh_call(0, &c, "echo out; echo err >&2; pwd", NULL);
  assert_string_equal(member(r, "code"), "0");
  assert_has(member(r, "stdout"), "out\\n");
  assert_has(member(r, "stdout"), fake.workdir);          /* runs in the workdir */
  assert_string_equal(member(r, "stderr"), "\"err\\n\"");
  assert_string_equal(member(r, "truncated"), "false");
  assert_int_equal(val_map_get(r, "duration", 8)->type, VAL_DURATION);
  val_release(r);

  r = sh_call(0, &c, "exit 3", "check", "false", NULL);
  assert_string_equal(member(r, "code"), "3");
  val_release(r);

  sh_call(-1, &c, "echo first >&2; echo 'the last line' >&2; exit 4", NULL);
  assert_int_equal(c.code, DIAG_RB5002);
  assert_string_equal(c.message, "command failed with exit code 4: the last line");
  sh_call(-1, &c, "exit 2", NULL);
  assert_string_equal(c.message, "command failed with exit code 2");

  assert_int_equal(mkdir(in_workdir("sub dir"), 0755), 0);
  r = sh_call(0, &c, "pwd", "cwd", "\"sub dir\"", NULL);
  assert_has(member(r, "stdout"), "/sub dir\\n");
  val_release(r);
  sh_call(-1, &c, "pwd", "cwd", "\"missing\"", NULL);
  assert_string_equal(c.message, "sh(): cwd: \"missing\" is not a directory");
}

static void
test_sh_env_and_secrets(void **state)
{
  struct std_call c;
  struct rbc_value r;

  (void)state;
  r = sh_call(0, &c, "printf '%s|%s|%s' \"$A\" \"$N\" \"$T\"",
              "env", "{\"A\": \"x y\", \"N\": 5, \"T\": \"~s:tok\"}", NULL);
  assert_string_equal(member(r, "stdout"), "\"x y|5|tok\"");
  assert_false(val_map_get(r, "stdout", 6)->secret);
  assert_int_equal(fake.nsecrets, 1);
  assert_string_equal(fake.secrets[0], "tok");
  val_release(r);

  /* every value of a secret map is registered */
  r = sh_call(0, &c, "printf '%s' \"$K\"", "env", "\"~S:{\\\"K\\\": \\\"kv\\\"}\"", NULL);
  assert_string_equal(member(r, "stdout"), "\"kv\"");
  assert_int_equal(fake.nsecrets, 2);
  assert_string_equal(fake.secrets[1], "kv");
  val_release(r);

  /* the last stderr line of a failure is scrubbed of env secrets */
  sh_call(-1, &c, "echo \"bad token $T\" >&2; exit 1", "env", "{\"T\": \"~s:hunter2\"}", NULL);
  assert_string_equal(c.message, "command failed with exit code 1: bad token ***");

  sh_call(-1, &c, "true", "env", "{\"BAD-NAME\": \"x\"}", NULL);
  assert_has(c.message, "sh(): ");
  sh_call(-1, &c, "true", "env", "{\"A\": [1]}", NULL);
  assert_string_equal(c.message, "sh(): env: A must be a string, number, bool or duration, "
                      "got list");
  sh_call(-1, &c, "true", "env", "[1]", NULL);
  assert_string_equal(c.message, "sh(): env: must be a map, got list");
}

static void
test_sh_refusals_and_timeout(void **state)
{
  struct std_call c;
  struct args a;
  struct rbc_value out;

  (void)state;
  args_parse(&a, "[\"~s:echo hunter2\"]");
  assert_int_equal(call_bi("sh", &a, &c, &out), -1);
  assert_int_equal(c.code, DIAG_RB3001);
  assert_lacks(c.message, "hunter2");
  args_free(&a);

  sh_call(-1, &c, "sleep 5", "timeout", "\"~d:200ms\"", NULL);
  assert_int_equal(c.code, DIAG_RB5003);
  assert_string_equal(c.message, "command timed out after 200ms");
  sh_call(-1, &c, "true", "timeout", "5", NULL);
  assert_string_equal(c.message, "sh(): timeout: must be a duration, got int");
  sh_call(-1, &c, "true", "timeout", "\"~d:0s\"", NULL);
  assert_string_equal(c.message, "sh(): timeout: must be more than 0s");
  sh_call(-1, &c, "true", "check", "1", NULL);
  assert_string_equal(c.message, "sh(): check: must be a bool, got int");
  sh_call(-1, &c, "true", "bogus", "1", NULL);
  assert_string_equal(c.message, "sh(): unknown named argument 'bogus'");

  /* an interrupt (SIGINT/SIGTERM arrived) stops it before it starts */
  sh_interrupt_requested = 1;
  sh_call(-1, &c, "true", NULL);
  sh_interrupt_requested = 0;
  assert_int_equal(c.code, DIAG_RB5009);
  assert_string_equal(c.message, "command interrupted");
}

/* Output past the runner's bound is cut and flagged. */
static void
test_sh_truncated(void **state)
{
  struct std_call c;
  struct rbc_value r;

  (void)state;
  r = sh_call(0, &c, "head -c 1100000 /dev/zero | tr '\\0' x", NULL);
  assert_string_equal(member(r, "truncated"), "true");
  assert_int_equal(val_str_len(*val_map_get(r, "stdout", 6)), SH_DEFAULT_MAX_OUTPUT);
  val_release(r);
}

/* }==== */

int
main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_table, setup, teardown),
    cmocka_unit_test_setup_teardown(test_natives_table, setup, teardown),
    cmocka_unit_test_setup_teardown(test_unknown_named, setup, teardown),
    cmocka_unit_test_setup_teardown(test_secret_messages, setup, teardown),
    cmocka_unit_test_setup_teardown(test_out_of_memory, setup, teardown),
    cmocka_unit_test_setup_teardown(test_env, setup, teardown),
    cmocka_unit_test_setup_teardown(test_now_log_fail, setup, teardown),
    cmocka_unit_test_setup_teardown(test_files, setup, teardown),
    cmocka_unit_test_setup_teardown(test_files_limits, setup, teardown),
    cmocka_unit_test_setup_teardown(test_write_json, setup, teardown),
    cmocka_unit_test_setup_teardown(test_glob, setup, teardown),
    cmocka_unit_test_setup_teardown(test_sh_basics, setup, teardown),
    cmocka_unit_test_setup_teardown(test_sh_env_and_secrets, setup, teardown),
    cmocka_unit_test_setup_teardown(test_sh_refusals_and_timeout, setup, teardown),
    cmocka_unit_test_setup_teardown(test_sh_truncated, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
