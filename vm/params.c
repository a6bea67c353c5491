/*
** params.c: resolving params before the run (params.h).
**
** The sources are applied from the highest precedence down, and a param
** that already has a value skips the lower sources entirely: an invalid
** RBC_PARAM_port is not an error when --param port=8080 overrides it.
*/
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lexer/suggest.h"
#include "vm/params.h"
#include "vm/value_json.h"

#define ENV_PREFIX "RBC_PARAM_"

/* State of one resolution. */
struct resolver {
  const struct vm_params_input *in;
  struct vm_params *out;
  struct diag_list *diags;
  bool *given;                  /* per param: some source gave a value (valid or not) */
  enum vm_params_status status; /* worst so far */
};

/* {==== small helpers ==== */

/* The declared type's name for messages ("any" when untyped). */
const char *vm_param_type_name(enum chunk_ptype t)
{
  static const char *const names[] = {
    "any", "string", "int", "float", "bool", "duration", "list", "map"
  };

  return (unsigned)t < sizeof names / sizeof names[0] ? names[t] : "any";
}

/* "a string", "an int": the type with its article, for messages. */
static const char *with_article(enum chunk_ptype t)
{
  static const char *const names[] = {
    "a value", "a string", "an int", "a float", "a bool", "a duration", "a list", "a map"
  };

  return (unsigned)t < sizeof names / sizeof names[0] ? names[t] : "a value";
}

/* Raise the result to s when s is worse. */
static void worsen(struct resolver *r, enum vm_params_status s)
{
  if (s > r->status)
    r->status = s;
}

/* The param named `name` (borrowed from p), or NULL. */
const struct vm_param *vm_params_find(const struct vm_params *p, const char *name)
{
  for (size_t i = 0; i < p->len; i++)
    if (strcmp(p->items[i].name, name) == 0)
      return &p->items[i];
  return NULL;
}

/* Has a higher source already given p a value (even an invalid one)?  Marks it. */
static bool taken(struct resolver *r, const struct vm_param *p)
{
  size_t i = (size_t)(p - r->out->items);
  bool was = r->given[i];

  r->given[i] = true;
  return was;
}

static struct vm_param *find(struct resolver *r, const char *name, size_t len)
{
  for (size_t i = 0; i < r->out->len; i++) {
    const char *n = r->out->items[i].name;
    if (strlen(n) == len && memcmp(n, name, len) == 0)
      return &r->out->items[i];
  }
  return NULL;
}

/* Release every value and the array; p is left empty and reusable. */
void vm_params_free(struct vm_params *p)
{
  for (size_t i = 0; i < p->len; i++)
    val_release(p->items[i].value);
  free(p->items);
  p->items = NULL;
  p->len = 0;
}

/* }==== */

/* {==== diagnostics ==== */

