/*
** natives.h: how the VM calls a built-in written in C.
**
** Every entry BI(id, ...) of stdlib/builtins.def is implemented by one
** function `int std_<id>(struct std_call *call, struct rbc_value *out)`.
** std_natives[] (natives.c), indexed by enum std_builtin_id, holds them all.
**
** Ownership (vm/value.h's rule): arguments are borrowed; on success the
** function stores a new reference in *out and returns 0.  On failure it
** returns -1 after describing the problem with std_error (the VM turns it
** into a runtime error at the call site, RB5011 unless another code is set)
** and leaves *out untouched.
**
** Built-ins reach the running VM only through the std_host callbacks, so
** they can be unit-tested with a fake host and never see the VM's insides.
*/
#ifndef RBC_NATIVES_H
#define RBC_NATIVES_H

#include <stdbool.h>
#include <stdint.h>

#include "lexer/diag.h"
#include "stdlib/builtins.h"
#include "vm/value.h"

struct std_call;
struct rbc_loop;
struct aws_client;

/* Services of the running VM that built-ins may use. */
struct std_host {
  void *ctx;                    /* the VM (opaque), passed back to each callback */
  int64_t (*now_ms)(void *ctx);           /* wall clock (virtual under --clock=virtual) */
  int64_t (*monotonic_ms)(void *ctx);     /* elapsed-time clock (same clock source) */
  /* Sleep ms on the run's clock; returns -1 when interrupted. */
  int (*sleep_ms)(void *ctx, int64_t ms);
  /* Emit a `log` line (already formatted, secrets masked by the caller). */
  void (*log)(void *ctx, const char *level, const char *text, size_t len);
  /* Register a secret's raw bytes so every sink scrubs them. */
  void (*add_secret)(void *ctx, const char *bytes, size_t len);
  const char *workdir;          /* relative paths resolve here (the runbook's directory) */
  struct rbc_loop *loop;        /* the run's event loop (stdlib/loop.h): HTTP, children, sleeps */
  struct aws_client *aws;       /* the run's AWS client (stdlib/aws/aws.h), or NULL: no AWS */
  /* Journal one action (an `action` event): kind "http", call "GET URL" (masked by the
  ** caller), status "200" / "timed-out" ..., elapsed ms.  May be NULL (no journal). */
  void (*action)(void *ctx, const char *kind, const char *call, const char *status,
                 int64_t elapsed_ms);
  /* The same with `exports`: a map of what a replay needs (docs/journal.md, "action
  ** exports"), borrowed; the sinks print secrets in it as ***.  May be NULL: then
  ** action is used without them (std_host_action does the choosing). */
  void (*action_exports)(void *ctx, const char *kind, const char *call, const char *status,
                         int64_t elapsed_ms, const struct rbc_value *exports);
  /* Where to cut s[0..n) to at most max bytes without splitting a registered
  ** secret (vm/events.h ev_safe_cut).  May be NULL: max. */
  size_t (*safe_cut)(void *ctx, const char *s, size_t n, size_t max);
};

struct std_call {
  const struct std_host *host;
  const struct rbc_value *args; /* positional arguments, borrowed */
  int nargs;
  const struct rbc_value *named;/* named argument values, borrowed */
  const char *const *names;     /* their names, parallel to named */
  int nnamed;
  const struct source *src;     /* call site, for messages */
  struct span span;
  enum diag_code code;          /* set by std_error_code; RB5011 by default */
  char message[512];            /* set by std_error */
  struct rbc_value exports;     /* sh: the action's exports (owned, the VM releases them);
                                ** null (all-zero) when none */
};

typedef int std_native_fn(struct std_call *call, struct rbc_value *out);

/* Every built-in's C function, indexed by enum std_builtin_id (NULL: the
** VM handles the entry itself, e.g. `confirm` and `aws` calls). */
extern std_native_fn *const std_natives[STD_BI__COUNT];

/* Record a failure message (printf-style) and return -1. */
int std_error(struct std_call *call, const char *fmt, ...)
  __attribute__((format(printf, 2, 3)));

/* Same, with a runtime code other than RB5011 (RB5002 command-failed, ...). */
int std_error_code(struct std_call *call, enum diag_code code, const char *fmt, ...)
  __attribute__((format(printf, 3, 4)));

/* Most items range() makes: more is an error (a typo such as 1e9 must not eat memory). */
#define STD_RANGE_MAX 10000000

/*
** range()'s checks without the list: the arguments (start, stop[, step])
** checked exactly as range() checks them; on success *out is the number of
** items as an int (0 .. STD_RANGE_MAX), secret when an argument is.  The
** VM's counting loop `for i in range(...)` calls it so that the loop fails
** in the same cases, with the same messages, as iterating the list would.
** 0, or -1 with the problem recorded (std_error).
*/
int std_range_count(struct std_call *call, struct rbc_value *out);

/* Journal an action through host (action_exports when set, else action; exports may
** be NULL).  A NULL host or one without callbacks journals nothing. */
void std_host_action(const struct std_host *host, const char *kind, const char *call,
                     const char *status, int64_t elapsed_ms, const struct rbc_value *exports);

/* Most bytes of one text (a body, stdout ...) an action's exports keep. */
#define STD_EXPORT_TEXT_MAX 65536

/* Set map[key] to the text bytes[0..len), cut at STD_EXPORT_TEXT_MAX (never inside
** a registered secret: host->safe_cut; at a UTF-8 boundary) with map[trunc_key] =
** true when cut.  0, or -1 when out of memory. */
int std_export_text(const struct std_host *host, struct rbc_value *map, const char *key,
                    const char *trunc_key, const char *bytes, size_t len);

/* The named argument `name`, or NULL when not given. */
const struct rbc_value *std_named(const struct std_call *call, const char *name);

#endif
