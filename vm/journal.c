/*
** journal.c: the run journal (journal.h, docs/journal.md).
**
** Line format.  The emitter's jsonl line `{...}` is written to the journal
** as
**
**     {...,"prev":"P","hash":"H"}
**
** where P is the "hash" of the previous line (64 zeros on the first line)
** and H is the SHA-256 of the line's bytes up to, not including, the
** `,"hash":` member.  The verifier recomputes H for every line (an edited
** line fails at its own number) and compares P with the previous line's H
** (a removed or moved line fails where the chain breaks).  A last line
** without its newline is a truncated line.
**
** Writing.  Each line is one write(2) (looped on a partial write or EINTR).
** The writer remembers the offset after the last whole line; when a write
** fails (ENOSPC, EFBIG, EIO) the file is cut back there with ftruncate, so
** what is left still verifies and `rbc resume` can go on from it.
*/
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE

#include "vm/journal.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lexer/source.h"
#include "vm/events_int.h"
#include "vm/fdio.h"

/* How long a lock left by a dead run may stay held by its half-started child. */
#define LOCK_GRACE_MS 2000

/* The fixed tail of a line: ,"hash":"<64 hex>"} */
#define HASH_KEY ",\"hash\":\""
#define HASH_TAIL_LEN (sizeof HASH_KEY - 1 + 64 + 2)

/* {==== common ==== */

/* lexer/source.c's SHA-256: OpenSSL's EVP_Digest crashes when one of its
   start-up allocations fails (tests/failalloc.sh) */
void jl_sha256_hex(const void *data, size_t len, char out[65])
{
  sha256_hex(data, len, out);
}

int jl_default_dir(const char *dir, char *out, size_t size)
{
  const char *state = getenv("RBC_STATE_DIR"), *xdg = getenv("XDG_STATE_HOME");
  const char *home = getenv("HOME");
  int n;

  if (dir && *dir)
    n = snprintf(out, size, "%s", dir);
  else if (state && *state)
    n = snprintf(out, size, "%s/runs", state);
  else if (xdg && *xdg == '/')         /* XDG: a relative value is ignored */
    n = snprintf(out, size, "%s/rbc/runs", xdg);
  else if (home && *home)
    n = snprintf(out, size, "%s/.local/state/rbc/runs", home);
  else
    return -1;
  return n < 0 || (size_t)n >= size ? -1 : 0;
}

int jl_mkdir(const char *dir)
{
  char buf[PATH_MAX];
  size_t len = strlen(dir);
  struct stat sb;

  if (len == 0 || len >= sizeof buf) {
    errno = ENAMETOOLONG;
    return -1;
  }
  memcpy(buf, dir, len + 1);
  for (size_t i = 1; i <= len; i++) {
    if (buf[i] != '/' && buf[i] != '\0')
      continue;
    buf[i] = '\0';
    if (mkdir(buf, 0700) != 0 && errno != EEXIST)
      return -1;
    buf[i] = i == len ? '\0' : '/';
  }
  if (stat(dir, &sb) != 0)
    return -1;
  if (!S_ISDIR(sb.st_mode)) {
    errno = ENOTDIR;
    return -1;
  }
  return 0;
}

/* printf into a problem. */
static int problem(struct jl_problem *p, size_t line, int status, const char *fmt, ...)
  __attribute__((format(printf, 4, 5)));

static int problem(struct jl_problem *p, size_t line, int status, const char *fmt, ...)
{
  va_list ap;

  p->line = line;
  va_start(ap, fmt);
  vsnprintf(p->message, sizeof p->message, fmt, ap);
  va_end(ap);
  return status;
}

/* }==== */

/* {==== reading ==== */

struct jl_reader {
  char *path;
  json_t **events;
  size_t n, cap;
  char last[65];                /* "hash" of the last line read */
  off_t size;
};

static void set_path(struct jl_problem *p, const char *path)
{
  snprintf(p->path, sizeof p->path, "%.*s", (int)sizeof p->path - 1, path);
}

