/*
** check_impl.h: the checker's internal state, shared by parser/check*.c
** (not a public header: everything outside parser/ uses check.h).
**
** Files: check.c (entry, runbook items, metadata, params), check_names.c
** (scopes, symbols, name resolution, "did you mean"), check_expr.c
** (expressions: calls, built-ins, types, secrets), check_stmt.c
** (statements), check_import.c (import resolution and libraries),
** check_items.c (contacts, freshness, budgets, unused params) and
** check_suppress.c (`# rbc: ignore[...]` comments).
**
** Memory: scopes and symbols live in the compilation's arena, like the AST.
*/
#ifndef RBC_CHECK_IMPL_H
#define RBC_CHECK_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lexer/diag.h"
#include "parser/ast.h"
#include "parser/check.h"

struct arena;
struct std_builtin;

/* {==== static types ==== */

/* What the checker knows about a value's type; TY_UNKNOWN checks nothing. */
enum ck_type {
  TY_UNKNOWN,
  TY_NULL, TY_BOOL, TY_INT, TY_FLOAT, TY_DURATION, TY_STRING,
  TY_LIST, TY_MAP, TY_TIME,
  TY_FN,                        /* a user fn or a built-in function */
  TY_MODULE                     /* http, json, aws, or an AWS service (aws.ecs) */
};

/* What an expression evaluates to, as far as the checker can see. */
struct ck_value {
  enum ck_type type;
  const char *taint;            /* name of the secret it derives from, or NULL */
  const struct std_builtin *bi; /* TY_FN: the built-in, or NULL */
  const struct ast_node *fn;    /* TY_FN: the user fn's FN node, or NULL */
  const char *module;           /* TY_MODULE: "http", "json", "aws" or "aws.ecs" */
};

/* {==== symbols and scopes ==== */

enum sym_kind {
  SYM_PARAM,
  SYM_SECRET,
  SYM_FN,
  SYM_RESOURCE,
  SYM_STEP_LET,                 /* `let` directly in a step body: runbook-wide */
  SYM_LOCAL                     /* fn params, nested lets, for variables */
};

struct sym {
  const char *name;
  enum sym_kind kind;
  struct span span;             /* the defining name */
  const struct source *src;     /* the file it is defined in */
  struct ck_value val;          /* type, taint, callee facts */
  const struct ast_node *decl;  /* PARAM, FN, RESOURCE, LET node */
  const struct ast_node *step;  /* SYM_STEP_LET: its step */
  bool bound;                   /* SYM_STEP_LET: its `let` has been walked */
  unsigned uses;                /* times the name was read (RB4006) */
  struct sym *next;             /* next in the same hash bucket */
};

struct scope {
  struct sym **buckets;         /* chained hash table */
  size_t nbuckets;              /* a power of two */
  size_t count;                 /* symbols held */
  struct scope *parent;         /* enclosing scope, NULL for the runbook's */
};

/* One library imported in this compilation (cache and cycle guard). */
struct ck_import {
  char *path;                   /* resolved path (realpath when available) */
  struct scope *exports;        /* its top-level fns; NULL while being checked */
  struct ck_import *next;
};

/* State shared by a runbook and the libraries it imports. */
struct ck_shared {
  struct arena *a;
  struct diag_list *diags;
  const struct check_options *opts;
  struct ck_import *imports;    /* every library loaded so far */
  unsigned suggestions;         /* "did you mean" searches done (bounded) */
  bool oom;                     /* an allocation failed */
};

/* The checker for one file. */
struct checker {
  struct ck_shared *sh;
  const struct source *src;     /* the file being checked */
  struct scope *global;         /* runbook-level names */
  struct scope *scope;          /* innermost scope */
  const struct ast_node *runbook;  /* RUNBOOK node, NULL for a library */
  const struct ast_node *step;  /* step being walked, else NULL */
  int fn_depth;                 /* > 0 inside a fn body */
  int import_depth;             /* nesting of imports (bounded) */
  bool syntax_errors;           /* the file had syntax errors: quieter checks */
  uint32_t error_lines[16];     /* lines of its first syntax errors */
  int nerror_lines;
};

/* {==== check.c ==== */

/* Text of a span in the current file, cut at max bytes (no NUL inside). */
const char *check_span_text(struct checker *c, struct span span, size_t max);

/* Append "did you mean" help (and a safe fix for one candidate). */
void check_suggest(struct checker *c, struct diag *d, const char *word,
                   struct span span, const char *const *cands, size_t ncands);

/* Name of a static type ("int", "duration"). */
const char *check_type_name(enum ck_type t);

/* Static type of a literal node, TY_UNKNOWN for anything else. */
enum ck_type check_literal_type(const struct ast_node *e);

/* Report RB2004 unless v's known type is `want` (int accepted for float). */
void check_expect_type(struct checker *c, const struct ast_node *e,
                       const struct ck_value *v, enum ck_type want, const char *what);

/* {==== check_aws.c ==== */

/*
** An `aws.SERVICE.OPERATION(...)` call checked against the service models:
** RB2019 service, RB2002 operation, RB2003 member, RB2023 required members,
** RB2024 literal types.
*/
void check_aws_call(struct checker *c, const struct ast_node *call);

