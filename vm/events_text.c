/*
** events_text.c: the plain and tty outputs of the run event stream
** (events.h, cli.md 6).
**
** Both build each line in a struct val_buf from masked display forms and
** hand it to ev_write_text, which scrubs registered secrets from the whole
** line and writes it with one write(2).  Neither ever writes an ANSI escape
** unless the tty output was told to use colors or a live spinner.
*/
#define _POSIX_C_SOURCE 200809L

#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

#include "vm/events_int.h"

/* {==== shared ==== */

/* s, or "" when NULL (snprintf and puts never see a NULL). */
static const char *nz(const char *s)
{
  return s ? s : "";
}

/* Columns taken by UTF-8 text: its code points (symbols here are narrow). */
static size_t cols(const char *s, size_t n)
{
  size_t c = 0;

  for (size_t i = 0; i < n; i++)
    c += ((unsigned char)s[i] & 0xc0) != 0x80;
  return c;
}

/* Byte length of the longest prefix of s[0..n) that fits in `width` columns. */
static size_t fit(const char *s, size_t n, size_t width)
{
  size_t c = 0, i = 0;

  for (; i < n; i++) {
    if (((unsigned char)s[i] & 0xc0) != 0x80 && c++ == width)
      break;
  }
  return i;
}

/* Append s, cut to `width` columns with an ellipsis when longer. */
static void put_cut(struct val_buf *b, const char *s, size_t width, bool unicode)
{
  size_t n = strlen(s);

  if (cols(s, n) <= width) {
    val_buf_append(b, s, n);
    return;
  }
  val_buf_append(b, s, fit(s, n, width - (unicode ? 1 : 3)));
  val_buf_puts(b, unicode ? "\u2026" : "...");
}

/* Append `n` spaces. */
static void pad(struct val_buf *b, size_t n)
{
  while (n-- > 0)
    val_buf_puts(b, " ");
}

/* Append a quoted name ("Notify"), JSON-escaped so the line stays one line. */
static void put_quoted(struct val_buf *b, const char *s)
{
  val_buf_append_quoted(b, nz(s), strlen(nz(s)));
}

/* A diagnostic as both outputs print it, from an event or a kept copy. */
struct dline {
  enum diag_code code;
  const char *message, *actual, *expected, *file, *help, *note;
  uint32_t line, col;
  struct span span;
  bool has_span;
};

static void dline_from_event(const struct ev_sink *ev, const struct ev_event *e,
                             struct dline *l)
{
  const struct ev_diag *d = e->u.diag;

  memset(l, 0, sizeof *l);
  l->code = d->code;
  l->message = d->message ? d->message : diag_info(d->code)->summary;
  l->actual = e->actual;
  l->expected = e->expected;
  l->file = ev_loc_file(ev, &d->loc);
  l->help = d->help;
  l->note = d->note;
  l->line = d->loc.line;
  l->col = d->loc.col;
  l->span = d->loc.span;
  l->has_span = d->loc.has_span;
}

static void dline_from_failure(const struct ev_failure *f, struct dline *l)
{
  memset(l, 0, sizeof *l);
  l->code = f->code;
  l->message = f->message ? f->message : diag_info(f->code)->summary;
  l->actual = f->actual;
  l->expected = f->expected;
  l->file = f->file;
  l->help = f->help;
  l->note = f->note;
  l->line = f->line;
  l->col = f->col;
  l->span = f->span;
  l->has_span = f->has_span;
}

/* "RB5004 message at file:97:9 actual=503 expected=200" */
static void put_dline(struct val_buf *b, const struct dline *l)
{
  val_buf_printf(b, "%s ", diag_info(l->code)->code);
  val_buf_puts(b, nz(l->message));
  if (l->line)
    val_buf_printf(b, " at %s:%u:%u", nz(l->file), l->line, l->col);
  if (l->actual)
    val_buf_printf(b, " actual=%s", l->actual);
  if (l->expected)
    val_buf_printf(b, " expected=%s", l->expected);
}

/* }==== */

/* {==== plain ==== */

/* The ASCII word of a step status in plain lines. */
static const char *plain_word(enum ev_step_status s)
{
  static const char *const words[EV__NSTATUS] = {
    "ok", "FAIL", "ERROR", "skipped", "recovered", "HALTED", "not_run"
  };

  return (unsigned)s < EV__NSTATUS ? words[s] : "ERROR";
}

/* `step 1/3 "Notify" ` */
static void plain_step_head(struct val_buf *b, const struct ev_sink *ev)
{
  val_buf_printf(b, "step %u/%u ", ev->step_index, ev->step_count);
  put_quoted(b, ev->step_name);
  val_buf_puts(b, " ");
}

