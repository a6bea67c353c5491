/*
** cmd_watch.c: `rbc watch FILE [--once] [--run] [--interval D]` (cli.md 7,
** docs/watch.md).
**
** Every interval the automatic triggers of FILE are evaluated and its
** monitors sampled (vm/checks.c); a trigger that holds continuously for its
** `for` duration fires (`trigger_fired`).  Without --run a firing is only
** reported; with --run the watch stops and the runbook is run, through
** `rbc run` itself (same preflight, journal and run lock).  --once decides
** each trigger and samples each monitor once, then exits: 0 when nothing
** fired and every monitor was normal, 1 otherwise.  Without --once the watch
** runs until SIGINT / SIGTERM (130 / 143).
**
** The preflight (parse, check, compile, params, AWS credentials) is the
** run's: the options shared with `rbc run` are handed to cmd_run_watch as a
** run command line.
*/
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "vm/vm.h"

enum {
  W_PARAM = 1, W_PARAMS_FILE, W_YES, W_FORMAT, W_CLOCK, W_JOURNAL_DIR, W_PROFILE, W_REGION,
  W_ONCE, W_RUN, W_INTERVAL
};

/* The options shared with `rbc run`, as run spells them (index: id - 1). */
static const char *const run_spelling[] = {
  "--param", "--params-file", "--yes", "--format", "--clock", "--journal-dir", "--profile",
  "--region"
};

static const struct cli_option watch_opts[] = {
  { "param",        0,   CLI_ARG_REQUIRED, W_PARAM },
  { "params-file",  0,   CLI_ARG_REQUIRED, W_PARAMS_FILE },
  { "yes",          'y', CLI_ARG_NONE,     W_YES },
  { "format",       'f', CLI_ARG_REQUIRED, W_FORMAT },
  { "clock",        0,   CLI_ARG_REQUIRED, W_CLOCK },
  { "journal-dir",  0,   CLI_ARG_REQUIRED, W_JOURNAL_DIR },
  { "profile",      0,   CLI_ARG_REQUIRED, W_PROFILE },
  { "region",       0,   CLI_ARG_REQUIRED, W_REGION },
  { "once",         0,   CLI_ARG_NONE,     W_ONCE },
  { "run",          0,   CLI_ARG_NONE,     W_RUN },
  { "interval",     0,   CLI_ARG_REQUIRED, W_INTERVAL },
  { NULL, 0, CLI_ARG_NONE, 0 }
};

static void watch_help(void)
{
  fputs("Usage: rbc watch FILE [--once] [--run] [--interval D] [OPTIONS]\n"
        "\n"
        "Evaluate the automatic triggers of FILE and sample its monitors every\n"
        "interval.  A trigger fires when its condition holds at every sample for its\n"
        "`for` duration (a null value or an error is \"no data\" and breaks the\n"
        "streak).  Manual triggers are listed, never fired.\n"
        "\n"
        "Watch control:\n"
        "      --interval D           time between samples (default 30s)\n"
        "      --once                 decide each trigger once and exit (CI): a trigger\n"
        "                             that holds is sampled until its `for` window is\n"
        "                             covered or it clears; monitors are sampled once\n"
        "      --run                  when a trigger fires, stop watching and run FILE\n"
        "                             (as `rbc run`: journal, run lock, same options)\n"
        "\n"
        "Shared with rbc run:\n"
        "      --param NAME=VALUE     set a param (repeatable)\n"
        "      --params-file FILE     params from a JSON object\n"
        "  -f, --format FORMAT        tty, plain or jsonl (default: tty on a terminal)\n"
        "  -y, --yes                  the triggered run answers confirm gates yes\n"
        "      --clock CLOCK          real (default) or virtual (tests: no real waiting)\n"
        "      --journal-dir DIR      where the triggered run's journal goes\n"
        "      --profile NAME         AWS profile; --region NAME  AWS region\n"
        "  -h, --help                 show this help and exit\n"
        "\n"
        "Examples:\n"
        "  rbc watch runbooks/payments-api.rb --interval 1m\n"
        "  rbc watch --once -f jsonl runbooks/payments-api.rb     # in a CI schedule\n"
        "  rbc watch --run --yes runbooks/payments-api.rb         # automatic rollback\n"
        "\n"
        "Exit status: 0 (--once) nothing fired and every monitor was normal, 1 (--once)\n"
        "a trigger fired or a monitor alerted or had no data, 64 usage or params,\n"
        "65 the runbook has errors, 66 FILE unreadable, 77/78 AWS credentials or\n"
        "configuration, 130/143 interrupted; with --run, the exit status of the run.\n",
        stdout);
}

/* The parsed command line: watch options, and the run's arguments. */
struct watch_cmd {
  struct vm_watch_options wo;
  bool run;
  const char *file;
  char **argv;                  /* "run", the shared options, FILE (owned array) */
  int argc;
};

/* Parse argv.  0, the exit status, or -1 after --help / --version. */
static int parse_watch(struct watch_cmd *w, int argc, char **argv)
{
  struct cli_args st;
  int r;

  w->wo.every_ms = VM_MONITOR_EVERY_MS;
  w->argv = calloc((size_t)argc * 2 + 2, sizeof *w->argv);
  if (!w->argv) {
    fputs("rbc: out of memory\n", stderr);
    return EXIT_SOFTWARE;
  }
  w->argv[w->argc++] = (char *)"run";
  cli_args_init(&st, argc, argv, "watch");
  for (r = cli_next_opt(&st, watch_opts); r != CLI_OPT_END; r = cli_next_opt(&st, watch_opts)) {
    switch (r) {
    case CLI_OPT_ERROR:   return EXIT_USAGE;
    case CLI_OPT_HELP:    watch_help(); return -1;
    case CLI_OPT_VERSION: cli_print_version(stdout); return -1;
    case CLI_OPT_POSITIONAL:
      if (w->file)
        return cli_usage_error("watch", "one runbook at a time ('%s' and '%s')", w->file,
                               st.optarg);
      w->file = st.optarg;
      break;
    case W_ONCE:          w->wo.once = true; break;
    case W_RUN:           w->run = true; break;
    case W_INTERVAL:
      if (cli_duration_opt("watch", st.optname, st.optarg, &w->wo.every_ms) != 0)
        return EXIT_USAGE;
      break;
    default:
      w->argv[w->argc++] = (char *)run_spelling[r - 1];
      if (r != W_YES)
        w->argv[w->argc++] = (char *)st.optarg;
      break;
    }
  }
  if (!w->file)
    return cli_usage_error("watch", "missing FILE: the runbook to watch");
  w->argv[w->argc++] = (char *)"--";
  w->argv[w->argc++] = (char *)w->file;
  w->wo.stop_on_fire = w->run;
  return 0;
}

/*
** rbc watch FILE [options]: watch, and with --run run FILE once a trigger
** fired.  Returns the exit status (cli.md 10).
*/
int cmd_watch(int argc, char **argv)
{
  struct watch_cmd w;
  int rc, fired = 0;

  memset(&w, 0, sizeof w);
  rc = parse_watch(&w, argc, argv);
  if (rc == 0) {
    rc = cmd_run_watch(w.argc, w.argv, &w.wo, &fired);
    if (rc == EXIT_FINDINGS && fired > 0 && w.run)
      rc = cmd_run(w.argc, w.argv);
  } else if (rc < 0) {
    rc = EXIT_OK;
  }
  free(w.argv);
  return rc;
}
