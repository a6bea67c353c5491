/*
** test_lexer.c: the flex scanner (lexer/lexer.l), table-driven.
**
** Each case is {input, expected tokens, expected diagnostics}.  Tokens are
** rendered compactly, one word each, separated by blanks:
**   42  f1.5  250ms  %0.05  2xx          int, float, duration (ms), percent, status class
**   "  r"  """  r"""  ...  "end          string begin (plain/raw/multi) and end
**   'text'                               decoded string text (C escapes for odd bytes)
**   ${  }$                               interpolation begin and end
**   x  =GET                              identifier, HTTP method
**   ;                                    NEWLINE (end of statement)
**   let  (  ==  ...                      keywords and operators as spelled
**   ?!                                   INVALID
** Diagnostics are rendered "CODE@offset" separated by blanks.
*/
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
#include "parser/parser.h"

/* {==== rendering ==== */

struct out {
  char buf[4096];               /* rendered text */
  size_t len;                   /* bytes used */
};

static void
put(struct out *o, const char *fmt, ...)
{
  va_list ap;
  int n;

  if (o->len > 0 && o->len + 1 < sizeof o->buf)
    o->buf[o->len++] = ' ';
  va_start(ap, fmt);
  n = vsnprintf(o->buf + o->len, sizeof o->buf - o->len, fmt, ap);
  va_end(ap);
  if (n > 0)
    o->len += (size_t)n < sizeof o->buf - o->len ? (size_t)n : sizeof o->buf - o->len - 1;
}

/* Decoded string bytes with C escapes for newline, tab, quote and odd bytes. */
static void
put_text(struct out *o, const char *s, uint32_t n)
{
  char tmp[1024];
  size_t w = 0;
  uint32_t i;

  for (i = 0; i < n && w + 5 < sizeof tmp; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '\n')
      w += (size_t)snprintf(tmp + w, sizeof tmp - w, "\\n");
    else if (c == '\t')
      w += (size_t)snprintf(tmp + w, sizeof tmp - w, "\\t");
    else if (c == '\'' || c == '\\')
      w += (size_t)snprintf(tmp + w, sizeof tmp - w, "\\%c", c);
    else if (c < 0x20 || c >= 0x7f)
      w += (size_t)snprintf(tmp + w, sizeof tmp - w, "\\x%02x", c);
    else
      tmp[w++] = (char)c;
  }
  tmp[w] = '\0';
  put(o, "'%s'", tmp);
}

static void
put_token(struct out *o, int tok, const PARSE_YYSTYPE *v)
{
  char name[64];
  const char *s;

  switch (tok) {
  case TOK_INT: put(o, "%lld", (long long)v->node->u.i); return;
  case TOK_FLOAT: put(o, "f%g", v->node->u.f); return;
  case TOK_DURATION: put(o, "%lldms", (long long)v->node->u.i); return;
  case TOK_PERCENT: put(o, "%%%g", v->node->u.f); return;
  case TOK_STATUS_CLASS: put(o, "%lldxx", (long long)v->node->u.i); return;
  case TOK_STR_BEGIN:
    put(o, "%s%s", v->node->u.string.raw ? "r" : "",
        v->node->u.string.multiline ? "\"\"\"" : "\"");
    return;
  case TOK_STR_TEXT: put_text(o, v->node->u.text.bytes, v->node->u.text.len); return;
  case TOK_STR_END: put(o, "\"end"); return;
  case TOK_INTERP_BEGIN: put(o, "${"); return;
  case TOK_INTERP_END: put(o, "}$"); return;
  case TOK_IDENT: put(o, "%s", v->id.name); return;
  case TOK_HTTP_METHOD: put(o, "=%s", v->id.name); return;
  case TOK_NEWLINE: put(o, ";"); return;
  case TOK_INVALID: put(o, "?!"); return;
  default:
    break;
  }
  s = parse_token_name(tok, name, sizeof name);
  if (s[0] == '\'')
    put(o, "%.*s", (int)strlen(s) - 2, s + 1);
  else
    put(o, "%s", s);
}

