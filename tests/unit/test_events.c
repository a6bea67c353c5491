/*
** test_events.c: the run event stream (vm/events.h): exact jsonl, plain and
** tty output of one scenario on the virtual clock, secrets masked in every
** output (a sentinel secret value never appears), the live spinner and its
** rate limit, the excerpt renderer hook, write failures, and the helpers
** that read phases and steps out of a chunk.
*/
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "vm/events.h"
#include "vm/events_int.h"

#ifndef RBC_VERSION
#define RBC_VERSION "0.1.0"
#endif

#define SENTINEL "s3cr3t-SENTINEL"

/* {==== capturing an output ==== */

/* Everything written to the read end of a pipe so far, as a malloc'd string. */
static char *drain(int fd)
{
  size_t cap = 1 << 16, len = 0;
  char *buf = malloc(cap + 1);
  ssize_t n;

  assert_non_null(buf);
  fcntl(fd, F_SETFL, O_NONBLOCK);
  while (len < cap) {
    n = read(fd, buf + len, cap - len);
    if (n <= 0)
      break;
    len += (size_t)n;
  }
  buf[len] = '\0';
  return buf;
}

/* The fields of run_start the scenario does not get from a chunk. */
static void fill_info(struct ev_run_info *info)
{
  memset(info, 0, sizeof *info);
  info->runbook = "payments-api";
  info->file = "runbooks/payments-api.rb";
  info->source_sha256 = "ab12";
  info->title = "Payments API rollback";
  info->criticality = "high";
  info->rto_ms = 900000;
  info->nphases = 2;
  info->nsteps = 4;
}

/* }==== */

/* {==== the scenario ==== */

/* One run, two phases, every event type; returns ev_failed(). */
static int scenario(struct ev_sink *ev, struct rbc_clock *clk, const char *secret_text)
{
  struct rbc_value sec, plain_v, exports, logv[3], actual = val_int(503), expected = val_int(200);
  struct ev_param params[2];
  struct ev_run_info info;
  struct ev_phase p1 = { 1, 0, "Immediate actions", 120000, 2 };
  struct ev_phase p2 = { 2, 0, "Validate recovery", -1, 2 };
  struct ev_step s1 = { 1, 1, 0, "Notify", { NULL, 54, 5, { 0, 0 }, false } };
  struct ev_step s2 = { 1, 2, 0, "Database", { NULL, 60, 5, { 0, 0 }, false } };
  struct ev_step s3 = { 2, 1, 0, "Health", { NULL, 95, 5, { 0, 0 }, false } };
  struct ev_step s4 = { 2, 2, 0, "Critical endpoints", { NULL, 101, 5, { 0, 0 }, false } };
  struct ev_action act = { "aws", "sns.publish", "ok", 402, NULL };
  struct ev_retry rt = { 3, 10, 30000, DIAG_RB5001, "status 503 != 200" };
  struct ev_wait wt = { 7, 35000, 480000, "len(deployments) == 1" };
  struct ev_gate gt;
  struct ev_diag dg;
  struct ev_run_end end = { EV_RUN_FAILED, 1, "rbc resume 20260101T000000Z-payments-api-3f9c",
                            "runs/x.jsonl" };
  struct val_err err;
  char msg[128];

  val_string_cstr(secret_text, &sec, &err);
  sec = val_tainted(sec, true);
  val_string_cstr("prod", &plain_v, &err);
  val_map_new(&exports, &err);
  val_map_set(&exports, "MessageId", 9, plain_v, &err);
  val_map_set(&exports, "Token", 5, sec, &err);
  params[0].name = "cluster";
  params[0].value = plain_v;
  params[1].name = "database_url";
  params[1].value = sec;
  ev_add_secret(ev, sec);
  fill_info(&info);
  info.run_id = "20260101T000000Z-payments-api-3f9c";
  info.params = params;
  info.nparams = 2;
  ev_run_start(ev, &info);
  ev_phase_start(ev, &p1);
  ev_step_start(ev, &s1);
  clock_sleep_ms(clk, 402);
  act.exports = &exports;
  ev_action(ev, &act);
  clock_sleep_ms(clk, 13);
  ev_step_end(ev, EV_PASS, NULL);
  ev_step_start(ev, &s2);
  ev_step_end(ev, EV_SKIP, "exists(\"/tmp/db_migrated\")");
  ev_phase_end(ev);
  ev_phase_start(ev, &p2);
  ev_step_start(ev, &s3);
  logv[0] = plain_v;
  logv[1] = sec;
  logv[2] = val_duration(90000);
  ev_log(ev, logv, 3);
  gt.question = plain_v;
  gt.answer = "yes";
  gt.by = "--yes";
  ev_gate(ev, &gt);
  clock_sleep_ms(clk, 35000);
  ev_wait_poll(ev, &wt);
  ev_retry(ev, &rt);
  clock_sleep_ms(clk, 30000);
  ev_budget_overrun(ev, 60000, 65415);
  /* a careless message that interpolates the secret's raw bytes */
  snprintf(msg, sizeof msg, "retries exhausted (10 of 10) for %s", secret_text);
  memset(&dg, 0, sizeof dg);
  dg.code = DIAG_RB5004;
  dg.message = msg;
  dg.loc.line = 97;
  dg.loc.col = 9;
  dg.actual = &actual;
  dg.expected = &expected;
  dg.help = "run a remediation";
  ev_diagnostic(ev, &dg);
  ev_step_end(ev, EV_FAIL, NULL);
  ev_step_not_run(ev, &s4);
  ev_phase_end(ev);
  ev_run_end(ev, &end);
  val_release(exports);
  val_release(plain_v);
  val_release(sec);
  return ev_failed(ev);
}

enum out_kind { OUT_JSONL, OUT_PLAIN, OUT_TTY };

