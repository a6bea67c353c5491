/*
** cli.c: helpers shared by the subcommands (cli.h): option parsing with
** the global options folded in, usage errors, the color decision, the
** load + parse + check pipeline, stop signals and atomic file writes.
*/
#define _XOPEN_SOURCE 700  /* POSIX 2008 (strdup, chdir, fileno) and realpath */

#include <errno.h>
#include <grp.h>
#include <langinfo.h>
#include <locale.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "lexer/suggest.h"
#include "parser/arena.h"
#include "stdlib/shell.h"
#include "vm/bytecode.h"
#include "vm/fdio.h"
#include "vm/value.h"

#ifndef RBC_VERSION
#ifdef PACKAGE_VERSION
#define RBC_VERSION PACKAGE_VERSION
#else
#define RBC_VERSION "0.1.0"
#endif
#endif

struct cli_globals cli_globals;

/*
** --version: "rbc X.Y.Z" on the first line, then the version of the .rbx
** format this binary reads and writes (vm/bytecode.h).
*/
void
cli_print_version(FILE *out)
{
  fprintf(out, "rbc %s\nbytecode format %d\n", RBC_VERSION, CHUNK_VERSION);
}

/* {==== usage errors ==== */

/*
** A usage error: "rbc: MESSAGE" and the pointer to the help, on stderr
** (cli.md 1).  Returns 64 so callers can `return cli_usage_error(...)`.
*/
int
cli_usage_error(const char *cmd, const char *fmt, ...)
{
  va_list ap;

  fputs("rbc: ", stderr);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  if (cmd != NULL)
    fprintf(stderr, "\nTry 'rbc %s --help' for more information.\n", cmd);
  else
    fputs("\nTry 'rbc --help' for more information.\n", stderr);
  return EXIT_USAGE;
}

/*
** Fill buf with "; did you mean 'PREFIXcand'?" for the best candidate, or
** with "" when none is close.
*/
void
cli_did_you_mean(char *buf, size_t size, const char *word,
                 const char *const *cands, const char *prefix)
{
  const char *best[1];
  size_t n = 0;

  while (cands[n] != NULL)
    n++;
  buf[0] = '\0';
  if (diag_suggest(word, cands, n, best, 1) == 1)
    snprintf(buf, size, "; did you mean '%s%s'?", prefix, best[0]);
}

/* auto | always | never, as --color and RBC_COLOR take them. */
int
cli_color_parse(const char *s)
{
  if (strcmp(s, "auto") == 0)
    return CLI_COLOR_AUTO;
  if (strcmp(s, "always") == 0)
    return CLI_COLOR_ALWAYS;
  if (strcmp(s, "never") == 0)
    return CLI_COLOR_NEVER;
  return -1;
}

/* {==== option parsing ==== */

/* Internal ids of the global options (negative, below the CLI_OPT_* range). */
enum {
  G_COLOR = -100, G_QUIET, G_VERBOSE, G_CHDIR, G_HELP, G_VERSION,
  G_CONTINUE                    /* a global option was handled: read on */
};

static const struct cli_option global_opts[] = {
  { "color",   0,   CLI_ARG_OPTIONAL, G_COLOR },
  { "quiet",   'q', CLI_ARG_NONE,     G_QUIET },
  { "verbose", 'v', CLI_ARG_NONE,     G_VERBOSE },
  { NULL,      'C', CLI_ARG_REQUIRED, G_CHDIR },
  { "help",    'h', CLI_ARG_NONE,     G_HELP },
  { "version", 'V', CLI_ARG_NONE,     G_VERSION },
  { NULL,      0,   CLI_ARG_NONE,     0 }
};

/* Prepare iteration over argv[1..argc) of command cmd (NULL for main). */
void
cli_args_init(struct cli_args *st, int argc, char **argv, const char *cmd)
{
  memset(st, 0, sizeof *st);
  st->argc = argc;
  st->argv = argv;
  st->cmd = cmd;
  st->i = 1;
}

static const struct cli_option *
find_long(const struct cli_option *opts, const char *name, size_t len)
{
  for (; opts->id != 0; opts++)
    if (opts->name != NULL && strlen(opts->name) == len && strncmp(opts->name, name, len) == 0)
      return opts;
  return NULL;
}

static const struct cli_option *
find_short(const struct cli_option *opts, char ch)
{
  for (; opts->id != 0; opts++)
    if (opts->short_name == ch)
      return opts;
  return NULL;
}

