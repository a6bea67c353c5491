/*
** test_parser.c: the grammar (parser/parser.y) and the AST dump (parser/ast.c).
**
** Table-driven: each case is {name, input, expected}, where expected is the
** diagnostics ("line:col: CODE: message", then "   help: ..." lines) followed
** by ast_dump's S-expression of the tree (no positions).  The first group
** covers every construct of the grammar; the second, error recovery: several
** errors per file, each reported once, with exact messages.  Hand-written
** tests follow for nesting limits, the error cap, comments, spans and the
** AST helpers.
*/
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lexer/diag.h"
#include "lexer/source.h"
#include "parser/arena.h"
#include "parser/ast.h"
#include "parser/parse.h"

/* {==== harness ==== */

/* A parse of one input, kept alive for inspection. */
struct parsed {
  struct source *src;
  struct arena *arena;
  struct diag_list diags;
  struct parse_result res;
  int rc;                       /* parse_source's return */
};

static void
parse_text(struct parsed *p, const char *text, size_t len)
{
  p->src = src_new("t.rb", text, len);
  p->arena = arena_new();
  assert_non_null(p->src);
  assert_non_null(p->arena);
  diag_init(&p->diags);
  p->rc = parse_source(p->arena, p->src, &p->diags, &p->res);
}

static void
parsed_free(struct parsed *p)
{
  diag_free(&p->diags);
  arena_free(p->arena);
  src_free(p->src);
}

/* Diagnostics and dump as one string (malloc'd; the caller frees). */
static char *
render(const struct parsed *p)
{
  char *buf = NULL;
  size_t len = 0, i;
  FILE *f = open_memstream(&buf, &len);
  int k;

  assert_non_null(f);
  for (i = 0; i < p->diags.len; i++) {
    const struct diag *d = &p->diags.items[i];
    uint32_t line, col;
    src_position(p->src, d->span.start, &line, &col);
    fprintf(f, "%u:%u: %s: %s\n", (unsigned)line, (unsigned)col,
            diag_info(d->code)->code, d->message);
    for (k = 0; k < d->nhelps; k++)
      fprintf(f, "   help: %s\n", d->helps[k]);
  }
  ast_dump(f, p->res.file, NULL);
  fclose(f);
  return buf;
}

struct parse_case {
  const char *name;             /* what the case covers */
  const char *input;            /* source text */
  const char *expected;         /* render() of the result */
};