/* Run the scenario into one output; the captured text (caller frees). */
static char *capture(enum out_kind kind, const struct ev_tty_opts *to, const char *secret)
{
  struct rbc_clock *clk = clock_new_virtual(CLOCK_VIRTUAL_DEFAULT_EPOCH_MS);
  struct ev_sink *ev = ev_sink_new(clk);
  struct ev_out *o;
  int fds[2];
  char *out;

  assert_non_null(clk);
  assert_non_null(ev);
  assert_int_equal(pipe(fds), 0);
  o = kind == OUT_JSONL ? ev_out_jsonl(fds[1], 0)
    : kind == OUT_PLAIN ? ev_out_plain(fds[1]) : ev_out_tty(fds[1], to);
  assert_int_equal(ev_sink_add(ev, o), 0);
  assert_int_equal(scenario(ev, clk, secret), 0);
  ev_sink_free(ev);
  clock_free(clk);
  close(fds[1]);
  out = drain(fds[0]);
  close(fds[0]);
  return out;
}

/* }==== */

/* {==== exact output ==== */

/* The lines of an expected output joined into one string (caller frees). */
static char *joined(const char *const *lines)
{
  size_t n = 1, at = 0;
  char *s;

  for (size_t i = 0; lines[i]; i++)
    n += strlen(lines[i]);
  s = malloc(n);
  assert_non_null(s);
  for (size_t i = 0; lines[i]; i++) {
    memcpy(s + at, lines[i], strlen(lines[i]));
    at += strlen(lines[i]);
  }
  s[at] = '\0';
  return s;
}

/* Assert that out is exactly the lines. */
static void assert_lines(const char *out, const char *const *lines)
{
  char *want = joined(lines);

  assert_string_equal(out, want);
  free(want);
}

static const char *const want_jsonl[] = {
  "{\"type\":\"version\",\"@timestamp\":\"2026-01-01T00:00:00.000Z\",\"@message\":\"rbc "
  RBC_VERSION "\",\"rbc\":\"" RBC_VERSION "\",\"schema\":\"rbc.events/1\"}\n",
  "{\"type\":\"run_start\",\"@timestamp\":\"2026-01-01T00:00:00.000Z\",\"run_id\":\"202601"
  "01T000000Z-payments-api-3f9c\",\"@message\":\"run payments-api\",\"runbook\":\"payme"
  "nts-api\",\"file\":\"runbooks/payments-api.rb\",\"source_sha256\":\"ab12\",\"params\":{"
  "\"cluster\":\"prod\",\"database_url\":\"***\"},\"clock\":\"virtual\"}\n",
  "{\"type\":\"phase_start\",\"@timestamp\":\"2026-01-01T00:00:00.000Z\",\"run_id\":\"2026"
  "0101T000000Z-payments-api-3f9c\",\"@message\":\"phase 1/2 Immediate actions\",\"ph"
  "ase\":{\"index\":1,\"count\":2,\"name\":\"Immediate actions\",\"budget_ms\":120000}}\n",
  "{\"type\":\"step_start\",\"@timestamp\":\"2026-01-01T00:00:00.000Z\",\"run_id\":\"20260"
  "101T000000Z-payments-api-3f9c\",\"@message\":\"step 1/2 Notify\",\"phase\":1,\"step\""
  ":{\"index\":1,\"count\":2,\"name\":\"Notify\",\"loc\":{\"file\":\"runbooks/payments-api.r"
  "b\",\"line\":54,\"column\":5}}}\n",
  "{\"type\":\"action\",\"@timestamp\":\"2026-01-01T00:00:00.402Z\",\"run_id\":\"20260101T"
  "000000Z-payments-api-3f9c\",\"@message\":\"aws sns.publish ok\",\"step\":\"Notify\",\""
  "kind\":\"aws\",\"call\":\"sns.publish\",\"status\":\"ok\",\"elapsed_ms\":402,\"exports\":{\""
  "MessageId\":\"prod\",\"Token\":\"***\"}}\n",
  "{\"type\":\"step_end\",\"@timestamp\":\"2026-01-01T00:00:00.415Z\",\"run_id\":\"2026010"
  "1T000000Z-payments-api-3f9c\",\"@message\":\"step Notify pass\",\"phase\":1,\"step\":"
  "\"Notify\",\"status\":\"pass\",\"elapsed_ms\":415}\n",
  "{\"type\":\"step_start\",\"@timestamp\":\"2026-01-01T00:00:00.415Z\",\"run_id\":\"20260"
  "101T000000Z-payments-api-3f9c\",\"@message\":\"step 2/2 Database\",\"phase\":1,\"ste"
  "p\":{\"index\":2,\"count\":2,\"name\":\"Database\",\"loc\":{\"file\":\"runbooks/payments-a"
  "pi.rb\",\"line\":60,\"column\":5}}}\n",
  "{\"type\":\"step_end\",\"@timestamp\":\"2026-01-01T00:00:00.415Z\",\"run_id\":\"2026010"
  "1T000000Z-payments-api-3f9c\",\"@message\":\"step Database skip\",\"phase\":1,\"step"
  "\":\"Database\",\"status\":\"skip\",\"elapsed_ms\":0,\"reason\":\"exists(\\\"/tmp/db_migra"
  "ted\\\")\"}\n",
  "{\"type\":\"phase_end\",\"@timestamp\":\"2026-01-01T00:00:00.415Z\",\"run_id\":\"202601"
  "01T000000Z-payments-api-3f9c\",\"@message\":\"phase 1/2 done\",\"phase\":1,\"elapsed"
  "_ms\":415}\n",
  "{\"type\":\"phase_start\",\"@timestamp\":\"2026-01-01T00:00:00.415Z\",\"run_id\":\"2026"
  "0101T000000Z-payments-api-3f9c\",\"@message\":\"phase 2/2 Validate recovery\",\"ph"
  "ase\":{\"index\":2,\"count\":2,\"name\":\"Validate recovery\"}}\n",
  "{\"type\":\"step_start\",\"@timestamp\":\"2026-01-01T00:00:00.415Z\",\"run_id\":\"20260"
  "101T000000Z-payments-api-3f9c\",\"@message\":\"step 1/2 Health\",\"phase\":2,\"step\""
  ":{\"index\":1,\"count\":2,\"name\":\"Health\",\"loc\":{\"file\":\"runbooks/payments-api.r"
  "b\",\"line\":95,\"column\":5}}}\n",
  "{\"type\":\"log\",\"@timestamp\":\"2026-01-01T00:00:00.415Z\",\"run_id\":\"20260101T000"
  "000Z-payments-api-3f9c\",\"@message\":\"prod *** 1m30s\",\"step\":\"Health\"}\n",
  "{\"type\":\"gate\",\"@timestamp\":\"2026-01-01T00:00:00.415Z\",\"run_id\":\"20260101T00"
  "0000Z-payments-api-3f9c\",\"@message\":\"gate yes\",\"step\":\"Health\",\"question\":\"p"
  "rod\",\"answer\":\"yes\",\"by\":\"--yes\"}\n",
  "{\"type\":\"wait_poll\",\"@timestamp\":\"2026-01-01T00:00:35.415Z\",\"run_id\":\"202601"
  "01T000000Z-payments-api-3f9c\",\"@message\":\"wait poll 7\",\"step\":\"Health\",\"poll"
  "\":7,\"elapsed_ms\":35000,\"timeout_ms\":480000,\"until\":\"len(deployments) == 1\"}\n",
  "{\"type\":\"retry\",\"@timestamp\":\"2026-01-01T00:00:35.415Z\",\"run_id\":\"20260101T0"
  "00000Z-payments-api-3f9c\",\"@message\":\"attempt 3 of 10 failed\",\"step\":\"Health"
  "\",\"attempt\":3,\"max\":10,\"next_in_ms\":30000,\"code\":\"RB5001\",\"reason\":\"status 5"
  "03 != 200\"}\n",
  "{\"type\":\"budget_overrun\",\"@timestamp\":\"2026-01-01T00:01:05.415Z\",\"run_id\":\"2"
  "0260101T000000Z-payments-api-3f9c\",\"@message\":\"phase 2/2 over budget\",\"phase"
  "\":2,\"budget_ms\":60000,\"elapsed_ms\":65415,\"code\":\"RB5005\"}\n",
  "{\"type\":\"diagnostic\",\"@timestamp\":\"2026-01-01T00:01:05.415Z\",\"run_id\":\"20260"
  "101T000000Z-payments-api-3f9c\",\"@message\":\"retries exhausted (10 of 10) for "
  "***\",\"severity\":\"error\",\"code\":\"RB5004\",\"message\":\"retries exhausted (10 of "
  "10) for ***\",\"loc\":{\"file\":\"runbooks/payments-api.rb\",\"line\":97,\"column\":9},"
  "\"actual\":\"503\",\"expected\":\"200\",\"step\":\"Health\"}\n",
  "{\"type\":\"step_end\",\"@timestamp\":\"2026-01-01T00:01:05.415Z\",\"run_id\":\"2026010"
  "1T000000Z-payments-api-3f9c\",\"@message\":\"step Health fail\",\"phase\":2,\"step\":"
  "\"Health\",\"status\":\"fail\",\"elapsed_ms\":65000}\n",
  "{\"type\":\"step_end\",\"@timestamp\":\"2026-01-01T00:01:05.415Z\",\"run_id\":\"2026010"
  "1T000000Z-payments-api-3f9c\",\"@message\":\"step Critical endpoints not_run\",\"p"
  "hase\":2,\"step\":\"Critical endpoints\",\"status\":\"not_run\",\"elapsed_ms\":0}\n",
  "{\"type\":\"phase_end\",\"@timestamp\":\"2026-01-01T00:01:05.415Z\",\"run_id\":\"202601"
  "01T000000Z-payments-api-3f9c\",\"@message\":\"phase 2/2 done\",\"phase\":2,\"elapsed"
  "_ms\":65000}\n",
  "{\"type\":\"run_end\",\"@timestamp\":\"2026-01-01T00:01:05.415Z\",\"run_id\":\"20260101"
  "T000000Z-payments-api-3f9c\",\"@message\":\"run failed\",\"status\":\"failed\",\"exit_"
  "code\":1,\"elapsed_ms\":65415,\"counts\":{\"pass\":1,\"fail\":1,\"error\":0,\"skip\":1,\"n"
  "ot_run\":1,\"recovered\":0,\"halted\":0},\"resume\":\"rbc resume 20260101T000000Z-pa"
  "yments-api-3f9c\"}\n",
  NULL
};

