/*
** bytecode.c: chunks in memory (building, freeing), the instruction decoder
** driven by opcodes.def, the verifier, and the file format (chunk_save,
** chunk_load).  docs/bytecode.md is the reference for all of it.
**
** The loader treats its input as hostile: every count and length is checked
** against the bytes that remain before anything is allocated, and the whole
** chunk goes through chunk_verify before it is handed out, so the VM can rely
** on operand bounds, jump targets and stack depths.
*/
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stdlib/builtins.h"
#include "vm/bytecode.h"

/* {==== the opcode table ==== */

/*
** Everything about instructions is derived from vm/opcodes.def: this table
** (name, operand letters, stack effect, flags, synopsis), the operand sizes
** (OPND entries) and hence every instruction's length.  An instruction is
** one opcode byte followed by its operands in fmt order, little-endian and
** unaligned, so decoding needs nothing but the table.
*/

const struct chunk_opinfo chunk_ops[OP__COUNT] = {
#define OP(name, fmt, in, out, flags, synopsis) { #name, fmt, in, out, flags, synopsis },
#include "vm/opcodes.def"
};

/* Size in bytes of each operand kind, from the OPND entries. */
unsigned chunk_opnd_size(char c)
{
  switch (c) {
#define OPND(letter, name, bytes, what) case letter: return bytes;
#include "vm/opcodes.def"
  default: return 0;
  }
}

/* Instruction length: the opcode byte plus its operands' sizes (0: no such op). */
unsigned chunk_op_length(enum rbc_op op)
{
  unsigned len = 1;
  const char *f;

  if ((unsigned)op >= OP__COUNT)
    return 0;
  for (f = chunk_ops[op].fmt; *f; f++)
    len += chunk_opnd_size(*f);
  return len;
}

/* Little-endian reads of 1, 2 or 4 bytes. */
static uint32_t get_le(const uint8_t *p, unsigned n)
{
  uint32_t v = 0;

  while (n-- > 0)
    v = (v << 8) | p[n];
  return v;
}

/* Decode one instruction from the table alone; -1 on a bad opcode or truncation. */
int chunk_decode(const uint8_t *code, uint32_t code_len, uint32_t pc,
                 struct chunk_insn *out)
{
  const char *f;
  uint32_t at;

  if (pc >= code_len || code[pc] >= OP__COUNT)
    return -1;
  out->op = (enum rbc_op)code[pc];
  out->pc = pc;
  out->nopnd = 0;
  at = pc + 1;
  for (f = chunk_ops[out->op].fmt; *f; f++) {
    unsigned sz = chunk_opnd_size(*f);

    if (code_len - at < sz)
      return -1;
    out->opnd[out->nopnd++] = get_le(code + at, sz);
    at += sz;
  }
  out->len = at - pc;
  return 0;
}

/* The count operand ('c' or 'N') of insn, 0 when it has none. */
static uint32_t count_operand(const struct chunk_insn *insn)
{
  uint32_t v = chunk_insn_operand(insn, 'c');

  if (v == CHUNK_NONE32)
    v = chunk_insn_operand(insn, 'N');
  return v == CHUNK_NONE32 ? 0 : v;
}

/* Values popped by insn: the table's count, or VAR(m, a) = m * count + a. */
int chunk_stack_in(const struct chunk_insn *insn)
{
  int in = chunk_ops[insn->op].in;
  int v, m, a;

  if (in >= 0)
    return in;
  v = -1 - in;
  m = v / 256;
  a = v % 256;
  return m * (int)count_operand(insn) + a;
}

/* Values pushed by insn (always a fixed number). */
int chunk_stack_out(const struct chunk_insn *insn)
{
  return chunk_ops[insn->op].out;
}

/* The first operand of kind `letter`, or CHUNK_NONE32. */
uint32_t chunk_insn_operand(const struct chunk_insn *insn, char letter)
{
  const char *f = chunk_ops[insn->op].fmt;
  int i;

  for (i = 0; i < insn->nopnd && f[i]; i++)
    if (f[i] == letter)
      return insn->opnd[i];
  return CHUNK_NONE32;
}

/* }==== */

/* {==== names of kinds ==== */

static const char *const kind_names[CK__COUNT] = {
#define X(name, str, schema, fields) str,
  CHUNK_KINDS(X)
#undef X
};

static const char *const kind_schemas[CK__COUNT] = {
#define X(name, str, schema, fields) schema,
  CHUNK_KINDS(X)
#undef X
};

static const char *const kind_fields[CK__COUNT] = {
#define X(name, str, schema, fields) fields,
  CHUNK_KINDS(X)
#undef X
};

/* Space-separated names of a descriptor kind's words (listings). */
const char *chunk_kind_fields(enum chunk_kind kind)
{
  return (unsigned)kind < CK__COUNT ? kind_fields[kind] : "";
}

/* Listing name of a constant kind ("?" when out of range). */
const char *chunk_kind_name(enum chunk_kind kind)
{
  return (unsigned)kind < CK__COUNT ? kind_names[kind] : "?";
}

/* Word schema of a constant kind ("" for scalars). */
const char *chunk_kind_schema(enum chunk_kind kind)
{
  return (unsigned)kind < CK__COUNT ? kind_schemas[kind] : "";
}

/* Name of a global kind: param, secret, fn, resource, let. */
const char *chunk_gkind_name(enum chunk_gkind kind)
{
  static const char *const names[GK__COUNT] = { "param", "secret", "fn", "resource", "let" };

  return (unsigned)kind < GK__COUNT ? names[kind] : "?";
}

/* Name of a function kind: runbook, library, fn, troubleshoot, expr. */
const char *chunk_fkind_name(enum chunk_fkind kind)
{
  static const char *const names[FK__COUNT] = {
    "runbook", "library", "fn", "troubleshoot", "expr"
  };

  return (unsigned)kind < FK__COUNT ? names[kind] : "?";
}

/* Is kind a scalar (pushable by CONST)? */
static bool is_scalar(uint8_t kind)
{
  return kind == CK_INT || kind == CK_FLOAT || kind == CK_STR || kind == CK_DURATION
    || kind == CK_PERCENT;
}

/* }==== */

/* {==== building ==== */

/*
** The compiler builds a chunk incrementally: constants are interned (an
** equal constant is reused, so `"ok"` used ten times is one entry and the
** golden listings stay small), globals and functions are appended, and
** instructions are encoded by chunk_emit from the same table the decoder
** reads.  Arrays grow by doubling; every growth failure is reported to the
** caller, which turns it into a diagnostic.
**
** Interning uses an open-addressing table of constant indices + 1 (0 marks
** an empty bucket) keyed by FNV-1a over the kind and payload bytes; floats
** compare by bit pattern, so 0.0 and -0.0 stay distinct constants.
*/

