/*
** vm_ops.c: the helpers of the interpreter loop (vm/vm.c): errors, frames,
** handler records and unwinding, sleeping on the run's clock, calls to
** built-ins, the confirm gate and the host callbacks built-ins use.
**
** Each helper is short and does one thing; the loop stays the only long
** function of the VM (style.md guideline 3).  See vm/vm_int.h for the
** machine's data structures and the ownership rule they follow.
*/
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stdlib/loop.h"
#include "stdlib/shell.h"
#include "stdlib/sim.h"
#include "vm/vm_int.h"

/* {==== errors ==== */

/* Release the error's values and mark it clear. */
void vm_error_clear(struct vm_error *e)
{
  if (e->has_actual)
    val_release(e->actual);
  if (e->has_expected)
    val_release(e->expected);
  memset(e, 0, sizeof *e);
}

/* Move *from into *to; *from is left clear (its values now belong to *to). */
void vm_error_move(struct vm_error *to, struct vm_error *from)
{
  vm_error_clear(to);
  *to = *from;
  memset(from, 0, sizeof *from);
}

/* The source location of instruction pc of the top frame (line 0 without one). */
void vm_loc(const struct vm *vm, uint32_t pc, struct ev_loc *loc)
{
  const struct vm_frame *fr;
  const struct chunk_line *l;
  const struct chunk_const *file;

  memset(loc, 0, sizeof *loc);
  if (vm->nframes == 0)
    return;
  fr = &vm->frames[vm->nframes - 1];
  l = chunk_fn_line(fr->fn, pc);
  if (!l)
    return;
  loc->line = l->line;
  loc->col = l->col;
  file = fr->fn->file != CHUNK_NONE ? chunk_str(vm->c, fr->fn->file) : NULL;
  loc->file = file ? file->u.str.bytes : NULL;
  loc->span.start = l->start;
  loc->span.end = l->end;
  loc->has_span = file == NULL;         /* excerpts only from the run's own source */
}

/*
** Record a runtime error at the instruction being executed.  The message
** is formatted from the caller's text only: values go in through vm_masked.
*/
int vm_raise(struct vm *vm, enum diag_code code, enum vm_reach reach, const char *fmt, ...)
{
  va_list ap;

  vm_error_clear(&vm->err);
  vm->err.set = true;
  vm->err.reach = reach;
  vm->err.code = code;
  va_start(ap, fmt);
  vsnprintf(vm->err.msg, sizeof vm->err.msg, fmt, ap);
  va_end(ap);
  vm_loc(vm, vm->ipc, &vm->err.loc);
  return -1;
}

/* A val_* failure: RB5011 with its message, or an internal error when out of memory. */
int vm_raise_val(struct vm *vm, enum val_status st, const struct val_err *e)
{
  if (st == VAL_ERR_OOM)
    return vm_raise(vm, DIAG_RB9001, VM_ERR_INTERNAL, "out of memory");
  return vm_raise(vm, DIAG_RB5011, VM_ERR_NORMAL, "%s", e->msg[0] ? e->msg : "runtime error");
}

/* Masked display form of v (secrets as ***), truncated to size. */
void vm_masked(struct rbc_value v, char *buf, size_t size)
{
  struct val_buf b;

  val_buf_init(&b);
  val_buf_append_value(&b, v, VAL_FMT_MASKED);
  snprintf(buf, size, "%s", b.data && !b.oom ? b.data : "");
  val_buf_free(&b);
}

/* The short reason a halted step shows (the diagnostic says more). */
const char *vm_halt_reason(const struct vm *vm)
{
  return strstr(vm->err.msg, "declined") ? "declined" : "needs --yes (no terminal)";
}

/* Fail for assertion, command, timeout and retry codes; error for the rest. */
enum ev_step_status vm_fail_status(enum diag_code code)
{
  switch (code) {
  case DIAG_RB5001: case DIAG_RB5002: case DIAG_RB5003: case DIAG_RB5004: case DIAG_RB5005:
  case DIAG_RB5009:
    return EV_FAIL;
  default:
    return EV_ERROR;
  }
}

/* The pending error as one ev_diagnostic, once. */
void vm_report(struct vm *vm)
{
  struct ev_diag d;

  if (!vm->err.set || vm->err.reported)
    return;
  memset(&d, 0, sizeof d);
  d.code = vm->err.code;
  d.message = vm->err.msg;
  d.loc = vm->err.loc;
  d.actual = vm->err.has_actual ? &vm->err.actual : NULL;
  d.expected = vm->err.has_expected ? &vm->err.expected : NULL;
  ev_diagnostic(vm->ev, &d);
  vm->err.reported = true;
}

/* }==== */

/* {==== the operand stack and frames ==== */

/* Grow the stack to `need` slots (never shrinks; bounded by VM_MAX_STACK). */
int vm_reserve(struct vm *vm, uint64_t need)
{
  struct rbc_value *ns;
  uint64_t cap = vm->stack_cap ? vm->stack_cap : 64;

  if (need <= vm->stack_cap)
    return 0;
  if (need > VM_MAX_STACK)
    return vm_raise(vm, DIAG_RB5011, VM_ERR_NORMAL, "operand stack overflow");
  while (cap < need)
    cap *= 2;
  if (cap > VM_MAX_STACK)
    cap = VM_MAX_STACK;
  ns = realloc(vm->stack, (size_t)cap * sizeof *ns);
  if (!ns)
    return vm_raise(vm, DIAG_RB9001, VM_ERR_INTERNAL, "out of memory");
  vm->stack = ns;
  vm->stack_cap = (uint32_t)cap;
  return 0;
}

