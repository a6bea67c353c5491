/*
** vm.c: the rbc virtual machine: vm_run (vm/vm.h) and the interpreter loop.
**
** The loop, vm_exec, is the one long function of the VM (style.md 3).  It
** dispatches through the vmcase / vmbreak macros: a `switch`, and with GCC
** or clang a jump table of label addresses (see "Dispatch"); above each
** case a SQLite-style block names the opcode and its synopsis (the same
** words as vm/opcodes.def and docs/bytecode.md 8).  With RBC_DEBUG
** (configure --enable-debug) every instruction's operands are checked
** against the chunk before it runs.
**
** Runtime errors are return values: an instruction that fails records the
** error in vm->err (vm_raise) and jumps to the single on_error label, which
** hands it to vm_unwind: the innermost retry retries, a parallel group
** notes it and runs its next branch, a step applies its on-failure, and
** with no handler left the execution stops.  No longjmp, and no C recursion
** per rbc call: CALL pushes a frame and the loop carries on in it.
**
** Parallel.  The branches of `parallel { }` and `parallel for` run as
** fibers on the one thread (vm/fiber.c, stdlib/loop.c): PAR_JOIN gives each
** branch a VM of its own (operand stack, frames, handler records, error;
** the chunk, globals, clock and host shared) starting at the branch's entry
** pc with a copy of the locals the frame had at PAR_JOIN (so a branch never
** sees another's local assignments; globals are shared), and a C stack of
** its own.  A built-in that waits (sh, http, a retry or wait sleep) waits in
** the run's loop, and the other branches run meanwhile; on the virtual clock
** a group whose branches all sleep advances the clock to the earliest
** wake-up.  `parallel N` keeps at most N branches alive at once.  A failing
** branch does not stop the others; at the join the first failure in branch
** order is raised, naming its branch and how many failed (a failure that
** stops runs, e.g. an interrupt or the step's timeout, is raised as it is).
** Each branch's events are kept and reach the outputs in branch order
** (branch i once branches 0..i-1 have ended), stamped with the time they
** happened, so the output never depends on timing.  PAR_END in a branch's
** VM ends the branch.  Without a loop (unit tests) the branches run one
** after the other on the frame, with the same semantics (vm_par_next).
**
** `on failure continue`: the step is reported failed and the run goes on;
** such a tolerated failure does not fail the run (exit 0).  `on failure
** troubleshoot NAME`: the failure is reported, the block runs, then the
** step runs once more: it ends `recovered` when that pass succeeds, and
** fails the run otherwise.
*/
#define _POSIX_C_SOURCE 200809L

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "stdlib/aws/call.h"
#include "stdlib/http.h"
#include "stdlib/shell.h"
#include "vm/vm_int.h"

/* {==== operand decoding ==== */

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
/* Operands are little-endian: on such a host one unaligned load reads one. */
static inline uint32_t u16_at(const uint8_t *p)
{
  uint16_t v;

  memcpy(&v, p, sizeof v);
  return v;
}

static inline uint32_t u32_at(const uint8_t *p)
{
  uint32_t v;

  memcpy(&v, p, sizeof v);
  return v;
}
#define U16(p) u16_at(p)
#define U32(p) u32_at(p)
#else
#define U16(p) ((uint32_t)(p)[0] | (uint32_t)(p)[1] << 8)
#define U32(p) (U16(p) | U16((p) + 2) << 16)
#endif

/* Operand bytes of the instruction at pc: opnd(0) is the first byte after the opcode. */
#define OPND16(off) U16(code + pc + 1 + (off))
#define OPND32(off) U32(code + pc + 1 + (off))
#define OPND8(off) ((uint32_t)code[pc + 1 + (off)])

/* }==== */

/* {==== debug checks ==== */

#ifdef RBC_DEBUG
/*
** Before each dispatch: the instruction decodes, its operands are in the
** ranges of their kinds, the stack holds what it pops and the frame's stack
** stays within max_stack (plus the depth of an enclosing branch's parent).
*/
static void check_insn(const struct vm *vm, const struct vm_frame *fr, uint32_t pc)
{
  struct chunk_insn in;
  int need;

  assert(chunk_decode(fr->fn->code, fr->fn->code_len, pc, &in) == 0);
  for (int i = 0; i < in.nopnd; i++) {
    switch (chunk_ops[in.op].fmt[i]) {
    case 'k': case 's': case 'P': case 'S': case 'A': case 'H':
      assert(in.opnd[i] < vm->c->nconsts);
      break;
    case 'g':
      assert(in.opnd[i] < vm->c->nglobals);
      break;
    case 'l':
      assert(in.opnd[i] < fr->fn->nlocals);
      break;
    case 'b':
      assert(in.opnd[i] < STD_BI__COUNT);
      break;
    case 'f':
      assert(in.opnd[i] < vm->c->nfns && vm->c->fns[in.opnd[i]].kind == FK_FN);
      break;
    case 'j':
      assert(in.opnd[i] < fr->fn->code_len);
      break;
    default:
      break;
    }
  }
  need = chunk_stack_in(&in);
  assert(vm->sp >= fr->base + (uint32_t)need);
  assert(vm->sp - (uint32_t)need + (uint32_t)chunk_stack_out(&in) <= vm->stack_cap);
}
#define CHECK_INSN() check_insn(vm, fr, pc)
#else
#define CHECK_INSN() ((void)0)
#endif

/* }==== */

/* {==== small helpers of the loop ==== */

/*
** Counting references costs a call into value.c; scalars have nothing to
** count, so the loop asks first (the mask lists the types with a heap
** payload).  Same effect as val_retain / val_release, which are no-ops on
** scalars.
*/
#define IS_HEAP(v) ((VM_HEAP_TYPES >> (v).type) & 1u)

/*
** val_retain without the call for a scalar.  always_inline: GCC would
** otherwise keep one out-of-line copy for the whole loop (vm_exec has
** optimize attributes of its own, which block inlining by heuristics).
*/
static inline __attribute__((always_inline)) struct rbc_value retain(struct rbc_value v)
{
  return IS_HEAP(v) ? val_retain(v) : v;
}

/* val_release without the call for a scalar (always inlined, as retain). */
static inline __attribute__((always_inline)) void release(struct rbc_value v)
{
  if (IS_HEAP(v))
    val_release(v);
}

/* val_truthy, inline: null and false are false. */
static inline bool truthy(struct rbc_value v)
{
  return v.type == VAL_BOOL ? v.as.b : v.type != VAL_NULL;
}

/*
** Does vm_safepoint have nothing to do?  True when no interrupt is
** pending, no step timeout was ever set in this run, no phase budget is
** running and the outputs are fine: then vm_safepoint would return 0
** without touching anything, and the loop skips the call (loops and calls
** pass a safe point on every iteration).
*/
static inline bool quiet(const struct vm *vm)
{
  return !(vm->opts->interrupt && *vm->opts->interrupt) && !vm->deadlines
    && (!vm->phase.open || vm->phase.budget_ms < 0 || vm->phase.overrun)
    && !ev_failed(vm->ev);
}

/* vm_safepoint, skipped when quiet (before instructions with effects). */
static inline int safepoint(struct vm *vm)
{
  return quiet(vm) ? 0 : vm_safepoint(vm);
}

/*
** The safe point of a backward jump, a counting loop's step or a fn call:
** pure computation, no effect on the world.  Every 256th time it does what
** safepoint() does: the interrupt flag, the step deadline and the phase
** budget (clock reads), the outputs (a call into events.c).  256 computing
** steps take microseconds, so an interrupt is still seen at once for a
** person, and the common case costs one increment.  On the virtual clock
** time only moves in sleeps, so nothing changes; on the real clock a
** timeout or an overrun in a computing loop is seen some microseconds
** later.  A failed write
** (which only an effect's event can cause) stops the run (exit 74) at most
** 255 computing steps later, with nothing run in between that could be
** seen: every instruction with an effect (built-in calls, steps, phases,
** gates) passes the full safepoint().
*/
static inline int loop_safepoint(struct vm *vm)
{
  if ((++vm->ticks & 255u) != 0)
    return 0;
  return safepoint(vm);
}

/* val_binop operator of an operator opcode. */
static enum val_binop binop_of(uint8_t op)
{
  switch (op) {
  case OP_ADD: return VAL_OP_ADD;
  case OP_SUB: return VAL_OP_SUB;
  case OP_MUL: return VAL_OP_MUL;
  case OP_DIV: return VAL_OP_DIV;
  case OP_MOD: return VAL_OP_MOD;
  case OP_EQ:  return VAL_OP_EQ;
  case OP_NE:  return VAL_OP_NE;
  case OP_LT:  return VAL_OP_LT;
  case OP_LE:  return VAL_OP_LE;
  case OP_GT:  return VAL_OP_GT;
  case OP_GE:  return VAL_OP_GE;
  default:     return VAL_OP_IN;
  }
}

/* val_binop operator of a descriptor's relational op (chunk_cmp). */
static enum val_binop binop_of_cmp(uint32_t cmp)
{
  static const enum val_binop ops[CMP__COUNT] = {
    VAL_OP_EQ, VAL_OP_NE, VAL_OP_LT, VAL_OP_LE, VAL_OP_GT, VAL_OP_GE, VAL_OP_IN
  };

  return cmp < CMP__COUNT ? ops[cmp] : VAL_OP_EQ;
}

/* The scalar constant k as a value (strings are made once and kept). */
static int const_value(struct vm *vm, uint32_t k, struct rbc_value *out)
{
  const struct chunk_const *kc = &vm->c->consts[k];
  struct val_err e;
  enum val_status st;

  switch (kc->kind) {
  case CK_INT:      *out = val_int(kc->u.i); return 0;
  case CK_DURATION: *out = val_duration(kc->u.i); return 0;
  case CK_FLOAT:
  case CK_PERCENT:  *out = val_float(kc->u.f); return 0;
  case CK_STR:
    if (vm->kvals[k].type != VAL_STRING) {
      st = val_string_new(kc->u.str.bytes, kc->u.str.len, &vm->kvals[k], &e);
      if (st != VAL_OK)
        return vm_raise_val(vm, st, &e);
    }
    *out = val_retain(vm->kvals[k]);
    return 0;
  default:
    return vm_raise(vm, DIAG_RB9001, VM_ERR_INTERNAL, "constant %u is not a scalar", k);
  }
}

/* The bytes of string constant k ("" when it is not one). */
static const char *kstr(const struct vm *vm, uint32_t k)
{
  const struct chunk_const *s = chunk_str(vm->c, k);

  return s ? s->u.str.bytes : "";
}

/* Descriptor words of constant k. */
static const uint32_t *kdesc(const struct vm *vm, uint32_t k)
{
  return vm->c->consts[k].u.desc.w;
}

