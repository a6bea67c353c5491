/*
** events.h: the run event stream (cli.md 8) as an API the VM calls, and the
** outputs it is rendered to (cli.md 6): jsonl, plain and tty.
**
** The VM never formats anything for the user.  At each point of interest
** (a phase starts, a step ends, an attempt failed, a `log` line ...) it calls
** one ev_* function with the facts as data.  The emitter, struct ev_sink,
** stamps the event with the time of the run's clock (vm/clock.h, so the
** virtual clock gives byte-identical output), keeps the little state the
** renderers need (the open phase and step, elapsed times, step counts, the
** first failure) and hands the event to every output added to it:
**
**   jsonl  one JSON object per line, the schema of cli.md 8 (`rbc.events/1`);
**          the same stream is the journal, so the output can fsync at step
**          and phase boundaries (EV_JSONL_FSYNC);
**   plain  one line per event with a UTC timestamp, ASCII words, grep-friendly;
**   tty    a header, phase lines, one line per finished step with a symbol
**          and the elapsed time, a live spinner line for the running step
**          (only when asked: the CLI decides whether the terminal allows it),
**          and a failure excerpt plus a summary block at the end.
**
** Secrets.  Every value an event carries travels as a struct rbc_value and
** is printed through the masked formatter (a secret prints as ***).  Free
** text composed by the VM (diagnostic messages, retry reasons) must be built
** with VAL_FMT_MASKED as well.  As a second line of defence the emitter
** keeps the raw bytes of every secret value registered with ev_add_secret
** (the CLI registers resolved secret params; the VM registers the secrets
** it evaluates) and replaces any occurrence of them with *** in every line
** it writes, so a secret that slipped into a message still never reaches an
** output.  In jsonl the scrubbing happens inside string contents, so a line
** is always valid JSON.
**
** Writing.  Each line is one write(2) on the output's descriptor (looped
** only on a partial write or EINTR), nothing is buffered, so `tail -f` and
** crash recovery see whole lines.  The first failed write is remembered:
** every ev_* function then returns -1 and ev_failed() gives the errno, and
** the VM stops at its next safe point (exit 74, cli.md 10).
**
** Ownership: ev_sink_new returns an emitter the caller frees with
** ev_sink_free; ev_sink_add takes ownership of the output it is given (also
** when it fails).  Event structs passed to ev_* functions are borrowed for
** the duration of the call; the emitter copies what it keeps.  Descriptors
** passed to outputs are borrowed and never closed.  Not thread-safe (the VM
** runs its fibers on one OS thread).
*/
#ifndef RBC_EVENTS_H
#define RBC_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lexer/diag.h"
#include "lexer/source.h"
#include "vm/bytecode.h"
#include "vm/clock.h"
#include "vm/value.h"

/* {==== vocabulary ==== */

/* The event schema written in the version line. */
#define EV_SCHEMA "rbc.events/1"

/*
** The detail of a step_end skip for a step that completed before `rbc
** resume` (docs/journal.md): it was not executed again.
*/
#define EV_DONE_BEFORE_RESUME "done before the resume"

/* Secrets shorter than this are not scrubbed from text (too many false hits). */
#define EV_SECRET_MIN 4

/* Outcome of a step (cli.md 8: the `status` of step_end). */
enum ev_step_status {
  EV_PASS,                      /* the body ran to its end */
  EV_FAIL,                      /* an assertion, command or retry failed (RB5001-RB5005) */
  EV_ERROR,                     /* infrastructure or tool error (RB5006, RB5007, RB5011, RB9xxx) */
  EV_SKIP,                      /* `when` was false */
  EV_RECOVERED,                 /* failed, then its `on failure troubleshoot` succeeded */
  EV_HALTED,                    /* stopped at a confirm gate (declined or no --yes) */
  EV_NOT_RUN,                   /* never started: the run stopped before it */
  EV__NSTATUS
};

