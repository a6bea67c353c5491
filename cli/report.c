/*
** report.c: the post-mortem of a run from its event stream (report.h).
**
** Two halves: fold the events into a small model (struct run: phases,
** steps and what happened in them, checklist items, the run's end), then
** render the model.  Later events win over earlier ones for the same step,
** so a journal continued by `rbc resume` reports each step's final outcome
** with every attempt it took.
*/
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/report.h"
#include "lexer/source.h"
#include "parser/arena.h"
#include "parser/ast.h"
#include "vm/journal.h"

/* {==== the model ==== */

/* Something that happened inside a step, in order. */
struct happening {
  json_t *ev;                   /* borrowed event */
  int64_t at_ms;                /* its time */
};

struct step {
  char *name;
  uint32_t index;               /* 1-based; 0 when only seen as not_run */
  uint32_t line;                /* the `step` keyword; 0 unknown */
  const char *file;
  const char *status;           /* pass fail error skip recovered halted not_run; NULL: open */
  const char *prev_status;      /* the outcome before the last step_start (resume) */
  const char *reason;           /* skip condition / halt reason */
  int64_t start_ms, elapsed_ms;
  uint32_t starts;              /* step_start seen (more than one after a resume) */
  uint32_t retries;             /* failed attempts retried */
  struct happening *hap;
  size_t nhap, caphap;
  json_t *diag;                 /* the last error diagnostic, borrowed */
};

struct phase {
  uint32_t index;
  char *name;                   /* NULL: never started and not in the source */
  int64_t budget_ms;            /* -1 none */
  int64_t start_ms, elapsed_ms; /* elapsed -1: did not end */
  int64_t overrun_ms;           /* elapsed at the overrun report, -1 none */
  int64_t overrun_at;           /* when it was reported */
  bool started;
  struct step *steps;
  size_t nsteps, capsteps;
};

struct check_item {
  json_t *ev;                   /* borrowed checklist_item */
};

struct run {
  const char *run_id, *runbook, *file, *sha, *clock;
  json_t *params;               /* borrowed object */
  int64_t start_ms, end_ms;
  const char *status;           /* run_end status, NULL: no run_end */
  int exit_code;
  int64_t elapsed_ms;
  json_t *counts;               /* borrowed */
  const char *resume;
  uint32_t nphases;
  uint32_t resumes;             /* continuations (run_start events after the first) */
  int64_t resumed_ms;           /* when the last one started */
  struct phase *phases;
  size_t nph, capph;
  struct check_item *checks;
  size_t nchecks, capchecks;
  json_t *run_diags;            /* diagnostics outside any step (owned array) */
  /* from the source file */
  struct source *src;           /* NULL: unavailable */
  const char *src_problem;      /* why not, when src is NULL */
  int64_t rto_ms;               /* -1 unknown */
  char *title;
  struct step *cur;             /* the open step */
  struct phase *cur_phase;
};

static void *grow(void *p, size_t *cap, size_t need, size_t size)
{
  size_t n = *cap ? *cap : 4;
  void *q;

  if (need <= *cap)
    return p;
  while (n < need)
    n *= 2;
  q = realloc(p, n * size);
  if (q)
    *cap = n;
  return q;
}

static const char *jstr(const json_t *o, const char *key)
{
  return json_string_value(json_object_get(o, key));
}

static int64_t jint(const json_t *o, const char *key, int64_t dflt)
{
  json_t *v = json_object_get(o, key);

  return json_is_integer(v) ? (int64_t)json_integer_value(v) : dflt;
}

/* A journal's "@timestamp" (RFC 3339) to milliseconds since the epoch; -1 if malformed. */
static int64_t parse_ts(const char *s)
{
  int64_t ms;

  return s != NULL && val_parse_time(s, strlen(s), &ms, NULL) == VAL_OK ? ms : -1;
}

static struct phase *get_phase(struct run *r, uint32_t index)
{
  struct phase *p;

  for (size_t i = 0; i < r->nph; i++)
    if (r->phases[i].index == index)
      return &r->phases[i];
  p = grow(r->phases, &r->capph, r->nph + 1, sizeof *p);
  if (!p)
    return NULL;
  r->phases = p;
  p = &r->phases[r->nph];
  for (size_t i = r->nph; i > 0 && r->phases[i - 1].index > index; i--, p--)
    r->phases[i] = r->phases[i - 1];  /* keep phases sorted by index */
  r->nph++;
  memset(p, 0, sizeof *p);
  p->index = index;
  p->budget_ms = -1;
  p->elapsed_ms = -1;
  p->overrun_ms = -1;
  return p;
}

/* The step called name in p (created at the end when new). */
static struct step *get_step(struct phase *p, const char *name, uint32_t index)
{
  struct step *s;

  for (size_t i = 0; i < p->nsteps; i++)
    if ((index && p->steps[i].index == index) ||
        ((!p->steps[i].index || !index) && name && strcmp(p->steps[i].name, name) == 0)) {
      if (index)
        p->steps[i].index = index;
      return &p->steps[i];
    }
  s = grow(p->steps, &p->capsteps, p->nsteps + 1, sizeof *s);
  if (!s)
    return NULL;
  p->steps = s;
  s = &p->steps[p->nsteps++];
  memset(s, 0, sizeof *s);
  s->name = strdup(name ? name : "");
  s->index = index;
  s->elapsed_ms = -1;
  return s->name ? s : NULL;
}

static int add_hap(struct step *s, json_t *ev, int64_t at)
{
  struct happening *h = grow(s->hap, &s->caphap, s->nhap + 1, sizeof *h);

  if (!h)
    return -1;
  s->hap = h;
  s->hap[s->nhap++] = (struct happening){ ev, at };
  return 0;
}

static int fold_phase(struct run *r, json_t *ev, const char *type, int64_t at)
{
  json_t *ph = json_object_get(ev, "phase");
  struct phase *p;

  if (strcmp(type, "phase_start") == 0) {
    p = get_phase(r, (uint32_t)jint(ph, "index", 0));
    if (!p)
      return -1;
    free(p->name);
    p->name = strdup(jstr(ph, "name") ? jstr(ph, "name") : "");
    p->budget_ms = jint(ph, "budget_ms", -1);
    if (!p->started)
      p->start_ms = at;
    p->started = true;
    if (jint(ph, "count", 0) > 0)
      r->nphases = (uint32_t)jint(ph, "count", 0);
    r->cur_phase = p;
    return p->name ? 0 : -1;
  }
  p = get_phase(r, (uint32_t)jint(ev, "phase", 0));
  if (!p)
    return -1;
  if (strcmp(type, "phase_end") == 0)
    p->elapsed_ms = jint(ev, "elapsed_ms", -1);
  else {
    p->overrun_ms = jint(ev, "elapsed_ms", -1);
    p->overrun_at = at;
  }
  return 0;
}