/* INTERP: the string forms of the top n values, concatenated; secret if any part is. */
static int interp(struct vm *vm, uint32_t n, struct rbc_value *out)
{
  struct val_buf b;
  struct val_err e;
  enum val_status st = VAL_OK;

  val_buf_init(&b);
  for (uint32_t i = vm->sp - n; i < vm->sp && st == VAL_OK; i++)
    st = val_buf_append_value(&b, vm->stack[i], VAL_FMT_RAW);
  if (st == VAL_OK)
    st = val_buf_finish(&b, out, &e);
  val_buf_free(&b);
  vm_popn(vm, n);
  if (st != VAL_OK) {
    e.msg[0] = '\0';
    return vm_raise_val(vm, st, &e);
  }
  return 0;
}

/* SH_QUOTE: v's string form quoted for /bin/sh; a secret is refused (RB3001). */
static int sh_quote_value(struct vm *vm, struct rbc_value v, struct rbc_value *out)
{
  struct val_buf b;
  struct sh_buf q;
  struct val_err e;
  enum sh_status qs;
  enum val_status st;

  val_buf_init(&b);
  st = val_buf_append_value(&b, v, VAL_FMT_RAW);
  if (st == VAL_OK && (b.secret || v.secret)) {
    val_buf_free(&b);
    return vm_raise(vm, DIAG_RB3001, VM_ERR_NORMAL,
                    "a secret reaches a shell command line: pass it through env: instead");
  }
  memset(&q, 0, sizeof q);
  qs = st == VAL_OK ? sh_quote(&q, b.data ? b.data : "", b.len) : SH_ERR_NOMEM;
  val_buf_free(&b);
  if (qs == SH_ERR_INVALID)
    return vm_raise(vm, DIAG_RB5011, VM_ERR_NORMAL,
                    "a value with a NUL byte cannot be a shell argument");
  st = qs == SH_OK ? val_string_new(q.data ? q.data : "", q.len, out, &e) : VAL_ERR_OOM;
  sh_buf_free(&q);
  return st == VAL_OK ? 0 : vm_raise_val(vm, st, &e);
}

/* One item of a LIST (k) or one pair of a MAP (k, v) into *out. */
static enum val_status build_one(struct rbc_value *out, bool map, struct rbc_value k,
                                 struct rbc_value v, struct val_err *e)
{
  if (!map)
    return val_list_push(out, k, e);
  if (k.type != VAL_STRING || k.secret) {
    snprintf(e->msg, sizeof e->msg, "a map key must be a plain string, not a %s", val_kind(k));
    return VAL_ERR_TYPE;
  }
  return val_map_set(out, val_str_data(k), val_str_len(k), v, e);
}

/* LIST n / MAP n: the top values as a container. */
static int build(struct vm *vm, bool map, uint32_t n, struct rbc_value *out)
{
  struct val_err e;
  enum val_status st = map ? val_map_new(out, &e) : val_list_new(n, out, &e);
  uint32_t first = vm->sp - (map ? 2 * n : n);

  for (uint32_t i = first; i < vm->sp && st == VAL_OK; i += map ? 2 : 1)
    st = build_one(out, map, vm->stack[i], map ? vm->stack[i + 1] : val_null(), &e);
  vm_popn(vm, vm->sp - first);
  if (st != VAL_OK) {
    val_release(*out);
    *out = val_null();
    return vm_raise_val(vm, st, &e);
  }
  return 0;
}

/*
** The ms of a duration operand: -1 for null when null_ok, -2 (error
** raised, naming `what`) for anything but a duration >= 0.
*/
static int64_t duration_ms(struct vm *vm, struct rbc_value v, const char *what, bool null_ok)
{
  if (null_ok && v.type == VAL_NULL)
    return -1;
  if (v.type == VAL_DURATION && v.as.i >= 0)
    return v.as.i;
  vm_raise(vm, DIAG_RB5011, VM_ERR_NORMAL, "%s must be a duration of 0s or more (got %s)", what,
           val_kind(v));
  return -2;
}

/* The retry clause's values n every backoff max into r.  0, or -1 (error raised). */
static int retry_args(struct vm *vm, const struct rbc_value *a, struct vm_retry_rec *r)
{
  if (a[0].type != VAL_INT || a[0].as.i < 1)
    return vm_raise(vm, DIAG_RB5011, VM_ERR_NORMAL, "a retry count must be an int >= 1");
  r->attempts = a[0].as.i;
  r->every_ms = duration_ms(vm, a[1], "retry `every`", false);
  if (r->every_ms < 0)
    return -1;
  r->max_ms = duration_ms(vm, a[3], "retry `max`", true);
  if (r->max_ms < -1)
    return -1;
  r->backoff = a[2].type == VAL_INT ? (double)a[2].as.i
             : a[2].type == VAL_FLOAT ? a[2].as.f : a[2].type == VAL_NULL ? 1.0 : -1.0;
  if (r->backoff <= 0)
    return vm_raise(vm, DIAG_RB5011, VM_ERR_NORMAL, "retry `backoff` must be a number > 0");
  return 0;
}

/* RETRY_BEGIN: check n every backoff max and push the record. */
static int retry_begin(struct vm *vm, uint32_t resume_pc)
{
  struct vm_retry_rec r;
  struct vm_handler *h;
  int rc;

  memset(&r, 0, sizeof r);
  rc = retry_args(vm, &vm->stack[vm->sp - 4], &r);
  vm_popn(vm, 4);
  if (rc != 0)
    return -1;
  r.attempt = 1;
  r.resume_pc = resume_pc;
  h = vm_push_handler(vm, VM_H_RETRY);
  if (!h)
    return -1;
  h->u.retry = r;
  return 0;
}

/* WAIT_BEGIN: check every and timeout and push the record. */
static int wait_begin(struct vm *vm, uint32_t text)
{
  int64_t every = duration_ms(vm, vm->stack[vm->sp - 2], "wait `every`", false);
  int64_t timeout = -2;
  struct vm_handler *h;

  if (every >= 0)
    timeout = duration_ms(vm, vm->stack[vm->sp - 1], "wait `timeout`", true);
  vm_popn(vm, 2);
  if (timeout < -1)
    return -1;
  if (every == 0)
    return vm_raise(vm, DIAG_RB5011, VM_ERR_NORMAL, "wait `every` must be more than 0s");
  h = vm_push_handler(vm, VM_H_WAIT);
  if (!h)
    return -1;
  h->u.wait.every_ms = every;
  h->u.wait.timeout_ms = timeout;
  h->u.wait.t0 = clock_monotonic_ms(vm->clock);
  h->u.wait.text = text;
  return 0;
}

/* WAIT_UNTIL with a false condition: poll event, timeout or sleep.  0 or -1. */
static int wait_again(struct vm *vm, struct vm_handler *h)
{
  struct vm_wait_rec *w = &h->u.wait;
  struct ev_wait ev;
  char d[VAL_FMT_BUF];

  ev.poll = ++w->poll;
  ev.elapsed_ms = clock_monotonic_ms(vm->clock) - w->t0;
  ev.timeout_ms = w->timeout_ms;
  ev.until = kstr(vm, w->text);
  ev_wait_poll(vm->ev, &ev);
  if (w->timeout_ms >= 0 && ev.elapsed_ms + w->every_ms > w->timeout_ms)
    return vm_raise(vm, DIAG_RB5003, VM_ERR_NORMAL, "wait timed out after %s: until %s",
                    val_format_duration(w->timeout_ms, d), kstr(vm, w->text));
  return vm_sleep(vm, w->every_ms);
}

/* Keep the operands of a failed assertion with a message for ASSERT_FAIL. */
static void keep(struct vm *vm, uint32_t n)
{
  for (uint32_t i = 0; i < vm->nkept; i++)
    val_release(vm->kept[i]);
  vm->nkept = n;
  for (uint32_t i = 0; i < n; i++)
    vm->kept[i] = vm->stack[vm->sp - n + i];
  vm->sp -= n;
}

/*
** ASSERT_HTTP with descriptor K[a]: the top four values are status, url,
** options, checks; http_assert_run performs and checks; a failure becomes
** the pending error (RB5001, a network code, RB5009 when interrupted).
*/
static int assert_http(struct vm *vm, uint32_t a)
{
  const uint32_t *w = kdesc(vm, a);
  struct rbc_value *top = &vm->stack[vm->sp - 4];
  struct http_assert ha = { kstr(vm, w[HTTP_METHOD]), kstr(vm, w[HTTP_TEXT]), w[HTTP_CLASS] != 0,
                            top[0], top[1], top[2], top[3], w + HTTP_CHECKS, w[HTTP_N] };
  struct http_failure f;
  int rc = http_assert_run(&vm->host, &ha, &f);

  vm_popn(vm, 4);
  if (rc == 0)
    return 0;
  vm_raise(vm, f.code, f.code == DIAG_RB5009 ? VM_ERR_INTERRUPT : VM_ERR_NORMAL, "%s", f.msg);
  vm->err.has_actual = f.has_actual;
  vm->err.actual = f.actual;
  vm->err.has_expected = f.has_expected;
  vm->err.expected = f.expected;
  return -1;
}

/*
** An assertion failed: RB5001 naming the expression's text, with the kept
** operands (or the top n values) as actual and expected, and the message.
*/
static int assert_failed(struct vm *vm, uint32_t a, const char *msg)
{
  const uint32_t *w = kdesc(vm, a);

  if (msg)
    vm_raise(vm, DIAG_RB5001, VM_ERR_NORMAL, "assertion failed: %s: %s", kstr(vm, w[AS_TEXT]),
             msg);
  else
    vm_raise(vm, DIAG_RB5001, VM_ERR_NORMAL, "assertion failed: %s", kstr(vm, w[AS_TEXT]));
  if (vm->nkept >= 1) {
    vm->err.has_actual = true;
    vm->err.actual = vm->kept[0];
  }
  if (vm->nkept == 2) {
    vm->err.has_expected = true;
    vm->err.expected = vm->kept[1];
  }
  vm->nkept = 0;
  return -1;
}

