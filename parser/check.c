/*
** check.c: semantic checks of a parsed file (check.h), the entry point.
**
** Two passes over a runbook: the collection pass defines every
** runbook-wide name (params, secrets, fns, resources, imported fns, and
** the `let`s written directly in step bodies) and finds duplicates; the
** walk then checks metadata, params and every item in source order, with
** scopes for fn bodies and nested blocks.  Expressions and statements are
** in check_expr.c and check_stmt.c, names in check_names.c, imports in
** check_import.c.
*/
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "parser/arena.h"
#include "parser/check_impl.h"
#include "stdlib/builtins.h"

/* {==== shared helpers ==== */

/* Copy of the source text under span, at most max bytes, in the arena. */
const char *
check_span_text(struct checker *c, struct span span, size_t max)
{
  size_t len;
  char *s;

  if (span.start > span.end || span.end > c->src->len)
    return "";
  len = span.end - span.start;
  if (len > max)
    len = max;
  s = arena_strndup(c->sh->a, c->src->text + span.start, len);
  if (s == NULL) {
    c->sh->oom = true;
    return "";
  }
  for (char *p = s; *p != '\0'; p++)
    if (*p == '\n' || *p == '\t')
      *p = ' ';
  return s;
}

/* Name of a static type as messages print it ("int", "duration"). */
const char *
check_type_name(enum ck_type t)
{
  static const char *const names[] = {
    "value", "null", "bool", "int", "float", "duration", "string",
    "list", "map", "time", "function", "module"
  };
  return (unsigned)t < sizeof names / sizeof names[0] ? names[t] : "value";
}

/*
** Static type of a literal node (a percentage is a float); TY_UNKNOWN for
** every other kind, whose type takes resolution to know.
*/
enum ck_type
check_literal_type(const struct ast_node *e)
{
  switch (e->kind) {
  case AST_NULL:     return TY_NULL;
  case AST_BOOL:     return TY_BOOL;
  case AST_INT:      return TY_INT;
  case AST_FLOAT:    return TY_FLOAT;
  case AST_PERCENT:  return TY_FLOAT;
  case AST_DURATION: return TY_DURATION;
  case AST_STRING:   return TY_STRING;
  case AST_LIST:     return TY_LIST;
  case AST_MAP:      return TY_MAP;
  default:           return TY_UNKNOWN;
  }
}

/* "a duration", "an int", "a number". */
static const char *
wanted(enum ck_type t)
{
  switch (t) {
  case TY_INT:   return "an int";
  case TY_FLOAT: return "a number";
  default:       return NULL;
  }
}

/*
** RB2004 when v's type is known and is not `want` (an int is a fine float).
** The message quotes short literals ("found int `30`") and suggests a
** duration literal for an int where a duration is wanted.
*/
void
check_expect_type(struct checker *c, const struct ast_node *e,
                  const struct ck_value *v, enum ck_type want, const char *what)
{
  char want_buf[32];
  const char *w = wanted(want);
  struct diag *d;

  if (e == NULL || v->type == TY_UNKNOWN || v->type == want
      || (want == TY_FLOAT && v->type == TY_INT))
    return;
  if (w == NULL) {
    snprintf(want_buf, sizeof want_buf, "a %s", check_type_name(want));
    w = want_buf;
  }
  if (check_literal_type(e) != TY_UNKNOWN && e->span.end - e->span.start <= 32
      && e->kind != AST_LIST && e->kind != AST_MAP)
    d = diag_add(c->sh->diags, DIAG_RB2004, c->src, e->span, "expected %s, found %s `%s`",
                 w, check_type_name(v->type), check_span_text(c, e->span, 32));
  else
    d = diag_add(c->sh->diags, DIAG_RB2004, c->src, e->span, "expected %s, found %s",
                 w, check_type_name(v->type));
  diag_label(d, e->span, true, "`%s` takes %s", what, w);
  if (want == TY_DURATION && e->kind == AST_INT && e->u.i >= 0) {
    const char *text = check_span_text(c, e->span, 24);
    char fix[40];
    if (strspn(text, "0123456789") == strlen(text)) {
      snprintf(fix, sizeof fix, "%ss", text);
      diag_help(d, "did you mean `%s`?", fix);
      diag_set_fix(d, false, e->span, fix);
    }
  }
}

/* {==== metadata ==== */

