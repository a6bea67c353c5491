/*
** cmd_test.c: `rbc test FILE.rb [SCENARIO.json...]` (docs/testing.md).
**
** The runbook is parsed, checked and compiled once, exactly as `rbc run`
** does.  Then each scenario runs it: its params are resolved, the run gets
** a virtual clock, an event loop with the scenario's world attached
** (stdlib/sim.h: HTTP, AWS, sh, files and confirm answered by the
** scenario, nothing reaching the outside world), a fresh scratch directory
** as its working directory, and a jsonl output into a temporary file.
** vm_run executes the runbook's own bytecode; the event stream is read back
** and the scenario's expectations are checked against it and against the
** calls the world recorded.
**
** Without SCENARIO arguments the scenarios are FILE.scenarios/ *.json next
** to the runbook (FILE without its .rb), in name order.
**
** Exit status: 0 every expectation of every scenario held; 1 one did not
** (or a call was not described: RB5060); 64 usage; 65 the runbook has
** errors or a scenario file is invalid (RB5061; nothing was run); 66 the
** runbook or a scenario cannot be read, or there are no scenarios; 73 a
** report, the scratch directory or the runbook (--update-tested) cannot be
** written; 70 internal error; 130 / 143 interrupted (SIGINT / SIGTERM: the
** running scenario stops at its next safe point, scratch directories are
** removed, the results so far are printed).
*/
#define _GNU_SOURCE

#include <errno.h>
#include <dirent.h>
#include <fnmatch.h>
#include <signal.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/render.h"
#include "cli/scenario.h"
#include "parser/arena.h"
#include "parser/fmt.h"
#include "stdlib/loop.h"
#include "stdlib/shell.h"
#include "vm/bytecode.h"
#include "vm/clock.h"
#include "vm/compile.h"
#include "vm/events.h"
#include "vm/journal.h"
#include "vm/params.h"
#include "vm/value.h"
#include "vm/vm.h"

/* {==== options ==== */

enum { O_FORMAT = 1, O_JUNIT, O_UPDATE_TESTED, O_VERBOSE, O_RECORD, O_OUTPUT };

static const struct cli_option test_opts[] = {
  { "format",        'f', CLI_ARG_REQUIRED, O_FORMAT },
  { "report-junit",  0,   CLI_ARG_REQUIRED, O_JUNIT },
  { "update-tested", 0,   CLI_ARG_NONE,     O_UPDATE_TESTED },
  { "verbose",       'v', CLI_ARG_NONE,     O_VERBOSE },
  { "record",        0,   CLI_ARG_REQUIRED, O_RECORD },
  { "output",        'o', CLI_ARG_REQUIRED, O_OUTPUT },
  { NULL, 0, CLI_ARG_NONE, 0 }
};

enum test_format { TF_TTY, TF_PLAIN, TF_TAP };

struct test_cmd {
  const char *file;             /* the runbook */
  char **scenarios;             /* paths (owned) */
  size_t nscenarios;
  enum test_format format;
  const char *junit;            /* --report-junit FILE, or NULL */
  bool update_tested;
  bool verbose;                 /* print each run's plain event stream too */
  const char *record;           /* --record JOURNAL: write a scenario instead of testing */
  const char *output;           /* -o FILE for --record (default: stdout) */
};

static void test_help(void)
{
  fputs("Usage: rbc test FILE.rb [SCENARIO.json]... [OPTIONS]\n"
        "\n"
        "Run the runbook against simulated worlds (scenario files) on the virtual\n"
        "clock and check each scenario's expectations.  HTTP, AWS, shell commands,\n"
        "files, confirm gates and checklist items are answered by the scenario;\n"
        "nothing reaches the outside world, and a call the scenario does not describe\n"
        "fails it (RB5060).\n"
        "Without SCENARIO, the files FILE.scenarios/*.json next to the runbook run.\n"
        "\n"
        "Output:\n"
        "  -f, --format FORMAT        tty (default), plain or tap\n"
        "      --report-junit FILE    also write a JUnit XML report (one testcase per\n"
        "                             scenario)\n"
        "  -v, --verbose              also print each run's event stream (plain)\n"
        "\n"
        "Recording:\n"
        "      --record JOURNAL       write a scenario from a real run's journal (a RUN-ID\n"
        "                             or a path) that answers every call with the reply\n"
        "                             the run saw (secrets as recorded-secret; see\n"
        "                             docs/testing.md)\n"
        "  -o, --output FILE          where --record writes (default: standard output)\n"
        "\n"
        "Metadata:\n"
        "      --update-tested        when every scenario passes, write today's date\n"
        "                             (RBC_TODAY=YYYY-MM-DD overrides) into the runbook's\n"
        "                             `tested` attribute, through the formatter\n"
        "  -h, --help                 show this help and exit\n"
        "\n"
        "Examples:\n"
        "  rbc test runbooks/payments-api.rb\n"
        "  rbc test runbooks/demo.rb runbooks/demo.scenarios/happy-path.json -f tap\n"
        "  rbc test --report-junit junit.xml --update-tested runbooks/payments-api.rb\n"
        "  rbc test runbooks/demo.rb --record RUN-ID -o runbooks/demo.scenarios/seen.json\n"
        "\n"
        "Exit status: 0 every expectation held, 1 an expectation failed or a call was\n"
        "not described by its scenario, 64 usage, 65 the runbook has errors or a\n"
        "scenario is invalid (nothing was run), 66 FILE or a scenario unreadable or no\n"
        "scenarios found, 73 a report or the runbook cannot be written, 70 internal\n"
        "error, 130/143 interrupted.  See docs/testing.md.\n", stdout);
}

static int add_scenario(struct test_cmd *cmd, const char *path)
{
  char **n = realloc(cmd->scenarios, (cmd->nscenarios + 1) * sizeof *n);

  if (!n)
    return -1;
  cmd->scenarios = n;
  n[cmd->nscenarios] = strdup(path);
  if (!n[cmd->nscenarios])
    return -1;
  cmd->nscenarios++;
  return 0;
}

static void free_cmd(struct test_cmd *cmd)
{
  for (size_t i = 0; i < cmd->nscenarios; i++)
    free(cmd->scenarios[i]);
  free(cmd->scenarios);
}

/* Parse argv; 0, the exit status, or -1 after --help / --version. */
static int parse_args(struct test_cmd *cmd, int argc, char **argv)
{
  static const char *const formats[] = { "tty", "plain", "tap", NULL };
  struct cli_args st;
  char hint[128];
  int r, i;

  cli_args_init(&st, argc, argv, "test");
  for (;;) {
    r = cli_next_opt(&st, test_opts);
    if (r == CLI_OPT_END)
      break;
    switch (r) {
    case CLI_OPT_ERROR:
      return EXIT_USAGE;
    case CLI_OPT_HELP:
      test_help();
      return -1;
    case CLI_OPT_VERSION:
      cli_print_version(stdout);
      return -1;
    case CLI_OPT_POSITIONAL:
      if (!cmd->file)
        cmd->file = st.optarg;
      else if (add_scenario(cmd, st.optarg) != 0)
        return EXIT_SOFTWARE;
      break;
    case O_FORMAT:
      for (i = 0; formats[i] && strcmp(formats[i], st.optarg) != 0; i++)
        ;
      if (!formats[i]) {
        cli_did_you_mean(hint, sizeof hint, st.optarg, formats, "");
        return cli_usage_error("test", "invalid value '%s' for '%s'%s", st.optarg, st.optname,
                               hint);
      }
      cmd->format = (enum test_format)i;
      break;
    case O_JUNIT:
      cmd->junit = st.optarg;
      break;
    case O_UPDATE_TESTED:
      cmd->update_tested = true;
      break;
    case O_VERBOSE:
      cmd->verbose = true;
      break;
    case O_RECORD:
      cmd->record = st.optarg;
      break;
    case O_OUTPUT:
      cmd->output = st.optarg;
      break;
    default:
      return EXIT_USAGE;
    }
  }
  if (!cmd->file)
    return cli_usage_error("test", "missing FILE: the runbook to test");
  return 0;
}

