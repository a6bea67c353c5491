/*
** check_rules.c: runbook-semantic rules that look at a whole checked
** runbook rather than at one expression (cli.md 3, RB3xxx/RB4xxx):
**
**   RB3004 unbounded-retry       a retry that backs off (> 1) with no
**                                `max` to 10x its interval or more (a wait
**                                always has a timeout: the grammar)
**   RB3005 mutation-without-gate a critical runbook's step changes
**                                something before any `confirm` in it
**   RB3006 ignored-exit-status   `sh(..., check: false)` whose result is
**                                thrown away or never read
**   RB3008 no-failure-path       a high/critical runbook's step changes
**                                something with no `on failure` and no
**                                state captured earlier in the runbook
**   RB3009 retry-exceeds-budget  a retry's or wait's worst case is longer
**                                than its phase's `within` budget
**   RB4008 unreachable-code      statements after `fail`, `return` or
**                                `assert false`; a step `when false`
**   RB4003 naming                a param, secret, fn, resource or step
**                                binding not in lower_snake_case (strict)
**   RB4007 unused-binding        a step-level `let` nothing reads (strict)
**   RB4004 not-formatted         the file differs from `rbc fmt`'s output
**                                (production; check_options.format_check)
**
** The rules run after the checker's walk (check.c), so names are resolved
** and step bindings carry their use counts.  What counts as a change comes
** from one place, call_effect(): the effect column of builtins.def, user
** fns by what they call, and AWS operations by name (rule_aws_effect).
*/
#include <stdint.h>
#include <string.h>

#include "parser/arena.h"
#include "parser/check_impl.h"
#include "parser/fmt.h"
#include "stdlib/builtins.h"

#define MAX_FN_DEPTH 64         /* nesting of user fns followed when judging effects */
#define FN_MEMO_SIZE 4096       /* fn effects remembered (open addressing) */
#define FN_WALK_BUDGET 20000    /* fn bodies walked per runbook, at most */
#define MS_CAP ((int64_t)1 << 53)  /* durations saturate here */

/* What a call does to the world, as far as these rules care. */
enum rule_effect {
  EFF_NONE,                     /* pure, or unknown */
  EFF_READ,                     /* reads state worth capturing */
  EFF_NOTIFY,                   /* tells people (sns publish, ...) */
  EFF_CHANGE,                   /* changes something (incl. shell) */
  EFF_GATE                      /* confirm */
};

/* What the memo knows about one user fn. */
enum memo_state {
  MEMO_WALKING,                 /* its body is being walked: a call now is a cycle */
  MEMO_DONE,                    /* effect known */
  MEMO_STALE                    /* last walk met a cycle or a limit: walk again */
};

/* The effect of one user fn. */
struct fn_memo {
  const struct ast_node *fn;    /* NULL: free slot */
  unsigned char state;          /* enum memo_state */
  unsigned char effect;         /* enum rule_effect, when MEMO_DONE */
};

/* State of the walk over one runbook. */
struct rules {
  struct checker *c;
  struct fn_memo *memo;         /* FN_MEMO_SIZE slots in the arena, or NULL */
  unsigned walks;               /* fn bodies walked so far */
  unsigned cut;                 /* effects left incomplete (cycle, depth, budget) */
  bool critical;                /* criticality critical */
  bool high;                    /* criticality high or critical */
  bool captured;                /* state was captured earlier in the runbook */
  const struct ast_node *phase; /* phase being walked, or NULL */
};

/* What the walk of one step found. */
struct step_scan {
  bool saw_confirm;             /* a confirm ran before this point */
  const struct ast_node *change;/* first changing call, or NULL */
  bool change_gated;            /* a confirm came before it */
  bool change_captured;         /* state had been captured before it */
};

/* {==== effects (the one place that decides what a call does) ==== */

/*
** An AWS operation's effect from its name: Describe/Get/List and other
** query verbs read; SNS/SQS/SES publish and send_* notify; everything else
** changes.  botocore's models carry no read/write flag either (see
** aws_model_effect), so the verb is the evidence; this copy also knows
** which calls only notify, and needs no model loaded.
*/
static enum rule_effect
rule_aws_effect(const char *service, const char *op)
{
  static const char *const reads[] = {
    "describe_", "get_", "list_", "head_", "search_", "query", "scan", "select",
    "lookup_", "batch_get_", "check_", "validate_", "simulate_", "estimate_", "preview_"
  };
  bool messaging = strcmp(service, "sns") == 0 || strcmp(service, "sqs") == 0
                || strcmp(service, "ses") == 0 || strcmp(service, "sesv2") == 0;

  for (size_t i = 0; i < sizeof reads / sizeof reads[0]; i++)
    if (strncmp(op, reads[i], strlen(reads[i])) == 0)
      return EFF_READ;
  if (messaging && (strcmp(op, "publish") == 0 || strncmp(op, "send_", 5) == 0))
    return EFF_NOTIFY;
  return EFF_CHANGE;
}

static enum rule_effect fn_effect(struct rules *r, const struct ast_node *fn, int depth);

/* Does [t, end) contain needle? */
static bool
has_sub(const char *t, const char *end, const char *needle)
{
  size_t n = strlen(needle);

  for (; t + n <= end; t++)
    if (memcmp(t, needle, n) == 0)
      return true;
  return false;
}