static const char *const meta_keys[] = {
  "title", "criticality", "expected", "rpo", "rto", "owner", "tested", "review",
  "status", "version"
};
#define NMETA (sizeof meta_keys / sizeof meta_keys[0])

static const char *const criticalities[] = { "low", "medium", "high", "critical" };
static const char *const statuses[] = { "draft", "reviewed", "approved", "tested" };

/* Whether s is a valid "YYYY-MM-DD" calendar date. */
/*
** Calendar validation of "YYYY-MM-DD": month 1-12, day within the month,
** February 29 only in leap years (Gregorian rule).
*/
static bool
valid_date(const char *s, uint32_t len)
{
  static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
  int y, m, d;

  if (len != 10 || s[4] != '-' || s[7] != '-')
    return false;
  for (int i = 0; i < 10; i++)
    if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
      return false;
  y = atoi(s);
  m = atoi(s + 5);
  d = atoi(s + 8);
  if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
    return false;
  return !(m == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)));
}

/* The word of an enum value: a NAME, or a plain string literal. */
static const char *
enum_word(struct checker *c, const struct ast_node *v)
{
  uint32_t len;

  if (v->kind == AST_NAME)
    return v->u.name.name;
  return ast_string_literal(v, c->sh->a, &len);
}

/* criticality / status: RB2005 when the value is not one of `allowed`. */
static void
meta_enum(struct checker *c, const struct ast_node *m, const char *const *allowed, size_t n)
{
  const struct ast_node *v = m->u.meta.value;
  const char *w = enum_word(c, v);
  char list[96] = "";
  struct diag *d;

  for (size_t i = 0; w != NULL && i < n; i++)
    if (strcmp(w, allowed[i]) == 0)
      return;
  for (size_t i = 0; i < n; i++) {
    size_t used = strlen(list);
    snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", allowed[i]);
  }
  d = diag_add(c->sh->diags, DIAG_RB2005, c->src, v->span,
               "`%s` must be one of %s; found `%s`", m->u.meta.key.name, list,
               check_span_text(c, v->span, 40));
  diag_label(d, v->span, true, "not a valid %s", m->u.meta.key.name);
  if (w != NULL && v->kind == AST_NAME)
    check_suggest(c, d, w, v->span, allowed, n);
}

/* rpo, rto, expected, review: duration literals. */
/*
** A NAME value (`rpo soon`) counts as a string: it is a word, not a
** duration, and is not resolved as a variable.
*/
static void
meta_duration(struct checker *c, const struct ast_node *m)
{
  struct ck_value v;

  memset(&v, 0, sizeof v);
  v.type = check_literal_type(m->u.meta.value);
  if (m->u.meta.value->kind == AST_NAME)
    v.type = TY_STRING;
  check_expect_type(c, m->u.meta.value, &v, TY_DURATION, m->u.meta.key.name);
}

/* tested: a plain string holding a valid date (RB2013). */
static void
meta_date(struct checker *c, const struct ast_node *m)
{
  uint32_t len;
  const char *s = ast_string_literal(m->u.meta.value, c->sh->a, &len);
  struct diag *d;

  if (s != NULL && valid_date(s, len))
    return;
  d = diag_add(c->sh->diags, DIAG_RB2013, c->src, m->u.meta.value->span,
               "`tested` must be a date \"YYYY-MM-DD\"; found %s",
               check_span_text(c, m->u.meta.value->span, 40));
  diag_label(d, m->u.meta.value->span, true, "not a valid calendar date");
}

/* title, owner: a string; version: a string or a number. */
static void
meta_text(struct checker *c, const struct ast_node *m, bool number_ok)
{
  enum ck_type t = check_literal_type(m->u.meta.value);
  struct diag *d;

  if (t == TY_STRING || (number_ok && (t == TY_INT || t == TY_FLOAT)))
    return;
  d = diag_add(c->sh->diags, DIAG_RB2012, c->src, m->u.meta.value->span,
               "`%s` must be a string", m->u.meta.key.name);
  diag_label(d, m->u.meta.value->span, true, "write it in quotes");
}

