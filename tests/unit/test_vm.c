/*
** test_vm.c: the virtual machine's paths that a compiled runbook cannot
** reach (vm/vm.c, vm/vm_ops.c).
**
** The behaviour of runbooks is tested by tests/run/ (`rbc run` on text
** files).  Here chunks are built by hand, as only a hand-made file can
** be: a handler record popped by the wrong instruction (RB9001, exit 70),
** recursion with no step around it, a run interrupted before its first
** instruction, and a troubleshoot block run on its own.  Events go to a
** temporary file as jsonl and are checked as text.
*/
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "stdlib/builtins.h"
#include "vm/bytecode.h"
#include "vm/clock.h"
#include "vm/events.h"
#include "vm/params.h"
#include "vm/vm.h"

/* {==== helpers ==== */

static const struct chunk_line at1 = { 1, 1, 0, 1 };

/* Emit op with up to three operands into function fi of c; returns its pc. */
static uint32_t emit(struct chunk *c, uint32_t fi, enum rbc_op op, uint32_t a, uint32_t b,
                     uint32_t d)
{
  uint32_t o[3] = { a, b, d };
  long pc = chunk_emit(&c->fns[fi], op, o, at1);

  assert_true(pc >= 0);
  return (uint32_t)pc;
}

/* A string constant. */
static uint32_t kstr(struct chunk *c, const char *s)
{
  int k = chunk_add_str(c, s, (uint32_t)strlen(s));

  assert_true(k >= 0);
  return (uint32_t)k;
}

/* A runbook chunk with function 0 and one phase holding one step "s". */
struct fixture {
  struct chunk *c;
  uint32_t phase, step;         /* PHASE and STEP constants */
};

static void runbook(struct fixture *f)
{
  uint32_t w[8];

  f->c = chunk_new("t.rb", NULL);
  assert_non_null(f->c);
  f->c->runbook = (uint16_t)kstr(f->c, "t");
  assert_int_equal(chunk_add_fn(f->c, (uint16_t)kstr(f->c, "<runbook t>"), FK_RUNBOOK), 0);
  w[PHASE_NAME] = kstr(f->c, "p");
  w[PHASE_NUMBER] = 1;
  w[PHASE_NSTEPS] = 1;
  w[PHASE_WITHIN] = CHUNK_NONE32;
  f->phase = (uint32_t)chunk_add_desc(f->c, CK_PHASE, w, 4);
  w[STEP_NAME] = kstr(f->c, "s");
  w[STEP_PHASE] = 1;
  w[STEP_NUMBER] = 1;
  w[STEP_ONFAIL] = ONF_ABORT_DEFAULT;
  w[STEP_TROUBLESHOOT] = CHUNK_NONE32;
  w[STEP_WHEN] = w[STEP_TIMEOUT] = w[STEP_RETRY] = CHUNK_NONE32;
  f->step = (uint32_t)chunk_add_desc(f->c, CK_STEP, w, 8);
}

/*
** Run c on a virtual clock with the interrupt flag `intr` (signal `sig`);
** the jsonl events go into out (malloc'd, caller frees).  Returns the exit
** status.
*/
static int run(const struct chunk *c, int intr, int sig, const char *troubleshoot, char **out)
{
  static volatile sig_atomic_t flag, signo;
  struct rbc_clock *clk = clock_new_virtual(CLOCK_VIRTUAL_DEFAULT_EPOCH_MS);
  struct ev_sink *ev = clk ? ev_sink_new(clk) : NULL;
  struct vm_params params = { NULL, 0 };
  struct vm_run_options o;
  FILE *tmp = tmpfile();
  long len;
  int rc;

  assert_non_null(ev);
  assert_non_null(tmp);
  assert_int_equal(ev_sink_add(ev, ev_out_jsonl(fileno(tmp), 0)), 0);
  flag = (sig_atomic_t)intr;
  signo = (sig_atomic_t)sig;
  memset(&o, 0, sizeof o);
  o.params = &params;
  o.clock = clk;
  o.run_id = "20260101T000000Z-t-0000";
  o.troubleshoot = troubleshoot;
  o.interrupt = &flag;
  o.signal = &signo;
  rc = vm_run(c, &o, ev);
  ev_sink_free(ev);
  clock_free(clk);
  len = lseek(fileno(tmp), 0, SEEK_END);
  assert_true(len >= 0);
  *out = calloc(1, (size_t)len + 1);
  assert_non_null(*out);
  assert_int_equal(pread(fileno(tmp), *out, (size_t)len, 0), len);
  fclose(tmp);
  return rc;
}

/* The events must contain `needle`. */
static void expect_text(const char *events, const char *needle)
{
  if (!strstr(events, needle))
    fail_msg("expected \"%s\" in:\n%s", needle, events);
}

/* }==== */

/* {==== tests ==== */

