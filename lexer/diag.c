/*
** diag.c: the diagnostics list (see diag.h).  Nothing here prints;
** cli/render.c turns a list into text.
*/
#define _POSIX_C_SOURCE 200809L

#include "lexer/diag.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* {==== the code table ==== */

static const struct diag_info infos[DIAG__COUNT] = {
#define ERROR DIAG_ERROR
#define WARNING DIAG_WARNING
#define INFO DIAG_INFO
#define STYLE DIAG_STYLE
#define DIAG(id, code, name, sev, tags, summary) { code, name, sev, tags, summary },
#include "lexer/diag_codes.def"
#undef DIAG
#undef ERROR
#undef WARNING
#undef INFO
#undef STYLE
};

const struct diag_info *
diag_info(enum diag_code code)
{
  if ((int)code < 0 || code >= DIAG__COUNT)
    return &infos[DIAG_RB9001];
  return &infos[code];
}

int
diag_lookup(const char *code_or_name)
{
  int i;

  for (i = 0; i < DIAG__COUNT; i++)
    if (strcmp(infos[i].code, code_or_name) == 0
        || strcmp(infos[i].name, code_or_name) == 0)
      return i;
  return -1;
}

static const char *const severity_names[] = { "style", "info", "warning", "error" };

const char *
diag_severity_name(enum diag_severity sev)
{
  if ((int)sev < 0 || sev > DIAG_ERROR)
    return "error";
  return severity_names[sev];
}

int
diag_severity_parse(const char *s)
{
  int i;

  for (i = 0; i <= DIAG_ERROR; i++)
    if (strcmp(severity_names[i], s) == 0)
      return i;
  return -1;
}

/* {==== the list ==== */

void
diag_init(struct diag_list *list)
{
  memset(list, 0, sizeof *list);
}

static void
diag_release(struct diag *d)
{
  int i;

  free(d->message);
  for (i = 0; i < d->nlabels; i++)
    free(d->labels[i].text);
  for (i = 0; i < d->nhelps; i++)
    free(d->helps[i]);
  for (i = 0; i < d->nnotes; i++)
    free(d->notes[i]);
  free(d->fix.text);
  free(d->suppress_reason);
}

void
diag_free(struct diag_list *list)
{
  size_t i;

  for (i = 0; i < list->len; i++)
    diag_release(&list->items[i]);
  free(list->items);
  diag_init(list);
}

/* printf into a fresh malloc'd string; NULL when out of memory. */
static char *
vformat(const char *fmt, va_list ap)
{
  va_list copy;
  int n;
  char *s;

  va_copy(copy, ap);
  n = vsnprintf(NULL, 0, fmt, copy);
  va_end(copy);
  if (n < 0)
    return NULL;
  s = malloc((size_t)n + 1);
  if (s != NULL)
    vsnprintf(s, (size_t)n + 1, fmt, ap);
  return s;
}

static int
is_syntax(enum diag_code code)
{
  return diag_info(code)->code[2] == '1';
}

/* Room for one more entry; -1 when out of memory. */
static int
grow(struct diag_list *list)
{
  size_t cap;
  struct diag *items;

  if (list->len < list->cap)
    return 0;
  cap = list->cap ? list->cap * 2 : 16;
  items = realloc(list->items, cap * sizeof *items);
  if (items == NULL)
    return -1;
  list->items = items;
  list->cap = cap;
  return 0;
}

/* Count syntax errors so far (the limit applies to them only). */
static size_t
syntax_count(const struct diag_list *list)
{
  size_t i, n = 0;

  for (i = 0; i < list->len; i++)
    if (is_syntax(list->items[i].code))
      n++;
  return n;
}

