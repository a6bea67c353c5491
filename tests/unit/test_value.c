/*
** test_value.c: runtime values (vm/value.h, vm/value_json.h): operators,
** taint propagation, equality and ordering, formatting, durations and times,
** params, maps, copy-on-write, JSON, and allocation failures.
**
** Most cases are tables of {inputs, expected}; the expected value is written
** as its display text in VAL_FMT_RAW | VAL_FMT_QUOTED form, so "3" is the
** int 3 and "\"3\"" the string.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vm/value.h"
#include "vm/value_int.h"
#include "vm/value_json.h"

/* {==== building values from table specs ==== */

enum spec_kind { K_NULL, K_BOOL, K_INT, K_FLOAT, K_STR, K_DUR, K_TIME, K_JSON };

/* A value written in a table: JSON text stands for lists and maps. */
struct spec {
  enum spec_kind k;
  int64_t i;                    /* K_BOOL, K_INT, K_DUR, K_TIME */
  double f;                     /* K_FLOAT */
  const char *s;                /* K_STR bytes, K_JSON text */
};

#define NUL_  { K_NULL, 0, 0, NULL }
#define B(x)  { K_BOOL, (x), 0, NULL }
#define I(x)  { K_INT, (x), 0, NULL }
#define F(x)  { K_FLOAT, 0, (x), NULL }
#define S(x)  { K_STR, 0, 0, (x) }
#define D(x)  { K_DUR, (x), 0, NULL }
#define T(x)  { K_TIME, (x), 0, NULL }
#define J(x)  { K_JSON, 0, 0, (x) }

#define NROWS(t) (sizeof(t) / sizeof((t)[0]))

/* A new value for spec (secret when asked; a JSON container marks only the top). */
static struct rbc_value make(struct spec sp, bool secret)
{
  struct rbc_value v = val_null();
  struct val_err err;

  switch (sp.k) {
  case K_NULL:  break;
  case K_BOOL:  v = val_bool(sp.i != 0); break;
  case K_INT:   v = val_int(sp.i); break;
  case K_FLOAT: v = val_float(sp.f); break;
  case K_DUR:   v = val_duration(sp.i); break;
  case K_TIME:  v = val_time(sp.i); break;
  case K_STR:   assert_int_equal(val_string_cstr(sp.s, &v, &err), VAL_OK); break;
  case K_JSON:  assert_int_equal(val_json_parse(sp.s, strlen(sp.s), false, &v, &err), VAL_OK);
    break;
  }
  v.secret = secret;
  return v;
}

/* Display text of v (flags of enum val_fmt) in a static buffer. */
static const char *show(struct rbc_value v, int flags)
{
  static char text[4096];
  struct rbc_value s;
  struct val_err err;

  assert_int_equal(val_to_string(v, flags, &s, &err), VAL_OK);
  snprintf(text, sizeof text, "%.*s", (int)val_str_len(s), val_str_data(s));
  val_release(s);
  return text;
}

#define RAWQ (VAL_FMT_RAW | VAL_FMT_QUOTED)

/* }==== */

/* {==== binary operators ==== */

struct binop_case {
  enum val_binop op;
  struct spec a, b;
  enum val_status st;           /* expected status */
  enum val_type type;           /* expected result type when VAL_OK */
  const char *want;             /* expected RAWQ text when VAL_OK */
};

#define OK_(t, w) VAL_OK, (t), (w)
#define ERR_(st) (st), VAL_NULL, NULL

