/*
** vm_int.h: the inside of the rbc virtual machine, shared by the
** interpreter loop (vm/vm.c) and its helpers (vm/vm_ops.c, vm/vm_run.c).
** Nothing outside vm/vm*.c includes it: the rest of rbc sees vm/vm.h.
**
** The machine (docs/bytecode.md 1 and 6):
**   - one operand stack of values shared by all frames; each frame owns the
**     slice from its base upwards and never uses more than its function's
**     verified max_stack (the stack is grown before a frame or a branch
**     starts, never in the middle of an instruction);
**   - a frame per call (function 0, a fn, a troubleshoot block, a param
**     default), at most VM_MAX_FRAMES deep.  A call pushes a frame and the
**     loop goes on with it: the C stack does not grow with rbc calls;
**   - one stack of handler records (step, retry, wait, parallel group), each
**     tagged with the frame that pushed it.  A runtime error is a return
**     value: the failing instruction fills vm->err and jumps to the loop's
**     single on_error label, which asks vm_unwind what to do.
**
** Ownership: every value on the operand stack, in a frame's locals, in the
** globals and in a handler record is an owned reference (vm/value.h); the
** helpers that pop release, the ones that push take over a new reference.
*/
#ifndef RBC_VM_INT_H
#define RBC_VM_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "stdlib/natives.h"
#include "vm/vm.h"

/* {==== limits and exit statuses ==== */

#define VM_MAX_FRAMES 200       /* nested calls before "recursion too deep" */
#define VM_MAX_STACK (1u << 22) /* values on the operand stack, all frames together */

/* Exit statuses of cli.md 10 that vm_run returns (cli/commands.h has the same). */
enum {
  VM_EXIT_OK = 0, VM_EXIT_FAILED = 1, VM_EXIT_HALTED = 2, VM_EXIT_USAGE = 64,
  VM_EXIT_SOFTWARE = 70, VM_EXIT_IOERR = 74
};

/* }==== */

/* {==== errors ==== */

/*
** How far an error reaches.  An ordinary error is caught by the innermost
** retry, wait, parallel group or step.  A step-level one (the step's
** timeout) is not retried: it goes straight to the step's on-failure.  The
** last three stop the run whatever the handlers say.
*/
enum vm_reach {
  VM_ERR_NORMAL,                /* retry / wait / parallel / step may handle it */
  VM_ERR_STEP,                  /* only the step's on-failure (RB5003 step timeout) */
  VM_ERR_INTERRUPT,             /* SIGINT / SIGTERM: end the step, stop (130 / 143) */
  VM_ERR_HALT,                  /* a confirm gate halted the run (exit 2) */
  VM_ERR_IO,                    /* an output can no longer be written (exit 74) */
  VM_ERR_INTERNAL               /* out of memory, malformed chunk (exit 70) */
};

/* The pending runtime error (the VM's `fiber->error`). */
struct vm_error {
  bool set;                     /* an error is pending */
  bool reported;                /* already sent as an ev_diagnostic */
  enum vm_reach reach;
  enum diag_code code;          /* RB5001 ... */
  char msg[512];                /* one sentence, secrets masked */
  struct ev_loc loc;            /* where: the failing instruction's line entry */
  bool has_actual, has_expected;
  struct rbc_value actual;      /* owned when has_actual */
  struct rbc_value expected;    /* owned when has_expected */
};

/* }==== */

/* {==== frames and handler records ==== */

/* What RETURN does with a frame's result. */
enum vm_ret {
  VM_RET_VALUE,                 /* push it on the caller's stack (a fn call) */
  VM_RET_EXIT,                  /* the entry frame of vm_exec: hand it back */
  VM_RET_TROUBLESHOOT           /* an on-failure troubleshoot block ended: retry the step */
};

struct vm_frame {
  const struct chunk_fn *fn;    /* the function running (borrowed from the chunk) */
  uint32_t fn_index;
  uint32_t pc;                  /* next instruction (saved while a callee runs) */
  struct rbc_value *locals;     /* owned, fn->nlocals of them */
  uint32_t base;                /* first operand stack slot of this frame */
  enum vm_ret ret;
};

enum vm_hkind { VM_H_STEP, VM_H_RETRY, VM_H_WAIT, VM_H_PAR };

/* Where a step is in its life (the record of STEP_BEGIN). */
enum vm_step_state {
  VM_STEP_RUNNING,              /* the body runs */
  VM_STEP_SKIPPED,              /* `when` was false; STEP_END reports the skip */
  VM_STEP_TROUBLESHOOTING,      /* its troubleshoot block runs after a failure */
  VM_STEP_RERUN                 /* the body runs again after the troubleshoot block */
};

