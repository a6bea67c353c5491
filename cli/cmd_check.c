/*
** cmd_check.c: `rbc check FILE|DIR|-...` (cli.md 4).
**
** Each input is loaded, parsed and checked on its own (one arena and one
** diagnostics list per file), rendered at once in the chosen format, and
** counted; the json document and the summary line come at the end.  The
** exit status follows cli.md 10: 0 clean, 1 findings at or above
** --fail-on, 64 usage, 66 unreadable input, 70 internal error, 73 when an
** output file cannot be written.
*/
#define _POSIX_C_SOURCE 200809L  /* mkstemp, fdopen, strdup */

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/config.h"
#include "cli/explain.h"
#include "cli/fixdiff.h"
#include "cli/render.h"
#include "parser/arena.h"

#define MAX_DIR_DEPTH 64

enum check_format { FMT_TTY, FMT_GCC, FMT_JSON, FMT_SARIF, FMT_GITHUB, FMT_QUIET };

enum {
  O_FORMAT = 1, O_OUTPUT, O_JSON_FILE, O_SEVERITY, O_FAIL_ON, O_EXIT_ZERO,
  O_PARAM, O_PARAMS_FILE, O_STDIN_FILENAME, O_SARIF_FILE, O_ENABLE, O_DISABLE,
  O_SEVERITY_OF, O_FIX, O_UNSAFE_FIXES, O_PROFILE, O_CONFIG, O_NO_CONFIG, O_DIFF,
  O_SHOW_SUPPRESSED
};

static const struct cli_option check_opts[] = {
  { "format",         'f', CLI_ARG_REQUIRED, O_FORMAT },
  { "output",         'o', CLI_ARG_REQUIRED, O_OUTPUT },
  { "json-file",      0,   CLI_ARG_REQUIRED, O_JSON_FILE },
  { "severity",       'S', CLI_ARG_REQUIRED, O_SEVERITY },
  { "fail-on",        0,   CLI_ARG_REQUIRED, O_FAIL_ON },
  { "exit-zero",      0,   CLI_ARG_NONE,     O_EXIT_ZERO },
  { "param",          0,   CLI_ARG_REQUIRED, O_PARAM },
  { "params-file",    0,   CLI_ARG_REQUIRED, O_PARAMS_FILE },
  { "stdin-filename", 0,   CLI_ARG_REQUIRED, O_STDIN_FILENAME },
  { "sarif-file",     0,   CLI_ARG_REQUIRED, O_SARIF_FILE },
  { "enable",         0,   CLI_ARG_REQUIRED, O_ENABLE },
  { "disable",        0,   CLI_ARG_REQUIRED, O_DISABLE },
  { "severity-of",    0,   CLI_ARG_REQUIRED, O_SEVERITY_OF },
  { "fix",            0,   CLI_ARG_NONE,     O_FIX },
  { "unsafe-fixes",   0,   CLI_ARG_NONE,     O_UNSAFE_FIXES },
  { "profile",        0,   CLI_ARG_REQUIRED, O_PROFILE },
  { "config",         0,   CLI_ARG_REQUIRED, O_CONFIG },
  { "no-config",      0,   CLI_ARG_NONE,     O_NO_CONFIG },
  { "diff",           0,   CLI_ARG_NONE,     O_DIFF },
  { "show-suppressed", 0,  CLI_ARG_NONE,     O_SHOW_SUPPRESSED },
  { NULL,             0,   CLI_ARG_NONE,     0 }
};

/* Everything one `rbc check` invocation decides and accumulates. */
struct check_run {
  struct arena *a;              /* option strings, params, file names */
  enum check_format format;
  const char *output;           /* -o FILE, or NULL for stdout */
  const char *json_file;        /* --json-file F, or NULL */
  const char *sarif_file;       /* --sarif-file F, or NULL */
  const char *stdin_name;       /* --stdin-filename */
  struct render_opts ropts;
  int severity_of[DIAG__COUNT]; /* --severity-of CODE=LEVEL, -1 when none */
  int min_severity;             /* -S LEVEL, -1 when not given */
  int fail_on;                  /* --fail-on LEVEL, -1 when not given */
  int profile;                  /* --profile, -1 when not given */
  struct cfg_rule_op *ops;      /* --enable/--disable lists, in order (strings borrowed) */
  size_t nops;
  const char *config;           /* --config FILE (or RBC_CONFIG), NULL to search */
  bool no_config;               /* --no-config */
  struct cfg_file **cfgs;       /* config files loaded so far (one per directory tree) */
  size_t ncfgs;
  /* The settings of the file being checked: command line over its config file. */
  bool disabled[DIAG__COUNT];   /* from the profile, config and --enable/--disable */
  int eff_severity_of[DIAG__COUNT]; /* per-code severity, -1 when unchanged */
  int eff_fail_on;              /* findings at or above it fail the run */
  bool strict;                  /* profile strict or production */
  size_t failing;               /* rendered findings at or above their file's fail-on */
  const char *today;            /* RBC_TODAY, or NULL */
  bool exit_zero;
  bool fix, unsafe_fixes;       /* --fix, --unsafe-fixes: rewrite files in place */
  bool diff;                    /* --diff: print the fixes as a unified diff instead */
  size_t diffs;                 /* fixes shown by --diff */
  struct check_param *params;   /* --param and --params-file, in the arena */
  int nparams, cap_params;
  bool params_given;
  const char **inputs;          /* the positional arguments */
  size_t ninputs;
  const char **files;           /* expanded: directories walked, sorted */
  size_t nfiles, cap_files;
  FILE *out;                    /* where the primary format goes */
  json_t *jdiags;               /* diagnostics for json output / --json-file */
  struct render_sarif sarif;    /* results for sarif output / --sarif-file */
  bool want_sarif;
  struct render_counts counts;
  int tool_status;              /* 66 or 70 when a tool error happened */
};