/* FOR_NEXT / FOR_NEXT2 on a list or map: the next item into the locals, or done. */
static int for_next(struct vm *vm, struct rbc_value *locals, uint32_t l1, uint32_t l2,
                    bool *done)
{
  struct rbc_value it = vm->stack[vm->sp - 2], *ip = &vm->stack[vm->sp - 1], key;
  size_t pos = (size_t)ip->as.i;
  const char *k;
  size_t klen;
  const struct rbc_value *v;
  struct val_err e;
  enum val_status st;

  if (ip->type != VAL_INT || (it.type != VAL_LIST && it.type != VAL_MAP && it.type != VAL_NULL))
    return vm_raise(vm, DIAG_RB9001, VM_ERR_INTERNAL, "FOR_NEXT on a malformed loop state");
  *done = it.type == VAL_NULL
       || (it.type == VAL_LIST && pos >= val_list_len(it))
       || (it.type == VAL_MAP && !val_map_next(it, &pos, &k, &klen, &v));
  if (*done)
    return 0;
  if (it.type == VAL_LIST) {
    v = val_list_at(it, pos++);
    key = val_int((int64_t)pos - 1);
  } else {
    st = val_string_new(k, klen, &key, &e);
    if (st != VAL_OK)
      return vm_raise_val(vm, st, &e);
    key = val_tainted(key, it.secret);
  }
  ip->as.i = (int64_t)pos;
  if (l2 == CHUNK_NONE32 && it.type == VAL_LIST) {
    val_release(locals[l1]);
    locals[l1] = val_tainted(val_retain(*v), it.secret);
    return 0;
  }
  val_release(locals[l1]);
  locals[l1] = key;
  if (l2 != CHUNK_NONE32) {
    val_release(locals[l2]);
    locals[l2] = val_tainted(val_retain(*v), it.secret);
  }
  return 0;
}

/* PAR_JOIN: run the group's branches (as fibers with the run's loop; see the top). */
static enum vm_unwind par_join(struct vm *vm, struct vm_handler *h, uint32_t join_pc)
{
  struct vm_par_rec *p = &h->u.par;
  struct vm_frame *fr = &vm->frames[h->frame];

  p->running = true;
  p->join_pc = join_pc;
  p->total = p->nspawn + (uint32_t)(p->has_each ? val_list_len(p->each) : 0);
  if (vm->host.loop)
    return vm_par_run(vm, h);
  p->saved = fr->locals;
  fr->locals = vm_locals_new(vm, fr->fn->nlocals);
  if (!fr->locals) {
    fr->locals = p->saved;
    p->saved = NULL;
    vm_raise(vm, DIAG_RB9001, VM_ERR_INTERNAL, "out of memory");
    return VM_STOP;
  }
  p->next = (uint32_t)-1;               /* vm_par_next starts branch 0 */
  return vm_par_next(vm, h);
}

/* Add a PAR_SPAWN branch entry to the group h. */
static int par_spawn(struct vm *vm, struct vm_handler *h, uint32_t entry)
{
  struct vm_par_rec *p = &h->u.par;

  if (p->nspawn == p->spawn_cap) {
    uint32_t cap = p->spawn_cap ? p->spawn_cap * 2 : 8;
    uint32_t *n = realloc(p->spawn_pcs, cap * sizeof *n);

    if (!n)
      return vm_raise(vm, DIAG_RB9001, VM_ERR_INTERNAL, "out of memory");
    p->spawn_pcs = n;
    p->spawn_cap = cap;
  }
  p->spawn_pcs[p->nspawn++] = entry;
  return 0;
}

/* The top handler record when it has kind k in the top frame, else NULL (RB9001 raised). */
static struct vm_handler *own_record(struct vm *vm, enum vm_hkind k, const char *op)
{
  struct vm_handler *h = vm->nh ? &vm->h[vm->nh - 1] : NULL;

  if (h && h->kind == k && h->frame == vm->nframes - 1)
    return h;
  vm_raise(vm, DIAG_RB9001, VM_ERR_INTERNAL, "%s without its own handler record", op);
  return NULL;
}

/*
** STEP_BEGIN: the step starts (event, record).  0; 1 when the step
** completed before a resume (reported as skipped: go to B); -1 on error.
*/
static int step_begin(struct vm *vm, uint32_t s, uint32_t restart, uint32_t after)
{
  const struct vm_resume *rs = vm->opts->resume;
  struct ev_step st;
  struct vm_handler *h;

  vm_check_budget(vm);
  if (vm_safepoint(vm) != 0)
    return -1;
  vm->step_started[s] = true;
  ev_step_from_chunk(vm->c, s, chunk_fn_line(vm->frames[vm->nframes - 1].fn, vm->ipc), &st);
  ev_step_start(vm->ev, &st);
  if (rs && rs->done && rs->done(rs->ctx, st.phase, st.name)) {
    ev_step_end(vm->ev, EV_SKIP, EV_DONE_BEFORE_RESUME);
    return ev_failed(vm->ev) ? vm_raise(vm, DIAG_RB9001, VM_ERR_IO,
                                        "cannot write the run's output") : 1;
  }
  if (vm->gdirty && vm->parent == NULL)
    memset(vm->gdirty, 0, vm->c->nglobals * sizeof *vm->gdirty);
  vm->step_open = true;
  h = vm_push_handler(vm, VM_H_STEP);
  if (!h)
    return -1;
  h->u.step.desc = s;
  h->u.step.restart_pc = restart;
  h->u.step.after_pc = after;
  h->u.step.deadline = INT64_MAX;
  h->u.step.state = VM_STEP_RUNNING;
  return 0;
}

/* Is v, or anything inside it, secret? */
static bool deep_secret(struct rbc_value v, int depth)
{
  const struct rbc_value *item;
  const char *key;
  size_t klen, pos = 0;

  if (v.secret || depth > VAL_MAX_DEPTH)
    return true;
  if (v.type == VAL_LIST) {
    for (size_t i = 0; i < val_list_len(v); i++)
      if (deep_secret(*val_list_at(v, i), depth + 1))
        return true;
  } else if (v.type == VAL_MAP) {
    while (val_map_next(v, &pos, &key, &klen, &item))
      if (deep_secret(*item, depth + 1))
        return true;
  }
  return false;
}

/*
** step_end with the runbook-level bindings the step changed (gdirty), for
** the journal; a binding with a secret inside is journaled as secret.
*/
static void step_end_event(struct vm *vm, enum ev_step_status status, const char *detail)
{
  struct ev_binding *b = NULL;
  size_t n = 0;

  for (uint32_t g = 0; vm->gdirty && g < vm->c->nglobals; g++) {
    if (!vm->gdirty[g] || !vm->gset[g] || vm->c->globals[g].kind != GK_LET)
      continue;
    if (!b)
      b = calloc(vm->c->nglobals, sizeof *b);
    if (!b)
      break;                    /* out of memory: journaled without bindings */
    b[n].name = kstr(vm, vm->c->globals[g].name);
    b[n].value = vm->globals[g];
    if (deep_secret(b[n].value, 0))
      b[n].value.secret = true;
    n++;
  }
  ev_step_end_bindings(vm->ev, status, detail, b, n);
  free(b);
  if (vm->gdirty)
    memset(vm->gdirty, 0, vm->c->nglobals * sizeof *vm->gdirty);
}

/* STEP_END: pass, skip or recovered; the step's deadline is checked once more. */
static int step_end(struct vm *vm)
{
  struct vm_handler *h = own_record(vm, VM_H_STEP, "STEP_END");
  const uint32_t *w;
  enum ev_step_status status = EV_PASS;

  if (!h)
    return -1;
  w = kdesc(vm, h->u.step.desc);
  if (h->u.step.state == VM_STEP_SKIPPED) {
    status = EV_SKIP;
  } else {
    if (vm_safepoint(vm) != 0)
      return -1;
    if (h->u.step.state == VM_STEP_RERUN)
      status = EV_RECOVERED;
  }
  step_end_event(vm, status, status == EV_SKIP && w[STEP_WHEN] != CHUNK_NONE32
                 ? kstr(vm, w[STEP_WHEN]) : NULL);
  vm->step_open = false;
  vm_pop_handler(vm);
  vm_check_budget(vm);
  return ev_failed(vm->ev) ? vm_raise(vm, DIAG_RB9001, VM_ERR_IO,
                                      "cannot write the run's output") : 0;
}

/* A troubleshoot block called by on-failure returned: run the step again. */
static void troubleshoot_done(struct vm *vm)
{
  struct vm_handler *h = vm_step_handler(vm);
  struct ev_action a;

  memset(&a, 0, sizeof a);
  a.kind = "troubleshoot";
  a.call = kstr(vm, kdesc(vm, kdesc(vm, h->u.step.desc)[STEP_TROUBLESHOOT])[TS_NAME]);
  a.status = "ok";
  ev_action(vm->ev, &a);
  h->u.step.state = VM_STEP_RERUN;
  vm_popn(vm, vm->sp - h->sp);
  vm->frames[h->frame].pc = h->u.step.restart_pc;
}

/* PHASE_BEGIN: the phase starts with its budget (a duration or null). */
static int phase_begin(struct vm *vm, uint32_t p, struct rbc_value budget)
{
  struct ev_phase ph;
  int64_t ms = duration_ms(vm, budget, "a phase budget (`within`)", true);

  if (ms < -1)
    return -1;
  ev_phase_from_chunk(vm->c, p, ms, &ph);
  ev_phase_start(vm->ev, &ph);
  vm->phase.open = true;
  vm->phase.desc = p;
  vm->phase.budget_ms = ms;
  vm->phase.t0 = clock_monotonic_ms(vm->clock);
  vm->phase.overrun = false;
  return vm_safepoint(vm);
}

/*
** `x[i] = v` and `x.k = v` compile to GET x; ...; SET_INDEX (or SET_MEMBER);
** SET_LOCAL x (or SET_GLOBAL x).  While SET_INDEX runs, the container is
** held twice (by x and by the stack), so the copy-on-write rule would copy
** it on every assignment: filling a list or map would be quadratic.  When
** the next instruction stores into the very slot the container came from,
** that slot's reference is handed over to the stack for the update
** (*slot becomes null and is returned): a container nobody else holds is
** then updated in place.  The caller stores the result back with the next
** instruction, or puts the reference back with give_back on an error, so
** the slot never stays null.  NULL when the pattern does not apply.
*/
static struct rbc_value *take_owner(struct vm *vm, struct vm_frame *fr, const uint8_t *code,
                                    uint32_t next, struct rbc_value o)
{
  struct rbc_value *slot;

  if (o.type != VAL_LIST && o.type != VAL_MAP)
    return NULL;
  if (code[next] == OP_SET_LOCAL)
    slot = &fr->locals[U16(code + next + 1)];
  else if (code[next] == OP_SET_GLOBAL)
    slot = &vm->globals[U16(code + next + 1)];
  else
    return NULL;
  if (slot->type != o.type || slot->as.l != o.as.l)
    return NULL;
  val_release(*slot);                   /* the stack's reference stays */
  *slot = val_null();
  return slot;
}

/* After a failed update: the slot take_owner emptied gets the container back. */
static void give_back(struct rbc_value *slot, struct rbc_value o)
{
  if (slot)
    *slot = val_retain(o);
}