/* Pop and release n values. */
void vm_popn(struct vm *vm, uint32_t n)
{
  while (n-- > 0 && vm->sp > 0)
    vm_release(vm->stack[--vm->sp]);
}

/* The name of function f (for messages). */
static const char *fn_name(const struct vm *vm, const struct chunk_fn *f)
{
  const struct chunk_const *s = chunk_str(vm->c, f->name);

  return s ? s->u.str.bytes : "?";
}

/* The i-th name of NAMES constant k, or "" (the verifier checked the kinds). */
static const char *names_at(const struct vm *vm, uint32_t k, uint32_t i)
{
  const struct chunk_const *s = chunk_str(vm->c, vm->c->consts[k].u.desc.w[NAMES_ITEMS + i]);

  return s ? s->u.str.bytes : "";
}

/* Number of names in NAMES constant k (0 for CHUNK_NONE). */
static uint32_t names_count(const struct vm *vm, uint32_t k)
{
  return k == CHUNK_NONE ? 0 : vm->c->consts[k].u.desc.w[NAMES_N];
}

/*
** Where the named argument `name` goes in f's locals: its parameter index,
** or -1 when f has no such parameter.
*/
static int param_index(const struct vm *vm, const struct chunk_fn *f, const char *name)
{
  for (uint32_t i = 0; i < f->arity && f->params != CHUNK_NONE; i++)
    if (strcmp(names_at(vm, f->params, i), name) == 0)
      return (int)i;
  return -1;
}

/* Check the named arguments of a call to f: known, not given twice.  0 or -1. */
static int check_named(struct vm *vm, const struct chunk_fn *f, uint32_t npos, uint32_t names)
{
  uint32_t nn = names_count(vm, names);

  for (uint32_t j = 0; j < nn; j++) {
    const char *nm = names_at(vm, names, j);
    int k = param_index(vm, f, nm);

    if (k < 0)
      return vm_raise(vm, DIAG_RB5011, VM_ERR_NORMAL, "`%s` has no parameter `%s`",
                      fn_name(vm, f), nm);
    if ((uint32_t)k < npos)
      return vm_raise(vm, DIAG_RB5011, VM_ERR_NORMAL, "`%s`: argument `%s` given twice",
                      fn_name(vm, f), nm);
    for (uint32_t i = 0; i < j; i++)
      if (strcmp(names_at(vm, names, i), nm) == 0)
        return vm_raise(vm, DIAG_RB5011, VM_ERR_NORMAL, "`%s`: argument `%s` given twice",
                        fn_name(vm, f), nm);
  }
  return 0;
}

/*
** A new frame for fn_index, its arguments moved from the top argc values
** into its locals (positional first, then by name).  The arguments are
** popped whatever happens.
*/
int vm_push_frame(struct vm *vm, uint32_t fn_index, uint32_t argc, uint32_t names,
                  enum vm_ret ret)
{
  const struct chunk_fn *f = &vm->c->fns[fn_index];
  uint32_t nn = names_count(vm, names), npos = argc - nn, first = vm->sp - argc;
  struct vm_frame *fr;
  struct rbc_value *locals;

  if (vm->nframes >= VM_MAX_FRAMES) {
    vm_popn(vm, argc);
    return vm_raise(vm, DIAG_RB5011, VM_ERR_NORMAL,
                    "recursion too deep: more than %d nested calls (in `%s`)", VM_MAX_FRAMES,
                    fn_name(vm, f));
  }
  if (npos > f->arity) {
    vm_popn(vm, argc);
    return vm_raise(vm, DIAG_RB5011, VM_ERR_NORMAL, "`%s` takes %u argument%s, got %u",
                    fn_name(vm, f), f->arity, f->arity == 1 ? "" : "s", npos);
  }
  if (nn > 0 && check_named(vm, f, npos, names) != 0) {
    vm_popn(vm, argc);
    return -1;
  }
  locals = vm_locals_new(vm, f->nlocals);
  if (!locals || ((uint64_t)first + f->max_stack + 1 > vm->stack_cap
                  && vm_reserve(vm, (uint64_t)first + f->max_stack + 1) != 0)) {
    vm_locals_free(vm, locals, 0);
    vm_popn(vm, argc);
    return locals ? -1 : vm_raise(vm, DIAG_RB9001, VM_ERR_INTERNAL, "out of memory");
  }
  for (uint32_t i = 0; i < npos; i++)
    vm_vcopy(&locals[i], &vm->stack[first + i]);
  for (uint32_t j = 0; j < nn; j++)
    locals[param_index(vm, f, names_at(vm, names, j))] = vm->stack[first + npos + j];
  vm->sp = first;
  fr = &vm->frames[vm->nframes++];
  fr->fn = f;
  fr->fn_index = fn_index;
  fr->pc = 0;
  fr->locals = locals;
  fr->base = first;
  fr->ret = ret;
  return 0;
}

/* The header of locals array l (vm_locals_new puts it in the slot before l[0]). */
static struct vm_lbuf *lbuf_of(struct rbc_value *l)
{
  return (struct vm_lbuf *)(void *)(l - 1);
}

/* A locals array of n null values, recycled when one of its class is free. */
struct rbc_value *vm_locals_new(struct vm *vm, uint32_t n)
{
  _Static_assert(sizeof(struct vm_lbuf) <= sizeof(struct rbc_value), "lbuf header size");
  uint32_t cls = 0;
  struct vm_lbuf *b;
  struct rbc_value *l;

