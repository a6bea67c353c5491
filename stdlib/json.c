/*
** json.c: json.parse and json.encode, through the value/JSON bridge
** (vm/value_json.h: its mapping of types, its taint rule).
**
**   json.parse(text)          any JSON value; the result (and everything in
**                             it) is secret when text is.  An error names
**                             the line and column; for a secret text the
**                             parser's own words (which may quote a token)
**                             are left out.
**   json.encode(v[, indent:]) compact by default; `indent: true` or an int
**                             > 0 gives the two-space pretty layout.  The
**                             string is secret when any encoded value was.
*/
#include <string.h>

#include "stdlib/natives_int.h"
#include "vm/value_json.h"

/* The layout asked for by `indent:` (see natives_int.h). */
int
std_json_flags(struct std_call *call, enum std_builtin_id id, bool pretty_default,
               int *flags)
{
  const struct rbc_value *v = std_named(call, "indent");

  *flags = pretty_default ? VAL_JSON_PRETTY : VAL_JSON_COMPACT;
  if (v == NULL)
    return 0;
  if (v->type == VAL_BOOL)
    *flags = v->as.b ? VAL_JSON_PRETTY : VAL_JSON_COMPACT;
  else if (v->type == VAL_INT && v->as.i >= 0)
    *flags = v->as.i > 0 ? VAL_JSON_PRETTY : VAL_JSON_COMPACT;
  else
    return std_named_type_error(call, id, "indent", "a bool or an int >= 0", *v);
  return 0;
}

/*
** Drop what follows the position in a parse message ("invalid JSON at line
** 1 column 5: invalid token near 'abc'" loses ": invalid ..."), so a
** secret text's bytes cannot appear in it.
*/
static void
strip_detail(struct val_err *err)
{
  char *col = strstr(err->msg, " column ");
  char *colon = col != NULL ? strchr(col, ':') : NULL;

  if (colon != NULL)
    *colon = '\0';
}

/* json.parse(text): see the top of the file. */
int
std_json_parse(struct std_call *call, struct rbc_value *out)
{
  const char *s;
  size_t len;
  struct val_err err;
  enum val_status st;
  bool secret;

  if (std_check_args(call, STD_BI_json_parse) < 0
      || std_arg_string(call, STD_BI_json_parse, 0, &s, &len) < 0)
    return -1;
  secret = call->args[0].secret;
  st = val_json_parse(s, len, secret, out, &err);
  if (st == VAL_OK)
    return 0;
  if (st == VAL_ERR_OOM)
    return std_oom(call, STD_BI_json_parse);
  if (secret)
    strip_detail(&err);
  return std_val_error(call, STD_BI_json_parse, &err);
}

/* json.encode(value[, indent:]): see the top of the file. */
int
std_json_encode(struct std_call *call, struct rbc_value *out)
{
  struct val_err err;
  enum val_status st;
  int flags;

  if (std_check_args(call, STD_BI_json_encode) < 0
      || std_json_flags(call, STD_BI_json_encode, false, &flags) < 0)
    return -1;
  st = val_json_encode(call->args[0], flags, out, &err);
  if (st == VAL_ERR_OOM)
    return std_oom(call, STD_BI_json_encode);
  if (st != VAL_OK)
    return std_val_error(call, STD_BI_json_encode, &err);
  return 0;
}
