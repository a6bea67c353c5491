/*
** cmd_plan.c: `rbc plan FILE [--param k=v]... [-f tty|json]` (cli.md 7): every
** action the run would take, in order, nothing executed.
**
** The plan works on the checked AST.  It walks the runbook's phases and
** steps in run order and, inside each step, the statements and the
** expressions in evaluation order (arguments before the call).  Each call
** of a built-in with an effect, of an AWS operation or of `assert http` is
** an action, tagged by its effect:
**
**   <=  read     builtins.def READ; AWS operations whose verb reads
**                (aws_model_effect: describe_, get_, list_ ...); GET
**   ~   change   builtins.def CHANGE; every other AWS operation
**   !   shell    builtins.def SHELL (sh)
**   ?   gate     builtins.def GATE (confirm)
**
** Calls of the runbook's own fns (and of imported fns) are followed, with
** their arguments bound, so their actions appear where they are called.
** Arguments are folded: literals, params (--param, --params-file,
** RBC_PARAM_<name>, or a literal or env() default), constants bound by
** `let`, string interpolation, lists, maps and + - * on known numbers and
** strings.  Anything that needs execution prints as `(known at run)`; a
** secret prints as ***.  A call whose target itself is computed (a fn
** value, an AWS service not written out) cannot be listed: it is printed as
** unresolved and the exit status is 1.
**
** Preflight as `rbc run`: errors in the runbook 65, a missing or ill-typed
** param 64, FILE unreadable 66 (each with `rbc: nothing was executed.`).
*/
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/render.h"
#include "parser/arena.h"
#include "parser/ast.h"
#include "stdlib/aws/model.h"
#include "stdlib/builtins.h"
#include "vm/compile.h"
#include "vm/params.h"
#include "vm/value.h"

#define PLAN_SCHEMA "rbc.plan/1"
#define KNOWN_AT_RUN "(known at run)"
#define MAX_FN_DEPTH 8           /* nesting of user fns followed */
#define MAX_IMPORT_DEPTH 8

/* {==== folded values ==== */

enum pv_kind {
  PV_UNKNOWN,                   /* needs execution */
  PV_STR,                       /* text: the string's bytes */
  PV_NUM,                       /* int; text: its digits, i: the value */
  PV_LIT                        /* bool, null, float, duration, list, map: text is the display */
};

struct pv {
  enum pv_kind kind;
  const char *text;             /* in the arena */
  int64_t i;
  bool secret;
};

struct binding {
  const char *name;
  struct pv v;
  struct binding *next;
};

static const struct pv unknown_pv = { PV_UNKNOWN, NULL, 0, false };

/* }==== */

/* {==== the planner ==== */

struct planner {
  struct arena *a;
  const struct source *src;
  struct binding *env;          /* innermost first */
  const struct source *main_src;/* the runbook's file */
  const struct ast_node **fns;  /* every fn the runbook can call (own and imported) */
  const struct source **fn_src; /* the file each fn is in */
  size_t nfns, capfns;
  struct source **imported;     /* sources of imported files, freed at the end */
  size_t nimported;
  const struct ast_node *outer; /* the outermost call being followed into fns */
  json_t *actions;              /* the open step's actions */
  const char *ctx;              /* "retry 10 every 30s", "if ...", NULL */
  int depth;
  bool oom;
  unsigned n_read, n_change, n_shell, n_gate, n_unresolved;
};

static const char *pstr(struct planner *p, const char *s, size_t n)
{
  char *r = arena_strndup(p->a, s ? s : "", s ? n : 0);

  if (!r)
    p->oom = true;
  return r ? r : "";
}

static const char *src_text(struct planner *p, const struct ast_node *n)
{
  if (!n || n->span.end <= n->span.start || n->span.end > p->src->len)
    return "";
  return pstr(p, p->src->text + n->span.start, n->span.end - n->span.start);
}

static void bind(struct planner *p, const char *name, struct pv v)
{
  struct binding *b = arena_alloc(p->a, sizeof *b);

  if (!b || !name) {
    p->oom = p->oom || !b;
    return;
  }
  b->name = name;
  b->v = v;
  b->next = p->env;
  p->env = b;
}

static struct pv lookup(const struct planner *p, const char *name)
{
  for (const struct binding *b = p->env; b; b = b->next)
    if (name && strcmp(b->name, name) == 0)
      return b->v;
  return unknown_pv;
}

static bool bound(const struct planner *p, const char *name)
{
  for (const struct binding *b = p->env; b; b = b->next)
    if (strcmp(b->name, name) == 0)
      return true;
  return false;
}

/* v's display form: strings quoted, secrets ***, unknown (known at run). */
static void display(struct val_buf *b, struct pv v)
{
  if (v.secret)
    val_buf_puts(b, "***");
  else if (v.kind == PV_UNKNOWN)
    val_buf_puts(b, KNOWN_AT_RUN);
  else if (v.kind == PV_STR)
    val_buf_append_quoted(b, v.text, strlen(v.text));
  else
    val_buf_puts(b, v.text);
}

/* v as interpolated into a string. */
static void interp(struct val_buf *b, struct pv v)
{
  if (v.secret)
    val_buf_puts(b, "***");
  else if (v.kind == PV_UNKNOWN)
    val_buf_puts(b, KNOWN_AT_RUN);
  else
    val_buf_puts(b, v.text);
}

static struct pv from_buf(struct planner *p, struct val_buf *b, enum pv_kind k, bool secret)
{
  struct pv v = { k, pstr(p, b->data ? b->data : "", b->len), 0, secret };

  if (b->oom)
    p->oom = true;
  val_buf_free(b);
  return v;
}

/* A resolved param's value (vm/params.h) as a folded value. */
static struct pv from_value(struct planner *p, struct rbc_value v, bool secret)
{
  struct val_buf b;

  val_buf_init(&b);
  if (secret)
    return (struct pv){ PV_LIT, "***", 0, true };
  val_buf_append_value(&b, v, VAL_FMT_MASKED);
  if (v.type == VAL_INT) {
    struct pv r = from_buf(p, &b, PV_NUM, false);
    r.i = v.as.i;
    return r;
  }
  return from_buf(p, &b, v.type == VAL_STRING ? PV_STR : PV_LIT, false);
}

