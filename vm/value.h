/*
** value.h: rbc's runtime values.
**
** THE OWNERSHIP RULE (one rule, followed by every function in this file):
**
**   Functions BORROW their arguments and RETURN NEW REFERENCES.  A
**   struct rbc_value received as an argument is never released or kept by
**   the callee unless the callee retains it itself; a value written to an
**   `out` parameter belongs to the caller, who must val_release it.
**   val_retain / val_release are the only functions that change counts on
**   the caller's behalf.  Containers own the values stored in them: storing
**   retains, removing or freeing releases.  Accessors that return a pointer
**   into a container (val_list_at, val_map_get, val_str_data) return a
**   BORROWED pointer, valid until the container is next changed or released.
**
** On failure an `out` parameter is left as null (nothing to release) and the
** function returns a status other than VAL_OK with a one-line message in
** `err` (which may be NULL).  Messages name types and operators, never the
** contents of a value, so they cannot leak a secret.
**
** All of the fields of struct rbc_value are private in spirit: use the
** constructors and accessors below.  The struct is small (16 bytes) and is
** passed and returned by value.
**
** Containers are VALUES, not shared objects: the mutators (val_list_push,
** val_map_set, val_set_index, ...) take the container's slot and copy the
** container first when it is shared (refcount > 1: copy-on-write).  So
** `let b = a; b.x = 1` leaves `a` unchanged, a container can never hold
** itself, reference counts never form cycles, and releasing frees everything.
**
** Taint (architecture.md "Values"): every value carries a `secret` flag, in
** the value struct (not in the heap object: two references to one string can
** differ in taint).  The propagation rules, decided here:
**   - every operator's result is secret when any operand is secret, and for
**     the operators that look inside containers (==, !=, in) also when any
**     element they examined is secret.  Comparisons of a secret therefore
**     yield a secret bool (the safe choice: `if secret == "x" { log ... }`
**     leaks one bit, but `log secret == "x"` prints `***`);
**   - member access, indexing and iteration of a secret container yield
**     secret values; val_len of a secret is secret;
**   - building a list or map from a secret element does NOT make the
**     container secret; the element keeps its flag.  Formatting masks just
**     that element; JSON-encoding the container yields a secret string;
**   - interpolation and str() go through struct val_buf in VAL_FMT_RAW mode,
**     which taints the built string when any secret was appended;
**   - a secret cannot be used as a map key (keys carry no flag of their
**     own); keys read from a secret map take the map's flag.
**
** Truthiness (val_truthy): null and false are false; every other value,
** including 0, "" and [], is true (Lua/Ruby rule: no surprises from 0).
**
** Numbers: int is int64 and overflow is an error, never wrap-around; float is
** a double and is always finite (an operation that would make NaN or an
** infinity fails with VAL_ERR_OVERFLOW, and no parser accepts them).  `/` on
** two ints yields a float (5 / 100 == 0.05: error rates must not truncate);
** `%` is defined for int % int and duration % duration and is floored (the
** result takes the sign of the divisor, as in Python).
**
** Not thread-safe: VM fibers share one OS thread (architecture.md).
** Float formatting and parsing assume LC_NUMERIC is "C" (rbc never changes it).
*/
#ifndef RBC_VALUE_H
#define RBC_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* {==== types ==== */

enum val_type {
  VAL_NULL,
  VAL_BOOL,
  VAL_INT,                      /* int64_t */
  VAL_FLOAT,                    /* finite double; percentages are floats */
  VAL_STRING,                   /* refcounted bytes, NUL-safe */
  VAL_DURATION,                 /* int64_t milliseconds, may be negative */
  VAL_TIME,                     /* int64_t ms since 1970-01-01T00:00:00Z */
  VAL_LIST,                     /* refcounted dynamic array */
  VAL_MAP,                      /* refcounted, insertion-ordered, string keys */
  VAL_FN,                       /* refcounted compiled-function reference */
  VAL_BUILTIN                   /* index into the built-in table */
};

