/*
** check_aws.c: `aws.SERVICE.OPERATION(Member: value, ...)` checked against
** the service models (stdlib/aws/model.h) at `rbc check` time:
**   RB2019  the service does not exist (aws.ecz)
**   RB2002  the service has no such operation (boto3 snake_case names)
**   RB2003  the operation takes no such member (the API's own names)
**   RB2023  a required member is missing
**   RB2024  a literal argument has the wrong type for its member
**   RB2025  the models cannot be read (a broken install): nothing checked
** with "did you mean" and, for one candidate, a safe fix.
*/
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "lexer/suggest.h"
#include "parser/ast.h"
#include "parser/check_impl.h"
#include "stdlib/aws/model.h"

/* {==== helpers ==== */

/*
** The primary label and the "did you mean": with one close candidate the
** label and a help say it (tty shows it once, gcc and json carry the help)
** and a safe fix replaces span; with two or three a help
** line lists them; with none the label is `plain`.
*/
static void label_suggest(struct diag *d, const char *word, struct span span,
                          const char *const *cands, size_t n, const char *plain)
{
  const char *best[DIAG_SUGGEST_MAX];
  size_t k = diag_suggest(word, cands, n, best, DIAG_SUGGEST_MAX);

  if (k == 1) {
    diag_label(d, span, true, "did you mean `%s`?", best[0]);
    diag_help(d, "did you mean `%s`?", best[0]);
    diag_set_fix(d, true, span, best[0]);
    return;
  }
  diag_label(d, span, true, "%s", plain);
  if (k == 2)
    diag_help(d, "did you mean `%s` or `%s`?", best[0], best[1]);
  else if (k == 3)
    diag_help(d, "did you mean `%s`, `%s` or `%s`?", best[0], best[1], best[2]);
}

/* The member names of structure st, in model order (at most max); their count. */
static size_t member_names(const json_t *st, const char **out, size_t max)
{
  json_t *members = json_object_get(st, "members"), *ref;
  const char *name;
  size_t n = 0;

  json_object_foreach(members, name, ref) {
    if (n < max)
      out[n++] = name;
  }
  return n;
}

/* The static type an AWS shape type wants, TY_UNKNOWN when any will do. */
static enum ck_type wanted_type(const json_t *shape)
{
  const char *t = aws_model_str(shape, "type");

  if (t == NULL)
    return TY_UNKNOWN;
  if (strcmp(t, "string") == 0 || strcmp(t, "blob") == 0)
    return TY_STRING;
  if (strcmp(t, "integer") == 0 || strcmp(t, "long") == 0)
    return TY_INT;
  if (strcmp(t, "float") == 0 || strcmp(t, "double") == 0)
    return TY_FLOAT;
  if (strcmp(t, "boolean") == 0)
    return TY_BOOL;
  if (strcmp(t, "list") == 0)
    return TY_LIST;
  if (strcmp(t, "structure") == 0 || strcmp(t, "map") == 0)
    return TY_MAP;
  return TY_UNKNOWN;           /* timestamps take a time or an RFC 3339 string */
}

/* }==== */

/* {==== the checks ==== */

/* RB2024 when a literal argument cannot be the member's type. */
static void check_arg_type(struct checker *c, const struct aws_service *svc,
                           const struct ast_node *a, const json_t *ref, const char *opname)
{
  enum ck_type want = wanted_type(aws_model_ref_shape(svc, ref));
  enum ck_type got = check_literal_type(a->u.arg.value);
  struct diag *d;

  if (want == TY_UNKNOWN || got == TY_UNKNOWN || got == TY_NULL || got == want
      || (want == TY_FLOAT && got == TY_INT))
    return;
  d = diag_add(c->sh->diags, DIAG_RB2024, c->src, a->u.arg.value->span,
               "member `%s` of %s takes %s %s, not %s %s", a->u.arg.name.name, opname,
               want == TY_INT ? "an" : "a", check_type_name(want),
               got == TY_INT ? "an" : "a", check_type_name(got));
  diag_label(d, a->u.arg.value->span, true, "%s", check_type_name(got));
}