/* Validate the value of a known metadata key (index k in meta_keys). */
static void
meta_value(struct checker *c, const struct ast_node *m, size_t k)
{
  const char *key = meta_keys[k];

  if (strcmp(key, "criticality") == 0)
    meta_enum(c, m, criticalities, 4);
  else if (strcmp(key, "status") == 0)
    meta_enum(c, m, statuses, 4);
  else if (strcmp(key, "tested") == 0)
    meta_date(c, m);
  else if (strcmp(key, "title") == 0 || strcmp(key, "owner") == 0)
    meta_text(c, m, false);
  else if (strcmp(key, "version") == 0)
    meta_text(c, m, true);
  else
    meta_duration(c, m);
}

/* RB2012 for an unknown key, with "did you mean". */
static void
meta_unknown(struct checker *c, const struct ast_node *m)
{
  struct diag *d = diag_add(c->sh->diags, DIAG_RB2012, c->src, m->u.meta.key.span,
                            "unknown metadata attribute `%s`", m->u.meta.key.name);

  diag_label(d, m->u.meta.key.span, true, "not a metadata attribute");
  check_suggest(c, d, m->u.meta.key.name, m->u.meta.key.span, meta_keys, NMETA);
  if (d != NULL && d->nhelps == 0)
    diag_note(d, "attributes: title criticality expected rpo rto owner tested review "
              "status version");
}

/*
** RB4001 for the attributes a runbook should have: owner and rto always;
** with check_options.strict also title, criticality (the safety rules
** read it), expected, rpo, tested and review, the rest of the template.
** seen[] is indexed like meta_keys.
*/
static void
missing_metadata(struct checker *c, const struct ast_node *rb,
                 const struct ast_node *const *seen)
{
  static const struct { const char *key; bool strict; const char *help; } wanted[] = {
    { "owner", false, "name the team that owns it: `owner \"team-name\"`" },
    { "rto", false, "state the recovery time objective: `rto 15m`" },
    { "title", true, "say what it recovers: `title \"Payments API rollback\"`" },
    { "criticality", true, "rate it (the safety rules depend on it): `criticality high`" },
    { "expected", true, "state how long a run takes: `expected 10m`" },
    { "rpo", true, "state the recovery point objective: `rpo 5m`" },
    { "tested", true, "record the last rehearsal: `tested \"2026-11-01\"`" },
    { "review", true, "set how often it must be rehearsed: `review 90d`" },
  };

  for (size_t i = 0; i < sizeof wanted / sizeof wanted[0]; i++) {
    size_t k;
    struct diag *d;
    if (wanted[i].strict && !c->sh->opts->strict)
      continue;
    for (k = 0; k < NMETA && strcmp(meta_keys[k], wanted[i].key) != 0; k++)
      ;
    if (k == NMETA || seen[k] != NULL)
      continue;
    d = diag_add(c->sh->diags, DIAG_RB4001, c->src, rb->u.runbook.name.span,
                 "runbook has no `%s`", wanted[i].key);
    diag_label(d, rb->u.runbook.name.span, true, "add `%s` to this runbook", wanted[i].key);
    diag_help(d, "%s", wanted[i].help);
  }
}

/*
** Every META item of the runbook: known keys, no repeats, valid values;
** then freshness, budgets, and RB4001 for a missing owner or rto (not in a
** file with syntax errors, where the attribute may have been dropped).
*/
static void
check_metadata(struct checker *c, const struct ast_node *rb)
{
  const struct ast_node *seen[NMETA] = { NULL };

  for (const struct ast_node *m = rb->u.runbook.items; m != NULL; m = m->next) {
    size_t k;
    if (m->kind != AST_META || m->u.meta.key.name == NULL || m->u.meta.value == NULL)
      continue;
    for (k = 0; k < NMETA && strcmp(meta_keys[k], m->u.meta.key.name) != 0; k++)
      ;
    if (k == NMETA) {
      meta_unknown(c, m);
    } else if (seen[k] != NULL) {
      struct diag *d = diag_add(c->sh->diags, DIAG_RB2012, c->src, m->u.meta.key.span,
                                "metadata attribute `%s` is given twice", meta_keys[k]);
      diag_label(d, m->u.meta.key.span, true, "given again here");
      diag_label(d, seen[k]->u.meta.key.span, false, "first given here");
    } else {
      seen[k] = m;
      meta_value(c, m, k);
    }
  }
  check_freshness(c, seen[6], seen[7]);   /* tested, review */
  check_budgets(c, rb, seen[4], seen[2]);   /* rto, expected */
  if (!c->syntax_errors)
    missing_metadata(c, rb, seen);
}

/* {==== params ==== */

