/*
** arena.c: bump allocator for one compilation (see arena.h).
**
** The arena is a chain of blocks.  Small requests are carved from the
** current block; a request larger than a quarter of the block size gets a
** block of its own, so a 1 MB string literal does not waste a whole
** standard block's tail.
*/
#include "parser/arena.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK_SIZE ((size_t)64 * 1024)   /* payload bytes of a standard block */
#define ALIGN alignof(max_align_t)

struct block {
  struct block *prev;           /* previously filled block, or NULL */
  size_t size;                  /* payload bytes in data */
  size_t used;                  /* payload bytes handed out */
  alignas(max_align_t) unsigned char data[]; /* payload */
};

struct arena {
  struct block *head;           /* block currently carved from */
  size_t total;                 /* bytes handed out, all blocks */
};

/* Round n up to the alignment; 0 on overflow. */
static size_t
round_up(size_t n)
{
  if (n > SIZE_MAX - (ALIGN - 1))
    return 0;
  return (n + ALIGN - 1) & ~(ALIGN - 1);
}

static struct block *
block_new(size_t size, struct block *prev)
{
  struct block *b;

  if (size > SIZE_MAX - sizeof *b)
    return NULL;
  b = malloc(sizeof *b + size);
  if (b == NULL)
    return NULL;
  b->prev = prev;
  b->size = size;
  b->used = 0;
  return b;
}

struct arena *
arena_new(void)
{
  struct arena *a = malloc(sizeof *a);

  if (a == NULL)
    return NULL;
  a->head = NULL;
  a->total = 0;
  return a;
}

void
arena_free(struct arena *a)
{
  struct block *b, *prev;

  if (a == NULL)
    return;
  for (b = a->head; b != NULL; b = prev) {
    prev = b->prev;
    free(b);
  }
  free(a);
}

/*
** A request too big for the standard block gets a dedicated block, linked
** *behind* the current head so the head's free tail stays usable.
*/
static void *
alloc_large(struct arena *a, size_t size)
{
  struct block *b;

  if (a->head == NULL) {
    b = block_new(size, NULL);
    if (b == NULL)
      return NULL;
    a->head = b;
  } else {
    b = block_new(size, a->head->prev);
    if (b == NULL)
      return NULL;
    a->head->prev = b;
  }
  b->used = size;
  return b->data;
}

void *
arena_alloc(struct arena *a, size_t size)
{
  struct block *b = a->head;
  void *p;

  size = round_up(size == 0 ? 1 : size);
  if (size == 0)
    return NULL;
  if (size > BLOCK_SIZE / 4) {
    p = alloc_large(a, size);
  } else {
    if (b == NULL || b->size - b->used < size) {
      b = block_new(BLOCK_SIZE, b);
      if (b == NULL)
        return NULL;
      a->head = b;
    }
    p = b->data + b->used;
    b->used += size;
  }
  if (p != NULL) {
    memset(p, 0, size);
    a->total += size;
  }
  return p;
}

char *
arena_strndup(struct arena *a, const char *s, size_t len)
{
  char *p;

  if (len == SIZE_MAX)
    return NULL;
  p = arena_alloc(a, len + 1);
  if (p == NULL)
    return NULL;
  if (len > 0)
    memcpy(p, s, len);
  p[len] = '\0';
  return p;
}

char *
arena_strdup(struct arena *a, const char *s)
{
  return arena_strndup(a, s, strlen(s));
}

size_t
arena_used(const struct arena *a)
{
  return a->total;
}
