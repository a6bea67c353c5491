/*
** fmt.c: the canonical printer (fmt.h, docs/fmt.md).
**
** The tree is printed construct by construct.  Comments are not part of the
** tree: they sit in an array sorted by position, and a cursor hands each one
** out at the first place after it where a line may end (between items and
** statements, after an opening bracket or a comma, after a binary operator,
** before a clause).  Every such place is a "gap" between two source
** offsets; a gap breaks the line when the source had a comment or a line
** break there.  So the author's line breaks survive, the tokens between
** them are respaced, and no comment is lost.
**
** Alignment is a second pass, after Go's text/tabwriter: the printer puts a
** CELL byte where a column starts (after a metadata key, a param name, before
** a trailing comment) and a SECTION byte before a line that must not align
** with the one above; align() pads the cells of consecutive lines.  Neither
** byte can occur in a file that parsed, since both are invalid UTF-8.
*/
#define _POSIX_C_SOURCE 200809L  /* open_memstream */

#include "parser/fmt.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parser/arena.h"
#include "parser/parse.h"

#define CELL '\xff'             /* a column boundary (align) */
#define SECTION '\xfe'          /* at a line's start: do not align with the line above */
#define STEP_COLS 2             /* blanks per block level */

/* {==== buffer ==== */

/* See fmt.h. */
void
fmt_buf_init(struct fmt_buf *b)
{
  memset(b, 0, sizeof *b);
}

/* See fmt.h. */
void
fmt_buf_free(struct fmt_buf *b)
{
  free(b->data);
  fmt_buf_init(b);
}

/* See fmt.h. */
void
fmt_buf_add(struct fmt_buf *b, const char *s, size_t n)
{
  if (b->oom || n == 0)
    return;
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 256;
    char *d;
    while (cap < b->len + n + 1)
      cap *= 2;
    d = realloc(b->data, cap);
    if (d == NULL) {
      b->oom = true;
      return;
    }
    b->data = d;
    b->cap = cap;
  }
  memcpy(b->data + b->len, s, n);
  b->len += n;
  b->data[b->len] = '\0';
}

/* See fmt.h. */
void
fmt_buf_puts(struct fmt_buf *b, const char *s)
{
  fmt_buf_add(b, s, strlen(s));
}

