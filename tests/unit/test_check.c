/*
** test_check.c: the checker (parser/check*.c) on source snippets.
**
** Each case of the table is a runbook body (wrapped in a runbook that has
** an owner and an rto, so RB4001 stays quiet) or a whole file, the code
** expected, and its line:column.  A case passes when that diagnostic is
** reported there and nothing else of warning severity or above is.  Clean
** cases expect no diagnostic at all.  RB4006 (unused param) is ignored
** unless it is the code expected, so snippets need not use their params.
*/
#define _POSIX_C_SOURCE 200809L  /* mkdtemp */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "lexer/diag.h"
#include "lexer/source.h"
#include "lexer/suggest.h"
#include "parser/arena.h"
#include "parser/check.h"
#include "parser/parse.h"
#include "stdlib/builtins.h"

/* Lines the wrapper puts before a body: `runbook "t" {`, owner, rto. */
#define WRAP_LINES 3

struct check_case {
  const char *name;
  const char *body;             /* runbook body, or a whole file when whole */
  bool whole;
  int code;                     /* expected enum diag_code, or -1 for clean */
  uint32_t line, col;           /* of the body (whole files: of the file) */
};

#define CASE(n, body, code, line, col) { n, body, false, DIAG_##code, line, col }
#define CLEAN(n, body) { n, body, false, -1, 0, 0 }
#define FILE_CASE(n, text, code, line, col) { n, text, true, DIAG_##code, line, col }

