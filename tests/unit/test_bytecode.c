/*
** test_bytecode.c: chunks, the file format and the verifier (vm/bytecode.c).
**
** Chunks are built by hand here, so these tests do not depend on the parser
** or the compiler: save/load round trips, the header messages, every single
** byte flipped and every truncation of a saved chunk, and the verifier's
** rejection of bad jumps, stack depths and operand indices.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "stdlib/builtins.h"
#include "vm/bytecode.h"

/* {==== helpers ==== */

static const struct chunk_line at1 = { 1, 1, 0, 1 };

/* Emit op with up to three operands into function fi of c. */
static long emit(struct chunk *c, uint32_t fi, enum rbc_op op, uint32_t a, uint32_t b,
                 uint32_t d)
{
  uint32_t o[3] = { a, b, d };

  return chunk_emit(&c->fns[fi], op, o, at1);
}

/*
** A small valid chunk using constants of every scalar kind, a global, a
** call with named arguments, a jump and a loop:
**   fn 0:  x = 1 + 2; if x { log(x) }; for i in [1.5, 5%] {}; return "s"
*/
static struct chunk *small_chunk(void)
{
  struct chunk *c = chunk_new("t.rb", NULL);
  uint32_t names[2], k1, k2, ks, kf, kp, kd, kn, g, top;
  long j, jend;

  assert_non_null(c);
  ks = (uint32_t)chunk_add_str(c, "s\0x", 3);           /* NUL inside */
  assert_int_equal(chunk_add_fn(c, ks, FK_RUNBOOK), 0);
  k1 = (uint32_t)chunk_add_int(c, 1);
  k2 = (uint32_t)chunk_add_int(c, 2);
  kf = (uint32_t)chunk_add_float(c, 1.5);
  kp = (uint32_t)chunk_add_percent(c, 0.05);
  kd = (uint32_t)chunk_add_duration(c, 90000);
  names[0] = 1;
  names[1] = (uint32_t)chunk_add_str(c, "level", 5);
  kn = (uint32_t)chunk_add_desc(c, CK_NAMES, names, 2);
  g = (uint32_t)chunk_add_global(c, (uint16_t)chunk_add_str(c, "x", 1), GK_LET, CHUNK_NONE);
  c->fns[0].nlocals = 1;
  emit(c, 0, OP_CONST, k1, 0, 0);
  emit(c, 0, OP_CONST, k2, 0, 0);
  emit(c, 0, OP_ADD, 0, 0, 0);
  emit(c, 0, OP_SET_GLOBAL, g, 0, 0);
  emit(c, 0, OP_GET_GLOBAL, g, 0, 0);
  j = emit(c, 0, OP_JUMP_IF_FALSE, 0, 0, 0);
  emit(c, 0, OP_GET_GLOBAL, g, 0, 0);
  emit(c, 0, OP_CONST, kd, 0, 0);
  emit(c, 0, OP_CALL_BUILTIN, STD_BI_log, 2, kn);
  emit(c, 0, OP_POP, 0, 0, 0);
  chunk_patch_jump(&c->fns[0], (uint32_t)j, c->fns[0].code_len);
  emit(c, 0, OP_CONST, kf, 0, 0);
  emit(c, 0, OP_CONST, kp, 0, 0);
  emit(c, 0, OP_LIST, 2, 0, 0);
  emit(c, 0, OP_FOR_PREP, 0, 0, 0);
  top = c->fns[0].code_len;
  jend = emit(c, 0, OP_FOR_NEXT, 0, 0, 0);
  emit(c, 0, OP_JUMP, top, 0, 0);
  chunk_patch_jump(&c->fns[0], (uint32_t)jend, c->fns[0].code_len);
  emit(c, 0, OP_POP, 0, 0, 0);
  emit(c, 0, OP_POP, 0, 0, 0);
  emit(c, 0, OP_CONST, ks, 0, 0);
  emit(c, 0, OP_RETURN, 0, 0, 0);
  c->fns[0].max_stack = 2;
  return c;
}

/* Save c into a new buffer. */
static uint8_t *save(const struct chunk *c, size_t *len)
{
  uint8_t *buf = NULL;

  assert_int_equal(chunk_save(c, &buf, len), 0);
  assert_non_null(buf);
  return buf;
}

