/*
** shell.c: shell quoting and the child-process runner (see shell.h).
**
** A child is started with fork and execve: a new process group (set by
** both sides, so there is no window where the group does not exist yet),
** SIG_DFL for every signal and an empty signal mask (whatever rbc handles,
** ignores or blocks is not inherited), stdin from /dev/null, stdout and
** stderr to pipes, every other descriptor closed.  A child that cannot exec
** writes {stage, errno} to a close-on-exec status pipe and exits 127; the
** parent reads that pipe to EOF before sh_start returns, so it knows the
** exec happened (posix_spawn would do the same with vfork on glibc, but not
** under valgrind, which turns the vfork into a fork).  All descriptors the
** runner creates are close-on-exec; the read ends of stdout and stderr are
** non-blocking (the write ends stay blocking: the child owns them).
**
** The shell's exit is observed with waitid(WNOWAIT), which leaves it a
** zombie until the very end: while it is unreaped its pid, and so the
** process group id, cannot be reused, so a late kill(-pgid, ...) can never
** hit an unrelated group.  The zombie is reaped in finish().
*/
#define _GNU_SOURCE
#include "stdlib/shell.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

volatile sig_atomic_t sh_interrupt_requested = 0;

enum {
  CHECK_MS = 100,                       /* max wait between exit checks while running */
  LINGER_MS = 100,                      /* wait for pipe EOF after the shell exited */
  READ_CHUNK = 16 * 1024,               /* bytes per read(2), on the stack */
  READ_BURST = 16                       /* reads per sh_on_readable call (fairness) */
};

/* {==== buffers ==== */

void
sh_buf_free(struct sh_buf *b)
{
  if (b == NULL)
    return;
  free(b->data);
  memset(b, 0, sizeof *b);
}

/* Make room for extra more bytes plus the NUL, doubling the allocation but
   never past limit (when limit >= what is needed); false when out of memory. */
static bool
buf_reserve(struct sh_buf *b, size_t extra, size_t limit)
{
  size_t need, cap;
  char *p;

  if (extra > SIZE_MAX - b->len - 1)
    return false;
  need = b->len + extra + 1;
  if (need <= b->cap)
    return true;
  cap = b->cap ? b->cap : 64;
  while (cap < need)
    cap = cap > SIZE_MAX / 2 ? need : cap * 2;
  if (cap > limit && limit >= need)
    cap = limit;
  p = realloc(b->data, cap);
  if (p == NULL)
    return false;
  b->data = p;
  b->cap = cap;
  return true;
}

/* Append s[0..len) to b, the buffer growing to at most limit bytes if it can. */
static enum sh_status
buf_add(struct sh_buf *b, const char *s, size_t len, size_t limit)
{
  if (!buf_reserve(b, len, limit))
    return SH_ERR_NOMEM;
  if (len > 0)
    memcpy(b->data + b->len, s, len);
  b->len += len;
  b->data[b->len] = '\0';
  return SH_OK;
}

enum sh_status
sh_buf_append(struct sh_buf *b, const char *s, size_t len)
{
  return buf_add(b, s, len, SIZE_MAX);
}

/* {==== quoting ==== */

/* ASCII letters, digits and '_' (isalnum would follow the locale). */
static bool
is_word_char(unsigned char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
         || c == '_';
}

/* Characters that never mean anything to the shell inside a word. */
static bool
is_bare(unsigned char c)
{
  return is_word_char(c) || (c != '\0' && strchr("@%+:,./-", c) != NULL);
}

enum sh_status
sh_quote(struct sh_buf *b, const char *s, size_t len)
{
  size_t i, quotes = 0;
  bool bare = len > 0;

  if (len > 0 && memchr(s, '\0', len) != NULL)
    return SH_ERR_INVALID;
  for (i = 0; i < len; i++) {
    bare = bare && is_bare((unsigned char)s[i]);
    quotes += s[i] == '\'';
  }
  if (bare)
    return sh_buf_append(b, s, len);
  /* 2 outer quotes, and each ' grows by 3 ('\'' replaces ') */
  if (quotes > (SIZE_MAX - len - 2) / 3 || !buf_reserve(b, len + 2 + 3 * quotes, SIZE_MAX))
    return SH_ERR_NOMEM;
  b->data[b->len++] = '\'';
  for (i = 0; i < len; i++) {
    if (s[i] == '\'') {
      memcpy(b->data + b->len, "'\\''", 4);
      b->len += 4;
    } else {
      b->data[b->len++] = s[i];
    }
  }
  b->data[b->len++] = '\'';
  b->data[b->len] = '\0';
  return SH_OK;
}