/* Outcome of a run (the `status` of run_end). */
enum ev_run_status {
  EV_RUN_PASSED,                /* every step passed, skipped or recovered: exit 0 */
  EV_RUN_FAILED,                /* a step failed: exit 1 */
  EV_RUN_HALTED,                /* a gate halted the run: exit 2 */
  EV_RUN_INTERRUPTED,           /* SIGINT / SIGTERM: exit 130 / 143 */
  EV_RUN_ERROR                  /* I/O or internal error: exit 74 / 70 */
};

/* "pass", "fail", ... as written in jsonl; NULL when out of range. */
const char *ev_step_status_name(enum ev_step_status s);

/* "passed", "failed", "halted", "interrupted", "error". */
const char *ev_run_status_name(enum ev_run_status s);

/*
** A source position.  file NULL means the run's file; line 0 means "no
** position" (the field is then left out).  When has_span is set, span is a
** byte range in the run's source, which the tty output may excerpt.
*/
struct ev_loc {
  const char *file;             /* may be NULL: the run's file */
  uint32_t line, col;           /* 1-based; line 0: none */
  struct span span;             /* byte range, valid when has_span */
  bool has_span;
};

/* }==== */

/* {==== event records ==== */

/* A resolved param as shown in run_start (secrets print as ***). */
struct ev_param {
  const char *name;
  struct rbc_value value;       /* borrowed */
};

/* run_start: what the run is.  ev_describe fills the chunk's part. */
struct ev_run_info {
  const char *run_id;           /* YYYYMMDDTHHMMSSZ-<runbook>-<4 hex> */
  const char *runbook;          /* the runbook's name */
  const char *file;             /* source file as given */
  const char *source_sha256;    /* 64 hex digits, may be NULL */
  const char *title;            /* metadata, may be NULL */
  const char *criticality;      /* metadata, may be NULL */
  int64_t rto_ms;               /* metadata rto, -1 when none */
  const struct ev_param *params;/* in declaration order; may be NULL */
  size_t nparams;
  uint32_t nphases;             /* phases in the runbook */
  uint32_t nsteps;              /* steps in all phases (for not_run counts) */
};

/* phase_start. */
struct ev_phase {
  uint32_t index;               /* 1-based */
  uint32_t count;               /* 0: the run's nphases */
  const char *name;
  int64_t budget_ms;            /* `within`, -1 when none */
  uint32_t nsteps;              /* steps in this phase */
};

/* step_start (and ev_step_not_run). */
struct ev_step {
  uint32_t phase;               /* 1-based phase index */
  uint32_t index;               /* 1-based, within the phase */
  uint32_t count;               /* 0: the open phase's nsteps */
  const char *name;
  struct ev_loc loc;            /* the `step` keyword */
};

/* action: one call that acted on the world (aws, http, sh, a gate ...). */
struct ev_action {
  const char *kind;             /* "aws", "http", "sh", "builtin" */
  const char *call;             /* "sns.publish", "GET http://...", "sh" */
  const char *status;           /* "ok", "error", "timed-out", ... */
  int64_t elapsed_ms;
  const struct rbc_value *exports; /* a map of values worth journaling, or NULL */
};

/* retry: an attempt failed and another one follows. */
struct ev_retry {
  uint32_t attempt;             /* the attempt that failed, 1-based */
  uint32_t max;                 /* attempts allowed */
  int64_t next_in_ms;           /* sleep before the next one */
  enum diag_code code;          /* why (RB5001 ...) */
  const char *reason;           /* short, built with VAL_FMT_MASKED */
};

/* wait_poll: `wait until` evaluated its condition and it was false. */
struct ev_wait {
  uint32_t poll;                /* 1-based poll count */
  int64_t elapsed_ms;           /* since the wait began */
  int64_t timeout_ms;           /* the wait's timeout, -1 when none */
  const char *until;            /* the condition's source text, may be NULL */
};

