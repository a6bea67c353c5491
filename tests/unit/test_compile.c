/*
** test_compile.c: the compiler's output (vm/compile.c) through its listing
** (vm/disasm.c): golden listings of small snippets, constant folding by
** instruction count, reproducible bytes, and compile errors as diagnostics.
*/
#define _POSIX_C_SOURCE 200809L     /* open_memstream */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "lexer/diag.h"
#include "lexer/source.h"
#include "parser/arena.h"
#include "parser/parse.h"
#include "vm/bytecode.h"
#include "vm/compile.h"
#include "vm/disasm.h"

/* {==== helpers ==== */

/* Parse and compile text; returns the chunk or NULL, diagnostics in *diags. */
static struct chunk *compile_text(const char *text, struct diag_list *diags)
{
  struct source *src = src_new("t.rb", text, strlen(text));
  struct arena *a = arena_new();
  struct parse_result pr;
  struct chunk *c = NULL;

  assert_non_null(src);
  assert_non_null(a);
  diag_init(diags);
  assert_int_equal(parse_source(a, src, diags, &pr), 0);
  if (diag_has_errors(diags))
    fail_msg("syntax error in test snippet: %s", diags->items[0].message);
  if (comp_compile(src, pr.file, diags, &c) != 0)
    c = NULL;
  arena_free(a);
  src_free(src);
  return c;
}

/* Compile text that must compile; the diagnostics list is freed. */
static struct chunk *compile_ok(const char *text)
{
  struct diag_list diags;
  struct chunk *c = compile_text(text, &diags);

  if (!c)
    fail_msg("compile failed: %s", diags.len ? diags.items[0].message : "?");
  diag_free(&diags);
  return c;
}

/* The listing of function fi (its header line and instructions) as a string. */
static char *listing_of(const struct chunk *c, uint32_t fi)
{
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  struct chunk_insn in;
  uint32_t pc;

  assert_non_null(f);
  for (pc = 0; pc < c->fns[fi].code_len; pc += in.len) {
    assert_int_equal(chunk_decode(c->fns[fi].code, c->fns[fi].code_len, pc, &in), 0);
    dis_insn(f, c, fi, pc, 1);
  }
  fclose(f);
  return buf;
}

/* Number of instructions with opcode op in function fi. */
static int count_op(const struct chunk *c, uint32_t fi, enum rbc_op op)
{
  struct chunk_insn in;
  uint32_t pc;
  int n = 0;

  for (pc = 0; pc < c->fns[fi].code_len; pc += in.len) {
    assert_int_equal(chunk_decode(c->fns[fi].code, c->fns[fi].code_len, pc, &in), 0);
    n += in.op == op;
  }
  return n;
}

/* Number of instructions in function fi. */
static uint32_t count_insns(const struct chunk *c, uint32_t fi)
{
  return c->fns[fi].nlines;
}

/* Compile text, expecting failure with diagnostic `code` whose message has needle. */
static void expect_error(const char *text, enum diag_code code, const char *needle)
{
  struct diag_list diags;
  struct chunk *c = compile_text(text, &diags);
  size_t i;

  assert_null(c);
  for (i = 0; i < diags.len; i++)
    if (diags.items[i].code == code && strstr(diags.items[i].message, needle))
      break;
  if (i == diags.len)
    fail_msg("no %s \"...%s...\" among %zu diagnostics (first: %s)",
             diag_info(code)->code, needle, diags.len,
             diags.len ? diags.items[0].message : "-");
  diag_free(&diags);
}

/* }==== */

/* {==== golden listings ==== */

static void test_golden_fn(void **state)
{
  struct chunk *c = compile_ok("fn add1(x) {\n"
                               "  let y = x + 1\n"
                               "  return \"n=${y}\"\n"
                               "}\n");
  char *got;

  (void)state;
  assert_int_equal(c->nfns, 2);
  got = listing_of(c, 1);
  assert_string_equal(got,
    "0000  2:11    ADD_LK            l0, k4       ; param x  1\n"
    "0005  2:3     SET_LOCAL         l1\n"
    "0008  3:11    CONST             k5           ; \"n=\"\n"
    "000b  3:15    GET_LOCAL         l1\n"
    "000e  3:10    INTERP            2\n"
    "0011  3:3     RETURN\n");
  free(got);
  assert_int_equal(c->fns[1].arity, 1);
  assert_int_equal(c->fns[1].nlocals, 2);
  assert_int_equal(c->fns[1].max_stack, 2);
  chunk_free(c);
}