static const struct parse_case cases[] = {
  { "imports_and_fns",
    "import \"lib/aws.rb\"\n"
    "fn greet(name, greeting) {\n"
    "  return greeting + \", \" + name\n"
    "}\n"
    "fn nothing() {\n"
    "  return\n"
    "}\n",
    "(file\n"
    "  (import\n"
    "    (string\n"
    "      (str-text \"lib/aws.rb\")))\n"
    "  (fn greet\n"
    "    param: (name name)\n"
    "    param: (name greeting)\n"
    "    (block\n"
    "      (return\n"
    "        (binary +\n"
    "          (binary +\n"
    "            (name greeting)\n"
    "            (string\n"
    "              (str-text \", \")))\n"
    "          (name name)))))\n"
    "  (fn nothing\n"
    "    (block\n"
    "      (return))))\n" },
  { "metadata_contact_resource",
    "runbook \"r\" {\n"
    "  title \"T\"\n"
    "  criticality high\n"
    "  rto 15m\n"
    "  contact \"IC\" { name \"A\" phone \"1\"\n"
    "    email \"e\" }\n"
    "  contact \"Empty\" { }\n"
    "  resource logs \"cw:/x\"\n"
    "  import \"helpers.rb\"\n"
    "}\n",
    "(file\n"
    "  (import\n"
    "    (string\n"
    "      (str-text \"helpers.rb\")))\n"
    "  (runbook \"r\"\n"
    "    (meta title\n"
    "      (string\n"
    "        (str-text \"T\")))\n"
    "    (meta criticality\n"
    "      (name high))\n"
    "    (meta rto\n"
    "      (duration 900000ms))\n"
    "    (contact \"IC\"\n"
    "      (meta name\n"
    "        (string\n"
    "          (str-text \"A\")))\n"
    "      (meta phone\n"
    "        (string\n"
    "          (str-text \"1\")))\n"
    "      (meta email\n"
    "        (string\n"
    "          (str-text \"e\"))))\n"
    "    (contact \"Empty\")\n"
    "    (resource logs\n"
    "      (string\n"
    "        (str-text \"cw:/x\")))))\n" },
  { "params",
    "runbook \"r\" {\n"
    "  param a\n"
    "  param b : int\n"
    "  param c = env(\"C\", \"d\")\n"
    "  param d : duration = 5m\n"
    "  secret e = env(\"E\")\n"
    "}\n",
    "(file\n"
    "  (runbook \"r\"\n"
    "    (param a)\n"
    "    (param b :int)\n"
    "    (param c\n"
    "      (call\n"
    "        (name env)\n"
    "        (arg\n"
    "          (string\n"
    "            (str-text \"C\")))\n"
    "        (arg\n"
    "          (string\n"
    "            (str-text \"d\")))))\n"
    "    (param d :duration\n"
    "      (duration 300000ms))\n"
    "    (param e secret\n"
    "      (call\n"
    "        (name env)\n"
    "        (arg\n"
    "          (string\n"
    "            (str-text \"E\")))))))\n" },
  { "triggers",
    "runbook \"r\" {\n"
    "  trigger auto \"down\" when x != 200 for 5m\n"
    "  trigger auto \"hot\" when rate() > 5%\n"
    "  trigger manual \"owner decides\"\n"
    "}\n",
    "(file\n"
    "  (runbook \"r\"\n"
    "    (trigger auto \"down\"\n"
    "      when: (binary !=\n"
    "        (name x)\n"
    "        (int 200))\n"
    "      for: (duration 300000ms))\n"
    "    (trigger auto \"hot\"\n"
    "      when: (binary >\n"
    "        (call\n"
    "          (name rate))\n"
    "        (percent 0.05)))\n"
    "    (trigger manual \"owner decides\")))\n" },
  { "phase_steps",
    "runbook \"r\" {\n"
    "  phase \"p\" within 2m {\n"
    "    step \"a\" { }\n"
    "    step \"b\" when ok timeout 30s retry 3 every 5s backoff 2 max 1m on "
    "failure continue { log \"b\" }\n"
    "    step \"c\" on failure troubleshoot \"fix\" retry 2 every 1s { }\n"
    "    step \"d\" on failure abort { }\n"
    "  }\n"
    "  phase \"empty\" { }\n"
    "}\n",
    "(file\n"
    "  (runbook \"r\"\n"
    "    (phase \"p\"\n"
    "      within: (duration 120000ms)\n"
    "      (step \"a\"\n"
    "        (block))\n"
    "      (step \"b\" on-failure=continue\n"
    "        when: (name ok)\n"
    "        retry: (retry-spec\n"
    "          (int 3)\n"
    "          every: (duration 5000ms)\n"
    "          backoff: (int 2)\n"
    "          max: (duration 60000ms))\n"
    "        timeout: (duration 30000ms)\n"
    "        (block\n"
    "          (expr-stmt\n"
    "            (call bare\n"
    "              (name log)\n"
    "              (arg\n"
    "                (string\n"
    "                  (str-text \"b\")))))))\n"
    "      (step \"c\" on-failure=troubleshoot \"fix\"\n"
    "        retry: (retry-spec\n"
    "          (int 2)\n"
    "          every: (duration 1000ms))\n"
    "        (block))\n"
    "      (step \"d\" on-failure=abort\n"
    "        (block)))\n"
    "    (phase \"empty\")))\n" },
  { "checklist_troubleshoot_monitor",
    "runbook \"r\" {\n"
    "  checklist \"c\" {\n"
    "    item \"manual\"\n"
    "    item \"auto\" verify x == 1\n"
    "  }\n"
    "  troubleshoot \"fix\" {\n"
    "    sh \"restart\"\n"
    "  }\n"
    "  monitor \"m\" value err() normal < 0.1% alert >= 1%\n"
    "  monitor \"n\" value cpu() normal 40% .. 60% alert > 90%\n"
    "}\n",
    "(file\n"
    "  (runbook \"r\"\n"
    "    (checklist \"c\"\n"
    "      (item \"manual\")\n"
    "      (item \"auto\"\n"
    "        verify: (binary ==\n"
    "          (name x)\n"
    "          (int 1))))\n"
    "    (troubleshoot \"fix\"\n"
    "      (block\n"
    "        (expr-stmt\n"
    "          (call bare\n"
    "            (name sh)\n"
    "            (arg\n"
    "              (string\n"
    "                (str-text \"restart\")))))))\n"
    "    (monitor \"m\"\n"
    "      value: (call\n"
    "        (name err))\n"
    "      normal: (threshold <\n"
    "        (percent 0.001))\n"
    "      alert: (threshold >=\n"
    "        (percent 0.01)))\n"
    "    (monitor \"n\"\n"
    "      value: (call\n"
    "        (name cpu))\n"
    "      normal: (threshold ..\n"
    "        (percent 0.4)\n"
    "        (percent 0.6))\n"
    "      alert: (threshold >\n"
    "        (percent 0.9)))))\n" },
  { "let_assign_exprstmt",
    "fn f() {\n"
    "  let x = 1\n"
    "  x = 2\n"
    "  x.a = 3\n"
    "  x[\"k\"] = 4\n"
    "  g(x)\n"
    "}\n",
    "(file\n"
    "  (fn f\n"
    "    (block\n"
    "      (let x\n"
    "        (int 1))\n"
    "      (assign\n"
    "        (name x)\n"
    "        (int 2))\n"
    "      (assign\n"
    "        (member a\n"
    "          (name x))\n"
    "        (int 3))\n"
    "      (assign\n"
    "        (index\n"
    "          (name x)\n"
    "          (string\n"
    "            (str-text \"k\")))\n"
    "        (int 4))\n"
    "      (expr-stmt\n"
    "        (call\n"
    "          (name g)\n"
    "          (arg\n"
    "            (name x)))))))\n" },
  { "if_for",
    "fn f() {\n"
    "  if a { b() } else if c { d() } else { e() }\n"
    "  if a {\n"
    "  }\n"
    "  else {\n"
    "  }\n"
    "  for x in xs { log x }\n"
    "  for k, v in m { log k, v }\n"
    "}\n",
    "(file\n"
    "  (fn f\n"
    "    (block\n"
    "      (if\n"
    "        (name a)\n"
    "        (block\n"
    "          (expr-stmt\n"
    "            (call\n"
    "              (name b))))\n"
    "        else: (if\n"
    "          (name c)\n"
    "          (block\n"
    "            (expr-stmt\n"
    "              (call\n"
    "                (name d))))\n"
    "          else: (block\n"
    "            (expr-stmt\n"
    "              (call\n"
    "                (name e))))))\n"
    "      (if\n"
    "        (name a)\n"
    "        (block)\n"
    "        else: (block))\n"
    "      (for x\n"
    "        (name xs)\n"
    "        (block\n"
    "          (expr-stmt\n"
    "            (call bare\n"
    "              (name log)\n"
    "              (arg\n"
    "                (name x))))))\n"
    "      (for k v\n"
    "        (name m)\n"
    "        (block\n"
    "          (expr-stmt\n"
    "            (call bare\n"
    "              (name log)\n"
    "              (arg\n"
    "                (name k))\n"
    "              (arg\n"
    "                (name v)))))))))\n" },
  { "retry_wait",
    "fn f() {\n"
    "  retry 10 every 30s backoff 1.5 max 5m {\n"
    "    g()\n"
    "  }\n"
    "  wait until ready() every 5s timeout 8m\n"
    "  wait until ready()\n"
    "    every 1s\n"
    "    timeout 1m\n"
    "}\n",
    "(file\n"
    "  (fn f\n"
    "    (block\n"
    "      (retry\n"
    "        (retry-spec\n"
    "          (int 10)\n"
    "          every: (duration 30000ms)\n"
    "          backoff: (float 1.5)\n"
    "          max: (duration 300000ms))\n"
    "        (block\n"
    "          (expr-stmt\n"
    "            (call\n"
    "              (name g)))))\n"
    "      (wait\n"
    "        (call\n"
    "          (name ready))\n"
    "        every: (duration 5000ms)\n"
    "        timeout: (duration 480000ms))\n"
    "      (wait\n"
    "        (call\n"
    "          (name ready))\n"
    "        every: (duration 1000ms)\n"
    "        timeout: (duration 60000ms)))))\n" },
  { "assert_forms",
    "fn f() {\n"
    "  assert x\n"
    "  assert x > 1, \"x is ${x}\"\n"
    "  assert http 200 \"http://h/health\"\n"
    "  assert http 2xx POST url body: \"{}\" headers: {A: \"b\"} contains \"ok\" "
    "json \"$.s\" == \"up\" header \"X-A\" != \"\" within 500ms\n"
    "  assert http code.ok DELETE u\n"
    "  assert http.get(u).status == 200\n"
    "}\n",
    "(file\n"
    "  (fn f\n"
    "    (block\n"
    "      (assert\n"
    "        (name x))\n"
    "      (assert\n"
    "        (binary >\n"
    "          (name x)\n"
    "          (int 1))\n"
    "        message: (string\n"
    "          (str-text \"x is \")\n"
    "          (name x)))\n"
    "      (assert-http GET\n"
    "        status: (int 200)\n"
    "        url: (string\n"
    "          (str-text \"http://h/health\")))\n"
    "      (assert-http POST\n"
    "        status: (status-class 2)\n"
    "        url: (name url)\n"
    "        (arg body\n"
    "          (string\n"
    "            (str-text \"{}\")))\n"
    "        (arg headers\n"
    "          (map\n"
    "            (pair \"A\"\n"
    "              (string\n"
    "                (str-text \"b\")))))\n"
    "        (http-check contains\n"
    "          (string\n"
    "            (str-text \"ok\")))\n"
    "        (http-check json ==\n"
    "          key: (string\n"
    "            (str-text \"$.s\"))\n"
    "          (string\n"
    "            (str-text \"up\")))\n"
    "        (http-check header !=\n"
    "          key: (string\n"
    "            (str-text \"X-A\"))\n"
    "          (string))\n"
    "        (http-check within\n"
    "          (duration 500ms)))\n"
    "      (assert-http DELETE\n"
    "        status: (member ok\n"
    "          (name code))\n"
    "        url: (name u))\n"
    "      (assert\n"
    "        (binary ==\n"
    "          (member status\n"
    "            (call\n"
    "              (member get\n"
    "                (name http))\n"
    "              (arg\n"
    "                (name u))))\n"
    "          (int 200))))))\n" },
  { "bare_calls",
    "fn f() {\n"
    "  sh \"ls ${dir}\"\n"
    "  sh \"x\", env: {K: v}, timeout: 5s\n"
    "  log \"a\", b\n"
    "  fail \"no\"\n"
    "  confirm \"go?\"\n"
    "  let r = sh(\"x\", env: {K: v})\n"
    "  log(\"call form\")\n"
    "}\n",
    "(file\n"
    "  (fn f\n"
    "    (block\n"
    "      (expr-stmt\n"
    "        (call bare\n"
    "          (name sh)\n"
    "          (arg\n"
    "            (string\n"
    "              (str-text \"ls \")\n"
    "              (name dir)))))\n"
    "      (expr-stmt\n"
    "        (call bare\n"
    "          (name sh)\n"
    "          (arg\n"
    "            (string\n"
    "              (str-text \"x\")))\n"
    "          (arg env\n"
    "            (map\n"
    "              (pair \"K\"\n"
    "                (name v))))\n"
    "          (arg timeout\n"
    "            (duration 5000ms))))\n"
    "      (expr-stmt\n"
    "        (call bare\n"
    "          (name log)\n"
    "          (arg\n"
    "            (string\n"
    "              (str-text \"a\")))\n"
    "          (arg\n"
    "            (name b))))\n"
    "      (expr-stmt\n"
    "        (call bare\n"
    "          (name fail)\n"
    "          (arg\n"
    "            (string\n"
    "              (str-text \"no\")))))\n"
    "      (expr-stmt\n"
    "        (call bare\n"
    "          (name confirm)\n"
    "          (arg\n"
    "            (string\n"
    "              (str-text \"go?\")))))\n"
    "      (let r\n"
    "        (call\n"
    "          (name sh)\n"
    "          (arg\n"
    "            (string\n"
    "              (str-text \"x\")))\n"
    "          (arg env\n"
    "            (map\n"
    "              (pair \"K\"\n"
    "                (name v))))))\n"
    "      (expr-stmt\n"
    "        (call\n"
    "          (name log)\n"
    "          (arg\n"
    "            (string\n"
    "              (str-text \"call form\"))))))))\n" },
  { "return_parallel",
    "fn f() {\n"
    "  parallel {\n"
    "    a()\n"
    "    b()\n"
    "  }\n"
    "  parallel 4 {\n"
    "    c()\n"
    "  }\n"
    "  parallel for p in ps { g(p) }\n"
    "  parallel (n * 2) for p in ps { g(p) }\n"
    "  return {a: 1, \"b c\": [1, 2,], d: {}}\n"
    "}\n",
    "(file\n"
    "  (fn f\n"
    "    (block\n"
    "      (parallel\n"
    "        (block\n"
    "          (expr-stmt\n"
    "            (call\n"
    "              (name a)))\n"
    "          (expr-stmt\n"
    "            (call\n"
    "              (name b)))))\n"
    "      (parallel\n"
    "        limit: (int 4)\n"
    "        (block\n"
    "          (expr-stmt\n"
    "            (call\n"
    "              (name c)))))\n"
    "      (parallel p\n"
    "        in: (name ps)\n"
    "        (block\n"
    "          (expr-stmt\n"
    "            (call\n"
    "              (name g)\n"
    "              (arg\n"
    "                (name p))))))\n"
    "      (parallel p\n"
    "        limit: (binary *\n"
    "          (name n)\n"
    "          (int 2))\n"
    "        in: (name ps)\n"
    "        (block\n"
    "          (expr-stmt\n"
    "            (call\n"
    "              (name g)\n"
    "              (arg\n"
    "                (name p))))))\n"
    "      (return\n"
    "        (map\n"
    "          (pair \"a\"\n"
    "            (int 1))\n"
    "          (pair \"b c\"\n"
    "            (list\n"
    "              (int 1)\n"
    "              (int 2)))\n"
    "          (pair \"d\"\n"
    "            (map)))))))\n" },
  { "precedence",
    "fn f() {\n"
    "  return a ?? b ?? c or d and not e == f + g * -h % i\n"
    "}\n",
    "(file\n"
    "  (fn f\n"
    "    (block\n"
    "      (return\n"
    "        (binary ??\n"
    "          (name a)\n"
    "          (binary ??\n"
    "            (name b)\n"
    "            (binary or\n"
    "              (name c)\n"
    "              (binary and\n"
    "                (name d)\n"
    "                (unary not\n"
    "                  (binary ==\n"
    "                    (name e)\n"
    "                    (binary +\n"
    "                      (name f)\n"
    "                      (binary %\n"
    "                        (binary *\n"
    "                          (name g)\n"
    "                          (unary -\n"
    "                            (name h)))\n"
    "                        (name i)))))))))))))\n" },
  { "postfix",
    "fn f() {\n"
    "  return aws.ecs.describe_services(cluster: c, services: [s]).services"
    "[0].taskDefinition\n"
    "}\n",
    "(file\n"
    "  (fn f\n"
    "    (block\n"
    "      (return\n"
    "        (member taskDefinition\n"
    "          (index\n"
    "            (member services\n"
    "              (call\n"
    "                (member describe_services\n"
    "                  (member ecs\n"
    "                    (name aws)))\n"
    "                (arg cluster\n"
    "                  (name c))\n"
    "                (arg services\n"
    "                  (list\n"
    "                    (name s)))))\n"
    "            (int 0)))))))\n" },
  { "literals",
    "fn f() {\n"
    "  return [1, 1.5, 250ms, 1h30m, 5%, true, false, null, \"s\", r\"r\\n\", \"\""
    "\"\n"
    "    m\n"
    "    \"\"\"]\n"
    "}\n",
    "(file\n"
    "  (fn f\n"
    "    (block\n"
    "      (return\n"
    "        (list\n"
    "          (int 1)\n"
    "          (float 1.5)\n"
    "          (duration 250ms)\n"
    "          (duration 5400000ms)\n"
    "          (percent 0.05)\n"
    "          (bool true)\n"
    "          (bool false)\n"
    "          (null)\n"
    "          (string\n"
    "            (str-text \"s\"))\n"
    "          (string raw\n"
    "            (str-text \"r\\\\n\"))\n"
    "          (string multiline\n"
    "            (str-text \"m\\n\")))))))\n" },
  { "maps_newlines",
    "fn f() {\n"
    "  let m = {\n"
    "    a: 1,\n"
    "    b: 2\n"
    "    \"c\": 3,\n"
    "  }\n"
    "  let n = f(\n"
    "    x,\n"
    "    y: {\n"
    "      k: 1\n"
    "    }\n"
    "  )\n"
    "}\n",
    "(file\n"
    "  (fn f\n"
    "    (block\n"
    "      (let m\n"
    "        (map\n"
    "          (pair \"a\"\n"
    "            (int 1))\n"
    "          (pair \"b\"\n"
    "            (int 2))\n"
    "          (pair \"c\"\n"
    "            (int 3))))\n"
    "      (let n\n"
    "        (call\n"
    "          (name f)\n"
    "          (arg\n"
    "            (name x))\n"
    "          (arg y\n"
    "            (map\n"
    "              (pair \"k\"\n"
    "                (int 1)))))))))\n" },
  { "interpolation",
    "fn f() {\n"
    "  log \"a ${b + 1} ${c[\"d\"]} \\$ ${\"x${y}z\"}\"\n"
    "}\n",
    "(file\n"
    "  (fn f\n"
    "    (block\n"
    "      (expr-stmt\n"
    "        (call bare\n"
    "          (name log)\n"
    "          (arg\n"
    "            (string\n"
    "              (str-text \"a \")\n"
    "              (binary +\n"
    "                (name b)\n"
    "                (int 1))\n"
    "              (str-text \" \")\n"
    "              (index\n"
    "                (name c)\n"
    "                (string\n"
    "                  (str-text \"d\")))\n"
    "              (str-text \" $ \")\n"
    "              (string\n"
    "                (str-text \"x\")\n"
    "                (name y)\n"
    "                (str-text \"z\")))))))))\n" },
  { "semicolons_comments",
    "# header\n"
    "fn f() { a(); b() # trailing\n"
    "  # own line\n"
    "}\n",
    "(file\n"
    "  (fn f\n"
    "    (block\n"
    "      (expr-stmt\n"
    "        (call\n"
    "          (name a)))\n"
    "      (expr-stmt\n"
    "        (call\n"
    "          (name b))))))\n" },
  { "recover_statements",
    "fn f() {\n"
    "  let = 1\n"
    "  log \"ok\"\n"
    "  x = = 2\n"
    "  g(1,, 2)\n"
    "  log \"still ok\"\n"
    "}\n"
    "fn g() {\n"
    "  retyr 3\n"
    "}\n",
    "2:7: RB1001: unexpected '=', expected expression\n"
    "4:7: RB1001: unexpected '=', expected expression\n"
    "5:7: RB1001: unexpected ',', expected ')' or expression (to close '(' "
    "at line 5)\n"
    "9:9: RB1001: unexpected '3', expected one of: end of line, '}', '=', o"
    "perator (to close 'fn' at line 8)\n"
    "   help: did you mean 'retry'?\n"
    "(file\n"
    "  (fn f\n"
    "    (block\n"
    "      (expr-stmt\n"
    "        (call bare\n"
    "          (name log)\n"
    "          (arg\n"
    "            (string\n"
    "              (str-text \"ok\")))))\n"
    "      (expr-stmt\n"
    "        (call bare\n"
    "          (name log)\n"
    "          (arg\n"
    "            (string\n"
    "              (str-text \"still ok\")))))))\n"
    "  (fn g\n"
    "    (block)))\n" },
  { "recover_items",
    "runbook \"r\" {\n"
    "  phase \"p\" {\n"
    "    stepp \"a\" { }\n"
    "    step \"b\" { log \"x\" }\n"
    "  }\n"
    "  title\n"
    "  contact \"c\" { name \"x\" @ }\n"
    "  trigger sometimes \"t\"\n"
    "  owner \"me\"\n"
    "}\n",
    "3:5: RB1001: unexpected 'stepp', expected 'step' or '}' (to close 'pha"
    "se' at line 2)\n"
    "   help: did you mean 'step'?\n"
    "6:8: RB1001: unexpected end of line, expected expression\n"
    "7:26: RB1005: unexpected character '@'\n"
    "8:11: RB1001: unexpected 'sometimes' after 'trigger', expected 'auto' "
    "or 'manual'\n"
    "(file\n"
    "  (runbook \"r\"\n"
    "    (phase \"p\"\n"
    "      (step \"b\"\n"
    "        (block\n"
    "          (expr-stmt\n"
    "            (call bare\n"
    "              (name log)\n"
    "              (arg\n"
    "                (string\n"
    "                  (str-text \"x\"))))))))\n"
    "    (contact \"c\")\n"
    "    (meta owner\n"
    "      (string\n"
    "        (str-text \"me\")))))\n" },
  { "recover_nested_block",
    "fn f() {\n"
    "  if x y {\n"
    "    log \"inner\"\n"
    "  }\n"
    "  log \"after\"\n"
    "  for in xs { }\n"
    "}\n",
    "2:8: RB1001: unexpected 'y', expected '{' or operator\n"
    "6:7: RB1001: unexpected 'in', expected expression\n"
    "(file\n"
    "  (fn f\n"
    "    (block\n"
    "      (expr-stmt\n"
    "        (call bare\n"
    "          (name log)\n"
    "          (arg\n"
    "            (string\n"
    "              (str-text \"after\"))))))))\n" },
  { "bytecode_given_as_source",
    "\x1b" "RBC\x02\x01\x19\x93\r\n\x1a\n runbook \"r\" { @@@ }",
    "1:1: RB1005: this is rbc bytecode, not runbook source\n"
    "   help: run, check, plan and doc read the .rb file it was compiled from; "
    "`rbc disasm` lists bytecode\n"
    "(file)\n" },
  { "unclosed_block",
    "runbook \"r\" {\n"
    "  phase \"p\" {\n"
    "    step \"s\" {\n"
    "      log \"x\"\n",
    "5:1: RB1007: '}' expected (to close 'step' at line 3)\n"
    "(file)\n" },
  { "recover_unclosed_paren",
    "fn f() {\n"
    "  let x = (1 +\n"
    "  log \"ok\"\n"
    "  let y = [1, 2\n"
    "  if a b { }\n"
    "  log \"end\"\n"
    "}\n",
    "3:3: RB1001: unexpected 'log', expected expression\n"
    "5:3: RB1001: unexpected 'if', expected one of: ',', ']', operator (to "
    "close '[' at line 4)\n"
    "(file\n"
    "  (fn f\n"
    "    (block\n"
    "      (expr-stmt\n"
    "        (call bare\n"
    "          (name log)\n"
    "          (arg\n"
    "            (string\n"
    "              (str-text \"end\"))))))))\n" },
  { "unclosed_paren",
    "fn f() {\n"
    "  g(1, 2\n"
    "}\n",
    "3:1: RB1001: unexpected '}', expected one of: ')', ',', operator\n"
    "(file\n"
    "  (fn f\n"
    "    (block)))\n" },
  { "unexpected_close",
    "fn f() {\n"
    "}\n"
    "}\n"
    "fn g() { }\n",
    "3:1: RB1001: unexpected '}', expected one of: end of file, 'runbook', "
    "'import', 'fn'\n"
    "(file\n"
    "  (fn f\n"
    "    (block))\n"
    "  (fn g\n"
    "    (block)))\n" },
  { "clause_errors",
    "runbook \"r\" {\n"
    "  phase \"p\" {\n"
    "    step \"a\" retry 3 evry 5s { }\n"
    "    step \"b\" retry 3 { }\n"
    "    step \"c\" on failure explode { }\n"
    "    step \"d\" timeout 1s timeout 2s { }\n"
    "  }\n"
    "  monitor \"m\" value 1 normal 2 alert > 3\n"
    "  monitor \"n\" value 1\n"
    "}\n"
    "fn f() {\n"
    "  wait until x every 1s\n"
    "  wait for x every 1s timeout 2s\n"
    "  assert http 200 u jsn \"a\" == 1\n"
    "  assert http 200 u json \"a\"\n"
    "}\n",
    "3:22: RB1001: unknown clause 'evry' in a step header, expected 'when',"
    " 'retry', 'timeout' or 'on failure'\n"
    "   help: did you mean 'every'?\n"
    "4:14: RB1001: 'retry' needs an interval: retry N every D\n"
    "5:25: RB1001: unexpected 'explode' after 'on failure', expected 'conti"
    "nue', 'abort' or 'troubleshoot \"name\"'\n"
    "6:25: RB1001: 'timeout' is given twice\n"
    "8:30: RB1001: 'normal' needs a comparison ('< 1%') or a range ('40% .."
    " 60%')\n"
    "9:3: RB1001: a monitor needs 'value EXPR', 'normal THRESHOLD' and 'ale"
    "rt THRESHOLD'\n"
    "12:3: RB1001: 'wait' needs both bounds: wait until EXPR every D timeou"
    "t D\n"
    "13:8: RB1001: unexpected 'for', expected expression\n"
    "14:21: RB1001: unknown clause 'jsn' in 'assert http', expected an opti"
    "on 'name: value', 'contains', 'json', 'header' or 'within'\n"
    "   help: did you mean 'json'?\n"
    "15:26: RB1001: 'json' needs a comparison: json \"path\" == VALUE\n"
    "(file\n"
    "  (runbook \"r\"\n"
    "    (phase \"p\"\n"
    "      (step \"d\"\n"
    "        timeout: (duration 1000ms)\n"
    "        (block))))\n"
    "  (fn f\n"
    "    (block)))\n" },
  { "name_errors",
    "runbook \"r\" {\n"
    "  phase \"p ${x}\" { }\n"
    "}\n"
    "runbook \"second\" { }\n"
    "fn f() {\n"
    "  g(a: 1, 2)\n"
    "  f() = 1\n"
    "  let m = {\"${k}\": 1}\n"
    "  log \"${}\"\n"
    "}\n",
    "2:9: RB1001: a name must be a plain string, without ${...}\n"
    "4:1: RB1012: a file holds at most one runbook\n"
    "6:11: RB1001: positional argument after a named argument\n"
    "7:3: RB1001: cannot assign to this expression (a name, member or index"
    " is needed)\n"
    "8:12: RB1001: a map key must be a plain string, without ${...}\n"
    "9:8: RB1011: empty interpolation '${}'\n"
    "(file\n"
    "  (runbook \"r\"\n"
    "    (phase -))\n"
    "  (runbook \"second\")\n"
    "  (fn f\n"
    "    (block\n"
    "      (expr-stmt\n"
    "        (call\n"
    "          (name g)\n"
    "          (arg a\n"
    "            (int 1))\n"
    "          (arg\n"
    "            (int 2))))\n"
    "      (let m\n"
    "        (map\n"
    "          (pair -\n"
    "            (int 1))))\n"
    "      (expr-stmt\n"
    "        (call bare\n"
    "          (name log)\n"
    "          (arg\n"
    "            (string)))))))\n" },
  { "misplaced",
    "runbook \"r\" {\n"
    "  step \"outside\" { }\n"
    "  trigger manual \"m\" when x\n"
    "  trigger auto \"a\"\n"
    "}\n",
    "2:3: RB1012: a step belongs inside a phase\n"
    "3:27: RB1001: a manual trigger takes no 'when' or 'for'\n"
    "4:3: RB1001: an automatic trigger needs 'when CONDITION'\n"
    "(file\n"
    "  (runbook \"r\"))\n" },
  { "lexer_errors_once",
    "fn f() {\n"
    "  let a = 5mins\n"
    "  let b = \"bad \\q escape\"\n"
    "  let c = 1 @ 2\n"
    "  let d = \"open\n"
    "  let e = 1m5h\n"
    "}\n",
    "2:11: RB1003: bad duration '5mins': durations are whole numbers with t"
    "he units d, h, m, s, ms from largest to smallest (like 1h30m)\n"
    "3:16: RB1004: unknown escape '\\q' (known: \\n \\t \\r \\\\ \\\" \\$ \\0 \\u{HEX}"
    ")\n"
    "4:13: RB1005: unexpected character '@'\n"
    "5:11: RB1002: unterminated string: no closing quote before the end of "
    "the line\n"
    "6:11: RB1003: duration units must go from largest to smallest, each at"
    " most once: '1m5h' (units: d h m s ms)\n"
    "(file\n"
    "  (fn f\n"
    "    (block\n"
    "      (let a\n"
    "        (duration 0ms))\n"
    "      (let b\n"
    "        (string\n"
    "          (str-text \"bad q escape\")))\n"
    "      (let d\n"
    "        (string\n"
    "          (str-text \"open\")))\n"
    "      (let e\n"
    "        (duration 0ms)))))\n" },
};