static void plain_step_end(struct val_buf *b, const struct ev_sink *ev,
                           const struct ev_event *e)
{
  char t[VAL_FMT_BUF];
  struct dline l;

  plain_step_head(b, ev);
  val_buf_puts(b, plain_word(e->status));
  switch (e->status) {
  case EV_PASS:
  case EV_RECOVERED:
    val_buf_printf(b, " %s", ev_fmt_elapsed(e->elapsed_ms, t));
    break;
  case EV_SKIP:
    if (e->detail && strcmp(e->detail, EV_DONE_BEFORE_RESUME) == 0)
      val_buf_puts(b, " done-before-resume");
    else
      val_buf_puts(b, " when=false");
    break;
  case EV_HALTED:
    if (e->detail) {
      val_buf_puts(b, " ");
      put_quoted(b, e->detail);
    }
    break;
  default:
    break;
  }
  if (ev->step_diag.set && e->status != EV_PASS && e->status != EV_SKIP) {
    dline_from_failure(&ev->step_diag, &l);
    val_buf_puts(b, " ");
    put_dline(b, &l);
  }
}

static void plain_run_end(struct val_buf *b, const struct ev_sink *ev,
                          const struct ev_event *e)
{
  static const char *const words[] = { "PASSED", "FAILED", "HALTED", "INTERRUPTED", "ERROR" };
  const struct ev_run_end *r = e->u.end;
  char t[VAL_FMT_BUF];

  val_buf_printf(b, "run %s %s pass=%u fail=%u skip=%u not_run=%u",
                 (unsigned)r->status < 5 ? words[r->status] : "ERROR",
                 ev_fmt_elapsed(e->elapsed_ms, t), ev->counts[EV_PASS], ev->counts[EV_FAIL],
                 ev->counts[EV_SKIP], ev->counts[EV_NOT_RUN]);
  if (ev->counts[EV_ERROR])
    val_buf_printf(b, " error=%u", ev->counts[EV_ERROR]);
  if (ev->counts[EV_RECOVERED])
    val_buf_printf(b, " recovered=%u", ev->counts[EV_RECOVERED]);
  if (ev->counts[EV_HALTED])
    val_buf_printf(b, " halted=%u", ev->counts[EV_HALTED]);
  for (int i = 0; i < EV_CK__NSTATUS; i++)
    if (ev->checks[i])
      val_buf_printf(b, " %s_%s=%u", i < EV_CK_NORMAL ? "checklist" : "monitor",
                     ev_check_status_name((enum ev_check_status)i), ev->checks[i]);
  val_buf_printf(b, " exit=%d", r->exit_code);
  if (r->resume) {
    val_buf_puts(b, " resume=");
    put_quoted(b, r->resume);
  }
}

/* Phase lines: start, end, budget overrun. */
static void plain_phase(struct val_buf *b, const struct ev_sink *ev, const struct ev_event *e)
{
  char t[VAL_FMT_BUF], u[VAL_FMT_BUF];

  val_buf_printf(b, "phase %u/%u ", ev->phase_index, ev->phase_count);
  put_quoted(b, ev->phase_name);
  if (e->type == EV_T_PHASE_START) {
    val_buf_puts(b, " start");
    if (ev->phase_budget >= 0)
      val_buf_printf(b, " budget=%s", val_format_duration(ev->phase_budget, t));
  } else if (e->type == EV_T_PHASE_END) {
    val_buf_printf(b, " end %s", ev_fmt_elapsed(e->elapsed_ms, t));
  } else {
    val_buf_printf(b, " over budget %s budget=%s elapsed=%s", diag_info(DIAG_RB5005)->code,
                   val_format_duration(e->budget_ms, t), ev_fmt_elapsed(e->elapsed_ms, u));
  }
}

/* Events that happen inside a step: action, retry, wait, gate, log. */
static void plain_inner(struct val_buf *b, const struct ev_sink *ev, const struct ev_event *e)
{
  char t[VAL_FMT_BUF], u[VAL_FMT_BUF];

  if (ev->step_open)
    plain_step_head(b, ev);
  switch (e->type) {
  case EV_T_ACTION:
    val_buf_printf(b, "action %s %s %s %s", nz(e->u.action->kind), nz(e->u.action->call),
                   nz(e->u.action->status), ev_fmt_elapsed(e->u.action->elapsed_ms, t));
    break;
  case EV_T_RETRY:
    val_buf_printf(b, "retry %u/%u next=%s %s ", e->u.retry->attempt, e->u.retry->max,
                   val_format_duration(e->u.retry->next_in_ms, t),
                   diag_info(e->u.retry->code)->code);
    val_buf_puts(b, nz(e->u.retry->reason));
    break;
  case EV_T_WAIT_POLL:
    val_buf_printf(b, "wait poll=%u elapsed=%s", e->u.wait->poll,
                   ev_fmt_elapsed(e->u.wait->elapsed_ms, t));
    if (e->u.wait->timeout_ms >= 0)
      val_buf_printf(b, " timeout=%s", val_format_duration(e->u.wait->timeout_ms, u));
    break;
  case EV_T_GATE:
    val_buf_printf(b, "gate %s by=%s question=", nz(e->u.gate->answer), nz(e->u.gate->by));
    put_quoted(b, e->text);
    break;
  default:
    val_buf_puts(b, "log ");
    val_buf_puts(b, nz(e->text));
    break;
  }
}