/*
** Grow *arr (of *cap elements of size sz) to hold need elements, doubling.
** arr is a pointer to the array pointer.  Returns 0, or -1 when out of
** memory (the array is then unchanged).
*/
static int grow(void *arr, uint32_t *cap, uint32_t need, size_t sz)
{
  void **p = arr;
  uint32_t ncap = *cap ? *cap : 8;
  void *n;

  if (need <= *cap)
    return 0;
  while (ncap < need)
    ncap *= 2;
  n = realloc(*p, (size_t)ncap * sz);
  if (!n)
    return -1;
  *p = n;
  *cap = ncap;
  return 0;
}

/* An empty chunk owning a copy of source; the digest is copied when it has 64 chars. */
struct chunk *chunk_new(const char *source, const char *sha256)
{
  struct chunk *c = calloc(1, sizeof *c);

  if (!c)
    return NULL;
  if (!source)
    source = "";
  c->source = malloc(strlen(source) + 1);
  if (!c->source) {
    free(c);
    return NULL;
  }
  memcpy(c->source, source, strlen(source) + 1);
  if (sha256 && strlen(sha256) == 64)
    memcpy(c->sha256, sha256, 65);
  else
    memset(c->sha256, '0', 64);
  c->sha256[64] = '\0';
  c->runbook = CHUNK_NONE;
  return c;
}

/* Free c, its strings, descriptor words, code and line tables. */
void chunk_free(struct chunk *c)
{
  uint32_t i;

  if (!c)
    return;
  for (i = 0; i < c->nconsts; i++) {
    if (c->consts[i].kind == CK_STR)
      free(c->consts[i].u.str.bytes);
    else if (!is_scalar(c->consts[i].kind))
      free(c->consts[i].u.desc.w);
  }
  for (i = 0; i < c->nfns; i++) {
    free(c->fns[i].code);
    free(c->fns[i].lines);
  }
  free(c->consts);
  free(c->globals);
  free(c->fns);
  free(c->hash);
  free(c->source);
  free(c);
}

/* FNV-1a over a constant's kind and payload. */
static uint32_t const_hash(const struct chunk_const *k)
{
  uint32_t h = 2166136261u;
  const uint8_t *p;
  size_t n, i;

  if (k->kind == CK_STR) {
    p = (const uint8_t *)k->u.str.bytes;
    n = k->u.str.len;
  } else if (is_scalar(k->kind)) {
    p = (const uint8_t *)&k->u;
    n = 8;
  } else {
    p = (const uint8_t *)k->u.desc.w;
    n = (size_t)k->u.desc.n * 4;
  }
  h = (h ^ k->kind) * 16777619u;
  for (i = 0; i < n; i++)
    h = (h ^ p[i]) * 16777619u;
  return h;
}

static bool const_equal(const struct chunk_const *a, const struct chunk_const *b)
{
  if (a->kind != b->kind)
    return false;
  if (a->kind == CK_STR)
    return a->u.str.len == b->u.str.len
      && memcmp(a->u.str.bytes, b->u.str.bytes, a->u.str.len) == 0;
  if (is_scalar(a->kind))
    return memcmp(&a->u, &b->u, 8) == 0;       /* floats by bit pattern */
  return a->u.desc.n == b->u.desc.n
    && memcmp(a->u.desc.w, b->u.desc.w, (size_t)a->u.desc.n * 4) == 0;
}

/* Re-insert every constant into a table of twice the size. */
static int rehash(struct chunk *c)
{
  uint32_t ncap = c->hash_cap ? c->hash_cap * 2 : 64;
  uint32_t *t = calloc(ncap, sizeof *t);
  uint32_t i;

  if (!t)
    return -1;
  for (i = 0; i < c->nconsts; i++) {
    uint32_t h = const_hash(&c->consts[i]) & (ncap - 1);

    while (t[h])
      h = (h + 1) & (ncap - 1);
    t[h] = i + 1;
  }
  free(c->hash);
  c->hash = t;
  c->hash_cap = ncap;
  return 0;
}

/*
** Find k in the pool or append it.  The pool takes ownership of k's payload
** when it is appended and frees it when an equal constant already exists.
*/
static int intern(struct chunk *c, struct chunk_const *k)
{
  uint32_t h;

  if ((c->nconsts + 1) * 2 > c->hash_cap && rehash(c) < 0)
    goto fail;
  h = const_hash(k) & (c->hash_cap - 1);
  for (; c->hash[h]; h = (h + 1) & (c->hash_cap - 1)) {
    if (const_equal(&c->consts[c->hash[h] - 1], k)) {
      if (k->kind == CK_STR)
        free(k->u.str.bytes);
      else if (!is_scalar(k->kind))
        free(k->u.desc.w);
      return (int)c->hash[h] - 1;
    }
  }
  if (c->nconsts > CHUNK_MAX_INDEX
      || grow(&c->consts, &c->consts_cap, c->nconsts + 1, sizeof *c->consts) < 0)
    goto fail;
  c->consts[c->nconsts] = *k;
  c->hash[h] = c->nconsts + 1;
  return (int)c->nconsts++;
fail:
  if (k->kind == CK_STR)
    free(k->u.str.bytes);
  else if (!is_scalar(k->kind))
    free(k->u.desc.w);
  return -1;
}

/* Intern an int constant; its index or -1. */
int chunk_add_int(struct chunk *c, int64_t i)
{
  struct chunk_const k = { .kind = CK_INT, .u.i = i };

  return intern(c, &k);
}

/* Intern a duration constant (milliseconds); its index or -1. */
int chunk_add_duration(struct chunk *c, int64_t ms)
{
  struct chunk_const k = { .kind = CK_DURATION, .u.i = ms };

  return intern(c, &k);
}

/* Intern a float constant; its index or -1. */
int chunk_add_float(struct chunk *c, double f)
{
  struct chunk_const k = { .kind = CK_FLOAT, .u.f = f };

  return intern(c, &k);
}

/* Intern a percent constant (the fraction); its index or -1. */
int chunk_add_percent(struct chunk *c, double f)
{
  struct chunk_const k = { .kind = CK_PERCENT, .u.f = f };

  return intern(c, &k);
}

/* Intern a copy of bytes[0..len) (NULs allowed); its index or -1. */
int chunk_add_str(struct chunk *c, const char *bytes, uint32_t len)
{
  struct chunk_const k = { .kind = CK_STR };

  k.u.str.bytes = malloc((size_t)len + 1);
  if (!k.u.str.bytes)
    return -1;
  if (len)
    memcpy(k.u.str.bytes, bytes, len);
  k.u.str.bytes[len] = '\0';
  k.u.str.len = len;
  return intern(c, &k);
}

/* Intern a descriptor of n words (copied); its index or -1. */
int chunk_add_desc(struct chunk *c, enum chunk_kind kind, const uint32_t *w, uint32_t n)
{
  struct chunk_const k = { .kind = (uint8_t)kind };

  k.u.desc.w = malloc(n ? (size_t)n * 4 : 1);
  if (!k.u.desc.w)
    return -1;
  if (n)
    memcpy(k.u.desc.w, w, (size_t)n * 4);
  k.u.desc.n = n;
  return intern(c, &k);
}

