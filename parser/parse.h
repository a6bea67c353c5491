/*
** parse.h: source text to AST.
**
** parse_source runs the flex lexer and the bison parser over one source and
** returns the tree.  Syntax errors are appended to diags (RB1xxx); the tree
** returned holds every construct that parsed, so later stages can still run
** on what is there, but callers that need a valid program must check
** diag_has_errors first.  Comments are collected for `rbc fmt` and for
** suppression directives.
*/
#ifndef RBC_PARSE_H
#define RBC_PARSE_H

#include <stddef.h>

#include "lexer/diag.h"
#include "lexer/source.h"
#include "parser/ast.h"

struct arena;

/* Limits that keep hostile input from exhausting the stack or the heap. */
#define PARSE_MAX_DEPTH 256      /* nesting of blocks, brackets and operators */
#define PARSE_MAX_ERRORS 50      /* syntax errors reported per file */

struct parse_result {
  struct ast_node *file;        /* AST_FILE; NULL only when out of memory */
  struct ast_comment *comments; /* in source order, in the arena */
  size_t ncomments;
};

/*
** Parse src.  Nodes, names and the comment array come from arena a.
** Returns 0 on success (which may still have added syntax errors to diags),
** -1 when out of memory.
*/
int parse_source(struct arena *a, const struct source *src,
                 struct diag_list *diags, struct parse_result *out);

#endif
