/*
** check_names.c: scopes, symbols and name resolution for the checker.
**
** Scopes are chained hash tables in the compilation's arena: the runbook
** scope (params, secrets, fns, resources, step-level lets, imported fns)
** and one small scope per fn body or nested block.  Built-in functions
** and the modules http, json and aws are looked up after every scope.
*/
#include <ctype.h>
#include <stdint.h>
#include <string.h>

#include "lexer/suggest.h"
#include "parser/arena.h"
#include "parser/check_impl.h"
#include "stdlib/builtins.h"

/* Searches for "did you mean" stop after this many per compilation. */
#define MAX_SUGGESTIONS 500

/* {==== scopes ==== */

/* Hash of a NUL-terminated name. */
static size_t
hash_name(const char *s)
{
  uint32_t h = 2166136261u;     /* FNV-1a */

  while (*s != '\0')
    h = (h ^ (unsigned char)*s++) * 16777619u;
  return h;
}

/*
** A new empty scope with nbuckets buckets (a power of two).  Returns NULL
** and marks the checker out of memory on failure.
*/
struct scope *
check_scope_new(struct checker *c, struct scope *parent, size_t nbuckets)
{
  struct scope *s = arena_alloc(c->sh->a, sizeof *s);

  if (s != NULL)
    s->buckets = arena_alloc(c->sh->a, nbuckets * sizeof *s->buckets);
  if (s == NULL || s->buckets == NULL) {
    c->sh->oom = true;
    return NULL;
  }
  s->nbuckets = nbuckets;
  s->parent = parent;
  return s;
}

/* Enter a nested scope; on out of memory the current scope is reused. */
void
check_scope_push(struct checker *c)
{
  struct scope *s = check_scope_new(c, c->scope, 8);

  if (s != NULL)
    c->scope = s;
}

/* Leave the innermost scope (never the runbook scope). */
void
check_scope_pop(struct checker *c)
{
  if (c->scope != c->global && c->scope->parent != NULL)
    c->scope = c->scope->parent;
}

/* The symbol named `name` in scope s itself (parents not searched), or NULL. */
struct sym *
check_scope_find(const struct scope *s, const char *name)
{
  struct sym *p;

  for (p = s->buckets[hash_name(name) & (s->nbuckets - 1)]; p != NULL; p = p->next)
    if (strcmp(p->name, name) == 0)
      return p;
  return NULL;
}

/*
** Double s's bucket array when its chains grow long, so lookups stay O(1)
** for a runbook with tens of thousands of names.  Chains keep their order
** (a later definition still hides an earlier one).  On out of memory the
** table just stays as it is.
*/
static void
scope_grow(struct checker *c, struct scope *s)
{
  size_t n = s->nbuckets * 2, b, nb;
  struct sym **buckets = arena_alloc(c->sh->a, n * sizeof *buckets);
  struct sym **tails = arena_alloc(c->sh->a, n * sizeof *tails);
  struct sym *p, *next;

  if (buckets == NULL || tails == NULL)
    return;
  for (b = 0; b < s->nbuckets; b++)
    for (p = s->buckets[b]; p != NULL; p = next) {
      next = p->next;
      nb = hash_name(p->name) & (n - 1);
      p->next = NULL;
      if (tails[nb] == NULL)
        buckets[nb] = p;
      else
        tails[nb]->next = p;
      tails[nb] = p;
    }
  s->buckets = buckets;
  s->nbuckets = n;
}

/*
** Add `name` to scope s.  A later definition of the same name in the same
** scope hides the earlier one (callers report duplicates first).
*/
struct sym *
check_define(struct checker *c, struct scope *s, const char *name,
             enum sym_kind kind, struct span span, const struct ast_node *decl)
{
  struct sym *sym;
  size_t b;