static const struct binop_case binop_cases[] = {
  /* + */
  { VAL_OP_ADD, I(1), I(2), OK_(VAL_INT, "3") },
  { VAL_OP_ADD, I(INT64_MAX), I(1), ERR_(VAL_ERR_OVERFLOW) },
  { VAL_OP_ADD, I(INT64_MIN), I(-1), ERR_(VAL_ERR_OVERFLOW) },
  { VAL_OP_ADD, I(1), F(0.5), OK_(VAL_FLOAT, "1.5") },
  { VAL_OP_ADD, F(0.1), F(0.2), OK_(VAL_FLOAT, "0.30000000000000004") },
  { VAL_OP_ADD, F(1e308), F(1e308), ERR_(VAL_ERR_OVERFLOW) },
  { VAL_OP_ADD, D(1000), D(500), OK_(VAL_DURATION, "1s500ms") },
  { VAL_OP_ADD, D(INT64_MAX), D(1), ERR_(VAL_ERR_OVERFLOW) },
  { VAL_OP_ADD, T(0), D(60000), OK_(VAL_TIME, "1970-01-01T00:01:00Z") },
  { VAL_OP_ADD, D(60000), T(0), OK_(VAL_TIME, "1970-01-01T00:01:00Z") },
  { VAL_OP_ADD, T(INT64_MAX), D(1), ERR_(VAL_ERR_OVERFLOW) },
  { VAL_OP_ADD, S("ab"), S("cd"), OK_(VAL_STRING, "\"abcd\"") },
  { VAL_OP_ADD, S(""), S(""), OK_(VAL_STRING, "\"\"") },
  { VAL_OP_ADD, J("[1]"), J("[2,\"x\"]"), OK_(VAL_LIST, "[1, 2, \"x\"]") },
  { VAL_OP_ADD, J("[]"), J("[]"), OK_(VAL_LIST, "[]") },
  { VAL_OP_ADD, S("a"), I(1), ERR_(VAL_ERR_TYPE) },
  { VAL_OP_ADD, I(1), S("a"), ERR_(VAL_ERR_TYPE) },
  { VAL_OP_ADD, D(1), I(1), ERR_(VAL_ERR_TYPE) },
  { VAL_OP_ADD, T(0), T(0), ERR_(VAL_ERR_TYPE) },
  { VAL_OP_ADD, NUL_, NUL_, ERR_(VAL_ERR_TYPE) },
  { VAL_OP_ADD, B(1), B(1), ERR_(VAL_ERR_TYPE) },
  { VAL_OP_ADD, J("{}"), J("{}"), ERR_(VAL_ERR_TYPE) },
  /* - */
  { VAL_OP_SUB, I(5), I(7), OK_(VAL_INT, "-2") },
  { VAL_OP_SUB, I(INT64_MIN), I(1), ERR_(VAL_ERR_OVERFLOW) },
  { VAL_OP_SUB, F(1.5), I(1), OK_(VAL_FLOAT, "0.5") },
  { VAL_OP_SUB, D(90000), D(30000), OK_(VAL_DURATION, "1m") },
  { VAL_OP_SUB, D(INT64_MIN), D(1), ERR_(VAL_ERR_OVERFLOW) },
  { VAL_OP_SUB, T(120000), D(60000), OK_(VAL_TIME, "1970-01-01T00:01:00Z") },
  { VAL_OP_SUB, T(120000), T(60000), OK_(VAL_DURATION, "1m") },
  { VAL_OP_SUB, T(0), T(1000), OK_(VAL_DURATION, "-1s") },
  { VAL_OP_SUB, T(INT64_MIN), T(1), ERR_(VAL_ERR_OVERFLOW) },
  { VAL_OP_SUB, D(1), T(1), ERR_(VAL_ERR_TYPE) },
  { VAL_OP_SUB, S("ab"), S("b"), ERR_(VAL_ERR_TYPE) },
  { VAL_OP_SUB, J("[1]"), J("[1]"), ERR_(VAL_ERR_TYPE) },
  /* * */
  { VAL_OP_MUL, I(6), I(7), OK_(VAL_INT, "42") },
  { VAL_OP_MUL, I(INT64_MAX), I(2), ERR_(VAL_ERR_OVERFLOW) },
  { VAL_OP_MUL, I(INT64_MIN), I(-1), ERR_(VAL_ERR_OVERFLOW) },
  { VAL_OP_MUL, I(2), F(1.5), OK_(VAL_FLOAT, "3.0") },
  { VAL_OP_MUL, F(1e200), F(1e200), ERR_(VAL_ERR_OVERFLOW) },
  { VAL_OP_MUL, D(30000), I(2), OK_(VAL_DURATION, "1m") },
  { VAL_OP_MUL, I(3), D(1000), OK_(VAL_DURATION, "3s") },
  { VAL_OP_MUL, D(1000), F(1.5), OK_(VAL_DURATION, "1s500ms") },
  { VAL_OP_MUL, F(0.5), D(3), OK_(VAL_DURATION, "2ms") },
  { VAL_OP_MUL, D(INT64_MAX), I(2), ERR_(VAL_ERR_OVERFLOW) },
  { VAL_OP_MUL, D(INT64_MAX), F(2.0), ERR_(VAL_ERR_OVERFLOW) },
  { VAL_OP_MUL, D(1000), D(1000), ERR_(VAL_ERR_TYPE) },
  { VAL_OP_MUL, S("a"), I(3), ERR_(VAL_ERR_TYPE) },
  { VAL_OP_MUL, T(1), I(3), ERR_(VAL_ERR_TYPE) },
  /* / */
  { VAL_OP_DIV, I(5), I(100), OK_(VAL_FLOAT, "0.05") },
  { VAL_OP_DIV, I(6), I(3), OK_(VAL_FLOAT, "2.0") },
  { VAL_OP_DIV, F(1), I(4), OK_(VAL_FLOAT, "0.25") },
  { VAL_OP_DIV, I(1), I(0), ERR_(VAL_ERR_DIV_ZERO) },
  { VAL_OP_DIV, F(1), F(0), ERR_(VAL_ERR_DIV_ZERO) },
  { VAL_OP_DIV, I(1), F(-0.0), ERR_(VAL_ERR_DIV_ZERO) },
  { VAL_OP_DIV, F(1e308), F(1e-308), ERR_(VAL_ERR_OVERFLOW) },
  { VAL_OP_DIV, D(1000), I(3), OK_(VAL_DURATION, "333ms") },
  { VAL_OP_DIV, D(2000), I(3), OK_(VAL_DURATION, "667ms") },
  { VAL_OP_DIV, D(-2000), I(3), OK_(VAL_DURATION, "-667ms") },
  { VAL_OP_DIV, D(3), I(2), OK_(VAL_DURATION, "2ms") },
  { VAL_OP_DIV, D(1000), F(4.0), OK_(VAL_DURATION, "250ms") },
  { VAL_OP_DIV, D(1000), I(0), ERR_(VAL_ERR_DIV_ZERO) },
  { VAL_OP_DIV, D(1000), F(0.0), ERR_(VAL_ERR_DIV_ZERO) },
  { VAL_OP_DIV, D(INT64_MIN), I(-1), ERR_(VAL_ERR_OVERFLOW) },
  { VAL_OP_DIV, D(INT64_MIN), I(1), OK_(VAL_DURATION, "-106751991167d7h12m55s808ms") },
  { VAL_OP_DIV, D(1000), F(1e-300), ERR_(VAL_ERR_OVERFLOW) },
  { VAL_OP_DIV, D(90000), D(60000), OK_(VAL_FLOAT, "1.5") },
  { VAL_OP_DIV, D(1), D(0), ERR_(VAL_ERR_DIV_ZERO) },
  { VAL_OP_DIV, I(1), D(1), ERR_(VAL_ERR_TYPE) },
  { VAL_OP_DIV, T(1000), I(2), ERR_(VAL_ERR_TYPE) },
  { VAL_OP_DIV, S("a"), S("b"), ERR_(VAL_ERR_TYPE) },
  /* % */
  { VAL_OP_MOD, I(7), I(3), OK_(VAL_INT, "1") },
  { VAL_OP_MOD, I(-7), I(3), OK_(VAL_INT, "2") },
  { VAL_OP_MOD, I(7), I(-3), OK_(VAL_INT, "-2") },
  { VAL_OP_MOD, I(-6), I(3), OK_(VAL_INT, "0") },
  { VAL_OP_MOD, I(INT64_MIN), I(-1), OK_(VAL_INT, "0") },
  { VAL_OP_MOD, I(1), I(0), ERR_(VAL_ERR_DIV_ZERO) },
  { VAL_OP_MOD, D(90000), D(60000), OK_(VAL_DURATION, "30s") },
  { VAL_OP_MOD, D(1), D(0), ERR_(VAL_ERR_DIV_ZERO) },
  { VAL_OP_MOD, F(1.5), I(1), ERR_(VAL_ERR_TYPE) },
  { VAL_OP_MOD, I(1), D(1), ERR_(VAL_ERR_TYPE) },
  /* == != */
  { VAL_OP_EQ, I(1), F(1.0), OK_(VAL_BOOL, "true") },
  { VAL_OP_EQ, I(1), S("1"), OK_(VAL_BOOL, "false") },
  { VAL_OP_EQ, NUL_, NUL_, OK_(VAL_BOOL, "true") },
  { VAL_OP_EQ, NUL_, B(0), OK_(VAL_BOOL, "false") },
  { VAL_OP_EQ, B(1), B(1), OK_(VAL_BOOL, "true") },
  { VAL_OP_EQ, S("a"), S("a"), OK_(VAL_BOOL, "true") },
  { VAL_OP_EQ, S("a"), S("ab"), OK_(VAL_BOOL, "false") },
  { VAL_OP_EQ, J("[1,[2,{\"a\":3}]]"), J("[1,[2,{\"a\":3.0}]]"), OK_(VAL_BOOL, "true") },
  { VAL_OP_EQ, J("{\"a\":1,\"b\":2}"), J("{\"b\":2,\"a\":1}"), OK_(VAL_BOOL, "true") },
  { VAL_OP_EQ, J("{\"a\":1,\"b\":2}"), J("{\"a\":1,\"c\":2}"), OK_(VAL_BOOL, "false") },
  { VAL_OP_EQ, J("{\"a\":1}"), J("{\"a\":1,\"c\":2}"), OK_(VAL_BOOL, "false") },
  { VAL_OP_EQ, J("[1,2]"), J("[2,1]"), OK_(VAL_BOOL, "false") },
  { VAL_OP_EQ, J("[1,2]"), J("[1,2,3]"), OK_(VAL_BOOL, "false") },
  { VAL_OP_EQ, D(1000), I(1000), OK_(VAL_BOOL, "false") },
  { VAL_OP_EQ, D(5), T(5), OK_(VAL_BOOL, "false") },
  { VAL_OP_EQ, T(5), T(5), OK_(VAL_BOOL, "true") },
  { VAL_OP_EQ, I(9007199254740993), F(9007199254740992.0), OK_(VAL_BOOL, "false") },
  { VAL_OP_NE, I(1), I(2), OK_(VAL_BOOL, "true") },
  { VAL_OP_NE, J("{}"), J("[]"), OK_(VAL_BOOL, "true") },
  { VAL_OP_NE, S("x"), S("x"), OK_(VAL_BOOL, "false") },
  /* < <= > >= */
  { VAL_OP_LT, I(1), F(1.5), OK_(VAL_BOOL, "true") },
  { VAL_OP_GT, F(2.5), I(2), OK_(VAL_BOOL, "true") },
  { VAL_OP_GT, I(9007199254740993), F(9007199254740992.0), OK_(VAL_BOOL, "true") },
  { VAL_OP_LT, I(INT64_MAX), F(9.3e18), OK_(VAL_BOOL, "true") },
  { VAL_OP_GT, I(INT64_MIN), F(-1e19), OK_(VAL_BOOL, "true") },
  { VAL_OP_LT, I(-1), F(-0.5), OK_(VAL_BOOL, "true") },
  { VAL_OP_GT, I(-1), F(-1.5), OK_(VAL_BOOL, "true") },
  { VAL_OP_LE, I(2), F(2.0), OK_(VAL_BOOL, "true") },
  { VAL_OP_GE, I(2), I(3), OK_(VAL_BOOL, "false") },
  { VAL_OP_LT, S("abc"), S("abd"), OK_(VAL_BOOL, "true") },
  { VAL_OP_LT, S("ab"), S("abc"), OK_(VAL_BOOL, "true") },
  { VAL_OP_GT, S("b"), S("abc"), OK_(VAL_BOOL, "true") },
  { VAL_OP_LT, S("\x7f"), S("\xc3\xa9"), OK_(VAL_BOOL, "true") },
  { VAL_OP_LT, D(1000), D(2000), OK_(VAL_BOOL, "true") },
  { VAL_OP_GE, D(-1), D(0), OK_(VAL_BOOL, "false") },
  { VAL_OP_LE, T(1), T(1), OK_(VAL_BOOL, "true") },
  { VAL_OP_LT, D(1), I(1), ERR_(VAL_ERR_TYPE) },
  { VAL_OP_LT, D(1), T(1), ERR_(VAL_ERR_TYPE) },
  { VAL_OP_LT, S("a"), I(1), ERR_(VAL_ERR_TYPE) },
  { VAL_OP_LT, NUL_, NUL_, ERR_(VAL_ERR_TYPE) },
  { VAL_OP_GT, B(0), B(1), ERR_(VAL_ERR_TYPE) },
  { VAL_OP_LT, J("[1]"), J("[2]"), ERR_(VAL_ERR_TYPE) },
  /* in */
  { VAL_OP_IN, I(2), J("[1,2,3]"), OK_(VAL_BOOL, "true") },
  { VAL_OP_IN, F(2.0), J("[1,2]"), OK_(VAL_BOOL, "true") },
  { VAL_OP_IN, S("x"), J("[1,2]"), OK_(VAL_BOOL, "false") },
  { VAL_OP_IN, J("[1]"), J("[[1],[2]]"), OK_(VAL_BOOL, "true") },
  { VAL_OP_IN, I(1), J("[]"), OK_(VAL_BOOL, "false") },
  { VAL_OP_IN, S("a"), J("{\"a\":1}"), OK_(VAL_BOOL, "true") },
  { VAL_OP_IN, S("b"), J("{\"a\":1}"), OK_(VAL_BOOL, "false") },
  { VAL_OP_IN, I(1), J("{\"a\":1}"), ERR_(VAL_ERR_TYPE) },
  { VAL_OP_IN, S("ell"), S("hello"), OK_(VAL_BOOL, "true") },
  { VAL_OP_IN, S("lo"), S("hello"), OK_(VAL_BOOL, "true") },
  { VAL_OP_IN, S(""), S("x"), OK_(VAL_BOOL, "true") },
  { VAL_OP_IN, S("xyz"), S("xy"), OK_(VAL_BOOL, "false") },
  { VAL_OP_IN, I(1), S("1"), ERR_(VAL_ERR_TYPE) },
  { VAL_OP_IN, I(1), I(1), ERR_(VAL_ERR_TYPE) },
  { VAL_OP_IN, NUL_, NUL_, ERR_(VAL_ERR_TYPE) },
};

/* Run one row with the given taint on each operand; check the outcome. */
static void run_binop(size_t row, const struct binop_case *c, bool sa, bool sb)
{
  struct rbc_value a = make(c->a, sa), b = make(c->b, sb), out;
  struct val_err err = { "" };
  enum val_status st = val_binop(c->op, a, b, &out, &err);

  if (st != c->st)
    fail_msg("row %zu (%s): status %d, want %d (%s)", row, val_binop_name(c->op), st,
             c->st, err.msg);
  if (st == VAL_OK) {
    if (out.type != c->type || strcmp(show(out, RAWQ), c->want) != 0)
      fail_msg("row %zu (%s): got %s %s, want %s %s", row, val_binop_name(c->op),
               val_kind(out), show(out, RAWQ), val_type_name(c->type), c->want);
    if (out.secret != (sa || sb))
      fail_msg("row %zu (%s): secret %d with operands %d %d", row,
               val_binop_name(c->op), out.secret, sa, sb);
    if (out.secret)
      assert_string_equal(show(out, VAL_FMT_MASKED), "***");
  } else {
    assert_int_equal(out.type, VAL_NULL);
    assert_true(strlen(err.msg) > 0);
  }
  val_release(out);
  val_release(a);
  val_release(b);
}

/* Every row, and every row again with each operand secret. */
static void test_binops(void **state)
{
  size_t i;

  (void)state;
  for (i = 0; i < NROWS(binop_cases); i++) {
    run_binop(i, &binop_cases[i], false, false);
    run_binop(i, &binop_cases[i], true, false);
    run_binop(i, &binop_cases[i], false, true);
    run_binop(i, &binop_cases[i], true, true);
  }
}