static void test_golden_step(void **state)
{
  struct chunk *c = compile_ok("runbook \"r\" {\n"
                               "  param p = 1\n"
                               "  phase \"P\" {\n"
                               "    step \"S\" when p > 0 timeout 5s {\n"
                               "      let v = p ?? 2\n"
                               "      assert v == 1, \"bad\"\n"
                               "    }\n"
                               "  }\n"
                               "}\n");
  char *got;

  (void)state;
  got = listing_of(c, 0);
  assert_string_equal(got,
    "0000  3:3     NULL\n"
    "0001  3:3     PHASE_BEGIN       k8           ; \"P\"\n"
    "0004  4:5     STEP_BEGIN        k12, @0041   ; \"S\"\n"
    "000b  4:19    GET_GLOBAL        g0           ; param p\n"
    "000e  4:23    CONST             k13          ; 0\n"
    "0011  4:19    GT\n"
    "0012  4:19    STEP_WHEN         @003e\n"
    "0017  4:33    CONST             k14          ; 5s\n"
    "001a  4:33    STEP_TIMEOUT\n"
    "001b  5:15    GET_GLOBAL        g0           ; param p\n"
    "001e  5:15    DUP\n"
    "001f  5:15    JUMP_IF_NOT_NULL  @0028\n"
    "0024  5:15    POP\n"
    "0025  5:20    CONST             k15          ; 2\n"
    "0028  5:7     SET_GLOBAL        g1           ; let v\n"
    "002b  6:14    GET_GLOBAL        g1           ; let v\n"
    "002e  6:19    CONST             k6           ; 1\n"
    "0031  6:7     ASSERT_CMP        k17, @003e   ; \"v == 1\"\n"
    "0038  6:22    CONST             k18          ; \"bad\"\n"
    "003b  6:7     ASSERT_FAIL       k17          ; \"v == 1\"\n"
    "003e  4:5     STEP_END          k12          ; \"S\"\n"
    "0041  3:3     PHASE_END         k8           ; \"P\"\n"
    "0044  1:1     NULL\n"
    "0045  1:1     RETURN\n");
  free(got);
  chunk_free(c);
}

/* }==== */

/* {==== folding, reproducibility, round trip ==== */

static void test_constant_folding(void **state)
{
  struct chunk *c = compile_ok("fn f() {\n"
                               "  return 2 * 3 + 1 - -(4 - 10) % 4\n"
                               "}\n"
                               "fn g() {\n"
                               "  return [5m + 30s, \"a\" + \"b\", 1.5 * 2, not true, 2 * 1s]\n"
                               "}\n"
                               "fn h(x) {\n"
                               "  return x * (1 + 1)\n"
                               "}\n");

  (void)state;
  assert_int_equal(count_insns(c, 1), 2);       /* CONST 5; RETURN */
  assert_int_equal(c->consts[c->fns[1].code[1]].kind, CK_INT);
  assert_int_equal(c->consts[c->fns[1].code[1]].u.i, 5);
  assert_int_equal(count_insns(c, 2), 7);       /* 4 CONST, FALSE, LIST, RETURN */
  assert_int_equal(count_op(c, 2, OP_ADD) + count_op(c, 2, OP_MUL) + count_op(c, 2, OP_NOT), 0);
  assert_int_equal(count_op(c, 3, OP_MUL), 1);  /* x * 2: only the literal part folds */
  assert_int_equal(count_op(c, 3, OP_ADD), 0);
  chunk_free(c);
}