/* Does word w (n bytes) equal one of the NULL-terminated words? */
static bool
word_in(const char *w, size_t n, const char *const *words)
{
  for (; *words != NULL; words++)
    if (strlen(*words) == n && memcmp(w, *words, n) == 0)
      return true;
  return false;
}

/*
** A shell command's effect from its literal text: commands that only look
** (curl without a method or data, cat, grep, `kubectl get`, `systemctl
** status`, ...) read; everything else, and any command not written as a
** literal start, changes.  Like rule_aws_effect, the name is the evidence.
*/
static enum rule_effect
shell_effect(const struct ast_node *cmd)
{
  static const char *const readers[] = {
    "cat", "grep", "egrep", "test", "[", "ls", "echo", "printf", "head", "tail", "wc", "stat",
    "dig", "host", "nslookup", "ping", "nc", "jq", "date", "true", "id", "whoami", "df", "du",
    "ps", "pgrep", "uptime", "wget", NULL
  };
  static const char *const sub_readers[] = {
    "get", "describe", "logs", "top", "status", "is-active", "is-enabled", "show", "ps",
    "inspect", "log", "diff", "version", NULL
  };
  const struct ast_node *part = cmd != NULL && cmd->kind == AST_STRING ? cmd->u.string.parts
                                                                      : NULL;
  const char *t, *end, *w;
  size_t n;

  if (part == NULL || part->kind != AST_STR_TEXT)
    return EFF_CHANGE;
  t = part->u.text.bytes;
  end = t + part->u.text.len;
  while (t < end && *t == ' ')
    t++;
  for (n = 0; t + n < end && t[n] != ' '; n++)
    ;
  if (n == 4 && memcmp(t, "curl", 4) == 0)
    return has_sub(t, end, " -X") || has_sub(t, end, " -d") || has_sub(t, end, "--data")
        || has_sub(t, end, "--request") || has_sub(t, end, " -T") ? EFF_CHANGE : EFF_READ;
  if (word_in(t, n, readers))
    return EFF_READ;
  if (!word_in(t, n, (const char *const[]){ "kubectl", "systemctl", "docker", "git", NULL }))
    return EFF_CHANGE;
  for (w = t + n; w < end && *w == ' '; w++)
    ;
  for (n = 0; w + n < end && w[n] != ' '; n++)
    ;
  return word_in(w, n, sub_readers) ? EFF_READ : EFF_CHANGE;
}

/* The effect column of builtins.def in these rules' terms. */
static enum rule_effect
builtin_effect(const struct std_builtin *bi)
{
  switch (bi->effect) {
  case STD_EFFECT_READ:
    return bi->id == STD_BI_env || bi->id == STD_BI_now || bi->id == STD_BI_exists
         ? EFF_NONE : EFF_READ;
  case STD_EFFECT_CHANGE:
  case STD_EFFECT_SHELL:
    return EFF_CHANGE;
  case STD_EFFECT_GATE:
    return EFF_GATE;
  default:
    return EFF_NONE;
  }
}

/* What calling `call` does: a built-in, an AWS operation or a user fn. */
static enum rule_effect
call_effect(struct rules *r, const struct ast_node *call, int depth)
{
  char name[160];
  const struct std_builtin *bi;
  const struct sym *sym;
  const char *dot;

  if (!ast_callee_name(call->u.call.callee, name, sizeof name))
    return EFF_NONE;
  if (strncmp(name, "aws.", 4) == 0) {
    dot = strchr(name + 4, '.');
    if (dot == NULL)
      return EFF_NONE;
    name[dot - name] = '\0';
    return rule_aws_effect(name + 4, dot + 1);
  }
  sym = strchr(name, '.') == NULL ? check_scope_find(r->c->global, name) : NULL;
  if (sym != NULL)
    return sym->kind == SYM_FN && sym->val.fn != NULL
         ? fn_effect(r, sym->val.fn, depth + 1) : EFF_NONE;
  bi = std_builtin_lookup(name);
  if (bi != NULL && bi->id == STD_BI_sh) {
    const struct ast_node *a = call->u.call.args;
    return shell_effect(a != NULL && a->u.arg.name.name == NULL ? a->u.arg.value : NULL);
  }
  return bi != NULL ? builtin_effect(bi) : EFF_NONE;
}

/* {==== walking calls in evaluation order ==== */

typedef void (*call_fn)(struct rules *r, const struct ast_node *call, void *ud);

static void walk_calls(struct rules *r, const struct ast_node *n, call_fn fn, void *ud);

static void
walk_list(struct rules *r, const struct ast_node *n, call_fn fn, void *ud)
{
  for (; n != NULL; n = n->next)
    walk_calls(r, n, fn, ud);
}

