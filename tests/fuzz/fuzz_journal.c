/*
** fuzz_journal.c: libFuzzer harness for the journal reader (vm/journal.c):
** `rbc resume` and `rbc report` read journals from disk, where anyone who
** can write the state directory could have changed them.
**
** Input: the bytes of a journal file, written to a temporary directory and
** opened with jl_open (strict: the whole hash chain must verify) and
** jl_open_lenient (the lines before a break).  Each must answer a reader or
** an exit status with a problem message, never crash, leak or hang; what
** is read is then walked as report and resume walk it (every event, the
** run id, the last hash, a search by type).  Random bytes mostly break the
** chain on line 1; the seeds (real journals of tests/fuzz/make_seeds.py)
** get the mutator past it.
**
** Build and run: scripts/fuzz.sh [SECONDS].
*/
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vm/journal.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];
static char path[128];

static void remove_temp(void)
{
  unlink(path);
  rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
  const char *tmp = getenv("TMPDIR");

  (void)argc;
  (void)argv;
  snprintf(dir, sizeof dir, "%s/fuzz-journal-XXXXXX", tmp != NULL && *tmp != '\0' ? tmp
           : access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
  if (mkdtemp(dir) == NULL)
    abort();
  snprintf(path, sizeof path, "%s/20260101T000000Z-fuzz-0000.jsonl", dir);
  atexit(remove_temp);
  return 0;
}

/* Walk what was read as report and resume do. */
static void walk(const struct jl_reader *r)
{
  size_t at = 0;

  for (size_t i = 0; i < jl_count(r); i++)
    if (jl_event(r, i) == NULL)
      abort();                  /* every counted line is an event */
  (void)jl_run_id(r);
  (void)jl_last_hash(r);
  (void)jl_find(r, "step_end", 0, &at);
  (void)jl_find(r, "run_end", 0, &at);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct jl_reader *r = NULL;
  struct jl_problem prob;
  FILE *f = fopen(path, "w");
  int st;

  if (f == NULL)
    abort();
  fwrite(data, 1, size, f);
  fclose(f);
  memset(&prob, 0, sizeof prob);
  st = jl_open(path, dir, &r, &prob);
  if ((st == 0) != (r != NULL) || (st != 0 && prob.message[0] == '\0'))
    abort();                    /* a reader, or a status with a reason */
  if (r != NULL)
    walk(r);
  jl_close(r);
  r = NULL;
  memset(&prob, 0, sizeof prob);
  (void)jl_open_lenient(path, dir, &r, &prob);
  if (r != NULL)
    walk(r);
  jl_close(r);
  return 0;
}
