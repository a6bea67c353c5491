/*
** sh_native.c: the `sh` built-in, on top of the shell runner (shell.h).
**
**   sh(command, env: {NAME: value}, timeout: 30s, check: true, cwd: "dir")
**
** command  the full command line, built by the VM: literal parts as
**          written, each interpolated value through sh_quote.  A secret
**          command line is refused here too (RB3001), whatever the VM did.
** env      extra variables for the child only.  Values: strings as they
**          are; ints, floats, bools and durations in their display form.
**          This is the one place a secret's raw bytes leave rbc: each
**          secret value (or every value of a secret map) is registered with
**          host->add_secret first, so every sink scrubs those bytes.
** timeout  a duration > 0; default none.  A timeout kills the command's
**          whole process group and is an error (RB5003) even with
**          check: false.  An interrupt (SIGINT/SIGTERM, the runner's
**          sh_interrupt_requested flag) is RB5009.
** check    default true: a non-zero exit is an error, RB5002 "command
**          failed with exit code N: LAST STDERR LINE" (the line with the
**          env secrets' bytes replaced by ***).
** cwd      directory to run in (relative: against host->workdir); by
**          default host->workdir, the same base every file built-in uses.
**          Done by prefixing the command with `cd -- DIR || exit 1`.
**
** Result: {code: int, stdout: string, stderr: string, duration: duration,
** truncated: bool} (truncated: a stream passed SH_DEFAULT_MAX_OUTPUT).
** stdout and stderr are NOT marked secret even when a secret went in
** through env (the command may print it, but marking every output of such
** commands secret would mask all of it everywhere); instead the secret
** bytes are registered, so the sinks scrub them wherever they appear.
** Durations are measured on the real monotonic clock (children run in
** real time even under --clock=virtual).
*/
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "stdlib/loop.h"
#include "stdlib/natives_int.h"
#include "stdlib/shell.h"
#include "stdlib/sim.h"

/* {==== the request ==== */

/* One env entry with the storage it needs. */
struct env_item {
  char *name;                   /* NUL-terminated copy of the map key */
  struct rbc_value text;        /* the value as a string (owned) */
  bool secret;                  /* registered with the host; scrubbed from messages */
};

/* Everything sh() was asked, resolved. */
struct sh_args {
  struct env_item *items;       /* env entries, malloc'ed */
  struct sh_env_var *vars;      /* the same for the runner (borrows items) */
  size_t nitems;                /* entries in both */
  int64_t timeout_ms;           /* 0: none */
  bool check;                   /* non-zero exit is an error */
  struct sh_buf line;           /* the command line to run (cd prefix + command) */
};

/* Release what parse_args allocated. */
static void
args_free(struct sh_args *a)
{
  for (size_t i = 0; i < a->nitems; i++) {
    free(a->items[i].name);
    val_release(a->items[i].text);
  }
  free(a->items);
  free(a->vars);
  sh_buf_free(&a->line);
}

/* Make item from the env entry key[0..klen) = v (tainted by the map). */
static int
env_item(struct std_call *call, const char *key, size_t klen, struct rbc_value v,
         bool map_secret, struct env_item *item)
{
  struct val_err err;

  if (v.type != VAL_STRING && v.type != VAL_INT && v.type != VAL_FLOAT
      && v.type != VAL_BOOL && v.type != VAL_DURATION)
    return std_error(call, "sh(): env: %.*s must be a string, number, bool or duration, got %s",
                     (int)(klen > 64 ? 64 : klen), key, val_kind(v));
  item->name = malloc(klen + 1);
  if (item->name == NULL)
    return std_oom(call, STD_BI_sh);
  memcpy(item->name, key, klen);
  item->name[klen] = '\0';
  item->secret = v.secret || map_secret;
  if (v.type == VAL_STRING)
    item->text = val_retain(v);
  else if (val_to_string(v, VAL_FMT_RAW, &item->text, &err) != VAL_OK)
    return std_oom(call, STD_BI_sh);
  return 0;
}

