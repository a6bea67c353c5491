/*
** check_suppress.c: suppression comments (cli.md 5).
**
**   x = 1   # rbc: ignore[RB2020] -- reason     this physical line
**   # rbc: ignore[RB3005, naming] -- reason     own line: the next statement
**                                               or block (a whole step...)
**   # rbc: disable[RB4003] ... # rbc: enable[RB4003]   a range
**   # rbc: ignore-file[RB4001] -- reason         the whole file
**
** At least one code or name is required.  A reason follows ` -- ` (or a
** second `#`).  Syntax (RB1xxx) and tool (RB9xxx) findings cannot be
** suppressed; a directive that suppresses nothing, or names an unknown or
** unsuppressible code, is RB4090.  Suppressed findings stay in the list,
** marked, and are counted apart (diag_recount).
*/
#define _POSIX_C_SOURCE 200809L  /* strdup */

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "parser/arena.h"
#include "parser/check_impl.h"

#define MAX_CODES 8

enum dir_kind { DIR_IGNORE, DIR_IGNORE_FILE, DIR_DISABLE, DIR_ENABLE };

/* One parsed directive and the byte range it covers. */
struct directive {
  enum dir_kind kind;
  struct span span;             /* the comment */
  bool own_line;                /* nothing but blanks before it on its line */
  int codes[MAX_CODES];         /* enum diag_code values */
  int ncodes;
  const char *reason;           /* in the arena, or NULL */
  uint32_t from, to;            /* covered byte range [from, to) */
  bool used;                    /* suppressed at least one finding */
};

/* Statement-level spans, for "the next statement or block". */
struct spans {
  struct span *v;
  size_t len, cap;
  bool oom;
};

/* {==== parsing directives ==== */

static const char *
skip_blanks(const char *p, const char *end)
{
  while (p < end && (*p == ' ' || *p == '\t'))
    p++;
  return p;
}

/* The directive word after "rbc:"; -1 when it is none of the four. */
static int
directive_kind(const char *p, size_t n)
{
  static const char *const words[] = { "ignore", "ignore-file", "disable", "enable" };

  for (int k = 0; k < 4; k++)
    if (strlen(words[k]) == n && memcmp(p, words[k], n) == 0)
      return k;
  return -1;
}

/* RB4090 at the comment, with a reason for the complaint. */
static void
useless(struct checker *c, struct span at, const char *why)
{
  struct diag *d = diag_add(c->sh->diags, DIAG_RB4090, c->src, at,
                            "suppression has no effect: %s", why);
  diag_label(d, at, true, "this directive");
}

/*
** Parse "CODE, name, ..." up to ']' into dir->codes.  Unknown or
** unsuppressible codes are reported and skipped.  Returns the position
** after ']', or NULL when there is no ']'.
*/
static const char *
parse_codes(struct checker *c, struct directive *dir, const char *p, const char *end)
{
  char word[64], why[96];

  while (p < end && *p != ']') {
    size_t n;
    int code;
    p = skip_blanks(p, end);
    for (n = 0; p + n < end && (isalnum((unsigned char)p[n]) || p[n] == '-'); n++)
      ;
    if (n == 0 || n >= sizeof word)
      return NULL;
    memcpy(word, p, n);
    word[n] = '\0';
    p = skip_blanks(p + n, end);
    if (p < end && *p == ',')
      p++;
    code = diag_lookup(word);
    if (code < 0 || code < DIAG_RB2001 || code >= DIAG_RB9001) {
      snprintf(why, sizeof why, code < 0 ? "unknown code `%s`" : "`%s` cannot be suppressed",
               word);
      useless(c, dir->span, why);
    } else if (dir->ncodes < MAX_CODES) {
      dir->codes[dir->ncodes++] = code;
    }
  }
  return p < end ? p + 1 : NULL;
}

/* The reason after " -- " or a second '#', trimmed; NULL when none. */
static const char *
parse_reason(struct checker *c, const char *p, const char *end)
{
  p = skip_blanks(p, end);
  if (end - p >= 2 && p[0] == '-' && p[1] == '-')
    p += 2;
  else if (p < end && *p == '#')
    p++;
  else
    return NULL;
  p = skip_blanks(p, end);
  while (end > p && isspace((unsigned char)end[-1]))
    end--;
  return end > p ? arena_strndup(c->sh->a, p, (size_t)(end - p)) : NULL;
}