/* Statements: visit the expressions each holds, in source order. */
static bool
walk_stmt(struct rules *r, const struct ast_node *n, call_fn fn, void *ud)
{
  switch (n->kind) {
  case AST_BLOCK:     walk_list(r, n->u.block.stmts, fn, ud); return true;
  case AST_LET:       walk_calls(r, n->u.let.value, fn, ud); return true;
  case AST_ASSIGN:    walk_calls(r, n->u.assign.value, fn, ud); return true;
  case AST_EXPR_STMT: walk_calls(r, n->u.expr_stmt.expr, fn, ud); return true;
  case AST_IF:
    walk_calls(r, n->u.if_.cond, fn, ud);
    walk_calls(r, n->u.if_.then, fn, ud);
    walk_calls(r, n->u.if_.els, fn, ud);
    return true;
  case AST_FOR:       walk_calls(r, n->u.for_.iter, fn, ud);
                      walk_calls(r, n->u.for_.body, fn, ud); return true;
  case AST_RETRY:     walk_calls(r, n->u.retry.body, fn, ud); return true;
  case AST_WAIT:      walk_calls(r, n->u.wait.cond, fn, ud); return true;
  case AST_ASSERT:    walk_calls(r, n->u.assert_.cond, fn, ud);
                      walk_calls(r, n->u.assert_.message, fn, ud); return true;
  case AST_ASSERT_HTTP:
    walk_calls(r, n->u.assert_http.url, fn, ud);
    walk_list(r, n->u.assert_http.options, fn, ud);
    return true;
  case AST_RETURN:    walk_calls(r, n->u.return_.value, fn, ud); return true;
  case AST_PARALLEL:  walk_calls(r, n->u.parallel.iter, fn, ud);
                      walk_calls(r, n->u.parallel.body, fn, ud); return true;
  default:            return false;
  }
}

/* Every CALL under n (statements or expressions), arguments before the call. */
static void
walk_calls(struct rules *r, const struct ast_node *n, call_fn fn, void *ud)
{
  if (n == NULL || walk_stmt(r, n, fn, ud))
    return;
  switch (n->kind) {
  case AST_STRING: walk_list(r, n->u.string.parts, fn, ud); break;
  case AST_LIST:   walk_list(r, n->u.list.items, fn, ud); break;
  case AST_MAP:    walk_list(r, n->u.map.entries, fn, ud); break;
  case AST_PAIR:   walk_calls(r, n->u.pair.value, fn, ud); break;
  case AST_ARG:    walk_calls(r, n->u.arg.value, fn, ud); break;
  case AST_UNARY:  walk_calls(r, n->u.unary.operand, fn, ud); break;
  case AST_BINARY: walk_calls(r, n->u.binary.left, fn, ud);
                   walk_calls(r, n->u.binary.right, fn, ud); break;
  case AST_MEMBER: walk_calls(r, n->u.member.object, fn, ud); break;
  case AST_INDEX:  walk_calls(r, n->u.index.object, fn, ud);
                   walk_calls(r, n->u.index.index, fn, ud); break;
  case AST_CALL:
    walk_calls(r, n->u.call.callee, fn, ud);
    walk_list(r, n->u.call.args, fn, ud);
    fn(r, n, ud);
    break;
  default: break;
  }
}

/* The strongest effect found by walk_calls (CHANGE > READ > NONE). */
struct effect_acc {
  enum rule_effect e;           /* strongest so far */
  int depth;                    /* user-fn nesting */
};

static void
acc_effect(struct rules *r, const struct ast_node *call, void *ud)
{
  struct effect_acc *acc = ud;
  enum rule_effect e = call_effect(r, call, acc->depth);

  if (e == EFF_CHANGE || (e == EFF_READ && acc->e != EFF_CHANGE))
    acc->e = e;
}

/* fn's slot in the memo (free or its own), or NULL when the table is full. */
static struct fn_memo *
memo_slot(struct rules *r, const struct ast_node *fn)
{
  size_t h = ((uintptr_t)fn >> 4) & (FN_MEMO_SIZE - 1);

  if (r->memo == NULL)
    r->memo = arena_alloc(r->c->sh->a, FN_MEMO_SIZE * sizeof *r->memo);
  if (r->memo == NULL)
    return NULL;
  for (size_t i = 0; i < FN_MEMO_SIZE; i++) {
    struct fn_memo *m = &r->memo[(h + i) & (FN_MEMO_SIZE - 1)];
    if (m->fn == NULL || m->fn == fn)
      return m;
  }
  return NULL;
}

/*
** The effect of calling a user fn: the strongest effect in its body.  A
** result is remembered only when it is complete: a recursive call met
** while its own body is being walked, the nesting limit or the walk
** budget leave it incomplete (those calls count as no effect), and the
** next call walks again.  So ordinary runbooks are exact and walk each fn
** once, and a hostile call graph costs at most FN_WALK_BUDGET walks.
*/
static enum rule_effect
fn_effect(struct rules *r, const struct ast_node *fn, int depth)
{
  struct effect_acc acc = { EFF_NONE, depth };
  struct fn_memo *m = memo_slot(r, fn);
  unsigned cut = r->cut;

  if (m != NULL && m->fn == fn && m->state == MEMO_DONE)
    return (enum rule_effect)m->effect;
  if ((m != NULL && m->fn == fn && m->state == MEMO_WALKING) || depth > MAX_FN_DEPTH
      || r->walks >= FN_WALK_BUDGET) {
    r->cut++;
    return EFF_NONE;
  }
  if (m != NULL) {
    m->fn = fn;
    m->state = MEMO_WALKING;
  }
  r->walks++;
  walk_calls(r, fn->u.fn.body, acc_effect, &acc);
  if (m != NULL) {
    m->state = r->cut == cut ? MEMO_DONE : MEMO_STALE;
    m->effect = (unsigned char)acc.e;
  }
  return acc.e;
}

/*
** Whether the expression e, or the list of nodes it starts (call
** arguments), reads state: a read call anywhere inside, and no change.
*/
static bool
reads_state(struct rules *r, const struct ast_node *e)
{
  struct effect_acc acc = { EFF_NONE, 0 };

  walk_list(r, e, acc_effect, &acc);
  return acc.e == EFF_READ;
}

