/*
** cmd_run.c: `rbc run FILE [options]` (cli.md 6).
**
** Everything that can fail before the first side effect happens here, and
** every failure here ends with `rbc: nothing was executed.` on stderr:
**
**   usage (bad option, --param without '=', unknown --troubleshoot)   64
**   params (missing, unknown, ill-typed; vm/params.h)                   64
**   the runbook has syntax or semantic errors, or does not compile      65
**   FILE, the params file or a library is writable by others (RB9010)   65
**   FILE or the params file cannot be read                              66
**   the journal directory is not a writable directory                   73
**   the runbook calls AWS and its credentials are missing or rejected   77
**   (aws_client_preflight), or the AWS region or configuration is bad   78
**   the runbook's lock is held by another run (RB5010, names it)        75
**   the journal cannot be created (vm/journal.h, docs/journal.md)       73
**
** The lock and the journal come last, just before the VM: the journal is
** one more output of the emitter (the jsonl stream with a hash chain).
** `rbc resume` (cli/cmd_resume.c) goes through the same code with a struct
** run_resume (cli/resume.h): its journal is appended to instead.
**
** Then the outputs are chosen (-f tty|plain|jsonl; cli.md 12 for color,
** Unicode and the live spinner), SIGINT/SIGTERM handlers are installed
** (they only set flags: the shell runner's sh_interrupt_requested, which
** the clock also watches, and the signal number), and the VM runs the
** chunk through vm_run (vm/vm.h), whose status is the exit status.
*/
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/render.h"
#include "cli/report.h"
#include "cli/resume.h"
#include "parser/arena.h"
#include "stdlib/aws/aws.h"
#include "stdlib/builtins.h"
#include "stdlib/loop.h"
#include "stdlib/shell.h"
#include "vm/bytecode.h"
#include "vm/clock.h"
#include "vm/compile.h"
#include "vm/events.h"
#include "vm/journal.h"
#include "vm/params.h"
#include "vm/vm.h"

/* {==== options ==== */

enum {
  O_PARAM = 1, O_PARAMS_FILE, O_YES, O_FORMAT, O_PROGRESS, O_CLOCK, O_JOURNAL_DIR,
  O_TROUBLESHOOT, O_PROFILE, O_REGION, O_MONITOR, O_MONITOR_INTERVAL, O_FAILURE_LIMIT,
  O_INCONCLUSIVE_LIMIT, O_REPORT_JUNIT, O_REPORT_JSON
};

static const struct cli_option run_opts[] = {
  { "param",        0,   CLI_ARG_REQUIRED, O_PARAM },
  { "params-file",  0,   CLI_ARG_REQUIRED, O_PARAMS_FILE },
  { "yes",          'y', CLI_ARG_NONE,     O_YES },
  { "format",       'f', CLI_ARG_REQUIRED, O_FORMAT },
  { "progress",     0,   CLI_ARG_REQUIRED, O_PROGRESS },
  { "clock",        0,   CLI_ARG_REQUIRED, O_CLOCK },
  { "journal-dir",  0,   CLI_ARG_REQUIRED, O_JOURNAL_DIR },
  { "troubleshoot", 0,   CLI_ARG_REQUIRED, O_TROUBLESHOOT },
  { "profile",      0,   CLI_ARG_REQUIRED, O_PROFILE },
  { "region",       0,   CLI_ARG_REQUIRED, O_REGION },
  { "monitor",      0,   CLI_ARG_REQUIRED, O_MONITOR },
  { "monitor-interval", 0, CLI_ARG_REQUIRED, O_MONITOR_INTERVAL },
  { "failure-limit", 0,  CLI_ARG_REQUIRED, O_FAILURE_LIMIT },
  { "inconclusive-limit", 0, CLI_ARG_REQUIRED, O_INCONCLUSIVE_LIMIT },
  { "report-junit", 0,   CLI_ARG_REQUIRED, O_REPORT_JUNIT },
  { "report-json",  0,   CLI_ARG_REQUIRED, O_REPORT_JSON },
  { NULL, 0, CLI_ARG_NONE, 0 }
};

enum run_format { FMT_AUTO, FMT_TTY, FMT_PLAIN, FMT_JSONL };
enum run_progress { PROG_AUTO, PROG_TTY, PROG_PLAIN, PROG_NONE };

