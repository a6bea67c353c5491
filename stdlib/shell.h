/*
** shell.h: quoting values for /bin/sh and running shell commands.
**
** The VM builds a command line by concatenating the literal parts of an
** `sh "..."` string unquoted and each interpolated value through sh_quote,
** so every value is exactly one literal word for the shell.  Secrets never
** go on the command line: they reach the child only through the extra
** environment of the request (struct sh_env_var), which is built for the
** child alone (the parent's own environment is never modified).
**
** A command runs as `/bin/sh -c LINE` in a new process group (pgid = pid),
** stdin from /dev/null, stdout and stderr captured through pipes (each kept
** up to a bound; the rest is read and dropped so the child never blocks).
** A timeout or an interrupt (sh_interrupt_requested, set by the CLI's
** SIGINT/SIGTERM handler) sends SIGTERM to the whole group, then SIGKILL
** after a grace period; a cancellation (sh_reap before the end) sends
** SIGKILL at once.  A shell that cannot be executed is SH_EXEC_FAILED with
** exit code 127; the shell's own "command not found" is an ordinary exit 127.
**
** The runner is a non-blocking state machine so one event loop can drive
** many children at once (VM fibers for `parallel`):
**
**     struct sh_proc *p;
**     if (sh_start(&req, &p, &res) != SH_OK)  -> res holds the error
**     loop:
**       sh_poll_deadline(p)        -> advance timers, notice the exit;
**                                     returns when to call it again
**       if (sh_done(p)) break
**       n = sh_pollfds(p, fds, SH_MAX_POLLFDS)  -> poll these for POLLIN
**       poll(fds, n, until that deadline)
**       for each ready fd: sh_on_readable(p, fd)
**     sh_reap(p, &res)             -> the result; frees p
**
** sh_run does exactly that with poll(2) for one child.  Nothing here prints,
** allocates on behalf of the caller beyond struct sh_result's buffers, or
** aborts; every failure is a status plus a message in the result.
**
** Processes: the caller must not set SIGCHLD to SIG_IGN (the kernel would
** then reap children itself and their exit status would be lost), and must
** not reap arbitrary children with waitpid(-1, ...).
*/
#ifndef RBC_SHELL_H
#define RBC_SHELL_H

#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* {==== buffers and quoting ==== */

/* A growable byte buffer.  data is NUL-terminated whenever it is non-NULL
   (the NUL is not counted in len); an all-zero struct is an empty buffer. */
struct sh_buf {
  char *data;                           /* malloc'ed bytes, or NULL when empty */
  size_t len;                           /* bytes used */
  size_t cap;                           /* bytes allocated (len + 1 <= cap) */
};

/* Outcome of every operation here.  The first four describe a command that
   ran; the others say why it did not run (or could not be observed). */
enum sh_status {
  SH_OK,                                /* ran to its end; exit_code says how */
  SH_TIMED_OUT,                         /* killed at the request's timeout */
  SH_INTERRUPTED,                       /* killed because the interrupt flag was set */
  SH_CANCELLED,                         /* killed because sh_reap came before the end */
  SH_EXEC_FAILED,                       /* the shell could not be executed: exit_code 127 */
  SH_ERR_INVALID,                       /* refused request: NUL byte, bad env name, ... */
  SH_ERR_NOMEM,                         /* out of memory */
  SH_ERR_SYSTEM                         /* pipe, spawn or wait failed (message says which) */
};

/* Release b's bytes and make it empty again.  NULL is a no-op. */
void sh_buf_free(struct sh_buf *b);

/* Append s[0..len) to b.  SH_OK, or SH_ERR_NOMEM (b unchanged). */
enum sh_status sh_buf_append(struct sh_buf *b, const char *s, size_t len);

