/*
** cli.h: helpers shared by the subcommands of the rbc binary (the files in cli/):
** option parsing with the global options folded in, usage errors with a
** "did you mean", the color decision of cli.md 12, the load + parse +
** check pipeline, the stop signals of the running commands and atomic
** file writes.
**
** These are CLI helpers: unlike library code, they may print (usage errors
** go to stderr).  Each command owns what it allocates through them.
*/
#ifndef RBC_CLI_H
#define RBC_CLI_H

#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "lexer/diag.h"
#include "lexer/source.h"
#include "parser/check.h"
#include "parser/parse.h"

struct arena;

/* {==== global options (cli.md 1) ==== */

enum cli_color {
  CLI_COLOR_AUTO,               /* decide per stream (cli.md 12) */
  CLI_COLOR_ALWAYS,
  CLI_COLOR_NEVER
};

/* Global options, set by main.c and by cli_next_opt when seen after a command. */
struct cli_globals {
  enum cli_color color;         /* --color / RBC_COLOR */
  int verbosity;                /* -v adds one, -q subtracts one; 0 default */
};

extern struct cli_globals cli_globals;

/* "rbc X.Y.Z" line and the bytecode format line, as --version prints them. */
void cli_print_version(FILE *out);

/* {==== option parsing ==== */

enum cli_arg_kind {
  CLI_ARG_NONE,                 /* a flag */
  CLI_ARG_REQUIRED,             /* --name VALUE, --name=VALUE, -x VALUE, -xVALUE */
  CLI_ARG_OPTIONAL              /* only --name=VALUE; bare --name gives optarg NULL */
};

/* One option a command accepts; a table ends with an entry whose id is 0. */
struct cli_option {
  const char *name;             /* long name without "--", or NULL */
  char short_name;              /* single letter, or 0 */
  enum cli_arg_kind arg;
  int id;                       /* > 0, returned by cli_next_opt */
};

/* Special results of cli_next_opt (all <= 0). */
#define CLI_OPT_END 0           /* no more arguments */
#define CLI_OPT_ERROR (-1)      /* usage error already printed: exit 64 */
#define CLI_OPT_POSITIONAL (-2) /* a non-option argument, in st->optarg */
#define CLI_OPT_HELP (-3)       /* -h / --help: print the command's help, exit 0 */
#define CLI_OPT_VERSION (-4)    /* -V / --version */

/* Iteration state over a command's arguments. */
struct cli_args {
  int argc;
  char **argv;                  /* argv[0] is the command name */
  const char *cmd;              /* command name, for messages ("check") */
  int i;                        /* next argv index */
  int short_pos;                /* position inside a cluster of short flags, 0 = none */
  bool only_positional;         /* after "--" */
  const char *optarg;           /* the option's value or the positional argument */
  char optname[64];             /* the option as written ("--format", "-f"), for messages */
};

/* Start iterating argv[1..argc) of command `cmd`. */
void cli_args_init(struct cli_args *st, int argc, char **argv, const char *cmd);

/*
** Next option or argument.  Returns the matching option's id, or one of the
** CLI_OPT_* values.  Global options (--color[=WHEN], -q, -v, -C DIR) are
** handled here and skipped, so every command accepts them after its name.
** Unknown options and missing values print a usage error (with "did you
** mean") and return CLI_OPT_ERROR.
*/
int cli_next_opt(struct cli_args *st, const struct cli_option *opts);

/*
** Print "rbc: MESSAGE" and "Try 'rbc CMD --help' for more information." to
** stderr (just 'rbc --help' when cmd is NULL).  Returns EXIT_USAGE (64).
*/
int cli_usage_error(const char *cmd, const char *fmt, ...)
  __attribute__((format(printf, 2, 3)));

/*
** Append "; did you mean 'X'?" for the best candidate of `word` among the
** NULL-terminated `cands` (prefix is put before each, e.g. "--") into buf.
** buf is left as an empty string when no candidate is close.
*/
void cli_did_you_mean(char *buf, size_t size, const char *word,
                      const char *const *cands, const char *prefix);

/* Parse a --color value ("auto", "always", "never"); -1 when invalid. */
int cli_color_parse(const char *s);

/*
** A duration option of `cmd` ("30s", "5m", "1m30s"): *ms, then 0; a usage
** error (64) for anything else, or when it is not positive.
*/
int cli_duration_opt(const char *cmd, const char *opt, const char *value, int64_t *ms);

/* A count option of `cmd` (0 .. 1000000): *n, then 0; else a usage error (64). */
int cli_count_opt(const char *cmd, const char *opt, const char *value, uint32_t *n);

/* {==== output decisions (cli.md 12) ==== */

