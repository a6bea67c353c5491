/*
** suggest.h: "did you mean" candidates (cli.md 4): Damerau-Levenshtein
** distance <= 2 (<= 1 for words of three bytes or fewer), or a shared
** prefix, at most DIAG_SUGGEST_MAX candidates, best first.  Used by the
** checker (names, enum values, module members) and by the CLI (options,
** commands).  Nothing here allocates.
*/
#ifndef RBC_SUGGEST_H
#define RBC_SUGGEST_H

#include <stddef.h>

#define DIAG_SUGGEST_MAX 3

/*
** Optimal-string-alignment distance between a and b (transpositions count
** one), capped: any result above `cap` is returned as cap + 1.  Strings
** longer than 64 bytes are compared on their first 64 bytes.
*/
int diag_edit_distance(const char *a, const char *b, int cap);

/*
** Rank the ncands candidates against `word`.  Writes up to `max` (at most
** DIAG_SUGGEST_MAX) pointers into out, best first, skipping NULLs,
** duplicates and `word` itself; returns how many were written.
*/
size_t diag_suggest(const char *word, const char *const *cands, size_t ncands,
                    const char **out, size_t max);

#endif