/*
** A diagnostic about param `name` (NULL: about the command line), at its
** declaration when the caller can say where that is.
*/
static struct diag *report(struct resolver *r, enum diag_code code, const char *name,
                           const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static struct diag *report(struct resolver *r, enum diag_code code, const char *name,
                           const char *fmt, ...)
{
  const struct vm_params_input *in = r->in;
  struct span span = { 0, 0 };
  bool located = name && in->src && in->decl_span && in->decl_span(name, in->decl_ctx, &span);
  struct diag *d;
  va_list ap;

  va_start(ap, fmt);
  d = diag_vadd(r->diags, code, located ? in->src : NULL, span, fmt, ap);
  va_end(ap);
  if (located)
    diag_label(d, span, true, "declared here");
  worsen(r, code == DIAG_RB9003 ? VM_PARAMS_NOINPUT : VM_PARAMS_INVALID);
  if (r->diags->oom)
    worsen(r, VM_PARAMS_NOMEM);
  return d;
}

/* RB2021 for `name` given by `how`, with the closest declared names. */
static void unknown(struct resolver *r, const char *name, size_t len, const char *how)
{
  const char *cands[64], *best[DIAG_SUGGEST_MAX];
  char word[128];
  size_t n = 0, k;
  struct diag *d;

  snprintf(word, sizeof word, "%.*s", (int)(len < 127 ? len : 127), name);
  d = report(r, DIAG_RB2021, NULL, "%s names `%s`, but the runbook declares no such param",
             how, word);
  for (size_t i = 0; i < r->out->len && n < 64; i++)
    cands[n++] = r->out->items[i].name;
  k = diag_suggest(word, cands, n, best, DIAG_SUGGEST_MAX);
  if (k > 0)
    diag_help(d, "did you mean `%s`?", best[0]);
  else if (n == 0)
    diag_help(d, "this runbook declares no params");
}

/* RB2004: the value `how` gave does not convert to p's type (err says why). */
static void mistyped(struct resolver *r, const struct vm_param *p, const char *how,
                     const struct val_err *err)
{
  struct diag *d = report(r, DIAG_RB2004, p->name, "param `%s` expects %s, but %s",
                          p->name, with_article(p->type), how);

  if (err->msg[0])
    diag_note(d, "%s", err->msg);
}

/* }==== */

/* {==== conversion ==== */

/* Store a value converted from text (--param, environment) into p. */
static void from_text(struct resolver *r, struct vm_param *p, const char *text, size_t len,
                      enum vm_param_source source, const char *how)
{
  struct val_err err;
  struct rbc_value v;
  enum val_status st;

  err.msg[0] = '\0';
  if (p->type == PT_ANY) {
    st = val_string_new(text, len, &v, &err);
    v = val_tainted(v, p->secret);
  } else {
    st = val_from_param(text, len, (enum val_param_type)(p->type - PT_STRING), p->secret, &v,
                        &err);
  }
  if (st == VAL_ERR_OOM) {
    worsen(r, VM_PARAMS_NOMEM);
    return;
  }
  if (st != VAL_OK) {
    mistyped(r, p, how, &err);
    return;
  }
  p->value = v;
  p->source = source;
}

/* Store a params-file value into p. */
static void from_json(struct resolver *r, struct vm_param *p, struct rbc_value jv,
                      const char *how)
{
  struct val_err err;
  struct rbc_value v;
  enum val_status st = VAL_OK;

  err.msg[0] = '\0';
  if (p->type == PT_ANY)
    v = val_tainted(val_retain(jv), p->secret);
  else
    st = val_param_coerce(jv, (enum val_param_type)(p->type - PT_STRING), p->secret, &v, &err);
  if (st == VAL_ERR_OOM) {
    worsen(r, VM_PARAMS_NOMEM);
    return;
  }
  if (st != VAL_OK) {
    mistyped(r, p, how, &err);
    return;
  }
  p->value = v;
  p->source = VM_PARAM_FILE;
}

/* }==== */

/* {==== the sources ==== */

/* --param, the last occurrence of a name first (it wins). */
static void apply_args(struct resolver *r)
{
  const struct vm_params_input *in = r->in;
  char how[192];

  for (size_t i = in->nargs; i-- > 0;) {
    const struct vm_param_arg *a = &in->args[i];
    struct vm_param *p = find(r, a->name, strlen(a->name));

    if (!p) {
      unknown(r, a->name, strlen(a->name), "--param");
      continue;
    }
    if (taken(r, p) || r->status == VM_PARAMS_NOMEM)
      continue;
    snprintf(how, sizeof how, "the value of --param %s is not one", p->name);
    from_text(r, p, a->value, strlen(a->value), VM_PARAM_ARG, how);
  }
}

/* The parsed params file, a map; or null after a diagnostic. */
static struct rbc_value read_params_file(struct resolver *r, const char *path)
{
  struct val_err err;
  struct rbc_value v = val_null();
  struct source *src;
  int e = 0;
  enum val_status st;

  src = src_read_file(path, &e);
  if (!src && e == ENOMEM) {
    worsen(r, VM_PARAMS_NOMEM);         /* exit 70, not "unreadable" (66) */
    return v;
  }
  if (!src) {
    report(r, DIAG_RB9003, NULL, "cannot read params file %s: %s", path, strerror(e));
    return v;
  }
  st = val_json_parse(src->text, src->len, false, &v, &err);
  src_free(src);
  if (st == VAL_ERR_OOM) {
    worsen(r, VM_PARAMS_NOMEM);
    return val_null();
  }
  if (st != VAL_OK || v.type != VAL_MAP) {
    /* jansson's message may quote the file's text (a secret): not shown */
    report(r, DIAG_RB2022, NULL, "params file %s is not a JSON object%s", path,
           st != VAL_OK ? " (it is not valid JSON)" : "");
    val_release(v);
    return val_null();
  }
  return v;
}

/* --params-file: every key must name a param. */
static void apply_file(struct resolver *r)
{
  struct rbc_value map;
  const struct rbc_value *item;
  const char *key;
  size_t klen, pos = 0;
  char how[512];

  if (!r->in->file)
    return;
  map = read_params_file(r, r->in->file);
  while (val_map_next(map, &pos, &key, &klen, &item)) {
    struct vm_param *p = find(r, key, klen);

    if (!p) {
      snprintf(how, sizeof how, "params file %s", r->in->file);
      unknown(r, key, klen, how);
      continue;
    }
    if (taken(r, p) || r->status == VM_PARAMS_NOMEM)
      continue;
    snprintf(how, sizeof how, "the value of `%s` in %s is not one", p->name, r->in->file);
    from_json(r, p, *item, how);
  }
  val_release(map);
}

static const char *process_getenv(const char *name, void *ctx)
{
  (void)ctx;
  return getenv(name);
}

/* RBC_PARAM_<name> for every param still without a value. */
static void apply_env(struct resolver *r)
{
  const char *(*get)(const char *, void *) = r->in->getenv ? r->in->getenv : process_getenv;
  char var[256], how[320];

  for (size_t i = 0; i < r->out->len && r->status != VM_PARAMS_NOMEM; i++) {
    struct vm_param *p = &r->out->items[i];
    const char *val;

    if (r->given[i])
      continue;
    if ((size_t)snprintf(var, sizeof var, ENV_PREFIX "%s", p->name) >= sizeof var)
      continue;
    val = get(var, r->in->env_ctx);
    if (!val || taken(r, p))
      continue;
    snprintf(how, sizeof how, "the value of %s is not one", var);
    from_text(r, p, val, strlen(val), VM_PARAM_ENV, how);
  }
}

/* RB2008 for every param with no value, no default and no earlier error. */
static void check_required(struct resolver *r)
{
  for (size_t i = 0; i < r->out->len; i++) {
    struct vm_param *p = &r->out->items[i];
    struct diag *d;

    if (r->given[i] || p->default_fn != CHUNK_NONE32)
      continue;
    d = report(r, DIAG_RB2008, p->name, "required param `%s` (%s) has no value", p->name,
               vm_param_type_name(p->type));
    diag_help(d, "pass --param %s=VALUE, set " ENV_PREFIX "%s, or add it to --params-file",
              p->name, p->name);
  }
}

/* }==== */

/* {==== entry point ==== */

/* Fill out->items from the chunk's PARAM descriptors. */
static int collect(const struct chunk *c, struct vm_params *out)
{
  size_t n = 0;

  for (uint32_t k = 0; k < c->nconsts; k++)
    n += c->consts[k].kind == CK_PARAM && c->consts[k].u.desc.n >= 5;
  out->items = calloc(n ? n : 1, sizeof *out->items);
  if (!out->items)
    return -1;
  for (uint32_t k = 0; k < c->nconsts; k++) {
    const uint32_t *w = c->consts[k].u.desc.w;
    const struct chunk_const *name;
    struct vm_param *p;

    if (c->consts[k].kind != CK_PARAM || c->consts[k].u.desc.n < 5)
      continue;
    name = chunk_str(c, w[PARAM_NAME]);
    p = &out->items[out->len++];
    p->name = name ? name->u.str.bytes : "";
    p->global = w[PARAM_GLOBAL];
    p->type = w[PARAM_TYPE] <= PT_MAP ? (enum chunk_ptype)w[PARAM_TYPE] : PT_ANY;
    p->secret = w[PARAM_SECRET] != 0;
    p->default_fn = w[PARAM_DEFAULT];
    p->source = VM_PARAM_DEFAULT;
    p->value = val_null();
  }
  return 0;
}

/*
** Fill *out from the chunk's PARAM descriptors, then apply the sources from
** the highest precedence down (see params.h).  Returns the worst status.
*/
enum vm_params_status vm_params_resolve(const struct chunk *c,
                                        const struct vm_params_input *in,
                                        struct vm_params *out, struct diag_list *diags)
{
  struct resolver r;

  memset(out, 0, sizeof *out);
  memset(&r, 0, sizeof r);
  r.in = in;
  r.out = out;
  r.diags = diags;
  if (collect(c, out) != 0)
    return VM_PARAMS_NOMEM;
  r.given = calloc(out->len ? out->len : 1, sizeof *r.given);
  if (!r.given)
    return VM_PARAMS_NOMEM;
  apply_args(&r);
  if (r.status != VM_PARAMS_NOMEM)
    apply_file(&r);
  if (r.status != VM_PARAMS_NOMEM)
    apply_env(&r);
  if (r.status != VM_PARAMS_NOMEM)
    check_required(&r);
  free(r.given);
  return r.status;
}

/* }==== */