/*
** Whether to write ANSI colors to `stream`: --color/RBC_COLOR, then
** NO_COLOR, CLICOLOR_FORCE, TERM, and isatty, in that order.
*/
bool cli_use_color(FILE *stream);

/* Whether Unicode symbols may be used: a UTF-8 locale and TERM not dumb. */
bool cli_use_unicode(void);

/* {==== the front half of the pipeline ==== */

/*
** Read `path` ("-" reads stdin), parse it and check it, appending every
** finding to diags.  display_name, when non-NULL, is the name reported for
** the file (--stdin-filename).  opts may be NULL for the defaults.  Nodes
** go to arena a; *src_out receives the source (caller frees it with
** src_free, also on failure, where it is an empty source named after the
** path so RB9003 can be rendered).  pr receives the parse result.
** Returns 0 when the pipeline ran (diags may hold errors), EXIT_NOINPUT
** (66) when the file could not be read (RB9003 added), EXIT_SOFTWARE (70)
** when out of memory.
*/
int cli_load(const char *path, const char *display_name,
             const struct check_options *opts, struct arena *a,
             struct source **src_out, struct parse_result *pr,
             struct diag_list *diags);

/*
** The directories `import` searches after the importing file's own
** directory, NULL-terminated, in order: each entry of RBC_LIB_PATH
** (colon-separated, at most 30), then, when this process is the rbc of a
** build tree (RBC_BUILD_DIR/rbc, not yet installed), the source tree's
** stdlib/lib, then the installed stdlib directory RBC_STDLIB_DIR.  check,
** compile and run all use this list, so they resolve an import alike.
** Built on the first call; the strings live until the process exits.
** Never NULL (out of memory drops RBC_LIB_PATH).
*/
const char *const *cli_lib_dirs(void);

/*
** Whether this process is the rbc of the build tree it was compiled in
** (RBC_BUILD_DIR/rbc, not yet installed): it then reads data files
** (stdlib, diagnostic pages) from the source tree first.
*/
bool cli_running_uninstalled(void);

/* cli_load with the path as its own name and default check options. */
int cli_load_and_check(const char *path, struct arena *a, struct source **src_out,
                       struct parse_result *pr, struct diag_list *diags);

/*
** The executing commands' guard (docs/security.md, "Files writable by
** others"): a runbook or params file that a user other than its owner can
** change is refused before it is read.  Refused: world-writable; group-
** writable unless the group is the owner's private group (the owner's
** primary group, with no other member: OpenSSH's StrictModes rule, so
** umask 002 on a user-private-group system is fine).  Not refused: the
** owner being another user (CI runs root over a checkout owned by the
** runner's user), "-" (standard input).  The directory holding the file
** is held to the same rule, unless it is sticky (as /tmp, where only a
** file's owner may rename or delete it).  `what` names the file in the
** message ("runbook", "params file", "library").  0, or EXIT_DATAERR (65) with an
** RB9010 diagnostic added to diags; a path that cannot be stat'ed passes
** (the reader reports it, 66).
*/
int cli_refuse_writable(const char *path, const char *what, struct diag_list *diags);

/* {==== stop signals ==== */

/* The SIGINT or SIGTERM received since cli_catch_stop_signals, else 0. */
extern volatile sig_atomic_t cli_stop_signal;

/*
** Catch SIGINT and SIGTERM for a command that runs a runbook: the handler
** only sets sh_interrupt_requested and cli_stop_signal, which the VM, the
** clock and the shell runner poll (no SA_RESTART, so sleeps and polls
** wake).  0, or -1 when sigaction fails.
*/
int cli_catch_stop_signals(void);

/* {==== atomic file writes ==== */

/* The mode argument of cli_write_atomic: permission bits such as 0644, or: */
#define CLI_MODE_PRIVATE (-1)   /* 0600, as mkstemp creates the file */
#define CLI_MODE_KEEP (-2)      /* those of the file replaced, best effort (0600 if none) */
#define CLI_MODE_UMASK (-3)     /* 0666 less the umask, as fopen would create it */

/* Flags of cli_write_atomic. */
#define CLI_WRITE_SYNC 1u       /* fsync the data before the rename */

/*
** Replace path with data[0..len) atomically: write "PATH.tmp-XXXXXX" in
** the same directory, give it `mode`, fsync it with CLI_WRITE_SYNC, close
** it and rename it over path.  Returns 0, or an errno value (ENOMEM, EIO
** for a write that made no progress) with the temporary removed and path
** untouched.  Prints nothing.
*/
int cli_write_atomic(const char *path, const void *data, size_t len, int mode, unsigned flags);

#endif
