/*
** suggest.c: edit distance and candidate ranking for "did you mean".
**
** Ranking (Elm's ranked list): by distance, then by the length of the
** common prefix (longer first), then by the candidates' order.  A candidate
** of which the word is a prefix, or which is a prefix of the word (three
** bytes at least), is kept even when its distance is larger, ranked last.
*/
#define _POSIX_C_SOURCE 200809L  /* strnlen */

#include <string.h>

#include "lexer/suggest.h"

#define MAXLEN 64

/* {==== distance ==== */

static int
min3(int a, int b, int c)
{
  int m = a < b ? a : b;
  return m < c ? m : c;
}

/*
** Optimal string alignment distance over the first MAXLEN bytes, with the
** classic three-row dynamic programme (rows i-2, i-1, i).
*/
int
diag_edit_distance(const char *a, const char *b, int cap)
{
  int rows[3][MAXLEN + 1];
  size_t la = strnlen(a, MAXLEN), lb = strnlen(b, MAXLEN);

  if ((la > lb ? la - lb : lb - la) > (size_t)cap)
    return cap + 1;
  for (size_t j = 0; j <= lb; j++)
    rows[0][j] = (int)j;
  for (size_t i = 1; i <= la; i++) {
    int *cur = rows[i % 3], *prev = rows[(i - 1) % 3], *prev2 = rows[(i + 1) % 3];
    int best = cur[0] = (int)i;
    for (size_t j = 1; j <= lb; j++) {
      int cost = a[i - 1] != b[j - 1];
      cur[j] = min3(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]
          && prev2[j - 2] + 1 < cur[j])
        cur[j] = prev2[j - 2] + 1;
      if (cur[j] < best)
        best = cur[j];
    }
    if (best > cap)
      return cap + 1;
  }
  return rows[la % 3][lb] > cap ? cap + 1 : rows[la % 3][lb];
}

/* {==== ranking ==== */

struct cand {
  const char *s;
  int dist;                     /* distance, prefix matches capped at 2 */
  size_t prefix;                /* common prefix length */
  size_t order;                 /* index in the input */
};

static size_t
common_prefix(const char *a, const char *b)
{
  size_t n = 0;
  while (a[n] != '\0' && a[n] == b[n])
    n++;
  return n;
}

/*
** Score one candidate; returns 0 when it is not close enough.  A prefix
** match that is too far by distance ranks after every real near miss.
*/
static int
score(const char *word, const char *c, struct cand *out)
{
  size_t lw = strlen(word), lc = strlen(c);
  int cap = lw <= 3 ? 1 : 2;
  size_t pre = common_prefix(word, c);
  size_t shorter = lw < lc ? lw : lc;
  int d = diag_edit_distance(word, c, cap);

  if (d > cap) {
    if (pre < shorter || shorter < 3)
      return 0;
    d = cap + 1;
  }
  out->s = c;
  out->dist = d;
  out->prefix = pre;
  return 1;
}

static int
better(const struct cand *x, const struct cand *y)
{
  if (x->dist != y->dist)
    return x->dist < y->dist;
  if (x->prefix != y->prefix)
    return x->prefix > y->prefix;
  return x->order < y->order;
}

static int
seen(const struct cand *best, size_t n, const char *s)
{
  for (size_t i = 0; i < n; i++)
    if (strcmp(best[i].s, s) == 0)
      return 1;
  return 0;
}

/* Insert c into the sorted array best[0..*n) of capacity max. */
static void
insert(struct cand *best, size_t *n, size_t max, const struct cand *c)
{
  size_t pos = *n;
  while (pos > 0 && better(c, &best[pos - 1]))
    pos--;
  if (pos >= max)
    return;
  if (*n < max)
    (*n)++;
  memmove(&best[pos + 1], &best[pos], (*n - 1 - pos) * sizeof *best);
  best[pos] = *c;
}

/*
** Keep the best `max` candidates in a small sorted array; see the file
** comment for the order.
*/
size_t
diag_suggest(const char *word, const char *const *cands, size_t ncands,
                    const char **out, size_t max)
{
  struct cand best[DIAG_SUGGEST_MAX];
  size_t n = 0;

  if (max > DIAG_SUGGEST_MAX)
    max = DIAG_SUGGEST_MAX;
  if (word == NULL || max == 0)
    return 0;
  for (size_t i = 0; i < ncands; i++) {
    struct cand c;
    if (cands[i] == NULL || strcmp(cands[i], word) == 0 || seen(best, n, cands[i]))
      continue;
    if (!score(word, cands[i], &c))
      continue;
    c.order = i;
    insert(best, &n, max, &c);
  }
  for (size_t i = 0; i < n; i++)
    out[i] = best[i].s;
  return n;
}
