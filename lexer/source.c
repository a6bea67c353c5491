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
** FIPS 180-4 SHA-256, here rather than from libcrypto: the digest of a
** runbook is taken by every compile and run, and OpenSSL 3.0's lazy
** initialisation dereferences NULL when one of its ~2,600 start-up
** allocations fails (found by tests/failalloc.sh), where this code cannot
** fail at all.  It also keeps runs that use no network from touching the
** TLS library or its configuration (tests/noinit.sh).  Checked against the
** FIPS test vectors in tests/unit/test_core.c.
*/
struct sha256 {
  uint32_t h[8];
  uint8_t block[64];
  size_t fill;                  /* bytes in block */
  uint64_t bits;                /* message length so far */
};

static const uint32_t sha256_k[64] = {
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
};

static uint32_t ror32(uint32_t x, unsigned n)
{
  return (x >> n) | (x << (32 - n));
}

/* Mix one 64-byte block into the state. */
static void sha256_block(struct sha256 *c, const uint8_t *p)
{
  uint32_t w[64], v[8];

  for (size_t i = 0; i < 16; i++)
    w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16
         | (uint32_t)p[4 * i + 2] << 8 | (uint32_t)p[4 * i + 3];
  for (int i = 16; i < 64; i++) {
    uint32_t s0 = ror32(w[i - 15], 7) ^ ror32(w[i - 15], 18) ^ (w[i - 15] >> 3);
    uint32_t s1 = ror32(w[i - 2], 17) ^ ror32(w[i - 2], 19) ^ (w[i - 2] >> 10);
    w[i] = w[i - 16] + s0 + w[i - 7] + s1;
  }
  memcpy(v, c->h, sizeof v);
  for (int i = 0; i < 64; i++) {
    uint32_t s1 = ror32(v[4], 6) ^ ror32(v[4], 11) ^ ror32(v[4], 25);
    uint32_t ch = (v[4] & v[5]) ^ (~v[4] & v[6]);
    uint32_t t1 = v[7] + s1 + ch + sha256_k[i] + w[i];
    uint32_t s0 = ror32(v[0], 2) ^ ror32(v[0], 13) ^ ror32(v[0], 22);
    uint32_t maj = (v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]);
    uint32_t t2 = s0 + maj;

    v[7] = v[6];
    v[6] = v[5];
    v[5] = v[4];
    v[4] = v[3] + t1;
    v[3] = v[2];
    v[2] = v[1];
    v[1] = v[0];
    v[0] = t1 + t2;
  }
  for (int i = 0; i < 8; i++)
    c->h[i] += v[i];
}

static void sha256_init(struct sha256 *c)
{
  static const uint32_t h0[8] = {
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19
  };

  memcpy(c->h, h0, sizeof h0);
  c->fill = 0;
  c->bits = 0;
}

static void sha256_update(struct sha256 *c, const uint8_t *p, size_t len)
{
  c->bits += (uint64_t)len * 8;
  while (len > 0) {
    size_t n = 64 - c->fill < len ? 64 - c->fill : len;

    memcpy(c->block + c->fill, p, n);
    c->fill += n;
    p += n;
    len -= n;
    if (c->fill == 64) {
      sha256_block(c, c->block);
      c->fill = 0;
    }
  }
}

static void sha256_final(struct sha256 *c, uint8_t md[32])
{
  uint64_t bits = c->bits;
  static const uint8_t pad[64] = { 0x80 };
  uint8_t len[8];

  for (int i = 0; i < 8; i++)
    len[i] = (uint8_t)(bits >> (56 - 8 * i));
  sha256_update(c, pad, c->fill < 56 ? 56 - c->fill : 120 - c->fill);
  sha256_update(c, len, 8);
  for (size_t i = 0; i < 8; i++) {
    md[4 * i] = (uint8_t)(c->h[i] >> 24);
    md[4 * i + 1] = (uint8_t)(c->h[i] >> 16);
    md[4 * i + 2] = (uint8_t)(c->h[i] >> 8);
    md[4 * i + 3] = (uint8_t)c->h[i];
  }
}

void
src_sha256_hex(const struct source *src, char out[65])
{
  sha256_hex(src->text, src->len, out);
}

void
sha256_hex(const void *data, size_t len, char out[65])
{
  static const char hex[] = "0123456789abcdef";
  struct sha256 c;
  uint8_t md[32];

  sha256_init(&c);
  sha256_update(&c, (const uint8_t *)data, len);
  sha256_final(&c, md);
  for (size_t i = 0; i < 32; i++) {
    out[2 * i] = hex[md[i] >> 4];
    out[2 * i + 1] = hex[md[i] & 15];
  }
  out[64] = '\0';
}

/* }==== */
