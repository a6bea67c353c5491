/*
** cmd_resume.c: `rbc resume RUN-ID|JOURNAL [--accept-changes] [run options]`
** (cli.md 6, docs/journal.md).
**
** The journal is opened and its hash chain verified (vm/journal.h; a
** broken chain exits 65 naming the line, a missing run 66).  From it come
** the runbook file and the run id (the last run_start), the steps that
** completed (step_end pass or recovered, or skipped as "done before the
** resume"), and the runbook-level bindings those steps made.  A completed
** step that bound a secret is not counted as completed: its value is not
** in the journal, so the step runs again and re-evaluates it.
**
** Then the run's own machinery (cli/cmd_run.c through cli/resume.h) does
** the rest exactly as `rbc run FILE` would: check, compile, params (each
** from its source again; a non-secret param nobody gives falls back to the
** value the journal recorded; secrets are never read from the journal),
** the lock, and the run, which appends to the same journal after a
** `resume` event.  Before anything runs, the runbook's source hash is
** compared with the journal's: when it differs, resume prints what changed
** and exits 65 unless --accept-changes was given.
**
** Exit statuses: those of `rbc run` (cli.md 10), and 65 when the journal
** does not verify (RB9004, the line named) or the runbook changed (RB9005),
** 66 when the run id or journal is not found.
*/
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/resume.h"
#include "lexer/diag.h"
#include "vm/journal.h"
#include "vm/value.h"
#include "vm/value_json.h"

/* A completed step: phase number and name. */
struct done_step {
  uint32_t phase;
  const char *name;             /* borrowed from the journal */
};

/* What cmd_resume keeps while the run goes on. */
struct resume_state {
  struct jl_reader *r;
  const char *arg;              /* RUN-ID or JOURNAL as given */
  bool accept_changes;
  const char *file, *run_id, *sha;      /* from the last run_start (borrowed) */
  const char *cwd;              /* the run's working directory (journal-only member) */
  json_t *params;               /* the last run_start's params (borrowed) */
  struct done_step *done;
  size_t ndone;
  struct ev_binding *bindings;  /* owned names (strdup) and values */
  size_t nbindings;
  char **texts;                 /* owned param texts handed to params.c */
  size_t ntexts;
  const char *restart;          /* the step to restart, or NULL (borrowed) */
};

static void resume_help(void)
{
  fputs("Usage: rbc resume RUN-ID|JOURNAL [--accept-changes] [RUN OPTIONS]\n"
        "\n"
        "Continue a failed, halted or interrupted run from its journal.  The\n"
        "journal's hash chain is verified first.  Completed steps are skipped\n"
        "(reported as \"done before the resume\") and the bindings they made are\n"
        "restored; the interrupted step starts again from its beginning (a step is\n"
        "the unit of at-least-once).  Params are resolved again from their sources\n"
        "(--param, --params-file, RBC_PARAM_*); a non-secret param none of them\n"
        "gives takes the value the journal recorded.  Secrets are never in the\n"
        "journal: they are read from their sources again.  The run appends to the\n"
        "same journal.  A relative runbook path is taken from the current directory,\n"
        "else from the directory the run started in.\n"
        "\n"
        "Options:\n"
        "      --accept-changes       resume even though the runbook changed since\n"
        "                             the run (what changed is shown)\n"
        "      --journal-dir DIR      where to look up RUN-ID (default:\n"
        "                             $XDG_STATE_HOME/rbc/runs)\n"
        "  -y, --yes                  answer confirm gates yes (a run halted at a\n"
        "                             confirm resumes with --yes)\n"
        "  -h, --help                 show this help and exit\n"
        "  and every option of `rbc run` (-f, --progress, --param, ...).\n"
        "\n"
        "Examples:\n"
        "  rbc resume 20261126T130000Z-payments-api-3f9c --yes\n"
        "  rbc resume ~/.local/state/rbc/runs/20261126T130000Z-payments-api-3f9c.jsonl\n"
        "\n"
        "Exit status: as `rbc run` (0 passed, 1 a step failed, 2 halted, 74 I/O error,\n"
        "75 the runbook is already running, 130/143 interrupted), and 65 when the\n"
        "journal does not verify (tampered: the line is named) or the runbook\n"
        "changed without --accept-changes, 66 when the run or journal is not found.\n",
        stdout);
}

