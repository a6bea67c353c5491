/*
** checks.c: the runtime of checklists, monitors and triggers
** (docs/language.md "Runtime of checklists, monitors and triggers",
** docs/watch.md).
**
** Checklists run after the phases of a run that did not fail: an item with
** `verify` is evaluated (pass, fail, or error when the expression fails); a
** manual item is asked on the terminal ("confirmed" / "declined"), or
** recorded "unconfirmed" under --yes or without a terminal.  A failed,
** erroring or declined item fails the run (RB5050, exit 1); unconfirmed
** items do not.
**
** Monitors (`rbc run --monitor D`) are sampled every interval for D after a
** run whose checklists passed, in the spirit of Argo Rollouts' analysis
** runs: each sample is normal, alert, between (neither threshold holds) or
** no-data (null, an empty list, map or string, or an error of the value or
** threshold expressions: never normal).  A monitor alerts once more than
** failure_limit of its samples are alert (sampling stops there, RB5051);
** it is inconclusive when more than inconclusive_limit samples are between
** or no-data (RB5052); else it is normal.  Either failure exits 1.
**
** Triggers (`rbc watch`): every interval each automatic trigger's condition
** is evaluated; one that holds at every sample for its `for` duration
** (measured on the run's clock from the first sample that held) fires once,
** and must clear before it can fire again.  A sample with no data (null or
** an error) breaks the streak, as a false one does.  `--once` keeps
** sampling a trigger that holds until its `for` window is covered or it
** clears, so it never claims a duration it did not observe.
*/
#define _POSIX_C_SOURCE 200809L

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "stdlib/loop.h"
#include "stdlib/sim.h"
#include "vm/vm_int.h"

/* {==== evaluating one expression function ==== */

/* The bytes of string constant k ("" when it is not one). */
static const char *kstr(const struct vm *vm, uint32_t k)
{
  const struct chunk_const *s = chunk_str(vm->c, k);

  return s ? s->u.str.bytes : "";
}

/* Descriptor words of constant k. */
static const uint32_t *kdesc_of(const struct vm *vm, uint32_t k)
{
  return vm->c->consts[k].u.desc.w;
}

/* The outcome of eval_fn. */
enum eval_result { EVAL_OK, EVAL_SOFT, EVAL_STOP };

/* The source location of function fi's first instruction. */
static void fn_loc(const struct vm *vm, uint32_t fi, struct ev_loc *loc)
{
  const struct chunk_fn *fn;
  const struct chunk_const *file;

  memset(loc, 0, sizeof *loc);
  if (fi >= vm->c->nfns || vm->c->fns[fi].nlines == 0)
    return;
  fn = &vm->c->fns[fi];
  loc->line = fn->lines[0].line;
  loc->col = fn->lines[0].col;
  file = fn->file != CHUNK_NONE ? chunk_str(vm->c, fn->file) : NULL;
  loc->file = file ? file->u.str.bytes : NULL;
  loc->span.start = fn->lines[0].start;
  loc->span.end = fn->lines[0].end;
  loc->has_span = file == NULL;
}

/*
** Run FK_EXPR function fi.  EVAL_OK with *out (owned); EVAL_SOFT with the
** masked error message in reason (the error is cleared: the caller records
** it as an outcome); EVAL_STOP when the error stops runs (interrupt, output
** failure, out of memory), vm->err still set.
*/
static enum eval_result eval_fn(struct vm *vm, uint32_t fi, struct rbc_value *out,
                                char *reason, size_t size)
{
  *out = val_null();
  if (vm_exec(vm, fi, out) == 0)
    return EVAL_OK;
  if (vm->err.set && vm->err.reach >= VM_ERR_INTERRUPT)
    return EVAL_STOP;
  snprintf(reason, size, "%s", vm->err.set ? vm->err.msg : "the expression failed");
  vm_error_clear(&vm->err);
  return EVAL_SOFT;
}

/* }==== */

/* {==== checklists ==== */