enum val_status {
  VAL_OK = 0,
  VAL_ERR_TYPE,                 /* operand types not supported by the operation */
  VAL_ERR_OVERFLOW,             /* int overflow, float out of range, duration too large */
  VAL_ERR_DIV_ZERO,             /* division or modulo by zero */
  VAL_ERR_INDEX,                /* list index out of range */
  VAL_ERR_PARSE,                /* malformed text (duration, param, JSON, time) */
  VAL_ERR_DEPTH,                /* nesting deeper than VAL_MAX_DEPTH */
  VAL_ERR_OOM                   /* an allocation failed */
};

/* Where a failing function writes its one-line message (no final period). */
struct val_err {
  char msg[256];                /* NUL-terminated */
};

struct val_str;
struct val_list;
struct val_map;
struct val_fn;

/* A value: a type tag, the taint flag and a payload.  Fields are private. */
struct rbc_value {
  uint8_t type;                 /* enum val_type */
  bool secret;                  /* tainted by a `secret` (see top of file) */
  union {
    bool b;                     /* VAL_BOOL */
    int64_t i;                  /* VAL_INT, VAL_DURATION, VAL_TIME */
    double f;                   /* VAL_FLOAT */
    uint32_t builtin;           /* VAL_BUILTIN: index in the built-in table */
    struct val_str *s;          /* VAL_STRING */
    struct val_list *l;         /* VAL_LIST */
    struct val_map *m;          /* VAL_MAP */
    struct val_fn *fn;          /* VAL_FN */
  } as;
};

/* Deepest nesting that equality, formatting and JSON will walk. */
#define VAL_MAX_DEPTH 512

/* Operators of val_binop (the VM maps its opcodes onto these). */
enum val_binop {
  VAL_OP_ADD, VAL_OP_SUB, VAL_OP_MUL, VAL_OP_DIV, VAL_OP_MOD,
  VAL_OP_EQ, VAL_OP_NE, VAL_OP_LT, VAL_OP_LE, VAL_OP_GT, VAL_OP_GE,
  VAL_OP_IN
};

enum val_unop {
  VAL_OP_NEG,                   /* -x: int, float, duration */
  VAL_OP_NOT                    /* not x: the negated truthiness */
};

/* }==== */

/* {==== scalar constructors (no allocation, nothing to release) ==== */

static inline struct rbc_value val_null(void)
{
  struct rbc_value v = { VAL_NULL, false, { .i = 0 } };
  return v;
}

static inline struct rbc_value val_bool(bool b)
{
  struct rbc_value v = { VAL_BOOL, false, { .b = b } };
  return v;
}

static inline struct rbc_value val_int(int64_t i)
{
  struct rbc_value v = { VAL_INT, false, { .i = i } };
  return v;
}

/* The caller guarantees f is finite (see the number rules above). */
static inline struct rbc_value val_float(double f)
{
  struct rbc_value v = { VAL_FLOAT, false, { .f = f } };
  return v;
}

static inline struct rbc_value val_duration(int64_t ms)
{
  struct rbc_value v = { VAL_DURATION, false, { .i = ms } };
  return v;
}

static inline struct rbc_value val_time(int64_t epoch_ms)
{
  struct rbc_value v = { VAL_TIME, false, { .i = epoch_ms } };
  return v;
}

static inline struct rbc_value val_builtin(uint32_t index)
{
  struct rbc_value v = { VAL_BUILTIN, false, { .builtin = index } };
  return v;
}

/* The same value (same reference, no count change) with its flag set. */
static inline struct rbc_value val_tainted(struct rbc_value v, bool secret)
{
  v.secret = v.secret || secret;
  return v;
}

/* }==== */

/* {==== reference counting ==== */

/*
** Add a reference to v's heap payload (no-op for scalars) and return v, so
** `out = val_retain(x)` reads as "out is a new reference to x".
*/
struct rbc_value val_retain(struct rbc_value v);