/* Every case of the table: the rendering matches exactly. */
static void
test_table(void **state)
{
  size_t i;

  (void)state;
  for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    struct parsed p;
    char *got;
    parse_text(&p, cases[i].input, strlen(cases[i].input));
    assert_int_equal(p.rc, 0);
    got = render(&p);
    if (strcmp(got, cases[i].expected) != 0)
      fail_msg("case %s:\n--- got\n%s--- wanted\n%s", cases[i].name, got, cases[i].expected);
    free(got);
    parsed_free(&p);
  }
}

/* }==== */

/* {==== limits ==== */

/* A buffer holding prefix, then `rep` repeated n times, then suffix. */
static char *
repeat(const char *prefix, const char *rep, size_t n, const char *suffix, size_t *len)
{
  size_t lp = strlen(prefix), lr = strlen(rep), ls = strlen(suffix), i;
  char *buf = malloc(lp + lr * n + ls + 1), *w;

  assert_non_null(buf);
  memcpy(buf, prefix, lp);
  w = buf + lp;
  for (i = 0; i < n; i++, w += lr)
    memcpy(w, rep, lr);
  memcpy(w, suffix, ls + 1);
  *len = lp + lr * n + ls;
  return buf;
}

/* Count the diagnostics with code c. */
static size_t
count_code(const struct diag_list *dl, enum diag_code c)
{
  size_t i, n = 0;

  for (i = 0; i < dl->len; i++)
    n += dl->items[i].code == c;
  return n;
}