/* RETRY_END popping a step record (only a hand-made chunk does it): RB9001, exit 70. */
static void test_wrong_record(void **state)
{
  struct fixture f;
  uint32_t j;
  char *ev;

  (void)state;
  runbook(&f);
  emit(f.c, 0, OP_NULL, 0, 0, 0);
  emit(f.c, 0, OP_PHASE_BEGIN, f.phase, 0, 0);
  j = emit(f.c, 0, OP_STEP_BEGIN, f.step, 0, 0);
  emit(f.c, 0, OP_RETRY_END, 0, 0, 0);
  emit(f.c, 0, OP_STEP_END, f.step, 0, 0);
  chunk_patch_jump(&f.c->fns[0], j, f.c->fns[0].code_len);
  emit(f.c, 0, OP_PHASE_END, f.phase, 0, 0);
  emit(f.c, 0, OP_NULL, 0, 0, 0);
  emit(f.c, 0, OP_RETURN, 0, 0, 0);
  f.c->fns[0].max_stack = 1;
  assert_int_equal(run(f.c, 0, 0, NULL, &ev), 70);
  expect_text(ev, "\"code\":\"RB9001\"");
  expect_text(ev, "RETRY_END without its own handler record");
  expect_text(ev, "\"status\":\"error\"");
  free(ev);
  chunk_free(f.c);
}

/* Unbounded recursion outside any step: a runtime error, never a C stack overflow. */
static void test_recursion_outside_step(void **state)
{
  struct fixture f;
  uint32_t g;
  char *ev;

  (void)state;
  runbook(&f);
  assert_int_equal(chunk_add_fn(f.c, (uint16_t)kstr(f.c, "down"), FK_FN), 1);
  g = (uint32_t)chunk_add_global(f.c, (uint16_t)kstr(f.c, "down"), GK_FN, 1);
  emit(f.c, 1, OP_GET_GLOBAL, g, 0, 0);
  emit(f.c, 1, OP_CALL, 0, CHUNK_NONE, 0);
  emit(f.c, 1, OP_RETURN, 0, 0, 0);
  f.c->fns[1].max_stack = 1;
  emit(f.c, 0, OP_GET_GLOBAL, g, 0, 0);
  emit(f.c, 0, OP_CALL, 0, CHUNK_NONE, 0);
  emit(f.c, 0, OP_RETURN, 0, 0, 0);
  f.c->fns[0].max_stack = 1;
  assert_int_equal(run(f.c, 0, 0, NULL, &ev), 1);
  expect_text(ev, "recursion too deep: more than 200 nested calls");
  expect_text(ev, "\"status\":\"failed\"");
  expect_text(ev, "\"not_run\":1");                   /* the step never started */
  free(ev);
  chunk_free(f.c);
}

/* A SIGTERM that arrived before the run: it stops at the first safe point, exit 143. */
static void test_interrupted(void **state)
{
  struct fixture f;
  uint32_t j;
  char *ev;

  (void)state;
  runbook(&f);
  emit(f.c, 0, OP_NULL, 0, 0, 0);
  emit(f.c, 0, OP_PHASE_BEGIN, f.phase, 0, 0);
  j = emit(f.c, 0, OP_STEP_BEGIN, f.step, 0, 0);
  emit(f.c, 0, OP_STEP_END, f.step, 0, 0);
  chunk_patch_jump(&f.c->fns[0], j, f.c->fns[0].code_len);
  emit(f.c, 0, OP_PHASE_END, f.phase, 0, 0);
  emit(f.c, 0, OP_NULL, 0, 0, 0);
  emit(f.c, 0, OP_RETURN, 0, 0, 0);
  f.c->fns[0].max_stack = 1;
  assert_int_equal(run(f.c, 1, SIGTERM, NULL, &ev), 143);
  expect_text(ev, "interrupted by SIGTERM");
  expect_text(ev, "\"status\":\"interrupted\"");
  free(ev);
  chunk_free(f.c);
}

/* --troubleshoot NAME runs that block alone as a one-step run. */
static void test_troubleshoot_only(void **state)
{
  struct fixture f;
  uint32_t w[2], k;
  char *ev;

  (void)state;
  runbook(&f);
  assert_int_equal(chunk_add_fn(f.c, (uint16_t)kstr(f.c, "<troubleshoot fix>"),
                                FK_TROUBLESHOOT), 1);
  w[TS_NAME] = kstr(f.c, "fix");
  w[TS_FN] = 1;
  assert_true(chunk_add_desc(f.c, CK_TROUBLESHOOT, w, 2) >= 0);
  k = kstr(f.c, "fixing it");
  emit(f.c, 1, OP_CONST, k, 0, 0);
  emit(f.c, 1, OP_CALL_BUILTIN, STD_BI_log, 1, CHUNK_NONE);
  emit(f.c, 1, OP_RETURN, 0, 0, 0);
  f.c->fns[1].max_stack = 1;
  emit(f.c, 0, OP_NULL, 0, 0, 0);
  emit(f.c, 0, OP_RETURN, 0, 0, 0);
  f.c->fns[0].max_stack = 1;
  assert_int_equal(run(f.c, 0, 0, "fix", &ev), 0);
  expect_text(ev, "fixing it");
  expect_text(ev, "\"name\":\"fix\"");
  expect_text(ev, "\"status\":\"passed\"");
  free(ev);
  chunk_free(f.c);
}

/* }==== */

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_wrong_record),
    cmocka_unit_test(test_recursion_outside_step),
    cmocka_unit_test(test_interrupted),
    cmocka_unit_test(test_troubleshoot_only),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