static const struct check_case cases[] = {
  /* {==== names ==== */
  CASE("undefined name", "param lb_dns = \"x\"\nstep \"a\" {\n  log lb_dsn\n}", RB2001, 3, 7),
  CASE("undefined in fn", "fn f(a) {\n  return a + b\n}", RB2001, 2, 14),
  CASE("for var out of scope", "step \"a\" {\n  for x in [1] {\n  }\n  log x\n}",
       RB2001, 4, 7),
  CASE("nested let is local", "step \"a\" {\n  if true {\n    let y = 1\n  }\n  log y\n}",
       RB2001, 5, 7),
  CASE("undefined assignment target", "step \"a\" {\n  zz = 1\n}", RB2001, 2, 3),
  CASE("step binding used too early",
       "step \"a\" {\n  log st\n}\nstep \"b\" {\n  let st = 1\n}", RB2016, 2, 7),
  CASE("step binding behind when",
       "param go = false\nstep \"a\" when go {\n  let st = 1\n}\nstep \"b\" {\n  log st\n}",
       RB2016, 6, 7),
  CLEAN("step binding in a later step",
        "step \"a\" {\n  let st = 1\n}\nstep \"b\" {\n  log st\n}"),
  CLEAN("fn sees params and resources",
        "param p = 1\nresource logs \"x\"\nfn f(a) {\n  return [a, p, logs]\n}"),
  CASE("local hides a param", "param p = 1\nfn f() {\n  let p = 2\n  return p\n}",
       RB2020, 3, 7),

  /* {==== duplicates ==== */
  CASE("duplicate phase", "phase \"p\" {\n}\nphase \"p\" {\n}", RB2006, 3, 7),
  CASE("duplicate step across phases",
       "phase \"p\" {\n  step \"s\" {\n  }\n}\nphase \"q\" {\n  step \"s\" {\n  }\n}",
       RB2006, 6, 8),
  CASE("duplicate param", "param a = 1\nparam a = 2", RB2006, 2, 7),
  CASE("param and secret clash", "param a = 1\nsecret a = \"x\"", RB2006, 2, 8),
  CASE("duplicate fn", "fn f() {\n}\nfn f() {\n}", RB2006, 3, 4),
  CASE("duplicate fn parameter", "fn f(a, a) {\n}", RB2006, 1, 9),

  /* {==== metadata ==== */
  CASE("unknown metadata key", "titel \"x\"", RB2012, 1, 1),
  CASE("repeated metadata key", "title \"x\"\ntitle \"y\"", RB2012, 2, 1),
  CASE("bad criticality", "criticality hgih", RB2005, 1, 13),
  CASE("bad status", "status \"done\"", RB2005, 1, 8),
  CASE("rpo not a duration", "rpo 5", RB2004, 1, 5),
  CASE("review not a duration", "review \"90d\"", RB2004, 1, 8),
  CASE("tested not a date", "tested \"2026-02-30\"", RB2013, 1, 8),
  CASE("title not a string", "title 42", RB2012, 1, 7),
  CLEAN("metadata in full",
        "title \"T\"\ncriticality high\nexpected 15m\nrpo 5m\ntested \"2024-02-29\"\n"
        "review 36500d\nstatus approved\nversion \"1.2\""),
  CASE("stale runbook", "tested \"2020-01-01\"\nreview 90d", RB4002, 1, 8),
  FILE_CASE("budgets exceed rto", "runbook \"t\" {\n  owner \"o\"\n  rto 15m\n"
            "  phase \"a\" within 10m {\n  }\n  phase \"b\" within 10m {\n  }\n}\n",
            RB3007, 3, 7),
  CASE("unknown contact field", "contact \"DBA\" { name \"B\" fax \"1\" }", RB2012, 1, 26),
  CASE("duplicate contact", "contact \"DBA\" { name \"B\" }\ncontact \"DBA\" { name \"C\" }",
       RB2006, 2, 9),
  CASE("unverified checklist item", "checklist \"c\" {\n  item \"looked\"\n}", RB4005, 2, 3),
  FILE_CASE("missing owner", "runbook \"t\" {\n  rto 15m\n}\n", RB4001, 1, 9),
  FILE_CASE("missing rto", "runbook \"t\" {\n  owner \"o\"\n}\n", RB4001, 1, 9),

  /* {==== params ==== */
  CASE("unknown param type", "param x : strng", RB2014, 1, 11),
  CASE("default of the wrong type", "param x : int = \"a\"", RB2004, 1, 17),
  CLEAN("int default for a float", "param x : float = 1\nparam d : duration = 5m"),
  CASE("unused param", "param p = 1", RB4006, 1, 7),
  FILE_CASE("no cascade after a syntax error",
            "runbook \"t\" {\n  owner \"o\"\n  rto 1m\n  phase \"p\" {\n    step \"s\" {\n"
            "      let a = = 1\n      log a\n    }\n  }\n}\n", RB1001, 6, 15),

  /* {==== calls ==== */
  CASE("built-in arity", "step \"a\" {\n  log len(1, 2)\n}", RB2009, 2, 7),
  CASE("too few arguments", "step \"a\" {\n  log replace(\"a\")\n}", RB2009, 2, 7),
  CASE("unknown named argument", "step \"a\" {\n  http.get(\"u\", timout: 1s)\n}",
       RB2010, 2, 17),
  CASE("unknown module member", "step \"a\" {\n  http.gett(\"u\")\n}", RB2019, 2, 8),
  CASE("calling a param", "param cluster = \"c\"\nstep \"a\" {\n  cluster()\n}", RB2018, 3, 3),
  CASE("positional AWS argument", "step \"a\" {\n  aws.ecs.describe_services(\"x\")\n}",
       RB2009, 2, 29),
  CASE("user fn arity", "fn f(a) {\n  return a\n}\nstep \"a\" {\n  log f()\n}", RB2009, 5, 7),
  CLEAN("calls in order",
        "fn f(a) {\n  return a\n}\nstep \"a\" {\n  log f(1), len(\"x\"), max(1, 2, 3)\n"
        "  let r = sh(\"true\", env: {A: \"b\"}, timeout: 5s)\n"
        "  aws.ecs.update_service(cluster: \"c\", service: \"s\", forceNewDeployment: true)\n"
        "  let j = json.parse(read_file(\"x.json\"))\n}"),

  /* {==== static types ==== */
  CASE("within an int", "phase \"p\" within 30 {\n}", RB2004, 1, 18),
  CASE("step timeout an int", "step \"s\" timeout 30 {\n}", RB2004, 1, 18),
  CASE("retry attempts a string", "step \"s\" {\n  retry \"3\" every 1s {\n  }\n}", RB2004, 2, 9),
  CASE("retry every an int", "step \"s\" {\n  retry 3 every 5 {\n  }\n}", RB2004, 2, 17),
  CASE("backoff a string", "step \"s\" {\n  retry 3 every 1s backoff \"x\" {\n  }\n}",
       RB2004, 2, 28),
  CASE("wait timeout an int", "step \"s\" {\n  wait until true every 5s timeout 10\n}",
       RB2004, 2, 36),
  CASE("trigger for an int", "trigger auto \"t\" when true for 30", RB2004, 1, 32),
  CASE("duration plus int", "step \"s\" {\n  let t = 5m + 3\n}", RB2004, 2, 11),
  CASE("typed param in arithmetic", "param d : duration = 5m\nstep \"s\" {\n  log d * \"x\"\n}",
       RB2004, 3, 7),
  CLEAN("time arithmetic", "step \"s\" {\n  let t = now() - 5m\n  let d = 2 * 30s\n"
        "  let ok = d < 1m\n}"),

  /* {==== statements ==== */
  CASE("assign to a param", "param p = 1\nstep \"s\" {\n  p = 2\n}", RB2011, 3, 3),
  CASE("assign to a secret member", "secret s = \"x\"\nstep \"a\" {\n  s.x = 2\n}", RB2011, 3, 3),
  CASE("assign to a fn", "fn f() {\n}\nstep \"s\" {\n  f = 2\n}", RB2011, 4, 3),
  CASE("return outside fn", "step \"s\" {\n  return 1\n}", RB2015, 2, 3),
  CASE("unknown troubleshoot",
       "step \"s\" on failure troubleshoot \"Rollbak\" {\n}\ntroubleshoot \"Rollback\" {\n}",
       RB2007, 1, 34),

  /* {==== secrets ==== */
  CASE("secret in sh", "secret db = \"x\"\nstep \"s\" {\n  sh \"tool ${db}\"\n}", RB3001, 3, 12),
  CASE("secret through a let", "secret db = \"x\"\nstep \"s\" {\n  let cmd = \"tool \" + db\n"
       "  sh(cmd)\n}", RB3001, 4, 6),
  CLEAN("secret through env", "secret db = \"x\"\nstep \"s\" {\n"
        "  sh \"tool \\\"$DB\\\"\", env: {DB: db}\n}"),
  CLEAN("secret through env, call form", "secret db = \"x\"\nstep \"s\" {\n"
        "  let r = sh(\"tool\", env: {DB: db})\n  log r.code\n}"),
  CASE("secret in log", "secret db = \"x\"\nstep \"s\" {\n  log \"db is ${db}\"\n}", RB3002, 3, 14),
  CASE("secret in assert message", "secret db = \"x\"\nstep \"s\" {\n  assert true, db\n}",
       RB3002, 3, 16),
  CASE("secret in a URL", "secret db = \"x\"\nstep \"s\" {\n  assert http 200 \"http://${db}/\"\n}",
       RB3002, 3, 27),
  CASE("insecure TLS", "step \"s\" {\n  http.get(\"https://x\", insecure: true)\n}", RB3003, 2, 25),

  /* {==== imports ==== */
  CASE("import not found", "import \"no-such-lib.rb\"", RB2017, 1, 8),
};