/* }==== */

/* {==== statements ==== */

typedef void (*stmt_fn)(struct rules *r, const struct ast_node *s);

/* Every statement under n (n itself when it is one), nested blocks included. */
static void
each_stmt(struct rules *r, const struct ast_node *n, stmt_fn fn, int depth)
{
  if (n == NULL || depth > 64)
    return;
  if (n->kind == AST_BLOCK) {
    for (const struct ast_node *s = n->u.block.stmts; s != NULL; s = s->next)
      each_stmt(r, s, fn, depth + 1);
    return;
  }
  fn(r, n);
  switch (n->kind) {
  case AST_IF:
    each_stmt(r, n->u.if_.then, fn, depth + 1);
    each_stmt(r, n->u.if_.els, fn, depth + 1);
    break;
  case AST_FOR:      each_stmt(r, n->u.for_.body, fn, depth + 1); break;
  case AST_RETRY:    each_stmt(r, n->u.retry.body, fn, depth + 1); break;
  case AST_PARALLEL: each_stmt(r, n->u.parallel.body, fn, depth + 1); break;
  default: break;
  }
}

/* The call a statement consists of (bare or as an expression statement), or NULL. */
static const struct ast_node *
stmt_call(const struct ast_node *s)
{
  if (s->kind == AST_EXPR_STMT)
    s = s->u.expr_stmt.expr;
  return s != NULL && s->kind == AST_CALL ? s : NULL;
}

/* Whether call is the built-in `name` (not a user fn of that name). */
static bool
is_builtin_call(struct rules *r, const struct ast_node *call, const char *name)
{
  char buf[64];

  return call != NULL && call->kind == AST_CALL
      && ast_callee_name(call->u.call.callee, buf, sizeof buf)
      && strcmp(buf, name) == 0 && check_scope_find(r->c->global, name) == NULL;
}

/* The value of named argument `name` of a call, or NULL. */
static const struct ast_node *
named_arg(const struct ast_node *call, const char *name)
{
  for (const struct ast_node *a = call->u.call.args; a != NULL; a = a->next)
    if (a->u.arg.name.name != NULL && strcmp(a->u.arg.name.name, name) == 0)
      return a->u.arg.value;
  return NULL;
}

/* `sh(..., check: false)`: the exit status is the caller's to look at. */
static bool
unchecked_sh(struct rules *r, const struct ast_node *call)
{
  const struct ast_node *v;

  if (!is_builtin_call(r, call, "sh"))
    return false;
  v = named_arg(call, "check");
  return v != NULL && v->kind == AST_BOOL && !v->u.b;
}

/* {==== RB3006 ignored exit status ==== */

static void
ignored_status(struct rules *r, const struct ast_node *call, const char *why)
{
  struct diag *d = diag_add(r->c->sh->diags, DIAG_RB3006, r->c->src, call->span,
                            "the exit status of this command is ignored: %s", why);

  diag_label(d, call->span, true, "runs with `check: false`");
  diag_help(d, "keep the result and test it (`if res.code != 0 { ... }`), "
            "or drop `check: false` so a failure stops the step");
}

/*
** RB3006: `sh(..., check: false)` as a statement (result discarded), or
** bound by a step-level `let` that nothing reads.
*/
static void
exit_status_stmt(struct rules *r, const struct ast_node *s)
{
  const struct sym *sym;

  if (unchecked_sh(r, stmt_call(s))) {
    ignored_status(r, stmt_call(s), "its result is thrown away");
    return;
  }
  if (s->kind != AST_LET || s->u.let.name.name == NULL || !unchecked_sh(r, s->u.let.value))
    return;
  sym = check_scope_find(r->c->global, s->u.let.name.name);
  if (sym != NULL && sym->decl == s && sym->uses == 0)
    ignored_status(r, s->u.let.value, "its result is never read");
}

/* {==== RB4008 unreachable code ==== */

/* Does statement s always end its block (fail, return, assert false)? */
static bool
ends_block(struct rules *r, const struct ast_node *s)
{
  if (s->kind == AST_RETURN)
    return true;
  if (s->kind == AST_ASSERT && s->u.assert_.cond != NULL
      && s->u.assert_.cond->kind == AST_BOOL && !s->u.assert_.cond->u.b)
    return true;
  return is_builtin_call(r, stmt_call(s), "fail");
}

/* RB4008 for the statements after the first block-ending one of a block. */
static void
unreachable_block(struct rules *r, const struct ast_node *block)
{
  const struct ast_node *s;
  struct diag *d;

  if (block == NULL || block->kind != AST_BLOCK)
    return;
  for (s = block->u.block.stmts; s != NULL && s->next != NULL; s = s->next) {
    if (!ends_block(r, s))
      continue;
    d = diag_add(r->c->sh->diags, DIAG_RB4008, r->c->src, s->next->span,
                 "unreachable code after `%s`", s->kind == AST_RETURN ? "return"
                 : s->kind == AST_ASSERT ? "assert false" : "fail");
    diag_label(d, s->next->span, true, "never runs");
    diag_label(d, s->span, false, "the block always ends here");
    diag_help(d, "remove the dead statements, or make the exit conditional");
    return;
  }
}

