/*
** config.h: the `.rbc.conf` file (cli.md 13) and the rule profiles of
** `rbc check` (cli.md 4).
**
** The file is INI-like: `[section]` headers, `key = value` lines, `#`
** comments (also after a value), comma lists.  Sections and keys:
**
**   [check]  profile, severity, fail-on, enable, disable, severity.CODE
**   [run]    journal-dir, progress
**   [paths]  exclude (comma list of fnmatch patterns; one ending in a slash
**           and two stars matches a whole subtree)
**
** An unknown section or key, or a bad value, is a config error (RB9002,
** exit 78) whose message names the file, the line and a "did you mean".
**
** Ownership: a cfg_file owns every string it holds; cfg_free releases
** them.  Nothing here prints: errors come back as text.
*/
#ifndef RBC_CONFIG_H
#define RBC_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "lexer/diag.h"

/* The rule ladder of `--profile` / `profile =` (ansible-lint's idea). */
enum cfg_profile {
  CFG_PROFILE_MIN,              /* syntax and semantic errors: RB1, RB2 */
  CFG_PROFILE_DEFAULT,          /* plus every RB3 and RB4 rule that is not opt-in */
  CFG_PROFILE_STRICT,           /* plus naming, unused bindings; RB3 suppressions need reasons */
  CFG_PROFILE_PRODUCTION        /* everything, suppression reasons required */
};

/* One `enable` or `disable` list, applied in order after the profile. */
struct cfg_rule_op {
  char *list;                   /* comma list of codes, names, tags or `all` */
  bool disable;
};

/* The [check] section (and [paths]); -1 in an int field means "not set". */
struct cfg_check {
  int profile;                  /* enum cfg_profile, or -1 */
  int min_severity;             /* enum diag_severity, or -1 */
  int fail_on;                  /* enum diag_severity, or -1 */
  int severity_of[DIAG__COUNT]; /* per-code override, or -1 */
  struct cfg_rule_op *ops;      /* enable/disable lists in file order */
  size_t nops;
  char **excludes;              /* [paths] exclude patterns */
  size_t nexcludes;
};

/* A loaded config file. */
struct cfg_file {
  char *path;                   /* the file read, or NULL when none */
  char *dir;                    /* its directory (exclude patterns are relative to it) */
  struct cfg_check check;
  char *journal_dir;            /* [run] journal-dir, or NULL */
  char *progress;               /* [run] progress, or NULL */
};

/* An empty config: nothing set. */
void cfg_init(struct cfg_file *cfg);

/* Release what cfg owns (idempotent). */
void cfg_free(struct cfg_file *cfg);

/*
** Find the config file for a runbook in start_dir: `.rbc.conf` or
** `rbc.conf` in start_dir and its parents, stopping at the repository root
** (the first directory holding `.git`), then $XDG_CONFIG_HOME/rbc/config
** (default ~/.config/rbc/config).  Returns a malloc'd path, or NULL when
** there is none (or out of memory).
*/
char *cfg_find(const char *start_dir);

/*
** Read and parse the file at path into cfg (which must be cfg_init'ed).
** Returns 0, or -1 with a one-line message in err ("FILE:LINE: ...").
*/
int cfg_load(const char *path, struct cfg_file *cfg, char *err, size_t errsize);

/* Parse "min", "default", "strict", "production"; -1 when unknown. */
int cfg_profile_parse(const char *s);

/* The profile's name. */
const char *cfg_profile_name(enum cfg_profile p);

/* The lowest profile that turns code on (RB1/RB9: CFG_PROFILE_MIN). */
enum cfg_profile cfg_code_profile(enum diag_code code);

/*
** Apply one comma list of codes, names, tags or `all` to disabled[]
** (RB2001..RB8999 only: syntax and tool codes stay on).  Returns 0, or -1
** with the first unknown item in err.
*/
int cfg_select(bool *disabled, const char *list, bool disable, char *err, size_t errsize);

/*
** Whether `path` (a file found by walking a directory) matches one of the
** [paths] exclude patterns, taken relative to the config's directory.
*/
bool cfg_excluded(const struct cfg_file *cfg, const char *path);

#endif