/* {==== reading the journal ==== */

static const char *str_of(const json_t *o, const char *key)
{
  return json_string_value(json_object_get(o, key));
}

/* Does the step_end carry a secret binding? */
static bool binds_secret(const json_t *end)
{
  const char *k;
  json_t *b;

  json_object_foreach(json_object_get(end, "bindings"), k, b)
    if (json_is_true(json_object_get(b, "secret")))
      return true;
  return false;
}

/* One journaled binding {"type":T,"value":V} as a value; 0 or -1. */
static int binding_value(const json_t *b, struct rbc_value *out)
{
  const char *type = str_of(b, "type");
  const json_t *v = json_object_get(b, "value");
  struct val_err e;

  if (!type || !v)
    return -1;
  if (strcmp(type, "duration") == 0 && json_is_integer(v)) {
    *out = val_duration(json_integer_value(v));
    return 0;
  }
  if (strcmp(type, "time") == 0 && json_is_integer(v)) {
    *out = val_time(json_integer_value(v));
    return 0;
  }
  if (strcmp(type, "float") == 0 && json_is_number(v)) {
    *out = val_float(json_number_value(v));
    return 0;
  }
  return val_from_json(v, false, out, &e) == VAL_OK ? 0 : -1;
}

/* Set binding name = value (the last one of a name wins); 0 or -1 (oom). */
static int add_binding(struct resume_state *st, const char *name, struct rbc_value v)
{
  struct ev_binding *nb;
  char *copy;

  for (size_t i = 0; i < st->nbindings; i++)
    if (strcmp(st->bindings[i].name, name) == 0) {
      val_release(st->bindings[i].value);
      st->bindings[i].value = v;
      return 0;
    }
  nb = realloc(st->bindings, (st->nbindings + 1) * sizeof *nb);
  copy = strdup(name);
  if (nb)
    st->bindings = nb;
  if (!nb || !copy) {
    free(copy);
    val_release(v);
    return -1;
  }
  st->bindings[st->nbindings].name = copy;
  st->bindings[st->nbindings++].value = v;
  return 0;
}

static bool is_done(const struct resume_state *st, uint32_t phase, const char *name)
{
  for (size_t i = 0; i < st->ndone; i++)
    if (st->done[i].phase == phase && strcmp(st->done[i].name, name) == 0)
      return true;
  return false;
}

/* A completed step ended: remember it and its bindings.  0, or -1 (bad journal / oom). */
static int take_step_end(struct resume_state *st, const json_t *ev, size_t lineno)
{
  const char *name = str_of(ev, "step"), *k;
  uint32_t phase = (uint32_t)json_integer_value(json_object_get(ev, "phase"));
  struct done_step *nd;
  struct rbc_value v;
  json_t *b;

  if (!name)
    return 0;
  if (binds_secret(ev))
    return 0;                   /* runs again: its secret is re-evaluated */
  json_object_foreach(json_object_get(ev, "bindings"), k, b) {
    if (binding_value(b, &v) != 0) {
      fprintf(stderr, "rbc: %s:%zu: binding `%s` cannot be restored\n", jl_path(st->r),
              lineno, k);
      return -1;
    }
    if (add_binding(st, k, v) != 0)
      return -1;
  }
  if (is_done(st, phase, name))
    return 0;
  nd = realloc(st->done, (st->ndone + 1) * sizeof *nd);
  if (!nd)
    return -1;
  st->done = nd;
  st->done[st->ndone].phase = phase;
  st->done[st->ndone++].name = name;
  return 0;
}