struct vm_step_rec {
  uint32_t desc;                /* STEP constant */
  uint32_t restart_pc;          /* the instruction after STEP_BEGIN */
  uint32_t after_pc;            /* STEP_BEGIN's jump target (after STEP_END) */
  int64_t deadline;             /* monotonic ms the step must end by; INT64_MAX: none */
  int64_t timeout_ms;           /* the STEP_TIMEOUT value, for messages */
  enum vm_step_state state;
};

struct vm_retry_rec {
  int64_t attempts;             /* allowed (>= 1) */
  int64_t attempt;              /* the one running, 1-based */
  int64_t every_ms;             /* first delay */
  double backoff;               /* factor per attempt (1: constant) */
  int64_t max_ms;               /* cap on a delay; -1: none */
  uint32_t resume_pc;           /* first instruction of the body */
};

struct vm_wait_rec {
  int64_t every_ms;             /* poll interval */
  int64_t timeout_ms;           /* -1: none */
  int64_t t0;                   /* monotonic ms at WAIT_BEGIN */
  uint32_t poll;                /* polls so far */
  uint32_t text;                /* string constant: the condition's text */
};

/*
** A parallel group (see vm.c "Parallel").  With the run's loop, PAR_JOIN
** runs each branch as a fiber with a VM of its own (vm/fiber.c); without
** one (unit tests) the branches run one after the other on the frame of
** the parallel statement.  Each starts from a copy of the locals the frame
** had at PAR_JOIN.
*/
struct vm_par_rec {
  uint32_t limit;               /* branches alive at once; 0: no limit */
  uint32_t *spawn_pcs;          /* owned: entry pcs of PAR_SPAWN branches */
  uint32_t nspawn, spawn_cap;
  bool has_each;                /* a PAR_EACH list was given */
  struct rbc_value each;        /* owned: its items */
  uint32_t each_slot;           /* local slot of the item */
  uint32_t each_pc;             /* entry pc of the PAR_EACH body */
  bool running;                 /* PAR_JOIN started the branches */
  uint32_t next;                /* the branch running (0-based) */
  uint32_t total;               /* branches in the group */
  uint32_t join_pc;             /* the instruction after PAR_JOIN */
  struct rbc_value *saved;      /* owned: the frame's locals at PAR_JOIN */
  uint32_t nfailed;             /* branches that failed */
  uint32_t first_failed;        /* 1-based number of the first that failed */
  struct vm_error first;        /* its error (owned values) */
};

struct vm_handler {
  enum vm_hkind kind;
  uint32_t frame;               /* index of the frame that pushed it */
  uint32_t sp;                  /* operand stack depth to restore (absolute) */
  union {
    struct vm_step_rec step;
    struct vm_retry_rec retry;
    struct vm_wait_rec wait;
    struct vm_par_rec par;
  } u;
};

/* }==== */

/* {==== the machine ==== */

/* The open phase (phases never nest; function 0 only). */
struct vm_phase {
  bool open;
  uint32_t desc;                /* PHASE constant */
  int64_t budget_ms;            /* -1: none */
  int64_t t0;                   /* monotonic ms at PHASE_BEGIN */
  bool overrun;                 /* RB5005 reported */
};

/* Size classes of recycled locals arrays: 1, 2, 4 .. 2^(VM_LCLASSES-1) values. */
#define VM_LCLASSES 8

/* The header in front of a locals array (vm_locals_new): its class, its free-list link. */
struct vm_lbuf {
  struct vm_lbuf *next;         /* next free array of the class */
  uint32_t cls;                 /* size class; VM_LCLASSES: not recycled */
};

struct vm {
  const struct chunk *c;        /* borrowed */
  const struct vm_run_options *opts;
  struct ev_sink *ev;           /* borrowed */
  struct rbc_clock *clock;      /* borrowed: opts->clock */
  struct std_host host;         /* callbacks handed to built-ins */
  char *workdir;                /* owned: the runbook's directory */

  struct rbc_value *globals;    /* owned, c->nglobals */
  bool *gset;                   /* has a `let` global been bound? */
  bool *gdirty;                 /* bound since the open step began (journaled at its end) */

  struct rbc_value *stack;      /* owned operand stack */
  uint32_t sp, stack_cap;
  struct vm_frame frames[VM_MAX_FRAMES];
  uint32_t nframes;
  struct vm_handler *h;         /* owned handler records */
  uint32_t nh, h_cap;

  uint32_t ipc;                 /* pc of the instruction executing in the top frame */
  struct vm_error err;          /* the pending error */
  struct rbc_value *kvals;      /* owned: string constants made values, on first use */
  struct rbc_value kept[2];     /* ASSERT/ASSERT_CMP operands kept for ASSERT_FAIL */
  uint32_t nkept;

