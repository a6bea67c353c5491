/*
** report.h: the post-mortem of a run (cli.md 7 `rbc report`, 9 JUnit) built
** from its event stream, and the report files `rbc run --report-junit F
** --report-json F` writes (cli.md 2: atomically, also when the run fails,
** halts or is interrupted).
**
** The input is the run's events as JSON objects (the schema of cli.md 8,
** vm/events.h), in the order they were written: a journal read through
** vm/journal.h, or the `-f jsonl` stream of a run.  report_render folds them
** into phases, steps, attempts, gates, overruns and failures, and writes one
** of four formats into a buffer:
**
**   tty    the timeline for a terminal (offsets from the start of the run),
**          the phases against their budgets, the run against the RTO, and
**          each failure with its source excerpt;
**   md     the same as Markdown, followed by the post-mortem sections of the
**          rollback procedure template (root cause, impact, lessons learned,
**          action items, process improvements) left as headings to fill in;
**   json   one `rbc.report/1` document (docs/report.md gives the schema);
**   junit  JUnit XML as cli.md 9 lays it out.
**
** The source excerpts come from the runbook file named in run_start when it
** still exists and its SHA-256 matches source_sha256; otherwise the report
** says so.  The same file gives the names of phases that never started and
** the runbook's RTO (the event stream does not carry them).
**
** The json and junit formats depend only on the events and the source file,
** so `rbc report -f junit` of a run's journal gives the same bytes as the
** run's --report-junit.  Secrets are masked in the events already (the
** emitter scrubs every line); the report adds no value of its own.
*/
#ifndef RBC_REPORT_H
#define RBC_REPORT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "vm/value.h"

enum report_format { REPORT_TTY, REPORT_MD, REPORT_JSON, REPORT_JUNIT };

/* The schema name of the json format. */
#define REPORT_SCHEMA "rbc.report/1"

/* Options of report_render; zero-initialise. */
struct report_opts {
  bool color;                   /* tty: ANSI colors */
  bool unicode;                 /* tty: ✓ ↷ ✗ (else ok skip FAIL) */
  const char *journal;          /* tty, md: the journal's path, or NULL */
  const char *journal_note;     /* tty, md: how it was verified, or NULL */
};

/*
** Render `events` (a JSON array of event objects, borrowed) in `fmt` into
** b.  0, or -1 when out of memory (b->oom) or events is not an array.
*/
int report_render(struct val_buf *b, json_t *events, enum report_format fmt,
                  const struct report_opts *o);

/*
** Write len bytes to path atomically, mode 0644: cli_write_atomic with
** fsync.  0, or an errno value (the temporary file is removed).
*/
int report_write_atomic(const char *path, const char *data, size_t len);

struct jl_reader;

/* The events of a journal read by vm/journal.h as a new JSON array; NULL on oom. */
json_t *report_journal_events(const struct jl_reader *r);

/* {==== the report files of a run (rbc run / rbc resume) ==== */

/*
** After a run, whatever its outcome (passed, failed, halted, interrupted,
** stopped by an I/O error): read its journal (the part that verifies) and
** write the JUnit file junit and the rbc.report/1 file json (paths; either
** may be NULL) atomically, the same bytes `rbc report -f junit|json` gives
** for that journal.  A message on stderr for each file not written.  0, or
** 73 (EXIT_CANTCREAT) when one could not be.
*/
int report_files_from_journal(const char *journal, const char *junit, const char *json);

/*
** Before the run: can the report files (either may be NULL) be created,
** i.e. is each one's directory a writable directory?  0, or 73 with a
** message on stderr.
*/
int report_check_paths(const char *junit, const char *json);

/* }==== */

#endif