/* {==== results ==== */

void
sh_result_init(struct sh_result *r)
{
  memset(r, 0, sizeof *r);
  r->status = SH_OK;
  r->exit_code = -1;
}

void
sh_result_free(struct sh_result *r)
{
  if (r == NULL)
    return;
  sh_buf_free(&r->out);
  sh_buf_free(&r->err);
  sh_result_init(r);
}

const char *
sh_status_name(enum sh_status s)
{
  static const char *const names[] = {
    "ok", "timed-out", "interrupted", "cancelled", "exec-failed",
    "invalid", "out-of-memory", "system-error"
  };

  if ((int)s < 0 || (size_t)s >= sizeof names / sizeof names[0])
    return "unknown";
  return names[s];
}

/* Reset res to status s with a printf-style message; returns s. */
static enum sh_status
fail(struct sh_result *res, enum sh_status s, const char *fmt, ...)
  __attribute__((format(printf, 3, 4)));

static enum sh_status
fail(struct sh_result *res, enum sh_status s, const char *fmt, ...)
{
  va_list ap;

  sh_result_free(res);
  res->status = s;
  res->exit_code = s == SH_EXEC_FAILED ? 127 : -1;
  va_start(ap, fmt);
  vsnprintf(res->message, sizeof res->message, fmt, ap);
  va_end(ap);
  return s;
}

/* {==== the environment ==== */

/* True when name is a portable environment variable name. */
static bool
valid_env_name(const char *name)
{
  size_t i;

  if (name == NULL || name[0] == '\0' || (name[0] >= '0' && name[0] <= '9'))
    return false;
  for (i = 0; name[i] != '\0'; i++)
    if (!is_word_char((unsigned char)name[i]))
      return false;
  return true;
}

/* True when the environ entry "NAME=..." names one of the request's vars. */
static bool
overridden(const char *entry, const struct sh_request *req)
{
  size_t i, n;

  for (i = 0; i < req->env_count; i++) {
    n = strlen(req->env[i].name);
    if (strncmp(entry, req->env[i].name, n) == 0 && entry[n] == '=')
      return true;
  }
  return false;
}

/*
** Free an environment built by build_env.  Its first `own` entries are the
** "NAME=value" strings of the request (secrets, often): they are wiped
** before being freed, so the values do not linger in freed heap memory.
*/
static void
free_env(char **envp, size_t own)
{
  size_t i;

  if (envp == NULL)
    return;
  for (i = 0; i < own; i++) {
    if (envp[i] != NULL) {
      explicit_bzero(envp[i], strlen(envp[i]));
      free(envp[i]);
    }
  }
  free(envp);
}

/*
** The child's environment: the request's variables first (own strings),
** then the inherited ones they do not override (borrowed from environ).
** Returns SH_OK and *out, or SH_ERR_INVALID / SH_ERR_NOMEM with res set.
*/
static enum sh_status
build_env(const struct sh_request *req, char ***out, struct sh_result *res)
{
  size_t i, n = 0, k = 0, nlen;
  const struct sh_env_var *v;
  char **envp;

  for (i = 0; i < req->env_count; i++) {
    v = &req->env[i];
    if (!valid_env_name(v->name))
      return fail(res, SH_ERR_INVALID, "invalid environment variable name \"%s\"",
                  v->name ? v->name : "(null)");
    if (v->value_len > 0 && (v->value == NULL || memchr(v->value, '\0', v->value_len)))
      return fail(res, SH_ERR_INVALID, "environment variable %s contains a NUL byte", v->name);
  }
  while (environ != NULL && environ[n] != NULL)
    n++;
  envp = calloc(n + req->env_count + 1, sizeof *envp);
  if (envp == NULL)
    return fail(res, SH_ERR_NOMEM, "out of memory building the environment");
  for (i = 0; i < req->env_count; i++, k++) {
    v = &req->env[i];
    nlen = strlen(v->name);
    envp[k] = malloc(nlen + v->value_len + 2);
    if (envp[k] == NULL) {
      free_env(envp, k);
      return fail(res, SH_ERR_NOMEM, "out of memory building the environment");
    }
    memcpy(envp[k], v->name, nlen);
    envp[k][nlen] = '=';
    if (v->value_len > 0)
      memcpy(envp[k] + nlen + 1, v->value, v->value_len);
    envp[k][nlen + 1 + v->value_len] = '\0';
  }
  for (i = 0; i < n; i++)
    if (!overridden(environ[i], req))
      envp[k++] = environ[i];
  *out = envp;
  return SH_OK;
}

