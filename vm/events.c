/*
** events.c: the emitter of run events and the jsonl output (events.h).
**
** Each ev_* function turns its arguments into a struct ev_event, updates
** the run state the outputs read (open phase and step, counts, the first
** failure), and hands the event to every output.  The jsonl output writes
** cli.md 8's schema by hand (rather than through jansson) so the field order
** is exactly the documented one and secrets are scrubbed inside JSON
** strings, where replacing bytes can never break the syntax.
*/
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vm/events_int.h"
#include "vm/fdio.h"

#ifndef RBC_VERSION
#define RBC_VERSION "0.1.0"
#endif

/* {==== names and small formatters ==== */

/* The jsonl word of a step status (events.h); NULL when out of range. */
const char *ev_step_status_name(enum ev_step_status s)
{
  static const char *const names[EV__NSTATUS] = {
    "pass", "fail", "error", "skip", "recovered", "halted", "not_run"
  };

  return (unsigned)s < EV__NSTATUS ? names[s] : NULL;
}

/* The jsonl word of a run status; "error" when out of range. */
const char *ev_run_status_name(enum ev_run_status s)
{
  static const char *const names[] = { "passed", "failed", "halted", "interrupted", "error" };

  return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "error";
}

/* The jsonl word of a check status (events.h); NULL when out of range. */
const char *ev_check_status_name(enum ev_check_status s)
{
  static const char *const names[EV_CK__NSTATUS] = {
    "pass", "fail", "error", "confirmed", "declined", "unconfirmed", "normal", "alert",
    "between", "no-data", "inconclusive", "holds", "clear", "fired", "auto", "manual"
  };

  return (unsigned)s < EV_CK__NSTATUS ? names[s] : NULL;
}

/* Elapsed time as tty and plain print it: tenths under 10s, else whole seconds. */
char *ev_fmt_elapsed(int64_t ms, char buf[VAL_FMT_BUF])
{
  if (ms < 0)
    ms = 0;
  if (ms < 10000)
    snprintf(buf, VAL_FMT_BUF, "%d.%ds", (int)(ms / 1000), (int)(ms % 1000 / 100));
  else
    val_format_duration(ms - ms % 1000, buf);
  return buf;
}

/* RFC 3339 UTC; whole seconds (floored) unless with_ms. */
char *ev_fmt_ts(int64_t ms, bool with_ms, char buf[VAL_FMT_BUF])
{
  if (!with_ms) {
    int64_t r = ms % 1000;
    ms -= r < 0 ? r + 1000 : r;
  }
  return val_format_time(ms, with_ms, buf);
}

/* loc's file, or the run's file when the location names none. */
const char *ev_loc_file(const struct ev_sink *ev, const struct ev_loc *loc)
{
  if (loc->file)
    return loc->file;
  return ev->file ? ev->file : "";
}

/* Masked display form of v. */
void ev_append_value(struct val_buf *b, struct rbc_value v, bool quoted)
{
  val_buf_append_value(b, v, VAL_FMT_MASKED | (quoted ? VAL_FMT_QUOTED : 0));
}

/* A malloc'd copy of s (NULL stays NULL); sets ev->oom on failure. */
static char *dup_str(struct ev_sink *ev, const char *s)
{
  char *d;

  if (!s)
    return NULL;
  d = strdup(s);
  if (!d)
    ev->oom = true;
  return d;
}

/* Replace *dst with a copy of s. */
static void set_str(struct ev_sink *ev, char **dst, const char *s)
{
  free(*dst);
  *dst = dup_str(ev, s);
}

/* }==== */

/* {==== secrets ==== */

/* Remember bytes[0..len) as a secret to scrub (short ones are ignored). */
static int add_secret_bytes(struct ev_sink *ev, const char *bytes, size_t len)
{
  char *copy;

  if (len < EV_SECRET_MIN)
    return 0;
  for (size_t i = 0; i < ev->nsecrets; i++)
    if (ev->secret_len[i] == len && memcmp(ev->secrets[i], bytes, len) == 0)
      return 0;
  if (ev->nsecrets == ev->secrets_cap) {
    size_t cap = ev->secrets_cap ? ev->secrets_cap * 2 : 8;
    char **s = realloc(ev->secrets, cap * sizeof *s);
    size_t *l;

    if (!s)
      return -1;
    ev->secrets = s;
    l = realloc(ev->secret_len, cap * sizeof *l);
    if (!l)
      return -1;
    ev->secret_len = l;
    ev->secrets_cap = cap;
  }
  copy = malloc(len);
  if (!copy)
    return -1;
  memcpy(copy, bytes, len);
  ev->secrets[ev->nsecrets] = copy;
  ev->secret_len[ev->nsecrets++] = len;
  return 0;
}

/* Register v's raw text and, inside containers, every element's (depth-bounded). */
static int add_secret_rec(struct ev_sink *ev, struct rbc_value v, int depth)
{
  struct val_buf b;
  const struct rbc_value *item;
  size_t pos = 0;
  int rc = 0;

  if (depth > VAL_MAX_DEPTH)
    return 0;
  if (v.type == VAL_STRING)
    return add_secret_bytes(ev, val_str_data(v), val_str_len(v));
  if (v.type == VAL_LIST) {
    for (size_t i = 0; rc == 0 && i < val_list_len(v); i++)
      rc = add_secret_rec(ev, val_tainted(*val_list_at(v, i), true), depth + 1);
    return rc;
  }
  if (v.type == VAL_MAP) {
    while (rc == 0 && val_map_next(v, &pos, NULL, NULL, &item))
      rc = add_secret_rec(ev, val_tainted(*item, true), depth + 1);
    return rc;
  }
  val_buf_init(&b);
  val_buf_append_value(&b, v, VAL_FMT_RAW);
  if (!b.oom && b.len > 0)
    rc = add_secret_bytes(ev, b.data, b.len);
  rc = b.oom ? -1 : rc;
  val_buf_free(&b);
  return rc;
}

/* Register v's raw bytes for scrubbing (see events.h); -1 when out of memory. */
int ev_add_secret(struct ev_sink *ev, struct rbc_value v)
{
  while (ev->parent)
    ev = ev->parent;
  if (!v.secret)
    return 0;
  return add_secret_rec(ev, v, 0);
}

/* The registered secret starting at s[0..n), or -1; the longest match wins. */
static long secret_at(const struct ev_sink *ev, const char *s, size_t n)
{
  long best = -1;

  for (size_t i = 0; i < ev->nsecrets; i++) {
    size_t l = ev->secret_len[i];
    if (l <= n && memcmp(s, ev->secrets[i], l) == 0 &&
        (best < 0 || l > ev->secret_len[best]))
      best = (long)i;
  }
  return best;
}