/* {==== help ==== */

static void
check_help(void)
{
  fputs("Usage: rbc check [OPTIONS] FILE|DIR|-...\n\n"
        "Lint runbooks: syntax, names, types, safety, metadata.  Directories are\n"
        "searched for *.rb files; `-` reads standard input.\n\n"
        "Output:\n"
        "  -f, --format=FORMAT     tty (default), gcc, json, sarif, github or quiet\n"
        "                          (default from RBC_FORMAT)\n"
        "  -o, --output=FILE       write the report to FILE instead of stdout\n"
        "      --json-file=FILE    also write the json report to FILE\n"
        "      --sarif-file=FILE   also write a SARIF 2.1.0 log to FILE\n"
        "      --stdin-filename=N  name to report for `-`\n"
        "      --fix               apply safe fixes in place, then report what remains\n"
        "      --unsafe-fixes      apply unsafe fixes too (implies --fix)\n"
        "      --diff              print the fixes as a unified diff; change nothing\n"
        "      --show-suppressed   also report findings silenced by `# rbc: ignore`\n"
        "      --color[=WHEN]      auto, always or never\n\n"
        "Selection:\n"
        "      --profile=NAME      min, default, strict or production (rule ladder)\n"
        "  -S, --severity=LEVEL    minimum severity reported: style (default), info,\n"
        "                          warning, error; `-S CODE=LEVEL` = --severity-of\n"
        "      --fail-on=LEVEL     exit 1 if a reported finding is >= LEVEL (warning)\n"
        "      --exit-zero         exit 0 even with findings\n"
        "      --disable=LIST      turn off codes, names or tags (comma list, `all`)\n"
        "      --enable=LIST       turn them on (lists apply in order, after the profile)\n"
        "      --severity-of=CODE=LEVEL  change the severity of one code\n"
        "      --param K=V         check that required params are given and typed\n"
        "      --params-file=F     params from a JSON object\n\n"
        "Configuration:\n"
        "      --config=FILE       read FILE instead of searching (also RBC_CONFIG)\n"
        "      --no-config         read no config file\n"
        "  .rbc.conf (or rbc.conf) is searched from each runbook's directory up to\n"
        "  the repository root, then $XDG_CONFIG_HOME/rbc/config; flags win over it.\n"
        "  RBC_TODAY=YYYY-MM-DD sets the date the freshness rule (RB4002) compares to.\n\n"
        "Examples:\n"
        "  rbc check runbooks/\n"
        "  rbc check -f gcc runbooks/payments-api.rb\n"
        "  rbc check -f json -o report.json --fail-on=error runbooks/\n"
        "  rbc check --profile strict --sarif-file rbc.sarif runbooks/\n\n"
        "Exit status: 0 clean, 1 findings, 64 usage error, 66 unreadable input,\n"
        "70 internal error, 73 cannot write an output file, 78 invalid config.\n"
        "See `rbc rules` for every rule and `rbc explain CODE` for one.\n", stdout);
}

/* {==== options ==== */

/* -f / RBC_FORMAT: one of the formats, else a usage error with a suggestion. */
static int
parse_format(struct check_run *r, const char *s)
{
  static const char *const names[] = { "tty", "gcc", "json", "sarif", "github", "quiet" };
  char hint[64];

  for (int i = 0; i < 6; i++)
    if (strcmp(s, names[i]) == 0) {
      r->format = (enum check_format)i;
      return 0;
    }
  cli_did_you_mean(hint, sizeof hint, s, (const char *const[]){ "tty", "gcc", "json", "sarif",
                                                                "github", "quiet", NULL }, "");
  return cli_usage_error("check", "invalid format '%s' (expected tty, gcc, json, sarif, github "
                         "or quiet)%s", s, hint);
}

/* -S / --fail-on: a severity name, else a usage error. */
static int
parse_level(const char *opt, const char *s, int *out)
{
  int sev = diag_severity_parse(s);

  if (sev < 0)
    return cli_usage_error("check", "invalid value '%s' for '%s' "
                           "(expected error, warning, info or style)", s, opt);
  *out = sev;
  return 0;
}