/* True once the pool holds every index a u16 operand can name. */
bool chunk_full(const struct chunk *c)
{
  return c->nconsts > CHUNK_MAX_INDEX;
}

/* Append a global slot; its index or -1. */
int chunk_add_global(struct chunk *c, uint16_t name, enum chunk_gkind kind, uint16_t ref)
{
  if (c->nglobals > CHUNK_MAX_INDEX
      || grow(&c->globals, &c->globals_cap, c->nglobals + 1, sizeof *c->globals) < 0)
    return -1;
  c->globals[c->nglobals].name = name;
  c->globals[c->nglobals].kind = (uint8_t)kind;
  c->globals[c->nglobals].ref = ref;
  return (int)c->nglobals++;
}

/* Append an empty function (no params, own source); its index or -1. */
int chunk_add_fn(struct chunk *c, uint16_t name, enum chunk_fkind kind)
{
  struct chunk_fn *f;

  if (c->nfns > CHUNK_MAX_INDEX || grow(&c->fns, &c->fns_cap, c->nfns + 1, sizeof *c->fns) < 0)
    return -1;
  f = &c->fns[c->nfns];
  memset(f, 0, sizeof *f);
  f->name = name;
  f->kind = (uint8_t)kind;
  f->params = CHUNK_NONE;
  f->file = CHUNK_NONE;
  return (int)c->nfns++;
}

/* Little-endian write of n bytes of v. */
static void put_le(uint8_t *p, uint32_t v, unsigned n)
{
  unsigned i;

  for (i = 0; i < n; i++)
    p[i] = (uint8_t)(v >> (8 * i));
}

/* Encode op and its operands at the end of fn and record pos; offset or -1. */
long chunk_emit(struct chunk_fn *fn, enum rbc_op op, const uint32_t *opnd,
                struct chunk_line pos)
{
  unsigned len = chunk_op_length(op);
  uint32_t pc = fn->code_len;
  const char *f;
  int i = 0;

  if (len == 0 || fn->code_len + len > CHUNK_MAX_CODE
      || grow(&fn->code, &fn->code_cap, fn->code_len + len, 1) < 0
      || grow(&fn->lines, &fn->lines_cap, fn->nlines + 1, sizeof *fn->lines) < 0)
    return -1;
  fn->code[pc] = (uint8_t)op;
  len = 1;
  for (f = chunk_ops[op].fmt; *f; f++, i++) {
    unsigned sz = chunk_opnd_size(*f);

    put_le(fn->code + pc + len, opnd[i], sz);
    len += sz;
  }
  fn->code_len += len;
  fn->lines[fn->nlines++] = pos;
  return (long)pc;
}

/* Rewrite the 'j' operand of the instruction at pc (no-op without one). */
void chunk_patch_jump(struct chunk_fn *fn, uint32_t pc, uint32_t target)
{
  const char *f = chunk_ops[fn->code[pc]].fmt;
  uint32_t at = pc + 1;

  for (; *f && *f != 'j'; f++)
    at += chunk_opnd_size(*f);
  if (*f == 'j')
    put_le(fn->code + at, target, 4);
}

/* Line entry of the instruction at pc, found by decoding from 0. */
const struct chunk_line *chunk_fn_line(const struct chunk_fn *fn, uint32_t pc)
{
  struct chunk_insn in;
  uint32_t at = 0, idx = 0;

  while (at < pc && chunk_decode(fn->code, fn->code_len, at, &in) == 0) {
    at += in.len;
    idx++;
  }
  if (at != pc || pc >= fn->code_len || idx >= fn->nlines)
    return NULL;
  return &fn->lines[idx];
}

/* Constant k when it is a string, else NULL. */
const struct chunk_const *chunk_str(const struct chunk *c, uint32_t k)
{
  if (k >= c->nconsts || c->consts[k].kind != CK_STR)
    return NULL;
  return &c->consts[k];
}

/* }==== */

/* {==== verification ==== */

/*
** The verifier is what makes a chunk from a file as trustworthy as one the
** compiler just built.  It runs in three layers:
**
**  1. the pools: each constant's kind is known and each descriptor has
**     exactly the words its schema (CHUNK_KINDS) asks for, every word in
**     range; each global's reference matches its kind;
**  2. per function, a linear sweep: the code decodes into whole
**     instructions (marking their starts), the line table has one entry per
**     instruction, and each operand is checked against its letter (constant
**     of the right kind, slot below the count, jump onto an instruction
**     start, built-in below the table size) plus a few opcode rules;
**  3. per function, abstract interpretation: a worklist walk of the
**     control-flow graph from pc 0 carrying (stack depth, handler depth,
**     inside-a-branch).  Each instruction's effect comes from the opcode
**     table; a state reaching an instruction twice must be identical, so the
**     depth at every instruction is a single number and the VM can size
**     frames by max_stack without runtime checks.  Every instruction start
**     is pushed on the worklist at most once, so the walk is linear.
**
** Messages name the function and the offset, and never quote bytes of the
** file beyond numbers, so nothing a hostile file holds is echoed.
*/

/* printf into err (when errlen > 0); returns -1 for `return fail(...)`. */
static int fail(char *err, size_t errlen, const char *fmt, ...)
  __attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
  va_list ap;

  if (errlen > 0) {
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
  }
  return -1;
}

/* Is constant k of kind `kind`? */
static bool const_is(const struct chunk *c, uint32_t k, enum chunk_kind kind)
{
  return k < c->nconsts && c->consts[k].kind == kind;
}

/* Does one descriptor word satisfy schema letter `s`? */
static bool word_ok(const struct chunk *c, char s, uint32_t v)
{
  switch (s) {
  case 's': return const_is(c, v, CK_STR);
  case 'S': return v == CHUNK_NONE32 || const_is(c, v, CK_STR);
  case 'k': return v < c->nconsts && is_scalar(c->consts[v].kind);
  case 'K': return v == CHUNK_NONE32 || (v < c->nconsts && is_scalar(c->consts[v].kind));
  case 'f': return v < c->nfns;
  case 'F': return v == CHUNK_NONE32 || v < c->nfns;
  case 'g': return v < c->nglobals;
  case 'T': return v == CHUNK_NONE32 || const_is(c, v, CK_TROUBLESHOOT);
  case 'u': return true;
  case 'b': return v < 2;
  case 'o': return v < 4;
  case 't': return v <= PT_MAP;
  case 'r': return v < CMP__COUNT || v == CHUNK_CMP_NONE;
  case 'w': return v <= HC_WITHIN;
  default: return false;
  }
}

/* Kind-specific rules beyond the schema. */
static int desc_rules(const struct chunk_const *k, char *err, size_t errlen, uint32_t idx)
{
  const uint32_t *w = k->u.desc.w;

  if (k->kind == CK_MONITOR) {
    if ((w[MON_NORMAL_OP] == CHUNK_CMP_NONE) != (w[MON_NORMAL_HI] != CHUNK_NONE32)
        || (w[MON_ALERT_OP] == CHUNK_CMP_NONE) != (w[MON_ALERT_HI] != CHUNK_NONE32))
      return fail(err, errlen, "constant %u: monitor range without both bounds", idx);
  } else if (k->kind == CK_STEP) {
    if ((w[STEP_ONFAIL] == ONF_TROUBLESHOOT) != (w[STEP_TROUBLESHOOT] != CHUNK_NONE32))
      return fail(err, errlen, "constant %u: step troubleshoot does not match on-failure",
                  idx);
  }
  return 0;
}

