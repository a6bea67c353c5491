/*
** check_expr.c: expressions.  Resolves names, checks calls against the
** built-ins table (arity, named arguments, module members), infers static
** types where they are visible (literals, typed params, built-in results)
** and tracks secret taint through expressions.
*/
#include <ctype.h>
#include <string.h>

#include "parser/arena.h"
#include "parser/check_impl.h"
#include "stdlib/builtins.h"

/* {==== types of operators ==== */

#define TY_BAD (-1)

/*
** The operator tables below encode language.md "Time arithmetic": numbers
** mix freely; a duration adds to a duration or to a time, scales by a
** number, divides by a number or by a duration; time minus time is a
** duration; `+` also joins strings and lists.  A combination outside
** the tables is reported only when both operand types are known, so a
** value of unknown type (a call of a user fn, a map member) never
** produces a false positive.
*/

static bool
is_num(enum ck_type t)
{
  return t == TY_INT || t == TY_FLOAT;
}

/* Result of + and -, or TY_BAD. */
static int
additive(enum ast_binop op, enum ck_type l, enum ck_type r)
{
  if (is_num(l) && is_num(r))
    return l == TY_INT && r == TY_INT ? TY_INT : TY_FLOAT;
  if (l == TY_DURATION && r == TY_DURATION)
    return TY_DURATION;
  if (l == TY_TIME && r == TY_DURATION)
    return TY_TIME;
  if (op == BIN_ADD) {
    if (l == TY_DURATION && r == TY_TIME)
      return TY_TIME;
    if ((l == TY_STRING && r == TY_STRING) || (l == TY_LIST && r == TY_LIST))
      return l;
    return TY_BAD;
  }
  return l == TY_TIME && r == TY_TIME ? TY_DURATION : TY_BAD;
}

/* Result of *, / and %, or TY_BAD. */
static int
multiplicative(enum ast_binop op, enum ck_type l, enum ck_type r)
{
  if (is_num(l) && is_num(r))
    return op == BIN_MUL && l == TY_INT && r == TY_INT ? TY_INT : TY_UNKNOWN;
  if (l == TY_DURATION && is_num(r))
    return op == BIN_MOD ? TY_BAD : TY_DURATION;
  if (op == BIN_MUL && is_num(l) && r == TY_DURATION)
    return TY_DURATION;
  if (l == TY_DURATION && r == TY_DURATION && op != BIN_MUL)
    return op == BIN_DIV ? TY_FLOAT : TY_DURATION;
  return TY_BAD;
}

/* Result of a comparison, or TY_BAD when the two sides cannot be ordered. */
static int
comparison(enum ast_binop op, enum ck_type l, enum ck_type r)
{
  if (op == BIN_EQ || op == BIN_NE)
    return TY_BOOL;
  if (op == BIN_IN)
    return r == TY_LIST || r == TY_MAP || r == TY_STRING ? TY_BOOL : TY_BAD;
  if ((is_num(l) && is_num(r)) || (l == r && (l == TY_DURATION || l == TY_STRING
                                             || l == TY_TIME)))
    return TY_BOOL;
  return TY_BAD;
}

/* Result type of `l op r` when both are known; TY_BAD for a type error. */
static int
binop_type(enum ast_binop op, enum ck_type l, enum ck_type r)
{
  switch (op) {
  case BIN_COALESCE:
    return l == TY_NULL ? (int)r : TY_UNKNOWN;
  case BIN_OR: case BIN_AND:
    return TY_BOOL;
  case BIN_ADD: case BIN_SUB:
    return additive(op, l, r);
  case BIN_MUL: case BIN_DIV: case BIN_MOD:
    return multiplicative(op, l, r);
  default:
    return comparison(op, l, r);
  }
}

/* {==== literals, operators ==== */

/*
** Taint: the name of the secret a value derives from, or NULL.  The first
** secret seen wins; one name is enough for the message.
*/
static const char *
join_taint(const char *a, const char *b)
{
  return a != NULL ? a : b;
}

/* Help for an int or float literal where a duration is wanted. */
static void
suggest_duration(struct checker *c, struct diag *d, const struct ast_node *e)
{
  const char *text;
  char fix[48];

  if (e->kind != AST_INT || e->u.i < 0 || e->span.end - e->span.start > 20)
    return;
  text = check_span_text(c, e->span, 24);
  if (!isdigit((unsigned char)text[0]) || strchr(text, 'x') || strchr(text, '_'))
    return;
  snprintf(fix, sizeof fix, "%ss", text);
  diag_help(d, "did you mean `%s`?", fix);
  diag_set_fix(d, false, e->span, fix);
}