static const char *const want_plain[] = {
  "2026-01-01T00:00:00Z run payments-api start id=20260101T000000Z-payments-api"
  "-3f9c\n",
  "2026-01-01T00:00:00Z phase 1/2 \"Immediate actions\" start budget=2m\n",
  "2026-01-01T00:00:00Z step 1/2 \"Notify\" start\n",
  "2026-01-01T00:00:00Z step 1/2 \"Notify\" action aws sns.publish ok 0.4s\n",
  "2026-01-01T00:00:00Z step 1/2 \"Notify\" ok 0.4s\n",
  "2026-01-01T00:00:00Z step 2/2 \"Database\" start\n",
  "2026-01-01T00:00:00Z step 2/2 \"Database\" skipped when=false\n",
  "2026-01-01T00:00:00Z phase 1/2 \"Immediate actions\" end 0.4s\n",
  "2026-01-01T00:00:00Z phase 2/2 \"Validate recovery\" start\n",
  "2026-01-01T00:00:00Z step 1/2 \"Health\" start\n",
  "2026-01-01T00:00:00Z step 1/2 \"Health\" log prod *** 1m30s\n",
  "2026-01-01T00:00:00Z step 1/2 \"Health\" gate yes by=--yes question=\"prod\"\n",
  "2026-01-01T00:00:35Z step 1/2 \"Health\" wait poll=7 elapsed=35s timeout=8m\n",
  "2026-01-01T00:00:35Z step 1/2 \"Health\" retry 3/10 next=30s RB5001 status 503"
  " != 200\n",
  "2026-01-01T00:01:05Z phase 2/2 \"Validate recovery\" over budget RB5005 budget"
  "=1m elapsed=1m5s\n",
  "2026-01-01T00:01:05Z step 1/2 \"Health\" FAIL RB5004 retries exhausted (10 of "
  "10) for *** at runbooks/payments-api.rb:97:9 actual=503 expected=200\n",
  "2026-01-01T00:01:05Z step 2/2 \"Critical endpoints\" not_run\n",
  "2026-01-01T00:01:05Z phase 2/2 \"Validate recovery\" end 1m5s\n",
  "2026-01-01T00:01:05Z run FAILED 1m5s pass=1 fail=1 skip=1 not_run=1 exit=1 r"
  "esume=\"rbc resume 20260101T000000Z-payments-api-3f9c\"\n",
  NULL
};