#define NCASES (sizeof cases / sizeof cases[0])

/* {==== running a case ==== */

struct outcome {
  struct arena *a;
  struct source *src;
  struct diag_list diags;
  uint32_t shift[64];           /* lines inserted before each body line */
};

/*
** Steps belong inside phases: wrap each run of top-level `step` blocks of
** a body (a `step` line at column 0 up to its `}` at column 0) in a phase
** of its own.  Appends to out; *shift[i] receives how many lines were
** inserted before body line i + 1 (up to 64 lines are tracked).
*/
static void
wrap_steps(const char *body, char *out, size_t size, uint32_t shift[64])
{
  size_t used = strlen(out);
  uint32_t inserted = 0, line = 0, phases = 0;
  bool in_run = false, in_step = false;
  const char *p = body;

  while (*p != '\0') {
    const char *nl = strchr(p, '\n');
    size_t len = nl != NULL ? (size_t)(nl - p) : strlen(p);
    bool step = strncmp(p, "step ", 5) == 0;
    if (in_run && !in_step && !step) {
      used += (size_t)snprintf(out + used, size - used, "}\n");
      inserted++;
      in_run = false;
    }
    if (step && !in_run) {
      used += (size_t)snprintf(out + used, size - used, "phase \"p%u\" {\n", ++phases);
      inserted++;
      in_run = true;
    }
    if (step)
      in_step = true;
    else if (in_step && len == 1 && p[0] == '}')
      in_step = false;
    if (line < 64)
      shift[line] = inserted;
    line++;
    used += (size_t)snprintf(out + used, size - used, "%.*s\n", (int)len, p);
    p += len + (nl != NULL);
  }
  if (in_run)
    snprintf(out + used, size - used, "}\n");
}

