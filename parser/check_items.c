/*
** check_items.c: rules about runbook items as documents: contact fields,
** freshness (`tested` against `review`), phase budgets against the RTO,
** and params nobody reads.
*/
#define _POSIX_C_SOURCE 200809L  /* gmtime_r */

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "parser/check_impl.h"

/* {==== contacts ==== */

static const char *const contact_fields[] = {
  "name", "phone", "email", "slack", "pager", "team", "url"
};
#define NFIELDS (sizeof contact_fields / sizeof contact_fields[0])

/* Fields of a contact must be known ones; RB2012 with "did you mean". */
void
check_contact(struct checker *c, const struct ast_node *contact)
{
  for (const struct ast_node *f = contact->u.contact.fields; f != NULL; f = f->next) {
    const char *key = f->u.meta.key.name;
    size_t k;
    struct diag *d;
    if (f->kind != AST_META || key == NULL)
      continue;
    for (k = 0; k < NFIELDS && strcmp(key, contact_fields[k]) != 0; k++)
      ;
    if (k < NFIELDS)
      continue;
    d = diag_add(c->sh->diags, DIAG_RB2012, c->src, f->u.meta.key.span,
                 "unknown contact field `%s`", key);
    diag_label(d, f->u.meta.key.span, true, "not a contact field");
    check_suggest(c, d, key, f->u.meta.key.span, contact_fields, NFIELDS);
    diag_note(d, "fields: name phone email slack pager team url");
  }
}

/* {==== dates and durations ==== */

/* Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm). */
static long
days_from_civil(long y, long m, long d)
{
  long era, yoe, doy, doe;

  y -= m <= 2;
  era = (y >= 0 ? y : y - 399) / 400;
  yoe = y - era * 400;
  doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

/* Days since the epoch of "YYYY-MM-DD" (already validated), -1 otherwise. */
static long
parse_day(const char *s)
{
  if (s == NULL || strlen(s) != 10)
    return -1;
  return days_from_civil(atol(s), atol(s + 5), atol(s + 8));
}

/* Today, from check_options.today or the clock. */
static long
today(const struct checker *c)
{
  struct tm tm;
  time_t now;

  if (c->sh->opts->today != NULL)
    return parse_day(c->sh->opts->today);
  now = time(NULL);
  if (gmtime_r(&now, &tm) == NULL)
    return -1;
  return days_from_civil(tm.tm_year + 1900L, tm.tm_mon + 1L, tm.tm_mday);
}

/* Milliseconds as a duration literal: 1h30m, 250ms, 0s. */
void
check_format_ms(char *buf, size_t size, int64_t ms)
{
  static const struct { const char *unit; int64_t ms; } units[] = {
    { "d", 86400000 }, { "h", 3600000 }, { "m", 60000 }, { "s", 1000 }, { "ms", 1 }
  };
  size_t used = 0;

  buf[0] = '\0';
  for (size_t i = 0; i < 5 && ms > 0 && used < size; i++) {
    if (ms < units[i].ms)
      continue;
    used += (size_t)snprintf(buf + used, size - used, "%lld%s",
                             (long long)(ms / units[i].ms), units[i].unit);
    ms %= units[i].ms;
  }
  if (buf[0] == '\0')
    snprintf(buf, size, "0s");
}

/* {==== freshness and budgets ==== */

/*
** RB4002: the runbook was last tested longer ago than its review period.
** Both must be literals (checked elsewhere); anything else is skipped.
*/
void
check_freshness(struct checker *c, const struct ast_node *tested,
                const struct ast_node *review)
{
  uint32_t len;
  const char *date;
  long then, now;
  struct diag *d;
  char period[32];

  if (tested == NULL || review == NULL || review->u.meta.value->kind != AST_DURATION)
    return;
  date = ast_string_literal(tested->u.meta.value, c->sh->a, &len);
  then = parse_day(date);
  now = today(c);
  if (then < 0 || now < 0 || (now - then) * 86400000LL <= review->u.meta.value->u.i)
    return;
  check_format_ms(period, sizeof period, review->u.meta.value->u.i);
  d = diag_add(c->sh->diags, DIAG_RB4002, c->src, tested->u.meta.value->span,
               "last tested %s, %ld days ago: longer than the review period of %s",
               date, now - then, period);
  diag_label(d, tested->u.meta.value->span, true, "last tested here");
  diag_label(d, review->u.meta.value->span, false, "review period");
  diag_help(d, "rehearse the runbook and update `tested`");
}

/* A META node whose value is a duration literal, else NULL. */
static const struct ast_node *
duration_meta(const struct ast_node *m)
{
  return m != NULL && m->u.meta.value->kind == AST_DURATION ? m : NULL;
}

/*
** RB3007: the `within` budgets of the phases (duration literals) add up to
** more than the `rto`, or, when they fit the RTO, more than the
** `expected` execution time.
*/
void
check_budgets(struct checker *c, const struct ast_node *rb, const struct ast_node *rto,
              const struct ast_node *expected)
{
  int64_t sum = 0;
  const struct ast_node *largest = NULL;
  char total[32], limit[32];
  struct diag *d;

  rto = duration_meta(rto);
  expected = duration_meta(expected);
  if (rto == NULL && expected == NULL)
    return;
  for (const struct ast_node *it = rb->u.runbook.items; it != NULL; it = it->next) {
    const struct ast_node *w = it->kind == AST_PHASE ? it->u.phase.within : NULL;
    if (w == NULL || w->kind != AST_DURATION)
      continue;
    if (sum <= INT64_MAX - w->u.i)
      sum += w->u.i;
    if (largest == NULL || w->u.i > largest->u.i)
      largest = w;
  }
  if (rto == NULL || sum <= rto->u.meta.value->u.i)
    rto = expected != NULL && sum > expected->u.meta.value->u.i ? expected : NULL;
  if (rto == NULL || largest == NULL)
    return;
  check_format_ms(total, sizeof total, sum);
  check_format_ms(limit, sizeof limit, rto->u.meta.value->u.i);
  d = diag_add(c->sh->diags, DIAG_RB3007, c->src, rto->u.meta.value->span,
               "phase budgets add up to %s but `%s` is %s", total, rto->u.meta.key.name, limit);
  diag_label(d, rto->u.meta.value->span, true, rto == expected ? "expected time declared here"
                                                              : "RTO declared here");
  diag_label(d, largest->span, false, "largest phase budget");
}

/* {==== unused params ==== */

/*
** RB4006 for every param or secret of this file that nothing reads; not
** when some name was undefined (a misspelled use is no use, yet the param
** is not unused either).
*/
void
check_unused(struct checker *c)
{
  const struct scope *g = c->global;
  const struct diag_list *l = c->sh->diags;

  for (size_t i = 0; i < l->len; i++)
    if (l->items[i].src == c->src && l->items[i].code == DIAG_RB2001)
      return;

  for (size_t b = 0; b < g->nbuckets; b++) {
    for (const struct sym *s = g->buckets[b]; s != NULL; s = s->next) {
      struct diag *d;
      if ((s->kind != SYM_PARAM && s->kind != SYM_SECRET) || s->uses > 0 || s->src != c->src)
        continue;
      d = diag_add(c->sh->diags, DIAG_RB4006, c->src, s->span, "%s `%s` is never used",
                   s->kind == SYM_PARAM ? "param" : "secret", s->name);
      diag_label(d, s->span, true, "declared here");
      diag_help(d, "remove it, or use it where it was meant to be used");
    }
  }
}

bool
check_has_syntax_errors(struct checker *c)
{
  const struct diag_list *l = c->sh->diags;
  uint32_t col;

  c->nerror_lines = 0;
  for (size_t i = 0; i < l->len; i++) {
    if (l->items[i].src != c->src || l->items[i].code >= DIAG_RB2001)
      continue;
    if (c->nerror_lines < 16)
      src_position(c->src, l->items[i].span.start, &c->error_lines[c->nerror_lines++], &col);
  }
  return c->nerror_lines > 0;
}
