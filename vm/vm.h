/*
** vm.h: running a compiled runbook (PROPOSAL by the run-output engineer for
** the VM engineer, who implements vm_run in vm/vm.c).
**
** `rbc run` (cli/cmd_run.c) does everything that must happen before the
** first side effect: parse, check, compile, resolve params (vm/params.h),
** choose the clock and the outputs (vm/events.h), install the signal
** handlers.  Then it calls vm_run once.  vm_run executes the chunk and
** reports everything that happens through the event emitter; it prints
** nothing itself.
**
** What vm_run is expected to do, in order:
**
**  1. Initialise the runbook-level slots (chunk globals):
**       GK_PARAM / GK_SECRET  from opts->params: for each struct vm_param p,
**           G[p.global] = p.value when p.source != VM_PARAM_DEFAULT; else
**           evaluate the FK_EXPR function p.default_fn and convert its result
**           with val_param_coerce(result, p.type - PT_STRING, p.secret) (PT_ANY:
**           keep it, tainted with p.secret).  A default that fails, or is
**           null for a param whose type is declared, is a preflight error:
**           emit an ev_diagnostic (RB2008 or RB5011) and return EXIT 64
**           without running any step ("nothing was executed").
**           For every secret, call ev_add_secret(ev, value) as soon as the
**           value exists (default evaluation included), so the outputs can
**           scrub its bytes;
**       GK_RESOURCE, GK_FN as the chunk says; GK_LET unset.
**  2. ev_describe(chunk, &info); set info.run_id = opts->run_id and
**     info.params / nparams (name + value of every param, in declaration
**     order; secrets print as *** automatically); ev_run_start(ev, &info).
**     With opts->troubleshoot set, run only that TROUBLESHOOT block's
**     function (as a one-step run) instead of the phases.
**  3. Run function 0.  At each structural opcode call the emitter:
**       PHASE_BEGIN  ev_phase_from_chunk(c, A, budget_or_-1, &p); ev_phase_start
**                    (and ev_budget_overrun once, when the phase's elapsed time
**                    passes its budget: check at step boundaries and while
**                    sleeping);
**       PHASE_END    ev_phase_end;
**       STEP_BEGIN   ev_step_from_chunk(c, A, &fn->lines[i], &s); ev_step_start;
**       STEP_WHEN    false: ev_step_end(EV_SKIP, text of STEP_WHEN's string);
**       STEP_END     ev_step_end(EV_PASS, NULL);
**       a failure    ev_diagnostic (code, masked message, location from the
**                    line table, actual/expected values), then per the
**                    step's on-failure: EV_FAIL / EV_ERROR (stop, unless
**                    `continue`), or run the troubleshoot and end with
**                    EV_RECOVERED when it succeeds;
**       RETRY_*      ev_retry before each sleep between attempts;
**       WAIT_*       ev_wait_poll after each false poll;
**       CONFIRM      ev_gate (answer "yes" by "--yes" when opts->yes; asked
**                    on the terminal when opts->interactive; otherwise
**                    "halted" by "no-tty", the step ends EV_HALTED);
**       CALL_AWS / http / sh   ev_action after each call;
**       `log`        ev_log(ev, values, n).
**     After the run stops early, report each remaining step with
**     ev_step_not_run (the emitter also counts the missing ones at the end).
**     Call ev_tick(ev) between clock sleep slices so the spinner moves.
**  4. Interrupts: opts->interrupt (also watched by the clock and by the
**     shell runner) becomes non-zero on SIGINT/SIGTERM; *opts->signal holds
**     the signal number.  Stop at the next safe point (a sleep returns
**     CLOCK_INTERRUPTED, a child is killed with SH_INTERRUPTED, or between
**     instructions), emit ev_diagnostic RB5009, end the open step EV_FAIL,
**     and finish with status EV_RUN_INTERRUPTED, exit 128 + signal.
**  5. ev_run_end(ev, {status, exit code, resume hint, journal}).  The resume
**     hint is opts->resume_hint for failed, halted and interrupted runs.
**     When any ev_* call returns -1 and ev_failed(ev) is non-zero, an output
**     (the journal) can no longer be written: stop at the next safe point
**     and return EXIT_IOERR (74).
**
** Exit statuses returned (cli/commands.h, cli.md 10): 0 passed, 1 a step
** failed, 2 halted at a gate, 64 a param default failed to resolve, 70
** internal error, 74 an output failed, 130 / 143 interrupted.
*/
#ifndef RBC_VM_H
#define RBC_VM_H

