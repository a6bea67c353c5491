/*
** doc.h: `rbc doc`, a runbook rendered as a Markdown document in the shape
** of the rollback procedure template (docs/doc.md): header, quick
** reference, decision criteria, the procedure phase by phase, checklists,
** troubleshooting, metrics, post-mortem headings and document status.
**
** The renderer is a function of the tree and the source text only: no
** clock, no environment, items in source order, so the same file always
** gives the same bytes.  It never prints.
*/
#ifndef RBC_DOC_H
#define RBC_DOC_H

#include "lexer/source.h"
#include "parser/ast.h"
#include "parser/fmt.h"

/*
** Append the Markdown document of the runbook in `file` (an AST_FILE parsed
** from src without errors) to out.  `name` is the file name shown in the
** footer (callers pass a stable one, such as the base name).  Returns 0;
** 1 when the file holds no runbook (a library), leaving out unchanged; -1
** when out of memory.
*/
int doc_render(const struct source *src, const struct ast_node *file, const char *name,
               struct fmt_buf *out);

#endif
