/*
** source.h: a source file held in memory, and the map from byte offsets to
** line and column.
**
** Positions everywhere in rbc are byte spans (struct span); line and column
** are computed only when something is printed (src_position).  Columns are
** 1-based Unicode code points, a tab counting as one column (cli.md 4).
*/
#ifndef RBC_SOURCE_H
#define RBC_SOURCE_H

#include <stddef.h>
#include <stdint.h>

/* A half-open byte range [start, end) in one source file. */
struct span {
  uint32_t start;               /* offset of the first byte */
  uint32_t end;                 /* offset one past the last byte */
};

/* Largest source rbc accepts; offsets must fit a uint32_t with room to spare. */
#define SRC_MAX_BYTES ((size_t)256 * 1024 * 1024)

struct source {
  char *name;                   /* as given by the user, for messages */
  char *text;                   /* the bytes, NUL-terminated (NULs inside allowed) */
  size_t len;                   /* bytes in text, excluding the final NUL */
  uint32_t *line_starts;        /* offset of the first byte of each line */
  uint32_t nlines;              /* entries in line_starts (>= 1) */
  struct src_cache *cache;      /* last position computed (see src_position) */
};

/*
** The last offset src_position converted, so that a run of queries moving
** forward along one long line costs time linear in the line, not quadratic.
** Mutable even through a const struct source; sources are not shared
** between threads.
*/
struct src_cache {
  uint32_t line;                /* 0-based line index of off */
  uint32_t off;                 /* offset converted */
  uint32_t col;                 /* its 1-based column */
};

/*
** Make a source from a buffer; the bytes are copied.  Returns NULL when out
** of memory or when len exceeds SRC_MAX_BYTES.
*/
struct source *src_new(const char *name, const char *text, size_t len);

/*
** Read a whole file ("-" reads stdin).  On failure returns NULL and sets
** *err to the errno value (EFBIG when the file is too large).
*/
struct source *src_read_file(const char *path, int *err);

void src_free(struct source *src);

/* 1-based line and column (code points) of byte offset off. */
void src_position(const struct source *src, uint32_t off,
                  uint32_t *line, uint32_t *col);

/* Text of 1-based line `line`, without its newline; *len receives its length. */
const char *src_line(const struct source *src, uint32_t line, size_t *len);

/* Hex SHA-256 of the source bytes into out[65]. */
void src_sha256_hex(const struct source *src, char out[65]);

/*
** Hex SHA-256 of data[0..len) into out[65].  Allocates nothing and cannot
** fail (no libcrypto: see source.c), so hash chains and digests taken while
** memory is short stay right.
*/
void sha256_hex(const void *data, size_t len, char out[65]);

#endif