/*
** The common call, inline: a fn called with exactly its arity, no named
** arguments, a recycled locals array of its size class at hand and room on
** the stack.  The top argc values move into the new frame's locals (the
** frame's pc is 0, its result goes to the caller's stack).  false: not
** that case, nothing done (vm_push_frame does the general call).  The
** locals array has the layout of vm_locals_new (a struct vm_lbuf header in
** the slot before it).
*/
static inline bool push_frame_fast(struct vm *vm, const struct chunk_fn *f, uint32_t fi,
                                   uint32_t argc)
{
  uint32_t n = f->nlocals, cls = n <= 1 ? 0 : 32u - (uint32_t)__builtin_clz(n - 1);
  uint32_t first = vm->sp - argc;
  struct vm_lbuf *b;
  struct rbc_value *l;
  struct vm_frame *nf;

  if (argc != f->arity || vm->nframes >= VM_MAX_FRAMES || cls >= VM_LCLASSES
      || !vm->lfree[cls] || (uint64_t)first + f->max_stack + 1 > vm->stack_cap)
    return false;
  b = vm->lfree[cls];
  vm->lfree[cls] = b->next;
  l = (struct rbc_value *)(void *)b + 1;
  for (uint32_t i = 0; i < argc; i++)
    vm_vcopy(&l[i], &vm->stack[first + i]);
  for (uint32_t i = argc; i < n; i++)
    l[i] = val_null();
  vm->sp = first;
  nf = &vm->frames[vm->nframes++];
  nf->fn = f;
  nf->fn_index = fi;
  nf->pc = 0;
  nf->locals = l;
  nf->base = first;
  nf->ret = VM_RET_VALUE;
  return true;
}

/*
** RETURN of a frame called for its value, inline: when no handler record
** belongs to the frame, its operands and locals are released here and the
** locals array recycled (as vm_pop_frame does).  false: a record is open,
** nothing done (vm_pop_frame unwinds it).
*/
static inline bool pop_frame_fast(struct vm *vm)
{
  struct vm_frame *fr = &vm->frames[vm->nframes - 1];
  struct rbc_value *l = fr->locals;
  struct vm_lbuf *b = (struct vm_lbuf *)(void *)(l - 1);
  uint32_t n = fr->fn->nlocals;

  if (vm->nh > 0 && vm->h[vm->nh - 1].frame == vm->nframes - 1)
    return false;
  while (vm->sp > fr->base)
    vm_release(vm->stack[--vm->sp]);
  for (uint32_t i = 0; i < n; i++)
    vm_release(l[i]);
  if (b->cls < VM_LCLASSES) {
    b->next = vm->lfree[b->cls];
    vm->lfree[b->cls] = b;
  } else {
    free(b);
  }
  fr->locals = NULL;
  vm->nframes--;
  return true;
}

/* }==== */

/* {==== the interpreter loop ==== */

/*
** Dispatch.  With GCC or clang (and not under RBC_DEBUG, whose checks run
** at the top of the loop) every instruction ends by jumping straight to
** the next one's code through a table of label addresses ("threaded"
** dispatch, as in Lua and CPython): one indirect jump per instruction, and
** one per opcode site for the branch predictor.  Otherwise, and for the
** first instruction after an error or a frame change, the `switch`.
*/
#if defined(__GNUC__) && !defined(RBC_DEBUG)
#define VM_THREADED 1
#define vmcase(op) case op: L_##op:
#define vmbreak do { vm->ipc = pc; goto *disp[code[pc]]; } while (0)
#else
#define vmcase(op) case op:
#define vmbreak break
#endif
#define THROW() goto on_error
#define POP() (vm->stack[--vm->sp])
#define PUSH(v) (vm->stack[vm->sp++] = (v))
#define TOP(i) (vm->stack[vm->sp - 1 - (i)])
#define LOAD() do { fr = &vm->frames[vm->nframes - 1]; code = fr->fn->code; \
                    pc = fr->pc; } while (0)