/*
** Drop one reference; the payload is freed when the last one goes (nested
** containers are freed iteratively, so no depth overflows the C stack).
** Releasing a scalar or null is a no-op.
*/
void val_release(struct rbc_value v);

/* Current reference count of v's payload (1 for scalars); for tests. */
size_t val_refcount(struct rbc_value v);

/* }==== */

/* {==== strings ==== */

/*
** New string holding a copy of bytes[0..len) (NULs allowed; a NUL is also
** stored after the last byte for C APIs).  *out is a new reference.
** VAL_ERR_OOM on allocation failure.
*/
enum val_status val_string_new(const char *bytes, size_t len, struct rbc_value *out,
                               struct val_err *err);

/* val_string_new of a NUL-terminated string. */
enum val_status val_string_cstr(const char *s, struct rbc_value *out,
                                struct val_err *err);

/*
** Borrowed pointer to a string's bytes (NUL-terminated) and their count;
** NULL / 0 when v is not a string.
*/
const char *val_str_data(struct rbc_value v);
size_t val_str_len(struct rbc_value v);

/* }==== */

/* {==== lists ==== */

/* New empty list with room for `cap` items.  VAL_ERR_OOM on failure. */
enum val_status val_list_new(size_t cap, struct rbc_value *out, struct val_err *err);

/* Number of items (0 when v is not a list). */
size_t val_list_len(struct rbc_value v);

/*
** Borrowed pointer to item i (0-based, no negative indexing here), NULL when
** out of range or v is not a list.  The item's own flag is not combined with
** the list's: use val_index for that.
*/
const struct rbc_value *val_list_at(struct rbc_value v, size_t i);

/*
** Append item (retained) to the list in *slot, copying the list first when it
** is shared.  VAL_ERR_TYPE when *slot is not a list, VAL_ERR_OOM on failure
** (the list is unchanged).
*/
enum val_status val_list_push(struct rbc_value *slot, struct rbc_value item,
                              struct val_err *err);

/* }==== */

/* {==== maps ==== */

/* New empty map.  VAL_ERR_OOM on failure. */
enum val_status val_map_new(struct rbc_value *out, struct val_err *err);

/* Number of live entries (0 when v is not a map). */
size_t val_map_len(struct rbc_value v);

/*
** Borrowed pointer to the value stored under key[0..klen), NULL when there is
** none (or v is not a map).  O(1) on average.
*/
const struct rbc_value *val_map_get(struct rbc_value v, const char *key, size_t klen);

/*
** Store value (retained) under key[0..klen) in the map in *slot (copy-on-write
** as above).  A new key goes last; an existing key keeps its position and its
** old value is released.  VAL_ERR_TYPE when *slot is not a map, VAL_ERR_OOM on
** failure (the map is unchanged).
*/
enum val_status val_map_set(struct rbc_value *slot, const char *key, size_t klen,
                            struct rbc_value value, struct val_err *err);

/*
** Remove key[0..klen) from the map in *slot; the others keep their order.
** *found (may be NULL) says whether it was there.  VAL_ERR_TYPE when *slot is
** not a map, VAL_ERR_OOM when a shared map could not be copied.
*/
enum val_status val_map_delete(struct rbc_value *slot, const char *key, size_t klen,
                               bool *found, struct val_err *err);

/*
** Iterate in insertion order: start with *pos = 0; each call stores borrowed
** pointers to the next entry's key bytes, key length and value and returns
** true, or returns false at the end.  Any out pointer may be NULL.  Inserting
** into the map invalidates positions; the VM iterates over a reference it
** holds, so copy-on-write keeps the iterated map unchanged.  *pos is an
** entry number (deleted entries included), so it fits the VM's int counter.
** The value's own flag is not combined with the map's: when v is secret the
** caller taints the key and value it hands on (`for k, v in secret_map`).
*/
bool val_map_next(struct rbc_value v, size_t *pos, const char **key, size_t *klen,
                  const struct rbc_value **value);

/* }==== */

/* {==== function references ==== */