/* Check a descriptor's words against its kind's schema. */
static int verify_desc(const struct chunk *c, uint32_t idx, char *err, size_t errlen)
{
  const struct chunk_const *k = &c->consts[idx];
  const char *schema = kind_schemas[k->kind];
  const char *star = strchr(schema, '*');
  uint32_t fixed = (uint32_t)(star ? (size_t)(star - schema) : strlen(schema));
  uint32_t i, n = k->u.desc.n, count = 0, glen = 0;

  if (star) {
    glen = (uint32_t)strlen(star + 1);
    if (n <= fixed)
      return fail(err, errlen, "constant %u: %s descriptor too short", idx, kind_names[k->kind]);
    count = k->u.desc.w[fixed];
    if ((uint64_t)n != (uint64_t)fixed + 1 + (uint64_t)count * glen)
      return fail(err, errlen, "constant %u: %s descriptor has %u words for %u entries",
                  idx, kind_names[k->kind], n, count);
  } else if (n != fixed) {
    return fail(err, errlen, "constant %u: %s descriptor has %u words, expected %u",
                idx, kind_names[k->kind], n, fixed);
  }
  for (i = 0; i < n; i++) {
    char s;

    if (i < fixed)
      s = schema[i];
    else if (i == fixed)
      continue;                                 /* the count word */
    else
      s = star[1 + (i - fixed - 1) % glen];
    if (!word_ok(c, s, k->u.desc.w[i]))
      return fail(err, errlen, "constant %u: %s descriptor word %u out of range",
                  idx, kind_names[k->kind], i);
  }
  return desc_rules(k, err, errlen, idx);
}

static int verify_consts(const struct chunk *c, char *err, size_t errlen)
{
  uint32_t i;

  if (c->nconsts > CHUNK_MAX_INDEX + 1)
    return fail(err, errlen, "too many constants (%u)", c->nconsts);
  for (i = 0; i < c->nconsts; i++) {
    const struct chunk_const *k = &c->consts[i];

    if (k->kind >= CK__COUNT)
      return fail(err, errlen, "constant %u: unknown kind %u", i, k->kind);
    if ((k->kind == CK_FLOAT || k->kind == CK_PERCENT) && !isfinite(k->u.f))
      return fail(err, errlen, "constant %u: float is not finite", i);
    if (!is_scalar(k->kind) && verify_desc(c, i, err, errlen) < 0)
      return -1;
  }
  return 0;
}

static int verify_globals(const struct chunk *c, char *err, size_t errlen)
{
  uint32_t i;

  if (c->nglobals > CHUNK_MAX_INDEX + 1)
    return fail(err, errlen, "too many globals (%u)", c->nglobals);
  for (i = 0; i < c->nglobals; i++) {
    const struct chunk_global *g = &c->globals[i];
    bool ok;

    if (!const_is(c, g->name, CK_STR) || g->kind >= GK__COUNT)
      return fail(err, errlen, "global %u: bad name or kind", i);
    switch (g->kind) {
    case GK_PARAM: case GK_SECRET: ok = const_is(c, g->ref, CK_PARAM); break;
    case GK_FN: ok = g->ref < c->nfns; break;
    case GK_RESOURCE: ok = const_is(c, g->ref, CK_RESOURCE); break;
    default: ok = g->ref == CHUNK_NONE; break;
    }
    if (!ok)
      return fail(err, errlen, "global %u: reference %u out of range", i, g->ref);
  }
  return 0;
}

/*
** Per-function verification state.  The per-pc arrays are indexed by byte
** offset and only meaningful at instruction starts (boundary[pc] == 1).
*/
struct vstate {
  const struct chunk *c;
  const struct chunk_fn *fn;
  uint32_t index;               /* function index, for messages */
  uint8_t *boundary;            /* 1 at each instruction start */
  int32_t *depth;               /* abstract stack depth at each start, -1 unseen */
  uint16_t *hdepth;             /* handler records open */
  uint8_t *fiber;               /* 1 inside a parallel branch */
  uint32_t *work;               /* pcs still to visit */
  uint32_t nwork;
  uint32_t max;                 /* deepest stack reached */
  uint32_t limit;               /* declared maximum */
  char *err;
  size_t errlen;
};

/* Does operand value v satisfy operand kind `letter` in this function? */
static bool operand_ok(const struct vstate *v, char letter, uint32_t x)
{
  const struct chunk *c = v->c;

  switch (letter) {
  case 'k': return x < c->nconsts && is_scalar(c->consts[x].kind);
  case 's': return const_is(c, x, CK_STR);
  case 'n': return x == CHUNK_NONE || const_is(c, x, CK_NAMES);
  case 'g': return x < c->nglobals;
  case 'l': return x < v->fn->nlocals;
  case 'b': return x < STD_BI__COUNT;
  case 'P': return const_is(c, x, CK_PHASE);
  case 'S': return const_is(c, x, CK_STEP);
  case 'A': return const_is(c, x, CK_ASSERT);
  case 'H': return const_is(c, x, CK_HTTP);
  case 'j': return x < v->fn->code_len && v->boundary[x];
  case 'f': return x < c->nfns && c->fns[x].kind == FK_FN;
  default: return true;                         /* counts */
  }
}

/* Opcode-specific operand rules. */
static int insn_rules(const struct vstate *v, const struct chunk_insn *in)
{
  const struct chunk *c = v->c;
  uint32_t names = chunk_insn_operand(in, 'n');
  uint32_t a = in->opnd[0];

  if (names != CHUNK_NONE32 && names != CHUNK_NONE) {
    uint32_t argc = chunk_insn_operand(in, 'c');
    uint32_t nn = c->consts[names].u.desc.w[NAMES_N];

    if (nn > argc || (in->op == OP_CALL_AWS && nn != argc))
      return fail(v->err, v->errlen, "fn %u at 0x%04x: %u names for %u arguments",
                  v->index, in->pc, nn, argc);
  }
  if (in->op == OP_SET_GLOBAL && c->globals[a].kind != GK_LET)
    return fail(v->err, v->errlen, "fn %u at 0x%04x: assignment to %s global %u",
                v->index, in->pc, chunk_gkind_name(c->globals[a].kind), a);
  if (in->op == OP_ASSERT && c->consts[a].u.desc.w[AS_OP] != CHUNK_CMP_NONE)
    return fail(v->err, v->errlen, "fn %u at 0x%04x: ASSERT with a comparison descriptor",
                v->index, in->pc);
  if (in->op == OP_ASSERT_CMP && c->consts[a].u.desc.w[AS_OP] == CHUNK_CMP_NONE)
    return fail(v->err, v->errlen, "fn %u at 0x%04x: ASSERT_CMP without a comparison",
                v->index, in->pc);
  if ((in->op == OP_PHASE_BEGIN || in->op == OP_PHASE_END || in->op == OP_STEP_BEGIN
       || in->op == OP_STEP_END || in->op == OP_STEP_WHEN || in->op == OP_STEP_TIMEOUT)
      && v->fn->kind != FK_RUNBOOK)
    return fail(v->err, v->errlen, "fn %u at 0x%04x: %s outside the runbook function",
                v->index, in->pc, chunk_ops[in->op].name);
  return 0;
}