  struct vm_phase phase;
  bool step_open;               /* a step event is open (ev_step_start sent) */
  bool *step_started;           /* per constant index: that STEP began */
  bool tolerated;               /* a step failed under `on failure continue` */
  struct vm_lbuf *lfree[VM_LCLASSES];   /* owned: recycled locals arrays per class */
  bool deadlines;               /* a step timeout was set: safe points read the clock */
  struct vm *parent;            /* a parallel branch's VM: the VM of its group; else NULL */
  uint32_t ticks;               /* loop safe points passed (vm.c loop_safepoint) */
  const struct vm_watch_options *watch; /* rbc watch (vm/checks.c); NULL in a run */
};

/* }==== */

/* {==== inline reference counting ==== */

/* The value types with a counted heap payload (string, list, map, fn). */
#define VM_HEAP_TYPES ((1u << VAL_STRING) | (1u << VAL_LIST) | (1u << VAL_MAP) | (1u << VAL_FN))

/* val_release without the call for a scalar (which has nothing to release). */
static inline void vm_release(struct rbc_value v)
{
  if ((VM_HEAP_TYPES >> v.type) & 1u)
    val_release(v);
}


/*
** Copying a value as two 8-byte words.  A value stored in pieces (a type
** byte, then a payload) and read back whole with one 16-byte load makes
** the CPU wait for the stores to drain (a failed store-to-load forward);
** the hot instructions copy and build values word by word instead.
*/
static inline void vm_vcopy(struct rbc_value *dst, const struct rbc_value *src)
{
  uint64_t w0, w1;

  memcpy(&w0, src, 8);
  memcpy(&w1, (const char *)src + 8, 8);
  memcpy(dst, &w0, 8);
  memcpy((char *)dst + 8, &w1, 8);
}

/*
** *dst = an int (VAL_INT, payload i) or a bool (VAL_BOOL, i 0 or 1) with
** taint secret, as two word stores.  The word arithmetic needs the layout
** of a little-endian host (type at byte 0, secret at byte 1, a bool's byte
** first in the payload); elsewhere the value is assigned field by field.
*/
static inline void vm_vset_i64(struct rbc_value *dst, uint8_t type, bool secret, int64_t i)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  uint64_t w0 = (uint64_t)type | (uint64_t)secret << 8;

  memcpy(dst, &w0, 8);
  memcpy((char *)dst + 8, &i, 8);
#else
  *dst = type == VAL_BOOL ? val_bool(i != 0) : val_int(i);
  dst->secret = secret;
#endif
}

/* }==== */

/* {==== helpers (vm_ops.c) ==== */

/*
** Record a runtime error at the current instruction (printf-style message;
** never a value's contents: format values with vm_masked).  Returns -1 so a
** caller can `return vm_raise(...)`.  A pending error is replaced.
*/
int vm_raise(struct vm *vm, enum diag_code code, enum vm_reach reach, const char *fmt, ...)
  __attribute__((format(printf, 4, 5)));

/* vm_raise for a val_* failure: RB5011 with its message (RB9001 when out of memory). */
int vm_raise_val(struct vm *vm, enum val_status st, const struct val_err *e);

/* Release the error's values and mark it clear. */
void vm_error_clear(struct vm_error *e);

/* Move *from into *to (to is cleared first; from is left clear). */
void vm_error_move(struct vm_error *to, struct vm_error *from);

/* Masked display form of v into buf (always NUL-terminated). */
void vm_masked(struct rbc_value v, char *buf, size_t size);

/* The source location of instruction pc of the current frame into *loc. */
void vm_loc(const struct vm *vm, uint32_t pc, struct ev_loc *loc);

/* Grow the operand stack to hold `need` values.  0, or -1 (error raised). */
int vm_reserve(struct vm *vm, uint64_t need);

/* Pop n values, releasing them. */
void vm_popn(struct vm *vm, uint32_t n);

/*
** Push a frame for function fn_index whose arguments are the top argc
** values (the last nnamed of them named by NAMES constant `names`); they are
** moved into its locals.  0, or -1 with an error raised (args released).
*/
int vm_push_frame(struct vm *vm, uint32_t fn_index, uint32_t argc, uint32_t names,
                  enum vm_ret ret);

/*
** A locals array of n null values (frames and parallel branches).  Arrays
** are recycled per size class, so a call costs no malloc once the run is
** warm.  Owned by the caller until vm_locals_free; NULL on out of memory.
*/
struct rbc_value *vm_locals_new(struct vm *vm, uint32_t n);

/* Release the n values of l and recycle l (NULL is a no-op). */
void vm_locals_free(struct vm *vm, struct rbc_value *l, uint32_t n);

/* Free the recycled arrays (at the end of a run). */
void vm_locals_drain(struct vm *vm);

/* Pop the top frame: release its locals and its handler records. */
void vm_pop_frame(struct vm *vm);