static const char *const want_tty_ascii[] = {
  "payments-api - Payments API rollback - criticality high - RTO 15m - run 2026"
  "0101T000000Z-payments-api-3f9c\n",
  "Phase 1/2  Immediate actions  (budget 2m)\n",
  "  ok   Notify                                   0.4s\n",
  "  skip Database                                 skipped: when exists(\"/tmp/d"
  "b_migrated\") = false\n",
  "Phase 2/2  Validate recovery\n",
  "    | prod *** 1m30s\n",
  "    ? prod -> yes (--yes)\n",
  "    attempt 3/10 failed, next in 30s: status 503 != 200\n",
  "  ! phase 2/2 is over its 1m budget (1m5s) [RB5005]\n",
  "  FAIL Health                                   1m5s  RB5004 retries exhaust"
  "ed (10 of 10) for ***\n",
  "\n",
  "error[RB5004]: retries exhausted (10 of 10) for ***\n",
  "  --> runbooks/payments-api.rb:97:9\n",
  "   = actual:   503\n",
  "   = expected: 200\n",
  "   = help: run a remediation\n",
  "\n",
  "----------------------------------------------------------------------------"
  "----\n",
  "FAILED  phase 2/2 \"Validate recovery\", step \"Health\"  after 1m5s (RTO 15m)\n",
  "Steps:   1 passed, 1 failed, 1 skipped, 1 not run\n",
  "Journal: runs/x.jsonl\n",
  "Resume:  rbc resume 20260101T000000Z-payments-api-3f9c\n",
  NULL
};

static const char *const want_tty_unicode[] = {
  "payments-api · Payments API rollback · criticality high · RTO 15m · run 2026"
  "0101T000000Z-payments-api-3f9c\n",
  "Phase 1/2  Immediate actions  (budget 2m)\n",
  "  ✓ Notify                                   0.4s\n",
  "  ↷ Database                                 skipped: when exists(\"/tmp/db_m"
  "igrated\") = false\n",
  "Phase 2/2  Validate recovery\n",
  "    │ prod *** 1m30s\n",
  "    ? prod → yes (--yes)\n",
  "    attempt 3/10 failed, next in 30s: status 503 != 200\n",
  "  ! phase 2/2 is over its 1m budget (1m5s) [RB5005]\n",
  "  ✗ Health                                   1m5s  RB5004 retries exhausted "
  "(10 of 10) for ***\n",
  "\n",
  "error[RB5004]: retries exhausted (10 of 10) for ***\n",
  "  --> runbooks/payments-api.rb:97:9\n",
  "   = actual:   503\n",
  "   = expected: 200\n",
  "   = help: run a remediation\n",
  "\n",
  "────────────────────────────────────────────────────────────────────────────"
  "────\n",
  "FAILED  phase 2/2 \"Validate recovery\", step \"Health\"  after 1m5s (RTO 15m)\n",
  "Steps:   1 passed, 1 failed, 1 skipped, 1 not run\n",
  "Journal: runs/x.jsonl\n",
  "Resume:  rbc resume 20260101T000000Z-payments-api-3f9c\n",
  NULL
};

static void test_jsonl_exact(void **state)
{
  char *out = capture(OUT_JSONL, NULL, SENTINEL);

  (void)state;
  assert_lines(out, want_jsonl);
  free(out);
}

static void test_plain_exact(void **state)
{
  char *out = capture(OUT_PLAIN, NULL, SENTINEL);

  (void)state;
  assert_lines(out, want_plain);
  free(out);
}

static void test_tty_exact(void **state)
{
  struct ev_tty_opts to;
  char *out;

  (void)state;
  memset(&to, 0, sizeof to);
  out = capture(OUT_TTY, &to, SENTINEL);
  assert_lines(out, want_tty_ascii);
  free(out);
  to.unicode = true;
  out = capture(OUT_TTY, &to, SENTINEL);
  assert_lines(out, want_tty_unicode);
  free(out);
}

/* Every jsonl line is one JSON object with the common members. */
static void test_jsonl_valid(void **state)
{
  const char *secrets[] = { SENTINEL, "quote\"back\\slash\ttab-secret", "1234567" };

  (void)state;
  for (size_t k = 0; k < sizeof secrets / sizeof secrets[0]; k++) {
    char *out = capture(OUT_JSONL, NULL, secrets[k]), *line = out, *nl;
    int lines = 0;

    for (nl = strchr(line, '\n'); nl; nl = strchr(line, '\n')) {
      json_error_t err;
      json_t *j;

      *nl = '\0';
      j = json_loads(line, 0, &err);
      assert_non_null(j);
      assert_true(json_is_object(j));
      assert_true(json_is_string(json_object_get(j, "type")));
      assert_true(json_is_string(json_object_get(j, "@timestamp")));
      assert_true(json_is_string(json_object_get(j, "@message")));
      json_decref(j);
      lines++;
      line = nl + 1;
    }
    assert_int_equal(lines, 21);
    free(out);
  }
}

/* }==== */

/* {==== secrets ==== */

/* A renderer standing in for cli/render.c: prints what it was given. */
static void fake_render(FILE *out, const struct diag *d, bool color)
{
  fprintf(out, "RENDER %s %u-%u color=%d label=%s help=%s\n", d->message, d->span.start,
          d->span.end, color, d->labels[0].text ? d->labels[0].text : "-",
          d->nhelps ? d->helps[0] : "-");
}

