/*
** replay.c: the main() that turns a libFuzzer harness into a plain program,
** so the corpora replay in every `make check` (gcc; plain, ASan+UBSan and
** valgrind), not only in clang's fuzz build.
**
**   replay_<name> PATH...
**
** Each PATH is a file, or a directory whose regular files are taken in name
** order.  Each file's bytes go once through the harness's
** LLVMFuzzerTestOneInput (after its LLVMFuzzerInitialize, when it has one),
** exactly as libFuzzer would hand them over; a harness that finds a broken
** property aborts, and a sanitizer or valgrind reports what it sees.  Prints
** how many inputs ran.  Exit 0, or 2 when a path cannot be read.
**
** Built by `make check` as tests/fuzz/replay_<name> for every harness
** (FUZZ_REPLAYS in Makefile.am); run over tests/fuzz/corpus/ by
** tests/fuzz_replay.sh.
*/
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lexer/source.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Defined by the harnesses that set up state once (a temporary directory). */
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static unsigned long ran;

/* Run one file through the harness; 0, or -1 when it cannot be read. */
static int replay_file(const char *path)
{
  int err = 0;
  struct source *src = src_read_file(path, &err);
  uint8_t *copy;

  if (src == NULL) {
    fprintf(stderr, "%s: %s\n", path, strerror(err));
    return -1;
  }
  /* a copy of exactly len bytes, so reading past the input is an error */
  copy = malloc(src->len > 0 ? src->len : 1);
  if (copy == NULL) {
    src_free(src);
    fprintf(stderr, "%s: out of memory\n", path);
    return -1;
  }
  memcpy(copy, src->text, src->len);
  (void)LLVMFuzzerTestOneInput(copy, src->len);
  free(copy);
  src_free(src);
  ran++;
  return 0;
}

static int by_name(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every regular file of dir, in name order; 0 or -1. */
static int replay_dir(const char *dir)
{
  DIR *d = opendir(dir);
  struct dirent *e;
  char **names = NULL, **grown;
  size_t n = 0, cap = 0;
  int rc = 0;

  if (d == NULL) {
    perror(dir);
    return -1;
  }
  for (e = readdir(d); e != NULL; e = readdir(d)) {
    size_t size = strlen(dir) + strlen(e->d_name) + 2;

    if (e->d_name[0] == '.')
      continue;
    if (n == cap) {
      cap = cap * 2 + 64;
      grown = realloc(names, cap * sizeof *names);
      if (grown == NULL) {
        fprintf(stderr, "%s: out of memory\n", dir);
        rc = -1;
        break;
      }
      names = grown;
    }
    names[n] = malloc(size);
    if (names[n] == NULL) {
      fprintf(stderr, "%s: out of memory\n", dir);
      rc = -1;
      break;
    }
    snprintf(names[n], size, "%s/%s", dir, e->d_name);
    n++;
  }
  closedir(d);
  if (n > 0)
    qsort(names, n, sizeof *names, by_name);
  for (size_t i = 0; i < n; i++) {
    struct stat sb;

    if (rc == 0 && stat(names[i], &sb) == 0 && S_ISREG(sb.st_mode) && replay_file(names[i]) != 0)
      rc = -1;
    free(names[i]);
  }
  free(names);
  return rc;
}

int main(int argc, char **argv)
{
  const char *name = strrchr(argv[0], '/');
  int status = 0;

  name = name != NULL ? name + 1 : argv[0];
  if (argc < 2) {
    fprintf(stderr, "usage: %s FILE|DIR...\n", name);
    return 2;
  }
  if (LLVMFuzzerInitialize != NULL)
    (void)LLVMFuzzerInitialize(&argc, &argv);
  for (int i = 1; i < argc; i++) {
    struct stat sb;

    if (stat(argv[i], &sb) != 0) {
      perror(argv[i]);
      status = 2;
    } else if ((S_ISDIR(sb.st_mode) ? replay_dir(argv[i]) : replay_file(argv[i])) != 0) {
      status = 2;
    }
  }
  printf("%s: %lu inputs\n", name, ran);
  return status;
}