static void test_no_unsafe_folding(void **state)
{
  struct chunk *c = compile_ok("fn f() {\n"
                               "  return [9223372036854775807 + 1, 1 % 0, 1 / 0, 1 + \"a\"]\n"
                               "}\n");

  (void)state;
  assert_int_equal(count_op(c, 1, OP_ADD), 2);  /* overflow and a type error stay */
  assert_int_equal(count_op(c, 1, OP_MOD), 1);
  assert_int_equal(count_op(c, 1, OP_DIV), 1);
  chunk_free(c);
}

static const char *const runbook_text =
  "runbook \"demo\" {\n"
  "  title \"Demo\"\n"
  "  criticality high\n"
  "  contact \"IC\" { name \"A\" phone \"1\" }\n"
  "  resource logs \"s3://x\"\n"
  "  param host = env(\"HOST\", \"localhost\")\n"
  "  secret token = env(\"TOKEN\")\n"
  "  fn ok(code) { return code == 200 }\n"
  "  trigger manual \"Owner decides\"\n"
  "  phase \"One\" within 2m {\n"
  "    step \"A\" retry 3 every 1s on failure troubleshoot \"Fix\" {\n"
  "      sh(\"echo ${host}\", env: {TOKEN: token})\n"
  "      for i in [1, 2] { log i }\n"
  "      parallel 2 { log 1\n log 2 }\n"
  "      parallel for u in [\"/a\"] { assert http 2xx \"http://${host}${u}\" }\n"
  "      wait until ok(200) every 1s timeout 5s\n"
  "      let x = {a: [1]}\n"
  "      x.a[0] = 2\n"
  "    }\n"
  "  }\n"
  "  checklist \"C\" { item \"done\" verify ok(200) }\n"
  "  troubleshoot \"Fix\" { log \"fixing\" }\n"
  "  monitor \"M\" value 1 normal < 1% alert 2% .. 3%\n"
  "}\n";

static void test_reproducible_and_roundtrip(void **state)
{
  struct chunk *a = compile_ok(runbook_text), *b = compile_ok(runbook_text), *d = NULL;
  uint8_t *ba, *bb, *bd;
  size_t na, nb, nd;
  char err[256];

  (void)state;
  assert_int_equal(chunk_save(a, &ba, &na), 0);
  assert_int_equal(chunk_save(b, &bb, &nb), 0);
  assert_int_equal(na, nb);
  assert_memory_equal(ba, bb, na);
  assert_int_equal(chunk_load(ba, na, &d, err, sizeof err), 0);
  assert_int_equal(chunk_save(d, &bd, &nd), 0);
  assert_int_equal(na, nd);
  assert_memory_equal(ba, bd, na);
  assert_int_equal(a->nfns, 10);  /* runbook, ok, Fix, 2 defaults, verify, 4 for the monitor */
  free(ba);
  free(bb);
  free(bd);
  chunk_free(a);
  chunk_free(b);
  chunk_free(d);
}

static void test_runbook_shapes(void **state)
{
  struct chunk *c = compile_ok(runbook_text);

  (void)state;
  assert_int_equal(count_op(c, 0, OP_STEP_BEGIN), 1);
  assert_int_equal(count_op(c, 0, OP_RETRY_BEGIN), 1);
  assert_int_equal(count_op(c, 0, OP_SH_QUOTE), 1);     /* ${host} in sh() is quoted */
  assert_int_equal(count_op(c, 0, OP_PAR_SPAWN), 2);
  assert_int_equal(count_op(c, 0, OP_PAR_EACH), 1);
  assert_int_equal(count_op(c, 0, OP_PAR_END), 3);
  assert_int_equal(count_op(c, 0, OP_PAR_JOIN), 2);
  assert_int_equal(count_op(c, 0, OP_ASSERT_HTTP), 1);
  assert_int_equal(count_op(c, 0, OP_WAIT_UNTIL), 1);
  assert_int_equal(count_op(c, 0, OP_SET_INDEX), 1);
  assert_int_equal(count_op(c, 0, OP_SET_MEMBER), 1);
  assert_int_equal(c->nglobals, 5);              /* logs, host, token, ok, x */
  chunk_free(c);
}

/* }==== */

/* {==== errors ==== */

