/*
** natives.c: the table of built-in C functions and the helpers every
** built-in uses to check its arguments and report failures (natives.h).
**
** The table is generated from stdlib/builtins.def: slot STD_BI_<id> holds
** std_<id>.  A few entries have no C function in this version and their
** slot is NULL; the VM treats a NULL slot as follows:
**   confirm       handled by the VM itself (the CONFIRM opcode asks the
**                 human and records the answer in the journal);
**   aws           aws.SERVICE.OPERATION calls are the VM's CALL_AWS
**                 (stdlib/aws/call.c, aws_vm_call); aws.paginate is
**                 std_aws_paginate, also in stdlib/aws/call.c.
** http.* live in stdlib/http.c and stdlib/http_bench.c.
*/
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "stdlib/natives_int.h"

/* {==== the table ==== */

/*
** The entries without a C function.  `std_##id` below is rescanned after
** pasting, so for these names it becomes NULL (the prototypes were declared
** by natives_int.h before these definitions).
*/
#define std_aws NULL
#define std_confirm NULL

std_native_fn *const std_natives[STD_BI__COUNT] = {
#define BI(id, name, min, max, effect, named, doc) [STD_BI_##id] = std_##id,
#include "stdlib/builtins.def"
#undef BI
};

/* }==== */

/* {==== failures ==== */

/* Format into call->message (truncated to fit; always NUL-terminated). */
static void
vrecord(struct std_call *call, const char *fmt, va_list ap)
{
  vsnprintf(call->message, sizeof call->message, fmt, ap);
}

/*
** Record a failure message for the VM (code RB5011) and return -1.  The
** message is the caller's responsibility: it must not hold a secret's
** bytes (use std_shown for values).
*/
int
std_error(struct std_call *call, const char *fmt, ...)
{
  va_list ap;

  va_start(ap, fmt);
  vrecord(call, fmt, ap);
  va_end(ap);
  call->code = DIAG_RB5011;
  return -1;
}

/* As std_error, with the runtime code `code` (RB5002, RB5003, ...). */
int
std_error_code(struct std_call *call, enum diag_code code, const char *fmt, ...)
{
  va_list ap;

  va_start(ap, fmt);
  vrecord(call, fmt, ap);
  va_end(ap);
  call->code = code;
  return -1;
}

/* The value of the named argument `name` (borrowed), or NULL when absent. */
const struct rbc_value *
std_named(const struct std_call *call, const char *name)
{
  for (int i = 0; i < call->nnamed; i++) {
    if (call->names[i] != NULL && strcmp(call->names[i], name) == 0)
      return &call->named[i];
  }
  return NULL;
}

void
std_host_action(const struct std_host *host, const char *kind, const char *call,
                const char *status, int64_t elapsed_ms, const struct rbc_value *exports)
{
  if (host == NULL)
    return;
  if (host->action_exports != NULL)
    host->action_exports(host->ctx, kind, call, status, elapsed_ms, exports);
  else if (host->action != NULL)
    host->action(host->ctx, kind, call, status, elapsed_ms);
}

int
std_export_text(const struct std_host *host, struct rbc_value *map, const char *key,
                const char *trunc_key, const char *bytes, size_t len)
{
  struct rbc_value s;
  struct val_err err;
  enum val_status st;

  if (len > STD_EXPORT_TEXT_MAX) {
    len = host != NULL && host->safe_cut != NULL
          ? host->safe_cut(host->ctx, bytes, len, STD_EXPORT_TEXT_MAX) : STD_EXPORT_TEXT_MAX;
    while (len > 0 && ((unsigned char)bytes[len] & 0xC0) == 0x80)
      len--;                    /* never split a UTF-8 sequence */
    if (val_map_set(map, trunc_key, strlen(trunc_key), val_bool(true), &err) != VAL_OK)
      return -1;
  }
  if (val_string_new(bytes != NULL ? bytes : "", len, &s, &err) != VAL_OK)
    return -1;
  st = val_map_set(map, key, strlen(key), s, &err);
  val_release(s);
  return st == VAL_OK ? 0 : -1;
}

