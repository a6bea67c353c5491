/*
** check_stmt.c: statements.  Scoping rules (language.md "Scopes"): a `let`
** written directly in a step body binds at runbook level (the step body is
** walked in the runbook scope); a `let` in a nested block or a fn body is
** local to it.
*/
#include <string.h>

#include "parser/check_impl.h"
#include "stdlib/builtins.h"

/* {==== bindings ==== */

/* RB2020 when a local binding hides a param, secret or fn of the runbook. */
static void
check_shadow(struct checker *c, const char *name, struct span span)
{
  const struct sym *g = check_scope_find(c->global, name);
  struct diag *d;

  if (g == NULL || (g->kind != SYM_PARAM && g->kind != SYM_SECRET && g->kind != SYM_FN))
    return;
  d = diag_add(c->sh->diags, DIAG_RB2020, c->src, span,
               "`%s` hides the %s of the same name", name,
               g->kind == SYM_FN ? "fn" : g->kind == SYM_PARAM ? "param" : "secret");
  diag_label(d, span, true, "local binding");
  if (g->src == c->src)
    diag_label(d, g->span, false, "declared here");
}

/* Bind a local name (let in a block, for variable, fn parameter). */
static struct sym *
bind_local(struct checker *c, struct ast_ident id, const struct ast_node *decl)
{
  if (id.name == NULL)
    return NULL;
  if (c->scope != c->global)
    check_shadow(c, id.name, id.span);
  return check_define(c, c->scope, id.name, SYM_LOCAL, id.span, decl);
}

/*
** The value is checked before the name is bound, so `let x = x + 1` reads
** the outer x.  Directly in a step body the binding is the runbook-level
** symbol made by the collection pass (now marked bound, for RB2016);
** anywhere else it is a local of the innermost scope.  The symbol takes
** the value's static type and taint.
*/
/* let NAME = EXPR */
static void
let(struct checker *c, const struct ast_node *s)
{
  struct ck_value v;
  struct sym *sym = NULL;

  check_expr(c, s->u.let.value, &v);
  if (s->u.let.name.name == NULL)
    return;
  if (c->scope == c->global && c->step != NULL) {
    sym = check_scope_find(c->global, s->u.let.name.name);
    if (sym != NULL && sym->kind != SYM_STEP_LET)
      sym = NULL;               /* the clash was reported by the collection pass */
    else if (sym == NULL)
      sym = check_define(c, c->global, s->u.let.name.name, SYM_STEP_LET,
                         s->u.let.name.span, s);
    if (sym != NULL)
      sym->bound = true;
  } else {
    sym = bind_local(c, s->u.let.name, s);
  }
  if (sym == NULL)
    return;
  sym->val.type = v.type == TY_FN || v.type == TY_MODULE ? TY_UNKNOWN : v.type;
  sym->val.taint = v.taint != NULL ? v.taint : sym->val.taint;
}

/* The name at the root of an assignment target (x in x.a[0]). */
static const struct ast_node *
target_root(const struct ast_node *t)
{
  while (t != NULL && (t->kind == AST_MEMBER || t->kind == AST_INDEX))
    t = t->kind == AST_MEMBER ? t->u.member.object : t->u.index.object;
  return t;
}

/* RB2011 for assigning to a param, secret, fn, resource or built-in. */
static void
assign_to_constant(struct checker *c, const struct ast_node *root, const char *what)
{
  struct diag *d = diag_add(c->sh->diags, DIAG_RB2011, c->src, root->span,
                            "cannot assign to %s `%s`", what, root->u.name.name);

  diag_label(d, root->span, true, "%s cannot change", what);
  if (strcmp(what, "param") == 0 || strcmp(what, "secret") == 0)
    diag_help(d, "copy it first: `let %s_value = %s`", root->u.name.name,
              root->u.name.name);
}

/* Walk the index expressions of a target without resolving its root again. */
static void
target_parts(struct checker *c, const struct ast_node *t)
{
  struct ck_value v;

  while (t != NULL && (t->kind == AST_MEMBER || t->kind == AST_INDEX)) {
    if (t->kind == AST_INDEX) {
      check_expr(c, t->u.index.index, &v);
      t = t->u.index.object;
    } else {
      t = t->u.member.object;
    }
  }
}

/* The kinds that cannot be assigned have a word; bindings have none. */
const char *
check_sym_kind_word(const struct sym *sym)
{
  switch (sym->kind) {
  case SYM_PARAM:    return "param";
  case SYM_SECRET:   return "secret";
  case SYM_FN:       return "fn";
  case SYM_RESOURCE: return "resource";
  default:           return NULL;
  }
}

