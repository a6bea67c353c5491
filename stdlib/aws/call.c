/*
** call.c: an AWS call end to end, the VM's CALL_AWS, and aws.paginate
** (see call.h).
*/
#include "stdlib/aws/call.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stdlib/aws/aws.h"
#include "stdlib/aws/model.h"
#include "stdlib/aws/protocol.h"
#include "stdlib/loop.h"
#include "stdlib/sim.h"
#include "vm/bytecode.h"
#include "vm/value_json.h"
#include "vm/vm_int.h"

/* Most pages aws.paginate follows (a service that never stops must not loop forever). */
#define AWS_MAX_PAGES 10000

/* {==== one call ==== */

/* err = code + message; returns -1. */
static int call_fail(struct aws_call_err *err, enum diag_code code, const char *fmt, ...)
  __attribute__((format(printf, 3, 4)));

static int call_fail(struct aws_call_err *err, enum diag_code code, const char *fmt, ...)
{
  va_list ap;

  err->code = code;
  va_start(ap, fmt);
  vsnprintf(err->message, sizeof err->message, fmt, ap);
  va_end(ap);
  return -1;
}

/* The message of a failed aws_send. */
static int send_failed(const struct aws_error *ae, const char *what, struct aws_call_err *err)
{
  char id[160] = "";

  if (ae->request_id[0] != '\0')
    snprintf(id, sizeof id, " (request id %s)", ae->request_id);
  if (ae->kind == AWS_ERR_SERVICE)
    return call_fail(err, DIAG_RB5007, "%s: %s: %s%s", what,
                     ae->code[0] ? ae->code : "Error", ae->message, id);
  return call_fail(err, DIAG_RB5007, "%s: %s%s", what,
                   ae->message[0] ? ae->message : "the request failed", id);
}

/* The operation `py` of service, or -1 with err. */
static int find_op(const char *service, const char *py, struct aws_op *op,
                   struct aws_call_err *err)
{
  char msg[400];
  const struct aws_service *svc = aws_model_service(service, msg, sizeof msg);

  if (svc == NULL)
    return call_fail(err, aws_model_known(service) ? DIAG_RB5011 : DIAG_RB5025, "aws.%s: %s",
                     service, msg);
  if (aws_model_op(svc, py, op) != 0)
    return call_fail(err, DIAG_RB5025, "aws.%s has no operation `%s`", service, py);
  return 0;
}

/* Most bytes (as JSON) of the request members or the reply an `aws` action exports. */
#define AWS_EXPORT_MAX (256 * 1024)

/* Set map[key] = v (borrowed) unless its JSON passes AWS_EXPORT_MAX: then map[cut] = true. */
static void export_value(struct rbc_value *map, const char *key, const char *cut,
                         struct rbc_value v)
{
  struct rbc_value js = val_null();
  struct val_err e;
  bool fits = val_json_encode(v, 0, &js, &e) == VAL_OK && val_str_len(js) <= AWS_EXPORT_MAX;

  val_release(js);
  if (fits)
    val_map_set(map, key, strlen(key), v, &e);
  else
    val_map_set(map, cut, strlen(cut), val_bool(true), &e);
}

/* Set map[key] = the string text. */
static void export_str(struct rbc_value *map, const char *key, const char *text)
{
  struct rbc_value s;
  struct val_err e;

  if (val_string_new(text, strlen(text), &s, &e) != VAL_OK)
    return;
  val_map_set(map, key, strlen(key), s, &e);
  val_release(s);
}