/*
** Append to b the value s[0..len) quoted so that /bin/sh reads it back as
** exactly one word with exactly these bytes, whatever they are: quotes,
** `$(...)`, backquotes, globs, `~`, newlines, non-ASCII.  A non-empty value
** made only of [A-Za-z0-9_@%+:,./-] is appended as it is (so plans read
** `--to-version 41`); anything else is wrapped in single quotes with each
** `'` written as `'\''`; the empty value becomes `''`.  `=` is not in the
** bare set, so a value can never turn into an assignment `NAME=...`.
** Returns SH_OK; SH_ERR_INVALID when s contains a NUL byte (a shell
** argument cannot hold one); SH_ERR_NOMEM.  On failure b is unchanged.
*/
enum sh_status sh_quote(struct sh_buf *b, const char *s, size_t len);

/* {==== requests and results ==== */

/* One extra environment variable for the child; it replaces an inherited
   variable of the same name.  The name must match [A-Za-z_][A-Za-z0-9_]*;
   the value may not contain NUL. */
struct sh_env_var {
  const char *name;                     /* NUL-terminated, borrowed */
  const char *value;                    /* value bytes, borrowed */
  size_t value_len;                     /* length of value */
};

#define SH_DEFAULT_MAX_OUTPUT ((size_t)1 << 20)   /* per stream, bytes */
#define SH_DEFAULT_GRACE_MS 2000                  /* SIGTERM .. SIGKILL */
#define SH_NO_DEADLINE INT64_MAX                  /* sh_poll_deadline: nothing pending */
#define SH_MAX_POLLFDS 3                          /* sh_pollfds: per child at most */

/* What to run.  Zero-initialise, then set command (and what else you need):
   every other field has a default at 0/NULL.  Nothing is kept after
   sh_start returns, so the request and what it points to are borrowed. */
struct sh_request {
  const char *command;                  /* the full command line, quoted already */
  size_t command_len;                   /* its length; NUL bytes are refused */
  const char *shell;                    /* shell to run; NULL = "/bin/sh" */
  const struct sh_env_var *env;         /* extra variables, or NULL */
  size_t env_count;                     /* entries in env */
  int64_t timeout_ms;                   /* <= 0: no timeout */
  int64_t grace_ms;                     /* <= 0: SH_DEFAULT_GRACE_MS */
  size_t max_output;                    /* per stream; 0: SH_DEFAULT_MAX_OUTPUT */
  int64_t (*now_ms)(void *ctx);         /* clock; NULL: CLOCK_MONOTONIC in ms.
                                           Children run in real time, so give a
                                           clock that does too (a virtual clock
                                           would make the timeout meaningless) */
  void *clock_ctx;                      /* passed to now_ms */
  volatile sig_atomic_t *interrupt;     /* flag to watch; NULL: &sh_interrupt_requested */
};

/* How a command ended.  Initialise with sh_result_init, release with
   sh_result_free (the captured output belongs to the result). */
struct sh_result {
  enum sh_status status;                /* see enum sh_status */
  int exit_code;                        /* 0..255; 128+N if killed by signal N;
                                           127 when exec failed; -1 when not run */
  int term_signal;                      /* signal that ended the shell, or 0 */
  int64_t duration_ms;                  /* start to end, on the request's clock */
  struct sh_buf out;                    /* captured stdout (at most max_output) */
  struct sh_buf err;                    /* captured stderr (at most max_output) */
  bool out_truncated;                   /* stdout had more than max_output bytes */
  bool err_truncated;                   /* stderr had more than max_output bytes */
  uint64_t out_total;                   /* bytes the command wrote to stdout */
  uint64_t err_total;                   /* bytes the command wrote to stderr */
  char message[256];                    /* why, for every status but SH_OK; else "" */
};

/* Make r an empty result (status SH_OK, exit_code -1, empty buffers). */
void sh_result_init(struct sh_result *r);

/* Release r's buffers; r is empty afterwards.  NULL is a no-op. */
void sh_result_free(struct sh_result *r);

