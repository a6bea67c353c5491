/*
** scenario.c: scenario files of `rbc test` and the simulated world they
** describe (see scenario.h and docs/testing.md).
**
** Positions: jansson gives line and column for syntax errors only.  For a
** member at fault, scenario_where finds the member's key in the text: a
** pre-pass walks the document in order (jansson keeps members in file
** order) and finds each key after the previous one, remembering where each
** member's value was declared.
*/
#define _POSIX_C_SOURCE 200809L

#include "cli/scenario.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "stdlib/loop.h"
#include "vm/clock.h"
#include "vm/value_json.h"

/* Most scenario bytes read (a scenario is a small hand-written file). */
#define SC_MAX_FILE ((size_t)4 << 20)

/* {==== positions ==== */

/* Where the member holding a value was declared. */
struct sc_pos {
  const json_t *v;
  int line, col;
};

static struct sc_pos *positions;        /* of the scenario being loaded / shown */
static size_t npositions, cappositions;
static const struct scenario *positions_of;

/* Keys not found in the text (escaped ones): past SC_MAX_MISSES, stop looking. */
#define SC_MAX_MISSES 16
static int misses;

/* The next `"key"` followed by ':' at or after *off; its offset, or the old *off. */
static size_t find_key(const char *text, const char *key, size_t *off)
{
  size_t klen = strlen(key);
  const char *p = text + *off;

  if (misses > SC_MAX_MISSES)           /* bound the work on hostile files */
    return *off;

  for (p = strchr(p, '"'); p != NULL; p = strchr(p, '"')) {
    const char *q = p + 1 + klen;

    if (strncmp(p + 1, key, klen) == 0 && *q == '"') {
      q++;
      while (*q == ' ' || *q == '\t' || *q == '\r' || *q == '\n')
        q++;
      if (*q == ':') {
        *off = (size_t)(q - text);
        return (size_t)(p - text);
      }
    }
    p++;
  }
  misses++;
  return *off;
}

static void remember(const json_t *v, const struct source *src, size_t at)
{
  struct sc_pos *np;
  uint32_t line, col;

  if (npositions == cappositions) {
    size_t cap = cappositions ? cappositions * 2 : 64;
    np = realloc(positions, cap * sizeof *np);
    if (np == NULL)
      return;
    positions = np;
    cappositions = cap;
  }
  src_position(src, (uint32_t)at, &line, &col);  /* cached: keys come in file order */
  positions[npositions].v = v;
  positions[npositions].line = (int)line;
  positions[npositions].col = (int)col;
  npositions++;
}

/* Walk v in document order, finding every member's key from *off on. */
static void walk(const json_t *v, const struct source *src, size_t *off, int depth)
{
  const char *key;
  json_t *m;
  size_t i;

  if (depth > 64)
    return;
  if (json_is_object(v)) {
    json_object_foreach((json_t *)v, key, m) {
      remember(m, src, find_key(src->text, key, off));
      walk(m, src, off, depth + 1);
    }
  } else if (json_is_array(v)) {
    json_array_foreach(v, i, m)
      walk(m, src, off, depth + 1);
  }
}

static void index_positions(const struct scenario *s)
{
  size_t off = 0;

  if (positions_of == s)
    return;
  npositions = 0;
  misses = 0;
  positions_of = s;
  remember(s->root, s->src, 0);
  walk(s->root, s->src, &off, 0);
}

void scenario_where(const struct scenario *s, const json_t *v, char *buf, size_t size)
{
  index_positions(s);
  for (size_t i = 0; i < npositions; i++)
    if (positions[i].v == v) {
      snprintf(buf, size, "%s:%d:%d", s->path, positions[i].line, positions[i].col);
      return;
    }
  snprintf(buf, size, "%s:1:1", s->path);
}

/* }==== */

/* {==== values ==== */

const char *sc_kind_name(enum sc_kind k)
{
  static const char *const names[SC__NKINDS] = { "http", "aws", "sh", "confirm", "files",
                                                  "checklist" };

  return k < SC__NKINDS ? names[k] : "?";
}

