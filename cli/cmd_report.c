/*
** cmd_report.c: `rbc report RUN-ID|JOURNAL [-f tty|md|json|junit] [-o FILE]
** [--journal-dir DIR]` (cli.md 7): the post-mortem timeline of a run.
**
** The journal is read and its hash chain verified through vm/journal.h; a
** broken chain is refused with the line at fault (65).  A file written by
** `rbc run -f jsonl` (no chain: no line has "prev") is accepted and the
** report says it was not verified.  Exit: 0 report written, 64 usage, 65
** tampered or not an event stream, 66 no such run or file, 73 -o cannot be
** written.
*/
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/report.h"
#include "vm/journal.h"

enum { O_FORMAT = 1, O_OUTPUT, O_JOURNAL_DIR };

static const struct cli_option report_opts[] = {
  { "format",      'f', CLI_ARG_REQUIRED, O_FORMAT },
  { "output",      'o', CLI_ARG_REQUIRED, O_OUTPUT },
  { "journal-dir", 0,   CLI_ARG_REQUIRED, O_JOURNAL_DIR },
  { NULL, 0, CLI_ARG_NONE, 0 }
};

static void report_help(void)
{
  fputs("Usage: rbc report RUN-ID|JOURNAL [-f tty|md|json|junit] [-o FILE]\n"
        "\n"
        "The post-mortem of a run from its journal: the timeline (phases, steps,\n"
        "attempts, gates and who answered them, budget overruns), durations against\n"
        "the budgets and the RTO, and each failure with its source excerpt.  The\n"
        "journal's hash chain is verified first.\n"
        "\n"
        "Output:\n"
        "  -f, --format FORMAT        tty (default), md (with the post-mortem sections\n"
        "                             to fill in), json (rbc.report/1) or junit\n"
        "  -o, --output FILE          write to FILE (atomically) instead of stdout\n"
        "\n"
        "Selection:\n"
        "      --journal-dir DIR      where RUN-ID is looked up (default\n"
        "                             $RBC_STATE_DIR/runs, $XDG_STATE_HOME/rbc/runs)\n"
        "  -h, --help                 show this help and exit\n"
        "\n"
        "Examples:\n"
        "  rbc report 20261126T130000Z-payments-api-3f9c\n"
        "  rbc report -f md -o postmortem.md runs/20261126T130000Z-payments-api-3f9c.jsonl\n"
        "  rbc report -f junit RUN-ID > junit.xml   # same as rbc run --report-junit\n"
        "\n"
        "Exit status: 0 report written, 64 usage, 65 journal tampered (the line is\n"
        "named) or not an event stream, 66 no such run or file, 73 cannot write FILE.\n"
        "See docs/report.md.\n", stdout);
}

/*
** A stream without a hash chain (`rbc run -f jsonl > F`): every line a JSON
** object, none with "prev".  The events into *out, or the exit status.
*/
static int load_plain(const char *path, json_t **out, struct jl_problem *p)
{
  FILE *f = fopen(path, "r");
  json_t *events = json_array();
  char *line = NULL;
  size_t cap = 0, n = 0;
  ssize_t len;
  int rc = 0;

  if (!f || !events) {
    if (f)
      fclose(f);
    json_decref(events);
    return f ? EXIT_SOFTWARE : EXIT_NOINPUT;
  }
  for (;;) {
    json_error_t err;
    json_t *ev;
    len = rc == 0 ? getline(&line, &cap, f) : -1;
    if (len < 0)
      break;
    n++;
    if (len <= 1)
      continue;
    ev = json_loads(line, 0, &err);
    if (!json_is_object(ev) || json_object_get(ev, "prev")) {
      p->line = n;
      snprintf(p->message, sizeof p->message, "%s",
               ev ? "the hash chain does not verify" : "not a JSON object");
      rc = EXIT_DATAERR;
    }
    if (json_array_append_new(events, ev) != 0 && rc == 0)
      rc = EXIT_SOFTWARE;
  }
  free(line);
  fclose(f);
  if (rc == 0 && json_array_size(events) == 0) {
    snprintf(p->message, sizeof p->message, "no events");
    rc = EXIT_DATAERR;
  }
  if (rc != 0)
    json_decref(events);
  else
    *out = events;
  return rc;
}