static struct pv fold(struct planner *p, const struct ast_node *e);

static struct pv fold_string(struct planner *p, const struct ast_node *e)
{
  struct val_buf b;
  bool secret = false;

  val_buf_init(&b);
  for (const struct ast_node *part = e->u.string.parts; part; part = part->next) {
    if (part->kind == AST_STR_TEXT) {
      val_buf_append(&b, part->u.text.bytes, part->u.text.len);
    } else {
      struct pv v = fold(p, part);
      secret = secret || v.secret;
      interp(&b, v);
    }
  }
  if (secret) {
    val_buf_free(&b);
    return (struct pv){ PV_STR, "***", 0, true };
  }
  return from_buf(p, &b, PV_STR, false);
}

static struct pv fold_list(struct planner *p, const struct ast_node *e)
{
  struct val_buf b;
  bool map = e->kind == AST_MAP, secret = false;
  const struct ast_node *it = map ? e->u.map.entries : e->u.list.items;

  val_buf_init(&b);
  val_buf_puts(&b, map ? "{" : "[");
  for (; it; it = it->next) {
    struct pv v = fold(p, map ? it->u.pair.value : it);
    if (map)
      val_buf_printf(&b, "%s: ", it->u.pair.key.name ? it->u.pair.key.name : "?");
    display(&b, v);
    secret = secret || v.secret;
    if (it->next)
      val_buf_puts(&b, ", ");
  }
  val_buf_puts(&b, map ? "}" : "]");
  return from_buf(p, &b, PV_LIT, false);
}

static struct pv fold_binary(struct planner *p, const struct ast_node *e)
{
  struct pv l = fold(p, e->u.binary.left), r = fold(p, e->u.binary.right);
  struct val_buf b;
  int64_t x = 0;

  if (l.secret || r.secret)
    return (struct pv){ l.kind == PV_STR ? PV_STR : PV_LIT, "***", 0, true };
  if (l.kind == PV_NUM && r.kind == PV_NUM) {
    switch (e->u.binary.op) {
    case BIN_ADD: if (__builtin_add_overflow(l.i, r.i, &x)) return unknown_pv; break;
    case BIN_SUB: if (__builtin_sub_overflow(l.i, r.i, &x)) return unknown_pv; break;
    case BIN_MUL: if (__builtin_mul_overflow(l.i, r.i, &x)) return unknown_pv; break;
    default:      return unknown_pv;
    }
    val_buf_init(&b);
    val_buf_printf(&b, "%" PRId64, x);
    l = from_buf(p, &b, PV_NUM, false);
    l.i = x;
    return l;
  }
  if (l.kind == PV_STR && r.kind == PV_STR && e->u.binary.op == BIN_ADD) {
    val_buf_init(&b);
    val_buf_puts(&b, l.text);
    val_buf_puts(&b, r.text);
    return from_buf(p, &b, PV_STR, false);
  }
  return unknown_pv;
}

/* env("NAME"[, default]) reads the environment, as the run would: no effect. */
static struct pv fold_env(struct planner *p, const struct ast_node *args)
{
  struct pv name = args ? fold(p, args->u.arg.value) : unknown_pv;
  const char *v;

  if (name.kind != PV_STR || name.secret)
    return unknown_pv;
  v = getenv(name.text);
  if (v)
    return (struct pv){ PV_STR, pstr(p, v, strlen(v)), 0, false };
  return args->next ? fold(p, args->next->u.arg.value) : (struct pv){ PV_LIT, "null", 0, false };
}

static struct pv fold(struct planner *p, const struct ast_node *e)
{
  char name[160];
  struct val_buf b;

  if (!e)
    return unknown_pv;
  switch (e->kind) {
  case AST_NULL:   return (struct pv){ PV_LIT, "null", 0, false };
  case AST_BOOL:   return (struct pv){ PV_LIT, e->u.b ? "true" : "false", 0, false };
  case AST_INT:    return (struct pv){ PV_NUM, src_text(p, e), e->u.i, false };
  case AST_FLOAT:
  case AST_PERCENT:
  case AST_STATUS_CLASS:
    return (struct pv){ PV_LIT, src_text(p, e), 0, false };
  case AST_DURATION: {
    char d[VAL_FMT_BUF];
    val_buf_init(&b);
    val_buf_puts(&b, val_format_duration(e->u.i, d));
    return from_buf(p, &b, PV_LIT, false);
  }
  case AST_STRING: return fold_string(p, e);
  case AST_LIST:
  case AST_MAP:    return fold_list(p, e);
  case AST_NAME:   return lookup(p, e->u.name.name);
  case AST_BINARY: return fold_binary(p, e);
  case AST_CALL:
    if (ast_callee_name(e->u.call.callee, name, sizeof name) && strcmp(name, "env") == 0 &&
        !bound(p, "env"))
      return fold_env(p, e->u.call.args);
    return unknown_pv;
  default:
    return unknown_pv;
  }
}

/* }==== */

/* {==== actions ==== */

static const char *const effect_names[] = { "read", "change", "shell", "gate" };
enum effect { E_READ, E_CHANGE, E_SHELL, E_GATE, E_NONE };

static void count(struct planner *p, enum effect e)
{
  switch (e) {
  case E_READ:   p->n_read++; break;
  case E_CHANGE: p->n_change++; break;
  case E_SHELL:  p->n_shell++; break;
  case E_GATE:   p->n_gate++; break;
  default:       break;
  }
}

/* One action into the open step: call, effect, folded arguments. */
static void add_action(struct planner *p, enum effect eff, const char *call,
                       const struct ast_node *node, json_t *args, const char *note)
{
  json_t *a = json_object();
  uint32_t line = 0, col = 0;

  if (!a || !args) {
    json_decref(a);
    json_decref(args);
    p->oom = true;
    return;
  }
  if (p->depth > 0 && p->outer)
    src_position(p->main_src, p->outer->span.start, &line, &col);
  else
    src_position(p->src, node->span.start, &line, &col);
  json_object_set_new(a, "effect", json_string(effect_names[eff]));
  json_object_set_new(a, "call", json_string(call));
  json_object_set_new(a, "args", args);
  json_object_set_new(a, "line", json_integer(line));
  if (p->ctx)
    json_object_set_new(a, "in", json_string(p->ctx));
  if (note)
    json_object_set_new(a, "note", json_string(note));
  count(p, eff);
  if (p->actions)
    json_array_append_new(p->actions, a);
  else
    json_decref(a);
}