/*
** New reference to compiled function `fn_index` with an optional closure
** environment.  The function value owns `env` from now on: env_release (may
** be NULL) is called with it when the last reference goes, and also when
** this call fails with VAL_ERR_OOM.  The env is opaque to this module.
*/
enum val_status val_fn_new(uint32_t fn_index, void *env, void (*env_release)(void *env),
                           struct rbc_value *out, struct val_err *err);

/* Function index of a VAL_FN (UINT32_MAX otherwise). */
uint32_t val_fn_index(struct rbc_value v);

/* Closure environment of a VAL_FN (borrowed; NULL when none or not a VAL_FN). */
void *val_fn_env(struct rbc_value v);

/* Built-in index of a VAL_BUILTIN (UINT32_MAX otherwise). */
uint32_t val_builtin_index(struct rbc_value v);

/* }==== */

/* {==== type names, truthiness, equality ==== */

/* "null", "bool", "int", "float", "string", "duration", "time", "list",
** "map", "function" (VAL_FN and VAL_BUILTIN): for error messages. */
const char *val_type_name(enum val_type type);

/* val_type_name of v's type. */
const char *val_kind(struct rbc_value v);

/* Truthiness (null and false are false, all else true; see top of file). */
bool val_truthy(struct rbc_value v);

/*
** Deep equality: ints and floats compare by numeric value (1 == 1.0), lists
** item by item, maps by key set and values (order does not matter), functions
** by index and environment; different types are unequal (never an error).
** *tainted (may be NULL) is OR-ed with the flag of every value examined.
** VAL_ERR_DEPTH past VAL_MAX_DEPTH (*equal is then false).
*/
enum val_status val_equal(struct rbc_value a, struct rbc_value b, bool *equal,
                          bool *tainted, struct val_err *err);

/*
** Ordering: *cmp < 0, 0, > 0.  Defined for numbers (int/float mixed, exact),
** strings (bytewise), durations with durations, times with times; VAL_ERR_TYPE
** for anything else.
*/
enum val_status val_compare(struct rbc_value a, struct rbc_value b, int *cmp,
                            struct val_err *err);

/* }==== */

/* {==== operators ==== */

/*
** Apply a binary operator (borrowed operands, *out a new reference):
**   + int/float mixed, duration+duration, time+duration, duration+time,
**     string+string (concatenation), list+list (concatenation)
**   - numbers, duration-duration, time-duration, time-time (a duration)
**   * numbers, duration*number, number*duration (rounded to the ms)
**   / numbers (always a float), duration/number (a duration, rounded to the
**     nearest ms), duration/duration (a float)
**   % int%int, duration%duration (floored)
**   == != (val_equal), < <= > >= (val_compare)
**   in  a in list (deep equality), key in map (key must be a string),
**       substring in string
** The result is secret when an operand (or, for == != in, an examined
** element) is secret.  Errors: VAL_ERR_TYPE, VAL_ERR_OVERFLOW,
** VAL_ERR_DIV_ZERO, VAL_ERR_DEPTH, VAL_ERR_OOM.
*/
enum val_status val_binop(enum val_binop op, struct rbc_value a, struct rbc_value b,
                          struct rbc_value *out, struct val_err *err);

/* Unary operator (VAL_OP_NEG on int, float, duration; VAL_OP_NOT on any). */
enum val_status val_unop(enum val_unop op, struct rbc_value a, struct rbc_value *out,
                         struct val_err *err);

/* The operator's source spelling ("+", "==", "in", ...), for messages. */
const char *val_binop_name(enum val_binop op);

/* }==== */

/* {==== member access and indexing ==== */

/*
** obj.name: a map's entry (null when missing), null.name is null (so
** `x.a.b ?? d` works), time members (unix, unix_ms, year, month, day, hour,
** minute, second, weekday (0 = Sunday), iso) and duration members (ms, seconds,
** minutes, hours: floats except ms).  The result is secret when obj or the
** entry is.  VAL_ERR_TYPE for other types or an unknown time/duration member.
*/
enum val_status val_member(struct rbc_value obj, const char *name, size_t len,
                           struct rbc_value *out, struct val_err *err);