/* What the command line asked for. */
struct run_cmd {
  const char *file;                     /* the runbook */
  struct vm_param_arg *params;          /* --param, split at '=' (owned array) */
  size_t nparams;
  char **param_copies;                  /* owned "name" halves of --param */
  const char *params_file;
  bool yes;
  enum run_format format;
  enum run_progress progress;
  bool virtual_clock;
  const char *journal_dir;
  const char *troubleshoot;
  const char *aws_profile;             /* --profile: AWS profile (skips the env keys) */
  const char *aws_region;              /* --region: AWS region */
  int64_t monitor_ms, monitor_every_ms; /* --monitor D, --monitor-interval D (0: unset) */
  uint32_t failure_limit, inconclusive_limit; /* --failure-limit, --inconclusive-limit */
  struct run_resume *resume;           /* rbc resume (cli/resume.h), or NULL */
  const struct vm_watch_options *watch; /* rbc watch (cli/cmd_watch.c), or NULL */
  int *fired;                          /* rbc watch: what fired (vm_watch) */
  const char *report_junit, *report_json; /* --report-junit F, --report-json F (cli/report.h) */
};

static void run_help(void)
{
  fputs("Usage: rbc run FILE [--param NAME=VALUE]... [OPTIONS]\n"
        "\n"
        "Check FILE, resolve its params, then execute it phase by phase.  Nothing\n"
        "runs when the runbook has errors or a param is missing or ill-typed.\n"
        "\n"
        "Inputs:\n"
        "      --param NAME=VALUE     set a param (repeatable; RBC_PARAM_NAME also works)\n"
        "      --params-file FILE     params from a JSON object (below --param)\n"
        "\n"
        "Output:\n"
        "  -f, --format FORMAT        tty, plain or jsonl (default: tty on a terminal,\n"
        "                             else plain; CI set: plain; RBC_FORMAT)\n"
        "      --progress WHEN        auto, tty, plain or none (live spinner only on a tty)\n"
        "      --report-junit FILE    write a JUnit report at the end (also on failure,\n"
        "                             halt or interrupt; atomic; = rbc report -f junit)\n"
        "      --report-json FILE     the same as an rbc.report/1 JSON document\n"
        "\n"
        "Run control:\n"
        "  -y, --yes                  answer confirm gates yes (journaled as --yes)\n"
        "      --troubleshoot NAME    run only the named troubleshoot block\n"
        "      --clock CLOCK          real (default) or virtual (tests: sleeps take no time)\n"
        "      --journal-dir DIR      where the run's journal and lock go (default:\n"
        "                             $XDG_STATE_HOME/rbc/runs; docs/journal.md)\n"
        "\n"
        "Monitors (after a passed run; docs/watch.md; exit 1 on alert or no data):\n"
        "      --monitor D            sample every monitor for D (e.g. 10m)\n"
        "      --monitor-interval D   time between samples (default 30s)\n"
        "      --failure-limit N      alert samples a monitor may have (default 0)\n"
        "      --inconclusive-limit N samples with no data or between thresholds (default 0)\n"
        "\n"
        "AWS (only when the runbook calls AWS; credentials are checked before any step):\n"
        "      --profile NAME         AWS profile of the shared config files (else\n"
        "                             AWS_PROFILE, else default)\n"
        "      --region NAME          AWS region (else AWS_REGION, AWS_DEFAULT_REGION,\n"
        "                             the profile's region)\n"
        "  -h, --help                 show this help and exit\n"
        "\n"
        "Examples:\n"
        "  rbc run runbooks/payments-api.rb --param previous_taskdef=payments:41\n"
        "  rbc run -f jsonl --params-file prod.json runbook.rb | jq .\n"
        "  CI=1 rbc run --yes runbook.rb\n"
        "\n"
        "Exit status: 0 passed, 1 a step, checklist item or monitor failed, 2 halted at\n"
        "a confirm gate (resumable), 64 usage or params, 65 the runbook has errors\n"
        "or FILE / the params file / a library is writable by other users (RB9010),\n"
        "66 FILE unreadable, 73 journal\n"
        "directory unusable, 74 I/O error mid-run, 75 already running (lock held),\n"
        "77 AWS credentials missing or rejected,\n"
        "78 AWS configuration invalid (region, profile), 130/143 interrupted.\n", stdout);
}

/* Index of s in the NULL-terminated list, or -1. */
static int pick(const char *s, const char *const *list)
{
  for (int i = 0; list[i]; i++)
    if (strcmp(s, list[i]) == 0)
      return i;
  return -1;
}

/* An enumerated option value, or a usage error naming the choices. */
static int parse_choice(const char *opt, const char *value, const char *const *list,
                        int *out)
{
  char hint[128];
  int i = pick(value, list);

  if (i >= 0) {
    *out = i;
    return 0;
  }
  cli_did_you_mean(hint, sizeof hint, value, list, "");
  return cli_usage_error("run", "invalid value '%s' for '%s'%s", value, opt, hint);
}