/* Ask a manual item; its status and who answered. */
static int ask_item(struct vm *vm, const char *text, enum ev_check_status *st,
                    const char **by)
{
  const struct sim *sim;
  struct rbc_value q;
  struct val_err e;
  bool ok = false, yes = false;

  *st = EV_CK_UNCONFIRMED;
  sim = loop_sim(vm->opts->loop);
  if (sim != NULL) {                    /* rbc test: the scenario answers (stdlib/sim.h) */
    *by = "scenario";
    if (sim->checklist != NULL && sim->checklist(sim->ctx, text, &yes) == SIM_ANSWERED)
      *st = yes ? EV_CK_CONFIRMED : EV_CK_DECLINED;
    return 0;
  }
  *by = vm->opts->yes ? "--yes" : "no-tty";
  if (vm->opts->yes || !vm->opts->interactive)
    return 0;
  if (val_string_new(text, strlen(text), &q, &e) != VAL_OK)
    return vm_raise(vm, DIAG_RB9001, VM_ERR_INTERNAL, "out of memory");
  yes = vm_ask_tty(q, &ok);
  val_release(q);
  if (vm->opts->interrupt && *vm->opts->interrupt)
    return vm_raise(vm, DIAG_RB5009, VM_ERR_INTERRUPT, "interrupted by %s",
                    vm->opts->signal && *vm->opts->signal == SIGTERM ? "SIGTERM" : "SIGINT");
  if (ok) {
    *st = yes ? EV_CK_CONFIRMED : EV_CK_DECLINED;
    *by = "tty";
  }
  return 0;
}

/* One item: verified or asked, then reported.  0, or -1 when the run must stop. */
static int check_item(struct vm *vm, const char *list, const char *text, uint32_t verify,
                      enum ev_check_status *st)
{
  struct ev_check c;
  struct rbc_value v = val_null();
  char reason[512];

  memset(&c, 0, sizeof c);
  c.held_ms = c.for_ms = -1;
  c.kind = EV_CHECKLIST_ITEM;
  c.group = list;
  c.name = text;
  if (verify == CHUNK_NONE32) {
    if (ask_item(vm, text, st, &c.by) != 0)
      return -1;
  } else {
    c.by = "verify";
    switch (eval_fn(vm, verify, &v, reason, sizeof reason)) {
    case EVAL_STOP:
      return -1;
    case EVAL_SOFT:
      *st = EV_CK_ERROR;
      c.reason = reason;
      break;
    default:
      *st = val_truthy(v) ? EV_CK_PASS : EV_CK_FAIL;
      break;
    }
    val_release(v);
  }
  c.status = *st;
  ev_check(vm->ev, &c);
  return 0;
}

/*
** Every checklist, in runbook order.  0 when no item failed, erred or was
** declined; -1 with RB5050 raised (at the first such item) or with the
** error that stopped the run.
*/
int vm_checklists(struct vm *vm)
{
  enum ev_check_status st;
  uint32_t bad = 0, first_fn = CHUNK_NONE32;
  char first[300] = "";

  for (uint32_t k = 0; k < vm->c->nconsts; k++) {
    const uint32_t *w;

    if (vm->c->consts[k].kind != CK_CHECKLIST)
      continue;
    w = kdesc_of(vm, k);
    for (uint32_t i = 0; i < w[CL_N]; i++) {
      const char *text = kstr(vm, w[CL_ITEMS + 2 * i]);

      if (check_item(vm, kstr(vm, w[CL_NAME]), text, w[CL_ITEMS + 2 * i + 1], &st) != 0)
        return -1;
      if (st != EV_CK_FAIL && st != EV_CK_ERROR && st != EV_CK_DECLINED)
        continue;
      if (bad++ == 0) {
        snprintf(first, sizeof first, "%s", text);
        first_fn = w[CL_ITEMS + 2 * i + 1];
      }
    }
  }
  if (bad == 0)
    return ev_failed(vm->ev) ? vm_raise(vm, DIAG_RB9001, VM_ERR_IO,
                                        "cannot write the run's output") : 0;
  vm_raise(vm, DIAG_RB5050, VM_ERR_NORMAL, "%u checklist item%s did not pass, first \"%s\"",
           bad, bad == 1 ? "" : "s", first);
  fn_loc(vm, first_fn, &vm->err.loc);
  return -1;
}

