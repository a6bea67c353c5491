/*
** fiber.c: the branches of `parallel` as fibers (vm.c "Parallel").
**
** PAR_JOIN (with the run's loop) calls vm_par_run.  Each branch gets
**   - a VM of its own (struct vm, `parent` set): its own operand stack,
**     frames, handler records and pending error, sharing with the group's
**     VM the chunk, the globals, the string constants, the clock, the
**     options and the host callbacks (whose ctx is the branch's VM);
**   - one frame: the parallel statement's function at the branch's entry
**     pc, with a copy of the locals the frame had at PAR_JOIN (and the item
**     in the loop variable for `parallel for`); PAR_END at the end of the
**     branch returns from vm_exec;
**   - a branch emitter (ev_sink_branch) keeping its events;
**   - a fiber of the loop (stdlib/loop.h) running vm_exec on it.
** A built-in that waits (a sleep, a child, a transfer) waits in the loop,
** and the other fibers run meanwhile.  The group's VM waits in
** loop_fiber_wait for any alive branch to end, starts the next ones (at
** most `limit` alive at once), and flushes the events of the ended branches
** in branch order: branch i's events reach the outputs once branches
** 0..i-1 have ended and been flushed, so the outputs never depend on
** timing.  Step deadlines and the phase budget are the group's: a branch's
** VM finds its step record through `parent` (vm_step_handler).
**
** At the end, a failure that stops runs (interrupt, step timeout, halt,
** output or internal error) in any branch is raised as it is, the first
** in branch order; otherwise the first failing branch (in branch order)
** is raised as "parallel branch I of N failed (F of N failed): ...".
** At most VM_PAR_MAX_ALIVE branches are alive at once, whatever the limit.
** After an interrupt no new branch starts; the running ones end at their
** next wait (which returns -1), their children killed by sh_reap.
*/
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stdlib/loop.h"
#include "vm/vm_int.h"

/*
** Branches alive at once when the group sets no (smaller) limit: each has
** a stack mapping and the scheduler scans them, so a `parallel for` over
** ten thousand items runs them 256 at a time.
*/
#define VM_PAR_MAX_ALIVE 256u

/* {==== a branch ==== */

/* One branch of the running group. */
struct vm_branch {
  struct vm *vm;                /* owned: its VM, while it runs */
  struct loop_fiber *fiber;     /* owned: its fiber, while it runs */
  struct ev_sink *ev;           /* owned: its kept events, until flushed */
  bool ended;                   /* it ran to its end (or could not start) */
  bool failed;                  /* ... with the error err */
  struct vm_error err;          /* owned values */
};

/* The group PAR_JOIN runs. */
struct vm_group {
  struct vm *vm;                /* the group's VM */
  struct vm_handler *h;         /* its parallel record */
  struct vm_branch *b;          /* owned: total branches */
  struct loop_fiber **fs;       /* owned: room for total fibers (wait_any) */
  uint32_t total;
  uint32_t started;             /* branches 0..started-1 were started */
  uint32_t alive;               /* of them, still running */
  uint32_t flushed;             /* branches 0..flushed-1 have their events out */
};

/* Free a branch's VM: what it owns, not what it shares with its group's. */
static void branch_vm_free(struct vm *b)
{
  if (!b)
    return;
  while (b->nframes > 0)
    vm_pop_frame(b);
  while (b->nh > 0)
    vm_pop_handler(b);
  vm_popn(b, b->sp);
  for (uint32_t i = 0; i < b->nkept; i++)
    val_release(b->kept[i]);
  vm_error_clear(&b->err);
  free(b->stack);
  free(b->h);
  vm_locals_drain(b);
  free(b);
}