/* Parse and check text (wrapped unless whole); fails the test on oom. */
static void
run(struct outcome *o, const char *text, bool whole, const struct check_options *opts)
{
  struct parse_result pr;
  char *buf;
  size_t len = strlen(text) * 2 + 256;

  buf = malloc(len);
  assert_non_null(buf);
  memset(o->shift, 0, sizeof o->shift);
  if (whole) {
    snprintf(buf, len, "%s", text);
  } else {
    snprintf(buf, len, "runbook \"t\" {\nowner \"o\"\nrto 15m\n");
    wrap_steps(text, buf, len, o->shift);
    snprintf(buf + strlen(buf), len - strlen(buf), "}\n");
  }
  o->a = arena_new();
  o->src = src_new("t.rb", buf, strlen(buf));
  free(buf);
  assert_non_null(o->a);
  assert_non_null(o->src);
  diag_init(&o->diags);
  assert_int_equal(parse_source(o->a, o->src, &o->diags, &pr), 0);
  assert_non_null(pr.file);
  assert_int_equal(check_file(o->a, o->src, pr.file, pr.comments, pr.ncomments, opts,
                              &o->diags), 0);
}

static void
done(struct outcome *o)
{
  diag_free(&o->diags);
  src_free(o->src);
  arena_free(o->a);
}

/* Print every diagnostic, to explain a failure. */
static void
dump(const struct check_case *c, const struct outcome *o)
{
  fprintf(stderr, "case \"%s\":\n", c->name);
  for (size_t i = 0; i < o->diags.len; i++) {
    uint32_t line, col;
    src_position(o->src, o->diags.items[i].span.start, &line, &col);
    fprintf(stderr, "  %u:%u %s %s\n", line, col, diag_info(o->diags.items[i].code)->code,
            o->diags.items[i].message);
  }
}

/* Whether the outcome is what case c expects. */
static bool
matches(const struct check_case *c, const struct outcome *o)
{
  bool found = false;
  uint32_t want_line = c->whole ? c->line
                     : c->line + WRAP_LINES + (c->line - 1 < 64 ? o->shift[c->line - 1] : 0);

  for (size_t i = 0; i < o->diags.len; i++) {
    const struct diag *d = &o->diags.items[i];
    uint32_t line, col;
    src_position(o->src, d->span.start, &line, &col);
    if ((int)d->code == c->code && line == want_line && col == c->col)
      found = true;
    else if (d->code == DIAG_RB4006 || d->code == DIAG_RB4003 || d->code == DIAG_RB4007)
      continue;                 /* unused params; opt-in style rules (strict profile) */
    else if (c->code < 0 || ((int)d->code != c->code && d->severity >= DIAG_WARNING))
      return false;
  }
  return c->code < 0 || found;
}

