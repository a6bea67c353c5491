/*
** check_import.c: `import "lib.rb"`.
**
** A path is looked up next to the importing file, then in each of
** check_options.lib_dirs.  The library is read, parsed into the same arena
** (its own source copied into the arena, so diagnostics about it outlive
** this call like the AST does), checked as a file of its own (it sees only
** its own fns, its imports and the built-ins) and its top-level fns join
** the importing file's runbook scope.  Each library is loaded once per
** compilation; a cycle of imports is cut where it closes.
*/
#define _XOPEN_SOURCE 700  /* realpath */

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "parser/arena.h"
#include "parser/check_impl.h"
#include "parser/parse.h"

/* Imports nested deeper than this are refused (RB2017). */
#define MAX_IMPORT_DEPTH 16

#ifndef PATH_MAX
#define PATH_MAX 4096
#endif

/* {==== finding the file ==== */

/* Length of the directory part of path ("a/b.rb" -> 1), 0 when none. */
static size_t
dir_len(const char *path)
{
  const char *slash = strrchr(path, '/');

  return slash == NULL ? 0 : (size_t)(slash - path) + (slash == path);
}

/* dir/path into buf; false when it does not fit. */
static bool
join_path(char *buf, size_t size, const char *dir, size_t dlen, const char *path)
{
  int n;

  if (path[0] == '/' || dlen == 0)
    n = snprintf(buf, size, "%s", path);
  else
    n = snprintf(buf, size, "%.*s/%s", (int)dlen, dir, path);
  return n >= 0 && (size_t)n < size;
}

/*
** Find `path`: next to the importing file, then in each lib dir.  Returns
** the first candidate that exists, in the arena, or NULL.
*/
static const char *
find_import(struct checker *c, const char *path)
{
  const char *const *dirs = c->sh->opts->lib_dirs;
  char buf[PATH_MAX];
  const char *name = c->src->name;

  if (strcmp(name, "-") != 0
      && join_path(buf, sizeof buf, name, dir_len(name), path) && access(buf, R_OK) == 0)
    return arena_strdup(c->sh->a, buf);
  if (path[0] == '/')
    return NULL;
  for (size_t i = 0; dirs != NULL && dirs[i] != NULL; i++)
    if (join_path(buf, sizeof buf, dirs[i], strlen(dirs[i]), path)
        && access(buf, R_OK) == 0)
      return arena_strdup(c->sh->a, buf);
  return NULL;
}

/* RB2017 with the places searched. */
static void
not_found(struct checker *c, const struct ast_node *imp, const char *path)
{
  const char *const *dirs = c->sh->opts->lib_dirs;
  struct diag *d = diag_add(c->sh->diags, DIAG_RB2017, c->src, imp->u.import.path->span,
                            "cannot find library `%s`", path);

  diag_label(d, imp->u.import.path->span, true, "imported here");
  diag_note(d, "searched next to %s%s", c->src->name,
            dirs != NULL && dirs[0] != NULL ? " and in the library directories" : "");
}

/* {==== loading ==== */

/* A copy of src whose every byte lives in arena a; NULL when out of memory. */
static struct source *
arena_source(struct arena *a, const struct source *src)
{
  struct source *r = arena_alloc(a, sizeof *r);

  if (r == NULL)
    return NULL;
  r->name = arena_strdup(a, src->name);
  r->text = arena_strndup(a, src->text, src->len);
  r->line_starts = arena_alloc(a, src->nlines * sizeof *r->line_starts);
  if (r->name == NULL || r->text == NULL || r->line_starts == NULL)
    return NULL;
  memcpy(r->line_starts, src->line_starts, src->nlines * sizeof *r->line_starts);
  r->len = src->len;
  r->nlines = src->nlines;
  return r;
}

/* Read and parse a library; NULL (with RB2017 or oom set) on failure. */
static const struct ast_node *
load_library(struct checker *c, const struct ast_node *imp, const char *file,
             const struct source **src_out)
{
  int err = 0;
  struct source *tmp = src_read_file(file, &err);
  struct source *lib;
  struct parse_result pr;

  if (tmp == NULL) {
    struct diag *d = diag_add(c->sh->diags, DIAG_RB2017, c->src, imp->u.import.path->span,
                              "cannot read library `%s`: %s", file, strerror(err));
    diag_label(d, imp->u.import.path->span, true, "imported here");
    return NULL;
  }
  lib = arena_source(c->sh->a, tmp);
  src_free(tmp);
  if (lib == NULL || parse_source(c->sh->a, lib, c->sh->diags, &pr) != 0) {
    c->sh->oom = true;
    return NULL;
  }
  *src_out = lib;
  return pr.file;
}