/* {==== the process ==== */

/* One captured stream. */
struct stream {
  int fd;                               /* read end of the pipe, -1 once closed */
  struct sh_buf buf;                    /* kept bytes (at most max_output) */
  uint64_t total;                       /* bytes read in all */
};

/* How far the killing of a group has gone. */
enum kill_state {
  KILL_NONE,                            /* no signal sent */
  KILL_TERM,                            /* SIGTERM sent at term_at */
  KILL_KILL                             /* SIGKILL sent */
};

/* A running (or finished, not yet reaped by sh_reap) command. */
struct sh_proc {
  pid_t pid;                            /* the shell = process group id */
  struct stream out, err;               /* stdout, stderr */
  size_t max_output;                    /* bound per stream */
  int64_t (*now_ms)(void *ctx);         /* clock */
  void *clock_ctx;                      /* its argument */
  volatile sig_atomic_t *interrupt;     /* flag watched */
  int64_t start_ms;                     /* when the child was started */
  int64_t deadline_ms;                  /* timeout instant, or -1 */
  int64_t grace_ms;                     /* SIGTERM .. SIGKILL */
  int64_t timeout_ms;                   /* as requested, for the message */
  enum kill_state kill;                 /* escalation so far */
  int64_t term_at;                      /* when SIGTERM was sent */
  enum sh_status reason;                /* SH_OK, or why the group was killed */
  bool exited;                          /* shell's exit observed (still a zombie) */
  int64_t linger_until;                 /* stop waiting for EOF after this */
  int pidfd;                            /* readable when the shell exits, or -1 */
  int64_t check_ms;                     /* exit-check backoff once pipes closed */
  bool done;                            /* finished: reaped, pipes closed */
  int wait_status;                      /* from waitpid, valid when done and !lost */
  bool lost;                            /* the exit status could not be collected */
  int lost_errno;                       /* why */
  bool nomem;                           /* output capture ran out of memory */
  int64_t end_ms;                       /* when finished */
};

/* The default clock: CLOCK_MONOTONIC in milliseconds. */
static int64_t
monotonic_ms(void *ctx)
{
  struct timespec ts;

  (void)ctx;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The request's clock, read. */
static int64_t
now(const struct sh_proc *p)
{
  return p->now_ms(p->clock_ctx);
}

/* Close *fd if open and mark it closed. */
static void
close_fd(int *fd)
{
  if (*fd >= 0) {
    close(*fd);
    *fd = -1;
  }
}

/*
** A close-on-exec pipe whose descriptors are >= 3 (so that dup2 onto 0, 1
** or 2 in the child never meets itself and keeps FD_CLOEXEC), the read end
** non-blocking if asked.  Returns 0, or -1 with errno.
*/
static int
make_pipe(int fds[2], bool nonblocking_read)
{
  int i, moved, e;

  if (pipe2(fds, O_CLOEXEC) != 0)
    return -1;
  for (i = 0; i < 2; i++) {
    if (fds[i] >= 3)
      continue;
    moved = fcntl(fds[i], F_DUPFD_CLOEXEC, 3);
    if (moved < 0)
      goto fail;
    close(fds[i]);
    fds[i] = moved;
  }
  if (nonblocking_read && fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK) != 0)
    goto fail;
  return 0;
fail:
  e = errno;
  close(fds[0]);
  close(fds[1]);
  errno = e;
  return -1;
}

/* Everything the child needs, prepared before fork: between fork and exec
   the child makes async-signal-safe calls only, and allocates nothing. */
struct child_plan {
  const char *shell;                    /* program to execute */
  char *argv[4];                        /* "sh", "-c", line, NULL */
  char **envp;                          /* the child's environment */
  int out_w, err_w;                     /* pipe write ends, to become 1 and 2 */
  int status_w;                         /* close-on-exec: the report of a failure */
  int max_fd;                           /* last fd to close without close_range */
};