/* --param NAME=VALUE: split into cmd->params (the name is copied). */
static int add_param(struct run_cmd *cmd, const char *arg)
{
  const char *eq = strchr(arg, '=');
  struct vm_param_arg *np;
  char **nc, *name;

  if (!eq || eq == arg)
    return cli_usage_error("run", "--param expects NAME=VALUE, got '%s'", arg);
  np = realloc(cmd->params, (cmd->nparams + 1) * sizeof *np);
  if (np)
    cmd->params = np;
  nc = realloc(cmd->param_copies, (cmd->nparams + 1) * sizeof *nc);
  if (nc)
    cmd->param_copies = nc;
  name = strndup(arg, (size_t)(eq - arg));
  if (!np || !nc || !name) {
    free(name);
    fputs("rbc: out of memory\n", stderr);
    return EXIT_SOFTWARE;
  }
  cmd->param_copies[cmd->nparams] = name;
  cmd->params[cmd->nparams].name = name;
  cmd->params[cmd->nparams++].value = eq + 1;
  return 0;
}

static void free_cmd(struct run_cmd *cmd)
{
  for (size_t i = 0; i < cmd->nparams; i++)
    free(cmd->param_copies[i]);
  free(cmd->param_copies);
  free(cmd->params);
}

/* One option; 0 to go on, else the exit status (-1: --help printed). */
static int take_option(struct run_cmd *cmd, int id, const struct cli_args *st)
{
  static const char *const formats[] = { "auto", "tty", "plain", "jsonl", NULL };
  static const char *const progress[] = { "auto", "tty", "plain", "none", NULL };
  static const char *const clocks[] = { "real", "virtual", NULL };
  int v = 0, rc = 0;

  switch (id) {
  case O_PARAM:        return add_param(cmd, st->optarg);
  case O_PARAMS_FILE:  cmd->params_file = st->optarg; return 0;
  case O_YES:          cmd->yes = true; return 0;
  case O_JOURNAL_DIR:  cmd->journal_dir = st->optarg; return 0;
  case O_TROUBLESHOOT: cmd->troubleshoot = st->optarg; return 0;
  case O_PROFILE:      cmd->aws_profile = st->optarg; return 0;
  case O_REGION:       cmd->aws_region = st->optarg; return 0;
  case O_REPORT_JUNIT: cmd->report_junit = st->optarg; return 0;
  case O_REPORT_JSON:  cmd->report_json = st->optarg; return 0;
  case O_MONITOR:
    return cli_duration_opt("run", st->optname, st->optarg, &cmd->monitor_ms);
  case O_MONITOR_INTERVAL:
    return cli_duration_opt("run", st->optname, st->optarg, &cmd->monitor_every_ms);
  case O_FAILURE_LIMIT:
    return cli_count_opt("run", st->optname, st->optarg, &cmd->failure_limit);
  case O_INCONCLUSIVE_LIMIT:
    return cli_count_opt("run", st->optname, st->optarg, &cmd->inconclusive_limit);
  case O_FORMAT:
    rc = parse_choice(st->optname, st->optarg, formats, &v);
    cmd->format = (enum run_format)v;
    return rc;
  case O_PROGRESS:
    rc = parse_choice(st->optname, st->optarg, progress, &v);
    cmd->progress = (enum run_progress)v;
    return rc;
  case O_CLOCK:
    rc = parse_choice(st->optname, st->optarg, clocks, &v);
    cmd->virtual_clock = v == 1;
    return rc;
  default:
    return EXIT_USAGE;
  }
}

/* Parse argv into cmd.  0, or the exit status (-1 after --help). */
static int parse_args(struct run_cmd *cmd, int argc, char **argv)
{
  static const char *const formats[] = { "auto", "tty", "plain", "jsonl", NULL };
  const char *env = getenv("RBC_FORMAT");
  struct cli_args st;
  int r, rc, v;

  v = env && *env ? pick(env, formats) : -1;
  if (v >= 0)
    cmd->format = (enum run_format)v;
  cli_args_init(&st, argc, argv, "run");
  for (;;) {
    r = cli_next_opt(&st, run_opts);
    if (r == CLI_OPT_END)
      break;
    if (r == CLI_OPT_ERROR)
      return EXIT_USAGE;
    if (r == CLI_OPT_HELP) {
      run_help();
      return -1;
    }
    if (r == CLI_OPT_VERSION) {
      cli_print_version(stdout);
      return -1;
    }
    if (r == CLI_OPT_POSITIONAL) {
      if (cmd->file)
        return cli_usage_error("run", "one runbook at a time ('%s' and '%s')", cmd->file,
                               st.optarg);
      cmd->file = st.optarg;
      continue;
    }
    rc = take_option(cmd, r, &st);
    if (rc != 0)
      return rc;
  }
  if (!cmd->file)
    return cli_usage_error("run", "missing FILE: the runbook to run");
  return 0;
}

/* }==== */

/* {==== preflight ==== */

/* Everything built before the run; released by free_preflight. */
struct preflight {
  struct arena *arena;
  struct source *src;
  struct parse_result pr;
  struct diag_list diags;
  struct chunk *chunk;
  struct vm_params params;
  bool refused;                 /* an imported library was refused (RB9010) */
};

