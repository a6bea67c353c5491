/*
** fuzz_json.c: libFuzzer harness for the JSON bridge (vm/value_json.c).
**
** Bytes -> val_json_parse: the reader behind json.parse, http replies with a
** JSON body, params files and AWS JSON replies.  Any byte string must come
** back as a value or a status with a message, never a crash, a leak or a
** hang (nesting is bounded by VAL_MAX_DEPTH).  What parses must encode, and
** the encoding is canonical: parse(encode(v)) encodes to the same bytes,
** compact and pretty, and the secret taint survives both directions.  A
** violated property aborts, which libFuzzer reports with the input saved.
**
** Build and run: scripts/fuzz.sh [SECONDS].
*/
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vm/value.h"
#include "vm/value_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Encode v with flags; abort unless it works (everything parsed is encodable). */
static struct rbc_value encode(struct rbc_value v, int flags)
{
  struct rbc_value out = val_null();
  struct val_err err;
  enum val_status st = val_json_encode(v, flags, &out, &err);

  if (st == VAL_ERR_OOM)
    return val_null();
  if (st != VAL_OK || out.type != VAL_STRING)
    abort();                    /* a parsed value must encode */
  return out;
}

/* Round trip of one encoding: parse(text) must give a value encoding to text. */
static void round_trip(struct rbc_value text, int flags, bool secret)
{
  struct rbc_value again = val_null(), text2;
  struct val_err err;

  if (text.type != VAL_STRING)
    return;
  if (val_json_parse(val_str_data(text), val_str_len(text), secret, &again, &err) != VAL_OK)
    abort();                    /* what rbc writes, rbc must read */
  text2 = encode(again, flags);
  if (text2.type == VAL_STRING
      && (val_str_len(text2) != val_str_len(text)
          || memcmp(val_str_data(text2), val_str_data(text), val_str_len(text)) != 0))
    abort();                    /* encode(parse(encode(v))) == encode(v) */
  if (text2.type == VAL_STRING && text2.secret != secret)
    abort();                    /* taint lost or invented */
  val_release(text2);
  val_release(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct rbc_value v = val_null(), compact, pretty;
  struct val_err err;
  bool secret = size > 0 && (data[0] & 1) != 0;
  enum val_status st;

  err.msg[0] = '\0';
  st = val_json_parse((const char *)data, size, secret, &v, &err);
  if (st != VAL_OK) {
    if (err.msg[0] == '\0' && st != VAL_ERR_OOM)
      abort();                  /* a rejection must say why */
    val_release(v);
    return 0;
  }
  compact = encode(v, VAL_JSON_COMPACT);
  pretty = encode(v, VAL_JSON_PRETTY);
  round_trip(compact, VAL_JSON_COMPACT, secret);
  round_trip(pretty, VAL_JSON_PRETTY, secret);
  val_release(pretty);
  val_release(compact);
  val_release(v);
  return 0;
}