/* "unknown option" with a suggestion among the long names of both tables. */
static int
unknown_option(struct cli_args *st, const struct cli_option *opts, const char *word)
{
  const char *cands[64];
  size_t n = 0;
  char hint[128] = "";

  for (const struct cli_option *o = opts; o->id != 0 && n < 60; o++)
    if (o->name != NULL)
      cands[n++] = o->name;
  for (const struct cli_option *o = global_opts; o->id != 0 && n < 63; o++)
    if (o->name != NULL)
      cands[n++] = o->name;
  cands[n] = NULL;
  if (strncmp(word, "--", 2) == 0)
    cli_did_you_mean(hint, sizeof hint, word + 2, cands, "--");
  if (st->cmd != NULL)
    cli_usage_error(st->cmd, "unknown option '%s' for 'rbc %s'%s", word, st->cmd, hint);
  else
    cli_usage_error(NULL, "unknown option '%s'%s", word, hint);
  return CLI_OPT_ERROR;
}

/* Act on a global option; returns the id to hand back, or G_CONTINUE. */
static int
global_option(struct cli_args *st, int id)
{
  int color;

  switch (id) {
  case G_COLOR:
    color = st->optarg == NULL ? CLI_COLOR_ALWAYS : cli_color_parse(st->optarg);
    if (color < 0) {
      cli_usage_error(st->cmd, "invalid value '%s' for '--color' "
                      "(expected auto, always or never)", st->optarg);
      return CLI_OPT_ERROR;
    }
    cli_globals.color = (enum cli_color)color;
    return G_CONTINUE;
  case G_QUIET:   cli_globals.verbosity--; return G_CONTINUE;
  case G_VERBOSE: cli_globals.verbosity++; return G_CONTINUE;
  case G_CHDIR:
    if (chdir(st->optarg) != 0) {
      cli_usage_error(st->cmd, "cannot change to directory '%s': %s", st->optarg,
                      strerror(errno));
      return CLI_OPT_ERROR;
    }
    return G_CONTINUE;
  case G_HELP:    return CLI_OPT_HELP;
  default:        return CLI_OPT_VERSION;
  }
}

/* Take the option's value from `inline_value` or the next argument. */
static int
take_value(struct cli_args *st, const struct cli_option *o, const char *inline_value)
{
  if (o->arg == CLI_ARG_NONE) {
    if (inline_value != NULL) {
      cli_usage_error(st->cmd, "option '%s' takes no value", st->optname);
      return CLI_OPT_ERROR;
    }
    return o->id;
  }
  st->optarg = inline_value;
  if (st->optarg == NULL && o->arg == CLI_ARG_REQUIRED) {
    if (st->i >= st->argc) {
      cli_usage_error(st->cmd, "option '%s' needs a value", st->optname);
      return CLI_OPT_ERROR;
    }
    st->optarg = st->argv[st->i++];
  }
  return o->id;
}

/* Resolve option o (from the command's table or the globals). */
static int
deliver(struct cli_args *st, const struct cli_option *o, const char *inline_value)
{
  int r = take_value(st, o, inline_value);

  if (r == CLI_OPT_ERROR || o->id > 0)
    return r;
  return global_option(st, o->id);
}

/* --name, --name=value or --name value. */
static int
long_option(struct cli_args *st, const struct cli_option *opts, const char *arg)
{
  const char *name = arg + 2, *eq = strchr(name, '=');
  size_t len = eq != NULL ? (size_t)(eq - name) : strlen(name);
  const struct cli_option *o = find_long(opts, name, len);

  if (o == NULL)
    o = find_long(global_opts, name, len);
  snprintf(st->optname, sizeof st->optname, "--%.*s", (int)(len < 60 ? len : 60), name);
  if (o == NULL)
    return unknown_option(st, opts, st->optname);
  return deliver(st, o, eq != NULL ? eq + 1 : NULL);
}

