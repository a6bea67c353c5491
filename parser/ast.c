/*
** ast.c: AST nodes (see ast.h): allocation, names, the S-expression dump
** behind `rbc --dump-ast` and the parser tests, plain-string access and callee names.
**
** Nodes live in the compilation's arena; nothing here frees.
*/
#include "parser/ast.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "parser/arena.h"

/* {==== names ==== */

static const char *const kind_names[AST__COUNT] = {
#define AST(name, str, fields) str,
#include "parser/ast.def"
#undef AST
};

static const char *const binop_names[BIN__COUNT] = {
  "??", "or", "and", "==", "!=", "<", "<=", ">", ">=", "in",
  "+", "-", "*", "/", "%"
};

/* The dump name from ast.def; "?" for an out-of-range kind. */
const char *
ast_kind_name(enum ast_kind kind)
{
  if ((int)kind < 0 || kind >= AST__COUNT)
    return "?";
  return kind_names[kind];
}

/* The operator as written in source. */
const char *
ast_binop_str(enum ast_binop op)
{
  if ((int)op < 0 || op >= BIN__COUNT)
    return "?";
  return binop_names[op];
}

/* "not" or "-". */
const char *
ast_unop_str(enum ast_unop op)
{
  return op == UN_NOT ? "not" : "-";
}

/* }==== */

/* {==== nodes and lists ==== */

/* A zero-filled node: every optional part absent, lists empty. */
struct ast_node *
ast_new(struct arena *a, enum ast_kind kind, struct span span)
{
  struct ast_node *n = arena_alloc(a, sizeof *n);

  if (n == NULL)
    return NULL;
  n->kind = kind;
  n->span = span;
  return n;
}

/* Walks the next chain; 0 for NULL. */
uint32_t
ast_list_len(const struct ast_node *head)
{
  uint32_t n = 0;

  for (; head != NULL; head = head->next)
    n++;
  return n;
}

/* At most three members over a name: "aws.ecs.update_service". */
bool
ast_callee_name(const struct ast_node *e, char *buf, size_t size)
{
  const char *parts[4];
  int n = 0;
  size_t used = 0;

  while (e != NULL && e->kind == AST_MEMBER && n < 3) {
    parts[n++] = e->u.member.id.name;
    e = e->u.member.object;
  }
  if (e == NULL || e->kind != AST_NAME || e->u.name.name == NULL)
    return false;
  parts[n++] = e->u.name.name;
  buf[0] = '\0';
  for (int i = n - 1; i >= 0; i--) {
    if (parts[i] == NULL)
      return false;
    used += (size_t)snprintf(buf + used, used < size ? size - used : 0, "%s%s",
                             i == n - 1 ? "" : ".", parts[i]);
  }
  return used < size;
}

/*
** Concatenates the STR_TEXT parts into one NUL-terminated arena copy.  An
** empty string ("") gives "" with *len 0.  NULL also when out of memory.
*/
const char *
ast_string_literal(const struct ast_node *node, struct arena *a, uint32_t *len)
{
  const struct ast_node *p;
  size_t total = 0;
  char *out, *w;

  if (node == NULL || node->kind != AST_STRING)
    return NULL;
  for (p = node->u.string.parts; p != NULL; p = p->next) {
    if (p->kind != AST_STR_TEXT)
      return NULL;
    total += p->u.text.len;
  }
  if (total > UINT32_MAX - 1)
    return NULL;
  out = arena_alloc(a, total + 1);
  if (out == NULL)
    return NULL;
  w = out;
  for (p = node->u.string.parts; p != NULL; p = p->next) {
    memcpy(w, p->u.text.bytes, p->u.text.len);
    w += p->u.text.len;
  }
  *w = '\0';
  if (len != NULL)
    *len = (uint32_t)total;
  return out;
}

/* }==== */

/* {==== dump ==== */

/* Dump state: where to write and how to render positions. */
struct dumper {
  FILE *out;                    /* destination */
  const struct source *src;     /* for line:col, or NULL */
};

static void dump_node(const struct dumper *d, const struct ast_node *n, int depth,
                      const char *label);

/* Two blanks per level. */
static void
indent(const struct dumper *d, int depth)
{
  int i;

  for (i = 0; i < depth; i++)
    fputs("  ", d->out);
}

/* Bytes as a double-quoted C-like string. */
static void
quoted(FILE *out, const char *s, size_t n)
{
  size_t i;

  fputc('"', out);
  for (i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '"' || c == '\\')
      fprintf(out, "\\%c", c);
    else if (c == '\n')
      fputs("\\n", out);
    else if (c == '\t')
      fputs("\\t", out);
    else if (c < 0x20 || c == 0x7f)
      fprintf(out, "\\x%02x", c);
    else
      fputc(c, out);
  }
  fputc('"', out);
}