/*
** Lex input (len bytes) to the end and render tokens into toks and
** diagnostics into diags.
*/
static void
lex_all(const char *input, size_t len, struct out *toks, struct out *diags)
{
  struct source *src = src_new("t.rb", input, len);
  struct arena *a = arena_new();
  struct diag_list dl;
  struct parse_ctx *ctx = malloc(sizeof *ctx);
  PARSE_YYSTYPE v;
  struct span sp;
  size_t i;
  int tok, guard = 0;

  assert_non_null(src);
  assert_non_null(a);
  assert_non_null(ctx);
  diag_init(&dl);
  memset(toks, 0, sizeof *toks);
  memset(diags, 0, sizeof *diags);
  assert_int_equal(lex_open(ctx, a, src, &dl), 0);
  for (tok = parse_yylex(&v, &sp, ctx); tok != 0 && guard++ < 500;
       tok = parse_yylex(&v, &sp, ctx)) {
    assert_true(sp.start <= sp.end && sp.end <= len);
    put_token(toks, tok, &v);
  }
  for (i = 0; i < dl.len; i++)
    put(diags, "%s@%u", diag_info(dl.items[i].code)->code, (unsigned)dl.items[i].span.start);
  lex_close(ctx);
  free(ctx);
  diag_free(&dl);
  arena_free(a);
  src_free(src);
}

/* }==== */

/* {==== cases ==== */

struct lex_case {
  const char *input;            /* source text (NUL-terminated; see test_nul) */
  const char *tokens;           /* expected rendering */
  const char *diags;            /* expected diagnostics, "" for none */
};

static const struct lex_case literal_cases[] = {
  /* integers and floats */
  { "42", "42", "" },
  { "1_000 0x1f 0X_1", "1000 31 0", "RB1006@11" },
  { "9223372036854775807", "9223372036854775807", "" },
  { "9223372036854775808", "0", "RB1006@0" },
  { "1.5 1e3 2.5e-2 1_0.2_5", "f1.5 f1000 f0.025 f10.25", "" },
  { "1e999", "f0", "RB1006@0" },
  { "0xZZ", "0", "RB1006@0" },
  /* durations: each unit, combinations, errors */
  { "250ms 30s 5m 2h 1d", "250ms 30000ms 300000ms 7200000ms 86400000ms", "" },
  { "1h30m 1d2h3m4s5ms", "5400000ms 93784005ms", "" },
  { "5mins", "0ms", "RB1003@0" },
  { "5x", "0ms", "RB1003@0" },
  { "1m5h", "0ms", "RB1003@0" },
  { "1m1m", "0ms", "RB1003@0" },
  { "1.5s", "0ms", "RB1003@0" },
  { "106751991168d", "0ms", "RB1006@0" },
  /* percentages; `%` before a name, digit or '(' is the modulo operator */
  { "5% 0.1% 100%", "%0.05 %0.001 %1", "" },
  { "10%x 10%(2) 10 % 3", "10 % x 10 % ( 2 ) 10 % 3", "" },
  /* status classes */
  { "1xx 2xx 5xx", "1xx 2xx 5xx", "" },
  { "6xx", "0ms", "RB1003@0" },
  /* words */
  { "true false null", "true false null", "" },
  { "value max timeout every _x x9", "value max timeout every _x x9", "" },
  { "GET POST DELETE get", "=GET =POST =DELETE get", "" },
  { "a.step a.GET", "a . step a . GET", "" },
  { "sh(1) sh 1 log(x)", "sh ( 1 ) sh 1 log ( x )", "" },
  /* operators */
  { "?? == != <= >= .. < > + - * / % = , : .",
    "?? == != <= >= .. < > + - * / % = , : .", "" },
};