static void
test_table(void **state)
{
  int failed = 0;

  (void)state;
  for (size_t i = 0; i < NCASES; i++) {
    struct outcome o;
    run(&o, cases[i].body, cases[i].whole, NULL);
    if (!matches(&cases[i], &o)) {
      dump(&cases[i], &o);
      failed++;
    }
    done(&o);
  }
  assert_int_equal(failed, 0);
}

/* {==== details of single rules ==== */

/* The diagnostic with code `code`, or fail. */
static const struct diag *
find(const struct outcome *o, enum diag_code code)
{
  for (size_t i = 0; i < o->diags.len; i++)
    if (o->diags.items[i].code == code)
      return &o->diags.items[i];
  fail_msg("no %s", diag_info(code)->code);
  return NULL;
}

static void
test_did_you_mean(void **state)
{
  struct outcome o;
  const struct diag *d;

  (void)state;
  run(&o, "param lb_dns = \"x\"\nstep \"a\" {\n  log lb_dsn\n}", false, NULL);
  d = find(&o, DIAG_RB2001);
  assert_int_equal(d->nhelps, 1);
  assert_string_equal(d->helps[0], "did you mean `lb_dns`?");
  assert_non_null(d->fix.text);
  assert_true(d->fix.safe);
  assert_string_equal(d->fix.text, "lb_dns");
  done(&o);

  run(&o, "step \"a\" {\n  http.gett(\"u\")\n}", false, NULL);
  d = find(&o, DIAG_RB2019);
  assert_string_equal(d->helps[0], "did you mean `get`?");
  done(&o);

  /* A name written as a string is fixed with a string literal. */
  run(&o, "step \"s\" on failure troubleshoot \"Rollbak\" {\n}\n"
          "troubleshoot \"Rollback\" {\n}", false, NULL);
  d = find(&o, DIAG_RB2007);
  assert_string_equal(d->helps[0], "did you mean `Rollback`?");
  assert_string_equal(d->fix.text, "\"Rollback\"");
  done(&o);

  run(&o, "phase \"p\" within 30 {\n}", false, NULL);
  d = find(&o, DIAG_RB2004);
  assert_string_equal(d->message, "expected a duration, found int `30`");
  assert_string_equal(d->helps[0], "did you mean `30s`?");
  done(&o);
}

static void
test_duplicate_label(void **state)
{
  struct outcome o;
  const struct diag *d;

  (void)state;
  run(&o, "phase \"p\" {\n}\nphase \"p\" {\n}", false, NULL);
  d = find(&o, DIAG_RB2006);
  assert_int_equal(d->nlabels, 2);
  assert_false(d->labels[1].primary);
  assert_int_equal(d->labels[1].span.start, (uint32_t)(strstr(o.src->text, "\"p\"") - o.src->text));
  done(&o);
}

static void
test_required_params(void **state)
{
  static const struct check_param given[] = { { "port", "http" } };
  struct check_options opts;
  struct outcome o;

  (void)state;
  memset(&opts, 0, sizeof opts);
  opts.params_given = true;
  run(&o, "param needed : string\nparam port : int = 1", false, &opts);
  assert_int_equal(find(&o, DIAG_RB2008)->span.start,
                   (uint32_t)(strstr(o.src->text, "needed") - o.src->text));
  done(&o);
  opts.params = given;
  opts.nparams = 1;
  run(&o, "param port : int = 1", false, &opts);
  find(&o, DIAG_RB2004);
  done(&o);
}