/*
** Run function fn_index until it returns or an error nobody handles stops
** it (docs/bytecode.md 6 and 8).  The result goes to *out (owned by the
** caller).  Returns 0, or -1 with vm->err set (reported or not).
*/
#ifdef VM_THREADED
/* Label addresses and computed gotos are GNU C: allowed here, in the loop only. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpedantic"
#endif
#if defined(VM_THREADED) && !defined(__clang__)
/* GCC would merge the computed gotos into one jump, losing one branch site per opcode. */
__attribute__((optimize("no-crossjumping", "no-gcse")))
#endif
int vm_exec(struct vm *vm, uint32_t fn_index, struct rbc_value *out)
{
#ifdef VM_THREADED
  /* every byte value has an entry (a bad opcode's is L_bad_op): no bounds check */
#ifdef __clang__
#pragma clang diagnostic ignored "-Winitializer-overrides"
#else
#pragma GCC diagnostic ignored "-Woverride-init"
#endif
  static const void *const disp[256] = {
    [0 ... 255] = &&L_bad_op,
#define OP(name, fmt, in, outn, flags, synopsis) [OP_##name] = &&L_OP_##name,
#include "vm/opcodes.def"
  };
#endif
  struct vm_frame *fr;
  const uint8_t *code;
  uint32_t pc;
  struct rbc_value a, b, r;
  struct val_err e;
  enum val_status st;
  struct vm_handler *h;
  bool done;
  enum val_binop cmp;

  *out = val_null();
  if (fn_index != VM_EXEC_TOP && vm_push_frame(vm, fn_index, 0, CHUNK_NONE, VM_RET_EXIT) != 0)
    return -1;
  LOAD();
  for (;;) {
    vm->ipc = pc;
    CHECK_INSN();
    switch ((enum rbc_op)code[pc]) {

    /* Opcode: POP
    ** Synopsis: pop and discard */
    vmcase(OP_POP) {
      release(POP());
      pc += 1;
      vmbreak;
    }

    /* Opcode: DUP
    ** Synopsis: push a copy of the top value */
    vmcase(OP_DUP) {
      a = retain(TOP(0));
      PUSH(a);
      pc += 1;
      vmbreak;
    }

    /* Opcode: DUP2
    ** Synopsis: push copies of the top two values (a b -> a b a b) */
    vmcase(OP_DUP2) {
      a = retain(TOP(1));
      b = retain(TOP(0));
      PUSH(a);
      PUSH(b);
      pc += 1;
      vmbreak;
    }

    /* Opcode: CONST A
    ** Synopsis: push K[A] (a percent pushes its float) */
    vmcase(OP_CONST) {
      const struct chunk_const *kc = &vm->c->consts[OPND16(0)];

      if (kc->kind == CK_INT) {
        vm_vset_i64(&vm->stack[vm->sp++], VAL_INT, false, kc->u.i);
        pc += 3;
        vmbreak;
      }
      if (const_value(vm, OPND16(0), &a) != 0)
        THROW();
      PUSH(a);
      pc += 3;
      vmbreak;
    }

    /* Opcode: NULL
    ** Synopsis: push null */
    vmcase(OP_NULL) {
      PUSH(val_null());
      pc += 1;
      vmbreak;
    }

    /* Opcode: TRUE
    ** Synopsis: push true */
    vmcase(OP_TRUE) {
      PUSH(val_bool(true));
      pc += 1;
      vmbreak;
    }

    /* Opcode: FALSE
    ** Synopsis: push false */
    vmcase(OP_FALSE) {
      PUSH(val_bool(false));
      pc += 1;
      vmbreak;
    }

    /* Opcode: GET_GLOBAL A
    ** Synopsis: push G[A]; error if a step binding is unset */
    vmcase(OP_GET_GLOBAL) {
      uint32_t g = OPND16(0);

      if (vm->c->globals[g].kind == GK_LET && !vm->gset[g]) {
        vm_raise(vm, DIAG_RB5011, VM_ERR_NORMAL, "`%s` is not set: its step did not run",
                 kstr(vm, vm->c->globals[g].name));
        THROW();
      }
      PUSH(retain(vm->globals[g]));
      pc += 3;
      vmbreak;
    }

    /* Opcode: SET_GLOBAL A
    ** Synopsis: G[A] = pop (step-level let or assignment) */
    vmcase(OP_SET_GLOBAL) {
      uint32_t g = OPND16(0);

      release(vm->globals[g]);
      vm->globals[g] = POP();
      vm->gset[g] = true;
      vm->gdirty[g] = true;
      pc += 3;
      vmbreak;
    }

    /* Opcode: GET_LOCAL A
    ** Synopsis: push L[A] */
    vmcase(OP_GET_LOCAL) {
      const struct rbc_value *lv = &fr->locals[OPND16(0)];

      if (IS_HEAP(*lv))
        val_retain(*lv);
      vm_vcopy(&vm->stack[vm->sp++], lv);
      pc += 3;
      vmbreak;
    }

    /* Opcode: SET_LOCAL A
    ** Synopsis: L[A] = pop */
    vmcase(OP_SET_LOCAL) {
      uint32_t l = OPND16(0);

      release(fr->locals[l]);
      vm_vcopy(&fr->locals[l], &vm->stack[--vm->sp]);
      pc += 3;
      vmbreak;
    }

    /*
    ** Opcode: ADD SUB MUL EQ NE LT LE GT GE on two ints
    ** Synopsis: done here, with val_binop's results (taint carries over);
    ** anything else, and an overflow (val_binop reports it), goes to `binop`.
    */
#define INT_ARITH(builtin) \
      if (TOP(1).type == VAL_INT && TOP(0).type == VAL_INT \
          && !builtin(TOP(1).as.i, TOP(0).as.i, &r.as.i)) { \
        vm_vset_i64(&TOP(1), VAL_INT, TOP(1).secret || TOP(0).secret, r.as.i); \
        vm->sp--; \
        pc += 1; \
        vmbreak; \
      } \
      goto binop
#define INT_CMP(op) \
      if (TOP(1).type == VAL_INT && TOP(0).type == VAL_INT) { \
        vm_vset_i64(&TOP(1), VAL_BOOL, TOP(1).secret || TOP(0).secret, \
                 TOP(1).as.i op TOP(0).as.i); \
        vm->sp--; \
        pc += 1; \
        vmbreak; \
      } \
      goto binop
    vmcase(OP_ADD) { INT_ARITH(__builtin_add_overflow); }
    vmcase(OP_SUB) { INT_ARITH(__builtin_sub_overflow); }
    vmcase(OP_MUL) { INT_ARITH(__builtin_mul_overflow); }
    vmcase(OP_EQ) { INT_CMP(==); }
    vmcase(OP_NE) { INT_CMP(!=); }
    vmcase(OP_LT) { INT_CMP(<); }
    vmcase(OP_LE) { INT_CMP(<=); }
    vmcase(OP_GT) { INT_CMP(>); }
    vmcase(OP_GE) { INT_CMP(>=); }
#undef INT_ARITH
#undef INT_CMP

    /* Opcode: ADD SUB MUL DIV MOD EQ NE LT LE GT GE IN
    ** Synopsis: a b -> a OP b (val_binop; secrets taint the result) */
    vmcase(OP_DIV) vmcase(OP_MOD) vmcase(OP_IN) {
    binop:
      b = POP();
      a = POP();
      st = val_binop(binop_of(code[pc]), a, b, &r, &e);
      release(a);
      release(b);
      if (st != VAL_OK) {
        vm_raise_val(vm, st, &e);
        THROW();
      }
      PUSH(r);
      pc += 1;
      vmbreak;
    }

    /* Opcode: NEG NOT
    ** Synopsis: a -> -a / not a */
    vmcase(OP_NEG) vmcase(OP_NOT) {
      a = POP();
      st = val_unop(code[pc] == OP_NEG ? VAL_OP_NEG : VAL_OP_NOT, a, &r, &e);
      release(a);
      if (st != VAL_OK) {
        vm_raise_val(vm, st, &e);
        THROW();
      }
      PUSH(r);
      pc += 1;
      vmbreak;
    }

    /* Opcode: JUMP A
    ** Synopsis: pc = A (a backward jump is a safe point) */
    vmcase(OP_JUMP) {
      uint32_t j = OPND32(0);

      if (j <= pc && loop_safepoint(vm) != 0)
        THROW();
      pc = j;
      vmbreak;
    }

    /* Opcode: JUMP_IF_FALSE A
    ** Synopsis: if not truthy(pop) then pc = A */
    vmcase(OP_JUMP_IF_FALSE) {
      a = POP();
      done = !truthy(a);
      release(a);
      pc = done ? OPND32(0) : pc + 5;
      vmbreak;
    }

    /* Opcode: JUMP_IF_TRUE A
    ** Synopsis: if truthy(pop) then pc = A */
    vmcase(OP_JUMP_IF_TRUE) {
      a = POP();
      done = truthy(a);
      release(a);
      pc = done ? OPND32(0) : pc + 5;
      vmbreak;
    }

    /* Opcode: JUMP_IF_NOT_NULL A
    ** Synopsis: if pop != null then pc = A */
    vmcase(OP_JUMP_IF_NOT_NULL) {
      a = POP();
      done = a.type != VAL_NULL;
      release(a);
      pc = done ? OPND32(0) : pc + 5;
      vmbreak;
    }

    /* Opcode: INTERP N
    ** Synopsis: pop N values, push their string forms concatenated */
    vmcase(OP_INTERP) {
      if (interp(vm, OPND16(0), &r) != 0)
        THROW();
      PUSH(r);
      pc += 3;
      vmbreak;
    }

    /* Opcode: SH_QUOTE
    ** Synopsis: shell-quote the string form of pop; error if secret (RB3001) */
    vmcase(OP_SH_QUOTE) {
      a = POP();
      done = sh_quote_value(vm, a, &r) != 0;
      release(a);
      if (done)
        THROW();
      PUSH(r);
      pc += 1;
      vmbreak;
    }

    /* Opcode: LIST N
    ** Synopsis: pop N values, push them as a list */
    vmcase(OP_LIST) {
      if (build(vm, false, OPND16(0), &r) != 0)
        THROW();
      PUSH(r);
      pc += 3;
      vmbreak;
    }

    /* Opcode: MAP N
    ** Synopsis: pop N key/value pairs, push them as a map */
    vmcase(OP_MAP) {
      if (build(vm, true, OPND16(0), &r) != 0)
        THROW();
      PUSH(r);
      pc += 3;
      vmbreak;
    }

    /* Opcode: GET_MEMBER A
    ** Synopsis: push pop.K[A] (null when the key is missing) */
    vmcase(OP_GET_MEMBER) {
      const struct chunk_const *k = &vm->c->consts[OPND16(0)];

      a = POP();
      st = val_member(a, k->u.str.bytes, k->u.str.len, &r, &e);
      release(a);
      if (st != VAL_OK) {
        vm_raise_val(vm, st, &e);
        THROW();
      }
      PUSH(r);
      pc += 3;
      vmbreak;
    }

    /* Opcode: SET_MEMBER A
    ** Synopsis: v = pop, o = pop; push o with o.K[A] = v */
    vmcase(OP_SET_MEMBER) {
      const struct chunk_const *k = &vm->c->consts[OPND16(0)];

      struct rbc_value *owner;

      b = POP();
      owner = take_owner(vm, fr, code, pc + 3, TOP(0));
      st = val_map_set(&TOP(0), k->u.str.bytes, k->u.str.len, b, &e);
      release(b);
      if (st != VAL_OK) {
        give_back(owner, TOP(0));
        vm_raise_val(vm, st, &e);
        THROW();
      }
      pc += 3;
      vmbreak;
    }

    /* Opcode: GET_INDEX
    ** Synopsis: i = pop, o = pop; push o[i] */
    vmcase(OP_GET_INDEX) {
      b = POP();
      a = POP();
      st = val_index(a, b, &r, &e);
      release(a);
      release(b);
      if (st != VAL_OK) {
        vm_raise_val(vm, st, &e);
        THROW();
      }
      PUSH(r);
      pc += 1;
      vmbreak;
    }

    /* Opcode: SET_INDEX
    ** Synopsis: v = pop, i = pop, o = pop; push o with o[i] = v */
    vmcase(OP_SET_INDEX) {
      struct rbc_value *owner;

      r = POP();
      b = POP();
      owner = take_owner(vm, fr, code, pc + 1, TOP(0));
      st = val_set_index(&TOP(0), b, r, &e);
      release(b);
      release(r);
      if (st != VAL_OK) {
        give_back(owner, TOP(0));
        vm_raise_val(vm, st, &e);
        THROW();
      }
      pc += 1;
      vmbreak;
    }

    /* Opcode: CALL A B
    ** Synopsis: f a1..aA -> f(a1..aA), the last |B| named by B */
    vmcase(OP_CALL) {
      uint32_t argc = OPND8(0), names = OPND16(1), fi;
      struct rbc_value *f = &vm->stack[vm->sp - argc - 1];

      /* a built-in may have effects: the full safe point; a fn call computes */
      if ((f->type == VAL_BUILTIN ? safepoint(vm) : loop_safepoint(vm)) != 0)
        THROW();
      if (f->type == VAL_BUILTIN) {
        fi = val_builtin_index(*f);
        memmove(f, f + 1, argc * sizeof *f);
        vm->sp--;
        if (vm_call_builtin(vm, fi, argc, names) != 0)
          THROW();
        pc += 4;
        vmbreak;
      }
      if (f->type != VAL_FN) {
        vm_raise(vm, DIAG_RB5011, VM_ERR_NORMAL, "cannot call a %s", val_kind(*f));
        THROW();
      }
      fi = val_fn_index(*f);
      release(*f);
      for (uint32_t i = 0; i < argc; i++)
        vm_vcopy(&f[i], &f[i + 1]);
      vm->sp--;
      fr->pc = pc + 4;
      if (names == CHUNK_NONE && push_frame_fast(vm, &vm->c->fns[fi], fi, argc)) {
        LOAD();
        vmbreak;
      }
      if (vm_push_frame(vm, fi, argc, names, VM_RET_VALUE) != 0)
        THROW();
      LOAD();
      vmbreak;
    }

    /* Opcode: CALL_BUILTIN A B C
    ** Synopsis: a1..aB -> builtin A(a1..aB), the last |C| named by C */
    vmcase(OP_CALL_BUILTIN) {
      if (safepoint(vm) != 0 || vm_call_builtin(vm, OPND16(0), OPND8(2), OPND16(3)) != 0)
        THROW();
      pc += 6;
      vmbreak;
    }

    /* Opcode: CALL_AWS A B C D
    ** Synopsis: a1..aC -> aws.K[A].K[B](names D: a1..aC) (stdlib/aws/call.c) */
    vmcase(OP_CALL_AWS) {
      if (safepoint(vm) != 0
          || aws_vm_call(vm, OPND16(0), OPND16(2), OPND8(4), OPND16(5)) != 0)
        THROW();
      pc += 8;
      vmbreak;
    }

    /* Opcode: CONFIRM
    ** Synopsis: ask the question pop; push true, or halt the run */
    vmcase(OP_CONFIRM) {
      if (vm_confirm(vm, TOP(0)) != 0)
        THROW();
      release(TOP(0));
      TOP(0) = val_bool(true);
      pc += 1;
      vmbreak;
    }

    /* Opcode: RETURN
    ** Synopsis: return pop from the current function */
    vmcase(OP_RETURN) {
      enum vm_ret ret;

      vm_vcopy(&r, &vm->stack[--vm->sp]);
    do_return:
      ret = fr->ret;
      if (ret == VM_RET_VALUE && pop_frame_fast(vm)) {
        vm_vcopy(&vm->stack[vm->sp++], &r);
        LOAD();
        vmbreak;
      }
      vm_pop_frame(vm);
      if (ret == VM_RET_EXIT) {
        *out = r;
        return 0;
      }
      if (ret == VM_RET_TROUBLESHOOT) {
        release(r);
        troubleshoot_done(vm);
      } else {
        vm_vcopy(&vm->stack[vm->sp++], &r);
      }
      LOAD();
      vmbreak;
    }

    /* Opcode: FOR_PREP
    ** Synopsis: check pop is a list or map (null: nothing); push it back and int 0 */
    vmcase(OP_FOR_PREP) {
      a = TOP(0);
      if (a.type != VAL_LIST && a.type != VAL_MAP && a.type != VAL_NULL) {
        vm_raise(vm, DIAG_RB5011, VM_ERR_NORMAL, "cannot iterate over a %s", val_kind(a));
        THROW();
      }
      PUSH(val_int(0));
      pc += 1;
      vmbreak;
    }

    /* Opcode: FOR_NEXT A B
    ** Synopsis: it i: i = len(it): pc = B; else L[A] = item i, i++ */
    vmcase(OP_FOR_NEXT) {
      if (safepoint(vm) != 0
          || for_next(vm, fr->locals, OPND16(0), CHUNK_NONE32, &done) != 0)
        THROW();
      pc = done ? OPND32(2) : pc + 7;
      vmbreak;
    }

    /* Opcode: FOR_NEXT2 A B C
    ** Synopsis: it i: done: pc = C; else L[A], L[B] = key (or index), value */
    vmcase(OP_FOR_NEXT2) {
      if (safepoint(vm) != 0 || for_next(vm, fr->locals, OPND16(0), OPND16(2), &done) != 0)
        THROW();
      pc = done ? OPND32(4) : pc + 9;
      vmbreak;
    }

    /* Opcode: FOR_RANGE A
    ** Synopsis: range args a1..aA: check as range() does; push start count step */
    vmcase(OP_FOR_RANGE) {
      if (safepoint(vm) != 0 || vm_range_begin(vm, OPND8(0)) != 0)
        THROW();
      pc += 2;
      vmbreak;
    }

    /* Opcode: FOR_RANGE_NEXT A B
    ** Synopsis: cur n step: n > 0: L[A] = cur, cur += step, n--, pc = B (a safe point) */
    vmcase(OP_FOR_RANGE_NEXT) {
      struct rbc_value *cur = &vm->stack[vm->sp - 3], *l;

      /* cur, n and step are ints: one test for the three type bytes */
      if (((cur[0].type ^ VAL_INT) | (cur[1].type ^ VAL_INT) | (cur[2].type ^ VAL_INT)) != 0) {
        vm_raise(vm, DIAG_RB9001, VM_ERR_INTERNAL, "FOR_RANGE_NEXT on a malformed loop state");
        THROW();
      }
      if (loop_safepoint(vm) != 0)
        THROW();
      if (cur[1].as.i <= 0) {
        pc += 7;
        vmbreak;
      }
      l = &fr->locals[OPND16(0)];
      release(*l);
      vm_vcopy(l, cur);
      /* unsigned: a hand-made state cannot overflow into undefined behaviour */
      if (--cur[1].as.i > 0)
        cur->as.i = (int64_t)((uint64_t)cur->as.i + (uint64_t)cur[2].as.i);
      pc = OPND32(2);
      vmbreak;
    }

    /* Opcode: PHASE_BEGIN A
    ** Synopsis: enter phase K[A] with budget pop (null: none) */
    vmcase(OP_PHASE_BEGIN) {
      a = POP();
      done = phase_begin(vm, OPND16(0), a) != 0;
      release(a);
      if (done)
        THROW();
      pc += 3;
      vmbreak;
    }

    /* Opcode: PHASE_END A
    ** Synopsis: leave phase K[A] */
    vmcase(OP_PHASE_END) {
      vm_check_budget(vm);
      ev_phase_end(vm->ev);
      vm->phase.open = false;
      if (safepoint(vm) != 0)
        THROW();
      pc += 3;
      vmbreak;
    }

    /* Opcode: STEP_BEGIN A B
    ** Synopsis: enter step K[A] (push its record); already done: pc = B */
    vmcase(OP_STEP_BEGIN) {
      int began = step_begin(vm, OPND16(0), pc + 7, OPND32(2));

      if (began < 0)
        THROW();
      pc = began > 0 ? OPND32(2) : pc + 7;
      vmbreak;
    }

    /* Opcode: STEP_WHEN A
    ** Synopsis: if not truthy(pop): step skipped, pc = A (its STEP_END) */
    vmcase(OP_STEP_WHEN) {
      h = own_record(vm, VM_H_STEP, "STEP_WHEN");
      if (!h)
        THROW();
      a = POP();
      done = !truthy(a);
      release(a);
      if (done)
        h->u.step.state = VM_STEP_SKIPPED;
      pc = done ? OPND32(0) : pc + 5;
      vmbreak;
    }

    /* Opcode: STEP_TIMEOUT
    ** Synopsis: the current step must end within pop (a duration) */
    vmcase(OP_STEP_TIMEOUT) {
      int64_t ms;

      h = own_record(vm, VM_H_STEP, "STEP_TIMEOUT");
      if (!h)
        THROW();
      a = POP();
      ms = duration_ms(vm, a, "a step timeout", false);
      release(a);
      if (ms < 0)
        THROW();
      h->u.step.timeout_ms = ms;
      h->u.step.deadline = clock_monotonic_ms(vm->clock) + ms;
      vm->deadlines = true;
      pc += 1;
      vmbreak;
    }

    /* Opcode: STEP_END A
    ** Synopsis: step K[A] passed, was skipped or recovered; pop its record */
    vmcase(OP_STEP_END) {
      if (step_end(vm) != 0)
        THROW();
      pc += 3;
      vmbreak;
    }

    /* Opcode: RETRY_BEGIN
    ** Synopsis: n every backoff max: run the body up to n times */
    vmcase(OP_RETRY_BEGIN) {
      if (safepoint(vm) != 0 || retry_begin(vm, pc + 1) != 0)
        THROW();
      pc += 1;
      vmbreak;
    }

    /* Opcode: RETRY_END
    ** Synopsis: the retried body succeeded: pop the retry record */
    vmcase(OP_RETRY_END) {
      if (!own_record(vm, VM_H_RETRY, "RETRY_END"))
        THROW();
      vm_pop_handler(vm);
      pc += 1;
      vmbreak;
    }

    /* Opcode: WAIT_BEGIN A
    ** Synopsis: every timeout: start polling `until K[A]` */
    vmcase(OP_WAIT_BEGIN) {
      if (wait_begin(vm, OPND16(0)) != 0)
        THROW();
      pc += 3;
      vmbreak;
    }

    /* Opcode: WAIT_UNTIL A
    ** Synopsis: if truthy(pop) done (pop the record); else sleep every, pc = A */
    vmcase(OP_WAIT_UNTIL) {
      h = own_record(vm, VM_H_WAIT, "WAIT_UNTIL");
      if (!h)
        THROW();
      a = POP();
      done = truthy(a);
      release(a);
      if (done) {
        vm_pop_handler(vm);
        pc += 5;
        vmbreak;
      }
      if (wait_again(vm, h) != 0)
        THROW();
      pc = OPND32(0);
      vmbreak;
    }

    /* Opcode: ASSERT A B
    ** Synopsis: v: truthy: pc = B; else fail K[A] (RB5001) or keep v for the message */
    vmcase(OP_ASSERT) {
      const uint32_t *w = kdesc(vm, OPND16(0));

      if (truthy(TOP(0))) {
        release(POP());
        pc = OPND32(2);
        vmbreak;
      }
      keep(vm, 1);
      if (!w[AS_HAS_MSG]) {
        assert_failed(vm, OPND16(0), NULL);
        THROW();
      }
      pc += 7;
      vmbreak;
    }

    /* Opcode: ASSERT_CMP A B
    ** Synopsis: a b: a op b: pc = B; else fail K[A] with actual a, expected b */
    vmcase(OP_ASSERT_CMP) {
      const uint32_t *w = kdesc(vm, OPND16(0));

      st = val_binop(binop_of_cmp(w[AS_OP]), TOP(1), TOP(0), &r, &e);
      if (st != VAL_OK) {
        vm_raise_val(vm, st, &e);
        THROW();
      }
      done = truthy(r);
      release(r);
      if (done) {
        vm_popn(vm, 2);
        pc = OPND32(2);
        vmbreak;
      }
      keep(vm, 2);
      if (!w[AS_HAS_MSG]) {
        assert_failed(vm, OPND16(0), NULL);
        THROW();
      }
      pc += 7;
      vmbreak;
    }

    /* Opcode: ASSERT_FAIL A
    ** Synopsis: fail K[A] with message pop and the kept operands */
    vmcase(OP_ASSERT_FAIL) {
      char msg[300];

      a = POP();
      vm_masked(a, msg, sizeof msg);
      release(a);
      assert_failed(vm, OPND16(0), msg);
      THROW();
    }

    /* Opcode: ASSERT_HTTP A
    ** Synopsis: status url options checks: request, then check (stdlib/http.c) */
    vmcase(OP_ASSERT_HTTP) {
      if (assert_http(vm, OPND16(0)) != 0)
        THROW();
      pc += 3;
      vmbreak;
    }

    /* Opcode: PAR_BEGIN
    ** Synopsis: open a branch group with limit pop (null: none) */
    vmcase(OP_PAR_BEGIN) {
      a = POP();
      done = a.type != VAL_NULL && (a.type != VAL_INT || a.as.i < 1);
      release(a);
      if (done) {
        vm_raise(vm, DIAG_RB5011, VM_ERR_NORMAL, "a parallel limit must be an int >= 1");
        THROW();
      }
      h = vm_push_handler(vm, VM_H_PAR);
      if (!h)
        THROW();
      h->u.par.limit = a.type == VAL_INT ? (uint32_t)(a.as.i < UINT32_MAX ? a.as.i : UINT32_MAX)
                                         : 0;
      pc += 1;
      vmbreak;
    }

    /* Opcode: PAR_SPAWN A
    ** Synopsis: add a branch starting at the next pc; pc = A */
    vmcase(OP_PAR_SPAWN) {
      h = own_record(vm, VM_H_PAR, "PAR_SPAWN");
      if (!h || par_spawn(vm, h, pc + 5) != 0)
        THROW();
      pc = OPND32(0);
      vmbreak;
    }

    /* Opcode: PAR_EACH A B
    ** Synopsis: add one branch per item of pop, L[A] = item; pc = B */
    vmcase(OP_PAR_EACH) {
      h = own_record(vm, VM_H_PAR, "PAR_EACH");
      if (!h)
        THROW();
      a = POP();
      if ((a.type != VAL_LIST && a.type != VAL_NULL) || h->u.par.has_each) {
        vm_raise(vm, DIAG_RB5011, VM_ERR_NORMAL, "parallel for: cannot iterate over a %s",
                 val_kind(a));
        release(a);
        THROW();
      }
      if (a.type == VAL_NULL) {
        st = val_list_new(0, &a, &e);
        if (st != VAL_OK) {
          vm_raise_val(vm, st, &e);
          THROW();
        }
      }
      h->u.par.has_each = true;
      h->u.par.each = a;
      h->u.par.each_slot = OPND16(0);
      h->u.par.each_pc = pc + 7;
      pc = OPND32(2);
      vmbreak;
    }

    /* Opcode: PAR_END
    ** Synopsis: end of a branch: run the next one, or finish the group */
    vmcase(OP_PAR_END) {
      if (vm->parent && vm->nframes == 1 && vm->nh == 0) {
        vm_pop_frame(vm);               /* the end of a fiber's branch (vm/fiber.c) */
        return 0;
      }
      h = own_record(vm, VM_H_PAR, "PAR_END");
      if (!h || !h->u.par.running) {
        if (h)
          vm_raise(vm, DIAG_RB9001, VM_ERR_INTERNAL, "PAR_END outside a running branch");
        THROW();
      }
      vm_popn(vm, vm->sp - h->sp);
      if (vm_par_next(vm, h) != VM_RESUME)
        THROW();
      LOAD();
      vmbreak;
    }

    /* Opcode: PAR_JOIN
    ** Synopsis: run the group's branches; fail with the first failure if any failed */
    vmcase(OP_PAR_JOIN) {
      h = own_record(vm, VM_H_PAR, "PAR_JOIN");
      if (!h || par_join(vm, h, pc + 1) != VM_RESUME)
        THROW();
      LOAD();
      vmbreak;
    }

    /*
    ** Opcode: ADD_LL A B, SUB_LL A B, ADD_LK A B, SUB_LK A B
    ** Synopsis: push L[A] +/- L[B] (or K[B]): GET_LOCAL A; GET_LOCAL B (or
    ** CONST B); ADD (or SUB) in one instruction.  Two ints here (taint
    ** carries over), anything else and an overflow through val_binop.
    **
    ** Opcode: ADDTO_LL A B, SUBTO_LL A B, ADDTO_LK A B, SUBTO_LK A B
    ** Synopsis: L[A] = L[A] +/- L[B] (or K[B]): `x = x + y` in place, as
    ** ADD_LL A B (...); SET_LOCAL A.  Two ints here, else val_binop.
    **
    ** One macro for the eight: `inplace` (a constant) picks where the
    ** result goes, so each case compiles to its own straight-line code.
    */
#define LOCAL_BINOP(builtin, vop, isk, yv, inplace) \
      { \
        struct rbc_value *x = &fr->locals[OPND16(0)]; \
        int64_t ri; \
        \
        yv; \
        if (x->type == VAL_INT && y.type == VAL_INT && !builtin(x->as.i, y.as.i, &ri)) { \
          vm_vset_i64((inplace) ? x : &vm->stack[vm->sp++], VAL_INT, x->secret || y.secret, ri); \
          pc += 5; \
          vmbreak; \
        } \
        if (!(isk)) \
          b = retain(fr->locals[OPND16(2)]); \
        else if (const_value(vm, OPND16(2), &b) != 0) \
          THROW(); \
        st = val_binop(vop, *x, b, &r, &e); \
        release(b); \
        if (st != VAL_OK) { \
          vm_raise_val(vm, st, &e); \
          THROW(); \
        } \
        if (inplace) { \
          release(*x); \
          *x = r; \
        } else { \
          PUSH(r); \
        } \
        pc += 5; \
        vmbreak; \
      }
#define LOCAL_Y struct rbc_value y = fr->locals[OPND16(2)]
#define CONST_Y \
        const struct chunk_const *ky = &vm->c->consts[OPND16(2)]; \
        struct rbc_value y = ky->kind == CK_INT ? val_int(ky->u.i) : val_null()
    vmcase(OP_ADD_LL) LOCAL_BINOP(__builtin_add_overflow, VAL_OP_ADD, false, LOCAL_Y, false)
    vmcase(OP_SUB_LL) LOCAL_BINOP(__builtin_sub_overflow, VAL_OP_SUB, false, LOCAL_Y, false)
    vmcase(OP_ADD_LK) LOCAL_BINOP(__builtin_add_overflow, VAL_OP_ADD, true, CONST_Y, false)
    vmcase(OP_SUB_LK) LOCAL_BINOP(__builtin_sub_overflow, VAL_OP_SUB, true, CONST_Y, false)
    vmcase(OP_ADDTO_LL) LOCAL_BINOP(__builtin_add_overflow, VAL_OP_ADD, false, LOCAL_Y, true)
    vmcase(OP_SUBTO_LL) LOCAL_BINOP(__builtin_sub_overflow, VAL_OP_SUB, false, LOCAL_Y, true)
    vmcase(OP_ADDTO_LK) LOCAL_BINOP(__builtin_add_overflow, VAL_OP_ADD, true, CONST_Y, true)
    vmcase(OP_SUBTO_LK) LOCAL_BINOP(__builtin_sub_overflow, VAL_OP_SUB, true, CONST_Y, true)
#undef LOCAL_BINOP
#undef LOCAL_Y
#undef CONST_Y

    /*
    ** Opcode: JUMP_IF_NOT_EQ A, _NE, _LT, _LE, _GT, _GE
    ** Synopsis: a b: if not (a OP b) then pc = A: the comparison and
    ** JUMP_IF_FALSE in one instruction (two ints here; else val_binop).
    */
#define CMP_JUMP(op, vop) \
      if (TOP(1).type == VAL_INT && TOP(0).type == VAL_INT) { \
        done = TOP(1).as.i op TOP(0).as.i; \
        vm->sp -= 2; \
        pc = done ? pc + 5 : OPND32(0); \
        vmbreak; \
      } \
      cmp = vop; \
      goto cmp_jump
    vmcase(OP_JUMP_IF_NOT_EQ) { CMP_JUMP(==, VAL_OP_EQ); }
    vmcase(OP_JUMP_IF_NOT_NE) { CMP_JUMP(!=, VAL_OP_NE); }
    vmcase(OP_JUMP_IF_NOT_LT) { CMP_JUMP(<, VAL_OP_LT); }
    vmcase(OP_JUMP_IF_NOT_LE) { CMP_JUMP(<=, VAL_OP_LE); }
    vmcase(OP_JUMP_IF_NOT_GT) { CMP_JUMP(>, VAL_OP_GT); }
    vmcase(OP_JUMP_IF_NOT_GE) {
      CMP_JUMP(>=, VAL_OP_GE);
    cmp_jump:
      b = POP();
      a = POP();
      st = val_binop(cmp, a, b, &r, &e);
      release(a);
      release(b);
      if (st != VAL_OK) {
        vm_raise_val(vm, st, &e);
        THROW();
      }
      done = truthy(r);
      release(r);
      pc = done ? pc + 5 : OPND32(0);
      vmbreak;
    }
#undef CMP_JUMP

    /* Opcode: RETURN_LOCAL A
    ** Synopsis: return L[A] (GET_LOCAL A; RETURN): the value moves out of the dying frame */
    vmcase(OP_RETURN_LOCAL) {
      vm_vcopy(&r, &fr->locals[OPND16(0)]);
      fr->locals[OPND16(0)] = val_null();
      goto do_return;
    }

    /* Opcode: CALL_FN A B C
    ** Synopsis: a1..aB -> fn A(a1..aB), the last |C| named by C (a runbook-level fn) */
    vmcase(OP_CALL_FN) {
      uint32_t fi = OPND16(0), argc = OPND8(2), names = OPND16(3);

      if (loop_safepoint(vm) != 0)
        THROW();
      fr->pc = pc + 6;
      if (names == CHUNK_NONE && push_frame_fast(vm, &vm->c->fns[fi], fi, argc)) {
        LOAD();
        vmbreak;
      }
      if (vm_push_frame(vm, fi, argc, names, VM_RET_VALUE) != 0)
        THROW();
      LOAD();
      vmbreak;
    }

    default:
#ifdef VM_THREADED
    L_bad_op:
#endif
      vm_raise(vm, DIAG_RB9001, VM_ERR_INTERNAL, "bad opcode %u at %u", code[pc], pc);
      THROW();
    }
    continue;

  on_error:
    fr->pc = pc;
    if (vm_unwind(vm) != VM_RESUME)
      return -1;
    LOAD();
  }
}
#ifdef VM_THREADED
#pragma GCC diagnostic pop
#endif

