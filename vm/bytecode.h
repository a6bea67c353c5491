/*
** bytecode.h: the compiled form of a runbook (a chunk), its file format,
** the instruction decoder and the verifier.
**
** A chunk holds a typed constant pool (scalars, strings and the descriptor
** records of phases, steps, params, ...), the table of runbook-level slots
** (globals) and the functions: function 0 is the runbook's top level, then
** one per `fn`, per troubleshoot block, per param default, per checklist
** verify, per monitor and trigger expression.  docs/bytecode.md is the
** reference for the format and for every opcode.
**
** Ownership: a chunk owns everything hung off it (strings, descriptor
** words, code, line tables); chunk_free releases all of it.  chunk_load
** returns a new chunk or nothing; it never keeps a pointer into its input.
*/
#ifndef RBC_BYTECODE_H
#define RBC_BYTECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* {==== format constants ==== */

#define CHUNK_MAGIC "\x1b" "RBC"            /* 4 bytes */
#define CHUNK_VERSION 2                     /* bumped on any format change */
#define CHUNK_FORMAT 0                      /* 0: the official format */
#define CHUNK_DATA "\x19\x93\r\n\x1a\n"     /* 6 bytes: text-mode damage detector */
#define CHUNK_TEST_INT ((int64_t)0x5678)    /* checks int size and byte order */
#define CHUNK_TEST_FLOAT 370.5              /* checks the float format */
#define CHUNK_HEADER_SIZE 31                /* 4+1+1+6+3+8+8 */

#define CHUNK_NONE 0xffffu                  /* "no constant / no function" in u16 fields */
#define CHUNK_NONE32 0xffffffffu            /* the same in descriptor words */
#define CHUNK_MAX_INDEX 0xfffeu             /* largest constant, slot or function index */
#define CHUNK_MAX_STACK 0xffffu             /* largest declared max stack depth */
#define CHUNK_MAX_CODE ((uint32_t)1 << 24)  /* largest function body in bytes */
#define CHUNK_CMP_NONE 255u                 /* relational-op word: plain truth / range */

/* }==== */

/* {==== opcodes (vm/opcodes.def) ==== */

/* Variable stack input: m * N + a, N being the count operand (opcodes.def). */
#define VAR(m, a) (-1 - ((m) * 256 + (a)))

/* Opcode flags. */
enum {
  OPF_JUMP = 1 << 0,            /* has a jump operand ('j'): a branch edge */
  OPF_NOFALL = 1 << 1,          /* never continues at the next instruction */
  OPF_SPAWN = 1 << 2,           /* the fall-through edge is a new fiber's entry */
  OPF_HPUSH = 1 << 3,           /* pushes a handler record (fall-through edge) */
  OPF_HPOP = 1 << 4,            /* pops a handler record (fall-through edge) */
  OPF_CALLS = 1 << 5,           /* may run other functions or fibers */
  OPF_EFFECT = 1 << 6           /* may act on the world, the journal or the clock */
};

enum rbc_op {
#define OP(name, fmt, in, out, flags, synopsis) OP_##name,
#include "vm/opcodes.def"
  OP__COUNT
};

/* Operand kinds (the letters of an opcode's fmt). */
enum chunk_opnd {
#define OPND(letter, name, bytes, what) OPND_##name,
#include "vm/opcodes.def"
  OPND__COUNT
};

/* Static facts about an opcode, from opcodes.def. */
struct chunk_opinfo {
  const char *name;             /* "CONST" */
  const char *fmt;              /* operand letters, "" for none */
  int in;                       /* values popped, or a VAR() encoding */
  int out;                      /* values pushed */
  unsigned flags;               /* OPF_* */
  const char *synopsis;         /* one line */
};

extern const struct chunk_opinfo chunk_ops[OP__COUNT];

#define CHUNK_MAX_OPERANDS 4

/* One decoded instruction. */
struct chunk_insn {
  enum rbc_op op;
  uint32_t pc;                  /* offset of the opcode byte */
  uint32_t len;                 /* bytes, opcode included */
  int nopnd;                    /* operands decoded */
  uint32_t opnd[CHUNK_MAX_OPERANDS]; /* their values, in fmt order */
};

/* Bytes taken by an operand of kind letter `c`; 0 when c is not a kind. */
unsigned chunk_opnd_size(char c);

/* Length in bytes of an instruction with opcode op (opcode byte included). */
unsigned chunk_op_length(enum rbc_op op);