/* ` value=0.02` or ` reason="..."` after a check line. */
static void put_check_detail(struct val_buf *b, const struct ev_check *c, const char *key)
{
  if (c->value) {
    val_buf_puts(b, " value=");
    ev_append_value(b, *c->value, true);
  }
  if (c->reason) {
    val_buf_printf(b, " %s=", key);
    put_quoted(b, c->reason);
  }
}

/* Checklist items, monitor samples and verdicts, trigger samples and firings. */
static void plain_check(struct val_buf *b, const struct ev_check *c)
{
  const char *st = nz(ev_check_status_name(c->status));
  char t[VAL_FMT_BUF], u[VAL_FMT_BUF];

  switch (c->kind) {
  case EV_CHECKLIST_ITEM:
    val_buf_puts(b, "checklist ");
    put_quoted(b, c->group);
    val_buf_puts(b, " item ");
    put_quoted(b, c->name);
    val_buf_printf(b, " %s by=%s", st, nz(c->by));
    put_check_detail(b, c, "reason");
    return;
  case EV_MONITOR_SAMPLE:
  case EV_MONITOR_VERDICT:
    val_buf_puts(b, "monitor ");
    put_quoted(b, c->name);
    if (c->kind == EV_MONITOR_SAMPLE) {
      val_buf_printf(b, c->count ? " sample %u/%u" : " sample %u", c->sample, c->count);
      val_buf_printf(b, " %s", st);
      put_check_detail(b, c, "reason");
    } else {
      val_buf_printf(b, " %s samples=%u/%u alerts=%u inconclusive=%u",
                     c->status == EV_CK_ALERT ? "ALERT" : c->status == EV_CK_NORMAL
                     ? "NORMAL" : "INCONCLUSIVE", c->sample, c->count, c->alerts, c->others);
    }
    return;
  default:
    val_buf_puts(b, "trigger ");
    put_quoted(b, c->name);
    val_buf_printf(b, " %s", c->kind == EV_TRIGGER_FIRED ? "FIRED" : st);
    if (c->held_ms >= 0)
      val_buf_printf(b, " held=%s", val_format_duration(c->held_ms, t));
    if (c->for_ms >= 0)
      val_buf_printf(b, " for=%s", val_format_duration(c->for_ms, u));
    put_check_detail(b, c, c->kind == EV_TRIGGER_SAMPLE && c->status == EV_CK_NO_DATA
                     ? "reason" : "when");
    return;
  }
}

static void plain_emit(struct ev_out *o, struct ev_sink *ev, const struct ev_event *e)
{
  struct val_buf b;
  struct dline l;
  char ts[VAL_FMT_BUF];

  if (e->type == EV_T_DIAG && e->folded)
    return;                     /* printed on the step's FAIL line */
  val_buf_init(&b);
  val_buf_printf(&b, "%s ", ev_fmt_ts(e->ts_ms, false, ts));
  if (e->type == EV_T_STEP_END && ev->step_diag.set &&
      (e->status == EV_PASS || e->status == EV_SKIP)) {
    dline_from_failure(&ev->step_diag, &l);     /* the step got over it: own line */
    val_buf_printf(&b, "%s ", diag_severity_name(diag_info(l.code)->severity));
    put_dline(&b, &l);
    val_buf_printf(&b, "\n%s ", ts);
  }
  switch (e->type) {
  case EV_T_RUN_START:
    val_buf_printf(&b, "run %s start id=%s", nz(ev->runbook), nz(ev->run_id));
    break;
  case EV_T_PHASE_START:
  case EV_T_PHASE_END:
  case EV_T_BUDGET:
    plain_phase(&b, ev, e);
    break;
  case EV_T_STEP_START:
    plain_step_head(&b, ev);
    val_buf_puts(&b, "start");
    break;
  case EV_T_STEP_END:
    plain_step_end(&b, ev, e);
    break;
  case EV_T_DIAG:
    dline_from_event(ev, e, &l);
    val_buf_printf(&b, "%s ", diag_severity_name(diag_info(l.code)->severity));
    put_dline(&b, &l);
    break;
  case EV_T_RUN_END:
    plain_run_end(&b, ev, e);
    break;
  case EV_T_CHECK:
    plain_check(&b, e->u.check);
    break;
  default:
    plain_inner(&b, ev, e);
    break;
  }
  val_buf_puts(&b, "\n");
  ev_write_text(ev, o, &b);
}