/* The run's events from RUN-ID or a path; *note says how they were verified. */
static int load_events(const char *arg, const char *dir, json_t **out, char *path,
                       size_t pathsz, const char **note)
{
  struct jl_reader *r = NULL;
  struct jl_problem p;
  json_t *events;
  int rc;

  memset(&p, 0, sizeof p);
  rc = jl_open(arg, dir, &r, &p);
  if (rc == JL_EXIT_TAMPERED && p.line == 1) {
    struct jl_problem q;
    memset(&q, 0, sizeof q);
    if (load_plain(p.path, out, &q) == 0) {
      snprintf(path, pathsz, "%s", p.path);
      *note = "an event stream without a hash chain: not verified";
      return 0;
    }
  }
  if (rc != 0) {
    if (p.line)
      fprintf(stderr, "rbc: %s:%zu: %s\n", p.path, p.line, p.message);
    else
      fprintf(stderr, "rbc: %s: %s\n", p.path, p.message);
    return rc;
  }
  events = report_journal_events(r);
  snprintf(path, pathsz, "%s", jl_path(r));
  *note = "hash chain verified";
  jl_close(r);
  if (!events) {
    fputs("rbc: out of memory\n", stderr);
    return EXIT_SOFTWARE;
  }
  *out = events;
  return 0;
}

static int parse_format(const char *v, enum report_format *f)
{
  static const char *const names[] = { "tty", "md", "json", "junit", NULL };
  char hint[128];

  for (int i = 0; names[i]; i++)
    if (strcmp(v, names[i]) == 0) {
      *f = (enum report_format)i;
      return 0;
    }
  cli_did_you_mean(hint, sizeof hint, v, names, "");
  return cli_usage_error("report", "invalid value '%s' for '--format'%s", v, hint);
}

static int emit(json_t *events, enum report_format fmt, const char *output,
                const char *path, const char *note)
{
  struct report_opts o;
  struct val_buf b;
  int rc = EXIT_OK;

  memset(&o, 0, sizeof o);
  o.journal = path;
  o.journal_note = note;
  o.color = fmt == REPORT_TTY && !output && cli_use_color(stdout);
  o.unicode = fmt == REPORT_TTY && cli_use_unicode();
  val_buf_init(&b);
  if (report_render(&b, events, fmt, &o) != 0) {
    fputs("rbc: out of memory\n", stderr);
    rc = EXIT_SOFTWARE;
  } else if (output) {
    int err = report_write_atomic(output, b.data ? b.data : "", b.len);

    if (err != 0) {
      fprintf(stderr, "rbc: cannot write %s: %s\n", output, strerror(err));
      rc = EXIT_CANTCREAT;
    }
  } else if (b.len && (fwrite(b.data, 1, b.len, stdout) != b.len || fflush(stdout) != 0)) {
    fprintf(stderr, "rbc: cannot write the report: %s\n", strerror(errno));
    rc = EXIT_CANTCREAT;
  }
  val_buf_free(&b);
  return rc;
}

/*
** rbc report RUN-ID|JOURNAL [options]: the exit status of cli.md 10.
*/
int cmd_report(int argc, char **argv)
{
  struct cli_args st;
  enum report_format fmt = REPORT_TTY;
  const char *arg = NULL, *output = NULL, *dir = NULL, *note = NULL;
  json_t *events = NULL;
  char path[4096];
  int r, rc;

  cli_args_init(&st, argc, argv, "report");
  for (r = cli_next_opt(&st, report_opts); r != CLI_OPT_END;
       r = cli_next_opt(&st, report_opts)) {
    switch (r) {
    case CLI_OPT_ERROR:   return EXIT_USAGE;
    case CLI_OPT_HELP:    report_help(); return EXIT_OK;
    case CLI_OPT_VERSION: cli_print_version(stdout); return EXIT_OK;
    case CLI_OPT_POSITIONAL:
      if (arg)
        return cli_usage_error("report", "one run at a time ('%s' and '%s')", arg,
                               st.optarg);
      arg = st.optarg;
      break;
    case O_FORMAT:
      if (parse_format(st.optarg, &fmt) != 0)
        return EXIT_USAGE;
      break;
    case O_OUTPUT:        output = st.optarg; break;
    case O_JOURNAL_DIR:   dir = st.optarg; break;
    default:              return EXIT_USAGE;
    }
  }
  if (!arg)
    return cli_usage_error("report", "missing RUN-ID or JOURNAL: the run to report on");
  rc = load_events(arg, dir, &events, path, sizeof path, &note);
  if (rc != 0)
    return rc;
  rc = emit(events, fmt, output, path, note);
  json_decref(events);
  return rc;
}
