/*
** render.c: diagnostics to text (render.h).
**
** The tty layout (cli.md 4, after rustc, ruff and Hurl):
**
**   error[RB2001]: undefined name `lb_dsn`
**     --> runbooks/payments-api.rb:96:30
**      |
**   96 |         assert http 200 "http://${lb_dsn}/health"
**      |                                   ^^^^^^ not defined in this scope
**      |
**      = help: did you mean `lb_dns`?
**
** Line and column come from the source map (columns in code points, a
** tab counting one); in the excerpt a tab is expanded to four spaces and
** the carets are placed by display width, so they line up.
*/
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli/render.h"

#ifndef RBC_VERSION
#ifdef PACKAGE_VERSION
#define RBC_VERSION PACKAGE_VERSION
#else
#define RBC_VERSION "0.1.0"
#endif
#endif

#define TAB_WIDTH 4

/* {==== colors ==== */

#define RESET "\033[0m"
#define BOLD "\033[1m"
#define BLUE "\033[1;34m"

static const char *
sev_color(enum diag_severity s)
{
  switch (s) {
  case DIAG_ERROR:   return "\033[1;31m";
  case DIAG_WARNING: return "\033[1;33m";
  case DIAG_INFO:    return "\033[1;36m";
  default:           return "\033[1;32m";
  }
}

/* A color code when o->color, else the empty string. */
#define C(o, code) ((o)->color ? (code) : "")

/* {==== filters and counts ==== */

/*
** A diagnostic is rendered unless suppressed, disabled (--disable) or
** below the minimum severity (-S); counts follow the same rule, so the
** summary and the exit status agree with what the user sees.
*/
bool
render_wanted(const struct diag *d, const struct render_opts *o)
{
  return (!d->suppressed || o->show_suppressed) && d->severity >= o->min_severity
      && (o->disabled == NULL || !o->disabled[d->code]);
}

/*
** Add list's rendered diagnostics to *counts, and count the file as one
** with problems when it added any.
*/
void
render_count(const struct diag_list *list, const struct render_opts *o,
             struct render_counts *counts)
{
  size_t before = 0, after = 0;

  for (int s = 0; s <= DIAG_ERROR; s++)
    before += counts->by_severity[s];
  for (size_t i = 0; i < list->len; i++) {
    const struct diag *d = &list->items[i];
    if (d->suppressed) {
      counts->suppressed++;
    } else if (render_wanted(d, o)) {
      counts->by_severity[d->severity]++;
      counts->fixable += d->fix.text != NULL;
    }
  }
  for (int s = 0; s <= DIAG_ERROR; s++)
    after += counts->by_severity[s];
  counts->files_with_problems += after > before;
}

/* {==== excerpt helpers ==== */

/* Display width of line[0..n): tabs expand, UTF-8 continuation bytes add 0. */
static size_t
display_width(const char *line, size_t n)
{
  size_t w = 0;

  for (size_t i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)line[i];
    if (ch == '\t')
      w += TAB_WIDTH;
    else if ((ch & 0xC0) != 0x80)
      w++;
  }
  return w;
}

/* Print a source line with tabs expanded and control characters as '?'. */
static void
put_line(FILE *out, const char *line, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)line[i];
    if (ch == '\t')
      fputs("    ", out);
    else if (ch < 0x20 || ch == 0x7f)
      fputc('?', out);
    else
      fputc(ch, out);
  }
}

/* Print message text with control characters as '?' (no terminal escapes). */
static void
put_text(FILE *out, const char *s)
{
  for (; *s != '\0'; s++)
    fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, out);
}

static int
digits(uint32_t n)
{
  int k = 1;

  while (n >= 10) {
    n /= 10;
    k++;
  }
  return k;
}

/* The labels of d, or one unlabelled primary label over d->span. */
static int
labels_of(const struct diag *d, struct diag_label *out)
{
  if (d->nlabels == 0) {
    out[0].span = d->span;
    out[0].primary = true;
    out[0].text = NULL;
    return 1;
  }
  memcpy(out, d->labels, (size_t)d->nlabels * sizeof *out);
  return d->nlabels;
}

/* {==== tty ==== */

struct excerpt {
  const struct source *src;
  const struct render_opts *o;
  enum diag_severity sev;
  int width;                    /* gutter width */
  struct diag_label labels[DIAG_MAX_LABELS];
  uint32_t lines[DIAG_MAX_LABELS]; /* 1-based start line of each label */
  int n;
};

