/*
** journal.h: the run journal (docs/journal.md): writing it during a run,
** reading and verifying it afterwards, and the per-runbook run lock.
**
** A journal is one JSON Lines file per run, <journal-dir>/<RUN-ID>.jsonl,
** mode 0600, in the schema of the `--format jsonl` event stream (cli.md 8,
** vm/events.h).  Every line carries one extra member, "prev": the SHA-256
** (64 lowercase hex digits) of the bytes of the previous line, newline
** excluded; the first line's "prev" is 64 zeros.  Editing, removing,
** reordering or truncating a line breaks the chain at a line the verifier
** names.  `rbc resume` appends to the same file, so one file holds the whole
** timeline of a run (a `resume` event starts each continuation).
**
** Readers (rbc report, rbc resume, rbc test) use the jl_reader part:
**
**     struct jl_reader *r;
**     struct jl_problem p;
**     int rc = jl_open(arg, dir, &r, &p);        // RUN-ID or path
**     if (rc != 0) { fprintf(stderr, "%s: %s\n", p.path, p.message); return rc; }
**     for (size_t i = 0; i < jl_count(r); i++) {
**       json_t *ev = jl_event(r, i);             // borrowed; {"type":...}
**       ...
**     }
**     jl_close(r);
**
** jl_open reads and verifies the whole file; it returns 0 only when every
** line is a JSON object and the chain holds.  On a broken chain it returns
** JL_EXIT_TAMPERED (65, EX_DATAERR) with p.line the 1-based number of the
** first line that does not verify; a missing journal is JL_EXIT_NOINPUT
** (66).  jl_open_lenient returns the lines that verify (the prefix before
** the break) as well as the problem, for tools that want to show what is
** left of a damaged journal.
**
** Ownership: a jl_reader owns its events (json_t, freed by jl_close); the
** pointers jl_event and jl_find return are borrowed from it.  Not
** thread-safe.
*/
#ifndef RBC_JOURNAL_H
#define RBC_JOURNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "vm/events.h"

/* {==== common ==== */

/* Exit statuses (cli.md 10) the journal functions return. */
enum {
  JL_EXIT_TAMPERED = 65,        /* the chain does not verify, or a line is not JSON */
  JL_EXIT_NOINPUT = 66,         /* no such run id or file, or unreadable */
  JL_EXIT_SOFTWARE = 70,        /* out of memory */
  JL_EXIT_CANTCREAT = 73,       /* cannot create the directory, journal or lock file */
  JL_EXIT_IOERR = 74,           /* a write or fsync failed */
  JL_EXIT_LOCKED = 75           /* the runbook's lock is held by another run */
};

/* The "prev" of the first line: 64 zeros. */
#define JL_ZERO_HASH "0000000000000000000000000000000000000000000000000000000000000000"

/* A problem with a journal: where, and what. */
struct jl_problem {
  char path[4096];              /* the journal's path (or the argument, when not found) */
  size_t line;                  /* 1-based line at fault; 0: the file as a whole */
  char message[512];            /* one sentence, no trailing newline */
};

/*
** The journal directory: dir when non-NULL, else $RBC_STATE_DIR/runs, else
** $XDG_STATE_HOME/rbc/runs, else $HOME/.local/state/rbc/runs.  Written into
** out (size bytes); -1 when it does not fit or HOME is unset.
*/
int jl_default_dir(const char *dir, char *out, size_t size);

/* Create dir (and missing parents) with mode 0700.  0, or -1 with errno. */
int jl_mkdir(const char *dir);

/* SHA-256 of len bytes as 64 hex digits and a NUL into out. */
void jl_sha256_hex(const void *data, size_t len, char out[65]);

/* }==== */

/* {==== reading and verifying ==== */

struct jl_reader;