size_t ev_safe_cut(const struct ev_sink *ev, const char *s, size_t n, size_t max)
{
  size_t i = 0;
  long k;

  if (n <= max)
    return n;
  while (i < max && ev->nsecrets > 0) {
    k = secret_at(ev, s + i, n - i);
    if (k < 0) {
      i++;
      continue;
    }
    if (i + ev->secret_len[k] > max)
      return i;                 /* the cut would split this secret: cut before it */
    i += ev->secret_len[k];
  }
  return max;
}

/* Append s[0..n) to b, each registered secret (longest match first) as ***. */
void ev_scrub_append(const struct ev_sink *ev, struct val_buf *b, const char *s, size_t n)
{
  size_t i = 0, run = 0;
  long k;

  if (ev->nsecrets == 0) {
    val_buf_append(b, s, n);
    return;
  }
  while (i < n) {
    k = secret_at(ev, s + i, n - i);
    if (k < 0) {
      i++;
      continue;
    }
    val_buf_append(b, s + run, i - run);
    val_buf_puts(b, "***");
    i += ev->secret_len[k];
    run = i;
  }
  val_buf_append(b, s + run, n - run);
}

/* }==== */

/* {==== writing ==== */

/*
** One write(2) of the whole line, looped on EINTR and partial writes only
** (fd_write_all); the first failure is kept in ev->err and later writes are
** skipped.
*/
void ev_write(struct ev_sink *ev, struct ev_out *o, const char *buf, size_t len)
{
  if (ev->err)
    return;
  ev->err = fd_write_all(o->fd, buf, len);
}

/* Scrub a finished text line and write it; b is released either way. */
void ev_write_text(struct ev_sink *ev, struct ev_out *o, struct val_buf *b)
{
  struct val_buf out;

  val_buf_init(&out);
  if (b->oom)
    ev->oom = true;
  else if (b->len > 0)
    ev_scrub_append(ev, &out, b->data, b->len);
  if (out.oom)
    ev->oom = true;
  else if (out.len > 0)
    ev_write(ev, o, out.data, out.len);
  val_buf_free(&out);
  val_buf_free(b);
}

/* }==== */

/* {==== the jsonl output ==== */

/* A JSON object being written into a buffer, with scrubbed strings. */
struct jw {
  struct val_buf b;
  const struct ev_sink *ev;
  bool first;                   /* no member written yet at this level */
  bool journal;                 /* the line goes to the run journal (vm/journal.h) */
};

static void jw_key(struct jw *j, const char *key)
{
  if (!j->first)
    val_buf_puts(&j->b, ",");
  j->first = false;
  val_buf_append_quoted(&j->b, key, strlen(key));
  val_buf_puts(&j->b, ":");
}

/* A JSON string value with registered secrets scrubbed first. */
static void jw_strn(struct jw *j, const char *s, size_t n)
{
  struct val_buf tmp;

  val_buf_init(&tmp);
  ev_scrub_append(j->ev, &tmp, s, n);
  if (tmp.oom)
    j->b.oom = true;
  else
    val_buf_append_quoted(&j->b, tmp.data ? tmp.data : "", tmp.len);
  val_buf_free(&tmp);
}

static void jw_str(struct jw *j, const char *key, const char *s)
{
  jw_key(j, key);
  if (s)
    jw_strn(j, s, strlen(s));
  else
    val_buf_puts(&j->b, "null");
}

static void jw_int(struct jw *j, const char *key, int64_t i)
{
  jw_key(j, key);
  val_buf_printf(&j->b, "%lld", (long long)i);
}

/* Open a nested object under key. */
static void jw_open(struct jw *j, const char *key)
{
  jw_key(j, key);
  val_buf_puts(&j->b, "{");
  j->first = true;
}

static void jw_close(struct jw *j)
{
  val_buf_puts(&j->b, "}");
  j->first = false;
}

/* v as JSON with every secret (at any depth) written as "***". */
static void jw_value(struct jw *j, struct rbc_value v, int depth)
{
  char buf[VAL_FMT_BUF];
  const struct rbc_value *item;
  const char *key;
  size_t klen, pos = 0;

  if (v.secret) {
    val_buf_puts(&j->b, "\"***\"");
    return;
  }
  if (depth > VAL_MAX_DEPTH) {
    val_buf_puts(&j->b, "\"...\"");
    return;
  }
  switch (v.type) {
  case VAL_NULL:   val_buf_puts(&j->b, "null"); break;
  case VAL_BOOL:   val_buf_puts(&j->b, v.as.b ? "true" : "false"); break;
  case VAL_INT:    val_buf_printf(&j->b, "%lld", (long long)v.as.i); break;
  case VAL_FLOAT:  val_buf_puts(&j->b, val_format_float(v.as.f, buf)); break;
  case VAL_STRING: jw_strn(j, val_str_data(v), val_str_len(v)); break;
  case VAL_DURATION:
    val_format_duration(v.as.i, buf);
    jw_strn(j, buf, strlen(buf));
    break;
  case VAL_TIME:
    val_format_time(v.as.i, true, buf);
    jw_strn(j, buf, strlen(buf));
    break;
  case VAL_LIST:
    val_buf_puts(&j->b, "[");
    for (size_t i = 0; i < val_list_len(v); i++) {
      val_buf_puts(&j->b, i ? "," : "");
      jw_value(j, *val_list_at(v, i), depth + 1);
    }
    val_buf_puts(&j->b, "]");
    break;
  case VAL_MAP:
    val_buf_puts(&j->b, "{");
    for (size_t n = 0; val_map_next(v, &pos, &key, &klen, &item); n++) {
      val_buf_puts(&j->b, n ? "," : "");
      jw_strn(j, key, klen);
      val_buf_puts(&j->b, ":");
      jw_value(j, *item, depth + 1);
    }
    val_buf_puts(&j->b, "}");
    break;
  default:
    val_buf_puts(&j->b, "\"<function>\"");
    break;
  }
}

/* "loc":{"file":..,"line":..,"column":..} when the location has a line. */
static void jw_loc(struct jw *j, const struct ev_loc *loc)
{
  if (loc->line == 0)
    return;
  jw_open(j, "loc");
  jw_str(j, "file", ev_loc_file(j->ev, loc));
  jw_int(j, "line", loc->line);
  jw_int(j, "column", loc->col);
  jw_close(j);
}

/* The members every line starts with. */
static void jw_head(struct jw *j, const char *type, const struct ev_event *e,
                    const char *message)
{
  char ts[VAL_FMT_BUF];

  val_buf_puts(&j->b, "{");
  j->first = true;
  jw_str(j, "type", type);
  jw_str(j, "@timestamp", ev_fmt_ts(e->ts_ms, true, ts));
  jw_str(j, "run_id", j->ev->run_id);
  jw_str(j, "@message", message);
}