/* The empty gutter "   |" sized to the widest line number, then tail. */
static void
gutter(FILE *out, const struct excerpt *x, const char *tail)
{
  fprintf(out, "%s%*s |%s%s", C(x->o, BLUE), x->width, "", C(x->o, RESET), tail);
}

/*
** Lines longer than this many bytes are shown as a window around their
** first label, with "..." marking what was cut (a diagnostic on a 1 MB line
** prints a screenful, not the megabyte).
*/
#define EXCERPT_MAX_BYTES 160
#define EXCERPT_LEAD_BYTES 40

/* The part of `line` the excerpt shows: [*start, *end) in bytes from its start. */
static const char *
line_window(const struct excerpt *x, uint32_t line, size_t *start, size_t *end)
{
  size_t len, anchor = 0;
  const char *text = src_line(x->src, line, &len);
  uint32_t first = x->src->line_starts[line - 1];

  *start = 0;
  *end = len;
  if (len <= EXCERPT_MAX_BYTES)
    return text;
  for (int k = 0; k < x->n; k++)
    if (x->lines[k] == line) {
      anchor = x->labels[k].span.start - first;
      break;
    }
  if (anchor > len)
    anchor = len;
  *start = anchor > EXCERPT_LEAD_BYTES ? anchor - EXCERPT_LEAD_BYTES : 0;
  while (*start < len && ((unsigned char)text[*start] & 0xC0) == 0x80)
    (*start)++;                 /* never cut a UTF-8 sequence */
  *end = *start + EXCERPT_MAX_BYTES < len ? *start + EXCERPT_MAX_BYTES : len;
  while (*end < len && ((unsigned char)text[*end] & 0xC0) == 0x80)
    (*end)--;
  return text;
}

/* One underline row for label k: spaces, then ^^^ or ---, then its text. */
static void
underline(FILE *out, const struct excerpt *x, int k)
{
  const struct diag_label *l = &x->labels[k];
  size_t ws, we, start_in_line, end_in_line, pad, w;
  const char *line = line_window(x, x->lines[k], &ws, &we);
  uint32_t first = x->src->line_starts[x->lines[k] - 1];

  start_in_line = l->span.start - first;
  if (start_in_line > we)
    start_in_line = we;
  if (start_in_line < ws)
    start_in_line = ws;
  end_in_line = l->span.end >= first ? l->span.end - first : start_in_line;
  if (end_in_line > we || end_in_line < start_in_line)
    end_in_line = we;
  pad = (ws > 0 ? 3 : 0) + display_width(line + ws, start_in_line - ws);
  w = display_width(line + start_in_line, end_in_line - start_in_line);
  if (w == 0)
    w = 1;
  gutter(out, x, " ");
  fprintf(out, "%*s%s", (int)pad, "", C(x->o, l->primary ? sev_color(x->sev) : BLUE));
  for (size_t i = 0; i < w; i++)
    fputc(l->primary ? '^' : '-', out);
  if (l->text != NULL && l->text[0] != '\0') {
    fputc(' ', out);
    put_text(out, l->text);
  }
  fprintf(out, "%s\n", C(x->o, RESET));
}

/* "NN | text": one source line of the excerpt (a window of a long line). */
static void
source_row(FILE *out, const struct excerpt *x, uint32_t line)
{
  size_t ws, we, len;
  const char *text = line_window(x, line, &ws, &we);

  src_line(x->src, line, &len);
  fprintf(out, "%s%*u |%s", C(x->o, BLUE), x->width, line, C(x->o, RESET));
  if (we > 0)
    fputc(' ', out);
  if (ws > 0)
    fputs("...", out);
  put_line(out, text + ws, we - ws);
  if (we < len)
    fputs("...", out);
  fputc('\n', out);
}

/* Sort labels by line, then column (insertion sort over at most 4). */
static void
sort_labels(struct excerpt *x)
{
  for (int i = 1; i < x->n; i++) {
    for (int j = i; j > 0; j--) {
      struct diag_label tl;
      uint32_t tn;
      if (x->lines[j - 1] < x->lines[j] || (x->lines[j - 1] == x->lines[j]
          && x->labels[j - 1].span.start <= x->labels[j].span.start))
        break;
      tl = x->labels[j]; x->labels[j] = x->labels[j - 1]; x->labels[j - 1] = tl;
      tn = x->lines[j]; x->lines[j] = x->lines[j - 1]; x->lines[j - 1] = tn;
    }
  }
}