/* each_stmt callback: the nested blocks of a statement. */
static void
unreachable_stmt(struct rules *r, const struct ast_node *s)
{
  switch (s->kind) {
  case AST_IF:
    unreachable_block(r, s->u.if_.then);
    if (s->u.if_.els != NULL && s->u.if_.els->kind == AST_BLOCK)
      unreachable_block(r, s->u.if_.els);
    break;
  case AST_FOR:      unreachable_block(r, s->u.for_.body); break;
  case AST_RETRY:    unreachable_block(r, s->u.retry.body); break;
  case AST_PARALLEL: unreachable_block(r, s->u.parallel.body); break;
  default: break;
  }
}

/* RB4008 in a body (step, fn, troubleshoot) and the blocks nested in it. */
static void
unreachable_body(struct rules *r, const struct ast_node *body)
{
  unreachable_block(r, body);
  each_stmt(r, body, unreachable_stmt, 0);
}

/* A step `when false` never runs. */
static void
never_runs(struct rules *r, const struct ast_node *st)
{
  const struct ast_node *w = st->u.step.when;
  struct diag *d;

  if (w == NULL || w->kind != AST_BOOL || w->u.b)
    return;
  d = diag_add(r->c->sh->diags, DIAG_RB4008, r->c->src, w->span,
               "step \"%s\" never runs: its condition is `false`",
               st->u.step.name.name != NULL ? st->u.step.name.name : "");
  diag_label(d, w->span, true, "always false");
  diag_help(d, "delete the step, or give it a real condition");
}

/* }==== */

/* {==== time: RB3004 unbounded, RB3009 over the phase budget ==== */

/* a + b, saturating at MS_CAP. */
static int64_t
ms_add(int64_t a, int64_t b)
{
  return a >= MS_CAP - b ? MS_CAP : a + b;
}

/* a * n, saturating at MS_CAP. */
static int64_t
ms_mul(int64_t a, int64_t n)
{
  return n != 0 && a > MS_CAP / n ? MS_CAP : a * n;
}

/* A duration literal's milliseconds, or -1. */
static int64_t
lit_ms(const struct ast_node *e)
{
  return e != NULL && e->kind == AST_DURATION && e->u.i >= 0 ? e->u.i : -1;
}

/* The facts of a retry spec whose parts are literals. */
struct retry_facts {
  int64_t attempts;             /* N >= 1 */
  int64_t every;                /* ms */
  double backoff;               /* 1 when absent */
  int64_t max;                  /* ms, -1 when absent */
};

/* Fill f from spec; false when a part is not a literal. */
static bool
retry_facts(const struct ast_node *spec, struct retry_facts *f)
{
  const struct ast_node *n = spec->u.retry_spec.attempts, *b = spec->u.retry_spec.backoff;

  if (n == NULL || n->kind != AST_INT || n->u.i < 1)
    return false;
  f->attempts = n->u.i;
  f->every = lit_ms(spec->u.retry_spec.every);
  f->max = lit_ms(spec->u.retry_spec.max);
  f->backoff = b == NULL ? 1.0 : b->kind == AST_INT ? (double)b->u.i
             : b->kind == AST_FLOAT ? b->u.f : -1.0;
  return f->every >= 0 && f->backoff > 0
      && (spec->u.retry_spec.max == NULL || f->max >= 0);
}

/* The sleeps between attempts: every * backoff^(k-1), capped at max (as the VM). */
static int64_t
retry_waits(const struct retry_facts *f, int64_t *last)
{
  double d = (double)f->every;
  int64_t total = 0;

  *last = 0;
  for (int64_t k = 1; k < f->attempts && total < MS_CAP; k++) {
    double w = f->max >= 0 && d > (double)f->max ? (double)f->max : d;
    *last = w >= (double)MS_CAP ? MS_CAP : (int64_t)(w + 0.5);
    total = ms_add(total, *last);
    if (d < 9.0e15)
      d *= f->backoff;
  }
  return total;
}

static int64_t body_worst(const struct ast_node *n, int depth);

/* The longest a call can take by its own `timeout:`, else 0 (unknown). */
static int64_t
call_worst(const struct ast_node *e)
{
  const struct ast_node *t;
  int64_t ms;

  if (e == NULL || e->kind != AST_CALL)
    return 0;
  t = named_arg(e, "timeout");
  ms = lit_ms(t);
  return ms > 0 ? ms : 0;
}

/* A retry's worst case: N attempts of `attempt` ms plus the waits between them. */
static int64_t
retry_worst(const struct ast_node *spec, int64_t attempt)
{
  struct retry_facts f;
  int64_t last;

  if (spec == NULL || !retry_facts(spec, &f))
    return -1;
  return ms_add(ms_mul(attempt, f.attempts), retry_waits(&f, &last));
}

/*
** A lower bound of the worst case of a statement: the time its known
** bounds allow (wait timeouts, retries, `timeout:` of calls); statements
** without a bound count 0, so a finding is never a guess.
*/
static int64_t
stmt_worst(const struct ast_node *s, int depth)
{
  int64_t a, b;

  switch (s->kind) {
  case AST_WAIT:
    a = lit_ms(s->u.wait.timeout);
    return a > 0 ? a : 0;
  case AST_RETRY:
    a = retry_worst(s->u.retry.spec, body_worst(s->u.retry.body, depth + 1));
    return a > 0 ? a : 0;
  case AST_IF:
    a = body_worst(s->u.if_.then, depth + 1);
    b = body_worst(s->u.if_.els, depth + 1);
    return a > b ? a : b;
  case AST_FOR:
    a = body_worst(s->u.for_.body, depth + 1);
    return s->u.for_.iter != NULL && s->u.for_.iter->kind == AST_LIST
         ? ms_mul(a, ast_list_len(s->u.for_.iter->u.list.items)) : a;
  case AST_PARALLEL:
    return body_worst(s->u.parallel.body, depth + 1);
  case AST_LET:
    return call_worst(s->u.let.value);
  default:
    return call_worst(stmt_call(s));
  }
}

