/*
** arena.h: a bump allocator.  Everything one compilation allocates (AST
** nodes, names, unescaped strings) comes from one arena and is freed by one
** call to arena_free.  Nothing allocated here is ever freed on its own.
*/
#ifndef RBC_ARENA_H
#define RBC_ARENA_H

#include <stddef.h>

struct arena;

/* A new, empty arena; NULL when out of memory. */
struct arena *arena_new(void);

/* Release the arena and everything allocated from it.  NULL is a no-op. */
void arena_free(struct arena *a);

/* size bytes aligned for any type, zero-filled; NULL when out of memory. */
void *arena_alloc(struct arena *a, size_t size);

/* Copy of s[0..len) with a NUL appended; NULL when out of memory. */
char *arena_strndup(struct arena *a, const char *s, size_t len);

/* Copy of the NUL-terminated s; NULL when out of memory. */
char *arena_strdup(struct arena *a, const char *s);

/* Bytes handed out so far (for tests and limits). */
size_t arena_used(const struct arena *a);

#endif