/*
** BINARY: both operands, then the operator's type rule.  A comparison of
** unknown operands is still a bool; RB2004 names both types and points at
** each operand, suggesting a duration literal for a bare int.
*/
static void
binary(struct checker *c, const struct ast_node *e, struct ck_value *out)
{
  struct ck_value l, r;
  int t;
  struct diag *d;

  check_expr(c, e->u.binary.left, &l);
  check_expr(c, e->u.binary.right, &r);
  out->taint = join_taint(l.taint, r.taint);
  if (l.type == TY_UNKNOWN || r.type == TY_UNKNOWN) {
    out->type = e->u.binary.op <= BIN_IN && e->u.binary.op > BIN_COALESCE
              ? TY_BOOL : TY_UNKNOWN;
    return;
  }
  t = binop_type(e->u.binary.op, l.type, r.type);
  if (t != TY_BAD) {
    out->type = (enum ck_type)t;
    return;
  }
  d = diag_add(c->sh->diags, DIAG_RB2004, c->src, e->span,
               "`%s` cannot combine %s and %s", ast_binop_str(e->u.binary.op),
               check_type_name(l.type), check_type_name(r.type));
  diag_label(d, e->u.binary.left->span, true, "%s", check_type_name(l.type));
  diag_label(d, e->u.binary.right->span, false, "%s", check_type_name(r.type));
  if (l.type == TY_DURATION && r.type == TY_INT)
    suggest_duration(c, d, e->u.binary.right);
  else if (l.type == TY_INT && r.type == TY_DURATION)
    suggest_duration(c, d, e->u.binary.left);
}

/* UNARY: `not` gives a bool; `-` needs a number or a duration. */
static void
unary(struct checker *c, const struct ast_node *e, struct ck_value *out)
{
  struct ck_value v;

  check_expr(c, e->u.unary.operand, &v);
  out->taint = v.taint;
  if (e->u.unary.op == UN_NOT) {
    out->type = TY_BOOL;
    return;
  }
  if (v.type == TY_UNKNOWN || is_num(v.type) || v.type == TY_DURATION) {
    out->type = v.type;
    return;
  }
  diag_label(diag_add(c->sh->diags, DIAG_RB2004, c->src, e->span,
                      "cannot negate a %s", check_type_name(v.type)),
             e->u.unary.operand->span, true, "%s", check_type_name(v.type));
}

/* Walk a list of expressions (list items, string parts), joining taint. */
static void
walk_list(struct checker *c, const struct ast_node *n, struct ck_value *out)
{
  struct ck_value v;

  for (; n != NULL; n = n->next) {
    if (n->kind == AST_STR_TEXT)
      continue;
    check_expr(c, n->kind == AST_PAIR ? n->u.pair.value : n, &v);
    out->taint = join_taint(out->taint, v.taint);
  }
}

/* {==== members and modules ==== */

/* Concatenate "a.b" in the arena. */
static const char *
dotted(struct checker *c, const char *a, const char *b)
{
  size_t la = strlen(a), lb = strlen(b);
  char *s = arena_alloc(c->sh->a, la + lb + 2);

  if (s == NULL) {
    c->sh->oom = true;
    return NULL;
  }
  memcpy(s, a, la);
  s[la] = '.';
  memcpy(s + la + 1, b, lb + 1);
  return s;
}

/* RB2019 for `module.id`, suggesting the module's members. */
static void
unknown_member(struct checker *c, const struct ast_node *e, const char *module)
{
  const char *cands[16];
  size_t n = 0, ml = strlen(module);
  const char *id = e->u.member.id.name;
  struct diag *d = diag_add(c->sh->diags, DIAG_RB2019, c->src, e->u.member.id.span,
                            "module `%s` has no member `%s`", module, id);

  diag_label(d, e->u.member.id.span, true, "not a member of `%s`", module);
  for (size_t i = 0; i < std_nbuiltins && n < 16; i++)
    if (strncmp(std_builtins[i].name, module, ml) == 0 && std_builtins[i].name[ml] == '.')
      cands[n++] = std_builtins[i].name + ml + 1;
  check_suggest(c, d, id, e->u.member.id.span, cands, n);
}