/* The excerpt: every labelled line, a gap of one line shown, longer gaps as "...". */
static void
excerpt_rows(FILE *out, struct excerpt *x)
{
  uint32_t prev = 0;

  gutter(out, x, "\n");
  for (int k = 0; k < x->n; k++) {
    uint32_t line = x->lines[k];
    if (line != prev) {
      if (prev != 0 && line == prev + 2)
        source_row(out, x, prev + 1);
      else if (prev != 0 && line > prev + 2)
        fprintf(out, "%s...%s\n", C(x->o, BLUE), C(x->o, RESET));
      source_row(out, x, line);
      prev = line;
    }
    underline(out, x, k);
  }
}

/* One `= help:` or `= note:` row of the excerpt's footer. */
static void
footer_row(FILE *out, const struct excerpt *x, const char *kind, const char *text)
{
  fprintf(out, "%*s %s=%s %s%s:%s ", x->width, "", C(x->o, BLUE), C(x->o, RESET),
          C(x->o, BOLD), kind, C(x->o, RESET));
  put_text(out, text);
  fputc('\n', out);
}

/* Does a label already say this help ("did you mean `x`?" under the span)? */
static bool
said_by_label(const struct diag *d, const char *help)
{
  for (int i = 0; i < d->nlabels; i++)
    if (d->labels[i].text != NULL && strcmp(d->labels[i].text, help) == 0)
      return true;
  return false;
}

/* Helps (not those a label shows), notes, then the `[*]` marker of a fixable one. */
static void
help_rows(FILE *out, const struct diag *d, const struct excerpt *x, bool gutters)
{
  bool fixable = d->fix.text != NULL;

  int shown = 0;

  for (int i = 0; i < d->nhelps; i++)
    shown += !said_by_label(d, d->helps[i]);
  if (shown + d->nnotes == 0 && !fixable && !d->suppressed)
    return;
  if (gutters)
    gutter(out, x, "\n");
  for (int i = 0; i < d->nhelps; i++)
    if (!said_by_label(d, d->helps[i]))
      footer_row(out, x, "help", d->helps[i]);
  for (int i = 0; i < d->nnotes; i++)
    footer_row(out, x, "note", d->notes[i]);
  if (d->suppressed) {          /* shown with --show-suppressed */
    char why[200];
    snprintf(why, sizeof why, "suppressed: %s", d->suppress_reason != NULL
             ? d->suppress_reason : "by a `# rbc:` directive that gives no reason");
    footer_row(out, x, "note", why);
  }
  if (fixable)
    footer_row(out, x, "help", d->fix.safe ? "[*] fixable with `rbc check --fix`"
                                           : "[*] fixable with `rbc check --unsafe-fixes`");
}

/*
** Render one diagnostic: header line, `--> file:line:col`, the excerpt of
** every labelled line with its underlines, then help and note lines.
*/
void
render_tty_diag(FILE *out, const struct diag *d, const struct render_opts *o)
{
  const struct diag_info *info = diag_info(d->code);
  struct excerpt x;
  uint32_t line, col, maxline = 1;
  bool has_text;

  memset(&x, 0, sizeof x);
  x.src = d->src;
  x.o = o;
  x.sev = d->severity;
  fprintf(out, "%s%s[%s]%s%s: ", C(o, sev_color(d->severity)),
          diag_severity_name(d->severity), info->code, C(o, RESET), C(o, BOLD));
  put_text(out, d->message != NULL ? d->message : info->summary);
  fprintf(out, "%s\n", C(o, RESET));
  if (d->src == NULL) {
    x.width = 1;
    help_rows(out, d, &x, false);
    return;
  }
  x.n = labels_of(d, x.labels);
  for (int k = 0; k < x.n; k++) {
    src_position(d->src, x.labels[k].span.start, &x.lines[k], &col);
    if (x.lines[k] > maxline)
      maxline = x.lines[k];
  }
  sort_labels(&x);
  x.width = digits(maxline);
  src_position(d->src, d->span.start, &line, &col);
  fprintf(out, "%*s%s-->%s %s:%u:%u\n", x.width, "", C(o, BLUE), C(o, RESET),
          d->src->name, line, col);
  has_text = d->src->len > 0;
  if (has_text)
    excerpt_rows(out, &x);
  help_rows(out, d, &x, has_text);
}

