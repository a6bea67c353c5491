/*
** doc.c: the runbook as a Markdown document (doc.h, docs/doc.md).
**
** The sections follow the rollback procedure template: header block,
** quick reference (contacts, resources, inputs), decision criteria
** (triggers), the procedure (phases and steps, each step's actions as
** shell blocks, rbc code, or words for waits, retries and checks),
** verification checklists, troubleshooting, metrics (monitors),
** post-mortem headings and document status.  Expressions are shown as
** their canonical source (fmt_expr / fmt_stmt from fmt.c).  Everything
** comes from the tree, in source order, so the output is reproducible.
*/
#include "parser/doc.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* {==== state and Markdown helpers ==== */

struct doc {
  const struct source *src;     /* the runbook's text (for fmt_expr) */
  const struct ast_node *rb;    /* the RUNBOOK node */
  struct fmt_buf *out;          /* the document */
  const char *fence;            /* language of the open code fence, or NULL */
};

/* Append s to the document as it is. */
static void
put(struct doc *d, const char *s)
{
  fmt_buf_puts(d->out, s);
}

/* Close an open code fence. */
static void
end_fence(struct doc *d)
{
  if (d->fence != NULL)
    put(d, "```\n\n");
  d->fence = NULL;
}

/*
** Make sure a fence of language `lang` is open; in a shell block already
** open, a blank line separates the next command from the one before.
*/
static void
fence(struct doc *d, const char *lang)
{
  if (d->fence != NULL && strcmp(d->fence, lang) == 0) {
    if (strcmp(lang, "bash") == 0)
      put(d, "\n");
    return;
  }
  end_fence(d);
  fmt_buf_printf(d->out, "```%s\n", lang);
  d->fence = lang;
}

/* Text with Markdown's special characters escaped; line breaks become blanks. */
static void
text(struct doc *d, const char *s, size_t n)
{
  size_t i;

  for (i = 0; i < n; i++) {
    char c = s[i];
    if (c == '\n' || c == '\r') {
      fmt_buf_add(d->out, " ", 1);
      continue;
    }
    if (strchr("\\`*_[]<>|", c) != NULL && c != '\0')
      fmt_buf_add(d->out, "\\", 1);
    fmt_buf_add(d->out, &c, 1);
  }
}

/* text() of a NUL-terminated string. */
static void
text_z(struct doc *d, const char *s)
{
  text(d, s, strlen(s));
}

/*
** An inline code span of s[0, n): the fence is one backtick more than the
** longest run inside; line breaks become blanks; in a table `|` is escaped.
*/
static void
code(struct doc *d, const char *s, size_t n, bool table)
{
  size_t i, run = 0, longest = 0;
  bool pad;

  for (i = 0; i < n; i++) {
    run = s[i] == '`' ? run + 1 : 0;
    if (run > longest)
      longest = run;
  }
  pad = n > 0 && (s[0] == '`' || s[n - 1] == '`');
  for (i = 0; i <= longest; i++)
    put(d, "`");
  if (pad)
    put(d, " ");
  for (i = 0; i < n; i++) {
    if (s[i] == '\n' || s[i] == '\r')
      put(d, " ");
    else if (table && s[i] == '|')
      put(d, "\\|");
    else
      fmt_buf_add(d->out, s + i, 1);
  }
  if (pad)
    put(d, " ");
  for (i = 0; i <= longest; i++)
    put(d, "`");
}

/* The canonical source of expression e as an inline code span. */
static void
code_expr(struct doc *d, const struct ast_node *e, bool table)
{
  struct fmt_buf b;

  fmt_buf_init(&b);
  fmt_expr(d->src, e, &b);
  if (b.oom)
    d->out->oom = true;
  code(d, b.data != NULL ? b.data : "", b.len, table);
  fmt_buf_free(&b);
}

/*
** The text of a string literal with its interpolations shown as ${expr}
** (escapes decoded), into b.  For anything else: its source.
*/
static void
string_text(struct doc *d, const struct ast_node *e, struct fmt_buf *b)
{
  const struct ast_node *p;

  if (e->kind != AST_STRING) {
    fmt_expr(d->src, e, b);
    return;
  }
  for (p = e->u.string.parts; p != NULL; p = p->next) {
    if (p->kind == AST_STR_TEXT) {
      fmt_buf_add(b, p->u.text.bytes, p->u.text.len);
    } else {
      fmt_buf_puts(b, "${");
      fmt_expr(d->src, p, b);
      fmt_buf_puts(b, "}");
    }
  }
}

/* A value for prose: a string's text (escaped), a name as is, else a code span. */
static void
value(struct doc *d, const struct ast_node *e, bool table)
{
  struct fmt_buf b;

  if (e->kind == AST_NAME) {
    text_z(d, e->u.name.name);
    return;
  }
  if (e->kind != AST_STRING) {
    code_expr(d, e, table);
    return;
  }
  fmt_buf_init(&b);
  string_text(d, e, &b);
  if (b.oom)
    d->out->oom = true;
  if (b.len == 0)
    put(d, "\"\"");
  else
    text(d, b.data, b.len);
  fmt_buf_free(&b);
}

/* }==== */

/* {==== durations and dates ==== */