/* Load must fail with a message that starts with `prefix`. */
static void expect_load_error(const uint8_t *buf, size_t len, const char *prefix)
{
  struct chunk *c = (struct chunk *)1;
  char err[256] = "";

  assert_int_equal(chunk_load(buf, len, &c, err, sizeof err), -1);
  assert_null(c);
  if (strncmp(err, prefix, strlen(prefix)) != 0)
    fail_msg("expected \"%s...\", got \"%s\"", prefix, err);
}

/* chunk_verify must fail with a message containing `needle`. */
static void expect_verify_error(const struct chunk *c, const char *needle)
{
  char err[256] = "";

  assert_int_equal(chunk_verify(c, err, sizeof err), -1);
  if (!strstr(err, needle))
    fail_msg("expected \"...%s...\", got \"%s\"", needle, err);
}

/* }==== */

/* {==== opcode table ==== */

static void test_opcode_table(void **state)
{
  uint8_t code[16];
  struct chunk_insn in;
  int op;

  (void)state;
  for (op = 0; op < OP__COUNT; op++) {
    unsigned len = chunk_op_length((enum rbc_op)op);
    const char *f;
    unsigned sum = 1;

    for (f = chunk_ops[op].fmt; *f; f++) {
      assert_true(chunk_opnd_size(*f) > 0);    /* every letter is an operand kind */
      sum += chunk_opnd_size(*f);
    }
    assert_int_equal(len, sum);
    assert_true(len <= sizeof code);
    memset(code, 0, sizeof code);
    code[0] = (uint8_t)op;
    assert_int_equal(chunk_decode(code, len, 0, &in), 0);
    assert_int_equal(in.len, len);
    if (len > 1)                                /* one byte short: truncated */
      assert_int_equal(chunk_decode(code, len - 1, 0, &in), -1);
    assert_true(((chunk_ops[op].flags & OPF_JUMP) != 0)
                == (strchr(chunk_ops[op].fmt, 'j') != NULL));
  }
  code[0] = OP__COUNT;
  assert_int_equal(chunk_decode(code, 1, 0, &in), -1);
}

static void test_variable_stack_effects(void **state)
{
  struct chunk_insn in = { .op = OP_MAP, .nopnd = 1, .opnd = { 3 } };

  (void)state;
  assert_int_equal(chunk_stack_in(&in), 6);
  in.op = OP_CALL;
  in.nopnd = 2;
  in.opnd[0] = 4;
  in.opnd[1] = CHUNK_NONE;
  assert_int_equal(chunk_stack_in(&in), 5);     /* the callee and 4 arguments */
  in.op = OP_CALL_AWS;
  in.nopnd = 4;
  in.opnd[2] = 2;
  assert_int_equal(chunk_stack_in(&in), 2);
  assert_int_equal(chunk_stack_out(&in), 1);
}

/* }==== */

/* {==== save and load ==== */

static void test_roundtrip(void **state)
{
  struct chunk *c = small_chunk(), *d = NULL;
  uint8_t *b1, *b2;
  size_t n1, n2;
  uint32_t i, max = 0;
  char err[256];

  (void)state;
  assert_int_equal(chunk_verify(c, err, sizeof err), 0);
  assert_int_equal(chunk_fn_max_stack(c, 0, &max, err, sizeof err), 0);
  assert_int_equal(max, 2);
  b1 = save(c, &n1);
  assert_memory_equal(b1, CHUNK_MAGIC, 4);
  assert_int_equal(chunk_load(b1, n1, &d, err, sizeof err), 0);
  assert_non_null(d);
  assert_string_equal(d->source, "t.rb");
  assert_string_equal(d->sha256, c->sha256);
  assert_int_equal(d->nconsts, c->nconsts);
  for (i = 0; i < c->nconsts; i++)
    assert_int_equal(d->consts[i].kind, c->consts[i].kind);
  assert_int_equal(d->consts[0].u.str.len, 3);
  assert_memory_equal(d->consts[0].u.str.bytes, "s\0x", 3);
  assert_int_equal(d->nfns, 1);
  assert_int_equal(d->fns[0].code_len, c->fns[0].code_len);
  assert_memory_equal(d->fns[0].code, c->fns[0].code, c->fns[0].code_len);
  assert_int_equal(d->fns[0].nlines, c->fns[0].nlines);
  assert_int_equal(d->nglobals, 1);
  assert_ptr_equal(chunk_fn_line(&d->fns[0], 0), &d->fns[0].lines[0]);
  assert_ptr_equal(chunk_fn_line(&d->fns[0], 6), &d->fns[0].lines[2]);  /* the ADD */
  assert_null(chunk_fn_line(&d->fns[0], 1));                           /* inside CONST */
  b2 = save(d, &n2);                             /* canonical: same bytes again */
  assert_int_equal(n1, n2);
  assert_memory_equal(b1, b2, n1);
  free(b1);
  free(b2);
  chunk_free(c);
  chunk_free(d);
}