  if (s == NULL || name == NULL)
    return NULL;
  sym = arena_alloc(c->sh->a, sizeof *sym);
  if (sym == NULL) {
    c->sh->oom = true;
    return NULL;
  }
  sym->name = name;
  sym->kind = kind;
  sym->span = span;
  sym->src = c->src;
  sym->decl = decl;
  if (s->count >= 2 * s->nbuckets)
    scope_grow(c, s);
  b = hash_name(name) & (s->nbuckets - 1);
  sym->next = s->buckets[b];
  s->buckets[b] = sym;
  s->count++;
  return sym;
}

/*
** The innermost symbol named `name`, searching from the current scope out
** to the runbook scope; NULL when no scope defines it (built-ins are not
** symbols: check_resolve tries them next).
*/
struct sym *
check_lookup(const struct checker *c, const char *name)
{
  const struct scope *s;

  for (s = c->scope; s != NULL; s = s->parent) {
    struct sym *sym = check_scope_find(s, name);
    if (sym != NULL)
      return sym;
  }
  return NULL;
}

/* {==== resolution ==== */

/* Static facts of a built-in function or module named `name`; false if none. */
static bool
resolve_builtin(const char *name, struct ck_value *out)
{
  const struct std_builtin *bi;

  if (std_is_module(name)) {
    out->type = TY_MODULE;
    out->module = name;
    return true;
  }
  bi = std_builtin_lookup(name);
  if (bi == NULL || strchr(name, '.') != NULL)
    return false;
  out->type = TY_FN;
  out->bi = bi;
  return true;
}

/* RB2016: a step binding used where its step may not have run. */
static void
check_step_order(struct checker *c, const struct sym *sym, struct span use)
{
  const struct ast_node *def = sym->step;
  struct diag *d;

  if (c->step == NULL || def == NULL || c->fn_depth > 0)
    return;
  if (!sym->bound) {
    d = diag_add(c->sh->diags, DIAG_RB2016, c->src, use,
                 "`%s` is set by step \"%s\", which has not run yet here",
                 sym->name, def->u.step.name.name);
    diag_label(d, use, true, "used before it is set");
    if (sym->src == c->src)
      diag_label(d, sym->span, false, "set here");
  } else if (def->u.step.when != NULL && def != c->step) {
    d = diag_add(c->sh->diags, DIAG_RB2016, c->src, use,
                 "`%s` is set by step \"%s\", which may be skipped by its `when`",
                 sym->name, def->u.step.name.name);
    diag_label(d, use, true, "may be unset");
    if (sym->src == c->src)
      diag_label(d, def->u.step.when->span, false, "the step runs only when this holds");
  }
}

/*
** Resolve a NAME node into *out.  Undefined names get RB2001 and an
** unknown value; step bindings may get RB2016.
*/
bool
check_resolve(struct checker *c, const struct ast_node *name, struct ck_value *out)
{
  const char *id = name->u.name.name;
  struct sym *sym;

  memset(out, 0, sizeof *out);
  if (id == NULL)
    return false;
  sym = check_lookup(c, id);
  if (sym != NULL) {
    sym->uses++;
    *out = sym->val;
    if (sym->kind == SYM_SECRET)
      out->taint = sym->name;
    if (sym->kind == SYM_STEP_LET)
      check_step_order(c, sym, name->span);
    return true;
  }
  if (resolve_builtin(id, out))
    return true;
  check_undefined(c, id, name->span);
  return false;
}

/* {==== "did you mean" ==== */

/* Append the names of scope s (and its parents) to v[*n..cap). */
static void
scope_names(const struct scope *s, const char **v, size_t *n, size_t cap)
{
  for (; s != NULL; s = s->parent)
    for (size_t b = 0; b < s->nbuckets; b++)
      for (const struct sym *p = s->buckets[b]; p != NULL && *n < cap; p = p->next)
        v[(*n)++] = p->name;
}