  while (cls < VM_LCLASSES && (1u << cls) < n)
    cls++;
  if (cls < VM_LCLASSES && vm->lfree[cls]) {
    b = vm->lfree[cls];
    vm->lfree[cls] = b->next;
  } else {
    size_t cap = cls < VM_LCLASSES ? (size_t)1 << cls : n;

    b = malloc((cap + 1) * sizeof(struct rbc_value));
    if (!b)
      return NULL;
    b->cls = cls;
  }
  l = (struct rbc_value *)(void *)b + 1;
  for (uint32_t i = 0; i < (n ? n : 1); i++)
    l[i] = val_null();
  return l;
}

/* Release l's n values and put l on its class's free list (or free it). */
void vm_locals_free(struct vm *vm, struct rbc_value *l, uint32_t n)
{
  struct vm_lbuf *b;

  if (!l)
    return;
  for (uint32_t i = 0; i < n; i++)
    vm_release(l[i]);
  b = lbuf_of(l);
  if (b->cls < VM_LCLASSES) {
    b->next = vm->lfree[b->cls];
    vm->lfree[b->cls] = b;
  } else {
    free(b);
  }
}

/* Free every recycled locals array. */
void vm_locals_drain(struct vm *vm)
{
  for (int c = 0; c < VM_LCLASSES; c++) {
    while (vm->lfree[c]) {
      struct vm_lbuf *b = vm->lfree[c];

      vm->lfree[c] = b->next;
      free(b);
    }
  }
}

/* Pop the top frame with its handler records, locals and operands. */
void vm_pop_frame(struct vm *vm)
{
  struct vm_frame *fr = &vm->frames[vm->nframes - 1];

  while (vm->nh > 0 && vm->h[vm->nh - 1].frame == vm->nframes - 1)
    vm_pop_handler(vm);
  vm_popn(vm, vm->sp - fr->base);
  vm_locals_free(vm, fr->locals, fr->fn->nlocals);
  fr->locals = NULL;
  vm->nframes--;
}

/* }==== */

/* {==== handler records ==== */

/* A zeroed record of kind k for the top frame at the current depth. */
struct vm_handler *vm_push_handler(struct vm *vm, enum vm_hkind k)
{
  struct vm_handler *h;

  if (vm->nh == vm->h_cap) {
    uint32_t cap = vm->h_cap ? vm->h_cap * 2 : 16;
    struct vm_handler *nh = realloc(vm->h, cap * sizeof *nh);

    if (!nh) {
      vm_raise(vm, DIAG_RB9001, VM_ERR_INTERNAL, "out of memory");
      return NULL;
    }
    vm->h = nh;
    vm->h_cap = cap;
  }
  h = &vm->h[vm->nh++];
  memset(h, 0, sizeof *h);
  h->kind = k;
  h->frame = vm->nframes - 1;
  h->sp = vm->sp;
  return h;
}

/* Release the locals array `l` of n values (NULL is a no-op). */
static void free_locals(struct vm *vm, struct rbc_value *l, uint32_t n)
{
  vm_locals_free(vm, l, n);
}

/* Pop the top record; a running parallel group gives its frame its locals back. */
void vm_pop_handler(struct vm *vm)
{
  struct vm_handler *h = &vm->h[vm->nh - 1];

  if (h->kind == VM_H_PAR) {
    struct vm_par_rec *p = &h->u.par;
    struct vm_frame *fr = &vm->frames[h->frame];

    free(p->spawn_pcs);
    if (p->has_each)
      val_release(p->each);
    if (p->saved) {
      free_locals(vm, fr->locals, fr->fn->nlocals);
      fr->locals = p->saved;
    }
    vm_error_clear(&p->first);
  }
  vm->nh--;
}

/* The innermost step record (function 0 holds at most one), or NULL. */
struct vm_handler *vm_step_handler(struct vm *vm)
{
  for (; vm; vm = vm->parent)           /* a parallel branch runs in its group's step */
    for (uint32_t i = vm->nh; i > 0; i--)
      if (vm->h[i - 1].kind == VM_H_STEP)
        return &vm->h[i - 1];
  return NULL;
}

/* }==== */

/* {==== time: sleeps, budgets, deadlines ==== */

/*
** The open phase: the run's VM's (a parallel branch's VM has a copy from
** when its group started, whose overrun flag would be stale).
*/
static struct vm_phase *phase_of(struct vm *vm)
{
  while (vm->parent)
    vm = vm->parent;
  return &vm->phase;
}

/* RB5005 for the open phase, reported once. */
static void overrun(struct vm *vm, int64_t elapsed)
{
  struct vm_phase *ph = phase_of(vm);

  ph->overrun = vm->phase.overrun = true;
  ev_budget_overrun(vm->ev, ph->budget_ms, elapsed);
}

/* Report the overrun when the open phase is past its budget. */
void vm_check_budget(struct vm *vm)
{
  const struct vm_phase *ph = phase_of(vm);
  int64_t elapsed;

  if (!ph->open || ph->budget_ms < 0 || ph->overrun)
    return;
  elapsed = clock_monotonic_ms(vm->clock) - ph->t0;
  if (elapsed > ph->budget_ms)
    overrun(vm, elapsed);
}