/* Every wanted diagnostic of list in tty layout (see render_tty_diag). */
void
render_tty(FILE *out, const struct diag_list *list, const struct render_opts *o)
{
  for (size_t i = 0; i < list->len; i++) {
    if (!render_wanted(&list->items[i], o))
      continue;
    render_tty_diag(out, &list->items[i], o);
    fputc('\n', out);
  }
}

/* The errors of list in tty layout, in source order (list is sorted first). */
void
render_errors(FILE *out, struct diag_list *list, bool color)
{
  struct render_opts ro;

  memset(&ro, 0, sizeof ro);
  ro.color = color;
  ro.min_severity = DIAG_ERROR;
  diag_sort(list);
  render_tty(out, list, &ro);
}

/* "2 errors", "1 warning", joined with ", ". */
static void
count_words(FILE *out, const struct render_counts *c)
{
  static const char *const words[] = { "style", "info", "warning", "error" };
  bool first = true;

  for (int s = DIAG_ERROR; s >= 0; s--) {
    size_t n = c->by_severity[s];
    if (n == 0)
      continue;
    fprintf(out, "%s%zu %s%s", first ? "" : ", ", n, words[s],
            n != 1 && s >= DIAG_WARNING ? "s" : "");
    first = false;
  }
}

/*
** The closing line of tty output; severities are listed most severe
** first, and suppressed findings are counted in parentheses.
*/
void
render_tty_summary(FILE *out, const struct render_counts *c, bool color)
{
  size_t total = 0;

  for (int s = 0; s <= DIAG_ERROR; s++)
    total += c->by_severity[s];
  if (total == 0)
    return;
  fprintf(out, "%sFound %zu problem%s in %zu file%s: ", color ? BOLD : "", total,
          total == 1 ? "" : "s", c->files_with_problems,
          c->files_with_problems == 1 ? "" : "s");
  count_words(out, c);
  fprintf(out, ".");
  if (c->suppressed > 0)
    fprintf(out, " (%zu suppressed)", c->suppressed);
  if (c->fixable > 0)
    fprintf(out, " [*] %zu fixable with `rbc check --fix`.", c->fixable);
  fprintf(out, "%s\n", color ? RESET : "");
}

/* {==== gcc ==== */

static const char *
gcc_severity(enum diag_severity s)
{
  return s == DIAG_ERROR ? "error" : s == DIAG_WARNING ? "warning" : "note";
}

/* file:line:col: error: message; did you mean `x`? [RB2001] */
void
render_gcc(FILE *out, const struct diag_list *list, const struct render_opts *o)
{
  for (size_t i = 0; i < list->len; i++) {
    const struct diag *d = &list->items[i];
    uint32_t line = 1, col = 1;
    if (!render_wanted(d, o))
      continue;
    if (d->src != NULL) {
      src_position(d->src, d->span.start, &line, &col);
      fprintf(out, "%s:%u:%u: ", d->src->name, line, col);
    } else {
      fputs("rbc: ", out);
    }
    fprintf(out, "%s: ", gcc_severity(d->severity));
    put_text(out, d->message != NULL ? d->message : "");
    for (int h = 0; h < d->nhelps; h++) {
      if (strncmp(d->helps[h], "did you mean", 12) != 0)
        continue;
      fputs("; ", out);
      put_text(out, d->helps[h]);
    }
    fprintf(out, " [%s]\n", diag_info(d->code)->code);
  }
}

/* {==== json ==== */

/* Length of the valid UTF-8 sequence at s (1-4), or 0 when invalid. */
static size_t
utf8_len(const unsigned char *s)
{
  size_t n;
  unsigned cp;

  if (s[0] < 0x80)
    return 1;
  if (s[0] >= 0xC2 && s[0] <= 0xDF)
    n = 2;
  else if (s[0] >= 0xE0 && s[0] <= 0xEF)
    n = 3;
  else if (s[0] >= 0xF0 && s[0] <= 0xF4)
    n = 4;
  else
    return 0;
  cp = s[0] & (0x7F >> n);
  for (size_t i = 1; i < n; i++) {
    if ((s[i] & 0xC0) != 0x80)
      return 0;
    cp = (cp << 6) | (s[i] & 0x3F);
  }
  if ((n == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) || (n == 4 && (cp < 0x10000
      || cp > 0x10FFFF)))
    return 0;
  return n;
}

