/*
** compile.c: checked AST -> chunk.
**
** One function per node kind, each quoting the production it compiles.  The
** compiler keeps the operand stack depth of the function being built from
** the opcode table (chunk_stack_in / chunk_stack_out), resolves names to
** local and global slots itself, folds literal arithmetic, and stamps every
** instruction with the line, column and span of the node it came from.  The
** finished chunk goes through chunk_verify: a compiler bug becomes RB9001,
** never a bad chunk handed to the VM.
**
** Layout of the chunk (docs/bytecode.md "What the compiler emits"):
** function 0 is the runbook body (the phases in order) or, for a library
** file, a body that returns null; then one function per `fn`, per
** troubleshoot block, per param default, and per checklist verify, monitor
** and trigger expression.
*/
#define _XOPEN_SOURCE 700           /* realpath, access */

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "parser/arena.h"
#include "parser/parse.h"
#include "stdlib/builtins.h"
#include "vm/compile.h"

/* {==== state ==== */

/* A local binding in scope. */
struct local {
  const char *name;             /* in the AST's arena */
  uint16_t slot;
  uint32_t scope;               /* scope depth that declared it */
};

/* The function being compiled. */
struct fstate {
  uint32_t index;               /* in chunk->fns */
  struct local *locals;         /* in declaration order */
  uint32_t nlocals, cap;
  uint32_t scope;               /* current block depth */
  uint32_t max_slots;           /* most locals live at once */
  int depth;                    /* operand stack depth at the end of the code */
  int max_depth;
  uint32_t parallel;            /* nesting of parallel branches (no return there) */
  bool is_fn;                   /* a `fn`: return allowed */
};

/* A runbook-level name. */
struct gname {
  const char *name;
  uint16_t slot;
};

/* A troubleshoot block by name, for `on failure troubleshoot`. */
struct tsname {
  const char *name;
  uint16_t desc;                /* TROUBLESHOOT constant */
};

/* A library loaded by `import`. */
struct lib {
  char *path;                   /* resolved path (realpath), for de-duplication */
  struct source *src;           /* owned until the end of the compilation */
  const struct ast_node *file;  /* its AST_FILE, in the compilation's arena */
  struct span at;               /* the import in the main file that brought it in */
};

struct comp {
  const struct source *src;     /* source of the code being compiled (positions) */
  const struct source *main;    /* the file compiled: every diagnostic points into it */
  struct span at_import;        /* while compiling a library: its import in main */
  const struct comp_options *opts;
  struct lib *libs;
  uint32_t nlibs, libcap;
  int import_depth;
  bool refused;                 /* opts->on_library refused a library: stop */
  struct diag_list *diags;
  struct chunk *c;
  struct arena *arena;          /* folded strings */
  struct fstate *fs;            /* current function */
  struct gname *globals;
  uint32_t nglobals, gcap;
  uint32_t *gindex;             /* open-addressing index into globals (i + 1), or NULL */
  uint32_t gindex_cap;          /* a power of two, > 2 * nglobals */
  struct tsname *ts;
  uint32_t nts, tscap;
  bool failed;                  /* an error diagnostic was added */
};

/* A folded constant value. */
enum fkind { FV_NULL, FV_BOOL, FV_INT, FV_FLOAT, FV_PERCENT, FV_DURATION, FV_STR };

struct fval {
  enum fkind kind;
  bool b;
  int64_t i;                    /* INT, DURATION */
  double f;                     /* FLOAT, PERCENT */
  const char *s;                /* STR bytes (arena or AST) */
  uint32_t len;
};

static void comp_expr(struct comp *cs, const struct ast_node *n);
static void comp_stmt(struct comp *cs, const struct ast_node *n, bool step_level);
static void comp_block(struct comp *cs, const struct ast_node *block, bool step_level);

/* }==== */

/* {==== errors ==== */