/*
** The `aws` action of one request: "ecs.update_service", its status and
** time, and its exports (docs/journal.md): service, operation, the request
** members, and the decoded reply or the error (reply and error NULL: neither
** is known, e.g. a reply that did not decode).  Secrets in them are masked by
** the sinks (SSM SecureString values are tainted before this is called).
*/
static void report(const struct std_host *host, const struct aws_op *op, const char *status,
                   int64_t t0, struct rbc_value args, const struct rbc_value *reply,
                   const struct aws_error *ae)
{
  char call[160];
  int64_t t1;
  struct rbc_value ex, er;
  struct val_err e;
  bool have = false;

  if (host->action == NULL && host->action_exports == NULL)
    return;
  t1 = host->monotonic_ms != NULL ? host->monotonic_ms(host->ctx) : t0;
  snprintf(call, sizeof call, "%s.%s", op->svc->name, op->py);
  if (host->action_exports != NULL && val_map_new(&ex, &e) == VAL_OK) {
    have = true;
    export_str(&ex, "service", op->svc->name);
    export_str(&ex, "operation", op->py);
    export_value(&ex, "args", "args_truncated", args);
    if (reply != NULL)
      export_value(&ex, "reply", "reply_truncated", *reply);
    if (ae != NULL && val_map_new(&er, &e) == VAL_OK) {
      export_str(&er, "code", ae->code);
      export_str(&er, "message", ae->message);
      val_map_set(&er, "status", 6, val_int(ae->status), &e);
      val_map_set(&er, "attempts", 8, val_int(ae->attempts), &e);
      val_map_set(&ex, "error", 5, er, &e);
      val_release(er);
    }
  }
  std_host_action(host, "aws", call, status, t1 - t0, have ? &ex : NULL);
  if (have)
    val_release(ex);
}

/*
** SSM SecureString parameters come back decrypted (WithDecryption: true):
** every map with Type "SecureString" gets its Value marked secret and
** registered with the run's outputs, so it prints as *** everywhere.
*/
static void taint_secure_strings(const struct std_host *host, struct rbc_value *v, int depth)
{
  const struct rbc_value *type = val_map_get(*v, "Type", 4);
  const struct rbc_value *value = val_map_get(*v, "Value", 5);
  size_t pos = 0, klen;
  const char *k;
  const struct rbc_value *x;
  struct val_err e;

  if (depth > 16)
    return;
  if (type != NULL && value != NULL && value->type == VAL_STRING && !value->secret
      && strcmp(val_str_data(*type) != NULL ? val_str_data(*type) : "", "SecureString") == 0) {
    struct rbc_value sv = val_tainted(val_retain(*value), true);
    if (host->add_secret != NULL)
      host->add_secret(host->ctx, val_str_data(sv), val_str_len(sv));
    val_map_set(v, "Value", 5, sv, &e);
    val_release(sv);
  }
  while (val_map_next(*v, &pos, &k, &klen, &x)) {
    if (x->type == VAL_MAP || x->type == VAL_LIST) {
      struct rbc_value child = val_retain(*x);
      if (child.type == VAL_MAP) {
        taint_secure_strings(host, &child, depth + 1);
      } else {
        for (size_t i = 0; i < val_list_len(child); i++) {
          struct rbc_value item = val_retain(*val_list_at(child, i));
          taint_secure_strings(host, &item, depth + 1);
          val_set_index(&child, val_int((int64_t)i), item, &e);
          val_release(item);
        }
      }
      val_map_set(v, k, klen, child, &e);
      val_release(child);
    }
  }
}

/*
** rbc test: a scenario's reply is JSON, where a time is ISO 8601 text; give
** the members the output shape types as timestamps the time value the
** runbook gets from AWS (so `createdAt.year` works as in production).  Text
** that does not parse as a time is left as it is.
*/
static void sim_times(const struct aws_service *svc, const json_t *shape, struct rbc_value *v,
                      int depth)
{
  const char *t = shape != NULL ? aws_shape_type(shape) : "";
  const json_t *ref = NULL;
  const char *k;
  size_t klen, pos = 0;
  const struct rbc_value *x;
  struct val_err e;
  int64_t ms;

  if (depth > 32)
    return;
  if (strcmp(t, "timestamp") == 0) {
    if (v->type == VAL_STRING && !v->secret && aws_time_parse(val_str_data(*v), &ms) == 0) {
      val_release(*v);
      *v = val_time(ms);
    }
    return;
  }
  if (strcmp(t, "list") == 0 && v->type == VAL_LIST) {
    ref = json_object_get(shape, "member");
    for (size_t i = 0; i < val_list_len(*v); i++) {
      struct rbc_value item = val_retain(*val_list_at(*v, i));
      sim_times(svc, aws_model_ref_shape(svc, ref), &item, depth + 1);
      val_set_index(v, val_int((int64_t)i), item, &e);
      val_release(item);
    }
    return;
  }
  if ((strcmp(t, "structure") != 0 && strcmp(t, "map") != 0) || v->type != VAL_MAP)
    return;
  if (strcmp(t, "map") == 0)
    ref = json_object_get(shape, "value");
  while (val_map_next(*v, &pos, &k, &klen, &x)) {
    struct rbc_value child = val_retain(*x);
    char name[128];

    if (strcmp(t, "structure") == 0) {
      snprintf(name, sizeof name, "%.*s", (int)(klen < sizeof name ? klen : sizeof name - 1), k);
      ref = json_object_get(json_object_get(shape, "members"), name);
    }
    if (ref != NULL)
      sim_times(svc, aws_model_ref_shape(svc, ref), &child, depth + 1);
    val_map_set(v, k, klen, child, &e);
    val_release(child);
  }
}

