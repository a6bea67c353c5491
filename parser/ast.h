/*
** ast.h: the abstract syntax tree.
**
** Every node of one compilation lives in that compilation's arena and is
** freed with it (arena_free); no node is ever freed alone.  Node kinds come
** from ast.def.  Lists of nodes are singly linked through `next`; a node is
** in at most one list.  Pointers documented as "may be NULL" are optional
** parts of the syntax; all others are set by the parser (after a syntax error
** the parser may drop the enclosing statement, never leave a hole).
**
** Spans are byte ranges in the source the node came from (ast_node.src is
** not stored: a compilation's nodes all come from the source passed to
** parse_source, and imported files get their own arena and tree).
*/
#ifndef RBC_AST_H
#define RBC_AST_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "lexer/source.h"

struct arena;

enum ast_kind {
#define AST(name, str, fields) AST_##name,
#include "parser/ast.def"
#undef AST
  AST__COUNT
};

/* Binary operators, loosest first (language.md "Operators"). */
enum ast_binop {
  BIN_COALESCE,                 /* ??  */
  BIN_OR,                       /* or  */
  BIN_AND,                      /* and */
  BIN_EQ, BIN_NE, BIN_LT, BIN_LE, BIN_GT, BIN_GE, BIN_IN,
  BIN_ADD, BIN_SUB,
  BIN_MUL, BIN_DIV, BIN_MOD,
  BIN__COUNT
};

enum ast_unop {
  UN_NOT,                       /* not */
  UN_NEG                        /* -   */
};

/* What a step does when its body fails. */
enum ast_on_failure {
  ONFAIL_DEFAULT,               /* no clause: the run stops (same as abort) */
  ONFAIL_CONTINUE,
  ONFAIL_ABORT,
  ONFAIL_TROUBLESHOOT
};

/* assert http's checks on the reply. */
enum ast_http_check {
  HTTP_CHECK_CONTAINS,          /* contains EXPR           body contains */
  HTTP_CHECK_JSON,              /* json PATH OP EXPR       value at a JSON path */
  HTTP_CHECK_HEADER,            /* header NAME OP EXPR     a header's value */
  HTTP_CHECK_WITHIN             /* within DURATION         response time */
};

/* A name with its own span (a member name, an argument name, a let target). */
struct ast_ident {
  const char *name;             /* NUL-terminated, in the arena; NULL if absent */
  struct span span;
};

struct ast_node;

struct ast_node {
  enum ast_kind kind;
  struct span span;             /* the whole construct */
  struct ast_node *next;        /* next sibling in a list, or NULL */
  union {
    bool b;                     /* BOOL */
    int64_t i;                  /* INT, DURATION (ms), STATUS_CLASS (class digit) */
    double f;                   /* FLOAT, PERCENT (fraction) */
    struct { const char *bytes; uint32_t len; } text;     /* STR_TEXT */
    struct ast_ident name;      /* NAME */

    struct { struct ast_node *imports, *items; } file;    /* items: RUNBOOK and/or FN */
    struct { struct ast_node *path; } import;             /* path: STRING */
    struct { struct ast_ident name; struct ast_node *items; } runbook;
    struct { struct ast_ident key; struct ast_node *value; } meta;
    struct { struct ast_ident role; struct ast_node *fields; } contact;
    struct { struct ast_ident name; struct ast_node *value; } resource;
    struct {
      struct ast_ident name;
      struct ast_ident type;    /* type.name NULL: untyped */
      struct ast_node *value;   /* default / source, may be NULL (required) */
      bool secret;              /* declared with `secret` */
    } param;
    struct { struct ast_ident name; struct ast_node *params, *body; } fn;
    struct {
      bool automatic;           /* auto (true) or manual */
      struct ast_ident name;
      struct ast_node *cond;    /* may be NULL for manual */
      struct ast_node *duration;/* `for D`, may be NULL */
    } trigger;
    struct { struct ast_ident name; struct ast_node *within, *steps; } phase;
    struct {
      struct ast_ident name;
      struct ast_node *when;    /* may be NULL */
      struct ast_node *retry;   /* RETRY_SPEC, may be NULL */
      struct ast_node *timeout; /* may be NULL */
      enum ast_on_failure on_failure;
      struct ast_ident troubleshoot; /* with ONFAIL_TROUBLESHOOT */
      struct ast_node *body;    /* BLOCK */
    } step;
    struct { struct ast_ident name; struct ast_node *items; } checklist;
    struct { struct ast_ident text; struct ast_node *verify; } item;
    struct { struct ast_ident name; struct ast_node *body; } troubleshoot;
    struct {
      struct ast_ident name;
      struct ast_node *value;
      struct ast_node *normal;  /* THRESHOLD */
      struct ast_node *alert;   /* THRESHOLD */
    } monitor;
    struct {
      int op;                   /* an enum ast_binop comparison, or -1 for a range lo..hi */
      struct ast_node *lo, *hi; /* hi only for ranges */
    } threshold;

