/*
** fuzz_params.c: libFuzzer harness for params resolution (vm/params.c):
** the --params-file JSON object, `--param NAME=VALUE` text and
** RBC_PARAM_<NAME> values converted to each declared type (val_from_param,
** val_param_coerce).
**
** Input: a first line, the text given as `--param` for one param (which
** one: the line's length) and as the environment value of every param;
** the rest, the params file.  The chunk declares one param of every type,
** a secret among them.  vm_params_resolve must answer a status with its
** diagnostics, never crash, leak or hang, and no diagnostic may quote the
** value of the secret param.
**
** Build and run: scripts/fuzz.sh [SECONDS].
*/
#define _GNU_SOURCE             /* memmem */
#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lexer/diag.h"
#include "lexer/source.h"
#include "parser/arena.h"
#include "parser/parse.h"
#include "vm/bytecode.h"
#include "vm/compile.h"
#include "vm/params.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char runbook[] =
  "runbook \"fuzz-params\" {\n"
  "  param s : string\n"
  "  param i : int = 1\n"
  "  param f : float = 1.5\n"
  "  param b : bool = true\n"
  "  param d : duration = 5m\n"
  "  param l : list = []\n"
  "  param m : map = {}\n"
  "  param any = \"x\"\n"
  "  secret token : string = \"none\"\n"
  "  phase \"p\" {\n"
  "    step \"s\" { log s }\n"
  "  }\n"
  "}\n";

static const char *const names[] = { "s", "i", "f", "b", "d", "l", "m", "any", "token" };
#define NNAMES (sizeof names / sizeof names[0])

static struct chunk *chunk;
static char path[64];
static const char *env_value;

static void remove_temp(void)
{
  unlink(path);
}

/* Compile the runbook once; a temporary file holds each params file. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
  struct source *src = src_new("fuzz.rb", runbook, sizeof runbook - 1);
  struct arena *a = arena_new();
  struct diag_list diags;
  struct parse_result res = {0};
  const char *tmp = getenv("TMPDIR");
  int fd;

  (void)argc;
  (void)argv;
  diag_init(&diags);
  if (src == NULL || a == NULL || parse_source(a, src, &diags, &res) != 0 || res.file == NULL
      || comp_compile(src, res.file, &diags, &chunk) != 0) {
    fputs("fuzz_params: the built-in runbook does not compile\n", stderr);
    abort();
  }
  diag_free(&diags);
  arena_free(a);
  src_free(src);
  snprintf(path, sizeof path, "%s/fuzz-params-XXXXXX", tmp != NULL && *tmp != '\0' ? tmp
           : access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
  fd = mkstemp(path);
  if (fd < 0)
    abort();
  close(fd);
  atexit(remove_temp);
  return 0;
}

/* Does text hold a control or non-ASCII byte (never in a message template)? */
static bool unmistakable(const char *text, size_t len)
{
  for (size_t i = 0; i < len; i++)
    if ((unsigned char)text[i] < 0x20 || (unsigned char)text[i] >= 0x80)
      return true;
  return false;
}

static const char *fake_getenv(const char *name, void *ctx)
{
  (void)ctx;
  return strncmp(name, "RBC_PARAM_", 10) == 0 ? env_value : NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  const uint8_t *nl = memchr(data, '\n', size);
  size_t llen = nl != NULL ? (size_t)(nl - data) : size;
  char *text = malloc(llen + 1);
  struct vm_param_arg arg;
  struct vm_params_input in;
  struct vm_params out;
  struct diag_list diags;
  FILE *f;

  if (text == NULL)
    return 0;
  memcpy(text, data, llen);
  text[llen] = '\0';
  f = fopen(path, "w");
  if (f == NULL)
    abort();
  if (nl != NULL)
    fwrite(nl + 1, 1, size - llen - 1, f);
  fclose(f);

  memset(&in, 0, sizeof in);
  arg.name = names[llen % NNAMES];
  arg.value = text;
  in.args = &arg;
  in.nargs = 1;
  in.file = nl != NULL ? path : NULL;
  in.getenv = fake_getenv;
  env_value = (llen & 1) ? text : NULL;
  diag_init(&diags);
  (void)vm_params_resolve(chunk, &in, &out, &diags);
  /* the secret's text is never quoted (when it is unmistakable: long, with a
     byte no message template has, and nowhere in the params file) */
  if (strlen(text) >= 8 && strcmp(arg.name, "token") == 0 && unmistakable(text, strlen(text))
      && (nl == NULL || memmem(nl + 1, size - llen - 1, text, strlen(text)) == NULL))
    for (size_t i = 0; i < diags.len; i++)
      if (diags.items[i].message != NULL && strstr(diags.items[i].message, text) != NULL)
        abort();
  vm_params_free(&out);
  diag_free(&diags);
  free(text);
  return 0;
}