/* Walk the events: the last run_start, completed steps, bindings.  0 or an exit status. */
static int scan(struct resume_state *st)
{
  for (size_t i = 0; i < jl_count(st->r); i++) {
    json_t *ev = jl_event(st->r, i);
    const char *type = str_of(ev, "type"), *status = str_of(ev, "status");

    if (!type)
      continue;
    if (strcmp(type, "run_start") == 0) {
      st->file = str_of(ev, "file");
      st->run_id = str_of(ev, "run_id");
      st->sha = str_of(ev, "source_sha256");
      st->cwd = str_of(ev, "cwd");
      st->params = json_object_get(ev, "params");
    } else if (strcmp(type, "step_start") == 0) {
      st->restart = str_of(json_object_get(ev, "step"), "name");
    } else if (strcmp(type, "step_end") == 0 && status) {
      const char *reason = str_of(ev, "reason");

      if ((strcmp(status, "pass") == 0 || strcmp(status, "recovered") == 0
           || (strcmp(status, "skip") == 0 && reason && strcmp(reason, EV_DONE_BEFORE_RESUME) == 0))
          && take_step_end(st, ev, i + 1) != 0)
        return EXIT_DATAERR;
      if (st->restart && str_of(ev, "step") && strcmp(st->restart, str_of(ev, "step")) == 0
          && strcmp(status, "pass") == 0)
        st->restart = NULL;
    }
  }
  if (!st->file || !st->run_id) {
    fprintf(stderr, "rbc: %s: no run_start event: not a run journal\n", jl_path(st->r));
    return EXIT_DATAERR;
  }
  return 0;
}

/* }==== */

/* {==== the callbacks of cli/resume.h ==== */

/* RBC_PARAM_<name> from the environment, else the journal's non-secret value. */
static const char *resume_getenv(const char *name, void *ctx)
{
  struct run_resume *rs = ctx;
  struct resume_state *st = rs->ctx;
  const char *v = getenv(name), *pname;
  json_t *j;
  char *text, **nt;

  if (v || strncmp(name, "RBC_PARAM_", 10) != 0 || !st->params)
    return v;
  pname = name + 10;
  j = json_object_get(st->params, pname);
  if (!j || json_is_null(j))
    return NULL;
  if (json_is_string(j)) {
    if (strcmp(json_string_value(j), "***") == 0)
      return NULL;              /* a secret: from its source, never from the journal */
    text = strdup(json_string_value(j));
  } else {
    text = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
  }
  nt = text ? realloc(st->texts, (st->ntexts + 1) * sizeof *nt) : NULL;
  if (!nt) {
    free(text);
    return NULL;
  }
  st->texts = nt;
  st->texts[st->ntexts++] = text;
  return text;
}

/* Is a step of this name in chunk c? */
static bool chunk_has_step(const struct chunk *c, const char *name)
{
  for (uint32_t k = 0; k < c->nconsts; k++) {
    const struct chunk_const *s;

    if (c->consts[k].kind != CK_STEP || c->consts[k].u.desc.n < 1)
      continue;
    s = chunk_str(c, c->consts[k].u.desc.w[STEP_NAME]);
    if (s && strcmp(s->u.str.bytes, name) == 0)
      return true;
  }
  return false;
}

/* Was a step of this name journaled (started, or listed as not run)? */
static bool journal_has_step(const struct jl_reader *r, const char *name)
{
  for (size_t i = 0; i < jl_count(r); i++) {
    json_t *ev = jl_event(r, i);
    const char *type = str_of(ev, "type");
    const char *n = NULL;

    if (type && strcmp(type, "step_start") == 0)
      n = str_of(json_object_get(ev, "step"), "name");
    else if (type && strcmp(type, "step_end") == 0)
      n = str_of(ev, "step");
    if (n && strcmp(n, name) == 0)
      return true;
  }
  return false;
}