/*
** Parse one comment into *dir.  Returns false when the comment is not a
** directive at all (an ordinary comment).
*/
static bool
parse_directive(struct checker *c, const struct ast_comment *cm, struct directive *dir)
{
  const char *p = c->src->text + cm->span.start, *end = c->src->text + cm->span.end;
  const char *word;
  int kind;

  memset(dir, 0, sizeof *dir);
  dir->span = cm->span;
  dir->own_line = cm->own_line;
  p = skip_blanks(p + 1, end);
  if (end - p < 4 || memcmp(p, "rbc:", 4) != 0)
    return false;
  p = skip_blanks(p + 4, end);
  for (word = p; p < end && (isalpha((unsigned char)*p) || *p == '-'); p++)
    ;
  kind = directive_kind(word, (size_t)(p - word));
  if (kind < 0 || p >= end || *p != '[') {
    useless(c, cm->span, "expected ignore[CODE], ignore-file[CODE], disable[CODE] "
            "or enable[CODE]");
    return false;
  }
  dir->kind = (enum dir_kind)kind;
  p = parse_codes(c, dir, p + 1, end);
  if (p == NULL) {
    useless(c, cm->span, "the code list is not closed with `]`");
    return false;
  }
  dir->reason = parse_reason(c, p, end);
  return dir->ncodes > 0;
}

/* {==== what a directive covers ==== */

static void
add_span(struct spans *s, struct span sp)
{
  if (s->len == s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 64;
    struct span *v = realloc(s->v, cap * sizeof *v);
    if (v == NULL) {
      s->oom = true;
      return;
    }
    s->v = v;
    s->cap = cap;
  }
  s->v[s->len++] = sp;
}

static void collect_list(struct spans *s, const struct ast_node *n, int depth);

/* A statement or item, and the statements nested in it. */
static void
collect_node(struct spans *s, const struct ast_node *n, int depth)
{
  if (depth > 64)
    return;
  add_span(s, n->span);
  switch (n->kind) {
  case AST_FILE:         collect_list(s, n->u.file.items, depth); break;
  case AST_RUNBOOK:      collect_list(s, n->u.runbook.items, depth); break;
  case AST_PHASE:        collect_list(s, n->u.phase.steps, depth); break;
  case AST_STEP:         collect_node(s, n->u.step.body, depth + 1); break;
  case AST_FN:           collect_node(s, n->u.fn.body, depth + 1); break;
  case AST_TROUBLESHOOT: collect_node(s, n->u.troubleshoot.body, depth + 1); break;
  case AST_CHECKLIST:    collect_list(s, n->u.checklist.items, depth); break;
  case AST_BLOCK:        collect_list(s, n->u.block.stmts, depth); break;
  case AST_IF:
    collect_node(s, n->u.if_.then, depth + 1);
    if (n->u.if_.els != NULL)
      collect_node(s, n->u.if_.els, depth + 1);
    break;
  case AST_FOR:          collect_node(s, n->u.for_.body, depth + 1); break;
  case AST_RETRY:        collect_node(s, n->u.retry.body, depth + 1); break;
  case AST_PARALLEL:     collect_node(s, n->u.parallel.body, depth + 1); break;
  default:               break;
  }
}

static void
collect_list(struct spans *s, const struct ast_node *n, int depth)
{
  for (; n != NULL; n = n->next)
    collect_node(s, n, depth + 1);
}

/*
** The first statement or item after offset `after` (the widest of those
** starting there); an empty span at `after` when there is none.
*/
static struct span
next_statement(const struct spans *s, uint32_t after)
{
  struct span best = { after, after };
  bool found = false;

  for (size_t i = 0; i < s->len; i++) {
    const struct span *sp = &s->v[i];
    if (sp->start < after)
      continue;
    if (!found || sp->start < best.start
        || (sp->start == best.start && sp->end > best.end)) {
      best = *sp;
      found = true;
    }
  }
  return best;
}

/* Start and end offsets of the physical line holding offset off. */
static void
line_range(const struct checker *c, uint32_t off, uint32_t *from, uint32_t *to)
{
  uint32_t line, col;
  size_t len;
  const char *text;

  src_position(c->src, off, &line, &col);
  text = src_line(c->src, line, &len);
  *from = (uint32_t)(text - c->src->text);
  *to = *from + (uint32_t)len + 1;
}

/* The `enable` closing the `disable` dirs[i] (same first code), or EOF. */
static uint32_t
range_end(const struct checker *c, const struct directive *dirs, size_t n, size_t i)
{
  for (size_t k = i + 1; k < n; k++)
    if (dirs[k].kind == DIR_ENABLE && dirs[k].codes[0] == dirs[i].codes[0])
      return dirs[k].span.start;
  return (uint32_t)c->src->len;
}

/* Set dirs[i].from/to from its kind. */
static void
cover(const struct checker *c, struct directive *dirs, size_t n, size_t i,
      const struct ast_comment *cm, const struct spans *stmts)
{
  struct directive *d = &dirs[i];
  struct span next;

  switch (d->kind) {
  case DIR_IGNORE_FILE:
    d->from = 0;
    d->to = (uint32_t)c->src->len + 1;
    break;
  case DIR_DISABLE:
    d->from = d->span.end;
    d->to = range_end(c, dirs, n, i);
    break;
  case DIR_ENABLE:
    break;
  default:
    if (!cm->own_line) {
      line_range(c, d->span.start, &d->from, &d->to);
    } else {
      next = next_statement(stmts, d->span.end);
      d->from = next.start;
      d->to = next.end;
    }
    break;
  }
}