static void test_secret_in_no_output(void **state)
{
  const char *secrets[] = { SENTINEL, "quote\"back\\slash\ttab-secret" };
  struct ev_tty_opts to;

  (void)state;
  memset(&to, 0, sizeof to);
  for (size_t k = 0; k < sizeof secrets / sizeof secrets[0]; k++) {
    for (int kind = OUT_JSONL; kind <= OUT_TTY; kind++) {
      for (int variant = 0; variant < (kind == OUT_TTY ? 3 : 1); variant++) {
        char *out;

        to.unicode = variant == 1;
        to.render = variant == 2 ? fake_render : NULL;
        out = capture((enum out_kind)kind, &to, secrets[k]);
        assert_null(strstr(out, secrets[k]));
        assert_null(strstr(out, "s3cr3t"));
        assert_null(strstr(out, "tab-secret"));
        assert_non_null(strstr(out, "***"));
        free(out);
      }
    }
  }
}

/* A secret nested in a list is masked element-wise; short secrets are not scrubbed. */
static void test_secret_values_masked(void **state)
{
  struct rbc_clock *clk = clock_new_virtual(0);
  struct ev_sink *ev = ev_sink_new(clk);
  struct rbc_value list, s, n = val_tainted(val_int(4242), true), shrt;
  struct val_err err;
  struct ev_param p[2];
  struct ev_run_info info;
  int fds[2];
  char *out;

  (void)state;
  assert_int_equal(pipe(fds), 0);
  assert_int_equal(ev_sink_add(ev, ev_out_jsonl(fds[1], 0)), 0);
  val_string_cstr("hunter2-password", &s, &err);
  val_list_new(2, &list, &err);
  val_list_push(&list, val_tainted(s, true), &err);
  val_list_push(&list, val_int(7), &err);
  val_string_cstr("abc", &shrt, &err);
  assert_int_equal(ev_add_secret(ev, val_tainted(s, true)), 0);
  assert_int_equal(ev_add_secret(ev, n), 0);
  assert_int_equal(ev_add_secret(ev, val_tainted(shrt, true)), 0);
  assert_int_equal(ev_add_secret(ev, s), 0);           /* not secret: ignored */
  fill_info(&info);
  p[0].name = "tokens";
  p[0].value = list;
  p[1].name = "pin";
  p[1].value = n;
  info.params = p;
  info.nparams = 2;
  info.run_id = "id";
  assert_int_equal(ev_run_start(ev, &info), 0);
  assert_int_equal(ev_log(ev, &s, 1), 0);            /* a non-secret copy leaks... */
  ev_sink_free(ev);
  clock_free(clk);
  close(fds[1]);
  out = drain(fds[0]);
  close(fds[0]);
  assert_non_null(strstr(out, "\"params\":{\"tokens\":[\"***\",7],\"pin\":\"***\"}"));
  assert_null(strstr(out, "hunter2"));                /* ...but is scrubbed */
  assert_null(strstr(out, "4242"));
  assert_non_null(strstr(out, "\"@message\":\"***\""));
  free(out);
  val_release(list);
  val_release(s);
  val_release(shrt);
}

/* ev_safe_cut: a cut never splits a registered secret. */
static void test_safe_cut(void **state)
{
  struct rbc_clock *clk = clock_new_virtual(0);
  struct ev_sink *ev = ev_sink_new(clk);
  struct rbc_value s;
  struct val_err err;
  const char *text = "0123hunter2-password89";

  (void)state;
  assert_int_equal(ev_safe_cut(ev, text, 22, 8), 8);      /* no secret: the limit */
  assert_int_equal(ev_safe_cut(ev, text, 22, 30), 22);    /* short enough: all of it */
  val_string_cstr("hunter2-password", &s, &err);
  assert_int_equal(ev_add_secret(ev, val_tainted(s, true)), 0);
  assert_int_equal(ev_safe_cut(ev, text, 22, 8), 4);      /* before the secret */
  assert_int_equal(ev_safe_cut(ev, text, 22, 4), 4);      /* the secret starts at the cut */
  assert_int_equal(ev_safe_cut(ev, text, 22, 20), 20);    /* after it */
  assert_int_equal(ev_safe_cut(ev, text, 22, 21), 21);
  ev_sink_free(ev);
  clock_free(clk);
  val_release(s);
}

/* }==== */

/* {==== tty details ==== */

/* Count the occurrences of needle in hay. */
static int count(const char *hay, const char *needle)
{
  int n = 0;

  for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
    n++;
  return n;
}

static void test_tty_live_spinner(void **state)
{
  struct rbc_clock *clk = clock_new_virtual(0);
  struct ev_sink *ev = ev_sink_new(clk);
  struct ev_tty_opts to;
  struct ev_phase ph = { 1, 1, "P", -1, 1 };
  struct ev_step st = { 1, 1, 0, "Application", { NULL, 0, 0, { 0, 0 }, false } };
  struct ev_wait w = { 1, 5000, 480000, "len(x) == 1" };
  struct ev_run_info info;
  int fds[2];
  char *out;

  (void)state;
  memset(&to, 0, sizeof to);
  to.live = true;
  to.unicode = true;
  to.width = 60;
  assert_int_equal(pipe(fds), 0);
  assert_int_equal(ev_sink_add(ev, ev_out_tty(fds[1], &to)), 0);
  fill_info(&info);
  ev_run_start(ev, &info);
  ev_phase_start(ev, &ph);
  ev_step_start(ev, &st);                  /* draws at once */
  ev_wait_poll(ev, &w);                    /* within 100ms: no redraw */
  ev_tick(ev);                             /* neither */
  ev_step_end(ev, EV_PASS, NULL);          /* clears the line, prints the final one */
  ev_sink_free(ev);
  clock_free(clk);
  close(fds[1]);
  out = drain(fds[0]);
  close(fds[0]);
  assert_int_equal(count(out, "\r\033[K"), 2);
  assert_non_null(strstr(out, "\r\033[K  \u280b Application   0.0s\r\033[K  \u2713 Application"));
  assert_null(strstr(out, "poll 1"));
  free(out);
}