/* Every name visible from the current scope, in an arena array. */
static const char **
visible_names(struct checker *c, size_t *n)
{
  size_t cap = std_nbuiltins + 3;
  const char **v;

  for (const struct scope *s = c->scope; s != NULL; s = s->parent)
    cap += s->count;
  v = arena_alloc(c->sh->a, cap * sizeof *v);
  *n = 0;
  if (v == NULL) {
    c->sh->oom = true;
    return NULL;
  }
  scope_names(c->scope, v, n, cap);
  for (size_t i = 0; i < std_nbuiltins; i++)
    if (strchr(std_builtins[i].name, '.') == NULL && strcmp(std_builtins[i].name, "aws") != 0)
      v[(*n)++] = std_builtins[i].name;
  v[(*n)++] = "aws";
  v[(*n)++] = "http";
  v[(*n)++] = "json";
  return v;
}

/*
** Add the "did you mean" help to d: up to three candidates, best first;
** with exactly one, also a safe fix replacing span.
*/
void
check_suggest(struct checker *c, struct diag *d, const char *word,
              struct span span, const char *const *cands, size_t ncands)
{
  const char *best[DIAG_SUGGEST_MAX];
  size_t n;

  if (d == NULL || c->sh->suggestions >= MAX_SUGGESTIONS)
    return;
  c->sh->suggestions++;
  n = diag_suggest(word, cands, ncands, best, DIAG_SUGGEST_MAX);
  if (n == 1) {
    diag_help(d, "did you mean `%s`?", best[0]);
    diag_set_fix(d, true, span, best[0]);
  } else if (n == 2) {
    diag_help(d, "did you mean `%s` or `%s`?", best[0], best[1]);
  } else if (n == 3) {
    diag_help(d, "did you mean `%s`, `%s` or `%s`?", best[0], best[1], best[2]);
  }
}

/*
** Whether `name` appears as a whole word on line `line` of the current
** file (lines longer than 4 KiB are not searched, to stay linear).
*/
static bool
word_on_line(const struct checker *c, uint32_t line, const char *name)
{
  size_t len, n = strlen(name);
  const char *text = src_line(c->src, line, &len);

  if (len > 4096)
    return false;
  for (size_t i = 0; i + n <= len; i++) {
    bool left = i == 0 || !(isalnum((unsigned char)text[i - 1]) || text[i - 1] == '_');
    bool right = i + n == len || !(isalnum((unsigned char)text[i + n]) || text[i + n] == '_');
    if (left && right && memcmp(text + i, name, n) == 0)
      return true;
  }
  return false;
}

/* Whether one of the first syntax errors of the file is on a line that mentions name. */
static bool
lost_in_syntax_error(const struct checker *c, const char *name)
{
  for (int i = 0; i < c->nerror_lines; i++)
    if (word_on_line(c, c->error_lines[i], name))
      return true;
  return false;
}

/*
** RB2001 at span.  The candidates are every name visible here plus the
** built-ins; the help and the safe fix come from check_suggest.
*/
void
check_undefined(struct checker *c, const char *name, struct span span)
{
  struct diag *d;
  size_t n;
  const char **cands;

  if (lost_in_syntax_error(c, name))
    return;
  d = diag_add(c->sh->diags, DIAG_RB2001, c->src, span, "undefined name `%s`", name);
  if (d == NULL)
    return;
  diag_label(d, span, true, "not defined in this scope");
  if (c->sh->suggestions >= MAX_SUGGESTIONS)
    return;
  cands = visible_names(c, &n);
  if (cands != NULL)
    check_suggest(c, d, name, span, cands, n);
}

/*
** RB2006 at the second definition, with a secondary label at the first
** when both are in the same file (a note naming the place otherwise).
*/
void
check_duplicate(struct checker *c, const char *what, const char *name,
                struct span span, const struct source *first_src, struct span first)
{
  struct diag *d = diag_add(c->sh->diags, DIAG_RB2006, c->src, span,
                            "%s `%s` is defined more than once", what, name);

  diag_label(d, span, true, "defined again here");
  if (first_src == c->src) {
    diag_label(d, first, false, "first defined here");
  } else if (first_src != NULL) {
    uint32_t line, col;
    src_position(first_src, first.start, &line, &col);
    diag_note(d, "first defined at %s:%u:%u", first_src->name, line, col);
  }
}