/* An identifier: its name, or "-" when absent. */
static void
ident(FILE *out, const struct ast_ident *id)
{
  fprintf(out, " %s", id->name != NULL ? id->name : "-");
}

/* A quoted name (phase, step, contact role, ...). */
static void
qname(FILE *out, const struct ast_ident *id)
{
  fputc(' ', out);
  if (id->name != NULL)
    quoted(out, id->name, strlen(id->name));
  else
    fputc('-', out);
}

/* Shortest decimal form of f that reads back to the same double. */
static void
number(FILE *out, double f)
{
  char buf[40];
  int prec;

  for (prec = 1; prec <= 17; prec++) {
    snprintf(buf, sizeof buf, "%.*g", prec, f);
    if (strtod(buf, NULL) == f)
      break;
  }
  fprintf(out, " %s", buf);
}

/* " @line:col" of the span's start, when the dump has a source. */
static void
span_of(const struct dumper *d, struct span sp)
{
  uint32_t line, col;

  if (d->src == NULL)
    return;
  src_position(d->src, sp.start, &line, &col);
  fprintf(d->out, " @%" PRIu32 ":%" PRIu32, line, col);
}

/* Every node of a list, each with the same label. */
static void
list(const struct dumper *d, const struct ast_node *head, int depth, const char *label)
{
  for (; head != NULL; head = head->next)
    dump_node(d, head, depth, label);
}

/* The scalar fields of expression kinds. */
static void
scalars_expr(const struct dumper *d, const struct ast_node *n)
{
  FILE *o = d->out;

  switch (n->kind) {
  case AST_BOOL: fputs(n->u.b ? " true" : " false", o); break;
  case AST_INT: case AST_STATUS_CLASS: fprintf(o, " %" PRId64, n->u.i); break;
  case AST_DURATION: fprintf(o, " %" PRId64 "ms", n->u.i); break;
  case AST_FLOAT: case AST_PERCENT: number(o, n->u.f); break;
  case AST_STR_TEXT: fputc(' ', o); quoted(o, n->u.text.bytes, n->u.text.len); break;
  case AST_NAME: ident(o, &n->u.name); break;
  case AST_STRING:
    if (n->u.string.raw)
      fputs(" raw", o);
    if (n->u.string.multiline)
      fputs(" multiline", o);
    break;
  case AST_PAIR: qname(o, &n->u.pair.key); break;
  case AST_UNARY: fprintf(o, " %s", ast_unop_str(n->u.unary.op)); break;
  case AST_BINARY: fprintf(o, " %s", ast_binop_str(n->u.binary.op)); break;
  case AST_MEMBER: ident(o, &n->u.member.id); break;
  case AST_CALL: if (n->u.call.bare) fputs(" bare", o); break;
  case AST_ARG: if (n->u.arg.name.name != NULL) ident(o, &n->u.arg.name); break;
  default: break;
  }
}

