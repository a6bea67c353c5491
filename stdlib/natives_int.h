/*
** natives_int.h: what the built-in implementations (stdlib/natives.c,
** core.c, fs.c, json.c, sh_native.c) share and nothing else includes: the
** prototype of every std_<id>, and the argument-checking helpers.
**
** Every helper here follows natives.h: on failure it records the problem
** with std_error (naming the built-in, the argument and the types, never a
** secret's bytes) and returns -1; on success it returns 0.
*/
#ifndef RBC_NATIVES_INT_H
#define RBC_NATIVES_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stdlib/natives.h"

/* {==== the built-ins' functions ==== */

/* One prototype per table entry (natives.c nulls those without a body). */
#define BI(id, name, min, max, effect, named, doc) std_native_fn std_##id;
#include "stdlib/builtins.def"
#undef BI

/* }==== */

/* {==== arguments ==== */

/* Largest file read_file reads (and json output write_json writes). */
#define STD_MAX_FILE_BYTES ((size_t)16 << 20)

/*
** Check the call against the table entry `id`: the number of positional
** arguments within min..max and every named argument one the entry takes.
** Built-ins call it first, so a VM that skipped the check cannot crash them.
*/
int std_check_args(struct std_call *call, enum std_builtin_id id);

/*
** Record "NAME(): argument N must be WANT, got TYPE" (N counts from 1) and
** return -1.  `want` is a phrase: "a string", "a list or a map".
*/
int std_type_error(struct std_call *call, enum std_builtin_id id, int argn,
                   const char *want, struct rbc_value got);

/* Same for the named argument `name`: "NAME(): NAME: must be WANT, got TYPE". */
int std_named_type_error(struct std_call *call, enum std_builtin_id id, const char *name,
                         const char *want, struct rbc_value got);

/*
** Positional argument i (0-based) as a string: *s and *len borrow its bytes.
** Type error otherwise.
*/
int std_arg_string(struct std_call *call, enum std_builtin_id id, int i, const char **s,
                   size_t *len);

/*
** Record a failure of the value module (its message names types and
** operators only, never contents) as "NAME(): message"; returns -1.
** VAL_ERR_OVERFLOW and the others all become RB5011.
*/
int std_val_error(struct std_call *call, enum std_builtin_id id, const struct val_err *err);

/* Record "NAME(): out of memory" and return -1. */
int std_oom(struct std_call *call, enum std_builtin_id id);

/*
** Text fit to name v in an error message: its bytes when v is a string
** that is not secret and holds no NUL, else "***" (secret) or "(binary)".
** Borrowed from v (or static); valid while v lives.
*/
const char *std_shown(struct rbc_value v);

/*
** Set map[key] = v, taking v's reference (released on failure too).  The
** one helper that records nothing: -1 when out of memory, for the caller
** to report (std_oom).
*/
int std_map_put(struct rbc_value *map, const char *key, struct rbc_value v);

/* }==== */

/* {==== paths ==== */

/*
** Resolve the path in positional argument i against host->workdir (an
** absolute path, or no workdir, leaves it as it is) into a new malloc'ed
** NUL-terminated string in *out, which the caller frees.  Refuses a
** non-string, an empty path and a path holding a NUL byte.
*/
int std_arg_path(struct std_call *call, enum std_builtin_id id, int i, char **out);

/*
** The same for an already checked string: join workdir and rel (rel_len
** bytes, no NUL among them) into *out.  -1 only when out of memory (the
** caller reports it).
*/
int std_join_path(const char *workdir, const char *rel, size_t rel_len, char **out);

/* }==== */

/* {==== JSON ==== */

/*
** The JSON layout asked for by the named argument `indent` of json.encode
** and write_json: absent gives VAL_JSON_PRETTY when pretty_default, else
** VAL_JSON_COMPACT; true or an int > 0 give VAL_JSON_PRETTY (two spaces:
** the one indented layout vm/value_json.h writes); false or 0 give
** VAL_JSON_COMPACT.  Anything else is a type error.
*/
int std_json_flags(struct std_call *call, enum std_builtin_id id, bool pretty_default,
                   int *flags);

/* }==== */

#endif