static void plain_release(struct ev_out *o)
{
  free(o);
}

static const struct ev_out_ops plain_ops = { plain_emit, NULL, plain_release };

/* A plain output on fd (borrowed); NULL when out of memory. */
struct ev_out *ev_out_plain(int fd)
{
  struct ev_out *o = calloc(1, sizeof *o);

  if (!o)
    return NULL;
  o->ops = &plain_ops;
  o->fd = fd;
  return o;
}

/* }==== */

/* {==== tty: symbols, colors, the spinner ==== */

#define NAME_COLS 41            /* the step name column, padded (cli.md 6) */
#define RULE_COLS 80            /* the rule above the summary */
#define REDRAW_MS 100           /* at most 10 redraws a second */

struct tty_out {
  struct ev_out head;           /* first: the common part */
  struct ev_tty_opts o;
  bool drawn;                   /* a spinner line is on the screen now */
  unsigned frame;               /* spinner frame */
  int64_t last_draw;            /* real monotonic ms of the last redraw */
  char activity[256];           /* what the running step is doing (masked) */
  char group[128];              /* the checklist whose items are being listed */
};

/* Real monotonic milliseconds (redraw pacing is about the screen, not the run clock). */
static int64_t real_ms(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* An ANSI sequence when colors are on, else "". */
static const char *col(const struct tty_out *t, const char *code)
{
  return t->o.color ? code : "";
}

#define GREEN "\033[32m"
#define RED "\033[31m"
#define YELLOW "\033[33m"
#define BOLD "\033[1m"
#define DIM "\033[2m"
#define RESET "\033[0m"

/* The symbol of a finished step, ASCII words padded to one width. */
static const char *tty_sym(const struct tty_out *t, enum ev_step_status s)
{
  static const char *const uni[EV__NSTATUS] = {
    "\u2713", "\u2717", "\u2717", "\u21b7", "\u2713", "\u2016", "-"
  };
  static const char *const ascii[EV__NSTATUS] = {
    "ok  ", "FAIL", "FAIL", "skip", "ok  ", "HALT", "-   "
  };

  if ((unsigned)s >= EV__NSTATUS)
    s = EV_ERROR;
  return t->o.unicode ? uni[s] : ascii[s];
}

static const char *tty_sym_color(enum ev_step_status s)
{
  switch (s) {
  case EV_PASS:
  case EV_RECOVERED: return GREEN;
  case EV_FAIL:
  case EV_ERROR:     return RED;
  default:           return YELLOW;
  }
}

/* Columns of the spinner line: the option, the terminal, or 80. */
static size_t tty_width(const struct tty_out *t)
{
  struct winsize ws;

  if (t->o.width > 0)
    return (size_t)t->o.width;
  if (ioctl(t->head.fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 10)
    return ws.ws_col;
  return 80;
}

/* Erase the spinner line, if one is shown. */
static void tty_clear(struct tty_out *t, struct ev_sink *ev)
{
  if (!t->drawn)
    return;
  ev_write(ev, &t->head, "\r\033[K", 4);
  t->drawn = false;
}

/* Redraw the spinner line when live, a step runs and 100ms have passed. */
static void tty_draw(struct tty_out *t, struct ev_sink *ev)
{
  static const char *const uni[] = { "\u280b", "\u2819", "\u2839", "\u2838", "\u283c",
                                     "\u2834", "\u2826", "\u2827", "\u2807", "\u280f" };
  static const char *const ascii[] = { "|", "/", "-", "\\" };
  int64_t now = real_ms();
  struct val_buf b, line;
  char e[VAL_FMT_BUF];
  size_t nframes = t->o.unicode ? 10 : 4;

  if (!t->o.live || !ev->step_open || (t->last_draw && now - t->last_draw < REDRAW_MS))
    return;
  t->last_draw = now;
  val_buf_init(&b);
  val_buf_printf(&b, "  %s ", (t->o.unicode ? uni : ascii)[t->frame++ % nframes]);
  val_buf_puts(&b, nz(ev->step_name));
  val_buf_puts(&b, "   ");
  if (t->activity[0])
    val_buf_puts(&b, t->activity);
  else
    val_buf_puts(&b, ev_fmt_elapsed(clock_monotonic_ms(ev->clock) - ev->step_t0, e));
  val_buf_init(&line);
  val_buf_puts(&line, "\r\033[K");
  if (!b.oom && b.data)
    val_buf_append(&line, b.data, fit(b.data, b.len, tty_width(t) - 1));
  val_buf_free(&b);
  ev_write_text(ev, &t->head, &line);
  t->drawn = true;
}

/* Print one finished line (b, without its newline) above the spinner. */
static void tty_line(struct tty_out *t, struct ev_sink *ev, struct val_buf *b)
{
  tty_clear(t, ev);
  val_buf_puts(b, "\n");
  ev_write_text(ev, &t->head, b);
}

/* }==== */

/* {==== tty: lines ==== */

/* "payments-api · Payments API rollback · criticality high · RTO 15m · run ID" */
static void tty_header(struct tty_out *t, struct ev_sink *ev, const struct ev_run_info *r)
{
  const char *sep = t->o.unicode ? " \u00b7 " : " - ";
  char d[VAL_FMT_BUF];
  struct val_buf b;

  val_buf_init(&b);
  val_buf_printf(&b, "%s%s%s", col(t, BOLD), nz(r->runbook), col(t, RESET));
  if (r->title)
    val_buf_printf(&b, "%s%s", sep, r->title);
  if (r->criticality)
    val_buf_printf(&b, "%scriticality %s", sep, r->criticality);
  if (r->rto_ms >= 0)
    val_buf_printf(&b, "%sRTO %s", sep, val_format_duration(r->rto_ms, d));
  if (r->run_id)
    val_buf_printf(&b, "%srun %s", sep, r->run_id);
  tty_line(t, ev, &b);
}

/* "  ✓ Notify                                   0.4s" and its variants. */
static void tty_step_end(struct tty_out *t, struct ev_sink *ev, const struct ev_event *e)
{
  char el[VAL_FMT_BUF];
  struct val_buf b;
  size_t w = cols(nz(ev->step_name), strlen(nz(ev->step_name)));

  val_buf_init(&b);
  val_buf_printf(&b, "  %s%s%s ", col(t, tty_sym_color(e->status)), tty_sym(t, e->status),
                 col(t, RESET));
  val_buf_puts(&b, nz(ev->step_name));
  pad(&b, w < NAME_COLS ? NAME_COLS - w : 1);
  ev_fmt_elapsed(e->elapsed_ms, el);
  switch (e->status) {
  case EV_SKIP:
    val_buf_puts(&b, "skipped");
    if (e->detail && strcmp(e->detail, EV_DONE_BEFORE_RESUME) == 0) {
      val_buf_puts(&b, ": " EV_DONE_BEFORE_RESUME);
    } else if (e->detail) {
      val_buf_puts(&b, ": when ");
      put_cut(&b, e->detail, 40, t->o.unicode);
      val_buf_puts(&b, " = false");
    }
    break;
  case EV_HALTED:
    val_buf_puts(&b, "halted");
    if (e->detail) {
      val_buf_puts(&b, ": ");
      put_cut(&b, e->detail, 60, t->o.unicode);
    }
    break;
  case EV_RECOVERED:
    val_buf_printf(&b, "%s  recovered", el);
    break;
  default:
    val_buf_puts(&b, el);
    if (ev->step_diag.set && e->status != EV_PASS)
      val_buf_printf(&b, "  %s %s", diag_info(ev->step_diag.code)->code,
                     nz(ev->step_diag.message));
    break;
  }
  tty_line(t, ev, &b);
}

/* Lines for events inside a step that the tty shows. */
static void tty_inner(struct tty_out *t, struct ev_sink *ev, const struct ev_event *e)
{
  char a[VAL_FMT_BUF], c[VAL_FMT_BUF];
  struct val_buf b;

  val_buf_init(&b);
  switch (e->type) {
  case EV_T_LOG:
    val_buf_printf(&b, "    %s ", t->o.unicode ? "\u2502" : "|");
    val_buf_puts(&b, nz(e->text));
    break;
  case EV_T_GATE:
    val_buf_puts(&b, "    ? ");
    val_buf_puts(&b, nz(e->text));
    val_buf_printf(&b, " %s %s (%s)", t->o.unicode ? "\u2192" : "->", nz(e->u.gate->answer),
                   nz(e->u.gate->by));
    break;
  case EV_T_RETRY:
    val_buf_printf(&b, "    attempt %u/%u failed, next in %s: ", e->u.retry->attempt,
                   e->u.retry->max, val_format_duration(e->u.retry->next_in_ms, a));
    val_buf_puts(&b, nz(e->u.retry->reason));
    break;
  case EV_T_BUDGET:
    val_buf_printf(&b, "  %s! phase %u/%u is over its %s budget (%s) [%s]%s",
                   col(t, YELLOW), ev->phase_index, ev->phase_count,
                   val_format_duration(e->budget_ms, a), ev_fmt_elapsed(e->elapsed_ms, c),
                   diag_info(DIAG_RB5005)->code, col(t, RESET));
    break;
  default:                      /* a diagnostic shown where it happens */
    val_buf_printf(&b, "  %s[%s]: ",
                   diag_severity_name(diag_info(e->u.diag->code)->severity),
                   diag_info(e->u.diag->code)->code);
    val_buf_puts(&b, e->u.diag->message ? e->u.diag->message
                                         : diag_info(e->u.diag->code)->summary);
    break;
  }
  tty_line(t, ev, &b);
}

/* The symbol and color of a check status on the tty. */
static const char *tty_check_sym(const struct tty_out *t, enum ev_check_status s,
                                 const char **color)
{
  switch (s) {
  case EV_CK_PASS:
  case EV_CK_CONFIRMED:
  case EV_CK_NORMAL:
  case EV_CK_CLEAR:
    *color = GREEN;
    return t->o.unicode ? "\u2713" : "ok  ";
  case EV_CK_FAIL:
  case EV_CK_ERROR:
  case EV_CK_DECLINED:
  case EV_CK_ALERT:
  case EV_CK_FIRED:
    *color = RED;
    return t->o.unicode ? "\u2717" : "FAIL";
  case EV_CK_AUTO:
  case EV_CK_MANUAL:
    *color = "";
    return t->o.unicode ? "\u00b7" : "-   ";
  case EV_CK_HOLDS:
    *color = YELLOW;
    return t->o.unicode ? "!" : "!   ";
  default:
    *color = YELLOW;
    return t->o.unicode ? "?" : "?   ";
  }
}

/* A checklist item (under its checklist's name), a monitor or trigger line. */
static void tty_check(struct tty_out *t, struct ev_sink *ev, const struct ev_check *c)
{
  const char *color, *sym = tty_check_sym(t, c->status, &color);
  char a[VAL_FMT_BUF], d[VAL_FMT_BUF];
  struct val_buf b;
  size_t w = cols(nz(c->name), strlen(nz(c->name)));

  val_buf_init(&b);
  if (c->kind == EV_CHECKLIST_ITEM && strcmp(t->group, nz(c->group)) != 0) {
    snprintf(t->group, sizeof t->group, "%s", nz(c->group));
    val_buf_printf(&b, "%sChecklist%s  %s", col(t, BOLD), col(t, RESET), nz(c->group));
    tty_line(t, ev, &b);
    val_buf_init(&b);
  }
  val_buf_printf(&b, "  %s%s%s ", col(t, color), sym, col(t, RESET));
  if (c->kind == EV_MONITOR_SAMPLE || c->kind == EV_MONITOR_VERDICT)
    val_buf_puts(&b, "monitor ");
  else if (c->kind != EV_CHECKLIST_ITEM)
    val_buf_puts(&b, "trigger ");
  val_buf_puts(&b, nz(c->name));
  pad(&b, w < NAME_COLS ? NAME_COLS - w : 1);
  if (c->kind == EV_MONITOR_SAMPLE)
    val_buf_printf(&b, c->count ? "sample %u/%u " : "sample %u ", c->sample, c->count);
  val_buf_puts(&b, c->kind == EV_TRIGGER_FIRED ? "FIRED" : nz(ev_check_status_name(c->status)));
  if (c->by)
    val_buf_printf(&b, " (%s)", c->by);
  if (c->kind == EV_MONITOR_VERDICT)
    val_buf_printf(&b, ": %u of %u samples alert, %u inconclusive", c->alerts, c->sample,
                   c->others);
  if (c->held_ms >= 0 && c->for_ms >= 0)
    val_buf_printf(&b, ", held %s of %s", val_format_duration(c->held_ms, a),
                   val_format_duration(c->for_ms, d));
  if (c->value) {
    val_buf_puts(&b, ": ");
    ev_append_value(&b, *c->value, true);
  }
  if (c->reason && (c->kind < EV_TRIGGER_LISTED || c->status == EV_CK_NO_DATA)) {
    val_buf_puts(&b, " - ");
    put_cut(&b, c->reason, 60, t->o.unicode);
  }
  tty_line(t, ev, &b);
}

/* The spinner's activity text for a wait poll or a failed attempt. */
static void tty_activity(struct tty_out *t, const struct ev_event *e)
{
  char a[VAL_FMT_BUF], c[VAL_FMT_BUF];
  struct val_buf b;
  const char *dot = t->o.unicode ? " \u00b7 " : " - ";

  val_buf_init(&b);
  if (e->type == EV_T_WAIT_POLL) {
    if (e->u.wait->until) {
      val_buf_puts(&b, "wait until ");
      put_cut(&b, e->u.wait->until, 40, t->o.unicode);
      val_buf_puts(&b, "   ");
    }
    val_buf_printf(&b, "poll %u%s%s", e->u.wait->poll, dot,
                   ev_fmt_elapsed(e->u.wait->elapsed_ms, a));
    if (e->u.wait->timeout_ms >= 0)
      val_buf_printf(&b, " of %s", val_format_duration(e->u.wait->timeout_ms, c));
  } else {
    val_buf_printf(&b, "attempt %u/%u failed, next in %s", e->u.retry->attempt,
                   e->u.retry->max, val_format_duration(e->u.retry->next_in_ms, a));
  }
  val_buf_puts(&b, "");
  snprintf(t->activity, sizeof t->activity, "%s", b.oom || !b.data ? "" : b.data);
  val_buf_free(&b);
}

/* }==== */

/* {==== tty: the end of the run ==== */

/* The failure excerpt without a renderer (or without source text). */
static void tty_plain_block(struct val_buf *b, const struct dline *l)
{
  val_buf_printf(b, "error[%s]: %s\n", diag_info(l->code)->code, nz(l->message));
  if (l->line)
    val_buf_printf(b, "  --> %s:%u:%u\n", nz(l->file), l->line, l->col);
  if (l->actual)
    val_buf_printf(b, "   = actual:   %s\n", l->actual);
  if (l->expected)
    val_buf_printf(b, "   = expected: %s\n", l->expected);
  if (l->note)
    val_buf_printf(b, "   = note: %s\n", l->note);
  if (l->help)
    val_buf_printf(b, "   = help: %s\n", l->help);
}

/* The failure excerpt through the CLI's renderer, into b; false when not possible. */
static bool tty_rendered_block(struct tty_out *t, struct val_buf *b, const struct dline *l)
{
  struct diag d;
  char label[512], *mem = NULL;
  size_t memlen = 0;
  FILE *f;

  if (!t->o.render || !t->o.src || !l->has_span || l->span.end > t->o.src->len)
    return false;
  memset(&d, 0, sizeof d);
  d.code = l->code;
  d.severity = diag_info(l->code)->severity;
  d.src = t->o.src;
  d.span = l->span;
  d.message = (char *)nz(l->message);
  if (l->actual || l->expected) {
    snprintf(label, sizeof label, "%s%s%s%s%s", l->actual ? "actual: " : "", nz(l->actual),
             l->actual && l->expected ? ", " : "", l->expected ? "expected: " : "",
             nz(l->expected));
    d.labels[0].text = label;
  }
  d.labels[0].span = l->span;
  d.labels[0].primary = true;
  d.nlabels = 1;
  if (l->help)
    d.helps[d.nhelps++] = (char *)l->help;
  if (l->note)
    d.notes[d.nnotes++] = (char *)l->note;
  f = open_memstream(&mem, &memlen);
  if (!f)
    return false;
  t->o.render(f, &d, t->o.color);
  if (fclose(f) == 0 && mem)
    val_buf_append(b, mem, memlen);
  free(mem);
  return true;
}

/* "FAILED  phase 3/3 "Validate recovery", step "Health"  after 6m12s (RTO 15m)" */
static void tty_status_line(struct tty_out *t, struct val_buf *b, const struct ev_sink *ev,
                            const struct ev_event *e)
{
  static const char *const words[] = { "PASSED", "FAILED", "HALTED", "INTERRUPTED", "ERROR" };
  enum ev_run_status s = e->u.end->status;
  const char *where_phase = ev->stop.set ? ev->stop.phase_name : ev->phase_name;
  const char *where_step = ev->stop.set ? ev->stop.step_name : ev->step_name;
  bool located = ev->stop.set || ev->step_open;
  char d[VAL_FMT_BUF];

  if ((unsigned)s > EV_RUN_ERROR)
    s = EV_RUN_ERROR;
  val_buf_printf(b, "%s%s%s  ", col(t, s == EV_RUN_PASSED ? BOLD GREEN : BOLD RED), words[s],
                 col(t, RESET));
  if (s == EV_RUN_PASSED) {
    val_buf_printf(b, "%u steps  ", ev->nsteps);
  } else if (located) {
    val_buf_printf(b, "phase %u/%u ", ev->stop.set ? ev->stop.phase : ev->step_phase,
                   ev->stop.set ? ev->stop.phase_count : ev->phase_count);
    put_quoted(b, where_phase);
    val_buf_puts(b, ", step ");
    put_quoted(b, where_step);
    val_buf_puts(b, "  ");
  }
  val_buf_printf(b, "%s %s", s == EV_RUN_PASSED ? "in" : "after",
                 ev_fmt_elapsed(e->elapsed_ms, d));
  if (ev->rto_ms >= 0)
    val_buf_printf(b, " (RTO %s)", val_format_duration(ev->rto_ms, d));
  val_buf_puts(b, "\n");
}

/* "Steps:   4 passed, 1 failed, 1 skipped, 2 not run" */
static void tty_counts(struct val_buf *b, const struct ev_sink *ev)
{
  unsigned items = 0, verdicts = 0;

  val_buf_printf(b, "Steps:   %u passed, %u failed", ev->counts[EV_PASS], ev->counts[EV_FAIL]);
  if (ev->counts[EV_ERROR])
    val_buf_printf(b, ", %u errors", ev->counts[EV_ERROR]);
  if (ev->counts[EV_RECOVERED])
    val_buf_printf(b, ", %u recovered", ev->counts[EV_RECOVERED]);
  if (ev->counts[EV_HALTED])
    val_buf_printf(b, ", %u halted", ev->counts[EV_HALTED]);
  val_buf_printf(b, ", %u skipped, %u not run\n", ev->counts[EV_SKIP],
                 ev->counts[EV_NOT_RUN]);
  for (int i = 0; i < EV_CK__NSTATUS; i++) {
    if (!ev->checks[i])
      continue;
    if (i < EV_CK_NORMAL && !items++)
      val_buf_puts(b, "Checks: ");
    else if (i >= EV_CK_NORMAL && !verdicts++)
      val_buf_puts(b, items ? "\nMonitors:" : "Monitors:");
    else
      val_buf_puts(b, ",");
    val_buf_printf(b, " %u %s", ev->checks[i], ev_check_status_name((enum ev_check_status)i));
  }
  if (items || verdicts)
    val_buf_puts(b, "\n");
}

static void tty_run_end(struct tty_out *t, struct ev_sink *ev, const struct ev_event *e)
{
  const struct ev_run_end *r = e->u.end;
  struct val_buf b;
  struct dline l;

  tty_clear(t, ev);
  val_buf_init(&b);
  if (r->status != EV_RUN_PASSED && ev->run_diag.set) {
    dline_from_failure(&ev->run_diag, &l);
    val_buf_puts(&b, "\n");
    if (!tty_rendered_block(t, &b, &l))
      tty_plain_block(&b, &l);
  }
  val_buf_puts(&b, "\n");
  for (int i = 0; i < RULE_COLS; i++)
    val_buf_puts(&b, t->o.unicode ? "\u2500" : "-");
  val_buf_puts(&b, "\n");
  tty_status_line(t, &b, ev, e);
  tty_counts(&b, ev);
  if (r->journal)
    val_buf_printf(&b, "Journal: %s\n", r->journal);
  if (r->resume)
    val_buf_printf(&b, "Resume:  %s\n", r->resume);
  ev_write_text(ev, &t->head, &b);
}

/* }==== */

/* {==== tty: dispatch ==== */

static void tty_emit(struct ev_out *o, struct ev_sink *ev, const struct ev_event *e)
{
  struct tty_out *t = (struct tty_out *)o;
  struct val_buf b;
  char d[VAL_FMT_BUF];

  switch (e->type) {
  case EV_T_RUN_START:
    tty_header(t, ev, e->u.run);
    return;
  case EV_T_PHASE_START:
    val_buf_init(&b);
    val_buf_printf(&b, "%sPhase %u/%u%s  ", col(t, BOLD), ev->phase_index, ev->phase_count,
                   col(t, RESET));
    val_buf_puts(&b, nz(ev->phase_name));
    if (ev->phase_budget >= 0)
      val_buf_printf(&b, "  (budget %s)", val_format_duration(ev->phase_budget, d));
    tty_line(t, ev, &b);
    return;
  case EV_T_STEP_START:
    t->activity[0] = '\0';
    tty_draw(t, ev);            /* paced like any redraw: quick steps never spin */
    return;
  case EV_T_STEP_END:
    if (e->in_step)
      tty_step_end(t, ev, e);
    return;
  case EV_T_WAIT_POLL:
  case EV_T_RETRY:
    tty_activity(t, e);
    if (t->o.live) {
      tty_draw(t, ev);
      return;
    }
    if (e->type == EV_T_RETRY)
      tty_inner(t, ev, e);
    return;
  case EV_T_DIAG:
    if (!e->folded && !e->first_of_run)
      tty_inner(t, ev, e);
    return;
  case EV_T_LOG:
  case EV_T_GATE:
  case EV_T_BUDGET:
    tty_inner(t, ev, e);
    tty_draw(t, ev);
    return;
  case EV_T_RUN_END:
    tty_run_end(t, ev, e);
    return;
  case EV_T_CHECK:
    tty_check(t, ev, e->u.check);
    tty_draw(t, ev);
    return;
  default:                      /* phase_end, action: nothing on a terminal */
    return;
  }
}

static void tty_tick(struct ev_out *o, struct ev_sink *ev)
{
  tty_draw((struct tty_out *)o, ev);
}

static void tty_release(struct ev_out *o)
{
  free(o);
}

static const struct ev_out_ops tty_ops = { tty_emit, tty_tick, tty_release };

/* A tty output on fd (borrowed) with a copy of opts; NULL when out of memory. */
struct ev_out *ev_out_tty(int fd, const struct ev_tty_opts *opts)
{
  struct tty_out *t = calloc(1, sizeof *t);

  if (!t)
    return NULL;
  t->head.ops = &tty_ops;
  t->head.fd = fd;
  t->o = *opts;
  return &t->head;
}

/* }==== */