/* RB5009 for the signal that arrived. */
static int raise_interrupt(struct vm *vm)
{
  int sig = vm->opts->signal ? (int)*vm->opts->signal : 0;

  return vm_raise(vm, DIAG_RB5009, VM_ERR_INTERRUPT, "interrupted by %s",
                  sig == SIGTERM ? "SIGTERM" : "SIGINT");
}

/* RB5003 for the step whose record is h. */
static int raise_step_timeout(struct vm *vm, const struct vm_handler *h)
{
  char d[VAL_FMT_BUF];

  return vm_raise(vm, DIAG_RB5003, VM_ERR_STEP, "step timed out after %s",
                  val_format_duration(h->u.step.timeout_ms, d));
}

static bool interrupted(const struct vm *vm)
{
  return vm->opts->interrupt && *vm->opts->interrupt;
}

/* Sleep ms on the run's loop (a fiber yields meanwhile), or on the clock without one. */
static int sleep_piece(struct vm *vm, int64_t ms)
{
  if (vm->host.loop)
    return loop_sleep(vm->host.loop, ms);
  return clock_sleep_ms(vm->clock, ms) == CLOCK_OK ? 0 : -1;
}

/*
** Sleep in pieces: never past the step's deadline (which raises RB5003
** there), split at the phase budget so the overrun is reported the moment
** it happens, in slices of CLOCK_SLICE_MS on the real clock so live
** outputs can redraw (ev_tick).
*/
int vm_sleep(struct vm *vm, int64_t ms)
{
  const struct vm_handler *st = vm_step_handler(vm);
  const struct vm_phase *ph = phase_of(vm);

  while (ms > 0) {
    int64_t now = clock_monotonic_ms(vm->clock), piece = ms, to_budget = -1;
    bool at_deadline = false;

    if (interrupted(vm))
      return raise_interrupt(vm);
    if (st && st->u.step.deadline != INT64_MAX && st->u.step.deadline - now <= piece) {
      piece = st->u.step.deadline - now;
      at_deadline = true;
    }
    if (ph->open && ph->budget_ms >= 0 && !ph->overrun) {
      to_budget = ph->t0 + ph->budget_ms - now;
      if (to_budget >= 0 && to_budget < piece) {
        piece = to_budget;
        at_deadline = false;
      }
    }
    if (!clock_is_virtual(vm->clock) && piece > CLOCK_SLICE_MS) {
      piece = CLOCK_SLICE_MS;
      at_deadline = false;
    }
    if (piece > 0 && sleep_piece(vm, piece) != 0)
      return raise_interrupt(vm);
    ms -= piece > 0 ? piece : 0;
    ev_tick(vm->ev);
    if (to_budget >= 0 && !ph->overrun && clock_monotonic_ms(vm->clock) - ph->t0 >= ph->budget_ms
        && (ms > 0 || at_deadline))
      overrun(vm, clock_monotonic_ms(vm->clock) - ph->t0);
    if (at_deadline)
      return raise_step_timeout(vm, st);
  }
  return interrupted(vm) ? raise_interrupt(vm) : 0;
}

/* Interrupts, the step's deadline, the phase budget, the outputs. */
int vm_safepoint(struct vm *vm)
{
  const struct vm_handler *st;

  if (interrupted(vm))
    return raise_interrupt(vm);
  st = vm_step_handler(vm);
  if (st && st->u.step.deadline != INT64_MAX
      && clock_monotonic_ms(vm->clock) > st->u.step.deadline)
    return raise_step_timeout(vm, st);
  vm_check_budget(vm);
  if (ev_failed(vm->ev))
    return vm_raise(vm, DIAG_RB9001, VM_ERR_IO, "cannot write the run's output");
  return 0;
}

/* }==== */

/* {==== built-ins ==== */

/* "`NAME` is not available ..." for the network built-ins of a later issue. */
static int not_available(struct vm *vm, const char *name)
{
  const char *what = strncmp(name, "aws", 3) == 0 ? "AWS" : "HTTP";

  return vm_raise(vm, DIAG_RB5011, VM_ERR_NORMAL,
                  "`%s` is not available: %s built-ins are not in this version", name, what);
}

/* Does the value hold a secret anywhere (itself, or an item of a container)? */
static bool holds_secret(struct rbc_value v)
{
  struct val_buf b;
  bool s;

  if (v.secret)
    return true;
  if (v.type != VAL_LIST && v.type != VAL_MAP)
    return false;
  val_buf_init(&b);
  val_buf_append_value(&b, v, VAL_FMT_RAW);
  s = b.secret;
  val_buf_free(&b);
  return s;
}

/*
** Arguments of a call to `sh` or http.*, with the step's remaining time as the
** command's timeout (the smaller of it and the one given).  names/vals have
** room for nn + 1 entries; returns the new count of named arguments.
*/
static int sh_timeout(struct vm *vm, const char **names, struct rbc_value *vals, int nn,
                      bool *injected)
{
  const struct vm_handler *st = vm_step_handler(vm);
  int64_t left;
  int i;

  *injected = false;
  if (!st || st->u.step.deadline == INT64_MAX)
    return nn;
  left = st->u.step.deadline - clock_monotonic_ms(vm->clock);
  if (left < 1)
    left = 1;
  for (i = 0; i < nn && strcmp(names[i], "timeout") != 0; i++)
    ;
  if (i < nn && (vals[i].type != VAL_DURATION || vals[i].as.i <= left))
    return nn;
  names[i] = "timeout";
  vals[i] = val_duration(left);
  *injected = true;
  return i == nn ? nn + 1 : nn;
}