/* Check a library as a file of its own; returns its runbook scope. */
static struct scope *
check_library(struct checker *c, const struct ast_node *file, const struct source *lib)
{
  struct checker child;

  memset(&child, 0, sizeof child);
  child.sh = c->sh;
  child.src = lib;
  child.import_depth = c->import_depth + 1;
  child.global = check_scope_new(c, NULL, 64);
  if (child.global == NULL)
    return NULL;
  child.scope = child.global;
  child.syntax_errors = check_has_syntax_errors(&child);
  check_file_items(&child, file);
  return child.global;
}

/* {==== exporting ==== */

/*
** Add the library's fns to the importing file's runbook scope; a clash
** is reported at the import.
*/
static void
export_fns(struct checker *c, const struct scope *lib, const struct ast_node *imp)
{
  for (size_t b = 0; b < lib->nbuckets; b++) {
    for (const struct sym *s = lib->buckets[b]; s != NULL; s = s->next) {
      const struct sym *have = check_scope_find(c->global, s->name);
      struct sym *sym;
      if (s->kind != SYM_FN || (have != NULL && have->decl == s->decl))
        continue;
      if (have != NULL) {
        check_duplicate(c, "fn", s->name, imp->u.import.path->span, have->src, have->span);
        continue;
      }
      sym = check_define(c, c->global, s->name, SYM_FN, s->span, s->decl);
      if (sym != NULL) {
        sym->src = s->src;
        sym->val = s->val;
      }
    }
  }
}

/* The cache entry for a resolved path, created when new. */
/*
** Libraries are cached by real path, so the same file imported twice (or
** through two paths) is parsed and checked once.  An entry whose exports
** are still NULL is being checked: meeting it again means a cycle.
*/
static struct ck_import *
cache_entry(struct checker *c, const char *file, bool *fresh)
{
  char real[PATH_MAX];
  const char *key = realpath(file, real) != NULL ? real : file;
  struct ck_import *e;

  *fresh = false;
  for (e = c->sh->imports; e != NULL; e = e->next)
    if (strcmp(e->path, key) == 0)
      return e;
  e = arena_alloc(c->sh->a, sizeof *e);
  if (e != NULL)
    e->path = arena_strdup(c->sh->a, key);
  if (e == NULL || e->path == NULL) {
    c->sh->oom = true;
    return NULL;
  }
  e->next = c->sh->imports;
  c->sh->imports = e;
  *fresh = true;
  return e;
}

/*
** import "path": resolve, load once, check, and export the library's fns
** into this file's runbook scope.
*/
void
check_import(struct checker *c, const struct ast_node *imp)
{
  uint32_t len;
  const char *path = ast_string_literal(imp->u.import.path, c->sh->a, &len);
  const char *file;
  const struct ast_node *tree;
  const struct source *lib = NULL;
  struct ck_import *e;
  bool fresh;

  if (path == NULL || strlen(path) != len || len == 0) {
    diag_label(diag_add(c->sh->diags, DIAG_RB2017, c->src, imp->span,
                        "an import path must be a plain, non-empty string"),
               imp->u.import.path->span, true, "no interpolation here");
    return;
  }
  file = find_import(c, path);
  if (file == NULL) {
    not_found(c, imp, path);
    return;
  }
  if (c->import_depth >= MAX_IMPORT_DEPTH) {
    diag_add(c->sh->diags, DIAG_RB2017, c->src, imp->u.import.path->span,
             "imports nest more than %d deep", MAX_IMPORT_DEPTH);
    return;
  }
  e = cache_entry(c, file, &fresh);
  if (e == NULL || (!fresh && e->exports == NULL))
    return;                     /* out of memory, or an import cycle closing here */
  if (fresh) {
    tree = load_library(c, imp, file, &lib);
    if (tree == NULL)
      return;
    e->exports = check_library(c, tree, lib);
  }
  if (e->exports != NULL)
    export_fns(c, e->exports, imp);
}