/* Read `env:` into a->items / a->vars, registering the secrets. */
static int
parse_env(struct std_call *call, const struct rbc_value *env, struct sh_args *a)
{
  const struct std_host *h = call->host;
  size_t n, pos = 0, klen;
  const struct rbc_value *v;
  const char *key;

  if (env->type != VAL_MAP)
    return std_named_type_error(call, STD_BI_sh, "env", "a map", *env);
  n = val_map_len(*env);
  a->items = calloc(n > 0 ? n : 1, sizeof *a->items);
  a->vars = calloc(n > 0 ? n : 1, sizeof *a->vars);
  if (a->items == NULL || a->vars == NULL)
    return std_oom(call, STD_BI_sh);
  while (a->nitems < n && val_map_next(*env, &pos, &key, &klen, &v)) {
    struct env_item *it = &a->items[a->nitems];
    it->text = val_null();
    a->nitems++;
    if (env_item(call, key, klen, *v, env->secret, it) < 0)
      return -1;
    a->vars[a->nitems - 1].name = it->name;
    a->vars[a->nitems - 1].value = val_str_data(it->text);
    a->vars[a->nitems - 1].value_len = val_str_len(it->text);
    if (it->secret && h != NULL && h->add_secret != NULL)
      h->add_secret(h->ctx, val_str_data(it->text), val_str_len(it->text));
  }
  return 0;
}

/* Start the command line with `cd -- DIR || exit 1` for cwd / the workdir. */
static int
cd_prefix(struct std_call *call, const struct rbc_value *cwd, struct sh_args *a)
{
  const char *workdir = call->host != NULL ? call->host->workdir : NULL;
  struct stat st;
  char *dir = NULL;
  int rc = 0;

  if (cwd != NULL && cwd->type != VAL_STRING)
    return std_named_type_error(call, STD_BI_sh, "cwd", "a string", *cwd);
  if (cwd == NULL && (workdir == NULL || workdir[0] == '\0'))
    return 0;
  if (cwd != NULL && (val_str_len(*cwd) == 0
                      || memchr(val_str_data(*cwd), '\0', val_str_len(*cwd)) != NULL))
    return std_error(call, "sh(): cwd: the path is empty or holds a NUL byte");
  if (cwd != NULL ? std_join_path(workdir, val_str_data(*cwd), val_str_len(*cwd), &dir) < 0
                  : std_join_path(NULL, workdir, strlen(workdir), &dir) < 0)
    return std_oom(call, STD_BI_sh);
  if ((call->host == NULL || loop_sim(call->host->loop) == NULL)   /* rbc test: no real dirs */
      && (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)))
    rc = std_error(call, "sh(): cwd: \"%.200s\" is not a directory",
                   cwd != NULL ? std_shown(*cwd) : workdir);
  else if (sh_buf_append(&a->line, "cd -- ", 6) != SH_OK
           || sh_quote(&a->line, dir, strlen(dir)) != SH_OK
           || sh_buf_append(&a->line, " || exit 1\n", 11) != SH_OK)
    rc = std_oom(call, STD_BI_sh);
  free(dir);
  return rc;
}

/* Read the named arguments timeout: and check:. */
static int
parse_options(struct std_call *call, struct sh_args *a)
{
  const struct rbc_value *timeout = std_named(call, "timeout");
  const struct rbc_value *check = std_named(call, "check");

  a->check = true;
  if (timeout != NULL && timeout->type != VAL_NULL) {
    if (timeout->type != VAL_DURATION)
      return std_named_type_error(call, STD_BI_sh, "timeout", "a duration", *timeout);
    if (timeout->as.i <= 0)
      return std_error(call, "sh(): timeout: must be more than 0s");
    a->timeout_ms = timeout->as.i;
  }
  if (check != NULL) {
    if (check->type != VAL_BOOL)
      return std_named_type_error(call, STD_BI_sh, "check", "a bool", *check);
    a->check = check->as.b;
  }
  return 0;
}

/* Check and resolve every argument of the call into *a. */
static int
parse_args(struct std_call *call, struct sh_args *a)
{
  struct rbc_value cmd = call->args[0];
  const struct rbc_value *env = std_named(call, "env");

  if (cmd.type != VAL_STRING)
    return std_type_error(call, STD_BI_sh, 1, "a string", cmd);
  if (cmd.secret)
    return std_error_code(call, DIAG_RB3001, "sh(): a secret cannot be part of a command line; "
                          "pass it to the command through env:");
  if (parse_options(call, a) < 0 || cd_prefix(call, std_named(call, "cwd"), a) < 0)
    return -1;
  if (env != NULL && env->type != VAL_NULL && parse_env(call, env, a) < 0)
    return -1;
  if (sh_buf_append(&a->line, val_str_data(cmd), val_str_len(cmd)) != SH_OK)
    return std_oom(call, STD_BI_sh);
  return 0;
}