/*
** Assignment: the root name of the target must exist and be a binding
** (not a param, secret, fn, resource or built-in).  Assigning a tainted
** value taints the binding; assigning another type makes its type
** unknown, so later operator checks stay quiet.
*/
/* TARGET = EXPR */
static void
assign(struct checker *c, const struct ast_node *s)
{
  const struct ast_node *root = target_root(s->u.assign.target);
  struct ck_value v;
  struct sym *sym;

  check_expr(c, s->u.assign.value, &v);
  target_parts(c, s->u.assign.target);
  if (root == NULL || root->kind != AST_NAME || root->u.name.name == NULL) {
    check_expr(c, root, &v);
    return;
  }
  sym = check_lookup(c, root->u.name.name);
  if (sym == NULL) {
    if (std_builtin_lookup(root->u.name.name) != NULL || std_is_module(root->u.name.name))
      assign_to_constant(c, root, "built-in");
    else
      check_undefined(c, root->u.name.name, root->span);
  } else if (check_sym_kind_word(sym) != NULL) {
    assign_to_constant(c, root, check_sym_kind_word(sym));
  } else {
    if (v.taint != NULL)
      sym->val.taint = v.taint;
    if (root == s->u.assign.target && v.type != sym->val.type)
      sym->val.type = TY_UNKNOWN;
  }
}

/* {==== control flow ==== */

/* if / else if / else: each branch is a block with its own scope. */
static void
if_stmt(struct checker *c, const struct ast_node *s)
{
  struct ck_value v;

  for (;;) {
    check_expr(c, s->u.if_.cond, &v);
    check_block(c, s->u.if_.then, true);
    s = s->u.if_.els;
    if (s == NULL)
      return;
    if (s->kind != AST_IF) {
      check_block(c, s, true);
      return;
    }
  }
}

/* for x in e { } / for k, v in e { } */
static void
for_stmt(struct checker *c, const struct ast_node *s)
{
  struct ck_value it;
  struct sym *a, *b;

  check_expr(c, s->u.for_.iter, &it);
  check_scope_push(c);
  a = bind_local(c, s->u.for_.var, s);
  b = bind_local(c, s->u.for_.var2, s);
  if (a != NULL)
    a->val.taint = it.taint;
  if (b != NULL)
    b->val.taint = it.taint;
  check_block(c, s->u.for_.body, false);
  check_scope_pop(c);
}

/* parallel [LIMIT] { } / parallel [LIMIT] for x in e { } */
static void
parallel(struct checker *c, const struct ast_node *s)
{
  struct ck_value v;
  struct sym *var;

  if (s->u.parallel.limit != NULL) {
    check_expr(c, s->u.parallel.limit, &v);
    check_expect_type(c, s->u.parallel.limit, &v, TY_INT, "parallel limit");
  }
  check_expr(c, s->u.parallel.iter, &v);
  check_scope_push(c);
  var = bind_local(c, s->u.parallel.var, s);
  if (var != NULL)
    var->val.taint = v.taint;
  check_block(c, s->u.parallel.body, false);
  check_scope_pop(c);
}

/*
** RETRY_SPEC: retry N every D [backoff F] [max D].  N must be an int, D
** durations, F a number.
*/
void
check_retry_spec(struct checker *c, const struct ast_node *spec)
{
  struct ck_value v;

  if (spec == NULL)
    return;
  check_expr(c, spec->u.retry_spec.attempts, &v);
  check_expect_type(c, spec->u.retry_spec.attempts, &v, TY_INT, "retry attempts");
  check_duration_expr(c, spec->u.retry_spec.every, "every");
  if (spec->u.retry_spec.backoff != NULL) {
    check_expr(c, spec->u.retry_spec.backoff, &v);
    check_expect_type(c, spec->u.retry_spec.backoff, &v, TY_FLOAT, "backoff");
  }
  check_duration_expr(c, spec->u.retry_spec.max, "max");
}

/* wait until COND every D timeout D */
static void
wait_stmt(struct checker *c, const struct ast_node *s)
{
  struct ck_value v;

  check_expr(c, s->u.wait.cond, &v);
  check_duration_expr(c, s->u.wait.every, "every");
  check_duration_expr(c, s->u.wait.timeout, "timeout");
}

/* return [EXPR]: only inside a fn body (RB2015). */
static void
return_stmt(struct checker *c, const struct ast_node *s)
{
  struct ck_value v;

  if (c->fn_depth == 0) {
    struct diag *d = diag_add(c->sh->diags, DIAG_RB2015, c->src, s->span,
                              "`return` outside a fn");
    diag_label(d, s->span, true, "not inside a fn body");
    diag_help(d, "use `fail` to stop a step, or move this code into a `fn`");
  }
  check_expr(c, s->u.return_.value, &v);
}

