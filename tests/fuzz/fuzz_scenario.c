/*
** fuzz_scenario.c: libFuzzer harness for `rbc test` scenario files
** (cli/scenario.c, docs/testing.md): JSON validated member by member, with
** "PATH:LINE:COL: what" messages.
**
** Input: the bytes of a scenario file, written to a temporary file that
** scenario_load reads (by path, as `rbc test` does).  It must answer a
** scenario or NULL with a one-line message, never crash, leak or hang.  The
** seeds are the shipped scenarios (runbooks/ *.scenarios/).
**
** Build and run: scripts/fuzz.sh [SECONDS].
*/
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/scenario.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[96];

static void remove_temp(void)
{
  unlink(path);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
  const char *tmp = getenv("TMPDIR");
  int fd;

  (void)argc;
  (void)argv;
  snprintf(path, sizeof path, "%s/fuzz-scenario-XXXXXX", tmp != NULL && *tmp != '\0' ? tmp
           : access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
  fd = mkstemp(path);
  if (fd < 0)
    abort();
  close(fd);
  atexit(remove_temp);
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char msg[1024];
  struct scenario *s;
  FILE *f = fopen(path, "w");

  if (f == NULL)
    abort();
  fwrite(data, 1, size, f);
  fclose(f);
  msg[0] = '\0';
  s = scenario_load(path, msg, sizeof msg);
  if (s == NULL && (msg[0] == '\0' || strchr(msg, '\n') != NULL))
    abort();                    /* a refusal is one line, never empty */
  scenario_free(s);
  return 0;
}