static void test_constants_dedup(void **state)
{
  struct chunk *c = chunk_new("x", NULL);
  uint32_t w[2] = { 1, 0 };

  (void)state;
  assert_int_equal(chunk_add_str(c, "a", 1), 0);
  assert_int_equal(chunk_add_int(c, 7), 1);
  assert_int_equal(chunk_add_str(c, "a", 1), 0);
  assert_int_equal(chunk_add_duration(c, 7), 2);  /* same payload, other kind */
  assert_int_equal(chunk_add_int(c, 7), 1);
  assert_int_equal(chunk_add_desc(c, CK_NAMES, w, 2), 3);
  assert_int_equal(chunk_add_desc(c, CK_NAMES, w, 2), 3);
  assert_false(chunk_full(c));
  chunk_free(c);
}

static void test_header_messages(void **state)
{
  struct chunk *c = small_chunk();
  uint8_t *b;
  size_t n;
  char msg[80];

  (void)state;
  b = save(c, &n);
  expect_load_error((const uint8_t *)"", 0, "not an rbc bytecode file");
  expect_load_error((const uint8_t *)"runbook \"x\" {}", 14, "not an rbc bytecode file");
  b[4] = CHUNK_VERSION - 1;                     /* a file of the previous format */
  snprintf(msg, sizeof msg, "version mismatch: file has v%d, this rbc reads v%d",
           CHUNK_VERSION - 1, CHUNK_VERSION);
  expect_load_error(b, n, msg);
  b[4] = CHUNK_VERSION;
  b[8] = '\n';                                  /* "\r\n" became "\n": shifted bytes */
  memmove(b + 9, b + 10, n - 10);
  expect_load_error(b, n - 1, "text-mode conversion damaged the file");
  free(b);
  b = save(c, &n);
  b[13] = 4;
  expect_load_error(b, n, "corrupted chunk: instruction, int or float size mismatch");
  b[13] = 8;
  b[15] ^= 1;
  expect_load_error(b, n, "corrupted chunk: integer format mismatch");
  b[15] ^= 1;
  b[23] ^= 1;
  expect_load_error(b, n, "corrupted chunk: float format mismatch");
  b[23] ^= 1;
  expect_load_error(b, 20, "corrupted chunk: truncated header");
  free(b);
  chunk_free(c);
}

/* Every single-byte change loads with a message or loads as a valid chunk. */
static void test_flip_every_byte(void **state)
{
  static const uint8_t masks[] = { 0x01, 0x80, 0xff, 0x10 };
  struct chunk *c = small_chunk(), *d;
  uint8_t *b, *copy;
  size_t n, i, m, failures = 0;
  char err[256];

  (void)state;
  b = save(c, &n);
  copy = malloc(n);
  assert_non_null(copy);
  for (i = 0; i < n; i++) {
    for (m = 0; m < sizeof masks; m++) {
      memcpy(copy, b, n);
      copy[i] ^= masks[m];
      err[0] = '\0';
      d = NULL;
      if (chunk_load(copy, n, &d, err, sizeof err) != 0) {
        assert_null(d);
        assert_true(err[0] != '\0');
        failures++;
        continue;
      }
      assert_int_equal(chunk_verify(d, err, sizeof err), 0);
      chunk_free(d);
    }
  }
  assert_true(failures > n);                    /* most changes are caught */
  free(copy);
  free(b);
  chunk_free(c);
}

/* Every proper prefix of a saved chunk is rejected; the full one loads. */
static void test_truncate_every_length(void **state)
{
  struct chunk *c = small_chunk(), *d = NULL;
  uint8_t *b, *copy;
  size_t n, len;
  char err[256];

  (void)state;
  b = save(c, &n);
  for (len = 0; len < n; len++) {
    copy = malloc(len ? len : 1);               /* exact size: ASan sees overreads */
    assert_non_null(copy);
    memcpy(copy, b, len);
    assert_int_equal(chunk_load(copy, len, &d, err, sizeof err), -1);
    assert_null(d);
    free(copy);
  }
  assert_int_equal(chunk_load(b, n, &d, err, sizeof err), 0);
  chunk_free(d);
  b = realloc(b, n + 1);
  assert_non_null(b);
  b[n] = 0;
  expect_load_error(b, n + 1, "corrupted chunk: 1 trailing bytes");
  free(b);
  chunk_free(c);
}