/* "rbc: nothing was executed." after rendering the errors; returns status. */
static int refuse(struct preflight *pf, int status)
{
  render_errors(stderr, &pf->diags, cli_use_color(stderr));
  fputs("rbc: nothing was executed.\n", stderr);
  return status;
}

/* Where param `name` is declared in the runbook (params.h decl_span hook). */
static bool param_decl(const char *name, void *ctx, struct span *out)
{
  const struct ast_node *file = ctx, *it, *p;

  if (!file)
    return false;
  for (it = file->u.file.items; it; it = it->next) {
    if (it->kind != AST_RUNBOOK)
      continue;
    for (p = it->u.runbook.items; p; p = p->next) {
      if (p->kind == AST_PARAM && p->u.param.name.name &&
          strcmp(p->u.param.name.name, name) == 0) {
        *out = p->u.param.name.span;
        return true;
      }
    }
  }
  return false;
}

/* comp_options.on_library of a run: an imported library others can write is refused. */
static int vet_library(const char *path, void *ctx)
{
  struct preflight *pf = ctx;

  if (cli_refuse_writable(path, "library", &pf->diags) == 0)
    return 0;
  pf->refused = true;
  return -1;
}

/* Parse, check and compile cmd->file into pf.  0, or the exit status. */
static int build(struct preflight *pf, const struct run_cmd *cmd)
{
  struct comp_options opts = { .lib_dirs = cli_lib_dirs(), .on_library = vet_library,
                               .library_ctx = pf };
  int rc;

  pf->arena = arena_new();
  if (!pf->arena)
    return EXIT_SOFTWARE;
  /* docs/security.md: nothing others can change is run (RB9010, 65) */
  rc = cli_refuse_writable(cmd->file, "runbook", &pf->diags);
  if (rc == 0)
    rc = cli_refuse_writable(cmd->params_file, "params file", &pf->diags);
  if (rc != 0)
    return rc;
  rc = cli_load_and_check(cmd->file, pf->arena, &pf->src, &pf->pr, &pf->diags);
  if (rc == 0 && diag_has_errors(&pf->diags))
    rc = EXIT_DATAERR;
  if (rc == 0 && comp_compile_opts(pf->src, pf->pr.file, &opts, &pf->diags, &pf->chunk) != 0)
    rc = pf->diags.oom ? EXIT_SOFTWARE : EXIT_DATAERR;
  if (rc == 0 && pf->refused)
    rc = EXIT_DATAERR;
  if (rc == 0 && pf->chunk->runbook == CHUNK_NONE) {
    diag_add(&pf->diags, DIAG_RB1012, pf->src, (struct span){ 0, 0 },
             "%s is a library file: it has no runbook to run", cmd->file);
    rc = EXIT_DATAERR;
  }
  return rc;
}

/* Resolve params per vm/params.h.  0, or the exit status. */
static int resolve_params(struct preflight *pf, const struct run_cmd *cmd)
{
  struct vm_params_input in;

  memset(&in, 0, sizeof in);
  in.args = cmd->params;
  in.nargs = cmd->nparams;
  in.file = cmd->params_file;
  in.src = pf->src;
  in.decl_span = param_decl;
  in.decl_ctx = pf->pr.file;
  if (cmd->resume) {
    in.getenv = cmd->resume->getenv;
    in.env_ctx = cmd->resume;
  }
  switch (vm_params_resolve(pf->chunk, &in, &pf->params, &pf->diags)) {
  case VM_PARAMS_OK:      return 0;
  case VM_PARAMS_INVALID: return EXIT_USAGE;
  case VM_PARAMS_NOINPUT: return EXIT_NOINPUT;
  default:                return EXIT_SOFTWARE;
  }
}

/* --troubleshoot NAME must name a troubleshoot block.  0, or 64. */
static int check_troubleshoot(const struct chunk *c, const char *name)
{
  const char *names[64];
  size_t n = 0;
  char hint[160];

  for (uint32_t k = 0; k < c->nconsts; k++) {
    const struct chunk_const *s;

    if (c->consts[k].kind != CK_TROUBLESHOOT || c->consts[k].u.desc.n < 2)
      continue;
    s = chunk_str(c, c->consts[k].u.desc.w[TS_NAME]);
    if (s && strcmp(s->u.str.bytes, name) == 0)
      return 0;
    if (s && n < 63)
      names[n++] = s->u.str.bytes;
  }
  names[n] = NULL;
  cli_did_you_mean(hint, sizeof hint, name, names, "");
  return cli_usage_error("run", "no troubleshoot block named '%s'%s", name, hint);
}