static const struct lex_case string_cases[] = {
  { "\"\"", "\" \"end", "" },
  { "\"abc\"", "\" 'abc' \"end", "" },
  { "\"a\\n\\t\\r\\\\\\\"\\$\\0b\"", "\" 'a\\n\\t\\x0d\\\\\"$\\x00b' \"end", "" },
  { "\"\\u{41}\\u{e9}\\u{1F600}\"", "\" 'A\\xc3\\xa9\\xf0\\x9f\\x98\\x80' \"end", "" },
  { "\"\\q\"", "\" 'q' \"end", "RB1004@1" },
  { "\"\\u{D800}\"", "\" \"end", "RB1004@1" },
  { "\"cost $5\"", "\" 'cost $5' \"end", "" },
  { "\"a ${x} b\"", "\" 'a ' ${ x }$ ' b' \"end", "" },
  { "\"${a}${b}\"", "\" ${ a }$ ${ b }$ \"end", "" },
  { "\"${ {k: 1} }\"", "\" ${ { k : 1 } }$ \"end", "" },
  { "\"a ${f(\"b ${c}\")} d\"",
    "\" 'a ' ${ f ( \" 'b ' ${ c }$ \"end ) }$ ' d' \"end", "" },
  { "r\"raw ${x} \\n\"", "r\" 'raw ${x} \\\\n' \"end", "" },
  { "\"abc\nx", "\" 'abc' \"end ; x", "RB1002@0" },
  { "\"abc", "\" 'abc' \"end", "RB1002@0" },
  { "\"a ${b", "\" 'a ' ${ b", "RB1002@0" },
  { "\"\xff\"", "\" '\\xff' \"end", "RB1008@1" },
  { "\"caf\xc3\xa9\"", "\" 'caf\\xc3\\xa9' \"end", "" },
  /* multi-line strings: first newline dropped, common indentation removed */
  { "\"\"\"\n  a\n    b\n  \"\"\"", "\"\"\" 'a\\n  b\\n' \"end", "" },
  { "\"\"\"\n  a\n\n  b\"\"\"", "\"\"\" 'a\\n\\nb' \"end", "" },
  { "\"\"\"x\n  y\"\"\"", "\"\"\" 'x\\ny' \"end", "" },
  { "\"\"\"\n  say \"hi\" ${n}\n  \"\"\"", "\"\"\" 'say \"hi\" ' ${ n }$ '\\n' \"end", "" },
  { "r\"\"\"\n    raw ${x}\n    \"\"\"", "r\"\"\" 'raw ${x}\\n' \"end", "" },
  { "\"\"\"\n  never closed", "\"\"\" 'never closed' \"end", "RB1002@0" },
};

static const struct lex_case newline_cases[] = {
  { "a\nb", "a ; b", "" },
  { "a\n\n\nb", "a ; b", "" },
  { "\n\na", "a", "" },
  { "a;b", "a ; b", "" },
  { "a # note\nb", "a ; b", "" },
  { "f(a,\n  b)\nc", "f ( a , b ) ; c", "" },
  { "[1,\n 2\n]", "[ 1 , 2 ]", "" },
  { "x = a +\n  b", "x = a + b", "" },
  { "x = a\n  + b", "x = a ; + b", "" },
  { "{\n  k: 1\n}", "{ k : 1 ; }", "" },
  { "x =\n  1", "x = 1", "" },
  { "a and\nb", "a and b", "" },
  { "wait until x\n  every 5s timeout 1m", "wait until x every 5000ms timeout 60000ms", "" },
  { "retry 3 every 5s\n    backoff 2 {", "retry 3 every 5000ms backoff 2 {", "" },
  { "x\nevery 5s", "x ; every 5000ms", "" },
  { "x\n  max(1, 2)", "x ; max ( 1 , 2 )", "" },
  { "if a {\n}\nelse {\n}", "if a { } else { }", "" },
};

