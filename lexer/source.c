/*
** source.c: source files in memory and the offset -> line:column map.
*/
#define _POSIX_C_SOURCE 200809L

#include "lexer/source.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

/* {==== construction ==== */

/* Fill line_starts: one entry per line, the first at offset 0. */
static int
build_line_map(struct source *src)
{
  size_t i, n = 1, k = 0;

  for (i = 0; i < src->len; i++)
    if (src->text[i] == '\n')
      n++;
  src->line_starts = malloc(n * sizeof *src->line_starts);
  if (src->line_starts == NULL)
    return -1;
  src->line_starts[k++] = 0;
  for (i = 0; i < src->len; i++)
    if (src->text[i] == '\n')
      src->line_starts[k++] = (uint32_t)(i + 1);
  src->nlines = (uint32_t)n;
  return 0;
}

/*
** Take ownership of text (len bytes, with room for a final NUL at text[len])
** and build the source around it.  Frees text on failure.
*/
static struct source *
src_adopt(const char *name, char *text, size_t len)
{
  struct source *src = calloc(1, sizeof *src);

  if (src == NULL) {
    free(text);
    return NULL;
  }
  src->text = text;
  src->text[len] = '\0';
  src->len = len;
  src->name = strdup(name);
  src->cache = calloc(1, sizeof *src->cache);
  if (src->name == NULL || src->cache == NULL || build_line_map(src) != 0) {
    src_free(src);
    return NULL;
  }
  src->cache->col = 1;                  /* offset 0 is line 1, column 1 */
  return src;
}

struct source *
src_new(const char *name, const char *text, size_t len)
{
  char *copy;

  if (len > SRC_MAX_BYTES)
    return NULL;
  copy = malloc(len + 1);
  if (copy == NULL)
    return NULL;
  if (len > 0)
    memcpy(copy, text, len);
  return src_adopt(name, copy, len);
}

/* Read all of f into a malloc'd buffer with one spare byte; NULL + *err on failure. */
static char *
read_all(FILE *f, size_t *len, int *err)
{
  size_t cap = 8192, n = 0, got;
  char *buf = malloc(cap), *grown;

  while (buf != NULL) {
    got = fread(buf + n, 1, cap - n - 1, f);
    n += got;
    if (got == 0) {
      if (ferror(f)) {
        *err = errno ? errno : EIO;
        free(buf);
        return NULL;
      }
      *len = n;
      return buf;
    }
    if (n + 1 < cap)
      continue;
    if (cap > SRC_MAX_BYTES) {
      *err = EFBIG;
      free(buf);
      return NULL;
    }
    cap *= 2;
    grown = realloc(buf, cap);
    if (grown == NULL)
      free(buf);
    buf = grown;
  }
  *err = ENOMEM;
  return NULL;
}

struct source *
src_read_file(const char *path, int *err)
{
  int is_stdin = strcmp(path, "-") == 0;
  FILE *f = is_stdin ? stdin : fopen(path, "rb");
  struct source *src;
  size_t len = 0;
  char *text;

  *err = 0;
  if (f == NULL) {
    *err = errno;
    return NULL;
  }
  text = read_all(f, &len, err);
  if (!is_stdin)
    fclose(f);
  if (text == NULL)
    return NULL;
  if (len > SRC_MAX_BYTES) {
    free(text);
    *err = EFBIG;
    return NULL;
  }
  src = src_adopt(is_stdin ? "<stdin>" : path, text, len);
  if (src == NULL)
    *err = ENOMEM;
  return src;
}

void
src_free(struct source *src)
{
  if (src == NULL)
    return;
  free(src->name);
  free(src->text);
  free(src->line_starts);
  free(src->cache);
  free(src);
}

/* {==== positions ==== */

/* Index of the line holding offset off (0-based), by binary search. */
static uint32_t
line_index(const struct source *src, uint32_t off)
{
  uint32_t lo = 0, hi = src->nlines;

  while (hi - lo > 1) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (src->line_starts[mid] <= off)
      lo = mid;
    else
      hi = mid;
  }
  return lo;
}

void
src_position(const struct source *src, uint32_t off,
             uint32_t *line, uint32_t *col)
{
  struct src_cache *cache = src->cache;
  uint32_t idx, i, c = 1;

  if (off > src->len)
    off = (uint32_t)src->len;
  idx = line_index(src, off);
  i = src->line_starts[idx];
  if (cache->line == idx && cache->off >= i && cache->off <= off) {
    i = cache->off;                     /* continue from the last query */
    c = cache->col;
  }
  /* Count code points: every byte that is not a UTF-8 continuation byte. */
  for (; i < off; i++)
    if (((unsigned char)src->text[i] & 0xC0) != 0x80)
      c++;
  cache->line = idx;
  cache->off = off;
  cache->col = c;
  *line = idx + 1;
  *col = c;
}

const char *
src_line(const struct source *src, uint32_t line, size_t *len)
{
  uint32_t start, end;

  if (line == 0 || line > src->nlines) {
    *len = 0;
    return "";
  }
  start = src->line_starts[line - 1];
  end = line < src->nlines ? src->line_starts[line] - 1 : (uint32_t)src->len;
  if (end > start && src->text[end - 1] == '\r')
    end--;
  *len = end - start;
  return src->text + start;
}

/* {==== SHA-256 ==== */

/*
** The digest comes from libcrypto.  OpenSSL is initialised without its
** configuration file: by default EVP_Digest would read openssl.cnf, and a
** runbook that uses no network must not touch the TLS configuration
** (tests/noinit.sh).  rbc needs no provider or engine that the file could
** configure; the HTTP and AWS built-ins initialise what they need lazily.
*/
void
src_sha256_hex(const struct source *src, char out[65])
{
  static const char hex[] = "0123456789abcdef";
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int mdlen = 0, i;

  OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG, NULL);
  if (EVP_Digest(src->text, src->len, md, &mdlen, EVP_sha256(), NULL) != 1)
    mdlen = 0;
  for (i = 0; i < mdlen && i < 32; i++) {
    out[2 * i] = hex[md[i] >> 4];
    out[2 * i + 1] = hex[md[i] & 15];
  }
  out[2 * i] = '\0';
}

/* }==== */