/* The activity text a redraw shows, cut to the width. */
static void test_tty_spinner_activity(void **state)
{
  struct rbc_clock *clk = clock_new_virtual(0);
  struct ev_sink *ev = ev_sink_new(clk);
  struct ev_tty_opts to;
  struct ev_step st = { 1, 1, 1, "App", { NULL, 0, 0, { 0, 0 }, false } };
  struct ev_wait w = { 7, 35000, 480000, "len(deployments) == 1" };
  struct timespec ts = { 0, 120 * 1000000L };
  int fds[2];
  char *out;

  (void)state;
  memset(&to, 0, sizeof to);
  to.live = true;
  to.width = 50;
  assert_int_equal(pipe(fds), 0);
  assert_int_equal(ev_sink_add(ev, ev_out_tty(fds[1], &to)), 0);
  ev_step_start(ev, &st);
  nanosleep(&ts, NULL);                    /* past the 100ms pacing */
  ev_wait_poll(ev, &w);
  ev_sink_free(ev);
  clock_free(clk);
  close(fds[1]);
  out = drain(fds[0]);
  close(fds[0]);
  assert_non_null(strstr(out, "\r\033[K  / App   wait until len(deployments) == 1   poll"));
  assert_null(strstr(out, "of 8m"));       /* cut at 49 columns */
  free(out);
}

/* The failure block goes through the renderer with the span and a label. */
static void test_tty_render_hook(void **state)
{
  struct rbc_clock *clk = clock_new_virtual(0);
  struct ev_sink *ev = ev_sink_new(clk);
  struct source *src = src_new("f.rb", "step \"x\" {\n  assert a == 1\n}\n", 29);
  struct ev_tty_opts to;
  struct ev_step st = { 1, 1, 1, "x", { NULL, 1, 1, { 0, 4 }, true } };
  struct rbc_value a = val_int(2), b = val_int(1);
  struct ev_diag d;
  struct ev_run_end end = { EV_RUN_FAILED, 1, NULL, NULL };
  int fds[2];
  char *out;

  (void)state;
  memset(&to, 0, sizeof to);
  to.src = src;
  to.render = fake_render;
  to.color = true;
  memset(&d, 0, sizeof d);
  d.code = DIAG_RB5001;
  d.message = "assertion failed: a == 1";
  d.loc.line = 2;
  d.loc.col = 3;
  d.loc.span.start = 13;
  d.loc.span.end = 26;
  d.loc.has_span = true;
  d.actual = &a;
  d.expected = &b;
  d.help = "check a";
  assert_int_equal(pipe(fds), 0);
  assert_int_equal(ev_sink_add(ev, ev_out_tty(fds[1], &to)), 0);
  ev_step_start(ev, &st);
  ev_diagnostic(ev, &d);
  ev_step_end(ev, EV_FAIL, NULL);
  ev_run_end(ev, &end);
  ev_sink_free(ev);
  clock_free(clk);
  src_free(src);
  close(fds[1]);
  out = drain(fds[0]);
  close(fds[0]);
  assert_non_null(strstr(out, "RENDER assertion failed: a == 1 13-26 color=1 "
                              "label=actual: 2, expected: 1 help=check a\n"));
  assert_non_null(strstr(out, "\033[31mFAIL\033[0m x"));
  assert_non_null(strstr(out, "Steps:   0 passed, 1 failed, 0 skipped, 0 not run\n"));
  free(out);
}

/* A passing run: PASSED line, counts from the emitter, no resume line. */
static void test_tty_passed_summary(void **state)
{
  struct rbc_clock *clk = clock_new_virtual(0);
  struct ev_sink *ev = ev_sink_new(clk);
  struct ev_tty_opts to;
  struct ev_run_info info;
  struct ev_step st = { 1, 1, 2, "a", { NULL, 0, 0, { 0, 0 }, false } };
  struct ev_run_end end = { EV_RUN_PASSED, 0, NULL, NULL };
  int fds[2];
  char *out;

  (void)state;
  memset(&to, 0, sizeof to);
  fill_info(&info);
  info.nsteps = 3;
  info.rto_ms = -1;
  assert_int_equal(pipe(fds), 0);
  assert_int_equal(ev_sink_add(ev, ev_out_tty(fds[1], &to)), 0);
  ev_run_start(ev, &info);
  ev_step_start(ev, &st);
  clock_sleep_ms(clk, 61500);
  ev_step_end(ev, EV_PASS, NULL);
  ev_step_start(ev, &st);
  ev_step_end(ev, EV_RECOVERED, NULL);
  ev_run_end(ev, &end);                    /* the third step was never reported */
  ev_sink_free(ev);
  clock_free(clk);
  close(fds[1]);
  out = drain(fds[0]);
  close(fds[0]);
  assert_non_null(strstr(out, "  ok   a" "                                        1m1s\n"));
  assert_non_null(strstr(out, "PASSED  3 steps  in 1m1s\n"));
  assert_non_null(strstr(out, "Steps:   1 passed, 0 failed, 1 recovered, 0 skipped, "
                              "1 not run\n"));
  assert_null(strstr(out, "Resume:"));
  free(out);
}

/* }==== */

/* {==== writing ==== */

static void test_write_failure(void **state)
{
  struct rbc_clock *clk = clock_new_virtual(0);
  struct ev_sink *ev = ev_sink_new(clk);
  struct ev_run_info info;

  (void)state;
  fill_info(&info);
  assert_int_equal(ev_failed(ev), 0);
  assert_int_equal(ev_sink_add(ev, ev_out_jsonl(-1, 0)), 0);
  assert_int_equal(ev_run_start(ev, &info), -1);
  assert_int_equal(ev_failed(ev), EBADF);
  assert_int_equal(ev_phase_end(ev), -1);  /* sticky */
  assert_int_equal(ev_sink_add(ev, NULL), -1);
  ev_sink_free(ev);
  clock_free(clk);
}