/*
** A JSON string of s; invalid UTF-8 (messages may quote raw source bytes)
** becomes U+FFFD.  NULL only when out of memory.
*/
static json_t *
json_text(const char *s)
{
  json_t *j = json_string(s);
  size_t len = strlen(s), used = 0;
  char *buf;

  if (j != NULL)
    return j;
  buf = malloc(len * 3 + 1);
  if (buf == NULL)
    return NULL;
  for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; ) {
    size_t n = utf8_len(p);
    if (n == 0) {
      memcpy(buf + used, "\xEF\xBF\xBD", 3);
      used += 3;
      p++;
    } else {
      memcpy(buf + used, p, n);
      used += n;
      p += n;
    }
  }
  buf[used] = '\0';
  j = json_string(buf);
  free(buf);
  return j;
}

/* line, column, endLine, endColumn of span into obj (endColumn exclusive). */
static int
set_region(json_t *obj, const struct source *src, struct span span)
{
  uint32_t l1 = 1, c1 = 1, l2 = 1, c2 = 1;

  if (src != NULL) {
    src_position(src, span.start, &l1, &c1);
    src_position(src, span.end, &l2, &c2);
  }
  return json_object_set_new(obj, "line", json_integer(l1))
       | json_object_set_new(obj, "column", json_integer(c1))
       | json_object_set_new(obj, "endLine", json_integer(l2))
       | json_object_set_new(obj, "endColumn", json_integer(c2));
}

/* labels: [{line, column, endLine, endColumn, primary, text}] */
static json_t *
json_labels(const struct diag *d)
{
  json_t *arr = json_array();

  for (int i = 0; arr != NULL && i < d->nlabels; i++) {
    json_t *l = json_object();
    if (l == NULL || set_region(l, d->src, d->labels[i].span)
        || json_object_set_new(l, "primary", json_boolean(d->labels[i].primary))
        || json_object_set_new(l, "text", d->labels[i].text != NULL
                               ? json_text(d->labels[i].text) : json_null())) {
      json_decref(l);           /* not in arr yet (tests/failalloc.sh found the leak) */
      json_decref(arr);
      return NULL;
    }
    if (json_array_append_new(arr, l)) {        /* l is released by the call */
      json_decref(arr);
      return NULL;
    }
  }
  return arr;
}

/* help: ["..."] (notes are not part of rbc.check/1) */
static json_t *
json_helps(const struct diag *d)
{
  json_t *arr = json_array();

  for (int i = 0; arr != NULL && i < d->nhelps; i++)
    if (json_array_append_new(arr, json_text(d->helps[i]))) {
      json_decref(arr);
      return NULL;
    }
  return arr;
}

/* fix: null, or {applicability: safe|unsafe, edits: [{region, text}]} */
static json_t *
json_fix(const struct diag *d)
{
  json_t *fix, *edit, *edits;

  if (d->fix.text == NULL)
    return json_null();
  edit = json_object();
  if (edit == NULL || set_region(edit, d->src, d->fix.span)
      || json_object_set_new(edit, "text", json_text(d->fix.text))) {
    json_decref(edit);
    return NULL;
  }
  edits = json_array();
  fix = json_object();
  if (edits == NULL || fix == NULL) {
    json_decref(edit);
    json_decref(edits);
    json_decref(fix);
    return NULL;
  }
  /* the *_new calls take their argument's reference even when they fail */
  if (json_array_append_new(edits, edit)) {
    json_decref(edits);
    json_decref(fix);
    return NULL;
  }
  if (json_object_set_new(fix, "applicability", json_string(d->fix.safe ? "safe" : "unsafe"))) {
    json_decref(edits);
    json_decref(fix);
    return NULL;
  }
  if (json_object_set_new(fix, "edits", edits)) {
    json_decref(fix);
    return NULL;
  }
  return fix;
}

/* The rbc.check/1 object of one diagnostic; NULL when out of memory. */
json_t *
render_json_diag(const struct diag *d)
{
  const struct diag_info *info = diag_info(d->code);
  json_t *o = json_object();
  char url[64];

  if (o == NULL)
    return NULL;
  snprintf(url, sizeof url, "docs/diagnostics/%s.md", info->code);
  if (json_object_set_new(o, "file", d->src != NULL ? json_text(d->src->name) : json_null())
      || set_region(o, d->src, d->span)
      || json_object_set_new(o, "severity", json_string(diag_severity_name(d->severity)))
      || json_object_set_new(o, "code", json_string(info->code))
      || json_object_set_new(o, "name", json_string(info->name))
      || json_object_set_new(o, "message", json_text(d->message != NULL ? d->message : ""))
      || json_object_set_new(o, "labels", json_labels(d))
      || json_object_set_new(o, "help", json_helps(d))
      || json_object_set_new(o, "fix", json_fix(d))
      || json_object_set_new(o, "suppressed", json_boolean(d->suppressed))
      || json_object_set_new(o, "url", json_string(url))) {
    json_decref(o);
    return NULL;
  }
  return o;
}