/* --journal-dir must be a writable directory (made 0700 when missing).  0, or 73. */
static int check_journal_dir(const char *dir)
{
  struct stat sb;

  if (stat(dir, &sb) != 0 && (errno != ENOENT || jl_mkdir(dir) != 0 || stat(dir, &sb) != 0)) {
    fprintf(stderr, "rbc: journal directory %s: %s\n", dir, strerror(errno));
    return EXIT_CANTCREAT;
  }
  if (!S_ISDIR(sb.st_mode) || access(dir, W_OK | X_OK) != 0) {
    fprintf(stderr, "rbc: journal directory %s is not a writable directory\n", dir);
    return EXIT_CANTCREAT;
  }
  return 0;
}

static void free_preflight(struct preflight *pf)
{
  vm_params_free(&pf->params);
  chunk_free(pf->chunk);
  diag_free(&pf->diags);
  src_free(pf->src);
  arena_free(pf->arena);
}

/* }==== */

/* {==== outputs ==== */

/* Is `name` set to a non-empty value in the environment? */
static bool env_set(const char *name)
{
  const char *v = getenv(name);

  return v && *v;
}

static bool term_dumb(void)
{
  const char *t = getenv("TERM");

  return !t || strcmp(t, "dumb") == 0;
}

/* The format auto resolves to (cli.md 6 and 12). */
static enum run_format pick_format(enum run_format f)
{
  if (f != FMT_AUTO)
    return f;
  if (env_set("CI") || term_dumb() || !isatty(STDOUT_FILENO))
    return FMT_PLAIN;
  return FMT_TTY;
}

/* cli/render.c's excerpt renderer in the shape events.h wants. */
static void render_excerpt(FILE *out, const struct diag *d, bool color)
{
  struct render_opts ro;

  memset(&ro, 0, sizeof ro);
  ro.color = color;
  ro.min_severity = DIAG_STYLE;
  render_tty_diag(out, d, &ro);
}

/* The output for the chosen format on stdout; NULL when out of memory. */
static struct ev_out *make_output(const struct run_cmd *cmd, const struct source *src)
{
  struct ev_tty_opts to;
  enum run_format f = pick_format(cmd->format);

  if (f == FMT_JSONL)
    return ev_out_jsonl(STDOUT_FILENO, 0);
  if (f == FMT_PLAIN)
    return ev_out_plain(STDOUT_FILENO);
  memset(&to, 0, sizeof to);
  to.unicode = cli_use_unicode();
  to.color = cli_use_color(stdout);
  to.live = (cmd->progress == PROG_AUTO || cmd->progress == PROG_TTY) &&
            isatty(STDOUT_FILENO) && !env_set("CI") && !term_dumb();
  to.src = src;
  to.render = render_excerpt;
  return ev_out_tty(STDOUT_FILENO, &to);
}

/* }==== */

/* {==== the run ==== */

/* Four hex digits: from the source hash on the virtual clock (reproducible). */
static unsigned run_suffix(const struct chunk *c, bool virtual_clock)
{
  unsigned char r[2] = { 0, 0 };
  char hex[5];
  int fd;

  if (virtual_clock) {
    memcpy(hex, c->sha256, 4);
    hex[4] = '\0';
    return (unsigned)strtoul(hex, NULL, 16) & 0xffffu;
  }
  fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
  if (fd < 0 || read(fd, r, 2) != 2) {
    r[0] = (unsigned char)getpid();
    r[1] = (unsigned char)(time(NULL) ^ (getpid() >> 8));
  }
  if (fd >= 0)
    close(fd);
  return (unsigned)r[0] << 8 | r[1];
}

/* YYYYMMDDTHHMMSSZ-<runbook>-<4 hex> into buf (runbook bytes made file-safe). */
static void make_run_id(char *buf, size_t size, const struct chunk *c, struct rbc_clock *clk,
                        bool virtual_clock)
{
  char ts[VAL_FMT_BUF], stamp[32], name[64];
  const struct chunk_const *rb = chunk_str(c, c->runbook);
  size_t j = 0;

  val_format_time(clock_now_ms(clk) / 1000 * 1000, false, ts);
  for (size_t i = 0; ts[i] && j < sizeof stamp - 1; i++)
    if (ts[i] != '-' && ts[i] != ':')
      stamp[j++] = ts[i];
  stamp[j] = '\0';
  j = 0;
  for (const char *p = rb ? rb->u.str.bytes : "runbook"; *p && j < sizeof name - 1; p++)
    name[j++] = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' ? *p : '-';
  name[j] = '\0';
  snprintf(buf, size, "%s-%s-%04x", stamp, name, run_suffix(c, virtual_clock));
}