/* The `version` line and run_start. */
static void jsonl_run_start(struct jw *j, const struct ev_event *e)
{
  const struct ev_run_info *r = e->u.run;
  char ts[VAL_FMT_BUF];
  char msg[256], cwd[4096];

  val_buf_puts(&j->b, "{");
  j->first = true;
  jw_str(j, "type", "version");
  jw_str(j, "@timestamp", ev_fmt_ts(e->ts_ms, true, ts));
  jw_str(j, "@message", "rbc " RBC_VERSION);
  jw_str(j, "rbc", RBC_VERSION);
  jw_str(j, "schema", EV_SCHEMA);
  val_buf_puts(&j->b, "}\n");
  snprintf(msg, sizeof msg, "run %s", r->runbook ? r->runbook : "");
  jw_head(j, "run_start", e, msg);
  jw_str(j, "runbook", r->runbook);
  jw_str(j, "file", r->file);
  jw_str(j, "source_sha256", r->source_sha256);
  jw_open(j, "params");
  for (size_t i = 0; i < r->nparams; i++) {
    jw_key(j, r->params[i].name);
    jw_value(j, r->params[i].value, 0);
  }
  jw_close(j);
  jw_str(j, "clock", clock_is_virtual(j->ev->clock) ? "virtual" : "real");
  if (j->journal && getcwd(cwd, sizeof cwd))  /* rbc resume finds a relative file */
    jw_str(j, "cwd", cwd);
}

static void jsonl_phase(struct jw *j, const struct ev_event *e)
{
  const struct ev_sink *ev = j->ev;
  char msg[256];

  if (e->type == EV_T_PHASE_START) {
    snprintf(msg, sizeof msg, "phase %u/%u %s", ev->phase_index, ev->phase_count,
             ev->phase_name ? ev->phase_name : "");
    jw_head(j, "phase_start", e, msg);
    jw_open(j, "phase");
    jw_int(j, "index", ev->phase_index);
    jw_int(j, "count", ev->phase_count);
    jw_str(j, "name", ev->phase_name);
    if (ev->phase_budget >= 0)
      jw_int(j, "budget_ms", ev->phase_budget);
    jw_close(j);
    return;
  }
  snprintf(msg, sizeof msg, "phase %u/%u %s", ev->phase_index, ev->phase_count,
           e->type == EV_T_PHASE_END ? "done" : "over budget");
  jw_head(j, e->type == EV_T_PHASE_END ? "phase_end" : "budget_overrun", e, msg);
  jw_int(j, "phase", ev->phase_index);
  if (e->type == EV_T_BUDGET) {
    jw_int(j, "budget_ms", e->budget_ms);
    jw_int(j, "elapsed_ms", e->elapsed_ms);
    jw_str(j, "code", diag_info(DIAG_RB5005)->code);
  } else {
    jw_int(j, "elapsed_ms", e->elapsed_ms);
  }
}

/*
** Does a string inside v (at any depth, map keys included) hold the bytes of
** a registered secret?  Such a value would be journaled scrubbed, not as it
** is, so it is journaled as a secret (re-evaluated on resume).
*/
static bool has_secret_bytes(const struct ev_sink *ev, struct rbc_value v, int depth)
{
  const struct rbc_value *item;
  const char *key;
  size_t klen, pos = 0;

  if (depth > VAL_MAX_DEPTH)
    return true;
  if (v.type == VAL_STRING) {
    for (size_t i = 0; i < val_str_len(v); i++)
      if (secret_at(ev, val_str_data(v) + i, val_str_len(v) - i) >= 0)
        return true;
  } else if (v.type == VAL_LIST) {
    for (size_t i = 0; i < val_list_len(v); i++)
      if (has_secret_bytes(ev, *val_list_at(v, i), depth + 1))
        return true;
  } else if (v.type == VAL_MAP) {
    while (val_map_next(v, &pos, &key, &klen, &item)) {
      for (size_t i = 0; i < klen; i++)
        if (secret_at(ev, key + i, klen - i) >= 0)
          return true;
      if (has_secret_bytes(ev, *item, depth + 1))
        return true;
    }
  }
  return false;
}

/*
** "bindings":{name:{"type":T,"value":V}} of a step_end (events.h
** ev_step_end_bindings): durations and times as milliseconds so resume
** gets the same type back; a secret by name only.
*/
static void jw_bindings(struct jw *j, const struct ev_binding *b, size_t n)
{
  jw_open(j, "bindings");
  for (size_t i = 0; i < n; i++) {
    jw_open(j, b[i].name);
    if (b[i].value.secret || has_secret_bytes(j->ev, b[i].value, 0)) {
      jw_key(j, "secret");
      val_buf_puts(&j->b, "true");
      jw_str(j, "value", "secret, re-evaluate on resume");
    } else {
      jw_str(j, "type", val_type_name(b[i].value.type));
      if (b[i].value.type == VAL_DURATION || b[i].value.type == VAL_TIME) {
        jw_int(j, "value", b[i].value.as.i);
      } else {
        jw_key(j, "value");
        jw_value(j, b[i].value, 0);
      }
    }
    jw_close(j);
  }
  jw_close(j);
}

static void jsonl_step(struct jw *j, const struct ev_event *e)
{
  const struct ev_sink *ev = j->ev;
  const struct ev_step *s = e->u.step;
  char msg[256];

  if (e->type == EV_T_STEP_START) {
    snprintf(msg, sizeof msg, "step %u/%u %s", ev->step_index, ev->step_count,
             ev->step_name ? ev->step_name : "");
    jw_head(j, "step_start", e, msg);
    jw_int(j, "phase", ev->step_phase);
    jw_open(j, "step");
    jw_int(j, "index", ev->step_index);
    jw_int(j, "count", ev->step_count);
    jw_str(j, "name", ev->step_name);
    jw_loc(j, &s->loc);
    jw_close(j);
    return;
  }
  snprintf(msg, sizeof msg, "step %s %s", ev->step_name ? ev->step_name : "",
           ev_step_status_name(e->status));
  jw_head(j, "step_end", e, msg);
  jw_int(j, "phase", ev->step_phase);
  jw_str(j, "step", ev->step_name);
  jw_str(j, "status", ev_step_status_name(e->status));
  jw_int(j, "elapsed_ms", e->elapsed_ms);
  if (e->detail)
    jw_str(j, "reason", e->detail);
  if (e->nbindings > 0 && j->journal)
    jw_bindings(j, e->bindings, e->nbindings);
}

static void jsonl_action(struct jw *j, const struct ev_event *e)
{
  const struct ev_action *a = e->u.action;
  char msg[256];

  snprintf(msg, sizeof msg, "%s %s %s", a->kind ? a->kind : "", a->call ? a->call : "",
           a->status ? a->status : "");
  jw_head(j, "action", e, msg);
  jw_str(j, "step", j->ev->step_open ? j->ev->step_name : NULL); /* none: a check's call */
  jw_str(j, "kind", a->kind);
  jw_str(j, "call", a->call);
  jw_str(j, "status", a->status);
  jw_int(j, "elapsed_ms", a->elapsed_ms);
  if (a->exports) {
    jw_key(j, "exports");
    jw_value(j, *a->exports, 0);
  }
}