/* The folded arguments of a call as [{"name": N|null, "value": display}]. */
static json_t *fold_args(struct planner *p, const struct ast_node *args, bool *secret_env)
{
  json_t *out = json_array();

  for (const struct ast_node *a = args; out && a; a = a->next) {
    struct val_buf b;
    struct pv v = fold(p, a->u.arg.value);
    val_buf_init(&b);
    display(&b, v);
    if (a->u.arg.name.name && !strcmp(a->u.arg.name.name, "env") && secret_env &&
        strstr(b.data ? b.data : "", "***"))
      *secret_env = true;
    json_array_append_new(out, json_pack("{s:s?, s:s, s:b}", "name", a->u.arg.name.name,
                                         "value", b.data ? b.data : "", "known",
                                         !strstr(b.data ? b.data : "", KNOWN_AT_RUN)));
    if (b.oom)
      p->oom = true;
    val_buf_free(&b);
  }
  return out;
}

static void walk_expr(struct planner *p, const struct ast_node *e);
static void walk_block(struct planner *p, const struct ast_node *stmts);

static const struct ast_node *find_fn(const struct planner *p, const char *name, size_t *at)
{
  for (size_t i = 0; i < p->nfns; i++)
    if (p->fns[i]->u.fn.name.name && strcmp(p->fns[i]->u.fn.name.name, name) == 0) {
      *at = i;
      return p->fns[i];
    }
  return NULL;
}

/* A user fn: its body's actions with the arguments bound (to a depth). */
static void inline_fn(struct planner *p, size_t k, const struct ast_node *call)
{
  const struct ast_node *fn = p->fns[k], *args = call->u.call.args;
  const struct source *saved_src = p->src;
  struct binding *saved = p->env;
  const struct ast_node *prm = fn->u.fn.params, *a = args;
  struct pv vals[32];
  size_t n = 0;

  if (p->depth >= MAX_FN_DEPTH)
    return;
  for (; prm && n < 32; prm = prm->next, n++) {
    vals[n] = a ? fold(p, a->u.arg.value) : unknown_pv;
    a = a ? a->next : NULL;
  }
  n = 0;
  for (prm = fn->u.fn.params; prm && n < 32; prm = prm->next, n++)
    bind(p, prm->u.name.name, vals[n]);
  if (p->depth++ == 0)
    p->outer = call;
  p->src = p->fn_src[k];
  walk_expr(p, fn->u.fn.body->kind == AST_BLOCK ? NULL : fn->u.fn.body);
  if (fn->u.fn.body->kind == AST_BLOCK)
    walk_block(p, fn->u.fn.body->u.block.stmts);
  p->src = saved_src;
  p->depth--;
  p->env = saved;
}

static enum effect builtin_eff(const struct std_builtin *bi)
{
  if (bi->id == STD_BI_env || bi->id == STD_BI_now)
    return E_NONE;              /* the run's clock and environment: no action */
  switch (bi->effect) {
  case STD_EFFECT_READ:   return E_READ;
  case STD_EFFECT_CHANGE: return E_CHANGE;
  case STD_EFFECT_SHELL:  return E_SHELL;
  case STD_EFFECT_GATE:   return E_GATE;
  default:                return E_NONE;
  }
}

static void walk_call(struct planner *p, const struct ast_node *e)
{
  char name[160];
  const struct std_builtin *bi;
  const struct ast_node *fn;
  bool secret_env = false;
  size_t k = 0;

  for (const struct ast_node *a = e->u.call.args; a; a = a->next)
    walk_expr(p, a->u.arg.value);
  if (!ast_callee_name(e->u.call.callee, name, sizeof name) ||
      (!strchr(name, '.') && bound(p, name))) {
    walk_expr(p, e->u.call.callee);
    p->n_unresolved++;
    add_action(p, E_CHANGE, pstr(p, "(unresolved call)", 17), e,
               json_pack("[{s:n, s:s, s:b}]", "name", "value", src_text(p, e), "known", 0),
               "the called value is " KNOWN_AT_RUN);
    return;
  }
  if (strncmp(name, "aws.", 4) == 0 && strcmp(name, "aws.paginate") != 0) {
    char *dot = strchr(name + 4, '.');
    enum aws_effect ae;
    if (dot) {
      *dot = '\0';
      ae = aws_model_effect(name + 4, dot + 1);
      *dot = '.';
    } else {
      ae = AWS_EFFECT_UNKNOWN;
    }
    add_action(p, ae == AWS_EFFECT_READ ? E_READ : E_CHANGE, pstr(p, name, strlen(name)), e,
               fold_args(p, e->u.call.args, NULL), NULL);
    return;
  }
  fn = strchr(name, '.') || bound(p, name) ? NULL : find_fn(p, name, &k);
  if (fn) {
    inline_fn(p, k, e);
    return;
  }
  bi = std_builtin_lookup(name);
  if (!bi || builtin_eff(bi) == E_NONE)
    return;
  {
    json_t *args = fold_args(p, e->u.call.args, &secret_env);
    add_action(p, builtin_eff(bi), bi->name, e, args,
               secret_env ? "env from a secret, masked" : NULL);
  }
}

static void walk_expr(struct planner *p, const struct ast_node *e)
{
  if (!e)
    return;
  switch (e->kind) {
  case AST_CALL:   walk_call(p, e); break;
  case AST_STRING:
    for (const struct ast_node *x = e->u.string.parts; x; x = x->next)
      if (x->kind != AST_STR_TEXT)
        walk_expr(p, x);
    break;
  case AST_LIST:
    for (const struct ast_node *x = e->u.list.items; x; x = x->next)
      walk_expr(p, x);
    break;
  case AST_MAP:
    for (const struct ast_node *x = e->u.map.entries; x; x = x->next)
      walk_expr(p, x->u.pair.value);
    break;
  case AST_UNARY:  walk_expr(p, e->u.unary.operand); break;
  case AST_BINARY:
    walk_expr(p, e->u.binary.left);
    walk_expr(p, e->u.binary.right);
    break;
  case AST_MEMBER: walk_expr(p, e->u.member.object); break;
  case AST_INDEX:
    walk_expr(p, e->u.index.object);
    walk_expr(p, e->u.index.index);
    break;
  default:
    break;
  }
}

