/*
** fmt.h: the canonical printer behind `rbc fmt` (docs/fmt.md).
**
** The printer is a function from a parsed file (AST + comments + source
** text) to a string; it never prints and never writes files.  Layout rules
** in short: two blanks per block level; tokens spaced canonically; line
** breaks the author put inside brackets, after binary operators and commas,
** and before `every/timeout/backoff/max` clauses are kept (no automatic
** wrapping); every comment is kept; at most one blank line between items;
** runs of metadata, params, resources and trailing comments are aligned in
** columns.  String literals are copied byte for byte.
**
** Contract for other tools (RB4004 `not-formatted`): a file is formatted
** when fmt_source succeeds and its output equals the input byte for byte.
*/
#ifndef RBC_FMT_H
#define RBC_FMT_H

#include <stdbool.h>
#include <stddef.h>

#include "lexer/diag.h"
#include "lexer/source.h"
#include "parser/ast.h"

/* {==== a growable byte buffer (also used by parser/doc.c) ==== */

struct fmt_buf {
  char *data;                   /* malloc'd, NUL-terminated when not NULL */
  size_t len;                   /* bytes used (the NUL not counted) */
  size_t cap;                   /* bytes allocated */
  bool oom;                     /* an allocation failed: contents incomplete */
};

/* An empty buffer (no allocation yet). */
void fmt_buf_init(struct fmt_buf *b);

/* Release the buffer's memory; b is empty again. */
void fmt_buf_free(struct fmt_buf *b);

/* Append n bytes; on allocation failure sets b->oom and appends nothing. */
void fmt_buf_add(struct fmt_buf *b, const char *s, size_t n);

/* Append a NUL-terminated string. */
void fmt_buf_puts(struct fmt_buf *b, const char *s);

/* Append printf-style text (truncated at 4 KiB per call). */
void fmt_buf_printf(struct fmt_buf *b, const char *fmt, ...)
  __attribute__((format(printf, 2, 3)));

/* }==== */

/* Outcomes of fmt_source. */
enum fmt_status {
  FMT_OK = 0,                   /* *out holds the formatted text */
  FMT_SYNTAX = 1,               /* syntax errors: appended to diags, no output */
  FMT_UNSTABLE = 2,             /* internal: the output would not parse back to the
                                   same tree and comments; no output (a bug) */
  FMT_NOMEM = -1                /* out of memory */
};

/*
** Format a whole source file.  Parses src (in a private arena), appends
** syntax errors (RB1xxx) to diags and returns FMT_SYNTAX when there are
** any.  Otherwise prints the canonical layout, re-parses it and checks that
** the tree (positions excluded) and the comments are unchanged: FMT_OK with
** *out a malloc'd NUL-terminated text of *out_len bytes that the caller
** frees, or FMT_UNSTABLE.  *out is NULL whenever the status is not FMT_OK.
*/
int fmt_source(const struct source *src, struct diag_list *diags, char **out,
               size_t *out_len);

/*
** Print an already parsed file (file from parse_source over src, with its
** comments) into out, without the re-parse check of fmt_source.  Returns 0,
** or -1 when out of memory.
*/
int fmt_tree(const struct source *src, const struct ast_node *file,
             const struct ast_comment *comments, size_t ncomments, struct fmt_buf *out);

/*
** Append the canonical source text of one expression to out on a single
** line (line breaks and comments dropped; string literals copied as
** written).  Used by `rbc doc` to show conditions and actions.
*/
void fmt_expr(const struct source *src, const struct ast_node *expr, struct fmt_buf *out);

/*
** Append the canonical text of one statement (nested blocks included, at
** indentation 0, comments left out, ending with a line break) to out.
** Returns 0, or -1 when out of memory.  Used by `rbc doc` for code blocks.
*/
int fmt_stmt(const struct source *src, const struct ast_node *stmt, struct fmt_buf *out);

#endif