/* The whole file into *buf (NUL-terminated), its length in *len.  0 or errno. */
static int slurp(const char *path, char **buf, size_t *len)
{
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  struct stat sb;
  char *b;
  size_t got = 0;

  if (fd < 0)
    return errno;
  if (fstat(fd, &sb) != 0) {
    int e = errno;

    close(fd);
    return e;
  }
  if (!S_ISREG(sb.st_mode)) {
    close(fd);
    return S_ISDIR(sb.st_mode) ? EISDIR : EINVAL;
  }
  b = malloc((size_t)sb.st_size + 1);
  if (!b) {
    close(fd);
    return ENOMEM;
  }
  while (got < (size_t)sb.st_size) {
    ssize_t r = read(fd, b + got, (size_t)sb.st_size - got);

    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      break;
    got += (size_t)r;
  }
  close(fd);
  b[got] = '\0';
  *buf = b;
  *len = got;
  return 0;
}

/* Check one line (no newline) against the chain; 0, or a problem status. */
static int verify_line(struct jl_reader *r, const char *s, size_t n, size_t lineno,
                       struct jl_problem *p)
{
  char h[65];
  json_t *j, *prev, *hash;
  json_error_t je;

  if (n < HASH_TAIL_LEN || memcmp(s + n - HASH_TAIL_LEN, HASH_KEY, sizeof HASH_KEY - 1) != 0 ||
      s[n - 1] != '}' || s[n - 2] != '"')
    return problem(p, lineno, JL_EXIT_TAMPERED,
                   "line %zu does not end with the chain's \"hash\" member: it was changed "
                   "or cut", lineno);
  j = json_loadb(s, n, JSON_REJECT_DUPLICATES, &je);
  if (!j || !json_is_object(j)) {
    json_decref(j);
    return problem(p, lineno, JL_EXIT_TAMPERED, "line %zu is not a JSON object: %s",
                   lineno, je.text);
  }
  prev = json_object_get(j, "prev");
  hash = json_object_get(j, "hash");
  jl_sha256_hex(s, n - HASH_TAIL_LEN, h);
  if (!json_is_string(hash) || strcmp(json_string_value(hash), h) != 0) {
    json_decref(j);
    return problem(p, lineno, JL_EXIT_TAMPERED,
                   "line %zu was changed: its hash does not match its contents", lineno);
  }
  if (!json_is_string(prev) || strcmp(json_string_value(prev), r->last) != 0) {
    json_decref(j);
    return problem(p, lineno, JL_EXIT_TAMPERED,
                   lineno == 1 ? "line 1 is not the start of a journal (its \"prev\" is not "
                                 "zero): lines before it were removed"
                               : "line %zu does not follow line %zu: a line was removed, "
                                 "inserted or moved here", lineno, lineno - 1);
  }
  if (r->n == r->cap) {
    size_t cap = r->cap ? 2 * r->cap : 64;
    json_t **e = realloc(r->events, cap * sizeof *e);

    if (!e) {
      json_decref(j);
      return problem(p, lineno, JL_EXIT_SOFTWARE, "out of memory");
    }
    r->events = e;
    r->cap = cap;
  }
  r->events[r->n++] = j;
  memcpy(r->last, h, 65);
  return 0;
}

/* Read and verify path into r.  0, or a problem status (r holds the good prefix). */
static int read_journal(struct jl_reader *r, struct jl_problem *p)
{
  char *buf = NULL;
  size_t len = 0, lineno = 0;
  int e = slurp(r->path, &buf, &len), rc = 0;
  const char *s, *end;

  if (e != 0)
    return problem(p, 0, e == ENOMEM ? JL_EXIT_SOFTWARE : JL_EXIT_NOINPUT,
                   "cannot read the journal: %s", strerror(e));
  r->size = (off_t)len;
  for (s = buf; s < buf + len && rc == 0; s = end + 1) {
    end = memchr(s, '\n', (size_t)(buf + len - s));
    lineno++;
    if (!end) {
      rc = problem(p, lineno, JL_EXIT_TAMPERED,
                   "line %zu is truncated (no newline at the end of the file)", lineno);
      break;
    }
    rc = verify_line(r, s, (size_t)(end - s), lineno, p);
  }
  if (rc == 0 && r->n == 0)
    rc = problem(p, 0, JL_EXIT_TAMPERED, "the journal is empty");
  free(buf);
  return rc;
}