/* }==== */

/* {==== the result ==== */

/* Set map[key] to a new string of buf's bytes; -1 on OOM. */
static int
put_text(struct rbc_value *map, const char *key, const struct sh_buf *buf)
{
  struct rbc_value s;
  struct val_err err;

  if (val_string_new(buf->data != NULL ? buf->data : "", buf->len, &s, &err) != VAL_OK)
    return -1;
  return std_map_put(map, key, s);
}

/* The result map {code, stdout, stderr, duration, truncated}. */
static int
result_map(struct std_call *call, const struct sh_result *r, struct rbc_value *out)
{
  struct rbc_value map;
  struct val_err err;

  if (val_map_new(&map, &err) != VAL_OK)
    return std_oom(call, STD_BI_sh);
  if (std_map_put(&map, "code", val_int(r->exit_code)) < 0
      || put_text(&map, "stdout", &r->out) < 0 || put_text(&map, "stderr", &r->err) < 0
      || std_map_put(&map, "duration", val_duration(r->duration_ms)) < 0
      || std_map_put(&map, "truncated", val_bool(r->out_truncated || r->err_truncated)) < 0) {
    val_release(map);
    return std_oom(call, STD_BI_sh);
  }
  *out = map;
  return 0;
}

/*
** The last non-empty line of stderr (at most 200 bytes of it) with the
** bytes of every secret env value replaced by ***, into b.
*/
static void
last_line(const struct sh_args *a, const struct sh_buf *err, struct val_buf *b)
{
  const char *s = err->data != NULL ? err->data : "";
  size_t end = err->len, start;

  while (end > 0 && (s[end - 1] == '\n' || s[end - 1] == '\r'))
    end--;
  start = end;
  while (start > 0 && s[start - 1] != '\n')
    start--;
  if (end - start > 200)
    end = start + 200;
  for (size_t i = start; i < end; i++) {
    bool hit = false;
    for (size_t k = 0; k < a->nitems && !hit; k++) {
      size_t n = val_str_len(a->items[k].text);
      hit = a->items[k].secret && n > 0 && n <= end - i
            && memcmp(s + i, val_str_data(a->items[k].text), n) == 0;
      if (hit) {
        val_buf_append(b, "***", 3);
        i += n - 1;
      }
    }
    if (!hit)
      val_buf_append(b, s + i, 1);
  }
}

/* RB5002 "command failed with exit code N[ (signal S)][: last stderr line]". */
static int
failed(struct std_call *call, const struct sh_args *a, const struct sh_result *r)
{
  struct val_buf b;
  char sig[32] = "";

  val_buf_init(&b);
  last_line(a, &r->err, &b);
  if (r->term_signal != 0)
    snprintf(sig, sizeof sig, " (signal %d)", r->term_signal);
  std_error_code(call, DIAG_RB5002, "command failed with exit code %d%s%s%s", r->exit_code, sig,
                 b.len > 0 && !b.oom ? ": " : "", b.len > 0 && !b.oom ? b.data : "");
  val_buf_free(&b);
  return -1;
}

/* Turn the runner's outcome into the result map or the right error. */
static int
finish(struct std_call *call, const struct sh_args *a, const struct sh_result *r,
       struct rbc_value *out)
{
  char d[VAL_FMT_BUF];

  switch (r->status) {
  case SH_OK:
    if (a->check && r->exit_code != 0)
      return failed(call, a, r);
    return result_map(call, r, out);
  case SH_TIMED_OUT:
    return std_error_code(call, DIAG_RB5003, "command timed out after %s",
                          val_format_duration(a->timeout_ms, d));
  case SH_INTERRUPTED:
  case SH_CANCELLED:
    return std_error_code(call, DIAG_RB5009, "command interrupted");
  case SH_EXEC_FAILED:
    return std_error_code(call, DIAG_RB5002, "cannot run the shell: %s", r->message);
  case SH_ERR_NOMEM:
    return std_oom(call, STD_BI_sh);
  default:
    return std_error(call, "sh(): %s", r->message);
  }
}