/* A short stable name for s ("ok", "timed-out", "interrupted", ...). */
const char *sh_status_name(enum sh_status s);

/* {==== running ==== */

/* Set by the CLI's SIGINT/SIGTERM handler (the only thing a handler may
   touch).  While non-zero, running children are killed (status
   SH_INTERRUPTED) and sh_start refuses to start new ones.  Never reset here. */
extern volatile sig_atomic_t sh_interrupt_requested;

/* A running child; opaque.  Created by sh_start, freed by sh_reap. */
struct sh_proc;

/*
** Start req's command (procp must not be NULL; req may be, which is
** SH_ERR_INVALID).  On SH_OK *procp is a running child the caller must
** eventually pass to sh_reap, and res is untouched.  On any other status
** *procp is NULL and res (which must have been initialised) holds the
** status, the message and exit_code (127 for SH_EXEC_FAILED, else -1);
** nothing was left running.  SH_INTERRUPTED when the interrupt flag is
** already set (nothing is started).
*/
enum sh_status sh_start(const struct sh_request *req, struct sh_proc **procp,
                        struct sh_result *res);

/*
** Fill fds[0..max) with the descriptors to poll for p (events = POLLIN) and
** return how many (at most SH_MAX_POLLFDS): the stdout and stderr pipes
** still open, and while the shell runs a pidfd that becomes readable when
** it exits (Linux >= 5.3; elsewhere the exit is found by the periodic
** sh_poll_deadline calls).  The set shrinks as the pipes reach EOF.
*/
size_t sh_pollfds(const struct sh_proc *p, struct pollfd *fds, size_t max);

/*
** Read what fd (one of sh_pollfds' descriptors) has, without blocking:
** keep up to max_output bytes, count and drop the rest, close the pipe at
** EOF; for the pidfd, note the shell's exit.  Call it for POLLIN, POLLHUP
** and POLLERR alike.  Unknown fds are ignored.  Running out of memory here
** is remembered and reported by sh_reap (SH_ERR_NOMEM); reading goes on so
** the child never blocks.
*/
void sh_on_readable(struct sh_proc *p, int fd);

/*
** Advance p: notice the shell's exit, send SIGTERM to the group at the
** timeout or when the interrupt flag is set, SIGKILL after the grace, and
** finish (the last output read, pipes closed, the shell reaped) when the
** shell has exited and its pipes are closed, or 100 ms after its exit, so
** a background job that holds the pipes cannot keep the command running
** (it is left running).  When the group is being killed, its other members
** get the rest of the grace to close the pipes, then whatever is left of
** the group gets SIGKILL before the shell is reaped.
** Returns the clock time (ms, the request's clock) by which it must be
** called again even if no fd is readable, or SH_NO_DEADLINE once done.
** While the shell runs this is at most 100 ms ahead, which also bounds how
** late an interrupt is noticed.  Call it after every wake-up.
*/
int64_t sh_poll_deadline(struct sh_proc *p);

/* True when p has finished and sh_reap will not wait. */
bool sh_done(const struct sh_proc *p);

/* The shell's pid, which is also its process group id. */
pid_t sh_pid(const struct sh_proc *p);

/*
** Move p's result into res (which must have been initialised; its old
** buffers are freed) and free p.  If the shell is still running, its group
** is killed with SIGKILL at once and the shell waited for: status
** SH_CANCELLED (this is how the VM abandons a command).  If it has exited
** but the pipes are still open, they are drained and closed.  The shell is
** always reaped.  NULL p is a no-op.
*/
void sh_reap(struct sh_proc *p, struct sh_result *res);

/*
** Run req to its end, blocking (poll(2) on the same state machine), and fill
** res (initialised by the caller; old buffers are freed).  Returns
** res->status.  EINTR is handled: a signal whose handler sets the interrupt
** flag ends the command within about 100 ms.
*/
enum sh_status sh_run(const struct sh_request *req, struct sh_result *res);

#endif
