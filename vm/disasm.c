/*
** disasm.c: bytecode listings (cli.md 7).
**
**   ; rbc bytecode v1  source=x.rb  sha256=...  consts=N  fns=N
**   fn <runbook x>  ; arity=0 locals=1 stack=3
**     >> 0003  12:7   FOR_NEXT         l0, @0012
**        0008  13:9   CONST            k4           ; "hello"
**   consts:
**     k4    str          "hello"
**
** Columns: `>>` marks a jump target, then the offset in hex, the source
** line:col, the opcode, its operands (kN constant, gN global, lN local,
** @hhhh jump target, built-ins by name, counts in decimal) and a comment
** decoding the constants the operands name.
*/
#define _POSIX_C_SOURCE 200809L    /* open_memstream */

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stdlib/builtins.h"
#include "vm/disasm.h"

static bool incomplete;         /* an allocation failed since dis_incomplete() */

/* {==== values ==== */

/* Shortest %g form of f that reads back exactly; keeps a '.' or exponent. */
static void put_float(FILE *out, double f)
{
  char buf[40];
  int prec;

  for (prec = 1; prec <= 17; prec++) {
    snprintf(buf, sizeof buf, "%.*g", prec, f);
    if (strtod(buf, NULL) == f)
      break;
  }
  fputs(buf, out);
  if (!strpbrk(buf, ".eEn"))
    fputs(".0", out);
}

/* A duration in the literal's units: 1h30m, 250ms, 0s. */
static void put_duration(FILE *out, int64_t ms)
{
  static const struct { const char *unit; uint64_t ms; } units[] = {
    { "d", 86400000 }, { "h", 3600000 }, { "m", 60000 }, { "s", 1000 }, { "ms", 1 }
  };
  uint64_t v;
  size_t i;

  if (ms == 0) {
    fputs("0s", out);
    return;
  }
  if (ms < 0)
    fputc('-', out);
  v = ms < 0 ? (uint64_t)-(ms + 1) + 1 : (uint64_t)ms;
  for (i = 0; i < sizeof units / sizeof units[0]; i++) {
    if (v >= units[i].ms) {
      fprintf(out, "%" PRIu64 "%s", v / units[i].ms, units[i].unit);
      v %= units[i].ms;
    }
  }
}

/* A string literal: quoted, escaped, cut after max bytes (0: whole). */
static void put_string(FILE *out, const char *s, uint32_t len, uint32_t max)
{
  uint32_t i, n = len;

  if (max > 0 && len > max) {
    n = max;
    while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
      n--;                                      /* do not split a UTF-8 sequence */
  }
  fputc('"', out);
  for (i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)s[i];

    switch (ch) {
    case '"': fputs("\\\"", out); break;
    case '\\': fputs("\\\\", out); break;
    case '\n': fputs("\\n", out); break;
    case '\t': fputs("\\t", out); break;
    case '\r': fputs("\\r", out); break;
    default:
      if (ch < 0x20 || ch == 0x7f)
        fprintf(out, "\\u{%x}", ch);
      else
        fputc(ch, out);
    }
  }
  fputs(n < len ? "\"..." : "\"", out);
}

/* The name word (first word, a string constant) of a descriptor. */
static void put_desc_name(FILE *out, const struct chunk *c, const struct chunk_const *k,
                          uint32_t max)
{
  const struct chunk_const *s = k->u.desc.n ? chunk_str(c, k->u.desc.w[0]) : NULL;

  if (s)
    put_string(out, s->u.str.bytes, s->u.str.len, max);
  else
    fprintf(out, "%s", chunk_kind_name(k->kind));
}

/* A NAMES constant: (a, b, c). */
static void put_names(FILE *out, const struct chunk *c, uint32_t k)
{
  const struct chunk_const *n = &c->consts[k];
  uint32_t i;

  fputc('(', out);
  for (i = 0; i < n->u.desc.w[NAMES_N]; i++) {
    const struct chunk_const *s = chunk_str(c, n->u.desc.w[NAMES_ITEMS + i]);

    fprintf(out, "%s%s", i ? ", " : "", s ? s->u.str.bytes : "?");
  }
  fputc(')', out);
}