/* What changed between the journaled runbook and c, on stderr. */
static void print_changes(const struct resume_state *st, const struct chunk *c)
{
  fprintf(stderr, "error[%s]: the runbook changed since run %s was journaled\n",
          diag_info(DIAG_RB9005)->code, st->run_id);
  fprintf(stderr, "  source sha256 was %s\n  now            %s\n", st->sha ? st->sha : "?",
          c->sha256);
  for (uint32_t k = 0; k < c->nconsts; k++) {
    const struct chunk_const *s;

    if (c->consts[k].kind != CK_STEP || c->consts[k].u.desc.n < 1)
      continue;
    s = chunk_str(c, c->consts[k].u.desc.w[STEP_NAME]);
    if (s && !journal_has_step(st->r, s->u.str.bytes))
      fprintf(stderr, "  step \"%s\" is new\n", s->u.str.bytes);
  }
  for (size_t i = 0; i < st->ndone; i++)
    if (!chunk_has_step(c, st->done[i].name))
      fprintf(stderr, "  completed step \"%s\" is no longer in the runbook\n",
              st->done[i].name);
}

/* The runbook's hash against the journal's: 0, or 65 after showing what changed. */
static int resume_check(struct run_resume *rs, const struct chunk *c)
{
  struct resume_state *st = rs->ctx;

  if (st->sha && strcmp(st->sha, c->sha256) == 0)
    return 0;
  print_changes(st, c);
  if (st->accept_changes) {
    fputs("rbc: --accept-changes: resuming with the changed runbook\n", stderr);
    return 0;
  }
  fputs("rbc: refusing to resume: pass --accept-changes to resume with the changed runbook\n",
        stderr);
  return EXIT_DATAERR;
}

/* The `resume` event, first line of the continuation. */
static int resume_begin(struct run_resume *rs, struct jl_writer *w, const struct chunk *c,
                        struct rbc_clock *clk)
{
  struct resume_state *st = rs->ctx;
  char ts[VAL_FMT_BUF], msg[256];
  json_t *ev = json_object(), *done = json_array();
  int rc;

  if (!ev || !done) {
    json_decref(ev);
    json_decref(done);
    return -1;
  }
  for (size_t i = 0; i < st->ndone; i++)
    json_array_append_new(done, json_string(st->done[i].name));
  snprintf(msg, sizeof msg, "resume run %s", st->run_id);
  json_object_set_new(ev, "type", json_string("resume"));
  json_object_set_new(ev, "@timestamp", json_string(val_format_time(clock_now_ms(clk), true,
                                                                     ts)));
  json_object_set_new(ev, "run_id", json_string(st->run_id));
  json_object_set_new(ev, "@message", json_string(msg));
  json_object_set_new(ev, "file", json_string(st->file));
  json_object_set_new(ev, "source_sha256", json_string(c->sha256));
  json_object_set_new(ev, "changed", json_boolean(!st->sha || strcmp(st->sha, c->sha256) != 0));
  json_object_set_new(ev, "completed", done);
  json_object_set_new(ev, "restart", st->restart ? json_string(st->restart) : json_null());
  json_object_set_new(ev, "pid", json_integer((json_int_t)getpid()));
  rc = jl_writer_event(w, ev);
  json_decref(ev);
  return rc;
}

/* rs->vm.done: was this step completed before? */
static bool resume_done(void *ctx, uint32_t phase, const char *step)
{
  return is_done(ctx, phase, step);
}

/* }==== */

/* {==== the command ==== */

static void free_state(struct resume_state *st)
{
  for (size_t i = 0; i < st->nbindings; i++) {
    free((char *)st->bindings[i].name);
    val_release(st->bindings[i].value);
  }
  free(st->bindings);
  for (size_t i = 0; i < st->ntexts; i++)
    free(st->texts[i]);
  free(st->texts);
  free(st->done);
  jl_close(st->r);
}