/* Error messages name operator and types, never the operands' contents. */
static void test_error_messages(void **state)
{
  struct rbc_value a = make((struct spec)S("hunter2"), true), out;
  struct val_err err;

  (void)state;
  assert_int_equal(val_binop(VAL_OP_SUB, a, val_int(1), &out, &err), VAL_ERR_TYPE);
  assert_string_equal(err.msg, "cannot apply '-' to string and int");
  assert_int_equal(val_binop(VAL_OP_LT, a, val_int(1), &out, &err), VAL_ERR_TYPE);
  assert_string_equal(err.msg, "cannot compare string and int with '<'");
  assert_int_equal(val_binop(VAL_OP_ADD, val_int(INT64_MAX), val_int(1), &out, &err),
                   VAL_ERR_OVERFLOW);
  assert_string_equal(err.msg, "integer overflow in '+'");
  assert_int_equal(val_binop(VAL_OP_MOD, val_int(1), val_int(0), &out, &err),
                   VAL_ERR_DIV_ZERO);
  assert_string_equal(err.msg, "modulo by zero");
  assert_int_equal(val_binop(VAL_OP_ADD, a, val_int(1), &out, NULL), VAL_ERR_TYPE);
  val_release(a);
}

/* Taint of elements examined inside containers by == and in. */
static void test_taint_inside_containers(void **state)
{
  struct rbc_value list, two = val_int(2), out, m, enc;
  struct val_err err;

  (void)state;
  list = make((struct spec)J("[1]"), false);
  two.secret = true;
  assert_int_equal(val_list_push(&list, two, &err), VAL_OK);
  assert_false(list.secret);                 /* the container stays plain */
  assert_true(val_list_at(list, 1)->secret); /* the element keeps its flag */
  assert_string_equal(show(list, VAL_FMT_MASKED), "[1, ***]");
  assert_string_equal(show(list, VAL_FMT_RAW), "[1, 2]");

  assert_int_equal(val_binop(VAL_OP_IN, val_int(5), list, &out, &err), VAL_OK);
  assert_true(out.secret);                   /* the secret was compared */
  assert_int_equal(val_binop(VAL_OP_IN, val_int(1), list, &out, &err), VAL_OK);
  assert_true(out.as.b);
  assert_false(out.secret);                  /* found before the secret */

  m = make((struct spec)J("[1,2]"), false);
  assert_int_equal(val_binop(VAL_OP_EQ, list, m, &out, &err), VAL_OK);
  assert_true(out.as.b && out.secret);

  assert_int_equal(val_json_encode(list, VAL_JSON_COMPACT, &enc, &err), VAL_OK);
  assert_true(enc.secret);
  assert_string_equal(show(enc, VAL_FMT_RAW), "[1,2]");
  assert_string_equal(show(enc, VAL_FMT_MASKED), "***");
  val_release(enc);

  assert_int_equal(val_to_string(list, VAL_FMT_RAW, &enc, &err), VAL_OK);
  assert_true(enc.secret);
  val_release(enc);
  assert_int_equal(val_to_string(list, VAL_FMT_MASKED, &enc, &err), VAL_OK);
  assert_false(enc.secret);
  val_release(enc);
  val_release(m);
  val_release(list);
}

/* }==== */

/* {==== unary operators, truthiness ==== */

struct unop_case {
  enum val_unop op;
  struct spec a;
  enum val_status st;
  enum val_type type;
  const char *want;
};

static const struct unop_case unop_cases[] = {
  { VAL_OP_NEG, I(5), OK_(VAL_INT, "-5") },
  { VAL_OP_NEG, I(INT64_MIN), ERR_(VAL_ERR_OVERFLOW) },
  { VAL_OP_NEG, F(1.5), OK_(VAL_FLOAT, "-1.5") },
  { VAL_OP_NEG, D(1000), OK_(VAL_DURATION, "-1s") },
  { VAL_OP_NEG, D(INT64_MIN), ERR_(VAL_ERR_OVERFLOW) },
  { VAL_OP_NEG, S("a"), ERR_(VAL_ERR_TYPE) },
  { VAL_OP_NEG, T(1), ERR_(VAL_ERR_TYPE) },
  { VAL_OP_NEG, NUL_, ERR_(VAL_ERR_TYPE) },
  { VAL_OP_NOT, B(1), OK_(VAL_BOOL, "false") },
  { VAL_OP_NOT, B(0), OK_(VAL_BOOL, "true") },
  { VAL_OP_NOT, NUL_, OK_(VAL_BOOL, "true") },
  { VAL_OP_NOT, I(0), OK_(VAL_BOOL, "false") },
  { VAL_OP_NOT, S(""), OK_(VAL_BOOL, "false") },
  { VAL_OP_NOT, J("[]"), OK_(VAL_BOOL, "false") },
};

static void test_unops(void **state)
{
  size_t i;
  int s;

  (void)state;
  for (i = 0; i < NROWS(unop_cases); i++) {
    for (s = 0; s < 2; s++) {
      const struct unop_case *c = &unop_cases[i];
      struct rbc_value a = make(c->a, s), out;
      struct val_err err;
      enum val_status st = val_unop(c->op, a, &out, &err);
      if (st != c->st)
        fail_msg("row %zu: status %d want %d", i, st, c->st);
      if (st == VAL_OK) {
        if (out.type != c->type || strcmp(show(out, RAWQ), c->want) != 0)
          fail_msg("row %zu: got %s", i, show(out, RAWQ));
        assert_int_equal(out.secret, s);
      }
      val_release(out);
      val_release(a);
    }
  }
}

struct truthy_case {
  struct spec v;
  bool want;
};

static const struct truthy_case truthy_cases[] = {
  { NUL_, false }, { B(0), false }, { B(1), true }, { I(0), true }, { F(0.0), true },
  { S(""), true }, { J("[]"), true }, { J("{}"), true }, { D(0), true }, { T(0), true },
};

static void test_truthy(void **state)
{
  size_t i;

  (void)state;
  for (i = 0; i < NROWS(truthy_cases); i++) {
    struct rbc_value v = make(truthy_cases[i].v, false);
    if (val_truthy(v) != truthy_cases[i].want)
      fail_msg("row %zu", i);
    val_release(v);
  }
  assert_true(val_truthy(val_builtin(3)));
}

/* }==== */

/* {==== formatting ==== */

struct fmt_case {
  struct spec v;
  bool secret;
  int flags;
  const char *want;
};

static const struct fmt_case fmt_cases[] = {
  { NUL_, false, 0, "null" },
  { B(1), false, 0, "true" },
  { B(0), false, 0, "false" },
  { I(-42), false, 0, "-42" },
  { I(INT64_MIN), false, 0, "-9223372036854775808" },
  { F(0.05), false, 0, "0.05" },
  { F(2.0), false, 0, "2.0" },
  { F(1e20), false, 0, "1e+20" },
  { F(1e-7), false, 0, "1e-07" },
  { F(-0.0), false, 0, "-0.0" },
  { F(1.0 / 3), false, 0, "0.3333333333333333" },
  { F(123456789.125), false, 0, "123456789.125" },
  { F(1.7976931348623157e308), false, 0, "1.7976931348623157e+308" },
  { F(5e-324), false, 0, "5e-324" },
  { S("hi"), false, 0, "hi" },
  { S("hi"), false, VAL_FMT_QUOTED, "\"hi\"" },
  { S("a\"b\\\n\t\r\x01"), false, VAL_FMT_QUOTED, "\"a\\\"b\\\\\\n\\t\\r\\u0001\"" },
  { S("caf\xc3\xa9 \xf0\x9f\x98\x80"), false, VAL_FMT_QUOTED, "\"caf\xc3\xa9 \xf0\x9f\x98\x80\"" },
  { S("bad\xff\xc3"), false, VAL_FMT_QUOTED, "\"bad\\ufffd\\ufffd\"" },
  { S("\xed\xa0\x80"), false, VAL_FMT_QUOTED, "\"\\ufffd\\ufffd\\ufffd\"" },
  { S("\xc0\xaf"), false, VAL_FMT_QUOTED, "\"\\ufffd\\ufffd\"" },
  { D(5400000), false, 0, "1h30m" },
  { D(250), false, 0, "250ms" },
  { D(0), false, 0, "0s" },
  { D(-300000), false, 0, "-5m" },
  { D(1500), false, 0, "1s500ms" },
  { D(90061001), false, 0, "1d1h1m1s1ms" },
  { D(INT64_MAX), false, 0, "106751991167d7h12m55s807ms" },
  { T(0), false, 0, "1970-01-01T00:00:00Z" },
  { T(1767225600123), false, 0, "2026-01-01T00:00:00.123Z" },
  { T(-1), false, 0, "1969-12-31T23:59:59.999Z" },
  { T(951782400000), false, 0, "2000-02-29T00:00:00Z" },
  { T(253402300799000), false, 0, "9999-12-31T23:59:59Z" },
  { J("[1,\"a\",null,[true]]"), false, 0, "[1, \"a\", null, [true]]" },
  { J("{\"k\":1,\"b c\":[2.5]}"), false, 0, "{\"k\": 1, \"b c\": [2.5]}" },
  { J("[]"), false, 0, "[]" },
  { J("{}"), false, 0, "{}" },
  { S("pw"), true, VAL_FMT_MASKED, "***" },
  { S("pw"), true, VAL_FMT_QUOTED, "***" },
  { S("pw"), true, VAL_FMT_RAW, "pw" },
  { S("pw"), true, RAWQ, "\"pw\"" },
  { I(7), true, VAL_FMT_MASKED, "***" },
  { J("[1]"), true, VAL_FMT_MASKED, "***" },
  { J("[1]"), true, VAL_FMT_RAW, "[1]" },
};

static void test_format(void **state)
{
  size_t i;

  (void)state;
  for (i = 0; i < NROWS(fmt_cases); i++) {
    const struct fmt_case *c = &fmt_cases[i];
    struct rbc_value v = make(c->v, c->secret), s;
    struct val_err err;
    assert_int_equal(val_to_string(v, c->flags, &s, &err), VAL_OK);
    if (val_str_len(s) != strlen(c->want) || memcmp(val_str_data(s), c->want,
                                                    strlen(c->want)) != 0)
      fail_msg("row %zu: got '%s' want '%s'", i, val_str_data(s), c->want);
    assert_int_equal(s.secret, c->secret && (c->flags & VAL_FMT_RAW));
    val_release(s);
    val_release(v);
  }
}