static void jsonl_retry(struct jw *j, const struct ev_event *e)
{
  const struct ev_retry *r = e->u.retry;
  char msg[128];

  snprintf(msg, sizeof msg, "attempt %u of %u failed", r->attempt, r->max);
  jw_head(j, "retry", e, msg);
  jw_str(j, "step", j->ev->step_name);
  jw_int(j, "attempt", r->attempt);
  jw_int(j, "max", r->max);
  jw_int(j, "next_in_ms", r->next_in_ms);
  jw_str(j, "code", diag_info(r->code)->code);
  jw_str(j, "reason", r->reason);
}

static void jsonl_wait(struct jw *j, const struct ev_event *e)
{
  const struct ev_wait *w = e->u.wait;
  char msg[64];

  snprintf(msg, sizeof msg, "wait poll %u", w->poll);
  jw_head(j, "wait_poll", e, msg);
  jw_str(j, "step", j->ev->step_name);
  jw_int(j, "poll", w->poll);
  jw_int(j, "elapsed_ms", w->elapsed_ms);
  if (w->timeout_ms >= 0)
    jw_int(j, "timeout_ms", w->timeout_ms);
  if (w->until)
    jw_str(j, "until", w->until);
}

static void jsonl_gate(struct jw *j, const struct ev_event *e)
{
  const struct ev_gate *g = e->u.gate;
  char msg[64];

  snprintf(msg, sizeof msg, "gate %s", g->answer ? g->answer : "");
  jw_head(j, "gate", e, msg);
  jw_str(j, "step", j->ev->step_name);
  jw_str(j, "question", e->text);
  jw_str(j, "answer", g->answer);
  jw_str(j, "by", g->by);
}

static void jsonl_diag(struct jw *j, const struct ev_event *e)
{
  const struct ev_diag *d = e->u.diag;
  const struct diag_info *info = diag_info(d->code);

  jw_head(j, "diagnostic", e, d->message ? d->message : info->summary);
  jw_str(j, "severity", diag_severity_name(info->severity));
  jw_str(j, "code", info->code);
  jw_str(j, "message", d->message ? d->message : info->summary);
  jw_loc(j, &d->loc);
  if (e->actual)
    jw_str(j, "actual", e->actual);
  if (e->expected)
    jw_str(j, "expected", e->expected);
  if (j->ev->step_open)
    jw_str(j, "step", j->ev->step_name);
}

static void jsonl_run_end(struct jw *j, const struct ev_event *e)
{
  const struct ev_run_end *r = e->u.end;
  static const enum ev_step_status order[] = {
    EV_PASS, EV_FAIL, EV_ERROR, EV_SKIP, EV_NOT_RUN, EV_RECOVERED, EV_HALTED
  };
  char msg[64];
  bool opened = false;

  snprintf(msg, sizeof msg, "run %s", ev_run_status_name(r->status));
  jw_head(j, "run_end", e, msg);
  jw_str(j, "status", ev_run_status_name(r->status));
  jw_int(j, "exit_code", r->exit_code);
  jw_int(j, "elapsed_ms", e->elapsed_ms);
  jw_open(j, "counts");
  for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
    jw_int(j, ev_step_status_name(order[i]), j->ev->counts[order[i]]);
  jw_close(j);
  for (int i = 0; i < EV_CK__NSTATUS; i++) {
    if (!j->ev->checks[i])
      continue;
    if (!opened) {
      jw_open(j, "checks");     /* checklist items and monitor verdicts, when any */
      opened = true;
    }
    jw_int(j, ev_check_status_name((enum ev_check_status)i), j->ev->checks[i]);
  }
  if (opened)
    jw_close(j);
  if (r->resume)
    jw_str(j, "resume", r->resume);
}

/* The jsonl type of a check event. */
static const char *check_type(const struct ev_check *c)
{
  static const char *const types[] = {
    "checklist_item", "monitor_sample", "monitor_normal", "trigger_listed", "trigger_sample",
    "trigger_fired"
  };

  if (c->kind == EV_MONITOR_VERDICT)
    return c->status == EV_CK_ALERT ? "monitor_alert"
      : c->status == EV_CK_NORMAL ? "monitor_normal" : "monitor_inconclusive";
  return (unsigned)c->kind < sizeof types / sizeof types[0] ? types[c->kind] : "check";
}

/* checklist_item, monitor_*, trigger_*: the fields the kind uses. */
static void jsonl_check(struct jw *j, const struct ev_event *e)
{
  const struct ev_check *c = e->u.check;
  const char *status = ev_check_status_name(c->status);
  char msg[256];

  snprintf(msg, sizeof msg, "%s %s", c->name ? c->name : "", status ? status : "");
  jw_head(j, check_type(c), e, msg);
  if (c->kind == EV_CHECKLIST_ITEM) {
    jw_str(j, "checklist", c->group);
    jw_str(j, "item", c->name);
  } else {
    jw_str(j, c->kind <= EV_MONITOR_VERDICT ? "monitor" : "trigger", c->name);
  }
  jw_str(j, "status", status);
  if (c->by)
    jw_str(j, "by", c->by);
  if (c->sample)
    jw_int(j, c->kind == EV_MONITOR_SAMPLE ? "sample" : "samples", c->sample);
  if (c->count)
    jw_int(j, "count", c->count);
  if (c->kind == EV_MONITOR_VERDICT) {
    jw_int(j, "alerts", c->alerts);
    jw_int(j, "inconclusive", c->others);
  }
  if (c->value) {
    jw_key(j, "value");
    jw_value(j, *c->value, 0);
  }
  if (c->held_ms >= 0)
    jw_int(j, "held_ms", c->held_ms);
  if (c->for_ms >= 0)
    jw_int(j, "for_ms", c->for_ms);
  if (c->reason)
    jw_str(j, c->kind >= EV_TRIGGER_LISTED ? "when" : "reason", c->reason);
}