int sc_duration(const json_t *v, int64_t *ms)
{
  static const struct { const char *unit; double ms; } units[] = {
    { "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 }, { "d", 86400000 }
  };
  const char *s;
  char *end;
  double n, total = 0;

  if (json_is_integer(v) && json_integer_value(v) >= 0) {
    *ms = json_integer_value(v);
    return 0;
  }
  if (!json_is_string(v) || json_string_length(v) == 0)
    return -1;
  for (s = json_string_value(v); *s;) {            /* "4m30s": number-unit pairs */
    size_t i, len = 0;

    if (*s < '0' || *s > '9')
      return -1;
    errno = 0;
    n = strtod(s, &end);
    if (end == s || errno != 0 || n > 1e9)
      return -1;
    for (i = 0; i < sizeof units / sizeof units[0]; i++) {
      len = strlen(units[i].unit);
      if (strncmp(end, units[i].unit, len) == 0 && (end[len] < 'a' || end[len] > 'z'))
        break;
    }
    if (i == sizeof units / sizeof units[0])
      return -1;
    total += n * units[i].ms;
    s = end + len;
  }
  *ms = (int64_t)total;
  return 0;
}

bool sc_subset(const json_t *want, const json_t *have)
{
  const char *key;
  json_t *w;

  if (have == NULL)
    return false;
  if (json_is_object(want)) {
    if (!json_is_object(have))
      return false;
    json_object_foreach((json_t *)want, key, w)
      if (!sc_subset(w, json_object_get(have, key)))
        return false;
    return true;
  }
  if (json_is_number(want) && json_is_number(have))
    return json_number_value(want) == json_number_value(have);
  return json_equal((json_t *)want, (json_t *)have) != 0;
}

json_t *scenario_expand_json(const struct scenario *s, const json_t *v)
{
  const char *key, *t;
  json_t *out, *m, *c;
  size_t i;
  char buf[4200];

  if (json_is_string(v)) {
    t = json_string_value(v);
    if (strncmp(t, "${params.", 9) == 0 && t[strlen(t) - 1] == '}') {
      char name[256];
      snprintf(name, sizeof name, "%.*s", (int)(strlen(t) - 10), t + 9);
      m = s->params ? json_object_get(s->params, name) : NULL;
      if (m)
        return json_deep_copy(m);
    }
    scenario_expand(s, t, buf, sizeof buf);
    return json_string(buf);
  }
  if (json_is_object(v)) {
    out = json_object();
    json_object_foreach((json_t *)v, key, m) {
      c = scenario_expand_json(s, m);
      if (!out || !c || json_object_set_new(out, key, c) != 0) {
        json_decref(out);
        return NULL;
      }
    }
    return out;
  }
  if (json_is_array(v)) {
    out = json_array();
    json_array_foreach(v, i, m) {
      c = scenario_expand_json(s, m);
      if (!out || !c || json_array_append_new(out, c) != 0) {
        json_decref(out);
        return NULL;
      }
    }
    return out;
  }
  return json_deep_copy(v);
}

/* }==== */

/* {==== validation ==== */

/* What a failed validation reports. */
struct sc_err {
  const struct scenario *s;
  char *msg;
  size_t size;
  bool failed;
};

static int bad(struct sc_err *e, const json_t *at, const char *fmt, ...)
  __attribute__((format(printf, 3, 4)));

/* "PATH:L:C: message" for the member holding `at`; returns -1. */
static int bad(struct sc_err *e, const json_t *at, const char *fmt, ...)
{
  char where[512], what[400];
  va_list ap;

  if (e->failed)
    return -1;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  /* a quoted member name may hold any byte: keep the message one line
     (fuzz_scenario) */
  for (char *c = what; *c != '\0'; c++)
    if ((unsigned char)*c < 0x20 || *c == 0x7f)
      *c = '?';
  scenario_where(e->s, at, where, sizeof where);
  snprintf(e->msg, e->size, "%s: %s", where, what);
  e->failed = true;
  return -1;
}

/* Only these keys may appear in object o (NULL-terminated list). */
static int only_keys(struct sc_err *e, const json_t *o, const char *what,
                     const char *const *keys)
{
  const char *key;
  json_t *m;

  json_object_foreach((json_t *)o, key, m) {
    size_t i;

    for (i = 0; keys[i] && strcmp(keys[i], key) != 0; i++)
      ;
    if (!keys[i] && key[0] != '$')      /* $...: added by load_rules itself */
      return bad(e, m, "%s: unknown member \"%s\"", what, key);
  }
  return 0;
}

/* One reply object of a rule of kind k. */
static int check_reply(struct sc_err *e, enum sc_kind k, const json_t *r, const char *what,
                       bool keys_checked)
{
  static const char *const http_keys[] = { "status", "body", "json", "content_type", "delay",
                                            "error", "times", NULL };
  static const char *const aws_keys[] = { "reply", "error", "message", "status", "times",
                                          NULL };
  static const char *const sh_keys[] = { "exit", "stdout", "stderr", "delay", "timeout",
                                         "files", "times", NULL };
  static const char *const neterr[] = { "refused", "timeout", "dns", "reset", "tls", NULL };
  static const char *const *const keys[] = { http_keys, aws_keys, sh_keys };
  const json_t *v;
  int64_t ms;

  if (!json_is_object(r))
    return bad(e, r, "%s: a reply must be an object", what);
  if (!keys_checked && only_keys(e, r, what, keys[k]) != 0)
    return -1;
  v = json_object_get(r, "times");
  if (v && (!json_is_integer(v) || json_integer_value(v) < 1))
    return bad(e, v, "%s.times: expected an integer of at least 1", what);
  v = json_object_get(r, "delay");
  if (v && sc_duration(v, &ms) != 0)
    return bad(e, v, "%s.delay: expected a duration (\"2s\", \"500ms\", or milliseconds)", what);
  v = json_object_get(r, "status");
  if (v && (!json_is_integer(v) || json_integer_value(v) < 100 || json_integer_value(v) > 599))
    return bad(e, v, "%s.status: expected an integer from 100 to 599", what);
  if (k == SC_HTTP) {
    v = json_object_get(r, "error");
    if (v) {
      size_t i;
      for (i = 0; neterr[i] && json_is_string(v) && strcmp(neterr[i],
                                                            json_string_value(v)) != 0; i++)
        ;
      if (!json_is_string(v) || !neterr[i])
        return bad(e, v, "%s.error: expected refused, timeout, dns, reset or tls", what);
    } else if (!json_object_get(r, "status")) {
      return bad(e, r, "%s: a reply needs \"status\" or \"error\"", what);
    }
    v = json_object_get(r, "body");
    if (v && !json_is_string(v))
      return bad(e, v, "%s.body: expected a string (use \"json\" for a JSON body)", what);
  } else if (k == SC_AWS) {
    v = json_object_get(r, "error");
    if (v && (!json_is_string(v) || json_string_length(v) == 0))
      return bad(e, v, "%s.error: expected an AWS error code such as \"ThrottlingException\"",
                 what);
    v = json_object_get(r, "reply");
    if (v && !json_is_object(v))
      return bad(e, v, "%s.reply: expected an object (the operation's output members)", what);
  } else {
    v = json_object_get(r, "exit");
    if (v && (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 255))
      return bad(e, v, "%s.exit: expected an exit code from 0 to 255", what);
    for (int i = 0; i < 2; i++) {
      v = json_object_get(r, i ? "stderr" : "stdout");
      if (v && !json_is_string(v))
        return bad(e, v, "%s.%s: expected a string", what, i ? "stderr" : "stdout");
    }
    v = json_object_get(r, "timeout");
    if (v && !json_is_boolean(v))
      return bad(e, v, "%s.timeout: expected true or false", what);
    v = json_object_get(r, "files");
    if (v && !json_is_object(v))
      return bad(e, v, "%s.files: expected {\"/path\": \"content\" or null}", what);
  }
  return 0;
}

/* A rule's replies: "replies": [...] or the rule's own reply members. */
static int rule_replies(struct sc_err *e, struct sc_rule *r, json_t *o, const char *what)
{
  static const char *const rule_keys[] = {
    "match", "method", "url", "op", "args", "replies", "status", "body", "json",
    "content_type", "delay", "error", "message", "reply", "exit", "stdout", "stderr",
    "timeout", "files", "times", "comment", NULL
  };
  json_t *rs = json_object_get(o, "replies"), *one, *item;
  char sub[160];
  size_t i;

  if (only_keys(e, o, what, rule_keys) != 0)
    return -1;
  if (rs) {
    if (!json_is_array(rs) || json_array_size(rs) == 0)
      return bad(e, rs, "%s.replies: expected a non-empty array of replies", what);
    r->replies = rs;
  } else {
    static const char *const strip[] = { "match", "method", "url", "op", "args", "comment",
                                         NULL };
    one = json_deep_copy(o);
    if (!one)
      return bad(e, o, "out of memory");
    for (i = 0; strip[i]; i++)
      json_object_del(one, strip[i]);
    r->replies = json_array();
    if (!r->replies || json_array_append_new(r->replies, one) != 0)
      return bad(e, o, "out of memory");
    json_object_set_new(o, "$replies", r->replies);    /* owned by the document */
    return check_reply(e, r->kind, o, what, true);
  }
  json_array_foreach(rs, i, item) {
    snprintf(sub, sizeof sub, "%s.replies[%zu]", what, i);
    if (check_reply(e, r->kind, item, sub, false) != 0)
      return -1;
  }
  return 0;
}

/* The rules of section key (http, aws, sh, confirm) into s->rules. */
static int load_rules(struct sc_err *e, struct scenario *s, const char *key, enum sc_kind k)
{
  json_t *sec = json_object_get(s->root, key), *o;
  size_t i;

  if (!sec)
    return 0;
  if (k == SC_CHECKLIST)
    s->checklist_all = -1;
  if ((k == SC_CONFIRM || k == SC_CHECKLIST) && json_is_boolean(sec)) {
    *(k == SC_CONFIRM ? &s->confirm_all : &s->checklist_all) = json_is_true(sec);
    return 0;
  }
  if (!json_is_array(sec))
    return bad(e, sec, "%s: expected an array of rules%s", key,
               k == SC_CONFIRM || k == SC_CHECKLIST ? " (or true / false)" : "");
  json_array_foreach(sec, i, o) {
    struct sc_rule *r, *nr;
    char what[64];
    json_t *m;

    snprintf(what, sizeof what, "%s[%zu]", key, i);
    if (!json_is_object(o))
      return bad(e, o, "%s: a rule must be an object", what);
    nr = realloc(s->rules, (s->nrules + 1) * sizeof *nr);
    if (!nr)
      return bad(e, o, "out of memory");
    s->rules = nr;
    r = &s->rules[s->nrules++];
    memset(r, 0, sizeof *r);
    r->kind = k;
    if (k == SC_CONFIRM || k == SC_CHECKLIST) {
      static const char *const ck[] = { "match", "answer", "times", "comment", NULL };
      m = json_object_get(o, "answer");
      if (only_keys(e, o, what, ck) != 0)
        return -1;
      if (!json_is_boolean(m))
        return bad(e, m ? m : o, "%s.answer: expected true or false", what);
      r->replies = o;
    } else if (k == SC_AWS) {
      m = json_object_get(o, "op");
      if (!json_is_string(m) || !strchr(json_string_value(m), '.'))
        return bad(e, m ? m : o, "%s.op: expected \"service.operation\", e.g. "
                   "\"ecs.update_service\"", what);
      r->op = json_string_value(m);
      r->args = json_object_get(o, "args");
      if (r->args && !json_is_object(r->args))
        return bad(e, r->args, "%s.args: expected an object of members", what);
    } else if (k == SC_HTTP && json_object_get(o, "url")) {
      m = json_object_get(o, "url");
      if (!json_is_string(m))
        return bad(e, m, "%s.url: expected a URL pattern", what);
      r->pattern = json_string_value(m);
      m = json_object_get(o, "method");
      if (m && !json_is_string(m))
        return bad(e, m, "%s.method: expected a method such as \"GET\"", what);
      r->method = m ? json_string_value(m) : NULL;
    }
    if (k == SC_SH || k == SC_CONFIRM || k == SC_CHECKLIST || (k == SC_HTTP && !r->pattern)) {
      m = json_object_get(o, "match");
      if (m && !json_is_string(m))
        return bad(e, m, "%s.match: expected a pattern string", what);
      if (!m && k != SC_CONFIRM && k != SC_CHECKLIST)
        return bad(e, o, "%s: expected \"match\"%s", what,
                   k == SC_HTTP ? " (\"METHOD URL-pattern\") or \"url\"" : "");
      r->pattern = m ? json_string_value(m) : "*";
      if (k == SC_HTTP && strchr(r->pattern, ' ')) {
        /* "GET http://..." : split the method off (kept in a copy owned by the document) */
        const char *sp = strchr(r->pattern, ' ');
        json_t *meth = json_stringn(r->pattern, (size_t)(sp - r->pattern));
        if (!meth)
          return bad(e, o, "out of memory");
        json_object_set_new(o, "$method", meth);
        r->method = json_string_value(meth);
        r->pattern = sp + 1;
      }
    }
    if (k != SC_CONFIRM && k != SC_CHECKLIST && rule_replies(e, r, o, what) != 0)
      return -1;
  }
  return 0;
}

/* expect: checked for shape here, evaluated after the run (cmd_test.c). */
static int check_expect(struct sc_err *e, json_t *x)
{
  static const char *const keys[] = { "exit", "status", "steps", "checklist", "calls",
                                      "diagnostics", "within_rto", "max_time", "min_time",
                                      NULL };
  static const char *const call_keys[] = { "http", "aws", "sh", "confirm", "args", "times",
                                           "min", "max", NULL };
  static const char *const statuses[] = { "pass", "fail", "error", "skip", "recovered",
                                          "halted", "not_run", NULL };
  const char *key;
  json_t *v, *c;
  size_t i;
  int64_t ms;

  if (!json_is_object(x))
    return bad(e, x, "expect: expected an object");
  if (only_keys(e, x, "expect", keys) != 0)
    return -1;
  v = json_object_get(x, "exit");
  if (v && !json_is_integer(v))
    return bad(e, v, "expect.exit: expected an exit code");
  v = json_object_get(x, "status");
  if (v && !json_is_string(v))
    return bad(e, v, "expect.status: expected passed, failed or halted");
  for (i = 0; i < 2; i++) {
    v = json_object_get(x, i ? "min_time" : "max_time");
    if (v && sc_duration(v, &ms) != 0)
      return bad(e, v, "expect.%s: expected a duration such as \"15m\"",
                 i ? "min_time" : "max_time");
  }
  v = json_object_get(x, "within_rto");
  if (v && !json_is_boolean(v))
    return bad(e, v, "expect.within_rto: expected true or false");
  v = json_object_get(x, "steps");
  if (v && !json_is_object(v))
    return bad(e, v, "expect.steps: expected {\"step name\": \"pass\", ...}");
  if (v)
    json_object_foreach(v, key, c) {
      size_t j;
      for (j = 0; statuses[j] && json_is_string(c)
                  && strcmp(statuses[j], json_string_value(c)) != 0; j++)
        ;
      if (!json_is_string(c) || !statuses[j])
        return bad(e, c, "expect.steps.\"%s\": expected pass, fail, error, skip, recovered, "
                   "halted or not_run", key);
    }
  v = json_object_get(x, "checklist");
  if (v && !json_is_object(v))
    return bad(e, v, "expect.checklist: expected {\"item text\": \"pass\", ...}");
  if (v)
    json_object_foreach(v, key, c)
      if (!json_is_string(c))
        return bad(e, c, "expect.checklist.\"%s\": expected a status such as pass, fail, "
                   "confirmed, declined or unconfirmed", key);
  v = json_object_get(x, "diagnostics");
  if (v && !json_is_array(v))
    return bad(e, v, "expect.diagnostics: expected an array of codes such as \"RB5004\"");
  v = json_object_get(x, "calls");
  if (v && !json_is_array(v))
    return bad(e, v, "expect.calls: expected an array");
  if (v)
    json_array_foreach(v, i, c) {
      char what[48];
      int kinds = 0;

      snprintf(what, sizeof what, "expect.calls[%zu]", i);
      if (!json_is_object(c))
        return bad(e, c, "%s: expected an object", what);
      if (only_keys(e, c, what, call_keys) != 0)
        return -1;
      for (int k = 0; k < 4; k++)
        kinds += json_is_string(json_object_get(c, call_keys[k]));
      if (kinds != 1)
        return bad(e, c, "%s: expected exactly one of \"http\", \"aws\", \"sh\", \"confirm\"",
                   what);
      for (int k = 5; k < 8; k++) {
        json_t *n = json_object_get(c, call_keys[k]);
        if (n && (!json_is_integer(n) || json_integer_value(n) < 0))
          return bad(e, n, "%s.%s: expected a count", what, call_keys[k]);
      }
    }
  return 0;
}

static int load_members(struct sc_err *e, struct scenario *s)
{
  static const char *const top[] = { "name", "description", "params", "http", "aws", "sh",
                                     "confirm", "checklist", "files", "env", "expect",
                                     "comment", NULL };
  json_t *v;
  const char *key;

  if (!json_is_object(s->root))
    return bad(e, s->root, "a scenario must be a JSON object");
  if (only_keys(e, s->root, "scenario", top) != 0)
    return -1;
  v = json_object_get(s->root, "name");
  if (v && !json_is_string(v))
    return bad(e, v, "name: expected a string");
  s->params = json_object_get(s->root, "params");
  if (s->params && !json_is_object(s->params))
    return bad(e, s->params, "params: expected an object {name: value}");
  if (s->params)
    json_object_foreach(s->params, key, v)
      if (!json_is_string(v) && !json_is_number(v) && !json_is_boolean(v))
        return bad(e, v, "params.%s: expected a string, number or bool", key);
  s->files = json_object_get(s->root, "files");
  if (s->files && !json_is_object(s->files))
    return bad(e, s->files, "files: expected an object {\"/path\": \"content\" or null}");
  if (s->files)
    json_object_foreach(s->files, key, v)
      if ((!json_is_string(v) && !json_is_null(v))
          || (key[0] != '/' && strncmp(key, "${scratch}", 10) != 0))
        return bad(e, v, "files.\"%s\": expected an absolute path with a string or null", key);
  s->env = json_object_get(s->root, "env");
  if (s->env && !json_is_object(s->env))
    return bad(e, s->env, "env: expected an object {NAME: \"value\" or null}");
  if (s->env)
    json_object_foreach(s->env, key, v)
      if (!json_is_string(v) && !json_is_null(v))
        return bad(e, v, "env.%s: expected a string or null", key);
  s->expect = json_object_get(s->root, "expect");
  if (s->expect && check_expect(e, s->expect) != 0)
    return -1;
  if (load_rules(e, s, "http", SC_HTTP) || load_rules(e, s, "aws", SC_AWS)
      || load_rules(e, s, "sh", SC_SH) || load_rules(e, s, "confirm", SC_CONFIRM)
      || load_rules(e, s, "checklist", SC_CHECKLIST))
    return -1;
  return 0;
}

struct scenario *scenario_load(const char *path, char *msg, size_t size)
{
  struct scenario *s = calloc(1, sizeof *s);
  struct sc_err e = { s, msg, size, false };
  json_error_t je;
  const char *base, *v, *nul;
  size_t n;
  int err = 0;

  if (s)
    s->path = strdup(path);
  if (!s || !s->path) {
    snprintf(msg, size, "%s: out of memory", path);
    scenario_free(s);
    return NULL;
  }
  s->confirm_all = -1;
  s->checklist_all = -2;
  s->src = src_read_file(path, &err);
  if (s->src && s->src->len > SC_MAX_FILE)
    err = EFBIG;
  if (!s->src || err != 0) {
    snprintf(msg, size, "%s: %s", path, err == EFBIG ? "larger than 4 MiB: not a scenario"
             : strerror(err));
    scenario_free(s);
    return NULL;
  }
  nul = memchr(s->src->text, '\0', s->src->len);
  if (nul) {                            /* jansson would stop there silently */
    uint32_t line, col;

    src_position(s->src, (uint32_t)(nul - s->src->text), &line, &col);
    snprintf(msg, size, "%s:%u:%u: a NUL byte: not a JSON text", path, line, col);
    scenario_free(s);
    return NULL;
  }
  s->root = json_loads(s->src->text, JSON_REJECT_DUPLICATES, &je);
  if (!s->root) {
    /* jansson quotes the input near the error: no control byte may reach the
       one-line message (a newline would forge a line; fuzz_scenario) */
    for (char *c = je.text; *c != '\0'; c++)
      if ((unsigned char)*c < 0x20 || *c == 0x7f)
        *c = '?';
    snprintf(msg, size, "%s:%d:%d: %s", path, je.line, je.column, je.text);
    scenario_free(s);
    return NULL;
  }
  positions_of = NULL;
  index_positions(s);                   /* before load_members adds its own members */
  if (load_members(&e, s) != 0) {
    scenario_free(s);
    return NULL;
  }
  v = json_string_value(json_object_get(s->root, "name"));
  base = strrchr(path, '/');
  base = base ? base + 1 : path;
  n = strlen(base);
  if (n > 5 && strcmp(base + n - 5, ".json") == 0)
    n -= 5;
  s->name = v ? strdup(v) : strndup(base, n);
  if (!s->name) {
    snprintf(msg, size, "%s: out of memory", path);
    scenario_free(s);
    return NULL;
  }
  return s;
}

void scenario_free(struct scenario *s)
{
  if (!s)
    return;
  if (positions_of == s)
    positions_of = NULL;
  for (size_t i = 0; i < s->ncalls; i++) {
    free(s->calls[i].text);
    json_decref(s->calls[i].args);
  }
  free(s->calls);
  free(s->rules);
  json_decref(s->written);
  json_decref(s->root);
  src_free(s->src);
  free(s->name);
  free(s->path);
  free(s);
}

/* }==== */

/* {==== the world ==== */

/* Record one call; its index, or -1 when out of memory. */
static long record(struct scenario *s, enum sc_kind k, const char *text, json_t *args,
                   bool secret)
{
  struct sc_call *nc = realloc(s->calls, (s->ncalls + 1) * sizeof *nc);

  if (!nc) {
    json_decref(args);
    return -1;
  }
  s->calls = nc;
  nc = &s->calls[s->ncalls];
  memset(nc, 0, sizeof *nc);
  nc->kind = k;
  nc->text = strdup(text);
  nc->args = args;
  nc->secret = secret;
  nc->at_ms = clock_monotonic_ms(loop_clock(s->loop));
  return (long)s->ncalls++;
}

/* The reply for the next call a rule answers (the last one repeats). */
static const json_t *next_reply(struct sc_rule *r)
{
  size_t i, n = json_array_size(r->replies), seen = 0;
  const json_t *item = NULL;

  json_array_foreach(r->replies, i, item) {
    const json_t *t = json_object_get(item, "times");
    seen += t ? (size_t)json_integer_value(t) : 1;
    if (r->used < seen)
      break;
  }
  if (i == n)
    item = json_array_get(r->replies, n - 1);
  r->used++;
  return item;
}

/* Sleep the reply's delay on the run's clock; its length in ms. */
static int64_t delay(struct scenario *s, const json_t *reply)
{
  int64_t ms = 0;
  const json_t *d = json_object_get(reply, "delay");

  if (d && sc_duration(d, &ms) == 0 && ms > 0)
    loop_sleep(s->loop, ms);
  return ms;
}

void scenario_expand(const struct scenario *s, const char *text, char *buf, size_t size)
{
  size_t o = 0;
  const char *sc = s->scratch ? s->scratch : "";

  while (*text && o + 1 < size) {
    if (strncmp(text, "${scratch}", 10) == 0) {
      o += (size_t)snprintf(buf + o, size - o, "%s", sc);
      if (o >= size)
        o = size - 1;
      text += 10;
    } else {
      buf[o++] = *text++;
    }
  }
  buf[o] = '\0';
}

static bool glob(const char *pattern, const char *text)
{
  return fnmatch(pattern, text, 0) == 0;
}

/* The scenario's file entry for path (keys with ${scratch} expanded), or NULL. */
static json_t *described(const struct scenario *s, const json_t *files, const char *path)
{
  const char *key;
  json_t *v;
  char k[4200];

  if (!files)
    return NULL;
  json_object_foreach((json_t *)files, key, v) {
    scenario_expand(s, key, k, sizeof k);
    if (strcmp(k, path) == 0)
      return v;
  }
  return NULL;
}

/* A simulated command's effects: "files": {path: content | null} into s->written. */
static void apply_files(struct scenario *s, const json_t *files)
{
  const char *key;
  json_t *v;
  char k[4200], c[8192];

  if (!json_is_object(files))
    return;
  if (!s->written)
    s->written = json_object();
  if (!s->written)
    return;
  json_object_foreach((json_t *)files, key, v) {
    scenario_expand(s, key, k, sizeof k);
    if (json_is_string(v)) {
      scenario_expand(s, json_string_value(v), c, sizeof c);
      json_object_set_new(s->written, k, json_string(c));
    } else {
      json_object_set_new(s->written, k, json_null());
    }
  }
}

static enum sim_answer on_http(void *ctx, const struct sim_http_req *rq,
                               struct sim_http_reply *rp)
{
  static const char *const neterr[] = { "", "refused", "timeout", "dns", "reset", "tls", NULL };
  struct scenario *s = ctx;
  char text[4200];
  const json_t *reply, *v;
  long at;

  snprintf(text, sizeof text, "%s %s", rq->method, rq->secret ? "***" : rq->url);
  at = record(s, SC_HTTP, text, NULL, rq->secret);
  for (size_t i = 0; i < s->nrules; i++) {
    struct sc_rule *r = &s->rules[i];

    if (r->kind != SC_HTTP || (r->method && strcmp(r->method, rq->method) != 0)
        || !glob(r->pattern, rq->url))
      continue;
    if (at >= 0)
      s->calls[at].matched = true;
    reply = next_reply(r);
    v = json_object_get(reply, "error");
    for (int k = 1; v && neterr[k]; k++)
      if (strcmp(neterr[k], json_string_value(v)) == 0)
        rp->error = (enum sim_net_error)k;
    rp->status = (long)json_integer_value(json_object_get(reply, "status"));
    v = json_object_get(reply, "json");
    if (v) {
      json_t *x = scenario_expand_json(s, v);

      rp->body = x ? json_dumps(x, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
      json_decref(x);
      rp->content_type = strdup("application/json");
    } else if (json_object_get(reply, "body") != NULL) {
      rp->body = strdup(json_string_value(json_object_get(reply, "body")));
    }
    v = json_object_get(reply, "content_type");
    if (v != NULL && json_is_string(v)) {
      free(rp->content_type);
      rp->content_type = strdup(json_string_value(v));
    }
    rp->body_len = rp->body ? strlen(rp->body) : 0;
    rp->delay_ms = delay(s, reply);
    return SIM_ANSWERED;
  }
  return SIM_UNMATCHED;
}

static enum sim_answer on_aws(void *ctx, const char *service, const char *op,
                              struct rbc_value args, struct sim_aws_reply *rp)
{
  struct scenario *s = ctx;
  char text[256];
  json_t *jargs = NULL;
  bool secret = false;
  struct val_err err;
  long at;

  snprintf(text, sizeof text, "%s.%s", service, op);
  if (val_to_json(args, &jargs, &secret, &err) != VAL_OK)
    jargs = NULL;
  at = record(s, SC_AWS, text, jargs, secret);
  for (size_t i = 0; i < s->nrules; i++) {
    struct sc_rule *r = &s->rules[i];
    const json_t *reply, *v;

    json_t *want = r->args ? scenario_expand_json(s, r->args) : NULL;
    bool fits = !r->args || (want && sc_subset(want, at >= 0 ? s->calls[at].args : NULL));

    json_decref(want);
    if (r->kind != SC_AWS || strcmp(r->op, text) != 0 || !fits)
      continue;
    if (at >= 0)
      s->calls[at].matched = true;
    reply = next_reply(r);
    delay(s, reply);
    v = json_object_get(reply, "error");
    if (v) {
      snprintf(rp->error, sizeof rp->error, "%s", json_string_value(v));
      v = json_object_get(reply, "message");
      snprintf(rp->message, sizeof rp->message, "%s",
               json_is_string(v) ? json_string_value(v) : "simulated by the scenario");
      v = json_object_get(reply, "status");
      rp->status = v ? (long)json_integer_value(v) : 400;
      return SIM_ANSWERED;
    }
    v = json_object_get(reply, "reply");
    if (v) {
      json_t *x = scenario_expand_json(s, v);
      enum val_status st = x ? val_from_json(x, false, &rp->value, &err) : VAL_ERR_OOM;

      json_decref(x);
      if (st != VAL_OK)
        return SIM_UNMATCHED;
    } else if (val_map_new(&rp->value, &err) != VAL_OK) {
      return SIM_UNMATCHED;
    }
    return SIM_ANSWERED;
  }
  return SIM_UNMATCHED;
}

static enum sim_answer on_sh(void *ctx, const char *command, size_t len, int64_t timeout_ms,
                             struct sim_sh_reply *rp)
{
  struct scenario *s = ctx;
  char *cmd = strndup(command, len);
  enum sim_answer a = SIM_UNMATCHED;
  long at;

  if (!cmd)
    return SIM_UNMATCHED;
  at = record(s, SC_SH, cmd, NULL, false);
  for (size_t i = 0; i < s->nrules && a == SIM_UNMATCHED; i++) {
    struct sc_rule *r = &s->rules[i];
    const json_t *reply, *v;

    if (r->kind != SC_SH || !glob(r->pattern, cmd))
      continue;
    if (at >= 0)
      s->calls[at].matched = true;
    reply = next_reply(r);
    rp->exit_code = (int)json_integer_value(json_object_get(reply, "exit"));
    v = json_object_get(reply, "stdout");
    if (v != NULL) {
      char out[8192];
      scenario_expand(s, json_string_value(v), out, sizeof out);
      sh_buf_append(&rp->out, out, strlen(out));
    }
    apply_files(s, json_object_get(reply, "files"));
    v = json_object_get(reply, "stderr");
    if (v != NULL)
      sh_buf_append(&rp->err, json_string_value(v), json_string_length(v));
    rp->timed_out = json_is_true(json_object_get(reply, "timeout"));
    if (rp->timed_out && timeout_ms > 0)
      loop_sleep(s->loop, timeout_ms);
    else
      rp->delay_ms = delay(s, reply);
    a = SIM_ANSWERED;
  }
  free(cmd);
  return a;
}

/* A confirm gate or a manual checklist item (kind k): answered by all or by a rule. */
static enum sim_answer answer(struct scenario *s, enum sc_kind k, int all, const char *question,
                              bool *yes)
{
  long at = record(s, k, question, NULL, false);

  if (all >= 0) {
    *yes = all == 1;
    if (at >= 0)
      s->calls[at].matched = true;
    return SIM_ANSWERED;
  }
  for (size_t i = 0; i < s->nrules; i++) {
    struct sc_rule *r = &s->rules[i];

    if (r->kind != k || !glob(r->pattern, question))
      continue;
    *yes = json_is_true(json_object_get(r->replies, "answer"));
    if (at >= 0)
      s->calls[at].matched = true;
    return SIM_ANSWERED;
  }
  return SIM_UNMATCHED;
}

static enum sim_answer on_confirm(void *ctx, const char *question, bool *yes)
{
  struct scenario *s = ctx;

  return answer(s, SC_CONFIRM, s->confirm_all, question, yes);
}

static enum sim_answer on_checklist(void *ctx, const char *item, bool *yes)
{
  struct scenario *s = ctx;

  if (s->checklist_all == -2)           /* no "checklist": unconfirmed, as without a tty */
    return SIM_UNMATCHED;
  return answer(s, SC_CHECKLIST, s->checklist_all, item, yes);
}

/* Is path inside the scratch directory? */
static bool in_scratch(const struct scenario *s, const char *path)
{
  size_t n = s->scratch ? strlen(s->scratch) : 0;

  return n > 0 && strncmp(path, s->scratch, n) == 0 && (path[n] == '/' || path[n] == '\0')
         && !strstr(path + n, "/../");
}

static enum sim_answer on_file(void *ctx, enum sim_file_op op, const char *path,
                               const char *data, size_t data_len, bool *exists, char **content,
                               size_t *len)
{
  static const char *const ops[] = { "exists", "read", "write", "remove" };
  struct scenario *s = ctx;
  json_t *v = s->written ? json_object_get(s->written, path) : NULL;
  char text[4200];
  long at;

  if (!v)
    v = described(s, s->files, path);
  if (!v && in_scratch(s, path))
    return SIM_REAL;
  snprintf(text, sizeof text, "%s %s", ops[op], path);
  at = record(s, SC_FILE, text, NULL, false);
  if (!v)
    return SIM_UNMATCHED;
  if (at >= 0)
    s->calls[at].matched = true;
  *exists = json_is_string(v);
  if (op == SIM_FILE_READ && *exists) {
    *content = strdup(json_string_value(v));
    *len = json_string_length(v);
  }
  if (op == SIM_FILE_WRITE || op == SIM_FILE_REMOVE) {
    if (!s->written)
      s->written = json_object();
    if (s->written)
      json_object_set_new(s->written, path, op == SIM_FILE_WRITE
                                              ? json_stringn(data, data_len) : json_null());
  }
  return SIM_ANSWERED;
}

static enum sim_answer on_env(void *ctx, const char *name, const char **value)
{
  struct scenario *s = ctx;

  if (!s->env)
    return SIM_REAL;
  *value = json_string_value(json_object_get(s->env, name));
  return SIM_ANSWERED;
}

void scenario_attach(struct scenario *s, struct rbc_loop *loop, const char *scratch)
{
  s->loop = loop;
  s->scratch = scratch;
  for (size_t i = 0; i < s->nrules; i++)
    s->rules[i].used = 0;
  s->sim.ctx = s;
  s->sim.http = on_http;
  s->sim.aws = on_aws;
  s->sim.sh = on_sh;
  s->sim.file = on_file;
  s->sim.confirm = on_confirm;
  s->sim.checklist = on_checklist;
  s->sim.env = on_env;
  loop_set_sim(loop, &s->sim);
}

/* }==== */