static void env_count(void *env)
{
  (*(int *)env)++;
}

/* Functions and built-ins: display, equality, the env released once. */
static void test_functions(void **state)
{
  int released = 0;
  struct rbc_value f, g, h, out;
  struct val_err err;
  bool eq = false;

  (void)state;
  assert_int_equal(val_fn_new(3, &released, env_count, &f, &err), VAL_OK);
  assert_int_equal(val_fn_new(3, &released, NULL, &g, &err), VAL_OK);
  assert_int_equal(val_fn_new(4, NULL, NULL, &h, &err), VAL_OK);
  assert_string_equal(show(f, 0), "<fn 3>");
  assert_string_equal(show(val_builtin(7), 0), "<builtin 7>");
  assert_string_equal(val_kind(f), "function");
  assert_string_equal(val_kind(val_builtin(1)), "function");
  assert_int_equal(val_fn_index(f), 3);
  assert_ptr_equal(val_fn_env(f), &released);
  assert_int_equal(val_fn_index(val_int(1)), UINT32_MAX);
  assert_int_equal(val_builtin_index(val_builtin(9)), 9);
  assert_int_equal(val_equal(f, g, &eq, NULL, &err), VAL_OK);
  assert_true(eq);
  assert_int_equal(val_equal(f, h, &eq, NULL, &err), VAL_OK);
  assert_false(eq);
  assert_int_equal(val_equal(val_builtin(1), val_builtin(1), &eq, NULL, &err), VAL_OK);
  assert_true(eq);
  assert_int_equal(val_json_encode(f, 0, &out, &err), VAL_ERR_TYPE);
  assert_string_equal(err.msg, "cannot encode a function as JSON");
  val_retain(f);
  assert_int_equal(val_refcount(f), 2);
  val_release(f);
  assert_int_equal(released, 0);
  val_release(f);
  assert_int_equal(released, 1);
  val_release(g);
  val_release(h);
  assert_int_equal(released, 1);
}

/* }==== */

/* {==== durations and times as text ==== */

struct dur_case {
  const char *text;
  enum val_status st;
  int64_t ms;
};

static const struct dur_case dur_cases[] = {
  { "250ms", VAL_OK, 250 },
  { "30s", VAL_OK, 30000 },
  { "5m", VAL_OK, 300000 },
  { "2h", VAL_OK, 7200000 },
  { "1d", VAL_OK, 86400000 },
  { "1h30m", VAL_OK, 5400000 },
  { "1d2h3m4s5ms", VAL_OK, 93784005 },
  { "1.5s", VAL_OK, 1500 },
  { "0.5h", VAL_OK, 1800000 },
  { "1.0005s", VAL_OK, 1001 },
  { "0.0004s", VAL_OK, 0 },
  { "-5m", VAL_OK, -300000 },
  { "0s", VAL_OK, 0 },
  { "90s", VAL_OK, 90000 },
  { "106751991167d7h12m55s807ms", VAL_OK, INT64_MAX },
  { "106751991167d7h12m55s808ms", VAL_ERR_OVERFLOW, 0 },
  { "99999999999999999999s", VAL_ERR_OVERFLOW, 0 },
  { "", VAL_ERR_PARSE, 0 },
  { "-", VAL_ERR_PARSE, 0 },
  { "5", VAL_ERR_PARSE, 0 },
  { "5mins", VAL_ERR_PARSE, 0 },
  { "1m1h", VAL_ERR_PARSE, 0 },
  { "1h1h", VAL_ERR_PARSE, 0 },
  { "1s1ms1s", VAL_ERR_PARSE, 0 },
  { "1.s", VAL_ERR_PARSE, 0 },
  { ".5s", VAL_ERR_PARSE, 0 },
  { "ms", VAL_ERR_PARSE, 0 },
  { "1x", VAL_ERR_PARSE, 0 },
  { "1 s", VAL_ERR_PARSE, 0 },
  { "1s ", VAL_ERR_PARSE, 0 },
  { "+1s", VAL_ERR_PARSE, 0 },
  { "1S", VAL_ERR_PARSE, 0 },
};

static void test_parse_duration(void **state)
{
  size_t i;

  (void)state;
  for (i = 0; i < NROWS(dur_cases); i++) {
    struct val_err err;
    int64_t ms = -1;
    enum val_status st = val_parse_duration(dur_cases[i].text, strlen(dur_cases[i].text),
                                            &ms, &err);
    if (st != dur_cases[i].st || (st == VAL_OK && ms != dur_cases[i].ms))
      fail_msg("row %zu '%s': status %d ms %lld", i, dur_cases[i].text, st, (long long)ms);
  }
}

/* format -> parse gives back every value; parse -> format is canonical. */
static void test_duration_round_trip(void **state)
{
  static const int64_t fixed[] = { 0, 1, -1, 999, 1000, 59999, 60000, 3599999, 86400000,
                                   INT64_MAX, INT64_MIN + 1, 5400000 };
  uint64_t x = 88172645463325252u;
  char buf[VAL_FMT_BUF];
  int64_t ms, back;
  int i;

  (void)state;
  for (i = 0; i < 20000; i++) {
    struct val_err err;
    if (i < (int)NROWS(fixed)) {
      ms = fixed[i];
    } else {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      ms = (int64_t)(x >> (i % 60));  /* all magnitudes */
      if (i % 2)
        ms = -ms;
    }
    val_format_duration(ms, buf);
    assert_int_equal(val_parse_duration(buf, strlen(buf), &back, &err), VAL_OK);
    if (back != ms)
      fail_msg("%lld -> %s -> %lld", (long long)ms, buf, (long long)back);
  }
  assert_int_equal(val_parse_duration("90s", 3, &ms, NULL), VAL_OK);
  assert_string_equal(val_format_duration(ms, buf), "1m30s");
  /* INT64_MIN formats, but its text is one past what parses (no negative zero). */
  assert_string_equal(val_format_duration(INT64_MIN, buf), "-106751991167d7h12m55s808ms");
}

struct time_case {
  const char *text;
  enum val_status st;
  int64_t ms;
};

static const struct time_case time_cases[] = {
  { "1970-01-01T00:00:00Z", VAL_OK, 0 },
  { "2026-01-01T00:00:00Z", VAL_OK, 1767225600000 },
  { "2026-01-01T00:00:00.123Z", VAL_OK, 1767225600123 },
  { "2026-01-01T00:00:00.1Z", VAL_OK, 1767225600100 },
  { "2026-01-01T00:00:00.123456Z", VAL_OK, 1767225600123 },
  { "2026-01-01t00:00:00z", VAL_OK, 1767225600000 },
  { "2026-01-01 00:00:00Z", VAL_OK, 1767225600000 },
  { "2026-01-01T02:00:00+02:00", VAL_OK, 1767225600000 },
  { "2025-12-31T19:00:00-05:00", VAL_OK, 1767225600000 },
  { "2026-01-01", VAL_OK, 1767225600000 },
  { "1969-12-31T23:59:59.999Z", VAL_OK, -1 },
  { "2024-02-29T00:00:00Z", VAL_OK, 1709164800000 },
  { "2000-02-29", VAL_OK, 951782400000 },
  { "2023-02-29", VAL_ERR_PARSE, 0 },
  { "1900-02-29", VAL_ERR_PARSE, 0 },
  { "2026-13-01", VAL_ERR_PARSE, 0 },
  { "2026-04-31", VAL_ERR_PARSE, 0 },
  { "2026-01-01T24:00:00Z", VAL_ERR_PARSE, 0 },
  { "2026-01-01T00:60:00Z", VAL_ERR_PARSE, 0 },
  { "2026-01-01T00:00:60Z", VAL_ERR_PARSE, 0 },
  { "2026-01-01T00:00:00", VAL_ERR_PARSE, 0 },
  { "2026-01-01T00:00:00.Z", VAL_ERR_PARSE, 0 },
  { "2026-01-01T00:00Z", VAL_ERR_PARSE, 0 },
  { "2026-1-01", VAL_ERR_PARSE, 0 },
  { "2026-01-01T00:00:00Zx", VAL_ERR_PARSE, 0 },
  { "", VAL_ERR_PARSE, 0 },
};

static void test_times(void **state)
{
  uint64_t x = 1234567;
  char buf[VAL_FMT_BUF];
  int64_t ms, back;
  size_t i;

  (void)state;
  for (i = 0; i < NROWS(time_cases); i++) {
    struct val_err err;
    enum val_status st = val_parse_time(time_cases[i].text, strlen(time_cases[i].text),
                                        &ms, &err);
    if (st != time_cases[i].st || (st == VAL_OK && ms != time_cases[i].ms))
      fail_msg("row %zu '%s': status %d ms %lld", i, time_cases[i].text, st, (long long)ms);
  }
  /* Round trips over years 0000..9999 at millisecond resolution. */
  for (i = 0; i < 20000; i++) {
    x = x * 6364136223846793005u + 1442695040888963407u;
    ms = (int64_t)(x % 315537897600000u) - 62167219200000;
    val_format_time(ms, i % 2 == 0, buf);
    assert_int_equal(val_parse_time(buf, strlen(buf), &back, NULL), VAL_OK);
    if (back != ms)
      fail_msg("%lld -> %s -> %lld", (long long)ms, buf, (long long)back);
  }
  assert_string_equal(val_format_time(0, true, buf), "1970-01-01T00:00:00.000Z");
  assert_string_equal(val_format_time(-62167219200000, false, buf), "0000-01-01T00:00:00Z");
  val_format_time(INT64_MIN, true, buf);     /* far outside: prints, never crashes */
  val_format_time(INT64_MAX, true, buf);
}

/* }==== */

/* {==== member access and indexing ==== */

