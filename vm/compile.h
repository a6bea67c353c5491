/*
** compile.h: checked AST to bytecode (vm/bytecode.h).
**
** The compiler expects a tree that parser/check.c accepted (names resolve,
** arities match); it still resolves every name to a global or local slot
** itself and reports anything it cannot compile as a diagnostic rather than
** trusting the checker.  docs/bytecode.md describes the code it produces.
*/
#ifndef RBC_COMPILE_H
#define RBC_COMPILE_H

#include "lexer/diag.h"
#include "lexer/source.h"
#include "parser/ast.h"
#include "vm/bytecode.h"

/*
** Compile the AST_FILE `file`, parsed from src, into a new chunk (imports are
** looked up next to src and in the installed stdlib directory).  On success
** returns 0 and the chunk in *out (caller frees with chunk_free).  On failure
** returns -1, *out NULL, with the reasons appended to diags: RB2xxx when the
** program cannot be compiled (an undefined name, assignment to a param),
** RB6002 when it exceeds a limit of the format (65535 constants, slots or
** functions, 255 arguments), RB9001 when out of memory or when the
** compiler's own output fails verification.
*/
int comp_compile(const struct source *src, const struct ast_node *file,
                 struct diag_list *diags, struct chunk **out);

/* Options of comp_compile_opts. */
struct comp_options {
  const char *const *lib_dirs;  /* where `import` looks after the importing file's
                                   directory; NULL-terminated, may be NULL */
  /* Called with the path of every library read (once each), or NULL: the
     caller may vet the file (rbc run refuses one others can write).
     Non-zero stops the compilation; the callback adds its diagnostic. */
  int (*on_library)(const char *path, void *ctx);
  void *library_ctx;
};

/*
** comp_compile with options.  Imported libraries are found, read and parsed
** again here (as check_file does) and their fns compiled into the chunk,
** each with its file name for its line table.  opts may be NULL.
*/
int comp_compile_opts(const struct source *src, const struct ast_node *file,
                      const struct comp_options *opts, struct diag_list *diags,
                      struct chunk **out);

#endif