/* }==== */

/* {==== monitors ==== */

/* A threshold: CMP_* against lo, or the range lo .. hi (CHUNK_CMP_NONE). */
struct threshold {
  uint32_t op, lo, hi;
};

/* Is v "no data": null, or an empty string, list or map? */
static bool no_data(struct rbc_value v)
{
  return v.type == VAL_NULL || (v.type == VAL_STRING && val_str_len(v) == 0)
    || (v.type == VAL_LIST && val_list_len(v) == 0) || (v.type == VAL_MAP && val_map_len(v) == 0);
}

/* v op bound, through the value operators.  0 with *holds, or -1 with reason. */
static int compare(struct vm *vm, uint32_t op, struct rbc_value v, uint32_t bound_fn,
                   bool *holds, char *reason, size_t size)
{
  static const enum val_binop ops[CMP__COUNT] = {
    VAL_OP_EQ, VAL_OP_NE, VAL_OP_LT, VAL_OP_LE, VAL_OP_GT, VAL_OP_GE, VAL_OP_IN
  };
  struct rbc_value b, r;
  struct val_err e;
  enum eval_result er = eval_fn(vm, bound_fn, &b, reason, size);

  if (er != EVAL_OK)
    return er == EVAL_STOP ? -2 : -1;
  if (no_data(b)) {
    val_release(b);
    snprintf(reason, size, "the threshold has no value");
    return -1;
  }
  if (val_binop(ops[op < CMP__COUNT ? op : CMP_EQ], v, b, &r, &e) != VAL_OK) {
    val_release(b);
    snprintf(reason, size, "%s", e.msg);
    return -1;
  }
  *holds = val_truthy(r);
  val_release(r);
  val_release(b);
  return 0;
}

/* Does v meet threshold t?  0 with *holds; -1 (reason) no data; -2 stop. */
static int meets(struct vm *vm, const struct threshold *t, struct rbc_value v, bool *holds,
                 char *reason, size_t size)
{
  bool lo_ok, hi_ok;
  int rc;

  if (t->op != CHUNK_CMP_NONE)
    return compare(vm, t->op, v, t->lo, holds, reason, size);
  rc = compare(vm, CMP_GE, v, t->lo, &lo_ok, reason, size);
  if (rc == 0)
    rc = compare(vm, CMP_LE, v, t->hi, &hi_ok, reason, size);
  *holds = rc == 0 && lo_ok && hi_ok;
  return rc;
}

/*
** One sample of MONITOR descriptor w: its status, reported as monitor_sample
** (sample i of n; n 0 under `rbc watch`).  0, or -1 when the run must stop.
*/
static int sample_monitor(struct vm *vm, const uint32_t *w, uint32_t i, uint32_t n,
                          enum ev_check_status *st)
{
  const struct threshold normal = { w[MON_NORMAL_OP], w[MON_NORMAL_LO], w[MON_NORMAL_HI] };
  const struct threshold alert = { w[MON_ALERT_OP], w[MON_ALERT_LO], w[MON_ALERT_HI] };
  struct rbc_value v = val_null(), last;
  struct ev_check c;
  char reason[512] = "";
  bool is_alert = false, is_normal = false;
  int rc = 0;