/*
** Open the journal `arg`: a path (it contains a '/' or ends in ".jsonl")
** or a RUN-ID, looked up as <dir>/<RUN-ID>.jsonl with dir as jl_default_dir
** resolves it.  Verifies the whole chain.  0 with *out set, or an exit
** status (JL_EXIT_*) with *prob filled and *out NULL.
*/
int jl_open(const char *arg, const char *dir, struct jl_reader **out, struct jl_problem *prob);

/*
** As jl_open, but a chain that breaks is not fatal: *out holds the lines
** before the break and the status (JL_EXIT_TAMPERED) is returned with *prob.
** *out is NULL only for the other statuses.
*/
int jl_open_lenient(const char *arg, const char *dir, struct jl_reader **out,
                    struct jl_problem *prob);

/* Free r and its events.  NULL is a no-op. */
void jl_close(struct jl_reader *r);

/* The journal's path. */
const char *jl_path(const struct jl_reader *r);

/* Number of events (lines) read. */
size_t jl_count(const struct jl_reader *r);

/* Event i (0-based; line i + 1), borrowed; NULL out of range. */
json_t *jl_event(const struct jl_reader *r, size_t i);

/* The first event of type `type` at index >= from, its index in *at; NULL when none. */
json_t *jl_find(const struct jl_reader *r, const char *type, size_t from, size_t *at);

/* The run id (of the first run_start), or NULL. */
const char *jl_run_id(const struct jl_reader *r);

/* The hash of the last line (the "prev" the next line must carry). */
const char *jl_last_hash(const struct jl_reader *r);

/* The file's size in bytes when read (where the next line is appended). */
off_t jl_size(const struct jl_reader *r);

/* }==== */

/* {==== writing ==== */

struct jl_writer;

/*
** Create the journal <dir>/<run_id>.jsonl (O_EXCL, mode 0600; dir made
** 0700 if missing).  0 with *out set, or JL_EXIT_CANTCREAT with prob.
*/
int jl_writer_create(const char *dir, const char *run_id, struct jl_writer **out,
                     struct jl_problem *prob);

/*
** Reopen a verified journal to append to it (rbc resume): the chain goes
** on from jl_last_hash(r) at offset jl_size(r).  0 with *out, or an exit
** status with prob.
*/
int jl_writer_append(const struct jl_reader *r, struct jl_writer **out,
                     struct jl_problem *prob);

/*
** The journal as an output of the run's emitter (vm/events.h): the jsonl
** stream with "prev" added to every line, fsync'ed after step_end,
** phase_end and run_end.  When a write fails, the file is cut back to its
** last whole line (so it still verifies) and the emitter's error is set
** (ev_failed: the VM stops at its next safe point with exit 74).  The
** writer is borrowed by the output and must outlive the emitter.  NULL when
** out of memory.
*/
struct ev_out *jl_writer_output(struct jl_writer *w);

/*
** Write one extra event (e.g. "resume") as a chained line, built by the
** caller as a JSON object (its "prev" is added here).  0, or -1 with errno.
*/
int jl_writer_event(struct jl_writer *w, json_t *event);

/* The journal's path. */
const char *jl_writer_path(const struct jl_writer *w);

/* errno of the first failed write or fsync, 0 when none. */
int jl_writer_failed(const struct jl_writer *w);

/* Close the file and free w.  NULL is a no-op. */
void jl_writer_free(struct jl_writer *w);

/* }==== */

/* {==== the run lock ==== */

struct jl_lock;

/*
** Take the lock of `runbook` in dir (<dir>/<runbook>.lock, flock(2),
** non-blocking) and write "<run_id> <pid>" into it.  0 with *out set; when
** another process holds it, JL_EXIT_LOCKED with prob->message naming the
** holder's run id and pid; JL_EXIT_CANTCREAT when the file cannot be made.
*/
int jl_lock_take(const char *dir, const char *runbook, const char *run_id,
                 struct jl_lock **out, struct jl_problem *prob);

/* Release the lock and free it.  NULL is a no-op. */
void jl_lock_release(struct jl_lock *l);

/* }==== */

#endif