static void test_members(void **state)
{
  static const struct {
    const char *name;
    const char *want;
  } tm[] = {
    { "unix", "1709214330" }, { "unix_ms", "1709214330250" }, { "year", "2024" },
    { "month", "2" }, { "day", "29" }, { "hour", "13" }, { "minute", "45" },
    { "second", "30" }, { "weekday", "4" }, { "iso", "\"2024-02-29T13:45:30.250Z\"" },
  }, dm[] = {
    { "ms", "90000" }, { "seconds", "90.0" }, { "minutes", "1.5" }, { "hours", "0.025" },
  };
  struct rbc_value t, d = val_duration(90000), out, m;
  struct val_err err;
  int64_t ms;
  size_t i;

  (void)state;
  assert_int_equal(val_parse_time("2024-02-29T13:45:30.250Z", 24, &ms, &err), VAL_OK);
  t = val_tainted(val_time(ms), true);
  for (i = 0; i < NROWS(tm); i++) {
    assert_int_equal(val_member(t, tm[i].name, strlen(tm[i].name), &out, &err), VAL_OK);
    assert_string_equal(show(out, RAWQ), tm[i].want);
    assert_true(out.secret);
    val_release(out);
  }
  for (i = 0; i < NROWS(dm); i++) {
    assert_int_equal(val_member(d, dm[i].name, strlen(dm[i].name), &out, &err), VAL_OK);
    assert_string_equal(show(out, RAWQ), dm[i].want);
    assert_false(out.secret);
  }
  assert_int_equal(val_member(t, "nope", 4, &out, &err), VAL_ERR_TYPE);
  assert_string_equal(err.msg, "a time has no member 'nope'");
  assert_int_equal(val_member(d, "days", 4, &out, &err), VAL_ERR_TYPE);
  assert_int_equal(val_member(val_null(), "a", 1, &out, &err), VAL_OK);
  assert_int_equal(out.type, VAL_NULL);
  assert_int_equal(val_member(val_int(1), "a", 1, &out, &err), VAL_ERR_TYPE);
  m = make((struct spec)J("{\"a\":{\"b\":[1]}}"), true);
  assert_int_equal(val_member(m, "a", 1, &out, &err), VAL_OK);
  assert_true(out.secret);                   /* member of a secret container */
  assert_string_equal(show(out, VAL_FMT_RAW), "{\"b\": [1]}");
  val_release(out);
  assert_int_equal(val_member(m, "zz", 2, &out, &err), VAL_OK);
  assert_int_equal(out.type, VAL_NULL);
  val_release(m);
  m = make((struct spec)S("str"), false);
  assert_int_equal(val_member(m, "a", 1, &out, &err), VAL_ERR_TYPE);
  assert_string_equal(err.msg, "cannot read member 'a' of a string");
  val_release(m);
}

struct index_case {
  struct spec obj, idx;
  enum val_status st;
  const char *want;
};

static const struct index_case index_cases[] = {
  { J("[10,20,30]"), I(0), VAL_OK, "10" },
  { J("[10,20,30]"), I(2), VAL_OK, "30" },
  { J("[10,20,30]"), I(-1), VAL_OK, "30" },
  { J("[10,20,30]"), I(-3), VAL_OK, "10" },
  { J("[10,20,30]"), I(3), VAL_ERR_INDEX, NULL },
  { J("[10,20,30]"), I(-4), VAL_ERR_INDEX, NULL },
  { J("[10,20,30]"), I(INT64_MIN), VAL_ERR_INDEX, NULL },
  { J("[]"), I(0), VAL_ERR_INDEX, NULL },
  { J("[10,20,30]"), F(0), VAL_ERR_TYPE, NULL },
  { J("[10,20,30]"), S("0"), VAL_ERR_TYPE, NULL },
  { J("{\"a\":[1]}"), S("a"), VAL_OK, "[1]" },
  { J("{\"a\":[1]}"), S("b"), VAL_OK, "null" },
  { J("{\"a\":[1]}"), I(0), VAL_ERR_TYPE, NULL },
  { S("abc"), I(1), VAL_OK, "\"b\"" },
  { S("abc"), I(-1), VAL_OK, "\"c\"" },
  { S("abc"), I(3), VAL_ERR_INDEX, NULL },
  { I(5), I(0), VAL_ERR_TYPE, NULL },
  { NUL_, I(0), VAL_ERR_TYPE, NULL },
};

static void test_index(void **state)
{
  size_t i;
  int s;

  (void)state;
  for (i = 0; i < NROWS(index_cases); i++) {
    for (s = 0; s < 4; s++) {
      const struct index_case *c = &index_cases[i];
      struct rbc_value o = make(c->obj, s & 1), x = make(c->idx, s & 2), out;
      struct val_err err;
      enum val_status st = val_index(o, x, &out, &err);
      if (st != c->st)
        fail_msg("row %zu: status %d (%s)", i, st, err.msg);
      if (st == VAL_OK) {
        assert_string_equal(show(out, RAWQ), c->want);
        assert_int_equal(out.secret, s != 0);
      }
      val_release(out);
      val_release(o);
      val_release(x);
    }
  }
}

static void test_set_index_and_len(void **state)
{
  struct rbc_value l = make((struct spec)J("[1,2,3]"), false), alias, k, out;
  struct val_err err;

  (void)state;
  alias = val_retain(l);
  assert_int_equal(val_set_index(&l, val_int(-1), val_int(9), &err), VAL_OK);
  assert_string_equal(show(l, 0), "[1, 2, 9]");
  assert_string_equal(show(alias, 0), "[1, 2, 3]");  /* copy-on-write */
  assert_int_equal(val_refcount(l), 1);
  assert_int_equal(val_set_index(&l, val_int(3), val_int(9), &err), VAL_ERR_INDEX);
  assert_string_equal(err.msg, "index 3 out of range (length 3)");
  assert_int_equal(val_set_index(&l, val_tainted(val_int(7), true), val_int(9), &err),
                   VAL_ERR_INDEX);
  assert_string_equal(err.msg, "index out of range (length 3)");
  assert_int_equal(val_set_index(&l, val_float(0), val_int(9), &err), VAL_ERR_TYPE);
  assert_int_equal(val_len(l, &out, &err), VAL_OK);
  assert_string_equal(show(out, 0), "3");
  val_release(l);
  val_release(alias);

  l = make((struct spec)J("{\"a\":1}"), false);
  k = make((struct spec)S("b"), false);
  assert_int_equal(val_set_index(&l, k, val_int(2), &err), VAL_OK);
  assert_string_equal(show(l, 0), "{\"a\": 1, \"b\": 2}");
  k.secret = true;
  assert_int_equal(val_set_index(&l, k, val_int(3), &err), VAL_ERR_TYPE);
  assert_string_equal(err.msg, "a secret cannot be used as a map key");
  assert_int_equal(val_set_index(&l, val_int(0), val_int(3), &err), VAL_ERR_TYPE);
  assert_int_equal(val_len(val_tainted(l, true), &out, &err), VAL_OK);
  assert_true(out.secret);
  assert_int_equal(out.as.i, 2);
  val_release(k);
  val_release(l);

  k = make((struct spec)S("h\0llo"), false);
  assert_int_equal(val_len(k, &out, &err), VAL_OK);
  assert_int_equal(out.as.i, 1);            /* "h" (cstr stops at NUL) */
  val_release(k);
  assert_int_equal(val_string_new("h\0llo", 5, &k, &err), VAL_OK);
  assert_int_equal(val_len(k, &out, &err), VAL_OK);
  assert_int_equal(out.as.i, 5);            /* NUL-safe */
  assert_int_equal(val_str_data(k)[5], '\0');
  val_release(k);
  assert_int_equal(val_len(val_int(1), &out, &err), VAL_ERR_TYPE);
  k = val_int(1);
  assert_int_equal(val_list_push(&k, val_int(1), &err), VAL_ERR_TYPE);
}

/* }==== */

/* {==== maps and lists ==== */

/* Keys of a map in iteration order, joined with ','. */
static const char *map_keys(struct rbc_value m)
{
  static char text[4096];
  size_t pos = 0, klen, n = 0;
  const char *key;

  text[0] = '\0';
  while (val_map_next(m, &pos, &key, &klen, NULL) && n + klen + 2 < sizeof text) {
    if (n)
      text[n++] = ',';
    memcpy(text + n, key, klen);
    n += klen;
    text[n] = '\0';
  }
  return text;
}

static void test_map_order_and_delete(void **state)
{
  struct rbc_value m, copy;
  struct val_err err;
  bool found;
  const char *const keys[] = { "z", "a", "m", "b" };
  size_t i;

  (void)state;
  assert_int_equal(val_map_new(&m, &err), VAL_OK);
  for (i = 0; i < 4; i++)
    assert_int_equal(val_map_set(&m, keys[i], 1, val_int((int64_t)i), &err), VAL_OK);
  assert_string_equal(map_keys(m), "z,a,m,b");
  assert_int_equal(val_map_set(&m, "a", 1, val_int(10), &err), VAL_OK);  /* keeps place */
  assert_string_equal(map_keys(m), "z,a,m,b");
  assert_int_equal(val_map_get(m, "a", 1)->as.i, 10);
  copy = val_retain(m);
  assert_int_equal(val_map_delete(&m, "a", 1, &found, &err), VAL_OK);
  assert_true(found);
  assert_string_equal(map_keys(m), "z,m,b");
  assert_string_equal(map_keys(copy), "z,a,m,b");              /* copy-on-write */
  assert_int_equal(val_map_delete(&m, "a", 1, &found, &err), VAL_OK);
  assert_false(found);
  assert_null(val_map_get(m, "a", 1));
  assert_int_equal(val_map_set(&m, "a", 1, val_int(5), &err), VAL_OK);   /* goes last */
  assert_string_equal(map_keys(m), "z,m,b,a");
  assert_int_equal(val_map_len(m), 4);
  assert_int_equal(val_map_set(&m, "", 0, val_null(), &err), VAL_OK);    /* empty key */
  assert_int_equal(val_map_set(&m, "k\0x", 3, val_int(1), &err), VAL_OK);
  assert_null(val_map_get(m, "k", 1));
  assert_non_null(val_map_get(m, "k\0x", 3));
  assert_non_null(val_map_get(m, "", 0));
  assert_int_equal(val_map_delete(&copy, "zz", 2, NULL, &err), VAL_OK);
  assert_int_equal(val_refcount(copy), 1);
  assert_int_equal(val_map_delete(&copy, "z", 1, NULL, &err), VAL_OK);
  assert_int_equal(val_map_delete(&copy, "a", 1, NULL, &err), VAL_OK);
  assert_int_equal(val_map_delete(&copy, "m", 1, NULL, &err), VAL_OK);
  assert_int_equal(val_map_delete(&copy, "b", 1, NULL, &err), VAL_OK);
  assert_int_equal(val_map_len(copy), 0);
  assert_string_equal(map_keys(copy), "");
  assert_int_equal(val_map_set(&copy, "q", 1, val_int(1), &err), VAL_OK);
  assert_string_equal(map_keys(copy), "q");
  assert_int_equal(val_map_set(&copy, "r", 1, copy, &err), VAL_OK);  /* itself: copied */
  assert_string_equal(show(copy, 0), "{\"q\": 1, \"r\": {\"q\": 1}}");
  assert_int_equal(val_refcount(copy), 1);
  assert_int_equal(val_map_delete(&(struct rbc_value){ VAL_INT, false, { .i = 0 } }, "x",
                                  1, NULL, &err), VAL_ERR_TYPE);
  assert_int_equal(val_map_set(&(struct rbc_value){ VAL_INT, false, { .i = 0 } }, "x", 1,
                               val_null(), &err), VAL_ERR_TYPE);
  val_release(m);
  val_release(copy);
}