struct diag *
diag_vadd(struct diag_list *list, enum diag_code code,
          const struct source *src, struct span span,
          const char *fmt, va_list ap)
{
  struct diag *d;

  if (list->limit > 0 && is_syntax(code) && syntax_count(list) >= list->limit)
    return NULL;
  if (grow(list) != 0) {
    list->oom = true;
    return NULL;
  }
  d = &list->items[list->len];
  memset(d, 0, sizeof *d);
  d->code = code;
  d->severity = diag_info(code)->severity;
  d->src = src;
  d->span = span;
  d->seq = list->len;
  d->message = vformat(fmt, ap);
  if (d->message == NULL) {
    list->oom = true;
    return NULL;
  }
  list->len++;
  list->counts[d->severity]++;
  return d;
}

struct diag *
diag_add(struct diag_list *list, enum diag_code code,
         const struct source *src, struct span span, const char *fmt, ...)
{
  va_list ap;
  struct diag *d;

  va_start(ap, fmt);
  d = diag_vadd(list, code, src, span, fmt, ap);
  va_end(ap);
  return d;
}

void
diag_label(struct diag *d, struct span span, bool primary, const char *fmt, ...)
{
  va_list ap;
  struct diag_label *l;

  if (d == NULL || d->nlabels == DIAG_MAX_LABELS)
    return;
  l = &d->labels[d->nlabels++];
  l->span = span;
  l->primary = primary;
  va_start(ap, fmt);
  l->text = vformat(fmt, ap);
  va_end(ap);
  if (l->text == NULL)
    d->lost = true;
}

void
diag_help(struct diag *d, const char *fmt, ...)
{
  va_list ap;

  if (d == NULL || d->nhelps == DIAG_MAX_HELPS)
    return;
  va_start(ap, fmt);
  d->helps[d->nhelps] = vformat(fmt, ap);
  va_end(ap);
  if (d->helps[d->nhelps] != NULL)
    d->nhelps++;
  else
    d->lost = true;
}

void
diag_note(struct diag *d, const char *fmt, ...)
{
  va_list ap;

  if (d == NULL || d->nnotes == DIAG_MAX_HELPS)
    return;
  va_start(ap, fmt);
  d->notes[d->nnotes] = vformat(fmt, ap);
  va_end(ap);
  if (d->notes[d->nnotes] != NULL)
    d->nnotes++;
  else
    d->lost = true;
}

void
diag_set_fix(struct diag *d, bool safe, struct span span, const char *text)
{
  if (d == NULL)
    return;
  free(d->fix.text);
  d->fix.safe = safe;
  d->fix.span = span;
  d->fix.text = strdup(text);
  if (d->fix.text == NULL)
    d->lost = true;
}

/* {==== counting and order ==== */

void
diag_recount(struct diag_list *list)
{
  size_t i;

  memset(list->counts, 0, sizeof list->counts);
  for (i = 0; i < list->len; i++)
    if (!list->items[i].suppressed)
      list->counts[list->items[i].severity]++;
}

size_t
diag_count_at_least(const struct diag_list *list, enum diag_severity min)
{
  size_t n = 0;
  int s;

  for (s = (int)min; s <= DIAG_ERROR; s++)
    n += list->counts[s];
  return n;
}

bool
diag_oom(const struct diag_list *list)
{
  if (list->oom)
    return true;
  for (size_t i = 0; i < list->len; i++)
    if (list->items[i].lost)
      return true;
  return false;
}

bool
diag_has_errors(const struct diag_list *list)
{
  return list->counts[DIAG_ERROR] > 0;
}

static int
cmp_diag(const void *pa, const void *pb)
{
  const struct diag *a = pa, *b = pb;
  const char *na = a->src ? a->src->name : "", *nb = b->src ? b->src->name : "";
  int c = strcmp(na, nb);

  if (c != 0)
    return c;
  if (a->span.start != b->span.start)
    return a->span.start < b->span.start ? -1 : 1;
  if (a->code != b->code)
    return a->code < b->code ? -1 : 1;
  /* Equal keys: keep insertion order (qsort is not stable). */
  return a->seq < b->seq ? -1 : a->seq > b->seq;
}

void
diag_sort(struct diag_list *list)
{
  if (list->len > 1)
    qsort(list->items, list->len, sizeof *list->items, cmp_diag);
}