/* RB2003 for an argument the operation does not take. */
static void unknown_member(struct checker *c, const struct ast_node *a, const json_t *input,
                           const char *opname)
{
  const char *cands[512];
  size_t n = member_names(input, cands, 512);
  struct span span = a->u.arg.name.span;
  struct diag *d = diag_add(c->sh->diags, DIAG_RB2003, c->src, span,
                            "%s has no member `%s`", opname, a->u.arg.name.name);

  if (d == NULL)
    return;
  label_suggest(d, a->u.arg.name.name, span, cands, n, n == 0 ? "takes no members"
                : "not a member of this operation");
}

/* RB2023: the required members of input that no argument names. */
static void missing_required(struct checker *c, const struct ast_node *call,
                             struct span at, const json_t *input, const char *opname)
{
  json_t *req = json_object_get(input, "required"), *r;
  char list[400];
  size_t len = 0, i, missing = 0;
  struct diag *d;

  list[0] = '\0';
  json_array_foreach(req, i, r) {
    const char *name = json_string_value(r);
    const struct ast_node *a;
    int w;
    for (a = call->u.call.args; a != NULL; a = a->next)
      if (a->u.arg.name.name != NULL && name != NULL && strcmp(a->u.arg.name.name, name) == 0)
        break;
    if (a != NULL || name == NULL)
      continue;
    w = snprintf(list + len, sizeof list - len, "%s`%s`", missing ? ", " : "", name);
    if (w > 0 && (size_t)w < sizeof list - len)
      len += (size_t)w;
    missing++;
  }
  if (missing == 0)
    return;
  d = diag_add(c->sh->diags, DIAG_RB2023, c->src, at,
               "%s needs member%s %s", opname, missing > 1 ? "s" : "", list);
  diag_label(d, at, true, "missing %s", list);
  diag_help(d, "add %s: value to the call", missing > 1 ? "each missing Member" : list);
}

/* RB2002 for an operation the service does not have. */
static void unknown_operation(struct checker *c, const struct aws_service *svc,
                              const char *op, struct span span)
{
  size_t n = 0;
  const char *const *ops = aws_model_op_names(svc, &n);
  struct diag *d = diag_add(c->sh->diags, DIAG_RB2002, c->src, span,
                            "aws.%s has no operation `%s`", svc->name, op);

  if (d == NULL)
    return;
  label_suggest(d, op, span, ops, n, "not an operation of this service");
}

/* RB2019 for a service rbc has no model of. */
static void unknown_service(struct checker *c, const char *name, struct span span)
{
  const char *const *svcs = aws_model_services();
  size_t n = 0;
  struct diag *d = diag_add(c->sh->diags, DIAG_RB2019, c->src, span,
                            "module `aws` has no service `%s`", name);

  while (svcs[n] != NULL)
    n++;
  if (d == NULL)
    return;
  label_suggest(d, name, span, svcs, n, "not a service rbc has a model of");
}

/* RB2025 (once per file): a broken install checks no AWS name, and says so. */
static void models_missing(struct checker *c, struct span span, const char *msg)
{
  struct diag *d;

  for (size_t i = 0; i < c->sh->diags->len; i++)
    if (c->sh->diags->items[i].code == DIAG_RB2025 && c->sh->diags->items[i].src == c->src)
      return;
  d = diag_add(c->sh->diags, DIAG_RB2025, c->src, span, "AWS calls were not checked: %s", msg);
  diag_label(d, span, true, "not checked");
  diag_help(d, "reinstall rbc, or point RBC_AWS_MODELS at its stdlib/aws/models directory");
}

