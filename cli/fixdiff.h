/*
** fixdiff.h: `rbc check --diff`: the fixes of one file as a unified diff
** (`--- a/PATH` / `+++ b/PATH`, three lines of context), appliable with
** `git apply` or `patch -p1`, without changing the file (ShellCheck's
** `-f diff`).
*/
#ifndef RBC_FIXDIFF_H
#define RBC_FIXDIFF_H

#include <stddef.h>
#include <stdio.h>

#include "lexer/diag.h"

/*
** Write the diff of applying fixes fx[0..n) to src to out.  fx must be
** sorted by start offset; a fix overlapping an earlier one is skipped (as
** `--fix` does; the next run applies it).  Returns the number of fixes
** shown, or -1 when out of memory (nothing written then).
*/
long fix_diff(FILE *out, const struct source *src, const struct diag *const *fx, size_t n);

#endif