/* }==== */

/* {==== the run ==== */

/* The directory part of path, malloc'd ("." when it has none); NULL on oom. */
static char *dir_of(const char *path)
{
  const char *slash = path ? strrchr(path, '/') : NULL;

  if (!slash)
    return strdup(".");
  if (slash == path)
    return strdup("/");
  return strndup(path, (size_t)(slash - path));
}

/* Allocate the machine's tables.  0, or -1 when out of memory. */
int vm_init(struct vm *vm, const struct chunk *c, const struct vm_run_options *opts,
            struct ev_sink *ev)
{
  memset(vm, 0, sizeof *vm);
  vm->c = c;
  vm->opts = opts;
  vm->ev = ev;
  vm->clock = opts->clock;
  vm->workdir = opts->workdir ? strdup(opts->workdir) : dir_of(c->source);
  vm->globals = calloc(c->nglobals ? c->nglobals : 1, sizeof *vm->globals);
  vm->gset = calloc(c->nglobals ? c->nglobals : 1, sizeof *vm->gset);
  vm->gdirty = calloc(c->nglobals ? c->nglobals : 1, sizeof *vm->gdirty);
  vm->kvals = calloc(c->nconsts ? c->nconsts : 1, sizeof *vm->kvals);
  vm->step_started = calloc(c->nconsts ? c->nconsts : 1, sizeof *vm->step_started);
  vm_host_init(vm);
  if (!vm->workdir || !vm->globals || !vm->gset || !vm->gdirty || !vm->kvals
      || !vm->step_started)
    return -1;
  return vm_reserve(vm, 256);
}