/* The locals of branch i: a copy of the frame's, with the item for `parallel for`. */
static int branch_frame(struct vm *b, const struct vm_frame *pf, const struct vm_par_rec *p,
                        uint32_t i)
{
  struct vm_frame *fr = &b->frames[0];
  struct rbc_value *l = vm_locals_new(b, pf->fn->nlocals);

  if (!l)
    return -1;
  for (uint32_t k = 0; k < pf->fn->nlocals; k++)
    l[k] = val_retain(pf->locals[k]);
  fr->fn = pf->fn;
  fr->fn_index = pf->fn_index;
  fr->locals = l;
  fr->base = 0;
  fr->ret = VM_RET_EXIT;
  b->nframes = 1;
  if (i < p->nspawn) {
    fr->pc = p->spawn_pcs[i];
    return 0;
  }
  val_release(l[p->each_slot]);
  l[p->each_slot] = val_tainted(val_retain(*val_list_at(p->each, i - p->nspawn)),
                                p->each.secret);
  fr->pc = p->each_pc;
  return 0;
}

/* A VM for branch i of group g, reporting to ev; NULL when out of memory. */
static struct vm *branch_vm(struct vm_group *g, uint32_t i, struct ev_sink *ev)
{
  struct vm *vm = g->vm, *b = calloc(1, sizeof *b);
  const struct vm_frame *pf = &vm->frames[g->h->frame];

  if (!b)
    return NULL;
  b->c = vm->c;
  b->opts = vm->opts;
  b->ev = ev;
  b->clock = vm->clock;
  b->host = vm->host;
  b->host.ctx = b;
  b->workdir = vm->workdir;
  b->globals = vm->globals;
  b->gset = vm->gset;
  b->gdirty = vm->gdirty;
  b->kvals = vm->kvals;
  b->step_started = vm->step_started;
  b->phase = vm->phase;
  b->step_open = vm->step_open;
  b->deadlines = vm->deadlines;
  b->parent = vm;
  if (vm_reserve(b, (uint64_t)pf->fn->max_stack + 16) != 0
      || branch_frame(b, pf, &g->h->u.par, i) != 0) {
    branch_vm_free(b);
    return NULL;
  }
  return b;
}

/* The fiber's function: run the branch's VM to its PAR_END or its failure. */
static void branch_main(void *ud)
{
  struct vm_branch *br = ud;
  struct rbc_value out;

  if (vm_exec(br->vm, VM_EXEC_TOP, &out) == 0) {
    val_release(out);
    return;
  }
  br->failed = true;
  if (!br->vm->err.set)                 /* reported already: not in a branch, which has no step */
    vm_raise(br->vm, DIAG_RB9001, VM_ERR_INTERNAL, "a parallel branch stopped");
  vm_error_move(&br->err, &br->vm->err);
}

/* Branch i could not start: it ends at once with an internal error. */
static void start_failed(struct vm_group *g, struct vm_branch *br)
{
  char msg[] = "cannot start a parallel branch: out of memory";

  branch_vm_free(br->vm);
  br->vm = NULL;
  br->ended = true;
  br->failed = true;
  memset(&br->err, 0, sizeof br->err);
  br->err.set = true;
  br->err.reach = VM_ERR_INTERNAL;
  br->err.code = DIAG_RB9001;
  memcpy(br->err.msg, msg, sizeof msg);
  vm_loc(g->vm, g->vm->ipc, &br->err.loc);
}

/* Start branch g->started. */
static void start_one(struct vm_group *g)
{
  struct vm_branch *br = &g->b[g->started++];

  br->ev = ev_sink_branch(g->vm->ev);
  br->vm = br->ev ? branch_vm(g, g->started - 1, br->ev) : NULL;
  br->fiber = br->vm ? loop_fiber_new(g->vm->host.loop, branch_main, br) : NULL;
  if (!br->fiber) {
    start_failed(g, br);
    return;
  }
  g->alive++;
}

/* }==== */

/* {==== the group ==== */