/* }==== */

/* {==== argument checks ==== */

/* "1 argument", "2 arguments", "1 to 2 arguments", "at least 1 argument". */
static void
arity_text(const struct std_builtin *b, char *buf, size_t size)
{
  if (b->max_args == STD_VARIADIC)
    snprintf(buf, size, "at least %d argument%s", b->min_args, b->min_args == 1 ? "" : "s");
  else if (b->min_args == b->max_args)
    snprintf(buf, size, "%d argument%s", b->min_args, b->min_args == 1 ? "" : "s");
  else
    snprintf(buf, size, "%d to %d arguments", b->min_args, b->max_args);
}

/*
** Check positional count and named-argument names against the table entry.
** Messages: "len() takes 1 argument (2 given)",
** "sh(): unknown named argument 'foo'".
*/
int
std_check_args(struct std_call *call, enum std_builtin_id id)
{
  const struct std_builtin *b = &std_builtins[id];
  char want[48];

  if (call->nargs < b->min_args || (b->max_args != STD_VARIADIC && call->nargs > b->max_args)) {
    arity_text(b, want, sizeof want);
    return std_error(call, "%s() takes %s (%d given)", b->name, want, call->nargs);
  }
  for (int i = 0; i < call->nnamed; i++) {
    const char *n = call->names[i] != NULL ? call->names[i] : "";
    if (!std_builtin_takes_named(b, n))
      return std_error(call, "%s(): unknown named argument '%s'", b->name, n);
  }
  return 0;
}

/* "NAME(): argument N must be WANT, got TYPE"; returns -1. */
int
std_type_error(struct std_call *call, enum std_builtin_id id, int argn, const char *want,
               struct rbc_value got)
{
  return std_error(call, "%s(): argument %d must be %s, got %s", std_builtins[id].name,
                   argn, want, val_kind(got));
}

/* "NAME(): NAMED: must be WANT, got TYPE"; returns -1. */
int
std_named_type_error(struct std_call *call, enum std_builtin_id id, const char *name,
                     const char *want, struct rbc_value got)
{
  return std_error(call, "%s(): %s: must be %s, got %s", std_builtins[id].name, name, want,
                   val_kind(got));
}

/* Borrow positional argument i as string bytes, or report a type error. */
int
std_arg_string(struct std_call *call, enum std_builtin_id id, int i, const char **s,
               size_t *len)
{
  struct rbc_value v = call->args[i];

  if (v.type != VAL_STRING)
    return std_type_error(call, id, i + 1, "a string", v);
  *s = val_str_data(v);
  *len = val_str_len(v);
  return 0;
}

/* "NAME(): <value module message>"; returns -1. */
int
std_val_error(struct std_call *call, enum std_builtin_id id, const struct val_err *err)
{
  return std_error(call, "%s(): %s", std_builtins[id].name,
                   err != NULL && err->msg[0] != '\0' ? err->msg : "failed");
}

/*
** "NAME(): out of memory" as RB9001 internal-error, as the VM's own
** allocation failures are (a param default that runs out of memory is then
** exit 70, not a usage error; tests/failalloc.sh); returns -1.
*/
int
std_oom(struct std_call *call, enum std_builtin_id id)
{
  return std_error_code(call, DIAG_RB9001, "%s(): out of memory", std_builtins[id].name);
}

/* A string's bytes for a message, or a stand-in that reveals nothing. */
const char *
std_shown(struct rbc_value v)
{
  if (v.secret)
    return "***";
  if (v.type != VAL_STRING)
    return val_kind(v);
  if (memchr(val_str_data(v), '\0', val_str_len(v)) != NULL)
    return "(binary)";
  return val_str_data(v);
}

int
std_map_put(struct rbc_value *map, const char *key, struct rbc_value v)
{
  struct val_err err;
  enum val_status st = val_map_set(map, key, strlen(key), v, &err);

  val_release(v);
  return st == VAL_OK ? 0 : -1;
}

/* }==== */