/* First pass: instruction boundaries, operand bounds, line table size. */
static int scan_insns(struct vstate *v)
{
  const struct chunk_fn *fn = v->fn;
  struct chunk_insn in;
  uint32_t pc, n = 0;
  int i;

  for (pc = 0; pc < fn->code_len; pc += in.len, n++) {
    if (chunk_decode(fn->code, fn->code_len, pc, &in) < 0)
      return fail(v->err, v->errlen, "fn %u at 0x%04x: %s", v->index, pc,
                  fn->code[pc] >= OP__COUNT ? "invalid opcode" : "truncated instruction");
    v->boundary[pc] = 1;
  }
  if (n != fn->nlines)
    return fail(v->err, v->errlen, "fn %u: line table has %u entries for %u instructions",
                v->index, fn->nlines, n);
  for (pc = 0; pc < fn->code_len; pc += in.len) {
    chunk_decode(fn->code, fn->code_len, pc, &in);
    for (i = 0; i < in.nopnd; i++)
      if (!operand_ok(v, chunk_ops[in.op].fmt[i], in.opnd[i]))
        return fail(v->err, v->errlen, "fn %u at 0x%04x: %s operand %d (%u) out of range",
                    v->index, pc, chunk_ops[in.op].name, i + 1, in.opnd[i]);
    if (insn_rules(v, &in) < 0)
      return -1;
  }
  return 0;
}

/* Record state (d, h, fb) at pc, or check it against what is there. */
static int merge(struct vstate *v, uint32_t from, uint32_t pc, int32_t d, uint32_t h, int fb)
{
  if (pc >= v->fn->code_len)
    return fail(v->err, v->errlen, "fn %u at 0x%04x: runs past the end of the code",
                v->index, from);
  if (h > 0xffff)
    return fail(v->err, v->errlen, "fn %u at 0x%04x: handlers nest too deep", v->index, from);
  if (v->depth[pc] < 0) {
    v->depth[pc] = d;
    v->hdepth[pc] = (uint16_t)h;
    v->fiber[pc] = (uint8_t)fb;
    v->work[v->nwork++] = pc;
    return 0;
  }
  if (v->depth[pc] != d || v->hdepth[pc] != h || v->fiber[pc] != fb)
    return fail(v->err, v->errlen,
                "fn %u at 0x%04x: inconsistent stack at merge point (depth %d vs %d, "
                "handlers %u vs %u)", v->index, pc, (int)v->depth[pc], (int)d,
                (unsigned)v->hdepth[pc], (unsigned)h);
  return 0;
}

/*
** Abstract execution of one instruction: check it, propagate its state.
** The stack effect applies to both edges of a branching instruction; the
** handler push/pop only to the fall-through edge (a STEP_BEGIN that skips a
** completed step pushes nothing; a WAIT_UNTIL that polls again pops
** nothing).  A spawning instruction's fall-through edge is the new fiber's
** entry: empty stack, no handlers, inside a branch.
*/
static int step_insn(struct vstate *v, uint32_t pc)
{
  struct chunk_insn in;
  unsigned fl;
  int32_t d = v->depth[pc];
  uint32_t h = v->hdepth[pc];
  int fb = v->fiber[pc];
  int pops, pushes;

  chunk_decode(v->fn->code, v->fn->code_len, pc, &in);
  fl = chunk_ops[in.op].flags;
  pops = chunk_stack_in(&in);
  pushes = chunk_stack_out(&in);
  if (d < pops)
    return fail(v->err, v->errlen, "fn %u at 0x%04x: stack underflow (%s needs %d, depth %d)",
                v->index, pc, chunk_ops[in.op].name, pops, (int)d);
  d = d - pops + pushes;
  if ((uint32_t)d > v->max)
    v->max = (uint32_t)d;
  if ((uint32_t)d > v->limit)
    return fail(v->err, v->errlen, "fn %u at 0x%04x: stack depth %d exceeds the declared %u",
                v->index, pc, (int)d, v->limit);
  if ((in.op == OP_RETURN || in.op == OP_RETURN_LOCAL) && fb)
    return fail(v->err, v->errlen, "fn %u at 0x%04x: %s inside a parallel branch",
                v->index, pc, chunk_ops[in.op].name);
  if (in.op == OP_PAR_END && (!fb || d != 0 || h != 0))
    return fail(v->err, v->errlen, "fn %u at 0x%04x: PAR_END outside a balanced branch",
                v->index, pc);
  if ((in.op == OP_STEP_BEGIN || in.op == OP_PHASE_BEGIN) && fb)
    return fail(v->err, v->errlen, "fn %u at 0x%04x: %s inside a parallel branch",
                v->index, pc, chunk_ops[in.op].name);
  if ((fl & OPF_HPOP) && h == 0)
    return fail(v->err, v->errlen, "fn %u at 0x%04x: %s without an open handler",
                v->index, pc, chunk_ops[in.op].name);
  if ((fl & OPF_JUMP) && merge(v, pc, chunk_insn_operand(&in, 'j'), d, h, fb) < 0)
    return -1;
  if (fl & OPF_NOFALL)
    return 0;
  if (fl & OPF_SPAWN)
    return merge(v, pc, pc + in.len, 0, 0, 1);
  if (fl & OPF_HPUSH)
    h++;
  if (fl & OPF_HPOP)
    h--;
  return merge(v, pc, pc + in.len, d, h, fb);
}

/* Allocate the per-pc arrays of a vstate; -1 when out of memory. */
static int vstate_alloc(struct vstate *v, uint32_t len)
{
  v->boundary = calloc(len, 1);
  v->depth = malloc((size_t)len * sizeof *v->depth);
  v->hdepth = calloc(len, sizeof *v->hdepth);
  v->fiber = calloc(len, 1);
  v->work = malloc((size_t)len * sizeof *v->work);
  if (!v->boundary || !v->depth || !v->hdepth || !v->fiber || !v->work)
    return -1;
  memset(v->depth, 0xff, (size_t)len * sizeof *v->depth);
  return 0;
}

static void vstate_free(struct vstate *v)
{
  free(v->boundary);
  free(v->depth);
  free(v->hdepth);
  free(v->fiber);
  free(v->work);
}