/* Attempts of a simulated call: the client's default max_attempts. */
#define SIM_MAX_ATTEMPTS 3

/*
** rbc test (stdlib/sim.h): the scenario answers op at the operation level.
** Throttling and transient error codes are retried as the client's
** standard mode does (SIM_MAX_ATTEMPTS, backoff on the run's clock: the
** mean of the full-jitter delay, so runs are reproducible).
*/
static int call_sim(const struct std_host *host, const struct aws_op *op, struct rbc_value args,
                    struct rbc_value *out, struct aws_call_err *err, int64_t t0)
{
  const struct sim *sim = loop_sim(host->loop);
  struct sim_aws_reply rp;
  struct aws_error ae;
  char what[160];
  int n;

  snprintf(what, sizeof what, "aws.%s.%s", op->svc->name, op->py);
  for (n = 1;; n++) {
    memset(&rp, 0, sizeof rp);
    rp.value = val_null();
    if (sim->aws == NULL || sim->aws(sim->ctx, op->svc->name, op->py, args, &rp) != SIM_ANSWERED)
      return call_fail(err, DIAG_RB5060, "%s: not described by the scenario", what);
    if (rp.error[0] == '\0') {
      *out = rp.value;
      sim_times(op->svc, op->output, out, 0);
      if (strcmp(op->svc->name, "ssm") == 0)
        taint_secure_strings(host, out, 0);
      report(host, op, "ok", t0, args, out, NULL);
      return 0;
    }
    val_release(rp.value);
    if (n >= SIM_MAX_ATTEMPTS || !aws_retryable(rp.error, rp.status))
      break;
    if (loop_sleep(host->loop, (int64_t)50 << (n - 1)) != 0)
      break;
  }
  memset(&ae, 0, sizeof ae);
  ae.kind = AWS_ERR_SERVICE;
  ae.status = rp.status;
  ae.attempts = n;
  snprintf(ae.code, sizeof ae.code, "%s", rp.error);
  snprintf(ae.message, sizeof ae.message, "%s", rp.message);
  report(host, op, "error", t0, args, NULL, &ae);
  return send_failed(&ae, what, err);
}

/* Encode, send, decode one call of op (one `aws` action per request sent). */
static int call_op(const struct std_host *host, const struct aws_op *op, struct rbc_value args,
                   struct rbc_value *out, struct aws_call_err *err)
{
  struct aws_enc enc;
  struct aws_response rs;
  struct aws_error ae;
  char what[160], msg[512] = "";
  int64_t t0;
  int rc;