/* Release everything the machine owns. */
void vm_free(struct vm *vm)
{
  while (vm->nframes > 0)
    vm_pop_frame(vm);
  while (vm->nh > 0)
    vm_pop_handler(vm);
  vm_popn(vm, vm->sp);
  for (uint32_t i = 0; vm->globals && i < vm->c->nglobals; i++)
    val_release(vm->globals[i]);
  for (uint32_t i = 0; vm->kvals && i < vm->c->nconsts; i++)
    val_release(vm->kvals[i]);
  for (uint32_t i = 0; i < vm->nkept; i++)
    val_release(vm->kept[i]);
  vm_error_clear(&vm->err);
  free(vm->globals);
  free(vm->gset);
  free(vm->gdirty);
  free(vm->kvals);
  free(vm->step_started);
  free(vm->stack);
  free(vm->h);
  free(vm->workdir);
  vm_locals_drain(vm);
}

/*
** A param's default: run its expression and convert the result to the
** declared type.  0, or the exit status after reporting (64, or 70).
*/
static int param_default(struct vm *vm, const struct vm_param *p, struct rbc_value *out)
{
  struct rbc_value v;
  struct val_err e;
  struct ev_diag d;
  char msg[700];
  enum val_status st = VAL_OK;

  if (vm_exec(vm, p->default_fn, &v) != 0) {
    snprintf(msg, sizeof msg, "param `%s`: its default failed: %s; nothing was executed",
             p->name, vm->err.msg);
  } else if (p->type == PT_ANY) {
    *out = val_tainted(v, p->secret);
    return 0;
  } else if (v.type == VAL_NULL) {
    snprintf(msg, sizeof msg, "param `%s` has no value (its default is null): pass --param "
             "%s=...; nothing was executed", p->name, p->name);
  } else {
    st = val_param_coerce(v, (enum val_param_type)(p->type - PT_STRING), p->secret, out, &e);
    val_release(v);
    if (st == VAL_OK)
      return 0;
    snprintf(msg, sizeof msg, "param `%s`: its default is not a %s: %s; nothing was executed",
             p->name, vm_param_type_name(p->type), e.msg);
  }
  memset(&d, 0, sizeof d);
  d.code = vm->err.set && vm->err.code != DIAG_RB5011 ? vm->err.code : DIAG_RB2008;
  d.message = msg;
  d.loc = vm->err.loc;
  ev_diagnostic(vm->ev, &d);
  vm_error_clear(&vm->err);
  /* out of memory (RB9001) while evaluating the default is no usage error */
  return st == VAL_ERR_OOM || d.code == DIAG_RB9001 ? VM_EXIT_SOFTWARE : VM_EXIT_USAGE;
}