/* The scalar fields of items and statements, after the kind name. */
static void
scalars_items(const struct dumper *d, const struct ast_node *n)
{
  static const char *const onfail[] = { NULL, "continue", "abort", "troubleshoot" };
  static const char *const checks[] = { "contains", "json", "header", "within" };
  FILE *o = d->out;

  switch (n->kind) {
  case AST_RUNBOOK: qname(o, &n->u.runbook.name); break;
  case AST_META: ident(o, &n->u.meta.key); break;
  case AST_CONTACT: qname(o, &n->u.contact.role); break;
  case AST_RESOURCE: ident(o, &n->u.resource.name); break;
  case AST_PARAM:
    ident(o, &n->u.param.name);
    if (n->u.param.type.name != NULL)
      fprintf(o, " :%s", n->u.param.type.name);
    if (n->u.param.secret)
      fputs(" secret", o);
    break;
  case AST_FN: ident(o, &n->u.fn.name); break;
  case AST_TRIGGER:
    fputs(n->u.trigger.automatic ? " auto" : " manual", o);
    qname(o, &n->u.trigger.name);
    break;
  case AST_PHASE: qname(o, &n->u.phase.name); break;
  case AST_STEP:
    qname(o, &n->u.step.name);
    if (n->u.step.on_failure != ONFAIL_DEFAULT)
      fprintf(o, " on-failure=%s", onfail[n->u.step.on_failure]);
    if (n->u.step.on_failure == ONFAIL_TROUBLESHOOT)
      qname(o, &n->u.step.troubleshoot);
    break;
  case AST_CHECKLIST: qname(o, &n->u.checklist.name); break;
  case AST_ITEM: qname(o, &n->u.item.text); break;
  case AST_TROUBLESHOOT: qname(o, &n->u.troubleshoot.name); break;
  case AST_MONITOR: qname(o, &n->u.monitor.name); break;
  case AST_THRESHOLD:
    fprintf(o, " %s", n->u.threshold.op < 0 ? ".."
            : ast_binop_str((enum ast_binop)n->u.threshold.op));
    break;
  case AST_LET: ident(o, &n->u.let.name); break;
  case AST_FOR:
    ident(o, &n->u.for_.var);
    if (n->u.for_.var2.name != NULL)
      ident(o, &n->u.for_.var2);
    break;
  case AST_ASSERT_HTTP:
    fprintf(o, " %s", n->u.assert_http.method.name ? n->u.assert_http.method.name : "GET");
    break;
  case AST_HTTP_CHECK:
    fprintf(o, " %s", checks[n->u.http_check.what]);
    if (n->u.http_check.what == HTTP_CHECK_JSON || n->u.http_check.what == HTTP_CHECK_HEADER)
      fprintf(o, " %s", ast_binop_str((enum ast_binop)n->u.http_check.op));
    break;
  case AST_PARALLEL:
    if (n->u.parallel.var.name != NULL)
      ident(o, &n->u.parallel.var);
    break;
  default: break;
  }
}

/* The scalar fields of n, on its own line after the kind name. */
static void
scalars(const struct dumper *d, const struct ast_node *n)
{
  scalars_items(d, n);
  scalars_expr(d, n);
}

/* The file and runbook-item kinds' children (labels name optional parts). */
static void
children_a(const struct dumper *d, const struct ast_node *n, int c)
{
  switch (n->kind) {
  case AST_FILE:
    list(d, n->u.file.imports, c, NULL);
    list(d, n->u.file.items, c, NULL);
    break;
  case AST_IMPORT: dump_node(d, n->u.import.path, c, NULL); break;
  case AST_RUNBOOK: list(d, n->u.runbook.items, c, NULL); break;
  case AST_META: dump_node(d, n->u.meta.value, c, NULL); break;
  case AST_CONTACT: list(d, n->u.contact.fields, c, NULL); break;
  case AST_RESOURCE: dump_node(d, n->u.resource.value, c, NULL); break;
  case AST_PARAM: dump_node(d, n->u.param.value, c, NULL); break;
  case AST_FN:
    list(d, n->u.fn.params, c, "param");
    dump_node(d, n->u.fn.body, c, NULL);
    break;
  case AST_TRIGGER:
    dump_node(d, n->u.trigger.cond, c, "when");
    dump_node(d, n->u.trigger.duration, c, "for");
    break;
  case AST_PHASE:
    dump_node(d, n->u.phase.within, c, "within");
    list(d, n->u.phase.steps, c, NULL);
    break;
  case AST_STEP:
    dump_node(d, n->u.step.when, c, "when");
    dump_node(d, n->u.step.retry, c, "retry");
    dump_node(d, n->u.step.timeout, c, "timeout");
    dump_node(d, n->u.step.body, c, NULL);
    break;
  case AST_CHECKLIST: list(d, n->u.checklist.items, c, NULL); break;
  case AST_ITEM: dump_node(d, n->u.item.verify, c, "verify"); break;
  case AST_TROUBLESHOOT: dump_node(d, n->u.troubleshoot.body, c, NULL); break;
  case AST_MONITOR:
    dump_node(d, n->u.monitor.value, c, "value");
    dump_node(d, n->u.monitor.normal, c, "normal");
    dump_node(d, n->u.monitor.alert, c, "alert");
    break;
  case AST_THRESHOLD:
    dump_node(d, n->u.threshold.lo, c, NULL);
    dump_node(d, n->u.threshold.hi, c, NULL);
    break;
  default:
    break;
  }
}