  snprintf(what, sizeof what, "aws.%s.%s", op->svc->name, op->py);
  if (host == NULL || (host->aws == NULL && loop_sim(host->loop) == NULL))
    return call_fail(err, DIAG_RB5027, "%s: no AWS client in this run", what);
  t0 = host->monotonic_ms != NULL ? host->monotonic_ms(host->ctx) : 0;
  if (aws_encode(op, args, &enc) != 0) {
    call_fail(err, DIAG_RB5025, "%s: %s", what, enc.err);
    aws_enc_free(&enc);
    return -1;
  }
  if (loop_sim(host->loop) != NULL) {   /* rbc test: the request was built; the scenario answers */
    aws_enc_free(&enc);
    return call_sim(host, op, args, out, err, t0);
  }
  memset(&rs, 0, sizeof rs);
  memset(&ae, 0, sizeof ae);
  rc = aws_send(host->aws, &enc.rq, &rs, &ae);
  aws_enc_free(&enc);
  if (rc != 0) {
    report(host, op, "error", t0, args, NULL, &ae);
    aws_response_free(&rs);
    return send_failed(&ae, what, err);
  }
  rc = aws_decode(op, &rs, out, msg, sizeof msg);
  if (rc == 0 && strcmp(op->svc->name, "ssm") == 0)
    taint_secure_strings(host, out, 0);
  report(host, op, "ok", t0, args, rc == 0 ? out : NULL, NULL);
  if (rc != 0) {
    char id[160] = "";
    if (rs.request_id[0] != '\0')
      snprintf(id, sizeof id, " (request id %s)", rs.request_id);
    call_fail(err, DIAG_RB5026, "%s: %s%s", what, msg[0] ? msg : "out of memory", id);
  }
  aws_response_free(&rs);
  return rc;
}

int aws_call(const struct std_host *host, const char *service, const char *op,
             struct rbc_value args, struct rbc_value *out, struct aws_call_err *err)
{
  struct aws_op o;

  if (find_op(service, op, &o, err) != 0)
    return -1;
  return call_op(host, &o, args, out, err);
}

/* }==== */

/* {==== the VM's CALL_AWS ==== */

/* The i-th name of NAMES constant k. */
static const char *name_at(const struct vm *vm, uint32_t k, uint32_t i)
{
  const struct chunk_const *s = chunk_str(vm->c, vm->c->consts[k].u.desc.w[NAMES_ITEMS + i]);

  return s != NULL ? s->u.str.bytes : "";
}

/* The arguments as one map (member -> value); -1 on out of memory. */
static int args_map(struct vm *vm, uint32_t argc, uint32_t names_k, struct rbc_value *map)
{
  struct rbc_value *vals = &vm->stack[vm->sp - argc];
  struct val_err e;

  if (val_map_new(map, &e) != VAL_OK)
    return -1;
  for (uint32_t i = 0; i < argc && names_k != CHUNK_NONE; i++) {
    const char *n = name_at(vm, names_k, i);
    if (val_map_set(map, n, strlen(n), vals[i], &e) != VAL_OK)
      return -1;
  }
  return 0;
}

int aws_vm_call(struct vm *vm, uint32_t svc_k, uint32_t op_k, uint32_t argc,
                uint32_t names_k)
{
  const struct chunk_const *ks = chunk_str(vm->c, svc_k), *ko = chunk_str(vm->c, op_k);
  const char *svc = ks != NULL ? ks->u.str.bytes : "", *op = ko != NULL ? ko->u.str.bytes : "";
  struct rbc_value args = val_null(), out = val_null();
  struct aws_call_err err;
  int rc;

  memset(&err, 0, sizeof err);
  rc = args_map(vm, argc, names_k, &args);
  vm_popn(vm, argc);
  if (rc != 0) {
    val_release(args);
    return vm_raise(vm, DIAG_RB9001, VM_ERR_NORMAL, "out of memory");
  }
  rc = aws_call(&vm->host, svc, op, args, &out, &err);
  val_release(args);
  if (rc != 0) {
    if (vm_safepoint(vm) != 0)
      return -1;
    return vm_raise(vm, err.code, VM_ERR_NORMAL, "%s", err.message);
  }
  vm->stack[vm->sp++] = out;
  return 0;
}

/* }==== */

/* {==== aws.paginate ==== */

/* The strings of a paginator field (a string or a list of strings), at most max. */
static size_t keys_of(const json_t *field, const char **out, size_t max)
{
  size_t n = 0, i;
  json_t *x;

  if (json_is_string(field)) {
    out[n++] = json_string_value(field);
    return n;
  }
  json_array_foreach(field, i, x) {
    if (n < max && json_is_string(x))
      out[n++] = json_string_value(x);
  }
  return n;
}