/* {==== applying ==== */

/*
** RB4090 for a directive that suppressed nothing, with a safe fix that
** deletes it: its whole line when it is alone there, else the comment and
** the blanks before it (ruff's RUF100).
*/
static void
unused_directive(struct checker *c, const struct directive *dir)
{
  struct diag *d = diag_add(c->sh->diags, DIAG_RB4090, c->src, dir->span,
                            "suppression has no effect: it suppressed no finding");
  struct span cut = dir->span;
  uint32_t from, to;

  diag_label(d, dir->span, true, "this directive");
  if (dir->own_line) {
    line_range(c, dir->span.start, &from, &to);
    cut.start = from;
    cut.end = to <= c->src->len ? to : (uint32_t)c->src->len;
  } else {
    while (cut.start > 0 && (c->src->text[cut.start - 1] == ' '
                             || c->src->text[cut.start - 1] == '\t'))
      cut.start--;
  }
  diag_set_fix(d, true, cut, "");
}

/* RB4091 (opt-in: the production profile): a directive without a reason. */
static void
no_reason(struct checker *c, const struct directive *dir)
{
  struct diag *d = diag_add(c->sh->diags, DIAG_RB4091, c->src, dir->span,
                            "suppression gives no reason");

  diag_label(d, dir->span, true, "add ` -- why this finding does not apply`");
  diag_help(d, "say why, e.g. `# rbc: ignore[RB3007] -- RTO negotiated to 16m`");
}

/*
** Without a reason, a directive cannot suppress a safety (RB3xxx) finding
** when the profile asks for reasons: RB4090 says so, once per directive.
*/
static bool
needs_reason(struct checker *c, struct directive *dir, int code, bool *told)
{
  char why[96];

  if (dir->reason != NULL || !c->sh->opts->strict || code < DIAG_RB3001
      || code >= DIAG_RB4001)
    return false;
  if (!*told) {
    snprintf(why, sizeof why, "`%s` is a safety rule; its suppression needs ` -- reason`",
             diag_info((enum diag_code)code)->code);
    useless(c, dir->span, why);
    *told = true;
  }
  return true;
}

/* Mark the findings of this file that dir covers. */
static void
apply(struct checker *c, struct directive *dir)
{
  struct diag_list *l = c->sh->diags;
  bool told = false;

  for (size_t i = 0; i < l->len; i++) {
    struct diag *d = &l->items[i];
    if (d->src != c->src || d->suppressed || d->span.start < dir->from
        || d->span.start >= dir->to)
      continue;
    for (int k = 0; k < dir->ncodes; k++) {
      if ((int)d->code != dir->codes[k])
        continue;
      if (needs_reason(c, dir, dir->codes[k], &told)) {
        dir->used = true;       /* it was meant for this finding: not "unused" */
        break;
      }
      d->suppressed = true;
      if (dir->reason != NULL)
        d->suppress_reason = strdup(dir->reason);
      dir->used = true;
      break;
    }
  }
}

/*
** Interpret every `# rbc:` comment of the file and mark the findings they
** suppress; report directives that suppressed nothing (RB4090).  Runs
** after every other check of the file.
*/
void
check_suppressions(struct checker *c, const struct ast_node *file,
                   const struct ast_comment *comments, size_t ncomments)
{
  struct directive *dirs;
  const struct ast_comment **owners;
  struct spans stmts = { NULL, 0, 0, false };
  size_t n = 0;

  if (comments == NULL || ncomments == 0)
    return;
  dirs = arena_alloc(c->sh->a, ncomments * sizeof *dirs);
  owners = arena_alloc(c->sh->a, ncomments * sizeof *owners);
  if (dirs == NULL || owners == NULL) {
    c->sh->oom = true;
    return;
  }
  for (size_t i = 0; i < ncomments; i++)
    if (comments[i].span.end <= c->src->len && parse_directive(c, &comments[i], &dirs[n]))
      owners[n++] = &comments[i];
  if (n > 0 && file != NULL)
    collect_node(&stmts, file, 0);
  for (size_t i = 0; i < n; i++)
    cover(c, dirs, n, i, owners[i], &stmts);
  for (size_t i = 0; i < n; i++)
    if (dirs[i].kind != DIR_ENABLE)
      apply(c, &dirs[i]);
  for (size_t i = 0; i < n; i++)
    if (!dirs[i].used && dirs[i].kind != DIR_ENABLE)
      unused_directive(c, &dirs[i]);
  for (size_t i = 0; i < n; i++)
    if (dirs[i].reason == NULL && dirs[i].kind != DIR_ENABLE)
      no_reason(c, &dirs[i]);
  free(stmts.v);
  if (stmts.oom)
    c->sh->oom = true;
  diag_recount(c->sh->diags);
}
