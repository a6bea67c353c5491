/*
** render.h: diagnostics to text, in the formats of cli.md 4: tty (the
** Rust-style excerpt with carets), gcc (one line each) and json (schema
** rbc.check/1).  Renderers read a diag_list and never change it.
*/
#ifndef RBC_RENDER_H
#define RBC_RENDER_H

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

#include "lexer/diag.h"

struct render_opts {
  bool color;                   /* ANSI colors (tty only; machine formats never) */
  enum diag_severity min_severity; /* diagnostics below it are not rendered */
  const bool *disabled;         /* per code: not rendered (--disable); may be NULL */
  bool show_suppressed;         /* render suppressed findings too (--show-suppressed) */
};

/* Counts of what was rendered, for the summary line and the exit status. */
struct render_counts {
  size_t by_severity[DIAG_ERROR + 1];
  size_t fixable;               /* rendered diagnostics carrying a fix */
  size_t suppressed;            /* suppressed ones (never rendered) */
  size_t files;                 /* files checked */
  size_t files_with_problems;
};

/* Should d be rendered under o (not suppressed, not disabled, severe enough)? */
bool render_wanted(const struct diag *d, const struct render_opts *o);

/* Add the rendered diagnostics of list to *counts (files not counted). */
void render_count(const struct diag_list *list, const struct render_opts *o,
                  struct render_counts *counts);

/* One diagnostic in the tty layout: header, location, excerpt, help, notes. */
void render_tty_diag(FILE *out, const struct diag *d, const struct render_opts *o);

/* Every wanted diagnostic of list, in tty layout, each followed by a blank line. */
void render_tty(FILE *out, const struct diag_list *list, const struct render_opts *o);

/*
** Only the errors of list, in tty layout: how a command shows why it
** refuses a runbook (on stderr, color per cli_use_color(stderr)).  The one
** renderer that changes the list: it sorts it (diag_sort) first.
*/
void render_errors(FILE *out, struct diag_list *list, bool color);

/*
** "Found 3 problems in 1 file: 2 errors, 1 warning." (nothing when there
** are no problems).
*/
void render_tty_summary(FILE *out, const struct render_counts *counts, bool color);

/* `file:line:col: severity: message[; did you mean ...] [RBxxxx]` lines. */
void render_gcc(FILE *out, const struct diag_list *list, const struct render_opts *o);

/*
** The tags of a code (diag_info()->tags, "safety,secrets") as a JSON array
** (["safety","secrets"]); a new reference, or NULL when out of memory.
*/
json_t *render_tag_array(const char *tags);

/*
** The JSON object of one diagnostic (schema rbc.check/1); a new reference,
** or NULL when out of memory.
*/
json_t *render_json_diag(const struct diag *d);

/*
** The whole rbc.check/1 document: `diags` (a JSON array the caller built
** with render_json_diag, whose reference is taken) and the summary.
** Returns a new reference, or NULL when out of memory.
*/
json_t *render_json_doc(json_t *diags, const struct render_counts *counts);

/* Append the wanted diagnostics of list to the JSON array arr; -1 on oom. */
int render_json_append(json_t *arr, const struct diag_list *list,
                       const struct render_opts *o);

/*
** `::error file=F,line=L,col=C,endColumn=E,title=RBxxxx name::message`
** workflow commands for GitHub Actions (cli.md 4, properties escaped).
*/
void render_github(FILE *out, const struct diag_list *list, const struct render_opts *o);

/* {==== SARIF 2.1.0 (cli.md 11) ==== */

/* Results and the rules they use, accumulated over every file checked. */
struct render_sarif {
  json_t *rules;                /* tool.driver.rules, one per code that fired */
  json_t *results;
  int rule_index[DIAG__COUNT];  /* index in rules, -1 when not there yet */
  /*
  ** The Markdown page of a code (malloc'd, the caller frees), or NULL;
  ** when set, rules get their fullDescription, help text and markdown
  ** from it.  NULL by default (render_sarif_init).
  */
  char *(*page)(enum diag_code code);
};

/* Start an empty accumulation; -1 when out of memory. */
int render_sarif_init(struct render_sarif *s);

/* Release what render_sarif_doc did not take. */
void render_sarif_free(struct render_sarif *s);

/* Add the wanted diagnostics of list as results; -1 when out of memory. */
int render_sarif_append(struct render_sarif *s, const struct diag_list *list,
                        const struct render_opts *o);

/*
** The SARIF log: one run with the rules and results so far; `success`
** false marks a tool error (invocations[0].executionSuccessful).  Returns
** a new reference (the accumulation keeps its own), or NULL on oom.
*/
json_t *render_sarif_doc(struct render_sarif *s, bool success);

#endif
