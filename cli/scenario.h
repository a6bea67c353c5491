/*
** scenario.h: the scenario files of `rbc test` (docs/testing.md) and the
** simulated world built from one (the struct sim of stdlib/sim.h).
**
** A scenario is one JSON object read with jansson:
**
**   name, description   strings (name defaults to the file's base name)
**   params              {name: value} given to the run as --param would
**   http                rules {match: "METHOD URL-glob" | url:, method:, replies | reply}
**   aws                 rules {op: "service.operation", args: {subset}, replies | reply}
**   sh                  rules {match: "command-glob", replies | reply}
**   confirm             true | false (every gate) or rules {match: "question-glob", answer: bool}
**   checklist           the same for manual checklist items (absent: left unconfirmed)
**   files               {"/abs/path": "content" | null}
**   env                 {NAME: "value" | null}: env() sees only these (absent: the real one)
**   expect              what must hold afterwards (scenario_check in cmd_test.c)
**
** A rule answers the calls it matches in order with its replies; the last
** reply repeats, and a reply with "times": N counts for N calls.  Rules are
** tried in file order and the first that matches answers.  A call no rule
** matches is recorded as unmatched and fails the built-in (RB5060).
**
** Ownership: scenario_load returns a scenario the caller frees with
** scenario_free; the calls recorded are owned by it.
*/
#ifndef RBC_SCENARIO_H
#define RBC_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "lexer/source.h"
#include "stdlib/sim.h"

struct rbc_loop;

/* What kind of call a rule answers or a record describes. */
enum sc_kind { SC_HTTP, SC_AWS, SC_SH, SC_CONFIRM, SC_FILE, SC_CHECKLIST, SC__NKINDS };

/* One rule of the world. */
struct sc_rule {
  enum sc_kind kind;
  const char *method;           /* http: "GET" or NULL (any); borrowed from root */
  const char *pattern;          /* http URL / sh command / confirm question glob */
  const char *op;               /* aws: "ecs.update_service" */
  json_t *args;                 /* aws: members that must be equal (borrowed), or NULL */
  json_t *replies;              /* array of reply objects (borrowed) */
  size_t used;                  /* calls answered so far */
};

/* One call the runbook made (in order). */
struct sc_call {
  enum sc_kind kind;
  char *text;                   /* "GET http://...", "ecs.update_service", the command ... */
  json_t *args;                 /* aws: the arguments (owned), else NULL */
  bool secret;                  /* args or text held a secret: never printed */
  bool matched;                 /* a rule answered it */
  int64_t at_ms;                /* virtual time of the call */
};

struct scenario {
  char *path;                   /* as given (owned) */
  char *name;                   /* owned */
  struct source *src;           /* the file's bytes and line map (owned) */
  json_t *root;                 /* the document (owned) */
  json_t *params;               /* object or NULL (borrowed from root) */
  json_t *files;                /* object or NULL (borrowed from root) */
  json_t *env;                  /* object or NULL: env() reads only these (borrowed) */
  json_t *expect;               /* object or NULL (borrowed from root) */
  int confirm_all;              /* -1: rules decide; 0 / 1: every gate answered no / yes */
  int checklist_all;            /* the same for manual checklist items; -2: no section */
  struct sc_rule *rules;
  size_t nrules;
  /* the world, while a run goes on */
  struct rbc_loop *loop;        /* borrowed: sleeps and the clock */
  const char *scratch;          /* the run's scratch directory (writes go there) */
  json_t *written;              /* files written to described paths: path -> content */
  struct sc_call *calls;
  size_t ncalls;
  struct sim sim;               /* the callbacks, ctx = this scenario */
};

/*
** Read and validate the scenario at path.  NULL when it cannot be read
** (errno message) or is invalid; either way one line "PATH:LINE:COL: what"
** (the position of the JSON error, or of the member at fault) is written
** into msg.
*/
struct scenario *scenario_load(const char *path, char *msg, size_t size);

/* Free a scenario and what it recorded.  NULL is a no-op. */
void scenario_free(struct scenario *s);

/* Make the world ready for one run on loop (borrowed), writing under scratch. */
void scenario_attach(struct scenario *s, struct rbc_loop *loop, const char *scratch);

/* text with every ${scratch} replaced by s->scratch, into buf (always NUL-terminated). */
void scenario_expand(const struct scenario *s, const char *text, char *buf, size_t size);

/*
** A copy of v (caller decrefs; NULL when out of memory) where a string that
** is exactly "${params.NAME}" becomes the scenario's param NAME (any JSON
** type) and ${scratch} is expanded in the other strings.
*/
json_t *scenario_expand_json(const struct scenario *s, const json_t *v);

/* The "METHOD URL" / "service.op" / command text of a call, shown in messages. */
const char *sc_kind_name(enum sc_kind k);

/* "PATH:LINE:COL" of the member holding v in s's file (or of the file), into buf. */
void scenario_where(const struct scenario *s, const json_t *v, char *buf, size_t size);

/* Parse a duration: a JSON integer (ms) or a string "500ms", "30s", "2m", "1h".  0 or -1. */
int sc_duration(const json_t *v, int64_t *ms);

/* Does the JSON value `want` hold within `have` (objects: every key of want, recursively)? */
bool sc_subset(const json_t *want, const json_t *have);

#endif