/*
** The service and operation named at svc_span / op_span: their model into
** *op, or false after reporting RB2019 / RB2002 / RB2025.
*/
static bool find_op(struct checker *c, const char *svc_name, struct span svc_span,
                    const char *op_name, struct span op_span, struct aws_op *op)
{
  const struct aws_service *svc;
  char msg[512];

  if (!aws_model_known(svc_name)) {
    unknown_service(c, svc_name, svc_span);
    return false;
  }
  svc = aws_model_service(svc_name, msg, sizeof msg);
  if (svc == NULL) {
    models_missing(c, svc_span, msg);
    return false;
  }
  if (aws_model_op(svc, op_name, op) != 0) {
    unknown_operation(c, svc, op_name, op_span);
    return false;
  }
  return true;
}

/*
** The named arguments of call against op's input: RB2003, RB2024, and
** RB2023 at `at` (not after a stray positional argument, unless paginate).
*/
static void check_members(struct checker *c, const struct ast_node *call,
                          const struct aws_op *op, struct span at, bool paginate)
{
  char opname[160];

  snprintf(opname, sizeof opname, "aws.%s.%s", op->svc->name, op->py);
  for (const struct ast_node *a = call->u.call.args; a != NULL; a = a->next) {
    json_t *ref;
    if (a->u.arg.name.name == NULL)
      continue;
    ref = json_object_get(json_object_get(op->input, "members"), a->u.arg.name.name);
    if (ref == NULL)
      unknown_member(c, a, op->input, opname);
    else
      check_arg_type(c, op->svc, a, ref, opname);
  }
  for (const struct ast_node *a = call->u.call.args; a != NULL && !paginate; a = a->next)
    if (a->u.arg.name.name == NULL)
      return;                   /* positional arguments (RB2009): no guess at the rest */
  missing_required(c, call, at, op->input, opname);
}

/*
** An AWS call: callee is `aws.SERVICE.OPERATION` (MEMBER of MEMBER).
** Service, operation, member names, required members and literal types.
*/
void check_aws_call(struct checker *c, const struct ast_node *call)
{
  const struct ast_node *callee = call->u.call.callee, *svc_node;
  struct aws_op op;

  if (callee == NULL || callee->kind != AST_MEMBER || callee->u.member.id.name == NULL)
    return;
  svc_node = callee->u.member.object;
  if (svc_node == NULL || svc_node->kind != AST_MEMBER || svc_node->u.member.id.name == NULL)
    return;
  if (find_op(c, svc_node->u.member.id.name, svc_node->u.member.id.span,
              callee->u.member.id.name, callee->u.member.id.span, &op))
    check_members(c, call, &op, callee->u.member.id.span, false);
}

/*
** aws.paginate("SERVICE", "OPERATION", Member: value, ...): when both names
** are string literals, the same checks as a call, and RB2002 when the
** operation has no paginator.
*/
void check_aws_paginate(struct checker *c, const struct ast_node *call)
{
  const struct ast_node *a0 = call->u.call.args, *a1 = a0 != NULL ? a0->next : NULL;
  const char *svc, *opn;
  uint32_t len;
  struct aws_op op;
  struct diag *d;

  if (a1 == NULL || a0->u.arg.name.name != NULL || a1->u.arg.name.name != NULL)
    return;
  svc = ast_string_literal(a0->u.arg.value, c->sh->a, &len);
  opn = ast_string_literal(a1->u.arg.value, c->sh->a, &len);
  if (svc == NULL || opn == NULL
      || !find_op(c, svc, a0->u.arg.value->span, opn, a1->u.arg.value->span, &op))
    return;
  if (aws_model_paginator(op.svc, op.name) == NULL) {
    d = diag_add(c->sh->diags, DIAG_RB2002, c->src, a1->u.arg.value->span,
                 "aws.%s.%s has no paginator", op.svc->name, op.py);
    diag_label(d, a1->u.arg.value->span, true, "returns everything in one call");
    diag_help(d, "call it directly: `aws.%s.%s(...)`", op.svc->name, op.py);
    return;
  }
  check_members(c, call, &op, a1->u.arg.value->span, true);
}

/* }==== */