/* Add (or replace) a param name=value; strings are copied into the arena. */
static int
add_param(struct check_run *r, const char *name, size_t nlen, const char *value)
{
  char *n = arena_strndup(r->a, name, nlen), *v = arena_strdup(r->a, value);

  if (n == NULL || v == NULL)
    return -1;
  r->params_given = true;
  for (int i = 0; i < r->nparams; i++)
    if (strcmp(r->params[i].name, n) == 0) {
      r->params[i].value = v;
      return 0;
    }
  if (r->nparams == r->cap_params) {
    int cap = r->cap_params ? r->cap_params * 2 : 16;
    struct check_param *p = arena_alloc(r->a, (size_t)cap * sizeof *p);
    if (p == NULL)
      return -1;
    if (r->nparams > 0)
      memcpy(p, r->params, (size_t)r->nparams * sizeof *p);
    r->params = p;
    r->cap_params = cap;
  }
  r->params[r->nparams].name = n;
  r->params[r->nparams++].value = v;
  return 0;
}

/* --param NAME=VALUE */
static int
param_option(struct check_run *r, const char *kv)
{
  const char *eq = strchr(kv, '=');

  if (eq == NULL || eq == kv)
    return cli_usage_error("check", "invalid --param '%s' (expected NAME=VALUE)", kv);
  if (add_param(r, kv, (size_t)(eq - kv), eq + 1) != 0)
    return EXIT_SOFTWARE;
  return 0;
}

/* --params-file F: a JSON object; non-string values keep their JSON text. */
static int
params_file(struct check_run *r, const char *path)
{
  json_error_t err;
  json_t *root = json_load_file(path, JSON_DECODE_ANY, &err);
  const char *key;
  json_t *val;
  int status = 0;

  if (root == NULL && access(path, R_OK) != 0) {
    fprintf(stderr, "rbc: cannot read params file '%s': %s\n", path, strerror(errno));
    return EXIT_NOINPUT;
  }
  if (root == NULL || !json_is_object(root)) {
    json_decref(root);
    return cli_usage_error("check", "params file '%s' is not a JSON object%s%s", path,
                           root == NULL ? ": " : "", root == NULL ? err.text : "");
  }
  json_object_foreach(root, key, val) {
    char *text = json_is_string(val) ? NULL : json_dumps(val, JSON_ENCODE_ANY | JSON_COMPACT);
    const char *v = json_is_string(val) ? json_string_value(val) : text;
    if (v == NULL || add_param(r, key, strlen(key), v) != 0)
      status = EXIT_SOFTWARE;
    free(text);
  }
  json_decref(root);
  return status;
}

/* {==== rule selection ==== */

/*
** --enable / --disable: the list is checked now (an unknown item is a
** usage error) and applied after the profile and the config file's lists.
*/
static int
select_rules(struct check_run *r, const char *opt, const char *list, bool disable)
{
  bool scratch[DIAG__COUNT];
  char why[128];
  struct cfg_rule_op *grown;

  if (cfg_select(scratch, list, disable, why, sizeof why) != 0)
    return cli_usage_error("check", "%s: %s", opt, why);
  grown = realloc(r->ops, (r->nops + 1) * sizeof *grown);
  if (grown == NULL)
    return EXIT_SOFTWARE;
  r->ops = grown;
  grown[r->nops].list = (char *)list;
  grown[r->nops++].disable = disable;
  return 0;
}

/* --severity-of CODE=LEVEL */
static int
severity_of(struct check_run *r, const char *arg)
{
  const char *eq = strchr(arg, '=');
  char code[64];
  int k, sev;

  if (eq == NULL || eq == arg || (size_t)(eq - arg) >= sizeof code)
    return cli_usage_error("check", "invalid --severity-of '%s' (expected CODE=LEVEL)", arg);
  snprintf(code, sizeof code, "%.*s", (int)(eq - arg), arg);
  k = diag_lookup(code);
  sev = diag_severity_parse(eq + 1);
  if (k < DIAG_RB2001 || k >= DIAG_RB9001 || sev < 0)
    return cli_usage_error("check", "invalid --severity-of '%s' (unknown or fixed code, "
                           "or level not error, warning, info or style)", arg);
  r->severity_of[k] = sev;
  return 0;
}

/* Apply --severity-of to a file's findings. */
static void
override_severities(const struct check_run *r, struct diag_list *diags)
{
  bool changed = false;

  for (size_t i = 0; i < diags->len; i++) {
    int sev = r->eff_severity_of[diags->items[i].code];
    if (sev >= 0) {
      diags->items[i].severity = (enum diag_severity)sev;
      changed = true;
    }
  }
  if (changed)
    diag_recount(diags);
}

/* --profile NAME */
static int
profile_option(struct check_run *r, const char *arg)
{
  char hint[64];

  r->profile = cfg_profile_parse(arg);
  if (r->profile >= 0)
    return 0;
  cli_did_you_mean(hint, sizeof hint, arg, (const char *const[]){ "min", "default", "strict",
                                                                  "production", NULL }, "");
  return cli_usage_error("check", "invalid profile '%s' (expected min, default, strict or "
                         "production)%s", arg, hint);
}