/*
** The value of one path of a paginator expression in v (borrowed), or
** NULL: dotted names with an optional index ("Contents[-1].Key").
*/
static const struct rbc_value *path_value(const struct rbc_value *v, const char *path,
                                          size_t len)
{
  const struct rbc_value *x = v;
  size_t i = 0;

  while (x != NULL && i < len) {
    size_t start = i;
    while (i < len && path[i] != '.' && path[i] != '[')
      i++;
    x = x->type == VAL_MAP ? val_map_get(*x, path + start, i - start) : NULL;
    if (x != NULL && i < len && path[i] == '[') {
      long idx = strtol(path + i + 1, NULL, 10);
      size_t n = val_list_len(*x);
      x = idx < 0 ? (n >= (size_t)-idx ? val_list_at(*x, n - (size_t)-idx) : NULL)
                  : val_list_at(*x, (size_t)idx);
      while (i < len && path[i] != ']')
        i++;
      i++;
    }
    if (i < len && path[i] == '.')
      i++;
  }
  return x;
}

/* JMESPath's truthiness, for `a || b`: null, false, "", [] and {} are false. */
static bool truthy(const struct rbc_value *x)
{
  return x != NULL && x->type != VAL_NULL && !(x->type == VAL_BOOL && !x->as.b)
         && !(x->type == VAL_STRING && val_str_len(*x) == 0)
         && !(x->type == VAL_LIST && val_list_len(*x) == 0)
         && !(x->type == VAL_MAP && val_map_len(*x) == 0);
}

/*
** A paginator expression in v: a path, or alternatives "A || B[-1].Key"
** (the first truthy one, as botocore evaluates it).  Borrowed, or NULL.
*/
static const struct rbc_value *at_path(const struct rbc_value *v, const char *expr)
{
  const struct rbc_value *x = NULL;

  while (*expr != '\0') {
    const char *bar = strstr(expr, "||");
    size_t len = bar != NULL ? (size_t)(bar - expr) : strlen(expr);
    while (len > 0 && expr[0] == ' ') {
      expr++;
      len--;
    }
    while (len > 0 && expr[len - 1] == ' ')
      len--;
    x = path_value(v, expr, len);
    if (bar == NULL || truthy(x))
      return x;
    expr = bar + 2;
  }
  return x;
}

/* *slot with its member path ("A" or "A.B") set to value (copy-on-write all along). */
static int set_path(struct rbc_value *slot, const char *path, struct rbc_value value)
{
  const char *dot = strchr(path, '.');
  const struct rbc_value *cur;
  struct rbc_value child;
  struct val_err e;
  int rc;

  if (dot == NULL)
    return val_map_set(slot, path, strlen(path), value, &e) == VAL_OK ? 0 : -1;
  cur = val_map_get(*slot, path, (size_t)(dot - path));
  if (cur == NULL || cur->type != VAL_MAP)
    return 0;
  child = val_retain(*cur);
  rc = set_path(&child, dot + 1, value);
  if (rc == 0)
    rc = val_map_set(slot, path, (size_t)(dot - path), child, &e) == VAL_OK ? 0 : -1;
  val_release(child);
  return rc;
}

/* Append the items of page's list at `key` (a member path) to acc's. */
static int merge_key(struct rbc_value *acc, struct rbc_value page, const char *key)
{
  const struct rbc_value *items = path_value(&page, key, strlen(key));
  const struct rbc_value *have = path_value(acc, key, strlen(key));
  struct rbc_value list = val_null();
  struct val_err e;
  int rc = 0;

  if (items == NULL || items->type != VAL_LIST)
    return 0;
  if (have == NULL || have->type != VAL_LIST)
    return set_path(acc, key, *items);
  list = val_retain(*have);
  for (size_t i = 0; rc == 0 && i < val_list_len(*items); i++)
    rc = val_list_push(&list, *val_list_at(*items, i), &e) == VAL_OK ? 0 : -1;
  if (rc == 0)
    rc = set_path(acc, key, list);
  val_release(list);
  return rc;
}