static int fold_step(struct run *r, json_t *ev, const char *type, int64_t at)
{
  struct phase *p = get_phase(r, (uint32_t)jint(ev, "phase", 0));
  json_t *st = json_object_get(ev, "step"), *loc;
  struct step *s;

  if (!p)
    return -1;
  if (strcmp(type, "step_start") == 0) {
    s = get_step(p, jstr(st, "name"), (uint32_t)jint(st, "index", 0));
    if (!s)
      return -1;
    loc = json_object_get(st, "loc");
    s->line = (uint32_t)jint(loc, "line", 0);
    s->file = jstr(loc, "file");
    s->start_ms = at;
    s->starts++;
    s->prev_status = s->status;
    s->status = NULL;
    s->diag = NULL;             /* a resumed step's earlier failure is history */
    r->cur = s;
    return 0;
  }
  s = r->cur && strcmp(r->cur->name, json_string_value(st) ? json_string_value(st) : "") == 0
      && p == r->cur_phase ? r->cur : get_step(p, json_string_value(st), 0);
  if (!s)
    return -1;
  if (s->status && strcmp(jstr(ev, "status") ? jstr(ev, "status") : "", "not_run") == 0)
    return 0;                   /* a resumed run lists completed steps as not run */
  if (s->prev_status && (!strcmp(s->prev_status, "pass") || !strcmp(s->prev_status, "skip") ||
                         !strcmp(s->prev_status, "recovered")) &&
      strcmp(jstr(ev, "status") ? jstr(ev, "status") : "", "skip") == 0) {
    s->status = s->prev_status; /* done before the resume: its first outcome stands */
    if (r->cur == s)
      r->cur = NULL;
    return 0;
  }
  s->status = jstr(ev, "status");
  s->reason = jstr(ev, "reason");
  s->elapsed_ms = jint(ev, "elapsed_ms", 0);
  if (r->cur == s)
    r->cur = NULL;
  return 0;
}

/* action, retry, wait_poll, gate, diagnostic, log: to the open step, else the run. */
static int fold_inner(struct run *r, json_t *ev, const char *type, int64_t at)
{
  struct step *s = r->cur;

  if (strcmp(type, "retry") == 0 && s)
    s->retries++;
  if (strcmp(type, "diagnostic") == 0) {
    const char *sev = jstr(ev, "severity");
    if (s && sev && strcmp(sev, "error") == 0)
      s->diag = ev;
    if (!s)
      return json_array_append(r->run_diags, ev);
  }
  return s ? add_hap(s, ev, at) : 0;
}

static int fold_check(struct run *r, json_t *ev)
{
  struct check_item *c = grow(r->checks, &r->capchecks, r->nchecks + 1, sizeof *c);

  if (!c)
    return -1;
  r->checks = c;
  r->checks[r->nchecks++].ev = ev;
  return 0;
}

static void fold_run(struct run *r, json_t *ev, const char *type, int64_t at)
{
  if (strcmp(type, "run_start") == 0) {
    if (r->run_id) {
      r->resumes++;
      r->resumed_ms = at;
      return;
    }
    r->run_id = jstr(ev, "run_id");
    r->runbook = jstr(ev, "runbook");
    r->file = jstr(ev, "file");
    r->sha = jstr(ev, "source_sha256");
    r->clock = jstr(ev, "clock");
    r->params = json_object_get(ev, "params");
    r->start_ms = at;
    return;
  }
  if (strcmp(type, "resume") == 0)
    return;                     /* a run_start follows: counted there */
  r->status = jstr(ev, "status");
  r->exit_code = (int)jint(ev, "exit_code", 0);
  r->counts = json_object_get(ev, "counts");
  r->resume = jstr(ev, "resume");
  r->end_ms = at;
  r->elapsed_ms = at - r->start_ms;
  if (!r->resumes)
    r->elapsed_ms = jint(ev, "elapsed_ms", at - r->start_ms);
  r->cur = NULL;
}

static int fold(struct run *r, json_t *ev)
{
  const char *type = jstr(ev, "type");
  int64_t at = parse_ts(jstr(ev, "@timestamp"));

  if (!type)
    return 0;
  if (!strcmp(type, "run_start") || !strcmp(type, "run_end") || !strcmp(type, "resume")) {
    fold_run(r, ev, type, at);
    return 0;
  }
  if (!strncmp(type, "phase_", 6) || !strcmp(type, "budget_overrun"))
    return fold_phase(r, ev, type, at);
  if (!strncmp(type, "step_", 5))
    return fold_step(r, ev, type, at);
  if (!strcmp(type, "checklist_item"))
    return fold_check(r, ev);
  if (!strcmp(type, "action") || !strcmp(type, "retry") || !strcmp(type, "wait_poll") ||
      !strcmp(type, "gate") || !strcmp(type, "diagnostic") || !strcmp(type, "log"))
    return fold_inner(r, ev, type, at);
  return 0;                     /* unknown types are ignored (cli.md 8) */
}

/* {==== the source file ==== */

static int by_index(const void *a, const void *b)
{
  uint32_t x = ((const struct step *)a)->index, y = ((const struct step *)b)->index;

  x = x ? x : UINT32_MAX;
  y = y ? y : UINT32_MAX;
  return (x > y) - (x < y);
}

/*
** The steps of a phase as the source declares them: a run that crashed
** recorded neither its open step's end nor the steps after it, and the
** report still lists every step (counts match the runbook, cli.md 9).
*/
static int add_source_steps(struct phase *ph, const struct ast_node *phase)
{
  uint32_t n = 0;

  for (const struct ast_node *st = phase->u.phase.steps; st; st = st->next) {
    const char *name = st->u.step.name.name;
    bool seen = false;
    if (st->kind != AST_STEP)
      continue;
    n++;
    for (size_t k = 0; k < ph->nsteps && !seen; k++)
      if (ph->steps[k].index == n || (name && !strcmp(ph->steps[k].name, name))) {
        seen = true;
        if (!ph->steps[k].index)
          ph->steps[k].index = n;
      }
    if (!seen && !get_step(ph, name ? name : "", n))
      return -1;
  }
  if (ph->nsteps > 1)
    qsort(ph->steps, ph->nsteps, sizeof *ph->steps, by_index);
  return 0;
}