/* The next flag of a cluster such as -qv or -fjson. */
static int
short_option(struct cli_args *st, const struct cli_option *opts)
{
  const char *arg = st->argv[st->i - 1];
  char ch = arg[st->short_pos++];
  const struct cli_option *o = find_short(opts, ch);
  const char *rest = arg + st->short_pos;

  if (o == NULL)
    o = find_short(global_opts, ch);
  snprintf(st->optname, sizeof st->optname, "-%c", ch);
  if (*rest == '\0')
    st->short_pos = 0;
  if (o == NULL)
    return unknown_option(st, opts, st->optname);
  if (o->arg != CLI_ARG_NONE && *rest != '\0') {
    st->short_pos = 0;
    return deliver(st, o, rest);
  }
  return deliver(st, o, NULL);
}

/*
** Next option or positional argument (see cli.h).  Global options are
** consumed here; the loop goes on past them.
*/
int
cli_next_opt(struct cli_args *st, const struct cli_option *opts)
{
  for (;;) {
    const char *arg;
    int r;
    st->optarg = NULL;
    if (st->short_pos > 0) {
      r = short_option(st, opts);
    } else {
      if (st->i >= st->argc)
        return CLI_OPT_END;
      arg = st->argv[st->i++];
      if (st->only_positional || arg[0] != '-' || arg[1] == '\0') {
        st->optarg = arg;
        return CLI_OPT_POSITIONAL;
      }
      if (strcmp(arg, "--") == 0) {
        st->only_positional = true;
        continue;
      }
      if (arg[1] == '-') {
        r = long_option(st, opts, arg);
      } else {
        st->short_pos = 1;
        r = short_option(st, opts);
      }
    }
    if (r != G_CONTINUE)
      return r;
  }
}

/* {==== color and symbols (cli.md 12) ==== */

/* The --color / RBC_COLOR setting, --color taking precedence. */
static enum cli_color
color_setting(void)
{
  const char *env = getenv("RBC_COLOR");
  int c;

  if (cli_globals.color != CLI_COLOR_AUTO || env == NULL)
    return cli_globals.color;
  c = cli_color_parse(env);
  return c < 0 ? CLI_COLOR_AUTO : (enum cli_color)c;
}

/*
** The color decision of cli.md 12, in order: --color (or RBC_COLOR),
** NO_COLOR, CLICOLOR_FORCE, TERM unset or dumb, then isatty(stream).
*/
bool
cli_use_color(FILE *stream)
{
  enum cli_color setting = color_setting();
  const char *no_color = getenv("NO_COLOR");
  const char *force = getenv("CLICOLOR_FORCE");
  const char *term = getenv("TERM");

  if (setting != CLI_COLOR_AUTO)
    return setting == CLI_COLOR_ALWAYS;
  if (no_color != NULL && no_color[0] != '\0')
    return false;
  if (force != NULL && force[0] != '\0' && strcmp(force, "0") != 0)
    return true;
  if (term == NULL || strcmp(term, "dumb") == 0)
    return false;
  return isatty(fileno(stream)) == 1;
}

/* Unicode symbols only with a UTF-8 codeset (LC_CTYPE) and TERM not dumb. */
bool
cli_use_unicode(void)
{
  const char *term = getenv("TERM");
  const char *cs;

  if (term != NULL && strcmp(term, "dumb") == 0)
    return false;
  cs = nl_langinfo(CODESET);
  return cs != NULL && strcmp(cs, "UTF-8") == 0;
}

/* {==== the pipeline ==== */

/*
** Is this process the rbc program of the build tree it was compiled in?
** Compares /proc/self/exe with RBC_BUILD_DIR/rbc (both resolved); false
** where /proc is missing, or when built without RBC_BUILD_DIR.
*/
bool
cli_running_uninstalled(void)
{
#ifdef RBC_BUILD_DIR
  char self[4096], built[4096];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);

  if (n <= 0)
    return false;
  self[n] = '\0';
  if (realpath(RBC_BUILD_DIR "/rbc", built) == NULL)
    return false;
  return strcmp(self, built) == 0;
#else
  return false;
#endif
}

/* The import directories (see cli.h), built once. */
const char *const *
cli_lib_dirs(void)
{
  static const char *dirs[33];
  static char *copy;
  static char srcdir[4096];     /* the source stdlib, resolved */
  static bool done;
  const char *env = getenv("RBC_LIB_PATH");
  size_t n = 0;

  if (done)
    return dirs;
  done = true;
  copy = env != NULL ? strdup(env) : NULL;
  if (copy != NULL) {
    for (char *p = copy; p != NULL && n < 30; ) {
      char *colon = strchr(p, ':');
      if (colon != NULL)
        *colon = '\0';
      if (*p != '\0')
        dirs[n++] = p;
      p = colon != NULL ? colon + 1 : NULL;
    }
  }
#ifdef RBC_SOURCE_STDLIB_DIR
  if (cli_running_uninstalled())
    dirs[n++] = realpath(RBC_SOURCE_STDLIB_DIR, srcdir) != NULL ? srcdir
                                                               : RBC_SOURCE_STDLIB_DIR;
#endif
#ifdef RBC_STDLIB_DIR
  dirs[n++] = RBC_STDLIB_DIR;
#endif
  dirs[n] = NULL;
  return dirs;
}