/* Hostile nesting gives RB1009 once, never a crash or a deep tree. */
static void
test_depth(void **state)
{
  static const struct { const char *pre, *rep, *suf; size_t n; } deep[] = {
    { "fn f() { let x = ", "(", "1 }", 10000 },
    { "fn f() { let x = ", "[", " }", 10000 },
    { "fn f() { let x = ", "{a: ", "1 }", 10000 },
    { "fn f() { let x = ", "- ", "1 }", 10000 },
    { "fn f() { let x = ", "not ", "1 }", 10000 },
    { "fn f() { let x = 1", " ?? 1", " }", 10000 },
    { "fn f() { let x = 1", " + 1", " }", 10000 },
    { "fn f() { let x = a", ".b", " }", 10000 },
    { "fn f() { let x = a", "(1)", " }", 10000 },
    { "fn f() { let x = \"", "${\"", " }", 5000 },
    { "fn f() ", "{ if x ", " }", 5000 },
  };
  size_t i, len;

  (void)state;
  for (i = 0; i < sizeof deep / sizeof deep[0]; i++) {
    struct parsed p;
    char *text = repeat(deep[i].pre, deep[i].rep, deep[i].n, deep[i].suf, &len);
    parse_text(&p, text, len);
    assert_int_equal(p.rc, 0);
    if (count_code(&p.diags, DIAG_RB1009) != 1)
      fail_msg("case %zu (%s): %zu RB1009", i, deep[i].rep, count_code(&p.diags, DIAG_RB1009));
    parsed_free(&p);
    free(text);
  }
}