/*
** Decode the instruction at code[pc] (code_len bytes in all).  Returns 0, or
** -1 when the byte is not an opcode or the operands run past the end.
*/
int chunk_decode(const uint8_t *code, uint32_t code_len, uint32_t pc,
                 struct chunk_insn *out);

/* Values an instruction pops / pushes (VAR() resolved against its operands). */
int chunk_stack_in(const struct chunk_insn *insn);
int chunk_stack_out(const struct chunk_insn *insn);

/* Operand of kind `letter` in insn, or CHUNK_NONE32 when it has none. */
uint32_t chunk_insn_operand(const struct chunk_insn *insn, char letter);

/* }==== */

/* {==== constants and descriptors ==== */

/*
** Constant kinds: X(NAME, "listing name", "schema", "word names").  The schema of a
** descriptor lists its 32-bit words (docs/bytecode.md "Descriptors"):
**   s string constant        S string constant or none
**   k scalar constant        K scalar constant or none
**   f function index         F function index or none
**   g global slot            T TROUBLESHOOT constant or none
**   u any number             b bool (0, 1)         o on-failure kind (< 4)
**   t param type (< 8)       r relational op (chunk_cmp or 255)
**   w http check kind (< 4)  * a count, then that many repeats of the rest
** Scalars (empty schema) have their own payload.
*/
#define CHUNK_KINDS(X) \
  X(INT,          "int",          "",         "") \
  X(FLOAT,        "float",        "",         "") \
  X(STR,          "str",          "",         "") \
  X(DURATION,     "duration",     "",         "") \
  X(PERCENT,      "percent",      "",         "") \
  X(NAMES,        "names",        "*s",       "n name") \
  X(PHASE,        "phase",        "suuK",     "name number steps within") \
  X(STEP,         "step",         "suuoTSSS", \
    "name phase number on_failure troubleshoot when timeout retry") \
  X(TROUBLESHOOT, "troubleshoot", "sf",       "name fn") \
  X(PARAM,        "param",        "sgtbF",    "name global type secret default") \
  X(META,         "meta",         "sk",       "key value") \
  X(CONTACT,      "contact",      "s*sk",     "role n field value") \
  X(RESOURCE,     "resource",     "sgs",      "name global value") \
  X(CHECKLIST,    "checklist",    "s*sF",     "name n item verify") \
  X(MONITOR,      "monitor",      "sfrfFrfF", \
    "name value normal normal_lo normal_hi alert alert_lo alert_hi") \
  X(TRIGGER,      "trigger",      "sbSFF",    "name auto when cond for") \
  X(ASSERT,       "assert",       "srb",      "text op has_message") \
  X(HTTP,         "http",         "ssb*wr",   "text method class n check op")

enum chunk_kind {
#define X(name, str, schema, fields) CK_##name,
  CHUNK_KINDS(X)
#undef X
  CK__COUNT
};

/* Word offsets of the fixed part of each descriptor. */
enum { PHASE_NAME, PHASE_NUMBER, PHASE_NSTEPS, PHASE_WITHIN };
enum { STEP_NAME, STEP_PHASE, STEP_NUMBER, STEP_ONFAIL, STEP_TROUBLESHOOT, STEP_WHEN,
       STEP_TIMEOUT, STEP_RETRY };
enum { TS_NAME, TS_FN };
enum { PARAM_NAME, PARAM_GLOBAL, PARAM_TYPE, PARAM_SECRET, PARAM_DEFAULT };
enum { META_KEY, META_VALUE };
enum { CONTACT_ROLE, CONTACT_N, CONTACT_FIELDS };      /* then key, value pairs */
enum { RES_NAME, RES_GLOBAL, RES_VALUE };
enum { CL_NAME, CL_N, CL_ITEMS };                      /* then text, verify pairs */
enum { MON_NAME, MON_VALUE, MON_NORMAL_OP, MON_NORMAL_LO, MON_NORMAL_HI,
       MON_ALERT_OP, MON_ALERT_LO, MON_ALERT_HI };
enum { TRIG_NAME, TRIG_AUTO, TRIG_TEXT, TRIG_COND, TRIG_FOR };
enum { AS_TEXT, AS_OP, AS_HAS_MSG };
enum { HTTP_TEXT, HTTP_METHOD, HTTP_CLASS, HTTP_N, HTTP_CHECKS }; /* then what, op pairs */
enum { NAMES_N, NAMES_ITEMS };