/* Verify function fi's code against `limit`; the reached maximum in *max. */
static int analyze_fn(const struct chunk *c, uint32_t fi, uint32_t limit, uint32_t *max,
                      char *err, size_t errlen)
{
  struct vstate v;
  int rc = -1;

  memset(&v, 0, sizeof v);
  v.c = c;
  v.fn = &c->fns[fi];
  v.index = fi;
  v.limit = limit;
  v.err = err;
  v.errlen = errlen;
  if (v.fn->code_len == 0)
    return fail(err, errlen, "fn %u: empty code", fi);
  if (vstate_alloc(&v, v.fn->code_len) < 0) {
    fail(err, errlen, "out of memory");
    goto out;
  }
  if (scan_insns(&v) < 0 || merge(&v, 0, 0, 0, 0, 0) < 0)
    goto out;
  while (v.nwork > 0)
    if (step_insn(&v, v.work[--v.nwork]) < 0)
      goto out;
  *max = v.max;
  rc = 0;
out:
  vstate_free(&v);
  return rc;
}

/* Verify function fn alone and report the deepest stack it reaches. */
int chunk_fn_max_stack(const struct chunk *c, uint32_t fn, uint32_t *max,
                       char *err, size_t errlen)
{
  if (fn >= c->nfns)
    return fail(err, errlen, "no function %u", fn);
  return analyze_fn(c, fn, CHUNK_MAX_STACK, max, err, errlen);
}

/* Header fields of one function. */
static int verify_fn_header(const struct chunk *c, uint32_t i, char *err, size_t errlen)
{
  const struct chunk_fn *f = &c->fns[i];
  uint32_t k;

  if (!const_is(c, f->name, CK_STR) || f->kind >= FK__COUNT)
    return fail(err, errlen, "fn %u: bad name or kind", i);
  if (f->arity > f->nlocals || f->code_len > CHUNK_MAX_CODE)
    return fail(err, errlen, "fn %u: arity %u, locals %u, %u code bytes", i, f->arity,
                f->nlocals, f->code_len);
  if (f->params != CHUNK_NONE
      && (!const_is(c, f->params, CK_NAMES) || c->consts[f->params].u.desc.w[0] != f->arity))
    return fail(err, errlen, "fn %u: parameter names do not match arity", i);
  if (f->file != CHUNK_NONE && !const_is(c, f->file, CK_STR))
    return fail(err, errlen, "fn %u: file is not a string constant", i);
  if ((i == 0) != (f->kind == FK_RUNBOOK || f->kind == FK_LIBRARY))
    return fail(err, errlen, "fn %u: only function 0 is a runbook or library body", i);
  for (k = 0; k < f->nlines; k++)
    if (f->lines[k].line == 0 || f->lines[k].col == 0 || f->lines[k].end < f->lines[k].start)
      return fail(err, errlen, "fn %u: bad line table entry %u", i, k);
  return 0;
}

/* Whole-chunk verification: pools, globals, then every function. */
int chunk_verify(const struct chunk *c, char *err, size_t errlen)
{
  uint32_t i, max;

  if (c->nfns == 0)
    return fail(err, errlen, "no functions");
  if (c->nfns > CHUNK_MAX_INDEX + 1)
    return fail(err, errlen, "too many functions (%u)", c->nfns);
  if (c->runbook != CHUNK_NONE && !const_is(c, c->runbook, CK_STR))
    return fail(err, errlen, "runbook name is not a string constant");
  if (verify_consts(c, err, errlen) < 0 || verify_globals(c, err, errlen) < 0)
    return -1;
  for (i = 0; i < c->nfns; i++) {
    if (verify_fn_header(c, i, err, errlen) < 0
        || analyze_fn(c, i, c->fns[i].max_stack, &max, err, errlen) < 0)
      return -1;
  }
  return 0;
}

/* }==== */

/* {==== saving ==== */

/*
** chunk_save writes docs/bytecode.md "File layout" exactly: the fixed
** header, the source name and digest, then the three pools in index order.
** Nothing depends on the machine, the clock or addresses, so the bytes are
** a function of the chunk alone (and the chunk a function of the source):
** `rbc compile` is reproducible and save(load(x)) == x for any x the loader
** accepts.  The line table is delta-encoded: consecutive instructions are
** usually on the same or the next line, so most entries take 4 bytes.
*/

/* A growable output buffer; `oom` latches the first allocation failure. */
struct obuf {
  uint8_t *p;
  size_t len, cap;
  bool oom;
};

static void put_bytes(struct obuf *b, const void *src, size_t n)
{
  if (b->oom)
    return;
  if (b->len + n > b->cap) {
    size_t ncap = b->cap ? b->cap : 256;
    uint8_t *np;

    while (ncap < b->len + n)
      ncap *= 2;
    np = realloc(b->p, ncap);
    if (!np) {
      b->oom = true;
      return;
    }
    b->p = np;
    b->cap = ncap;
  }
  if (n)
    memcpy(b->p + b->len, src, n);
  b->len += n;
}

/* Little-endian unsigned of n bytes. */
static void put_uint(struct obuf *b, uint64_t v, unsigned n)
{
  uint8_t tmp[8];
  unsigned i;

  for (i = 0; i < n; i++)
    tmp[i] = (uint8_t)(v >> (8 * i));
  put_bytes(b, tmp, n);
}

/* LEB128 unsigned varint. */
static void put_varint(struct obuf *b, uint64_t v)
{
  uint8_t tmp[10];
  unsigned n = 0;

  do {
    tmp[n] = (uint8_t)(v & 0x7f);
    v >>= 7;
    if (v)
      tmp[n] |= 0x80;
    n++;
  } while (v);
  put_bytes(b, tmp, n);
}

/* Zigzag-encoded signed varint. */
static void put_svarint(struct obuf *b, int64_t v)
{
  put_varint(b, v < 0 ? ((uint64_t)(-(v + 1)) << 1) | 1 : (uint64_t)v << 1);
}

static void put_double(struct obuf *b, double f)
{
  uint64_t bits;

  memcpy(&bits, &f, 8);
  put_uint(b, bits, 8);
}

static void save_header(struct obuf *b)
{
  put_bytes(b, CHUNK_MAGIC, 4);
  put_uint(b, CHUNK_VERSION, 1);
  put_uint(b, CHUNK_FORMAT, 1);
  put_bytes(b, CHUNK_DATA, 6);
  put_uint(b, 1, 1);                            /* instruction unit: bytes */
  put_uint(b, sizeof(int64_t), 1);
  put_uint(b, sizeof(double), 1);
  put_uint(b, (uint64_t)CHUNK_TEST_INT, 8);
  put_double(b, CHUNK_TEST_FLOAT);
}

static void save_const(struct obuf *b, const struct chunk_const *k)
{
  uint32_t i;

  put_uint(b, k->kind, 1);
  switch (k->kind) {
  case CK_INT: case CK_DURATION: put_uint(b, (uint64_t)k->u.i, 8); break;
  case CK_FLOAT: case CK_PERCENT: put_double(b, k->u.f); break;
  case CK_STR:
    put_uint(b, k->u.str.len, 4);
    put_bytes(b, k->u.str.bytes, k->u.str.len);
    break;
  default:
    put_uint(b, k->u.desc.n, 4);
    for (i = 0; i < k->u.desc.n; i++)
      put_uint(b, k->u.desc.w[i], 4);
    break;
  }
}