/* `module.id`: an AWS service, an AWS operation, or a member of http/json. */
static void
module_member(struct checker *c, const struct ast_node *e, const char *module,
              struct ck_value *out)
{
  const char *full = dotted(c, module, e->u.member.id.name);

  if (full == NULL)
    return;
  if (strcmp(module, "aws") == 0 && std_builtin_lookup(full) != NULL) {
    out->type = TY_FN;          /* aws.paginate */
    out->bi = std_builtin_lookup(full);
    out->module = full;
  } else if (strcmp(module, "aws") == 0) {
    out->type = TY_MODULE;      /* aws.SERVICE */
    out->module = full;
  } else if (strncmp(module, "aws.", 4) == 0) {
    out->type = TY_FN;          /* aws.SERVICE.OPERATION */
    out->bi = std_builtin_lookup("aws");
    out->module = full;
  } else if (std_builtin_lookup(full) != NULL) {
    out->type = TY_FN;
    out->bi = std_builtin_lookup(full);
    out->module = full;
  } else {
    unknown_member(c, e, module);
  }
}

/*
** MEMBER: on a module (http, json, aws, aws.SERVICE) it names a function or
** a service and is checked here; on any other value it is a map lookup,
** which keeps the object's taint (`secret.user` is still secret).
*/
static void
member(struct checker *c, const struct ast_node *e, struct ck_value *out)
{
  struct ck_value obj;

  check_expr(c, e->u.member.object, &obj);
  if (e->u.member.id.name == NULL)
    return;
  if (obj.type == TY_MODULE && obj.module != NULL) {
    module_member(c, e, obj.module, out);
    return;
  }
  out->taint = obj.taint;
}

/* {==== calls ==== */

/* Static result type of a built-in call. */
static enum ck_type
builtin_result(const struct std_builtin *bi)
{
  switch (bi->id) {
  case STD_BI_len: case STD_BI_int:
    return TY_INT;
  case STD_BI_float:
    return TY_FLOAT;
  case STD_BI_now:
    return TY_TIME;
  case STD_BI_str: case STD_BI_join: case STD_BI_lower: case STD_BI_upper:
  case STD_BI_replace: case STD_BI_read_file: case STD_BI_json_encode:
    return TY_STRING;
  case STD_BI_keys: case STD_BI_split: case STD_BI_glob:
    return TY_LIST;
  case STD_BI_contains: case STD_BI_exists: case STD_BI_matches: case STD_BI_confirm:
    return TY_BOOL;
  case STD_BI_http_bench: case STD_BI_http_get: case STD_BI_http_post:
  case STD_BI_http_put: case STD_BI_http_patch: case STD_BI_http_delete:
  case STD_BI_http_request: case STD_BI_sh:
    return TY_MAP;
  default:
    return TY_UNKNOWN;
  }
}

/* The n-th positional argument's value node, or NULL. */
/*
** Argument lists: positional arguments come first, then named ones
** (`name: value`); an ARG with a NULL name is positional.
*/

static const struct ast_node *
positional(const struct ast_node *args, int n)
{
  for (; args != NULL; args = args->next)
    if (args->u.arg.name.name == NULL && n-- == 0)
      return args->u.arg.value;
  return NULL;
}

/* Number of positional arguments in an ARG list. */
static int
count_positional(const struct ast_node *args)
{
  int n = 0;

  for (; args != NULL; args = args->next)
    n += args->u.arg.name.name == NULL;
  return n;
}

/* "1 argument", "1 to 2 arguments", "at least 1 argument". */
static void
arity_text(char *buf, size_t size, int min, int max)
{
  if (max == STD_VARIADIC)
    snprintf(buf, size, "at least %d argument%s", min, min == 1 ? "" : "s");
  else if (min == max)
    snprintf(buf, size, "%d argument%s", min, min == 1 ? "" : "s");
  else
    snprintf(buf, size, "%d to %d arguments", min, max);
}

/* RB2009 when the positional count is outside [min, max]. */
static void
check_arity(struct checker *c, const struct ast_node *call, const char *name,
            int min, int max)
{
  int n = count_positional(call->u.call.args);
  char want[48];
  struct diag *d;
  const struct ast_node *extra;

  if (n >= min && (max == STD_VARIADIC || n <= max))
    return;
  arity_text(want, sizeof want, min, max);
  d = diag_add(c->sh->diags, DIAG_RB2009, c->src, call->span,
               "`%s` takes %s, found %d", name, want, n);
  extra = n > max && max != STD_VARIADIC ? positional(call->u.call.args, max) : NULL;
  diag_label(d, extra != NULL ? extra->span : call->span, true,
             n < min ? "missing argument%s" : "unexpected argument%s",
             (n < min ? min - n : n - max) == 1 ? "" : "s");
}