/* See fmt.h. */
void
fmt_buf_printf(struct fmt_buf *b, const char *fmt, ...)
{
  char tmp[4096];
  va_list ap;
  int n;

  va_start(ap, fmt);
  n = vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  if (n < 0)
    return;
  fmt_buf_add(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/* }==== */

/* {==== printer state and primitives ==== */

struct printer {
  const char *text;             /* the source bytes */
  uint32_t len;                 /* their number */
  const struct ast_comment *cm; /* comments in source order */
  size_t ncm;                   /* their number */
  bool *done;                   /* per comment: already printed */
  size_t next;                  /* no comment before this index is pending */
  uint32_t last_cm_end;         /* end offset of the last comment printed */
  struct fmt_buf *out;          /* where the text goes */
  uint32_t col;                 /* output column (code points) */
  bool bol;                     /* at a line start: indentation not yet written */
  int pending;                  /* indentation of the line being started */
  int line_ind;                 /* indentation of the current line */
  int ind;                      /* indentation of the current block's statements */
  int cont;                     /* column of continuation lines in this context */
  bool section;                 /* put SECTION before the next line's text */
  bool flat;                    /* one line, no comments (fmt_expr) */
  const struct ast_node *imports; /* the file's imports (some sit inside the runbook) */
};

/* Append raw bytes, writing the pending indentation first. */
static void
put(struct printer *p, const char *s, size_t n)
{
  static const char blanks[] = "                                ";
  size_t i;

  if (n == 0)
    return;
  if (p->bol) {
    int k = p->pending;
    if (p->section)
      fmt_buf_add(p->out, "\xfe", 1);
    p->section = false;
    while (k > 0) {
      int m = k < 32 ? k : 32;
      fmt_buf_add(p->out, blanks, (size_t)m);
      k -= m;
    }
    p->col = (uint32_t)p->pending;
    p->line_ind = p->pending;
    p->bol = false;
  }
  fmt_buf_add(p->out, s, n);
  for (i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '\n')
      p->col = 0;
    else if ((c & 0xC0) != 0x80 && c != 0xFE)   /* a CELL is at least one blank */
      p->col++;
  }
}

/* Append a NUL-terminated string (see put). */
static void
emit(struct printer *p, const char *s)
{
  put(p, s, strlen(s));
}

/* End the line (dropping trailing blanks); the next one is indented `ind`. */
static void
nl(struct printer *p, int ind)
{
  struct fmt_buf *b = p->out;

  if (!p->bol || p->flat) {
    while (b->len > 0 && b->data[b->len - 1] == ' ')
      b->len--;
    if (p->flat)
      fmt_buf_add(b, " ", 1);
    else
      fmt_buf_add(b, "\n", 1);
  }
  p->bol = !p->flat;
  p->pending = ind;
  p->col = 0;
}

/* An empty line (at a line start, after some output). */
static void
blank(struct printer *p)
{
  if (!p->bol)
    nl(p, p->pending);
  if (p->out->len > 0 && !p->flat)
    fmt_buf_add(p->out, "\n", 1);
}

/* Does text[from, to) hold a line break? */
static bool
has_nl(const struct printer *p, uint32_t from, uint32_t to)
{
  if (to > p->len)
    to = p->len;
  return from < to && memchr(p->text + from, '\n', to - from) != NULL;
}

/* Does text[from, to) hold a blank line (two line breaks)? */
static bool
has_blank(const struct printer *p, uint32_t from, uint32_t to)
{
  const char *q;

  if (to > p->len)
    to = p->len;
  if (from >= to)
    return false;
  q = memchr(p->text + from, '\n', to - from);
  return q != NULL && memchr(q + 1, '\n', (size_t)(p->text + to - (q + 1))) != NULL;
}

/* The bytes of span sp (verbatim), marking the comments inside as printed. */
static void
verbatim(struct printer *p, uint32_t start, uint32_t end)
{
  size_t i;

  if (end > p->len)
    end = p->len;
  if (start >= end)
    return;
  for (i = p->next; i < p->ncm && p->cm[i].span.start < end; i++)
    if (p->cm[i].span.start >= start)
      p->done[i] = true;
  put(p, p->text + start, end - start);
}

/* }==== */

/* {==== comments ==== */

/* The next comment not yet printed that starts before `to`, or NULL. */
static const struct ast_comment *
pending_before(struct printer *p, uint32_t to)
{
  while (p->next < p->ncm && p->done[p->next])
    p->next++;
  if (p->flat || p->next >= p->ncm || p->cm[p->next].span.start >= to)
    return NULL;
  return &p->cm[p->next];
}

/* Print comment c (its text without trailing blanks) and mark it. */
static void
comment_text(struct printer *p, const struct ast_comment *c)
{
  uint32_t e = c->span.end;

  while (e > c->span.start && (p->text[e - 1] == ' ' || p->text[e - 1] == '\t'
                               || p->text[e - 1] == '\r'))
    e--;
  put(p, p->text + c->span.start, e - c->span.start);
  p->done[c - p->cm] = true;
  if (c->span.end > p->last_cm_end)
    p->last_cm_end = c->span.end;
}

/* c at the end of the current line, in the comment column. */
static void
trailing(struct printer *p, const struct ast_comment *c)
{
  put(p, " \xff", 2);
  comment_text(p, c);
}

/*
** A place between source offsets from and to where the line may end.  The
** comments pending before `to` are printed (a comment that followed code
** stays on the current line, the others get lines of their own at cmt_ind),
** and the line ends.  Else, with keep_nl, a line break in the source is
** kept.  Else sep is written.  Returns whether the line was broken; the
** next line is indented next_ind.
*/
static bool
gap(struct printer *p, uint32_t from, uint32_t to, const char *sep, bool keep_nl,
    int cmt_ind, int next_ind)
{
  const struct ast_comment *c;
  bool broke = false;

  for (c = pending_before(p, to); c != NULL; c = pending_before(p, to)) {
    if (!broke && !c->own_line && !p->bol) {
      trailing(p, c);
    } else {
      if (!p->bol)
        nl(p, cmt_ind);
      p->pending = cmt_ind;
      comment_text(p, c);
    }
    nl(p, cmt_ind);
    broke = true;
  }
  if (broke) {
    p->pending = next_ind;
    return true;
  }
  if (keep_nl && !p->flat && has_nl(p, from, to)) {
    nl(p, next_ind);
    return true;
  }
  emit(p, sep);
  return false;
}

/* Comments left inside a construct just printed: each on a line of its own. */
static void
leftovers(struct printer *p, uint32_t end, int ind)
{
  const struct ast_comment *c;

  for (c = pending_before(p, end); c != NULL; c = pending_before(p, end)) {
    nl(p, ind);
    comment_text(p, c);
  }
}

/* }==== */

/* {==== source positions ==== */

/* A blank or a line break, as the lexer skips them. */
static bool
is_space(char c)
{
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

/* Skip blanks, line breaks and comments forward from off. */
static uint32_t
skip_fwd(const struct printer *p, uint32_t off)
{
  while (off < p->len) {
    if (is_space(p->text[off])) {
      off++;
    } else if (p->text[off] == '#') {
      while (off < p->len && p->text[off] != '\n')
        off++;
    } else {
      break;
    }
  }
  return off;
}

/* Offset of the first `ch` at or after off (blanks and comments skipped), or off. */
static uint32_t
find_fwd(const struct printer *p, uint32_t off, char ch)
{
  uint32_t q = skip_fwd(p, off);

  return q < p->len && p->text[q] == ch ? q : off;
}

/*
** The span of node n without the parentheses around it: the parser widens
** a parenthesised expression's span to its parentheses, and no expression
** kind starts with '(' on its own.
*/
static void
inner(const struct printer *p, const struct ast_node *n, uint32_t *s, uint32_t *e)
{
  uint32_t a = n->span.start, b = n->span.end;
  int k = 0;

  while (a < b && p->text[a] == '(') {
    a = skip_fwd(p, a + 1);
    k++;
  }
  while (k > 0 && b > a) {
    uint32_t q = b;
    while (q > a && is_space(p->text[q - 1]))
      q--;
    if (q == a || p->text[q - 1] != ')')
      break;
    b = q - 1;
    k--;
  }
  while (b > a && is_space(p->text[b - 1]))
    b--;
  *s = a;
  *e = b;
}

/* Start of the clause word before the value starting at off (`every` in every 5s). */
static uint32_t
word_before(const struct printer *p, uint32_t off)
{
  while (off > 0 && (p->text[off - 1] == ' ' || p->text[off - 1] == '\t'))
    off--;
  while (off > 0 && (p->text[off - 1] == '_' || (p->text[off - 1] | 0x20) >= 'a')
         && (p->text[off - 1] | 0x20) <= 'z')
    off--;
  return off;
}

/* }==== */

/* {==== expressions ==== */

static void expr(struct printer *p, const struct ast_node *e, int min);

/* Binding power of an expression (docs/language.md 4): 9 for postfix and primaries. */
static int
prec(const struct ast_node *e)
{
  if (e->kind == AST_UNARY)
    return e->u.unary.op == UN_NOT ? 4 : 8;
  if (e->kind != AST_BINARY)
    return 9;
  switch (e->u.binary.op) {
  case BIN_COALESCE: return 1;
  case BIN_OR: return 2;
  case BIN_AND: return 3;
  case BIN_ADD: case BIN_SUB: return 6;
  case BIN_MUL: case BIN_DIV: case BIN_MOD: return 7;
  default: return 5;
  }
}

/* A name or a literal token: its text as written. */
static void
token(struct printer *p, const struct ast_node *e)
{
  uint32_t s, t;

  inner(p, e, &s, &t);
  verbatim(p, s, t);
}

/* An identifier given as a string in the source (phase "x"): as written. */
static void
qname(struct printer *p, const struct ast_ident *id)
{
  verbatim(p, id->span.start, id->span.end);
}

/* Was the map key written as a string ("any key": 1)? */
static bool
string_key(const struct printer *p, const struct ast_ident *k)
{
  const char *t = p->text + k->span.start;

  return k->span.end > k->span.start
      && (t[0] == '"' || (t[0] == 'r' && k->span.end - k->span.start > 1 && t[1] == '"'));
}

/* One element of a bracketed list (argument, list item, map pair, fn param). */
static void
element(struct printer *p, const struct ast_node *e)
{
  switch (e->kind) {
  case AST_ARG:
    if (e->u.arg.name.name != NULL) {
      emit(p, e->u.arg.name.name);
      emit(p, ": ");
    }
    expr(p, e->u.arg.value, 0);
    break;
  case AST_PAIR:
    if (string_key(p, &e->u.pair.key))
      qname(p, &e->u.pair.key);
    else
      emit(p, e->u.pair.key.name);
    emit(p, ": ");
    expr(p, e->u.pair.value, 0);
    break;
  default:
    expr(p, e, 0);
    break;
  }
}

/*
** Elements between brackets: open_end is the offset after the opening
** bracket, close the offset of the closing one.  A line break after the
** opening bracket makes a block: the elements indented one level more than
** the line, the closing bracket on a line of its own.  Otherwise continued
** lines align with the first element.  `comma` adds a trailing comma when the
** closing bracket stands alone.
*/
static void
bracketed(struct printer *p, const struct ast_node *first, uint32_t open_end,
          uint32_t close, const char *closer, bool comma)
{
  int saved = p->cont, base = p->line_ind;
  uint32_t next_start = first != NULL ? first->span.start : close;
  bool block = !p->flat && (has_nl(p, open_end, next_start)
                            || pending_before(p, next_start) != NULL);
  const struct ast_node *e;

  p->cont = block ? base + STEP_COLS : (int)p->col;
  gap(p, open_end, next_start, "", true, p->cont, p->cont);
  for (e = first; e != NULL; e = e->next) {
    element(p, e);
    if (e->next != NULL) {
      emit(p, ",");
      gap(p, e->span.end, e->next->span.start, " ", true, p->cont, p->cont);
    } else if (!p->flat && (has_nl(p, e->span.end, close)
                            || pending_before(p, close) != NULL)) {
      if (comma)
        emit(p, ",");
      gap(p, e->span.end, close, "", true, p->cont, base);
      if (!p->bol)
        nl(p, base);
    }
  }
  if (first == NULL && pending_before(p, close) != NULL) {
    leftovers(p, close, p->cont);
    nl(p, base);
  }
  emit(p, closer);
  p->cont = saved;
}

/* A call: callee(args) or, for the statement forms, `sh ARG, ARG`. */
static void
call(struct printer *p, const struct ast_node *e)
{
  const struct ast_node *cal = e->u.call.callee, *a;
  uint32_t s, t, open;

  if (e->u.call.bare) {
    emit(p, cal->u.name.name);
    emit(p, " ");
    for (a = e->u.call.args; a != NULL; a = a->next) {
      element(p, a);
      if (a->next != NULL) {
        emit(p, ",");
        gap(p, a->span.end, a->next->span.start, " ", true, p->cont, p->cont);
      }
    }
    return;
  }
  if (cal->kind == AST_PERCENT)
    emit(p, "(");
  expr(p, cal, 9);
  if (cal->kind == AST_PERCENT)
    emit(p, ")");
  inner(p, e, &s, &t);
  open = find_fwd(p, cal->span.end, '(');
  emit(p, "(");
  bracketed(p, e->u.call.args, open + 1, t > s ? t - 1 : t, ")", true);
}

/* Unary and binary operators; operands parenthesised by binding power. */
static void
operators(struct printer *p, const struct ast_node *e)
{
  if (e->kind == AST_UNARY) {
    const struct ast_node *o = e->u.unary.operand;
    bool neg = e->u.unary.op == UN_NEG;
    emit(p, neg ? "-" : "not ");
    /* -(-x), not (a == b): parentheses a reader needs, though the parser does not */
    if ((neg && o->kind == AST_UNARY && o->u.unary.op == UN_NEG) || (!neg && prec(o) == 5))
      expr(p, o, 10);
    else
      expr(p, o, neg ? 8 : 4);
    return;
  }
  {
    enum ast_binop op = e->u.binary.op;
    int pw = prec(e);
    bool right_assoc = op == BIN_COALESCE, nonassoc = pw == 5;
    expr(p, e->u.binary.left, right_assoc || nonassoc ? pw + 1 : pw);
    emit(p, " ");
    emit(p, ast_binop_str(op));
    gap(p, e->u.binary.left->span.end, e->u.binary.right->span.start, " ", true,
        p->cont, p->cont);
    expr(p, e->u.binary.right, right_assoc ? pw : pw + 1);
  }
}

/* Postfix forms, lists, maps. */
static void
compound(struct printer *p, const struct ast_node *e)
{
  uint32_t s, t, open;

  switch (e->kind) {
  case AST_MEMBER:
    expr(p, e->u.member.object, 9);
    emit(p, ".");
    emit(p, e->u.member.id.name);
    break;
  case AST_INDEX:
    expr(p, e->u.index.object, 9);
    emit(p, "[");
    expr(p, e->u.index.index, 0);
    emit(p, "]");
    break;
  case AST_CALL:
    call(p, e);
    break;
  case AST_LIST: case AST_MAP:
    inner(p, e, &s, &t);
    open = find_fwd(p, s, e->kind == AST_LIST ? '[' : '{');
    emit(p, e->kind == AST_LIST ? "[" : "{");
    bracketed(p, e->kind == AST_LIST ? e->u.list.items : e->u.map.entries, open + 1,
              t > s ? t - 1 : t, e->kind == AST_LIST ? "]" : "}", true);
    break;
  default:
    break;
  }
}

/* Expression e, in parentheses when it binds looser than min. */
static void
expr(struct printer *p, const struct ast_node *e, int min)
{
  int saved = p->cont;

  if (e == NULL)
    return;
  if (prec(e) < min) {
    emit(p, "(");
    p->cont = (int)p->col;
    expr(p, e, 0);
    emit(p, ")");
    p->cont = saved;
    return;
  }
  switch (e->kind) {
  case AST_NULL: emit(p, "null"); break;
  case AST_BOOL: emit(p, e->u.b ? "true" : "false"); break;
  case AST_NAME: emit(p, e->u.name.name); break;
  case AST_INT: case AST_FLOAT: case AST_DURATION: case AST_PERCENT:
  case AST_STATUS_CLASS: case AST_STRING:
    token(p, e);
    break;
  case AST_UNARY: case AST_BINARY:
    operators(p, e);
    break;
  default:
    compound(p, e);
    break;
  }
}

/* }==== */

/* {==== statements ==== */

static void stmt(struct printer *p, const struct ast_node *s);
static void block(struct printer *p, const struct ast_node *b);

/* Element printer for body(). */
typedef void (*print_fn)(struct printer *p, const struct ast_node *n);

/* The source start of list element n (imports merged into item lists). */
static uint32_t
start_of(const struct ast_node *n)
{
  return n->span.start;
}

/*
** The elements of a braced body, one per line, after the caller printed
** the header and '{' (at source offset open; `close` is the offset of the
** closing '}').  Comments between elements keep their lines, blank lines
** collapse to one, a comment on the '{' line stays there.  `sections`
** stops alignment where the element kind changes.
*/
static void
body(struct printer *p, const struct ast_node *const *v, size_t n, uint32_t open,
     uint32_t close, print_fn one, bool sections)
{
  int ind = p->ind, in = ind + STEP_COLS;
  uint32_t prev = open + 1, first = n > 0 ? start_of(v[0]) : close;
  const struct ast_comment *c;
  bool any = false, multi = false;
  size_t i;

  if (n == 0 && pending_before(p, close) == NULL) {
    emit(p, "}");
    return;
  }
  c = pending_before(p, first);
  if (c != NULL && !has_nl(p, open, c->span.start))
    trailing(p, c);
  nl(p, in);
  p->ind = in;
  for (i = 0; i <= n; i++) {
    uint32_t at = i < n ? start_of(v[i]) : close;
    size_t from;
    for (c = pending_before(p, at); c != NULL; c = pending_before(p, at)) {
      if (p->last_cm_end > prev)
        prev = p->last_cm_end;
      if (any && has_blank(p, prev, c->span.start))
        blank(p);
      comment_text(p, c);
      nl(p, in);
      prev = c->span.end;
      any = true;
    }
    if (i == n)
      break;
    if (any && has_blank(p, prev, at))
      blank(p);
    if (i == 0 || multi || (sections && v[i]->kind != v[i - 1]->kind))
      p->section = true;
    p->cont = in + STEP_COLS;
    from = p->out->len;
    one(p, v[i]);
    multi = p->out->data != NULL
            && memchr(p->out->data + from, '\n', p->out->len - from) != NULL;
    any = true;
    leftovers(p, v[i]->span.end, in);
    c = pending_before(p, i + 1 < n ? start_of(v[i + 1]) : close);
    if (c != NULL && !has_nl(p, v[i]->span.end, c->span.start))
      trailing(p, c);
    prev = v[i]->span.end > p->last_cm_end ? v[i]->span.end : p->last_cm_end;
    nl(p, in);
  }
  p->ind = ind;
  p->pending = ind;
  emit(p, "}");
}

/* A linked list as an array (malloc'd; NULL with *n 0 when empty or out of memory). */
static const struct ast_node **
as_array(struct printer *p, const struct ast_node *head, const struct ast_node *extra,
         uint32_t lo, uint32_t hi, size_t *n)
{
  const struct ast_node **v, *e;
  size_t k = 0, m = ast_list_len(head) + ast_list_len(extra), i, j;

  *n = 0;
  if (m == 0)
    return NULL;
  v = malloc(m * sizeof *v);
  if (v == NULL) {
    p->out->oom = true;
    return NULL;
  }
  for (e = head; e != NULL; e = e->next)
    v[k++] = e;
  for (e = extra; e != NULL; e = e->next)
    if (e->span.start >= lo && e->span.start < hi)
      v[k++] = e;
  for (i = 1; i < k; i++) {       /* insertion sort by position: lists are short */
    const struct ast_node *x = v[i];
    for (j = i; j > 0 && v[j - 1]->span.start > x->span.start; j--)
      v[j] = v[j - 1];
    v[j] = x;
  }
  *n = k;
  return v;
}

/* '{' at open ... '}' at the end of `owner`, around the list `head`. */
static void
braced(struct printer *p, const struct ast_node *owner, uint32_t open,
       const struct ast_node *head, const struct ast_node *extra, print_fn one,
       bool sections)
{
  size_t n;
  const struct ast_node **v = as_array(p, head, extra, open, owner->span.end, &n);

  emit(p, "{");
  body(p, v, n, open, owner->span.end - 1, one, sections);
  free(v);
}

/* { statements } */
static void
block(struct printer *p, const struct ast_node *b)
{
  braced(p, b, b->span.start, b->u.block.stmts, NULL, stmt, false);
}

/*
** A clause of wait/retry/step: ` word value`.  With `may_break` the line
** breaks before it where the source did (the next line, indented, starting
** with the clause word continues the statement).
*/
static void
clause(struct printer *p, const char *word, const struct ast_node *v, uint32_t prev,
       bool may_break)
{
  uint32_t kw;

  if (v == NULL)
    return;
  kw = word_before(p, v->span.start);
  if (may_break)
    gap(p, prev, kw, " ", true, p->cont, p->cont);
  else
    emit(p, " ");
  emit(p, word);
  emit(p, " ");
  expr(p, v, 0);
}

/* The last node of a list (NULL for an empty one). */
static const struct ast_node *
last_of(const struct ast_node *head)
{
  while (head != NULL && head->next != NULL)
    head = head->next;
  return head;
}

/* The end offset of node a, or dflt when a is absent. */
static uint32_t
end_of(const struct ast_node *a, uint32_t dflt)
{
  return a != NULL ? a->span.end : dflt;
}

/* every D [backoff F] [max D] of a retry spec (after its attempts). */
static void
retry_clauses(struct printer *p, const struct ast_node *spec, bool may_break)
{
  uint32_t at = spec->u.retry_spec.attempts->span.end;

  clause(p, "every", spec->u.retry_spec.every, at, may_break);
  at = end_of(spec->u.retry_spec.every, at);
  clause(p, "backoff", spec->u.retry_spec.backoff, at, may_break);
  at = end_of(spec->u.retry_spec.backoff, at);
  clause(p, "max", spec->u.retry_spec.max, at, may_break);
}

/* A status or parallel limit: a name path prints bare. */
static bool
name_path(const struct ast_node *e)
{
  while (e->kind == AST_MEMBER)
    e = e->u.member.object;
  return e->kind == AST_NAME;
}

/* assert http STATUS [METHOD] URL {option} {check} */
static void
assert_http(struct printer *p, const struct ast_node *s)
{
  static const char *const what[] = { "contains", "json", "header", "within" };
  const struct ast_node *a;

  emit(p, "assert http ");
  expr(p, s->u.assert_http.status, 9);
  if (s->u.assert_http.method.name != NULL) {
    emit(p, " ");
    emit(p, s->u.assert_http.method.name);
  }
  emit(p, " ");
  expr(p, s->u.assert_http.url, 0);
  for (a = s->u.assert_http.options; a != NULL; a = a->next) {
    emit(p, " ");
    element(p, a);
  }
  for (a = s->u.assert_http.checks; a != NULL; a = a->next) {
    emit(p, " ");
    emit(p, what[a->u.http_check.what]);
    emit(p, " ");
    if (a->u.http_check.key != NULL) {
      expr(p, a->u.http_check.key, 6);
      emit(p, " ");
      emit(p, ast_binop_str((enum ast_binop)a->u.http_check.op));
      emit(p, " ");
      expr(p, a->u.http_check.value, 6);
    } else {
      expr(p, a->u.http_check.value, 0);
    }
  }
}

/* if C { } [else (if ... | { })] */
static void
if_stmt(struct printer *p, const struct ast_node *s)
{
  const struct ast_node *els = s->u.if_.els;

  emit(p, "if ");
  expr(p, s->u.if_.cond, 0);
  emit(p, " ");
  block(p, s->u.if_.then);
  if (els == NULL)
    return;
  gap(p, s->u.if_.then->span.end, word_before(p, els->span.start), " ", false,
      p->ind, p->ind);
  emit(p, "else ");
  if (els->kind == AST_IF)
    if_stmt(p, els);
  else
    block(p, els);
}

/* Loops and concurrency: for, retry, parallel. */
static void
loop_stmt(struct printer *p, const struct ast_node *s)
{
  const struct ast_node *lim;

  switch (s->kind) {
  case AST_FOR:
    emit(p, "for ");
    emit(p, s->u.for_.var.name);
    if (s->u.for_.var2.name != NULL) {
      emit(p, ", ");
      emit(p, s->u.for_.var2.name);
    }
    emit(p, " in ");
    expr(p, s->u.for_.iter, 0);
    emit(p, " ");
    block(p, s->u.for_.body);
    break;
  case AST_RETRY:
    emit(p, "retry ");
    expr(p, s->u.retry.spec->u.retry_spec.attempts, 0);
    retry_clauses(p, s->u.retry.spec, true);
    emit(p, " ");
    block(p, s->u.retry.body);
    break;
  default:                      /* AST_PARALLEL */
    emit(p, "parallel");
    lim = s->u.parallel.limit;
    if (lim != NULL) {
      emit(p, " ");
      if (lim->kind == AST_INT || name_path(lim)) {
        expr(p, lim, 9);
      } else {
        emit(p, "(");
        expr(p, lim, 0);
        emit(p, ")");
      }
    }
    if (s->u.parallel.var.name != NULL) {
      emit(p, " for ");
      emit(p, s->u.parallel.var.name);
      emit(p, " in ");
      expr(p, s->u.parallel.iter, 0);
    }
    emit(p, " ");
    block(p, s->u.parallel.body);
    break;
  }
}

/* One statement. */
static void
stmt(struct printer *p, const struct ast_node *s)
{
  switch (s->kind) {
  case AST_LET:
    emit(p, "let ");
    emit(p, s->u.let.name.name);
    emit(p, " =");
    gap(p, s->u.let.name.span.end, s->u.let.value->span.start, " ", true, p->cont,
        p->cont);
    expr(p, s->u.let.value, 0);
    break;
  case AST_ASSIGN:
    expr(p, s->u.assign.target, 0);
    emit(p, " =");
    gap(p, s->u.assign.target->span.end, s->u.assign.value->span.start, " ", true,
        p->cont, p->cont);
    expr(p, s->u.assign.value, 0);
    break;
  case AST_EXPR_STMT: expr(p, s->u.expr_stmt.expr, 0); break;
  case AST_IF: if_stmt(p, s); break;
  case AST_FOR: case AST_RETRY: case AST_PARALLEL: loop_stmt(p, s); break;
  case AST_WAIT:
    emit(p, "wait until ");
    expr(p, s->u.wait.cond, 0);
    clause(p, "every", s->u.wait.every, s->u.wait.cond->span.end, true);
    clause(p, "timeout", s->u.wait.timeout, end_of(s->u.wait.every, 0), true);
    break;
  case AST_ASSERT:
    emit(p, "assert ");
    expr(p, s->u.assert_.cond, 0);
    if (s->u.assert_.message != NULL) {
      emit(p, ",");
      gap(p, s->u.assert_.cond->span.end, s->u.assert_.message->span.start, " ", true,
          p->cont, p->cont);
      expr(p, s->u.assert_.message, 0);
    }
    break;
  case AST_ASSERT_HTTP: assert_http(p, s); break;
  case AST_RETURN:
    emit(p, "return");
    if (s->u.return_.value != NULL) {
      emit(p, " ");
      expr(p, s->u.return_.value, 0);
    }
    break;
  default:
    break;
  }
}

/* }==== */

/* {==== runbook items ==== */

static void item(struct printer *p, const struct ast_node *n);

/*
** A line with a CELL after its first column (meta key, param name): the
** CELL is taken out again when the item did not fit on one line, so
** continuation columns stay right.
*/
static void
cell_then(struct printer *p, size_t *cell_at)
{
  *cell_at = p->out->len;
  put(p, "\xff", 1);
}

/* The CELL at cell_at becomes a blank when the item went over several lines. */
static void
uncell_if_broken(struct printer *p, size_t cell_at)
{
  struct fmt_buf *b = p->out;

  if (b->oom || cell_at >= b->len || memchr(b->data + cell_at, '\n', b->len - cell_at) == NULL)
    return;
  b->data[cell_at] = ' ';
}

/* contact "Role" { field value ... }: one line, or one field per line. */
static void
contact(struct printer *p, const struct ast_node *n)
{
  uint32_t open = find_fwd(p, n->u.contact.role.span.end, '{');
  const struct ast_node *f;

  emit(p, "contact ");
  qname(p, &n->u.contact.role);
  emit(p, " ");
  if (has_nl(p, open, n->span.end) || pending_before(p, n->span.end) != NULL) {
    braced(p, n, open, n->u.contact.fields, NULL, item, false);
    return;
  }
  emit(p, "{");
  for (f = n->u.contact.fields; f != NULL; f = f->next) {
    emit(p, " ");
    emit(p, f->u.meta.key.name);
    emit(p, " ");
    expr(p, f->u.meta.value, 0);
  }
  emit(p, n->u.contact.fields != NULL ? " }" : "}");
}

/* param|secret NAME [: TYPE] [= EXPR] */
static void
param(struct printer *p, const struct ast_node *n)
{
  size_t at = 0;
  bool cell = n->u.param.type.name != NULL || n->u.param.value != NULL;

  emit(p, n->u.param.secret ? "secret " : "param ");
  emit(p, n->u.param.name.name);
  if (cell)
    cell_then(p, &at);
  if (n->u.param.type.name != NULL) {
    emit(p, ": ");
    emit(p, n->u.param.type.name);
  }
  if (n->u.param.value != NULL) {
    emit(p, n->u.param.type.name != NULL ? " = " : "= ");
    expr(p, n->u.param.value, 0);
  }
  if (cell)
    uncell_if_broken(p, at);
}

/* step "name" [when E] [retry N every D ...] [timeout D] [on failure ...] { } */
static void
step(struct printer *p, const struct ast_node *n)
{
  static const char *const onfail[] = { "", "continue", "abort", "troubleshoot" };
  const struct ast_node *r = n->u.step.retry;
  uint32_t at = n->u.step.name.span.end;

  emit(p, "step ");
  qname(p, &n->u.step.name);
  clause(p, "when", n->u.step.when, at, false);
  at = end_of(n->u.step.when, at);
  if (r != NULL) {
    clause(p, "retry", r->u.retry_spec.attempts, at, false);
    retry_clauses(p, r, true);
    at = r->span.end;
  }
  clause(p, "timeout", n->u.step.timeout, at, true);
  if (n->u.step.on_failure != ONFAIL_DEFAULT) {
    emit(p, " on failure ");
    emit(p, onfail[n->u.step.on_failure]);
    if (n->u.step.on_failure == ONFAIL_TROUBLESHOOT) {
      emit(p, " ");
      qname(p, &n->u.step.troubleshoot);
    }
  }
  emit(p, " ");
  block(p, n->u.step.body);
}

/* A monitor threshold: `< X` or `A .. B`. */
static void
threshold(struct printer *p, const char *word, const struct ast_node *t)
{
  emit(p, " ");
  emit(p, word);
  emit(p, " ");
  if (t->u.threshold.op < 0) {
    expr(p, t->u.threshold.lo, 0);
    emit(p, " .. ");
    expr(p, t->u.threshold.hi, 0);
  } else {
    emit(p, ast_binop_str((enum ast_binop)t->u.threshold.op));
    emit(p, " ");
    expr(p, t->u.threshold.lo, 0);
  }
}

/* Items with a name and a body: phase, checklist, troubleshoot, fn, runbook. */
static void
container(struct printer *p, const struct ast_node *n)
{
  uint32_t open;

  switch (n->kind) {
  case AST_PHASE:
    emit(p, "phase ");
    qname(p, &n->u.phase.name);
    clause(p, "within", n->u.phase.within, 0, false);
    emit(p, " ");
    open = find_fwd(p, end_of(n->u.phase.within, n->u.phase.name.span.end), '{');
    braced(p, n, open, n->u.phase.steps, NULL, item, true);
    break;
  case AST_CHECKLIST:
    emit(p, "checklist ");
    qname(p, &n->u.checklist.name);
    emit(p, " ");
    open = find_fwd(p, n->u.checklist.name.span.end, '{');
    braced(p, n, open, n->u.checklist.items, NULL, item, true);
    break;
  case AST_TROUBLESHOOT:
    emit(p, "troubleshoot ");
    qname(p, &n->u.troubleshoot.name);
    emit(p, " ");
    block(p, n->u.troubleshoot.body);
    break;
  case AST_FN:
    emit(p, "fn ");
    emit(p, n->u.fn.name.name);
    open = find_fwd(p, n->u.fn.name.span.end, '(');
    emit(p, "(");
    bracketed(p, n->u.fn.params, open + 1,
              find_fwd(p, end_of(last_of(n->u.fn.params), open + 1), ')'), ") ", true);
    block(p, n->u.fn.body);
    break;
  default:                      /* AST_RUNBOOK */
    break;
  }
}

/* Items of one line: meta, resource, param, trigger, item, monitor, import. */
static void
line_item(struct printer *p, const struct ast_node *n)
{
  size_t at = 0;

  switch (n->kind) {
  case AST_META:
    emit(p, n->u.meta.key.name);
    cell_then(p, &at);
    expr(p, n->u.meta.value, 0);
    uncell_if_broken(p, at);
    break;
  case AST_RESOURCE:
    emit(p, "resource ");
    emit(p, n->u.resource.name.name);
    cell_then(p, &at);
    expr(p, n->u.resource.value, 0);
    uncell_if_broken(p, at);
    break;
  case AST_PARAM: param(p, n); break;
  case AST_TRIGGER:
    emit(p, n->u.trigger.automatic ? "trigger auto " : "trigger manual ");
    qname(p, &n->u.trigger.name);
    clause(p, "when", n->u.trigger.cond, 0, false);
    clause(p, "for", n->u.trigger.duration, 0, false);
    break;
  case AST_ITEM:
    emit(p, "item ");
    qname(p, &n->u.item.text);
    clause(p, "verify", n->u.item.verify, 0, false);
    break;
  case AST_MONITOR:
    emit(p, "monitor ");
    qname(p, &n->u.monitor.name);
    clause(p, "value", n->u.monitor.value, 0, false);
    threshold(p, "normal", n->u.monitor.normal);
    threshold(p, "alert", n->u.monitor.alert);
    break;
  case AST_IMPORT:
    emit(p, "import ");
    expr(p, n->u.import.path, 0);
    break;
  default:
    break;
  }
}

/* Any runbook item, a phase's step, a checklist item, a contact field, a file item. */
static void
item(struct printer *p, const struct ast_node *n)
{
  switch (n->kind) {
  case AST_CONTACT: contact(p, n); break;
  case AST_STEP: step(p, n); break;
  case AST_PHASE: case AST_CHECKLIST: case AST_TROUBLESHOOT: case AST_FN:
    container(p, n);
    break;
  case AST_RUNBOOK:
    emit(p, "runbook ");
    qname(p, &n->u.runbook.name);
    emit(p, " ");
    braced(p, n, find_fwd(p, n->u.runbook.name.span.end, '{'), n->u.runbook.items,
           p->imports, item, true);
    break;
  default:
    line_item(p, n);
    break;
  }
}

/* }==== */

/* {==== the file ==== */

/* Is offset off inside one of the file's runbooks? */
static bool
in_runbook(const struct ast_node *file, uint32_t off)
{
  const struct ast_node *n;

  for (n = file->u.file.items; n != NULL; n = n->next)
    if (n->kind == AST_RUNBOOK && off >= n->span.start && off < n->span.end)
      return true;
  return false;
}

/* Imports, runbook and fns at the top level, then the comments after them. */
static void
file_items(struct printer *p, const struct ast_node *file)
{
  const struct ast_node *e, **all;
  size_t n = 0, cap = ast_list_len(file->u.file.items) + ast_list_len(file->u.file.imports);
  size_t i, j;
  const struct ast_comment *c;
  uint32_t prev = 0;

  all = cap > 0 ? malloc(cap * sizeof *all) : NULL;
  if (cap > 0 && all == NULL) {
    p->out->oom = true;
    return;
  }
  for (e = file->u.file.items; e != NULL; e = e->next)
    all[n++] = e;
  for (e = file->u.file.imports; e != NULL; e = e->next)
    if (!in_runbook(file, e->span.start))
      all[n++] = e;
  for (i = 1; i < n; i++) {
    const struct ast_node *x = all[i];
    for (j = i; j > 0 && all[j - 1]->span.start > x->span.start; j--)
      all[j] = all[j - 1];
    all[j] = x;
  }
  p->bol = true;
  for (i = 0; i <= n; i++) {
    uint32_t at = i < n ? all[i]->span.start : p->len + 1;
    for (c = pending_before(p, at); c != NULL; c = pending_before(p, at)) {
      if (p->last_cm_end > prev)
        prev = p->last_cm_end;
      if (p->out->len > 0 && has_blank(p, prev, c->span.start))
        blank(p);
      comment_text(p, c);
      nl(p, 0);
      prev = c->span.end;
    }
    if (i == n)
      break;
    if (p->out->len > 0 && has_blank(p, prev, at))
      blank(p);
    p->ind = 0;
    p->cont = STEP_COLS;
    item(p, all[i]);
    leftovers(p, all[i]->span.end, 0);
    c = pending_before(p, i + 1 < n ? all[i + 1]->span.start : p->len + 1);
    if (c != NULL && !has_nl(p, all[i]->span.end, c->span.start))
      trailing(p, c);
    prev = all[i]->span.end > p->last_cm_end ? all[i]->span.end : p->last_cm_end;
    nl(p, 0);
  }
  free(all);
}

/* }==== */

/* {==== alignment (after Go's text/tabwriter) ==== */

struct tw_cell {
  size_t start;                 /* offset in the text */
  size_t len;                   /* bytes */
  uint32_t width;               /* code points */
};

struct tw_line {
  size_t cell0;                 /* index of its first cell */
  uint32_t ncells;              /* at least 1 */
  bool section;                 /* starts an alignment section */
  bool newline;                 /* ends with a line break */
};

#define TW_MAX_COLS 16

struct aligner {
  const char *s;                /* the marked text */
  struct tw_line *lines;
  size_t nlines;
  struct tw_cell *cells;
  uint32_t widths[TW_MAX_COLS]; /* widths of the columns left of the current one */
  size_t depth;                 /* entries in widths */
  struct fmt_buf *out;
};

/* Code points in s[0, n). */
static uint32_t
width_of(const char *s, size_t n)
{
  uint32_t w = 0;
  size_t i;

  for (i = 0; i < n; i++)
    w += ((unsigned char)s[i] & 0xC0) != 0x80;
  return w;
}

/* Lines [l0, l1) with the current column widths. */
static void
tw_write(struct aligner *a, size_t l0, size_t l1)
{
  static const char blanks[] = "                                ";
  size_t i;
  uint32_t j;

  for (i = l0; i < l1; i++) {
    const struct tw_line *ln = &a->lines[i];
    for (j = 0; j < ln->ncells; j++) {
      const struct tw_cell *c = &a->cells[ln->cell0 + j];
      fmt_buf_add(a->out, a->s + c->start, c->len);
      if (j + 1 < ln->ncells && j < a->depth && a->widths[j] > c->width) {
        uint32_t pad = a->widths[j] - c->width;
        while (pad > 0) {
          uint32_t m = pad < 32 ? pad : 32;
          fmt_buf_add(a->out, blanks, m);
          pad -= m;
        }
      }
    }
    if (ln->newline)
      fmt_buf_add(a->out, "\n", 1);
  }
}

/* Go's tabwriter format(): column blocks of consecutive lines, recursively. */
static void
tw_format(struct aligner *a, size_t l0, size_t l1)
{
  size_t col = a->depth, cur = l0;

  while (cur < l1) {
    uint32_t width = 0;
    if (col >= TW_MAX_COLS || col + 1 >= a->lines[cur].ncells) {
      cur++;
      continue;
    }
    tw_write(a, l0, cur);
    l0 = cur;
    do {
      uint32_t w = a->cells[a->lines[cur].cell0 + col].width + 1;
      if (w > width)
        width = w;
      cur++;
    } while (cur < l1 && col + 1 < a->lines[cur].ncells && !a->lines[cur].section);
    a->widths[a->depth++] = width;
    tw_format(a, l0, cur);
    a->depth--;
    l0 = cur;
  }
  tw_write(a, l0, l1);
}

/* Split the marked text into lines and cells. */
static int
tw_split(struct aligner *a, const char *s, size_t n)
{
  size_t i, nl_count = 1, ncell = 1, start = 0;

  for (i = 0; i < n; i++) {
    nl_count += s[i] == '\n';
    ncell += s[i] == '\n' || s[i] == CELL;
  }
  a->lines = calloc(nl_count, sizeof *a->lines);
  a->cells = calloc(ncell, sizeof *a->cells);
  if (a->lines == NULL || a->cells == NULL)
    return -1;
  a->nlines = 0;
  ncell = 0;
  while (start < n) {
    struct tw_line *ln = &a->lines[a->nlines++];
    size_t cs;
    ln->cell0 = ncell;
    ln->section = s[start] == SECTION;
    cs = start + ln->section;
    for (i = cs; i <= n; i++) {
      if (i == n || s[i] == '\n' || s[i] == CELL) {
        struct tw_cell *c = &a->cells[ncell++];
        c->start = cs;
        c->len = i - cs;
        c->width = width_of(s + cs, i - cs);
        ln->ncells++;
        cs = i + 1;
        if (i == n || s[i] == '\n')
          break;
      }
    }
    ln->newline = i < n;
    start = i + 1;
  }
  return 0;
}

/* The final text: src (marked) aligned into out. */
static int
align(const struct fmt_buf *src, struct fmt_buf *out)
{
  struct aligner a;
  int rc;

  memset(&a, 0, sizeof a);
  a.s = src->data;
  a.out = out;
  rc = src->len == 0 ? 0 : tw_split(&a, src->data, src->len);
  if (rc == 0)
    tw_format(&a, 0, a.nlines);
  free(a.lines);
  free(a.cells);
  return rc == 0 && !out->oom ? 0 : -1;
}

/* }==== */

/* {==== entry points ==== */

/* A printer over src's text and comments writing to out. */
static int
printer_init(struct printer *p, const struct source *src, const struct ast_comment *cm,
             size_t ncm, struct fmt_buf *out)
{
  memset(p, 0, sizeof *p);
  p->text = src->text;
  p->len = (uint32_t)src->len;
  p->cm = cm;
  p->ncm = ncm;
  p->out = out;
  p->bol = true;
  p->done = calloc(ncm > 0 ? ncm : 1, sizeof *p->done);
  return p->done != NULL ? 0 : -1;
}

/* See fmt.h. */
int
fmt_tree(const struct source *src, const struct ast_node *file,
         const struct ast_comment *comments, size_t ncomments, struct fmt_buf *out)
{
  struct printer p;
  struct fmt_buf marked;
  int rc;

  fmt_buf_init(&marked);
  if (printer_init(&p, src, comments, ncomments, &marked) != 0)
    return -1;
  p.imports = file->u.file.imports;
  file_items(&p, file);
  leftovers(&p, p.len + 1, 0);
  if (!p.bol)
    nl(&p, 0);
  rc = marked.oom ? -1 : align(&marked, out);
  free(p.done);
  fmt_buf_free(&marked);
  return rc;
}

/* See fmt.h. */
void
fmt_expr(const struct source *src, const struct ast_node *expr_node, struct fmt_buf *out)
{
  struct printer p;

  if (printer_init(&p, src, NULL, 0, out) != 0) {
    out->oom = true;
    return;
  }
  p.flat = true;
  p.bol = false;
  expr(&p, expr_node, 0);
  free(p.done);
}

/* The tree dumped without positions, into a malloc'd string (NULL: no memory). */
static char *
dump_text(const struct ast_node *file, size_t *len)
{
  char *s = NULL;
  FILE *f = open_memstream(&s, len);

  if (f == NULL)
    return NULL;
  ast_dump(f, file, NULL);
  if (fclose(f) != 0) {
    free(s);
    return NULL;
  }
  return s;
}

/* Comment i's text without trailing blanks. */
static size_t
comment_len(const char *text, const struct ast_comment *c)
{
  uint32_t e = c->span.end;

  while (e > c->span.start && (text[e - 1] == ' ' || text[e - 1] == '\t'
                               || text[e - 1] == '\r'))
    e--;
  return e - c->span.start;
}

/* Same comments, in the same order? */
static bool
same_comments(const struct source *a, const struct parse_result *pa,
              const struct source *b, const struct parse_result *pb)
{
  size_t i;

  if (pa->ncomments != pb->ncomments)
    return false;
  for (i = 0; i < pa->ncomments; i++) {
    size_t la = comment_len(a->text, &pa->comments[i]);
    size_t lb = comment_len(b->text, &pb->comments[i]);
    if (la != lb || memcmp(a->text + pa->comments[i].span.start,
                           b->text + pb->comments[i].span.start, la) != 0)
      return false;
  }
  return true;
}

/*
** Does text parse, without errors, to the tree dumped in `want` and to the
** comments of the original?  -1 when out of memory.
*/
static int
round_trip(const struct source *orig, const struct parse_result *po, const char *want,
           const char *text, size_t len)
{
  struct source *src = src_new(orig->name, text, len);
  struct arena *a = arena_new();
  struct diag_list diags;
  struct parse_result pr;
  int rc = -1;

  diag_init(&diags);
  if (src != NULL && a != NULL && parse_source(a, src, &diags, &pr) == 0) {
    size_t dlen;
    char *got = diag_has_errors(&diags) ? NULL : dump_text(pr.file, &dlen);
    rc = got != NULL && strcmp(got, want) == 0 && same_comments(orig, po, src, &pr);
    if (got == NULL && !diag_has_errors(&diags))
      rc = -1;
    free(got);
  }
  diag_free(&diags);
  arena_free(a);
  src_free(src);
  return rc;
}

/* See fmt.h. */
int
fmt_source(const struct source *src, struct diag_list *diags, char **out, size_t *out_len)
{
  struct arena *a = arena_new();
  struct parse_result pr;
  struct fmt_buf b;
  size_t errors = diags->counts[DIAG_ERROR], dlen;
  char *want = NULL;
  int rc = FMT_NOMEM, ok;

  *out = NULL;
  *out_len = 0;
  fmt_buf_init(&b);
  if (a == NULL || parse_source(a, src, diags, &pr) != 0 || diags->oom)
    goto done;
  if (diags->counts[DIAG_ERROR] > errors) {
    rc = FMT_SYNTAX;
    goto done;
  }
  want = dump_text(pr.file, &dlen);
  if (want == NULL || fmt_tree(src, pr.file, pr.comments, pr.ncomments, &b) != 0)
    goto done;
  if (b.data == NULL) {          /* an empty file formats to nothing */
    b.data = calloc(1, 1);
    b.cap = 1;
    if (b.data == NULL)
      goto done;
  }
  ok = round_trip(src, &pr, want, b.data, b.len);
  if (ok < 0)
    goto done;
  if (ok == 0) {
    rc = FMT_UNSTABLE;
    goto done;
  }
  *out = b.data;
  *out_len = b.len;
  fmt_buf_init(&b);
  rc = FMT_OK;
done:
  free(want);
  fmt_buf_free(&b);
  arena_free(a);
  return rc;
}

/* }==== */

/* See fmt.h. */
int
fmt_stmt(const struct source *src, const struct ast_node *s, struct fmt_buf *out)
{
  struct printer p;
  struct fmt_buf marked;
  int rc;

  fmt_buf_init(&marked);
  if (printer_init(&p, src, NULL, 0, &marked) != 0)
    return -1;
  p.cont = STEP_COLS;
  stmt(&p, s);
  nl(&p, 0);
  rc = marked.oom ? -1 : align(&marked, out);
  free(p.done);
  fmt_buf_free(&marked);
  return rc;
}
