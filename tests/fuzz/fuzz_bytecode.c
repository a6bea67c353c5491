/*
** fuzz_bytecode.c: libFuzzer harness for the bytecode loader.
**
** Bytes -> chunk_load.  The loader must reject every malformed input with a
** message and never read outside the buffer (vm/bytecode.h).  When an input
** loads, it must also survive a round trip: chunk_save of the loaded chunk
** must load again, and saving that second chunk must give the same bytes
** (the format is canonical and reproducible).  A violated property aborts,
** which libFuzzer reports as a crash with the input saved.
**
** Build and run: scripts/fuzz.sh [SECONDS].
*/
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vm/bytecode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Save c; NULL (and *len 0) when out of memory. */
static uint8_t *save(const struct chunk *c, size_t *len)
{
  uint8_t *out = NULL;

  *len = 0;
  if (chunk_save(c, &out, len) != 0)
    return NULL;
  return out;
}

/* Load, then check the round-trip properties of anything that loaded. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct chunk *c = NULL, *again = NULL;
  char err[256];
  size_t len1 = 0, len2 = 0;
  uint8_t *bytes1, *bytes2;

  err[0] = '\0';
  if (chunk_load(data, size, &c, err, sizeof err) != 0) {
    if (c != NULL || err[0] == '\0')
      abort();                  /* failure must leave no chunk and give a reason */
    return 0;
  }
  bytes1 = save(c, &len1);
  if (bytes1 != NULL) {
    if (chunk_load(bytes1, len1, &again, err, sizeof err) != 0)
      abort();                  /* what rbc saves, rbc must load */
    bytes2 = save(again, &len2);
    if (bytes2 != NULL && (len1 != len2 || memcmp(bytes1, bytes2, len1) != 0))
      abort();                  /* save(load(save(c))) == save(c) */
    free(bytes2);
    chunk_free(again);
  }
  free(bytes1);
  chunk_free(c);
  return 0;
}
