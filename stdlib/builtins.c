/*
** builtins.c: the built-ins table and its look-ups.
*/
#include <stdlib.h>
#include <string.h>

#include "stdlib/builtins.h"

/* {==== the table ==== */

const struct std_builtin std_builtins[] = {
#define BI(id, name, min, max, effect, named, doc) \
  { STD_BI_##id, name, min, max, STD_EFFECT_##effect, named, doc },
#include "stdlib/builtins.def"
#undef BI
};

const size_t std_nbuiltins = sizeof std_builtins / sizeof std_builtins[0];

/* {==== look-ups ==== */

static int
cmp_name(const void *key, const void *elem)
{
  const struct std_builtin *b = elem;
  return strcmp(key, b->name);
}

/*
** Find a built-in by its full name.  The table is sorted (a unit test checks
** it), so this is a binary search.  Returns NULL when there is none.
*/
const struct std_builtin *
std_builtin_lookup(const char *name)
{
  if (name == NULL)
    return NULL;
  return bsearch(name, std_builtins, std_nbuiltins, sizeof std_builtins[0], cmp_name);
}

/*
** Whether `arg` appears in b's comma-separated named-argument list ("*"
** accepts every name).
*/
bool
std_builtin_takes_named(const struct std_builtin *b, const char *arg)
{
  size_t n = strlen(arg);
  const char *p = b->named;

  if (strcmp(p, "*") == 0)
    return true;
  while (*p != '\0') {
    const char *comma = strchr(p, ',');
    size_t len = comma ? (size_t)(comma - p) : strlen(p);
    if (len == n && strncmp(p, arg, n) == 0)
      return true;
    p += len;
    if (*p == ',')
      p++;
  }
  return false;
}

/* The built-in modules; their members are "module.member" table entries. */
bool
std_is_module(const char *name)
{
  return strcmp(name, "http") == 0 || strcmp(name, "json") == 0
      || strcmp(name, "aws") == 0;
}

/* Lower-case name of an effect, as `rbc doc` and `plan` print it. */
const char *
std_effect_name(enum std_effect effect)
{
  static const char *const names[] = { "none", "read", "change", "shell", "gate" };
  if ((unsigned)effect < sizeof names / sizeof names[0])
    return names[effect];
  return "?";
}