/* RB9003 for an unreadable input, over an empty source named after it. */
static int
unreadable(const char *path, const char *name, int err, struct source **src_out,
           struct diag_list *diags)
{
  struct source *src = src_new(name, "", 0);
  struct span none = { 0, 0 };

  *src_out = src;
  if (src == NULL || err == ENOMEM)
    return EXIT_SOFTWARE;     /* out of memory is no unreadable input (66) */
  diag_add(diags, DIAG_RB9003, src, none, "cannot read %s: %s",
           strcmp(path, "-") == 0 ? "standard input" : path,
           err == EISDIR ? "is a directory" : strerror(err));
  return EXIT_NOINPUT;
}

/*
** The front half of every command: read, parse, check.  The display name
** replaces the path in every message ("<stdin>" for "-" by default);
** import directories default to cli_lib_dirs().
*/
int
cli_load(const char *path, const char *display_name, const struct check_options *opts,
         struct arena *a, struct source **src_out, struct parse_result *pr,
         struct diag_list *diags)
{
  struct check_options defaults;
  const char *name = display_name != NULL ? display_name
                   : strcmp(path, "-") == 0 ? "<stdin>" : path;
  int err = 0;
  struct source *src = src_read_file(path, &err);

  memset(pr, 0, sizeof *pr);
  if (src == NULL)
    return unreadable(path, name, err, src_out, diags);
  *src_out = src;
  if (strcmp(src->name, name) != 0) {
    char *copy = strdup(name);
    if (copy == NULL)
      return EXIT_SOFTWARE;
    free(src->name);
    src->name = copy;
  }
  if (opts == NULL) {
    memset(&defaults, 0, sizeof defaults);
    opts = &defaults;
  }
  if (opts->lib_dirs == NULL) {
    defaults = *opts;
    defaults.lib_dirs = cli_lib_dirs();
    opts = &defaults;
  }
  if (parse_source(a, src, diags, pr) != 0 || pr->file == NULL)
    return EXIT_SOFTWARE;
  if (check_file(a, src, pr->file, pr->comments, pr->ncomments, opts, diags) != 0)
    return EXIT_SOFTWARE;
  return 0;
}

/* cli_load with the defaults (see cli.h). */
int
cli_load_and_check(const char *path, struct arena *a, struct source **src_out,
                   struct parse_result *pr, struct diag_list *diags)
{
  return cli_load(path, NULL, NULL, a, src_out, pr, diags);
}

/* A positive duration option (see cli.h). */
int
cli_duration_opt(const char *cmd, const char *opt, const char *value, int64_t *ms)
{
  struct val_err e;

  if (val_parse_duration(value, strlen(value), ms, &e) != VAL_OK || *ms <= 0)
    return cli_usage_error(cmd, "invalid value '%s' for '%s': expected a positive duration "
                           "such as 30s, 5m or 1m30s", value, opt);
  return 0;
}

/* A count option (see cli.h). */
int
cli_count_opt(const char *cmd, const char *opt, const char *value, uint32_t *n)
{
  char *end;
  unsigned long v;

  errno = 0;
  v = strtoul(value, &end, 10);
  if (!*value || *end || errno || v > 1000000 || value[0] == '-' || value[0] == '+')
    return cli_usage_error(cmd, "invalid value '%s' for '%s': expected a count from 0 to "
                           "1000000", value, opt);
  *n = (uint32_t)v;
  return 0;
}

/* {==== files writable by others ==== */

/* Is gid the private group of user uid: its primary group, no other member? */
static bool
private_group(uid_t uid, gid_t gid)
{
  const struct passwd *pw = getpwuid(uid);
  const struct group *gr;

  if (pw == NULL || pw->pw_gid != gid)
    return false;
  gr = getgrgid(gid);
  if (gr == NULL)
    return false;
  for (char *const *m = gr->gr_mem; *m != NULL; m++)
    if (strcmp(*m, pw->pw_name) != 0)
      return false;
  return true;
}