/* }==== */

/* {==== the verifier ==== */

/* A chunk with one empty runbook function and constant 0 = int 1. */
static struct chunk *bare(void)
{
  struct chunk *c = chunk_new("v.rb", NULL);

  assert_int_equal(chunk_add_int(c, 1), 0);
  assert_int_equal(chunk_add_str(c, "<runbook>", 9), 1);
  assert_int_equal(chunk_add_fn(c, 1, FK_RUNBOOK), 0);
  c->fns[0].max_stack = 8;
  return c;
}

static void test_verify_jumps(void **state)
{
  struct chunk *c = bare();

  (void)state;
  emit(c, 0, OP_JUMP, 2, 0, 0);                 /* into its own operand */
  emit(c, 0, OP_NULL, 0, 0, 0);
  emit(c, 0, OP_RETURN, 0, 0, 0);
  expect_verify_error(c, "operand 1 (2) out of range");
  chunk_patch_jump(&c->fns[0], 0, 500);         /* past the end */
  expect_verify_error(c, "operand 1 (500) out of range");
  chunk_patch_jump(&c->fns[0], 0, 5);
  assert_int_equal(chunk_verify(c, NULL, 0), 0);
  chunk_free(c);

  c = bare();                                   /* falls off the end */
  emit(c, 0, OP_NULL, 0, 0, 0);
  emit(c, 0, OP_POP, 0, 0, 0);
  expect_verify_error(c, "runs past the end");
  chunk_free(c);
}

static void test_verify_stack(void **state)
{
  struct chunk *c = bare();
  long j;

  (void)state;
  emit(c, 0, OP_CONST, 0, 0, 0);
  emit(c, 0, OP_ADD, 0, 0, 0);                  /* needs two */
  emit(c, 0, OP_RETURN, 0, 0, 0);
  expect_verify_error(c, "stack underflow");
  chunk_free(c);

  c = bare();                                   /* depth 1 or 2 at the merge */
  emit(c, 0, OP_TRUE, 0, 0, 0);
  emit(c, 0, OP_TRUE, 0, 0, 0);
  j = emit(c, 0, OP_JUMP_IF_FALSE, 0, 0, 0);
  emit(c, 0, OP_NULL, 0, 0, 0);
  chunk_patch_jump(&c->fns[0], (uint32_t)j, c->fns[0].code_len);
  emit(c, 0, OP_RETURN, 0, 0, 0);
  expect_verify_error(c, "inconsistent stack");
  chunk_free(c);

  c = bare();
  emit(c, 0, OP_NULL, 0, 0, 0);
  emit(c, 0, OP_NULL, 0, 0, 0);
  emit(c, 0, OP_LIST, 2, 0, 0);
  emit(c, 0, OP_RETURN, 0, 0, 0);
  c->fns[0].max_stack = 1;
  expect_verify_error(c, "exceeds the declared 1");
  c->fns[0].max_stack = 2;
  assert_int_equal(chunk_verify(c, NULL, 0), 0);
  chunk_free(c);

  c = bare();                                   /* FOR_NEXT needs its iterator state */
  c->fns[0].nlocals = 1;
  emit(c, 0, OP_NULL, 0, 0, 0);
  emit(c, 0, OP_FOR_NEXT, 0, 1, 0);
  emit(c, 0, OP_RETURN, 0, 0, 0);
  expect_verify_error(c, "stack underflow (FOR_NEXT needs 2, depth 1)");
  chunk_free(c);

  c = bare();                                   /* handler popped that was never pushed */
  emit(c, 0, OP_RETRY_END, 0, 0, 0);
  emit(c, 0, OP_NULL, 0, 0, 0);
  emit(c, 0, OP_RETURN, 0, 0, 0);
  expect_verify_error(c, "without an open handler");
  chunk_free(c);
}