/* Is arg a path rather than a run id? */
static bool is_path(const char *arg)
{
  size_t n = strlen(arg);

  return strchr(arg, '/') || (n > 6 && strcmp(arg + n - 6, ".jsonl") == 0);
}

static int open_impl(const char *arg, const char *dir, struct jl_reader **out,
                     struct jl_problem *p, bool lenient)
{
  struct jl_reader *r;
  char d[PATH_MAX], path[PATH_MAX + 80];
  int rc;

  *out = NULL;
  memset(p, 0, sizeof *p);
  set_path(p, arg);
  if (is_path(arg)) {
    snprintf(path, sizeof path, "%s", arg);
  } else {
    if (jl_default_dir(dir, d, sizeof d) != 0)
      return problem(p, 0, JL_EXIT_NOINPUT, "no journal directory (HOME is not set)");
    if (snprintf(path, sizeof path, "%s/%s.jsonl", d, arg) >= (int)sizeof path)
      return problem(p, 0, JL_EXIT_NOINPUT, "the journal path is too long");
    if (access(path, F_OK) != 0)
      return problem(p, 0, JL_EXIT_NOINPUT, "no run %s in %s", arg, d);
  }
  set_path(p, path);
  r = calloc(1, sizeof *r);
  if (r)
    r->path = strdup(path);
  if (!r || !r->path) {
    free(r);
    return problem(p, 0, JL_EXIT_SOFTWARE, "out of memory");
  }
  memcpy(r->last, JL_ZERO_HASH, 65);
  rc = read_journal(r, p);
  if (rc == 0 || (lenient && rc == JL_EXIT_TAMPERED)) {
    *out = r;
    return rc;
  }
  jl_close(r);
  return rc;
}

int jl_open(const char *arg, const char *dir, struct jl_reader **out, struct jl_problem *prob)
{
  return open_impl(arg, dir, out, prob, false);
}

int jl_open_lenient(const char *arg, const char *dir, struct jl_reader **out,
                    struct jl_problem *prob)
{
  return open_impl(arg, dir, out, prob, true);
}

void jl_close(struct jl_reader *r)
{
  if (!r)
    return;
  for (size_t i = 0; i < r->n; i++)
    json_decref(r->events[i]);
  free(r->events);
  free(r->path);
  free(r);
}

const char *jl_path(const struct jl_reader *r)
{
  return r->path;
}

size_t jl_count(const struct jl_reader *r)
{
  return r->n;
}

json_t *jl_event(const struct jl_reader *r, size_t i)
{
  return i < r->n ? r->events[i] : NULL;
}

json_t *jl_find(const struct jl_reader *r, const char *type, size_t from, size_t *at)
{
  for (size_t i = from; i < r->n; i++) {
    const char *t = json_string_value(json_object_get(r->events[i], "type"));

    if (t && strcmp(t, type) == 0) {
      if (at)
        *at = i;
      return r->events[i];
    }
  }
  return NULL;
}

const char *jl_run_id(const struct jl_reader *r)
{
  json_t *e = jl_find(r, "run_start", 0, NULL);

  return e ? json_string_value(json_object_get(e, "run_id")) : NULL;
}

const char *jl_last_hash(const struct jl_reader *r)
{
  return r->last;
}

off_t jl_size(const struct jl_reader *r)
{
  return r->size;
}

/* }==== */

/* {==== writing ==== */

struct jl_writer {
  int fd;
  char *path;
  char *tmp_path;               /* a new journal's name until its first lines are written */
  char prev[65];                /* "hash" of the last line written */
  off_t good;                   /* offset after the last whole line */
  int err;                      /* errno of the first failure */
};