/* gate: a confirm was asked (or answered for the user). */
struct ev_gate {
  struct rbc_value question;    /* borrowed; usually a string */
  const char *answer;           /* "yes", "no", "halted" */
  const char *by;               /* "--yes", "tty", "no-tty" */
};

/* diagnostic: a runtime finding (RB5xxx, or RB9xxx for tool errors). */
struct ev_diag {
  enum diag_code code;          /* severity is the code's default */
  const char *message;          /* one sentence, built with VAL_FMT_MASKED */
  struct ev_loc loc;
  const struct rbc_value *actual;   /* may be NULL; printed masked and quoted */
  const struct rbc_value *expected; /* may be NULL */
  const char *help;             /* "help:" line for tty, may be NULL */
  const char *note;             /* "note:" line for tty, may be NULL */
};

/* run_end: how the run ended.  Counts and elapsed time come from the emitter. */
struct ev_run_end {
  enum ev_run_status status;
  int exit_code;                /* cli.md 10 */
  const char *resume;           /* "rbc resume <id>", NULL when not resumable */
  const char *journal;          /* journal path for the summary, may be NULL */
};

/*
** check: what the runtime of checklists, monitors and triggers reports
** (docs/language.md "Runtime of checklists, monitors and triggers").  One
** record for the event types checklist_item, monitor_sample, monitor_normal,
** monitor_alert, monitor_inconclusive, trigger_listed, trigger_sample and
** trigger_fired; the fields a type does not use are NULL or -1.
*/
enum ev_check_kind {
  EV_CHECKLIST_ITEM,            /* an item was verified, asked or left unconfirmed */
  EV_MONITOR_SAMPLE,            /* one sample of a monitor */
  EV_MONITOR_VERDICT,           /* a monitor's result: monitor_normal / _alert / _inconclusive */
  EV_TRIGGER_LISTED,            /* a trigger `rbc watch` knows of (auto or manual) */
  EV_TRIGGER_SAMPLE,            /* one evaluation of an automatic trigger's condition */
  EV_TRIGGER_FIRED              /* an automatic trigger held for its `for` duration */
};

/* The status of a check; its name is what jsonl writes. */
enum ev_check_status {
  EV_CK_PASS,                   /* checklist: verify held */
  EV_CK_FAIL,                   /* checklist: verify was false */
  EV_CK_ERROR,                  /* checklist: verify failed to evaluate */
  EV_CK_CONFIRMED,              /* checklist: a manual item answered yes on the terminal */
  EV_CK_DECLINED,               /* checklist: ... answered no */
  EV_CK_UNCONFIRMED,            /* checklist: a manual item nobody could confirm */
  EV_CK_NORMAL,                 /* monitor: the normal threshold holds */
  EV_CK_ALERT,                  /* monitor: the alert threshold holds */
  EV_CK_BETWEEN,                /* monitor: neither threshold holds */
  EV_CK_NO_DATA,                /* monitor or trigger: null, empty, or an error */
  EV_CK_INCONCLUSIVE,           /* monitor verdict: too many between / no-data samples */
  EV_CK_HOLDS,                  /* trigger: the condition holds */
  EV_CK_CLEAR,                  /* trigger: the condition does not hold */
  EV_CK_FIRED,                  /* trigger: fired */
  EV_CK_AUTO,                   /* trigger_listed: automatic */
  EV_CK_MANUAL,                 /* trigger_listed: manual, never fired by rbc */
  EV_CK__NSTATUS
};

/* "pass", "no-data", ... ; NULL when out of range. */
const char *ev_check_status_name(enum ev_check_status s);

