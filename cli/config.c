/*
** config.c: `.rbc.conf` discovery and parsing, rule profiles and rule
** selection lists (config.h).
*/
#define _XOPEN_SOURCE 700  /* getline, strdup, strndup, realpath */

#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "cli/config.h"

/* {==== profiles ==== */

static const char *const profile_names[] = { "min", "default", "strict", "production" };

int
cfg_profile_parse(const char *s)
{
  for (int i = 0; i < 4; i++)
    if (strcmp(s, profile_names[i]) == 0)
      return i;
  return -1;
}

const char *
cfg_profile_name(enum cfg_profile p)
{
  return (unsigned)p < 4 ? profile_names[p] : "default";
}

/*
** The ladder: RB1 and RB2 (and the tool's RB9) are in every profile; RB3
** and RB4 come with `default`, except the opt-in rules: naming and unused
** bindings (`strict`), formatting and suppression reasons (`production`).
*/
enum cfg_profile
cfg_code_profile(enum diag_code code)
{
  switch (code) {
  case DIAG_RB4003: case DIAG_RB4007:
    return CFG_PROFILE_STRICT;
  case DIAG_RB4004: case DIAG_RB4091:
    return CFG_PROFILE_PRODUCTION;
  default:
    break;
  }
  return code < DIAG_RB3001 || code >= DIAG_RB9001 ? CFG_PROFILE_MIN : CFG_PROFILE_DEFAULT;
}

/* Whether the comma-separated tags of info include tag. */
static bool
has_tag(const struct diag_info *info, const char *tag)
{
  size_t n = strlen(tag);

  for (const char *p = info->tags; *p != '\0'; ) {
    size_t len = strcspn(p, ",");
    if (len == n && strncmp(p, tag, n) == 0)
      return true;
    p += len + (p[len] == ',');
  }
  return false;
}

/* One item of a selection list; the number of codes it matched. */
static int
select_item(bool *disabled, const char *item, bool disable)
{
  int hits = 0;

  for (int k = DIAG_RB2001; k < DIAG_RB9001; k++) {
    const struct diag_info *info = diag_info((enum diag_code)k);
    if (strcmp(item, "all") == 0 || strcmp(item, info->code) == 0
        || strcmp(item, info->name) == 0 || has_tag(info, item)) {
      disabled[k] = disable;
      hits++;
    }
  }
  return hits;
}

int
cfg_select(bool *disabled, const char *list, bool disable, char *err, size_t errsize)
{
  while (*list != '\0') {
    size_t n = strcspn(list, ",");
    char item[64];
    const char *p = list;
    while (n > 0 && isspace((unsigned char)*p)) {
      p++;
      n--;
    }
    while (n > 0 && isspace((unsigned char)p[n - 1]))
      n--;
    snprintf(item, sizeof item, "%.*s", (int)(n < 63 ? n : 63), p);
    if (item[0] != '\0' && select_item(disabled, item, disable) == 0) {
      snprintf(err, errsize, "'%s' is no code, name or tag of a rule that can be turned "
               "on or off", item);
      return -1;
    }
    list += strcspn(list, ",");
    list += *list == ',';
  }
  return 0;
}

/* }==== */

/* {==== discovery ==== */

void
cfg_init(struct cfg_file *cfg)
{
  memset(cfg, 0, sizeof *cfg);
  cfg->check.profile = cfg->check.min_severity = cfg->check.fail_on = -1;
  for (int k = 0; k < DIAG__COUNT; k++)
    cfg->check.severity_of[k] = -1;
}

void
cfg_free(struct cfg_file *cfg)
{
  for (size_t i = 0; i < cfg->check.nops; i++)
    free(cfg->check.ops[i].list);
  for (size_t i = 0; i < cfg->check.nexcludes; i++)
    free(cfg->check.excludes[i]);
  free(cfg->check.ops);
  free(cfg->check.excludes);
  free(cfg->path);
  free(cfg->dir);
  free(cfg->journal_dir);
  free(cfg->progress);
  cfg_init(cfg);
}