/* Write one event as one line (two for run_start: version first). */
static void jsonl_emit(struct ev_out *o, struct ev_sink *ev, const struct ev_event *e)
{
  struct jw j;

  memset(&j, 0, sizeof j);
  val_buf_init(&j.b);
  j.ev = ev;
  j.journal = o->journal != NULL;
  switch (e->type) {
  case EV_T_RUN_START:   jsonl_run_start(&j, e); break;
  case EV_T_PHASE_START:
  case EV_T_PHASE_END:
  case EV_T_BUDGET:      jsonl_phase(&j, e); break;
  case EV_T_STEP_START:
  case EV_T_STEP_END:    jsonl_step(&j, e); break;
  case EV_T_ACTION:      jsonl_action(&j, e); break;
  case EV_T_RETRY:       jsonl_retry(&j, e); break;
  case EV_T_WAIT_POLL:   jsonl_wait(&j, e); break;
  case EV_T_GATE:        jsonl_gate(&j, e); break;
  case EV_T_DIAG:        jsonl_diag(&j, e); break;
  case EV_T_LOG:
    jw_head(&j, "log", e, e->text);
    jw_str(&j, "step", ev->step_open ? ev->step_name : NULL);
    break;
  case EV_T_RUN_END:     jsonl_run_end(&j, e); break;
  case EV_T_CHECK:       jsonl_check(&j, e); break;
  }
  val_buf_puts(&j.b, "}\n");
  if (j.b.oom)
    ev->oom = true;
  else if (o->journal)
    jl_write_lines(o->journal, ev, j.b.data, j.b.len);
  else
    ev_write(ev, o, j.b.data, j.b.len);
  val_buf_free(&j.b);
  if (o->journal && (e->type == EV_T_RUN_START || e->type == EV_T_PHASE_START ||
                     e->type == EV_T_STEP_END || e->type == EV_T_PHASE_END ||
                     e->type == EV_T_RUN_END)) {
    jl_sync(o->journal, ev);
    return;
  }
  if ((o->flags & EV_JSONL_FSYNC) && !ev->err &&
      (e->type == EV_T_STEP_END || e->type == EV_T_PHASE_END || e->type == EV_T_RUN_END) &&
      fsync(o->fd) != 0 && errno != EINVAL && errno != EROFS)
    ev->err = errno;
}

static void jsonl_release(struct ev_out *o)
{
  free(o);
}

static const struct ev_out_ops jsonl_ops = { jsonl_emit, NULL, jsonl_release };

/* A jsonl output on fd (borrowed); NULL when out of memory. */
struct ev_out *ev_out_jsonl(int fd, unsigned flags)
{
  struct ev_out *o = calloc(1, sizeof *o);

  if (!o)
    return NULL;
  o->ops = &jsonl_ops;
  o->fd = fd;
  o->flags = flags;
  return o;
}

/* }==== */

/* {==== branch emitters (parallel) ==== */

/*
** A kept event of a branch emitter: its type, its time, and deep copies of
** what the record pointed to (the strings, the values retained).  The
** meaning of str[], num[] and vals per type is in the keep_* functions.
*/
struct ev_rec {
  enum ev_type type;
  int64_t ts_ms;                /* when it happened (the run's clock) */
  char *str[4];                 /* owned copies, may be NULL */
  int64_t num[4];
  struct rbc_value *vals;       /* owned references */
  size_t nvals;
  bool has[2];                  /* diagnostic: actual, expected given */
  struct ev_loc loc;            /* diagnostic: loc.file is str[3] */
  struct ev_rec *next;
};

/* Release a branch emitter's kept events. */
static void recs_free(struct ev_sink *ev)
{
  while (ev->recs) {
    struct ev_rec *r = ev->recs;

    ev->recs = r->next;
    for (size_t i = 0; i < 4; i++)
      free(r->str[i]);
    for (size_t i = 0; i < r->nvals; i++)
      val_release(r->vals[i]);
    free(r->vals);
    free(r);
  }
  ev->recs_tail = &ev->recs;
}

/* A new kept event of type t with room for nvals values; NULL (and ev->oom) on failure. */
static struct ev_rec *rec_new(struct ev_sink *ev, enum ev_type t, size_t nvals)
{
  struct ev_rec *r = calloc(1, sizeof *r);

  if (r && nvals > 0)
    r->vals = calloc(nvals, sizeof *r->vals);
  if (!r || (nvals > 0 && !r->vals)) {
    free(r);
    ev->oom = true;
    return NULL;
  }
  r->type = t;
  r->ts_ms = ev->ts_fixed ? ev->ts_ms : clock_now_ms(ev->clock);
  return r;
}

/* Append r (complete) to ev's kept events; the status an ev_* returns. */
static int rec_keep(struct ev_sink *ev, struct ev_rec *r)
{
  if (!r)
    return -1;
  *ev->recs_tail = r;
  ev->recs_tail = &r->next;
  return ev_failed(ev) ? -1 : 0;
}

/* A value kept as r->vals[r->nvals++]. */
static void rec_value(struct ev_rec *r, struct rbc_value v)
{
  r->vals[r->nvals++] = val_retain(v);
}

static int keep_action(struct ev_sink *ev, const struct ev_action *a)
{
  struct ev_rec *r = rec_new(ev, EV_T_ACTION, 1);

  if (!r)
    return -1;
  r->str[0] = dup_str(ev, a->kind);
  r->str[1] = dup_str(ev, a->call);
  r->str[2] = dup_str(ev, a->status);
  r->num[0] = a->elapsed_ms;
  if (a->exports)
    rec_value(r, *a->exports);
  return rec_keep(ev, r);
}

static int keep_retry(struct ev_sink *ev, const struct ev_retry *x)
{
  struct ev_rec *r = rec_new(ev, EV_T_RETRY, 0);

  if (!r)
    return -1;
  r->num[0] = x->attempt;
  r->num[1] = x->max;
  r->num[2] = x->next_in_ms;
  r->num[3] = x->code;
  r->str[0] = dup_str(ev, x->reason);
  return rec_keep(ev, r);
}

static int keep_wait(struct ev_sink *ev, const struct ev_wait *w)
{
  struct ev_rec *r = rec_new(ev, EV_T_WAIT_POLL, 0);

  if (!r)
    return -1;
  r->num[0] = w->poll;
  r->num[1] = w->elapsed_ms;
  r->num[2] = w->timeout_ms;
  r->str[0] = dup_str(ev, w->until);
  return rec_keep(ev, r);
}

static int keep_gate(struct ev_sink *ev, const struct ev_gate *g)
{
  struct ev_rec *r = rec_new(ev, EV_T_GATE, 1);

  if (!r)
    return -1;
  rec_value(r, g->question);
  r->str[0] = dup_str(ev, g->answer);
  r->str[1] = dup_str(ev, g->by);
  return rec_keep(ev, r);
}

static int keep_budget(struct ev_sink *ev, int64_t budget_ms, int64_t elapsed_ms)
{
  struct ev_rec *r = rec_new(ev, EV_T_BUDGET, 0);

  if (!r)
    return -1;
  r->num[0] = budget_ms;
  r->num[1] = elapsed_ms;
  return rec_keep(ev, r);
}

static int keep_diag(struct ev_sink *ev, const struct ev_diag *d)
{
  struct ev_rec *r = rec_new(ev, EV_T_DIAG, 2);

  if (!r)
    return -1;
  r->num[0] = d->code;
  r->str[0] = dup_str(ev, d->message);
  r->str[1] = dup_str(ev, d->help);
  r->str[2] = dup_str(ev, d->note);
  r->str[3] = dup_str(ev, d->loc.file);
  r->loc = d->loc;
  r->loc.file = r->str[3];
  r->has[0] = d->actual != NULL;
  r->has[1] = d->expected != NULL;
  if (d->actual)
    rec_value(r, *d->actual);
  if (d->expected)
    rec_value(r, *d->expected);
  return rec_keep(ev, r);
}