/* Walk body with ctx set to text (restored after). */
static void walk_in(struct planner *p, const char *ctx, const struct ast_node *body)
{
  const char *saved = p->ctx;
  struct val_buf b;

  val_buf_init(&b);
  if (saved)
    val_buf_printf(&b, "%s; ", saved);
  val_buf_puts(&b, ctx);
  p->ctx = from_buf(p, &b, PV_STR, false).text;
  if (body && body->kind == AST_BLOCK)
    walk_block(p, body->u.block.stmts);
  else
    walk_block(p, body);
  p->ctx = saved;
}

static const char *dur_text(struct planner *p, const struct ast_node *e)
{
  struct pv v = fold(p, e);
  struct val_buf b;

  if (!e)
    return NULL;
  val_buf_init(&b);
  display(&b, v);
  return from_buf(p, &b, PV_LIT, false).text;
}

static void walk_retry(struct planner *p, const struct ast_node *s)
{
  const struct ast_node *sp = s->u.retry.spec;
  struct val_buf b;

  val_buf_init(&b);
  val_buf_printf(&b, "retry %s", dur_text(p, sp->u.retry_spec.attempts));
  if (sp->u.retry_spec.every)
    val_buf_printf(&b, " every %s", dur_text(p, sp->u.retry_spec.every));
  if (sp->u.retry_spec.backoff)
    val_buf_printf(&b, " backoff %s", dur_text(p, sp->u.retry_spec.backoff));
  walk_in(p, from_buf(p, &b, PV_STR, false).text, s->u.retry.body);
}

static void walk_wait(struct planner *p, const struct ast_node *s)
{
  json_t *w = json_object();
  const char *saved = p->ctx;

  p->ctx = "wait until (polled)";
  walk_expr(p, s->u.wait.cond);
  p->ctx = saved;
  if (!w) {
    p->oom = true;
    return;
  }
  json_object_set_new(w, "wait", json_string(src_text(p, s->u.wait.cond)));
  if (s->u.wait.every)
    json_object_set_new(w, "every", json_string(dur_text(p, s->u.wait.every)));
  if (s->u.wait.timeout)
    json_object_set_new(w, "timeout", json_string(dur_text(p, s->u.wait.timeout)));
  if (p->actions)
    json_array_append_new(p->actions, w);
  else
    json_decref(w);
}

static void walk_assert_http(struct planner *p, const struct ast_node *s)
{
  const char *m = s->u.assert_http.method.name ? s->u.assert_http.method.name : "GET";
  json_t *args;
  struct val_buf b;
  struct pv url;
  bool secret_env = false;

  walk_expr(p, s->u.assert_http.url);
  url = fold(p, s->u.assert_http.url);
  val_buf_init(&b);
  display(&b, url);
  args = fold_args(p, s->u.assert_http.options, &secret_env);
  if (args) {
    json_array_insert_new(args, 0, json_pack("{s:n, s:s, s:b}", "name", "value",
                                             b.data ? b.data : "", "known",
                                             url.kind != PV_UNKNOWN &&
                                             !strstr(b.data ? b.data : "", KNOWN_AT_RUN)));
    json_array_append_new(args, json_pack("{s:s, s:s, s:b}", "name", "expect", "value",
                                          src_text(p, s->u.assert_http.status), "known", 1));
  }
  val_buf_free(&b);
  val_buf_init(&b);
  val_buf_printf(&b, "assert http %s", m);
  add_action(p, strcmp(m, "GET") != 0 && strcmp(m, "HEAD") != 0 ? E_CHANGE : E_READ,
             from_buf(p, &b, PV_STR, false).text, s, args, NULL);
}

static void walk_stmt(struct planner *p, const struct ast_node *s)
{
  struct val_buf b;

  switch (s->kind) {
  case AST_LET:
    walk_expr(p, s->u.let.value);
    bind(p, s->u.let.name.name, fold(p, s->u.let.value));
    break;
  case AST_ASSIGN:
    walk_expr(p, s->u.assign.value);
    if (s->u.assign.target->kind == AST_NAME)
      bind(p, s->u.assign.target->u.name.name, unknown_pv);
    break;
  case AST_EXPR_STMT: walk_expr(p, s->u.expr_stmt.expr); break;
  case AST_RETURN:    walk_expr(p, s->u.return_.value); break;
  case AST_ASSERT:
    walk_expr(p, s->u.assert_.cond);
    walk_expr(p, s->u.assert_.message);
    break;
  case AST_ASSERT_HTTP: walk_assert_http(p, s); break;
  case AST_WAIT:        walk_wait(p, s); break;
  case AST_RETRY:       walk_retry(p, s); break;
  case AST_IF:
    walk_expr(p, s->u.if_.cond);
    val_buf_init(&b);
    val_buf_printf(&b, "if %s", src_text(p, s->u.if_.cond));
    walk_in(p, from_buf(p, &b, PV_STR, false).text, s->u.if_.then);
    if (s->u.if_.els) {
      val_buf_init(&b);
      val_buf_printf(&b, "else of if %s", src_text(p, s->u.if_.cond));
      walk_in(p, from_buf(p, &b, PV_STR, false).text, s->u.if_.els);
    }
    break;
  case AST_FOR:
  case AST_PARALLEL: {
    const struct ast_node *iter = s->kind == AST_FOR ? s->u.for_.iter : s->u.parallel.iter;
    const char *var = s->kind == AST_FOR ? s->u.for_.var.name : s->u.parallel.var.name;
    struct binding *saved = p->env;
    walk_expr(p, iter);
    val_buf_init(&b);
    if (var) {
      struct pv it = fold(p, iter);
      val_buf_printf(&b, "%sfor each %s in ", s->kind == AST_PARALLEL ? "parallel " : "", var);
      display(&b, it);
      bind(p, var, unknown_pv);
      if (s->kind == AST_FOR && s->u.for_.var2.name)
        bind(p, s->u.for_.var2.name, unknown_pv);
    } else {
      val_buf_puts(&b, "parallel");
    }
    walk_in(p, from_buf(p, &b, PV_STR, false).text,
            s->kind == AST_FOR ? s->u.for_.body : s->u.parallel.body);
    p->env = saved;
    break;
  }
  case AST_BLOCK:
    walk_block(p, s->u.block.stmts);
    break;
  default:
    break;
  }
}