static const char *const param_types[] = {
  "string", "int", "float", "bool", "duration", "list", "map"
};
static const enum ck_type param_tys[] = {
  TY_STRING, TY_INT, TY_FLOAT, TY_BOOL, TY_DURATION, TY_LIST, TY_MAP
};

/* The declared type of a param, TY_UNKNOWN when untyped or unknown. */
static enum ck_type
declared_type(const struct ast_node *p)
{
  for (size_t i = 0; p->u.param.type.name != NULL && i < 7; i++)
    if (strcmp(p->u.param.type.name, param_types[i]) == 0)
      return param_tys[i];
  return TY_UNKNOWN;
}

/* Whether a --param string converts to type t. */
static bool
value_fits(enum ck_type t, const char *s)
{
  char *end;

  switch (t) {
  case TY_INT:
    (void)strtoll(s, &end, 0);
    return *s != '\0' && *end == '\0';
  case TY_FLOAT:
    (void)strtod(s, &end);
    return *s != '\0' && *end == '\0';
  case TY_BOOL:
    return strcmp(s, "true") == 0 || strcmp(s, "false") == 0;
  case TY_DURATION:
    (void)strtoll(s, &end, 10);
    return end != s && strspn(end, "mshd") == strlen(end) && *end != '\0';
  default:
    return true;
  }
}

/* RB2008 / RB2004 against the --param values given to check. */
static void
param_given(struct checker *c, const struct ast_node *p, enum ck_type t)
{
  const struct check_options *o = c->sh->opts;
  struct diag *d;

  for (int i = 0; i < o->nparams; i++) {
    if (strcmp(o->params[i].name, p->u.param.name.name) != 0)
      continue;
    if (!value_fits(t, o->params[i].value)) {
      d = diag_add(c->sh->diags, DIAG_RB2004, c->src, p->u.param.name.span,
                   "--param %s=%s is not a valid %s", o->params[i].name,
                   o->params[i].value, check_type_name(t));
      diag_label(d, p->u.param.name.span, true, "declared %s here", check_type_name(t));
    }
    return;
  }
  if (p->u.param.value != NULL || c->runbook == NULL)
    return;
  d = diag_add(c->sh->diags, DIAG_RB2008, c->src, p->u.param.name.span,
               "required param `%s` has no value", p->u.param.name.name);
  diag_label(d, p->u.param.name.span, true, "declared without a default");
  diag_help(d, "pass it with `--param %s=VALUE`", p->u.param.name.name);
}

/* param NAME [: TYPE] [= EXPR]: the type name, the default's type. */
static void
check_param(struct checker *c, const struct ast_node *p)
{
  enum ck_type t = declared_type(p);
  struct ck_value v;

  if (p->u.param.type.name != NULL && t == TY_UNKNOWN) {
    struct diag *d = diag_add(c->sh->diags, DIAG_RB2014, c->src, p->u.param.type.span,
                              "unknown param type `%s`", p->u.param.type.name);
    diag_label(d, p->u.param.type.span, true, "not a type");
    check_suggest(c, d, p->u.param.type.name, p->u.param.type.span, param_types, 7);
    if (d != NULL && d->nhelps == 0)
      diag_note(d, "types: string int float bool duration list map");
  }
  check_expr(c, p->u.param.value, &v);
  if (t != TY_UNKNOWN && p->u.param.value != NULL && v.type != TY_NULL)
    check_expect_type(c, p->u.param.value, &v, t, p->u.param.name.name);
  if (c->sh->opts->params_given && p->u.param.name.name != NULL)
    param_given(c, p, t);
}

/* {==== collection pass ==== */

/* Name sets used only to find duplicates (phases, steps, troubleshoots...). */
struct name_sets {
  struct scope *phases, *steps, *troubleshoots, *checklists, *monitors, *triggers;
  struct scope *contacts;
};

/* Define `id` in set s unless present; RB2006 when it is. */
static void
unique(struct checker *c, struct scope *s, const char *what, struct ast_ident id)
{
  const struct sym *first;

  if (s == NULL || id.name == NULL)
    return;
  first = check_scope_find(s, id.name);
  if (first != NULL)
    check_duplicate(c, what, id.name, id.span, first->src, first->span);
  else
    check_define(c, s, id.name, SYM_LOCAL, id.span, NULL);
}