/* The journal flavour: fsync at boundaries on a real file, same bytes. */
static void test_jsonl_fsync_file(void **state)
{
  char path[] = "/tmp/test_events_XXXXXX";
  int fd = mkstemp(path);
  struct rbc_clock *clk = clock_new_virtual(CLOCK_VIRTUAL_DEFAULT_EPOCH_MS);
  struct ev_sink *ev = ev_sink_new(clk);
  char *out;

  (void)state;
  assert_true(fd >= 0);
  unlink(path);
  assert_int_equal(ev_sink_add(ev, ev_out_jsonl(fd, EV_JSONL_FSYNC)), 0);
  assert_int_equal(scenario(ev, clk, SENTINEL), 0);
  ev_sink_free(ev);
  clock_free(clk);
  lseek(fd, 0, SEEK_SET);
  out = drain(fd);
  close(fd);
  assert_lines(out, want_jsonl);
  free(out);
}

/* Two outputs get the same events. */
static void test_fan_out(void **state)
{
  struct rbc_clock *clk = clock_new_virtual(CLOCK_VIRTUAL_DEFAULT_EPOCH_MS);
  struct ev_sink *ev = ev_sink_new(clk);
  int a[2], b[2];
  char *outa, *outb;

  (void)state;
  assert_int_equal(pipe(a), 0);
  assert_int_equal(pipe(b), 0);
  assert_int_equal(ev_sink_add(ev, ev_out_plain(a[1])), 0);
  assert_int_equal(ev_sink_add(ev, ev_out_jsonl(b[1], 0)), 0);
  assert_int_equal(scenario(ev, clk, SENTINEL), 0);
  ev_sink_free(ev);
  clock_free(clk);
  close(a[1]);
  close(b[1]);
  outa = drain(a[0]);
  outb = drain(b[0]);
  close(a[0]);
  close(b[0]);
  assert_lines(outa, want_plain);
  assert_lines(outb, want_jsonl);
  free(outa);
  free(outb);
}

/* }==== */

/* {==== helpers ==== */

static void test_fmt_elapsed(void **state)
{
  static const struct { int64_t ms; const char *want; } cases[] = {
    { -5, "0.0s" }, { 0, "0.0s" }, { 99, "0.0s" }, { 402, "0.4s" }, { 1250, "1.2s" },
    { 9999, "9.9s" }, { 10000, "10s" }, { 35400, "35s" }, { 372418, "6m12s" },
    { 3600000, "1h" }, { 5400500, "1h30m" },
  };
  char buf[VAL_FMT_BUF];

  (void)state;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    assert_string_equal(ev_fmt_elapsed(cases[i].ms, buf), cases[i].want);
}

static void test_status_names(void **state)
{
  (void)state;
  assert_string_equal(ev_step_status_name(EV_PASS), "pass");
  assert_string_equal(ev_step_status_name(EV_NOT_RUN), "not_run");
  assert_null(ev_step_status_name(EV__NSTATUS));
  assert_string_equal(ev_run_status_name(EV_RUN_INTERRUPTED), "interrupted");
  assert_string_equal(ev_run_status_name((enum ev_run_status)99), "error");
}

/* {==== checklist, monitor and trigger events ==== */

/* One event of every check kind into one output, a secret in values and reasons. */
static char *capture_checks(enum out_kind kind, const struct ev_tty_opts *to)
{
  static const enum ev_check_kind kinds[] = {
    EV_CHECKLIST_ITEM, EV_MONITOR_SAMPLE, EV_MONITOR_VERDICT, EV_MONITOR_VERDICT,
    EV_MONITOR_VERDICT, EV_TRIGGER_LISTED, EV_TRIGGER_SAMPLE, EV_TRIGGER_FIRED
  };
  static const enum ev_check_status sts[] = {
    EV_CK_UNCONFIRMED, EV_CK_NO_DATA, EV_CK_NORMAL, EV_CK_ALERT, EV_CK_INCONCLUSIVE,
    EV_CK_MANUAL, EV_CK_HOLDS, EV_CK_FIRED
  };
  struct rbc_clock *clk = clock_new_virtual(CLOCK_VIRTUAL_DEFAULT_EPOCH_MS);
  struct ev_sink *ev = ev_sink_new(clk);
  struct rbc_value sec;
  struct val_err err;
  struct ev_check c;
  int fds[2];
  char *out;

  assert_non_null(ev);
  assert_int_equal(val_string_new(SENTINEL, strlen(SENTINEL), &sec, &err), VAL_OK);
  sec = val_tainted(sec, true);
  assert_int_equal(ev_add_secret(ev, sec), 0);
  assert_int_equal(pipe(fds), 0);
  assert_int_equal(ev_sink_add(ev, kind == OUT_JSONL ? ev_out_jsonl(fds[1], 0)
                               : kind == OUT_PLAIN ? ev_out_plain(fds[1])
                               : ev_out_tty(fds[1], to)), 0);
  for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
    memset(&c, 0, sizeof c);
    c.kind = kinds[i];
    c.status = sts[i];
    c.group = kinds[i] == EV_CHECKLIST_ITEM ? "Data integrity" : NULL;
    c.name = "Error rate";
    c.by = kinds[i] == EV_CHECKLIST_ITEM ? "no-tty" : NULL;
    c.value = kinds[i] == EV_MONITOR_SAMPLE ? &sec : NULL;
    c.reason = "token " SENTINEL " rejected";
    c.sample = c.count = kinds[i] == EV_MONITOR_SAMPLE || kinds[i] == EV_MONITOR_VERDICT;
    c.held_ms = kinds[i] >= EV_TRIGGER_SAMPLE ? 60000 : -1;
    c.for_ms = kinds[i] >= EV_TRIGGER_LISTED ? 120000 : -1;
    assert_int_equal(ev_check(ev, &c), 0);
  }
  ev_sink_free(ev);
  clock_free(clk);
  val_release(sec);
  close(fds[1]);
  out = drain(fds[0]);
  close(fds[0]);
  return out;
}

