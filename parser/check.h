/*
** check.h: semantic checks for `rbc check` (and the preflight of run,
** compile, plan): names, metadata values, params and secrets, built-in
** arity, static types, safety rules.  Findings are appended to a diag_list;
** nothing is printed.
*/
#ifndef RBC_CHECK_H
#define RBC_CHECK_H

#include <stdbool.h>

#include "lexer/diag.h"
#include "lexer/source.h"
#include "parser/ast.h"

struct arena;

/* A --param name=value given to `check` (checked against declarations). */
struct check_param {
  const char *name;
  const char *value;
};

struct check_options {
  const struct check_param *params;   /* may be NULL */
  int nparams;
  bool params_given;            /* check that required params are present */
  const char *const *lib_dirs;  /* directories searched by `import`, NULL-terminated; may be NULL */
  const char *today;            /* "YYYY-MM-DD" for freshness rules; NULL: the real date */
  bool strict;                  /* strict profiles: RB3xxx suppressions need a reason,
                                   RB4001 asks for every template attribute */
  bool format_check;            /* compare with `rbc fmt` output (RB4004; costs a print) */
};

/*
** Check a parsed file.  src is the file the tree came from; comments are the
** parse's comment list (for suppression directives).  Returns 0, or -1 when
** out of memory.  Diagnostics, errors included, go to diags.
*/
int check_file(struct arena *a, const struct source *src,
               const struct ast_node *file,
               const struct ast_comment *comments, size_t ncomments,
               const struct check_options *opts, struct diag_list *diags);

#endif