/* RB2010 for a named argument that `name` does not take. */
static void
unknown_named(struct checker *c, const struct ast_node *arg, const char *name,
              const struct std_builtin *bi)
{
  const char *cands[16];
  size_t n = 0;
  char buf[128];
  const char *p;
  struct diag *d = diag_add(c->sh->diags, DIAG_RB2010, c->src, arg->u.arg.name.span,
                            "`%s` has no argument `%s`", name, arg->u.arg.name.name);

  if (bi == NULL || bi->named[0] == '\0') {
    diag_label(d, arg->u.arg.name.span, true, "`%s` takes no named arguments", name);
    return;
  }
  diag_label(d, arg->u.arg.name.span, true, "unknown argument");
  snprintf(buf, sizeof buf, "%s", bi->named);
  for (p = buf; *p != '\0' && n < 16; ) {
    char *comma = strchr(p, ',');
    cands[n++] = p;
    if (comma == NULL)
      break;
    *comma = '\0';
    p = comma + 1;
  }
  check_suggest(c, d, arg->u.arg.name.name, arg->u.arg.name.span, cands, n);
  diag_note(d, "`%s` takes: %s", name, bi->named);
}

/* Checks on named arguments shared by sh and http: timeout, insecure. */
static void
named_arg_rules(struct checker *c, const struct ast_node *arg)
{
  const char *name = arg->u.arg.name.name;
  const struct ast_node *v = arg->u.arg.value;

  if (strcmp(name, "timeout") == 0) {
    check_duration_expr(c, v, "timeout:");
  } else if (strcmp(name, "insecure") == 0 && v->kind == AST_BOOL && v->u.b) {
    struct diag *d = diag_add(c->sh->diags, DIAG_RB3003, c->src, arg->span,
                              "TLS certificate verification is turned off");
    diag_label(d, arg->span, true, "any certificate will be accepted");
    diag_help(d, "trust the server's CA instead of disabling verification");
  }
}

/* Safety rules that depend on which built-in is called. */
static void
builtin_safety(struct checker *c, const struct std_builtin *bi, const struct ast_node *args)
{
  int url = bi->id == STD_BI_http_request ? 1 : 0;

  switch (bi->id) {
  case STD_BI_sh:
    check_secret_uses(c, positional(args, 0), DIAG_RB3001, NULL);
    break;
  case STD_BI_log:
    for (const struct ast_node *a = args; a != NULL; a = a->next)
      if (a->u.arg.name.name == NULL)
        check_secret_uses(c, a->u.arg.value, DIAG_RB3002, "a log line");
    break;
  case STD_BI_fail:
    check_secret_uses(c, positional(args, 0), DIAG_RB3002, "a failure message");
    break;
  case STD_BI_confirm:
    check_secret_uses(c, positional(args, 0), DIAG_RB3002, "a confirm question");
    break;
  default:
    if (strncmp(bi->name, "http.", 5) == 0)
      check_secret_uses(c, positional(args, url), DIAG_RB3002, "a URL");
    break;
  }
}

/* RB2009 for each positional argument of an AWS call. */
static void
aws_call(struct checker *c, const struct ast_node *call, const char *op)
{
  for (const struct ast_node *a = call->u.call.args; a != NULL; a = a->next) {
    struct diag *d;
    if (a->u.arg.name.name != NULL)
      continue;
    d = diag_add(c->sh->diags, DIAG_RB2009, c->src, a->span,
                 "`%s` takes named arguments only", op);
    diag_label(d, a->span, true, "positional argument");
    diag_help(d, "AWS calls name every member: `%s(Member: value, ...)`", op);
  }
}