/* Nesting at the limit still parses. */
static void
test_depth_ok(void **state)
{
  struct parsed p;
  size_t len;
  char *text = repeat("fn f() { let x = ", "(", 200, "", &len);
  char *full = malloc(len + 300);

  (void)state;
  assert_non_null(full);
  memcpy(full, text, len);
  memcpy(full + len, "1", 1);
  memset(full + len + 1, ')', 200);
  memcpy(full + len + 201, " }", 3);
  parse_text(&p, full, len + 203);
  assert_int_equal(p.diags.len, 0);
  parsed_free(&p);
  free(text);
  free(full);
}

/* After PARSE_MAX_ERRORS syntax errors: RB1010 and nothing more. */
static void
test_error_cap(void **state)
{
  struct parsed p;
  size_t len;
  char *text = repeat("fn f() {\n", "  let = 1\n", 80, "}\n", &len);

  (void)state;
  parse_text(&p, text, len);
  assert_int_equal(p.rc, 0);
  assert_int_equal(count_code(&p.diags, DIAG_RB1001), PARSE_MAX_ERRORS);
  assert_int_equal(count_code(&p.diags, DIAG_RB1010), 1);
  assert_int_equal(p.diags.items[p.diags.len - 1].code, DIAG_RB1010);
  parsed_free(&p);
  free(text);
}