static void save_fn(struct obuf *b, const struct chunk_fn *f)
{
  int64_t line = 0, start = 0;
  uint32_t i;

  put_uint(b, f->name, 2);
  put_uint(b, f->kind, 1);
  put_uint(b, f->arity, 2);
  put_uint(b, f->nlocals, 2);
  put_uint(b, f->max_stack, 2);
  put_uint(b, f->params, 2);
  put_uint(b, f->file, 2);
  put_uint(b, f->code_len, 4);
  put_bytes(b, f->code, f->code_len);
  put_uint(b, f->nlines, 4);
  for (i = 0; i < f->nlines; i++) {
    const struct chunk_line *l = &f->lines[i];

    put_svarint(b, (int64_t)l->line - line);
    put_varint(b, l->col);
    put_svarint(b, (int64_t)l->start - start);
    put_varint(b, (uint64_t)l->end - l->start);
    line = l->line;
    start = l->start;
  }
}

/* Serialise c into a new buffer (docs/bytecode.md "File layout"). */
int chunk_save(const struct chunk *c, uint8_t **out, size_t *len)
{
  struct obuf b = { NULL, 0, 0, false };
  uint32_t i;
  size_t slen = strlen(c->source);

  save_header(&b);
  put_uint(&b, slen, 4);
  put_bytes(&b, c->source, slen);
  put_bytes(&b, c->sha256, 64);
  put_uint(&b, c->runbook, 2);
  put_uint(&b, c->nconsts, 4);
  for (i = 0; i < c->nconsts; i++)
    save_const(&b, &c->consts[i]);
  put_uint(&b, c->nglobals, 4);
  for (i = 0; i < c->nglobals; i++) {
    put_uint(&b, c->globals[i].name, 2);
    put_uint(&b, c->globals[i].kind, 1);
    put_uint(&b, c->globals[i].ref, 2);
  }
  put_uint(&b, c->nfns, 4);
  for (i = 0; i < c->nfns; i++)
    save_fn(&b, &c->fns[i]);
  if (b.oom) {
    free(b.p);
    return -1;
  }
  *out = b.p;
  *len = b.len;
  return 0;
}

/* }==== */

/* {==== loading ==== */

/*
** The loader reads through an ibuf cursor whose reads fail (and latch
** `bad`) instead of running past the end.  Before any allocation sized from
** the file, the count is checked against the bytes that remain divided by
** the smallest encoding of one item, so a 4-byte count of 4 billion cannot
** make rbc allocate more than the file could describe.  A partially loaded
** chunk is always in a state chunk_free can release.  Only after the whole
** body parsed, with no trailing bytes, does chunk_verify run.
*/

/* A read cursor; `bad` latches the first read past the end. */
struct ibuf {
  const uint8_t *p;
  size_t left;
  bool bad;
};

static const uint8_t *take(struct ibuf *b, size_t n)
{
  const uint8_t *p = b->p;

  if (b->bad || b->left < n) {
    b->bad = true;
    return NULL;
  }
  b->p += n;
  b->left -= n;
  return p;
}

static uint64_t get_uint(struct ibuf *b, unsigned n)
{
  const uint8_t *p = take(b, n);
  uint64_t v = 0;

  if (!p)
    return 0;
  while (n-- > 0)
    v = (v << 8) | p[n];
  return v;
}

static uint64_t get_varint(struct ibuf *b)
{
  uint64_t v = 0;
  unsigned shift = 0;

  for (;;) {
    const uint8_t *p = take(b, 1);

    if (!p)
      return 0;
    if (shift == 63 && (*p & 0x7e)) {
      b->bad = true;                            /* more than 64 bits */
      return 0;
    }
    v |= (uint64_t)(*p & 0x7f) << shift;
    if (!(*p & 0x80))
      return v;
    shift += 7;
    if (shift > 63) {
      b->bad = true;
      return 0;
    }
  }
}

static int64_t get_svarint(struct ibuf *b)
{
  uint64_t u = get_varint(b);

  return (u & 1) ? -(int64_t)(u >> 1) - 1 : (int64_t)(u >> 1);
}

static double get_double(struct ibuf *b)
{
  uint64_t bits = get_uint(b, 8);
  double f;

  memcpy(&f, &bits, 8);
  return f;
}

/*
** The fixed header: magic, version, format, data, sizes, test values.  The
** checks run in that order so each damage gets its specific message: a file
** of another kind fails the magic, a newer rbc's file the version, an FTP
** in ASCII mode the "\r\n" of the data bytes, a foreign encoder the sizes
** and test values.
*/
static int load_header(struct ibuf *b, char *err, size_t errlen)
{
  const uint8_t *p = b->p;
  int64_t ti;

  if (b->left < 4 || memcmp(p, CHUNK_MAGIC, 4) != 0)
    return fail(err, errlen, "not an rbc bytecode file");
  if (b->left < 5)
    return fail(err, errlen, "corrupted chunk: truncated header");
  if (p[4] != CHUNK_VERSION)
    return fail(err, errlen, "version mismatch: file has v%u, this rbc reads v%u",
                p[4], CHUNK_VERSION);
  if (b->left < CHUNK_HEADER_SIZE)
    return fail(err, errlen, "corrupted chunk: truncated header");
  if (p[5] != CHUNK_FORMAT)
    return fail(err, errlen, "corrupted chunk: format %u, this rbc reads format %u",
                p[5], CHUNK_FORMAT);
  if (memcmp(p + 6, CHUNK_DATA, 6) != 0)
    return fail(err, errlen, "text-mode conversion damaged the file");
  if (p[12] != 1 || p[13] != sizeof(int64_t) || p[14] != sizeof(double))
    return fail(err, errlen, "corrupted chunk: instruction, int or float size mismatch");
  take(b, 15);
  ti = (int64_t)get_uint(b, 8);
  if (ti != CHUNK_TEST_INT)
    return fail(err, errlen, "corrupted chunk: integer format mismatch");
  if (get_double(b) != CHUNK_TEST_FLOAT)
    return fail(err, errlen, "corrupted chunk: float format mismatch");
  return 0;
}

/* A count of items of at least `min_size` bytes each that must fit what is left. */
static int get_count(struct ibuf *b, size_t min_size, uint32_t max, uint32_t *out)
{
  uint32_t n = (uint32_t)get_uint(b, 4);

  if (b->bad || n > max || (size_t)n > b->left / min_size)
    return -1;
  *out = n;
  return 0;
}