/* Where the child was when it gave up. */
enum child_stage {
  STAGE_PGID,                           /* setpgid */
  STAGE_SIGNALS,                        /* resetting dispositions and mask */
  STAGE_STDIO,                          /* /dev/null and the pipes on 0 1 2 */
  STAGE_EXEC                            /* execve */
};

/* What a child that cannot exec writes to the status pipe. */
struct child_report {
  int stage;                            /* enum child_stage */
  int err;                              /* errno */
};

/* SIG_DFL for every signal rbc may handle or ignore, and an empty mask. */
static int
reset_signals(void)
{
  struct sigaction sa;
  sigset_t none;
  int sig;

  memset(&sa, 0, sizeof sa);
  sa.sa_handler = SIG_DFL;
  sigemptyset(&sa.sa_mask);
  for (sig = 1; sig < NSIG; sig++)
    if (sig != SIGKILL && sig != SIGSTOP)
      sigaction(sig, &sa, NULL);        /* libc-internal signals refuse: fine */
  sigemptyset(&none);
  return sigprocmask(SIG_SETMASK, &none, NULL);
}

/* /dev/null on 0, the pipes on 1 and 2 (dup2 clears their FD_CLOEXEC). */
static int
setup_stdio(const struct child_plan *c)
{
  int fd = open("/dev/null", O_RDONLY);

  if (fd < 0)
    return -1;
  if (fd != 0) {
    if (dup2(fd, 0) < 0)
      return -1;
    close(fd);
  }
  if (dup2(c->out_w, 1) < 0 || dup2(c->err_w, 2) < 0)
    return -1;
  return 0;
}

/* Close every descriptor above 2 but the status pipe (close-on-exec), so
   descriptors other modules opened without O_CLOEXEC do not leak. */
static void
close_others(const struct child_plan *c)
{
  int fd;

#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
  if ((c->status_w == 3 || close_range(3, (unsigned)c->status_w - 1, 0) == 0)
      && close_range((unsigned)c->status_w + 1, ~0U, 0) == 0)
    return;
#endif
  for (fd = 3; fd <= c->max_fd; fd++)
    if (fd != c->status_w)
      close(fd);
}

/* The child: its own process group, clean signals and descriptors, exec.
   On failure it reports the stage and errno and exits 127. */
static _Noreturn void
child_main(const struct child_plan *c)
{
  struct child_report rep = { STAGE_PGID, 0 };
  ssize_t n;

  if (setpgid(0, 0) != 0)
    goto report;
  rep.stage = STAGE_SIGNALS;
  if (reset_signals() != 0)
    goto report;
  rep.stage = STAGE_STDIO;
  if (setup_stdio(c) != 0)
    goto report;
  close_others(c);
  rep.stage = STAGE_EXEC;
  execve(c->shell, c->argv, c->envp);
report:
  rep.err = errno;
  n = write(c->status_w, &rep, sizeof rep);
  (void)n;
  _exit(127);
}

/* Read the child's report: true when it wrote one (its exec failed), false
   at EOF (the exec succeeded and closed the pipe). */
static bool
read_report(int status_r, struct child_report *rep)
{
  size_t got = 0;
  ssize_t n;

  while (got < sizeof *rep) {
    n = read(status_r, (char *)rep + got, sizeof *rep - got);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    got += (size_t)n;
  }
  if (got > 0 && got < sizeof *rep)
    rep->err = EIO;                     /* a torn report: still a failure */
  return got > 0;
}

/* A descriptor that polls readable when pid exits (Linux >= 5.3, born
   close-on-exec), or -1: then the exit is found by polling waitid.  After
   one ENOSYS (an old kernel, or valgrind) it is not tried again. */
static int
open_pidfd(pid_t pid)
{
#ifdef SYS_pidfd_open
  static bool unsupported;              /* benign if raced: only saves a syscall */
  int fd;

  if (unsupported)
    return -1;
  fd = (int)syscall(SYS_pidfd_open, pid, 0);
  unsupported = fd < 0 && errno == ENOSYS;
  return fd;
#else
  (void)pid;
  return -1;
#endif
}

/* Fork and exec c; res on failure.  Returns once the exec has succeeded or
   failed (the status pipe says which), so the child is in its own group. */
