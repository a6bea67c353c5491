/*
** test_fmt.c: the canonical printer (parser/fmt.c) through its API.
**
** Table-driven: each case is {name, input, expected output} for fmt_source;
** every expected output must itself be a fixed point (formatting it again
** gives the same bytes).  Then: syntax errors (FMT_SYNTAX, diagnostics
** appended, no output), fmt_expr and fmt_stmt on parsed trees, and the
** byte buffer.  tests/fmt.sh covers the command and every .rb file.
*/
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lexer/diag.h"
#include "lexer/source.h"
#include "parser/arena.h"
#include "parser/ast.h"
#include "parser/fmt.h"
#include "parser/parse.h"

/* {==== fmt_source cases ==== */

struct fmt_case {
  const char *name;
  const char *in;
  const char *want;
};

static const struct fmt_case cases[] = {
  { "empty", "", "" },
  { "comment only", "# hello   \n\n\n", "# hello\n" },
  { "indent and spacing",
    "fn f( a,b ) {\nreturn a+b*2\n}",
    "fn f(a, b) {\n  return a + b * 2\n}\n" },
  { "semicolons split",
    "fn f() { let a = 1; let b = 2 }",
    "fn f() {\n  let a = 1\n  let b = 2\n}\n" },
  { "blank lines collapse",
    "fn f() {\n\n  let a = 1\n\n\n\n  let b = 2\n\n}\n",
    "fn f() {\n  let a = 1\n\n  let b = 2\n}\n" },
  { "parentheses by precedence",
    "fn f(a, b, c) {\n  return ((a + b)) * (c) + (a * b) - (b - c)\n}\n",
    "fn f(a, b, c) {\n  return (a + b) * c + a * b - (b - c)\n}\n" },
  { "readable parentheses kept",
    "fn f(a, b) {\n  let x = not (a == b)\n  let y = -(-a)\n}\n",
    "fn f(a, b) {\n  let x = not (a == b)\n  let y = -(-a)\n}\n" },
  { "right associative ??",
    "fn f(a, b, c) {\n  return (a ?? b) ?? (c ?? a)\n}\n",
    "fn f(a, b, c) {\n  return (a ?? b) ?? c ?? a\n}\n" },
  { "metadata aligned, comments aligned",
    "runbook \"r\" {\n  title \"T\"  # t\n  criticality   high # c\n  rto 5m\n}\n",
    "runbook \"r\" {\n  title       \"T\"   # t\n  criticality high  # c\n  rto         5m\n}\n" },
  { "clauses in canonical order",
    "runbook \"r\" {\n  phase \"p\" {\n    step \"s\" timeout 1m when x on failure abort "
    "retry 2 every 1s { log 1 }\n  }\n}\n",
    "runbook \"r\" {\n  phase \"p\" {\n    step \"s\" when x retry 2 every 1s timeout 1m "
    "on failure abort {\n      log 1\n    }\n  }\n}\n" },
  { "block after an open bracket",
    "fn f() {\n  g(\n  1,\n  2)\n}\n",
    "fn f() {\n  g(\n    1,\n    2)\n}\n" },
  { "closing bracket alone gets a trailing comma",
    "fn f() {\n  let l = [\n    1,\n    2\n  ]\n}\n",
    "fn f() {\n  let l = [\n    1,\n    2,\n  ]\n}\n" },
  { "strings copied as written",
    "fn f() {\n  log r\"a\\b ${x}\",   \"\\u{41}\\t\"\n}\n",
    "fn f() {\n  log r\"a\\b ${x}\", \"\\u{41}\\t\"\n}\n" },
  { "else on the closing line",
    "fn f(x) {\n  if x { log 1 }\n  else { log 2 }\n}\n",
    "fn f(x) {\n  if x {\n    log 1\n  } else {\n    log 2\n  }\n}\n" },
};