/* The sum of stmt_worst over a block (or one statement). */
static int64_t
body_worst(const struct ast_node *n, int depth)
{
  int64_t total = 0;

  if (n == NULL || depth > 32)
    return 0;
  if (n->kind != AST_BLOCK)
    return stmt_worst(n, depth);
  for (const struct ast_node *s = n->u.block.stmts; s != NULL; s = s->next)
    total = ms_add(total, stmt_worst(s, depth));
  return total;
}

/* RB3009 at `at` when worst > the current phase's literal budget. */
static void
over_budget(struct rules *r, struct span at, int64_t worst, const char *what,
            const char *detail)
{
  const struct ast_node *within = r->phase != NULL ? r->phase->u.phase.within : NULL;
  int64_t budget = lit_ms(within);
  char w[32], b[32];
  struct diag *d;

  if (budget < 0 || worst <= budget)
    return;
  check_format_ms(w, sizeof w, worst);
  check_format_ms(b, sizeof b, budget);
  d = diag_add(r->c->sh->diags, DIAG_RB3009, r->c->src, at,
               "%s can take %s in the worst case, more than the %s budget of phase \"%s\"",
               what, w, b, r->phase->u.phase.name.name != NULL ? r->phase->u.phase.name.name
                                                             : "");
  diag_label(d, at, true, "%s", detail);
  diag_label(d, within->span, false, "phase budget");
  diag_help(d, "lower the attempts, interval or timeout, or give the phase more time");
}

/*
** RB3004 for a retry that backs off with no cap, once its last wait has
** grown to ten times the interval or more (a few short retries are fine);
** RB3009 for its worst case.
*/
static void
retry_rules(struct rules *r, const struct ast_node *spec, int64_t attempt)
{
  struct retry_facts f;
  int64_t waits, last, worst;
  char detail[160], a[32], l[32];
  struct diag *d;

  if (spec == NULL || !retry_facts(spec, &f))
    return;
  waits = retry_waits(&f, &last);
  if (f.backoff > 1.0 && spec->u.retry_spec.max == NULL && last >= ms_mul(f.every, 10)
      && f.every > 0) {
    check_format_ms(l, sizeof l, last);
    d = diag_add(r->c->sh->diags, DIAG_RB3004, r->c->src, spec->u.retry_spec.backoff->span,
                 "retry backs off by %g with no `max`: the wait grows without a cap "
                 "(its last wait is %s)", f.backoff, l);
    diag_label(d, spec->u.retry_spec.backoff->span, true, "no cap on the wait");
    diag_help(d, "cap the wait: `retry %lld every ... backoff %g max 1m`",
              (long long)f.attempts, f.backoff);
  }
  worst = ms_add(ms_mul(attempt, f.attempts), waits);
  check_format_ms(l, sizeof l, waits);
  check_format_ms(a, sizeof a, attempt);
  if (attempt > 0)
    snprintf(detail, sizeof detail, "%lld attempts of up to %s, %s of waits",
             (long long)f.attempts, a, l);
  else
    snprintf(detail, sizeof detail, "%lld attempts, %s of waits between them",
             (long long)f.attempts, l);
  over_budget(r, spec->span, worst, "this retry", detail);
}

/* each_stmt callback: waits and retry statements of a step body. */
static void
time_stmt(struct rules *r, const struct ast_node *s)
{
  const struct ast_node *t;

  if (s->kind == AST_RETRY) {
    retry_rules(r, s->u.retry.spec, body_worst(s->u.retry.body, 0));
    return;
  }
  if (s->kind != AST_WAIT)
    return;
  t = s->u.wait.timeout;
  over_budget(r, s->span, lit_ms(t), "this wait", "polls until its timeout");
}

/* }==== */

/* {==== changes: RB3005 gates, RB3008 failure paths ==== */

/*
** walk_calls callback over a step body: gates, the first change, captures.
** Writing what a read returned to a file captures state; it is not the
** kind of change the rules are about.
*/
static void
scan_call(struct rules *r, const struct ast_node *call, void *ud)
{
  struct step_scan *st = ud;
  enum rule_effect e;

  if ((is_builtin_call(r, call, "write_json") || is_builtin_call(r, call, "write_file"))
      && reads_state(r, call->u.call.args)) {
    r->captured = true;
    return;
  }
  e = call_effect(r, call, 0);
  if (e == EFF_GATE)
    st->saw_confirm = true;
  if (e == EFF_CHANGE && st->change == NULL) {
    st->change = call;
    st->change_gated = st->saw_confirm;
    st->change_captured = r->captured;
  }
}

/* A `let NAME = <read>` captures state for the steps after it. */
static void
capture_stmt(struct rules *r, const struct ast_node *s)
{
  if (s->kind == AST_LET && reads_state(r, s->u.let.value))
    r->captured = true;
}