/* rto, title and the phases' names from the runbook's AST. */
static int read_runbook(struct run *r, const struct ast_node *file)
{
  uint32_t n = 0;

  for (const struct ast_node *it = file ? file->u.file.items : NULL; it; it = it->next) {
    if (it->kind != AST_RUNBOOK)
      continue;
    for (const struct ast_node *p = it->u.runbook.items; p; p = p->next) {
      struct phase *ph;
      if (p->kind == AST_META && p->u.meta.key.name && p->u.meta.value) {
        if (!strcmp(p->u.meta.key.name, "rto") && p->u.meta.value->kind == AST_DURATION)
          r->rto_ms = p->u.meta.value->u.i;
        if (!strcmp(p->u.meta.key.name, "title") && !r->title && p->u.meta.value->kind ==
            AST_STRING && p->u.meta.value->u.string.parts &&
            p->u.meta.value->u.string.parts->kind == AST_STR_TEXT)
          r->title = strndup(p->u.meta.value->u.string.parts->u.text.bytes,
                             p->u.meta.value->u.string.parts->u.text.len);
      }
      if (p->kind != AST_PHASE)
        continue;
      ph = get_phase(r, ++n);
      if (!ph)
        return -1;
      if (!ph->name && p->u.phase.name.name) {
        ph->name = strdup(p->u.phase.name.name);
        if (!ph->name)
          return -1;
      }
      if (!ph->started && p->u.phase.within && p->u.phase.within->kind == AST_DURATION)
        ph->budget_ms = p->u.phase.within->u.i;
      if (add_source_steps(ph, p) != 0)
        return -1;
    }
  }
  if (!r->nphases)
    r->nphases = n;
  return 0;
}

/* Load the run's source when it still matches; else say why in src_problem. */
static int load_source(struct run *r)
{
  struct arena *a;
  struct source *src = NULL;
  struct parse_result pr;
  struct diag_list diags;
  char sha[65];
  int rc;

  if (!r->file) {
    r->src_problem = "the run names no source file";
    return 0;
  }
  if (access(r->file, R_OK) != 0) {
    r->src_problem = "the source file no longer exists";
    return 0;
  }
  a = arena_new();
  if (!a)
    return -1;
  diag_init(&diags);
  memset(&pr, 0, sizeof pr);
  rc = cli_load(r->file, NULL, NULL, a, &src, &pr, &diags);
  if (rc == 0 && src)
    src_sha256_hex(src, sha);
  if (rc != 0 || !src) {
    r->src_problem = "the source file cannot be read";
  } else if (!r->sha || strcmp(sha, r->sha) != 0) {
    r->src_problem = "the source file changed since the run (its SHA-256 differs)";
  } else {
    rc = read_runbook(r, pr.file);
    r->src = src;
    src = NULL;
  }
  diag_free(&diags);
  src_free(src);
  arena_free(a);
  return rc == EXIT_SOFTWARE ? -1 : 0;
}

static void free_run(struct run *r)
{
  for (size_t i = 0; i < r->nph; i++) {
    for (size_t k = 0; k < r->phases[i].nsteps; k++) {
      free(r->phases[i].steps[k].name);
      free(r->phases[i].steps[k].hap);
    }
    free(r->phases[i].steps);
    free(r->phases[i].name);
  }
  free(r->phases);
  free(r->checks);
  free(r->title);
  json_decref(r->run_diags);
  src_free(r->src);
}

static int build_run(struct run *r, json_t *events)
{
  size_t i;
  json_t *ev;

  memset(r, 0, sizeof *r);
  r->rto_ms = -1;
  r->exit_code = -1;
  r->run_diags = json_array();
  if (!r->run_diags || !json_is_array(events))
    return -1;
  json_array_foreach(events, i, ev)
    if (json_is_object(ev) && fold(r, ev) != 0)
      return -1;
  return load_source(r);
}

/* }==== */

/* {==== shared text ==== */

static const char *dur(int64_t ms, char buf[VAL_FMT_BUF])
{
  if (ms < 0)
    return "-";
  if (ms >= 1000 && ms < 60000 && ms % 1000) {
    snprintf(buf, VAL_FMT_BUF, "%" PRId64 ".%01" PRId64 "s", ms / 1000, ms % 1000 / 100);
    return buf;
  }
  return val_format_duration(ms, buf);
}

/* The step where the run stopped, or NULL. */
static const struct step *stopped_at(const struct run *r)
{
  for (size_t i = 0; i < r->nph; i++)
    for (size_t k = 0; k < r->phases[i].nsteps; k++) {
      const char *s = r->phases[i].steps[k].status;
      if (s && (!strcmp(s, "fail") || !strcmp(s, "error") || !strcmp(s, "halted")))
        return &r->phases[i].steps[k];
    }
  return NULL;
}

/* The stopping step of an interrupted run: started, never ended. */
static const struct step *open_step(const struct run *r)
{
  for (size_t i = 0; i < r->nph; i++)
    for (size_t k = 0; k < r->phases[i].nsteps; k++)
      if (r->phases[i].steps[k].starts && !r->phases[i].steps[k].status)
        return &r->phases[i].steps[k];
  return NULL;
}

static const char *phase_name(const struct phase *p, char buf[32])
{
  if (p->name)
    return p->name;
  snprintf(buf, 32, "phase %u", p->index);
  return buf;
}

/*
** A diagnostic event with its source excerpt, the shape of cli.md 6:
** error[CODE]: message / --> file:line:col / the line / a caret with
** actual and expected.  prefix is put before every line (for Markdown).
*/
static void excerpt(struct val_buf *b, const struct run *r, const json_t *d, const char *step)
{
  json_t *loc = json_object_get(d, "loc");
  uint32_t line = (uint32_t)jint(loc, "line", 0), col = (uint32_t)jint(loc, "column", 0);
  const char *file = jstr(loc, "file") ? jstr(loc, "file") : r->file;
  const char *act = jstr(d, "actual"), *exp = jstr(d, "expected");
  const char *text;
  size_t len;
  int w;

  val_buf_printf(b, "%s[%s]: %s", jstr(d, "severity") ? jstr(d, "severity") : "error",
                 jstr(d, "code") ? jstr(d, "code") : "RB0000",
                 jstr(d, "message") ? jstr(d, "message") : "");
  if (step)
    val_buf_printf(b, " in step \"%s\"", step);
  val_buf_puts(b, "\n");
  if (!line) {
    if (act || exp)
      val_buf_printf(b, "  = actual: %s, expected: %s\n", act ? act : "-", exp ? exp : "-");
    return;
  }
  val_buf_printf(b, "  --> %s:%u:%u\n", file ? file : "?", line, col);
  text = r->src && (!file || !r->file || !strcmp(file, r->file)) && line <= r->src->nlines
         ? src_line(r->src, line, &len) : NULL;
  if (!text) {
    val_buf_printf(b, "   = note: no excerpt: %s\n",
                   r->src_problem ? r->src_problem : "the line is in another file");
    if (act || exp)
      val_buf_printf(b, "   = actual: %s, expected: %s\n", act ? act : "-", exp ? exp : "-");
    return;
  }
  while (len && (text[len - 1] == '\n' || text[len - 1] == '\r'))
    len--;
  w = snprintf(NULL, 0, "%u", line);
  val_buf_printf(b, "%*s |\n%u | ", w, "", line);
  val_buf_append(b, text, len);
  val_buf_printf(b, "\n%*s | ", w, "");
  for (uint32_t i = 1; i < col && i <= len; i++)
    val_buf_puts(b, text[i - 1] == '\t' ? "\t" : " ");
  val_buf_puts(b, "^");
  if (act || exp)
    val_buf_printf(b, " actual: %s, expected: %s", act ? act : "-", exp ? exp : "-");
  val_buf_puts(b, "\n");
}