/* Random bytes never crash the parser. */
static void
test_garbage(void **state)
{
  char buf[512];
  unsigned seed = 12345;
  int round;
  size_t i;

  (void)state;
  for (round = 0; round < 300; round++) {
    struct parsed p;
    for (i = 0; i < sizeof buf; i++) {
      seed = seed * 1103515245u + 12345u;
      buf[i] = "{}()[]\"$\n =,:.#abc1%x\\r\x80\xff\0"[(seed >> 16) % 26];
    }
    parse_text(&p, buf, sizeof buf);
    assert_int_equal(p.rc, 0);
    assert_non_null(p.res.file);
    parsed_free(&p);
  }
}

/* }==== */

/* {==== comments, spans, helpers ==== */

static void
test_comments(void **state)
{
  static const char text[] = "# top\nfn f() { # after code\n  # own\n  x() }\n";
  struct parsed p;

  (void)state;
  parse_text(&p, text, sizeof text - 1);
  assert_int_equal(p.res.ncomments, 3);
  assert_true(p.res.comments[0].own_line);
  assert_int_equal(p.res.comments[0].span.start, 0);
  assert_int_equal(p.res.comments[0].span.end, 5);
  assert_false(p.res.comments[1].own_line);
  assert_int_equal(p.res.comments[1].span.start, 15);
  assert_true(p.res.comments[2].own_line);
  parsed_free(&p);
}

