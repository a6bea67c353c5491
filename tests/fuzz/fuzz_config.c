/*
** fuzz_config.c: libFuzzer harness for `.rbc.conf` files (cli/config.c,
** cli.md 13): sections, keys, comma lists, severities, profiles, rule
** selections and [paths] exclude patterns.
**
** Input: the file's bytes, written to a temporary file that cfg_load reads
** (it reads by path, as rbc does).  cfg_load must answer 0 or -1 with a
** one-line "FILE:LINE: ..." message, never crash, leak or hang; what loads
** is then used as `rbc check` uses it: exclude patterns matched against a
** path, every enable/disable list applied.
**
** Build and run: scripts/fuzz.sh [SECONDS].
*/
#define _POSIX_C_SOURCE 200809L
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/config.h"
#include "lexer/diag.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];
static char path[96];

static void remove_temp(void)
{
  unlink(path);
  rmdir(dir);
}

/* A private directory holding the file (exclude patterns are relative to it). */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
  const char *tmp = getenv("TMPDIR");

  (void)argc;
  (void)argv;
  snprintf(dir, sizeof dir, "%s/fuzz-config-XXXXXX", tmp != NULL && *tmp != '\0' ? tmp
           : access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
  if (mkdtemp(dir) == NULL)
    abort();
  snprintf(path, sizeof path, "%s/.rbc.conf", dir);
  atexit(remove_temp);
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct cfg_file cfg;
  char err[512], file[160];
  bool disabled[DIAG__COUNT];
  FILE *f = fopen(path, "w");

  if (f == NULL)
    abort();
  fwrite(data, 1, size, f);
  fclose(f);
  cfg_init(&cfg);
  err[0] = '\0';
  if (cfg_load(path, &cfg, err, sizeof err) != 0) {
    if (err[0] == '\0' || strchr(err, '\n') != NULL)
      abort();                  /* one line, never empty */
  } else {
    memset(disabled, 0, sizeof disabled);
    for (size_t i = 0; i < cfg.check.nops; i++)
      (void)cfg_select(disabled, cfg.check.ops[i].list, cfg.check.ops[i].disable, err,
                       sizeof err);
    snprintf(file, sizeof file, "%s/runbooks/deep/a.rb", dir);
    (void)cfg_excluded(&cfg, file);
  }
  cfg_free(&cfg);
  return 0;
}
