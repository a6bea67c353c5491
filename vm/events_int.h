/*
** events_int.h: what the emitter (vm/events.c) and the text outputs
** (vm/events_text.c) share.  Not for other modules: the VM and the CLI use
** vm/events.h only.
**
** An event reaches an output as a struct ev_event: the record the VM passed
** (borrowed), the timestamp and elapsed time the emitter computed, and the
** masked display texts it formatted once for every output.  Outputs read
** the emitter's state (open phase and step, counts, first failure) through
** the const struct ev_sink they receive.
*/
#ifndef RBC_EVENTS_INT_H
#define RBC_EVENTS_INT_H

#include "vm/events.h"

enum ev_type {
  EV_T_RUN_START, EV_T_PHASE_START, EV_T_PHASE_END, EV_T_STEP_START, EV_T_STEP_END,
  EV_T_ACTION, EV_T_RETRY, EV_T_WAIT_POLL, EV_T_GATE, EV_T_BUDGET, EV_T_DIAG, EV_T_LOG,
  EV_T_RUN_END, EV_T_CHECK
};

/* One event as the outputs see it. */
struct ev_event {
  enum ev_type type;
  int64_t ts_ms;                /* wall-clock time of the run's clock */
  int64_t elapsed_ms;           /* step_end, phase_end, run_end, budget */
  enum ev_step_status status;   /* step_end */
  const char *detail;           /* step_end: skip condition / halt reason */
  const char *text;             /* log: the masked line; gate: the masked question */
  const char *actual;           /* diagnostic: masked display forms, or NULL */
  const char *expected;
  bool folded;                  /* diagnostic: first error of the open step */
  bool first_of_run;            /* diagnostic: first error of the run (kept for the summary) */
  bool in_step;                 /* step_end of a step that was started (not not_run) */
  int64_t budget_ms;            /* budget_overrun */
  const struct ev_binding *bindings; /* step_end: runbook-level bindings the step changed */
  size_t nbindings;
  union {
    const struct ev_run_info *run;
    const struct ev_phase *phase;
    const struct ev_step *step;   /* step_start, and step_end of a not-run step */
    const struct ev_action *action;
    const struct ev_retry *retry;
    const struct ev_wait *wait;
    const struct ev_gate *gate;
    const struct ev_diag *diag;
    const struct ev_run_end *end;
    const struct ev_check *check;
  } u;
};

struct jl_writer;               /* vm/journal.c */

/* The functions an output implements. */
struct ev_out_ops {
  void (*emit)(struct ev_out *o, struct ev_sink *ev, const struct ev_event *e);
  void (*tick)(struct ev_out *o, struct ev_sink *ev);       /* may be NULL */
  void (*release)(struct ev_out *o);                        /* frees o */
};

/* The common head of every output (each kind embeds it first). */
struct ev_out {
  const struct ev_out_ops *ops;
  int fd;                       /* borrowed descriptor */
  unsigned flags;               /* EV_JSONL_* for jsonl */
  struct jl_writer *journal;    /* jsonl: the journal's chained writer (vm/journal.h), or NULL */
};

/*
** The journal's side of a jsonl output with `journal` set (vm/journal.c):
** write each line of buf with the hash chain (errors go to ev->err), and
** fsync at a boundary.
*/
void jl_write_lines(struct jl_writer *w, struct ev_sink *ev, const char *buf, size_t len);
void jl_sync(struct jl_writer *w, struct ev_sink *ev);

/* A kept copy of a diagnostic (the first failure of a step or of the run). */
struct ev_failure {
  bool set;
  enum diag_code code;
  char *message, *actual, *expected, *help, *note, *file; /* owned copies, may be NULL */
  uint32_t line, col;
  struct span span;
  bool has_span;
};

/* Where a run stopped: the first step that ended fail, error or halted. */
struct ev_stop {
  bool set;
  enum ev_step_status status;
  uint32_t phase, phase_count;
  char *phase_name, *step_name; /* owned */
};

struct ev_sink {
  struct rbc_clock *clock;      /* borrowed */
  struct ev_out **outs;         /* owned outputs */
  size_t nouts, outs_cap;
  char **secrets;               /* owned raw bytes of registered secrets */
  size_t *secret_len;
  size_t nsecrets, secrets_cap;
  int err;                      /* errno of the first failed write */
  bool oom;                     /* a copy failed: events still flow, details may lack */

  char *run_id, *runbook, *file;/* owned copies from run_start */
  int64_t rto_ms;               /* -1: none */
  uint32_t nphases, nsteps;
  int64_t run_t0;               /* monotonic ms at run_start */

  bool phase_open;
  uint32_t phase_index, phase_count, phase_nsteps;
  char *phase_name;             /* owned */
  int64_t phase_budget, phase_t0;

  bool step_open;
  uint32_t step_phase, step_index, step_count;
  char *step_name;              /* owned; kept after the step ends for late events */
  int64_t step_t0;
  struct ev_failure step_diag;  /* first error diagnostic of the open step */
  struct ev_failure run_diag;   /* first error diagnostic of the run */
  struct ev_stop stop;
  unsigned counts[EV__NSTATUS];
  unsigned checks[EV_CK__NSTATUS];      /* checklist items and monitor verdicts by status */

  struct ev_sink *parent;       /* a branch's emitter (ev_sink_branch): where it flushes */
  struct ev_rec *recs;          /* owned: a branch's events, oldest first */
  struct ev_rec **recs_tail;    /* where the next one goes */
  bool ts_fixed;                /* replaying: stamp events with ts_ms, not the clock */
  int64_t ts_ms;                /* the stamp while ts_fixed */
};

/* {==== helpers for outputs (events.c) ==== */

/* Write len bytes to o's descriptor (one write unless partial); records errors. */
void ev_write(struct ev_sink *ev, struct ev_out *o, const char *buf, size_t len);

/* Append s[0..n) to b with every registered secret replaced by ***. */
void ev_scrub_append(const struct ev_sink *ev, struct val_buf *b, const char *s, size_t n);

/* Scrub a whole text line (b's contents) and write it; b is reset. */
void ev_write_text(struct ev_sink *ev, struct ev_out *o, struct val_buf *b);

/* "0.4s", "12s", "6m12s": the elapsed-time form of tty and plain. */
char *ev_fmt_elapsed(int64_t ms, char buf[VAL_FMT_BUF]);

/* RFC 3339 UTC; with_ms: ".mmm" always, else whole seconds. */
char *ev_fmt_ts(int64_t ms, bool with_ms, char buf[VAL_FMT_BUF]);

/* The file a location names (the run's file when loc->file is NULL). */
const char *ev_loc_file(const struct ev_sink *ev, const struct ev_loc *loc);

/* Masked display form of v (strings quoted when `quoted`). */
void ev_append_value(struct val_buf *b, struct rbc_value v, bool quoted);

/* }==== */

#endif