static void test_compile_errors(void **state)
{
  (void)state;
  expect_error("runbook \"r\" {\n param p = 1\n phase \"P\" { step \"S\" { p = 2 } }\n}\n",
               DIAG_RB2011, "cannot assign to param `p`");
  expect_error("fn f() { return nope }\n", DIAG_RB2001, "undefined name `nope`");
  expect_error("runbook \"r\" {\n phase \"P\" { step \"S\" { return 1 } }\n}\n",
               DIAG_RB2015, "`return` outside a fn");
  expect_error("runbook \"r\" {\n phase \"P\" { step \"S\" on failure troubleshoot \"X\" {"
               " log 1 } }\n}\n", DIAG_RB2007, "no troubleshoot block named \"X\"");
}

static void test_too_many_constants(void **state)
{
  size_t cap = 1200000, len = 0;
  char *text = malloc(cap);
  struct diag_list diags;
  int i;

  (void)state;
  assert_non_null(text);
  len += (size_t)snprintf(text + len, cap - len, "fn f() {\n");
  for (i = 0; i < 70000; i++)
    len += (size_t)snprintf(text + len, cap - len, "%s%d%s", i % 1000 ? ", " : "  let a = [",
                            i, i % 1000 == 999 ? "]\n" : "");
  snprintf(text + len, cap - len, "}\n");
  assert_null(compile_text(text, &diags));
  assert_true(diags.len > 0);
  assert_int_equal(diags.items[0].code, DIAG_RB6002);
  assert_non_null(strstr(diags.items[0].message, "more than 65535 constants"));
  diag_free(&diags);
  free(text);
}

/* Write text to dir/name. */
static void write_file(const char *dir, const char *name, const char *text)
{
  char path[512];
  FILE *f;

  snprintf(path, sizeof path, "%s/%s", dir, name);
  f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
}

/* import: library fns compiled in, with their own file for the line table. */
static void test_imports(void **state)
{
  char dir[] = "/tmp/rbc-test-compile-XXXXXX", path[512];
  const char *main_text = "import \"util.rb\"\n"
                          "runbook \"r\" {\n  phase \"P\" { step \"S\" { log twice(1) } }\n}\n";
  struct source *src;
  struct arena *a = arena_new();
  struct parse_result pr;
  struct diag_list diags;
  struct chunk *c = NULL;
  int slot;

  (void)state;
  assert_non_null(mkdtemp(dir));
  write_file(dir, "util.rb", "fn twice(x) {\n  return x * 2\n}\n");
  snprintf(path, sizeof path, "%s/main.rb", dir);
  src = src_new(path, main_text, strlen(main_text));
  diag_init(&diags);
  assert_int_equal(parse_source(a, src, &diags, &pr), 0);
  assert_int_equal(comp_compile_opts(src, pr.file, NULL, &diags, &c), 0);
  assert_int_equal(c->nglobals, 1);
  slot = c->globals[0].ref;
  assert_int_equal(c->globals[0].kind, GK_FN);
  assert_int_not_equal(c->fns[slot].file, CHUNK_NONE);
  assert_non_null(strstr(c->consts[c->fns[slot].file].u.str.bytes, "util.rb"));
  assert_int_equal(c->fns[slot].lines[0].line, 2);     /* a line of util.rb */
  assert_int_equal(count_op(c, (uint32_t)slot, OP_MUL), 1);
  chunk_free(c);
  diag_free(&diags);
  snprintf(path, sizeof path, "%s/util.rb", dir);
  unlink(path);
  rmdir(dir);
  expect_error(main_text, DIAG_RB2017, "library \"util.rb\" not found");
  src_free(src);
  arena_free(a);
}

/* }==== */

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_golden_fn),
    cmocka_unit_test(test_golden_step),
    cmocka_unit_test(test_constant_folding),
    cmocka_unit_test(test_no_unsafe_folding),
    cmocka_unit_test(test_reproducible_and_roundtrip),
    cmocka_unit_test(test_runbook_shapes),
    cmocka_unit_test(test_compile_errors),
    cmocka_unit_test(test_too_many_constants),
    cmocka_unit_test(test_imports),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
