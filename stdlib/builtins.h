/*
** builtins.h: the table of built-in functions (builtins.def) as data.
**
** The checker reads it for arity and named-argument checks, `rbc doc` and
** `plan` for effects, the VM for registration (it derives std_<id> from each
** entry).  The table is static and read-only; nothing here allocates.
*/
#ifndef RBC_BUILTINS_H
#define RBC_BUILTINS_H

#include <stdbool.h>
#include <stddef.h>

/* What calling a built-in does to the world (architecture.md "Built-ins"). */
enum std_effect {
  STD_EFFECT_NONE,              /* pure computation */
  STD_EFFECT_READ,              /* reads files, environment, network */
  STD_EFFECT_CHANGE,            /* writes files, changes remote state */
  STD_EFFECT_SHELL,             /* runs a shell command */
  STD_EFFECT_GATE               /* asks a human (confirm) */
};

enum std_builtin_id {
#define BI(id, name, min, max, effect, named, doc) STD_BI_##id,
#include "stdlib/builtins.def"
#undef BI
  STD_BI__COUNT
};

/* Maximum positional arguments meaning "any number". */
#define STD_VARIADIC (-1)

struct std_builtin {
  enum std_builtin_id id;       /* index in the table */
  const char *name;             /* "len", "http.get", "aws" */
  int min_args;                 /* fewest positional arguments */
  int max_args;                 /* most positional arguments, or STD_VARIADIC */
  enum std_effect effect;
  const char *named;            /* comma-separated named args; "*" = any; "" = none */
  const char *doc;              /* one line */
};

/* The whole table, sorted by name, and its length. */
extern const struct std_builtin std_builtins[];
extern const size_t std_nbuiltins;

/* The entry named `name` ("len", "http.get"), or NULL (bsearch). */
const struct std_builtin *std_builtin_lookup(const char *name);

/* Does b accept the named argument `arg`? */
bool std_builtin_takes_named(const struct std_builtin *b, const char *arg);

/*
** Is `name` a built-in module (http, json, aws)?  Module members are the
** entries named "module.member"; aws members are checked elsewhere.
*/
bool std_is_module(const char *name);

/* "none", "read", "change", "shell", "gate". */
const char *std_effect_name(enum std_effect effect);

#endif