/* An imported library's fns join the runbook scope; unknown ones do not. */
static void
test_import(void **state)
{
  char dir[] = "/tmp/rbc-test-check-XXXXXX";
  char lib[64], main_rb[64];
  const char *text = "import \"lib.rb\"\nrunbook \"t\" {\n  owner \"o\"\n  rto 1m\n"
                     "  phase \"p\" {\n    step \"s\" {\n      log helper(1)\n"
                     "      log helpr(1)\n    }\n  }\n}\n";
  struct outcome o;
  struct parse_result pr;
  FILE *fp;

  (void)state;
  assert_non_null(mkdtemp(dir));
  snprintf(lib, sizeof lib, "%s/lib.rb", dir);
  snprintf(main_rb, sizeof main_rb, "%s/main.rb", dir);
  fp = fopen(lib, "w");
  assert_non_null(fp);
  fputs("fn helper(x) {\n  return x\n}\n", fp);
  fclose(fp);
  o.a = arena_new();
  o.src = src_new(main_rb, text, strlen(text));
  diag_init(&o.diags);
  assert_int_equal(parse_source(o.a, o.src, &o.diags, &pr), 0);
  assert_int_equal(check_file(o.a, o.src, pr.file, NULL, 0, NULL, &o.diags), 0);
  assert_int_equal(o.diags.len, 1);
  assert_int_equal(o.diags.items[0].code, DIAG_RB2001);
  assert_string_equal(o.diags.items[0].helps[0], "did you mean `helper`?");
  done(&o);
  unlink(lib);
  rmdir(dir);
}

/*
** The design target's example (language.md) checks without errors or
** warnings (its unverified checklist item is an info).
*/
static const char example[] =
  "runbook \"payments-api\" {\n"
  "  title       \"Payments API rollback\"\n"
  "  criticality high\n"
  "  expected    15m\n"
  "  rpo         5m\n"
  "  rto         15m\n"
  "  owner       \"team-payments\"\n"
  "  tested      \"2026-10-02\"\n"
  "  review      90d\n"
  "  status      approved\n"
  "  contact \"Incident Commander\" { name \"A. Ruiz\" phone \"+1 555 0100\" slack \"@ir\" }\n"
  "  resource logs      \"cloudwatch:/aws/ecs/payments-api\"\n"
  "  param cluster          = env(\"CLUSTER_NAME\")\n"
  "  param service          = env(\"SERVICE_NAME\")\n"
  "  param lb_dns           = env(\"LOAD_BALANCER_DNS\")\n"
  "  param lb_name          = env(\"LB_NAME\")\n"
  "  param deployment_id    = env(\"DEPLOYMENT_ID\", \"none\")\n"
  "  param previous_taskdef : string\n"
  "  param previous_version : string\n"
  "  secret database_url    = env(\"DATABASE_URL\")\n"
  "  fn metric_sum(name) {\n"
  "    let s = aws.cloudwatch.get_metric_statistics(\n"
  "      Namespace: \"AWS/ApplicationELB\", MetricName: name,\n"
  "      Dimensions: [{Name: \"LoadBalancer\", Value: lb_name}],\n"
  "      StartTime: now() - 5m, EndTime: now(), Period: 60, Statistics: [\"Sum\"])\n"
  "    return sum(s.Datapoints, \"Sum\")\n"
  "  }\n"
  "  fn error_rate() {\n"
  "    return metric_sum(\"HTTPCode_Target_5XX_Count\") / max(1, metric_sum(\"RequestCount\"))\n"
  "  }\n"
  "  trigger auto \"Health\" when http.get(\"http://${lb_dns}/health\").status != 200 for 5m\n"
  "  trigger auto \"Error rate above 5%\"   when error_rate() > 5% for 2m\n"
  "  trigger manual \"Product owner decision\"\n"
  "  phase \"Immediate actions\" within 2m {\n"
  "    step \"Capture current state\" {\n"
  "      confirm \"Deregister from the load balancer?\"\n"
  "      let state = aws.ecs.describe_services(cluster: cluster, services: [service])\n"
  "      write_json(\"rollback_state_${now().unix}.json\", state)\n"
  "    }\n"
  "  }\n"
  "  phase \"Execute rollback\" within 8m {\n"
  "    step \"Database\" when exists(\"/tmp/deployment_${deployment_id}/db_migrated\") {\n"
  "      sh(\"migration-tool rollback --to-version ${previous_version}\",\n"
  "         env: {DATABASE_URL: database_url})\n"
  "    }\n"
  "    step \"Application\" on failure troubleshoot \"Rollback stuck in progress\" {\n"
  "      aws.ecs.update_service(cluster: cluster, service: service,\n"
  "                             taskDefinition: previous_taskdef, forceNewDeployment: true)\n"
  "      wait until len(aws.ecs.describe_services(cluster: cluster, services: [service])"
  ".services[0].deployments) == 1\n"
  "        every 5s timeout 8m\n"
  "    }\n"
  "  }\n"
  "  phase \"Validate recovery\" within 5m {\n"
  "    step \"Health\" {\n"
  "      retry 10 every 30s {\n"
  "        assert http 200 \"http://${lb_dns}/health\"\n"
  "      }\n"
  "    }\n"
  "    step \"Critical endpoints\" {\n"
  "      parallel for path in [\"/api/v1/health\", \"/api/v1/status\"] {\n"
  "        assert http 200 \"http://${lb_dns}${path}\"\n"
  "      }\n"
  "    }\n"
  "    step \"Performance\" {\n"
  "      let b = http.bench(\"http://${lb_dns}/api/v1/health\", requests: 100, concurrency: 10)\n"
  "      assert b.mean < 200ms, \"mean response ${b.mean} over 200ms\"\n"
  "    }\n"
  "  }\n"
  "  checklist \"Data integrity\" {\n"
  "    item \"Database state verified\"\n"
  "    item \"Previous version running\" verify metric_sum(\"x\") == previous_taskdef\n"
  "  }\n"
  "  troubleshoot \"Rollback stuck in progress\" {\n"
  "    aws.ecs.update_service(cluster: cluster, service: service, forceNewDeployment: true)\n"
  "  }\n"
  "  monitor \"Error rate\" value error_rate() normal < 0.1% alert > 1%\n"
  "}\n";