/* Append every wanted diagnostic of list to arr; -1 when out of memory. */
int
render_json_append(json_t *arr, const struct diag_list *list, const struct render_opts *o)
{
  for (size_t i = 0; i < list->len; i++) {
    if (!render_wanted(&list->items[i], o))
      continue;
    if (json_array_append_new(arr, render_json_diag(&list->items[i])) != 0)
      return -1;
  }
  return 0;
}

/* summary: files and counts per severity, fixable, suppressed. */
static json_t *
json_summary(const struct render_counts *c)
{
  return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
                   "files", (json_int_t)c->files,
                   "error", (json_int_t)c->by_severity[DIAG_ERROR],
                   "warning", (json_int_t)c->by_severity[DIAG_WARNING],
                   "info", (json_int_t)c->by_severity[DIAG_INFO],
                   "style", (json_int_t)c->by_severity[DIAG_STYLE],
                   "fixable", (json_int_t)c->fixable,
                   "suppressed", (json_int_t)c->suppressed);
}

/*
** {schema, tool, diagnostics, summary}: takes the reference to diags, also
** on failure.
*/
json_t *
render_json_doc(json_t *diags, const struct render_counts *counts)
{
  json_t *doc = json_object();

  if (doc == NULL) {
    json_decref(diags);
    return NULL;
  }
  if (diags == NULL
      || json_object_set_new(doc, "schema", json_string("rbc.check/1"))
      || json_object_set_new(doc, "tool", json_pack("{s:s, s:s}", "name", "rbc",
                                                    "version", RBC_VERSION))) {
    json_decref(diags);         /* not in doc yet (tests/failalloc.sh found the leak) */
    json_decref(doc);
    return NULL;
  }
  if (json_object_set_new(doc, "diagnostics", diags)     /* takes diags, even failing */
      || json_object_set_new(doc, "summary", json_summary(counts))) {
    json_decref(doc);
    return NULL;
  }
  return doc;
}

/* {==== github ==== */

/* Write s escaped for a workflow command: % CR LF always, also : and , in properties. */
static void
put_escaped(FILE *out, const char *s, bool property)
{
  for (; *s != '\0'; s++) {
    if (*s == '%')
      fputs("%25", out);
    else if (*s == '\r')
      fputs("%0D", out);
    else if (*s == '\n')
      fputs("%0A", out);
    else if (property && *s == ':')
      fputs("%3A", out);
    else if (property && *s == ',')
      fputs("%2C", out);
    else
      fputc((unsigned char)*s < 0x20 ? '?' : *s, out);
  }
}

/*
** One workflow command per diagnostic; info and style become `notice`.
** A span over several lines gives endLine instead of endColumn.
*/
void
render_github(FILE *out, const struct diag_list *list, const struct render_opts *o)
{
  for (size_t i = 0; i < list->len; i++) {
    const struct diag *d = &list->items[i];
    const struct diag_info *info = diag_info(d->code);
    uint32_t l1 = 1, c1 = 1, l2 = 1, c2 = 1;
    if (!render_wanted(d, o))
      continue;
    fprintf(out, "::%s ", d->severity == DIAG_ERROR ? "error"
            : d->severity == DIAG_WARNING ? "warning" : "notice");
    if (d->src != NULL) {
      src_position(d->src, d->span.start, &l1, &c1);
      src_position(d->src, d->span.end, &l2, &c2);
      fputs("file=", out);
      put_escaped(out, d->src->name, true);
      fprintf(out, ",line=%u,col=%u,", l1, c1);
      if (l2 == l1)
        fprintf(out, "endColumn=%u,", c2);
      else
        fprintf(out, "endLine=%u,", l2);
    }
    fprintf(out, "title=%s %s::", info->code, info->name);
    put_escaped(out, d->message != NULL ? d->message : info->summary, false);
    fputc('\n', out);
  }
}

/* {==== sarif ==== */