/* Relational operators in descriptors (ASSERT, HTTP checks, MONITOR). */
enum chunk_cmp { CMP_EQ, CMP_NE, CMP_LT, CMP_LE, CMP_GT, CMP_GE, CMP_IN, CMP__COUNT };

/* What a step does when its body fails (STEP_ONFAIL). */
enum chunk_onfail { ONF_ABORT_DEFAULT, ONF_CONTINUE, ONF_ABORT, ONF_TROUBLESHOOT };

/* Declared param types (PARAM_TYPE). */
enum chunk_ptype { PT_ANY, PT_STRING, PT_INT, PT_FLOAT, PT_BOOL, PT_DURATION, PT_LIST,
                   PT_MAP };

/* assert http check kinds (HTTP checks). */
enum chunk_hcheck { HC_CONTAINS, HC_JSON, HC_HEADER, HC_WITHIN };

struct chunk_const {
  uint8_t kind;                 /* enum chunk_kind */
  union {
    int64_t i;                  /* INT, DURATION (milliseconds) */
    double f;                   /* FLOAT, PERCENT (the fraction) */
    struct {
      char *bytes;              /* owned; NUL-terminated, NULs inside allowed */
      uint32_t len;             /* bytes, final NUL excluded */
    } str;                      /* STR */
    struct {
      uint32_t *w;              /* owned words, laid out per the kind's schema */
      uint32_t n;               /* number of words */
    } desc;                     /* every other kind */
  } u;
};

/* }==== */

/* {==== globals and functions ==== */

/* What a runbook-level slot holds and how the VM initialises it. */
enum chunk_gkind {
  GK_PARAM,                     /* ref: PARAM constant; value resolved before the run */
  GK_SECRET,                    /* ref: PARAM constant; value tainted */
  GK_FN,                        /* ref: function index */
  GK_RESOURCE,                  /* ref: RESOURCE constant; value its string */
  GK_LET,                       /* ref: none; unset until a step binds it */
  GK__COUNT
};

struct chunk_global {
  uint16_t name;                /* string constant */
  uint8_t kind;                 /* enum chunk_gkind */
  uint16_t ref;                 /* per kind, see above; CHUNK_NONE for GK_LET */
};

enum chunk_fkind {
  FK_RUNBOOK,                   /* function 0 of a runbook: the phases in order */
  FK_LIBRARY,                   /* function 0 of a library file: returns null */
  FK_FN,                        /* a `fn` */
  FK_TROUBLESHOOT,              /* a troubleshoot block */
  FK_EXPR,                      /* one expression: param default, verify, monitor, ... */
  FK__COUNT
};

/* Where one instruction came from. */
struct chunk_line {
  uint32_t line, col;           /* 1-based, as printed */
  uint32_t start, end;          /* byte span in the source */
};

struct chunk_fn {
  uint16_t name;                /* string constant ("metric_sum", "<runbook x>") */
  uint8_t kind;                 /* enum chunk_fkind */
  uint16_t arity;               /* parameters = locals 0 .. arity-1 */
  uint16_t nlocals;             /* local slots (>= arity) */
  uint16_t max_stack;           /* deepest operand stack the body reaches */
  uint16_t params;              /* NAMES constant of parameter names, or CHUNK_NONE */
  uint16_t file;                /* string constant: source file of the line table, or
                                   CHUNK_NONE for the chunk's own source (imports) */
  uint8_t *code;                /* owned */
  uint32_t code_len;
  struct chunk_line *lines;     /* owned; one per instruction, in code order */
  uint32_t nlines;
  uint32_t code_cap, lines_cap; /* builder capacities (not saved) */
};

struct chunk {
  char *source;                 /* owned; source file name as given */
  char sha256[65];              /* hex SHA-256 of the source bytes, NUL-terminated */
  uint16_t runbook;             /* string constant: the runbook's name, or CHUNK_NONE */
  struct chunk_const *consts;
  uint32_t nconsts, consts_cap;
  struct chunk_global *globals;
  uint32_t nglobals, globals_cap;
  struct chunk_fn *fns;
  uint32_t nfns, fns_cap;
  uint32_t *hash;               /* builder: constant de-duplication table (not saved) */
  uint32_t hash_cap;
};