static const struct lex_case invalid_cases[] = {
  { "a @ b", "a ?! b", "RB1005@2" },
  { "a \x01 b", "a ?! b", "RB1005@2" },
  { "caf\xc3\xa9", "caf ?!", "RB1005@3" },
  { "x \xff\xfe y", "x ?! y", "RB1008@2" },
  { "# bad \xff\nx", "x", "RB1008@6" },
  { "!x ?y", "?! x ?! y", "RB1005@0 RB1005@3" },
};

static void
run_cases(const struct lex_case *cases, size_t n)
{
  struct out toks, diags;
  size_t i;

  for (i = 0; i < n; i++) {
    lex_all(cases[i].input, strlen(cases[i].input), &toks, &diags);
    if (strcmp(toks.buf, cases[i].tokens) != 0 || strcmp(diags.buf, cases[i].diags) != 0)
      fail_msg("input %zu <%s>\n  tokens: <%s>\n  wanted: <%s>\n  diags: <%s> wanted <%s>",
               i, cases[i].input, toks.buf, cases[i].tokens, diags.buf, cases[i].diags);
  }
}

static void
test_literals(void **state)
{
  (void)state;
  run_cases(literal_cases, sizeof literal_cases / sizeof literal_cases[0]);
}

static void
test_strings(void **state)
{
  (void)state;
  run_cases(string_cases, sizeof string_cases / sizeof string_cases[0]);
}

static void
test_newlines(void **state)
{
  (void)state;
  run_cases(newline_cases, sizeof newline_cases / sizeof newline_cases[0]);
}

static void
test_invalid(void **state)
{
  (void)state;
  run_cases(invalid_cases, sizeof invalid_cases / sizeof invalid_cases[0]);
}

/* NUL bytes are ordinary bytes: invalid in code, kept in strings. */
static void
test_nul(void **state)
{
  static const char code[] = "a \0 b";
  static const char str[] = "\"x\0y\"";
  struct out toks, diags;

  (void)state;
  lex_all(code, sizeof code - 1, &toks, &diags);
  assert_string_equal(toks.buf, "a ?! b");
  assert_string_equal(diags.buf, "RB1005@2");
  lex_all(str, sizeof str - 1, &toks, &diags);
  assert_string_equal(toks.buf, "\" 'x\\x00y' \"end");
  assert_string_equal(diags.buf, "");
}

/* Spans are byte offsets: check a few tokens and a string text's span. */
static void
test_spans(void **state)
{
  struct source *src = src_new("t.rb", "let x = \"ab${y}\"", 16);
  struct arena *a = arena_new();
  struct parse_ctx *ctx = malloc(sizeof *ctx);
  struct diag_list dl;
  static const unsigned want[][2] = {
    { 0, 3 }, { 4, 5 }, { 6, 7 }, { 8, 9 }, { 9, 11 }, { 11, 13 }, { 13, 14 }, { 14, 15 },
    { 15, 16 }
  };
  PARSE_YYSTYPE v;
  struct span sp;
  size_t i;

  (void)state;
  assert_non_null(ctx);
  diag_init(&dl);
  assert_int_equal(lex_open(ctx, a, src, &dl), 0);
  for (i = 0; i < sizeof want / sizeof want[0]; i++) {
    assert_int_not_equal(parse_yylex(&v, &sp, ctx), 0);
    assert_int_equal(sp.start, want[i][0]);
    assert_int_equal(sp.end, want[i][1]);
  }
  assert_int_equal(parse_yylex(&v, &sp, ctx), 0);
  lex_close(ctx);
  free(ctx);
  diag_free(&dl);
  arena_free(a);
  src_free(src);
}

/* }==== */

int
main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_literals),
    cmocka_unit_test(test_strings),
    cmocka_unit_test(test_newlines),
    cmocka_unit_test(test_invalid),
    cmocka_unit_test(test_nul),
    cmocka_unit_test(test_spans),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