  memset(&c, 0, sizeof c);
  c.kind = EV_MONITOR_SAMPLE;
  c.name = kstr(vm, w[MON_NAME]);
  c.sample = i;
  c.count = n;
  c.held_ms = c.for_ms = -1;
  switch (eval_fn(vm, w[MON_VALUE], &v, reason, sizeof reason)) {
  case EVAL_STOP:
    return -1;
  case EVAL_SOFT:
    rc = -1;
    break;
  default:
    last = v.type == VAL_LIST && val_list_len(v) ? *val_list_at(v, val_list_len(v) - 1) : v;
    last.secret = last.secret || v.secret;      /* an item of a secret list is secret */
    if (no_data(last)) {
      snprintf(reason, sizeof reason, "the value is %s", v.type == VAL_NULL ? "null" : "empty");
      rc = -1;
    } else {
      rc = meets(vm, &alert, last, &is_alert, reason, sizeof reason);
      if (rc == 0 && !is_alert)
        rc = meets(vm, &normal, last, &is_normal, reason, sizeof reason);
    }
    c.value = last.type == VAL_NULL ? NULL : &last;
    break;
  }
  if (rc == -2) {
    val_release(v);
    return -1;
  }
  *st = rc != 0 ? EV_CK_NO_DATA : is_alert ? EV_CK_ALERT : is_normal ? EV_CK_NORMAL
    : EV_CK_BETWEEN;
  c.status = *st;
  c.reason = rc != 0 ? reason : NULL;
  ev_check(vm->ev, &c);
  val_release(v);
  return 0;
}

/* The MONITOR descriptors of the chunk (malloc'd), their count in *n; NULL when none. */
static const uint32_t **monitors(const struct vm *vm, uint32_t *n)
{
  const uint32_t **list = NULL;

  *n = 0;
  for (uint32_t k = 0; k < vm->c->nconsts; k++)
    if (vm->c->consts[k].kind == CK_MONITOR)
      (*n)++;
  if (*n == 0)
    return NULL;
  list = calloc(*n, sizeof *list);
  if (!list)
    return NULL;
  *n = 0;
  for (uint32_t k = 0; k < vm->c->nconsts; k++)
    if (vm->c->consts[k].kind == CK_MONITOR)
      list[(*n)++] = kdesc_of(vm, k);
  return list;
}

/* A monitor's tally over the analysis. */
struct tally {
  uint32_t taken, alerts, others;
  bool done;                    /* alerted: no more samples */
};

/* monitor_normal / monitor_alert / monitor_inconclusive for one monitor. */
static enum ev_check_status verdict(struct vm *vm, const uint32_t *w, const struct tally *t,
                                    uint32_t count)
{
  const struct vm_run_options *o = vm->opts;
  struct ev_check c;

  memset(&c, 0, sizeof c);
  c.kind = EV_MONITOR_VERDICT;
  c.name = kstr(vm, w[MON_NAME]);
  c.sample = t->taken;
  c.count = count;
  c.alerts = t->alerts;
  c.others = t->others;
  c.held_ms = c.for_ms = -1;
  c.status = t->alerts > o->failure_limit ? EV_CK_ALERT
    : t->others > o->inconclusive_limit ? EV_CK_INCONCLUSIVE : EV_CK_NORMAL;
  ev_check(vm->ev, &c);
  return c.status;
}

/* One round: a sample of every monitor still running.  1 when one alerted, 0, -1 stop. */
static int monitor_round(struct vm *vm, const uint32_t **list, struct tally *t, uint32_t n,
                         uint32_t i, uint32_t count)
{
  enum ev_check_status st;

  for (uint32_t m = 0; m < n; m++) {
    if (t[m].done)
      continue;
    if (sample_monitor(vm, list[m], i, count, &st) != 0)
      return -1;
    t[m].taken++;
    t[m].alerts += st == EV_CK_ALERT;
    t[m].others += st == EV_CK_BETWEEN || st == EV_CK_NO_DATA;
    if (t[m].alerts > vm->opts->failure_limit)
      return 1;                 /* Argo: the analysis fails as soon as failures exceed the limit */
  }
  return 0;
}