static void
test_example_clean(void **state)
{
  struct check_case c = { "language.md example", example, true, -1, 0, 0 };
  struct outcome o;

  (void)state;
  run(&o, example, true, NULL);
  if (diag_count_at_least(&o.diags, DIAG_WARNING) != 0)
    dump(&c, &o);
  assert_int_equal(diag_count_at_least(&o.diags, DIAG_WARNING), 0);
  assert_int_equal(o.diags.len, 1);
  assert_int_equal(o.diags.items[0].code, DIAG_RB4005);
  done(&o);
}

/* {==== suppression comments ==== */

struct suppress_case {
  const char *body;             /* runbook body (wrapped) */
  size_t suppressed;            /* findings marked suppressed */
  size_t useless;               /* RB4090 reported */
  size_t shown;                 /* other unsuppressed findings, RB4090 excluded */
};

static const struct suppress_case suppress_cases[] = {
  /* trailing: this line only */
  { "param a = 1  # rbc: ignore[RB4006] -- kept for later\nparam b = 2", 1, 0, 1 },
  /* by name, own line: the whole next step */
  { "phase \"p\" {\n  # rbc: ignore[undefined-name] -- set by the environment\n"
    "  step \"s\" {\n    log x\n    log y\n  }\n  step \"t\" {\n    log z\n  }\n}", 2, 0, 1 },
  /* a range */
  { "# rbc: disable[RB4006]\nparam a = 1\nparam b = 2\n# rbc: enable[RB4006]\nparam c = 3",
    2, 0, 1 },
  /* the whole file */
  { "# rbc: ignore-file[RB4006]\nparam a = 1\nparam b = 2", 2, 0, 0 },
  /* nothing to suppress, unknown and unsuppressible codes */
  { "param a = 1  # rbc: ignore[RB2001]", 0, 1, 1 },
  { "step \"s\" {\n  log 1  # rbc: ignore[RB1001, RB9998]\n}", 0, 2, 0 },
  /* an ordinary comment mentioning rbc is no directive */
  { "# rbc is the tool\nparam a = 1", 0, 0, 1 },
};