/* One option of `rbc check`; returns 0 or an exit status. */
static int
apply_option(struct check_run *r, int id, const char *arg)
{
  switch (id) {
  case O_FORMAT:         return parse_format(r, arg);
  case O_OUTPUT:         r->output = arg; return 0;
  case O_JSON_FILE:      r->json_file = arg; return 0;
  case O_SEVERITY:
    return strchr(arg, '=') != NULL ? severity_of(r, arg)
                                    : parse_level("--severity", arg, &r->min_severity);
  case O_FAIL_ON:        return parse_level("--fail-on", arg, &r->fail_on);
  case O_EXIT_ZERO:      r->exit_zero = true; return 0;
  case O_PARAM:          return param_option(r, arg);
  case O_PARAMS_FILE:    return params_file(r, arg);
  case O_STDIN_FILENAME: r->stdin_name = arg; return 0;
  case O_SARIF_FILE:     r->sarif_file = arg; return 0;
  case O_ENABLE:         return select_rules(r, "--enable", arg, false);
  case O_DISABLE:        return select_rules(r, "--disable", arg, true);
  case O_SEVERITY_OF:    return severity_of(r, arg);
  case O_FIX:            r->fix = true; return 0;
  case O_UNSAFE_FIXES:   r->fix = r->unsafe_fixes = true; return 0;
  case O_PROFILE:        return profile_option(r, arg);
  case O_CONFIG:         r->config = arg; return 0;
  case O_NO_CONFIG:      r->no_config = true; return 0;
  case O_DIFF:           r->diff = true; return 0;
  case O_SHOW_SUPPRESSED: r->ropts.show_suppressed = true; return 0;
  default:               return EXIT_SOFTWARE;
  }
}

/*
** Parse the command line into r.  Returns -1 to go on, or the exit status
** to return at once (0 after --help or --version).
*/
static int
parse_args(struct check_run *r, int argc, char **argv)
{
  struct cli_args st;
  const char *fmt = getenv("RBC_FORMAT");
  int id, status;

  r->inputs = calloc((size_t)argc + 1, sizeof *r->inputs);
  if (r->inputs == NULL)
    return EXIT_SOFTWARE;
  if (fmt != NULL && fmt[0] != '\0') {
    status = parse_format(r, fmt);
    if (status != 0)
      return status;
  }
  cli_args_init(&st, argc, argv, "check");
  for (id = cli_next_opt(&st, check_opts); id != CLI_OPT_END;
       id = cli_next_opt(&st, check_opts)) {
    if (id == CLI_OPT_ERROR)
      return EXIT_USAGE;
    if (id == CLI_OPT_HELP) {
      check_help();
      return EXIT_OK;
    }
    if (id == CLI_OPT_VERSION) {
      cli_print_version(stdout);
      return EXIT_OK;
    }
    if (id == CLI_OPT_POSITIONAL) {
      r->inputs[r->ninputs++] = st.optarg;
      continue;
    }
    status = apply_option(r, id, st.optarg);
    if (status != 0)
      return status;
  }
  if (r->ninputs == 0)
    return cli_usage_error("check", "no input files (give a FILE, a DIR or -)");
  return -1;
}

/* {==== settings: flags > RBC_* > config file > defaults (cli.md 12) ==== */

/* The directory of an input path ("." for "-" or a bare name), malloc'd. */
static char *
dir_of_input(const char *in)
{
  const char *slash = strrchr(in, '/');

  if (strcmp(in, "-") == 0 || slash == NULL)
    return strdup(".");
  return slash == in ? strdup("/") : strndup(in, (size_t)(slash - in));
}

/*
** The config file at path, loaded on first use and kept for the run; NULL
** with *status = EXIT_CONFIG (78) when it is invalid (reported here).
*/
static const struct cfg_file *
config_at(struct check_run *r, const char *path, int *status)
{
  struct cfg_file *cfg, **grown;
  char err[512];

  for (size_t i = 0; i < r->ncfgs; i++)
    if (strcmp(r->cfgs[i]->path, path) == 0)
      return r->cfgs[i];
  cfg = malloc(sizeof *cfg);
  grown = cfg != NULL ? realloc(r->cfgs, (r->ncfgs + 1) * sizeof *grown) : NULL;
  if (grown == NULL) {
    free(cfg);
    *status = EXIT_SOFTWARE;
    return NULL;
  }
  r->cfgs = grown;
  cfg_init(cfg);
  if (cfg_load(path, cfg, err, sizeof err) != 0) {
    fprintf(stderr, "rbc: error[RB9002]: %s\n", err);
    cfg_free(cfg);
    free(cfg);
    *status = EXIT_CONFIG;
    return NULL;
  }
  r->cfgs[r->ncfgs++] = cfg;
  if (cli_globals.verbosity > 0)
    fprintf(stderr, "rbc: using config file '%s'\n", path);
  return cfg;
}

/*
** The config file that applies to an input: --config or RBC_CONFIG, else
** the first `.rbc.conf` / `rbc.conf` from its directory up to the
** repository root, else the user's; NULL when there is none (or
** --no-config).  *status becomes non-zero for an invalid file.
*/
static const struct cfg_file *
config_for(struct check_run *r, const char *input, int *status)
{
  const char *env = getenv("RBC_CONFIG");
  const struct cfg_file *cfg;
  char *dir, *path;

  if (r->no_config)
    return NULL;
  if (r->config != NULL)
    return config_at(r, r->config, status);
  if (env != NULL && env[0] != '\0')
    return config_at(r, env, status);
  dir = dir_of_input(input);
  path = dir != NULL ? cfg_find(dir) : NULL;
  free(dir);
  if (path == NULL)
    return NULL;
  cfg = config_at(r, path, status);
  free(path);
  return cfg;
}