static int keep_log(struct ev_sink *ev, const struct rbc_value *vals, size_t n)
{
  struct ev_rec *r = rec_new(ev, EV_T_LOG, n);

  if (!r)
    return -1;
  for (size_t i = 0; i < n; i++)
    rec_value(r, vals[i]);
  return rec_keep(ev, r);
}

/* Send one kept event to p (the record's copies are borrowed for the call). */
static int replay(struct ev_sink *p, const struct ev_rec *r)
{
  struct ev_action a = { r->str[0], r->str[1], r->str[2], r->num[0],
                         r->nvals ? &r->vals[0] : NULL };
  struct ev_retry x = { (uint32_t)r->num[0], (uint32_t)r->num[1], r->num[2],
                        (enum diag_code)r->num[3], r->str[0] };
  struct ev_wait w = { (uint32_t)r->num[0], r->num[1], r->num[2], r->str[0] };
  struct ev_diag d;

  switch (r->type) {
  case EV_T_ACTION: return ev_action(p, &a);
  case EV_T_RETRY: return ev_retry(p, &x);
  case EV_T_WAIT_POLL: return ev_wait_poll(p, &w);
  case EV_T_BUDGET: return ev_budget_overrun(p, r->num[0], r->num[1]);
  case EV_T_LOG: return ev_log(p, r->vals, r->nvals);
  case EV_T_GATE: {
    struct ev_gate g = { r->vals[0], r->str[0], r->str[1] };

    return ev_gate(p, &g);
  }
  case EV_T_DIAG:
    memset(&d, 0, sizeof d);
    d.code = (enum diag_code)r->num[0];
    d.message = r->str[0];
    d.help = r->str[1];
    d.note = r->str[2];
    d.loc = r->loc;
    d.actual = r->has[0] ? &r->vals[0] : NULL;
    d.expected = r->has[1] ? &r->vals[r->has[0] ? 1 : 0] : NULL;
    return ev_diagnostic(p, &d);
  default:
    return 0;
  }
}

/* A branch emitter of parent (see events.h); NULL when out of memory. */
struct ev_sink *ev_sink_branch(struct ev_sink *parent)
{
  struct ev_sink *ev = ev_sink_new(parent->clock);

  if (!ev)
    return NULL;
  ev->parent = parent;
  ev->recs_tail = &ev->recs;
  return ev;
}

/* Replay a branch's kept events into its parent, in order, at their times. */
int ev_sink_flush(struct ev_sink *branch)
{
  struct ev_sink *p = branch->parent;
  bool fixed = p->ts_fixed;
  int64_t ts = p->ts_ms;
  int rc = 0;

  for (const struct ev_rec *r = branch->recs; r; r = r->next) {
    p->ts_fixed = true;
    p->ts_ms = r->ts_ms;
    if (replay(p, r) != 0)
      rc = -1;
  }
  p->ts_fixed = fixed;
  p->ts_ms = ts;
  p->oom = p->oom || branch->oom;
  recs_free(branch);
  return rc;
}

/* }==== */

/* {==== the emitter ==== */

/* An emitter without outputs; clock is borrowed.  NULL when out of memory. */
struct ev_sink *ev_sink_new(struct rbc_clock *clock)
{
  struct ev_sink *ev = calloc(1, sizeof *ev);

  if (!ev)
    return NULL;
  ev->clock = clock;
  ev->rto_ms = -1;
  ev->phase_budget = -1;
  return ev;
}

static void failure_clear(struct ev_failure *f)
{
  free(f->message);
  free(f->actual);
  free(f->expected);
  free(f->help);
  free(f->note);
  free(f->file);
  memset(f, 0, sizeof *f);
}

/* Free the emitter, its outputs, its secret copies and its kept strings. */
void ev_sink_free(struct ev_sink *ev)
{
  if (!ev)
    return;
  for (size_t i = 0; i < ev->nouts; i++)
    ev->outs[i]->ops->release(ev->outs[i]);
  for (size_t i = 0; i < ev->nsecrets; i++)
    free(ev->secrets[i]);
  free(ev->outs);
  free(ev->secrets);
  free(ev->secret_len);
  free(ev->run_id);
  free(ev->runbook);
  free(ev->file);
  free(ev->phase_name);
  free(ev->step_name);
  free(ev->stop.phase_name);
  free(ev->stop.step_name);
  failure_clear(&ev->step_diag);
  failure_clear(&ev->run_diag);
  recs_free(ev);
  free(ev);
}

/* Append an output (owned from now on); -1 (and out released) on failure. */
int ev_sink_add(struct ev_sink *ev, struct ev_out *out)
{
  if (!out)
    return -1;
  if (ev->nouts == ev->outs_cap) {
    size_t cap = ev->outs_cap ? ev->outs_cap * 2 : 4;
    struct ev_out **n = realloc(ev->outs, cap * sizeof *n);

    if (!n) {
      out->ops->release(out);
      return -1;
    }
    ev->outs = n;
    ev->outs_cap = cap;
  }
  ev->outs[ev->nouts++] = out;
  return 0;
}

/* errno of the first failed write, 0 while every write succeeded. */
int ev_failed(const struct ev_sink *ev)
{
  while (ev->parent)
    ev = ev->parent;
  return ev->err;
}

/* Stamp e and hand it to every output; the status every ev_* returns. */
static int dispatch(struct ev_sink *ev, struct ev_event *e)
{
  e->ts_ms = ev->ts_fixed ? ev->ts_ms : clock_now_ms(ev->clock);
  for (size_t i = 0; i < ev->nouts; i++)
    ev->outs[i]->ops->emit(ev->outs[i], ev, e);
  return ev->err || ev->oom ? -1 : 0;
}

/* Milliseconds of the run's clock since t0 (monotonic). */
static int64_t since(struct ev_sink *ev, int64_t t0)
{
  return clock_monotonic_ms(ev->clock) - t0;
}

/* Let live outputs redraw (each paces itself). */
void ev_tick(struct ev_sink *ev)
{
  while (ev->parent)
    ev = ev->parent;
  for (size_t i = 0; i < ev->nouts; i++)
    if (ev->outs[i]->ops->tick)
      ev->outs[i]->ops->tick(ev->outs[i], ev);
}

/* }==== */

/* {==== run, phase and step events ==== */

/* version + run_start; keeps the run's identity and starts its elapsed time. */
int ev_run_start(struct ev_sink *ev, const struct ev_run_info *info)
{
  struct ev_event e = { .type = EV_T_RUN_START, .u.run = info };

  set_str(ev, &ev->run_id, info->run_id);
  set_str(ev, &ev->runbook, info->runbook);
  set_str(ev, &ev->file, info->file);
  ev->rto_ms = info->rto_ms;
  ev->nphases = info->nphases;
  ev->nsteps = info->nsteps;
  ev->run_t0 = clock_monotonic_ms(ev->clock);
  return dispatch(ev, &e);
}

