/*
** main.c: the rbc binary's entry point: global options (cli.md 1), the
** RBC_OPTS defaults, and the table of subcommands.
*/
#define _POSIX_C_SOURCE 200809L  /* strdup */

#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "lexer/suggest.h"
#include "parser/arena.h"

static int cmd_dump_ast(int argc, char **argv);

/* {==== the command table ==== */

struct command {
  const char *name;
  int (*run)(int argc, char **argv);
  const char *summary;          /* NULL: hidden from --help */
};

static const struct command commands[] = {
  { "check",    cmd_check,    "lint: syntax, names, types, safety, metadata" },
  { "compile",  cmd_compile,  "write bytecode" },
  { "completion", cmd_completion, "print a shell completion script (bash, zsh, fish)" },
  { "disasm",   cmd_disasm,   "bytecode listing" },
  { "doc",      cmd_doc,      "render the runbook as a Markdown document" },
  { "dump-ast", cmd_dump_ast, NULL },
  { "explain",  cmd_explain,  "long-form explanation of a diagnostic (Markdown)" },
  { "fmt",      cmd_fmt,      "canonical formatting (in place; --check, --diff)" },
  { "help",     NULL,         "same as `rbc COMMAND --help`" },
  { "plan",     cmd_plan,     "dry run: every action resolved and listed, nothing executed" },
  { "report",   cmd_report,   "timeline of a run from its journal (tty, md, json, junit)" },
  { "resume",   cmd_resume,   "continue a failed, halted or interrupted run from its journal" },
  { "rules",    cmd_rules,    "list every diagnostic: code, name, tags, severity" },
  { "run",      cmd_run,      "execute (runs `check` first; refuses on errors)" },
  { "test",     cmd_test,     "run the runbook against scenario files on the virtual clock" },
  { "watch",    cmd_watch,    "evaluate auto triggers and monitors (--once for CI, --run)" },
};

#define NCOMMANDS (sizeof commands / sizeof commands[0])

static const struct command *
find_command(const char *name)
{
  for (size_t i = 0; i < NCOMMANDS; i++)
    if (strcmp(commands[i].name, name) == 0)
      return &commands[i];
  return NULL;
}

static void
usage(FILE *out)
{
  fputs("Usage: rbc [GLOBAL OPTIONS] <command> [OPTIONS] [ARGS]\n\n"
        "Commands:\n", out);
  for (size_t i = 0; i < NCOMMANDS; i++)
    if (commands[i].summary != NULL)
      fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
  fputs("\nGlobal options (before or after the command):\n"
        "  -h, --help              show help and exit\n"
        "  -V, --version           show the version and exit\n"
        "      --color[=WHEN]      auto (default), always or never; bare --color = always\n"
        "  -C DIR                  run as if started in DIR\n"
        "  -q, --quiet             less on stderr\n"
        "  -v, --verbose           more on stderr (repeatable)\n"
        "      --                  end of options\n\n"
        "Environment: RBC_OPTS (default flags), RBC_COLOR, RBC_FORMAT, NO_COLOR,\n"
        "CLICOLOR_FORCE, RBC_LIB_PATH (import directories), RBC_CONFIG (check's\n"
        "config file), RBC_TODAY (the date check's freshness rule uses).\n\n"
        "Exit status: 0 success, 1 findings or failure, 2 halted at a gate,\n"
        "64 usage, 65 rejected input, 66 no input, 70 internal error,\n"
        "73 cannot create output.  `rbc COMMAND --help` for more.\n", out);
}

/* RB: unknown command, with a suggestion among the visible commands. */
static int
unknown_command(const char *name)
{
  const char *cands[NCOMMANDS + 1];
  size_t n = 0;
  char hint[128];

  for (size_t i = 0; i < NCOMMANDS; i++)
    if (commands[i].summary != NULL)
      cands[n++] = commands[i].name;
  cands[n] = NULL;
  cli_did_you_mean(hint, sizeof hint, name, cands, "");
  return cli_usage_error(NULL, "unknown command '%s'%s", name, hint);
}

/* {==== RBC_OPTS ==== */