/* One line describing a happening (for the timeline and system-out). */
static void happening_text(struct val_buf *b, const json_t *ev)
{
  const char *type = jstr(ev, "type");
  char d[VAL_FMT_BUF];

  if (!strcmp(type, "action"))
    val_buf_printf(b, "%s %s %s (%s)", jstr(ev, "kind") ? jstr(ev, "kind") : "",
                   jstr(ev, "call") ? jstr(ev, "call") : "",
                   jstr(ev, "status") ? jstr(ev, "status") : "",
                   dur(jint(ev, "elapsed_ms", 0), d));
  else if (!strcmp(type, "retry"))
    val_buf_printf(b, "attempt %" PRId64 " of %" PRId64 " failed [%s] %s; next in %s",
                   jint(ev, "attempt", 0), jint(ev, "max", 0),
                   jstr(ev, "code") ? jstr(ev, "code") : "",
                   jstr(ev, "reason") ? jstr(ev, "reason") : "",
                   dur(jint(ev, "next_in_ms", 0), d));
  else if (!strcmp(type, "wait_poll"))
    val_buf_printf(b, "wait poll %" PRId64 " (%s)%s%s", jint(ev, "poll", 0),
                   dur(jint(ev, "elapsed_ms", 0), d), jstr(ev, "until") ? ": until " : "",
                   jstr(ev, "until") ? jstr(ev, "until") : "");
  else if (!strcmp(type, "gate"))
    val_buf_printf(b, "gate \"%s\": %s (by %s)", jstr(ev, "question") ? jstr(ev, "question") : "",
                   jstr(ev, "answer") ? jstr(ev, "answer") : "?",
                   jstr(ev, "by") ? jstr(ev, "by") : "?");
  else if (!strcmp(type, "diagnostic"))
    val_buf_printf(b, "%s[%s] %s", jstr(ev, "severity") ? jstr(ev, "severity") : "",
                   jstr(ev, "code") ? jstr(ev, "code") : "",
                   jstr(ev, "message") ? jstr(ev, "message") : "");
  else
    val_buf_printf(b, "log: %s", jstr(ev, "@message") ? jstr(ev, "@message") : "");
}

/* happening_text as a Markdown table cell: '|' escaped, no line breaks. */
static void md_cell(struct val_buf *b, const json_t *ev)
{
  struct val_buf t;

  val_buf_init(&t);
  happening_text(&t, ev);
  for (size_t i = 0; i < t.len; i++) {
    if (t.data[i] == '|')
      val_buf_puts(b, "\\|");
    else
      val_buf_append(b, t.data[i] == '\n' ? " " : &t.data[i], 1);
  }
  if (t.oom)
    b->oom = true;
  val_buf_free(&t);
}

/* }==== */

/* {==== tty and md ==== */

static const char *status_word(const char *s, const struct report_opts *o)
{
  if (!s)
    return o->unicode ? "✗ interrupted" : "INTERRUPTED";
  if (!strcmp(s, "pass"))      return o->unicode ? "✓ pass" : "ok";
  if (!strcmp(s, "skip"))      return o->unicode ? "↷ skip" : "skip";
  if (!strcmp(s, "fail"))      return o->unicode ? "✗ FAIL" : "FAIL";
  if (!strcmp(s, "error"))     return o->unicode ? "✗ ERROR" : "ERROR";
  if (!strcmp(s, "halted"))    return o->unicode ? "‖ halted" : "halted";
  if (!strcmp(s, "recovered")) return o->unicode ? "✓ recovered" : "recovered";
  return "not run";
}

static const char *color_of(const char *s, const struct report_opts *o)
{
  if (!o->color)
    return "";
  if (!s || !strcmp(s, "fail") || !strcmp(s, "error"))
    return "\033[1;31m";
  if (!strcmp(s, "pass") || !strcmp(s, "recovered"))
    return "\033[32m";
  return "\033[33m";
}

static void budget_line(struct val_buf *b, int64_t used, int64_t budget, const char *what)
{
  char d1[VAL_FMT_BUF], d2[VAL_FMT_BUF];

  if (budget < 0)
    val_buf_printf(b, "%s (no %s)", dur(used, d1), what);
  else
    val_buf_printf(b, "%s of %s %s%s", dur(used, d1), what, dur(budget, d2),
                   used > budget ? " (OVER)" : "");
}

static void header(struct val_buf *b, const struct run *r, const struct report_opts *o,
                   bool md)
{
  const char *pfx = md ? "- " : "";
  char d1[VAL_FMT_BUF];
  const char *k;
  json_t *v;

  val_buf_printf(b, "%sRun:      %s\n", pfx, r->run_id ? r->run_id : "?");
  val_buf_printf(b, "%sRunbook:  %s%s%s%s\n", pfx, r->runbook ? r->runbook : "?",
                 r->title ? " (" : "", r->title ? r->title : "", r->title ? ")" : "");
  val_buf_printf(b, "%sSource:   %s%s%s\n", pfx, r->file ? r->file : "?",
                 r->src ? " (unchanged since the run)" : " — ",
                 r->src ? "" : r->src_problem);
  if (o->journal)
    val_buf_printf(b, "%sJournal:  %s%s%s\n", pfx, o->journal, o->journal_note ? " — " : "",
                   o->journal_note ? o->journal_note : "");
  val_buf_printf(b, "%sOutcome:  %s", pfx, r->status ? r->status : "no end recorded (crashed?)");
  if (r->status)
    val_buf_printf(b, ", exit %d", r->exit_code);
  val_buf_printf(b, ", %s", dur(r->elapsed_ms, d1));
  if (r->rto_ms >= 0)
    val_buf_printf(b, " of RTO %s%s", val_format_duration(r->rto_ms, d1),
                   r->elapsed_ms > r->rto_ms ? " (RTO EXCEEDED)" : "");
  if (r->resumes)
    val_buf_printf(b, ", resumed %u time%s (last at +%s)", r->resumes,
                   r->resumes > 1 ? "s" : "", dur(r->resumed_ms - r->start_ms, d1));
  val_buf_printf(b, "\n%sParams:  ", pfx);
  json_object_foreach(r->params, k, v) {
    char *s = json_dumps(v, JSON_ENCODE_ANY);
    val_buf_printf(b, " %s=%s", k, s ? s : "?");
    free(s);
  }
  val_buf_puts(b, json_object_size(r->params) ? "\n" : " none\n");
}