/*
** A call of a built-in: arity and named arguments from builtins.def,
** per-argument rules (timeout, insecure) and the safety rules of the
** callee.  AWS operations only require named arguments here; their
** operation and member names are checked against service models
** elsewhere.
*/
static void
builtin_call(struct checker *c, const struct ast_node *call, const struct ck_value *cv)
{
  const struct std_builtin *bi = cv->bi;
  const char *name = cv->module != NULL ? cv->module : bi->name;

  if (bi->id == STD_BI_aws) {
    aws_call(c, call, name);
    check_aws_call(c, call);
    return;
  }
  check_arity(c, call, name, bi->min_args, bi->max_args);
  for (const struct ast_node *a = call->u.call.args; a != NULL; a = a->next) {
    if (a->u.arg.name.name == NULL)
      continue;
    if (!std_builtin_takes_named(bi, a->u.arg.name.name))
      unknown_named(c, a, name, bi);
    else
      named_arg_rules(c, a);
  }
  builtin_safety(c, bi, call->u.call.args);
  if (bi->id == STD_BI_aws_paginate)
    check_aws_paginate(c, call);
}

/* A call of a user fn: arity, no named arguments. */
static void
user_call(struct checker *c, const struct ast_node *call, const struct ast_node *fn)
{
  int n = (int)ast_list_len(fn->u.fn.params);

  check_arity(c, call, fn->u.fn.name.name, n, n);
  for (const struct ast_node *a = call->u.call.args; a != NULL; a = a->next)
    if (a->u.arg.name.name != NULL)
      unknown_named(c, a, fn->u.fn.name.name, NULL);
}

/* RB2018: the callee is known not to be a function. */
static void
not_callable(struct checker *c, const struct ast_node *callee, const struct ck_value *cv)
{
  const char *text = check_span_text(c, callee->span, 40);
  struct diag *d;

  if (cv->type == TY_MODULE && cv->module != NULL && strncmp(cv->module, "aws.", 4) == 0) {
    d = diag_add(c->sh->diags, DIAG_RB2018, c->src, callee->span,
                 "`%s` is an AWS service, not an operation", text);
    diag_label(d, callee->span, true, "not callable");
    diag_help(d, "call one of its operations: `%s.OPERATION(Member: value)`", text);
    return;
  }
  d = diag_add(c->sh->diags, DIAG_RB2018, c->src, callee->span,
               "`%s` is %s %s, not a function", text, cv->type == TY_INT ? "an" : "a",
               cv->type == TY_MODULE ? "module" : check_type_name(cv->type));
  diag_label(d, callee->span, true, "not callable");
}

/*
** CALL: the callee decides the checks (built-in, user fn, or something
** that is known not to be callable).  The result is tainted by the
** positional arguments only: named ones such as `env:` are the sanctioned
** way to hand a secret to a command, and AWS results are never secret.
*/
static void
call(struct checker *c, const struct ast_node *e, struct ck_value *out)
{
  struct ck_value cv, v;
  const struct ast_node *a;

  check_expr(c, e->u.call.callee, &cv);
  if (cv.type == TY_FN && cv.bi != NULL)
    builtin_call(c, e, &cv);
  else if (cv.type == TY_FN && cv.fn != NULL)
    user_call(c, e, cv.fn);
  else if (cv.type != TY_UNKNOWN && cv.type != TY_FN)
    not_callable(c, e->u.call.callee, &cv);
  for (a = e->u.call.args; a != NULL; a = a->next) {
    check_expr(c, a->u.arg.value, &v);
    if (a->u.arg.name.name == NULL)
      out->taint = join_taint(out->taint, v.taint);
  }
  if (cv.bi != NULL)
    out->type = builtin_result(cv.bi);
  if (cv.bi != NULL && cv.bi->id == STD_BI_aws)
    out->taint = NULL;
}

/* {==== the walk ==== */

/*
** Check expression e and describe its value in *out.  NULL e (an optional
** part that is absent) gives an unknown value.
*/
void
check_expr(struct checker *c, const struct ast_node *e, struct ck_value *out)
{
  memset(out, 0, sizeof *out);
  if (e == NULL)
    return;
  out->type = check_literal_type(e);
  switch (e->kind) {
  case AST_NAME:   check_resolve(c, e, out); break;
  case AST_STRING: walk_list(c, e->u.string.parts, out); break;
  case AST_LIST:   walk_list(c, e->u.list.items, out); break;
  case AST_MAP:    walk_list(c, e->u.map.entries, out); break;
  case AST_UNARY:  unary(c, e, out); break;
  case AST_BINARY: binary(c, e, out); break;
  case AST_MEMBER: member(c, e, out); break;
  case AST_CALL:   call(c, e, out); break;
  case AST_INDEX: {
    struct ck_value obj, idx;
    check_expr(c, e->u.index.object, &obj);
    check_expr(c, e->u.index.index, &idx);
    out->taint = obj.taint;
    break;
  }
  default:
    break;
  }
}