/*
** Does any function of c call AWS (CALL_AWS, or the aws.paginate built-in)?
** *where is the first one's span when it is in the runbook's own file, else {0, 0}.
*/
static bool calls_aws(const struct chunk *c, struct span *where)
{
  for (uint32_t f = 0; f < c->nfns; f++) {
    const struct chunk_fn *fn = &c->fns[f];
    unsigned len;
    uint32_t k = 0;

    for (uint32_t pc = 0; pc < fn->code_len; pc += len, k++) {
      enum rbc_op op = (enum rbc_op)fn->code[pc];

      if (op == OP_CALL_AWS
          || (op == OP_CALL_BUILTIN && pc + 2 < fn->code_len       /* aws.paginate */
              && (uint32_t)(fn->code[pc + 1] | fn->code[pc + 2] << 8) == STD_BI_aws_paginate)) {
        *where = (struct span){ 0, 0 };
        if (fn->file == CHUNK_NONE && k < fn->nlines)
          *where = (struct span){ fn->lines[k].start, fn->lines[k].end };
        return true;
      }
      len = op < OP__COUNT ? chunk_op_length(op) : 0;
      if (len == 0)
        break;
    }
  }
  return false;
}

/* The diagnostic and exit status of a failed AWS preflight (cli.md 10: 77, 78). */
static int aws_refusal(struct preflight *pf, const struct aws_error *err, struct span where)
{
  enum diag_code code = DIAG_RB5024;
  int rc = EXIT_NOPERM;
  const char *what = "";

  switch (err->kind) {
  case AWS_ERR_CONFIG:
    rc = EXIT_CONFIG;
    code = strstr(err->code, "Region") ? DIAG_RB5022 : DIAG_RB5023;
    break;
  case AWS_ERR_CREDENTIALS:
    code = err->code[0] ? DIAG_RB5021 : DIAG_RB5020;
    break;
  case AWS_ERR_NOMEM:
    fputs("rbc: out of memory\n", stderr);
    return EXIT_SOFTWARE;
  case AWS_ERR_INTERRUPTED:
    return cli_stop_signal == SIGTERM ? 143 : 130;
  default:
    what = "cannot check the AWS credentials: STS: ";
    break;
  }
  diag_add(&pf->diags, code, pf->src, where, "%s%s%s%s", what,
           err->kind == AWS_ERR_SERVICE ? err->code : "",
           err->kind == AWS_ERR_SERVICE ? ": " : "", err->message);
  return rc;
}

/*
** When the runbook calls AWS: the client (--profile, --region) and its
** preflight, before any step runs.  0 with *out set (NULL: no AWS), or the
** exit status with the finding in pf->diags.
*/
static int aws_setup(struct preflight *pf, const struct run_cmd *cmd, struct rbc_loop *loop,
                     struct aws_client **out)
{
  struct aws_client_config cfg;
  struct aws_error err;
  struct span where;

  *out = NULL;
  if (!calls_aws(pf->chunk, &where))
    return 0;
  memset(&cfg, 0, sizeof cfg);
  cfg.profile = cmd->aws_profile;
  cfg.region = cmd->aws_region;
  *out = aws_client_new(&cfg, loop, &err);
  if (*out && aws_client_preflight(*out, &err) == 0)
    return 0;
  aws_client_free(*out);
  *out = NULL;
  return aws_refusal(pf, &err, where);
}

/* The run's journal and lock (vm/journal.h, docs/journal.md). */
struct run_journal {
  struct jl_lock *lock;
  struct jl_writer *w;
  char dir[4096];
};

/*
** A run id whose journal does not exist yet in dir: the same id, or its
** 4-hex suffix counted up (the virtual clock gives every run of a runbook
** the same id, so a test running it twice needs the next one).
*/
static void free_run_id(const char *dir, char *run_id)
{
  size_t n = strlen(run_id);
  char path[4200];
  unsigned v;

  for (unsigned k = 0; k < 0x10000u; k++) {
    snprintf(path, sizeof path, "%s/%s.jsonl", dir, run_id);
    if (access(path, F_OK) != 0 || n < 5 || run_id[n - 5] != '-')
      return;
    v = (unsigned)strtoul(run_id + n - 4, NULL, 16);
    snprintf(run_id + n - 4, 5, "%04x", (v + 1) & 0xffffu);
  }
}

/*
** Take the runbook's lock, then open the journal: a new one, or the resumed
** run's for appending (after its `resume` event).  0, or the exit status
** with the finding in pf->diags or on stderr (nothing has run yet).
*/
static int open_journal(struct preflight *pf, const struct run_cmd *cmd, char *run_id,
                        struct rbc_clock *clk, struct run_journal *j)
{
  const struct chunk_const *rb = chunk_str(pf->chunk, pf->chunk->runbook);
  struct jl_problem p;
  int rc;