/* Format text; the status, and the output in *out (malloc'd or NULL). */
static int
format(const char *text, char **out, size_t *len, size_t *ndiags)
{
  struct source *src = src_new("t.rb", text, strlen(text));
  struct diag_list diags;
  int rc;

  assert_non_null(src);
  diag_init(&diags);
  rc = fmt_source(src, &diags, out, len);
  *ndiags = diags.len;
  diag_free(&diags);
  src_free(src);
  return rc;
}

static void
test_cases(void **state)
{
  size_t i;

  (void)state;
  for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char *out = NULL, *again = NULL;
    size_t len, len2, nd;
    int rc = format(cases[i].in, &out, &len, &nd);
    if (rc != FMT_OK || strcmp(out, cases[i].want) != 0)
      print_error("case '%s': status %d\n--- got ---\n%s--- want ---\n%s", cases[i].name,
                  rc, out != NULL ? out : "(none)\n", cases[i].want);
    assert_int_equal(rc, FMT_OK);
    assert_string_equal(out, cases[i].want);
    assert_int_equal(len, strlen(cases[i].want));
    assert_int_equal(format(out, &again, &len2, &nd), FMT_OK);
    assert_string_equal(again, out);            /* a fixed point */
    free(out);
    free(again);
  }
}

/* }==== */

/* {==== errors, expressions, statements, buffer ==== */

static void
test_syntax_error(void **state)
{
  char *out = (char *)"untouched";
  size_t len = 7, nd = 0;

  (void)state;
  assert_int_equal(format("fn f() {\n  let a = 1 let b = 2\n}\n", &out, &len, &nd),
                   FMT_SYNTAX);
  assert_null(out);
  assert_int_equal(len, 0);
  assert_true(nd > 0);
}

/* Parse text and return the first statement of the first fn's body. */
static const struct ast_node *
first_stmt(const char *text, struct source **src, struct arena **a)
{
  struct diag_list diags;
  struct parse_result pr;

  *src = src_new("t.rb", text, strlen(text));
  *a = arena_new();
  diag_init(&diags);
  assert_int_equal(parse_source(*a, *src, &diags, &pr), 0);
  assert_false(diag_has_errors(&diags));
  diag_free(&diags);
  return pr.file->u.file.items->u.fn.body->u.block.stmts;
}

static void
test_expr_and_stmt(void **state)
{
  struct source *src;
  struct arena *a;
  struct fmt_buf b;
  const struct ast_node *s = first_stmt(
    "fn f(x) {\n  retry 3 every 1s { g(x,\n     1) }   # c\n}\n", &src, &a);

  (void)state;
  fmt_buf_init(&b);
  assert_int_equal(fmt_stmt(src, s, &b), 0);
  assert_string_equal(b.data, "retry 3 every 1s {\n  g(x,\n    1)\n}\n");
  fmt_buf_free(&b);
  fmt_expr(src, s->u.retry.body->u.block.stmts->u.expr_stmt.expr, &b);
  assert_string_equal(b.data, "g(x, 1)");       /* one line, no comment */
  fmt_buf_free(&b);
  arena_free(a);
  src_free(src);
}

static void
test_buffer(void **state)
{
  struct fmt_buf b;
  int i;

  (void)state;
  fmt_buf_init(&b);
  assert_null(b.data);
  for (i = 0; i < 1000; i++)
    fmt_buf_printf(&b, "%d,", i % 10);
  assert_int_equal(b.len, 2000);
  assert_int_equal(b.data[b.len], '\0');
  fmt_buf_add(&b, "", 0);
  fmt_buf_puts(&b, "end");
  assert_string_equal(b.data + 2000, "end");
  assert_false(b.oom);
  fmt_buf_free(&b);
  assert_null(b.data);
  assert_int_equal(b.len, 0);
}

/* }==== */

int
main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_cases),
    cmocka_unit_test(test_syntax_error),
    cmocka_unit_test(test_expr_and_stmt),
    cmocka_unit_test(test_buffer),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