static void walk_block(struct planner *p, const struct ast_node *stmts)
{
  for (const struct ast_node *s = stmts; s; s = s->next)
    walk_stmt(p, s);
}

/* }==== */

/* {==== the runbook ==== */

static int add_fn(struct planner *p, const struct ast_node *fn, const struct source *src)
{
  if (p->nfns == p->capfns) {
    size_t cap = p->capfns ? p->capfns * 2 : 16;
    const struct ast_node **n = realloc(p->fns, cap * sizeof *n);
    const struct source **s;
    if (!n)
      return -1;
    p->fns = n;
    s = realloc(p->fn_src, cap * sizeof *s);
    if (!s)
      return -1;
    p->fn_src = s;
    p->capfns = cap;
  }
  p->fn_src[p->nfns] = src;
  p->fns[p->nfns++] = fn;
  return 0;
}

/* The fns of an imported file (its own imports first), parsed into p->a. */
static void load_imports(struct planner *p, const struct ast_node *file, const char *from,
                         int depth)
{
  if (depth > MAX_IMPORT_DEPTH)
    return;
  for (const struct ast_node *im = file->u.file.imports; im; im = im->next) {
    uint32_t len;
    const char *rel = ast_string_literal(im->u.import.path, p->a, &len);
    const char *const *dirs = cli_lib_dirs();
    const char *slash = strrchr(from, '/');
    char path[4096];
    struct source *src = NULL;
    struct parse_result pr;
    struct diag_list diags;

    if (!rel)
      continue;
    snprintf(path, sizeof path, "%.*s%s", slash ? (int)(slash - from + 1) : 0, from, rel);
    for (size_t i = 0; access(path, R_OK) != 0 && dirs[i]; i++)
      snprintf(path, sizeof path, "%s/%s", dirs[i], rel);
    diag_init(&diags);
    memset(&pr, 0, sizeof pr);
    if (cli_load(path, NULL, NULL, p->a, &src, &pr, &diags) == 0 && pr.file && src) {
      struct source **keep = realloc(p->imported, (p->nimported + 1) * sizeof *keep);
      if (!keep) {
        p->oom = true;
        src_free(src);
        diag_free(&diags);
        return;
      }
      p->imported = keep;
      p->imported[p->nimported++] = src;
      load_imports(p, pr.file, path, depth + 1);
      for (const struct ast_node *it = pr.file->u.file.items; it; it = it->next)
        if (it->kind == AST_FN && add_fn(p, it, src) != 0)
          p->oom = true;
    } else {
      src_free(src);
    }
    diag_free(&diags);
  }
}

static const struct ast_node *the_runbook(const struct ast_node *file)
{
  for (const struct ast_node *it = file->u.file.items; it; it = it->next)
    if (it->kind == AST_RUNBOOK)
      return it;
  return NULL;
}

/* Params as resolved (secrets ***, defaults folded) into the env and doc. */
static void bind_params(struct planner *p, const struct ast_node *rb, const struct vm_params *vp,
                        json_t *doc)
{
  json_t *params = json_object();

  for (const struct ast_node *it = rb->u.runbook.items; it; it = it->next) {
    struct pv v = unknown_pv;
    struct val_buf b;
    if (it->kind != AST_PARAM || !it->u.param.name.name)
      continue;
    for (size_t i = 0; i < vp->len; i++)
      if (!strcmp(vp->items[i].name, it->u.param.name.name) &&
          vp->items[i].source != VM_PARAM_DEFAULT)
        v = from_value(p, vp->items[i].value, it->u.param.secret);
    if (v.kind == PV_UNKNOWN && !v.text)
      v = fold(p, it->u.param.value);
    if (it->u.param.secret)
      v = (struct pv){ PV_LIT, "***", 0, true };
    bind(p, it->u.param.name.name, v);
    val_buf_init(&b);
    display(&b, v);
    json_object_set_new(params, it->u.param.name.name, json_string(b.data ? b.data : ""));
    val_buf_free(&b);
  }
  json_object_set_new(doc, "params", params);
}

static int64_t duration_of(const struct ast_node *e)
{
  return e && e->kind == AST_DURATION ? e->u.i : -1;
}

/*
** A `when` condition as printed: a call with its arguments folded
** (`exists("/tmp/deployment_(known at run)/db_migrated")`, as cli.md 7
** shows it), else the condition's source text.
*/
static const char *cond_text(struct planner *p, const struct ast_node *e)
{
  char name[160];
  struct val_buf b;

  if (e->kind != AST_CALL || !ast_callee_name(e->u.call.callee, name, sizeof name))
    return src_text(p, e);
  val_buf_init(&b);
  val_buf_printf(&b, "%s(", name);
  for (const struct ast_node *a = e->u.call.args; a; a = a->next) {
    if (a->u.arg.name.name)
      val_buf_printf(&b, "%s: ", a->u.arg.name.name);
    display(&b, fold(p, a->u.arg.value));
    val_buf_puts(&b, a->next ? ", " : "");
  }
  val_buf_puts(&b, ")");
  return from_buf(p, &b, PV_STR, false).text;
}

static json_t *plan_step(struct planner *p, const struct ast_node *st, unsigned *ncond)
{
  json_t *s = json_object();
  uint32_t line = 0, col = 0;

  p->actions = json_array();
  if (!s || !p->actions) {
    json_decref(s);
    p->oom = true;
    return NULL;
  }
  src_position(p->src, st->span.start, &line, &col);
  json_object_set_new(s, "name", json_string(st->u.step.name.name ? st->u.step.name.name : ""));
  json_object_set_new(s, "line", json_integer(line));
  if (st->u.step.when) {
    json_object_set_new(s, "when", json_string(cond_text(p, st->u.step.when)));
    (*ncond)++;
  }
  if (st->u.step.retry) {
    const struct ast_node *sp = st->u.step.retry;
    json_object_set_new(s, "retry", json_pack("{s:s, s:s?}", "attempts",
                                              dur_text(p, sp->u.retry_spec.attempts), "every",
                                              dur_text(p, sp->u.retry_spec.every)));
  }
  if (st->u.step.timeout)
    json_object_set_new(s, "timeout", json_string(dur_text(p, st->u.step.timeout)));
  if (st->u.step.on_failure != ONFAIL_DEFAULT)
    json_object_set_new(s, "on_failure", json_string(
      st->u.step.on_failure == ONFAIL_CONTINUE ? "continue" :
      st->u.step.on_failure == ONFAIL_ABORT ? "abort" :
      st->u.step.troubleshoot.name ? st->u.step.troubleshoot.name : "troubleshoot"));
  p->ctx = NULL;
  walk_block(p, st->u.step.body ? st->u.step.body->u.block.stmts : NULL);
  json_object_set_new(s, "actions", p->actions);
  p->actions = NULL;
  return s;
}