/* What the first change is, for messages: "aws.ecs.update_service", "sh". */
static const char *
change_name(struct rules *r, const struct ast_node *call)
{
  char buf[160];

  if (!ast_callee_name(call->u.call.callee, buf, sizeof buf))
    return "a call";
  return check_span_text(r->c, call->u.call.callee->span, 60);
}

/* RB3005: a critical runbook's step changes something before any confirm. */
static void
gate_rule(struct rules *r, const struct ast_node *step, const struct step_scan *st)
{
  struct diag *d;

  if (!r->critical || st->change == NULL || st->change_gated)
    return;
  d = diag_add(r->c->sh->diags, DIAG_RB3005, r->c->src, st->change->span,
               "step \"%s\" of a critical runbook calls `%s` without a `confirm` gate",
               step->u.step.name.name != NULL ? step->u.step.name.name : "",
               change_name(r, st->change));
  diag_label(d, st->change->span, true, "changes something");
  diag_label(d, step->u.step.name.span, false, "no `confirm` before it in this step");
  diag_help(d, "ask first: `confirm \"Proceed with ...?\"` before the change");
}

/* RB3008: a change with no `on failure` and no state captured before it. */
static void
failure_path_rule(struct rules *r, const struct ast_node *step, const struct step_scan *st)
{
  struct diag *d;

  if (!r->high || st->change == NULL || st->change_captured
      || step->u.step.on_failure != ONFAIL_DEFAULT)
    return;
  d = diag_add(r->c->sh->diags, DIAG_RB3008, r->c->src, st->change->span,
               "step \"%s\" calls `%s` with no `on failure` and no state captured before it",
               step->u.step.name.name != NULL ? step->u.step.name.name : "",
               change_name(r, st->change));
  diag_label(d, st->change->span, true, "changes something");
  diag_label(d, step->u.step.name.span, false, "no `on failure` clause");
  diag_help(d, "capture the current state first (`let before = aws.SERVICE.describe_...(...)`"
            " or write it with `write_json`), or add `on failure troubleshoot \"...\"`");
}

/* Every rule about one step, in source order of the runbook. */
static void
step_rules(struct rules *r, const struct ast_node *step)
{
  const struct ast_node *body = step->u.step.body, *s;
  struct step_scan st;
  int64_t attempt;

  memset(&st, 0, sizeof st);
  for (s = body != NULL && body->kind == AST_BLOCK ? body->u.block.stmts : body; s != NULL;
       s = body->kind == AST_BLOCK ? s->next : NULL) {
    walk_calls(r, s, scan_call, &st);
    capture_stmt(r, s);
  }
  gate_rule(r, step, &st);
  failure_path_rule(r, step, &st);
  attempt = lit_ms(step->u.step.timeout);
  retry_rules(r, step->u.step.retry, attempt >= 0 ? attempt : body_worst(body, 0));
  each_stmt(r, body, time_stmt, 0);
  each_stmt(r, body, exit_status_stmt, 0);
  unreachable_body(r, body);
  never_runs(r, step);
}

/* }==== */

/* {==== names: RB4003, RB4007 (opt-in: the strict profile) ==== */

/* Is s lower_snake_case: _?[a-z][a-z0-9_]* (a leading `_` marks "unused")? */
static bool
snake_case(const char *s)
{
  s += *s == '_';
  if (*s < 'a' || *s > 'z')
    return false;
  for (; *s != '\0'; s++)
    if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
      return false;
  return true;
}

/* The snake_case spelling of a name (camelCase and dashes split) into buf. */
static void
to_snake(const char *s, char *buf, size_t size)
{
  size_t n = 0;

  for (; *s != '\0' && n + 2 < size; s++) {
    if (*s >= 'A' && *s <= 'Z') {
      if (n > 0 && buf[n - 1] != '_')
        buf[n++] = '_';
      buf[n++] = (char)(*s - 'A' + 'a');
    } else {
      buf[n++] = *s == '-' ? '_' : *s;
    }
  }
  buf[n] = '\0';
}

/* The kind of s for a message: check_sym_kind_word's, or "binding". */
static const char *
sym_word(const struct sym *s)
{
  const char *w = check_sym_kind_word(s);

  return w != NULL ? w : "binding";
}

/* RB4003 for one runbook-level name of this file. */
static void
naming(struct rules *r, const struct sym *s)
{
  char want[128];
  struct diag *d;

  if (snake_case(s->name))
    return;
  to_snake(s->name, want, sizeof want);
  d = diag_add(r->c->sh->diags, DIAG_RB4003, r->c->src, s->span,
               "%s `%s` is not in lower_snake_case", sym_word(s), s->name);
  diag_label(d, s->span, true, "named here");
  if (snake_case(want))
    diag_help(d, "call it `%s` (and rename its uses)", want);
}

/* RB4007 for a step-level `let` that nothing reads (RB3006 covers `sh`). */
static void
unused_binding(struct rules *r, const struct sym *s)
{
  struct diag *d;

  if (s->kind != SYM_STEP_LET || s->uses > 0 || s->decl == NULL || s->decl->kind != AST_LET
      || unchecked_sh(r, s->decl->u.let.value) || s->name[0] == '_')
    return;
  d = diag_add(r->c->sh->diags, DIAG_RB4007, r->c->src, s->span,
               "`%s` is bound and never read", s->name);
  diag_label(d, s->span, true, "bound here");
  diag_help(d, "drop the `let` and keep the call, or name it `_%s` to say it is unused",
            s->name);
}