struct ev_check {
  enum ev_check_kind kind;
  enum ev_check_status status;
  const char *group;            /* checklist name; NULL for monitors and triggers */
  const char *name;             /* item text, monitor or trigger name */
  const char *by;               /* checklist: "verify", "tty", "--yes", "no-tty"; else NULL */
  const struct rbc_value *value;/* the sampled value (printed masked), or NULL */
  const char *reason;           /* why no data / error / the condition's text; masked; NULL */
  uint32_t sample, count;       /* monitor: 1-based sample of count; 0: n/a */
  uint32_t alerts, others;      /* monitor verdict: alert and between/no-data samples */
  int64_t held_ms, for_ms;      /* trigger: held so far, its `for` (-1: n/a) */
};

/* }==== */

/* {==== outputs ==== */

struct ev_out;                  /* one output; owned by the emitter once added */

/* Flags of ev_out_jsonl. */
enum {
  EV_JSONL_FSYNC = 1 << 0       /* fsync after step_end, phase_end, run_end (journal) */
};

/* JSON Lines on fd; NULL when out of memory. */
struct ev_out *ev_out_jsonl(int fd, unsigned flags);

/* The plain format on fd; NULL when out of memory. */
struct ev_out *ev_out_plain(int fd);

/*
** Renders one runtime diagnostic with its source excerpt (the CLI passes a
** wrapper of cli/render.c's render_tty_diag).  d->src is the run's source.
*/
typedef void ev_render_fn(FILE *out, const struct diag *d, bool color);

/* Options of the tty output; zero-initialise. */
struct ev_tty_opts {
  bool unicode;                 /* ✓ ↷ ✗ ⠙ · ─ (else ok skip FAIL - |) */
  bool color;                   /* ANSI colors */
  bool live;                    /* spinner line redrawn in place (a TTY, CI unset) */
  const struct source *src;     /* the run's source, for excerpts; may be NULL */
  ev_render_fn *render;         /* excerpt renderer; NULL: a plain two-line block */
  int width;                    /* columns for the spinner line; 0: ask the tty, else 80 */
};

/* The tty format on fd; NULL when out of memory. */
struct ev_out *ev_out_tty(int fd, const struct ev_tty_opts *opts);

/* }==== */

/* {==== the emitter ==== */

struct ev_sink;

/*
** A new emitter stamping events with `clock` (borrowed, must outlive the
** emitter).  NULL when out of memory.
*/
struct ev_sink *ev_sink_new(struct rbc_clock *clock);

/* Free the emitter, its outputs and its copies.  NULL is a no-op. */
void ev_sink_free(struct ev_sink *ev);

/* Add an output (owned from now on, freed here on failure); -1 on oom or NULL. */
int ev_sink_add(struct ev_sink *ev, struct ev_out *out);

/*
** An emitter for one `parallel` branch: the events sent to it inside a
** step (action, retry, wait_poll, gate, budget_overrun, diagnostic, log)
** are kept, with their time, until ev_sink_flush sends them on to parent,
** so the outputs see each branch's events together and in branch order
** whatever the timing.  Secrets registered with it go to parent (the
** outputs must scrub them at once); ev_failed and ev_tick ask parent.
** Borrowed: parent, which must outlive it.  Free with ev_sink_free (events
** not flushed are dropped).  NULL when out of memory.
*/
struct ev_sink *ev_sink_branch(struct ev_sink *parent);

/*
** Send a branch emitter's kept events to its parent (which may be a branch
** emitter itself), stamped with the times they happened, and forget them.
** 0, or -1 when an output of the parent failed (ev_failed).
*/
int ev_sink_flush(struct ev_sink *branch);

/*
** Register the raw bytes of a secret value so that they are scrubbed from
** every line written: strings, and the strings inside lists and maps (ints
** and other scalars are formatted, their text is registered when at least
** EV_SECRET_MIN long).  Values that are not secret are ignored.  Returns 0,
** or -1 when out of memory.
*/
int ev_add_secret(struct ev_sink *ev, struct rbc_value v);