static bool
is_file(const char *path)
{
  struct stat sb;

  return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

static bool
exists(const char *path)
{
  struct stat sb;

  return stat(path, &sb) == 0;
}

/* dir/.rbc.conf or dir/rbc.conf into buf; false when neither exists. */
static bool
config_in(const char *dir, char *buf, size_t size)
{
  static const char *const names[] = { ".rbc.conf", "rbc.conf" };

  for (int i = 0; i < 2; i++) {
    if ((size_t)snprintf(buf, size, "%s/%s", dir, names[i]) < size && is_file(buf))
      return true;
  }
  return false;
}

/* $XDG_CONFIG_HOME/rbc/config, else ~/.config/rbc/config, if it exists. */
static char *
user_config(void)
{
  const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
  char buf[PATH_MAX];

  if (xdg != NULL && xdg[0] == '/')
    snprintf(buf, sizeof buf, "%s/rbc/config", xdg);
  else if (home != NULL && home[0] != '\0')
    snprintf(buf, sizeof buf, "%s/.config/rbc/config", home);
  else
    return NULL;
  return is_file(buf) ? strdup(buf) : NULL;
}

char *
cfg_find(const char *start_dir)
{
  char dir[PATH_MAX], buf[PATH_MAX + 16], git[PATH_MAX + 8];

  if (realpath(start_dir, dir) == NULL)
    return user_config();
  for (;;) {
    char *slash;
    if (config_in(dir, buf, sizeof buf))
      return strdup(buf);
    snprintf(git, sizeof git, "%s/.git", dir);
    if (exists(git) || strcmp(dir, "/") == 0)
      break;
    slash = strrchr(dir, '/');
    if (slash == dir)
      slash[1] = '\0';
    else
      *slash = '\0';
  }
  return user_config();
}

/* }==== */

/* {==== parsing ==== */

/* Where the parser is, for messages. */
struct cfg_parse {
  struct cfg_file *cfg;
  const char *path;
  unsigned line;
  char section[32];             /* "" before the first header */
  char *err;
  size_t errsize;
};

/* Format an error "FILE:LINE: message" into p->err; returns -1. */
static int
perr(struct cfg_parse *p, const char *fmt, const char *a, const char *b)
{
  char msg[256];

  snprintf(msg, sizeof msg, fmt, a, b);
  snprintf(p->err, p->errsize, "%s:%u: %s", p->path, p->line, msg);
  return -1;
}

/* Strip blanks at both ends, in place. */
static char *
trim(char *s)
{
  char *e;

  while (isspace((unsigned char)*s))
    s++;
  e = s + strlen(s);
  while (e > s && isspace((unsigned char)e[-1]))
    *--e = '\0';
  return s;
}

/* Append a copy of s to a malloc'd array of strings. */
static int
push_str(char ***v, size_t *n, const char *s)
{
  char **grown = realloc(*v, (*n + 1) * sizeof **v);

  if (grown == NULL)
    return -1;
  *v = grown;
  grown[*n] = strdup(s);
  if (grown[*n] == NULL)
    return -1;
  (*n)++;
  return 0;
}

/* A severity value, or an error naming the key. */
static int
level_value(struct cfg_parse *p, const char *key, const char *value, int *out)
{
  int sev = diag_severity_parse(value);

  if (sev < 0)
    return perr(p, "invalid value '%s' for '%s' (expected error, warning, info or style)",
                value, key);
  *out = sev;
  return 0;
}

/* enable / disable: checked now (unknown items are errors), applied later. */
static int
rule_list(struct cfg_parse *p, const char *value, bool disable)
{
  struct cfg_check *ck = &p->cfg->check;
  struct cfg_rule_op *grown;
  bool scratch[DIAG__COUNT];
  char why[128];

  if (cfg_select(scratch, value, disable, why, sizeof why) != 0)
    return perr(p, "%s%s", disable ? "disable: " : "enable: ", why);
  grown = realloc(ck->ops, (ck->nops + 1) * sizeof *grown);
  if (grown == NULL)
    return perr(p, "%s%s", "out of memory", "");
  ck->ops = grown;
  grown[ck->nops].disable = disable;
  grown[ck->nops].list = strdup(value);
  if (grown[ck->nops].list == NULL)
    return perr(p, "%s%s", "out of memory", "");
  ck->nops++;
  return 0;
}

/* severity.CODE = LEVEL */
static int
severity_key(struct cfg_parse *p, const char *key, const char *value)
{
  int k = diag_lookup(key + 9);

  if (k < DIAG_RB2001 || k >= DIAG_RB9001)
    return perr(p, "'%s': '%s' is no code or name whose severity can change", key, key + 9);
  return level_value(p, key, value, &p->cfg->check.severity_of[k]);
}

/* "unknown key 'k' in [s]; did you mean 'x'?" */
static int
unknown_key(struct cfg_parse *p, const char *key, const char *const *known)
{
  char hint[96], msg[160];

  cli_did_you_mean(hint, sizeof hint, key, known, "");
  snprintf(msg, sizeof msg, "unknown key '%s' in [%s]%s", key, p->section, hint);
  return perr(p, "%s%s", msg, "");
}

/* A key of [check]. */
static int
check_key(struct cfg_parse *p, const char *key, const char *value)
{
  static const char *const known[] = {
    "profile", "severity", "fail-on", "enable", "disable", "severity.RB3007", NULL
  };
  struct cfg_check *ck = &p->cfg->check;

  if (strcmp(key, "profile") == 0) {
    ck->profile = cfg_profile_parse(value);
    return ck->profile >= 0 ? 0 : perr(p, "invalid profile '%s'%s (expected min, default, "
                                       "strict or production)", value, "");
  }
  if (strcmp(key, "severity") == 0)
    return level_value(p, key, value, &ck->min_severity);
  if (strcmp(key, "fail-on") == 0)
    return level_value(p, key, value, &ck->fail_on);
  if (strcmp(key, "enable") == 0 || strcmp(key, "disable") == 0)
    return rule_list(p, value, key[0] == 'd');
  if (strncmp(key, "severity.", 9) == 0)
    return severity_key(p, key, value);
  return unknown_key(p, key, known);
}

/* [paths] exclude = a, b: one pattern per item. */
static int
exclude_list(struct cfg_parse *p, char *value)
{
  struct cfg_check *ck = &p->cfg->check;

  for (char *item = value; item != NULL; ) {
    char *comma = strchr(item, ',');
    if (comma != NULL)
      *comma = '\0';
    if (*trim(item) != '\0' && push_str(&ck->excludes, &ck->nexcludes, trim(item)) != 0)
      return perr(p, "%s%s", "out of memory", "");
    item = comma != NULL ? comma + 1 : NULL;
  }
  return 0;
}

/* A key of [run] or [paths]. */
static int
other_key(struct cfg_parse *p, const char *key, char *value)
{
  static const char *const run_known[] = { "journal-dir", "progress", NULL };
  static const char *const paths_known[] = { "exclude", NULL };
  char **slot = NULL;

  if (strcmp(p->section, "paths") == 0)
    return strcmp(key, "exclude") == 0 ? exclude_list(p, value)
                                       : unknown_key(p, key, paths_known);
  if (strcmp(key, "journal-dir") == 0)
    slot = &p->cfg->journal_dir;
  else if (strcmp(key, "progress") == 0)
    slot = &p->cfg->progress;
  if (slot == NULL)
    return unknown_key(p, key, run_known);
  if (slot == &p->cfg->progress && strcmp(value, "auto") != 0 && strcmp(value, "tty") != 0
      && strcmp(value, "plain") != 0 && strcmp(value, "none") != 0)
    return perr(p, "invalid value '%s' for '%s' (expected auto, tty, plain or none)",
                value, key);
  free(*slot);
  *slot = strdup(value);
  return *slot != NULL ? 0 : perr(p, "%s%s", "out of memory", "");
}

/* `[section]` */
static int
section_line(struct cfg_parse *p, char *s)
{
  static const char *const known[] = { "check", "run", "paths", NULL };
  char *end = strchr(s, ']');
  char hint[96];

  if (end == NULL || *trim(end + 1) != '\0')
    return perr(p, "a section header must look like [check]%s%s", "", "");
  *end = '\0';
  s = trim(s + 1);
  for (int i = 0; known[i] != NULL; i++)
    if (strcmp(s, known[i]) == 0) {
      snprintf(p->section, sizeof p->section, "%s", s);
      return 0;
    }
  cli_did_you_mean(hint, sizeof hint, s, known, "");
  return perr(p, "unknown section [%s]%s", s, hint);
}

/* One line: blank, comment, section header or key = value. */
static int
parse_line(struct cfg_parse *p, char *line)
{
  char *eq, *key, *value;

  line[strcspn(line, "#")] = '\0';
  line = trim(line);
  if (*line == '\0')
    return 0;
  if (*line == '[')
    return section_line(p, line);
  eq = strchr(line, '=');
  if (eq == NULL)
    return perr(p, "expected 'key = value', found '%s'%s", line, "");
  *eq = '\0';
  key = trim(line);
  value = trim(eq + 1);
  if (p->section[0] == '\0')
    return perr(p, "'%s' comes before any [section]%s", key, "");
  if (*value == '\0')
    return perr(p, "'%s' has no value%s", key, "");
  return strcmp(p->section, "check") == 0 ? check_key(p, key, value)
                                          : other_key(p, key, value);
}

/* The directory part of path ("." when it has none), malloc'd. */
static char *
dir_of(const char *path)
{
  const char *slash = strrchr(path, '/');

  if (slash == NULL)
    return strdup(".");
  if (slash == path)
    return strdup("/");
  return strndup(path, (size_t)(slash - path));
}

int
cfg_load(const char *path, struct cfg_file *cfg, char *err, size_t errsize)
{
  struct cfg_parse p;
  FILE *f = fopen(path, "r");
  char *line = NULL;
  size_t cap = 0;
  int status = 0;

  if (f == NULL) {
    snprintf(err, errsize, "cannot read config file '%s': %s", path, strerror(errno));
    return -1;
  }
  memset(&p, 0, sizeof p);
  p.cfg = cfg;
  p.path = path;
  p.err = err;
  p.errsize = errsize;
  while (status == 0 && getline(&line, &cap, f) >= 0) {
    p.line++;
    status = parse_line(&p, line);
  }
  free(line);
  fclose(f);
  cfg->path = strdup(path);
  cfg->dir = dir_of(path);
  if (status == 0 && (cfg->path == NULL || cfg->dir == NULL)) {
    snprintf(err, errsize, "out of memory reading '%s'", path);
    status = -1;
  }
  return status;
}

/* }==== */

/* {==== [paths] exclude ==== */

/*
** Does the relative path rel match pattern?  A pattern ending in a slash
** and two stars matches the whole subtree.
*/
static bool
pattern_matches(const char *pattern, const char *rel)
{
  size_t n = strlen(pattern);

  if (n >= 3 && strcmp(pattern + n - 3, "/**") == 0)
    return strncmp(rel, pattern, n - 2) == 0;
  return fnmatch(pattern, rel, FNM_PATHNAME) == 0;
}

bool
cfg_excluded(const struct cfg_file *cfg, const char *path)
{
  char base[PATH_MAX], full[PATH_MAX];
  size_t n;

  if (cfg->check.nexcludes == 0 || cfg->dir == NULL || realpath(cfg->dir, base) == NULL
      || realpath(path, full) == NULL)
    return false;
  n = strlen(base);
  if (strncmp(full, base, n) != 0 || (full[n] != '/' && n > 1))
    return false;
  for (size_t i = 0; i < cfg->check.nexcludes; i++)
    if (pattern_matches(cfg->check.excludes[i], full + n + (n > 1)))
      return true;
  return false;
}

/* }==== */