/* Who besides the owner (and the owner's private group) can write sb: "every
   user", "its group", or NULL. */
static const char *
other_writers(const struct stat *sb)
{
  if (sb->st_mode & S_IWOTH)
    return "every user";
  if ((sb->st_mode & S_IWGRP) && !private_group(sb->st_uid, sb->st_gid))
    return "its group";
  return NULL;
}

int
cli_refuse_writable(const char *path, const char *what, struct diag_list *diags)
{
  struct stat sb;
  const char *who, *slash;
  char dir[4096];

  if (path == NULL || strcmp(path, "-") == 0 || stat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
    return 0;
  who = other_writers(&sb);
  if (who != NULL) {
    diag_add(diags, DIAG_RB9010, NULL, (struct span){ 0, 0 },
             "%s %s is writable by %s (mode %04o): rbc runs only files that no one but "
             "their owner can change; fix with `chmod go-w %s`", what, path, who,
             (unsigned)(sb.st_mode & 07777), path);
    return EXIT_DATAERR;
  }
  /* whoever can write the directory can replace the file, unless the
     directory is sticky (as /tmp: only a file's owner may rename it) */
  slash = strrchr(path, '/');
  if (slash == NULL)
    snprintf(dir, sizeof dir, ".");
  else if (slash == path)
    snprintf(dir, sizeof dir, "/");
  else
    snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
  if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode) || (sb.st_mode & S_ISVTX))
    return 0;
  who = other_writers(&sb);
  if (who == NULL)
    return 0;
  diag_add(diags, DIAG_RB9010, NULL, (struct span){ 0, 0 },
           "%s %s is in directory %s, which is writable by %s (mode %04o): anyone who can "
           "write the directory can replace the file; fix with `chmod go-w %s`", what, path,
           dir, who, (unsigned)(sb.st_mode & 07777), dir);
  return EXIT_DATAERR;
}

/* }==== */

/* {==== stop signals ==== */

volatile sig_atomic_t cli_stop_signal;

/* Only sets flags: the VM, the clock and the shell runner poll them. */
static void
on_stop_signal(int sig)
{
  sh_interrupt_requested = 1;
  cli_stop_signal = sig;
}

int
cli_catch_stop_signals(void)
{
  struct sigaction sa;

  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  if (sigaction(SIGINT, &sa, NULL) != 0 || sigaction(SIGTERM, &sa, NULL) != 0)
    return -1;
  return 0;
}

/* }==== */

/* {==== atomic file writes ==== */

/* The permission bits cli_write_atomic's mode asks for; -1 keeps mkstemp's 0600. */
static int
wanted_mode(const char *path, int mode)
{
  struct stat sb;
  mode_t mask;

  switch (mode) {
  case CLI_MODE_PRIVATE:
    return -1;
  case CLI_MODE_KEEP:
    return stat(path, &sb) == 0 ? (int)(sb.st_mode & 07777) : -1;
  case CLI_MODE_UMASK:
    mask = umask(0);
    umask(mask);
    return (int)(0666 & ~mask);
  default:
    return mode;
  }
}

int
cli_write_atomic(const char *path, const void *data, size_t len, int mode, unsigned flags)
{
  size_t n = strlen(path) + 16;
  char *tmp = malloc(n);
  int fd, bits, err = 0;

  if (tmp == NULL)
    return ENOMEM;
  snprintf(tmp, n, "%s.tmp-XXXXXX", path);
  fd = mkstemp(tmp);
  if (fd < 0) {
    err = errno;
    free(tmp);
    return err;
  }
  bits = wanted_mode(path, mode);
  if (bits >= 0 && fchmod(fd, (mode_t)bits) != 0 && mode != CLI_MODE_KEEP)
    err = errno;
  if (err == 0)
    err = fd_write_all(fd, data, len);
  if (err == 0 && (flags & CLI_WRITE_SYNC) && fsync(fd) != 0)
    err = errno;
  if (close(fd) != 0 && err == 0)
    err = errno;
  if (err == 0 && rename(tmp, path) != 0)
    err = errno;
  if (err != 0)
    unlink(tmp);
  free(tmp);
  return err;
}

/* }==== */