/* {==== assertions ==== */

/* assert COND [, MESSAGE]: the message is output (RB3002 for secrets). */
static void
assert_stmt(struct checker *c, const struct ast_node *s)
{
  struct ck_value v;

  check_expr(c, s->u.assert_.cond, &v);
  check_expr(c, s->u.assert_.message, &v);
  check_secret_uses(c, s->u.assert_.message, DIAG_RB3002, "an assert message");
}

/*
** Options of assert http are the named arguments of http.request; a
** `timeout:` must be a duration and `insecure: true` is RB3003.
*/
void
check_http_options(struct checker *c, const struct ast_node *opts,
                   const struct std_builtin *bi)
{
  struct ck_value v;

  for (; opts != NULL; opts = opts->next) {
    const char *name = opts->u.arg.name.name;
    check_expr(c, opts->u.arg.value, &v);
    if (name == NULL)
      continue;
    if (!std_builtin_takes_named(bi, name)) {
      struct diag *d = diag_add(c->sh->diags, DIAG_RB2010, c->src, opts->u.arg.name.span,
                                "`assert http` has no option `%s`", name);
      diag_label(d, opts->u.arg.name.span, true, "unknown option");
      diag_note(d, "options: %s", bi->named);
    } else if (strcmp(name, "timeout") == 0) {
      check_expect_type(c, opts->u.arg.value, &v, TY_DURATION, "timeout:");
    } else if (strcmp(name, "insecure") == 0 && opts->u.arg.value->kind == AST_BOOL
               && opts->u.arg.value->u.b) {
      struct diag *d = diag_add(c->sh->diags, DIAG_RB3003, c->src, opts->span,
                                "TLS certificate verification is turned off");
      diag_label(d, opts->span, true, "any certificate will be accepted");
      diag_help(d, "trust the server's CA instead of disabling verification");
    }
  }
}

/*
** assert http STATUS [METHOD] URL [options] [checks]: the URL is output
** (journal, reports), so a secret in it is RB3002; `within` must be a
** duration.
*/
static void
assert_http(struct checker *c, const struct ast_node *s)
{
  struct ck_value v;
  const struct ast_node *k;

  check_expr(c, s->u.assert_http.status, &v);
  check_expr(c, s->u.assert_http.url, &v);
  check_secret_uses(c, s->u.assert_http.url, DIAG_RB3002, "a URL");
  check_http_options(c, s->u.assert_http.options, std_builtin_lookup("http.request"));
  for (k = s->u.assert_http.checks; k != NULL; k = k->next) {
    check_expr(c, k->u.http_check.key, &v);
    if (k->u.http_check.what == HTTP_CHECK_WITHIN)
      check_duration_expr(c, k->u.http_check.value, "within");
    else
      check_expr(c, k->u.http_check.value, &v);
  }
}

/* {==== dispatch ==== */

/* Check one statement. */
void
check_stmt(struct checker *c, const struct ast_node *s)
{
  struct ck_value v;

  switch (s->kind) {
  case AST_LET:         let(c, s); break;
  case AST_ASSIGN:      assign(c, s); break;
  case AST_EXPR_STMT:   check_expr(c, s->u.expr_stmt.expr, &v); break;
  case AST_IF:          if_stmt(c, s); break;
  case AST_FOR:         for_stmt(c, s); break;
  case AST_RETRY:
    check_retry_spec(c, s->u.retry.spec);
    check_block(c, s->u.retry.body, true);
    break;
  case AST_WAIT:        wait_stmt(c, s); break;
  case AST_ASSERT:      assert_stmt(c, s); break;
  case AST_ASSERT_HTTP: assert_http(c, s); break;
  case AST_RETURN:      return_stmt(c, s); break;
  case AST_PARALLEL:    parallel(c, s); break;
  case AST_BLOCK:       check_block(c, s, true); break;
  default:              check_expr(c, s, &v); break;
  }
}

/*
** Check a BLOCK's statements, in a new scope when new_scope is set (nested
** blocks), else in the current one (step bodies, scopes pushed by callers).
*/
void
check_block(struct checker *c, const struct ast_node *block, bool new_scope)
{
  const struct ast_node *s;

  if (block == NULL)
    return;
  if (block->kind != AST_BLOCK) {
    check_stmt(c, block);
    return;
  }
  if (new_scope)
    check_scope_push(c);
  for (s = block->u.block.stmts; s != NULL; s = s->next)
    check_stmt(c, s);
  if (new_scope)
    check_scope_pop(c);
}