/* 10^5 inserts and lookups, half deleted, order checked, re-inserts. */
static void test_large_map(void **state)
{
  enum { N = 100000 };
  struct rbc_value m;
  struct val_err err;
  char key[32];
  size_t pos = 0, klen, i, n;
  const char *k;
  const struct rbc_value *v;

  (void)state;
  assert_int_equal(val_map_new(&m, &err), VAL_OK);
  for (i = 0; i < N; i++) {
    n = (size_t)snprintf(key, sizeof key, "key%zu", i);
    assert_int_equal(val_map_set(&m, key, n, val_int((int64_t)i), &err), VAL_OK);
  }
  assert_int_equal(val_map_len(m), N);
  for (i = 0; i < N; i++) {
    n = (size_t)snprintf(key, sizeof key, "key%zu", i);
    v = val_map_get(m, key, n);
    if (!v || v->as.i != (int64_t)i)
      fail_msg("lookup %zu", i);
  }
  for (i = 0; i < N; i += 2) {
    bool found = false;
    n = (size_t)snprintf(key, sizeof key, "key%zu", i);
    assert_int_equal(val_map_delete(&m, key, n, &found, &err), VAL_OK);
    assert_true(found);
  }
  assert_int_equal(val_map_len(m), N / 2);
  for (i = 1; val_map_next(m, &pos, &k, &klen, &v); i += 2) {
    n = (size_t)snprintf(key, sizeof key, "key%zu", i);
    if (klen != n || memcmp(k, key, n) != 0 || v->as.i != (int64_t)i)
      fail_msg("order at %zu", i);
  }
  assert_int_equal(i, N + 1);
  for (i = 0; i < N; i += 2) {
    n = (size_t)snprintf(key, sizeof key, "key%zu", i);
    assert_null(val_map_get(m, key, n));
    assert_int_equal(val_map_set(&m, key, n, val_int(-1), &err), VAL_OK);  /* compacts */
  }
  assert_int_equal(val_map_len(m), N);
  pos = 0;
  for (i = 0; i < N / 2; i++)
    assert_true(val_map_next(m, &pos, NULL, NULL, &v));
  assert_true(val_map_next(m, &pos, &k, &klen, &v));
  assert_int_equal(klen, 4);
  assert_memory_equal(k, "key0", 4);        /* re-inserted keys come last */
  val_release(m);
}

static void test_lists_and_cow(void **state)
{
  struct rbc_value l, alias, out;
  struct val_err err;
  int i;

  (void)state;
  assert_int_equal(val_list_new(0, &l, &err), VAL_OK);
  for (i = 0; i < 1000; i++)
    assert_int_equal(val_list_push(&l, val_int(i), &err), VAL_OK);
  assert_int_equal(val_list_len(l), 1000);
  assert_int_equal(val_list_at(l, 999)->as.i, 999);
  assert_null(val_list_at(l, 1000));
  assert_null(val_list_at(val_int(1), 0));
  alias = val_retain(l);
  assert_int_equal(val_list_push(&l, l, &err), VAL_OK);  /* itself: a copy holds it */
  assert_int_equal(val_list_len(l), 1001);
  assert_int_equal(val_list_len(alias), 1000);
  assert_int_equal(val_list_at(l, 1000)->type, VAL_LIST);
  assert_int_equal(val_list_len(*val_list_at(l, 1000)), 1000);
  val_release(alias);
  assert_int_equal(val_list_push(&l, l, &err), VAL_OK);  /* unique, still no cycle */
  assert_int_equal(val_list_len(*val_list_at(l, 1001)), 1001);
  assert_int_equal(val_binop(VAL_OP_ADD, l, l, &out, &err), VAL_OK);
  assert_int_equal(val_list_len(out), 2004);
  val_release(out);
  val_release(l);
}

/* A million-deep nesting is released without recursion. */
static void test_deep_release(void **state)
{
  struct rbc_value v, next, out;
  struct val_err err;
  bool eq;
  int i;

  (void)state;
  assert_int_equal(val_list_new(0, &v, &err), VAL_OK);
  for (i = 0; i < 1000000; i++) {
    assert_int_equal(val_list_new(1, &next, &err), VAL_OK);
    assert_int_equal(val_list_push(&next, v, &err), VAL_OK);
    val_release(v);
    v = next;
  }
  assert_int_equal(val_equal(v, v, &eq, NULL, &err), VAL_ERR_DEPTH);
  assert_false(eq);
  assert_int_equal(val_binop(VAL_OP_EQ, v, v, &out, &err), VAL_ERR_DEPTH);
  assert_int_equal(val_to_string(v, 0, &out, &err), VAL_ERR_DEPTH);
  assert_int_equal(val_json_encode(v, 0, &out, &err), VAL_ERR_DEPTH);
  assert_int_equal(val_binop(VAL_OP_IN, v, v, &out, &err), VAL_ERR_DEPTH);
  val_release(v);
}

/* }==== */

/* {==== string builder ==== */

static void test_buf(void **state)
{
  struct val_buf b;
  struct rbc_value s, sec, out;
  struct val_err err;

  (void)state;
  val_buf_init(&b);
  assert_int_equal(val_buf_puts(&b, "user="), VAL_OK);
  assert_int_equal(val_buf_printf(&b, "%d-%s", 42, "x"), VAL_OK);
  assert_false(b.secret);
  sec = make((struct spec)S("pw"), true);
  assert_int_equal(val_buf_append_value(&b, sec, VAL_FMT_MASKED), VAL_OK);
  assert_false(b.secret);                   /* masked: nothing secret went in */
  assert_string_equal(b.data, "user=42-x***");
  assert_int_equal(val_buf_append_value(&b, sec, VAL_FMT_RAW), VAL_OK);
  assert_true(b.secret);                    /* interpolation taints */
  assert_int_equal(val_buf_finish(&b, &s, &err), VAL_OK);
  assert_true(s.secret);
  assert_string_equal(val_str_data(s), "user=42-x***pw");
  assert_int_equal(b.len, 0);
  val_release(s);
  assert_int_equal(val_buf_finish(&b, &s, &err), VAL_OK);  /* empty buffer */
  assert_int_equal(val_str_len(s), 0);
  assert_false(s.secret);
  val_release(s);
  /* val_to_string of a plain string shares it; a secret masked does not. */
  assert_int_equal(val_to_string(sec, VAL_FMT_RAW, &out, &err), VAL_OK);
  assert_ptr_equal(val_str_data(out), val_str_data(sec));
  assert_true(out.secret);
  val_release(out);
  val_release(sec);
  /* Sticky failure. */
  val_buf_init(&b);
  val_mem_fail_after(1);
  assert_int_equal(val_buf_puts(&b, "x"), VAL_ERR_OOM);
  val_mem_fail_after(0);
  assert_int_equal(val_buf_puts(&b, "x"), VAL_ERR_OOM);
  assert_int_equal(val_buf_finish(&b, &s, &err), VAL_ERR_OOM);
  assert_int_equal(s.type, VAL_NULL);
  val_buf_free(&b);
}

/* }==== */

/* {==== params ==== */

struct param_case {
  const char *text;
  enum val_param_type type;
  enum val_status st;
  const char *want;             /* RAWQ text */
};