/*
** The `sh` action's exports (docs/journal.md): the command line as the
** runbook built it (no secret can be on it: refused above), the exit code
** or the timeout, and stdout/stderr cut at STD_EXPORT_TEXT_MAX bytes each
** (secret env values are scrubbed by the sinks).  Left null when out of
** memory: the action is journaled without them.
*/
static void
set_exports(struct std_call *call, const struct sh_result *r)
{
  struct rbc_value map, cmd = call->args[0];
  struct val_err err;

  if ((r->status != SH_OK && r->status != SH_TIMED_OUT)
      || call->host == NULL || call->host->action_exports == NULL)   /* nobody journals them */
    return;
  if (val_map_new(&map, &err) != VAL_OK)
    return;
  if (std_map_put(&map, "command", val_retain(cmd)) < 0
      || (r->status == SH_TIMED_OUT ? std_map_put(&map, "timed_out", val_bool(true))
                                    : std_map_put(&map, "exit", val_int(r->exit_code))) < 0
      || std_export_text(call->host, &map, "stdout", "stdout_truncated", r->out.data,
                         r->out.len) < 0
      || std_export_text(call->host, &map, "stderr", "stderr_truncated", r->err.data,
                         r->err.len) < 0
      || (r->out_truncated && std_map_put(&map, "stdout_truncated", val_bool(true)) < 0)
      || (r->err_truncated && std_map_put(&map, "stderr_truncated", val_bool(true)) < 0)) {
    val_release(map);
    return;
  }
  val_release(call->exports);
  call->exports = map;
}

/* }==== */

/*
** Run the child through the run's loop (other fibers go on while it runs),
** or with the blocking runner when the host has no loop (unit tests).
*/
static void
run_child(struct std_call *call, const struct sh_request *req, struct sh_result *res)
{
  struct sh_proc *p;

  if (!call->host || !call->host->loop) {
    sh_run(req, res);
    return;
  }
  if (sh_start(req, &p, res) != SH_OK)
    return;
  loop_sh_wait(call->host->loop, p);
  sh_reap(p, res);
  if (res->status == SH_CANCELLED && loop_interrupted(call->host->loop))
    res->status = SH_INTERRUPTED;
}

/*
** rbc test (stdlib/sim.h): the scenario answers for the command as the
** runbook built it (without the cd prefix).  0 with *res filled as the
** runner would fill it, or -1 with RB5060 recorded when it is not described.
*/
static int
simulate(struct std_call *call, const struct sh_args *a, struct sh_result *res)
{
  const struct sim *sim = loop_sim(call->host->loop);
  struct rbc_value cmd = call->args[0];
  struct sim_sh_reply rp;

  memset(&rp, 0, sizeof rp);
  if (sim->sh == NULL
      || sim->sh(sim->ctx, val_str_data(cmd), val_str_len(cmd), a->timeout_ms, &rp)
         != SIM_ANSWERED)
    return std_error_code(call, DIAG_RB5060, "sh \"%.200s\": not described by the scenario",
                          val_str_data(cmd));
  res->status = rp.timed_out ? SH_TIMED_OUT : SH_OK;
  res->exit_code = rp.exit_code;
  res->duration_ms = rp.delay_ms;
  sh_buf_free(&res->out);
  sh_buf_free(&res->err);
  res->out = rp.out;
  res->err = rp.err;
  res->out_total = rp.out.len;
  res->err_total = rp.err.len;
  return 0;
}

/* sh(command, env:, timeout:, check:, cwd:): see the top of the file. */
int
std_sh(struct std_call *call, struct rbc_value *out)
{
  struct sh_args a;
  struct sh_request req;
  struct sh_result res;
  int rc = -1;

  memset(&a, 0, sizeof a);
  if (std_check_args(call, STD_BI_sh) == 0 && parse_args(call, &a) == 0) {
    memset(&req, 0, sizeof req);
    req.command = a.line.data != NULL ? a.line.data : "";
    req.command_len = a.line.len;
    req.env = a.vars;
    req.env_count = a.nitems;
    req.timeout_ms = a.timeout_ms;
    sh_result_init(&res);
    if (call->host != NULL && loop_sim(call->host->loop) != NULL) {
      if (simulate(call, &a, &res) == 0) {
        set_exports(call, &res);
        rc = finish(call, &a, &res, out);
      }
    } else {
      run_child(call, &req, &res);
      set_exports(call, &res);
      rc = finish(call, &a, &res, out);
    }
    sh_result_free(&res);
  }
  args_free(&a);
  return rc;
}