/* A constant as comments show it (see disasm.h). */
void dis_const(FILE *out, const struct chunk *c, uint32_t k, uint32_t max_bytes)
{
  const struct chunk_const *x;

  if (k >= c->nconsts) {
    fputs("?", out);
    return;
  }
  x = &c->consts[k];
  switch (x->kind) {
  case CK_INT: fprintf(out, "%" PRId64, x->u.i); break;
  case CK_FLOAT: put_float(out, x->u.f); break;
  case CK_PERCENT:
    put_float(out, x->u.f * 100);
    fputc('%', out);
    break;
  case CK_DURATION: put_duration(out, x->u.i); break;
  case CK_STR: put_string(out, x->u.str.bytes, x->u.str.len, max_bytes); break;
  case CK_NAMES: put_names(out, c, k); break;
  default: put_desc_name(out, c, x, max_bytes); break;
  }
}

/* }==== */

/* {==== instructions ==== */

#define COMMENT_MAX 48                          /* bytes of a string shown in comments */

/* The text of one operand into buf. */
static void operand_text(char *buf, size_t size, char letter, uint32_t v)
{
  switch (letter) {
  case 'g': snprintf(buf, size, "g%u", v); break;
  case 'l': snprintf(buf, size, "l%u", v); break;
  case 'j': snprintf(buf, size, "@%04x", v); break;
  case 'f': snprintf(buf, size, "fn%u", v); break;
  case 'c': case 'N': snprintf(buf, size, "%u", v); break;
  case 'b':
    snprintf(buf, size, "%s", v < std_nbuiltins ? std_builtins[v].name : "?");
    break;
  case 'n':
    if (v == CHUNK_NONE) {
      snprintf(buf, size, "-");
      break;
    }
    /* fall through */
  default: snprintf(buf, size, "k%u", v); break;
  }
}

/* CALL_AWS: service.operation(Member, ...) */
static void aws_comment(FILE *out, const struct chunk *c, const struct chunk_insn *in)
{
  const struct chunk_const *svc = chunk_str(c, in->opnd[0]), *op = chunk_str(c, in->opnd[1]);

  fprintf(out, "%s.%s", svc ? svc->u.str.bytes : "?", op ? op->u.str.bytes : "?");
  if (in->opnd[3] != CHUNK_NONE)
    put_names(out, c, in->opnd[3]);
  else
    fputs("()", out);
}

/* The comment of an instruction: what its constant and global operands hold. */
static void insn_comment(FILE *out, const struct chunk *c, const struct chunk_fn *f,
                         const struct chunk_insn *in)
{
  const char *fmt = chunk_ops[in->op].fmt;
  const char *sep = "";
  int i;

  if (in->op == OP_CALL_AWS) {
    aws_comment(out, c, in);
    return;
  }
  for (i = 0; i < in->nopnd; i++) {
    uint32_t v = in->opnd[i];
    const struct chunk_global *g;

    switch (fmt[i]) {
    case 'l':                                   /* a parameter: its name */
      if (v < f->arity && f->params != CHUNK_NONE
          && v + 1 < c->consts[f->params].u.desc.n) {
        const struct chunk_const *pn = chunk_str(c, c->consts[f->params].u.desc.w[1 + v]);

        fprintf(out, "%sparam %s", sep, pn ? pn->u.str.bytes : "?");
        sep = "  ";
      }
      break;
    case 'g':
      if (v >= c->nglobals)
        break;
      g = &c->globals[v];
      fprintf(out, "%s%s %s", sep, chunk_gkind_name(g->kind), c->consts[g->name].u.str.bytes);
      sep = "  ";
      break;
    case 'f':                                   /* a direct call: the fn's name */
      if (v >= c->nfns || !chunk_str(c, c->fns[v].name))
        break;
      fprintf(out, "%sfn %s", sep, chunk_str(c, c->fns[v].name)->u.str.bytes);
      sep = "  ";
      break;
    case 'n':
      if (v == CHUNK_NONE || v >= c->nconsts)
        break;
      fputs(sep, out);
      put_names(out, c, v);
      sep = "  ";
      break;
    case 'k': case 's': case 'P': case 'S': case 'A': case 'H':
      fputs(sep, out);
      dis_const(out, c, v, COMMENT_MAX);
      if (fmt[i] == 'P' && c->consts[v].u.desc.w[PHASE_WITHIN] != CHUNK_NONE32) {
        fputs(" within ", out);
        dis_const(out, c, c->consts[v].u.desc.w[PHASE_WITHIN], COMMENT_MAX);
      }
      sep = "  ";
      break;
    default: break;
    }
  }
}