/* Define a runbook-wide value name; RB2006 when the name is taken. */
static struct sym *
define_global(struct checker *c, const char *what, struct ast_ident id,
              enum sym_kind kind, const struct ast_node *decl)
{
  const struct sym *first;

  if (id.name == NULL)
    return NULL;
  first = check_scope_find(c->global, id.name);
  if (first != NULL) {
    check_duplicate(c, what, id.name, id.span, first->src, first->span);
    return NULL;
  }
  return check_define(c, c->global, id.name, kind, id.span, decl);
}

/* A top-level fn of this file (runbook or library). */
static void
collect_fn(struct checker *c, const struct ast_node *fn)
{
  struct sym *sym = define_global(c, "fn", fn->u.fn.name, SYM_FN, fn);

  if (sym != NULL) {
    sym->val.type = TY_FN;
    sym->val.fn = fn;
  }
}

/*
** param/secret NAME [: TYPE] [= EXPR]: its static type is the declared one,
** else the type of a literal default; a secret is its own taint.
*/
static void
collect_param(struct checker *c, const struct ast_node *p)
{
  bool secret = p->u.param.secret;
  struct sym *sym = define_global(c, secret ? "secret" : "param", p->u.param.name,
                                  secret ? SYM_SECRET : SYM_PARAM, p);
  enum ck_type t = declared_type(p);

  if (sym == NULL)
    return;
  if (t == TY_UNKNOWN && p->u.param.value != NULL)
    t = check_literal_type(p->u.param.value);
  sym->val.type = t == TY_NULL ? TY_UNKNOWN : t;
  if (secret)
    sym->val.taint = sym->name;
}

/* The lets written directly in a step body bind at runbook level. */
static void
collect_step(struct checker *c, struct name_sets *ns, const struct ast_node *step)
{
  const struct ast_node *s;
  const struct sym *first;
  struct sym *sym;

  unique(c, ns->steps, "step", step->u.step.name);
  if (step->u.step.body == NULL || step->u.step.body->kind != AST_BLOCK)
    return;
  for (s = step->u.step.body->u.block.stmts; s != NULL; s = s->next) {
    if (s->kind != AST_LET || s->u.let.name.name == NULL)
      continue;
    first = check_scope_find(c->global, s->u.let.name.name);
    if (first != NULL && first->kind != SYM_STEP_LET) {
      check_duplicate(c, "name", s->u.let.name.name, s->u.let.name.span,
                      first->src, first->span);
    } else if (first == NULL) {
      sym = check_define(c, c->global, s->u.let.name.name, SYM_STEP_LET,
                         s->u.let.name.span, s);
      if (sym != NULL)
        sym->step = step;
    }
  }
}

/*
** Collection pass over one runbook item: imports are resolved first so
** that library fns are in scope, value names are defined, and the names
** of phases, steps, troubleshoots, checklists, monitors, triggers and
** contacts are checked for duplicates.
*/
static void
collect_item(struct checker *c, struct name_sets *ns, const struct ast_node *it)
{
  const struct ast_node *s;
  struct sym *sym;

  switch (it->kind) {
  case AST_IMPORT:   check_import(c, it); break;
  case AST_PARAM:    collect_param(c, it); break;
  case AST_FN:       collect_fn(c, it); break;
  case AST_RESOURCE:
    sym = define_global(c, "resource", it->u.resource.name, SYM_RESOURCE, it);
    if (sym != NULL)
      sym->val.type = TY_STRING;
    break;
  case AST_PHASE:
    unique(c, ns->phases, "phase", it->u.phase.name);
    for (s = it->u.phase.steps; s != NULL; s = s->next)
      if (s->kind == AST_STEP)
        collect_step(c, ns, s);
    break;
  case AST_STEP:         collect_step(c, ns, it); break;
  case AST_TROUBLESHOOT:
    unique(c, ns->troubleshoots, "troubleshoot", it->u.troubleshoot.name);
    break;
  case AST_CHECKLIST:    unique(c, ns->checklists, "checklist", it->u.checklist.name); break;
  case AST_MONITOR:      unique(c, ns->monitors, "monitor", it->u.monitor.name); break;
  case AST_TRIGGER:      unique(c, ns->triggers, "trigger", it->u.trigger.name); break;
  case AST_CONTACT:      unique(c, ns->contacts, "contact", it->u.contact.role); break;
  default: break;
  }
}

/* {==== the walk ==== */

