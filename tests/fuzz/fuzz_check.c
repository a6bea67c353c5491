/*
** fuzz_check.c: libFuzzer harness for the front end.
**
** Bytes -> src_new -> parse_source -> check_file, then everything is freed.
** Any crash, sanitizer report, leak or hang is a bug: the front end must
** accept every byte string and answer with diagnostics (style.md 18).
**
** Build and run: scripts/fuzz.sh [SECONDS] (clang, -fsanitize=fuzzer,address,undefined).
*/
#include <stddef.h>
#include <stdint.h>

#include "lexer/diag.h"
#include "lexer/source.h"
#include "parser/arena.h"
#include "parser/check.h"
#include "parser/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
** One input: parse it and, when the tree exists, check it with fixed options
** (a fixed "today" keeps freshness rules deterministic; no library dirs so
** `import` only sees paths relative to the fake file name).  Always returns 0,
** as libFuzzer requires.
*/
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct source *src = src_new("fuzz.rb", (const char *)data, size);
  struct arena *a = arena_new();
  struct diag_list diags;
  struct parse_result res = {0};
  struct check_options opts = {0};

  diag_init(&diags);
  opts.today = "2026-01-01";
  if (src != NULL && a != NULL && parse_source(a, src, &diags, &res) == 0 && res.file != NULL)
    (void)check_file(a, src, res.file, res.comments, res.ncomments, &opts, &diags);
  diag_sort(&diags);
  diag_free(&diags);
  arena_free(a);
  src_free(src);
  return 0;
}