/*
** obj[index]: list[int] (negative counts from the end; out of range is
** VAL_ERR_INDEX), map[string] (null when missing), string[int] (a one-byte
** string).  Secret when obj, index or the item is.
*/
enum val_status val_index(struct rbc_value obj, struct rbc_value index,
                          struct rbc_value *out, struct val_err *err);

/*
** *slot[index] = value (list: int index in range, negative from the end;
** map: string key, added when missing), copy-on-write.  VAL_ERR_TYPE,
** VAL_ERR_INDEX, VAL_ERR_OOM.  A secret map key is VAL_ERR_TYPE.
*/
enum val_status val_set_index(struct rbc_value *slot, struct rbc_value index,
                              struct rbc_value value, struct val_err *err);

/*
** Length of a string (bytes), list or map, as an int (secret when v is).
** VAL_ERR_TYPE for other types.
*/
enum val_status val_len(struct rbc_value v, struct rbc_value *out, struct val_err *err);

/* }==== */

/* {==== string builder ==== */

/*
** A growable byte buffer that remembers whether secret bytes went into it.
** Zero-initialise it (or val_buf_init); val_buf_free releases it.  After an
** allocation failure the buffer keeps its old contents and every later
** append fails too (status sticks), so callers may check once at the end.
*/
struct val_buf {
  char *data;                   /* NUL-terminated when len > 0; may be NULL */
  size_t len;                   /* bytes used */
  size_t cap;                   /* bytes allocated */
  bool secret;                  /* some appended value was a raw secret */
  bool oom;                     /* an allocation failed */
};

/* Formatting modes for val_buf_append_value and val_to_string (flags). */
enum val_fmt {
  VAL_FMT_MASKED = 0,           /* secrets print as *** (every sink) */
  VAL_FMT_RAW = 1,              /* secrets print their bytes; taints the buffer */
  VAL_FMT_QUOTED = 2            /* a top-level string is quoted ("repr" form) */
};

void val_buf_init(struct val_buf *b);
void val_buf_free(struct val_buf *b);

/* Append bytes.  VAL_ERR_OOM (sticky) on failure. */
enum val_status val_buf_append(struct val_buf *b, const char *bytes, size_t len);

/* Append a NUL-terminated string. */
enum val_status val_buf_puts(struct val_buf *b, const char *s);

/* Append printf-formatted text (never a value's contents: use the next one). */
enum val_status val_buf_printf(struct val_buf *b, const char *fmt, ...)
  __attribute__((format(printf, 2, 3)));

/*
** Append bytes as a double-quoted JSON string: `"` `\` and control bytes
** escaped (\n \t \r \b \f, others \u00XX), invalid UTF-8 replaced by \ufffd,
** valid UTF-8 kept as is.  The output is always valid JSON.
*/
enum val_status val_buf_append_quoted(struct val_buf *b, const char *bytes, size_t len);

/*
** Append v's display form (flags from enum val_fmt):
**   null true 42 1.5 0.05          (floats: shortest round-trip, always with
**                                   a '.' or exponent: 2.0)
**   text                           (a string as is; "text" quoted with
**                                   VAL_FMT_QUOTED or inside a container)
**   1h30m 250ms 0s -5m             (val_format_duration)
**   2026-11-26T13:00:00Z           (val_format_time)
**   [1, "a", 2s]  {"k": 1, "b": null}  <fn 3>  <builtin 7>
** A secret prints as *** unless VAL_FMT_RAW is set, in which case its bytes
** are appended and b->secret is set.  VAL_ERR_DEPTH, VAL_ERR_OOM.
*/
enum val_status val_buf_append_value(struct val_buf *b, struct rbc_value v, int flags);