/*
** After a failed native: the interrupt or the step's deadline wins over its
** message (also when the command timed out at the step's remaining time:
** `injected`, which on the virtual clock is the only sign of it).
*/
static int native_failed(struct vm *vm, const struct std_call *call, const char *name,
                         bool injected)
{
  const struct vm_handler *st = vm_step_handler(vm);

  if (interrupted(vm))
    return raise_interrupt(vm);
  if (st && st->u.step.deadline != INT64_MAX
      && (clock_monotonic_ms(vm->clock) >= st->u.step.deadline
          || (injected && (call->code == DIAG_RB5003 || call->code == DIAG_RB5014))))
    return raise_step_timeout(vm, st);
  if (call->message[0])
    return vm_raise(vm, call->code, VM_ERR_NORMAL, "%s", call->message);
  return vm_raise(vm, call->code, VM_ERR_NORMAL, "`%s` failed", name);
}

/* Journal one `sh` call as an action. */
static void sh_action(struct vm *vm, int rc, const struct std_call *call, int64_t t0)
{
  struct ev_action a;

  memset(&a, 0, sizeof a);
  a.kind = "sh";
  a.call = "sh";
  a.status = rc == 0 ? "ok" : call->code == DIAG_RB5003 ? "timed-out" : "failed";
  a.elapsed_ms = clock_monotonic_ms(vm->clock) - t0;
  a.exports = call->exports.type == VAL_MAP ? &call->exports : NULL;  /* stdlib/sh_native.c */
  ev_action(vm->ev, &a);
}

/*
** Call built-in b on the top argc values through std_natives[b].  confirm
** is the VM's own gate; aws calls are CALL_AWS (no native here).
** sh and http.* get the step's remaining time as their timeout; sh never a
** secret command line.
*/
int vm_call_builtin(struct vm *vm, uint32_t b, uint32_t argc, uint32_t names)
{
  const struct std_builtin *bi = &std_builtins[b];
  std_native_fn *fn = std_natives[b];
  struct rbc_value *args = &vm->stack[vm->sp - argc], out = val_null();
  const char *nm[257];
  struct rbc_value nv[257];
  struct std_call call;
  struct ev_loc loc;
  int nn = (int)names_count(vm, names), npos = (int)argc - nn, rc;
  bool injected = false;
  int64_t t0;

  if (b == STD_BI_confirm && npos == 1 && nn == 0) {
    rc = vm_confirm(vm, args[0]);
    vm_popn(vm, argc);
    if (rc == 0)
      vm->stack[vm->sp++] = val_bool(true);
    return rc;
  }
  if (!fn) {
    vm_popn(vm, argc);
    return not_available(vm, bi->name);
  }
  if (b == STD_BI_sh && npos >= 1 && holds_secret(args[0])) {
    vm_popn(vm, argc);
    return vm_raise(vm, DIAG_RB3001, VM_ERR_NORMAL,
                    "a secret reaches a shell command line: pass it through env: instead");
  }
  for (int i = 0; i < nn; i++) {
    nm[i] = names_at(vm, names, (uint32_t)i);
    nv[i] = args[npos + i];
  }
  if (b == STD_BI_sh || (b >= STD_BI_http_delete && b <= STD_BI_http_request))
    nn = sh_timeout(vm, nm, nv, nn, &injected);
  memset(&call, 0, sizeof call);
  call.host = &vm->host;
  call.args = args;
  call.nargs = npos;
  call.named = nv;
  call.names = nm;
  call.nnamed = nn;
  vm_loc(vm, vm->ipc, &loc);
  call.span = loc.span;
  call.code = DIAG_RB5011;
  t0 = clock_monotonic_ms(vm->clock);
  rc = fn(&call, &out);
  if (b == STD_BI_sh)
    sh_action(vm, rc, &call, t0);
  val_release(call.exports);
  vm_popn(vm, argc);
  if (rc != 0)
    return native_failed(vm, &call, bi->name, injected);
  vm->stack[vm->sp++] = out;
  return 0;
}

/*
** FOR_RANGE: the top argc values are range()'s arguments; check them as
** range() does (std_range_count: same errors, raised like a failing call
** of range()) and replace them by the loop state [start count step], ints,
** start secret when an argument was.  0, or -1 with an error raised.
*/
int vm_range_begin(struct vm *vm, uint32_t argc)
{
  struct rbc_value *args = &vm->stack[vm->sp - argc], count = val_null();
  struct rbc_value start, step;
  struct std_call call;
  struct ev_loc loc;

  memset(&call, 0, sizeof call);
  call.host = &vm->host;
  call.args = args;
  call.nargs = (int)argc;
  vm_loc(vm, vm->ipc, &loc);
  call.span = loc.span;
  call.code = DIAG_RB5011;
  if (std_range_count(&call, &count) != 0) {
    vm_popn(vm, argc);
    return native_failed(vm, &call, std_builtins[STD_BI_range].name, false);
  }
  start = val_tainted(val_int(args[0].as.i), count.secret);
  step = val_int(argc == 3 ? args[2].as.i : 1);
  vm_popn(vm, argc);
  count.secret = false;
  vm->stack[vm->sp++] = start;
  vm->stack[vm->sp++] = count;
  vm->stack[vm->sp++] = step;
  return 0;
}

/* }==== */

/* {==== the confirm gate ==== */

/* Send the gate event. */
static void gate(struct vm *vm, struct rbc_value q, const char *answer, const char *by)
{
  struct ev_gate g;

  g.question = q;
  g.answer = answer;
  g.by = by;
  ev_gate(vm->ev, &g);
}

