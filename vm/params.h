/*
** params.h: resolving a runbook's params before anything runs
** (language.md "params", cli.md 6, principle 2: a missing --param is an
** error at second 0, not at minute 9).
**
** Sources, highest precedence first:
**   1. `--param NAME=VALUE` (repeatable; the last one of a name wins),
**   2. `--params-file FILE`, a JSON object of NAME: value,
**   3. the environment variable RBC_PARAM_<NAME>,
**   4. the declaration's default expression (`param x = env("X", "d")`),
**      which only the VM can evaluate: resolution says "use the default"
**      and the VM runs the param's FK_EXPR function (PARAM_DEFAULT).
** Text values (--param, environment) are converted to the declared type
** with val_from_param; params-file values with val_param_coerce.  An
** untyped param keeps a text value as a string and a file value as it is.
**
** Secrets are flagged secret as soon as they are read: the value stored
** here already carries the flag, so no later formatting can print it.
**
** Problems are diagnostics (nothing prints):
**   RB2008 missing-required-param   no source gives a value and no default
**   RB2021 unknown-param            a --param or params-file key names no param
**                                   (with "did you mean")
**   RB2004 type-mismatch            a value does not convert to the declared type
**   RB2022 bad-params-file          the params file is not a JSON object
**   RB9003 unreadable-input         the params file cannot be read
** Messages name the param, the expected type and the source, never the
** value (it may be a secret).  The CLI exits 64 (66 for an unreadable file)
** and prints `rbc: nothing was executed.`.
**
** Ownership: vm_params_resolve fills a struct vm_params the caller releases
** with vm_params_free; names point into the chunk, which must outlive it.
*/
#ifndef RBC_PARAMS_H
#define RBC_PARAMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lexer/diag.h"
#include "lexer/source.h"
#include "vm/bytecode.h"
#include "vm/value.h"

/* Where a param's value came from. */
enum vm_param_source {
  VM_PARAM_DEFAULT,             /* none given: the VM evaluates the default expression */
  VM_PARAM_ARG,                 /* --param */
  VM_PARAM_FILE,                /* --params-file */
  VM_PARAM_ENV                  /* RBC_PARAM_<name> */
};

/* One declared param (one PARAM descriptor), resolved. */
struct vm_param {
  const char *name;             /* borrowed from the chunk */
  uint32_t global;              /* the runbook-level slot the VM stores it in */
  uint32_t default_fn;          /* FK_EXPR function of the default, CHUNK_NONE32 if none */
  enum chunk_ptype type;        /* declared type (PT_ANY when untyped) */
  bool secret;                  /* declared with `secret` */
  enum vm_param_source source;  /* VM_PARAM_DEFAULT: value is null, evaluate default_fn */
  struct rbc_value value;       /* owned; secret-flagged for secrets */
};

/* Every param of a chunk, in declaration order. */
struct vm_params {
  struct vm_param *items;       /* owned */
  size_t len;
};

/* One `--param NAME=VALUE` as split by the CLI (borrowed strings). */
struct vm_param_arg {
  const char *name;
  const char *value;
};

/* What the CLI gathered; zero-initialise, then set what was given. */
struct vm_params_input {
  const struct vm_param_arg *args;      /* --param in command-line order; may be NULL */
  size_t nargs;
  const char *file;                     /* --params-file path, or NULL */
  const char *(*getenv)(const char *name, void *ctx); /* NULL: the process environment */
  void *env_ctx;
  /* Optional: where a param is declared, so diagnostics point at it. */
  const struct source *src;             /* the runbook's source, or NULL */
  bool (*decl_span)(const char *name, void *ctx, struct span *out);
  void *decl_ctx;
};

/* Results of vm_params_resolve. */
enum vm_params_status {
  VM_PARAMS_OK = 0,
  VM_PARAMS_INVALID,            /* a diagnostic was added: usage error, exit 64 */
  VM_PARAMS_NOINPUT,            /* the params file cannot be read: exit 66 */
  VM_PARAMS_NOMEM               /* out of memory: exit 70 */
};

/*
** Resolve every param of chunk c from `in`, into *out (always initialised;
** release it with vm_params_free whatever the result).  Every problem found
** is reported, not only the first.  Returns the worst status.
*/
enum vm_params_status vm_params_resolve(const struct chunk *c,
                                        const struct vm_params_input *in,
                                        struct vm_params *out, struct diag_list *diags);

/* Release the values and the array; the struct is left empty. */
void vm_params_free(struct vm_params *p);

/* The param named `name`, or NULL. */
const struct vm_param *vm_params_find(const struct vm_params *p, const char *name);

/* "string", "int", ... for a PT_* type ("any" for PT_ANY). */
const char *vm_param_type_name(enum chunk_ptype t);

#endif