/*
** Split argv: the RUN-ID|JOURNAL, --accept-changes and --journal-dir are
** ours; everything else goes to the run (into run_argv after the file).
** 0, -1 after --help, or the exit status.
*/
static int split_args(int argc, char **argv, struct resume_state *st, const char **dir,
                      char **run_argv, int *run_argc)
{
  int n = 2;                    /* run_argv[0] "resume", [1] the file */

  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];

    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      resume_help();
      return -1;
    }
    if (strcmp(a, "--accept-changes") == 0) {
      st->accept_changes = true;
      continue;
    }
    if (strcmp(a, "--journal-dir") == 0 && i + 1 < argc)
      *dir = argv[i + 1];
    else if (strncmp(a, "--journal-dir=", 14) == 0)
      *dir = a + 14;
    if (a[0] == '-' && a[1] != '\0') {
      run_argv[n++] = argv[i];
      if (cmd_run_option_takes_value(a) && i + 1 < argc)
        run_argv[n++] = argv[++i];
      continue;
    }
    if (st->arg)
      return cli_usage_error("resume", "one run at a time ('%s' and '%s')", st->arg, a);
    st->arg = a;
  }
  if (!st->arg)
    return cli_usage_error("resume", "missing RUN-ID or JOURNAL: the run to continue");
  *run_argc = n;
  return 0;
}

/*
** rbc resume RUN-ID|JOURNAL [options]: verify the journal, then continue
** the run through cmd_run_resume.  Returns the exit status (cli.md 10).
*/
int cmd_resume(int argc, char **argv)
{
  struct resume_state st;
  struct run_resume rs;
  struct jl_problem p;
  const char *dir = NULL;
  char **run_argv = calloc((size_t)argc + 4, sizeof *run_argv);
  char *jdir = NULL, *slash, *fpath = NULL;
  int run_argc = 0, rc;

  memset(&st, 0, sizeof st);
  if (!run_argv) {
    fputs("rbc: out of memory\n", stderr);
    return EXIT_SOFTWARE;
  }
  rc = split_args(argc, argv, &st, &dir, run_argv, &run_argc);
  if (rc != 0) {
    free(run_argv);
    if (rc > 0)
      fputs("rbc: nothing was executed.\n", stderr);
    return rc < 0 ? EXIT_OK : rc;
  }
  rc = jl_open(st.arg, dir, &st.r, &p);
  if (rc == JL_EXIT_TAMPERED)
    fprintf(stderr, "error[%s]: %s\n --> %s:%zu\n", diag_info(DIAG_RB9004)->code, p.message,
            p.path, p.line);
  else if (rc != 0)
    fprintf(stderr, "rbc: %s: %s\n", p.path, p.message);
  if (rc != 0) {
    fputs("rbc: nothing was executed.\n", stderr);
    free(run_argv);
    return rc;
  }
  rc = scan(&st);
  if (rc == 0) {
    memset(&rs, 0, sizeof rs);
    rs.journal = st.r;
    rs.run_id = st.run_id;
    rs.vm.done = resume_done;
    rs.vm.ctx = &st;
    rs.vm.bindings = st.bindings;
    rs.vm.nbindings = st.nbindings;
    rs.getenv = resume_getenv;
    rs.check = resume_check;
    rs.begin = resume_begin;
    rs.ctx = &st;
    run_argv[0] = argv[0];
    run_argv[1] = (char *)st.file;
    /* a relative file not found from here: relative to where the run started */
    if (st.file[0] != '/' && st.cwd && access(st.file, F_OK) != 0) {
      size_t n = strlen(st.cwd) + strlen(st.file) + 2;

      fpath = malloc(n);
      if (fpath) {
        snprintf(fpath, n, "%s/%s", st.cwd, st.file);
        run_argv[1] = fpath;
      }
    }
    /* the lock lives next to the journal: a JOURNAL path names its directory */
    jdir = dir ? NULL : strdup(jl_path(st.r));
    slash = jdir ? strrchr(jdir, '/') : NULL;
    if (jdir && !slash)
      memcpy(jdir, ".", 2);     /* "x.jsonl": the current directory */
    else if (slash)
      slash[slash == jdir ? 1 : 0] = '\0';   /* "/x.jsonl": "/" */
    if (jdir) {
      run_argv[run_argc++] = (char *)"--journal-dir";
      run_argv[run_argc++] = jdir;
    }
    rc = cmd_run_resume(run_argc, run_argv, &rs);
  } else {
    fputs("rbc: nothing was executed.\n", stderr);
  }
  free(run_argv);
  free(jdir);
  free(fpath);
  free_state(&st);
  return rc;
}

/* }==== */