/*
** Where to cut s[0..n) to keep at most max bytes without splitting a
** registered secret (whose start would then escape the scrubbing): max, or
** the start of the secret that straddles it; n when n <= max.
*/
size_t ev_safe_cut(const struct ev_sink *ev, const char *s, size_t n, size_t max);

/* errno of the first failed write (0 when every write succeeded). */
int ev_failed(const struct ev_sink *ev);

/*
** Fill info's chunk-derived fields from c: runbook, file, source_sha256,
** title, criticality, rto_ms (META descriptors), nphases and nsteps.  The
** strings point into the chunk.  run_id and params are left NULL.
*/
void ev_describe(const struct chunk *c, struct ev_run_info *info);

/* An ev_phase from PHASE descriptor K[k] (count 0: the run's) and a budget. */
void ev_phase_from_chunk(const struct chunk *c, uint32_t k, int64_t budget_ms,
                         struct ev_phase *out);

/* An ev_step from STEP descriptor K[k] and its STEP_BEGIN line entry (may be NULL). */
void ev_step_from_chunk(const struct chunk *c, uint32_t k, const struct chunk_line *line,
                        struct ev_step *out);

/* }==== */

/* {==== events (each returns 0, or -1 once a write has failed or on oom) ==== */

/* version + run_start; starts the run's elapsed time. */
int ev_run_start(struct ev_sink *ev, const struct ev_run_info *info);

int ev_phase_start(struct ev_sink *ev, const struct ev_phase *p);

/* The open phase ends (no-op without one); overruns are reported separately. */
int ev_phase_end(struct ev_sink *ev);

int ev_step_start(struct ev_sink *ev, const struct ev_step *s);

/*
** The open step ends with `status` (no-op without an open step).  detail:
** for EV_SKIP the `when` condition's text, for EV_HALTED the gate's
** question or reason; else NULL.
*/
int ev_step_end(struct ev_sink *ev, enum ev_step_status status, const char *detail);

/*
** A runbook-level binding (a step's `let`) that a completed step changed,
** journaled with its step_end so `rbc resume` can restore it
** (docs/journal.md).  A secret binding is written by name only, never its
** value.
*/
struct ev_binding {
  const char *name;
  struct rbc_value value;       /* borrowed */
};

/*
** ev_step_end with the bindings the step changed: jsonl writes them as
** "bindings":{"name":{"type":"int","value":3},...} and a secret one as
** {"secret":true,"value":"secret, re-evaluate on resume"}.
*/
int ev_step_end_bindings(struct ev_sink *ev, enum ev_step_status status, const char *detail,
                         const struct ev_binding *b, size_t n);

/* A step that never started (listed so counts and reports match the runbook). */
int ev_step_not_run(struct ev_sink *ev, const struct ev_step *s);

int ev_action(struct ev_sink *ev, const struct ev_action *a);
int ev_retry(struct ev_sink *ev, const struct ev_retry *r);
int ev_wait_poll(struct ev_sink *ev, const struct ev_wait *w);
int ev_gate(struct ev_sink *ev, const struct ev_gate *g);

/* The open phase has run past its budget (warning RB5005, reported once). */
int ev_budget_overrun(struct ev_sink *ev, int64_t budget_ms, int64_t elapsed_ms);

int ev_diagnostic(struct ev_sink *ev, const struct ev_diag *d);

/* A `log` statement: the values' display forms joined by spaces, masked. */
int ev_log(struct ev_sink *ev, const struct rbc_value *vals, size_t n);

/* A checklist item, monitor or trigger event (counted for the run's summary). */
int ev_check(struct ev_sink *ev, const struct ev_check *c);

/* run_end; the tty output prints the failure excerpt and the summary. */
int ev_run_end(struct ev_sink *ev, const struct ev_run_end *e);

/*
** Give live outputs a chance to redraw (at most 10 times a second): the VM
** calls it while it waits (between sleep slices, in the event loop).
*/
void ev_tick(struct ev_sink *ev);

/* }==== */

#endif