static void
test_spans(void **state)
{
  static const char text[] = "runbook \"r\" {\n  param x : int = 1 + 2\n}\n";
  const struct ast_node *rb, *param, *sum;
  struct parsed p;

  (void)state;
  parse_text(&p, text, sizeof text - 1);
  rb = p.res.file->u.file.items;
  assert_int_equal(rb->kind, AST_RUNBOOK);
  assert_int_equal(rb->span.start, 0);
  assert_int_equal(rb->span.end, 39);
  assert_int_equal(rb->u.runbook.name.span.start, 8);
  assert_int_equal(rb->u.runbook.name.span.end, 11);
  param = rb->u.runbook.items;
  assert_int_equal(param->span.start, 16);
  assert_int_equal(param->u.param.name.span.start, 22);
  assert_int_equal(param->u.param.type.span.start, 26);
  assert_string_equal(param->u.param.type.name, "int");
  sum = param->u.param.value;
  assert_int_equal(sum->span.start, 32);
  assert_int_equal(sum->span.end, 37);
  parsed_free(&p);
}

static void
test_helpers(void **state)
{
  static const char text[] = "fn f() { g(\"a\\tb\", \"x${y}\", 1, 2) }\n";
  const struct ast_node *call, *arg;
  struct parsed p;
  uint32_t len = 0;
  const char *s;

  (void)state;
  parse_text(&p, text, sizeof text - 1);
  call = p.res.file->u.file.items->u.fn.body->u.block.stmts->u.expr_stmt.expr;
  assert_int_equal(call->kind, AST_CALL);
  assert_false(call->u.call.bare);
  assert_int_equal(ast_list_len(call->u.call.args), 4);
  arg = call->u.call.args;
  s = ast_string_literal(arg->u.arg.value, p.arena, &len);
  assert_string_equal(s, "a\tb");
  assert_int_equal(len, 3);
  assert_null(ast_string_literal(arg->next->u.arg.value, p.arena, &len));
  assert_null(ast_string_literal(arg->next->next->u.arg.value, p.arena, &len));
  assert_string_equal(ast_kind_name(AST_ASSERT_HTTP), "assert-http");
  assert_string_equal(ast_kind_name(AST_STEP), "step");
  assert_string_equal(ast_binop_str(BIN_COALESCE), "??");
  assert_string_equal(ast_binop_str(BIN_LE), "<=");
  assert_string_equal(ast_unop_str(UN_NOT), "not");
  parsed_free(&p);
}