/* Set the next page's input tokens from page's output tokens; false when done. */
static bool next_tokens(const json_t *pag, struct rbc_value page, struct rbc_value *args,
                        bool *failed)
{
  const char *in[8], *outk[8];
  size_t nin = keys_of(json_object_get(pag, "input_token"), in, 8);
  size_t nout = keys_of(json_object_get(pag, "output_token"), outk, 8);
  const char *more = aws_model_str(pag, "more_results");
  const struct rbc_value *m = more != NULL ? at_path(&page, more) : NULL;
  bool any = false;
  struct val_err e;

  *failed = false;
  if (m != NULL && m->type == VAL_BOOL && !m->as.b)
    return false;
  for (size_t i = 0; i < nin && i < nout; i++) {
    const struct rbc_value *t = at_path(&page, outk[i]);
    if (t == NULL || t->type == VAL_NULL || (t->type == VAL_STRING && val_str_len(*t) == 0)) {
      val_map_delete(args, in[i], strlen(in[i]), NULL, &e);
      continue;
    }
    if (val_map_set(args, in[i], strlen(in[i]), *t, &e) != VAL_OK)
      *failed = true;
    any = true;
  }
  return any && !*failed;
}

/* The positional service and operation names, or -1 with the call's error. */
static int paginate_args(struct std_call *call, struct rbc_value *args)
{
  struct val_err e;

  if (call->nargs != 2 || call->args[0].type != VAL_STRING
      || call->args[1].type != VAL_STRING)
    return std_error_code(call, DIAG_RB5025,
                          "aws.paginate takes a service and an operation name (strings)");
  if (val_map_new(args, &e) != VAL_OK)
    return std_error(call, "out of memory");
  for (int i = 0; i < call->nnamed; i++)
    if (val_map_set(args, call->names[i], strlen(call->names[i]), call->named[i], &e)
        != VAL_OK)
      return std_error(call, "out of memory");
  return 0;
}

/* Follow every page of op, merging result keys into *acc. */
static int paginate_loop(struct std_call *call, const struct aws_op *op, const json_t *pag,
                         struct rbc_value *args, struct rbc_value *acc)
{
  const char *results[8];
  size_t nres = keys_of(json_object_get(pag, "result_key"), results, 8);
  struct aws_call_err err;
  bool failed = false, more = true;

  for (int page_no = 0; more && page_no < AWS_MAX_PAGES; page_no++) {
    struct rbc_value page = val_null();
    int rc = 0;
    memset(&err, 0, sizeof err);
    if (call_op(call->host, op, *args, &page, &err) != 0)
      return std_error_code(call, err.code, "%s", err.message);
    if (page_no == 0) {
      *acc = val_retain(page);
    } else {
      for (size_t i = 0; rc == 0 && i < nres; i++)
        rc = merge_key(acc, page, results[i]);
    }
    more = rc == 0 && next_tokens(pag, page, args, &failed);
    val_release(page);
    if (rc != 0 || failed)
      return std_error(call, "out of memory");
  }
  return 0;
}

int std_aws_paginate(struct std_call *call, struct rbc_value *out)
{
  struct rbc_value args = val_null(), acc = val_null();
  struct aws_call_err err;
  struct aws_op op;
  const json_t *pag;
  const char *outk[8];
  size_t nout;
  struct val_err e;

  if (paginate_args(call, &args) != 0) {
    val_release(args);
    return -1;
  }
  if (find_op(val_str_data(call->args[0]), val_str_data(call->args[1]), &op, &err) != 0) {
    val_release(args);
    return std_error_code(call, err.code, "%s", err.message);
  }
  pag = aws_model_paginator(op.svc, op.name);
  if (pag == NULL) {
    val_release(args);
    return std_error_code(call, DIAG_RB5025, "aws.%s.%s does not paginate: call it directly",
                          op.svc->name, op.py);
  }
  if (paginate_loop(call, &op, pag, &args, &acc) != 0) {
    val_release(args);
    val_release(acc);
    return -1;
  }
  val_release(args);
  nout = keys_of(json_object_get(pag, "output_token"), outk, 8);
  for (size_t i = 0; i < nout; i++) {
    size_t len = strcspn(outk[i], " |.[");     /* "NextMarker || Contents[-1].Key" */
    if (outk[i][len] == '\0' || outk[i][len] == ' ')
      val_map_delete(&acc, outk[i], len, NULL, &e);
  }
  *out = acc;
  return 0;
}

/* }==== */
