/*
** test_journal.c: the journal's writer, reader and verifier, and the run
** lock (vm/journal.h, docs/journal.md).
*/
#define _POSIX_C_SOURCE 200809L

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

#include "vm/journal.h"

/* {==== helpers ==== */

static char tmpdir[256];

static int setup_dir(void **state)
{
  const char *t = getenv("TMPDIR");

  (void)state;
  snprintf(tmpdir, sizeof tmpdir, "%s/rbc-journal-XXXXXX", t && *t ? t : "/tmp");
  return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown_dir(void **state)
{
  char cmd[300];

  (void)state;
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
  return system(cmd) == 0 ? 0 : -1;
}

/* A journal of n events {"type":"e<i>"} (run_start first) at <tmpdir>/<id>.jsonl. */
static void write_journal(const char *id, int n)
{
  struct jl_writer *w;
  struct jl_problem p;

  assert_int_equal(jl_writer_create(tmpdir, id, &w, &p), 0);
  for (int i = 0; i < n; i++) {
    json_t *ev = json_pack("{s:s, s:s, s:i}", "type", i == 0 ? "run_start" : "step_end",
                           "run_id", id, "n", i);

    assert_non_null(ev);
    assert_int_equal(jl_writer_event(w, ev), 0);
    json_decref(ev);
  }
  jl_writer_free(w);
}

static char *slurp(const char *path, size_t *len)
{
  FILE *f = fopen(path, "rb");
  char *b = malloc(1 << 16);

  assert_non_null(f);
  assert_non_null(b);
  *len = fread(b, 1, (1 << 16) - 1, f);
  b[*len] = '\0';
  fclose(f);
  return b;
}

static void spit(const char *path, const char *b, size_t len)
{
  FILE *f = fopen(path, "wb");

  assert_non_null(f);
  assert_int_equal(fwrite(b, 1, len, f), len);
  fclose(f);
}

/* Start of line k (1-based) in b. */
static char *line_at(char *b, int k)
{
  while (--k > 0)
    b = strchr(b, '\n') + 1;
  return b;
}

/* }==== */

/* {==== tests ==== */

static void test_round_trip(void **state)
{
  struct jl_reader *r;
  struct jl_problem p;
  struct stat sb;
  char path[400];
  size_t at = 0;

  (void)state;
  write_journal("r1", 5);
  snprintf(path, sizeof path, "%s/r1.jsonl", tmpdir);
  assert_int_equal(stat(path, &sb), 0);
  assert_int_equal(sb.st_mode & 0777, 0600);
  assert_int_equal(jl_open("r1", tmpdir, &r, &p), 0);
  assert_int_equal(jl_count(r), 5);
  assert_string_equal(jl_run_id(r), "r1");
  assert_non_null(jl_find(r, "step_end", 2, &at));
  assert_int_equal(at, 2);
  assert_null(jl_find(r, "run_end", 0, NULL));
  assert_int_equal(json_integer_value(json_object_get(jl_event(r, 4), "n")), 4);
  assert_string_equal(json_string_value(json_object_get(jl_event(r, 0), "prev")), JL_ZERO_HASH);
  assert_string_equal(json_string_value(json_object_get(jl_event(r, 4), "hash")),
                      jl_last_hash(r));
  jl_close(r);
  /* the same through its path */
  assert_int_equal(jl_open(path, NULL, &r, &p), 0);
  jl_close(r);
}

static void test_append_continues_chain(void **state)
{
  struct jl_reader *r;
  struct jl_writer *w;
  struct jl_problem p;
  json_t *ev = json_pack("{s:s}", "type", "resume");

  (void)state;
  write_journal("r2", 3);
  assert_int_equal(jl_open("r2", tmpdir, &r, &p), 0);
  assert_int_equal(jl_writer_append(r, &w, &p), 0);
  assert_int_equal(jl_writer_event(w, ev), 0);
  jl_writer_free(w);
  /* r is now stale: appending through it again is refused */
  assert_int_equal(jl_writer_append(r, &w, &p), JL_EXIT_TAMPERED);
  jl_close(r);
  json_decref(ev);
  assert_int_equal(jl_open("r2", tmpdir, &r, &p), 0);
  assert_int_equal(jl_count(r), 4);
  jl_close(r);
}

/* How a journal of 6 lines is damaged, and the line that must be named. */
struct tamper_case {
  const char *what;
  int line;
};

static void damage(char *b, size_t *len, const char *what)
{
  char *l3 = line_at(b, 3), *l4 = line_at(b, 4), *l5 = line_at(b, 5);
  char tmp[4096];

  if (strcmp(what, "edit") == 0) {
    strstr(l4, "\"n\":3")[4] = '7';             /* still valid JSON */
  } else if (strcmp(what, "remove") == 0) {
    memmove(l4, l5, (size_t)(b + *len - l5) + 1);
    *len -= (size_t)(l5 - l4);
  } else if (strcmp(what, "swap") == 0) {
    size_t a = (size_t)(l4 - l3), c = (size_t)(l5 - l4);

    memcpy(tmp, l3, a);
    memmove(l3, l4, c);
    memcpy(l3 + c, tmp, a);
  } else if (strcmp(what, "cut") == 0) {
    *len -= 10;
  } else if (strcmp(what, "garbage") == 0) {
    memset(l3, 'x', (size_t)(l4 - l3) - 1);
  } else if (strcmp(what, "drop-first") == 0) {
    char *l2 = line_at(b, 2);

    *len -= (size_t)(l2 - b);
    memmove(b, l2, *len + 1);
  }
}

static void test_tampering(void **state)
{
  static const struct tamper_case cases[] = {
    { "edit", 4 }, { "remove", 4 }, { "swap", 3 }, { "cut", 6 }, { "garbage", 3 },
    { "drop-first", 1 },
  };
  char path[400];

  (void)state;
  write_journal("t", 6);
  snprintf(path, sizeof path, "%s/t.jsonl", tmpdir);
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    struct jl_reader *r;
    struct jl_problem p;
    size_t len;
    char *b = slurp(path, &len), dpath[420];

    damage(b, &len, cases[i].what);
    snprintf(dpath, sizeof dpath, "%s/d-%s.jsonl", tmpdir, cases[i].what);
    spit(dpath, b, len);
    free(b);
    assert_int_equal(jl_open(dpath, NULL, &r, &p), JL_EXIT_TAMPERED);
    assert_null(r);
    if (p.line != (size_t)cases[i].line)
      fail_msg("%s: line %zu named, expected %d (%s)", cases[i].what, p.line, cases[i].line,
               p.message);
    /* lenient: the lines before the break */
    assert_int_equal(jl_open_lenient(dpath, NULL, &r, &p), JL_EXIT_TAMPERED);
    assert_non_null(r);
    assert_int_equal(jl_count(r), (size_t)cases[i].line - 1);
    jl_close(r);
  }
}