static int new_writer(const char *path, int fd, struct jl_writer **out)
{
  struct jl_writer *w = calloc(1, sizeof *w);

  if (w)
    w->path = strdup(path);
  if (!w || !w->path) {
    free(w);
    return -1;
  }
  w->fd = fd;
  memcpy(w->prev, JL_ZERO_HASH, 65);
  *out = w;
  return 0;
}

int jl_writer_create(const char *dir, const char *run_id, struct jl_writer **out,
                     struct jl_problem *prob)
{
  char path[PATH_MAX + 80], tmp[PATH_MAX + 100];
  int fd;

  *out = NULL;
  memset(prob, 0, sizeof *prob);
  snprintf(path, sizeof path, "%s/%s.jsonl", dir, run_id);
  snprintf(tmp, sizeof tmp, "%s/.%s.jsonl.new", dir, run_id);
  set_path(prob, path);
  if (jl_mkdir(dir) != 0)
    return problem(prob, 0, JL_EXIT_CANTCREAT, "cannot create the journal directory %s: %s",
                   dir, strerror(errno));
  if (access(path, F_OK) == 0)
    return problem(prob, 0, JL_EXIT_CANTCREAT, "cannot create the journal: %s",
                   strerror(EEXIST));
  unlink(tmp);                  /* left by a run killed before its first line */
  fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0)
    return problem(prob, 0, JL_EXIT_CANTCREAT, "cannot create the journal: %s",
                   strerror(errno));
  if (new_writer(path, fd, out) != 0) {
    close(fd);
    unlink(tmp);
    return problem(prob, 0, JL_EXIT_SOFTWARE, "out of memory");
  }
  (*out)->tmp_path = strdup(tmp);
  if (!(*out)->tmp_path) {
    jl_writer_free(*out);       /* closes fd */
    *out = NULL;
    unlink(tmp);
    return problem(prob, 0, JL_EXIT_SOFTWARE, "out of memory");
  }
  return 0;
}

int jl_writer_append(const struct jl_reader *r, struct jl_writer **out,
                     struct jl_problem *prob)
{
  int fd;
  struct stat sb;

  *out = NULL;
  memset(prob, 0, sizeof *prob);
  set_path(prob, r->path);
  fd = open(r->path, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return problem(prob, 0, JL_EXIT_CANTCREAT, "cannot open the journal to append: %s",
                   strerror(errno));
  if (fstat(fd, &sb) != 0 || sb.st_size != r->size) {
    close(fd);
    return problem(prob, 0, JL_EXIT_TAMPERED,
                   "the journal changed while it was being read; try again");
  }
  if (new_writer(r->path, fd, out) != 0) {
    close(fd);
    return problem(prob, 0, JL_EXIT_SOFTWARE, "out of memory");
  }
  memcpy((*out)->prev, r->last, 65);
  (*out)->good = r->size;
  return 0;
}

/* Room for the chain members a line gains: ,"prev":"P" and ,"hash":"H"}\n. */
#define CHAIN_EXTRA (10 + 64 + 1 + HASH_TAIL_LEN + 1)

/*
** Append line s[0..n) (a JSON object; trailing newline ignored) to out
** with its chain members; *prev becomes its hash.  Returns the new end of
** out (which has room for n + CHAIN_EXTRA bytes).
*/
static char *chain_line(char *out, const char *s, size_t n, char prev[65])
{
  char h[65], *p = out;

  while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' '))
    n--;
  if (n < 2 || s[n - 1] != '}')
    return out;
  memcpy(p, s, n - 1);
  p += n - 1;
  p += snprintf(p, 12 + 64, "%s\"prev\":\"%s\"", n > 2 ? "," : "", prev);
  jl_sha256_hex(out, (size_t)(p - out), h);
  p += snprintf(p, HASH_TAIL_LEN + 2, HASH_KEY "%s\"}\n", h);
  memcpy(prev, h, 65);
  return p;
}