/* The verdicts; RB5051 / RB5052 raised at the first monitor that failed.  0 or -1. */
static int monitor_verdicts(struct vm *vm, const uint32_t **list, const struct tally *t,
                            uint32_t n, uint32_t count)
{
  uint32_t failed = 0;

  for (uint32_t m = 0; m < n; m++) {
    enum ev_check_status st = verdict(vm, list[m], &t[m], count);

    if (st == EV_CK_NORMAL || failed++)
      continue;
    if (st == EV_CK_ALERT)
      vm_raise(vm, DIAG_RB5051, VM_ERR_NORMAL, "monitor \"%s\" alerted: %u of %u samples "
               "over its alert threshold (failure limit %u)", kstr(vm, list[m][MON_NAME]),
               t[m].alerts, t[m].taken, vm->opts->failure_limit);
    else
      vm_raise(vm, DIAG_RB5052, VM_ERR_NORMAL, "monitor \"%s\" is inconclusive: %u of %u "
               "samples had no data or sat between its thresholds (inconclusive limit %u)",
               kstr(vm, list[m][MON_NAME]), t[m].others, t[m].taken,
               vm->opts->inconclusive_limit);
    fn_loc(vm, list[m][MON_VALUE], &vm->err.loc);
  }
  return failed ? -1 : 0;
}

/*
** --monitor D: sample every monitor at 0, every, 2*every ... up to D, then
** judge each.  0 when all are normal (or there are none), -1 with RB5051 /
** RB5052 raised, or with the error that stopped the run.
*/
int vm_monitors(struct vm *vm)
{
  const struct vm_run_options *o = vm->opts;
  int64_t every = o->monitor_every_ms > 0 ? o->monitor_every_ms : VM_MONITOR_EVERY_MS;
  uint32_t n, count = (uint32_t)(o->monitor_ms / every + 1), i;
  const uint32_t **list = monitors(vm, &n);
  struct tally *t = list ? calloc(n, sizeof *t) : NULL;
  int rc = 0;

  if (!list || !t) {
    free(list);
    return n && !t ? vm_raise(vm, DIAG_RB9001, VM_ERR_INTERNAL, "out of memory") : 0;
  }
  for (i = 1; i <= count && rc == 0; i++) {
    if (i > 1 && vm_sleep(vm, every) != 0)
      rc = -1;
    else
      rc = monitor_round(vm, list, t, n, i, count);
  }
  if (rc >= 0)
    rc = monitor_verdicts(vm, list, t, n, count);
  free(t);
  free(list);
  return rc;
}

/* }==== */

/* {==== rbc watch ==== */

/* An automatic trigger's state. */
struct trig {
  const uint32_t *w;
  int64_t for_ms;               /* 0 without `for` */
  int64_t since;                /* monotonic ms of the first sample that held; -1: clear */
  bool fired;                   /* fired in this streak */
  bool decided;                 /* --once: fired, or cleared */
};

/* The `for` duration of TRIGGER descriptor w into *ms (0 without one).  0, or -1 raised. */
static int trigger_for(struct vm *vm, const uint32_t *w, int64_t *ms)
{
  struct rbc_value d;
  char reason[512];
  enum eval_result er;
  bool ok;

  *ms = 0;
  if (w[TRIG_FOR] == CHUNK_NONE32)
    return 0;
  er = eval_fn(vm, w[TRIG_FOR], &d, reason, sizeof reason);
  if (er == EVAL_STOP)
    return -1;
  ok = er == EVAL_OK && d.type == VAL_DURATION && d.as.i >= 0;
  if (ok)
    *ms = d.as.i;
  else if (er == EVAL_OK)
    snprintf(reason, sizeof reason, "%s", val_kind(d));
  if (er == EVAL_OK)
    val_release(d);
  return ok ? 0 : vm_raise(vm, DIAG_RB5011, VM_ERR_NORMAL, "trigger \"%s\": its `for` is not "
                           "a duration: %s", kstr(vm, w[TRIG_NAME]), reason);
}