/* An expression that must be a duration: RB2004 when its type says otherwise. */
void
check_duration_expr(struct checker *c, const struct ast_node *e, const char *what)
{
  struct ck_value v;

  if (e == NULL)
    return;
  check_expr(c, e, &v);
  check_expect_type(c, e, &v, TY_DURATION, what);
}

/* {==== secrets ==== */

/* The span of `${name}` when e is a whole interpolation, else e's own span. */
static struct span
interpolation_span(const struct checker *c, const struct ast_node *e)
{
  struct span s = e->span;
  const char *t = c->src->text;

  if (s.start >= 2 && s.end < c->src->len && t[s.start - 2] == '$' && t[s.start - 1] == '{'
      && t[s.end] == '}') {
    s.start -= 2;
    s.end++;
  }
  return s;
}

/* Report one secret-derived name use. */
static void
secret_use(struct checker *c, const struct ast_node *e, const struct sym *sym,
           enum diag_code code, const char *context)
{
  const char *secret = sym->kind == SYM_SECRET ? sym->name : sym->val.taint;
  struct span at = interpolation_span(c, e);
  struct diag *d;
  char env[64];
  size_t i;

  if (code == DIAG_RB3001) {
    d = sym->kind == SYM_SECRET
      ? diag_add(c->sh->diags, code, c->src, at,
                 "secret `%s` is interpolated into a shell command line", secret)
      : diag_add(c->sh->diags, code, c->src, at,
                 "`%s` holds secret `%s` and is interpolated into a shell command line",
                 sym->name, secret);
    diag_label(d, at, true, "would appear in `ps`, shell history and the journal");
    for (i = 0; secret[i] != '\0' && i + 1 < sizeof env; i++)
      env[i] = (char)toupper((unsigned char)secret[i]);
    env[i] = '\0';
    diag_help(d, "pass it through the environment: `env: {%s: %s}`", env, secret);
    return;
  }
  d = sym->kind == SYM_SECRET
    ? diag_add(c->sh->diags, code, c->src, at,
               "secret `%s` is written to %s", secret, context)
    : diag_add(c->sh->diags, code, c->src, at,
               "`%s` holds secret `%s` and is written to %s", sym->name, secret, context);
  diag_label(d, at, true, "secret value");
  diag_help(d, "leave the secret out; it is shown as `***` at best");
}

/*
** Walk e and report `code` at every NAME whose value is a secret or was
** computed from one.  context names the sink for RB3002 messages.
*/
void
check_secret_uses(struct checker *c, const struct ast_node *e,
                  enum diag_code code, const char *context)
{
  const struct ast_node *k;
  const struct sym *sym;

  if (e == NULL)
    return;
  switch (e->kind) {
  case AST_NAME:
    sym = e->u.name.name != NULL ? check_lookup(c, e->u.name.name) : NULL;
    if (sym != NULL && (sym->kind == SYM_SECRET || sym->val.taint != NULL))
      secret_use(c, e, sym, code, context);
    break;
  case AST_STRING:
    for (k = e->u.string.parts; k != NULL; k = k->next)
      check_secret_uses(c, k, code, context);
    break;
  case AST_LIST:
    for (k = e->u.list.items; k != NULL; k = k->next)
      check_secret_uses(c, k, code, context);
    break;
  case AST_MAP:
    for (k = e->u.map.entries; k != NULL; k = k->next)
      check_secret_uses(c, k->u.pair.value, code, context);
    break;
  case AST_UNARY:  check_secret_uses(c, e->u.unary.operand, code, context); break;
  case AST_BINARY:
    check_secret_uses(c, e->u.binary.left, code, context);
    check_secret_uses(c, e->u.binary.right, code, context);
    break;
  case AST_MEMBER: check_secret_uses(c, e->u.member.object, code, context); break;
  case AST_INDEX:
    check_secret_uses(c, e->u.index.object, code, context);
    check_secret_uses(c, e->u.index.index, code, context);
    break;
  case AST_CALL:
    for (k = e->u.call.args; k != NULL; k = k->next)
      if (k->u.arg.name.name == NULL)
        check_secret_uses(c, k->u.arg.value, code, context);
    break;
  default:
    break;
  }
}