/* RBC_TODAY=YYYY-MM-DD: the date freshness is measured against. */
static int
today_env(struct check_run *r)
{
  const char *t = getenv("RBC_TODAY");

  if (t == NULL || t[0] == '\0')
    return 0;
  if (strlen(t) != 10 || strspn(t, "0123456789") != 4 || t[4] != '-' || t[7] != '-'
      || strspn(t + 5, "0123456789") != 2 || strspn(t + 8, "0123456789") != 2)
    return cli_usage_error("check", "RBC_TODAY='%s' is not a date YYYY-MM-DD", t);
  r->today = t;
  return 0;
}

/*
** The settings for a file whose config is cfg (may be NULL): the profile
** decides which rules are on, then the config file's enable/disable lists,
** then the command line's, in order; scalars from the command line win
** over the file's.
*/
static void
resolve_for(struct check_run *r, const struct cfg_file *cfg)
{
  struct cfg_file empty;
  const struct cfg_check *ck;
  int profile;
  char why[128];

  if (cfg == NULL) {
    cfg_init(&empty);
    cfg = &empty;
  }
  ck = &cfg->check;
  profile = r->profile >= 0 ? r->profile : ck->profile >= 0 ? ck->profile : CFG_PROFILE_DEFAULT;
  for (int k = 0; k < DIAG__COUNT; k++) {
    r->disabled[k] = (int)cfg_code_profile((enum diag_code)k) > profile;
    r->eff_severity_of[k] = r->severity_of[k] >= 0 ? r->severity_of[k] : ck->severity_of[k];
  }
  for (size_t i = 0; i < ck->nops; i++)
    cfg_select(r->disabled, ck->ops[i].list, ck->ops[i].disable, why, sizeof why);
  for (size_t i = 0; i < r->nops; i++)
    cfg_select(r->disabled, r->ops[i].list, r->ops[i].disable, why, sizeof why);
  r->ropts.min_severity = (enum diag_severity)(r->min_severity >= 0 ? r->min_severity
                                               : ck->min_severity >= 0 ? ck->min_severity
                                               : DIAG_STYLE);
  r->eff_fail_on = r->fail_on >= 0 ? r->fail_on : ck->fail_on >= 0 ? ck->fail_on : DIAG_WARNING;
  r->strict = profile >= CFG_PROFILE_STRICT;
}

/* }==== */

/* {==== inputs ==== */

/* Append a path to the list of files to check; -1 when out of memory. */
static int
add_file(struct check_run *r, const char *path)
{
  if (r->nfiles == r->cap_files) {
    size_t cap = r->cap_files ? r->cap_files * 2 : 32;
    const char **f = realloc(r->files, cap * sizeof *f);
    if (f == NULL)
      return -1;
    r->files = f;
    r->cap_files = cap;
  }
  r->files[r->nfiles++] = path;
  return 0;
}