/* Empty rules and results; every rule index unset. */
int
render_sarif_init(struct render_sarif *s)
{
  s->rules = json_array();
  s->results = json_array();
  s->page = NULL;
  for (int i = 0; i < DIAG__COUNT; i++)
    s->rule_index[i] = -1;
  return s->rules != NULL && s->results != NULL ? 0 : -1;
}

/* Drop the accumulation's references (NULL-safe, idempotent). */
void
render_sarif_free(struct render_sarif *s)
{
  json_decref(s->rules);
  json_decref(s->results);
  s->rules = s->results = NULL;
}

static const char *
sarif_level(enum diag_severity sev)
{
  return sev == DIAG_ERROR ? "error" : sev == DIAG_WARNING ? "warning" : "note";
}

/* Split at the commas; an empty string gives []. */
json_t *
render_tag_array(const char *tags)
{
  json_t *arr = json_array();

  while (arr != NULL && *tags != '\0') {
    size_t n = strcspn(tags, ",");
    if (json_array_append_new(arr, json_stringn(tags, n)) != 0) {
      json_decref(arr);
      return NULL;
    }
    tags += n + (tags[n] == ',');
  }
  return arr;
}

/*
** The first paragraph under `## heading` of a Markdown page, lines joined
** with spaces, at most max bytes (cut at a space); NULL when absent.
*/
static json_t *
page_section(const char *page, const char *heading, size_t max)
{
  const char *p = page != NULL ? strstr(page, heading) : NULL;
  char buf[1024];
  size_t n = 0;

  if (p == NULL)
    return NULL;
  p += strlen(heading);
  while (*p == '\n')
    p++;
  for (; *p != '\0' && !(p[0] == '\n' && (p[1] == '\n' || p[1] == '\0')) && n + 1 < max
         && n + 1 < sizeof buf; p++)
    buf[n++] = *p == '\n' ? ' ' : *p;
  if (*p != '\0' && !(p[0] == '\n') && n > 0) {  /* cut: end at a word */
    while (n > 0 && buf[n - 1] != ' ')
      n--;
  }
  while (n > 0 && buf[n - 1] == ' ')
    n--;
  buf[n] = '\0';
  return n > 0 ? json_text(buf) : NULL;
}

/*
** The rule object of code; NULL when out of memory.  With the code's page,
** fullDescription is its "What it means" paragraph, help its "How to fix"
** paragraph and help.markdown the whole page; otherwise both fall back to
** the one-line summary and a pointer to `rbc explain`.
*/
static json_t *
sarif_rule(const struct render_sarif *s, enum diag_code code)
{
  const struct diag_info *info = diag_info(code);
  char uri[80], help[160];
  char *page;
  json_t *full, *fix, *rule;

  /* out of memory (ENOMEM) is a failure here, not "no page": the fallback
     text would be a quietly different document (tests/failalloc.sh) */
  errno = 0;
  page = s->page != NULL ? s->page(code) : NULL;
  if (page == NULL && errno == ENOMEM)
    return NULL;
  full = page_section(page, "\n## What it means\n", 1000);
  fix = page_section(page, "\n## How to fix\n", 1000);
  if ((full == NULL || fix == NULL) && errno == ENOMEM) {
    json_decref(full);
    json_decref(fix);
    free(page);
    return NULL;
  }

  snprintf(uri, sizeof uri, "https://example.invalid/rbc/diagnostics/%s", info->code);
  snprintf(help, sizeof help, "See docs/diagnostics/%s.md or run `rbc explain %s`.",
           info->code, info->code);
  rule = json_pack("{s:s, s:s, s:{s:s}, s:{s:o}, s:{s:o}, s:s, s:{s:s}, s:{s:o, s:s, s:s}}",
                   "id", info->code, "name", info->name,
                   "shortDescription", "text", info->summary,
                   "fullDescription", "text", full != NULL ? full : json_string(info->summary),
                   "help", "text", fix != NULL ? fix : json_string(help),
                   "helpUri", uri,
                   "defaultConfiguration", "level", sarif_level(info->severity),
                   "properties", "tags", render_tag_array(info->tags), "precision", "high",
                   "problem.severity", sarif_level(info->severity));
  if (rule != NULL && page != NULL
      && json_object_set_new(json_object_get(rule, "help"), "markdown", json_text(page)) != 0) {
    json_decref(rule);
    rule = NULL;
  }
  free(page);
  return rule;
}

