/*
** diag.h: diagnostics as data.
**
** Every stage reports problems by appending a struct diag to a diag_list;
** no library code writes to stderr.  The CLI renders the list once, in the
** format the user asked for (cli/render.c).  Codes come from diag_codes.def
** and are stable.
**
** Ownership: a diag_list owns every string hung off its diags; diag_free
** releases all of them.
*/
#ifndef RBC_DIAG_H
#define RBC_DIAG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "lexer/source.h"

enum diag_severity {
  DIAG_STYLE,
  DIAG_INFO,
  DIAG_WARNING,
  DIAG_ERROR
};

enum diag_code {
#define DIAG(id, code, name, sev, tags, summary) DIAG_##id,
#include "lexer/diag_codes.def"
#undef DIAG
  DIAG__COUNT
};

/* Static facts about a code, from diag_codes.def. */
struct diag_info {
  const char *code;             /* "RB1001" */
  const char *name;             /* "unexpected-token" */
  enum diag_severity severity;  /* default severity */
  const char *tags;             /* comma-separated */
  const char *summary;          /* one line, no final period */
};

#define DIAG_MAX_LABELS 4
#define DIAG_MAX_HELPS 4

/* A secondary (or the primary) marked span with a short text. */
struct diag_label {
  struct span span;
  bool primary;                 /* '^' when true, '-' otherwise */
  char *text;                   /* may be NULL */
};

/* A machine-applicable edit: replace span with text. */
struct diag_fix {
  bool safe;                    /* applicability: safe or unsafe */
  struct span span;
  char *text;
};

struct diag {
  enum diag_code code;
  enum diag_severity severity;  /* starts as the code's default */
  const struct source *src;     /* file the span refers to; NULL for file-less */
  struct span span;             /* primary location */
  char *message;                /* one sentence, no final period */
  struct diag_label labels[DIAG_MAX_LABELS];
  int nlabels;                  /* labels[0] is the primary label when set */
  char *helps[DIAG_MAX_HELPS];  /* "help: ..." lines, "did you mean" hints */
  int nhelps;
  char *notes[DIAG_MAX_HELPS];  /* "note: ..." lines (values of names, ...) */
  int nnotes;
  struct diag_fix fix;          /* fix.text == NULL: no fix */
  bool suppressed;              /* matched a suppression comment */
  char *suppress_reason;        /* its reason, if any */
  size_t seq;                   /* insertion order, for a stable sort */
  bool lost;                    /* a label, help, note or fix text could not be
                                   allocated (diag_oom then says so) */
};

struct diag_list {
  struct diag *items;
  size_t len, cap;
  size_t counts[DIAG_ERROR + 1];/* per severity, suppressed ones excluded */
  size_t limit;                 /* stop adding syntax errors past this; 0 = none */
  bool oom;                     /* an allocation failed; list may be incomplete */
};

/* Table entry for a code; never NULL for a valid code. */
const struct diag_info *diag_info(enum diag_code code);

/* Look a code up by "RB2001" or by "undefined-name"; -1 when unknown. */
int diag_lookup(const char *code_or_name);

void diag_init(struct diag_list *list);
void diag_free(struct diag_list *list);

/*
** Append a diagnostic; message is printf-formatted.  Returns the new entry
** so the caller can add labels, helps and a fix, or NULL when out of memory
** or past the list's limit (callers need not check: the helpers below
** accept NULL).
*/
struct diag *diag_add(struct diag_list *list, enum diag_code code,
                      const struct source *src, struct span span,
                      const char *fmt, ...)
  __attribute__((format(printf, 5, 6)));

struct diag *diag_vadd(struct diag_list *list, enum diag_code code,
                       const struct source *src, struct span span,
                       const char *fmt, va_list ap);

void diag_label(struct diag *d, struct span span, bool primary,
                const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void diag_help(struct diag *d, const char *fmt, ...)
  __attribute__((format(printf, 2, 3)));
void diag_note(struct diag *d, const char *fmt, ...)
  __attribute__((format(printf, 2, 3)));
void diag_set_fix(struct diag *d, bool safe, struct span span, const char *text);

/* Number of unsuppressed diagnostics at or above severity `min`. */
size_t diag_count_at_least(const struct diag_list *list, enum diag_severity min);

/*
** Recompute counts[] after changing severities or suppressed flags of
** existing entries (severity overrides, suppression comments).
*/
void diag_recount(struct diag_list *list);

/* Has any unsuppressed error been added? */
bool diag_has_errors(const struct diag_list *list);

/* Sort by file, then offset, then code (stable order for every renderer). */
void diag_sort(struct diag_list *list);

/*
** Did an allocation fail while the list was filled (an item, or a part of
** one)?  Then the list is incomplete and the caller exits 70 rather than
** print it as if it were whole (tests/failalloc.sh).
*/
bool diag_oom(const struct diag_list *list);

const char *diag_severity_name(enum diag_severity sev);

/* Parse "error", "warning", "info", "style"; -1 when unknown. */
int diag_severity_parse(const char *s);

#endif