/* The statement kinds' children. */
static void
children_b(const struct dumper *d, const struct ast_node *n, int c)
{
  switch (n->kind) {
  case AST_BLOCK: list(d, n->u.block.stmts, c, NULL); break;
  case AST_LET: dump_node(d, n->u.let.value, c, NULL); break;
  case AST_ASSIGN:
    dump_node(d, n->u.assign.target, c, NULL);
    dump_node(d, n->u.assign.value, c, NULL);
    break;
  case AST_EXPR_STMT: dump_node(d, n->u.expr_stmt.expr, c, NULL); break;
  case AST_IF:
    dump_node(d, n->u.if_.cond, c, NULL);
    dump_node(d, n->u.if_.then, c, NULL);
    dump_node(d, n->u.if_.els, c, "else");
    break;
  case AST_FOR:
    dump_node(d, n->u.for_.iter, c, NULL);
    dump_node(d, n->u.for_.body, c, NULL);
    break;
  case AST_RETRY:
    dump_node(d, n->u.retry.spec, c, NULL);
    dump_node(d, n->u.retry.body, c, NULL);
    break;
  case AST_RETRY_SPEC:
    dump_node(d, n->u.retry_spec.attempts, c, NULL);
    dump_node(d, n->u.retry_spec.every, c, "every");
    dump_node(d, n->u.retry_spec.backoff, c, "backoff");
    dump_node(d, n->u.retry_spec.max, c, "max");
    break;
  case AST_WAIT:
    dump_node(d, n->u.wait.cond, c, NULL);
    dump_node(d, n->u.wait.every, c, "every");
    dump_node(d, n->u.wait.timeout, c, "timeout");
    break;
  case AST_ASSERT:
    dump_node(d, n->u.assert_.cond, c, NULL);
    dump_node(d, n->u.assert_.message, c, "message");
    break;
  case AST_ASSERT_HTTP:
    dump_node(d, n->u.assert_http.status, c, "status");
    dump_node(d, n->u.assert_http.url, c, "url");
    list(d, n->u.assert_http.options, c, NULL);
    list(d, n->u.assert_http.checks, c, NULL);
    break;
  case AST_HTTP_CHECK:
    dump_node(d, n->u.http_check.key, c, "key");
    dump_node(d, n->u.http_check.value, c, NULL);
    break;
  case AST_RETURN: dump_node(d, n->u.return_.value, c, NULL); break;
  case AST_PARALLEL:
    dump_node(d, n->u.parallel.limit, c, "limit");
    dump_node(d, n->u.parallel.iter, c, "in");
    dump_node(d, n->u.parallel.body, c, NULL);
    break;
  default:
    break;
  }
}

/* The expression kinds' children. */
static void
children_c(const struct dumper *d, const struct ast_node *n, int c)
{
  switch (n->kind) {
  case AST_STRING: list(d, n->u.string.parts, c, NULL); break;
  case AST_LIST: list(d, n->u.list.items, c, NULL); break;
  case AST_MAP: list(d, n->u.map.entries, c, NULL); break;
  case AST_PAIR: dump_node(d, n->u.pair.value, c, NULL); break;
  case AST_UNARY: dump_node(d, n->u.unary.operand, c, NULL); break;
  case AST_BINARY:
    dump_node(d, n->u.binary.left, c, NULL);
    dump_node(d, n->u.binary.right, c, NULL);
    break;
  case AST_MEMBER: dump_node(d, n->u.member.object, c, NULL); break;
  case AST_INDEX:
    dump_node(d, n->u.index.object, c, NULL);
    dump_node(d, n->u.index.index, c, NULL);
    break;
  case AST_CALL:
    dump_node(d, n->u.call.callee, c, NULL);
    list(d, n->u.call.args, c, NULL);
    break;
  case AST_ARG: dump_node(d, n->u.arg.value, c, NULL); break;
  default:
    break;
  }
}

/* One node: "(kind scalars", each child on a line of its own, then ")". */
static void
dump_node(const struct dumper *d, const struct ast_node *n, int depth, const char *label)
{
  if (n == NULL)
    return;
  if (depth > 0)
    fputc('\n', d->out);
  indent(d, depth);
  if (label != NULL)
    fprintf(d->out, "%s: ", label);
  fprintf(d->out, "(%s", ast_kind_name(n->kind));
  scalars(d, n);
  span_of(d, n->span);
  children_a(d, n, depth + 1);
  children_b(d, n, depth + 1);
  children_c(d, n, depth + 1);
  fputc(')', d->out);
}

/*
** Format: "(kind scalars [@line:col]" then each child on its own line,
** indented two more blanks, optional children prefixed by their role
** ("when: ", "else: "), and ")" closing on the last child's line.
*/
void
ast_dump(FILE *out, const struct ast_node *node, const struct source *src)
{
  struct dumper d;

  d.out = out;
  d.src = src;
  if (node == NULL)
    return;
  dump_node(&d, node, 0, NULL);
  fputc('\n', out);
}

/* }==== */