#include <signal.h>
#include <stdbool.h>

#include "vm/bytecode.h"
#include "vm/clock.h"
#include "vm/events.h"
#include "vm/params.h"

struct rbc_loop;
struct aws_client;

/*
** What `rbc resume` hands the VM (docs/journal.md): which steps completed
** in the journaled run (they are reported as skipped, "done before the
** resume", and not executed) and the runbook-level bindings they made,
** restored before function 0 runs.  Everything else runs again, so the
** interrupted step restarts from its beginning.
*/
struct vm_resume {
  /* Did step `step` of phase number `phase` complete before?  ctx is passed back. */
  bool (*done)(void *ctx, uint32_t phase, const char *step);
  void *ctx;
  const struct ev_binding *bindings;    /* borrowed: values for GK_LET globals by name */
  size_t nbindings;
};

/* Everything a run needs besides the chunk and the emitter. */
struct vm_run_options {
  const struct vm_params *params;       /* resolved params (vm_params_resolve) */
  struct rbc_clock *clock;              /* real or virtual; the emitter uses the same */
  const char *run_id;                   /* YYYYMMDDTHHMMSSZ-<runbook>-<4 hex> */
  const char *resume_hint;              /* "rbc resume <run id>" for run_end, or NULL */
  const char *journal_path;             /* for the summary, or NULL (no journal yet) */
  const char *troubleshoot;             /* --troubleshoot NAME: run only that block; or NULL */
  bool yes;                             /* -y: confirm gates are answered yes */
  bool interactive;                     /* stdin and stderr are a TTY: confirm may ask */
  struct rbc_loop *loop;                /* the run's event loop (stdlib/loop.h); borrowed */
  struct aws_client *aws;               /* the run's AWS client (stdlib/aws/aws.h), or NULL */
  volatile sig_atomic_t *interrupt;     /* non-zero once SIGINT/SIGTERM arrived */
  volatile sig_atomic_t *signal;        /* the signal number that arrived (SIGINT, SIGTERM) */
  const struct vm_resume *resume;       /* rbc resume: completed steps, bindings; or NULL */
  int64_t monitor_ms;                   /* --monitor D: sample the monitors for D after a
                                           passed run (vm/checks.c); 0: not */
  int64_t monitor_every_ms;             /* --monitor-interval; 0: VM_MONITOR_EVERY_MS */
  uint32_t failure_limit;               /* alert samples a monitor may have and stay normal */
  uint32_t inconclusive_limit;          /* between / no-data samples likewise */
  const char *workdir;                  /* relative paths of built-ins; NULL: the runbook's
                                           directory (rbc test: a scratch directory) */
};

/* The default interval between monitor samples (--monitor-interval). */
#define VM_MONITOR_EVERY_MS 30000

/* What `rbc watch` asks of vm_watch (docs/watch.md). */
struct vm_watch_options {
  int64_t every_ms;                     /* --interval: between rounds (> 0) */
  bool once;                            /* --once: decide every trigger, sample monitors once */
  bool stop_on_fire;                    /* --run: return as soon as a trigger fires */
};

/*
** Run chunk c (a runbook: function 0 of kind FK_RUNBOOK, verified by
** chunk_verify or built by the compiler) with opts, reporting through ev.
** Returns the process exit status (see above).  Borrowed: c, opts and what
** it points to, ev.  Never prints; never calls exit.
*/
int vm_run(const struct chunk *c, const struct vm_run_options *opts, struct ev_sink *ev);

/*
** rbc watch: resolve the params' defaults as vm_run does, list the triggers
** (trigger_listed), then every wo->every_ms evaluate the automatic triggers
** and the monitors (vm/checks.c).  Returns 0 (--once: nothing fired, every
** monitor normal), 1 (--once: a trigger fired or a monitor was not normal;
** stop_on_fire: a trigger fired, *fired = 1 + its index among the automatic
** triggers), 64 a param default failed, 70, 74, or 130 / 143 interrupted.
** *fired is 0 when nothing fired, -1 when only a monitor failed.
*/
int vm_watch(const struct chunk *c, const struct vm_run_options *opts,
             const struct vm_watch_options *wo, struct ev_sink *ev, int *fired);

#endif