/*
** Move the buffer's bytes into a new string value (secret when b->secret)
** and reset the buffer.  VAL_ERR_OOM (also when the buffer had failed).
*/
enum val_status val_buf_finish(struct val_buf *b, struct rbc_value *out,
                               struct val_err *err);

/*
** v's display form as a new string value (see val_buf_append_value); with
** VAL_FMT_RAW the string is secret when v holds a secret.
*/
enum val_status val_to_string(struct rbc_value v, int flags, struct rbc_value *out,
                              struct val_err *err);

/* }==== */

/* {==== durations, times, floats as text ==== */

/* Room for any val_format_duration / val_format_time / val_format_float. */
#define VAL_FMT_BUF 48

/*
** Canonical duration text, the literal syntax: units d h m s ms, largest
** first, zero units left out ("1h30m", "1s500ms", "250ms"); "0s" for zero; a
** leading "-" when negative.  Parses back to the same value.  Returns buf.
*/
char *val_format_duration(int64_t ms, char buf[VAL_FMT_BUF]);

/*
** RFC 3339 in UTC: "2026-11-26T13:00:00Z", with ".mmm" before the Z when the
** milliseconds are not zero (or always, when with_ms).  Returns buf.
*/
char *val_format_time(int64_t epoch_ms, bool with_ms, char buf[VAL_FMT_BUF]);

/* Shortest text that reads back as the same double, with a '.' or 'e'. */
char *val_format_float(double f, char buf[VAL_FMT_BUF]);

/*
** Parse a duration: one or more NUMBER UNIT parts, units d h m s ms strictly
** descending (the literal syntax), an optional leading '-', and decimal
** fractions allowed ("1.5s", "0.5h"; rounded to the nearest ms).
** VAL_ERR_PARSE for anything else, VAL_ERR_OVERFLOW past int64 ms.
*/
enum val_status val_parse_duration(const char *text, size_t len, int64_t *ms,
                                   struct val_err *err);

/*
** Parse RFC 3339 ("2026-11-26T13:00:00Z", fractional seconds, "+02:00" style
** offsets, 't'/'z'/' ' accepted) to ms since the epoch.  VAL_ERR_PARSE.
*/
enum val_status val_parse_time(const char *text, size_t len, int64_t *epoch_ms,
                               struct val_err *err);

/* }==== */

/* {==== params ==== */

/* Declared types of `param NAME : TYPE`. */
enum val_param_type {
  VAL_PARAM_STRING, VAL_PARAM_INT, VAL_PARAM_FLOAT, VAL_PARAM_BOOL,
  VAL_PARAM_DURATION, VAL_PARAM_LIST, VAL_PARAM_MAP
};

/* The type named `name` ("string", "int", ...), or -1 when unknown. */
int val_param_type_parse(const char *name);

/*
** Convert a `--param` string to the declared type:
**   string    as is;  int  decimal or 0x hex, optional sign, '_' between digits
**   float     decimal/exponent, or a percentage "5%" (0.05); finite only
**   bool      true/false, yes/no, on/off, 1/0
**   duration  val_parse_duration
**   list      a JSON array when the text starts with '[', else the
**             comma-separated items as strings (blanks around items trimmed,
**             "" is the empty list)
**   map       a JSON object
** The result (and every element of it) is secret when `secret`.
** VAL_ERR_PARSE / VAL_ERR_OVERFLOW with a message that does not quote the text.
*/
enum val_status val_from_param(const char *text, size_t len, enum val_param_type type,
                               bool secret, struct rbc_value *out, struct val_err *err);

/*
** Convert a value from a params file (`--params FILE`, a JSON object) to the
** declared type: a string goes through val_from_param; otherwise the value
** must already have the type (an int is accepted for a float).  *out is
** secret when `secret` (containers: the top flag, which member access and
** iteration propagate).  VAL_ERR_PARSE naming both types, or as for
** val_from_param.
*/
enum val_status val_param_coerce(struct rbc_value v, enum val_param_type type, bool secret,
                                 struct rbc_value *out, struct val_err *err);

/* }==== */

#endif