/* Listing names ("int", "step", ...), schemas and word names of constant kinds. */
const char *chunk_kind_name(enum chunk_kind kind);
const char *chunk_kind_schema(enum chunk_kind kind);
const char *chunk_kind_fields(enum chunk_kind kind);
const char *chunk_gkind_name(enum chunk_gkind kind);
const char *chunk_fkind_name(enum chunk_fkind kind);

/* }==== */

/* {==== building (the compiler) ==== */

/*
** A new, empty chunk for source `source` with hex digest sha256 (64 chars,
** may be NULL for all zeros).  NULL when out of memory.
*/
struct chunk *chunk_new(const char *source, const char *sha256);

/* Free a chunk and everything it owns.  NULL is a no-op. */
void chunk_free(struct chunk *c);

/*
** Add a constant, re-using an equal one.  Each returns the index, or -1 when
** out of memory or when the pool is full (CHUNK_MAX_INDEX + 1 constants);
** chunk_full tells the two apart.
*/
int chunk_add_int(struct chunk *c, int64_t i);
int chunk_add_float(struct chunk *c, double f);
int chunk_add_duration(struct chunk *c, int64_t ms);
int chunk_add_percent(struct chunk *c, double f);
int chunk_add_str(struct chunk *c, const char *bytes, uint32_t len);
int chunk_add_desc(struct chunk *c, enum chunk_kind kind, const uint32_t *w, uint32_t n);

/* Whether the last failed chunk_add_* failed because the pool is full. */
bool chunk_full(const struct chunk *c);

/* Add a global; returns its slot, or -1 (out of memory or too many). */
int chunk_add_global(struct chunk *c, uint16_t name, enum chunk_gkind kind, uint16_t ref);

/*
** Add an empty function; returns its index, or -1 when out of memory or past
** CHUNK_MAX_INDEX functions.  &c->fns[i] moves when more functions are added.
*/
int chunk_add_fn(struct chunk *c, uint16_t name, enum chunk_fkind kind);

/*
** Append one instruction to fn: opcode op with operands opnd (fmt order),
** from source position pos.  Returns its offset, or -1 when out of memory or
** past CHUNK_MAX_CODE.
*/
long chunk_emit(struct chunk_fn *fn, enum rbc_op op, const uint32_t *opnd,
                struct chunk_line pos);

/* Set the jump operand of the instruction at pc to target. */
void chunk_patch_jump(struct chunk_fn *fn, uint32_t pc, uint32_t target);

/* }==== */

/* {==== verification, file format ==== */

/*
** Check a whole chunk: constants and descriptors, globals, and for every
** function its instructions, operand bounds, jump targets, line table and
** stack depth (abstract interpretation; see docs/bytecode.md "Verifier").
** Returns 0, or -1 with a message (no "corrupted chunk: " prefix) in err.
*/
int chunk_verify(const struct chunk *c, char *err, size_t errlen);

/*
** Maximum operand stack depth of function fn by the verifier's analysis, in
** *max.  Returns 0, or -1 with a message in err.
*/
int chunk_fn_max_stack(const struct chunk *c, uint32_t fn, uint32_t *max,
                       char *err, size_t errlen);

/*
** Serialise c (docs/bytecode.md "File layout") into a new malloc'd buffer
** *out of *len bytes, owned by the caller.  Output depends on the chunk only:
** byte-for-byte reproducible.  Returns 0, or -1 when out of memory.
*/
int chunk_save(const struct chunk *c, uint8_t **out, size_t *len);

/*
** Parse and verify a serialised chunk of len bytes.  On success returns 0 and
** a new chunk in *out (caller frees).  On any defect returns -1, *out NULL,
** and a one-line message in err: "not an rbc bytecode file", "version
** mismatch: file has vN, this rbc reads v1", "text-mode conversion damaged
** the file", or "corrupted chunk: ...", or "out of memory".  Never reads
** outside buf[0..len), whatever the bytes.
*/
int chunk_load(const uint8_t *buf, size_t len, struct chunk **out,
               char *err, size_t errlen);

/*
** The line entry of the instruction that starts at pc in fn (the VM's error
** locations), or NULL when pc is not an instruction boundary.  Linear in pc:
** meant for errors and traces, not for every dispatch.
*/
const struct chunk_line *chunk_fn_line(const struct chunk_fn *fn, uint32_t pc);

/* The string constant at index k, or NULL when k is not a string constant. */
const struct chunk_const *chunk_str(const struct chunk *c, uint32_t k);

/* }==== */

#endif
