/*
** test_render.c: exact tty (no color), gcc and json renderings of a few
** diagnostics, caret lines included (cli/render.c).
*/
#define _POSIX_C_SOURCE 200809L  /* open_memstream */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli/render.h"
#include "lexer/diag.h"
#include "lexer/source.h"

/* {==== helpers ==== */

static const char runbook[] =
  "runbook \"x\" {\n"                                    /* 1 */
  "  secret database_url = env(\"DB\")\n"                /* 2 */
  "  step \"Database\" {\n"                              /* 3 */
  "    sh \"migrate --db ${database_url}\"\n"            /* 4 */
  "  }\n"                                                /* 5 */
  "\tlet t = now() + 5\n"                                /* 6 */
  "  log \"h\u00e9llo ${lb_dsn}\"\n"                     /* 7 */
  "}\n";

/* Byte offset of the first occurrence of needle in runbook. */
static uint32_t
at(const char *needle)
{
  const char *p = strstr(runbook, needle);
  assert_non_null(p);
  return (uint32_t)(p - runbook);
}

static struct span
span_of(const char *needle)
{
  struct span s;
  s.start = at(needle);
  s.end = s.start + (uint32_t)strlen(needle);
  return s;
}

/* Render with f into a memory buffer; returns a malloc'd string. */
static char *
render(void (*f)(FILE *, const struct diag_list *, const struct render_opts *),
       const struct diag_list *l)
{
  char *buf = NULL;
  size_t len = 0;
  FILE *fp = open_memstream(&buf, &len);
  struct render_opts o = { false, DIAG_STYLE, NULL, false };

  assert_non_null(fp);
  f(fp, l, &o);
  fclose(fp);
  return buf;
}

struct fixture {
  struct source *src;
  struct diag_list list;
};

static int
setup(void **state)
{
  struct fixture *fx = calloc(1, sizeof *fx);
  if (fx == NULL)
    return -1;
  fx->src = src_new("rb/x.rb", runbook, strlen(runbook));
  diag_init(&fx->list);
  *state = fx;
  return fx->src == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
  struct fixture *fx = *state;
  diag_free(&fx->list);
  src_free(fx->src);
  free(fx);
  return 0;
}

/* The RB3001 of cli.md 4. */
static void
add_secret(struct fixture *fx)
{
  struct span s = span_of("database_url}");
  struct diag *d;

  s.end--;
  d = diag_add(&fx->list, DIAG_RB3001, fx->src, s,
               "secret `database_url` is interpolated into a shell command line");
  diag_label(d, s, true, "would appear in `ps`, shell history and the journal");
  diag_help(d, "pass it through the environment: `env: {DATABASE_URL: database_url}`");
}

/* A warning with a primary and a secondary label on lines 4 and 2. */
static void
add_two_labels(struct fixture *fx)
{
  struct span use = span_of("sh \"migrate");
  struct span decl = span_of("database_url =");
  struct diag *d;

  use.end = use.start + 2;
  decl.end = decl.start + 12;
  d = diag_add(&fx->list, DIAG_RB3006, fx->src, use, "exit status ignored");
  diag_label(d, use, true, "here");
  diag_label(d, decl, false, "declared");
}

/* {==== tty ==== */

static void
test_tty_secret(void **state)
{
  struct fixture *fx = *state;
  char *out;

  add_secret(fx);
  out = render(render_tty, &fx->list);
  assert_string_equal(out,
    "error[RB3001]: secret `database_url` is interpolated into a shell command line\n"
    " --> rb/x.rb:4:24\n"
    "  |\n"
    "4 |     sh \"migrate --db ${database_url}\"\n"
    "  |                        ^^^^^^^^^^^^ would appear in `ps`, shell history and the journal\n"
    "  |\n"
    "  = help: pass it through the environment: `env: {DATABASE_URL: database_url}`\n"
    "\n");
  free(out);
}