static const struct param_case param_cases[] = {
  { "hello world", VAL_PARAM_STRING, VAL_OK, "\"hello world\"" },
  { "", VAL_PARAM_STRING, VAL_OK, "\"\"" },
  { "42", VAL_PARAM_INT, VAL_OK, "42" },
  { "-42", VAL_PARAM_INT, VAL_OK, "-42" },
  { "+7", VAL_PARAM_INT, VAL_OK, "7" },
  { "1_000", VAL_PARAM_INT, VAL_OK, "1000" },
  { "0x1f", VAL_PARAM_INT, VAL_OK, "31" },
  { "010", VAL_PARAM_INT, VAL_OK, "10" },
  { "9223372036854775807", VAL_PARAM_INT, VAL_OK, "9223372036854775807" },
  { "-9223372036854775808", VAL_PARAM_INT, VAL_OK, "-9223372036854775808" },
  { "9223372036854775808", VAL_PARAM_INT, VAL_ERR_OVERFLOW, NULL },
  { "", VAL_PARAM_INT, VAL_ERR_PARSE, NULL },
  { "-", VAL_PARAM_INT, VAL_ERR_PARSE, NULL },
  { "1.5", VAL_PARAM_INT, VAL_ERR_PARSE, NULL },
  { "12a", VAL_PARAM_INT, VAL_ERR_PARSE, NULL },
  { " 1", VAL_PARAM_INT, VAL_ERR_PARSE, NULL },
  { "_1", VAL_PARAM_INT, VAL_ERR_PARSE, NULL },
  { "1_", VAL_PARAM_INT, VAL_ERR_PARSE, NULL },
  { "1__0", VAL_PARAM_INT, VAL_ERR_PARSE, NULL },
  { "0x", VAL_PARAM_INT, VAL_ERR_PARSE, NULL },
  { "1.5", VAL_PARAM_FLOAT, VAL_OK, "1.5" },
  { "2e3", VAL_PARAM_FLOAT, VAL_OK, "2000.0" },
  { "-.5", VAL_PARAM_FLOAT, VAL_OK, "-0.5" },
  { "3", VAL_PARAM_FLOAT, VAL_OK, "3.0" },
  { "5%", VAL_PARAM_FLOAT, VAL_OK, "0.05" },
  { "0.1%", VAL_PARAM_FLOAT, VAL_OK, "0.001" },
  { "1e400", VAL_PARAM_FLOAT, VAL_ERR_OVERFLOW, NULL },
  { "nan", VAL_PARAM_FLOAT, VAL_ERR_PARSE, NULL },
  { "inf", VAL_PARAM_FLOAT, VAL_ERR_PARSE, NULL },
  { "0x10", VAL_PARAM_FLOAT, VAL_ERR_PARSE, NULL },
  { "1.5.2", VAL_PARAM_FLOAT, VAL_ERR_PARSE, NULL },
  { "%", VAL_PARAM_FLOAT, VAL_ERR_PARSE, NULL },
  { "e5", VAL_PARAM_FLOAT, VAL_ERR_PARSE, NULL },
  { "", VAL_PARAM_FLOAT, VAL_ERR_PARSE, NULL },
  { "true", VAL_PARAM_BOOL, VAL_OK, "true" },
  { "False", VAL_PARAM_BOOL, VAL_OK, "false" },
  { "yes", VAL_PARAM_BOOL, VAL_OK, "true" },
  { "off", VAL_PARAM_BOOL, VAL_OK, "false" },
  { "1", VAL_PARAM_BOOL, VAL_OK, "true" },
  { "0", VAL_PARAM_BOOL, VAL_OK, "false" },
  { "maybe", VAL_PARAM_BOOL, VAL_ERR_PARSE, NULL },
  { "", VAL_PARAM_BOOL, VAL_ERR_PARSE, NULL },
  { "1h30m", VAL_PARAM_DURATION, VAL_OK, "1h30m" },
  { "1.5s", VAL_PARAM_DURATION, VAL_OK, "1s500ms" },
  { "5mins", VAL_PARAM_DURATION, VAL_ERR_PARSE, NULL },
  { "a,b, c ", VAL_PARAM_LIST, VAL_OK, "[\"a\", \"b\", \"c\"]" },
  { "a", VAL_PARAM_LIST, VAL_OK, "[\"a\"]" },
  { "", VAL_PARAM_LIST, VAL_OK, "[]" },
  { "a,,b", VAL_PARAM_LIST, VAL_OK, "[\"a\", \"\", \"b\"]" },
  { ",", VAL_PARAM_LIST, VAL_OK, "[\"\", \"\"]" },
  { "[1, \"x\", 2.5]", VAL_PARAM_LIST, VAL_OK, "[1, \"x\", 2.5]" },
  { " [true]", VAL_PARAM_LIST, VAL_OK, "[true]" },
  { "[1,", VAL_PARAM_LIST, VAL_ERR_PARSE, NULL },
  { "{\"a\": [1]}", VAL_PARAM_MAP, VAL_OK, "{\"a\": [1]}" },
  { "[1]", VAL_PARAM_MAP, VAL_ERR_PARSE, NULL },
  { "a=1", VAL_PARAM_MAP, VAL_ERR_PARSE, NULL },
};

static void test_params(void **state)
{
  size_t i;
  int secret;

  (void)state;
  for (i = 0; i < NROWS(param_cases); i++) {
    for (secret = 0; secret < 2; secret++) {
      const struct param_case *c = &param_cases[i];
      struct rbc_value v;
      struct val_err err = { "" };
      enum val_status st = val_from_param(c->text, strlen(c->text), c->type, secret, &v,
                                          &err);
      if (st != c->st)
        fail_msg("row %zu '%s': status %d (%s)", i, c->text, st, err.msg);
      if (st == VAL_OK) {
        assert_string_equal(show(v, RAWQ), c->want);
        assert_int_equal(v.secret, secret);
        if (secret && val_list_len(v) > 0)
          assert_true(val_list_at(v, 0)->secret);
        if (secret)
          assert_string_equal(show(v, 0), "***");
      } else {
        assert_int_equal(v.type, VAL_NULL);
        /* messages never quote the input (it may be a secret) */
        if (strlen(c->text) > 2 && strstr(err.msg, c->text))
          fail_msg("row %zu: message quotes the input: %s", i, err.msg);
      }
      val_release(v);
    }
  }
  assert_int_equal(val_param_type_parse("duration"), VAL_PARAM_DURATION);
  assert_int_equal(val_param_type_parse("map"), VAL_PARAM_MAP);
  assert_int_equal(val_param_type_parse("time"), -1);
}

struct coerce_case {
  struct spec v;
  enum val_param_type type;
  enum val_status st;
  const char *want;             /* RAWQ text */
};

static const struct coerce_case coerce_cases[] = {
  { S("5m"), VAL_PARAM_DURATION, VAL_OK, "5m" },
  { S("42"), VAL_PARAM_INT, VAL_OK, "42" },
  { S("x"), VAL_PARAM_STRING, VAL_OK, "\"x\"" },
  { S("a,b"), VAL_PARAM_LIST, VAL_OK, "[\"a\", \"b\"]" },
  { I(42), VAL_PARAM_INT, VAL_OK, "42" },
  { I(2), VAL_PARAM_FLOAT, VAL_OK, "2.0" },
  { F(2.5), VAL_PARAM_FLOAT, VAL_OK, "2.5" },
  { B(1), VAL_PARAM_BOOL, VAL_OK, "true" },
  { J("[1,2]"), VAL_PARAM_LIST, VAL_OK, "[1, 2]" },
  { J("{\"a\":1}"), VAL_PARAM_MAP, VAL_OK, "{\"a\": 1}" },
  { F(2.5), VAL_PARAM_INT, VAL_ERR_PARSE, NULL },
  { I(1), VAL_PARAM_STRING, VAL_ERR_PARSE, NULL },
  { I(1), VAL_PARAM_BOOL, VAL_ERR_PARSE, NULL },
  { NUL_, VAL_PARAM_STRING, VAL_ERR_PARSE, NULL },
  { J("[1]"), VAL_PARAM_MAP, VAL_ERR_PARSE, NULL },
  { S("abc"), VAL_PARAM_INT, VAL_ERR_PARSE, NULL },
};

static void test_param_coerce(void **state)
{
  size_t i;
  int secret;

  (void)state;
  for (i = 0; i < NROWS(coerce_cases); i++) {
    for (secret = 0; secret < 2; secret++) {
      const struct coerce_case *c = &coerce_cases[i];
      struct rbc_value v = make(c->v, false), out;
      struct val_err err = { "" };
      enum val_status st = val_param_coerce(v, c->type, secret, &out, &err);
      if (st != c->st)
        fail_msg("row %zu: status %d (%s)", i, st, err.msg);
      if (st == VAL_OK) {
        assert_string_equal(show(out, RAWQ), c->want);
        assert_int_equal(out.secret, secret);
      } else {
        assert_int_equal(out.type, VAL_NULL);
      }
      val_release(out);
      val_release(v);
    }
  }
  {
    struct rbc_value v = make((struct spec)F(2.5), false), out;
    struct val_err err;
    assert_int_equal(val_param_coerce(v, VAL_PARAM_INT, false, &out, &err), VAL_ERR_PARSE);
    assert_string_equal(err.msg, "expected int, got float");
  }
}

/* }==== */

/* {==== JSON ==== */

struct json_case {
  const char *in;
  enum val_status st;
  const char *out;              /* compact encoding; NULL: same as in */
};

static const struct json_case json_cases[] = {
  { "null", VAL_OK, NULL },
  { "true", VAL_OK, NULL },
  { "1", VAL_OK, NULL },
  { "-5", VAL_OK, NULL },
  { "1.5", VAL_OK, NULL },
  { "1.0", VAL_OK, NULL },                  /* float stays float */
  { "0.1", VAL_OK, NULL },
  { "1e20", VAL_OK, "1e+20" },
  { "[]", VAL_OK, NULL },
  { "{}", VAL_OK, NULL },
  { "[1,2.5,\"x\",null,true,false]", VAL_OK, NULL },
  { "{\"b\":1,\"a\":{\"c\":[]}}", VAL_OK, NULL },   /* document order kept */
  { "\"a\\u0000b\"", VAL_OK, NULL },
  { "\"\\u00e9\\ud83d\\ude00\"", VAL_OK, "\"\xc3\xa9\xf0\x9f\x98\x80\"" },
  { "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u001f\"", VAL_OK, "\"\\\"\\\\/\\b\\f\\n\\r\\t\\u001f\"" },
  { " [ 1 , 2 ] ", VAL_OK, "[1,2]" },
  { "9223372036854775807", VAL_OK, NULL },
  { "-9223372036854775808", VAL_OK, NULL },
  { "{\"a\":1,\"a\":2}", VAL_OK, "{\"a\":2}" },
  { "9223372036854775808", VAL_ERR_OVERFLOW, NULL },
  { "1e400", VAL_ERR_OVERFLOW, NULL },
  { "NaN", VAL_ERR_PARSE, NULL },
  { "Infinity", VAL_ERR_PARSE, NULL },
  { "-Infinity", VAL_ERR_PARSE, NULL },
  { "[1,", VAL_ERR_PARSE, NULL },
  { "", VAL_ERR_PARSE, NULL },
  { "{\"a\" 1}", VAL_ERR_PARSE, NULL },
  { "[1] x", VAL_ERR_PARSE, NULL },
  { "\"\xff\"", VAL_ERR_PARSE, NULL },
  { "'a'", VAL_ERR_PARSE, NULL },
};

static void test_json_table(void **state)
{
  size_t i;

  (void)state;
  for (i = 0; i < NROWS(json_cases); i++) {
    const struct json_case *c = &json_cases[i];
    const char *want = c->out ? c->out : c->in;
    struct rbc_value v, enc;
    struct val_err err = { "" };
    enum val_status st = val_json_parse(c->in, strlen(c->in), false, &v, &err);
    if (st != c->st)
      fail_msg("row %zu '%s': status %d (%s)", i, c->in, st, err.msg);
    if (st != VAL_OK) {
      assert_int_equal(v.type, VAL_NULL);
      continue;
    }
    assert_int_equal(val_json_encode(v, VAL_JSON_COMPACT, &enc, &err), VAL_OK);
    if (val_str_len(enc) != strlen(want) || memcmp(val_str_data(enc), want, strlen(want)))
      fail_msg("row %zu: encoded '%s' want '%s'", i, val_str_data(enc), want);
    assert_false(enc.secret);
    val_release(enc);
    val_release(v);
  }
}