/* Start branches while the limit allows (none after an interrupt). */
static void start_more(struct vm_group *g)
{
  uint32_t limit = g->h->u.par.limit;

  if (limit == 0 || limit > VM_PAR_MAX_ALIVE)
    limit = VM_PAR_MAX_ALIVE;
  while (g->started < g->total && g->alive < limit
         && !loop_interrupted(g->vm->host.loop))
    start_one(g);
}

/* Note the branches whose fibers ended; free their fibers and VMs. */
static void collect(struct vm_group *g)
{
  for (uint32_t i = g->flushed; i < g->started; i++) {
    struct vm_branch *br = &g->b[i];

    if (br->ended || !loop_fiber_done(br->fiber))
      continue;
    br->ended = true;
    g->alive--;
    loop_fiber_free(br->fiber);
    br->fiber = NULL;
    branch_vm_free(br->vm);
    br->vm = NULL;
  }
}

/* Send the events of the ended branches on, in branch order. */
static void flush(struct vm_group *g)
{
  while (g->flushed < g->started && g->b[g->flushed].ended) {
    struct vm_branch *br = &g->b[g->flushed++];

    if (br->ev)
      ev_sink_flush(br->ev);
    ev_sink_free(br->ev);
    br->ev = NULL;
  }
}

/* Wait for any alive branch to end (the fibers run meanwhile). */
static void wait_any(struct vm_group *g)
{
  size_t n = 0;

  for (uint32_t i = g->flushed; i < g->started; i++)
    if (!g->b[i].ended)
      g->fs[n++] = g->b[i].fiber;
  loop_fiber_wait(g->vm->host.loop, g->fs, n);
}

/*
** All branches ended: pop the record and raise what the group failed with
** (see the top).  VM_RESUME when nothing failed.
*/
static enum vm_unwind finish(struct vm_group *g)
{
  struct vm *vm = g->vm;
  struct vm_branch *first = NULL, *hard = NULL;
  uint32_t nfailed = 0, total = g->total, nth = 0;
  char msg[sizeof vm->err.msg];

  vm->frames[g->h->frame].pc = g->h->u.par.join_pc;
  for (uint32_t i = 0; i < total; i++) {
    if (!g->b[i].failed)
      continue;
    nfailed++;
    if (!first) {
      first = &g->b[i];
      nth = i + 1;
    }
    if (!hard && g->b[i].err.reach != VM_ERR_NORMAL)
      hard = &g->b[i];
  }
  vm_pop_handler(vm);
  if (hard) {
    vm_error_move(&vm->err, &hard->err);
  } else if (first) {
    snprintf(msg, sizeof msg, "parallel branch %u of %u failed (%u of %u failed): %.400s", nth,
             total, nfailed, total, first->err.msg);
    memcpy(first->err.msg, msg, sizeof msg);
    vm_error_move(&vm->err, &first->err);
  }
  for (uint32_t i = 0; i < total; i++)
    vm_error_clear(&g->b[i].err);
  return hard || first ? VM_STOP : VM_RESUME;
}

enum vm_unwind vm_par_run(struct vm *vm, struct vm_handler *h)
{
  struct vm_group g;
  enum vm_unwind r;

  memset(&g, 0, sizeof g);
  g.vm = vm;
  g.h = h;
  g.total = h->u.par.total;
  g.b = calloc(g.total ? g.total : 1, sizeof *g.b);
  g.fs = calloc(g.total ? g.total : 1, sizeof *g.fs);
  if (!g.b || !g.fs) {
    free(g.b);
    free(g.fs);
    vm_pop_handler(vm);
    vm_raise(vm, DIAG_RB9001, VM_ERR_INTERNAL, "out of memory");
    return VM_STOP;
  }
  for (;;) {
    collect(&g);
    flush(&g);
    start_more(&g);
    if (g.alive == 0 && (g.started == g.total || loop_interrupted(vm->host.loop)))
      break;
    if (g.alive > 0)
      wait_any(&g);
  }
  r = finish(&g);
  free(g.b);
  free(g.fs);
  return r;
}

/* }==== */