/*
** Build the command's argv: the command name, the words of RBC_OPTS
** (split on spaces), then the rest of the command line.  The words live in
** *buf, which the caller frees.  NULL when out of memory.
*/
static char **
with_default_opts(const char *cmd, int argc, char **argv, int *argc_out, char **buf)
{
  const char *env = getenv("RBC_OPTS");
  size_t nwords = 0;
  char **v;
  int k = 0;

  *buf = env != NULL ? strdup(env) : NULL;
  if (env != NULL && *buf == NULL)
    return NULL;
  for (const char *p = env; p != NULL && *p != '\0'; p++)
    nwords += *p != ' ' && (p == env || p[-1] == ' ');
  v = calloc(nwords + (size_t)argc + 2, sizeof *v);
  if (v == NULL)
    return NULL;
  v[k++] = (char *)cmd;
  for (char *p = *buf; p != NULL && *p != '\0'; ) {
    while (*p == ' ')
      *p++ = '\0';
    if (*p == '\0')
      break;
    v[k++] = p;
    while (*p != '\0' && *p != ' ')
      p++;
  }
  for (int i = 0; i < argc; i++)
    v[k++] = argv[i];
  *argc_out = k;
  return v;
}

static int
run_command(const struct command *c, int argc, char **argv)
{
  char *buf = NULL;
  int n, status;
  char **v = with_default_opts(c->name, argc, argv, &n, &buf);

  if (v == NULL) {
    free(buf);
    fputs("rbc: out of memory\n", stderr);
    return EXIT_SOFTWARE;
  }
  errno = 0;
  status = c->run(n, v);
  /* every exit 70 says so, also from the paths that only return the status
     (tests/failalloc.sh: a failed allocation anywhere ends here) */
  if (status == EXIT_SOFTWARE)
    fprintf(stderr, "rbc: %s: internal error%s (exit 70)\n", c->name,
            errno == ENOMEM ? ": out of memory" : "");
  free(v);
  free(buf);
  return status;
}

/* rbc help [COMMAND]: the command's --help, or the overview. */
static int
help(int argc, char **argv)
{
  const struct command *c;
  char *args[] = { NULL, (char *)"--help", NULL };

  if (argc == 0) {
    usage(stdout);
    return EXIT_OK;
  }
  c = find_command(argv[0]);
  if (c == NULL || c->run == NULL)
    return c == NULL ? unknown_command(argv[0]) : help(0, argv);
  args[0] = (char *)c->name;
  return c->run(2, args);
}

/* {==== dump-ast (hidden, for tests) ==== */

/*
** rbc dump-ast [--no-spans] FILE: the parse tree on stdout, syntax errors
** on stderr.  --no-spans leaves out the @line:col positions.
*/
static int
cmd_dump_ast(int argc, char **argv)
{
  struct arena *a;
  struct source *src = NULL;
  struct diag_list diags;
  struct parse_result pr;
  int status;

  bool spans = true;

  if (argc == 3 && strcmp(argv[1], "--no-spans") == 0) {
    spans = false;              /* positions omitted: compare trees across layouts */
    argv++;
    argc--;
  }
  if (argc != 2)
    return cli_usage_error(NULL, "usage: rbc dump-ast [--no-spans] FILE");
  a = arena_new();
  if (a == NULL)
    return EXIT_SOFTWARE;
  diag_init(&diags);
  status = cli_load(argv[1], NULL, NULL, a, &src, &pr, &diags);
  if (status == 0)
    ast_dump(stdout, pr.file, spans ? src : NULL);
  for (size_t i = 0; i < diags.len; i++) {
    const struct diag *d = &diags.items[i];
    if (d->code >= DIAG_RB2001 && d->code != DIAG_RB9003)
      continue;
    fprintf(stderr, "%s: %s [%s]\n", src != NULL ? src->name : argv[1], d->message,
            diag_info(d->code)->code);
    if (status == 0)
      status = EXIT_FINDINGS;
  }
  diag_free(&diags);
  src_free(src);
  arena_free(a);
  return status;
}

/* {==== main ==== */

int
main(int argc, char **argv)
{
  static const struct cli_option none[] = { { NULL, 0, CLI_ARG_NONE, 0 } };
  struct cli_args st;
  const struct command *c;
  int r;

  setlocale(LC_CTYPE, "");
  cli_args_init(&st, argc, argv, NULL);
  r = cli_next_opt(&st, none);
  switch (r) {
  case CLI_OPT_HELP:     usage(stdout); return EXIT_OK;
  case CLI_OPT_VERSION:  cli_print_version(stdout); return EXIT_OK;
  case CLI_OPT_ERROR:    return EXIT_USAGE;
  case CLI_OPT_END:
    usage(stderr);
    return EXIT_USAGE;
  default:
    break;
  }
  c = find_command(st.optarg);
  if (c == NULL)
    return unknown_command(st.optarg);
  if (c->run == NULL)
    return help(argc - st.i, argv + st.i);
  return run_command(c, argc - st.i, argv + st.i);
}