/* The dump with positions. */
static void
test_dump_positions(void **state)
{
  static const char text[] = "fn f() {\n  log \"x\"\n}\n";
  struct parsed p;
  char *buf = NULL;
  size_t len = 0;
  FILE *f;

  (void)state;
  parse_text(&p, text, sizeof text - 1);
  f = open_memstream(&buf, &len);
  assert_non_null(f);
  ast_dump(f, p.res.file, p.src);
  fclose(f);
  assert_string_equal(buf,
    "(file @1:1\n"
    "  (fn f @1:1\n"
    "    (block @1:8\n"
    "      (expr-stmt @2:3\n"
    "        (call bare @2:3\n"
    "          (name log @2:3)\n"
    "          (arg @2:7\n"
    "            (string @2:7\n"
    "              (str-text \"x\" @2:8))))))))\n");
  free(buf);
  parsed_free(&p);
}

/* {==== real files ==== */

/* Read top_srcdir/rel into a malloc'd buffer; NULL when unavailable. */
static char *
slurp(const char *rel, size_t *len)
{
  const char *top = getenv("top_srcdir");
  char path[4096];
  char *buf = NULL;
  long n;
  FILE *f;

  snprintf(path, sizeof path, "%s/%s", top ? top : "..", rel);
  f = fopen(path, "rb");
  if (f == NULL)
    return NULL;
  n = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
  if (n >= 0 && fseek(f, 0, SEEK_SET) == 0) {
    buf = malloc((size_t)n + 1);
    if (buf != NULL && fread(buf, 1, (size_t)n, f) == (size_t)n) {
      buf[n] = '\0';
      *len = (size_t)n;
    } else {
      free(buf);
      buf = NULL;
    }
  }
  fclose(f);
  return buf;
}

/* Render the diagnostics of a parse for a failure message. */
static void
expect_clean(const char *what, const char *text, size_t len)
{
  struct parsed p;

  parse_text(&p, text, len);
  assert_int_equal(p.rc, 0);
  if (p.diags.len != 0) {
    char *got = render(&p);
    fail_msg("%s has syntax errors:\n%.2000s", what, got);
  }
  assert_non_null(p.res.file);
  parsed_free(&p);
}

/* Every ```rbc block of docs/language.md is a complete file that parses. */
static void
test_docs_examples(void **state)
{
  static const char open_fence[] = "```rbc\n";
  size_t len = 0, blocks = 0;
  char *doc = slurp("docs/language.md", &len);
  const char *p, *end;
  char what[64];

  (void)state;
  if (doc == NULL)
    skip();
  for (p = strstr(doc, open_fence); p != NULL; p = strstr(end + 3, open_fence)) {
    p += sizeof open_fence - 1;
    end = strstr(p, "```");
    assert_non_null(end);
    snprintf(what, sizeof what, "docs example %zu", ++blocks);
    expect_clean(what, p, (size_t)(end - p));
  }
  assert_true(blocks >= 10);
  free(doc);
}

/* The acceptance runbook parses without a syntax error. */
static void
test_acceptance_runbook(void **state)
{
  size_t len = 0;
  char *text = slurp("runbooks/payments-api.rb", &len);

  (void)state;
  if (text == NULL)
    skip();
  expect_clean("runbooks/payments-api.rb", text, len);
  free(text);
}

/* }==== */

int
main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_table),
    cmocka_unit_test(test_depth),
    cmocka_unit_test(test_depth_ok),
    cmocka_unit_test(test_error_cap),
    cmocka_unit_test(test_garbage),
    cmocka_unit_test(test_comments),
    cmocka_unit_test(test_spans),
    cmocka_unit_test(test_helpers),
    cmocka_unit_test(test_dump_positions),
    cmocka_unit_test(test_docs_examples),
    cmocka_unit_test(test_acceptance_runbook),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