static enum sh_status
spawn(struct sh_proc *p, struct child_plan *c, int status_r, struct sh_result *res)
{
  static const char *const stages[] = { "setpgid", "signals", "stdio", "exec" };
  struct child_report rep = { STAGE_EXEC, 0 };
  pid_t pid = fork();
  int st;

  if (pid < 0)
    return fail(res, SH_ERR_SYSTEM, "cannot start %s: fork: %s", c->shell, strerror(errno));
  if (pid == 0)
    child_main(c);
  setpgid(pid, pid);                    /* the child does it too: no race either way */
  close(c->status_w);
  c->status_w = -1;
  if (!read_report(status_r, &rep)) {
    p->pid = pid;
    p->pidfd = open_pidfd(pid);
    return SH_OK;
  }
  while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
    continue;
  if (rep.stage == STAGE_EXEC)
    return fail(res, SH_EXEC_FAILED, "cannot execute %s: %s", c->shell, strerror(rep.err));
  return fail(res, SH_ERR_SYSTEM, "cannot set up the child process (%s): %s",
              stages[rep.stage >= 0 && rep.stage <= STAGE_EXEC ? rep.stage : STAGE_EXEC],
              strerror(rep.err));
}

/* {==== starting ==== */

/* Check req; SH_OK or SH_ERR_INVALID / SH_INTERRUPTED with res set. */
static enum sh_status
check_request(const struct sh_request *req, volatile sig_atomic_t *flag, struct sh_result *res)
{
  if (req == NULL || req->command == NULL)
    return fail(res, SH_ERR_INVALID, "no command to run");
  if (memchr(req->command, '\0', req->command_len) != NULL)
    return fail(res, SH_ERR_INVALID, "the command line contains a NUL byte");
  if (req->env_count > 0 && req->env == NULL)
    return fail(res, SH_ERR_INVALID, "env_count without env");
  if (*flag)
    return fail(res, SH_INTERRUPTED, "interrupted before the command started");
  return SH_OK;
}

/* A new proc for req, not yet started; NULL when out of memory. */
static struct sh_proc *
new_proc(const struct sh_request *req, volatile sig_atomic_t *flag)
{
  struct sh_proc *p = calloc(1, sizeof *p);

  if (p == NULL)
    return NULL;
  p->pid = -1;
  p->out.fd = p->err.fd = p->pidfd = -1;
  p->max_output = req->max_output ? req->max_output : SH_DEFAULT_MAX_OUTPUT;
  p->now_ms = req->now_ms ? req->now_ms : monotonic_ms;
  p->clock_ctx = req->clock_ctx;
  p->interrupt = flag;
  p->grace_ms = req->grace_ms > 0 ? req->grace_ms : SH_DEFAULT_GRACE_MS;
  p->timeout_ms = req->timeout_ms;
  p->deadline_ms = -1;
  p->linger_until = -1;
  p->check_ms = 1;
  p->reason = SH_OK;
  return p;
}

/* Free a proc that owns no process (any pipes still open are closed). */
static void
free_proc(struct sh_proc *p)
{
  close_fd(&p->out.fd);
  close_fd(&p->err.fd);
  close_fd(&p->pidfd);
  sh_buf_free(&p->out.buf);
  sh_buf_free(&p->err.buf);
  free(p);
}

/* Close the descriptors of pipes[0..n). */
static void
close_pipes(int pipes[][2], int n)
{
  int i;

  for (i = 0; i < n; i++) {
    close_fd(&pipes[i][0]);
    close_fd(&pipes[i][1]);
  }
}

/*
** Create the pipes (stdout, stderr, status) and spawn.  The write ends are
** closed here afterwards: only the child holds them, so EOF means its side
** is done.  The read ends of stdout and stderr go to p.
*/
static enum sh_status
launch(struct sh_proc *p, const struct sh_request *req, char *line, char **envp,
       struct sh_result *res)
{
  int pipes[3][2] = { { -1, -1 }, { -1, -1 }, { -1, -1 } }, i;
  struct child_plan c;
  long max_fd = sysconf(_SC_OPEN_MAX);
  enum sh_status s;