/*
** Write the line of instruction `in` (index idx in f's line table), without
** trailing blanks; marker is "  >> " or five blanks.
*/
static void insn_line(FILE *out, const struct chunk *c, const struct chunk_fn *f,
                      const struct chunk_insn *in, uint32_t idx, const char *marker)
{
  char pos[32], ops[96], one[24], line[256];
  char *comment = NULL;
  size_t clen = 0, n;
  FILE *mem;
  int i;

  if (idx < f->nlines)
    snprintf(pos, sizeof pos, "%u:%u", f->lines[idx].line, f->lines[idx].col);
  else
    snprintf(pos, sizeof pos, "?");
  ops[0] = '\0';
  for (i = 0; i < in->nopnd; i++) {
    operand_text(one, sizeof one, chunk_ops[in->op].fmt[i], in->opnd[i]);
    if (i)
      strncat(ops, ", ", sizeof ops - strlen(ops) - 1);
    strncat(ops, one, sizeof ops - strlen(ops) - 1);
  }
  mem = open_memstream(&comment, &clen);
  if (mem) {
    insn_comment(mem, c, f, in);
    if (ferror(mem) != 0)
      incomplete = true;
    /* glibc's fclose of a memstream reports a failed final realloc only
       by leaving the buffer NULL */
    if (fclose(mem) != 0 || comment == NULL)
      incomplete = true;
  } else {
    incomplete = true;
  }
  snprintf(line, sizeof line, "%s%04x  %-7s %-17s %-12s %s%s", marker, in->pc, pos,
           chunk_ops[in->op].name, ops, comment && clen ? "; " : "", comment ? comment : "");
  free(comment);
  n = strlen(line);
  while (n > 0 && line[n - 1] == ' ')
    n--;
  fwrite(line, 1, n, out);
}

/* One instruction line, for --trace; finds the line entry by decoding from 0. */
uint32_t dis_insn(FILE *out, const struct chunk *c, uint32_t fn, uint32_t pc, int nl)
{
  const struct chunk_fn *f;
  struct chunk_insn in;
  uint32_t idx = 0, at;

  if (fn >= c->nfns)
    return 0;
  f = &c->fns[fn];
  for (at = 0; at < pc && chunk_decode(f->code, f->code_len, at, &in) == 0; at += in.len)
    idx++;
  if (at != pc || chunk_decode(f->code, f->code_len, pc, &in) < 0)
    return 0;
  insn_line(out, c, f, &in, idx, "");
  if (nl)
    fputc('\n', out);
  return in.len;
}

/* }==== */

/* {==== the listing ==== */

/* Mark every jump target of f in targets[0..code_len). */
static void find_targets(const struct chunk_fn *f, uint8_t *targets)
{
  struct chunk_insn in;
  uint32_t pc, t;

  for (pc = 0; pc < f->code_len && chunk_decode(f->code, f->code_len, pc, &in) == 0;
       pc += in.len) {
    t = chunk_insn_operand(&in, 'j');
    if (t != CHUNK_NONE32 && t < f->code_len)
      targets[t] = 1;
  }
}

/* One function: its header line and its instructions. */
static void dis_fn(FILE *out, const struct chunk *c, uint32_t fi)
{
  const struct chunk_fn *f = &c->fns[fi];
  const struct chunk_const *name = chunk_str(c, f->name);
  uint8_t *targets = calloc(f->code_len ? f->code_len : 1, 1);
  struct chunk_insn in;
  uint32_t pc, idx = 0;

  if (targets == NULL)
    incomplete = true;

  fprintf(out, "fn %s  ; %s arity=%u locals=%u stack=%u", name ? name->u.str.bytes : "?",
          chunk_fkind_name(f->kind), f->arity, f->nlocals, f->max_stack);
  if (f->file != CHUNK_NONE) {
    fputs(" file=", out);
    dis_const(out, c, f->file, 0);
  }
  fputc('\n', out);
  if (targets)
    find_targets(f, targets);
  for (pc = 0; pc < f->code_len && chunk_decode(f->code, f->code_len, pc, &in) == 0;
       pc += in.len, idx++) {
    insn_line(out, c, f, &in, idx, targets && targets[pc] ? "  >> " : "     ");
    fputc('\n', out);
  }
  free(targets);
}

/* The n-th space-separated word of list into buf ("" past the end). */
static void nth_word(const char *list, uint32_t n, char *buf, size_t size)
{
  size_t len;

  while (n-- > 0 && *list) {
    list += strcspn(list, " ");
    list += strspn(list, " ");
  }
  len = strcspn(list, " ");
  if (len >= size)
    len = size - 1;
  memcpy(buf, list, len);
  buf[len] = '\0';
}