/* trigger_listed for each trigger; the automatic ones with their `for` into t. */
static int list_triggers(struct vm *vm, struct trig *t, uint32_t *n)
{
  struct ev_check c;

  *n = 0;
  for (uint32_t k = 0; k < vm->c->nconsts; k++) {
    const uint32_t *w;

    if (vm->c->consts[k].kind != CK_TRIGGER)
      continue;
    w = kdesc_of(vm, k);
    memset(&c, 0, sizeof c);
    c.kind = EV_TRIGGER_LISTED;
    c.name = kstr(vm, w[TRIG_NAME]);
    c.status = w[TRIG_AUTO] ? EV_CK_AUTO : EV_CK_MANUAL;
    c.held_ms = c.for_ms = -1;
    c.reason = w[TRIG_TEXT] != CHUNK_NONE32 ? kstr(vm, w[TRIG_TEXT]) : NULL;
    if (w[TRIG_AUTO] && w[TRIG_COND] != CHUNK_NONE32) {
      t[*n].w = w;
      t[*n].since = -1;
      if (trigger_for(vm, w, &t[*n].for_ms) != 0)
        return -1;
      c.for_ms = w[TRIG_FOR] != CHUNK_NONE32 ? t[*n].for_ms : -1;
      (*n)++;
    }
    ev_check(vm->ev, &c);
  }
  return 0;
}

/* One sample of trigger t.  1 when it fired now, 0, -1 when the run must stop. */
static int sample_trigger(struct vm *vm, struct trig *t, bool once)
{
  struct rbc_value v;
  struct ev_check c;
  char reason[512];
  int64_t now = clock_monotonic_ms(vm->clock);
  enum eval_result er = eval_fn(vm, t->w[TRIG_COND], &v, reason, sizeof reason);

  if (er == EVAL_STOP)
    return -1;
  memset(&c, 0, sizeof c);
  c.kind = EV_TRIGGER_SAMPLE;
  c.name = kstr(vm, t->w[TRIG_NAME]);
  c.for_ms = t->w[TRIG_FOR] != CHUNK_NONE32 ? t->for_ms : -1;
  c.held_ms = -1;
  c.status = er == EVAL_SOFT || v.type == VAL_NULL ? EV_CK_NO_DATA
    : val_truthy(v) ? EV_CK_HOLDS : EV_CK_CLEAR;
  if (er == EVAL_OK)
    val_release(v);
  if (c.status == EV_CK_HOLDS) {
    t->since = t->since < 0 ? now : t->since;
    c.held_ms = now - t->since;
  } else {
    t->since = -1;
    t->fired = false;
    t->decided = once;
    c.reason = er == EVAL_SOFT ? reason : c.status == EV_CK_NO_DATA ? "the condition is null"
      : NULL;
  }
  ev_check(vm->ev, &c);
  if (c.status != EV_CK_HOLDS || t->fired || c.held_ms < t->for_ms)
    return 0;
  t->fired = true;
  t->decided = true;
  c.kind = EV_TRIGGER_FIRED;
  c.status = EV_CK_FIRED;
  c.reason = t->w[TRIG_TEXT] != CHUNK_NONE32 ? kstr(vm, t->w[TRIG_TEXT]) : NULL;
  ev_check(vm->ev, &c);
  return 1;
}

/* Under watch: a monitor sample; an alert verdict on entering alert, normal on leaving it. */
static int watch_monitor(struct vm *vm, const uint32_t *w, struct tally *t, bool once,
                         bool *alerting)
{
  enum ev_check_status st;
  struct tally one;

  if (sample_monitor(vm, w, ++t->taken, 0, &st) != 0)
    return -1;
  memset(&one, 0, sizeof one);
  one.taken = 1;
  one.alerts = st == EV_CK_ALERT;
  one.others = st == EV_CK_BETWEEN || st == EV_CK_NO_DATA;
  if (once) {
    *alerting = verdict(vm, w, &one, 1) != EV_CK_NORMAL;
  } else if ((st == EV_CK_ALERT) != t->done && st != EV_CK_BETWEEN && st != EV_CK_NO_DATA) {
    t->done = st == EV_CK_ALERT;
    verdict(vm, w, &one, 0);
  }
  return 0;
}

/* Every --once trigger decided? */
static bool all_decided(const struct trig *t, uint32_t n)
{
  for (uint32_t i = 0; i < n; i++)
    if (!t[i].decided)
      return false;
  return true;
}