/* The timeline: one line per event of interest, offset from the start. */
static void timeline(struct val_buf *b, const struct run *r, const struct report_opts *o,
                     bool md)
{
  char d1[VAL_FMT_BUF], d2[VAL_FMT_BUF], nb[32];
  const char *reset = o->color && !md ? "\033[0m" : "";

  if (md)
    val_buf_puts(b, "| time | event |\n|---|---|\n");
  for (size_t i = 0; i < r->nph; i++) {
    const struct phase *p = &r->phases[i];
    if (p->started) {
      val_buf_printf(b, md ? "| +%s | **phase %u/%u \"%s\"**" : "+%-8s phase %u/%u \"%s\"",
                     dur(p->start_ms - r->start_ms, d1), p->index, r->nphases,
                     phase_name(p, nb));
      if (p->budget_ms >= 0)
        val_buf_printf(b, " within %s", val_format_duration(p->budget_ms, d2));
      val_buf_puts(b, md ? " |\n" : "\n");
    }
    for (size_t k = 0; k < p->nsteps; k++) {
      const struct step *s = &p->steps[k];
      if (s->starts)
        val_buf_printf(b, md ? "| +%s | step \"%s\" started%s |\n"
                             : "+%-8s   step \"%s\" started%s\n",
                       dur(s->start_ms - r->start_ms, d1), s->name,
                       s->starts > 1 ? " (again, after a resume)" : "");
      for (size_t h = 0; h < s->nhap; h++) {
        val_buf_printf(b, md ? "| +%s | " : "+%-8s     ",
                       dur(s->hap[h].at_ms - r->start_ms, d1));
        if (md)
          md_cell(b, s->hap[h].ev);
        else
          happening_text(b, s->hap[h].ev);
        val_buf_puts(b, md ? " |\n" : "\n");
      }
      if (s->starts || (s->status && strcmp(s->status, "not_run") != 0)) {
        val_buf_printf(b, md ? "| +%s | step \"%s\": " : "+%-8s   step \"%s\": ",
                       dur(s->start_ms + (s->elapsed_ms > 0 ? s->elapsed_ms : 0) - r->start_ms,
                           d1), s->name);
        if (md)
          val_buf_puts(b, s->status ? s->status : "interrupted");
        else
          val_buf_printf(b, "%s%s%s", color_of(s->status, o), status_word(s->status, o), reset);
        if (s->elapsed_ms >= 0)
          val_buf_printf(b, " %s", dur(s->elapsed_ms, d2));
        if (s->reason)
          val_buf_printf(b, " (%s)", s->reason);
        val_buf_puts(b, md ? " |\n" : "\n");
      } else {
        val_buf_printf(b, md ? "| | step \"%s\": not run |\n"
                             : "            step \"%s\": not run\n", s->name);
      }
    }
    if (p->overrun_ms >= 0)
      val_buf_printf(b, md ? "| +%s | phase %u \"%s\" over its budget of %s (RB5005) |\n"
                           : "+%-8s phase %u \"%s\" over its budget of %s (RB5005)\n",
                     dur(p->overrun_at - r->start_ms, d1), p->index, phase_name(p, nb),
                     dur(p->budget_ms, d2));
  }
  for (size_t i = 0; i < r->nchecks; i++) {
    const json_t *c = r->checks[i].ev;
    val_buf_printf(b, md ? "| | checklist \"%s\": %s: %s%s%s |\n"
                         : "          checklist \"%s\": %s: %s%s%s\n",
                   jstr(c, "checklist") ? jstr(c, "checklist") : "",
                   jstr(c, "item") ? jstr(c, "item") : "",
                   jstr(c, "status") ? jstr(c, "status") : "",
                   jstr(c, "by") ? " by " : "", jstr(c, "by") ? jstr(c, "by") : "");
  }
  if (r->status)
    val_buf_printf(b, md ? "| +%s | run %s (exit %d) |\n" : "+%-8s run %s (exit %d)\n",
                   dur(r->end_ms - r->start_ms, d1), r->status, r->exit_code);
}

static void phase_table(struct val_buf *b, const struct run *r, bool md)
{
  char nb[32];
  int64_t total_budget = 0;
  bool all_budgets = r->nph > 0;

  if (md)
    val_buf_puts(b, "| phase | time | budget | steps |\n|---|---|---|---|\n");
  for (size_t i = 0; i < r->nph; i++) {
    const struct phase *p = &r->phases[i];
    char d1[VAL_FMT_BUF], d2[VAL_FMT_BUF];
    size_t pass = 0;
    for (size_t k = 0; k < p->nsteps; k++)
      pass += p->steps[k].status && (!strcmp(p->steps[k].status, "pass") ||
                                     !strcmp(p->steps[k].status, "recovered") ||
                                     !strcmp(p->steps[k].status, "skip"));
    if (p->budget_ms < 0)
      all_budgets = false;
    else
      total_budget += p->budget_ms;
    if (md) {
      val_buf_printf(b, "| %u \"%s\" | %s | %s%s | %zu of %zu done |\n", p->index,
                     phase_name(p, nb), p->started ? dur(p->elapsed_ms, d1) : "not started",
                     p->budget_ms >= 0 ? dur(p->budget_ms, d2) : "none",
                     p->overrun_ms >= 0 ? " (OVER)" : "", pass, p->nsteps);
      continue;
    }
    val_buf_printf(b, "  %u/%u %-28s ", p->index, r->nphases, phase_name(p, nb));
    if (!p->started)
      val_buf_puts(b, "not started");
    else
      budget_line(b, p->elapsed_ms, p->budget_ms, "budget");
    val_buf_printf(b, "  %zu of %zu steps done\n", pass, p->nsteps);
  }
  if (all_budgets && r->rto_ms >= 0) {
    char d1[VAL_FMT_BUF], d2[VAL_FMT_BUF];
    val_buf_printf(b, md ? "\nBudgets total %s of RTO %s.\n" : "  budgets total %s of RTO %s\n",
                   val_format_duration(total_budget, d1), val_format_duration(r->rto_ms, d2));
  }
}

static void failures(struct val_buf *b, const struct run *r, bool md)
{
  bool any = false;

  for (size_t i = 0; i < r->nph; i++)
    for (size_t k = 0; k < r->phases[i].nsteps; k++) {
      const struct step *s = &r->phases[i].steps[k];
      if (!s->diag)
        continue;
      any = true;
      val_buf_puts(b, md ? "```text\n" : "");
      excerpt(b, r, s->diag, s->name);
      val_buf_puts(b, md ? "```\n\n" : "\n");
    }
  for (size_t i = 0; i < json_array_size(r->run_diags); i++) {
    any = true;
    val_buf_puts(b, md ? "```text\n" : "");
    excerpt(b, r, json_array_get(r->run_diags, i), NULL);
    val_buf_puts(b, md ? "```\n\n" : "\n");
  }
  if (!any)
    val_buf_puts(b, md ? "None.\n\n" : "  none\n\n");
}