/* Symbolic name of an enumeration word, or NULL. */
static const char *enum_name(char s, uint32_t v)
{
  static const char *const onfail[] = { "default", "continue", "abort", "troubleshoot" };
  static const char *const cmp[] = { "==", "!=", "<", "<=", ">", ">=", "in" };
  static const char *const ptype[] = {
    "any", "string", "int", "float", "bool", "duration", "list", "map"
  };
  static const char *const check[] = { "contains", "json", "header", "within" };

  switch (s) {
  case 'o': return v < 4 ? onfail[v] : NULL;
  case 'r': return v < CMP__COUNT ? cmp[v] : v == CHUNK_CMP_NONE ? "none" : NULL;
  case 't': return v <= PT_MAP ? ptype[v] : NULL;
  case 'w': return v <= HC_WITHIN ? check[v] : NULL;
  case 'b': return v < 2 ? (v ? "true" : "false") : NULL;
  default: return NULL;
  }
}

/* One descriptor word, decoded per its schema letter s. */
static void desc_word(FILE *out, const struct chunk *c, char s, uint32_t v)
{
  if (enum_name(s, v))
    fputs(enum_name(s, v), out);
  else if (v == CHUNK_NONE32)
    fputc('-', out);
  else if (s == 's' || s == 'S' || s == 'k' || s == 'K' || s == 'T')
    dis_const(out, c, v, 0);
  else if (s == 'f' || s == 'F')
    fprintf(out, "fn%u", v);
  else if (s == 'g')
    fprintf(out, "g%u", v);
  else
    fprintf(out, "%u", v);
}

/* The words of a descriptor after its name, as field=value pairs. */
static void dis_desc_fields(FILE *out, const struct chunk *c, const struct chunk_const *k)
{
  const char *schema = chunk_kind_schema(k->kind), *fields = chunk_kind_fields(k->kind);
  const char *star = strchr(schema, '*');
  uint32_t i, n = k->u.desc.n;
  uint32_t fixed = (uint32_t)(star ? (size_t)(star - schema) : strlen(schema));
  uint32_t glen = star ? (uint32_t)strlen(star + 1) : 1;
  char name[32];

  for (i = 1; i < n; i++) {
    uint32_t field = i <= fixed ? i : fixed + 1 + (i - fixed - 1) % glen;
    char s = i < fixed ? schema[i] : i == fixed ? 'u' : star[1 + (i - fixed - 1) % glen];

    nth_word(fields, field, name, sizeof name);
    fprintf(out, " %s=", name);
    desc_word(out, c, s, k->u.desc.w[i]);
  }
}

/* The consts: section. */
static void dis_consts(FILE *out, const struct chunk *c)
{
  uint32_t i;

  fputs("consts:\n", out);
  for (i = 0; i < c->nconsts; i++) {
    const struct chunk_const *k = &c->consts[i];

    fprintf(out, "  k%-5u %-13s ", i, chunk_kind_name(k->kind));
    dis_const(out, c, i, 0);
    if (k->kind > CK_NAMES)
      dis_desc_fields(out, c, k);
    fputc('\n', out);
  }
}

/* The globals: section. */
static void dis_globals(FILE *out, const struct chunk *c)
{
  uint32_t i;

  fputs("globals:\n", out);
  for (i = 0; i < c->nglobals; i++) {
    const struct chunk_global *g = &c->globals[i];
    const struct chunk_const *name = chunk_str(c, g->name);

    fprintf(out, "  g%-5u %-13s %s", i, chunk_gkind_name(g->kind), name ? name->u.str.bytes : "?");
    if (g->kind == GK_FN)
      fprintf(out, " fn%u", g->ref);
    else if (g->ref != CHUNK_NONE)
      fprintf(out, " k%u", g->ref);
    fputc('\n', out);
  }
}

bool dis_incomplete(void)
{
  bool was = incomplete;

  incomplete = false;
  return was;
}

/* The whole listing: header line, functions, consts:, globals:. */
void dis_chunk(FILE *out, const struct chunk *c)
{
  uint32_t i;

  fprintf(out, "; rbc bytecode v%u  source=%s  sha256=%s  consts=%u  fns=%u\n",
          (unsigned)CHUNK_VERSION, c->source, c->sha256, c->nconsts, c->nfns);
  for (i = 0; i < c->nfns; i++)
    dis_fn(out, c, i);
  dis_consts(out, c);
  dis_globals(out, c);
}

/* }==== */