/*
** The first lines of a new journal are written to its temporary name;
** once they are on disk the file gets its real name (link, so an existing
** journal is never replaced).  A run killed before that leaves no journal
** at all, never an empty or headless one.  0, or errno.
*/
static int publish(struct jl_writer *w)
{
  if (!w->tmp_path)
    return 0;
  if (fsync(w->fd) != 0 && errno != EINVAL && errno != EROFS)
    return errno;
  if (link(w->tmp_path, w->path) != 0)
    return errno;
  unlink(w->tmp_path);
  free(w->tmp_path);
  w->tmp_path = NULL;
  return 0;
}

/*
** Chain the lines of buf[0..len) and write them with one write(2) (looped
** on a partial write or EINTR).  0, or the errno of the failure: the file
** is then cut back to its last whole line, so it still verifies.
*/
static int write_lines(struct jl_writer *w, const char *buf, size_t len)
{
  size_t nl = 1, left;
  char prev[65], *out, *p;
  const char *s, *end;

  if (w->err)
    return w->err;
  for (size_t i = 0; i < len; i++)
    nl += buf[i] == '\n';
  out = malloc(len + nl * CHAIN_EXTRA + 1);
  if (!out)
    return w->err = ENOMEM;
  memcpy(prev, w->prev, 65);
  p = out;
  for (s = buf; s < buf + len; s = end + 1) {
    end = memchr(s, '\n', (size_t)(buf + len - s));
    if (!end)
      end = buf + len;
    p = chain_line(p, s, (size_t)(end - s), prev);
  }
  left = (size_t)(p - out);
  w->err = fd_write_all(w->fd, out, left);
  if (!w->err) {
    w->good += (off_t)left;
    memcpy(w->prev, prev, 65);
    w->err = publish(w);
  } else if (ftruncate(w->fd, w->good) == 0) {
    (void)fsync(w->fd);
  }
  free(out);
  return w->err;
}

/* The jsonl output's line hook (events.c): the lines of buf, chained. */
void jl_write_lines(struct jl_writer *w, struct ev_sink *ev, const char *buf, size_t len)
{
  if (ev->err)
    return;
  if (write_lines(w, buf, len) != 0)
    ev->err = w->err;
}

/* fsync at a boundary; the error goes to the emitter. */
void jl_sync(struct jl_writer *w, struct ev_sink *ev)
{
  if (w->err || ev->err)
    return;
  if (fsync(w->fd) != 0 && errno != EINVAL && errno != EROFS)
    ev->err = w->err = errno;
}

struct ev_out *jl_writer_output(struct jl_writer *w)
{
  struct ev_out *o = ev_out_jsonl(w->fd, EV_JSONL_FSYNC);

  if (o)
    o->journal = w;
  return o;
}

int jl_writer_event(struct jl_writer *w, json_t *event)
{
  char *s = json_dumps(event, JSON_COMPACT | JSON_PRESERVE_ORDER);
  int e;

  if (!s) {
    errno = ENOMEM;
    return -1;
  }
  e = write_lines(w, s, strlen(s));
  free(s);
  if (e == 0 && fsync(w->fd) != 0 && errno != EINVAL && errno != EROFS)
    e = w->err = errno;
  if (e != 0) {
    errno = e;
    return -1;
  }
  return 0;
}

const char *jl_writer_path(const struct jl_writer *w)
{
  return w->path;
}

int jl_writer_failed(const struct jl_writer *w)
{
  return w->err;
}

void jl_writer_free(struct jl_writer *w)
{
  if (!w)
    return;
  close(w->fd);
  if (w->tmp_path)
    unlink(w->tmp_path);
  free(w->tmp_path);
  free(w->path);
  free(w);
}

/* }==== */

/* {==== the run lock ==== */

struct jl_lock {
  int fd;
};

/* The "already running" problem from the lock file's "<run id> <pid>" line. */
static int held_by(struct jl_problem *prob, const char *runbook, const char *path, char *held)
{
  char *sp = strchr(held, ' ');
  long pid = sp ? strtol(sp + 1, NULL, 10) : 0;

  if (sp)
    *sp = '\0';
  if (held[0] && pid > 0)
    return problem(prob, 0, JL_EXIT_LOCKED,
                   "runbook %s is already running: run %.100s, process %ld holds %.200s",
                   runbook, held, pid, path);
  return problem(prob, 0, JL_EXIT_LOCKED,
                 "runbook %s is already running: another process holds %.200s", runbook, path);
}