/* phase_start; the phase stays open until ev_phase_end. */
int ev_phase_start(struct ev_sink *ev, const struct ev_phase *p)
{
  struct ev_event e = { .type = EV_T_PHASE_START, .u.phase = p };

  ev->phase_open = true;
  ev->phase_index = p->index;
  ev->phase_count = p->count ? p->count : ev->nphases;
  ev->phase_nsteps = p->nsteps;
  ev->phase_budget = p->budget_ms;
  ev->phase_t0 = clock_monotonic_ms(ev->clock);
  set_str(ev, &ev->phase_name, p->name);
  return dispatch(ev, &e);
}

/* phase_end with the phase's elapsed time; no-op without an open phase. */
int ev_phase_end(struct ev_sink *ev)
{
  struct ev_event e = { .type = EV_T_PHASE_END };
  int rc;

  if (!ev->phase_open)
    return ev->err || ev->oom ? -1 : 0;   /* nothing to end: not an event */
  e.elapsed_ms = since(ev, ev->phase_t0);
  rc = dispatch(ev, &e);
  ev->phase_open = false;
  return rc;
}

/* step_start; the step stays open (and owns later events) until ev_step_end. */
int ev_step_start(struct ev_sink *ev, const struct ev_step *s)
{
  struct ev_event e = { .type = EV_T_STEP_START, .u.step = s };

  ev->step_open = true;
  ev->step_phase = s->phase;
  ev->step_index = s->index;
  ev->step_count = s->count ? s->count : ev->phase_nsteps;
  ev->step_t0 = clock_monotonic_ms(ev->clock);
  set_str(ev, &ev->step_name, s->name);
  failure_clear(&ev->step_diag);
  return dispatch(ev, &e);
}

/* Remember where the run stopped: the first step that did not succeed. */
static void note_stop(struct ev_sink *ev, enum ev_step_status status)
{
  if (ev->stop.set || (status != EV_FAIL && status != EV_ERROR && status != EV_HALTED))
    return;
  ev->stop.set = true;
  ev->stop.status = status;
  ev->stop.phase = ev->step_phase;
  ev->stop.phase_count = ev->phase_count;
  set_str(ev, &ev->stop.phase_name, ev->phase_name);
  set_str(ev, &ev->stop.step_name, ev->step_name);
}

/* step_end: counts the status, remembers where the run stopped, closes the step. */
int ev_step_end(struct ev_sink *ev, enum ev_step_status status, const char *detail)
{
  return ev_step_end_bindings(ev, status, detail, NULL, 0);
}

/* step_end carrying the bindings the step changed (journaled for resume). */
int ev_step_end_bindings(struct ev_sink *ev, enum ev_step_status status, const char *detail,
                         const struct ev_binding *b, size_t n)
{
  struct ev_event e = { .type = EV_T_STEP_END, .status = status, .detail = detail,
                        .bindings = b, .nbindings = n };
  int rc;

  if (!ev->step_open)
    return ev->err || ev->oom ? -1 : 0;   /* nothing to end: not an event */
  if ((unsigned)status >= EV__NSTATUS)
    status = e.status = EV_ERROR;
  e.in_step = true;
  e.elapsed_ms = since(ev, ev->step_t0);
  ev->counts[status]++;
  note_stop(ev, status);
  rc = dispatch(ev, &e);
  ev->step_open = false;
  failure_clear(&ev->step_diag);
  return rc;
}

/* step_end with status not_run for a step that never started. */
int ev_step_not_run(struct ev_sink *ev, const struct ev_step *s)
{
  struct ev_event e = { .type = EV_T_STEP_END, .status = EV_NOT_RUN, .u.step = s };

  ev->step_phase = s->phase;
  ev->step_index = s->index;
  ev->step_count = s->count ? s->count : ev->phase_nsteps;
  set_str(ev, &ev->step_name, s->name);
  ev->counts[EV_NOT_RUN]++;
  return dispatch(ev, &e);
}

/* }==== */

/* {==== events inside a step ==== */

/* action: one call that acted on the world, inside the open step. */
int ev_action(struct ev_sink *ev, const struct ev_action *a)
{
  struct ev_event e = { .type = EV_T_ACTION, .u.action = a };

  if (ev->parent)
    return keep_action(ev, a);

  return dispatch(ev, &e);
}

/* retry: an attempt failed and another follows after next_in_ms. */
int ev_retry(struct ev_sink *ev, const struct ev_retry *r)
{
  struct ev_event e = { .type = EV_T_RETRY, .u.retry = r };

  if (ev->parent)
    return keep_retry(ev, r);

  return dispatch(ev, &e);
}

/* wait_poll: a `wait until` condition was false at poll w->poll. */
int ev_wait_poll(struct ev_sink *ev, const struct ev_wait *w)
{
  struct ev_event e = { .type = EV_T_WAIT_POLL, .u.wait = w };

  if (ev->parent)
    return keep_wait(ev, w);

  return dispatch(ev, &e);
}

/* A masked display string of v, malloc'd (NULL and ev->oom on failure). */
static char *masked(struct ev_sink *ev, struct rbc_value v, bool quoted)
{
  struct val_buf b;
  char *s;

  val_buf_init(&b);
  ev_append_value(&b, v, quoted);
  val_buf_puts(&b, "");
  s = b.oom ? NULL : strdup(b.data ? b.data : "");
  if (!s)
    ev->oom = true;
  val_buf_free(&b);
  return s;
}

/* gate: the question is formatted masked once, for every output. */
int ev_gate(struct ev_sink *ev, const struct ev_gate *g)
{
  struct ev_event e = { .type = EV_T_GATE, .u.gate = g };
  int rc;
  char *q;

  if (ev->parent)
    return keep_gate(ev, g);
  q = masked(ev, g->question, false);

  e.text = q ? q : "";
  rc = dispatch(ev, &e);
  free(q);
  return rc;
}

/* budget_overrun (RB5005) for the open phase. */
int ev_budget_overrun(struct ev_sink *ev, int64_t budget_ms, int64_t elapsed_ms)
{
  struct ev_event e = { .type = EV_T_BUDGET, .budget_ms = budget_ms,
                        .elapsed_ms = elapsed_ms };

  if (ev->parent)
    return keep_budget(ev, budget_ms, elapsed_ms);

  return dispatch(ev, &e);
}

/* Copy diagnostic d (and its formatted values) into f. */
static void keep_failure(struct ev_sink *ev, struct ev_failure *f, const struct ev_diag *d,
                         const char *actual, const char *expected)
{
  f->set = true;
  f->code = d->code;
  f->message = dup_str(ev, d->message ? d->message : diag_info(d->code)->summary);
  f->actual = dup_str(ev, actual);
  f->expected = dup_str(ev, expected);
  f->help = dup_str(ev, d->help);
  f->note = dup_str(ev, d->note);
  f->file = dup_str(ev, d->loc.line ? ev_loc_file(ev, &d->loc) : NULL);
  f->line = d->loc.line;
  f->col = d->loc.col;
  f->span = d->loc.span;
  f->has_span = d->loc.has_span;
}