static void
test_tty_tab_and_utf8(void **state)
{
  struct fixture *fx = *state;
  struct span five = span_of("5\n");
  struct span name = span_of("lb_dsn");
  struct diag *d;
  char *out;

  five.end = five.start + 1;
  d = diag_add(&fx->list, DIAG_RB2004, fx->src, five, "`+` cannot combine time and int");
  diag_label(d, five, true, "int");
  d = diag_add(&fx->list, DIAG_RB2001, fx->src, name, "undefined name `lb_dsn`");
  diag_label(d, name, true, "not defined in this scope");
  diag_help(d, "did you mean `lb_dns`?");
  out = render(render_tty, &fx->list);
  /* The tab counts one column in the header (6:18) but four in the excerpt. */
  assert_string_equal(out,
    "error[RB2004]: `+` cannot combine time and int\n"
    " --> rb/x.rb:6:18\n"
    "  |\n"
    "6 |     let t = now() + 5\n"
    "  |                     ^ int\n"
    "\n"
    "error[RB2001]: undefined name `lb_dsn`\n"
    " --> rb/x.rb:7:16\n"
    "  |\n"
    "7 |   log \"h\u00e9llo ${lb_dsn}\"\n"
    "  |                ^^^^^^ not defined in this scope\n"
    "  |\n"
    "  = help: did you mean `lb_dns`?\n"
    "\n");
  free(out);
}

static void
test_tty_two_lines(void **state)
{
  struct fixture *fx = *state;
  char *out;

  add_two_labels(fx);
  out = render(render_tty, &fx->list);
  /* Lines 2 and 4: the gap of one line (3) is shown. */
  assert_string_equal(out,
    "warning[RB3006]: exit status ignored\n"
    " --> rb/x.rb:4:5\n"
    "  |\n"
    "2 |   secret database_url = env(\"DB\")\n"
    "  |          ------------ declared\n"
    "3 |   step \"Database\" {\n"
    "4 |     sh \"migrate --db ${database_url}\"\n"
    "  |     ^^ here\n"
    "\n");
  free(out);
}

static void
test_tty_summary(void **state)
{
  struct render_counts c;
  char *buf = NULL;
  size_t len = 0;
  FILE *fp;

  (void)state;
  memset(&c, 0, sizeof c);
  c.by_severity[DIAG_ERROR] = 2;
  c.by_severity[DIAG_WARNING] = 1;
  c.files_with_problems = 1;
  fp = open_memstream(&buf, &len);
  render_tty_summary(fp, &c, false);
  memset(&c, 0, sizeof c);
  render_tty_summary(fp, &c, false);        /* clean: nothing */
  fclose(fp);
  assert_string_equal(buf, "Found 3 problems in 1 file: 2 errors, 1 warning.\n");
  free(buf);
}

/* {==== gcc ==== */

static void
test_gcc(void **state)
{
  struct fixture *fx = *state;
  struct span name = span_of("lb_dsn");
  struct diag *d;
  char *out;

  add_secret(fx);
  add_two_labels(fx);
  d = diag_add(&fx->list, DIAG_RB4005, fx->src, name, "an info");
  diag_help(d, "did you mean `lb_dns`?");
  diag_help(d, "another help");
  out = render(render_gcc, &fx->list);
  assert_string_equal(out,
    "rb/x.rb:4:24: error: secret `database_url` is interpolated into a shell "
    "command line [RB3001]\n"
    "rb/x.rb:4:5: warning: exit status ignored [RB3006]\n"
    "rb/x.rb:7:16: note: an info; did you mean `lb_dns`? [RB4005]\n");
  free(out);
}

/* {==== json ==== */

static void
test_json(void **state)
{
  struct fixture *fx = *state;
  struct span name = span_of("lb_dsn");
  struct render_opts o = { false, DIAG_STYLE, NULL, false };
  struct render_counts c;
  struct diag *d;
  json_t *arr = json_array(), *doc;
  char *text;

  d = diag_add(&fx->list, DIAG_RB2001, fx->src, name, "undefined name `lb_dsn`");
  diag_label(d, name, true, "not defined");
  diag_help(d, "did you mean `lb_dns`?");
  diag_set_fix(d, true, name, "lb_dns");
  memset(&c, 0, sizeof c);
  c.files = 1;
  render_count(&fx->list, &o, &c);
  assert_int_equal(render_json_append(arr, &fx->list, &o), 0);
  doc = render_json_doc(arr, &c);
  assert_non_null(doc);
  text = json_dumps(doc, JSON_COMPACT);
  assert_string_equal(text,
    "{\"schema\":\"rbc.check/1\",\"tool\":{\"name\":\"rbc\",\"version\":\"0.1.0\"},"
    "\"diagnostics\":[{\"file\":\"rb/x.rb\",\"line\":7,\"column\":16,\"endLine\":7,"
    "\"endColumn\":22,\"severity\":\"error\",\"code\":\"RB2001\",\"name\":\"undefined-name\","
    "\"message\":\"undefined name `lb_dsn`\",\"labels\":[{\"line\":7,\"column\":16,"
    "\"endLine\":7,\"endColumn\":22,\"primary\":true,\"text\":\"not defined\"}],"
    "\"help\":[\"did you mean `lb_dns`?\"],\"fix\":{\"applicability\":\"safe\","
    "\"edits\":[{\"line\":7,\"column\":16,\"endLine\":7,\"endColumn\":22,"
    "\"text\":\"lb_dns\"}]},\"suppressed\":false,"
    "\"url\":\"docs/diagnostics/RB2001.md\"}],"
    "\"summary\":{\"files\":1,\"error\":1,\"warning\":0,\"info\":0,\"style\":0,"
    "\"fixable\":1,\"suppressed\":0}}");
  free(text);
  json_decref(doc);
}