/* The rbc.plan/1 document of the runbook. */
static json_t *make_plan(struct planner *p, const struct ast_node *file, const char *path,
                         const struct vm_params *vp)
{
  const struct ast_node *rb = the_runbook(file);
  json_t *doc = json_object(), *phases = json_array();
  unsigned nphase = 0, iphase = 0, ncond = 0, nsteps = 0;
  int64_t rto = -1, budgets = 0;
  bool all_budgets = true;

  if (!doc || !phases || !rb) {
    json_decref(doc);
    json_decref(phases);
    return NULL;
  }
  for (const struct ast_node *it = file->u.file.items; it; it = it->next)
    if (it->kind == AST_FN && add_fn(p, it, p->src) != 0)
      p->oom = true;
  for (const struct ast_node *it = rb->u.runbook.items; it; it = it->next) {
    if (it->kind == AST_FN && add_fn(p, it, p->src) != 0)
      p->oom = true;
    nphase += it->kind == AST_PHASE;
    if (it->kind == AST_META && it->u.meta.key.name && !strcmp(it->u.meta.key.name, "rto"))
      rto = duration_of(it->u.meta.value);
  }
  load_imports(p, file, path, 0);
  json_object_set_new(doc, "schema", json_string(PLAN_SCHEMA));
  json_object_set_new(doc, "runbook", json_string(rb->u.runbook.name.name ? rb->u.runbook.name.name
                                                                          : ""));
  json_object_set_new(doc, "file", json_string(p->src->name));
  bind_params(p, rb, vp, doc);
  for (const struct ast_node *it = rb->u.runbook.items; it; it = it->next) {
    json_t *ph, *steps;
    int64_t within;
    if (it->kind != AST_PHASE)
      continue;
    within = duration_of(it->u.phase.within);
    if (within < 0)
      all_budgets = false;
    else
      budgets += within;
    steps = json_array();
    for (const struct ast_node *st = it->u.phase.steps; st && steps; st = st->next)
      if (st->kind == AST_STEP) {
        json_array_append_new(steps, plan_step(p, st, &ncond));
        nsteps++;
      }
    ph = json_pack("{s:i, s:i, s:s, s:o, s:o}", "index", (json_int_t)++iphase, "count",
                   (json_int_t)nphase, "name", it->u.phase.name.name ? it->u.phase.name.name : "",
                   "budget_ms", within >= 0 ? json_integer(within) : json_null(), "steps",
                   steps ? steps : json_array());
    json_array_append_new(phases, ph);
  }
  json_object_set_new(doc, "phases", phases);
  json_object_set_new(doc, "summary", json_pack(
    "{s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:o, s:o}",
    "actions", (json_int_t)p->n_read + p->n_change + p->n_shell + p->n_gate,
    "read", (json_int_t)p->n_read, "change", (json_int_t)p->n_change,
    "shell", (json_int_t)p->n_shell, "gate", (json_int_t)p->n_gate,
    "conditional_steps", (json_int_t)ncond, "steps", (json_int_t)nsteps,
    "unresolved", (json_int_t)p->n_unresolved,
    "budget_ms", all_budgets && nphase ? json_integer(budgets) : json_null(),
    "rto_ms", rto >= 0 ? json_integer(rto) : json_null()));
  return doc;
}

/* }==== */

/* {==== tty ==== */

static const char *sigil(const char *effect)
{
  if (!strcmp(effect, "read"))   return "<=";
  if (!strcmp(effect, "change")) return " ~";
  if (!strcmp(effect, "shell"))  return " !";
  return " ?";
}

static void tty_action(struct val_buf *b, const json_t *a)
{
  size_t i;
  json_t *arg;

  if (json_object_get(a, "wait")) {
    val_buf_printf(b, "    wait until %s", json_string_value(json_object_get(a, "wait")));
    if (json_object_get(a, "every"))
      val_buf_printf(b, "  every %s", json_string_value(json_object_get(a, "every")));
    if (json_object_get(a, "timeout"))
      val_buf_printf(b, "  timeout %s", json_string_value(json_object_get(a, "timeout")));
    val_buf_puts(b, "\n");
    return;
  }
  val_buf_printf(b, " %s %s", sigil(json_string_value(json_object_get(a, "effect"))),
                 json_string_value(json_object_get(a, "call")));
  json_array_foreach(json_object_get(a, "args"), i, arg) {
    const char *n = json_string_value(json_object_get(arg, "name"));
    if (n)
      val_buf_printf(b, "  %s = %s", n, json_string_value(json_object_get(arg, "value")));
    else
      val_buf_printf(b, "  %s", json_string_value(json_object_get(arg, "value")));
  }
  if (json_object_get(a, "in") || json_object_get(a, "note")) {
    val_buf_puts(b, "   #");
    if (json_object_get(a, "in"))
      val_buf_printf(b, " in %s", json_string_value(json_object_get(a, "in")));
    if (json_object_get(a, "note"))
      val_buf_printf(b, "%s%s", json_object_get(a, "in") ? "; " : " ",
                     json_string_value(json_object_get(a, "note")));
  }
  val_buf_puts(b, "\n");
}