static void error(struct comp *cs, enum diag_code code, struct span span,
                  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/*
** Add an error diagnostic; compilation goes on to find more, then fails.
** Inside a library the diagnostic points at the import that loaded it (the
** library's source does not outlive the compilation).
*/
static void error(struct comp *cs, enum diag_code code, struct span span,
                  const char *fmt, ...)
{
  char msg[512];
  va_list ap;

  cs->failed = true;
  va_start(ap, fmt);
  if (cs->src == cs->main) {
    diag_vadd(cs->diags, code, cs->main, span, fmt, ap);
  } else {
    vsnprintf(msg, sizeof msg, fmt, ap);
    diag_add(cs->diags, code, cs->main, cs->at_import, "in %s: %s", cs->src->name, msg);
  }
  va_end(ap);
}

static void oom(struct comp *cs, struct span span)
{
  if (!cs->failed || !cs->diags->oom)
    error(cs, DIAG_RB9001, span, "out of memory while compiling");
  cs->diags->oom = true;        /* the CLI exits 70, not 65 (tests/failalloc.sh) */
}

/* A constant index, or an error when the pool is full or memory ran out. */
static uint32_t checked_k(struct comp *cs, int k, struct span span)
{
  if (k >= 0)
    return (uint32_t)k;
  if (chunk_full(cs->c))
    error(cs, DIAG_RB6002, span, "more than %u constants", CHUNK_MAX_INDEX + 1);
  else
    oom(cs, span);
  return 0;
}

/* The string constant for bytes[0..len). */
static uint32_t kstr(struct comp *cs, const char *bytes, size_t len, struct span span)
{
  return checked_k(cs, chunk_add_str(cs->c, bytes ? bytes : "", (uint32_t)len), span);
}

static uint32_t kname(struct comp *cs, const char *name, struct span span)
{
  return kstr(cs, name, name ? strlen(name) : 0, span);
}

/* The source text of a node, as a string constant. */
static uint32_t ktext(struct comp *cs, const struct ast_node *n)
{
  struct span s = n->span;

  if (s.end > cs->src->len || s.start > s.end)
    return kstr(cs, "", 0, s);
  return kstr(cs, cs->src->text + s.start, s.end - s.start, s);
}

/* }==== */

/* {==== emitting ==== */

/* Append op with operands; keeps the stack depth.  Returns the offset. */
static uint32_t emitv(struct comp *cs, const struct ast_node *at, enum rbc_op op,
                      const uint32_t *opnd, int nopnd)
{
  struct chunk_fn *fn = &cs->c->fns[cs->fs->index];
  struct chunk_insn in = { .op = op, .nopnd = nopnd };
  struct chunk_line pos = { 1, 1, at->span.start, at->span.end };
  long pc;
  int i;

  for (i = 0; i < nopnd; i++)
    in.opnd[i] = opnd[i];
  src_position(cs->src, at->span.start, &pos.line, &pos.col);
  pc = chunk_emit(fn, op, opnd, pos);
  if (pc < 0) {
    if (fn->code_len + chunk_op_length(op) > CHUNK_MAX_CODE)
      error(cs, DIAG_RB6002, at->span, "function body larger than %u bytes", CHUNK_MAX_CODE);
    else
      oom(cs, at->span);
    return 0;
  }
  cs->fs->depth += chunk_stack_out(&in) - chunk_stack_in(&in);
  if (cs->fs->depth > cs->fs->max_depth)
    cs->fs->max_depth = cs->fs->depth;
  return (uint32_t)pc;
}

static uint32_t emit0(struct comp *cs, const struct ast_node *at, enum rbc_op op)
{
  return emitv(cs, at, op, NULL, 0);
}

static uint32_t emit1(struct comp *cs, const struct ast_node *at, enum rbc_op op, uint32_t a)
{
  return emitv(cs, at, op, &a, 1);
}

static uint32_t emit2(struct comp *cs, const struct ast_node *at, enum rbc_op op,
                      uint32_t a, uint32_t b)
{
  uint32_t o[2] = { a, b };

  return emitv(cs, at, op, o, 2);
}

/* Current code offset: the target of the next instruction. */
static uint32_t here(struct comp *cs)
{
  return cs->c->fns[cs->fs->index].code_len;
}

/* Point the jump of the instruction at pc to the current offset. */
static void patch(struct comp *cs, uint32_t pc)
{
  struct chunk_fn *fn = &cs->c->fns[cs->fs->index];

  if (pc < fn->code_len)
    chunk_patch_jump(fn, pc, fn->code_len);
}

/* }==== */

/* {==== scopes and names ==== */

/*
** Name resolution is the compiler's own, not the checker's:
**
**   - runbook-level names (params, secrets, fns, resources, imported fns and
**     every `let` written directly in a step body) are globals, declared in
**     a first pass over the runbook so that order does not matter;
**   - everything else is a local of the function being compiled: a fn's
**     parameters (slots 0 .. arity-1), then `let`s and loop variables of
**     nested blocks.  A block's locals go out of scope at its end and their
**     slots are reused, so nlocals is the most locals live at once;
**   - lookup is innermost local, then global; an unbound name that is a
**     built-in or a module (http, json, aws) is compiled as a built-in call
**     by the call compiler, and anything else is RB2001.
**
** The runbook body (function 0) has locals too: loop variables and the
** `let`s of nested blocks inside steps.
*/

static void scope_begin(struct comp *cs)
{
  cs->fs->scope++;
}

static void scope_end(struct comp *cs)
{
  struct fstate *fs = cs->fs;

  while (fs->nlocals > 0 && fs->locals[fs->nlocals - 1].scope >= fs->scope)
    fs->nlocals--;
  fs->scope--;
}

/* Declare a local in the current scope; returns its slot. */
static uint32_t declare_local(struct comp *cs, const char *name, struct span span)
{
  struct fstate *fs = cs->fs;
  struct local *nl;

  if (fs->nlocals > CHUNK_MAX_INDEX) {
    error(cs, DIAG_RB6002, span, "more than %u local bindings", CHUNK_MAX_INDEX + 1);
    return 0;
  }
  if (fs->nlocals == fs->cap) {
    nl = realloc(fs->locals, (fs->cap ? fs->cap * 2 : 16) * sizeof *nl);
    if (!nl) {
      oom(cs, span);
      return 0;
    }
    fs->locals = nl;
    fs->cap = fs->cap ? fs->cap * 2 : 16;
  }
  fs->locals[fs->nlocals].name = name;
  fs->locals[fs->nlocals].slot = (uint16_t)fs->nlocals;
  fs->locals[fs->nlocals].scope = fs->scope;
  fs->nlocals++;
  if (fs->nlocals > fs->max_slots)
    fs->max_slots = fs->nlocals;
  return fs->nlocals - 1;
}

static int find_local(const struct comp *cs, const char *name)
{
  uint32_t i;

  for (i = cs->fs->nlocals; i-- > 0;)
    if (strcmp(cs->fs->locals[i].name, name) == 0)
      return cs->fs->locals[i].slot;
  return -1;
}

/* FNV-1a of a NUL-terminated name. */
static uint32_t name_hash(const char *name)
{
  uint32_t h = 2166136261u;

  while (*name != '\0')
    h = (h ^ (unsigned char)*name++) * 16777619u;
  return h;
}

/* Slot of the runbook-level binding `name`, or -1. */
static int find_global(const struct comp *cs, const char *name)
{
  uint32_t i, mask;

  if (cs->gindex == NULL) {     /* few globals: a scan is cheapest */
    for (i = 0; i < cs->nglobals; i++)
      if (strcmp(cs->globals[i].name, name) == 0)
        return cs->globals[i].slot;
    return -1;
  }
  mask = cs->gindex_cap - 1;
  for (i = name_hash(name) & mask; cs->gindex[i] != 0; i = (i + 1) & mask)
    if (strcmp(cs->globals[cs->gindex[i] - 1].name, name) == 0)
      return cs->globals[cs->gindex[i] - 1].slot;
  return -1;
}

/* Put globals[k] into the index (which has room). */
static void gindex_put(struct comp *cs, uint32_t k)
{
  uint32_t mask = cs->gindex_cap - 1, i;

  for (i = name_hash(cs->globals[k].name) & mask; cs->gindex[i] != 0; i = (i + 1) & mask)
    ;
  cs->gindex[i] = k + 1;
}

/*
** Keep the hash index of globals at most half full once there are more than
** a few (runbooks and libraries with thousands of functions compile in
** linear time).  Returns -1 when out of memory.
*/
static int gindex_update(struct comp *cs)
{
  uint32_t cap, k, *idx;

  if (cs->nglobals < 16)
    return 0;
  if (cs->gindex != NULL && 2 * cs->nglobals < cs->gindex_cap) {
    gindex_put(cs, cs->nglobals - 1);
    return 0;
  }
  for (cap = 64; cap <= 4 * cs->nglobals; cap *= 2)
    ;
  idx = calloc(cap, sizeof *idx);
  if (idx == NULL)
    return -1;
  free(cs->gindex);
  cs->gindex = idx;
  cs->gindex_cap = cap;
  for (k = 0; k < cs->nglobals; k++)
    gindex_put(cs, k);
  return 0;
}

/* Is `name` free of local and global bindings (so a built-in or module)? */
static bool unbound(const struct comp *cs, const char *name)
{
  return find_local(cs, name) < 0 && find_global(cs, name) < 0;
}

/* Add a runbook-level binding; returns its slot, -1 on failure. */
static int add_global(struct comp *cs, const char *name, enum chunk_gkind kind,
                      uint16_t ref, struct span span)
{
  struct gname *ng;
  int slot;

  if (find_global(cs, name) >= 0) {
    error(cs, DIAG_RB2006, span, "`%s` is already defined at runbook level", name);
    return -1;
  }
  slot = chunk_add_global(cs->c, (uint16_t)kname(cs, name, span), kind, ref);
  if (slot < 0) {
    if (cs->c->nglobals > CHUNK_MAX_INDEX)
      error(cs, DIAG_RB6002, span, "more than %u runbook-level bindings", CHUNK_MAX_INDEX + 1);
    else
      oom(cs, span);
    return -1;
  }
  if (cs->nglobals == cs->gcap) {
    ng = realloc(cs->globals, (cs->gcap ? cs->gcap * 2 : 16) * sizeof *ng);
    if (!ng) {
      oom(cs, span);
      return -1;
    }
    cs->globals = ng;
    cs->gcap = cs->gcap ? cs->gcap * 2 : 16;
  }
  cs->globals[cs->nglobals].name = name;
  cs->globals[cs->nglobals++].slot = (uint16_t)slot;
  if (gindex_update(cs) != 0) {
    oom(cs, span);
    return -1;
  }
  return slot;
}

/* }==== */

/* {==== constant folding ==== */

/*
** fold() evaluates an expression made only of literals at compile time, so
** `retry 10 every 2 * 15s` carries a single CONST 30s and tests can count
** instructions.  It folds only what the VM would compute identically
** (vm/value.h's rules): no overflow, no division by zero, finite floats,
** ints mixed with floats only below 2^53 where the conversion is exact.
** Anything else stays as code and fails, or not, at run time like any
** other expression.  Folded strings are allocated in the compiler's arena.
*/

static bool fold(struct comp *cs, const struct ast_node *n, struct fval *out);

/* A STRING without interpolation: its parts concatenated. */
static bool fold_string(struct comp *cs, const struct ast_node *n, struct fval *out)
{
  const struct ast_node *p;
  size_t len = 0;
  char *buf;

  for (p = n->u.string.parts; p; p = p->next) {
    if (p->kind != AST_STR_TEXT)
      return false;
    len += p->u.text.len;
  }
  out->kind = FV_STR;
  if (n->u.string.parts && !n->u.string.parts->next) {
    out->s = n->u.string.parts->u.text.bytes;
    out->len = n->u.string.parts->u.text.len;
    return true;
  }
  buf = arena_alloc(cs->arena, len + 1);
  if (!buf)
    return false;
  len = 0;
  for (p = n->u.string.parts; p; p = p->next) {
    memcpy(buf + len, p->u.text.bytes, p->u.text.len);
    len += p->u.text.len;
  }
  out->s = buf;
  out->len = (uint32_t)len;
  return true;
}

/* Is v a number that converts to double exactly? */
static bool as_double(const struct fval *v, double *d)
{
  if (v->kind == FV_FLOAT || v->kind == FV_PERCENT) {
    *d = v->f;
    return true;
  }
  if (v->kind == FV_INT && v->i > -((int64_t)1 << 53) && v->i < ((int64_t)1 << 53)) {
    *d = (double)v->i;
    return true;
  }
  return false;
}

/* Floored modulo of integers (value.h: the sign of the divisor). */
static int64_t floor_mod(int64_t a, int64_t b)
{
  int64_t r = a % b;

  if (r != 0 && ((r < 0) != (b < 0)))
    r += b;
  return r;
}

/* int op int (and duration op duration, same rules): false when not foldable. */
static bool fold_ints(enum ast_binop op, int64_t a, int64_t b, int64_t *r)
{
  switch (op) {
  case BIN_ADD: return !__builtin_add_overflow(a, b, r);
  case BIN_SUB: return !__builtin_sub_overflow(a, b, r);
  case BIN_MUL: return !__builtin_mul_overflow(a, b, r);
  case BIN_MOD:
    if (b == 0 || (a == INT64_MIN && b == -1))
      return false;
    *r = floor_mod(a, b);
    return true;
  default: return false;
  }
}

/* Arithmetic on two folded floats; false unless finite. */
static bool fold_floats(enum ast_binop op, double a, double b, double *r)
{
  switch (op) {
  case BIN_ADD: *r = a + b; break;
  case BIN_SUB: *r = a - b; break;
  case BIN_MUL: *r = a * b; break;
  case BIN_DIV:
    if (b == 0)
      return false;
    *r = a / b;
    break;
  default: return false;
  }
  return isfinite(*r);
}

/* String concatenation of two folded strings. */
static bool fold_concat(struct comp *cs, const struct fval *l, const struct fval *r,
                        struct fval *out)
{
  char *buf = arena_alloc(cs->arena, (size_t)l->len + r->len + 1);

  if (!buf || (uint64_t)l->len + r->len > UINT32_MAX)
    return false;
  memcpy(buf, l->s, l->len);
  memcpy(buf + l->len, r->s, r->len);
  out->kind = FV_STR;
  out->s = buf;
  out->len = l->len + r->len;
  return true;
}

/* binary -> expr (+ - * / %) expr, both sides constant. */
static bool fold_binary(struct comp *cs, const struct ast_node *n, struct fval *out)
{
  enum ast_binop op = n->u.binary.op;
  struct fval l, r;
  double a, b;

  if (op < BIN_ADD || !fold(cs, n->u.binary.left, &l) || !fold(cs, n->u.binary.right, &r))
    return false;
  if (l.kind == FV_STR && r.kind == FV_STR && op == BIN_ADD)
    return fold_concat(cs, &l, &r, out);
  if (l.kind == FV_INT && r.kind == FV_INT && op != BIN_DIV) {
    out->kind = FV_INT;
    return fold_ints(op, l.i, r.i, &out->i);
  }
  if (l.kind == FV_DURATION && r.kind == FV_DURATION && op != BIN_MUL && op != BIN_DIV) {
    out->kind = FV_DURATION;
    return fold_ints(op, l.i, r.i, &out->i);
  }
  if (op == BIN_MUL && ((l.kind == FV_DURATION && r.kind == FV_INT)
                        || (l.kind == FV_INT && r.kind == FV_DURATION))) {
    out->kind = FV_DURATION;
    return fold_ints(op, l.i, r.i, &out->i);
  }
  if (op == BIN_MOD || !as_double(&l, &a) || !as_double(&r, &b))
    return false;
  out->kind = FV_FLOAT;
  return fold_floats(op, a, b, &out->f);
}

/* unary -> (- | not) expr, operand constant. */
static bool fold_unary(struct comp *cs, const struct ast_node *n, struct fval *out)
{
  struct fval v;

  if (!fold(cs, n->u.unary.operand, &v))
    return false;
  if (n->u.unary.op == UN_NOT) {
    out->kind = FV_BOOL;
    out->b = v.kind == FV_NULL || (v.kind == FV_BOOL && !v.b);
    return true;
  }
  *out = v;
  if ((v.kind == FV_INT || v.kind == FV_DURATION) && v.i != INT64_MIN) {
    out->i = -v.i;
    return true;
  }
  if (v.kind == FV_FLOAT || v.kind == FV_PERCENT) {
    out->kind = FV_FLOAT;
    out->f = -v.f;
    return true;
  }
  return false;
}

/*
** Evaluate n at compile time when it is built from literals only (numbers,
** durations, strings without interpolation, booleans, null) with the
** operators whose results the VM computes identically.  false: not constant.
*/
static bool fold(struct comp *cs, const struct ast_node *n, struct fval *out)
{
  memset(out, 0, sizeof *out);
  switch (n->kind) {
  case AST_NULL: out->kind = FV_NULL; return true;
  case AST_BOOL: out->kind = FV_BOOL; out->b = n->u.b; return true;
  case AST_INT: out->kind = FV_INT; out->i = n->u.i; return true;
  case AST_DURATION: out->kind = FV_DURATION; out->i = n->u.i; return true;
  case AST_FLOAT: out->kind = FV_FLOAT; out->f = n->u.f; return isfinite(n->u.f);
  case AST_PERCENT: out->kind = FV_PERCENT; out->f = n->u.f; return isfinite(n->u.f);
  case AST_STRING: return fold_string(cs, n, out);
  case AST_BINARY: return fold_binary(cs, n, out);
  case AST_UNARY: return fold_unary(cs, n, out);
  default: return false;
  }
}

/* The scalar constant for a folded value that has one (not null or bool). */
static int fval_const(struct comp *cs, const struct fval *v)
{
  switch (v->kind) {
  case FV_INT: return chunk_add_int(cs->c, v->i);
  case FV_DURATION: return chunk_add_duration(cs->c, v->i);
  case FV_FLOAT: return chunk_add_float(cs->c, v->f);
  case FV_PERCENT: return chunk_add_percent(cs->c, v->f);
  case FV_STR: return chunk_add_str(cs->c, v->s, v->len);
  default: return -1;
  }
}

/* Push a folded value. */
static void emit_fval(struct comp *cs, const struct ast_node *at, const struct fval *v)
{
  if (v->kind == FV_NULL)
    emit0(cs, at, OP_NULL);
  else if (v->kind == FV_BOOL)
    emit0(cs, at, v->b ? OP_TRUE : OP_FALSE);
  else
    emit1(cs, at, OP_CONST, checked_k(cs, fval_const(cs, v), at->span));
}

/* }==== */

/* {==== expressions ==== */

/* Push the value of name (a local, else a runbook-level binding). */
static void comp_load_name(struct comp *cs, const struct ast_node *at, const char *name,
                           struct span span)
{
  int slot = find_local(cs, name);

  if (slot >= 0) {
    emit1(cs, at, OP_GET_LOCAL, (uint32_t)slot);
    return;
  }
  slot = find_global(cs, name);
  if (slot >= 0) {
    emit1(cs, at, OP_GET_GLOBAL, (uint32_t)slot);
    return;
  }
  error(cs, DIAG_RB2001, span, "undefined name `%s`", name);
  emit0(cs, at, OP_NULL);
}

/* Pop into name; only locals and step bindings may be assigned. */
static void comp_store_name(struct comp *cs, const struct ast_node *at, const char *name,
                            struct span span)
{
  int slot = find_local(cs, name);

  if (slot >= 0) {
    emit1(cs, at, OP_SET_LOCAL, (uint32_t)slot);
    return;
  }
  slot = find_global(cs, name);
  if (slot < 0) {
    error(cs, DIAG_RB2001, span, "undefined name `%s`", name);
  } else if (cs->c->globals[slot].kind != GK_LET) {
    error(cs, DIAG_RB2011, span, "cannot assign to %s `%s`",
          chunk_gkind_name(cs->c->globals[slot].kind), name);
  } else {
    emit1(cs, at, OP_SET_GLOBAL, (uint32_t)slot);
    return;
  }
  emit0(cs, at, OP_POP);
}

/*
** string -> '"' (text | '${' expr '}')* '"'
** Pushes each part, then INTERP N; with shell = true every interpolated
** value is shell-quoted (SH_QUOTE) and the literal text is kept as written.
*/
static void comp_string(struct comp *cs, const struct ast_node *n, bool shell)
{
  const struct ast_node *p;
  uint32_t count = 0;

  for (p = n->u.string.parts; p; p = p->next, count++) {
    if (p->kind == AST_STR_TEXT) {
      emit1(cs, p, OP_CONST, kstr(cs, p->u.text.bytes, p->u.text.len, p->span));
      continue;
    }
    comp_expr(cs, p);
    if (shell)
      emit0(cs, p, OP_SH_QUOTE);
  }
  if (count > CHUNK_MAX_INDEX)
    error(cs, DIAG_RB6002, n->span, "more than %u parts in one string", CHUNK_MAX_INDEX);
  emit1(cs, n, OP_INTERP, count);
}

/* list -> '[' expr (',' expr)* ']' */
static void comp_list(struct comp *cs, const struct ast_node *n)
{
  const struct ast_node *p;
  uint32_t count = 0;

  for (p = n->u.list.items; p; p = p->next, count++)
    comp_expr(cs, p);
  if (count > CHUNK_MAX_INDEX)
    error(cs, DIAG_RB6002, n->span, "more than %u items in one list", CHUNK_MAX_INDEX);
  emit1(cs, n, OP_LIST, count);
}

/* map -> '{' (key ':' expr (',' key ':' expr)*)? '}'   key -> IDENT | STRING */
static void comp_map(struct comp *cs, const struct ast_node *n)
{
  const struct ast_node *p;
  uint32_t count = 0;

  for (p = n->u.map.entries; p; p = p->next, count++) {
    emit1(cs, p, OP_CONST, kname(cs, p->u.pair.key.name, p->u.pair.key.span));
    comp_expr(cs, p->u.pair.value);
  }
  if (count > CHUNK_MAX_INDEX)
    error(cs, DIAG_RB6002, n->span, "more than %u entries in one map", CHUNK_MAX_INDEX);
  emit1(cs, n, OP_MAP, count);
}

/* unary -> ('-' | 'not') expr */
static void comp_unary(struct comp *cs, const struct ast_node *n)
{
  comp_expr(cs, n->u.unary.operand);
  emit0(cs, n, n->u.unary.op == UN_NOT ? OP_NOT : OP_NEG);
}

/*
** expr -> expr ('and' | 'or' | '??') expr
** Short circuit: the left value decides and stays as the result, or is
** dropped for the right one:  L; DUP; JUMP_IF_x end; POP; R; end:
*/
static void comp_logic(struct comp *cs, const struct ast_node *n)
{
  enum rbc_op jump = n->u.binary.op == BIN_AND ? OP_JUMP_IF_FALSE
    : n->u.binary.op == BIN_OR ? OP_JUMP_IF_TRUE : OP_JUMP_IF_NOT_NULL;
  uint32_t j;

  comp_expr(cs, n->u.binary.left);
  emit0(cs, n, OP_DUP);
  j = emit1(cs, n, jump, 0);
  emit0(cs, n, OP_POP);
  comp_expr(cs, n->u.binary.right);
  patch(cs, j);
}

/* The opcode of an arithmetic or comparison operator. */
static enum rbc_op binop_opcode(enum ast_binop op)
{
  static const enum rbc_op ops[BIN__COUNT] = {
    [BIN_EQ] = OP_EQ, [BIN_NE] = OP_NE, [BIN_LT] = OP_LT, [BIN_LE] = OP_LE,
    [BIN_GT] = OP_GT, [BIN_GE] = OP_GE, [BIN_IN] = OP_IN, [BIN_ADD] = OP_ADD,
    [BIN_SUB] = OP_SUB, [BIN_MUL] = OP_MUL, [BIN_DIV] = OP_DIV, [BIN_MOD] = OP_MOD
  };

  return ops[op];
}

/* The local slot n names (n an AST_NAME bound to a local), else -1. */
static int local_of(const struct comp *cs, const struct ast_node *n)
{
  return n->kind == AST_NAME ? find_local(cs, n->u.name.name) : -1;
}

/*
** `x + y` and `x - y` with x a local and y a local or a literal scalar: the
** fused instructions' operands (x's slot, y's slot or constant) and which
** form applies: *ix is 0 for ADD_LL, 1 SUB_LL, 2 ADD_LK, 3 SUB_LK (the
** order of the opcodes in opcodes.def).  false: not this shape.
*/
static bool fused_operands(struct comp *cs, const struct ast_node *n, uint32_t *ix,
                           uint32_t *a, uint32_t *b)
{
  _Static_assert(OP_SUB_LL == OP_ADD_LL + 1 && OP_ADD_LK == OP_ADD_LL + 2
                 && OP_SUB_LK == OP_ADD_LL + 3 && OP_SUBTO_LL == OP_ADDTO_LL + 1
                 && OP_ADDTO_LK == OP_ADDTO_LL + 2 && OP_SUBTO_LK == OP_ADDTO_LL + 3
                 && OP_JUMP_IF_NOT_GE - OP_JUMP_IF_NOT_EQ == OP_GE - OP_EQ,
                 "fused opcodes in the order of opcodes.def");
  enum ast_binop op = n->u.binary.op;
  int x = local_of(cs, n->u.binary.left), y;
  struct fval k;

  if ((op != BIN_ADD && op != BIN_SUB) || x < 0)
    return false;
  *a = (uint32_t)x;
  *ix = op == BIN_ADD ? 0 : 1;
  y = local_of(cs, n->u.binary.right);
  if (y >= 0) {
    *b = (uint32_t)y;
    return true;
  }
  if (!fold(cs, n->u.binary.right, &k) || k.kind == FV_NULL || k.kind == FV_BOOL)
    return false;
  *ix += 2;
  *b = checked_k(cs, fval_const(cs, &k), n->u.binary.right->span);
  return true;
}

/*
** `x + y` / `x - y` (fused_operands): one instruction (ADD_LL .. SUB_LK)
** instead of three.  The operands are plain loads, so evaluation order and
** errors are those of the unfused sequence.  false: nothing emitted.
*/
static bool comp_fused_arith(struct comp *cs, const struct ast_node *n)
{
  uint32_t ix, a, b;

  if (!fused_operands(cs, n, &ix, &a, &b))
    return false;
  emit2(cs, n, (enum rbc_op)(OP_ADD_LL + ix), a, b);
  return true;
}

/*
** `x = x + y` / `x = x - y` with x a local (and y as fused_operands
** takes it): the update in place, ADDTO_LL .. SUBTO_LK, instead of the
** fused operator and SET_LOCAL.  false: not this shape, nothing emitted.
*/
static bool comp_fused_update(struct comp *cs, const struct ast_node *n)
{
  const struct ast_node *v = n->u.assign.value;
  int x = local_of(cs, n->u.assign.target);
  uint32_t ix, a, b;

  if (x < 0 || v->kind != AST_BINARY || local_of(cs, v->u.binary.left) != x
      || !fused_operands(cs, v, &ix, &a, &b))
    return false;
  emit2(cs, v, (enum rbc_op)(OP_ADDTO_LL + ix), a, b);
  return true;
}

/* expr -> expr binop expr */
static void comp_binary(struct comp *cs, const struct ast_node *n)
{
  enum ast_binop op = n->u.binary.op;

  if (op == BIN_AND || op == BIN_OR || op == BIN_COALESCE) {
    comp_logic(cs, n);
    return;
  }
  if (comp_fused_arith(cs, n))
    return;
  comp_expr(cs, n->u.binary.left);
  comp_expr(cs, n->u.binary.right);
  if ((unsigned)op < BIN__COUNT)
    emit0(cs, n, binop_opcode(op));
}

/* member -> expr '.' IDENT */
static void comp_member(struct comp *cs, const struct ast_node *n)
{
  const struct ast_node *o = n->u.member.object;

  if (o->kind == AST_NAME && unbound(cs, o->u.name.name) && std_is_module(o->u.name.name)) {
    error(cs, DIAG_RB2018, n->span, "`%s.%s` can only be called", o->u.name.name,
          n->u.member.id.name);
    emit0(cs, n, OP_NULL);
    return;
  }
  comp_expr(cs, o);
  emit1(cs, n, OP_GET_MEMBER, kname(cs, n->u.member.id.name, n->u.member.id.span));
}

/* index -> expr '[' expr ']' */
static void comp_index(struct comp *cs, const struct ast_node *n)
{
  comp_expr(cs, n->u.index.object);
  comp_expr(cs, n->u.index.index);
  emit0(cs, n, OP_GET_INDEX);
}

/* }==== */

/* {==== calls ==== */

/*
** Three kinds of call, told apart by the callee's shape:
**   aws.SERVICE.OPERATION(...)  CALL_AWS (when `aws` is not rebound);
**   a built-in name or module.member  CALL_BUILTIN by table index
**     (`confirm q` becomes the CONFIRM gate);
**   anything else  the callee's value, then CALL.
** Arguments are pushed in source order; the names of the named ones go in
** a NAMES constant so the VM can bind them.  The first argument of `sh`,
** when it is an interpolated string, has every interpolated value
** shell-quoted (SH_QUOTE), which is also where a secret is refused.
*/

/*
** args -> (expr (',' expr)*)? (IDENT ':' expr (',' IDENT ':' expr)*)?
** Pushes the arguments in order; *names gets the NAMES constant of the
** named ones (CHUNK_NONE without any) and the count is returned.
** shell_first: the first argument of `sh` (its interpolations are quoted).
*/
static uint32_t comp_args(struct comp *cs, const struct ast_node *call, bool shell_first,
                          uint32_t *names)
{
  uint32_t words[256], argc = 0, nnamed = 0;
  const struct ast_node *a;
  struct fval lit;

  for (a = call->u.call.args; a; a = a->next, argc++) {
    const struct ast_node *v = a->u.arg.value;

    if (argc == 255) {
      error(cs, DIAG_RB6002, a->span, "more than 255 arguments in one call");
      break;
    }
    if (a->u.arg.name.name)
      words[1 + nnamed++] = kname(cs, a->u.arg.name.name, a->u.arg.name.span);
    else if (nnamed > 0)
      error(cs, DIAG_RB1001, a->span, "positional argument after a named argument");
    if (argc == 0 && shell_first && !a->u.arg.name.name && v->kind == AST_STRING
        && !fold(cs, v, &lit))
      comp_string(cs, v, true);
    else
      comp_expr(cs, v);
  }
  *names = CHUNK_NONE;
  if (nnamed > 0) {
    words[0] = nnamed;
    *names = checked_k(cs, chunk_add_desc(cs->c, CK_NAMES, words, nnamed + 1), call->span);
  }
  return argc;
}

/* call -> NAME '(' args ')' where NAME is a built-in (len, sh, env, ...) */
static void comp_builtin_call(struct comp *cs, const struct ast_node *n,
                              const struct std_builtin *b)
{
  uint32_t names, argc, o[3];
  const struct ast_node *a = n->u.call.args;

  if (b->id == STD_BI_confirm && a && !a->next && !a->u.arg.name.name) {
    comp_expr(cs, a->u.arg.value);
    emit0(cs, n, OP_CONFIRM);
    return;
  }
  argc = comp_args(cs, n, b->id == STD_BI_sh, &names);
  o[0] = (uint32_t)b->id;
  o[1] = argc;
  o[2] = names;
  emitv(cs, n, OP_CALL_BUILTIN, o, 3);
}

/* call -> 'aws' '.' SERVICE '.' OPERATION '(' named args ')' */
static void comp_aws_call(struct comp *cs, const struct ast_node *n)
{
  const struct ast_node *op = n->u.call.callee, *svc = op->u.member.object;
  uint32_t names, o[4];

  o[0] = kname(cs, svc->u.member.id.name, svc->u.member.id.span);
  o[1] = kname(cs, op->u.member.id.name, op->u.member.id.span);
  o[2] = comp_args(cs, n, false, &names);
  o[3] = names;
  if (names == CHUNK_NONE ? o[2] != 0
      : cs->c->consts[names].kind == CK_NAMES && cs->c->consts[names].u.desc.w[NAMES_N] != o[2])
    error(cs, DIAG_RB2010, n->span, "AWS calls take named arguments only");
  emitv(cs, n, OP_CALL_AWS, o, 4);
}

/* Is callee `aws.SERVICE.OPERATION` with `aws` not rebound? */
static bool is_aws_callee(const struct comp *cs, const struct ast_node *callee)
{
  const struct ast_node *svc;

  if (callee->kind != AST_MEMBER)
    return false;
  svc = callee->u.member.object;
  return svc->kind == AST_MEMBER && svc->u.member.object->kind == AST_NAME
    && strcmp(svc->u.member.object->u.name.name, "aws") == 0
    && unbound(cs, "aws");
}

/* The built-in called by `callee` (NAME or module.NAME), or NULL. */
static const struct std_builtin *builtin_callee(const struct comp *cs,
                                                const struct ast_node *callee)
{
  const struct ast_node *o;
  char buf[128];

  if (callee->kind == AST_NAME) {
    if (!unbound(cs, callee->u.name.name) || strcmp(callee->u.name.name, "aws") == 0)
      return NULL;
    return std_builtin_lookup(callee->u.name.name);
  }
  if (callee->kind != AST_MEMBER)
    return NULL;
  o = callee->u.member.object;
  if (o->kind != AST_NAME || !unbound(cs, o->u.name.name) || !std_is_module(o->u.name.name))
    return NULL;
  if ((size_t)snprintf(buf, sizeof buf, "%s.%s", o->u.name.name,
                       callee->u.member.id.name) >= sizeof buf)
    return NULL;
  return std_builtin_lookup(buf);
}

/*
** call -> expr '(' args ')'  |  bare statement form `sh x`, `log x`
** A built-in by name, an AWS operation by shape, else the callee's value.
*/
static void comp_call(struct comp *cs, const struct ast_node *n)
{
  const struct ast_node *callee = n->u.call.callee;
  const struct std_builtin *b;
  uint32_t names, argc;

  if (is_aws_callee(cs, callee)) {
    comp_aws_call(cs, n);
    return;
  }
  b = builtin_callee(cs, callee);
  if (b) {
    comp_builtin_call(cs, n, b);
    return;
  }
  if (callee->kind == AST_NAME && unbound(cs, callee->u.name.name)) {
    error(cs, DIAG_RB2001, callee->span, "undefined function `%s`", callee->u.name.name);
    emit0(cs, n, OP_NULL);
    return;
  }
  if (callee->kind == AST_MEMBER && callee->u.member.object->kind == AST_NAME
      && unbound(cs, callee->u.member.object->u.name.name)
      && std_is_module(callee->u.member.object->u.name.name)) {
    error(cs, DIAG_RB2019, callee->span, "module `%s` has no function `%s`",
          callee->u.member.object->u.name.name, callee->u.member.id.name);
    emit0(cs, n, OP_NULL);
    return;
  }
  if (callee->kind == AST_NAME && find_local(cs, callee->u.name.name) < 0) {
    int g = find_global(cs, callee->u.name.name);

    /* a runbook-level fn is never reassigned: call it directly (CALL_FN) */
    if (g >= 0 && cs->c->globals[g].kind == GK_FN) {
      uint32_t o[3];

      o[0] = cs->c->globals[g].ref;
      o[1] = comp_args(cs, n, false, &names);
      o[2] = names;
      emitv(cs, n, OP_CALL_FN, o, 3);
      return;
    }
  }
  comp_expr(cs, callee);
  argc = comp_args(cs, n, false, &names);
  emit2(cs, n, OP_CALL, argc, names);
}

/* expr -> literal | NAME | unary | binary | member | index | call | list | map */
static void comp_expr(struct comp *cs, const struct ast_node *n)
{
  struct fval v;

  if (fold(cs, n, &v)) {
    emit_fval(cs, n, &v);
    return;
  }
  switch (n->kind) {
  case AST_STATUS_CLASS:
    emit1(cs, n, OP_CONST, checked_k(cs, chunk_add_int(cs->c, n->u.i), n->span));
    break;
  case AST_STRING: comp_string(cs, n, false); break;
  case AST_LIST: comp_list(cs, n); break;
  case AST_MAP: comp_map(cs, n); break;
  case AST_NAME: comp_load_name(cs, n, n->u.name.name, n->span); break;
  case AST_UNARY: comp_unary(cs, n); break;
  case AST_BINARY: comp_binary(cs, n); break;
  case AST_MEMBER: comp_member(cs, n); break;
  case AST_INDEX: comp_index(cs, n); break;
  case AST_CALL: comp_call(cs, n); break;
  default:
    error(cs, DIAG_RB9001, n->span, "cannot compile a %s as an expression",
          ast_kind_name(n->kind));
    emit0(cs, n, OP_NULL);
    break;
  }
}

/* }==== */

/* {==== assignment ==== */

/*
** Containers are values with copy-on-write (vm/value.h), so an update of a
** nested place is a chain of "set and return the new container" operations
** written back to the root variable.  load_path leaves the containers on
** the stack from the root down; store_path consumes them bottom up.
*/

/*
** Leave on the stack what updating `place` needs: for x.a.b the values
** x, x.a; for x[i] the values x, i, x[i] (see comp_assign).
*/
static bool load_path(struct comp *cs, const struct ast_node *place)
{
  switch (place->kind) {
  case AST_NAME:
    comp_load_name(cs, place, place->u.name.name, place->span);
    return true;
  case AST_MEMBER:
    if (!load_path(cs, place->u.member.object))
      return false;
    emit0(cs, place, OP_DUP);
    emit1(cs, place, OP_GET_MEMBER, kname(cs, place->u.member.id.name, place->span));
    return true;
  case AST_INDEX:
    if (!load_path(cs, place->u.index.object))
      return false;
    comp_expr(cs, place->u.index.index);
    emit0(cs, place, OP_DUP2);
    emit0(cs, place, OP_GET_INDEX);
    return true;
  default:
    error(cs, DIAG_RB1001, place->span, "cannot assign to this expression");
    return false;
  }
}

/* The new value of `place` is on top of its containers: write it back. */
static void store_path(struct comp *cs, const struct ast_node *place)
{
  switch (place->kind) {
  case AST_NAME:
    comp_store_name(cs, place, place->u.name.name, place->span);
    break;
  case AST_MEMBER:
    emit1(cs, place, OP_SET_MEMBER, kname(cs, place->u.member.id.name, place->span));
    store_path(cs, place->u.member.object);
    break;
  default:
    emit0(cs, place, OP_SET_INDEX);
    store_path(cs, place->u.index.object);
    break;
  }
}

/*
** assign -> place '=' expr      place -> NAME | place '.' IDENT | place '[' expr ']'
** Containers are values (copy on write), so x.a.b = e is compiled as
** x = set(x, a, set(x.a, b, e)):  x; DUP; GET_MEMBER a; e; SET_MEMBER b;
** SET_MEMBER a; SET x.
*/
static void comp_assign(struct comp *cs, const struct ast_node *n)
{
  const struct ast_node *t = n->u.assign.target;
  int depth = cs->fs->depth;

  if (t->kind == AST_NAME && comp_fused_update(cs, n))
    return;
  if (t->kind == AST_NAME) {
    comp_expr(cs, n->u.assign.value);
    comp_store_name(cs, n, t->u.name.name, t->span);
    return;
  }
  if (t->kind == AST_MEMBER && load_path(cs, t->u.member.object)) {
    comp_expr(cs, n->u.assign.value);
    store_path(cs, t);
  } else if (t->kind == AST_INDEX && load_path(cs, t->u.index.object)) {
    comp_expr(cs, t->u.index.index);
    comp_expr(cs, n->u.assign.value);
    store_path(cs, t);
  } else if (t->kind != AST_MEMBER && t->kind != AST_INDEX) {
    error(cs, DIAG_RB1001, t->span, "cannot assign to this expression");
  }
  if (cs->fs->depth != depth && !cs->failed)
    error(cs, DIAG_RB9001, n->span, "assignment left the stack unbalanced");
}

/* }==== */

/* {==== statements ==== */

/*
** Every statement leaves the operand stack as it found it; the compiler's
** depth counter (from the opcode table) checks that implicitly, and the
** verifier checks it for real on the finished function.  Constructs that
** need runtime state (retry, wait, step, parallel) keep it in handler
** records of the VM, not on the operand stack, so `return` from inside
** them only has to pop the frame.
*/

/* let -> 'let' NAME '=' expr   (at runbook level directly in a step body) */
static void comp_let(struct comp *cs, const struct ast_node *n, bool step_level)
{
  int slot;

  comp_expr(cs, n->u.let.value);
  if (step_level) {
    slot = find_global(cs, n->u.let.name.name);
    if (slot >= 0 && cs->c->globals[slot].kind == GK_LET) {
      emit1(cs, n, OP_SET_GLOBAL, (uint32_t)slot);
      return;
    }
    error(cs, DIAG_RB2011, n->u.let.name.span, "`%s` is already a runbook-level %s",
          n->u.let.name.name, slot >= 0 ? chunk_gkind_name(cs->c->globals[slot].kind) : "?");
    emit0(cs, n, OP_POP);
    return;
  }
  emit1(cs, n, OP_SET_LOCAL, declare_local(cs, n->u.let.name.name, n->u.let.name.span));
}

/*
** The condition of `if` n and the jump to its else part, which the caller
** patches.  A comparison (== != < <= > >=) is fused with the jump:
** a; b; JUMP_IF_NOT_LT else  instead of  a; b; LT; JUMP_IF_FALSE else.
*/
static uint32_t comp_cond_jump(struct comp *cs, const struct ast_node *n)
{
  const struct ast_node *c = n->u.if_.cond;
  struct fval v;
  enum ast_binop op;

  if (c->kind != AST_BINARY || fold(cs, c, &v)) {
    comp_expr(cs, c);
    return emit1(cs, n, OP_JUMP_IF_FALSE, 0);
  }
  op = c->u.binary.op;
  if (op != BIN_EQ && op != BIN_NE && op != BIN_LT && op != BIN_LE && op != BIN_GT
      && op != BIN_GE) {
    comp_expr(cs, c);
    return emit1(cs, n, OP_JUMP_IF_FALSE, 0);
  }
  comp_expr(cs, c->u.binary.left);
  comp_expr(cs, c->u.binary.right);
  return emit1(cs, c, (enum rbc_op)(OP_JUMP_IF_NOT_EQ + (binop_opcode(op) - OP_EQ)), 0);
}

/* if -> 'if' expr block ('else' (if | block))? */
static void comp_if(struct comp *cs, const struct ast_node *n)
{
  uint32_t jelse, jend;

  jelse = comp_cond_jump(cs, n);
  comp_block(cs, n->u.if_.then, false);
  if (!n->u.if_.els) {
    patch(cs, jelse);
    return;
  }
  jend = emit1(cs, n, OP_JUMP, 0);
  patch(cs, jelse);
  if (n->u.if_.els->kind == AST_IF)
    comp_if(cs, n->u.if_.els);
  else
    comp_block(cs, n->u.if_.els, false);
  patch(cs, jend);
}

/*
** Is n `for X in range(a, b[, c])` (one variable, two or three positional
** arguments, `range` the built-in)?  Such a loop counts over ints kept on
** the operand stack instead of building the list.
*/
static bool is_range_loop(const struct comp *cs, const struct ast_node *n)
{
  const struct ast_node *it = n->u.for_.iter, *a;
  const struct std_builtin *b;
  int argc = 0;

  if (n->u.for_.var2.name || it->kind != AST_CALL)
    return false;
  b = builtin_callee(cs, it->u.call.callee);
  if (!b || b->id != STD_BI_range)
    return false;
  for (a = it->u.call.args; a; a = a->next, argc++)
    if (a->u.arg.name.name)
      return false;
  return argc == 2 || argc == 3;
}

/*
** for -> 'for' NAME 'in' 'range' '(' a, b [, c] ')' block
**   a b [c]; FOR_RANGE argc; JUMP next; top: body; next: FOR_RANGE_NEXT x, top;
**   POP; POP; POP
** FOR_RANGE checks the arguments exactly as range() does (same errors), so
** the loop behaves as iterating the list would: x takes each item in turn,
** and assigning to x in the body does not change the next item.  The test
** is at the bottom (as Lua's FORLOOP), so an iteration dispatches one loop
** instruction, not two.
*/
static void comp_for_range(struct comp *cs, const struct ast_node *n)
{
  const struct ast_node *it = n->u.for_.iter, *arg;
  uint32_t top, jnext, x, argc = 0;

  for (arg = it->u.call.args; arg; arg = arg->next, argc++)
    comp_expr(cs, arg->u.arg.value);
  emit1(cs, it, OP_FOR_RANGE, argc);
  scope_begin(cs);
  x = declare_local(cs, n->u.for_.var.name, n->u.for_.var.span);
  jnext = emit1(cs, n, OP_JUMP, 0);
  top = here(cs);
  comp_block(cs, n->u.for_.body, false);
  patch(cs, jnext);
  emit2(cs, n, OP_FOR_RANGE_NEXT, x, top);
  scope_end(cs);
  emit0(cs, n, OP_POP);
  emit0(cs, n, OP_POP);
  emit0(cs, n, OP_POP);
}

/*
** for -> 'for' NAME (',' NAME)? 'in' expr block
**   iter; FOR_PREP; top: FOR_NEXT x, end; body; JUMP top; end: POP; POP
*/
static void comp_for(struct comp *cs, const struct ast_node *n)
{
  uint32_t top, jend, a, b;

  if (is_range_loop(cs, n)) {
    comp_for_range(cs, n);
    return;
  }
  comp_expr(cs, n->u.for_.iter);
  emit0(cs, n, OP_FOR_PREP);
  scope_begin(cs);
  a = declare_local(cs, n->u.for_.var.name, n->u.for_.var.span);
  top = here(cs);
  if (n->u.for_.var2.name) {
    b = declare_local(cs, n->u.for_.var2.name, n->u.for_.var2.span);
    jend = emitv(cs, n, OP_FOR_NEXT2, (uint32_t[]){ a, b, 0 }, 3);
  } else {
    jend = emit2(cs, n, OP_FOR_NEXT, a, 0);
  }
  comp_block(cs, n->u.for_.body, false);
  emit1(cs, n, OP_JUMP, top);
  scope_end(cs);
  patch(cs, jend);
  emit0(cs, n, OP_POP);
  emit0(cs, n, OP_POP);
}

/* Push an optional clause's value, or null. */
static void comp_opt(struct comp *cs, const struct ast_node *at, const struct ast_node *n)
{
  if (n)
    comp_expr(cs, n);
  else
    emit0(cs, at, OP_NULL);
}

/* retry_spec -> 'retry' expr 'every' expr ('backoff' expr)? ('max' expr)?; RETRY_BEGIN */
static void comp_retry_begin(struct comp *cs, const struct ast_node *spec)
{
  comp_expr(cs, spec->u.retry_spec.attempts);
  comp_opt(cs, spec, spec->u.retry_spec.every);
  comp_opt(cs, spec, spec->u.retry_spec.backoff);
  comp_opt(cs, spec, spec->u.retry_spec.max);
  emit0(cs, spec, OP_RETRY_BEGIN);
}

/* retry -> retry_spec block */
static void comp_retry(struct comp *cs, const struct ast_node *n)
{
  comp_retry_begin(cs, n->u.retry.spec);
  comp_block(cs, n->u.retry.body, false);
  emit0(cs, n, OP_RETRY_END);
}

/*
** wait -> 'wait' 'until' expr 'every' expr 'timeout' expr
**   every; timeout; WAIT_BEGIN text; poll: cond; WAIT_UNTIL poll
*/
static void comp_wait(struct comp *cs, const struct ast_node *n)
{
  uint32_t poll;

  comp_opt(cs, n, n->u.wait.every);
  comp_opt(cs, n, n->u.wait.timeout);
  emit1(cs, n, OP_WAIT_BEGIN, ktext(cs, n->u.wait.cond));
  poll = here(cs);
  comp_expr(cs, n->u.wait.cond);
  emit1(cs, n, OP_WAIT_UNTIL, poll);
}

/* The descriptor word of a comparison operator, CHUNK_CMP_NONE otherwise. */
static uint32_t cmp_word(int op)
{
  return op >= BIN_EQ && op <= BIN_IN ? (uint32_t)(op - BIN_EQ) : CHUNK_CMP_NONE;
}

/*
** assert -> 'assert' expr (',' expr)?
** A comparison keeps both operands for the failure message (ASSERT_CMP);
** the message is evaluated only when the assertion fails:
**   a; b; ASSERT_CMP d, ok; message; ASSERT_FAIL d; ok:
*/
static void comp_assert(struct comp *cs, const struct ast_node *n)
{
  const struct ast_node *cond = n->u.assert_.cond;
  uint32_t w[3], desc, j;
  bool cmp = cond->kind == AST_BINARY && cmp_word(cond->u.binary.op) != CHUNK_CMP_NONE;

  w[AS_OP] = cmp ? cmp_word(cond->u.binary.op) : CHUNK_CMP_NONE;
  w[AS_HAS_MSG] = n->u.assert_.message != NULL;
  w[AS_TEXT] = ktext(cs, cond);
  desc = checked_k(cs, chunk_add_desc(cs->c, CK_ASSERT, w, 3), n->span);
  if (cmp) {
    comp_expr(cs, cond->u.binary.left);
    comp_expr(cs, cond->u.binary.right);
  } else {
    comp_expr(cs, cond);
  }
  j = emit2(cs, n, cmp ? OP_ASSERT_CMP : OP_ASSERT, desc, 0);
  if (n->u.assert_.message) {
    comp_expr(cs, n->u.assert_.message);
    emit1(cs, n, OP_ASSERT_FAIL, desc);
  }
  patch(cs, j);
}

/* The HTTP descriptor of an assert http statement (method, class, checks). */
static uint32_t http_desc(struct comp *cs, const struct ast_node *n)
{
  uint32_t words[4 + 2 * 64], nw = 4, count = 0;
  const struct ast_node *c;
  const char *method = n->u.assert_http.method.name ? n->u.assert_http.method.name : "GET";

  words[HTTP_METHOD] = kname(cs, method, n->span);
  words[HTTP_CLASS] = n->u.assert_http.status->kind == AST_STATUS_CLASS;
  words[HTTP_TEXT] = ktext(cs, n);
  for (c = n->u.assert_http.checks; c; c = c->next, count++) {
    if (count == 64) {
      error(cs, DIAG_RB6002, c->span, "more than 64 checks in one assert http");
      break;
    }
    words[nw++] = (uint32_t)c->u.http_check.what;
    words[nw++] = cmp_word(c->u.http_check.op) == CHUNK_CMP_NONE ? CMP_EQ
      : cmp_word(c->u.http_check.op);
  }
  words[HTTP_N] = count;
  return checked_k(cs, chunk_add_desc(cs->c, CK_HTTP, words, nw), n->span);
}

/*
** assert_http -> 'assert' 'http' status METHOD? expr (IDENT ':' expr)* check*
**   status; url; options map; checks list; ASSERT_HTTP d
** check -> 'contains' expr | 'json' expr op expr | 'header' expr op expr
**        | 'within' expr            (keys and values pushed in order)
*/
static void comp_assert_http(struct comp *cs, const struct ast_node *n)
{
  const struct ast_node *p;
  uint32_t desc = http_desc(cs, n), nopt = 0, nval = 0;

  comp_expr(cs, n->u.assert_http.status);
  comp_expr(cs, n->u.assert_http.url);
  for (p = n->u.assert_http.options; p; p = p->next, nopt++) {
    emit1(cs, p, OP_CONST, kname(cs, p->u.arg.name.name, p->u.arg.name.span));
    comp_expr(cs, p->u.arg.value);
  }
  emit1(cs, n, OP_MAP, nopt);
  for (p = n->u.assert_http.checks; p && nval < 128; p = p->next) {
    if (p->u.http_check.key) {
      comp_expr(cs, p->u.http_check.key);
      nval++;
    }
    comp_opt(cs, p, p->u.http_check.value);
    nval++;
  }
  emit1(cs, n, OP_LIST, nval);
  emit1(cs, n, OP_ASSERT_HTTP, desc);
}

/* return -> 'return' expr? */
static void comp_return(struct comp *cs, const struct ast_node *n)
{
  if (!cs->fs->is_fn || cs->fs->parallel > 0) {
    error(cs, DIAG_RB2015, n->span, "`return` %s", cs->fs->is_fn
          ? "inside a parallel branch" : "outside a fn");
    return;
  }
  if (n->u.return_.value && local_of(cs, n->u.return_.value) >= 0) {
    emit1(cs, n, OP_RETURN_LOCAL, (uint32_t)local_of(cs, n->u.return_.value));
    return;
  }
  comp_opt(cs, n, n->u.return_.value);
  emit0(cs, n, OP_RETURN);
}

/* One parallel branch: a fiber entered below PAR_SPAWN / PAR_EACH. */
static void comp_branch(struct comp *cs, const struct ast_node *body, bool block)
{
  int depth = cs->fs->depth;

  cs->fs->depth = 0;                            /* a fiber starts with an empty stack */
  cs->fs->parallel++;
  if (block)
    comp_block(cs, body, false);
  else
    comp_stmt(cs, body, false);
  cs->fs->parallel--;
  emit0(cs, body, OP_PAR_END);
  cs->fs->depth = depth;
}

/*
** parallel -> 'parallel' expr? block              (one branch per statement)
**           | 'parallel' expr? 'for' NAME 'in' expr block
**   limit; PAR_BEGIN; (PAR_SPAWN next; stmt; PAR_END; next:)*; PAR_JOIN
**   limit; PAR_BEGIN; list; PAR_EACH x, join; body; PAR_END; join: PAR_JOIN
*/
static void comp_parallel(struct comp *cs, const struct ast_node *n)
{
  const struct ast_node *s;
  uint32_t j;

  comp_opt(cs, n, n->u.parallel.limit);
  emit0(cs, n, OP_PAR_BEGIN);
  if (n->u.parallel.var.name) {
    comp_expr(cs, n->u.parallel.iter);
    scope_begin(cs);
    j = emit2(cs, n, OP_PAR_EACH, declare_local(cs, n->u.parallel.var.name,
                                                n->u.parallel.var.span), 0);
    comp_branch(cs, n->u.parallel.body, true);
    scope_end(cs);
    patch(cs, j);
  } else {
    for (s = n->u.parallel.body->u.block.stmts; s; s = s->next) {
      j = emit1(cs, s, OP_PAR_SPAWN, 0);
      scope_begin(cs);
      comp_branch(cs, s, false);
      scope_end(cs);
      patch(cs, j);
    }
  }
  emit0(cs, n, OP_PAR_JOIN);
}

/* stmt -> let | assign | expr | if | for | retry | wait | assert | return | parallel */
static void comp_stmt(struct comp *cs, const struct ast_node *n, bool step_level)
{
  switch (n->kind) {
  case AST_LET: comp_let(cs, n, step_level); break;
  case AST_ASSIGN: comp_assign(cs, n); break;
  case AST_EXPR_STMT:
    comp_expr(cs, n->u.expr_stmt.expr);
    emit0(cs, n, OP_POP);
    break;
  case AST_IF: comp_if(cs, n); break;
  case AST_FOR: comp_for(cs, n); break;
  case AST_RETRY: comp_retry(cs, n); break;
  case AST_WAIT: comp_wait(cs, n); break;
  case AST_ASSERT: comp_assert(cs, n); break;
  case AST_ASSERT_HTTP: comp_assert_http(cs, n); break;
  case AST_RETURN: comp_return(cs, n); break;
  case AST_PARALLEL: comp_parallel(cs, n); break;
  case AST_BLOCK: comp_block(cs, n, false); break;
  default:
    error(cs, DIAG_RB2015, n->span, "a %s cannot appear among statements",
          ast_kind_name(n->kind));
    break;
  }
}

/* block -> '{' stmt* '}' */
static void comp_block(struct comp *cs, const struct ast_node *block, bool step_level)
{
  const struct ast_node *s;

  if (!block)
    return;
  if (block->kind != AST_BLOCK) {
    comp_stmt(cs, block, step_level);
    return;
  }
  scope_begin(cs);
  for (s = block->u.block.stmts; s; s = s->next) {
    int depth = cs->fs->depth;

    comp_stmt(cs, s, step_level);
    if (cs->fs->depth != depth && !cs->failed)  /* a compiler bug, never the input */
      error(cs, DIAG_RB9001, s->span, "statement left the operand stack unbalanced");
  }
  scope_end(cs);
}

/* }==== */

/* {==== functions ==== */

/*
** One struct fstate per function being compiled; nested compilations (an
** expression function started while the runbook body is open) save and
** restore cs->fs.  Expression functions are how runbook items that hold
** expressions (param defaults, checklist verifies, monitor values and
** thresholds, trigger conditions) reach the VM: arity 0, one expression,
** RETURN.  The VM calls them when it needs the value.
*/

/* Start compiling function fi; returns the previous state to restore. */
static struct fstate *fn_begin(struct comp *cs, struct fstate *fs, uint32_t fi, bool is_fn)
{
  struct fstate *prev = cs->fs;

  memset(fs, 0, sizeof *fs);
  fs->index = fi;
  fs->is_fn = is_fn;
  cs->fs = fs;
  return prev;
}

/* Finish the current function: record its sizes, restore prev. */
static void fn_end(struct comp *cs, struct fstate *prev)
{
  struct chunk_fn *fn = &cs->c->fns[cs->fs->index];

  fn->nlocals = (uint16_t)cs->fs->max_slots;
  fn->max_stack = (uint16_t)(cs->fs->max_depth > (int)CHUNK_MAX_STACK ? (int)CHUNK_MAX_STACK
                             : cs->fs->max_depth);
  free(cs->fs->locals);
  cs->fs = prev;
}

/* A new function named by printf arguments; returns its index (0 on error). */
static uint32_t new_fn(struct comp *cs, enum chunk_fkind kind, struct span span,
                       const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static uint32_t new_fn(struct comp *cs, enum chunk_fkind kind, struct span span,
                       const char *fmt, ...)
{
  char name[256];
  va_list ap;
  int fi;

  va_start(ap, fmt);
  vsnprintf(name, sizeof name, fmt, ap);
  va_end(ap);
  fi = chunk_add_fn(cs->c, (uint16_t)kname(cs, name, span), kind);
  if (fi < 0) {
    if (cs->c->nfns > CHUNK_MAX_INDEX)
      error(cs, DIAG_RB6002, span, "more than %u functions", CHUNK_MAX_INDEX + 1);
    else
      oom(cs, span);
    return 0;
  }
  return (uint32_t)fi;
}

/* An FK_EXPR function returning the value of expr; CHUNK_NONE32 when expr is NULL. */
static uint32_t expr_fn(struct comp *cs, const struct ast_node *expr, const char *label,
                        const char *name)
{
  struct fstate fs, *prev;
  uint32_t fi;

  if (!expr)
    return CHUNK_NONE32;
  fi = new_fn(cs, FK_EXPR, expr->span, "<%s %s>", label, name ? name : "");
  if (fi == 0)
    return CHUNK_NONE32;
  prev = fn_begin(cs, &fs, fi, false);
  comp_expr(cs, expr);
  emit0(cs, expr, OP_RETURN);
  fn_end(cs, prev);
  return fi;
}

/* Does block end with a `return` (so no implicit one is needed)? */
static bool ends_in_return(const struct ast_node *block)
{
  const struct ast_node *s;

  if (!block || block->kind != AST_BLOCK || !block->u.block.stmts)
    return false;
  for (s = block->u.block.stmts; s->next; s = s->next)
    continue;
  return s->kind == AST_RETURN;
}

/* fn -> 'fn' NAME '(' (NAME (',' NAME)*)? ')' block   (function fi, declared earlier) */
static void comp_fn(struct comp *cs, const struct ast_node *n, uint32_t fi)
{
  struct fstate fs, *prev = fn_begin(cs, &fs, fi, true);
  uint32_t words[1 + 256], arity = 0;
  const struct ast_node *p;

  scope_begin(cs);
  for (p = n->u.fn.params; p; p = p->next) {
    if (arity == 255) {
      error(cs, DIAG_RB6002, p->span, "more than 255 parameters");
      break;
    }
    words[1 + arity++] = kname(cs, p->u.name.name, p->span);
    declare_local(cs, p->u.name.name, p->span);
  }
  words[0] = arity;
  cs->c->fns[fi].arity = (uint16_t)arity;
  cs->c->fns[fi].params = (uint16_t)checked_k(cs, chunk_add_desc(cs->c, CK_NAMES, words,
                                                                  arity + 1), n->span);
  comp_block(cs, n->u.fn.body, false);
  if (!ends_in_return(n->u.fn.body)) {
    emit0(cs, n, OP_NULL);
    emit0(cs, n, OP_RETURN);
  }
  scope_end(cs);
  fn_end(cs, prev);
}

/* troubleshoot -> 'troubleshoot' STRING block: a function and its descriptor. */
static void comp_troubleshoot(struct comp *cs, const struct ast_node *n)
{
  const char *name = n->u.troubleshoot.name.name;
  uint32_t fi = new_fn(cs, FK_TROUBLESHOOT, n->span, "<troubleshoot %s>", name), w[2];
  struct fstate fs, *prev;
  struct tsname *nt;

  if (fi == 0)
    return;
  prev = fn_begin(cs, &fs, fi, false);
  comp_block(cs, n->u.troubleshoot.body, false);
  emit0(cs, n, OP_NULL);
  emit0(cs, n, OP_RETURN);
  fn_end(cs, prev);
  w[TS_NAME] = kname(cs, name, n->span);
  w[TS_FN] = fi;
  if (cs->nts == cs->tscap) {
    nt = realloc(cs->ts, (cs->tscap ? cs->tscap * 2 : 8) * sizeof *nt);
    if (!nt) {
      oom(cs, n->span);
      return;
    }
    cs->ts = nt;
    cs->tscap = cs->tscap ? cs->tscap * 2 : 8;
  }
  cs->ts[cs->nts].name = name;
  cs->ts[cs->nts++].desc = (uint16_t)checked_k(cs, chunk_add_desc(cs->c, CK_TROUBLESHOOT,
                                                                   w, 2), n->span);
}

/* }==== */

/* {==== runbook items ==== */

/*
** Runbook items that are data (metadata, contacts, resources, checklists,
** monitors, triggers, phases, steps) become descriptor constants, which
** `plan`, `doc`-like listings and the VM's event stream read without
** running anything.  Only phases and steps produce code in function 0.
*/

/* A metadata or contact value as a scalar constant (names and dates as strings). */
static uint32_t meta_value(struct comp *cs, const struct ast_node *v)
{
  struct fval f;

  if (v->kind == AST_NAME)
    return kname(cs, v->u.name.name, v->span);
  if (fold(cs, v, &f) && f.kind != FV_NULL && f.kind != FV_BOOL)
    return checked_k(cs, fval_const(cs, &f), v->span);
  return ktext(cs, v);
}

/* meta -> IDENT expr */
static void comp_meta(struct comp *cs, const struct ast_node *n)
{
  uint32_t w[2];

  w[META_KEY] = kname(cs, n->u.meta.key.name, n->u.meta.key.span);
  w[META_VALUE] = meta_value(cs, n->u.meta.value);
  checked_k(cs, chunk_add_desc(cs->c, CK_META, w, 2), n->span);
}

/* contact -> 'contact' STRING '{' (IDENT expr)* '}' */
static void comp_contact(struct comp *cs, const struct ast_node *n)
{
  uint32_t w[2 + 2 * 32], nw = 2;
  const struct ast_node *f;

  w[CONTACT_ROLE] = kname(cs, n->u.contact.role.name, n->u.contact.role.span);
  for (f = n->u.contact.fields; f && nw < 2 + 2 * 32; f = f->next) {
    w[nw++] = kname(cs, f->u.meta.key.name, f->u.meta.key.span);
    w[nw++] = meta_value(cs, f->u.meta.value);
  }
  w[CONTACT_N] = (nw - 2) / 2;
  checked_k(cs, chunk_add_desc(cs->c, CK_CONTACT, w, nw), n->span);
}

/* The PT_* of a declared param type name. */
static uint32_t param_type(const char *t)
{
  static const char *const names[] = {
    "", "string", "int", "float", "bool", "duration", "list", "map"
  };
  uint32_t i;

  for (i = 1; t && i < sizeof names / sizeof names[0]; i++)
    if (strcmp(t, names[i]) == 0)
      return i;
  return PT_ANY;
}

/* param -> ('param' | 'secret') NAME (':' TYPE)? ('=' expr)? */
static void comp_param(struct comp *cs, const struct ast_node *n)
{
  const char *name = n->u.param.name.name;
  int slot = add_global(cs, name, n->u.param.secret ? GK_SECRET : GK_PARAM, 0,
                        n->u.param.name.span);
  uint32_t w[5];

  if (slot < 0)
    return;
  w[PARAM_NAME] = kname(cs, name, n->u.param.name.span);
  w[PARAM_GLOBAL] = (uint32_t)slot;
  w[PARAM_TYPE] = param_type(n->u.param.type.name);
  w[PARAM_SECRET] = n->u.param.secret;
  w[PARAM_DEFAULT] = CHUNK_NONE32;              /* set by comp_param_default */
  cs->c->globals[slot].ref = (uint16_t)checked_k(cs, chunk_add_desc(cs->c, CK_PARAM, w, 5),
                                                 n->span);
}

/* The default expression of a param, compiled once every name is declared. */
static void comp_param_default(struct comp *cs, const struct ast_node *n)
{
  int slot = find_global(cs, n->u.param.name.name);
  uint32_t ref, fi;

  if (slot < 0 || !n->u.param.value)
    return;
  ref = cs->c->globals[slot].ref;
  fi = expr_fn(cs, n->u.param.value, "param", n->u.param.name.name);
  if (ref < cs->c->nconsts && cs->c->consts[ref].kind == CK_PARAM)
    cs->c->consts[ref].u.desc.w[PARAM_DEFAULT] = fi;
}

/* resource -> 'resource' NAME expr */
static void comp_resource(struct comp *cs, const struct ast_node *n)
{
  int slot = add_global(cs, n->u.resource.name.name, GK_RESOURCE, 0, n->u.resource.name.span);
  uint32_t w[3];

  if (slot < 0)
    return;
  w[RES_NAME] = kname(cs, n->u.resource.name.name, n->u.resource.name.span);
  w[RES_GLOBAL] = (uint32_t)slot;
  w[RES_VALUE] = meta_value(cs, n->u.resource.value);
  if (w[RES_VALUE] < cs->c->nconsts && cs->c->consts[w[RES_VALUE]].kind != CK_STR)
    w[RES_VALUE] = ktext(cs, n->u.resource.value);
  cs->c->globals[slot].ref = (uint16_t)checked_k(cs, chunk_add_desc(cs->c, CK_RESOURCE, w, 3),
                                                 n->span);
}

/* checklist -> 'checklist' STRING '{' ('item' STRING ('verify' expr)?)* '}' */
static void comp_checklist(struct comp *cs, const struct ast_node *n)
{
  uint32_t *w, nw = 2, count = ast_list_len(n->u.checklist.items);
  const struct ast_node *it;
  char label[300];

  w = malloc(((size_t)count * 2 + 2) * sizeof *w);
  if (!w) {
    oom(cs, n->span);
    return;
  }
  w[CL_NAME] = kname(cs, n->u.checklist.name.name, n->u.checklist.name.span);
  w[CL_N] = count;
  for (it = n->u.checklist.items; it; it = it->next) {
    snprintf(label, sizeof label, "%s #%u", n->u.checklist.name.name, (nw - 2) / 2 + 1);
    w[nw++] = kname(cs, it->u.item.text.name, it->u.item.text.span);
    w[nw++] = expr_fn(cs, it->u.item.verify, "verify", label);
  }
  checked_k(cs, chunk_add_desc(cs->c, CK_CHECKLIST, w, nw), n->span);
  free(w);
}

/* threshold -> CMPOP expr | expr '..' expr: three words (op, lo, hi). */
static void threshold(struct comp *cs, const struct ast_node *t, const char *name,
                      const char *which, uint32_t *w)
{
  char label[300];

  snprintf(label, sizeof label, "%s %s", name, which);
  w[0] = t->u.threshold.op < 0 ? CHUNK_CMP_NONE : cmp_word(t->u.threshold.op);
  if (t->u.threshold.op >= 0 && w[0] == CHUNK_CMP_NONE)
    w[0] = CMP_EQ;
  w[1] = expr_fn(cs, t->u.threshold.lo, "monitor", label);
  w[2] = w[0] == CHUNK_CMP_NONE ? expr_fn(cs, t->u.threshold.hi, "monitor", label)
    : CHUNK_NONE32;
  if (w[0] == CHUNK_CMP_NONE && (w[1] == CHUNK_NONE32 || w[2] == CHUNK_NONE32))
    error(cs, DIAG_RB1001, t->span, "a range threshold needs both bounds");
}

/* monitor -> 'monitor' STRING 'value' expr 'normal' threshold 'alert' threshold */
static void comp_monitor(struct comp *cs, const struct ast_node *n)
{
  const char *name = n->u.monitor.name.name;
  uint32_t w[8];

  w[MON_NAME] = kname(cs, name, n->u.monitor.name.span);
  w[MON_VALUE] = expr_fn(cs, n->u.monitor.value, "monitor", name);
  threshold(cs, n->u.monitor.normal, name, "normal", w + MON_NORMAL_OP);
  threshold(cs, n->u.monitor.alert, name, "alert", w + MON_ALERT_OP);
  if (w[MON_VALUE] == CHUNK_NONE32 || w[MON_NORMAL_LO] == CHUNK_NONE32
      || w[MON_ALERT_LO] == CHUNK_NONE32)
    return;                                     /* an error was reported */
  checked_k(cs, chunk_add_desc(cs->c, CK_MONITOR, w, 8), n->span);
}

/* trigger -> 'trigger' 'auto' STRING 'when' expr 'for' expr | 'trigger' 'manual' STRING */
static void comp_trigger(struct comp *cs, const struct ast_node *n)
{
  const char *name = n->u.trigger.name.name;
  uint32_t w[5];

  w[TRIG_NAME] = kname(cs, name, n->u.trigger.name.span);
  w[TRIG_AUTO] = n->u.trigger.automatic;
  w[TRIG_TEXT] = n->u.trigger.cond ? ktext(cs, n->u.trigger.cond) : CHUNK_NONE32;
  w[TRIG_COND] = expr_fn(cs, n->u.trigger.cond, "trigger", name);
  w[TRIG_FOR] = expr_fn(cs, n->u.trigger.duration, "trigger for", name);
  checked_k(cs, chunk_add_desc(cs->c, CK_TRIGGER, w, 5), n->span);
}

/* The TROUBLESHOOT constant named `name`, or CHUNK_NONE32. */
static uint32_t find_troubleshoot(const struct comp *cs, const char *name)
{
  uint32_t i;

  for (i = 0; name && i < cs->nts; i++)
    if (strcmp(cs->ts[i].name, name) == 0)
      return cs->ts[i].desc;
  return CHUNK_NONE32;
}

/* The STEP descriptor of step n, number `number` of phase `phase`. */
static uint32_t step_desc(struct comp *cs, const struct ast_node *n, uint32_t phase,
                          uint32_t number)
{
  uint32_t w[8];

  w[STEP_NAME] = kname(cs, n->u.step.name.name, n->u.step.name.span);
  w[STEP_PHASE] = phase;
  w[STEP_NUMBER] = number;
  w[STEP_ONFAIL] = (uint32_t)n->u.step.on_failure;
  w[STEP_TROUBLESHOOT] = CHUNK_NONE32;
  w[STEP_WHEN] = n->u.step.when ? ktext(cs, n->u.step.when) : CHUNK_NONE32;
  w[STEP_TIMEOUT] = n->u.step.timeout ? ktext(cs, n->u.step.timeout) : CHUNK_NONE32;
  w[STEP_RETRY] = n->u.step.retry ? ktext(cs, n->u.step.retry) : CHUNK_NONE32;
  if (n->u.step.on_failure == ONFAIL_TROUBLESHOOT) {
    w[STEP_TROUBLESHOOT] = find_troubleshoot(cs, n->u.step.troubleshoot.name);
    if (w[STEP_TROUBLESHOOT] == CHUNK_NONE32) {
      error(cs, DIAG_RB2007, n->u.step.troubleshoot.span, "no troubleshoot block named \"%s\"",
            n->u.step.troubleshoot.name ? n->u.step.troubleshoot.name : "");
      w[STEP_ONFAIL] = ONF_ABORT;
    }
  }
  return checked_k(cs, chunk_add_desc(cs->c, CK_STEP, w, 8), n->span);
}

/*
** step -> 'step' STRING ('when' expr)? retry_spec? ('timeout' expr)?
**         ('on' 'failure' ('continue' | 'abort' | 'troubleshoot' STRING))? block
**   STEP_BEGIN s, after; [when; STEP_WHEN end]; [timeout; STEP_TIMEOUT];
**   [retry_spec; RETRY_BEGIN]; body; [RETRY_END]; end: STEP_END s; after:
*/
static void comp_step(struct comp *cs, const struct ast_node *n, uint32_t phase,
                      uint32_t number)
{
  uint32_t desc = step_desc(cs, n, phase, number), jafter, jwhen = 0;

  jafter = emit2(cs, n, OP_STEP_BEGIN, desc, 0);
  if (n->u.step.when) {
    comp_expr(cs, n->u.step.when);
    jwhen = emit1(cs, n->u.step.when, OP_STEP_WHEN, 0);
  }
  if (n->u.step.timeout) {
    comp_expr(cs, n->u.step.timeout);
    emit0(cs, n->u.step.timeout, OP_STEP_TIMEOUT);
  }
  if (n->u.step.retry)
    comp_retry_begin(cs, n->u.step.retry);
  comp_block(cs, n->u.step.body, true);
  if (n->u.step.retry)
    emit0(cs, n->u.step.retry, OP_RETRY_END);
  if (n->u.step.when)
    patch(cs, jwhen);
  emit1(cs, n, OP_STEP_END, desc);
  patch(cs, jafter);
}

/* phase -> 'phase' STRING ('within' expr)? '{' step* '}' */
static void comp_phase(struct comp *cs, const struct ast_node *n, uint32_t number)
{
  const struct ast_node *s;
  uint32_t w[4], desc, i = 0;
  struct fval budget;

  w[PHASE_NAME] = kname(cs, n->u.phase.name.name, n->u.phase.name.span);
  w[PHASE_NUMBER] = number;
  w[PHASE_NSTEPS] = ast_list_len(n->u.phase.steps);
  w[PHASE_WITHIN] = CHUNK_NONE32;               /* the budget, when it is a literal */
  if (n->u.phase.within && fold(cs, n->u.phase.within, &budget)
      && budget.kind != FV_NULL && budget.kind != FV_BOOL)
    w[PHASE_WITHIN] = checked_k(cs, fval_const(cs, &budget), n->span);
  desc = checked_k(cs, chunk_add_desc(cs->c, CK_PHASE, w, 4), n->span);
  comp_opt(cs, n, n->u.phase.within);
  emit1(cs, n, OP_PHASE_BEGIN, desc);
  for (s = n->u.phase.steps; s; s = s->next) {
    if (s->kind == AST_STEP)
      comp_step(cs, s, number, ++i);
    else
      error(cs, DIAG_RB1012, s->span, "a phase holds steps only");
  }
  emit1(cs, n, OP_PHASE_END, desc);
}

/* }==== */

/* {==== imports ==== */

#define MAX_IMPORT_DEPTH 16

/* Directory part of path (with its slash) into buf: "a/b.rb" -> "a/". */
static void dir_of(const char *path, char *buf, size_t size)
{
  const char *slash = strrchr(path, '/');
  size_t n = slash ? (size_t)(slash - path) + 1 : 0;

  if (n >= size)
    n = 0;
  memcpy(buf, path, n);
  buf[n] = '\0';
}

/*
** Find the library `path` imported from cs->src: next to the importing
** file, then in each lib dir.  Writes the path that exists into buf.
*/
static bool find_lib(const struct comp *cs, const char *path, char *buf, size_t size)
{
  const char *const *d = cs->opts ? cs->opts->lib_dirs : NULL;
  char dir[1024];
  int n;

  dir_of(cs->src->name, dir, sizeof dir);
  n = snprintf(buf, size, "%s%s", path[0] == '/' ? "" : dir, path);
  if (n > 0 && (size_t)n < size && access(buf, R_OK) == 0)
    return true;
  for (; path[0] != '/' && d && *d; d++) {
    n = snprintf(buf, size, "%s/%s", *d, path);
    if (n > 0 && (size_t)n < size && access(buf, R_OK) == 0)
      return true;
  }
  return false;
}

/* Record a loaded library; returns it, NULL when out of memory. */
static struct lib *add_lib(struct comp *cs, char *real, struct source *src, struct span at)
{
  struct lib *nl;

  if (cs->nlibs == cs->libcap) {
    nl = realloc(cs->libs, (cs->libcap ? cs->libcap * 2 : 4) * sizeof *nl);
    if (!nl)
      return NULL;
    cs->libs = nl;
    cs->libcap = cs->libcap ? cs->libcap * 2 : 4;
  }
  nl = &cs->libs[cs->nlibs++];
  nl->path = real;
  nl->src = src;
  nl->file = NULL;
  nl->at = at;
  return nl;
}

/* Has the library at resolved path `real` been loaded (or is it loading)? */
static bool lib_loaded(const struct comp *cs, const char *real)
{
  uint32_t i;

  for (i = 0; i < cs->nlibs; i++)
    if (strcmp(cs->libs[i].path, real) == 0)
      return true;
  return false;
}

static void comp_imports(struct comp *cs, const struct ast_node *list);

/* Declare the fns of library l as runbook-level functions. */
static void declare_lib_fns(struct comp *cs, const struct lib *l)
{
  const struct ast_node *it;
  uint32_t fi, file = kname(cs, l->src->name, l->at);

  for (it = l->file->u.file.items; it; it = it->next) {
    if (it->kind != AST_FN)
      continue;
    fi = new_fn(cs, FK_FN, it->span, "%s", it->u.fn.name.name);
    if (fi == 0)
      continue;
    cs->c->fns[fi].file = (uint16_t)file;
    add_global(cs, it->u.fn.name.name, GK_FN, (uint16_t)fi, it->u.fn.name.span);
  }
}

/* Read and parse one library; -1 (after a diagnostic) when it cannot be used. */
static int parse_lib(struct comp *cs, struct lib *l, const char *path)
{
  struct diag_list tmp;
  struct parse_result pr;
  int rc;

  diag_init(&tmp);
  rc = parse_source(cs->arena, l->src, &tmp, &pr);
  if (rc != 0 || !pr.file || diag_has_errors(&tmp)) {
    error(cs, DIAG_RB2017, l->at, "library \"%s\" has syntax errors", path);
    rc = -1;
  }
  diag_free(&tmp);
  l->file = rc == 0 ? pr.file : NULL;
  return rc;
}

/* import -> 'import' STRING: load the library once and declare its fns. */
static void comp_import(struct comp *cs, const struct ast_node *imp)
{
  const struct source *from = cs->src;
  char path[1024], found[4096], *real;
  struct fval lit;
  struct source *src;
  struct lib *l;
  int err = 0;

  if (!fold(cs, imp->u.import.path, &lit) || lit.kind != FV_STR || lit.len >= sizeof path
      || memchr(lit.s, '\0', lit.len)) {
    error(cs, DIAG_RB2017, imp->span, "an import path must be a plain string");
    return;
  }
  memcpy(path, lit.s, lit.len);
  path[lit.len] = '\0';
  if (!find_lib(cs, path, found, sizeof found)) {
    error(cs, DIAG_RB2017, imp->span, "library \"%s\" not found", path);
    return;
  }
  real = realpath(found, NULL);
  if (real && lib_loaded(cs, real)) {
    free(real);
    return;
  }
  src = real ? src_read_file(found, &err) : NULL;
  l = src ? add_lib(cs, real, src, cs->src == cs->main ? imp->span : cs->at_import) : NULL;
  if (!l) {
    error(cs, DIAG_RB2017, imp->span, "cannot read library \"%s\"", path);
    free(real);
    src_free(src);
    return;
  }
  if (cs->opts && cs->opts->on_library && cs->opts->on_library(found, cs->opts->library_ctx) != 0) {
    cs->failed = cs->refused = true;    /* the caller said why: compile nothing more */
    return;
  }
  if (parse_lib(cs, l, path) < 0 || cs->import_depth >= MAX_IMPORT_DEPTH)
    return;
  cs->import_depth++;
  cs->at_import = l->at;
  cs->src = l->src;
  comp_imports(cs, l->file->u.file.imports);
  comp_imports(cs, l->file->u.file.items);
  declare_lib_fns(cs, l);
  cs->src = from;
  cs->import_depth--;
}

/* Every IMPORT node of list (file imports or runbook items). */
static void comp_imports(struct comp *cs, const struct ast_node *list)
{
  for (; list && !cs->refused; list = list->next)
    if (list->kind == AST_IMPORT)
      comp_import(cs, list);
}

/* Compile the fn bodies of every loaded library. */
static void define_lib_fns(struct comp *cs)
{
  const struct source *from = cs->src;
  const struct ast_node *it;
  uint32_t i;
  int slot;

  for (i = 0; i < cs->nlibs; i++) {
    if (!cs->libs[i].file)
      continue;
    cs->src = cs->libs[i].src;
    cs->at_import = cs->libs[i].at;
    for (it = cs->libs[i].file->u.file.items; it; it = it->next) {
      slot = it->kind == AST_FN ? find_global(cs, it->u.fn.name.name) : -1;
      if (slot >= 0 && cs->c->globals[slot].kind == GK_FN
          && cs->c->fns[cs->c->globals[slot].ref].file != CHUNK_NONE)
        comp_fn(cs, it, cs->c->globals[slot].ref);
    }
  }
  cs->src = from;
}

/* Release the libraries' sources and paths. */
static void free_libs(struct comp *cs)
{
  uint32_t i;

  for (i = 0; i < cs->nlibs; i++) {
    free(cs->libs[i].path);
    src_free(cs->libs[i].src);
  }
  free(cs->libs);
}

/* }==== */

/* {==== the file ==== */

/*
** Two passes over the runbook's items.  The first declares every
** runbook-level name (so a fn can call one defined below it, and a step can
** name a troubleshoot block defined at the end) and writes the static
** descriptors; the second compiles bodies: fns, troubleshoot blocks and
** param defaults, then the phases into function 0, then the expression
** functions of checklists, monitors and triggers.
*/

/* Declare the step-level lets of every step as runbook-level bindings. */
static void declare_step_lets(struct comp *cs, const struct ast_node *items)
{
  const struct ast_node *it, *st, *s;
  int slot;

  for (it = items; it; it = it->next) {
    if (it->kind != AST_PHASE)
      continue;
    for (st = it->u.phase.steps; st; st = st->next) {
      if (st->kind != AST_STEP || !st->u.step.body || st->u.step.body->kind != AST_BLOCK)
        continue;
      for (s = st->u.step.body->u.block.stmts; s; s = s->next) {
        if (s->kind != AST_LET)
          continue;
        slot = find_global(cs, s->u.let.name.name);
        if (slot < 0)
          add_global(cs, s->u.let.name.name, GK_LET, CHUNK_NONE, s->u.let.name.span);
      }
    }
  }
}

/* First pass: every runbook-level name and the static descriptors. */
static void declare_items(struct comp *cs, const struct ast_node *items)
{
  const struct ast_node *it;
  uint32_t fi;

  for (it = items; it; it = it->next) {
    switch (it->kind) {
    case AST_FN:
      fi = new_fn(cs, FK_FN, it->span, "%s", it->u.fn.name.name);
      if (fi != 0)
        add_global(cs, it->u.fn.name.name, GK_FN, (uint16_t)fi, it->u.fn.name.span);
      break;
    case AST_PARAM: comp_param(cs, it); break;
    case AST_RESOURCE: comp_resource(cs, it); break;
    case AST_META: comp_meta(cs, it); break;
    case AST_CONTACT: comp_contact(cs, it); break;
    default: break;
    }
  }
  declare_step_lets(cs, items);
}

/* Second pass: function bodies, then the phases into function 0, then the rest. */
static void define_items(struct comp *cs, const struct ast_node *items,
                         const struct ast_node *at)
{
  const struct ast_node *it;
  struct fstate fs0, *prev;
  uint32_t phase = 0;
  int slot;

  for (it = items; it; it = it->next) {
    slot = it->kind == AST_FN ? find_global(cs, it->u.fn.name.name) : -1;
    if (slot >= 0 && cs->c->globals[slot].kind == GK_FN)
      comp_fn(cs, it, cs->c->globals[slot].ref);
    else if (it->kind == AST_TROUBLESHOOT)
      comp_troubleshoot(cs, it);
    else if (it->kind == AST_PARAM)
      comp_param_default(cs, it);
  }
  prev = fn_begin(cs, &fs0, 0, false);
  for (it = items; it; it = it->next)
    if (it->kind == AST_PHASE)
      comp_phase(cs, it, ++phase);
  emit0(cs, at, OP_NULL);
  emit0(cs, at, OP_RETURN);
  fn_end(cs, prev);
  for (it = items; it; it = it->next) {
    if (it->kind == AST_CHECKLIST)
      comp_checklist(cs, it);
    else if (it->kind == AST_MONITOR)
      comp_monitor(cs, it);
    else if (it->kind == AST_TRIGGER)
      comp_trigger(cs, it);
    else if (it->kind == AST_STEP)
      error(cs, DIAG_RB1012, it->span, "a step must be inside a phase");
  }
}

/* Compile the runbook (or the library's fns) of file into cs->c. */
static void comp_file(struct comp *cs, const struct ast_node *file)
{
  const struct ast_node *rb = NULL, *it, *items = file->u.file.items;
  char name[300];

  for (it = file->u.file.items; it; it = it->next)
    if (it->kind == AST_RUNBOOK && !rb)
      rb = it;
  if (rb) {
    items = rb->u.runbook.items;
    snprintf(name, sizeof name, "<runbook %s>", rb->u.runbook.name.name);
    cs->c->runbook = (uint16_t)kname(cs, rb->u.runbook.name.name, rb->span);
  } else {
    snprintf(name, sizeof name, "<library>");
  }
  if (chunk_add_fn(cs->c, (uint16_t)kname(cs, name, file->span),
                   rb ? FK_RUNBOOK : FK_LIBRARY) != 0) {
    oom(cs, file->span);
    return;
  }
  comp_imports(cs, file->u.file.imports);
  if (rb)
    comp_imports(cs, items);
  if (cs->refused)
    return;
  declare_items(cs, items);
  define_lib_fns(cs);
  define_items(cs, items, rb ? rb : file);
  for (it = file->u.file.items; rb && it; it = it->next)
    if (it->kind == AST_FN)
      error(cs, DIAG_RB1012, it->span, "a fn beside a runbook must be inside it");
}

/* comp_compile_opts with the installed stdlib as the only library directory. */
int comp_compile(const struct source *src, const struct ast_node *file,
                 struct diag_list *diags, struct chunk **out)
{
#ifdef RBC_STDLIB_DIR
  static const char *const dirs[] = { RBC_STDLIB_DIR, NULL };
  struct comp_options opts = { .lib_dirs = dirs };

  return comp_compile_opts(src, file, &opts, diags, out);
#else
  return comp_compile_opts(src, file, NULL, diags, out);
#endif
}

/* Compile file into a new verified chunk; -1 with diagnostics on failure. */
int comp_compile_opts(const struct source *src, const struct ast_node *file,
                      const struct comp_options *opts, struct diag_list *diags,
                      struct chunk **out)
{
  struct comp cs;
  char sha[65], why[200];

  *out = NULL;
  memset(&cs, 0, sizeof cs);
  cs.src = src;
  cs.main = src;
  cs.opts = opts;
  cs.diags = diags;
  src_sha256_hex(src, sha);
  cs.c = chunk_new(src->name, sha);
  cs.arena = arena_new();
  if (!cs.c || !cs.arena || !file || file->kind != AST_FILE) {
    if (file && file->kind == AST_FILE)
      oom(&cs, file->span);
    else
      error(&cs, DIAG_RB9001, (struct span){ 0, 0 }, "nothing to compile");
  } else {
    comp_file(&cs, file);
  }
  if (!cs.failed && chunk_verify(cs.c, why, sizeof why) < 0) {
    error(&cs, DIAG_RB9001, file->span, "compiler produced invalid bytecode: %s", why);
    if (strcmp(why, "out of memory") == 0)
      cs.diags->oom = true;     /* the verifier's own allocation failed: exit 70 */
  }
  free_libs(&cs);
  arena_free(cs.arena);
  free(cs.globals);
  free(cs.gindex);
  free(cs.ts);
  if (cs.failed) {
    chunk_free(cs.c);
    return -1;
  }
  *out = cs.c;
  return 0;
}

/* }==== */