/* {==== github and sarif ==== */

static void
test_github(void **state)
{
  struct fixture *fx = *state;
  struct span name = span_of("lb_dsn");
  char *out;

  diag_add(&fx->list, DIAG_RB2001, fx->src, name, "100%% wrong: a, b\nc");
  out = render(render_github, &fx->list);
  assert_string_equal(out,
    "::error file=rb/x.rb,line=7,col=16,endColumn=22,title=RB2001 undefined-name::"
    "100%25 wrong: a, b%0Ac\n");
  free(out);
}

static void
test_sarif(void **state)
{
  struct fixture *fx = *state;
  struct render_opts o = { false, DIAG_STYLE, NULL, false };
  struct render_sarif s;
  json_t *doc, *run, *res, *region;

  add_secret(fx);
  add_two_labels(fx);
  add_secret(fx);
  assert_int_equal(render_sarif_init(&s), 0);
  assert_int_equal(render_sarif_append(&s, &fx->list, &o), 0);
  doc = render_sarif_doc(&s, true);
  assert_non_null(doc);
  assert_string_equal(json_string_value(json_object_get(doc, "version")), "2.1.0");
  run = json_array_get(json_object_get(doc, "runs"), 0);
  /* Two rules (RB3001 once), three results pointing at them. */
  assert_int_equal(json_array_size(json_object_get(json_object_get(json_object_get(
                   run, "tool"), "driver"), "rules")), 2);
  assert_int_equal(json_array_size(json_object_get(run, "results")), 3);
  res = json_array_get(json_object_get(run, "results"), 1);
  assert_string_equal(json_string_value(json_object_get(res, "ruleId")), "RB3006");
  assert_int_equal(json_integer_value(json_object_get(res, "ruleIndex")), 1);
  assert_string_equal(json_string_value(json_object_get(res, "level")), "warning");
  region = json_object_get(json_object_get(json_array_get(json_object_get(res, "locations"),
                                                          0), "physicalLocation"), "region");
  assert_int_equal(json_integer_value(json_object_get(region, "startLine")), 4);
  assert_int_equal(json_integer_value(json_object_get(region, "startColumn")), 5);
  assert_int_equal(json_integer_value(json_object_get(region, "endColumn")), 7);
  json_decref(doc);
  render_sarif_free(&s);
}

static void
test_severity_filter(void **state)
{
  struct fixture *fx = *state;
  struct render_opts o = { false, DIAG_ERROR, NULL, false };
  struct render_counts c;

  add_secret(fx);
  add_two_labels(fx);
  memset(&c, 0, sizeof c);
  render_count(&fx->list, &o, &c);
  assert_int_equal(c.by_severity[DIAG_ERROR], 1);
  assert_int_equal(c.by_severity[DIAG_WARNING], 0);
  assert_int_equal(c.files_with_problems, 1);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_tty_secret, setup, teardown),
    cmocka_unit_test_setup_teardown(test_tty_tab_and_utf8, setup, teardown),
    cmocka_unit_test_setup_teardown(test_tty_two_lines, setup, teardown),
    cmocka_unit_test(test_tty_summary),
    cmocka_unit_test_setup_teardown(test_gcc, setup, teardown),
    cmocka_unit_test_setup_teardown(test_json, setup, teardown),
    cmocka_unit_test_setup_teardown(test_github, setup, teardown),
    cmocka_unit_test_setup_teardown(test_sarif, setup, teardown),
    cmocka_unit_test_setup_teardown(test_severity_filter, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