static void render_plan_tty(struct val_buf *b, const json_t *doc)
{
  const json_t *sum = json_object_get(doc, "summary");
  size_t i, k, j;
  json_t *ph, *st, *a;
  char d1[VAL_FMT_BUF], d2[VAL_FMT_BUF];

  val_buf_puts(b, "rbc will perform these actions (legend: <= read  ~ change  ! shell  "
                  "? confirm gate):\n\n");
  json_array_foreach(json_object_get(doc, "phases"), i, ph) {
    json_t *bud = json_object_get(ph, "budget_ms");
    val_buf_printf(b, "Phase %" JSON_INTEGER_FORMAT "/%" JSON_INTEGER_FORMAT " \"%s\"",
                   json_integer_value(json_object_get(ph, "index")),
                   json_integer_value(json_object_get(ph, "count")),
                   json_string_value(json_object_get(ph, "name")));
    if (json_is_integer(bud))
      val_buf_printf(b, " within %s", val_format_duration(json_integer_value(bud), d1));
    val_buf_puts(b, "\n");
    json_array_foreach(json_object_get(ph, "steps"), k, st) {
      json_t *r = json_object_get(st, "retry");
      val_buf_printf(b, "  # step \"%s\"", json_string_value(json_object_get(st, "name")));
      if (json_object_get(st, "when"))
        val_buf_printf(b, "  (conditional: when %s)",
                       json_string_value(json_object_get(st, "when")));
      if (r)
        val_buf_printf(b, "  (retry %s%s%s)", json_string_value(json_object_get(r, "attempts")),
                       json_object_get(r, "every") ? " every " : "",
                       json_object_get(r, "every") ? json_string_value(json_object_get(r, "every"))
                                                   : "");
      if (json_object_get(st, "timeout"))
        val_buf_printf(b, "  (timeout %s)", json_string_value(json_object_get(st, "timeout")));
      if (json_object_get(st, "on_failure"))
        val_buf_printf(b, "  (on failure: %s)",
                       json_string_value(json_object_get(st, "on_failure")));
      val_buf_puts(b, "\n");
      json_array_foreach(json_object_get(st, "actions"), j, a)
        tty_action(b, a);
    }
  }
  val_buf_printf(b, "\nPlan: %" JSON_INTEGER_FORMAT " actions (%" JSON_INTEGER_FORMAT " read, %"
                 JSON_INTEGER_FORMAT " change, %" JSON_INTEGER_FORMAT " shell), %"
                 JSON_INTEGER_FORMAT " confirm gate%s, %" JSON_INTEGER_FORMAT
                 " conditional step%s; ",
                 json_integer_value(json_object_get(sum, "actions")) -
                 json_integer_value(json_object_get(sum, "gate")),
                 json_integer_value(json_object_get(sum, "read")),
                 json_integer_value(json_object_get(sum, "change")),
                 json_integer_value(json_object_get(sum, "shell")),
                 json_integer_value(json_object_get(sum, "gate")),
                 json_integer_value(json_object_get(sum, "gate")) == 1 ? "" : "s",
                 json_integer_value(json_object_get(sum, "conditional_steps")),
                 json_integer_value(json_object_get(sum, "conditional_steps")) == 1 ? "" : "s");
  if (json_is_integer(json_object_get(sum, "budget_ms")))
    val_buf_printf(b, "budgets %s", val_format_duration(
                   json_integer_value(json_object_get(sum, "budget_ms")), d1));
  else
    val_buf_puts(b, "budgets not set on every phase");
  if (json_is_integer(json_object_get(sum, "rto_ms")))
    val_buf_printf(b, " of RTO %s%s", val_format_duration(
                   json_integer_value(json_object_get(sum, "rto_ms")), d2),
                   json_is_integer(json_object_get(sum, "budget_ms")) &&
                   json_integer_value(json_object_get(sum, "budget_ms")) >
                   json_integer_value(json_object_get(sum, "rto_ms")) ? " (OVER)" : "");
  else
    val_buf_puts(b, " (no RTO)");
  val_buf_puts(b, ".\n");
  if (json_integer_value(json_object_get(sum, "unresolved")))
    val_buf_printf(b, "Unresolved: %" JSON_INTEGER_FORMAT " call%s whose target is "
                   KNOWN_AT_RUN " (the plan is incomplete).\n",
                   json_integer_value(json_object_get(sum, "unresolved")),
                   json_integer_value(json_object_get(sum, "unresolved")) == 1 ? "" : "s");
}

/* }==== */

/* {==== the command ==== */

enum { O_PARAM = 1, O_PARAMS_FILE, O_FORMAT, O_OUTPUT };

static const struct cli_option plan_opts[] = {
  { "param",       0,   CLI_ARG_REQUIRED, O_PARAM },
  { "params-file", 0,   CLI_ARG_REQUIRED, O_PARAMS_FILE },
  { "format",      'f', CLI_ARG_REQUIRED, O_FORMAT },
  { NULL, 0, CLI_ARG_NONE, 0 }
};

static void plan_help(void)
{
  fputs("Usage: rbc plan FILE [--param NAME=VALUE]... [-f tty|json]\n"
        "\n"
        "List every action a run of FILE would take, in order, with its arguments\n"
        "resolved, without executing any of them: AWS calls, HTTP requests, shell\n"
        "commands, file writes, confirm gates.  Values that need execution print as\n"
        "(known at run); secrets print as ***.\n"
        "\n"
        "Inputs:\n"
        "      --param NAME=VALUE     set a param (repeatable; RBC_PARAM_NAME also works)\n"
        "      --params-file FILE     params from a JSON object (below --param)\n"
        "\n"
        "Output:\n"
        "  -f, --format FORMAT        tty (default) or json (one rbc.plan/1 document)\n"
        "  -h, --help                 show this help and exit\n"
        "\n"
        "Legend: <= read   ~ change   ! shell   ? confirm gate\n"
        "\n"
        "Examples:\n"
        "  rbc plan runbooks/payments-api.rb --param previous_taskdef=payments:41\n"
        "  rbc plan -f json runbook.rb | jq '.summary'\n"
        "\n"
        "Exit status: 0 plan produced, 1 a call's target needs execution (the plan is\n"
        "incomplete), 64 usage or params, 65 the runbook has errors, 66 FILE\n"
        "unreadable.  Nothing is executed in any case.  See docs/plan.md.\n", stdout);
}

struct plan_cmd {
  const char *file, *params_file;
  struct vm_param_arg *params;
  size_t nparams;
  bool json;
};