static void test_verify_operands(void **state)
{
  struct chunk *c = bare();

  (void)state;
  emit(c, 0, OP_CONST, 99, 0, 0);
  emit(c, 0, OP_RETURN, 0, 0, 0);
  expect_verify_error(c, "CONST operand 1 (99) out of range");
  c->fns[0].code[1] = 1;                        /* a string: fine for CONST */
  assert_int_equal(chunk_verify(c, NULL, 0), 0);
  chunk_free(c);

  c = bare();
  emit(c, 0, OP_GET_LOCAL, 0, 0, 0);            /* no locals declared */
  emit(c, 0, OP_RETURN, 0, 0, 0);
  expect_verify_error(c, "GET_LOCAL operand 1 (0) out of range");
  c->fns[0].nlocals = 1;
  assert_int_equal(chunk_verify(c, NULL, 0), 0);
  chunk_free(c);

  c = bare();
  emit(c, 0, OP_CALL_BUILTIN, STD_BI__COUNT, 0, CHUNK_NONE);
  emit(c, 0, OP_RETURN, 0, 0, 0);
  expect_verify_error(c, "CALL_BUILTIN operand 1");
  chunk_free(c);

  c = bare();                                   /* params cannot be assigned */
  assert_int_equal(chunk_add_global(c, 1, GK_FN, 0), 0);
  emit(c, 0, OP_NULL, 0, 0, 0);
  emit(c, 0, OP_SET_GLOBAL, 0, 0, 0);
  emit(c, 0, OP_NULL, 0, 0, 0);
  emit(c, 0, OP_RETURN, 0, 0, 0);
  expect_verify_error(c, "assignment to fn global 0");
  chunk_free(c);

  c = bare();                                   /* CALL_FN calls a `fn` only */
  emit(c, 0, OP_CALL_FN, 0, 0, CHUNK_NONE);
  emit(c, 0, OP_RETURN, 0, 0, 0);
  expect_verify_error(c, "CALL_FN operand 1 (0) out of range");
  assert_int_equal(chunk_add_fn(c, 1, FK_FN), 1);
  c->fns[1].max_stack = 1;
  emit(c, 1, OP_NULL, 0, 0, 0);
  emit(c, 1, OP_RETURN, 0, 0, 0);
  c->fns[0].code[1] = 1;
  assert_int_equal(chunk_verify(c, NULL, 0), 0);
  chunk_free(c);

  c = bare();                                   /* fused ops: local and constant operands */
  emit(c, 0, OP_ADD_LK, 0, 0, 0);
  emit(c, 0, OP_RETURN, 0, 0, 0);
  expect_verify_error(c, "ADD_LK operand 1 (0) out of range");
  c->fns[0].nlocals = 1;
  assert_int_equal(chunk_verify(c, NULL, 0), 0);
  c->fns[0].code[3] = 7;                        /* no constant 7 */
  expect_verify_error(c, "ADD_LK operand 2 (7) out of range");
  chunk_free(c);

  c = bare();
  c->fns[0].code_len = 0;
  expect_verify_error(c, "empty code");
  chunk_free(c);
}

static void test_verify_descriptors(void **state)
{
  struct chunk *c = bare();
  uint32_t w[3] = { 2, 1, 1 };                  /* NAMES of 2 with 1 entry */

  (void)state;
  emit(c, 0, OP_NULL, 0, 0, 0);
  emit(c, 0, OP_RETURN, 0, 0, 0);
  assert_true(chunk_add_desc(c, CK_NAMES, w, 2) >= 0);
  expect_verify_error(c, "names descriptor has 2 words for 2 entries");
  chunk_free(c);

  c = bare();
  emit(c, 0, OP_NULL, 0, 0, 0);
  emit(c, 0, OP_RETURN, 0, 0, 0);
  w[0] = 1;
  w[1] = 0;                                     /* int where a string is needed */
  assert_true(chunk_add_desc(c, CK_NAMES, w, 2) >= 0);
  expect_verify_error(c, "word 1 out of range");
  chunk_free(c);
}

/* }==== */

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_opcode_table),
    cmocka_unit_test(test_variable_stack_effects),
    cmocka_unit_test(test_roundtrip),
    cmocka_unit_test(test_constants_dedup),
    cmocka_unit_test(test_header_messages),
    cmocka_unit_test(test_flip_every_byte),
    cmocka_unit_test(test_truncate_every_length),
    cmocka_unit_test(test_verify_jumps),
    cmocka_unit_test(test_verify_stack),
    cmocka_unit_test(test_verify_operands),
    cmocka_unit_test(test_verify_descriptors),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