static void counts_line(struct val_buf *b, const struct run *r)
{
  size_t n[7] = { 0 };
  static const char *const names[] = {
    "pass", "fail", "error", "skip", "recovered", "halted", "not_run"
  };

  for (size_t i = 0; i < r->nph; i++)
    for (size_t k = 0; k < r->phases[i].nsteps; k++) {
      const char *s = r->phases[i].steps[k].status;
      for (size_t j = 0; j < 7; j++)
        if (s && !strcmp(s, names[j]))
          n[j]++;
    }
  val_buf_printf(b, "Steps: %zu passed, %zu failed, %zu errors, %zu skipped, %zu recovered, "
                 "%zu halted, %zu not run\n", n[0], n[1], n[2], n[3], n[4], n[5], n[6]);
}

static void render_tty_report(struct val_buf *b, const struct run *r,
                              const struct report_opts *o)
{
  header(b, r, o, false);
  val_buf_puts(b, "\nTimeline:\n");
  timeline(b, r, o, false);
  val_buf_puts(b, "\nPhases:\n");
  phase_table(b, r, false);
  val_buf_puts(b, "\nFailures:\n");
  failures(b, r, false);
  counts_line(b, r);
}

static void render_md(struct val_buf *b, const struct run *r, const struct report_opts *o)
{
  static const char *const sections[] = {
    "Root cause analysis", "Impact assessment", "Lessons learned", "Action items",
    "Process improvements"
  };

  val_buf_printf(b, "# Post-mortem: %s, run %s\n\n", r->runbook ? r->runbook : "?",
                 r->run_id ? r->run_id : "?");
  header(b, r, o, true);
  val_buf_puts(b, "\n## Timeline of events\n\n");
  timeline(b, r, o, true);
  val_buf_puts(b, "\n## Phases and budgets\n\n");
  phase_table(b, r, true);
  val_buf_puts(b, "\n## Failures\n\n");
  failures(b, r, true);
  counts_line(b, r);
  for (size_t i = 0; i < sizeof sections / sizeof sections[0]; i++)
    val_buf_printf(b, "\n## %s\n\n_To be filled in._\n", sections[i]);
}

/* }==== */

/* {==== json ==== */

static json_t *step_json(const struct run *r, const struct step *s)
{
  json_t *o = json_object(), *ev = json_array();

  if (!o || !ev) {
    json_decref(o);
    json_decref(ev);
    return NULL;
  }
  json_object_set_new(o, "index", json_integer(s->index));
  json_object_set_new(o, "name", json_string(s->name));
  if (s->line)
    json_object_set_new(o, "line", json_integer(s->line));
  json_object_set_new(o, "status", json_string(s->status ? s->status
                                              : s->starts ? "interrupted" : "not_run"));
  if (s->reason)
    json_object_set_new(o, "reason", json_string(s->reason));
  if (s->starts)
    json_object_set_new(o, "start_offset_ms", json_integer(s->start_ms - r->start_ms));
  json_object_set_new(o, "elapsed_ms", s->elapsed_ms >= 0 ? json_integer(s->elapsed_ms)
                                                          : json_null());
  json_object_set_new(o, "attempts", json_integer(s->starts ? s->retries + 1 : 0));
  json_object_set_new(o, "starts", json_integer(s->starts));
  for (size_t h = 0; h < s->nhap; h++) {
    json_t *c = json_deep_copy(s->hap[h].ev);
    if (c) {
      json_object_del(c, "run_id");
      json_object_del(c, "prev");
      json_object_del(c, "step");
      json_object_set_new(c, "offset_ms", json_integer(s->hap[h].at_ms - r->start_ms));
    }
    json_array_append_new(ev, c);
  }
  json_object_set_new(o, "events", ev);
  if (s->diag) {
    struct val_buf b;
    val_buf_init(&b);
    excerpt(&b, r, s->diag, s->name);
    json_object_set_new(o, "failure", json_pack("{s:s?, s:s?, s:s%}", "code",
                                                jstr(s->diag, "code"), "message",
                                                jstr(s->diag, "message"), "excerpt",
                                                b.data ? b.data : "", b.len));
    val_buf_free(&b);
  }
  return o;
}

static json_t *report_json(const struct run *r)
{
  json_t *doc = json_object(), *run = json_object(), *phases = json_array(), *cl = json_array();
  char nb[32];

  if (!doc || !run || !phases || !cl) {
    json_decref(doc);
    json_decref(run);
    json_decref(phases);
    json_decref(cl);
    return NULL;
  }
  json_object_set_new(doc, "schema", json_string(REPORT_SCHEMA));
  json_object_set_new(run, "id", r->run_id ? json_string(r->run_id) : json_null());
  json_object_set_new(run, "runbook", r->runbook ? json_string(r->runbook) : json_null());
  json_object_set_new(run, "file", r->file ? json_string(r->file) : json_null());
  json_object_set_new(run, "source_sha256", r->sha ? json_string(r->sha) : json_null());
  json_object_set_new(run, "source", json_string(r->src ? "unchanged" : r->src_problem));
  json_object_set_new(run, "clock", r->clock ? json_string(r->clock) : json_null());
  json_object_set_new(run, "status", r->status ? json_string(r->status) : json_null());
  json_object_set_new(run, "exit_code", r->status ? json_integer(r->exit_code) : json_null());
  json_object_set_new(run, "elapsed_ms", json_integer(r->elapsed_ms));
  json_object_set_new(run, "rto_ms", r->rto_ms >= 0 ? json_integer(r->rto_ms) : json_null());
  json_object_set_new(run, "resumes", json_integer(r->resumes));
  json_object_set(run, "params", r->params ? r->params : json_object());
  if (!r->params)
    json_decref(json_object_get(run, "params"));
  if (r->counts)
    json_object_set(run, "counts", r->counts);
  if (r->resume)
    json_object_set_new(run, "resume", json_string(r->resume));
  json_object_set_new(doc, "run", run);
  for (size_t i = 0; i < r->nph; i++) {
    const struct phase *p = &r->phases[i];
    json_t *ph = json_object(), *steps = json_array();
    for (size_t k = 0; k < p->nsteps; k++)
      json_array_append_new(steps, step_json(r, &p->steps[k]));
    json_object_set_new(ph, "index", json_integer(p->index));
    json_object_set_new(ph, "name", json_string(phase_name(p, nb)));
    json_object_set_new(ph, "started", json_boolean(p->started));
    json_object_set_new(ph, "budget_ms", p->budget_ms >= 0 ? json_integer(p->budget_ms)
                                                           : json_null());
    json_object_set_new(ph, "elapsed_ms", p->elapsed_ms >= 0 ? json_integer(p->elapsed_ms)
                                                             : json_null());
    json_object_set_new(ph, "over_budget", json_boolean(p->overrun_ms >= 0));
    json_object_set_new(ph, "steps", steps);
    json_array_append_new(phases, ph);
  }
  json_object_set_new(doc, "phases", phases);
  for (size_t i = 0; i < r->nchecks; i++) {
    json_t *c = json_deep_copy(r->checks[i].ev);
    if (c) {
      json_object_del(c, "run_id");
      json_object_del(c, "prev");
    }
    json_array_append_new(cl, c);
  }
  json_object_set_new(doc, "checklist", cl);
  json_object_set(doc, "diagnostics", r->run_diags);
  return doc;
}