  if (jl_default_dir(cmd->journal_dir, j->dir, sizeof j->dir) != 0) {
    fputs("rbc: no journal directory: give --journal-dir, or set RBC_STATE_DIR or HOME\n",
          stderr);
    return EXIT_CANTCREAT;
  }
  if (!cmd->resume)
    free_run_id(j->dir, run_id);
  rc = jl_lock_take(j->dir, rb ? rb->u.str.bytes : "runbook", run_id, &j->lock, &p);
  if (rc == JL_EXIT_LOCKED) {
    diag_add(&pf->diags, DIAG_RB5010, pf->src, (struct span){ 0, 0 }, "%s", p.message);
    return EXIT_TEMPFAIL;
  }
  if (rc == 0)
    rc = cmd->resume ? jl_writer_append(cmd->resume->journal, &j->w, &p)
                     : jl_writer_create(j->dir, run_id, &j->w, &p);
  if (rc != 0) {
    fprintf(stderr, "rbc: %s: %s\n", p.path, p.message);
    return rc;
  }
  if (cmd->resume && cmd->resume->begin &&
      cmd->resume->begin(cmd->resume, j->w, pf->chunk, clk) != 0) {
    fprintf(stderr, "rbc: %s: cannot write the journal: %s\n", jl_writer_path(j->w),
            strerror(jl_writer_failed(j->w) ? jl_writer_failed(j->w) : errno));
    return EXIT_IOERR;
  }
  return 0;
}

static void close_journal(struct run_journal *j)
{
  jl_writer_free(j->w);
  jl_lock_release(j->lock);
  j->w = NULL;
  j->lock = NULL;
}

/* rbc watch: vm_watch instead of a run (no journal, no lock); its exit status. */
static int watch_execute(struct preflight *pf, const struct run_cmd *cmd,
                         struct vm_run_options *opts, struct ev_sink *ev, int status)
{
  if (status == 0)
    status = vm_watch(pf->chunk, opts, cmd->watch, ev, cmd->fired);
  else
    status = refuse(pf, status);
  aws_client_free(opts->aws);
  loop_free(opts->loop);
  if (ev_failed(ev))
    fprintf(stderr, "rbc: cannot write the watch's output: %s\n", strerror(ev_failed(ev)));
  ev_sink_free(ev);
  return status;
}

/* Build the emitter and run the VM; the run's exit status. */
static int execute(struct preflight *pf, const struct run_cmd *cmd, struct rbc_clock *clk)
{
  struct vm_run_options opts;
  struct ev_sink *ev = ev_sink_new(clk);
  struct run_journal jr;
  char run_id[128], resume[192];
  int status;

  if (!ev || ev_sink_add(ev, make_output(cmd, pf->src)) != 0) {
    ev_sink_free(ev);
    fputs("rbc: out of memory\nrbc: nothing was executed.\n", stderr);
    return EXIT_SOFTWARE;
  }
  for (size_t i = 0; i < pf->params.len; i++)
    if (pf->params.items[i].secret && ev_add_secret(ev, pf->params.items[i].value) != 0) {
      ev_sink_free(ev);
      fputs("rbc: out of memory\nrbc: nothing was executed.\n", stderr);
      return EXIT_SOFTWARE;
    }
  if (cmd->resume)
    snprintf(run_id, sizeof run_id, "%s", cmd->resume->run_id);
  else
    make_run_id(run_id, sizeof run_id, pf->chunk, clk, cmd->virtual_clock);
  memset(&opts, 0, sizeof opts);
  opts.params = &pf->params;
  opts.clock = clk;
  opts.run_id = run_id;
  opts.resume_hint = resume;
  opts.troubleshoot = cmd->troubleshoot;
  opts.monitor_ms = cmd->monitor_ms;
  opts.monitor_every_ms = cmd->monitor_every_ms;
  opts.failure_limit = cmd->failure_limit;
  opts.inconclusive_limit = cmd->inconclusive_limit;
  opts.yes = cmd->yes;
  opts.interactive = isatty(STDIN_FILENO) && isatty(STDERR_FILENO);
  opts.interrupt = &sh_interrupt_requested;
  opts.signal = &cli_stop_signal;
  opts.loop = loop_new(clk, &sh_interrupt_requested);
  if (!opts.loop) {
    ev_sink_free(ev);
    fputs("rbc: out of memory\nrbc: nothing was executed.\n", stderr);
    return EXIT_SOFTWARE;
  }
  status = aws_setup(pf, cmd, opts.loop, &opts.aws);
  if (cmd->watch)
    return watch_execute(pf, cmd, &opts, ev, status);
  memset(&jr, 0, sizeof jr);
  if (status == 0)
    status = open_journal(pf, cmd, run_id, clk, &jr);
  if (status == 0 && ev_sink_add(ev, jl_writer_output(jr.w)) != 0)
    status = EXIT_SOFTWARE;
  if (status != 0) {
    close_journal(&jr);
    aws_client_free(opts.aws);
    loop_free(opts.loop);
    ev_sink_free(ev);
    return refuse(pf, status);
  }
  opts.journal_path = jl_writer_path(jr.w);
  snprintf(resume, sizeof resume, "rbc resume %s", run_id);
  if (cmd->resume)
    opts.resume = &cmd->resume->vm;
  status = vm_run(pf->chunk, &opts, ev);
  aws_client_free(opts.aws);
  loop_free(opts.loop);
  if (jl_writer_failed(jr.w))
    fprintf(stderr, "error[%s]: cannot write the journal %s: %s; the run stopped at a safe "
            "point and the journal is resumable: rbc resume %s\n",
            diag_info(DIAG_RB9006)->code, jl_writer_path(jr.w),
            strerror(jl_writer_failed(jr.w)), run_id);
  else if (ev_failed(ev))
    fprintf(stderr, "rbc: cannot write the run's output: %s\n", strerror(ev_failed(ev)));
  ev_sink_free(ev);
  if (report_files_from_journal(jl_writer_path(jr.w), cmd->report_junit, cmd->report_json)
      != 0 && status == EXIT_OK)
    status = EXIT_CANTCREAT;
  close_journal(&jr);
  return status;
}

