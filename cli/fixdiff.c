/*
** fixdiff.c: fixes as a unified diff (fixdiff.h).
**
** No general diff algorithm is needed: every fix replaces a known byte
** span, so the changed lines are known.  Fixes touching the same lines
** form one block (old lines l1..l2 replaced by new text); blocks closer
** than twice the context form one hunk.
*/
#include <stdlib.h>
#include <string.h>

#include "cli/fixdiff.h"

#define CONTEXT 3

/* Old lines [l1, l2] (1-based) become text[0..len). */
struct block {
  uint32_t l1, l2;
  char *text;                   /* malloc'd */
  size_t len;
  long new_lines;               /* lines in text */
};

/* Lines of the file (a final newline does not start another line). */
static uint32_t
real_lines(const struct source *src)
{
  uint32_t n = src->nlines;

  if (n > 1 && src->line_starts[n - 1] == src->len)
    n--;
  return n;
}

/* Byte offset where line l (1-based) starts / ends, newline included. */
static uint32_t
line_start(const struct source *src, uint32_t l)
{
  return src->line_starts[l - 1];
}

static uint32_t
line_end(const struct source *src, uint32_t l)
{
  return l < src->nlines ? src->line_starts[l] : (uint32_t)src->len;
}

static uint32_t
line_of(const struct source *src, uint32_t off)
{
  uint32_t line, col;

  src_position(src, off, &line, &col);
  return line;
}

/* The lines a fix touches: from its start to its last removed byte. */
static void
fix_lines(const struct source *src, const struct diag *d, uint32_t *l1, uint32_t *l2)
{
  *l1 = line_of(src, d->fix.span.start);
  *l2 = d->fix.span.end > d->fix.span.start ? line_of(src, d->fix.span.end - 1) : *l1;
  if (*l2 < *l1)
    *l2 = *l1;
}

/* Append bytes to a growing buffer; -1 when out of memory. */
static int
append(struct block *b, const char *s, size_t n)
{
  char *grown = realloc(b->text, b->len + n + 1);

  if (grown == NULL)
    return -1;
  memcpy(grown + b->len, s, n);
  b->len += n;
  grown[b->len] = '\0';
  b->text = grown;
  return 0;
}

/*
** Build the block for fixes fx[i..j) (they touch lines l1..l2): the old
** lines with each fix's span replaced.
*/
static int
build_block(const struct source *src, const struct diag *const *fx, size_t i, size_t j,
            struct block *b)
{
  uint32_t at = line_start(src, b->l1), end = line_end(src, b->l2);

  for (size_t k = i; k < j; k++) {
    if (append(b, src->text + at, fx[k]->fix.span.start - at) != 0
        || append(b, fx[k]->fix.text, strlen(fx[k]->fix.text)) != 0)
      return -1;
    at = fx[k]->fix.span.end;
  }
  if (at < end && append(b, src->text + at, end - at) != 0)
    return -1;
  for (size_t k = 0; k < b->len; k++)
    b->new_lines += b->text[k] == '\n';
  if (b->len > 0 && b->text[b->len - 1] != '\n')
    b->new_lines++;
  return 0;
}

/* Group the fixes into blocks; returns the count, or -1 when out of memory. */
static long
make_blocks(const struct source *src, const struct diag *const *fx, size_t n,
            struct block *blocks, long *shown)
{
  long nb = 0;
  uint32_t at = 0;
  size_t i = 0;

  while (i < n) {
    size_t j = i;
    struct block *b = &blocks[nb];
    memset(b, 0, sizeof *b);
    fix_lines(src, fx[i], &b->l1, &b->l2);
    for (; j < n; j++) {
      uint32_t l1, l2;
      if (fx[j]->fix.span.start < at)
        break;                  /* overlaps: left for the next run */
      fix_lines(src, fx[j], &l1, &l2);
      if (l1 > b->l2)
        break;
      b->l2 = l2 > b->l2 ? l2 : b->l2;
      at = fx[j]->fix.span.end;
      (*shown)++;
    }
    if (j == i) {               /* fx[i] overlapped the previous block */
      i++;
      continue;
    }
    if (build_block(src, fx, i, j, b) != 0)
      return -1;
    nb++;
    i = j;
  }
  return nb;
}

/* One line of the diff with its marker; flags a missing final newline. */
static void
put_line(FILE *out, char mark, const char *s, size_t n)
{
  fputc(mark, out);
  fwrite(s, 1, n, out);
  if (n == 0 || s[n - 1] != '\n')
    fputs("\n\\ No newline at end of file\n", out);
}

/* Old lines [a, b] as context (' '). */
static void
context(FILE *out, const struct source *src, uint32_t a, uint32_t b)
{
  for (uint32_t l = a; l <= b; l++)
    put_line(out, ' ', src->text + line_start(src, l), line_end(src, l) - line_start(src, l));
}

/* One line of a side of a block. */
struct line {
  const char *s;
  size_t n;                     /* bytes, newline included */
};

static bool
same(const struct line *a, const struct line *b)
{
  return a->n == b->n && memcmp(a->s, b->s, a->n) == 0;
}