  for (i = 0; i < 3; i++) {
    if (make_pipe(pipes[i], i < 2) != 0) {
      s = fail(res, SH_ERR_SYSTEM, "cannot create a pipe: %s", strerror(errno));
      close_pipes(pipes, i);
      return s;
    }
  }
  c.shell = req->shell ? req->shell : "/bin/sh";
  c.argv[0] = (char *)"sh";
  c.argv[1] = (char *)"-c";
  c.argv[2] = line;
  c.argv[3] = NULL;
  c.envp = envp;
  c.out_w = pipes[0][1];
  c.err_w = pipes[1][1];
  c.status_w = pipes[2][1];
  c.max_fd = max_fd < 0 || max_fd > 65536 ? 65536 : (int)max_fd;
  p->start_ms = now(p);
  s = spawn(p, &c, pipes[2][0], res);
  pipes[2][1] = c.status_w;             /* -1 if spawn closed it (after fork) */
  p->out.fd = pipes[0][0];
  p->err.fd = pipes[1][0];
  pipes[0][0] = pipes[1][0] = -1;
  close_pipes(pipes, 3);
  if (s == SH_OK && req->timeout_ms > 0)
    p->deadline_ms = p->start_ms + req->timeout_ms;
  return s;
}

enum sh_status
sh_start(const struct sh_request *req, struct sh_proc **procp, struct sh_result *res)
{
  volatile sig_atomic_t *flag = req && req->interrupt ? req->interrupt : &sh_interrupt_requested;
  struct sh_proc *p;
  char **envp = NULL;
  char *line;
  enum sh_status s;

  *procp = NULL;
  s = check_request(req, flag, res);
  if (s != SH_OK)
    return s;
  s = build_env(req, &envp, res);
  if (s != SH_OK)
    return s;
  p = new_proc(req, flag);
  line = malloc(req->command_len + 1);
  if (p == NULL || line == NULL) {
    free(p);
    free(line);
    free_env(envp, req->env_count);
    return fail(res, SH_ERR_NOMEM, "out of memory starting a command");
  }
  memcpy(line, req->command, req->command_len);
  line[req->command_len] = '\0';
  s = launch(p, req, line, envp, res);
  free(line);
  free_env(envp, req->env_count);
  if (s != SH_OK) {
    free_proc(p);
    return s;
  }
  *procp = p;
  return SH_OK;
}

/* {==== reading ==== */

/* Keep up to the bound of data[0..n) in st, count all of it. */
static void
keep(struct sh_proc *p, struct stream *st, const char *data, size_t n)
{
  size_t room = p->max_output - st->buf.len;

  st->total += n;
  if (p->nomem || st->buf.len >= p->max_output)
    return;
  if (n > room)
    n = room;
  if (buf_add(&st->buf, data, n, p->max_output + 1) != SH_OK)
    p->nomem = true;
}

/*
** Read st's pipe until it would block, EOF, or `bursts` reads were done
** (0: no limit).  Returns false when the pipe was closed (EOF or error).
*/
static bool
drain(struct sh_proc *p, struct stream *st, int bursts)
{
  char chunk[READ_CHUNK];
  ssize_t n;
  int i;

  for (i = 0; st->fd >= 0 && (bursts == 0 || i < bursts); i++) {
    n = read(st->fd, chunk, sizeof chunk);
    if (n > 0) {
      keep(p, st, chunk, (size_t)n);
      continue;
    }
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
      return true;
    close_fd(&st->fd);                  /* EOF, or an error: nothing more to read */
    return false;
  }
  return st->fd >= 0;
}