/*
** Ask on /dev/tty: "question [y/N] "; true for an answer starting with y.
** The question is shown masked.  *ok is false when the terminal failed.
*/
bool vm_ask_tty(struct rbc_value q, bool *ok)
{
  char text[400], line[64];
  int fd = open("/dev/tty", O_RDWR | O_CLOEXEC);
  ssize_t n;
  size_t len;

  *ok = fd >= 0;
  if (fd < 0)
    return false;
  vm_masked(q, text, sizeof text - 8);
  len = strlen(text);
  memcpy(text + len, " [y/N] ", 8);
  n = write(fd, text, len + 7);
  n = n < 0 ? -1 : read(fd, line, sizeof line - 1);
  close(fd);
  if (n < 0) {
    *ok = false;
    return false;
  }
  line[n] = '\0';
  return line[0] == 'y' || line[0] == 'Y';
}

/* The gate: --yes answers it, a terminal asks it, otherwise the run halts. */
int vm_confirm(struct vm *vm, struct rbc_value q)
{
  const struct sim *sim = loop_sim(vm->opts->loop);
  bool ok = false, yes;

  if (sim != NULL) {                    /* rbc test: the scenario answers (stdlib/sim.h) */
    char text[400];

    vm_masked(q, text, sizeof text);
    if (sim->confirm == NULL || sim->confirm(sim->ctx, text, &yes) != SIM_ANSWERED)
      return vm_raise(vm, DIAG_RB5060, VM_ERR_HALT,
                      "confirm \"%.200s\": not described by the scenario", text);
    gate(vm, q, yes ? "yes" : "no", "scenario");
    return yes ? 0 : vm_raise(vm, DIAG_RB5008, VM_ERR_HALT, "confirm gate declined");
  }
  if (vm->opts->yes) {
    gate(vm, q, "yes", "--yes");
    return 0;
  }
  if (vm->opts->interactive) {
    yes = vm_ask_tty(q, &ok);
    if (interrupted(vm))
      return raise_interrupt(vm);
    if (ok) {
      gate(vm, q, yes ? "yes" : "no", "tty");
      return yes ? 0 : vm_raise(vm, DIAG_RB5008, VM_ERR_HALT, "confirm gate declined");
    }
  }
  gate(vm, q, "halted", "no-tty");
  return vm_raise(vm, DIAG_RB5008, VM_ERR_HALT,
                  "confirm gate needs --yes (no terminal to ask on); resume with --yes");
}

/* }==== */

/* {==== unwinding ==== */

/* The delay after failed attempt k (1-based): every * backoff^(k-1), capped at max. */
static int64_t retry_delay(const struct vm_retry_rec *r, int64_t k)
{
  double d = (double)r->every_ms;

  for (int64_t i = 1; i < k && d < 9.0e15; i++)
    d *= r->backoff;
  if (r->max_ms >= 0 && d > (double)r->max_ms)
    d = (double)r->max_ms;
  if (!(d < 9.0e15))
    d = 9.0e15;
  return (int64_t)(d + 0.5);
}

/*
** An error reached a retry record: sleep and run the body again, or give
** up with RB5004 wrapping the last failure.  VM_RESUME, or VM_STOP to keep
** unwinding (the record is then popped).
*/
static enum vm_unwind on_retry(struct vm *vm, struct vm_handler *h)
{
  struct vm_retry_rec *r = &h->u.retry;
  char msg[sizeof vm->err.msg], d[VAL_FMT_BUF];
  struct ev_retry ev;
  uint32_t frame = h->frame;

  if (vm->err.reach != VM_ERR_NORMAL || r->attempt >= r->attempts) {
    if (vm->err.reach == VM_ERR_NORMAL) {
      snprintf(msg, sizeof msg, "retries exhausted (%lld of %lld, every %s): %.400s",
               (long long)r->attempt, (long long)r->attempts,
               val_format_duration(r->every_ms, d), vm->err.msg);
      memcpy(vm->err.msg, msg, sizeof msg);
      vm->err.code = DIAG_RB5004;
    }
    vm_pop_handler(vm);
    return VM_STOP;
  }
  ev.attempt = (uint32_t)r->attempt;
  ev.max = (uint32_t)r->attempts;
  ev.next_in_ms = retry_delay(r, r->attempt);
  ev.code = vm->err.code;
  ev.reason = vm->err.msg;
  ev_retry(vm->ev, &ev);
  vm_popn(vm, vm->sp - h->sp);
  if (vm_sleep(vm, ev.next_in_ms) != 0)
    return VM_STOP;                     /* a new error (interrupt, timeout) unwinds on */
  h = &vm->h[vm->nh - 1];
  h->u.retry.attempt++;
  vm_error_clear(&vm->err);
  vm->frames[frame].pc = h->u.retry.resume_pc;
  return VM_RESUME;
}

/* An error reached a parallel group: note it, run the next branch. */
static enum vm_unwind on_par(struct vm *vm, struct vm_handler *h)
{
  struct vm_par_rec *p = &h->u.par;

  if (vm->err.reach != VM_ERR_NORMAL || !p->running) {
    vm_pop_handler(vm);
    return VM_STOP;
  }
  p->nfailed++;
  if (!p->first.set) {
    p->first_failed = p->next + 1;
    vm_error_move(&p->first, &vm->err);
  } else {
    vm_error_clear(&vm->err);
  }
  vm_popn(vm, vm->sp - h->sp);
  return vm_par_next(vm, h);
}