/* fn NAME(params) { body }: parameters are locals of a new scope. */
static void
check_fn(struct checker *c, const struct ast_node *fn)
{
  struct scope *saved = c->scope;
  const struct ast_node *p;

  check_scope_push(c);
  for (p = fn->u.fn.params; p != NULL; p = p->next) {
    const struct sym *first;
    if (p->kind != AST_NAME || p->u.name.name == NULL)
      continue;
    first = check_scope_find(c->scope, p->u.name.name);
    if (first != NULL && c->scope != c->global)
      check_duplicate(c, "parameter", p->u.name.name, p->span, first->src, first->span);
    else
      check_define(c, c->scope, p->u.name.name, SYM_LOCAL, p->span, p);
  }
  c->fn_depth++;
  check_block(c, fn->u.fn.body, false);
  c->fn_depth--;
  c->scope = saved;
}

/*
** A safe fix for a name written as a string literal: its span covers the
** quotes, so the replacement is a string literal too, escaped.
*/
static void
string_fix(struct diag *d, struct span span, const char *name)
{
  char fix[256];
  size_t used = 0;

  fix[used++] = '"';
  for (const char *p = name; *p != '\0' && used + 3 < sizeof fix; p++) {
    if (*p == '"' || *p == '\\' || *p == '$')
      fix[used++] = '\\';
    fix[used++] = *p;
  }
  fix[used++] = '"';
  fix[used] = '\0';
  diag_set_fix(d, true, span, fix);
}

/* RB2007: `on failure troubleshoot "X"` with no troubleshoot "X". */
static void
check_on_failure(struct checker *c, const struct name_sets *ns, const struct ast_node *st)
{
  struct ast_ident t = st->u.step.troubleshoot;
  const char **cands;
  size_t n = 0;
  struct diag *d;

  if (st->u.step.on_failure != ONFAIL_TROUBLESHOOT || t.name == NULL
      || ns->troubleshoots == NULL || check_scope_find(ns->troubleshoots, t.name) != NULL)
    return;
  d = diag_add(c->sh->diags, DIAG_RB2007, c->src, t.span,
               "no troubleshoot block named \"%s\"", t.name);
  diag_label(d, t.span, true, "unknown troubleshoot");
  cands = arena_alloc(c->sh->a, (ns->troubleshoots->count + 1) * sizeof *cands);
  if (cands == NULL)
    return;
  for (size_t b = 0; b < ns->troubleshoots->nbuckets; b++)
    for (const struct sym *s = ns->troubleshoots->buckets[b]; s != NULL; s = s->next)
      cands[n++] = s->name;
  check_suggest(c, d, t.name, t.span, cands, n);
  if (d != NULL && d->fix.text != NULL)
    string_fix(d, t.span, d->fix.text);
}

/* step NAME [when E] [retry ...] [timeout D] [on failure ...] { body } */
static void
check_step(struct checker *c, const struct name_sets *ns, const struct ast_node *st)
{
  struct ck_value v;

  check_expr(c, st->u.step.when, &v);
  check_retry_spec(c, st->u.step.retry);
  check_duration_expr(c, st->u.step.timeout, "timeout");
  check_on_failure(c, ns, st);
  c->step = st;
  check_block(c, st->u.step.body, false);
  c->step = NULL;
}

/* A monitor threshold: `OP EXPR` or `LO .. HI`. */
static void
check_threshold(struct checker *c, const struct ast_node *t)
{
  struct ck_value v;

  if (t == NULL)
    return;
  check_expr(c, t->u.threshold.lo, &v);
  check_expr(c, t->u.threshold.hi, &v);
}

/* item "text" [verify EXPR]: RB4005 (info) without verify. */
static void
check_item_verify(struct checker *c, const struct ast_node *item)
{
  struct ck_value v;
  struct diag *d;

  if (item->u.item.verify != NULL) {
    check_expr(c, item->u.item.verify, &v);
    return;
  }
  d = diag_add(c->sh->diags, DIAG_RB4005, c->src, item->span,
               "checklist item has no `verify` expression");
  diag_label(d, item->span, true, "checked by hand only");
  diag_help(d, "add `verify EXPR` when a condition can confirm it");
}