/* Every check event renders in every output, as valid JSON, with no secret. */
static void test_check_events(void **state)
{
  static const char *const types[] = {
    "checklist_item", "monitor_sample", "monitor_normal", "monitor_alert",
    "monitor_inconclusive", "trigger_listed", "trigger_sample", "trigger_fired"
  };
  struct ev_tty_opts to;
  char *out, *line, *nl;
  size_t n = 0;

  (void)state;
  memset(&to, 0, sizeof to);
  out = capture_checks(OUT_JSONL, NULL);
  for (line = out, nl = strchr(line, '\n'); nl; line = nl + 1, nl = strchr(line, '\n')) {
    json_error_t jerr;
    json_t *j;

    *nl = '\0';
    j = json_loads(line, 0, &jerr);
    assert_non_null(j);
    assert_true(n < sizeof types / sizeof types[0]);
    assert_string_equal(json_string_value(json_object_get(j, "type")), types[n++]);
    assert_true(json_is_string(json_object_get(j, "status")));
    json_decref(j);
  }
  assert_int_equal(n, sizeof types / sizeof types[0]);
  free(out);
  for (int kind = OUT_PLAIN; kind <= OUT_TTY; kind++) {
    out = capture_checks((enum out_kind)kind, &to);
    assert_null(strstr(out, SENTINEL));
    assert_non_null(strstr(out, "***"));
    assert_non_null(strstr(out, kind == OUT_PLAIN ? "trigger \"Error rate\" FIRED held=1m for=2m"
                                                  : "FIRED, held 1m of 2m"));
    free(out);
  }
  for (int s = 0; s < EV_CK__NSTATUS; s++)
    assert_non_null(ev_check_status_name((enum ev_check_status)s));
  assert_null(ev_check_status_name(EV_CK__NSTATUS));
}

/* }==== */

/* ev_describe and the phase/step helpers read the compiler's descriptors. */
static void test_describe_chunk(void **state)
{
  struct chunk *c = chunk_new("runbooks/x.rb", NULL);
  struct ev_run_info info;
  struct ev_phase ph;
  struct ev_step st;
  struct chunk_line line = { 54, 5, 100, 120 };
  uint32_t w[6];
  int kname, kp1;

  (void)state;
  assert_non_null(c);
  kname = chunk_add_str(c, "payments-api", 12);
  c->runbook = (uint16_t)kname;
  w[META_KEY] = (uint32_t)chunk_add_str(c, "title", 5);
  w[META_VALUE] = (uint32_t)chunk_add_str(c, "Rollback", 8);
  chunk_add_desc(c, CK_META, w, 2);
  w[META_KEY] = (uint32_t)chunk_add_str(c, "rto", 3);
  w[META_VALUE] = (uint32_t)chunk_add_duration(c, 900000);
  chunk_add_desc(c, CK_META, w, 2);
  w[META_KEY] = (uint32_t)chunk_add_str(c, "criticality", 11);
  w[META_VALUE] = (uint32_t)chunk_add_str(c, "high", 4);
  chunk_add_desc(c, CK_META, w, 2);
  w[PHASE_NAME] = (uint32_t)chunk_add_str(c, "First", 5);
  w[PHASE_NUMBER] = 1;
  w[PHASE_NSTEPS] = 3;
  kp1 = chunk_add_desc(c, CK_PHASE, w, 3);
  w[PHASE_NAME] = (uint32_t)chunk_add_str(c, "Second", 6);
  w[PHASE_NUMBER] = 2;
  w[PHASE_NSTEPS] = 2;
  chunk_add_desc(c, CK_PHASE, w, 3);
  w[STEP_NAME] = (uint32_t)chunk_add_str(c, "Notify", 6);
  w[STEP_PHASE] = 1;
  w[STEP_NUMBER] = 2;
  w[STEP_ONFAIL] = ONF_ABORT_DEFAULT;
  w[STEP_TROUBLESHOOT] = CHUNK_NONE32;
  w[STEP_WHEN] = CHUNK_NONE32;
  ev_describe(c, &info);
  assert_string_equal(info.runbook, "payments-api");
  assert_string_equal(info.file, "runbooks/x.rb");
  assert_string_equal(info.title, "Rollback");
  assert_string_equal(info.criticality, "high");
  assert_int_equal(info.rto_ms, 900000);
  assert_int_equal(info.nphases, 2);
  assert_int_equal(info.nsteps, 5);
  ev_phase_from_chunk(c, (uint32_t)kp1, 120000, &ph);
  assert_string_equal(ph.name, "First");
  assert_int_equal(ph.index, 1);
  assert_int_equal(ph.nsteps, 3);
  assert_int_equal(ph.budget_ms, 120000);
  ev_step_from_chunk(c, (uint32_t)chunk_add_desc(c, CK_STEP, w, 6), &line, &st);
  assert_string_equal(st.name, "Notify");
  assert_int_equal(st.phase, 1);
  assert_int_equal(st.index, 2);
  assert_int_equal(st.loc.line, 54);
  assert_int_equal(st.loc.span.end, 120);
  ev_step_from_chunk(c, (uint32_t)kname, NULL, &st);   /* not a STEP: empty */
  assert_null(st.name);
  chunk_free(c);
}

/* }==== */

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_jsonl_exact),
    cmocka_unit_test(test_plain_exact),
    cmocka_unit_test(test_tty_exact),
    cmocka_unit_test(test_jsonl_valid),
    cmocka_unit_test(test_secret_in_no_output),
    cmocka_unit_test(test_secret_values_masked),
    cmocka_unit_test(test_safe_cut),
    cmocka_unit_test(test_tty_live_spinner),
    cmocka_unit_test(test_tty_spinner_activity),
    cmocka_unit_test(test_tty_render_hook),
    cmocka_unit_test(test_tty_passed_summary),
    cmocka_unit_test(test_write_failure),
    cmocka_unit_test(test_jsonl_fsync_file),
    cmocka_unit_test(test_fan_out),
    cmocka_unit_test(test_fmt_elapsed),
    cmocka_unit_test(test_status_names),
    cmocka_unit_test(test_describe_chunk),
    cmocka_unit_test(test_check_events),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