/* Nesting: within the limit fine, past it an error, never a crash. */
static void test_json_depth(void **state)
{
  static const struct {
    size_t depth;
    enum val_status st;
  } rows[] = { { 1, VAL_OK }, { VAL_MAX_DEPTH, VAL_OK }, { VAL_MAX_DEPTH + 2, VAL_ERR_DEPTH },
               { 5000, VAL_ERR_DEPTH }, { 200000, VAL_ERR_DEPTH } };
  size_t i, j;

  (void)state;
  for (i = 0; i < NROWS(rows); i++) {
    size_t n = rows[i].depth;
    char *text = malloc(2 * n);
    struct rbc_value v;
    struct val_err err;
    assert_non_null(text);
    for (j = 0; j < n; j++) {
      text[j] = '[';
      text[2 * n - 1 - j] = ']';
    }
    assert_int_equal(val_json_parse(text, 2 * n, false, &v, &err), rows[i].st);
    if (rows[i].st == VAL_ERR_DEPTH)
      assert_non_null(strstr(err.msg, "deeper"));
    val_release(v);
    free(text);
  }
}

static void test_json_secret_and_bridge(void **state)
{
  const char *text = "{\"user\":\"u\",\"pw\":\"p\",\"n\":[1,2.0],\"t\":null}";
  struct rbc_value v, enc, out, m;
  struct val_err err;
  json_t *j;
  char *dumped;
  bool tainted = false;

  (void)state;
  assert_int_equal(val_json_parse(text, strlen(text), true, &v, &err), VAL_OK);
  assert_true(v.secret);
  assert_true(val_map_get(v, "n", 1)->secret);                  /* deep marking */
  assert_true(val_list_at(*val_map_get(v, "n", 1), 0)->secret);
  assert_string_equal(show(v, 0), "***");
  assert_int_equal(val_json_encode(v, 0, &enc, &err), VAL_OK);
  assert_true(enc.secret);
  assert_string_equal(val_str_data(enc), text);
  val_release(enc);

  /* A parse error in a secret does not quote it. */
  assert_int_equal(val_json_parse("{\"pw\": hunter2}", 15, true, &out, &err), VAL_ERR_PARSE);
  assert_null(strstr(err.msg, "hunter2"));
  assert_int_equal(val_json_parse("{\"pw\": hunter2}", 15, false, &out, &err), VAL_ERR_PARSE);
  assert_non_null(strstr(err.msg, "line 1"));

  /* value -> json_t -> text, and json_t -> value. */
  assert_int_equal(val_to_json(v, &j, &tainted, &err), VAL_OK);
  assert_true(tainted);
  dumped = json_dumps(j, JSON_COMPACT);
  assert_string_equal(dumped, "{\"user\":\"u\",\"pw\":\"p\",\"n\":[1,2.0],\"t\":null}");
  free(dumped);
  assert_int_equal(val_from_json(j, false, &out, &err), VAL_OK);
  assert_false(out.secret);
  assert_int_equal(val_binop(VAL_OP_EQ, out, v, &m, &err), VAL_OK);
  assert_true(m.as.b);
  val_release(out);
  json_decref(j);
  assert_int_equal(val_from_json(NULL, false, &out, &err), VAL_ERR_TYPE);

  /* durations, times, invalid UTF-8, NUL, functions. */
  val_release(v);
  assert_int_equal(val_list_new(0, &v, &err), VAL_OK);
  assert_int_equal(val_list_push(&v, val_duration(5400000), &err), VAL_OK);
  assert_int_equal(val_list_push(&v, val_time(1767225600000), &err), VAL_OK);
  assert_int_equal(val_string_new("a\xff\0", 3, &m, &err), VAL_OK);
  assert_int_equal(val_list_push(&v, m, &err), VAL_OK);
  val_release(m);
  assert_int_equal(val_json_encode(v, 0, &enc, &err), VAL_OK);
  assert_string_equal(val_str_data(enc),
                      "[\"1h30m\",\"2026-01-01T00:00:00.000Z\",\"a\\ufffd\\u0000\"]");
  assert_false(enc.secret);
  val_release(enc);
  assert_int_equal(val_to_json(v, &j, NULL, &err), VAL_OK);
  dumped = json_dumps(j, JSON_COMPACT);
  assert_string_equal(dumped, "[\"1h30m\",\"2026-01-01T00:00:00.000Z\",\"a\xef\xbf\xbd\\u0000\"]");
  free(dumped);
  json_decref(j);
  assert_int_equal(val_list_push(&v, val_builtin(1), &err), VAL_OK);
  assert_int_equal(val_to_json(v, &j, NULL, &err), VAL_ERR_TYPE);
  assert_null(j);
  assert_int_equal(val_json_encode(v, 0, &enc, &err), VAL_ERR_TYPE);
  val_release(v);

  /* Pretty form. */
  text = "{\"a\":[1,2],\"b\":{},\"c\":[]}";
  assert_int_equal(val_json_parse(text, strlen(text), false, &v, &err), VAL_OK);
  assert_int_equal(val_json_encode(v, VAL_JSON_PRETTY, &enc, &err), VAL_OK);
  assert_string_equal(val_str_data(enc),
                      "{\n  \"a\": [\n    1,\n    2\n  ],\n  \"b\": {},\n  \"c\": []\n}");
  val_release(enc);
  val_release(v);
}

/* }==== */

/* {==== allocation failures ==== */

/* A mix of everything that allocates; every failure must surface as OOM. */
static enum val_status scenario(void)
{
  static const char json[] = "{\"a\":[1,2,{\"b\":\"c\"}],\"d\":\"e\",\"f\":[[],{}]}";
  struct rbc_value m = val_null(), l = val_null(), s = val_null(), t = val_null(),
                   u = val_null(), alias;
  struct val_err err;
  enum val_status st;
  char key[16];
  int i;

  st = val_map_new(&m, &err);
  for (i = 0; st == VAL_OK && i < 40; i++) {
    snprintf(key, sizeof key, "k%d", i);
    st = val_map_set(&m, key, strlen(key), val_int(i), &err);
  }
  for (i = 0; st == VAL_OK && i < 40; i += 3) {
    snprintf(key, sizeof key, "k%d", i);
    st = val_map_delete(&m, key, strlen(key), NULL, &err);
  }
  alias = val_retain(m);
  if (st == VAL_OK)
    st = val_map_set(&m, "new", 3, val_int(1), &err);   /* copy-on-write */
  val_release(alias);
  if (st == VAL_OK)
    st = val_list_new(0, &l, &err);
  for (i = 0; st == VAL_OK && i < 40; i++)
    st = val_list_push(&l, m, &err);
  if (st == VAL_OK)
    st = val_string_cstr("abc", &s, &err);
  if (st == VAL_OK)
    st = val_binop(VAL_OP_ADD, s, s, &t, &err);
  if (st == VAL_OK)
    st = val_to_string(l, VAL_FMT_RAW, &u, &err);
  val_release(u);
  if (st == VAL_OK)
    st = val_json_encode(m, VAL_JSON_PRETTY, &u, &err);
  val_release(u);
  if (st == VAL_OK)
    st = val_json_parse(json, sizeof json - 1, true, &u, &err);
  val_release(u);
  if (st == VAL_OK)
    st = val_from_param("a,b,c", 5, VAL_PARAM_LIST, false, &u, &err);
  val_release(u);
  if (st == VAL_OK)
    st = val_member(val_time(0), "iso", 3, &u, &err);
  val_release(u);
  if (st == VAL_OK)
    st = val_binop(VAL_OP_ADD, l, l, &u, &err);
  val_release(u);
  if (st == VAL_OK)
    st = val_fn_new(1, NULL, NULL, &u, &err);
  val_release(u);
  val_release(m);
  val_release(l);
  val_release(s);
  val_release(t);
  return st;
}

static void test_out_of_memory(void **state)
{
  long n;
  enum val_status st = VAL_ERR_OOM;
  int released = 0;
  struct rbc_value f;

  (void)state;
  for (n = 1; n < 100000 && st != VAL_OK; n++) {
    val_mem_fail_after(n);
    st = scenario();
    if (st != VAL_OK && st != VAL_ERR_OOM)
      fail_msg("allocation %ld failed with status %d", n, st);
  }
  val_mem_fail_after(0);
  assert_int_equal(st, VAL_OK);
  assert_true(n > 50);                      /* the scenario did allocate a lot */

  val_mem_fail_after(1);                    /* the env is released on failure too */
  assert_int_equal(val_fn_new(1, &released, env_count, &f, NULL), VAL_ERR_OOM);
  val_mem_fail_after(0);
  assert_int_equal(released, 1);
  assert_int_equal(f.type, VAL_NULL);
}

/* }==== */

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_binops),
    cmocka_unit_test(test_error_messages),
    cmocka_unit_test(test_taint_inside_containers),
    cmocka_unit_test(test_unops),
    cmocka_unit_test(test_truthy),
    cmocka_unit_test(test_format),
    cmocka_unit_test(test_functions),
    cmocka_unit_test(test_parse_duration),
    cmocka_unit_test(test_duration_round_trip),
    cmocka_unit_test(test_times),
    cmocka_unit_test(test_members),
    cmocka_unit_test(test_index),
    cmocka_unit_test(test_set_index_and_len),
    cmocka_unit_test(test_map_order_and_delete),
    cmocka_unit_test(test_large_map),
    cmocka_unit_test(test_lists_and_cow),
    cmocka_unit_test(test_deep_release),
    cmocka_unit_test(test_buf),
    cmocka_unit_test(test_params),
    cmocka_unit_test(test_param_coerce),
    cmocka_unit_test(test_json_table),
    cmocka_unit_test(test_json_depth),
    cmocka_unit_test(test_json_secret_and_bridge),
    cmocka_unit_test(test_out_of_memory),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