/* The index of code's rule, adding the rule on first use; -1 on oom. */
static int
rule_index(struct render_sarif *s, enum diag_code code)
{
  if (s->rule_index[code] < 0) {
    if (json_array_append_new(s->rules, sarif_rule(s, code)) != 0)
      return -1;
    s->rule_index[code] = (int)json_array_size(s->rules) - 1;
  }
  return s->rule_index[code];
}

/* A relative, '/'-separated URI for a file name (cli.md 11: repo-relative). */
static json_t *
sarif_uri(const char *name)
{
  while (name[0] == '.' && name[1] == '/')
    name += 2;
  return json_text(name);
}

/*
** One physicalLocation; regions are 1-based and endColumn exclusive, and
** an empty span still covers one column, since SARIF viewers need a
** visible region.  File-less findings use line 1, column 1.
*/
static json_t *
sarif_location(const struct diag *d)
{
  uint32_t l1 = 1, c1 = 1, l2 = 1, c2 = 2;

  if (d->src != NULL) {
    src_position(d->src, d->span.start, &l1, &c1);
    src_position(d->src, d->span.end, &l2, &c2);
    if (l2 == l1 && c2 <= c1)
      c2 = c1 + 1;
  }
  return json_pack("{s:{s:{s:o}, s:{s:i, s:i, s:i, s:i}}}",
                   "physicalLocation", "artifactLocation", "uri",
                   sarif_uri(d->src != NULL ? d->src->name : "rbc"),
                   "region", "startLine", (int)l1, "startColumn", (int)c1,
                   "endLine", (int)l2, "endColumn", (int)c2);
}

/*
** A suppressed finding (rendered with --show-suppressed) carries
** suppressions: [{kind: inSource, justification: its reason}].
*/
static int
sarif_suppression(json_t *result, const struct diag *d)
{
  json_t *sup = json_pack("{s:s}", "kind", "inSource");

  if (sup == NULL || (d->suppress_reason != NULL
                      && json_object_set_new(sup, "justification",
                                             json_text(d->suppress_reason)) != 0)) {
    json_decref(sup);
    return -1;
  }
  return json_object_set_new(result, "suppressions", json_pack("[o]", sup));
}

/* One result: rule id and index, level, message, location, rbc's own severity. */
static json_t *
sarif_result(struct render_sarif *s, const struct diag *d)
{
  const struct diag_info *info = diag_info(d->code);
  int index = rule_index(s, d->code);
  json_t *msg = json_text(d->message != NULL ? d->message : info->summary), *res;

  if (index < 0 || msg == NULL) {
    json_decref(msg);
    return NULL;
  }
  res = json_pack("{s:s, s:i, s:s, s:{s:o}, s:[o], s:{s:s, s:s}}",
                  "ruleId", info->code, "ruleIndex", index,
                  "level", sarif_level(d->severity),
                  "message", "text", msg,
                  "locations", sarif_location(d),
                  "properties", "rbcSeverity", diag_severity_name(d->severity),
                  "rbcName", info->name);
  if (res != NULL && d->suppressed && sarif_suppression(res, d) != 0) {
    json_decref(res);
    return NULL;
  }
  return res;
}

/* Append the wanted diagnostics of list as SARIF results; -1 on oom. */
int
render_sarif_append(struct render_sarif *s, const struct diag_list *list,
                    const struct render_opts *o)
{
  for (size_t i = 0; i < list->len; i++) {
    if (!render_wanted(&list->items[i], o))
      continue;
    if (json_array_append_new(s->results, sarif_result(s, &list->items[i])) != 0)
      return -1;
  }
  return 0;
}

/*
** The log document: exactly one run, whose rules are the ones that fired
** (ruleIndex stays stable) and whose results may be empty (a clean upload
** replaces the previous analysis).
*/
json_t *
render_sarif_doc(struct render_sarif *s, bool success)
{
  json_t *run = json_pack("{s:{s:{s:s, s:s, s:s, s:O}}, s:s, s:O, s:[{s:b}]}",
                          "tool", "driver", "name", "rbc", "semanticVersion", RBC_VERSION,
                          "informationUri", "https://example.invalid/rbc",
                          "rules", s->rules,
                          "columnKind", "unicodeCodePoints",
                          "results", s->results,
                          "invocations", "executionSuccessful", success);

  if (run == NULL)
    return NULL;
  return json_pack("{s:s, s:s, s:[o]}",
                   "$schema", "https://json.schemastore.org/sarif-2.1.0.json",
                   "version", "2.1.0", "runs", run);
}