static void
test_suppressions(void **state)
{
  (void)state;
  for (size_t i = 0; i < sizeof suppress_cases / sizeof suppress_cases[0]; i++) {
    const struct suppress_case *sc = &suppress_cases[i];
    struct check_case c = { "suppression", sc->body, false, -1, 0, 0 };
    struct outcome o;
    size_t suppressed = 0, useless = 0, shown = 0;
    run(&o, sc->body, false, NULL);
    for (size_t k = 0; k < o.diags.len; k++) {
      const struct diag *d = &o.diags.items[k];
      if (d->suppressed)
        suppressed++;
      else if (d->code == DIAG_RB4091)
        continue;               /* opt-in (production profile): no reason given */
      else if (d->code == DIAG_RB4090)
        useless++;
      else
        shown++;
    }
    if (suppressed != sc->suppressed || useless != sc->useless || shown != sc->shown) {
      fprintf(stderr, "suppression case %zu: %zu suppressed, %zu RB4090, %zu shown\n",
              i, suppressed, useless, shown);
      dump(&c, &o);
    }
    assert_int_equal(suppressed, sc->suppressed);
    assert_int_equal(useless, sc->useless);
    assert_int_equal(shown, sc->shown);
    assert_int_equal(o.diags.counts[DIAG_WARNING] + o.diags.counts[DIAG_ERROR], useless + shown);
    done(&o);
  }
}

/* {==== the built-ins table and the suggestion helper ==== */

static void
test_builtins_sorted(void **state)
{
  (void)state;
  for (size_t i = 1; i < std_nbuiltins; i++)
    assert_true(strcmp(std_builtins[i - 1].name, std_builtins[i].name) < 0);
  for (size_t i = 0; i < std_nbuiltins; i++)
    assert_ptr_equal(std_builtin_lookup(std_builtins[i].name), &std_builtins[i]);
  assert_null(std_builtin_lookup("http.gett"));
  assert_true(std_builtin_takes_named(std_builtin_lookup("http.bench"), "concurrency"));
  assert_false(std_builtin_takes_named(std_builtin_lookup("http.bench"), "concurrenc"));
  assert_true(std_builtin_takes_named(std_builtin_lookup("aws"), "AnyMember"));
  assert_false(std_builtin_takes_named(std_builtin_lookup("len"), "x"));
}

static void
test_suggest(void **state)
{
  static const char *const cands[] = {
    "lb_name", "lb_dns", "cluster", "format", "fail-on", "lb_dns", NULL
  };
  const char *out[3];

  (void)state;
  assert_int_equal(diag_edit_distance("lb_dsn", "lb_dns", 2), 1);   /* transposition */
  assert_int_equal(diag_edit_distance("kitten", "sitting", 2), 3);   /* capped */
  assert_int_equal(diag_suggest("lb_dsn", cands, 6, out, 3), 1);
  assert_string_equal(out[0], "lb_dns");
  assert_int_equal(diag_suggest("form", cands, 6, out, 3), 1);      /* prefix */
  assert_string_equal(out[0], "format");
  assert_int_equal(diag_suggest("zzzz", cands, 6, out, 3), 0);
  assert_int_equal(diag_suggest("lb_", cands, 6, out, 3), 2);       /* prefix of two */
  assert_string_equal(out[0], "lb_name");
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_table),
    cmocka_unit_test(test_did_you_mean),
    cmocka_unit_test(test_duplicate_label),
    cmocka_unit_test(test_required_params),
    cmocka_unit_test(test_import),
    cmocka_unit_test(test_example_clean),
    cmocka_unit_test(test_suppressions),
    cmocka_unit_test(test_builtins_sorted),
    cmocka_unit_test(test_suggest),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