/* rbc resume: the bindings completed steps made, into their GK_LET globals. */
static int restore_bindings(struct vm *vm)
{
  const struct vm_resume *rs = vm->opts->resume;

  for (size_t i = 0; rs && i < rs->nbindings; i++) {
    for (uint32_t g = 0; g < vm->c->nglobals; g++) {
      if (vm->c->globals[g].kind != GK_LET
          || strcmp(kstr(vm, vm->c->globals[g].name), rs->bindings[i].name) != 0)
        continue;
      val_release(vm->globals[g]);
      vm->globals[g] = val_retain(rs->bindings[i].value);
      vm->gset[g] = true;
      if (vm->globals[g].secret && ev_add_secret(vm->ev, vm->globals[g]) != 0)
        return VM_EXIT_SOFTWARE;
      break;
    }
  }
  return 0;
}

/* Params (resolved, or their defaults), fns, resources; lets stay unset. */
int vm_init_globals(struct vm *vm)
{
  const struct vm_params *ps = vm->opts->params;
  struct val_err e;
  int rc;

  for (uint32_t g = 0; g < vm->c->nglobals; g++) {
    const struct chunk_global *gl = &vm->c->globals[g];

    if (gl->kind == GK_FN && val_fn_new(gl->ref, NULL, NULL, &vm->globals[g], &e) != VAL_OK)
      return VM_EXIT_SOFTWARE;
    if (gl->kind == GK_RESOURCE) {
      const struct chunk_const *s = chunk_str(vm->c, kdesc(vm, gl->ref)[RES_VALUE]);

      if (!s || val_string_new(s->u.str.bytes, s->u.str.len, &vm->globals[g], &e) != VAL_OK)
        return VM_EXIT_SOFTWARE;
    }
  }
  for (size_t i = 0; ps && i < ps->len; i++) {
    const struct vm_param *p = &ps->items[i];
    struct rbc_value v = val_null();

    if (p->global >= vm->c->nglobals)
      continue;
    if (p->source != VM_PARAM_DEFAULT) {
      v = val_tainted(val_retain(p->value), p->secret);
    } else if (p->default_fn != CHUNK_NONE32) {
      rc = param_default(vm, p, &v);
      if (rc != 0)
        return rc;
    }
    vm->globals[p->global] = v;
    if (p->secret && ev_add_secret(vm->ev, v) != 0)
      return VM_EXIT_SOFTWARE;
  }
  return restore_bindings(vm);
}

/* run_start: the chunk's facts, the run id and every param's value (masked). */
static int start_run(struct vm *vm)
{
  const struct vm_params *ps = vm->opts->params;
  struct ev_run_info info;
  struct ev_param *pv = calloc(ps && ps->len ? ps->len : 1, sizeof *pv);
  size_t n = 0;

  if (!pv)
    return -1;
  ev_describe(vm->c, &info);
  info.run_id = vm->opts->run_id;
  for (size_t i = 0; ps && i < ps->len; i++) {
    if (ps->items[i].global >= vm->c->nglobals)
      continue;
    pv[n].name = ps->items[i].name;
    pv[n++].value = vm->globals[ps->items[i].global];
  }
  info.params = pv;
  info.nparams = n;
  if (vm->opts->troubleshoot) {
    info.nphases = 0;
    info.nsteps = 1;
  }
  ev_run_start(vm->ev, &info);
  free(pv);
  return 0;
}

/* --troubleshoot NAME: that block alone, as a one-step run. */
static int run_troubleshoot(struct vm *vm)
{
  struct ev_step st;
  struct rbc_value out;

  for (uint32_t k = 0; k < vm->c->nconsts; k++) {
    const uint32_t *w;

    if (vm->c->consts[k].kind != CK_TROUBLESHOOT)
      continue;
    w = kdesc(vm, k);
    if (strcmp(kstr(vm, w[TS_NAME]), vm->opts->troubleshoot) != 0)
      continue;
    memset(&st, 0, sizeof st);
    st.phase = 1;
    st.index = 1;
    st.count = 1;
    st.name = kstr(vm, w[TS_NAME]);
    ev_step_start(vm->ev, &st);
    vm->step_open = true;
    if (vm_exec(vm, w[TS_FN], &out) != 0)
      return -1;
    val_release(out);
    ev_step_end(vm->ev, EV_PASS, NULL);
    vm->step_open = false;
    return 0;
  }
  return vm_raise(vm, DIAG_RB5011, VM_ERR_NORMAL, "no troubleshoot block named \"%s\"",
                  vm->opts->troubleshoot);
}

/* Order of not-run steps: phase, then number. */
static int cmp_steps(const void *a, const void *b)
{
  const uint32_t *x = *(const uint32_t *const *)a, *y = *(const uint32_t *const *)b;

  if (x[STEP_PHASE] != y[STEP_PHASE])
    return x[STEP_PHASE] < y[STEP_PHASE] ? -1 : 1;
  return x[STEP_NUMBER] < y[STEP_NUMBER] ? -1 : x[STEP_NUMBER] > y[STEP_NUMBER];
}

/* The number of steps of phase `number` (0 when unknown). */
static uint32_t phase_steps(const struct vm *vm, uint32_t number)
{
  for (uint32_t k = 0; k < vm->c->nconsts; k++)
    if (vm->c->consts[k].kind == CK_PHASE && kdesc(vm, k)[PHASE_NUMBER] == number)
      return kdesc(vm, k)[PHASE_NSTEPS];
  return 0;
}

/* After an early stop: every step that never started, in runbook order. */
static void report_not_run(struct vm *vm)
{
  const uint32_t **list = calloc(vm->c->nconsts ? vm->c->nconsts : 1, sizeof *list);
  size_t n = 0;
  struct ev_step st;

  if (!list)
    return;                     /* the emitter still counts them at run_end */
  for (uint32_t k = 0; k < vm->c->nconsts; k++)
    if (vm->c->consts[k].kind == CK_STEP && !vm->step_started[k])
      list[n++] = kdesc(vm, k);
  qsort(list, n, sizeof *list, cmp_steps);
  for (size_t i = 0; i < n; i++) {
    memset(&st, 0, sizeof st);
    st.phase = list[i][STEP_PHASE];
    st.index = list[i][STEP_NUMBER];
    st.count = phase_steps(vm, st.phase);
    st.name = kstr(vm, list[i][STEP_NAME]);
    ev_step_not_run(vm->ev, &st);
  }
  free(list);
}

/* The run's status and exit code from how execution ended. */
static void outcome(struct vm *vm, int rc, struct ev_run_end *end)
{
  int sig = vm->opts->signal && *vm->opts->signal ? (int)*vm->opts->signal : SIGINT;

  end->status = EV_RUN_PASSED;
  end->exit_code = VM_EXIT_OK;
  if (rc == 0)
    return;
  switch (vm->err.reach) {
  case VM_ERR_INTERRUPT:
    end->status = EV_RUN_INTERRUPTED;
    end->exit_code = 128 + sig;
    break;
  case VM_ERR_HALT:
    end->status = EV_RUN_HALTED;
    end->exit_code = VM_EXIT_HALTED;
    break;
  case VM_ERR_IO:
    end->status = EV_RUN_ERROR;
    end->exit_code = VM_EXIT_IOERR;
    break;
  case VM_ERR_INTERNAL:
    end->status = EV_RUN_ERROR;
    end->exit_code = VM_EXIT_SOFTWARE;
    break;
  default:
    end->status = EV_RUN_FAILED;
    end->exit_code = VM_EXIT_FAILED;
    break;
  }
}

/* Report how the run ended: open step and phase, steps not run, run_end. */
static int finish(struct vm *vm, int rc)
{
  struct ev_run_end end;
  enum ev_step_status status;

  memset(&end, 0, sizeof end);
  outcome(vm, rc, &end);
  if (rc != 0) {
    vm_report(vm);
    if (vm->step_open) {
      status = vm->err.reach == VM_ERR_HALT ? EV_HALTED : vm_fail_status(vm->err.code);
      ev_step_end(vm->ev, status, status == EV_HALTED ? vm_halt_reason(vm) : NULL);
      vm->step_open = false;
    }
  }
  if (vm->phase.open) {
    vm_check_budget(vm);
    ev_phase_end(vm->ev);
    vm->phase.open = false;
  }
  if (rc != 0 && !vm->opts->troubleshoot)
    report_not_run(vm);
  if (end.status != EV_RUN_PASSED)
    end.resume = vm->opts->resume_hint;
  end.journal = vm->opts->journal_path;
  ev_run_end(vm->ev, &end);
  if (ev_failed(vm->ev))
    return VM_EXIT_IOERR;
  return end.exit_code;
}

/*
** Run chunk c per vm/vm.h: globals (param defaults evaluated before
** anything runs), run_start, function 0 (or one troubleshoot block),
** run_end.  Returns the exit status.
*/
int vm_run(const struct chunk *c, const struct vm_run_options *opts, struct ev_sink *ev)
{
  struct vm vm;
  struct rbc_value out;
  int rc;

  if (vm_init(&vm, c, opts, ev) != 0) {
    vm_free(&vm);
    return VM_EXIT_SOFTWARE;
  }
  rc = vm_init_globals(&vm);
  if (rc == 0 && start_run(&vm) != 0)
    rc = VM_EXIT_SOFTWARE;
  if (rc != 0) {
    vm_free(&vm);
    return rc;
  }
  if (opts->troubleshoot) {
    rc = run_troubleshoot(&vm);
  } else {
    rc = vm_exec(&vm, 0, &out);
    if (rc == 0)
      val_release(out);
    if (rc == 0)
      rc = vm_checklists(&vm);          /* vm/checks.c: after phases that did not fail */
    if (rc == 0 && opts->monitor_ms > 0)
      rc = vm_monitors(&vm);            /* --monitor D */
  }
  rc = finish(&vm, rc);
  vm_free(&vm);
  return rc;
}

/* }==== */