/* One watch round: triggers, then monitors (all rounds; --once: the first). */
static int watch_round(struct vm *vm, struct trig *t, uint32_t nt, const uint32_t **mons,
                       struct tally *mt, uint32_t nm, uint32_t round, int *fired)
{
  const struct vm_watch_options *wo = vm->watch;
  bool alerting = false;
  int rc;

  for (uint32_t i = 0; i < nt; i++) {
    if (wo->once && t[i].decided)
      continue;
    rc = sample_trigger(vm, &t[i], wo->once);
    if (rc < 0)
      return -1;
    if (rc > 0 && *fired <= 0)
      *fired = (int)i + 1;      /* a trigger outranks a monitor: --run runs for it */
  }
  for (uint32_t m = 0; m < nm && (!wo->once || round == 1); m++) {
    if (watch_monitor(vm, mons[m], &mt[m], wo->once, &alerting) != 0)
      return -1;
    if (alerting && !*fired)
      *fired = -1;
  }
  return 0;
}

/* The watch loop; see vm_watch.  *fired: 1 + the trigger index, -1 a monitor, 0 none. */
static int watch_loop(struct vm *vm, struct trig *t, uint32_t nt, const uint32_t **mons,
                      struct tally *mt, uint32_t nm, int *fired)
{
  const struct vm_watch_options *wo = vm->watch;

  if (nt == 0 && nm == 0)
    return 0;                   /* no automatic trigger, no monitor: nothing to watch */
  for (uint32_t round = 1;; round++) {
    if (round > 1 && vm_sleep(vm, wo->every_ms) != 0)
      return -1;
    if (watch_round(vm, t, nt, mons, mt, nm, round, fired) != 0)
      return -1;
    if (*fired > 0 && wo->stop_on_fire)
      return 0;
    if (wo->once && all_decided(t, nt))
      return 0;
  }
}

/*
** rbc watch (vm.h): list the triggers, then rounds every wo->every_ms until
** interrupted, or until a trigger fires under stop_on_fire, or (once) until
** every trigger is decided.
*/
int vm_watch(const struct chunk *c, const struct vm_run_options *opts,
             const struct vm_watch_options *wo, struct ev_sink *ev, int *fired)
{
  struct vm vm;
  uint32_t ntrig = 0, nt = 0, nm = 0;
  const uint32_t **mons;
  struct trig *t;
  struct tally *mt;
  int rc, sig;

  *fired = 0;
  if (vm_init(&vm, c, opts, ev) != 0) {
    vm_free(&vm);
    return VM_EXIT_SOFTWARE;
  }
  vm.watch = wo;
  for (uint32_t k = 0; k < c->nconsts; k++)
    ntrig += c->consts[k].kind == CK_TRIGGER;
  mons = monitors(&vm, &nm);
  t = calloc(ntrig ? ntrig : 1, sizeof *t);
  mt = calloc(nm ? nm : 1, sizeof *mt);
  rc = !t || !mt || (nm && !mons) ? VM_EXIT_SOFTWARE : vm_init_globals(&vm);
  if (rc == 0 && (list_triggers(&vm, t, &nt) != 0
                  || watch_loop(&vm, t, nt, mons, mt, nm, fired) != 0)) {
    vm_report(&vm);
    sig = opts->signal && *opts->signal ? (int)*opts->signal : SIGINT;
    rc = vm.err.reach == VM_ERR_INTERRUPT ? 128 + sig : vm.err.reach == VM_ERR_IO
      ? VM_EXIT_IOERR : vm.err.reach == VM_ERR_INTERNAL ? VM_EXIT_SOFTWARE : VM_EXIT_FAILED;
  } else if (rc == 0) {
    rc = *fired ? VM_EXIT_FAILED : VM_EXIT_OK;
  }
  free(t);
  free(mt);
  free(mons);
  vm_free(&vm);
  return ev_failed(ev) ? VM_EXIT_IOERR : rc;
}

/* }==== */