    struct { struct ast_node *stmts; } block;
    struct { struct ast_ident name; struct ast_node *value; } let;
    struct { struct ast_node *target, *value; } assign; /* target: NAME, MEMBER or INDEX */
    struct { struct ast_node *expr; } expr_stmt;
    struct { struct ast_node *cond, *then, *els; } if_;  /* els: BLOCK, IF or NULL */
    struct {
      struct ast_ident var;
      struct ast_ident var2;    /* `for k, v in map`: var2.name non-NULL */
      struct ast_node *iter, *body;
    } for_;
    struct { struct ast_node *spec, *body; } retry;
    /* backoff and max may be NULL */
    struct { struct ast_node *attempts, *every, *backoff, *max; } retry_spec;
    struct { struct ast_node *cond, *every, *timeout; } wait;
    struct { struct ast_node *cond, *message; } assert_;  /* message may be NULL */
    struct {
      struct ast_node *status;  /* INT, STATUS_CLASS or any expression */
      struct ast_ident method;  /* GET when name NULL */
      struct ast_node *url;
      struct ast_node *options; /* ARG list: headers:, body:, json:, timeout:, ... */
      struct ast_node *checks;  /* HTTP_CHECK list */
    } assert_http;
    struct {
      enum ast_http_check what;
      struct ast_node *key;     /* JSON path or header name; NULL for contains/within */
      int op;                   /* enum ast_binop comparison; BIN_EQ by default */
      struct ast_node *value;
    } http_check;
    struct { struct ast_node *value; } return_;          /* value may be NULL */
    struct {
      struct ast_node *limit;   /* may be NULL */
      struct ast_ident var;     /* var.name NULL: block form, branches = body's statements */
      struct ast_node *iter;    /* `parallel for`: the list */
      struct ast_node *body;
    } parallel;

    struct { struct ast_node *parts; bool raw, multiline; } string;
    struct { struct ast_node *items; } list;
    struct { struct ast_node *entries; } map;
    struct { struct ast_ident key; struct ast_node *value; } pair;
    struct { enum ast_unop op; struct ast_node *operand; } unary;
    struct { enum ast_binop op; struct ast_node *left, *right; } binary;
    struct { struct ast_node *object; struct ast_ident id; } member;
    struct { struct ast_node *object, *index; } index;
    struct {
      struct ast_node *callee;
      struct ast_node *args;    /* ARG list */
      bool bare;                /* statement form without parentheses: sh "x", log "y" */
    } call;
    struct { struct ast_ident name; struct ast_node *value; } arg;
  } u;
};

/* A comment, kept for `rbc fmt` and suppression directives. */
struct ast_comment {
  struct span span;             /* from '#' to the end of the line, newline excluded */
  bool own_line;                /* nothing but blanks before it on its line */
};

/* Number of nodes in a list. */
uint32_t ast_list_len(const struct ast_node *head);

/* Kind name as in ast.def ("step", "binary", ...). */
const char *ast_kind_name(enum ast_kind kind);

/* Spelling of an operator ("??", "and", "<=", ...). */
const char *ast_binop_str(enum ast_binop op);
const char *ast_unop_str(enum ast_unop op);

/* Allocate a node of `kind` over `span` in arena a; NULL when out of memory. */
struct ast_node *ast_new(struct arena *a, enum ast_kind kind, struct span span);

/*
** Write an indented S-expression dump of the tree to out: one node per line,
** kind name, then its scalar fields, then children (used by tests and
** `rbc --dump-ast`).  Spans are printed as line:col when src is non-NULL.
*/
void ast_dump(FILE *out, const struct ast_node *node, const struct source *src);

/*
** The dotted name of a callee made of names and members ("sh",
** "http.get", "aws.ecs.update_service") into buf of size bytes; false
** for anything else (a call of a call's result, an index, a deeper
** chain) and when the name does not fit.
*/
bool ast_callee_name(const struct ast_node *e, char *buf, size_t size);

/*
** If node is a STRING with no interpolation, return its decoded bytes (in
** the arena, NUL-terminated) and their length in *len; else NULL.
*/
const char *ast_string_literal(const struct ast_node *node, struct arena *a,
                               uint32_t *len);

#endif