/* "15 minutes", "1 hour 30 minutes", "90 days", "500 ms". */
static void
dur_words(struct fmt_buf *b, int64_t ms)
{
  static const struct { int64_t ms; const char *unit; } units[] = {
    { 86400000, "day" }, { 3600000, "hour" }, { 60000, "minute" }, { 1000, "second" },
  };
  size_t i;
  bool any = false;

  for (i = 0; i < sizeof units / sizeof units[0]; i++) {
    int64_t n = ms / units[i].ms;
    if (n == 0)
      continue;
    fmt_buf_printf(b, "%s%" PRId64 " %s%s", any ? " " : "", n, units[i].unit,
                   n == 1 ? "" : "s");
    ms -= n * units[i].ms;
    any = true;
  }
  if (ms > 0 || !any)
    fmt_buf_printf(b, "%s%" PRId64 " ms", any ? " " : "", ms);
}

/* "1m30s" (the literal's own spelling, from the value). */
static void
dur_compact(struct fmt_buf *b, int64_t ms)
{
  static const struct { int64_t ms; const char *unit; } units[] = {
    { 86400000, "d" }, { 3600000, "h" }, { 60000, "m" }, { 1000, "s" }, { 1, "ms" },
  };
  size_t i;

  if (ms == 0) {
    fmt_buf_puts(b, "0s");
    return;
  }
  for (i = 0; i < sizeof units / sizeof units[0]; i++) {
    int64_t n = ms / units[i].ms;
    if (n > 0)
      fmt_buf_printf(b, "%" PRId64 "%s", n, units[i].unit);
    ms -= n * units[i].ms;
  }
}

/* Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm). */
static int64_t
days_from_civil(int64_t y, int64_t m, int64_t dd)
{
  int64_t era, yoe, doy, doe;

  y -= m <= 2;
  era = (y >= 0 ? y : y - 399) / 400;
  yoe = y - era * 400;
  doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + dd - 1;
  doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

/* The civil date of a day count, as YYYY-MM-DD into b. */
static void
civil_from_days(struct fmt_buf *b, int64_t z)
{
  int64_t era, doe, yoe, y, doy, mp, dd, m;

  z += 719468;
  era = (z >= 0 ? z : z - 146096) / 146097;
  doe = z - era * 146097;
  yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = yoe + era * 400;
  doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  mp = (5 * doy + 2) / 153;
  dd = doy - (153 * mp + 2) / 5 + 1;
  m = mp + (mp < 10 ? 3 : -9);
  fmt_buf_printf(b, "%04" PRId64 "-%02" PRId64 "-%02" PRId64, y + (m <= 2), m, dd);
}

/* Parse "YYYY-MM-DD" into a day count; false when s is no such date. */
static bool
parse_date(const char *s, int64_t *days)
{
  int y, m, dd;
  char tail;

  if (s == NULL || sscanf(s, "%4d-%2d-%2d%c", &y, &m, &dd, &tail) != 3 || m < 1 || m > 12
      || dd < 1 || dd > 31 || strlen(s) != 10)
    return false;
  *days = days_from_civil(y, m, dd);
  return true;
}

/* }==== */

/* {==== runbook data ==== */

/* The value of metadata key `key`, or NULL. */
static const struct ast_node *
meta(const struct doc *d, const char *key)
{
  const struct ast_node *n;

  for (n = d->rb->u.runbook.items; n != NULL; n = n->next)
    if (n->kind == AST_META && strcmp(n->u.meta.key.name, key) == 0)
      return n->u.meta.value;
  return NULL;
}

/* A plain string literal's text (in a static-free arena copy), or NULL. */
static const char *
literal(const struct ast_node *e, char *buf, size_t size)
{
  const struct ast_node *p;
  size_t n = 0;

  if (e == NULL || e->kind != AST_STRING)
    return NULL;
  for (p = e->u.string.parts; p != NULL; p = p->next) {
    if (p->kind != AST_STR_TEXT || n + p->u.text.len >= size)
      return NULL;
    memcpy(buf + n, p->u.text.bytes, p->u.text.len);
    n += p->u.text.len;
  }
  buf[n] = '\0';
  return buf;
}

/* Does the runbook hold an item of kind k? */
static bool
has_item(const struct doc *d, enum ast_kind k)
{
  const struct ast_node *n;

  for (n = d->rb->u.runbook.items; n != NULL; n = n->next)
    if (n->kind == k)
      return true;
  return false;
}

/* }==== */

/* {==== header and quick reference ==== */

/* One "> **Label**: value" line of the header block. */
static void
header_line(struct doc *d, const char *label, const struct ast_node *v, const char *prefix,
            bool upper)
{
  fmt_buf_printf(d->out, "> **%s**: ", label);
  if (v == NULL) {
    put(d, "_not set_");
  } else if (v->kind == AST_DURATION) {
    put(d, prefix);
    dur_words(d->out, v->u.i);
  } else if (upper && v->kind == AST_NAME) {
    const char *s;
    for (s = v->u.name.name; *s != '\0'; s++) {
      char c = *s >= 'a' && *s <= 'z' ? (char)(*s - 'a' + 'A') : *s;
      text(d, &c, 1);
    }
  } else {
    value(d, v, false);
  }
  put(d, "  \n");
}

/* Title and the header block (template: criticality ... owner). */
static void
header(struct doc *d)
{
  const struct ast_node *title = meta(d, "title");

  put(d, "# ");
  if (title != NULL)
    value(d, title, false);
  else
    text_z(d, d->rb->u.runbook.name.name);
  put(d, "\n");
  put(d, "> **Runbook**: ");
  code(d, d->rb->u.runbook.name.name, strlen(d->rb->u.runbook.name.name), false);
  put(d, "  \n");
  header_line(d, "Criticality", meta(d, "criticality"), "", true);
  header_line(d, "Time to Execute", meta(d, "expected"), "~", false);
  header_line(d, "Recovery Point Objective (RPO)", meta(d, "rpo"), "", false);
  header_line(d, "Recovery Time Objective (RTO)", meta(d, "rto"), "", false);
  header_line(d, "Last Tested", meta(d, "tested"), "", false);
  header_line(d, "Owner", meta(d, "owner"), "", false);
  put(d, "\n");
}

/* The field `key` of a contact, or NULL. */
static const struct ast_node *
contact_field(const struct ast_node *c, const char *key)
{
  const struct ast_node *f;

  for (f = c->u.contact.fields; f != NULL; f = f->next)
    if (strcmp(f->u.meta.key.name, key) == 0)
      return f->u.meta.value;
  return NULL;
}

/* The emergency contacts table. */
static void
contacts(struct doc *d)
{
  static const char *const cols[] = { "name", "phone", "email", "slack" };
  const struct ast_node *n;
  size_t i;

  put(d, "### Emergency Contacts\n"
         "| Role | Name | Phone | Email | Slack |\n"
         "|------|------|-------|-------|-------|\n");
  for (n = d->rb->u.runbook.items; n != NULL; n = n->next) {
    if (n->kind != AST_CONTACT)
      continue;
    put(d, "| ");
    text_z(d, n->u.contact.role.name);
    for (i = 0; i < sizeof cols / sizeof cols[0]; i++) {
      const struct ast_node *v = contact_field(n, cols[i]);
      put(d, " | ");
      if (v != NULL)
        value(d, v, true);
      else
        put(d, "-");
    }
    put(d, " |\n");
  }
  put(d, "\n");
}

/* Critical resources: one bullet each. */
static void
resources(struct doc *d)
{
  const struct ast_node *n;

  put(d, "### Critical Resources\n");
  for (n = d->rb->u.runbook.items; n != NULL; n = n->next) {
    if (n->kind != AST_RESOURCE)
      continue;
    put(d, "- **");
    text_z(d, n->u.resource.name.name);
    put(d, "**: ");
    if (n->u.resource.value->kind == AST_STRING) {
      struct fmt_buf b;
      fmt_buf_init(&b);
      string_text(d, n->u.resource.value, &b);
      code(d, b.data != NULL ? b.data : "", b.len, false);
      fmt_buf_free(&b);
    } else {
      code_expr(d, n->u.resource.value, false);
    }
    put(d, "\n");
  }
  put(d, "\n");
}

/* The runbook's inputs: params and secrets. */
static void
inputs(struct doc *d)
{
  const struct ast_node *n;

  put(d, "### Inputs\n"
         "| Parameter | Type | Default | Required |\n"
         "|-----------|------|---------|----------|\n");
  for (n = d->rb->u.runbook.items; n != NULL; n = n->next) {
    if (n->kind != AST_PARAM)
      continue;
    put(d, "| ");
    code(d, n->u.param.name.name, strlen(n->u.param.name.name), true);
    put(d, " | ");
    text_z(d, n->u.param.type.name != NULL ? n->u.param.type.name : "any");
    if (n->u.param.secret)
      put(d, " (secret)");
    put(d, " | ");
    if (n->u.param.value != NULL)
      code_expr(d, n->u.param.value, true);
    else
      put(d, "-");
    fmt_buf_printf(d->out, " | %s |\n", n->u.param.value == NULL ? "yes" : "no");
  }
  put(d, "\n");
}

/* }==== */

/* {==== decision criteria ==== */

/* Decision criteria: automatic triggers (condition, duration), manual ones. */
static void
triggers(struct doc *d)
{
  const struct ast_node *n;
  int k = 0;

  put(d, "## \xF0\x9F\x93\x8B Rollback Decision Criteria\n\n"
         "### Automatic Triggers (any of these)\n");
  for (n = d->rb->u.runbook.items; n != NULL; n = n->next) {
    if (n->kind != AST_TRIGGER || !n->u.trigger.automatic)
      continue;
    fmt_buf_printf(d->out, "%d. \xF0\x9F\x94\xB4 ", ++k);
    text_z(d, n->u.trigger.name.name);
    put(d, ": when ");
    code_expr(d, n->u.trigger.cond, false);
    if (n->u.trigger.duration != NULL) {
      put(d, " for ");
      if (n->u.trigger.duration->kind == AST_DURATION)
        dur_words(d->out, n->u.trigger.duration->u.i);
      else
        code_expr(d, n->u.trigger.duration, false);
    }
    put(d, "\n");
  }
  if (k == 0)
    put(d, "_None: this runbook is started by hand only._\n");
  put(d, "\n### Manual Triggers\n");
  k = 0;
  for (n = d->rb->u.runbook.items; n != NULL; n = n->next) {
    if (n->kind != AST_TRIGGER || n->u.trigger.automatic)
      continue;
    put(d, "- ");
    text_z(d, n->u.trigger.name.name);
    put(d, "\n");
    k++;
  }
  if (k == 0)
    put(d, "_None declared._\n");
  put(d, "\n");
}

/* }==== */

/* {==== actions ==== */

static void actions(struct doc *d, const struct ast_node *stmts);

/* A paragraph in words (closes any code fence first); the caller ends it. */
static void
words(struct doc *d, const char *s)
{
  end_fence(d);
  put(d, s);
}

/* Is e a call of the built-in sh? */
static bool
is_sh(const struct ast_node *e)
{
  return e != NULL && e->kind == AST_CALL && e->u.call.callee->kind == AST_NAME
      && strcmp(e->u.call.callee->u.name.name, "sh") == 0 && e->u.call.args != NULL;
}

/* sh "cmd", named: args -> shell lines, the options as comments. */
static void
shell(struct doc *d, const struct ast_node *call, const char *saved_as)
{
  const struct ast_node *a;
  struct fmt_buf b;

  fence(d, "bash");
  if (saved_as != NULL)
    fmt_buf_printf(d->out, "# result saved as `%s`\n", saved_as);
  for (a = call->u.call.args; a != NULL; a = a->next) {
    if (a->u.arg.name.name == NULL)
      continue;
    fmt_buf_printf(d->out, "# %s: ", a->u.arg.name.name);
    fmt_expr(d->src, a->u.arg.value, d->out);
    put(d, "\n");
  }
  fmt_buf_init(&b);
  for (a = call->u.call.args; a != NULL; a = a->next) {
    if (a->u.arg.name.name != NULL)
      continue;
    string_text(d, a->u.arg.value, &b);
    break;
  }
  if (b.oom)
    d->out->oom = true;
  fmt_buf_add(d->out, b.data != NULL ? b.data : "", b.len);
  if (b.len == 0 || b.data[b.len - 1] != '\n')
    put(d, "\n");
  fmt_buf_free(&b);
}

/* {==== AWS calls as aws CLI lines ==== */

/* Is e `aws.SERVICE.OPERATION(...)`?  Then *svc and *op name the parts. */
static bool
is_aws(const struct ast_node *e, const char **svc, const char **op)
{
  const struct ast_node *m, *s;

  if (e == NULL || e->kind != AST_CALL || e->u.call.callee->kind != AST_MEMBER)
    return false;
  m = e->u.call.callee;
  s = m->u.member.object;
  if (s->kind != AST_MEMBER || s->u.member.object->kind != AST_NAME
      || strcmp(s->u.member.object->u.name.name, "aws") != 0)
    return false;
  *svc = s->u.member.id.name;
  *op = m->u.member.id.name;
  return true;
}

/*
** A member or operation name as a CLI word: update_service -> update-service,
** TargetGroupArn -> target-group-arn, DBClusterIdentifier -> db-cluster-identifier.
*/
static void
kebab(struct fmt_buf *b, const char *s)
{
  size_t i, n = strlen(s);

  for (i = 0; i < n; i++) {
    char c = s[i];
    bool up = c >= 'A' && c <= 'Z';
    bool prev_low = i > 0 && ((s[i - 1] >= 'a' && s[i - 1] <= 'z')
                              || (s[i - 1] >= '0' && s[i - 1] <= '9'));
    bool next_low = i + 1 < n && s[i + 1] >= 'a' && s[i + 1] <= 'z';
    bool prev_up = i > 0 && s[i - 1] >= 'A' && s[i - 1] <= 'Z';
    if (c == '_') {
      c = '-';
    } else if (up) {
      if (prev_low || (prev_up && next_low))
        fmt_buf_add(b, "-", 1);
      c = (char)(c - 'A' + 'a');
    }
    fmt_buf_add(b, &c, 1);
  }
}

/* A value as a shell word: "$name", 'text', "text ${x}", 60, or '<expr>'. */
static void
cli_word(struct doc *d, const struct ast_node *v, bool in_shorthand)
{
  struct fmt_buf b;
  size_t i;

  if (v->kind == AST_NAME) {
    fmt_buf_printf(d->out, in_shorthand ? "$%s" : "\"$%s\"", v->u.name.name);
    return;
  }
  if (v->kind == AST_INT || v->kind == AST_FLOAT || v->kind == AST_BOOL) {
    fmt_expr(d->src, v, d->out);
    return;
  }
  fmt_buf_init(&b);
  if (v->kind == AST_STRING)
    string_text(d, v, &b);
  else
    fmt_expr(d->src, v, &b);
  put(d, v->kind == AST_STRING ? "\"" : "\"<");
  for (i = 0; i < b.len; i++) {
    if (strchr("\"\\`", b.data[i]) != NULL)
      put(d, "\\");
    fmt_buf_add(d->out, b.data + i, 1);
  }
  put(d, v->kind == AST_STRING ? "\"" : ">\"");
  fmt_buf_free(&b);
}

/* A map as the CLI's shorthand: Key=value,Key2=value2. */
static void
cli_shorthand(struct doc *d, const struct ast_node *map)
{
  const struct ast_node *p;

  for (p = map->u.map.entries; p != NULL; p = p->next) {
    fmt_buf_printf(d->out, "%s%s=", p == map->u.map.entries ? "" : ",", p->u.pair.key.name);
    if (p->u.pair.value->kind == AST_MAP || p->u.pair.value->kind == AST_LIST)
      code_expr(d, p->u.pair.value, false);
    else
      cli_word(d, p->u.pair.value, true);
  }
}

/* One --option and its value(s). */
static void
cli_option(struct doc *d, const struct ast_node *arg)
{
  const struct ast_node *v = arg->u.arg.value, *e;

  put(d, " \\\n  --");
  if (v->kind == AST_BOOL && !v->u.b)
    put(d, "no-");
  kebab(d->out, arg->u.arg.name.name);
  if (v->kind == AST_BOOL)
    return;
  if (v->kind == AST_LIST) {
    for (e = v->u.list.items; e != NULL; e = e->next) {
      put(d, " ");
      if (e->kind == AST_MAP)
        cli_shorthand(d, e);
      else
        cli_word(d, e, false);
    }
  } else if (v->kind == AST_MAP) {
    put(d, " ");
    cli_shorthand(d, v);
  } else {
    put(d, " ");
    cli_word(d, v, false);
  }
}

/* aws.SERVICE.OPERATION(Member: v, ...) as `aws service operation --member v`. */
static void
aws_cli(struct doc *d, const struct ast_node *call, const char *svc, const char *op,
        const char *saved_as)
{
  const struct ast_node *a;

  fence(d, "bash");
  if (saved_as != NULL)
    fmt_buf_printf(d->out, "# result saved as `%s`\n", saved_as);
  fmt_buf_printf(d->out, "aws %s ", svc);
  kebab(d->out, op);
  for (a = call->u.call.args; a != NULL; a = a->next)
    if (a->u.arg.name.name != NULL)
      cli_option(d, a);
  put(d, "\n");
}

/* }==== */

/* A statement as rbc code in an rbc fence. */
static void
rbc_code(struct doc *d, const struct ast_node *s)
{
  fence(d, "rbc");
  if (fmt_stmt(d->src, s, d->out) != 0)
    d->out->oom = true;
}

/* assert http: "Check that `GET url` answers 200, ..." */
static void
http_check(struct doc *d, const struct ast_node *s)
{
  static const char *const what[] = { "body contains", "JSON", "header", "answer within" };
  const struct ast_node *a;
  struct fmt_buf b;

  words(d, "Check that ");
  fmt_buf_init(&b);
  fmt_buf_puts(&b, s->u.assert_http.method.name ? s->u.assert_http.method.name : "GET");
  fmt_buf_puts(&b, " ");
  string_text(d, s->u.assert_http.url, &b);
  code(d, b.data != NULL ? b.data : "", b.len, false);
  fmt_buf_free(&b);
  put(d, " answers ");
  code_expr(d, s->u.assert_http.status, false);
  for (a = s->u.assert_http.options; a != NULL; a = a->next) {
    fmt_buf_printf(d->out, ", with %s ", a->u.arg.name.name);
    code_expr(d, a->u.arg.value, false);
  }
  for (a = s->u.assert_http.checks; a != NULL; a = a->next) {
    fmt_buf_printf(d->out, ", %s ", what[a->u.http_check.what]);
    if (a->u.http_check.key != NULL) {
      code_expr(d, a->u.http_check.key, false);
      fmt_buf_printf(d->out, " %s ", ast_binop_str((enum ast_binop)a->u.http_check.op));
    }
    code_expr(d, a->u.http_check.value, false);
  }
  put(d, ".\n\n");
}

/* retry N every D [backoff F] [max D]: "Retry up to N times every D" */
static void
retry_words(struct doc *d, const struct ast_node *spec, const char *what)
{
  const struct ast_node *sp = spec;

  put(d, what);
  put(d, " up to ");
  if (sp->u.retry_spec.attempts->kind == AST_INT)
    fmt_buf_printf(d->out, "%" PRId64, sp->u.retry_spec.attempts->u.i);
  else
    code_expr(d, sp->u.retry_spec.attempts, false);
  put(d, " times every ");
  fmt_expr(d->src, sp->u.retry_spec.every, d->out);
  if (sp->u.retry_spec.backoff != NULL) {
    put(d, ", the wait multiplied by ");
    fmt_expr(d->src, sp->u.retry_spec.backoff, d->out);
    put(d, " each time");
  }
  if (sp->u.retry_spec.max != NULL) {
    put(d, ", at most ");
    fmt_expr(d->src, sp->u.retry_spec.max, d->out);
    put(d, " between tries");
  }
}

/* Statements with a body: retry, parallel, for, if. */
static void
nested(struct doc *d, const struct ast_node *s)
{
  switch (s->kind) {
  case AST_RETRY:
    words(d, "");
    retry_words(d, s->u.retry.spec, "Retry");
    put(d, ", until this passes:\n\n");
    actions(d, s->u.retry.body->u.block.stmts);
    break;
  case AST_PARALLEL:
    words(d, "In parallel");
    if (s->u.parallel.var.name != NULL) {
      fmt_buf_printf(d->out, ", for each `%s` in ", s->u.parallel.var.name);
      code_expr(d, s->u.parallel.iter, false);
    }
    if (s->u.parallel.limit != NULL) {
      put(d, " (at most ");
      code_expr(d, s->u.parallel.limit, false);
      put(d, " at once)");
    }
    put(d, s->u.parallel.var.name != NULL ? ":\n\n" : ", each of:\n\n");
    actions(d, s->u.parallel.body->u.block.stmts);
    break;
  case AST_FOR:
    words(d, "For each ");
    fmt_buf_printf(d->out, "`%s`", s->u.for_.var.name);
    if (s->u.for_.var2.name != NULL)
      fmt_buf_printf(d->out, ", `%s`", s->u.for_.var2.name);
    put(d, " in ");
    code_expr(d, s->u.for_.iter, false);
    put(d, ":\n\n");
    actions(d, s->u.for_.body->u.block.stmts);
    break;
  default:                      /* AST_IF */
    words(d, "If ");
    code_expr(d, s->u.if_.cond, false);
    put(d, ":\n\n");
    actions(d, s->u.if_.then->u.block.stmts);
    if (s->u.if_.els != NULL) {
      words(d, "Otherwise:\n\n");
      actions(d, s->u.if_.els->kind == AST_IF ? s->u.if_.els : s->u.if_.els->u.block.stmts);
    }
    break;
  }
}

/* wait, assert, confirm: in words. */
static void
checks(struct doc *d, const struct ast_node *s)
{
  struct fmt_buf b;

  switch (s->kind) {
  case AST_WAIT:
    words(d, "Wait until ");
    code_expr(d, s->u.wait.cond, false);
    put(d, ", checking every ");
    fmt_expr(d->src, s->u.wait.every, d->out);
    put(d, ", for at most ");
    fmt_expr(d->src, s->u.wait.timeout, d->out);
    put(d, ".\n\n");
    break;
  case AST_ASSERT:
    words(d, "Check that ");
    code_expr(d, s->u.assert_.cond, false);
    if (s->u.assert_.message != NULL) {
      put(d, " (otherwise: \"");
      value(d, s->u.assert_.message, false);
      put(d, "\")");
    }
    put(d, ".\n\n");
    break;
  default:                      /* confirm "question" */
    words(d, "\xE2\x9C\x8B **Confirm before going on**: ");
    fmt_buf_init(&b);
    string_text(d, s->u.expr_stmt.expr->u.call.args->u.arg.value, &b);
    text(d, b.data != NULL ? b.data : "", b.len);
    fmt_buf_free(&b);
    put(d, "\n\n");
    break;
  }
}

/* Is s `confirm EXPR` (bare or called)? */
static bool
is_confirm(const struct ast_node *s)
{
  const struct ast_node *e = s->kind == AST_EXPR_STMT ? s->u.expr_stmt.expr : NULL;

  return e != NULL && e->kind == AST_CALL && e->u.call.callee->kind == AST_NAME
      && strcmp(e->u.call.callee->u.name.name, "confirm") == 0 && e->u.call.args != NULL;
}

/* One statement of a step body. */
static void
action(struct doc *d, const struct ast_node *s)
{
  const char *svc, *op;

  switch (s->kind) {
  case AST_EXPR_STMT:
    if (is_sh(s->u.expr_stmt.expr))
      shell(d, s->u.expr_stmt.expr, NULL);
    else if (is_aws(s->u.expr_stmt.expr, &svc, &op))
      aws_cli(d, s->u.expr_stmt.expr, svc, op, NULL);
    else if (is_confirm(s))
      checks(d, s);
    else
      rbc_code(d, s);
    break;
  case AST_LET:
    if (is_sh(s->u.let.value))
      shell(d, s->u.let.value, s->u.let.name.name);
    else if (is_aws(s->u.let.value, &svc, &op))
      aws_cli(d, s->u.let.value, svc, op, s->u.let.name.name);
    else
      rbc_code(d, s);
    break;
  case AST_RETRY: case AST_PARALLEL: case AST_FOR: case AST_IF:
    nested(d, s);
    break;
  case AST_WAIT: case AST_ASSERT:
    checks(d, s);
    break;
  case AST_ASSERT_HTTP:
    http_check(d, s);
    break;
  default:
    rbc_code(d, s);
    break;
  }
}

/* Every statement of a list (or the one IF of an `else if`). */
static void
actions(struct doc *d, const struct ast_node *stmts)
{
  const struct ast_node *s;

  for (s = stmts; s != NULL; s = s->next)
    action(d, s);
  end_fence(d);
}

/* }==== */

/* {==== the procedure ==== */

/* The step's modifiers in words (when, retry, timeout, on failure). */
static void
step_modifiers(struct doc *d, const struct ast_node *st)
{
  bool any = false;

  if (st->u.step.when != NULL) {
    words(d, "*Only when* ");
    code_expr(d, st->u.step.when, false);
    put(d, ".");
    any = true;
  }
  if (st->u.step.retry != NULL) {
    put(d, any ? " " : "");
    retry_words(d, st->u.step.retry, "*Retried*");
    put(d, ".");
    any = true;
  }
  if (st->u.step.timeout != NULL) {
    put(d, any ? " *Time limit*: " : "*Time limit*: ");
    fmt_expr(d->src, st->u.step.timeout, d->out);
    put(d, ".");
    any = true;
  }
  if (st->u.step.on_failure != ONFAIL_DEFAULT) {
    put(d, any ? " *On failure*: " : "*On failure*: ");
    if (st->u.step.on_failure == ONFAIL_TROUBLESHOOT) {
      put(d, "run the troubleshooting procedure \"");
      text_z(d, st->u.step.troubleshoot.name);
      put(d, "\" (see Troubleshooting).");
    } else {
      put(d, st->u.step.on_failure == ONFAIL_CONTINUE ? "continue with the next step."
                                                       : "stop the run.");
    }
    any = true;
  }
  if (any)
    put(d, "\n\n");
}

/* The "(0-2 minutes)" range of a phase, when every budget so far is known. */
static void
phase_range(struct doc *d, int64_t start, int64_t end)
{
  if (start % 60000 == 0 && end % 60000 == 0) {
    fmt_buf_printf(d->out, " (%" PRId64 "-%" PRId64 " minutes)", start / 60000,
                   end / 60000);
    return;
  }
  put(d, " (");
  dur_compact(d->out, start);
  put(d, "-");
  dur_compact(d->out, end);
  put(d, ")");
}

/* One phase: its heading and each step. */
static void
phase(struct doc *d, const struct ast_node *ph, int number, int64_t *elapsed)
{
  static const char *const marks[] = {
    "\xF0\x9F\x94\xB4", "\xF0\x9F\x94\xB5", "\xF0\x9F\x94\xB6", "\xF0\x9F\x93\xA2"
  };
  const struct ast_node *w = ph->u.phase.within, *st;
  int k = 0;

  fmt_buf_printf(d->out, "### %s Phase %d: ", marks[(number - 1) % 4], number);
  text_z(d, ph->u.phase.name.name);
  if (w != NULL && w->kind == AST_DURATION && *elapsed >= 0) {
    phase_range(d, *elapsed, *elapsed + w->u.i);
    *elapsed += w->u.i;
  } else {
    if (w != NULL) {
      put(d, " (within ");
      fmt_expr(d->src, w, d->out);
      put(d, ")");
    }
    *elapsed = -1;
  }
  put(d, "\n\n");
  for (st = ph->u.phase.steps; st != NULL; st = st->next) {
    fmt_buf_printf(d->out, "#### %d.%d ", number, ++k);
    text_z(d, st->u.step.name.name);
    put(d, "\n");
    step_modifiers(d, st);
    if (st->u.step.body->u.block.stmts == NULL)
      words(d, "_No actions._\n\n");
    actions(d, st->u.step.body->u.block.stmts);
  }
}

/* The procedure: every phase in order, with its time window. */
static void
procedure(struct doc *d)
{
  const struct ast_node *n;
  int64_t elapsed = 0;
  int k = 0;

  put(d, "## \xF0\x9F\x9A\x80 Rollback Procedure\n\n"
         "_`rbc run` performs these steps. The shell lines show what each one does:\n"
         "the runbook's params appear as shell variables (`$cluster` is the param\n"
         "`cluster`), AWS calls as the equivalent `aws` CLI command._\n\n");
  for (n = d->rb->u.runbook.items; n != NULL; n = n->next)
    if (n->kind == AST_PHASE)
      phase(d, n, ++k, &elapsed);
  if (k == 0)
    put(d, "_No phases._\n\n");
}

/* }==== */

/* {==== checklists, troubleshooting, metrics, closing sections ==== */

/* Verification checklists: `- [ ]` items, with their verify expressions. */
static void
checklists(struct doc *d)
{
  const struct ast_node *n, *it;

  put(d, "## \xF0\x9F\x93\x91 Rollback Verification Checklist\n\n");
  if (!has_item(d, AST_CHECKLIST))
    put(d, "_No checklists._\n\n");
  for (n = d->rb->u.runbook.items; n != NULL; n = n->next) {
    if (n->kind != AST_CHECKLIST)
      continue;
    put(d, "### ");
    text_z(d, n->u.checklist.name.name);
    put(d, "\n");
    for (it = n->u.checklist.items; it != NULL; it = it->next) {
      put(d, "- [ ] ");
      text_z(d, it->u.item.text.name);
      if (it->u.item.verify != NULL) {
        put(d, " (verified by ");
        code_expr(d, it->u.item.verify, false);
        put(d, ")");
      }
      put(d, "\n");
    }
    put(d, "\n");
  }
}

/* "Used on failure of step 2.2 "Application"." for a troubleshoot name. */
static void
used_by(struct doc *d, const char *name)
{
  const struct ast_node *n, *st;
  int ph = 0, k;
  bool any = false;

  for (n = d->rb->u.runbook.items; n != NULL; n = n->next) {
    if (n->kind != AST_PHASE)
      continue;
    ph++;
    k = 0;
    for (st = n->u.phase.steps; st != NULL; st = st->next) {
      k++;
      if (st->u.step.on_failure != ONFAIL_TROUBLESHOOT
          || strcmp(st->u.step.troubleshoot.name, name) != 0)
        continue;
      put(d, any ? ", " : "Runs when this step fails: ");
      fmt_buf_printf(d->out, "%d.%d \"", ph, k);
      text_z(d, st->u.step.name.name);
      put(d, "\"");
      any = true;
    }
  }
  put(d, any ? ".\n\n" : "Run on demand (`rbc run --troubleshoot NAME`).\n\n");
}

/* Troubleshooting: each block's actions and the steps that call it. */
static void
troubleshooting(struct doc *d)
{
  const struct ast_node *n;

  put(d, "## \xF0\x9F\x94\xA7 Troubleshooting\n\n### Common Issues\n\n");
  if (!has_item(d, AST_TROUBLESHOOT))
    put(d, "_No troubleshooting procedures._\n\n");
  for (n = d->rb->u.runbook.items; n != NULL; n = n->next) {
    if (n->kind != AST_TROUBLESHOOT)
      continue;
    put(d, "#### Issue: ");
    text_z(d, n->u.troubleshoot.name.name);
    put(d, "\n");
    used_by(d, n->u.troubleshoot.name.name);
    actions(d, n->u.troubleshoot.body->u.block.stmts);
  }
}

/* A monitor threshold in a table cell: "<0.1%" or "40%-60%". */
static void
threshold(struct doc *d, const struct ast_node *t)
{
  struct fmt_buf b;

  fmt_buf_init(&b);
  if (t->u.threshold.op < 0) {
    fmt_expr(d->src, t->u.threshold.lo, &b);
    fmt_buf_puts(&b, "-");
    fmt_expr(d->src, t->u.threshold.hi, &b);
  } else {
    fmt_buf_puts(&b, ast_binop_str((enum ast_binop)t->u.threshold.op));
    fmt_expr(d->src, t->u.threshold.lo, &b);
  }
  if (b.oom)
    d->out->oom = true;
  text(d, b.data != NULL ? b.data : "", b.len);
  fmt_buf_free(&b);
}

/* Metrics to monitor: one table row per monitor. */
static void
metrics(struct doc *d)
{
  const struct ast_node *n, *dash = NULL;

  for (n = d->rb->u.runbook.items; n != NULL; n = n->next)
    if (n->kind == AST_RESOURCE && strcmp(n->u.resource.name.name, "dashboard") == 0)
      dash = n->u.resource.value;
  put(d, "## \xF0\x9F\x93\x8A Metrics to Monitor Post-Rollback\n\n");
  if (!has_item(d, AST_MONITOR)) {
    put(d, "_No monitors._\n\n");
    return;
  }
  put(d, "| Metric | Value | Normal Range | Alert Threshold | Dashboard Link |\n"
         "|--------|-------|--------------|-----------------|----------------|\n");
  for (n = d->rb->u.runbook.items; n != NULL; n = n->next) {
    if (n->kind != AST_MONITOR)
      continue;
    put(d, "| ");
    text_z(d, n->u.monitor.name.name);
    put(d, " | ");
    code_expr(d, n->u.monitor.value, true);
    put(d, " | ");
    threshold(d, n->u.monitor.normal);
    put(d, " | ");
    threshold(d, n->u.monitor.alert);
    put(d, " | ");
    if (dash != NULL) {
      put(d, "[Link](");
      value(d, dash, true);
      put(d, ")");
    } else {
      put(d, "-");
    }
    put(d, " |\n");
  }
  put(d, "\n");
}

/* The post-mortem headings of the template. */
static void
postmortem(struct doc *d)
{
  put(d, "## \xF0\x9F\x93\x8B Post-Mortem Template\n\n"
         "After successful rollback, create post-mortem with:\n"
         "1. Timeline of events (`rbc report RUN-ID` prints the run's timeline)\n"
         "2. Root cause analysis\n"
         "3. Impact assessment\n"
         "4. Lessons learned\n"
         "5. Action items\n"
         "6. Process improvements\n\n");
}

/* The status boxes, last test, next review (tested + review) and version. */
static void
status(struct doc *d, const char *name)
{
  static const char *const states[] = { "draft", "reviewed", "approved", "tested" };
  const struct ast_node *st = meta(d, "status"), *review = meta(d, "review");
  const char *cur = st != NULL && st->kind == AST_NAME ? st->u.name.name : NULL;
  char buf[64];
  const char *tested = literal(meta(d, "tested"), buf, sizeof buf);
  int64_t day;
  size_t i;

  put(d, "---\n\n**Document Status**:");
  for (i = 0; i < 4; i++)
    fmt_buf_printf(d->out, " [%c] %s", cur != NULL && strcmp(cur, states[i]) == 0 ? 'x' : ' ',
                   i == 0 ? "DRAFT" : i == 1 ? "REVIEWED" : i == 2 ? "APPROVED" : "TESTED");
  put(d, "  \n**Last Test Date**: ");
  if (tested != NULL)
    text_z(d, tested);
  else
    put(d, "_not set_");
  put(d, "  \n**Next Review**: ");
  if (review != NULL && review->kind == AST_DURATION && parse_date(tested, &day)) {
    civil_from_days(d->out, day + review->u.i / 86400000);
    put(d, " (");
    dur_words(d->out, review->u.i);
    put(d, " after the last test)");
  } else if (review != NULL && review->kind == AST_DURATION) {
    put(d, "every ");
    dur_words(d->out, review->u.i);
  } else {
    put(d, "_not set_");
  }
  put(d, "  \n**Version**: ");
  if (meta(d, "version") != NULL)
    value(d, meta(d, "version"), false);
  else
    put(d, "_not set_");
  put(d, "  \n\n_Generated by `rbc doc` from `");
  text_z(d, name);
  put(d, "`._\n");
}

/* }==== */

/* See doc.h. */
int
doc_render(const struct source *src, const struct ast_node *file, const char *name,
           struct fmt_buf *out)
{
  struct doc d;
  const struct ast_node *n;

  memset(&d, 0, sizeof d);
  d.src = src;
  d.out = out;
  for (n = file->u.file.items; n != NULL; n = n->next)
    if (n->kind == AST_RUNBOOK)
      d.rb = n;
  if (d.rb == NULL)
    return 1;
  header(&d);
  put(&d, "## \xF0\x9F\x9A\xA8 Quick Reference\n\n");
  contacts(&d);
  resources(&d);
  inputs(&d);
  triggers(&d);
  procedure(&d);
  checklists(&d);
  troubleshooting(&d);
  metrics(&d);
  postmortem(&d);
  status(&d, name);
  return out->oom ? -1 : 0;
}