/*
** The lock is busy (errno EWOULDBLOCK).  When the process named in the lock
** file no longer exists, the descriptor can only live on in a child it
** forked just before it died (killed between fork and exec: the lock is
** close-on-exec): wait for that child to exec or exit, up to LOCK_GRACE_MS,
** then take the lock.  true when taken; false (errno EWOULDBLOCK) when a
** live process holds it.
*/
static bool holder_gone(int fd)
{
  char held[256];
  ssize_t n;
  char *sp;
  long pid;

  if (errno != EWOULDBLOCK)
    return false;
  n = pread(fd, held, sizeof held - 1, 0);
  held[n > 0 ? n : 0] = '\0';
  sp = strchr(held, ' ');
  pid = sp ? strtol(sp + 1, NULL, 10) : 0;
  if (pid <= 0 || pid == (long)getpid() || kill((pid_t)pid, 0) == 0 || errno != ESRCH) {
    errno = EWOULDBLOCK;
    return false;
  }
  for (int waited = 0; waited < LOCK_GRACE_MS; waited += 20) {
    struct timespec ts = { 0, 20 * 1000 * 1000 };

    nanosleep(&ts, NULL);
    if (flock(fd, LOCK_EX | LOCK_NB) == 0)
      return true;
  }
  errno = EWOULDBLOCK;
  return false;
}

int jl_lock_take(const char *dir, const char *runbook, const char *run_id,
                 struct jl_lock **out, struct jl_problem *prob)
{
  char path[PATH_MAX + 80], name[128], held[256], line[256];
  size_t j = 0;
  ssize_t n;
  int fd, len;

  *out = NULL;
  memset(prob, 0, sizeof *prob);
  for (const char *p = runbook && *runbook ? runbook : "runbook"; *p && j < sizeof name - 1;
       p++)
    name[j++] = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' ? *p : '-';
  name[j] = '\0';
  snprintf(path, sizeof path, "%s/%s.lock", dir, name);
  set_path(prob, path);
  if (jl_mkdir(dir) != 0)
    return problem(prob, 0, JL_EXIT_CANTCREAT, "cannot create the journal directory %s: %s",
                   dir, strerror(errno));
  fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0)
    return problem(prob, 0, JL_EXIT_CANTCREAT, "cannot create the lock file: %s",
                   strerror(errno));
  if (flock(fd, LOCK_EX | LOCK_NB) != 0 && !holder_gone(fd)) {
    int e = errno;

    n = e == EWOULDBLOCK ? pread(fd, held, sizeof held - 1, 0) : -1;
    close(fd);
    if (e != EWOULDBLOCK)
      return problem(prob, 0, JL_EXIT_CANTCREAT, "cannot lock %s: %s", path, strerror(e));
    held[n > 0 ? n : 0] = '\0';
    held[strcspn(held, "\n")] = '\0';
    return held_by(prob, runbook, path, held);
  }
  len = snprintf(line, sizeof line, "%s %ld\n", run_id, (long)getpid());
  if (ftruncate(fd, 0) != 0 || pwrite(fd, line, (size_t)len, 0) != len) {
    int e = errno;

    close(fd);
    return problem(prob, 0, JL_EXIT_CANTCREAT, "cannot write the lock file: %s", strerror(e));
  }
  *out = malloc(sizeof **out);
  if (!*out) {
    close(fd);
    return problem(prob, 0, JL_EXIT_SOFTWARE, "out of memory");
  }
  (*out)->fd = fd;
  return 0;
}

void jl_lock_release(struct jl_lock *l)
{
  if (!l)
    return;
  if (ftruncate(l->fd, 0) != 0) {
    /* the holder line stays; the lock itself goes with the descriptor */
  }
  close(l->fd);
  free(l);
}

/* }==== */