static int by_name(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* FILE.scenarios/ *.json into cmd->scenarios.  0, or the exit status. */
static int default_scenarios(struct test_cmd *cmd)
{
  size_t n = strlen(cmd->file);
  char dir[4096];
  struct dirent *de;
  DIR *d;

  if (n > 3 && strcmp(cmd->file + n - 3, ".rb") == 0)
    n -= 3;
  snprintf(dir, sizeof dir, "%.*s.scenarios", (int)n, cmd->file);
  d = opendir(dir);
  if (!d) {
    fprintf(stderr, "rbc: no scenarios for %s: %s: %s\n", cmd->file, dir, strerror(errno));
    return EXIT_NOINPUT;
  }
  for (de = readdir(d); de != NULL; de = readdir(d)) {
    size_t l = strlen(de->d_name);
    char path[4400];

    if (l <= 5 || strcmp(de->d_name + l - 5, ".json") != 0 || de->d_name[0] == '.')
      continue;
    snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
    if (add_scenario(cmd, path) != 0) {
      closedir(d);
      return EXIT_SOFTWARE;
    }
  }
  closedir(d);
  if (cmd->nscenarios == 0) {
    fprintf(stderr, "rbc: no scenarios for %s: %s holds no *.json file\n", cmd->file, dir);
    return EXIT_NOINPUT;
  }
  qsort(cmd->scenarios, cmd->nscenarios, sizeof *cmd->scenarios, by_name);
  return 0;
}

/* }==== */

/* {==== the runbook ==== */

struct runbook {
  struct arena *arena;
  struct source *src;
  struct parse_result pr;
  struct diag_list diags;
  struct chunk *chunk;
  struct ev_run_info info;      /* rto_ms, the runbook's name */
  char *workdir_abs;            /* not used for runs: scratch dirs are */
};

/* Parse, check and compile; 0 or the exit status (diagnostics rendered). */
static int build(struct runbook *rb, const char *file)
{
  struct comp_options opts = { .lib_dirs = cli_lib_dirs() };
  int rc;

  diag_init(&rb->diags);
  rb->arena = arena_new();
  if (!rb->arena)
    return EXIT_SOFTWARE;
  rc = cli_load_and_check(file, rb->arena, &rb->src, &rb->pr, &rb->diags);
  if (rc == 0 && diag_has_errors(&rb->diags))
    rc = EXIT_DATAERR;
  if (rc == 0 && comp_compile_opts(rb->src, rb->pr.file, &opts, &rb->diags, &rb->chunk) != 0)
    rc = rb->diags.oom ? EXIT_SOFTWARE : EXIT_DATAERR;
  if (rc == 0 && rb->chunk->runbook == CHUNK_NONE) {
    diag_add(&rb->diags, DIAG_RB1012, rb->src, (struct span){ 0, 0 },
             "%s is a library file: it has no runbook to test", file);
    rc = EXIT_DATAERR;
  }
  if (rc != 0) {
    render_errors(stderr, &rb->diags, cli_use_color(stderr));
    fputs("rbc: nothing was run.\n", stderr);
  } else {
    ev_describe(rb->chunk, &rb->info);
  }
  return rc;
}

static void free_runbook(struct runbook *rb)
{
  chunk_free(rb->chunk);
  diag_free(&rb->diags);
  src_free(rb->src);
  arena_free(rb->arena);
}

/* }==== */

/* {==== one scenario ==== */

/* What one scenario's run gave and what its check found. */
struct outcome {
  json_t *events;               /* array of the run's event objects (owned) */
  int exit_code;
  const char *status;           /* run_end status (points into events) */
  int64_t elapsed_ms;           /* virtual time of the run */
  double wall_s;                /* real time */
  char **failures;              /* one line each (owned) */
  size_t nfailures;
  char *log;                    /* the run's plain output with -v or JUnit (owned) */
};

static void fail(struct outcome *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void fail(struct outcome *o, const char *fmt, ...)
{
  char **n = realloc(o->failures, (o->nfailures + 1) * sizeof *n);
  va_list ap;
  char *line = NULL;

  if (!n)
    return;
  o->failures = n;
  va_start(ap, fmt);
  if (vasprintf(&line, fmt, ap) < 0)
    line = NULL;
  va_end(ap);
  if (line)
    o->failures[o->nfailures++] = line;
}

static void free_outcome(struct outcome *o)
{
  for (size_t i = 0; i < o->nfailures; i++)
    free(o->failures[i]);
  free(o->failures);
  json_decref(o->events);
  free(o->log);
  memset(o, 0, sizeof *o);
}

/* Read the jsonl written to fd back into o->events. */
static void read_events(int fd, struct outcome *o)
{
  FILE *f;
  char *line = NULL;
  size_t cap = 0;

  o->events = json_array();
  lseek(fd, 0, SEEK_SET);
  f = fdopen(dup(fd), "r");
  if (!f || !o->events) {
    if (f)
      fclose(f);
    return;
  }
  while (getline(&line, &cap, f) > 0) {
    json_t *ev = json_loads(line, 0, NULL);
    const char *type = json_string_value(json_object_get(ev, "type"));

    if (type && strcmp(type, "run_end") == 0) {
      o->exit_code = (int)json_integer_value(json_object_get(ev, "exit_code"));
      o->status = json_string_value(json_object_get(ev, "status"));
      o->elapsed_ms = json_integer_value(json_object_get(ev, "elapsed_ms"));
    }
    if (ev)
      json_array_append_new(o->events, ev);
  }
  free(line);
  fclose(f);
}

/* Whatever fd holds, as a string (for -v). */
static char *read_all_fd(int fd)
{
  FILE *f;
  char *buf = NULL;
  size_t len = 0;
  FILE *m = open_memstream(&buf, &len);
  char chunk[4096];
  size_t n;

  lseek(fd, 0, SEEK_SET);
  f = fdopen(dup(fd), "r");
  if (f && m)
    for (n = fread(chunk, 1, sizeof chunk, f); n > 0; n = fread(chunk, 1, sizeof chunk, f))
      fwrite(chunk, 1, n, m);
  if (f)
    fclose(f);
  if (m)
    fclose(m);
  return buf;
}

/* No RBC_PARAM_* from the environment: a scenario says every param it sets. */
static const char *no_env(const char *name, void *ctx)
{
  (void)name;
  (void)ctx;
  return NULL;
}

/* Remove one entry of the scratch tree. */
static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
  (void)sb;
  (void)flag;
  (void)ftw;
  return remove(path);
}

/* The scenario's params as --param arguments (texts kept in *texts, owned). */
static int scenario_params(const struct scenario *s, struct vm_param_arg **out, char ***texts,
                           size_t *n)
{
  size_t cap = s->params ? json_object_size(s->params) : 0, i = 0;
  const char *key;
  json_t *v;

  *out = calloc(cap + 1, sizeof **out);
  *texts = calloc(cap + 1, sizeof **texts);
  if (!*out || !*texts)
    return -1;
  if (s->params)
    json_object_foreach(s->params, key, v) {
      char buf[8192], *t;

      if (json_is_string(v)) {
        scenario_expand(s, json_string_value(v), buf, sizeof buf);
        t = strdup(buf);
      } else {
        t = json_dumps(v, JSON_ENCODE_ANY);
      }
      *n = i;
      if (!t)
        return -1;
      (*texts)[i] = t;
      (*out)[i].name = key;
      (*out)[i].value = t;
      i++;
    }
  *n = i;
  return 0;
}

/* Run the runbook in s's world; o gets the events.  0, or -1 (reason in o). */
static int run_scenario(const struct runbook *rb, struct scenario *s, const struct test_cmd *cmd,
                        struct outcome *o)
{
  struct vm_params_input in;
  struct vm_params params;
  struct vm_param_arg *args = NULL;
  char **texts = NULL, scratch[4096], run_id[160];
  const char *tmpdir = getenv("TMPDIR");
  struct diag_list dl;
  struct vm_run_options opts;
  struct rbc_clock *clk = NULL;
  struct rbc_loop *loop = NULL;
  struct ev_sink *ev = NULL;
  FILE *out = NULL, *plain = NULL;
  struct timespec t0, t1;
  size_t nargs = 0;
  int rc = -1;

  memset(&params, 0, sizeof params);
  diag_init(&dl);
  clock_gettime(CLOCK_MONOTONIC, &t0);
  snprintf(scratch, sizeof scratch, "%s/rbc-test-XXXXXX",
           tmpdir && *tmpdir && strlen(tmpdir) < 4000 ? tmpdir : "/tmp");
  if (!mkdtemp(scratch)) {
    fail(o, "cannot create a scratch directory: %s", strerror(errno));
    goto done;
  }
  s->scratch = scratch;
  if (scenario_params(s, &args, &texts, &nargs) != 0) {
    fail(o, "out of memory");
    goto cleanup;
  }
  memset(&in, 0, sizeof in);
  in.args = args;
  in.nargs = nargs;
  in.getenv = no_env;
  in.src = rb->src;
  if (vm_params_resolve(rb->chunk, &in, &params, &dl) != VM_PARAMS_OK) {
    for (size_t i = 0; i < dl.len; i++)
      fail(o, "params: %s", dl.items[i].message);
    if (dl.len == 0)
      fail(o, "params: cannot be resolved");
    goto cleanup;
  }
  clk = clock_new_virtual(CLOCK_VIRTUAL_DEFAULT_EPOCH_MS);
  loop = clk ? loop_new(clk, &sh_interrupt_requested) : NULL;
  ev = clk ? ev_sink_new(clk) : NULL;
  out = tmpfile();
  plain = cmd->verbose || cmd->junit ? tmpfile() : NULL;
  if (!loop || !ev || !out || ((cmd->verbose || cmd->junit) && !plain)
      || ev_sink_add(ev, ev_out_jsonl(fileno(out), 0)) != 0
      || (plain && ev_sink_add(ev, ev_out_plain(fileno(plain))) != 0)) {
    fail(o, "cannot set up the run (out of memory or no temporary file)");
    goto cleanup;
  }
  clock_set_interrupt(clk, &sh_interrupt_requested);
  for (size_t i = 0; i < params.len; i++)
    if (params.items[i].secret)
      ev_add_secret(ev, params.items[i].value);
  scenario_attach(s, loop, scratch);
  snprintf(run_id, sizeof run_id, "test-%s", s->name);
  memset(&opts, 0, sizeof opts);
  opts.params = &params;
  opts.clock = clk;
  opts.run_id = run_id;
  opts.loop = loop;
  opts.interrupt = &sh_interrupt_requested;
  opts.workdir = scratch;
  vm_run(rb->chunk, &opts, ev);
  loop_set_sim(loop, NULL);
  read_events(fileno(out), o);
  if (plain)
    o->log = read_all_fd(fileno(plain));
  rc = 0;
cleanup:
  nftw(scratch, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
  ev_sink_free(ev);
  loop_free(loop);
  clock_free(clk);
  if (out)
    fclose(out);
  if (plain)
    fclose(plain);
  s->scratch = NULL;                    /* both gone: the world is detached */
  s->loop = NULL;
done:
  clock_gettime(CLOCK_MONOTONIC, &t1);
  o->wall_s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  vm_params_free(&params);
  diag_free(&dl);
  for (size_t i = 0; i < nargs; i++)
    free(texts[i]);
  free(texts);
  free(args);
  return rc;
}

/* }==== */

/* {==== expectations ==== */

/* The first diagnostic after step_start of `step` up to its end: "RB5004 message". */
static void step_reason(const json_t *events, const char *step, char *buf, size_t size)
{
  size_t i;
  json_t *ev;
  bool in = false;

  buf[0] = '\0';
  json_array_foreach(events, i, ev) {
    const char *type = json_string_value(json_object_get(ev, "type"));

    if (!type)
      continue;
    if (strcmp(type, "step_start") == 0) {
      const char *n = json_string_value(json_object_get(json_object_get(ev, "step"), "name"));
      in = n && strcmp(n, step) == 0;
    } else if (in && strcmp(type, "diagnostic") == 0) {
      snprintf(buf, size, " (%s %s)", json_string_value(json_object_get(ev, "code")),
               json_string_value(json_object_get(ev, "message")));
      return;
    } else if (strcmp(type, "step_end") == 0) {
      in = false;
    }
  }
}

/* The status of step `name` (step_end events; "not_run" ones too), or NULL. */
static const char *step_status(const json_t *events, const char *name)
{
  size_t i;
  json_t *ev;

  json_array_foreach(events, i, ev) {
    const char *type = json_string_value(json_object_get(ev, "type"));
    const json_t *st = json_object_get(ev, "step");
    const char *n = json_is_string(st) ? json_string_value(st)
                                      : json_string_value(json_object_get(st, "name"));

    if (type && n && strcmp(n, name) == 0
        && (strcmp(type, "step_end") == 0 || strcmp(type, "step_not_run") == 0))
      return json_string_value(json_object_get(ev, "status"))
             ? json_string_value(json_object_get(ev, "status")) : "not_run";
  }
  return NULL;
}

/* The status of checklist item `item` (its last checklist_item event), or NULL. */
static const char *item_status(const json_t *events, const char *item)
{
  const char *got = NULL;
  size_t i;
  json_t *ev;

  json_array_foreach(events, i, ev) {
    const char *type = json_string_value(json_object_get(ev, "type"));
    const char *n = json_string_value(json_object_get(ev, "item"));

    if (type && n && strcmp(type, "checklist_item") == 0 && strcmp(n, item) == 0)
      got = json_string_value(json_object_get(ev, "status"));
  }
  return got;
}

/* Is there a diagnostic event, or a retry event, with this code? */
static bool has_diag(const json_t *events, const char *code)
{
  size_t i;
  json_t *ev;

  json_array_foreach(events, i, ev) {
    const char *type = json_string_value(json_object_get(ev, "type"));
    const char *c = json_string_value(json_object_get(ev, "code"));
    if (type && c && (strcmp(type, "diagnostic") == 0 || strcmp(type, "retry") == 0)
        && strcmp(c, code) == 0)
      return true;
  }
  return false;
}

static void fmt_ms(int64_t ms, char *buf)
{
  val_format_duration(ms, buf);
}

/* expect.calls[i]: count the recorded calls it describes. */
static void check_call(const struct scenario *s, const json_t *c, struct outcome *o)
{
  static const char *const kinds[] = { "http", "aws", "sh", "confirm" };
  const json_t *args = json_object_get(c, "args");
  const json_t *t = json_object_get(c, "times"), *mn = json_object_get(c, "min");
  const json_t *mx = json_object_get(c, "max");
  const char *pat = NULL, *kname = "";
  json_t *want;
  char extra[64] = "";
  enum sc_kind k = SC_HTTP;
  json_int_t n = 0;

  want = args ? scenario_expand_json(s, args) : NULL;
  for (int i = 0; i < 4; i++)
    if (json_is_string(json_object_get(c, kinds[i]))) {
      k = (enum sc_kind)i;
      kname = kinds[i];
      pat = json_string_value(json_object_get(c, kinds[i]));
    }
  for (size_t i = 0; i < s->ncalls; i++) {
    const struct sc_call *r = &s->calls[i];
    const char *text = r->text ? r->text : "";

    if (r->kind != k)
      continue;
    if (k == SC_AWS ? strcmp(text, pat) != 0 && fnmatch(pat, text, 0) != 0
                    : fnmatch(pat, text, 0) != 0)
      continue;
    if (want && !sc_subset(want, r->args))
      continue;
    n++;
  }
  json_decref(want);
  if (args)
    snprintf(extra, sizeof extra, " with the given args");
  if (t && n != json_integer_value(t))
    fail(o, "calls: %s \"%s\"%s: expected %lld time(s), got %lld", kname, pat, extra,
         (long long)json_integer_value(t), (long long)n);
  if (mn && n < json_integer_value(mn))
    fail(o, "calls: %s \"%s\"%s: expected at least %lld, got %lld", kname, pat, extra,
         (long long)json_integer_value(mn), (long long)n);
  if (mx && n > json_integer_value(mx))
    fail(o, "calls: %s \"%s\"%s: expected at most %lld, got %lld", kname, pat, extra,
         (long long)json_integer_value(mx), (long long)n);
  if (!t && !mn && !mx && n == 0)
    fail(o, "calls: %s \"%s\"%s: expected at least one call, got none", kname, pat, extra);
}

/* Check everything s expects against o; failures are added to o. */
static void check_expect(const struct runbook *rb, const struct scenario *s, struct outcome *o)
{
  const json_t *x = s->expect, *v, *c;
  const char *key;
  char a[VAL_FMT_BUF], b[VAL_FMT_BUF];
  int64_t ms;
  size_t i;

  for (i = 0; i < s->ncalls; i++)
    if (!s->calls[i].matched)
      fail(o, "unmatched call: %s %s (RB5060: the scenario does not describe it)",
           sc_kind_name(s->calls[i].kind), s->calls[i].text ? s->calls[i].text : "");
  if (!o->status) {
    fail(o, "the run produced no result");
    return;
  }
  v = json_object_get(x, "exit");
  if (v && json_integer_value(v) != o->exit_code)
    fail(o, "exit code: expected %lld, got %d (%s)", (long long)json_integer_value(v),
         o->exit_code, o->status);
  if (!v && o->exit_code != 0 && !json_object_get(x, "status"))
    fail(o, "exit code: expected 0 (no \"exit\" expectation), got %d (%s)", o->exit_code,
         o->status);
  v = json_object_get(x, "status");
  if (v && strcmp(json_string_value(v), o->status) != 0)
    fail(o, "run status: expected %s, got %s", json_string_value(v), o->status);
  v = json_object_get(x, "steps");
  if (v)
    json_object_foreach((json_t *)v, key, c) {
      const char *got = step_status(o->events, key);
      char why[400];

      if (!got) {
        fail(o, "step \"%s\": expected %s, but the runbook has no step by that name", key,
             json_string_value(c));
      } else if (strcmp(got, json_string_value(c)) != 0) {
        step_reason(o->events, key, why, sizeof why);
        fail(o, "step \"%s\": expected %s, got %s%s", key, json_string_value(c), got, why);
      }
    }
  v = json_object_get(x, "checklist");
  if (v)
    json_object_foreach((json_t *)v, key, c) {
      const char *got = item_status(o->events, key);

      if (!got || strcmp(got, json_string_value(c)) != 0)
        fail(o, "checklist item \"%s\": expected %s, got %s", key, json_string_value(c),
             got ? got : "no result (not evaluated)");
    }
  v = json_object_get(x, "diagnostics");
  if (v)
    json_array_foreach(v, i, c)
      if (json_is_string(c) && !has_diag(o->events, json_string_value(c)))
        fail(o, "diagnostics: expected %s, none was reported", json_string_value(c));
  v = json_object_get(x, "calls");
  if (v)
    json_array_foreach(v, i, c)
      check_call(s, c, o);
  v = json_object_get(x, "max_time");
  if (v && sc_duration(v, &ms) == 0 && o->elapsed_ms > ms) {
    fmt_ms(ms, a);
    fmt_ms(o->elapsed_ms, b);
    fail(o, "time: expected at most %s, took %s (virtual)", a, b);
  }
  v = json_object_get(x, "min_time");
  if (v && sc_duration(v, &ms) == 0 && o->elapsed_ms < ms) {
    fmt_ms(ms, a);
    fmt_ms(o->elapsed_ms, b);
    fail(o, "time: expected at least %s, took %s (virtual)", a, b);
  }
  v = json_object_get(x, "within_rto");
  if (v && rb->info.rto_ms < 0) {
    fail(o, "within_rto: the runbook declares no rto");
  } else if (v && json_is_true(v) != (o->elapsed_ms <= rb->info.rto_ms)) {
    fmt_ms(rb->info.rto_ms, a);
    fmt_ms(o->elapsed_ms, b);
    fail(o, "rto: expected the run %s the RTO of %s, it took %s (virtual)",
         json_is_true(v) ? "within" : "to exceed", a, b);
  }
}

/* }==== */

/* {==== outputs ==== */

static void xml_text(FILE *f, const char *s)
{
  for (; *s; s++) {
    switch (*s) {
    case '<': fputs("&lt;", f); break;
    case '>': fputs("&gt;", f); break;
    case '&': fputs("&amp;", f); break;
    case '"': fputs("&quot;", f); break;
    default:
      if ((unsigned char)*s < 0x20 && *s != '\n' && *s != '\t')
        fputc(' ', f);
      else
        fputc(*s, f);
    }
  }
}

/*
** Close f, an open_memstream over *buf and *len, and write its bytes to
** path atomically (mode as fopen would create it); ok false when a write
** to f failed.  Frees *buf.  0, or EXIT_CANTCREAT after the message.
*/
static int commit_stream(FILE *f, char **buf, size_t *len, bool ok, const char *path)
{
  int err = (fclose(f) != 0 || !ok) ? ENOMEM
            : cli_write_atomic(path, *buf, *len, CLI_MODE_UMASK, 0);

  free(*buf);
  *buf = NULL;
  if (err == 0)
    return 0;
  fprintf(stderr, "rbc: cannot write %s: %s\n", path, strerror(err));
  return EXIT_CANTCREAT;
}

/* The JUnit report: one testsuite (the runbook), one testcase per scenario. */
static int write_junit(const char *path, const struct runbook *rb, struct scenario **sc,
                       const struct outcome *oc, size_t n)
{
  char *buf = NULL;
  size_t len = 0, failures = 0;
  double total = 0;
  FILE *f;

  for (size_t i = 0; i < n; i++) {
    failures += oc[i].nfailures > 0;
    total += (double)oc[i].elapsed_ms / 1000.0;
  }
  f = open_memstream(&buf, &len);
  if (!f) {
    fprintf(stderr, "rbc: cannot write %s: %s\n", path, strerror(errno));
    return EXIT_CANTCREAT;
  }
  fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"rbc test ");
  xml_text(f, rb->info.runbook ? rb->info.runbook : "");
  fprintf(f, "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" time=\"%.3f\">\n", n, failures,
          total);
  fputs("  <testsuite name=\"", f);
  xml_text(f, rb->info.runbook ? rb->info.runbook : "");
  fprintf(f, " scenarios\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"0\" "
          "time=\"%.3f\">\n", n, failures, total);
  for (size_t i = 0; i < n; i++) {
    fputs("    <testcase classname=\"", f);
    xml_text(f, rb->info.runbook ? rb->info.runbook : "");
    fputs("\" name=\"", f);
    xml_text(f, sc[i]->name);
    fputs("\" file=\"", f);
    xml_text(f, sc[i]->path);
    fprintf(f, "\" time=\"%.3f\"", (double)oc[i].elapsed_ms / 1000.0);
    if (oc[i].nfailures == 0) {
      fputs("/>\n", f);
      continue;
    }
    fputs(">\n      <failure type=\"RB5062\" message=\"", f);
    xml_text(f, oc[i].failures[0]);
    fputs("\">", f);
    for (size_t k = 0; k < oc[i].nfailures; k++) {
      xml_text(f, oc[i].failures[k]);
      fputc('\n', f);
    }
    fputs("</failure>\n", f);
    if (oc[i].log) {                    /* the run's events, secrets already scrubbed */
      fputs("      <system-out>", f);
      xml_text(f, oc[i].log);
      fputs("</system-out>\n", f);
    }
    fputs("    </testcase>\n", f);
  }
  fputs("  </testsuite>\n</testsuites>\n", f);
  return commit_stream(f, &buf, &len, true, path);
}

/* One scenario's result on stdout in the chosen format. */
static void print_result(const struct test_cmd *cmd, size_t idx, const struct scenario *s,
                         const struct outcome *o)
{
  bool ok = o->nfailures == 0;
  bool color = cmd->format == TF_TTY && cli_use_color(stdout);
  char t[VAL_FMT_BUF];

  fmt_ms(o->elapsed_ms, t);
  if (cmd->verbose && o->log)
    fputs(o->log, stdout);
  if (cmd->format == TF_TAP) {
    printf("%s %zu - %s\n", ok ? "ok" : "not ok", idx + 1, s->name);
    if (!ok) {
      printf("  ---\n  file: %s\n  failures:\n", s->path);
      for (size_t i = 0; i < o->nfailures; i++) {
        fputs("    - \"", stdout);
        for (const char *p = o->failures[i]; *p; p++)
          if (*p == '"' || *p == '\\')
            printf("\\%c", *p);
          else
            putchar(*p);
        fputs("\"\n", stdout);
      }
      puts("  ...");
    }
    return;
  }
  printf("%s%-4s%s  %s  (%s virtual, %d call%s, exit %d)\n",
         color ? (ok ? "\033[32m" : "\033[1;31m") : "", ok ? "ok" : "FAIL",
         color ? "\033[0m" : "", s->name, t, (int)s->ncalls, s->ncalls == 1 ? "" : "s",
         o->exit_code);
  if (!ok) {
    printf("      %s\n", s->path);
    for (size_t i = 0; i < o->nfailures; i++)
      printf("      %s\n", o->failures[i]);
  }
}

/* }==== */

/* {==== --update-tested ==== */

/* Today as YYYY-MM-DD (RBC_TODAY when set and valid); -1 when RBC_TODAY is bad. */
static int today(char *buf)
{
  const char *t = getenv("RBC_TODAY");
  int y, m, d;
  char end;
  time_t now;
  struct tm tm;

  if (t && *t) {
    if (sscanf(t, "%4d-%2d-%2d%c", &y, &m, &d, &end) != 3 || m < 1 || m > 12 || d < 1
        || d > 31 || strlen(t) != 10)
      return -1;
    memcpy(buf, t, 11);
    return 0;
  }
  now = time(NULL);
  gmtime_r(&now, &tm);
  strftime(buf, 11, "%Y-%m-%d", &tm);
  return 0;
}

/* The META node `key` of the runbook, or NULL. */
static const struct ast_node *find_meta(const struct ast_node *file, const char *key,
                                        const struct ast_node **runbook)
{
  for (const struct ast_node *it = file->u.file.items; it; it = it->next) {
    if (it->kind != AST_RUNBOOK)
      continue;
    *runbook = it;
    for (const struct ast_node *p = it->u.runbook.items; p; p = p->next)
      if (p->kind == AST_META && p->u.meta.key.name && strcmp(p->u.meta.key.name, key) == 0)
        return p;
  }
  return NULL;
}

/*
** Write date into the `tested` attribute: replace its value's text (or add
** `tested "DATE"` after the runbook's `{`), then format the whole file with
** fmt_source (comments kept) and replace the file atomically.
*/
static int update_tested(const struct runbook *rb, const char *file)
{
  const struct ast_node *runbook = NULL, *m = find_meta(rb->pr.file, "tested", &runbook);
  const char *text = rb->src->text;
  size_t len = rb->src->len, at, cut;
  char date[16], *out = NULL;
  struct fmt_buf nb;
  struct source *ns;
  struct diag_list dl;
  size_t out_len = 0;
  int rc;

  if (today(date) != 0) {
    fprintf(stderr, "rbc: RBC_TODAY='%s' is not a date YYYY-MM-DD\n", getenv("RBC_TODAY"));
    return EXIT_USAGE;
  }
  fmt_buf_init(&nb);
  if (m && m->u.meta.value) {
    at = m->u.meta.value->span.start;
    cut = m->u.meta.value->span.end;
    fmt_buf_add(&nb, text, at);
    fmt_buf_printf(&nb, "\"%s\"", date);
    fmt_buf_add(&nb, text + cut, len - cut);
  } else if (runbook) {
    const char *brace = memchr(text + runbook->span.start, '{',
                               runbook->span.end - runbook->span.start);
    at = brace ? (size_t)(brace - text) + 1 : runbook->span.start;
    fmt_buf_add(&nb, text, at);
    fmt_buf_printf(&nb, "\n  tested \"%s\"", date);
    fmt_buf_add(&nb, text + at, len - at);
  } else {
    fmt_buf_free(&nb);
    return EXIT_DATAERR;
  }
  if (nb.oom) {
    fmt_buf_free(&nb);
    return EXIT_SOFTWARE;
  }
  ns = src_new(file, nb.data, nb.len);
  fmt_buf_free(&nb);
  diag_init(&dl);
  rc = ns ? fmt_source(ns, &dl, &out, &out_len) : FMT_NOMEM;
  diag_free(&dl);
  src_free(ns);
  if (rc != FMT_OK) {
    free(out);
    fprintf(stderr, "rbc: cannot format %s to update `tested`\n", file);
    return rc == FMT_NOMEM ? EXIT_SOFTWARE : EXIT_DATAERR;
  }
  rc = cli_write_atomic(file, out, out_len, CLI_MODE_KEEP, 0);
  free(out);
  if (rc != 0) {
    fprintf(stderr, "rbc: cannot write %s: %s\n", file, strerror(rc));
    return EXIT_CANTCREAT;
  }
  fprintf(stderr, "rbc: %s: tested \"%s\"\n", file, date);
  return 0;
}

/* }==== */

/* {==== --record ==== */

/*
** text as a glob matching only itself (\\ before * ? [ ] and \\), into buf;
** *** (a secret the journal masked) becomes the glob *, which matches it.
*/
static void glob_quote(const char *text, char *buf, size_t size)
{
  size_t o = 0;

  for (; *text && o + 2 < size; text++) {
    if (strncmp(text, "***", 3) == 0) {
      buf[o++] = '*';
      text += 2;
      continue;
    }
    if (strchr("*?[]\\", *text))
      buf[o++] = '\\';
    buf[o++] = *text;
  }
  buf[o] = '\0';
}

/* What a value the journal shows as *** (a secret) is replayed as (docs/testing.md). */
#define RECORDED_SECRET "recorded-secret"

/* The string j with every "***" replaced by RECORDED_SECRET. */
static json_t *unmask_string(const json_t *j)
{
  const char *s = json_string_value(j);
  size_t n = json_string_length(j), o = 0, i = 0;
  char *buf = malloc(n / 3 * sizeof RECORDED_SECRET + n + 1);
  json_t *out;

  if (!buf)
    return NULL;
  while (i < n) {
    if (n - i >= 3 && memcmp(s + i, "***", 3) == 0) {
      memcpy(buf + o, RECORDED_SECRET, sizeof RECORDED_SECRET - 1);
      o += sizeof RECORDED_SECRET - 1;
      i += 3;
    } else {
      buf[o++] = s[i++];
    }
  }
  out = json_stringn(buf, o);
  free(buf);
  return out;
}

/* j with every "***" in its strings (at any depth) replaced by RECORDED_SECRET. */
static json_t *unmask(const json_t *j)
{
  json_t *out, *v;
  const char *key;
  size_t i;

  if (json_is_string(j))
    return unmask_string(j);
  if (json_is_array(j)) {
    out = json_array();
    json_array_foreach(j, i, v)
      json_array_append_new(out, unmask(v));
    return out;
  }
  if (json_is_object(j)) {
    out = json_object();
    json_object_foreach((json_t *)j, key, v)
      json_object_set_new(out, key, unmask(v));
    return out;
  }
  return json_copy((json_t *)j);
}

/* The rule of `section` (an array) whose key `key` is `value`; appended when missing. */
static json_t *rule_for(json_t *section, const char *key, const char *value)
{
  char quoted[4200];
  size_t i;
  json_t *r;

  if (strcmp(key, "match") == 0 && strcmp(value, "*") != 0) {
    glob_quote(value, quoted, sizeof quoted);
    value = quoted;
  }
  json_array_foreach(section, i, r)
    if (strcmp(json_string_value(json_object_get(r, key)), value) == 0)
      return r;
  r = json_pack("{s:s, s:[]}", key, value, "replies");
  if (r)
    json_array_append_new(section, r);
  return r;
}

/* One reply for an action event: what its status says, delayed by its elapsed time. */
static json_t *recorded_reply(const char *kind, const char *status, json_int_t ms)
{
  static const char *const neterr[][2] = {
    { "refused", "refused" }, { "timed-out", "timeout" }, { "dns-error", "dns" },
    { "reset", "reset" }, { "tls-error", "tls" }
  };
  json_t *r = json_object();
  char *end;
  long code;

  if (!r)
    return NULL;
  if (ms > 0)
    json_object_set_new(r, "delay", json_integer(ms));
  if (strcmp(kind, "http") == 0) {
    code = strtol(status, &end, 10);
    if (*end == '\0' && code >= 100 && code <= 599) {
      json_object_set_new(r, "status", json_integer(code));
      return r;
    }
    for (size_t i = 0; i < sizeof neterr / sizeof neterr[0]; i++)
      if (strcmp(status, neterr[i][0]) == 0)
        json_object_set_new(r, "error", json_string(neterr[i][1]));
    if (!json_object_get(r, "error"))
      json_object_set_new(r, "status", json_integer(200));
  } else if (strcmp(kind, "aws") == 0) {
    if (strcmp(status, "ok") == 0)
      json_object_set_new(r, "reply", json_object());
    else
      json_object_set_new(r, "error", json_string("RecordedError"));
  } else {
    if (strcmp(status, "timed-out") == 0)
      json_object_set_new(r, "timeout", json_true());
    else
      json_object_set_new(r, "exit", json_integer(strcmp(status, "ok") == 0 ? 0 : 1));
  }
  return r;
}

/* r[key] = ex[key] unmasked, when it is a string (a non-empty one unless empty_ok). */
static void copy_text(json_t *r, const json_t *ex, const char *key, bool empty_ok)
{
  const json_t *v = json_object_get(ex, key);

  if (json_is_string(v) && (empty_ok || json_string_length(v) > 0))
    json_object_set_new(r, key, unmask(v));
}

/* r (recorded_reply's) completed from an `aws` action's exports. */
static void exported_aws(json_t *r, const json_t *ex)
{
  const json_t *err = json_object_get(ex, "error"), *v;
  json_int_t attempts, st;

  if (!json_is_object(err)) {
    v = json_object_get(ex, "reply");
    if (v)
      json_object_set_new(r, "reply", unmask(v));
    return;
  }
  v = json_object_get(err, "code");
  json_object_set_new(r, "error", json_string(json_string_length(v) > 0
                                              ? json_string_value(v) : "RecordedError"));
  copy_text(r, err, "message", true);
  st = json_integer_value(json_object_get(err, "status"));
  if (st >= 400 && st <= 599)
    json_object_set_new(r, "status", json_integer(st));
  /* the client's attempts, each one a reply of the scenario (at most the 3 it makes) */
  attempts = json_integer_value(json_object_get(err, "attempts"));
  if (attempts > 1)
    json_object_set_new(r, "times", json_integer(attempts > 3 ? 3 : attempts));
}

/*
** r (recorded_reply's) completed from the action's exports (docs/journal.md):
** the HTTP body and content type, the AWS reply or error, the command's exit
** code and output.  Secrets (***) become RECORDED_SECRET.
*/
static void exported_reply(json_t *r, const char *kind, const json_t *ex)
{
  const json_t *v;

  if (strcmp(kind, "http") == 0) {
    copy_text(r, ex, "body", false);
    copy_text(r, ex, "content_type", false);
  } else if (strcmp(kind, "aws") == 0) {
    exported_aws(r, ex);
  } else if (strcmp(kind, "sh") == 0) {
    v = json_object_get(ex, "exit");
    if (json_is_integer(v))
      json_object_set_new(r, "exit", json_integer(json_integer_value(v)));
    copy_text(r, ex, "stdout", false);
    copy_text(r, ex, "stderr", false);
  }
}

/* Does glob g hold a wildcard (a * ? or [ not quoted by \\)? */
static bool has_wildcard(const char *g)
{
  for (; *g; g++) {
    if (*g == '\\' && g[1])
      g++;
    else if (strchr("*?[", *g))
      return true;
  }
  return false;
}

/*
** expect.calls gets { KIND: match, "times": N } for each rule of section that
** matches one call line only, N the calls its replies answered (a reply with
** "times" answers that many: the attempts of a retried AWS call).  Not the
** rules in uncounted: requests that carried a secret, which a test shows as ***.
*/
static void count_calls(json_t *calls, const json_t *section, const char *kind, const char *key,
                        const json_t *uncounted)
{
  size_t i, j;
  json_t *rule, *rp;

  json_array_foreach(section, i, rule) {
    json_int_t n = 0;
    const char *m = json_string_value(json_object_get(rule, key));

    if (!m || (strcmp(key, "match") == 0 && has_wildcard(m)) || json_object_get(uncounted, m))
      continue;
    json_array_foreach(json_object_get(rule, "replies"), j, rp)
      n += json_object_get(rp, "times") ? json_integer_value(json_object_get(rp, "times")) : 1;
    json_array_append_new(calls, json_pack("{s:s, s:I}", kind, m, "times", n));
  }
}

/* The scenario a journal describes (see docs/testing.md "Recording"). */
static json_t *record_scenario(const struct jl_reader *jr)
{
  json_t *sc = json_object(), *params = json_object(), *http = json_array();
  json_t *aws = json_array(), *sh = json_array(), *confirm = json_array();
  json_t *steps = json_object(), *expect = json_object(), *checklist = json_array();
  json_t *http_masked = json_array(), *calls = json_array(), *uncounted = json_object();
  bool exports_seen = false;    /* the journal has action exports (not an older one) */
  char name[200];

  if (!sc || !params || !http || !aws || !sh || !confirm || !steps || !expect || !checklist
      || !http_masked || !calls || !uncounted) {
    json_decref(uncounted);
    json_decref(http_masked);
    json_decref(calls);
    json_decref(checklist);
    json_decref(sc);
    json_decref(params);
    json_decref(http);
    json_decref(aws);
    json_decref(sh);
    json_decref(confirm);
    json_decref(steps);
    json_decref(expect);
    return NULL;
  }
  for (size_t i = 0; i < jl_count(jr) && !exports_seen; i++)
    exports_seen = json_object_get(jl_event(jr, i), "exports") != NULL;
  snprintf(name, sizeof name, "recorded-%s", jl_run_id(jr) ? jl_run_id(jr) : "run");
  json_object_set_new(sc, "name", json_string(name));
  json_object_set_new(sc, "description", json_string(
    "Recorded from a journal by rbc test --record: each call's reply as the run saw it, "
    "in order (see docs/testing.md, Recording).  Secrets are replayed as \"" RECORDED_SECRET
    "\"."));
  for (size_t i = 0; i < jl_count(jr); i++) {
    json_t *ev = jl_event(jr, i), *v, *st;
    const char *type = json_string_value(json_object_get(ev, "type"));
    const char *kind, *call, *status, *key;

    if (!type)
      continue;
    if (strcmp(type, "run_start") == 0) {
      json_object_foreach(json_object_get(ev, "params"), key, v)
        json_object_set_new(params, key, unmask(v));   /* a secret: RECORDED_SECRET */
    } else if (strcmp(type, "gate") == 0) {
      const char *q = json_string_value(json_object_get(ev, "question"));
      const char *a = json_string_value(json_object_get(ev, "answer"));
      char quoted[1200];

      if (q && a && strcmp(a, "halted") != 0) {
        glob_quote(q, quoted, sizeof quoted);
        json_array_append_new(confirm, json_pack("{s:s, s:b}", "match", quoted, "answer",
                                                 strcmp(a, "yes") == 0));
      }
    } else if (strcmp(type, "checklist_item") == 0) {
      const char *item = json_string_value(json_object_get(ev, "item"));
      const char *a = json_string_value(json_object_get(ev, "status"));
      char quoted[1200];

      if (item && a && (strcmp(a, "confirmed") == 0 || strcmp(a, "declined") == 0)) {
        glob_quote(item, quoted, sizeof quoted);
        json_array_append_new(checklist, json_pack("{s:s, s:b}", "match", quoted, "answer",
                                                   strcmp(a, "confirmed") == 0));
      }
    } else if (strcmp(type, "step_end") == 0) {
      st = json_object_get(ev, "step");
      key = json_is_string(st) ? json_string_value(st)
                               : json_string_value(json_object_get(st, "name"));
      if (key && json_is_string(json_object_get(ev, "status")))
        json_object_set(steps, key, json_object_get(ev, "status"));
    } else if (strcmp(type, "run_end") == 0) {
      json_object_set(expect, "exit", json_object_get(ev, "exit_code"));
      json_object_set(expect, "status", json_object_get(ev, "status"));
    } else if (strcmp(type, "action") == 0) {
      json_t *rule = NULL, *reply, *ex = json_object_get(ev, "exports");
      json_int_t ms = json_integer_value(json_object_get(ev, "elapsed_ms"));
      const char *command = json_string_value(json_object_get(ex, "command"));

      kind = json_string_value(json_object_get(ev, "kind"));
      call = json_string_value(json_object_get(ev, "call"));
      status = json_string_value(json_object_get(ev, "status"));
      if (!kind || !call || !status)
        continue;
      /* in a journal with exports, a call without them never reached the world
      ** (an `sh` refused before it ran): the replay will not ask for a reply */
      if (exports_seen && !ex && strcmp(kind, "sh") == 0)
        continue;
      if (strcmp(kind, "http") == 0 && strncmp(call, "bench ", 6) == 0) {
        rule = rule_for(http, "match", call + 6);
        status = "200";
        ms = 0;
        ex = NULL;
      } else if (strcmp(kind, "http") == 0) {
        /* a masked URL (***) matches any: such rules go after the others */
        rule = rule_for(strstr(call, "***") ? http_masked : http, "match", call);
      } else if (strcmp(kind, "aws") == 0) {
        rule = rule_for(aws, "op", call);
      } else if (strcmp(kind, "sh") == 0) {
        rule = rule_for(sh, "match", command && strlen(command) < 2000 ? command : "*");
      }
      if (rule && json_is_true(json_object_get(ex, "secret")))
        json_object_set_new(uncounted, json_string_value(json_object_get(rule, "match")),
                            json_true());
      reply = rule ? recorded_reply(kind, status, ms) : NULL;
      if (reply) {
        if (json_is_object(ex))
          exported_reply(reply, kind, ex);
        json_array_append_new(json_object_get(rule, "replies"), reply);
      }
    }
  }
  json_array_extend(http, http_masked);
  json_decref(http_masked);
  count_calls(calls, http, "http", "match", uncounted);
  count_calls(calls, aws, "aws", "op", uncounted);
  count_calls(calls, sh, "sh", "match", uncounted);
  json_decref(uncounted);
  if (json_array_size(calls) > 0)
    json_object_set_new(expect, "calls", calls);
  else
    json_decref(calls);
  json_object_set_new(sc, "params", params);
  json_object_set_new(sc, "confirm", confirm);
  if (json_array_size(checklist) > 0)
    json_object_set_new(sc, "checklist", checklist);
  else
    json_decref(checklist);
  json_object_set_new(sc, "http", http);
  json_object_set_new(sc, "aws", aws);
  json_object_set_new(sc, "sh", sh);
  json_object_set_new(expect, "steps", steps);
  json_object_set_new(sc, "expect", expect);
  return sc;
}

/* rbc test FILE --record JOURNAL [-o OUT]: write the recorded scenario. */
static int record(const struct test_cmd *cmd)
{
  struct jl_reader *jr = NULL;
  struct jl_problem prob;
  json_t *sc;
  int rc;

  memset(&prob, 0, sizeof prob);
  rc = jl_open(cmd->record, NULL, &jr, &prob);
  if (rc != 0) {
    fprintf(stderr, "rbc: %s: %s\n", prob.path[0] ? prob.path : cmd->record, prob.message);
    return rc;
  }
  sc = record_scenario(jr);
  jl_close(jr);
  if (!sc) {
    fputs("rbc: out of memory\n", stderr);
    return EXIT_SOFTWARE;
  }
  if (!cmd->output) {
    rc = json_dumpf(sc, stdout, JSON_INDENT(2)) == 0 && fputc('\n', stdout) != EOF
         ? 0 : EXIT_CANTCREAT;
  } else {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    if (!f) {
      fprintf(stderr, "rbc: cannot write %s: %s\n", cmd->output, strerror(errno));
      rc = EXIT_CANTCREAT;
    } else {
      bool ok = json_dumpf(sc, f, JSON_INDENT(2)) == 0 && fputc('\n', f) != EOF;

      rc = commit_stream(f, &buf, &len, ok, cmd->output);
    }
  }
  json_decref(sc);
  return rc;
}

/* }==== */

/* Load every scenario (all reported); 0 or 65 / 66. */
static int load_all(const struct test_cmd *cmd, struct scenario **sc)
{
  char msg[1200];
  int rc = 0;

  for (size_t i = 0; i < cmd->nscenarios; i++) {
    sc[i] = scenario_load(cmd->scenarios[i], msg, sizeof msg);
    if (!sc[i]) {
      struct stat sb;
      bool missing = stat(cmd->scenarios[i], &sb) != 0 || S_ISDIR(sb.st_mode)
                     || access(cmd->scenarios[i], R_OK) != 0;

      fprintf(stderr, "error[%s]: %s\n", missing ? "RB9003" : "RB5061", msg);
      if (rc == 0 || !missing)
        rc = missing && rc == 0 ? EXIT_NOINPUT : EXIT_DATAERR;
    }
  }
  return rc;
}

static int test_file(struct test_cmd *cmd)
{
  struct runbook rb;
  struct scenario **sc = NULL;
  struct outcome *oc = NULL;
  size_t passed = 0;
  int64_t virt = 0;
  double wall = 0;
  int rc;

  memset(&rb, 0, sizeof rb);
  rc = access(cmd->file, R_OK) == 0 ? 0 : EXIT_NOINPUT;
  if (rc != 0)
    fprintf(stderr, "rbc: cannot read %s: %s\n", cmd->file, strerror(errno));
  if (rc == 0 && cmd->nscenarios == 0)
    rc = default_scenarios(cmd);
  if (rc == 0) {
    sc = calloc(cmd->nscenarios, sizeof *sc);
    oc = calloc(cmd->nscenarios, sizeof *oc);
    rc = sc && oc ? load_all(cmd, sc) : EXIT_SOFTWARE;
    if (rc != 0)
      fputs("rbc: nothing was run.\n", stderr);
  }
  if (rc == 0)
    rc = build(&rb, cmd->file);
  if (rc == 0)
    cli_catch_stop_signals();    /* runs stop at a safe point; scratch dirs go */
  if (rc == 0 && cmd->format == TF_TAP)
    printf("TAP version 13\n1..%zu\n", cmd->nscenarios);
  for (size_t i = 0; rc == 0 && i < cmd->nscenarios; i++) {
    if (run_scenario(&rb, sc[i], cmd, &oc[i]) == 0)
      check_expect(&rb, sc[i], &oc[i]);
    passed += oc[i].nfailures == 0;
    virt += oc[i].elapsed_ms;
    wall += oc[i].wall_s;
    print_result(cmd, i, sc[i], &oc[i]);
    if (sh_interrupt_requested)
      break;
  }
  if (rc == 0) {
    char t[VAL_FMT_BUF];

    fmt_ms(virt, t);
    if (cmd->format != TF_TAP)
      printf("\n%zu scenario%s: %zu passed, %zu failed  (%s virtual in %.3fs)\n",
             cmd->nscenarios, cmd->nscenarios == 1 ? "" : "s", passed,
             cmd->nscenarios - passed, t, wall);
    else
      printf("# %zu passed, %zu failed (%s virtual in %.3fs)\n", passed,
             cmd->nscenarios - passed, t, wall);
    fflush(stdout);
    if (cmd->junit)
      rc = write_junit(cmd->junit, &rb, sc, oc, cmd->nscenarios);
    if (rc == 0 && passed != cmd->nscenarios)
      rc = EXIT_FINDINGS;
    if (cli_stop_signal)
      rc = cli_stop_signal == SIGTERM ? 143 : 130;
    if (rc == 0 && cmd->update_tested)
      rc = update_tested(&rb, cmd->file);
    else if (cmd->update_tested)
      fputs("rbc: `tested` not updated: not every scenario passed\n", stderr);
  }
  for (size_t i = 0; sc && i < cmd->nscenarios; i++) {
    scenario_free(sc[i]);
    free_outcome(&oc[i]);
  }
  free(sc);
  free(oc);
  free_runbook(&rb);
  return rc;
}

/*
** rbc test FILE [SCENARIO...] [options]: see the top of the file.
** Returns the exit status.
*/
int cmd_test(int argc, char **argv)
{
  struct test_cmd cmd;
  int rc;

  memset(&cmd, 0, sizeof cmd);
  rc = parse_args(&cmd, argc, argv);
  if (rc == 0 && cmd.record)
    rc = record(&cmd);
  else if (rc == 0)
    rc = test_file(&cmd);
  else if (rc < 0)
    rc = EXIT_OK;
  free_cmd(&cmd);
  return rc;
}