/* Every runbook-level name defined in this file. */
static void
name_rules(struct rules *r)
{
  const struct scope *g = r->c->global;

  for (size_t b = 0; b < g->nbuckets; b++)
    for (const struct sym *s = g->buckets[b]; s != NULL; s = s->next) {
      if (s->src != r->c->src)
        continue;
      naming(r, s);
      unused_binding(r, s);
    }
}

/* }==== */

/* {==== entry points ==== */

/* The criticality word of a runbook, or NULL. */
static const char *
criticality(struct checker *c, const struct ast_node *rb)
{
  uint32_t len;

  for (const struct ast_node *m = rb->u.runbook.items; m != NULL; m = m->next) {
    if (m->kind != AST_META || m->u.meta.key.name == NULL || m->u.meta.value == NULL
        || strcmp(m->u.meta.key.name, "criticality") != 0)
      continue;
    if (m->u.meta.value->kind == AST_NAME)
      return m->u.meta.value->u.name.name;
    return ast_string_literal(m->u.meta.value, c->sh->a, &len);
  }
  return NULL;
}

/* Rules of a body outside steps (fn, troubleshoot). */
static void
body_rules(struct rules *r, const struct ast_node *body)
{
  each_stmt(r, body, exit_status_stmt, 0);
  unreachable_body(r, body);
}

/*
** Run the rules of this file over a checked runbook: steps in source
** order (phases in order), then fns and troubleshoot blocks.
*/
void
check_rules_runbook(struct checker *c, const struct ast_node *rb)
{
  const char *crit = criticality(c, rb);
  struct rules r;

  memset(&r, 0, sizeof r);
  r.c = c;
  r.critical = crit != NULL && strcmp(crit, "critical") == 0;
  r.high = r.critical || (crit != NULL && strcmp(crit, "high") == 0);
  for (const struct ast_node *it = rb->u.runbook.items; it != NULL; it = it->next) {
    r.phase = it->kind == AST_PHASE ? it : NULL;
    if (it->kind == AST_PHASE) {
      for (const struct ast_node *s = it->u.phase.steps; s != NULL; s = s->next)
        if (s->kind == AST_STEP)
          step_rules(&r, s);
    } else if (it->kind == AST_STEP) {
      step_rules(&r, it);
    } else if (it->kind == AST_FN) {
      body_rules(&r, it->u.fn.body);
    } else if (it->kind == AST_TROUBLESHOOT) {
      body_rules(&r, it->u.troubleshoot.body);
    }
  }
  name_rules(&r);
}

/* The rules that apply to a fn outside any runbook (a library's). */
void
check_rules_fn(struct checker *c, const struct ast_node *fn)
{
  struct rules r;

  memset(&r, 0, sizeof r);
  r.c = c;
  body_rules(&r, fn->u.fn.body);
}

/* }==== */

/* {==== RB4004 not formatted ==== */

/* Offset of the start of the line holding off in text. */
static size_t
line_begin(const char *text, size_t off)
{
  while (off > 0 && text[off - 1] != '\n')
    off--;
  return off;
}

/*
** The differing region of src and the formatted text f, widened to whole
** lines: src bytes [*from, *to) become f bytes [*from, *fto).
*/
static void
diff_region(const char *s, size_t slen, const char *f, size_t flen, size_t *from,
            size_t *to, size_t *fto)
{
  size_t pre = 0, suf = 0;

  while (pre < slen && pre < flen && s[pre] == f[pre])
    pre++;
  pre = line_begin(s, pre);
  while (suf < slen - pre && suf < flen - pre && s[slen - 1 - suf] == f[flen - 1 - suf])
    suf++;
  while (suf > 0 && s[slen - suf] != '\n' && s[slen - suf - 1] != '\n')
    suf--;                      /* keep whole lines at the end too */
  *from = pre;
  *to = slen - suf;
  *fto = flen - suf;
}

void
check_formatted(struct checker *c, const struct ast_node *file,
                const struct ast_comment *comments, size_t ncomments)
{
  struct fmt_buf out;
  size_t from, to, fto;
  struct span at;
  struct diag *d;
  char *fix;

  if (!c->sh->opts->format_check || c->syntax_errors || file == NULL)
    return;
  fmt_buf_init(&out);
  if (fmt_tree(c->src, file, comments, ncomments, &out) != 0 || out.oom
      || (out.len == c->src->len && memcmp(out.data, c->src->text, out.len) == 0)) {
    c->sh->oom |= out.oom;
    fmt_buf_free(&out);
    return;
  }
  diff_region(c->src->text, c->src->len, out.data != NULL ? out.data : "", out.len,
              &from, &to, &fto);
  at.start = (uint32_t)from;
  at.end = (uint32_t)to;
  d = diag_add(c->sh->diags, DIAG_RB4004, c->src, at,
               "the file is not in `rbc fmt` layout from here on");
  diag_label(d, at, true, "`rbc fmt` lays this out differently");
  diag_help(d, "run `rbc fmt FILE` (or `rbc check --fix`); `rbc fmt --diff FILE` shows how");
  fix = arena_strndup(c->sh->a, out.data != NULL ? out.data + from : "", fto - from);
  if (fix != NULL)
    diag_set_fix(d, true, at, fix);
  fmt_buf_free(&out);
}

/* }==== */