/* Split text into lines; returns the count (lines must have room). */
static size_t
split_lines(const char *p, const char *end, struct line *lines)
{
  size_t k = 0;

  while (p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    lines[k].s = p;
    lines[k].n = nl != NULL ? (size_t)(nl - p) + 1 : (size_t)(end - p);
    p += lines[k++].n;
  }
  return k;
}

/*
** Print old lines a[0..n) against new lines b[0..m) with a longest common
** subsequence of lines (LCS table t, (n+1)*(m+1)), so lines a fix leaves
** alone show as context.
*/
static void
lcs_lines(FILE *out, const struct line *a, size_t n, const struct line *b, size_t m,
          unsigned *t)
{
  size_t i, j, w = m + 1;

  for (i = n + 1; i-- > 0; )
    for (j = m + 1; j-- > 0; )
      t[i * w + j] = i == n || j == m ? 0
                   : same(&a[i], &b[j]) ? t[(i + 1) * w + j + 1] + 1
                   : t[(i + 1) * w + j] > t[i * w + j + 1] ? t[(i + 1) * w + j]
                                                           : t[i * w + j + 1];
  for (i = 0, j = 0; i < n || j < m; ) {
    if (i < n && j < m && same(&a[i], &b[j])) {
      put_line(out, ' ', a[i].s, a[i].n);
      i++;
      j++;
    } else if (i < n && (j == m || t[(i + 1) * w + j] >= t[i * w + j + 1])) {
      put_line(out, '-', a[i].s, a[i].n);
      i++;
    } else {
      put_line(out, '+', b[j].s, b[j].n);
      j++;
    }
  }
}

/*
** The lines of a block: old and new aligned by LCS when the block is
** small enough (up to a million line pairs), else all '-' then all '+'.
*/
static void
block_lines(FILE *out, const struct source *src, const struct block *b)
{
  size_t n = b->l2 - b->l1 + 1, m = (size_t)b->new_lines;
  struct line *a = calloc(n + 1, sizeof *a), *c = calloc(m + 1, sizeof *c);
  unsigned *t = n * m <= 1000000 ? calloc((n + 1) * (m + 1), sizeof *t) : NULL;

  if (a != NULL && c != NULL) {
    n = split_lines(src->text + line_start(src, b->l1), src->text + line_end(src, b->l2), a);
    m = split_lines(b->text, b->text + b->len, c);
  }
  if (a != NULL && c != NULL && t != NULL) {
    lcs_lines(out, a, n, c, m, t);
  } else {
    for (uint32_t l = b->l1; l <= b->l2; l++)
      put_line(out, '-', src->text + line_start(src, l), line_end(src, l) - line_start(src, l));
    for (const char *p = b->text, *end = b->text + b->len; p < end; ) {
      const char *nl = memchr(p, '\n', (size_t)(end - p));
      size_t k = nl != NULL ? (size_t)(nl - p) + 1 : (size_t)(end - p);
      put_line(out, '+', p, k);
      p += k;
    }
  }
  free(a);
  free(c);
  free(t);
}

/* One hunk: blocks [i, j), with context, after `delta` lines of earlier change. */
static void
hunk(FILE *out, const struct source *src, const struct block *bl, long i, long j, long delta)
{
  uint32_t last = real_lines(src);
  uint32_t from = bl[i].l1 > CONTEXT ? bl[i].l1 - CONTEXT : 1;
  uint32_t to = bl[j - 1].l2 + CONTEXT < last ? bl[j - 1].l2 + CONTEXT : last;
  long old_count = (long)to - (long)from + 1, new_count = old_count;

  for (long k = i; k < j; k++)
    new_count += bl[k].new_lines - (long)(bl[k].l2 - bl[k].l1 + 1);
  fprintf(out, "@@ -%u,%ld +%ld,%ld @@\n", from, old_count,
          new_count > 0 ? (long)from + delta : (long)from + delta - 1, new_count);
  for (long k = i; k < j; k++) {
    context(out, src, k == i ? from : bl[k - 1].l2 + 1, bl[k].l1 - 1);
    block_lines(out, src, &bl[k]);
  }
  context(out, src, bl[j - 1].l2 + 1, to);
}

long
fix_diff(FILE *out, const struct source *src, const struct diag *const *fx, size_t n)
{
  struct block *bl = calloc(n + 1, sizeof *bl);
  long nb, shown = 0, delta = 0;

  if (bl == NULL)
    return -1;
  nb = make_blocks(src, fx, n, bl, &shown);
  if (nb > 0) {
    fprintf(out, "--- a/%s\n+++ b/%s\n", src->name, src->name);
    for (long i = 0; i < nb; ) {
      long j = i + 1;
      while (j < nb && bl[j].l1 <= bl[j - 1].l2 + 2 * CONTEXT + 1)
        j++;
      hunk(out, src, bl, i, j, delta);
      for (long k = i; k < j; k++)
        delta += bl[k].new_lines - (long)(bl[k].l2 - bl[k].l1 + 1);
      i = j;
    }
  }
  for (size_t i = 0; i <= n; i++)
    free(bl[i].text);
  free(bl);
  return nb < 0 ? -1 : shown;
}