/* Push a handler record of kind k for the current frame; NULL (error raised) on oom. */
struct vm_handler *vm_push_handler(struct vm *vm, enum vm_hkind k);

/* Release what the top handler record owns and pop it. */
void vm_pop_handler(struct vm *vm);

/* The innermost step record, or NULL. */
struct vm_handler *vm_step_handler(struct vm *vm);

/*
** Sleep ms on the run's clock, reporting a phase overrun the moment it
** happens and stopping at the step's deadline.  0, or -1 with an error
** raised (interrupted, step timed out).
*/
int vm_sleep(struct vm *vm, int64_t ms);

/*
** Safe-point checks: the interrupt flag, the step's deadline, the phase
** budget, the outputs.  0, or -1 with an error raised.
*/
int vm_safepoint(struct vm *vm);

/* Report the phase overrun once, when the open phase is past its budget. */
void vm_check_budget(struct vm *vm);

/*
** Call built-in b with the top argc values (the last of them named by
** NAMES constant `names`); on success they are replaced by the result.
** 0, or -1 with an error raised (arguments popped either way).
*/
int vm_call_builtin(struct vm *vm, uint32_t b, uint32_t argc, uint32_t names);

/*
** FOR_RANGE: check the top argc values as range()'s arguments and replace
** them by the counting loop's state [start count step].  0, or -1 (error
** raised, arguments popped).
*/
int vm_range_begin(struct vm *vm, uint32_t argc);

/* The CONFIRM gate with question q (borrowed).  0 (answered yes), or -1 (halt raised). */
int vm_confirm(struct vm *vm, struct rbc_value q);

/* What vm_unwind decided. */
enum vm_unwind { VM_RESUME, VM_STOP };

/*
** Hand the pending error to the innermost handler record (docs/bytecode.md
** 6).  VM_RESUME: a handler took it and the top frame's pc is where to go
** on.  VM_STOP: no handler did (or the error stops runs); every frame of
** this execution is popped and vm->err still holds the error unless it was
** already reported (a step's failure).
*/
enum vm_unwind vm_unwind(struct vm *vm);

/* Start the next branch of the parallel record h, or finish the group. */
enum vm_unwind vm_par_next(struct vm *vm, struct vm_handler *h);

/*
** PAR_JOIN with the run's loop (vm/fiber.c): run the branches of group h
** as fibers, at most h's limit at once, each on a VM of its own; emit their
** events in branch order; pop h.  VM_RESUME: all passed, go on at the
** frame's pc (the join's next instruction); VM_STOP: an error is pending
** (the first failure in branch order, or an interrupt, a step timeout ...).
*/
enum vm_unwind vm_par_run(struct vm *vm, struct vm_handler *h);

/* The ev_step_status of a failing code: fail for RB5001-5005, else error. */
enum ev_step_status vm_fail_status(enum diag_code code);

/* "declined" or "needs --yes (no terminal)": the detail of a halted step. */
const char *vm_halt_reason(const struct vm *vm);

/* Report the pending error as an ev_diagnostic (no-op when none). */
void vm_report(struct vm *vm);

/* Build the std_host of vm (callbacks, workdir). */
void vm_host_init(struct vm *vm);

/*
** Ask q (masked) on /dev/tty with " [y/N] "; true for an answer starting
** with y.  *ok is false when there is no terminal or it failed.
*/
bool vm_ask_tty(struct rbc_value q, bool *ok);

/* }==== */

/* {==== the loop (vm.c) ==== */

/*
** Run function fn_index with no arguments until it returns (its result in
** *out, owned by the caller) or an error nobody handles stops it.  Returns
** 0, or -1 with vm->err describing why (already reported when err.set is
** false).
*/
int vm_exec(struct vm *vm, uint32_t fn_index, struct rbc_value *out);

/* vm_exec's fn_index for "run the frame already on top" (a parallel branch's VM). */
#define VM_EXEC_TOP UINT32_MAX

/* Allocate the machine's tables for a run of c.  0, or -1 when out of memory. */
int vm_init(struct vm *vm, const struct chunk *c, const struct vm_run_options *opts,
            struct ev_sink *ev);

/* Release everything the machine owns. */
void vm_free(struct vm *vm);

/* Params (resolved, or their defaults), fns, resources.  0, or the exit status. */
int vm_init_globals(struct vm *vm);

/* }==== */

/* {==== checklists and monitors (checks.c) ==== */

/* Every checklist after the phases.  0, or -1 with RB5050 or a stopping error raised. */
int vm_checklists(struct vm *vm);

/* --monitor: sample and judge the monitors.  0, or -1 with RB5051 / RB5052 or an error. */
int vm_monitors(struct vm *vm);

/* }==== */

#endif