static int
cmp_str(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool
is_rb(const char *name)
{
  size_t n = strlen(name);
  return n > 3 && strcmp(name + n - 3, ".rb") == 0;
}

static int walk_dir(struct check_run *r, const char *dir, int depth);

/* dir/name: recurse into directories, keep *.rb files; hidden names skipped. */
static int
walk_entry(struct check_run *r, const char *dir, const char *name, int depth)
{
  size_t len = strlen(dir) + strlen(name) + 2;
  char *path = arena_alloc(r->a, len);
  struct stat sb;

  if (path == NULL)
    return -1;
  snprintf(path, len, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", name);
  if (stat(path, &sb) != 0)
    return 0;
  if (S_ISDIR(sb.st_mode))
    return walk_dir(r, path, depth + 1);
  if (S_ISREG(sb.st_mode) && is_rb(name) && r->tool_status != EXIT_CONFIG) {
    int status = 0;
    const struct cfg_file *cfg = config_for(r, path, &status);
    if (status != 0) {
      r->tool_status = status;
      return 0;
    }
    if (cfg == NULL || !cfg_excluded(cfg, path))
      return add_file(r, path);
  }
  return 0;
}

/* Every *.rb under dir, in sorted order (byte order of names). */
static int
walk_dir(struct check_run *r, const char *dir, int depth)
{
  DIR *d;
  struct dirent *e;
  char **names = NULL;
  size_t n = 0, cap = 0;
  int status = 0;

  d = depth > MAX_DIR_DEPTH ? NULL : opendir(dir);
  if (d == NULL)
    return 0;
  for (e = readdir(d); status == 0 && e != NULL; e = readdir(d)) {
    if (e->d_name[0] == '.')
      continue;
    if (n == cap) {
      char **grown;
      cap = cap ? cap * 2 : 32;
      grown = realloc(names, cap * sizeof *names);
      if (grown == NULL) {
        status = -1;
        break;
      }
      names = grown;
    }
    names[n] = arena_strdup(r->a, e->d_name);
    if (names[n++] == NULL)
      status = -1;
  }
  closedir(d);
  if (status == 0 && n > 0)
    qsort(names, n, sizeof *names, cmp_str);   /* names may be NULL when n is 0 */
  for (size_t i = 0; status == 0 && i < n; i++)
    status = walk_entry(r, dir, names[i], depth);
  free(names);
  return status;
}

/*
** Expand the inputs: a directory contributes its *.rb files; other paths
** (also missing ones, so they are reported as unreadable) are kept as is.
** Returns 0, EXIT_NOINPUT for a directory without runbooks, or
** EXIT_SOFTWARE when out of memory.
*/
static int
expand_inputs(struct check_run *r)
{
  for (size_t i = 0; i < r->ninputs; i++) {
    struct stat sb;
    size_t before = r->nfiles;
    if (strcmp(r->inputs[i], "-") == 0 || stat(r->inputs[i], &sb) != 0
        || !S_ISDIR(sb.st_mode)) {
      if (add_file(r, r->inputs[i]) != 0)
        return EXIT_SOFTWARE;
      continue;
    }
    if (walk_dir(r, r->inputs[i], 0) != 0)
      return EXIT_SOFTWARE;
    if (r->nfiles == before) {
      fprintf(stderr, "rbc: no runbook (*.rb) found in '%s'\n", r->inputs[i]);
      r->tool_status = EXIT_NOINPUT;
    }
  }
  return 0;
}

/* {==== output files (written to a temporary, then renamed) ==== */

struct out_file {
  FILE *fp;
  char *tmp;                    /* temporary path, malloc'd */
  const char *path;             /* final path */
};

/*
** Open a temporary next to path for writing; out_commit renames it into
** place, so a reader never sees a half-written report.  EXIT_CANTCREAT
** (73) when the directory is not writable.
*/
static int
out_open(struct out_file *f, const char *path)
{
  size_t len = strlen(path) + 16;
  int fd;

  f->path = path;
  f->tmp = malloc(len);
  if (f->tmp == NULL)
    return EXIT_SOFTWARE;
  snprintf(f->tmp, len, "%s.tmp.XXXXXX", path);
  fd = mkstemp(f->tmp);
  f->fp = fd >= 0 ? fdopen(fd, "w") : NULL;
  if (f->fp == NULL) {
    fprintf(stderr, "rbc: cannot create '%s': %s\n", path, strerror(errno));
    if (fd >= 0) {
      close(fd);
      unlink(f->tmp);
    }
    free(f->tmp);
    f->tmp = NULL;
    return EXIT_CANTCREAT;
  }
  return 0;
}

/* Close and rename into place; returns 0 or EXIT_CANTCREAT. */
static int
out_commit(struct out_file *f)
{
  int failed = ferror(f->fp) | (fclose(f->fp) != 0);

  if (!failed && rename(f->tmp, f->path) != 0)
    failed = 1;
  if (failed) {
    fprintf(stderr, "rbc: cannot write '%s': %s\n", f->path, strerror(errno));
    unlink(f->tmp);
  }
  free(f->tmp);
  return failed ? EXIT_CANTCREAT : 0;
}

/* Give up an out_open'ed file: close it and remove the temporary. */
static void
out_discard(struct out_file *f)
{
  fclose(f->fp);
  unlink(f->tmp);
  free(f->tmp);
  f->tmp = NULL;
}

/* {==== checking ==== */

/* {==== --fix ==== */

/* The fixes to apply: this file's, wanted, safe (or any with --unsafe-fixes). */
static bool
fixable(const struct check_run *r, const struct diag *d, const struct source *src)
{
  return d->fix.text != NULL && d->src == src && render_wanted(d, &r->ropts)
      && (d->fix.safe || r->unsafe_fixes) && d->fix.span.start <= d->fix.span.end
      && d->fix.span.end <= src->len;
}

static int
cmp_fix(const void *a, const void *b)
{
  const struct diag *x = *(const struct diag *const *)a, *y = *(const struct diag *const *)b;

  if (x->fix.span.start != y->fix.span.start)
    return x->fix.span.start < y->fix.span.start ? -1 : 1;
  return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Write src with the fixes fx[0..n) (sorted, overlaps skipped) to f. */
static size_t
write_fixed(FILE *f, const struct source *src, const struct diag **fx, size_t n)
{
  uint32_t at = 0;
  size_t applied = 0;

  for (size_t i = 0; i < n; i++) {
    if (fx[i]->fix.span.start < at)
      continue;                 /* overlaps an earlier fix: next run */
    fwrite(src->text + at, 1, fx[i]->fix.span.start - at, f);
    fputs(fx[i]->fix.text, f);
    at = fx[i]->fix.span.end;
    applied++;
  }
  fwrite(src->text + at, 1, src->len - at, f);
  return applied;
}

/*
** Apply the fixes of one file in place (temporary file, then rename,
** keeping the file's mode).  Returns how many were applied; sets the tool
** status to 73 when the file cannot be rewritten.
*/
static size_t
apply_fixes(struct check_run *r, const char *path, const struct source *src,
            const struct diag_list *diags)
{
  const struct diag **fx = calloc(diags->len + 1, sizeof *fx);
  struct out_file f;
  struct stat sb;
  size_t n = 0, applied = 0;

  if (fx == NULL)
    return 0;
  for (size_t i = 0; i < diags->len; i++)
    if (fixable(r, &diags->items[i], src))
      fx[n++] = &diags->items[i];
  if (n > 0 && out_open(&f, path) != 0) {
    r->tool_status = EXIT_CANTCREAT;
    n = 0;
  }
  if (n > 0) {
    qsort(fx, n, sizeof *fx, cmp_fix);
    applied = write_fixed(f.fp, src, fx, n);
    if (stat(path, &sb) == 0)
      fchmod(fileno(f.fp), sb.st_mode & 07777);
    if (out_commit(&f) != 0) {
      r->tool_status = EXIT_CANTCREAT;
      applied = 0;
    }
  }
  free(fx);
  return applied;
}

/*
** --diff: the fixes --fix would apply to this file, as a unified diff on
** the primary output; the file is not touched.
*/
static void
diff_fixes(struct check_run *r, const struct source *src, const struct diag_list *diags)
{
  const struct diag **fx = calloc(diags->len + 1, sizeof *fx);
  size_t n = 0;
  long shown;

  if (fx == NULL) {
    r->tool_status = EXIT_SOFTWARE;
    return;
  }
  for (size_t i = 0; i < diags->len; i++)
    if (fixable(r, &diags->items[i], src))
      fx[n++] = &diags->items[i];
  qsort(fx, n, sizeof *fx, cmp_fix);
  shown = fix_diff(r->out, src, fx, n);
  if (shown < 0)
    r->tool_status = EXIT_SOFTWARE;
  else
    r->diffs += (size_t)shown;
  free(fx);
}

/* {==== checking ==== */

/* Load and check one file into a fresh arena and list; 0 or a tool status. */
static int
load_one(struct check_run *r, const char *path, const struct check_options *copts,
         struct arena **a, struct source **src, struct diag_list *diags)
{
  struct parse_result pr;
  int status;

  diag_init(diags);
  *src = NULL;
  *a = arena_new();
  if (*a == NULL)
    return EXIT_SOFTWARE;
  status = cli_load(path, strcmp(path, "-") == 0 ? r->stdin_name : NULL, copts, *a, src,
                    &pr, diags);
  if (status == EXIT_SOFTWARE || diag_oom(diags)) {
    fprintf(stderr, "rbc: internal error: out of memory while checking '%s'\n", path);
    return EXIT_SOFTWARE;
  }
  override_severities(r, diags);
  return status;
}

static void
unload(struct arena *a, struct source *src, struct diag_list *diags)
{
  diag_free(diags);
  src_free(src);
  arena_free(a);
}

/* Rendered findings at or above this file's fail-on level (suppressed ones never fail). */
static void
count_failing(struct check_run *r, const struct diag_list *diags)
{
  for (size_t i = 0; i < diags->len; i++) {
    const struct diag *d = &diags->items[i];
    if (render_wanted(d, &r->ropts) && !d->suppressed && (int)d->severity >= r->eff_fail_on)
      r->failing++;
  }
}

/*
** Check one file with the settings of its config file and render its
** diagnostics.  With --fix, the fixes are applied first and the file is
** checked again, so what is rendered is what remains.
*/
static void
check_one(struct check_run *r, const char *path, const struct check_options *base)
{
  struct arena *a;
  struct source *src;
  struct diag_list diags;
  struct check_options opts = *base, *copts = &opts;
  int status = 0;
  const struct cfg_file *cfg = config_for(r, path, &status);
  size_t fixed;

  if (status != 0) {
    r->tool_status = status;
    return;
  }
  resolve_for(r, cfg);
  opts.strict = r->strict;
  opts.format_check = !r->disabled[DIAG_RB4004];
  status = load_one(r, path, copts, &a, &src, &diags);

  if (status == 0 && r->fix && !r->diff && strcmp(path, "-") != 0) {
    fixed = apply_fixes(r, path, src, &diags);
    if (fixed > 0) {
      if (cli_globals.verbosity >= 0)
        fprintf(stderr, "rbc: %s: fixed %zu problem%s\n", path, fixed, fixed == 1 ? "" : "s");
      unload(a, src, &diags);
      status = load_one(r, path, copts, &a, &src, &diags);
    }
  }
  if (status != 0 && (r->tool_status == 0 || status == EXIT_SOFTWARE))
    r->tool_status = status;
  diag_sort(&diags);
  if (r->diff) {
    if (status == 0)
      diff_fixes(r, src, &diags);
    unload(a, src, &diags);
    return;
  }
  render_count(&diags, &r->ropts, &r->counts);
  count_failing(r, &diags);
  if (r->format == FMT_TTY)
    render_tty(r->out, &diags, &r->ropts);
  else if (r->format == FMT_GCC)
    render_gcc(r->out, &diags, &r->ropts);
  else if (r->format == FMT_GITHUB)
    render_github(r->out, &diags, &r->ropts);
  if (r->jdiags != NULL && render_json_append(r->jdiags, &diags, &r->ropts) != 0)
    r->tool_status = EXIT_SOFTWARE;
  if (r->want_sarif && render_sarif_append(&r->sarif, &diags, &r->ropts) != 0)
    r->tool_status = EXIT_SOFTWARE;
  unload(a, src, &diags);
}

/* Write the json document (or the SARIF log) to fp. */
static int
write_json(struct check_run *r, FILE *fp, bool sarif)
{
  json_t *doc = sarif ? render_sarif_doc(&r->sarif, r->tool_status == 0)
                      : render_json_doc(json_incref(r->jdiags), &r->counts);

  if (doc == NULL || json_dumpf(doc, fp, JSON_INDENT(2)) != 0) {
    json_decref(doc);
    return EXIT_SOFTWARE;
  }
  fputc('\n', fp);
  json_decref(doc);
  return 0;
}

/* --json-file / --sarif-file: the document written atomically to path. */
static int
json_sink(struct check_run *r, const char *path, bool sarif)
{
  struct out_file f;
  int status = out_open(&f, path);

  if (status != 0)
    return status;
  if (write_json(r, f.fp, sarif) != 0) {
    fclose(f.fp);
    unlink(f.tmp);
    free(f.tmp);
    return EXIT_SOFTWARE;
  }
  return out_commit(&f);
}

/* The exit status once everything has been rendered. */
/*
** Tool errors (66, 70) win; otherwise 1 when a rendered finding is at or
** above --fail-on, unless --exit-zero.
*/
static int
final_status(const struct check_run *r)
{
  if (r->tool_status != 0)
    return r->tool_status;
  if (r->diff)
    return r->diffs > 0 && !r->exit_zero ? EXIT_FINDINGS : EXIT_OK;
  return r->failing > 0 && !r->exit_zero ? EXIT_FINDINGS : EXIT_OK;
}

/* Check every file, then the summary / json document and the sinks. */
static int
run_checks(struct check_run *r)
{
  struct check_options copts;
  struct out_file of = { NULL, NULL, NULL };
  int status;

  memset(&copts, 0, sizeof copts);
  status = today_env(r);
  if (status != 0)
    return status;
  copts.params = r->params;
  copts.nparams = r->nparams;
  copts.params_given = r->params_given;
  copts.today = r->today;
  status = expand_inputs(r);
  if (status == 0 && r->tool_status == EXIT_CONFIG)
    status = EXIT_CONFIG;
  if (status == 0 && r->output != NULL)
    status = out_open(&of, r->output);
  if (status != 0)
    return status;
  r->out = r->output != NULL ? of.fp : stdout;
  r->ropts.color = r->format == FMT_TTY && cli_use_color(r->out);
  if (r->format == FMT_JSON || r->json_file != NULL)
    r->jdiags = json_array();
  r->want_sarif = r->format == FMT_SARIF || r->sarif_file != NULL;
  if (r->want_sarif && render_sarif_init(&r->sarif) != 0) {
    if (r->output != NULL)
      out_discard(&of);         /* no leak, no temporary left (clang-tidy) */
    return EXIT_SOFTWARE;
  }
  r->sarif.page = explain_page;
  r->counts.files = r->nfiles;
  for (size_t i = 0; i < r->nfiles; i++)
    check_one(r, r->files[i], &copts);
  if (r->diff)
    ;                           /* the diff is all the output */
  else if (r->format == FMT_TTY)
    render_tty_summary(r->out, &r->counts, r->ropts.color);
  else if ((r->format == FMT_JSON || r->format == FMT_SARIF)
           && write_json(r, r->out, r->format == FMT_SARIF) != 0)
    r->tool_status = EXIT_SOFTWARE;
  if (r->output != NULL)
    status = out_commit(&of);
  fflush(stdout);
  if (status == 0 && r->json_file != NULL)
    status = json_sink(r, r->json_file, false);
  if (status == 0 && r->sarif_file != NULL)
    status = json_sink(r, r->sarif_file, true);
  return status != 0 ? status : final_status(r);
}

/*
** rbc check: see the file comment.  argv[0] is "check".
*/
int
cmd_check(int argc, char **argv)
{
  struct check_run r;
  int status;

  memset(&r, 0, sizeof r);
  r.fail_on = r.min_severity = r.profile = -1;
  r.ropts.min_severity = DIAG_STYLE;
  r.ropts.disabled = r.disabled;
  for (int k = 0; k < DIAG__COUNT; k++)
    r.severity_of[k] = -1;
  r.a = arena_new();
  if (r.a == NULL)
    return EXIT_SOFTWARE;
  status = parse_args(&r, argc, argv);
  if (status < 0)
    status = run_checks(&r);
  json_decref(r.jdiags);
  render_sarif_free(&r.sarif);
  for (size_t i = 0; i < r.ncfgs; i++) {
    cfg_free(r.cfgs[i]);
    free(r.cfgs[i]);
  }
  free(r.cfgs);
  free(r.ops);
  free(r.inputs);
  free(r.files);
  arena_free(r.a);
  return status;
}
