/*
** value_json.h: the bridge between rbc values and JSON (json.parse,
** json.encode, params files, AWS bodies, the journal).
**
** Same ownership rule as value.h: arguments are borrowed, `out` values and
** json_t references are new and belong to the caller.
**
** Mapping:
**   JSON null/true/false  <->  null / bool
**   JSON integer          <->  int   (integers and floats stay apart: 1 vs 1.0)
**   JSON real             <->  float (NaN and infinities exist on neither side)
**   JSON string           <->  string (NUL bytes allowed)
**   JSON array / object   <->  list / map (object member order kept)
**   duration              -->  string in literal form ("1h30m")
**   time                  -->  string in RFC 3339 UTC with milliseconds
**   function, builtin     -->  VAL_ERR_TYPE
** Nesting deeper than VAL_MAX_DEPTH is VAL_ERR_DEPTH in both directions.
**
** Taint: parsing with `secret` marks the result and every value in it secret;
** encoding yields a secret string when any value encoded was secret (the
** bytes are the real ones: json.encode feeds request bodies and files).
*/
#ifndef RBC_VALUE_JSON_H
#define RBC_VALUE_JSON_H

#include <jansson.h>

#include "vm/value.h"

/* Options of val_json_encode. */
enum val_json_flags {
  VAL_JSON_COMPACT = 0,         /* {"a":1,"b":[1,2]} */
  VAL_JSON_PRETTY = 1           /* two-space indentation, one member per line */
};

/*
** Parse JSON text (any value at the top, not only objects/arrays; NUL bytes
** inside strings allowed).  VAL_ERR_PARSE with jansson's message and the
** line:column, VAL_ERR_DEPTH, VAL_ERR_OVERFLOW (an integer beyond int64 or a
** real beyond double), VAL_ERR_OOM.
*/
enum val_status val_json_parse(const char *text, size_t len, bool secret,
                               struct rbc_value *out, struct val_err *err);

/*
** Encode v as JSON text in a new string value (secret when any encoded value
** was).  Floats use the shortest round-trip form (0.05, 2.0).  VAL_ERR_TYPE
** for functions, VAL_ERR_DEPTH, VAL_ERR_OOM.
*/
enum val_status val_json_encode(struct rbc_value v, int flags, struct rbc_value *out,
                                struct val_err *err);

/*
** Convert a jansson value to an rbc value (see the mapping above).
** VAL_ERR_DEPTH, VAL_ERR_OOM, VAL_ERR_TYPE for a NaN/infinite real.
*/
enum val_status val_from_json(const json_t *j, bool secret, struct rbc_value *out,
                              struct val_err *err);

/*
** Convert an rbc value to a new jansson value (*out, json_decref it).
** *tainted (may be NULL) is set when any converted value was secret.
** VAL_ERR_TYPE, VAL_ERR_DEPTH, VAL_ERR_OOM.
*/
enum val_status val_to_json(struct rbc_value v, json_t **out, bool *tainted,
                            struct val_err *err);

#endif