static int add_param(struct plan_cmd *c, const char *arg, struct arena *a)
{
  const char *eq = strchr(arg, '=');
  struct vm_param_arg *np;

  if (!eq || eq == arg)
    return cli_usage_error("plan", "--param expects NAME=VALUE, got '%s'", arg);
  np = realloc(c->params, (c->nparams + 1) * sizeof *np);
  if (!np)
    return EXIT_SOFTWARE;
  c->params = np;
  np[c->nparams].name = arena_strndup(a, arg, (size_t)(eq - arg));
  np[c->nparams++].value = eq + 1;
  return np[c->nparams - 1].name ? 0 : EXIT_SOFTWARE;
}

static int parse_plan_args(struct plan_cmd *c, int argc, char **argv, struct arena *a)
{
  struct cli_args st;
  int r, rc;

  cli_args_init(&st, argc, argv, "plan");
  for (r = cli_next_opt(&st, plan_opts); r != CLI_OPT_END; r = cli_next_opt(&st, plan_opts)) {
    switch (r) {
    case CLI_OPT_ERROR:   return EXIT_USAGE;
    case CLI_OPT_HELP:    plan_help(); return -1;
    case CLI_OPT_VERSION: cli_print_version(stdout); return -1;
    case CLI_OPT_POSITIONAL:
      if (c->file)
        return cli_usage_error("plan", "one runbook at a time ('%s' and '%s')", c->file,
                               st.optarg);
      c->file = st.optarg;
      break;
    case O_PARAM:
      rc = add_param(c, st.optarg, a);
      if (rc != 0)
        return rc;
      break;
    case O_PARAMS_FILE:   c->params_file = st.optarg; break;
    case O_FORMAT:
      if (strcmp(st.optarg, "json") != 0 && strcmp(st.optarg, "tty") != 0)
        return cli_usage_error("plan", "invalid value '%s' for '--format'; expected tty or "
                               "json", st.optarg);
      c->json = strcmp(st.optarg, "json") == 0;
      break;
    default:              return EXIT_USAGE;
    }
  }
  if (!c->file)
    return cli_usage_error("plan", "missing FILE: the runbook to plan");
  return 0;
}

/* Errors of the preflight on stderr, then "nothing was executed". */
static int refuse(struct diag_list *diags, int status)
{
  render_errors(stderr, diags, cli_use_color(stderr));
  fputs("rbc: nothing was executed.\n", stderr);
  return status;
}

/* Parse, check, compile, resolve params, plan, print.  The exit status. */
static int plan_file(const struct plan_cmd *c, struct arena *a)
{
  struct source *src = NULL;
  struct parse_result pr;
  struct diag_list diags;
  struct chunk *chunk = NULL;
  struct vm_params vp;
  struct vm_params_input in;
  struct comp_options copts = { .lib_dirs = cli_lib_dirs() };
  struct planner p;
  struct val_buf b;
  json_t *doc = NULL;
  int rc;

  memset(&vp, 0, sizeof vp);
  memset(&p, 0, sizeof p);
  diag_init(&diags);
  rc = cli_load_and_check(c->file, a, &src, &pr, &diags);
  if (rc == 0 && diag_has_errors(&diags))
    rc = EXIT_DATAERR;
  if (rc == 0 && comp_compile_opts(src, pr.file, &copts, &diags, &chunk) != 0)
    rc = diags.oom ? EXIT_SOFTWARE : EXIT_DATAERR;
  if (rc == 0 && (chunk->runbook == CHUNK_NONE || !the_runbook(pr.file))) {
    diag_add(&diags, DIAG_RB1012, src, (struct span){ 0, 0 },
             "%s is a library file: it has no runbook to plan", c->file);
    rc = EXIT_DATAERR;
  }
  if (rc == 0) {
    memset(&in, 0, sizeof in);
    in.args = c->params;
    in.nargs = c->nparams;
    in.file = c->params_file;
    in.src = src;
    switch (vm_params_resolve(chunk, &in, &vp, &diags)) {
    case VM_PARAMS_OK:      break;
    case VM_PARAMS_INVALID: rc = EXIT_USAGE; break;
    case VM_PARAMS_NOINPUT: rc = EXIT_NOINPUT; break;
    default:                rc = EXIT_SOFTWARE; break;
    }
  }
  if (rc != 0) {
    rc = refuse(&diags, rc);
  } else {
    p.a = a;
    p.src = src;
    p.main_src = src;
    doc = make_plan(&p, pr.file, c->file, &vp);
    val_buf_init(&b);
    if (doc && !p.oom && !c->json) {
      render_plan_tty(&b, doc);
    } else if (doc && !p.oom) {
      char *t = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
      if (t)
        val_buf_printf(&b, "%s\n", t);
      else
        b.oom = true;
      free(t);
    }
    if (!doc || p.oom || b.oom) {
      fputs("rbc: out of memory\n", stderr);
      rc = EXIT_SOFTWARE;
    } else if (fwrite(b.data, 1, b.len, stdout) != b.len || fflush(stdout) != 0) {
      fprintf(stderr, "rbc: cannot write the plan: %s\n", strerror(errno));
      rc = EXIT_CANTCREAT;
    } else {
      rc = p.n_unresolved ? EXIT_FINDINGS : EXIT_OK;
    }
    val_buf_free(&b);
  }
  json_decref(doc);
  free(p.fns);
  free(p.fn_src);
  for (size_t i = 0; i < p.nimported; i++)
    src_free(p.imported[i]);
  free(p.imported);
  vm_params_free(&vp);
  chunk_free(chunk);
  diag_free(&diags);
  src_free(src);
  return rc;
}

/*
** rbc plan FILE [options]: the exit status of cli.md 10.
*/
int cmd_plan(int argc, char **argv)
{
  struct plan_cmd c;
  struct arena *a = arena_new();
  int rc;

  if (!a)
    return EXIT_SOFTWARE;
  memset(&c, 0, sizeof c);
  rc = parse_plan_args(&c, argc, argv, a);
  if (rc == 0)
    rc = plan_file(&c, a);
  else if (rc < 0)
    rc = EXIT_OK;
  else if (rc == EXIT_USAGE)
    fputs("rbc: nothing was executed.\n", stderr);
  free(c.params);
  arena_free(a);
  return rc;
}

/* }==== */