/* End the open step with status (detail: the halt reason) and pop its record. */
static void end_step(struct vm *vm, enum ev_step_status status)
{
  ev_step_end(vm->ev, status, status == EV_HALTED ? vm_halt_reason(vm) : NULL);
  vm->step_open = false;
  vm_pop_handler(vm);
}

/*
** A step failed again after its troubleshoot block started: say so in the
** message ("troubleshoot "X" failed: ..." or "still failing after
** troubleshoot "X": ...") and journal the block's outcome.
*/
static void after_troubleshoot(struct vm *vm, const struct vm_handler *h)
{
  const uint32_t *w = vm->c->consts[h->u.step.desc].u.desc.w;
  const uint32_t *ts = vm->c->consts[w[STEP_TROUBLESHOOT]].u.desc.w;
  const struct chunk_const *name = chunk_str(vm->c, ts[TS_NAME]);
  char msg[sizeof vm->err.msg];
  struct ev_action a;

  if (h->u.step.state == VM_STEP_TROUBLESHOOTING)
    snprintf(msg, sizeof msg, "troubleshoot \"%s\" failed: %.400s",
             name ? name->u.str.bytes : "", vm->err.msg);
  else
    snprintf(msg, sizeof msg, "still failing after troubleshoot \"%s\": %.400s",
             name ? name->u.str.bytes : "", vm->err.msg);
  memcpy(vm->err.msg, msg, sizeof msg);
  if (h->u.step.state != VM_STEP_TROUBLESHOOTING)
    return;
  memset(&a, 0, sizeof a);
  a.kind = "troubleshoot";
  a.call = name ? name->u.str.bytes : "";
  a.status = "failed";
  ev_action(vm->ev, &a);
}

/*
** An error reached a step record: report it, then apply the step's
** on-failure (continue, troubleshoot then run the step once more, abort).
*/
static enum vm_unwind on_step(struct vm *vm, struct vm_handler *h)
{
  const uint32_t *w = vm->c->consts[h->u.step.desc].u.desc.w;
  enum ev_step_status status = vm_fail_status(vm->err.code);
  uint32_t ts_fn;

  if (h->u.step.state != VM_STEP_RUNNING)
    after_troubleshoot(vm, h);
  vm_report(vm);
  if (vm->err.reach == VM_ERR_HALT)
    status = EV_HALTED;
  else if (vm->err.reach == VM_ERR_INTERRUPT)
    status = EV_FAIL;
  if (vm->err.reach > VM_ERR_STEP || h->u.step.state != VM_STEP_RUNNING
      || (w[STEP_ONFAIL] != ONF_CONTINUE && w[STEP_ONFAIL] != ONF_TROUBLESHOOT)) {
    end_step(vm, status);
    return VM_STOP;
  }
  vm_popn(vm, vm->sp - h->sp);
  if (w[STEP_ONFAIL] == ONF_CONTINUE) {
    vm->frames[h->frame].pc = h->u.step.after_pc;
    vm->tolerated = true;
    end_step(vm, status);
    vm_error_clear(&vm->err);
    return VM_RESUME;
  }
  ts_fn = vm->c->consts[w[STEP_TROUBLESHOOT]].u.desc.w[TS_FN];
  h->u.step.state = VM_STEP_TROUBLESHOOTING;
  vm_error_clear(&vm->err);
  if (vm_push_frame(vm, ts_fn, 0, CHUNK_NONE, VM_RET_TROUBLESHOOT) != 0)
    return vm_unwind(vm);
  return VM_RESUME;
}

/*
** Pass the pending error to the innermost handler records in turn until
** one resumes execution or none is left (every frame is then popped).
*/
enum vm_unwind vm_unwind(struct vm *vm)
{
  while (vm->nh > 0) {
    struct vm_handler *h = &vm->h[vm->nh - 1];
    enum vm_unwind r;

    while (vm->nframes - 1 > h->frame)
      vm_pop_frame(vm);
    switch (h->kind) {
    case VM_H_RETRY:
      r = on_retry(vm, h);
      break;
    case VM_H_PAR:
      r = on_par(vm, h);
      break;
    case VM_H_STEP:
      return on_step(vm, h);
    default:                            /* a wait record: pop it, propagate */
      vm_pop_handler(vm);
      r = VM_STOP;
      break;
    }
    if (r == VM_RESUME)
      return VM_RESUME;
    if (!vm->err.set)
      break;                            /* reported and handled: nothing to unwind */
  }
  while (vm->nframes > 0)
    vm_pop_frame(vm);
  return VM_STOP;
}

/* }==== */

/* {==== parallel groups (sequential in this version) ==== */

/* A fresh copy of the saved locals for a branch; NULL on oom. */
static struct rbc_value *copy_locals(struct vm *vm, const struct rbc_value *from, uint32_t n)
{
  struct rbc_value *l = vm_locals_new(vm, n);

  for (uint32_t i = 0; l && i < n; i++)
    l[i] = val_retain(from[i]);
  return l;
}