/* }==== */

/* {==== junit (cli.md 9) ==== */

/* XML-escaped text (attributes and element content alike). */
static void xml(struct val_buf *b, const char *s)
{
  for (; s && *s; s++) {
    unsigned char c = (unsigned char)*s;
    switch (c) {
    case '&':  val_buf_puts(b, "&amp;"); break;
    case '<':  val_buf_puts(b, "&lt;"); break;
    case '>':  val_buf_puts(b, "&gt;"); break;
    case '"':  val_buf_puts(b, "&quot;"); break;
    case '\n': case '\t': val_buf_append(b, s, 1); break;
    default:
      if (c < 0x20)
        val_buf_printf(b, "&#x%X;", c == '\r' ? c : 0xFFFDu);
      else
        val_buf_append(b, s, 1);
    }
  }
}

static void secs(struct val_buf *b, int64_t ms)
{
  if (ms < 0)
    ms = 0;
  val_buf_printf(b, "%" PRId64 ".%03" PRId64, ms / 1000, ms % 1000);
}

static bool st_is(const struct step *s, const char *what)
{
  return s->status && !strcmp(s->status, what);
}

/*
** cli.md 9: <failure> for assertion and step failures (RB5001-RB5005),
** <error> for everything else that stopped a step (infrastructure, tool,
** interruption), and for a step that started and never ended.
*/
static bool is_failure(const struct step *s)
{
  const char *code = s->diag ? jstr(s->diag, "code") : NULL;

  if (!st_is(s, "fail") && !st_is(s, "error"))
    return false;
  if (!code)
    return st_is(s, "fail");
  return strncmp(code, "RB500", 5) == 0 && code[5] >= '1' && code[5] <= '5' && !code[6];
}

static bool is_error(const struct step *s)
{
  return (!s->status && s->starts) ||
         ((st_is(s, "fail") || st_is(s, "error")) && !is_failure(s));
}

static void junit_case(struct val_buf *b, const struct run *r, const struct phase *p,
                       const struct step *s, const struct step *stop)
{
  char nb[32];
  struct val_buf t;

  val_buf_puts(b, "    <testcase classname=\"");
  xml(b, r->runbook);
  val_buf_puts(b, ".");
  xml(b, phase_name(p, nb));
  val_buf_puts(b, "\" name=\"");
  xml(b, s->name);
  val_buf_puts(b, "\"");
  if (s->line) {
    val_buf_puts(b, " file=\"");
    xml(b, s->file ? s->file : r->file);
    val_buf_printf(b, "\" line=\"%u\"", s->line);
  }
  val_buf_puts(b, " time=\"");
  secs(b, s->elapsed_ms);
  val_buf_puts(b, "\"");
  if (st_is(s, "pass") && !s->nhap) {
    val_buf_puts(b, "/>\n");
    return;
  }
  val_buf_puts(b, ">\n");
  val_buf_init(&t);
  if (is_failure(s) || is_error(s)) {
    const char *el = is_failure(s) ? "failure" : "error";
    val_buf_printf(b, "      <%s type=\"", el);
    xml(b, s->diag ? jstr(s->diag, "code") : s->status ? "RB5000" : "interrupted");
    val_buf_puts(b, "\" message=\"");
    xml(b, s->diag ? jstr(s->diag, "message")
                   : s->status ? s->status : "the run was interrupted during this step");
    val_buf_puts(b, "\">");
    if (s->diag)
      excerpt(&t, r, s->diag, s->name);
    xml(b, t.data);
    val_buf_printf(b, "</%s>\n", el);
  } else if (!st_is(s, "pass") && !st_is(s, "recovered")) {
    val_buf_puts(b, "      <skipped message=\"");
    if (st_is(s, "skip"))
      val_buf_printf(&t, "when %s = false", s->reason ? s->reason : "condition");
    else if (st_is(s, "halted"))
      val_buf_printf(&t, "halted%s%s", s->reason ? ": " : "", s->reason ? s->reason : "");
    else if (stop)
      val_buf_printf(&t, "not run: run stopped at step \"%s\"", stop->name);
    else
      val_buf_printf(&t, "not run: the run %s", r->status ? r->status : "was interrupted");
    xml(b, t.data);
    val_buf_puts(b, "\"/>\n");
  }
  val_buf_free(&t);
  if (s->nhap) {
    val_buf_init(&t);
    for (size_t h = 0; h < s->nhap; h++) {
      happening_text(&t, s->hap[h].ev);
      val_buf_puts(&t, "\n");
    }
    val_buf_puts(b, "      <system-out>");
    xml(b, t.data);
    val_buf_puts(b, "</system-out>\n");
    val_buf_free(&t);
  }
  val_buf_puts(b, "    </testcase>\n");
}

/* Counts of a phase's steps for its testsuite. */
static void junit_counts(const struct phase *p, size_t *fail, size_t *err, size_t *skip)
{
  *fail = *err = *skip = 0;
  for (size_t k = 0; k < p->nsteps; k++) {
    const struct step *s = &p->steps[k];
    *fail += is_failure(s);
    *err += is_error(s);
    *skip += s->status ? !st_is(s, "pass") && !st_is(s, "recovered") && !st_is(s, "fail") &&
                         !st_is(s, "error")
                       : !s->starts;
  }
}

static void junit_ts(struct val_buf *b, int64_t ms)
{
  char ts[VAL_FMT_BUF];

  val_buf_printf(b, " timestamp=\"%s\"", val_format_time(ms / 1000 * 1000, false, ts));
}

/* Counts of the checklist suite: fail and declined fail, error errs, unconfirmed skips. */
static void checklist_counts(const struct run *r, size_t *fail, size_t *err, size_t *skip)
{
  *fail = *err = *skip = 0;
  for (size_t i = 0; i < r->nchecks; i++) {
    const char *s = jstr(r->checks[i].ev, "status");
    s = s ? s : "";
    *fail += !strcmp(s, "fail") || !strcmp(s, "declined");
    *err += !strcmp(s, "error");
    *skip += !strcmp(s, "unconfirmed");
  }
}

