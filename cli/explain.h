/*
** explain.h: the Markdown pages of the diagnostics (docs/diagnostics), as
** `rbc explain` prints them and SARIF rule metadata quotes them.
*/
#ifndef RBC_EXPLAIN_H
#define RBC_EXPLAIN_H

#include "lexer/diag.h"

/*
** The page of code, read from the source tree (an rbc run from its build
** tree) or the installed copy; a malloc'd NUL-terminated string the caller
** frees, or NULL when no page is found or out of memory.
*/
char *explain_page(enum diag_code code);

#endif