/* One runbook item, in source order. */
static void
check_item(struct checker *c, const struct name_sets *ns, const struct ast_node *it)
{
  struct ck_value v;
  const struct ast_node *s;

  switch (it->kind) {
  case AST_PARAM:    check_param(c, it); break;
  case AST_FN:       check_fn(c, it); break;
  case AST_RESOURCE: check_expr(c, it->u.resource.value, &v); break;
  case AST_TRIGGER:
    check_expr(c, it->u.trigger.cond, &v);
    check_duration_expr(c, it->u.trigger.duration, "for");
    break;
  case AST_PHASE:
    check_duration_expr(c, it->u.phase.within, "within");
    for (s = it->u.phase.steps; s != NULL; s = s->next)
      if (s->kind == AST_STEP)
        check_step(c, ns, s);
    break;
  case AST_STEP:     check_step(c, ns, it); break;
  case AST_CHECKLIST:
    for (s = it->u.checklist.items; s != NULL; s = s->next)
      if (s->kind == AST_ITEM)
        check_item_verify(c, s);
    break;
  case AST_CONTACT:  check_contact(c, it); break;
  case AST_TROUBLESHOOT: check_block(c, it->u.troubleshoot.body, true); break;
  case AST_MONITOR:
    check_expr(c, it->u.monitor.value, &v);
    check_threshold(c, it->u.monitor.normal);
    check_threshold(c, it->u.monitor.alert);
    break;
  default: break;
  }
}

/*
** runbook NAME { items }: the collection pass, metadata, then every item in
** source order, then the unused params (which needs every use seen).
*/
static void
check_runbook(struct checker *c, const struct ast_node *rb)
{
  struct name_sets ns;
  const struct ast_node *it;

  ns.phases = check_scope_new(c, NULL, 64);
  ns.steps = check_scope_new(c, NULL, 256);
  ns.troubleshoots = check_scope_new(c, NULL, 64);
  ns.checklists = check_scope_new(c, NULL, 64);
  ns.monitors = check_scope_new(c, NULL, 64);
  ns.triggers = check_scope_new(c, NULL, 64);
  ns.contacts = check_scope_new(c, NULL, 64);
  c->runbook = rb;
  for (it = rb->u.runbook.items; it != NULL; it = it->next)
    collect_item(c, &ns, it);
  check_metadata(c, rb);
  for (it = rb->u.runbook.items; it != NULL; it = it->next)
    check_item(c, &ns, it);
  if (!c->syntax_errors) {
    check_unused(c);
    check_rules_runbook(c, rb);
  }
  c->runbook = NULL;
}

/*
** Check a FILE node: its imports, its top-level fns and its runbook.
** Shared by check_file and by the import of libraries.
*/
void
check_file_items(struct checker *c, const struct ast_node *file)
{
  const struct ast_node *it;

  if (file == NULL || file->kind != AST_FILE)
    return;
  for (it = file->u.file.imports; it != NULL; it = it->next)
    if (it->kind == AST_IMPORT)
      check_import(c, it);
  for (it = file->u.file.items; it != NULL; it = it->next)
    if (it->kind == AST_FN)
      collect_fn(c, it);
  for (it = file->u.file.items; it != NULL; it = it->next) {
    if (it->kind == AST_FN) {
      check_fn(c, it);
      if (!c->syntax_errors)
        check_rules_fn(c, it);
    } else if (it->kind == AST_RUNBOOK)
      check_runbook(c, it);
    else if (it->kind == AST_IMPORT)
      check_import(c, it);
  }
}

/* {==== entry point ==== */

/*
** Check a parsed file (see check.h): every rule, then the suppression
** directives found in its comments.
*/
int
check_file(struct arena *a, const struct source *src, const struct ast_node *file,
           const struct ast_comment *comments, size_t ncomments,
           const struct check_options *opts, struct diag_list *diags)
{
  static const struct check_options defaults;
  struct ck_shared sh;
  struct checker c;

  memset(&sh, 0, sizeof sh);
  memset(&c, 0, sizeof c);
  sh.a = a;
  sh.diags = diags;
  sh.opts = opts != NULL ? opts : &defaults;
  c.sh = &sh;
  c.src = src;
  c.global = check_scope_new(&c, NULL, 1024);
  if (c.global == NULL)
    return -1;
  c.scope = c.global;
  c.syntax_errors = check_has_syntax_errors(&c);
  check_file_items(&c, file);
  check_formatted(&c, file, comments, ncomments);
  check_suppressions(&c, file, comments, ncomments);
  return sh.oom || diags->oom ? -1 : 0;
}