static int load_const(struct ibuf *b, struct chunk_const *k)
{
  uint32_t n, i;

  k->kind = (uint8_t)get_uint(b, 1);
  switch (k->kind) {
  case CK_INT: case CK_DURATION: k->u.i = (int64_t)get_uint(b, 8); break;
  case CK_FLOAT: case CK_PERCENT: k->u.f = get_double(b); break;
  case CK_STR:
    if (get_count(b, 1, UINT32_MAX - 1, &n) < 0)
      return -1;
    k->u.str.bytes = malloc((size_t)n + 1);
    if (!k->u.str.bytes)
      return -2;
    memcpy(k->u.str.bytes, take(b, n), n);
    k->u.str.bytes[n] = '\0';
    k->u.str.len = n;
    break;
  default:
    if (k->kind >= CK__COUNT || get_count(b, 4, UINT32_MAX / 4, &n) < 0)
      return -1;
    k->u.desc.w = malloc(n ? (size_t)n * 4 : 1);
    if (!k->u.desc.w)
      return -2;
    k->u.desc.n = n;
    for (i = 0; i < n; i++)
      k->u.desc.w[i] = (uint32_t)get_uint(b, 4);
    break;
  }
  return b->bad ? -1 : 0;
}

/* The line table of f: nlines entries, deltas as chunk_save writes them. */
static int load_lines(struct ibuf *b, struct chunk_fn *f)
{
  int64_t line = 0, start = 0;
  uint32_t i;

  if (get_count(b, 4, CHUNK_MAX_CODE, &f->nlines) < 0)
    return -1;
  f->lines = malloc(f->nlines ? (size_t)f->nlines * sizeof *f->lines : 1);
  if (!f->lines)
    return -2;
  for (i = 0; i < f->nlines; i++) {
    int64_t dl = get_svarint(b), col = (int64_t)get_varint(b);
    int64_t ds = get_svarint(b), span = (int64_t)get_varint(b);

    if (b->bad || dl > (int64_t)UINT32_MAX || dl < -(int64_t)UINT32_MAX
        || ds > (int64_t)UINT32_MAX || ds < -(int64_t)UINT32_MAX)
      return -1;
    line += dl;
    start += ds;
    if (line < 0 || line > UINT32_MAX || col < 0 || col > UINT32_MAX || start < 0
        || start > UINT32_MAX || span < 0 || span > (int64_t)UINT32_MAX - start)
      return -1;
    f->lines[i].line = (uint32_t)line;
    f->lines[i].col = (uint32_t)col;
    f->lines[i].start = (uint32_t)start;
    f->lines[i].end = (uint32_t)(start + span);
  }
  return 0;
}

static int load_fn(struct ibuf *b, struct chunk_fn *f)
{
  f->name = (uint16_t)get_uint(b, 2);
  f->kind = (uint8_t)get_uint(b, 1);
  f->arity = (uint16_t)get_uint(b, 2);
  f->nlocals = (uint16_t)get_uint(b, 2);
  f->max_stack = (uint16_t)get_uint(b, 2);
  f->params = (uint16_t)get_uint(b, 2);
  f->file = (uint16_t)get_uint(b, 2);
  if (get_count(b, 1, CHUNK_MAX_CODE, &f->code_len) < 0)
    return -1;
  f->code = malloc(f->code_len ? f->code_len : 1);
  if (!f->code)
    return -2;
  memcpy(f->code, take(b, f->code_len), f->code_len);
  return load_lines(b, f);
}

/* Source name (no NUL inside) and the 64 lowercase hex digits of its digest. */
static int load_source(struct ibuf *b, struct chunk *c)
{
  uint32_t n, i;
  const uint8_t *p;

  if (get_count(b, 1, UINT32_MAX - 1, &n) < 0)
    return -1;
  p = take(b, n);
  if (memchr(p, '\0', n))
    return -1;
  free(c->source);
  c->source = malloc((size_t)n + 1);
  if (!c->source)
    return -2;
  memcpy(c->source, p, n);
  c->source[n] = '\0';
  p = take(b, 64);
  if (!p)
    return -1;
  for (i = 0; i < 64; i++)
    if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')))
      return -1;
  memcpy(c->sha256, p, 64);
  c->sha256[64] = '\0';
  c->runbook = (uint16_t)get_uint(b, 2);
  return b->bad ? -1 : 0;
}

/*
** The body after the header.  Returns 0, -1 on malformed input (*what names
** the section), -2 when out of memory.
*/
static int load_body(struct ibuf *b, struct chunk *c, const char **what)
{
  uint32_t n, i;
  int rc;

  *what = "source name";
  rc = load_source(b, c);
  if (rc != 0)
    return rc;
  *what = "constant pool";
  if (get_count(b, 5, CHUNK_MAX_INDEX + 1, &n) < 0)
    return -1;
  c->consts = calloc(n ? n : 1, sizeof *c->consts);
  if (!c->consts)
    return -2;
  for (i = 0; i < n; i++) {
    c->nconsts++;                               /* so chunk_free sees a partial one */
    rc = load_const(b, &c->consts[i]);
    if (rc != 0)
      return rc;
  }
  *what = "globals";
  if (get_count(b, 5, CHUNK_MAX_INDEX + 1, &c->nglobals) < 0)
    return -1;
  c->globals = calloc(c->nglobals ? c->nglobals : 1, sizeof *c->globals);
  if (!c->globals)
    return -2;
  for (i = 0; i < c->nglobals; i++) {
    c->globals[i].name = (uint16_t)get_uint(b, 2);
    c->globals[i].kind = (uint8_t)get_uint(b, 1);
    c->globals[i].ref = (uint16_t)get_uint(b, 2);
  }
  *what = "functions";
  if (get_count(b, 21, CHUNK_MAX_INDEX + 1, &n) < 0)
    return -1;
  c->fns = calloc(n ? n : 1, sizeof *c->fns);
  if (!c->fns)
    return -2;
  for (i = 0; i < n; i++) {
    c->nfns++;
    rc = load_fn(b, &c->fns[i]);
    if (rc != 0)
      return rc;
  }
  return b->bad ? -1 : 0;
}

/* Header, body, no trailing bytes, then chunk_verify; a message on any defect. */
int chunk_load(const uint8_t *buf, size_t len, struct chunk **out,
               char *err, size_t errlen)
{
  struct ibuf b = { buf, len, false };
  struct chunk *c;
  const char *what = "header";
  char why[200];
  int rc;

  *out = NULL;
  if (load_header(&b, err, errlen) < 0)
    return -1;
  c = chunk_new("", NULL);
  if (!c)
    return fail(err, errlen, "out of memory");
  rc = load_body(&b, c, &what);
  if (rc == -2) {
    chunk_free(c);
    return fail(err, errlen, "out of memory");
  }
  if (rc < 0) {
    chunk_free(c);
    return fail(err, errlen, "corrupted chunk: bad or truncated %s", what);
  }
  if (b.left > 0) {
    chunk_free(c);
    return fail(err, errlen, "corrupted chunk: %zu trailing bytes", b.left);
  }
  if (chunk_verify(c, why, sizeof why) < 0) {
    chunk_free(c);
    return fail(err, errlen, "corrupted chunk: %s", why);
  }
  *out = c;
  return 0;
}

/* }==== */