/* Notice the shell's exit without reaping it (it stays a zombie). */
static void
peek_exit(struct sh_proc *p)
{
  siginfo_t si;

  memset(&si, 0, sizeof si);
  if (waitid(P_PID, (id_t)p->pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0) {
    p->exited = si.si_pid != 0;
    return;
  }
  if (errno == EINTR)
    return;
  p->exited = true;                     /* ECHILD: reaped elsewhere (SIGCHLD ignored?) */
  p->lost = true;
  p->lost_errno = errno;
}

size_t
sh_pollfds(const struct sh_proc *p, struct pollfd *fds, size_t max)
{
  int want[3];
  size_t n = 0, i;

  if (p == NULL)
    return 0;
  want[0] = p->out.fd;
  want[1] = p->err.fd;
  want[2] = p->exited ? -1 : p->pidfd;  /* once exited it would stay readable */
  for (i = 0; i < 3 && n < max; i++) {
    if (want[i] < 0)
      continue;
    fds[n].fd = want[i];
    fds[n].events = POLLIN;
    fds[n++].revents = 0;
  }
  return n;
}

void
sh_on_readable(struct sh_proc *p, int fd)
{
  if (p == NULL || fd < 0)
    return;
  if (fd == p->out.fd)
    drain(p, &p->out, READ_BURST);
  else if (fd == p->err.fd)
    drain(p, &p->err, READ_BURST);
  else if (fd == p->pidfd && !p->exited)
    peek_exit(p);
}

/* {==== exit, signals, the end ==== */

/* Send sig to the whole group.  Safe: the leader is not reaped yet. */
static void
signal_group(struct sh_proc *p, int sig)
{
  if (!p->lost)
    kill(-p->pid, sig);
}

/* Begin killing the group for reason r (timeout or interrupt). */
static void
start_kill(struct sh_proc *p, enum sh_status r, int64_t t)
{
  p->reason = r;
  p->kill = KILL_TERM;
  p->term_at = t;
  signal_group(p, SIGTERM);
}

/* Reap the shell (after its exit was observed or SIGKILL was sent). */
static void
reap_leader(struct sh_proc *p)
{
  pid_t r;

  if (p->lost)
    return;
  do
    r = waitpid(p->pid, &p->wait_status, 0);
  while (r < 0 && errno == EINTR);
  if (r < 0) {
    p->lost = true;
    p->lost_errno = errno;
  }
}

/*
** The end: if the group was being killed, SIGKILL whatever of it is left
** (before the leader is reaped, so the pgid is still ours); read what the
** pipes still hold, close them, reap the shell.
*/
static void
finish(struct sh_proc *p, int64_t t)
{
  if (p->kill != KILL_NONE) {
    signal_group(p, SIGKILL);
    p->kill = KILL_KILL;
  }
  drain(p, &p->out, 0);
  drain(p, &p->err, 0);
  close_fd(&p->out.fd);
  close_fd(&p->err.fd);
  close_fd(&p->pidfd);
  reap_leader(p);
  p->end_ms = t;
  p->done = true;
}

/* The earlier of two clock times. */
static int64_t
min64(int64_t a, int64_t b)
{
  return a < b ? a : b;
}

/* When to check the shell's exit next: CHECK_MS while a pipe or the pidfd
   will wake the loop, else soon after the pipes closed, backing off. */
static int64_t
next_exit_check(struct sh_proc *p, int64_t t)
{
  if (p->out.fd >= 0 || p->err.fd >= 0 || p->pidfd >= 0)
    return t + CHECK_MS;
  t += p->check_ms;
  p->check_ms = min64(p->check_ms * 2, CHECK_MS);
  return t;
}

/*
** The states, in order:  running (no signal) -> [timeout or interrupt:
** SIGTERM sent -> grace over: SIGKILL sent] -> shell exited (a zombie,
** pipes draining) -> done (pipes closed, shell reaped).  "Shell exited"
** lasts until both pipes reach EOF, bounded by LINGER_MS, or by the rest of
** the grace while a SIGTERM is being honoured; finish() then SIGKILLs what
** is left of a group that was being killed.
*/
int64_t
sh_poll_deadline(struct sh_proc *p)
{
  int64_t t, next = SH_NO_DEADLINE;

  if (p == NULL || p->done)
    return SH_NO_DEADLINE;
  t = now(p);
  if (!p->exited)
    peek_exit(p);
  if (!p->exited && p->kill == KILL_NONE) {
    if (*p->interrupt)
      start_kill(p, SH_INTERRUPTED, t);
    else if (p->deadline_ms >= 0 && t >= p->deadline_ms)
      start_kill(p, SH_TIMED_OUT, t);
  }
  if (p->kill == KILL_TERM && t >= p->term_at + p->grace_ms) {
    signal_group(p, SIGKILL);
    p->kill = KILL_KILL;
  }
  if (p->exited) {
    if (p->linger_until < 0)
      p->linger_until = t + LINGER_MS;
    /* while SIGTERM's grace runs, the rest of the group may clean up */
    next = p->kill == KILL_TERM ? p->term_at + p->grace_ms : p->linger_until;
    if ((p->out.fd < 0 && p->err.fd < 0) || t >= next) {
      finish(p, t);
      return SH_NO_DEADLINE;
    }
  } else {
    next = next_exit_check(p, t);
    if (p->kill == KILL_NONE && p->deadline_ms >= 0)
      next = min64(next, p->deadline_ms);
  }
  if (p->kill == KILL_TERM)
    next = min64(next, p->term_at + p->grace_ms);
  return next;
}

bool
sh_done(const struct sh_proc *p)
{
  return p != NULL && p->done;
}

pid_t
sh_pid(const struct sh_proc *p)
{
  return p ? p->pid : -1;
}

/* {==== results ==== */

/* exit_code and term_signal from the wait status. */
static void
decode_status(const struct sh_proc *p, struct sh_result *res)
{
  int st = p->wait_status;

  if (p->lost) {
    res->exit_code = -1;
  } else if (WIFEXITED(st)) {
    res->exit_code = WEXITSTATUS(st);
  } else if (WIFSIGNALED(st)) {
    res->term_signal = WTERMSIG(st);
    res->exit_code = 128 + res->term_signal;
  }
}

/* The status and message of a finished proc. */
static void
describe(const struct sh_proc *p, struct sh_result *res)
{
  res->status = p->reason;
  if (p->reason == SH_TIMED_OUT)
    snprintf(res->message, sizeof res->message,
             "timed out after %lldms; process group %ld killed",
             (long long)p->timeout_ms, (long)p->pid);
  else if (p->reason == SH_INTERRUPTED)
    snprintf(res->message, sizeof res->message,
             "interrupted; process group %ld killed", (long)p->pid);
  else if (p->reason == SH_CANCELLED)
    snprintf(res->message, sizeof res->message,
             "cancelled; process group %ld killed", (long)p->pid);
  if (p->lost) {
    res->status = SH_ERR_SYSTEM;
    snprintf(res->message, sizeof res->message,
             "the exit status of process %ld was lost: %s", (long)p->pid,
             strerror(p->lost_errno));
  } else if (p->nomem) {
    res->status = SH_ERR_NOMEM;
    snprintf(res->message, sizeof res->message, "out of memory capturing output");
  }
}

void
sh_reap(struct sh_proc *p, struct sh_result *res)
{
  if (p == NULL)
    return;
  if (!p->done) {
    if (!p->exited) {                   /* still running: cancel it */
      p->reason = SH_CANCELLED;
      p->kill = KILL_KILL;
      signal_group(p, SIGKILL);
    }
    finish(p, now(p));
  }
  sh_result_free(res);
  decode_status(p, res);
  describe(p, res);
  res->duration_ms = p->end_ms - p->start_ms;
  res->out = p->out.buf;
  res->err = p->err.buf;
  res->out_total = p->out.total;
  res->err_total = p->err.total;
  res->out_truncated = p->out.total > p->out.buf.len;
  res->err_truncated = p->err.total > p->err.buf.len;
  memset(&p->out.buf, 0, sizeof p->out.buf);
  memset(&p->err.buf, 0, sizeof p->err.buf);
  free_proc(p);
}

/* {==== blocking ==== */

/* Wait for p's pipes (or nothing) until the clock reaches `until`. */
static void
wait_events(struct sh_proc *p, int64_t until)
{
  struct pollfd fds[SH_MAX_POLLFDS];
  size_t i, n = sh_pollfds(p, fds, SH_MAX_POLLFDS);
  int64_t delta = until == SH_NO_DEADLINE ? CHECK_MS : until - now(p);
  int timeout = (int)(delta < 0 ? 0 : delta > CHECK_MS ? CHECK_MS : delta);

  if (poll(fds, (nfds_t)n, timeout) <= 0)
    return;                             /* timeout, or EINTR: the caller re-checks */
  for (i = 0; i < n; i++)
    if (fds[i].revents != 0)
      sh_on_readable(p, fds[i].fd);
}

enum sh_status
sh_run(const struct sh_request *req, struct sh_result *res)
{
  struct sh_proc *p;
  int64_t until;

  if (sh_start(req, &p, res) != SH_OK)
    return res->status;
  for (;;) {
    until = sh_poll_deadline(p);
    if (sh_done(p))
      break;
    wait_events(p, until);
  }
  sh_reap(p, res);
  return res->status;
}