/* Preflight, then the run.  The exit status of cli.md 10. */
static int run_file(const struct run_cmd *cmd)
{
  struct preflight pf;
  struct rbc_clock *clk;
  int rc;

  memset(&pf, 0, sizeof pf);
  diag_init(&pf.diags);
  rc = build(&pf, cmd);
  if (rc == 0)
    rc = resolve_params(&pf, cmd);
  if (rc == 0 && cmd->troubleshoot)
    rc = check_troubleshoot(pf.chunk, cmd->troubleshoot);
  if (rc == 0 && cmd->journal_dir)
    rc = check_journal_dir(cmd->journal_dir);
  if (rc == 0)
    rc = report_check_paths(cmd->report_junit, cmd->report_json);
  if (rc == 0 && cmd->resume && cmd->resume->check)
    rc = cmd->resume->check(cmd->resume, pf.chunk);
  if (rc != 0) {
    rc = refuse(&pf, rc);
    free_preflight(&pf);
    return rc;
  }
  clk = cmd->virtual_clock ? clock_new_virtual(CLOCK_VIRTUAL_DEFAULT_EPOCH_MS)
                           : clock_new_real();
  if (!clk || cli_catch_stop_signals() != 0) {
    clock_free(clk);
    free_preflight(&pf);
    fputs("rbc: cannot set up the run\nrbc: nothing was executed.\n", stderr);
    return EXIT_SOFTWARE;
  }
  clock_set_interrupt(clk, &sh_interrupt_requested);
  rc = execute(&pf, cmd, clk);
  clock_free(clk);
  free_preflight(&pf);
  return rc;
}

/* Does the `rbc run` option arg ("--name" or "-x", no "=value") take a value? */
bool cmd_run_option_takes_value(const char *arg)
{
  for (size_t i = 0; run_opts[i].name || run_opts[i].short_name; i++) {
    const struct cli_option *o = &run_opts[i];

    if (o->arg != CLI_ARG_REQUIRED)
      continue;
    if ((arg[0] == '-' && arg[1] == '-' && o->name && strcmp(arg + 2, o->name) == 0)
        || (arg[0] == '-' && o->short_name && arg[1] == o->short_name && arg[2] == '\0'))
      return true;
  }
  return false;
}

/*
** Parse argv into cmd (its mode already set by the caller), run it and
** free it.  A usage error says "nothing was executed" when `say_so`.
** Returns the exit status.
*/
static int run_main(struct run_cmd *cmd, int argc, char **argv, bool say_so)
{
  int rc = parse_args(cmd, argc, argv);

  if (rc == 0)
    rc = run_file(cmd);
  else if (rc < 0)
    rc = EXIT_OK;
  else if (rc == EXIT_USAGE && say_so)
    fputs("rbc: nothing was executed.\n", stderr);
  free_cmd(cmd);
  return rc;
}

/*
** rbc resume (cli/resume.h): the run's options and preflight, continuing
** the journaled run rs.  Returns the exit status.
*/
int cmd_run_resume(int argc, char **argv, struct run_resume *rs)
{
  struct run_cmd cmd;

  memset(&cmd, 0, sizeof cmd);
  cmd.resume = rs;
  return run_main(&cmd, argc, argv, true);
}

/*
** rbc watch (cli/cmd_watch.c): the run's options and preflight, then
** vm_watch with wo.  *fired as vm_watch sets it.  Returns the exit status.
*/
int cmd_run_watch(int argc, char **argv, const struct vm_watch_options *wo, int *fired)
{
  struct run_cmd cmd;

  memset(&cmd, 0, sizeof cmd);
  cmd.watch = wo;
  cmd.fired = fired;
  *fired = 0;
  return run_main(&cmd, argc, argv, false);
}

/*
** rbc run FILE [options]: parse the options, run the preflight and the VM.
** Returns the exit status (cli.md 10).
*/
int cmd_run(int argc, char **argv)
{
  struct run_cmd cmd;

  memset(&cmd, 0, sizeof cmd);
  return run_main(&cmd, argc, argv, true);
}

/* }==== */