static void test_missing_and_empty(void **state)
{
  struct jl_reader *r;
  struct jl_problem p;
  char path[400];

  (void)state;
  assert_int_equal(jl_open("no-such-run", tmpdir, &r, &p), JL_EXIT_NOINPUT);
  assert_null(r);
  snprintf(path, sizeof path, "%s/empty.jsonl", tmpdir);
  spit(path, "", 0);
  assert_int_equal(jl_open(path, NULL, &r, &p), JL_EXIT_TAMPERED);
}

static void test_lock(void **state)
{
  struct jl_lock *a, *b;
  struct jl_problem p;
  char want[64];

  (void)state;
  assert_int_equal(jl_lock_take(tmpdir, "rb one", "id-1", &a, &p), 0);
  /* flock belongs to the open file: a second open in this process conflicts too */
  assert_int_equal(jl_lock_take(tmpdir, "rb one", "id-2", &b, &p), JL_EXIT_LOCKED);
  assert_null(b);
  snprintf(want, sizeof want, "run id-1, process %ld", (long)getpid());
  assert_non_null(strstr(p.message, want));
  assert_non_null(strstr(p.path, "/rb-one.lock"));
  /* another runbook has its own lock */
  assert_int_equal(jl_lock_take(tmpdir, "rb two", "id-3", &b, &p), 0);
  jl_lock_release(b);
  jl_lock_release(a);
  assert_int_equal(jl_lock_take(tmpdir, "rb one", "id-4", &b, &p), 0);
  jl_lock_release(b);
}

static void test_default_dir(void **state)
{
  char out[512];

  (void)state;
  assert_int_equal(jl_default_dir("given", out, sizeof out), 0);
  assert_string_equal(out, "given");
  setenv("RBC_STATE_DIR", "/s", 1);
  assert_int_equal(jl_default_dir(NULL, out, sizeof out), 0);
  assert_string_equal(out, "/s/runs");
  unsetenv("RBC_STATE_DIR");
  setenv("XDG_STATE_HOME", "/x", 1);
  assert_int_equal(jl_default_dir("", out, sizeof out), 0);
  assert_string_equal(out, "/x/rbc/runs");
  setenv("XDG_STATE_HOME", "relative", 1);    /* ignored, as the XDG spec says */
  setenv("HOME", "/h", 1);
  assert_int_equal(jl_default_dir(NULL, out, sizeof out), 0);
  assert_string_equal(out, "/h/.local/state/rbc/runs");
  unsetenv("XDG_STATE_HOME");
  unsetenv("HOME");
  assert_int_equal(jl_default_dir(NULL, out, sizeof out), -1);
}

/* }==== */

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_round_trip),
    cmocka_unit_test(test_append_continues_chain),
    cmocka_unit_test(test_tampering),
    cmocka_unit_test(test_missing_and_empty),
    cmocka_unit_test(test_lock),
    cmocka_unit_test(test_default_dir),
  };

  return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