/* Start branch p->next of the group h: its locals, its item, its entry pc. */
static int start_branch(struct vm *vm, struct vm_handler *h)
{
  struct vm_par_rec *p = &h->u.par;
  struct vm_frame *fr = &vm->frames[h->frame];
  struct rbc_value *l = copy_locals(vm, p->saved, fr->fn->nlocals);

  if (!l || vm_reserve(vm, (uint64_t)vm->sp + fr->fn->max_stack + 1) != 0) {
    free_locals(vm, l, fr->fn->nlocals);
    return l ? -1 : vm_raise(vm, DIAG_RB9001, VM_ERR_INTERNAL, "out of memory");
  }
  fr->locals = l;
  if (p->next < p->nspawn) {
    fr->pc = p->spawn_pcs[p->next];
    return 0;
  }
  val_release(l[p->each_slot]);
  l[p->each_slot] = val_tainted(val_retain(*val_list_at(p->each, p->next - p->nspawn)),
                                p->each.secret);
  fr->pc = p->each_pc;
  return 0;
}

/* The group is done: locals back, record popped, the first failure raised. */
static enum vm_unwind finish_group(struct vm *vm, struct vm_handler *h)
{
  struct vm_par_rec *p = &h->u.par;
  struct vm_frame *fr = &vm->frames[h->frame];
  struct vm_error first;
  uint32_t nth = p->first_failed, nfailed = p->nfailed, total = p->total;
  char msg[sizeof first.msg];

  fr->pc = p->join_pc;
  memset(&first, 0, sizeof first);
  vm_error_move(&first, &p->first);
  vm_pop_handler(vm);
  if (nfailed == 0)
    return VM_RESUME;
  snprintf(msg, sizeof msg, "parallel branch %u of %u failed (%u of %u failed): %.400s", nth,
           total, nfailed, total, first.msg);
  memcpy(first.msg, msg, sizeof msg);
  vm_error_move(&vm->err, &first);
  return VM_STOP;
}

/*
** Branch p->next ended (PAR_END or a failure): start the next one or
** finish the group.  VM_RESUME: go on at the frame's pc; VM_STOP: an error
** is pending (the group's first failure, or starting a branch failed).
*/
enum vm_unwind vm_par_next(struct vm *vm, struct vm_handler *h)
{
  struct vm_par_rec *p = &h->u.par;
  struct vm_frame *fr = &vm->frames[h->frame];

  free_locals(vm, fr->locals, fr->fn->nlocals);
  fr->locals = NULL;
  if (++p->next < p->total)
    return start_branch(vm, h) == 0 ? VM_RESUME : VM_STOP;
  fr->locals = p->saved;
  p->saved = NULL;
  return finish_group(vm, h);
}

/* }==== */

/* {==== host callbacks for built-ins ==== */

static int64_t host_now(void *ctx)
{
  return clock_now_ms(((struct vm *)ctx)->clock);
}

static int64_t host_monotonic(void *ctx)
{
  return clock_monotonic_ms(((struct vm *)ctx)->clock);
}

/* Sleep on the run's clock; -1 when interrupted (the VM notices it after the call). */
static int host_sleep(void *ctx, int64_t ms)
{
  struct vm *vm = ctx;
  struct vm_error saved = vm->err;
  int rc;

  memset(&vm->err, 0, sizeof vm->err);
  rc = vm_sleep(vm, ms);
  vm_error_clear(&vm->err);
  vm->err = saved;
  return rc;
}

/* A `log` line (already masked by the built-in) to the run's outputs. */
static void host_log(void *ctx, const char *level, const char *text, size_t len)
{
  struct vm *vm = ctx;
  struct rbc_value v;

  (void)level;
  if (val_string_new(text, len, &v, NULL) != VAL_OK)
    return;
  ev_log(vm->ev, &v, 1);
  val_release(v);
}

/* Register a secret's bytes with the outputs' scrubber. */
static void host_add_secret(void *ctx, const char *bytes, size_t len)
{
  struct vm *vm = ctx;
  struct rbc_value v;

  if (val_string_new(bytes, len, &v, NULL) != VAL_OK)
    return;
  ev_add_secret(vm->ev, val_tainted(v, true));
  val_release(v);
}

/* An action of a built-in (http) to the run's outputs, with its exports (borrowed, may be NULL). */
static void host_action_exports(void *ctx, const char *kind, const char *call,
                                const char *status, int64_t elapsed_ms,
                                const struct rbc_value *exports)
{
  struct vm *vm = ctx;
  struct ev_action a;

  memset(&a, 0, sizeof a);
  a.kind = kind;
  a.call = call;
  a.status = status;
  a.elapsed_ms = elapsed_ms;
  a.exports = exports;
  ev_action(vm->ev, &a);
}

/* The same without exports. */
static void host_action(void *ctx, const char *kind, const char *call, const char *status,
                        int64_t elapsed_ms)
{
  host_action_exports(ctx, kind, call, status, elapsed_ms, NULL);
}

/* Where to cut a text without splitting a registered secret. */
static size_t host_safe_cut(void *ctx, const char *s, size_t n, size_t max)
{
  struct vm *vm = ctx;

  return ev_safe_cut(vm->ev, s, n, max);
}

/* The callbacks of vm; workdir is the runbook's directory (vm->workdir). */
void vm_host_init(struct vm *vm)
{
  vm->host.ctx = vm;
  vm->host.now_ms = host_now;
  vm->host.monotonic_ms = host_monotonic;
  vm->host.sleep_ms = host_sleep;
  vm->host.log = host_log;
  vm->host.add_secret = host_add_secret;
  vm->host.action = host_action;
  vm->host.action_exports = host_action_exports;
  vm->host.safe_cut = host_safe_cut;
  vm->host.workdir = vm->workdir;
  vm->host.loop = vm->opts ? vm->opts->loop : NULL;
  vm->host.aws = vm->opts ? vm->opts->aws : NULL;
}

/* }==== */