/*
** diagnostic: actual/expected are formatted masked once; the first error of
** the open step and of the run are kept for the FAIL line and the summary.
*/
int ev_diagnostic(struct ev_sink *ev, const struct ev_diag *d)
{
  struct ev_event e = { .type = EV_T_DIAG, .u.diag = d };
  char *actual, *expected;
  bool error = diag_info(d->code)->severity == DIAG_ERROR;
  int rc;

  if (ev->parent)
    return keep_diag(ev, d);
  actual = d->actual ? masked(ev, *d->actual, true) : NULL;
  expected = d->expected ? masked(ev, *d->expected, true) : NULL;

  e.actual = actual;
  e.expected = expected;
  if (error && ev->step_open && !ev->step_diag.set) {
    e.folded = true;
    keep_failure(ev, &ev->step_diag, d, actual, expected);
  }
  if (error && !ev->run_diag.set) {
    e.first_of_run = true;
    keep_failure(ev, &ev->run_diag, d, actual, expected);
  }
  rc = dispatch(ev, &e);
  free(actual);
  free(expected);
  return rc;
}

/* log: the values' masked display forms joined by spaces. */
int ev_log(struct ev_sink *ev, const struct rbc_value *vals, size_t n)
{
  struct ev_event e = { .type = EV_T_LOG };
  struct val_buf b;
  int rc;

  if (ev->parent)
    return keep_log(ev, vals, n);

  val_buf_init(&b);
  for (size_t i = 0; i < n; i++) {
    if (i)
      val_buf_puts(&b, " ");
    ev_append_value(&b, vals[i], false);
  }
  val_buf_puts(&b, "");
  if (b.oom) {
    val_buf_free(&b);
    ev->oom = true;
    return -1;
  }
  e.text = b.data ? b.data : "";
  rc = dispatch(ev, &e);
  val_buf_free(&b);
  return rc;
}

/* A check event; checklist items and monitor verdicts are counted for the summary. */
int ev_check(struct ev_sink *ev, const struct ev_check *c)
{
  struct ev_event e = { .type = EV_T_CHECK, .u.check = c };

  while (ev->parent)
    ev = ev->parent;            /* checks never run inside a parallel branch */
  if ((c->kind == EV_CHECKLIST_ITEM || c->kind == EV_MONITOR_VERDICT)
      && (unsigned)c->status < EV_CK__NSTATUS)
    ev->checks[c->status]++;
  return dispatch(ev, &e);
}

/* run_end: steps never reported count as not_run, so counts match the runbook. */
int ev_run_end(struct ev_sink *ev, const struct ev_run_end *r)
{
  struct ev_event e = { .type = EV_T_RUN_END, .u.end = r };
  unsigned seen = 0;

  for (int i = 0; i < EV__NSTATUS; i++)
    seen += ev->counts[i];
  if (seen < ev->nsteps)
    ev->counts[EV_NOT_RUN] += ev->nsteps - seen;
  e.elapsed_ms = since(ev, ev->run_t0);
  return dispatch(ev, &e);
}

/* }==== */

/* {==== reading the chunk ==== */

/* The bytes of string constant k, or NULL. */
static const char *kstr(const struct chunk *c, uint32_t k)
{
  const struct chunk_const *s = chunk_str(c, k);

  return s ? s->u.str.bytes : NULL;
}

/* Descriptor words of K[k] when it has kind `kind`, else NULL. */
static const uint32_t *kdesc(const struct chunk *c, uint32_t k, enum chunk_kind kind,
                             uint32_t min_words)
{
  if (k >= c->nconsts || c->consts[k].kind != kind || c->consts[k].u.desc.n < min_words)
    return NULL;
  return c->consts[k].u.desc.w;
}

/* Take one META descriptor's value into info when its key is one we show. */
static void describe_meta(const struct chunk *c, const uint32_t *w, struct ev_run_info *info)
{
  const char *key = kstr(c, w[META_KEY]);
  const struct chunk_const *v = w[META_VALUE] < c->nconsts ? &c->consts[w[META_VALUE]] : NULL;

  if (!key || !v)
    return;
  if (strcmp(key, "title") == 0 && v->kind == CK_STR)
    info->title = v->u.str.bytes;
  else if (strcmp(key, "criticality") == 0 && v->kind == CK_STR)
    info->criticality = v->u.str.bytes;
  else if (strcmp(key, "rto") == 0 && v->kind == CK_DURATION)
    info->rto_ms = v->u.i;
}

/* Run-level facts from the chunk's descriptors (see events.h). */
void ev_describe(const struct chunk *c, struct ev_run_info *info)
{
  const uint32_t *w;

  memset(info, 0, sizeof *info);
  info->rto_ms = -1;
  info->file = c->source;
  info->source_sha256 = c->sha256;
  info->runbook = c->runbook != CHUNK_NONE ? kstr(c, c->runbook) : NULL;
  for (uint32_t k = 0; k < c->nconsts; k++) {
    w = kdesc(c, k, CK_PHASE, 3);
    if (w) {
      info->nphases++;
      info->nsteps += w[PHASE_NSTEPS];
    }
    w = kdesc(c, k, CK_META, 2);
    if (w)
      describe_meta(c, w, info);
  }
}

/* An ev_phase from PHASE descriptor K[k]; zeroed names when K[k] is not one. */
void ev_phase_from_chunk(const struct chunk *c, uint32_t k, int64_t budget_ms,
                         struct ev_phase *out)
{
  const uint32_t *w = kdesc(c, k, CK_PHASE, 3);

  memset(out, 0, sizeof *out);
  out->budget_ms = budget_ms;
  if (!w)
    return;
  out->name = kstr(c, w[PHASE_NAME]);
  out->index = w[PHASE_NUMBER];
  out->nsteps = w[PHASE_NSTEPS];
}

/* An ev_step from STEP descriptor K[k] and its line entry (may be NULL). */
void ev_step_from_chunk(const struct chunk *c, uint32_t k, const struct chunk_line *line,
                        struct ev_step *out)
{
  const uint32_t *w = kdesc(c, k, CK_STEP, 6);

  memset(out, 0, sizeof *out);
  if (line) {
    out->loc.line = line->line;
    out->loc.col = line->col;
    out->loc.span.start = line->start;
    out->loc.span.end = line->end;
    out->loc.has_span = true;
  }
  if (!w)
    return;
  out->name = kstr(c, w[STEP_NAME]);
  out->phase = w[STEP_PHASE];
  out->index = w[STEP_NUMBER];
}

/* }==== */