static void junit_checklist(struct val_buf *b, const struct run *r)
{
  size_t fail, err, skip;

  checklist_counts(r, &fail, &err, &skip);
  val_buf_puts(b, "  <testsuite name=\"");
  xml(b, r->runbook);
  val_buf_printf(b, " / checklist\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" "
                 "skipped=\"%zu\" time=\"0.000\">\n", r->nchecks, fail, err, skip);
  for (size_t i = 0; i < r->nchecks; i++) {
    const json_t *c = r->checks[i].ev;
    const char *s = jstr(c, "status") ? jstr(c, "status") : "";
    val_buf_puts(b, "    <testcase classname=\"");
    xml(b, r->runbook);
    val_buf_puts(b, ".checklist.");
    xml(b, jstr(c, "checklist"));
    val_buf_puts(b, "\" name=\"");
    xml(b, jstr(c, "item"));
    val_buf_puts(b, "\" time=\"0.000\"");
    if (!strcmp(s, "pass") || !strcmp(s, "confirmed")) {
      val_buf_puts(b, "/>\n");
      continue;
    }
    val_buf_printf(b, ">\n      <%s message=\"%s",
                   !strcmp(s, "error") ? "error" : !strcmp(s, "unconfirmed") ? "skipped"
                                                                               : "failure",
                   !strcmp(s, "fail") ? "verify was false"
                   : !strcmp(s, "declined") ? "declined at the terminal"
                   : !strcmp(s, "unconfirmed") ? "unconfirmed: nobody could confirm it"
                   : "verify could not be evaluated");
    if (jstr(c, "reason")) {
      val_buf_puts(b, ": ");
      xml(b, jstr(c, "reason"));
    }
    val_buf_puts(b, "\"/>\n    </testcase>\n");
  }
  val_buf_puts(b, "  </testsuite>\n");
}

static void render_junit(struct val_buf *b, const struct run *r)
{
  size_t tests = 0, fail = 0, err = 0, skip = 0, f, e, s;
  const struct step *stop = stopped_at(r);
  char nb[32];

  if (!stop)
    stop = open_step(r);
  for (size_t i = 0; i < r->nph; i++) {
    junit_counts(&r->phases[i], &f, &e, &s);
    tests += r->phases[i].nsteps;
    fail += f;
    err += e;
    skip += s;
  }
  checklist_counts(r, &f, &e, &s);
  fail += f;
  err += e;
  skip += s;
  val_buf_puts(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"rbc ");
  xml(b, r->runbook);
  val_buf_printf(b, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\" time=\"",
                 tests + r->nchecks, fail, err, skip);
  secs(b, r->elapsed_ms);
  val_buf_puts(b, "\"");
  junit_ts(b, r->start_ms);
  val_buf_puts(b, ">\n");
  for (size_t i = 0; i < r->nph; i++) {
    const struct phase *p = &r->phases[i];
    junit_counts(p, &f, &e, &s);
    val_buf_puts(b, "  <testsuite name=\"");
    xml(b, r->runbook);
    val_buf_puts(b, " / ");
    xml(b, phase_name(p, nb));
    val_buf_printf(b, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\" time=\"",
                   p->nsteps, f, e, s);
    secs(b, p->elapsed_ms);
    val_buf_puts(b, "\"");
    if (p->started)
      junit_ts(b, p->start_ms);
    val_buf_puts(b, ">\n");
    for (size_t k = 0; k < p->nsteps; k++)
      junit_case(b, r, p, &p->steps[k], stop);
    val_buf_puts(b, "  </testsuite>\n");
  }
  if (r->nchecks)
    junit_checklist(b, r);
  val_buf_puts(b, "</testsuites>\n");
}

/* }==== */

int report_render(struct val_buf *b, json_t *events, enum report_format fmt,
                  const struct report_opts *o)
{
  struct run r;
  json_t *doc;
  char *text;
  int rc = 0;

  if (build_run(&r, events) != 0) {
    free_run(&r);
    return -1;
  }
  switch (fmt) {
  case REPORT_TTY:   render_tty_report(b, &r, o); break;
  case REPORT_MD:    render_md(b, &r, o); break;
  case REPORT_JUNIT: render_junit(b, &r); break;
  case REPORT_JSON:
    doc = report_json(&r);
    text = doc ? json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    if (!text)
      rc = -1;
    else
      val_buf_printf(b, "%s\n", text);
    free(text);
    json_decref(doc);
    break;
  }
  free_run(&r);
  return rc || b->oom ? -1 : 0;
}

/* {==== files ==== */

int report_write_atomic(const char *path, const char *data, size_t len)
{
  return cli_write_atomic(path, data, len, 0644, CLI_WRITE_SYNC);
}

static int write_one(json_t *events, const char *path, enum report_format fmt)
{
  struct report_opts o;
  struct val_buf b;
  bool rendered;
  int rc = 0, err;

  memset(&o, 0, sizeof o);
  val_buf_init(&b);
  rendered = report_render(&b, events, fmt, &o) == 0;
  err = rendered ? report_write_atomic(path, b.data ? b.data : "", b.len) : errno;
  if (!rendered || err != 0) {
    fprintf(stderr, "rbc: cannot write the report %s: %s\n", path,
            b.oom ? "out of memory" : strerror(err));
    rc = EXIT_CANTCREAT;
  }
  val_buf_free(&b);
  return rc;
}

json_t *report_journal_events(const struct jl_reader *r)
{
  json_t *events = json_array();

  for (size_t i = 0; events && i < jl_count(r); i++)
    if (json_array_append(events, jl_event(r, i)) != 0) {
      json_decref(events);
      events = NULL;
    }
  return events;
}

static int check_path(const char *path)
{
  const char *slash = strrchr(path, '/');
  char dir[4096];

  if (!slash)
    snprintf(dir, sizeof dir, ".");
  else
    snprintf(dir, sizeof dir, "%.*s", (int)(slash == path ? 1 : slash - path), path);
  if (access(dir, W_OK | X_OK) == 0 && (!slash || slash[1] != '\0'))
    return 0;
  fprintf(stderr, "rbc: cannot create the report %s: %s\n", path,
          slash && slash[1] == '\0' ? "not a file name" : strerror(errno));
  return EXIT_CANTCREAT;
}

int report_check_paths(const char *junit, const char *json)
{
  if (junit && check_path(junit) != 0)
    return EXIT_CANTCREAT;
  return json ? check_path(json) : 0;
}

int report_files_from_journal(const char *journal, const char *junit, const char *json)
{
  struct jl_reader *r = NULL;
  struct jl_problem p;
  json_t *events;
  int rc = 0;

  if (!junit && !json)
    return 0;
  memset(&p, 0, sizeof p);
  if (jl_open_lenient(journal, NULL, &r, &p) != 0 && !r) {
    fprintf(stderr, "rbc: cannot write the reports: %s: %s\n", p.path, p.message);
    return EXIT_CANTCREAT;
  }
  events = report_journal_events(r);
  jl_close(r);
  if (!events) {
    fputs("rbc: cannot write the reports: out of memory\n", stderr);
    return EXIT_CANTCREAT;
  }
  if (junit && write_one(events, junit, REPORT_JUNIT) != 0)
    rc = EXIT_CANTCREAT;
  if (json && write_one(events, json, REPORT_JSON) != 0)
    rc = EXIT_CANTCREAT;
  json_decref(events);
  return rc;
}

/* }==== */