/* aws.paginate("SERVICE", "OPERATION", ...) with literal names: the same checks. */
void check_aws_paginate(struct checker *c, const struct ast_node *call);

/* }==== */

/* {==== check_names.c ==== */

struct scope *check_scope_new(struct checker *c, struct scope *parent, size_t nbuckets);
void check_scope_push(struct checker *c);
void check_scope_pop(struct checker *c);

/* Find a symbol in one scope only. */
struct sym *check_scope_find(const struct scope *s, const char *name);

/* Add a symbol to scope s; NULL when out of memory. */
struct sym *check_define(struct checker *c, struct scope *s, const char *name,
                         enum sym_kind kind, struct span span,
                         const struct ast_node *decl);

/* Look a name up from the innermost scope outwards. */
struct sym *check_lookup(const struct checker *c, const char *name);

/*
** Resolve a NAME use: symbols, then built-ins and modules.  Reports RB2001
** (with "did you mean") and RB2016; fills *out.  Returns false when the
** name is undefined.
*/
bool check_resolve(struct checker *c, const struct ast_node *name, struct ck_value *out);

/*
** Report RB2001 for `name` at span, suggesting every visible name; not
** when the name appears on a line with a syntax error (its definition was
** probably dropped with the statement).
*/
void check_undefined(struct checker *c, const char *name, struct span span);

/*
** Report RB2006 for a second definition; `first` is the earlier one.
** `what` describes the kind ("step", "param").
*/
void check_duplicate(struct checker *c, const char *what, const char *name,
                     struct span span, const struct source *first_src,
                     struct span first);

/* {==== check_expr.c ==== */

/* Check an expression: names, calls, types, module members. */
void check_expr(struct checker *c, const struct ast_node *e, struct ck_value *out);

/* Report code (RB3001 or RB3002) at every secret-derived name inside e. */
void check_secret_uses(struct checker *c, const struct ast_node *e,
                       enum diag_code code, const char *context);

/* Check an expression that must be a duration (within, timeout, every, ...). */
void check_duration_expr(struct checker *c, const struct ast_node *e, const char *what);

/* {==== check_items.c ==== */

/* contact "Role" { field value ... }: known fields (RB2012). */
void check_contact(struct checker *c, const struct ast_node *contact);

/* RB4002: `tested` older than the `review` period (both META nodes). */
void check_freshness(struct checker *c, const struct ast_node *tested,
                     const struct ast_node *review);

/*
** RB3007: the phase budgets of rb add up to more than `rto`, or (when
** within the RTO) more than `expected`; both META nodes, may be NULL.
*/
void check_budgets(struct checker *c, const struct ast_node *rb, const struct ast_node *rto,
                   const struct ast_node *expected);

/* RB4006: params and secrets of the runbook scope never read. */
void check_unused(struct checker *c);

/* Milliseconds as a duration literal into buf ("1h30m", "250ms", "0s"). */
void check_format_ms(char *buf, size_t size, int64_t ms);

/*
** Whether diags already hold a syntax error (RB1xxx) of the current file;
** also records the lines of the first ones in c->error_lines.
*/
bool check_has_syntax_errors(struct checker *c);

/* {==== check_suppress.c ==== */

/*
** Interpret the `# rbc: ignore[...]` comments of the current file, mark
** the findings they cover as suppressed and report useless directives.
*/
void check_suppressions(struct checker *c, const struct ast_node *file,
                        const struct ast_comment *comments, size_t ncomments);

/* {==== check_stmt.c ==== */

/* Check the statements of a block in a new scope (or in the current one). */
void check_block(struct checker *c, const struct ast_node *block, bool new_scope);

void check_stmt(struct checker *c, const struct ast_node *s);

/* Check a retry/backoff spec (RETRY_SPEC). */
void check_retry_spec(struct checker *c, const struct ast_node *spec);

/* Check assert http options (ARG list) against the known option names. */
void check_http_options(struct checker *c, const struct ast_node *opts,
                        const struct std_builtin *bi);

/* "param", "secret", "fn" or "resource" for a constant's symbol; NULL for a binding. */
const char *check_sym_kind_word(const struct sym *sym);

/* {==== check_rules.c ==== */

/*
** The runbook-semantic rules (RB3004-RB3006, RB3008, RB3009, RB4003, RB4007,
** RB4008) over a runbook whose items have been checked.
*/
void check_rules_runbook(struct checker *c, const struct ast_node *rb);

/* The rules that apply to a library's top-level fn (RB3006, RB4008). */
void check_rules_fn(struct checker *c, const struct ast_node *fn);

/*
** RB4004: the file differs from what `rbc fmt` prints (parser/fmt.h), with
** a safe fix replacing the differing lines.  Only with
** check_options.format_check and no syntax errors.
*/
void check_formatted(struct checker *c, const struct ast_node *file,
                     const struct ast_comment *comments, size_t ncomments);

/* {==== check_import.c ==== */

/*
** Resolve and load an import (IMPORT node) and add the library's fns to the
** current file's runbook scope.  Reports RB2017 when not found.
*/
void check_import(struct checker *c, const struct ast_node *imp);

/* {==== check.c (continued) ==== */

/*
** Collect top-level fns and check the items of a FILE node: the entry
** point for runbooks and libraries alike.
*/
void check_file_items(struct checker *c, const struct ast_node *file);

#endif
