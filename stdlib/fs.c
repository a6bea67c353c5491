/*
** fs.c: the file built-ins: exists, read_file, write_file, write_json,
** remove.  Relative paths resolve against host->workdir (the runbook's
** directory), absolute ones are used as they are.
**
** Decisions:
**   read_file   a regular file (or anything readable that is not a
**               directory) of at most STD_MAX_FILE_BYTES (16 MiB); more is
**               an error, not a silent truncation.  Bytes as they are.
**   write_file  content must be a string.  Atomic: a temporary file in the
**               same directory, fsync'ed, then renamed over the target (a
**               symlink at the target is replaced, not followed).  Mode
**               0644, or 0600 when the content is secret; the umask is not
**               applied, so the mode is the same wherever rbc runs.
**   write_json  the value as JSON (pretty, two-space indentation, by
**               default; `indent: false` or 0 for one line), ending with a
**               newline, written like write_file.  Writing a secret to
**               disk is the runbook author's explicit choice, so it is
**               allowed, and the file gets mode 0600.
**   remove      deletes a file (not a directory).  A missing file is not
**               an error (cleanup steps are re-run on resume): the result
**               says whether a file was removed.
** Errors name the path (*** when the path is secret) and strerror(errno).
*/
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stdlib/loop.h"
#include "stdlib/natives_int.h"
#include "stdlib/sim.h"
#include "vm/fdio.h"
#include "vm/value_json.h"

/* {==== paths ==== */

/* Join workdir and rel[0..rel_len) into a new string (see natives_int.h). */
int
std_join_path(const char *workdir, const char *rel, size_t rel_len, char **out)
{
  size_t wlen = workdir != NULL ? strlen(workdir) : 0;
  bool slash;
  char *p;

  if (rel_len > 0 && rel[0] == '/')
    wlen = 0;
  slash = wlen > 0 && workdir[wlen - 1] != '/';
  p = malloc(wlen + (slash ? 1 : 0) + rel_len + 1);
  if (p == NULL)
    return -1;
  if (wlen > 0)
    memcpy(p, workdir, wlen);
  if (slash)
    p[wlen++] = '/';
  memcpy(p + wlen, rel, rel_len);
  p[wlen + rel_len] = '\0';
  *out = p;
  return 0;
}

/* Positional argument i as a path resolved against the workdir. */
int
std_arg_path(struct std_call *call, enum std_builtin_id id, int i, char **out)
{
  const char *s;
  size_t len;

  if (std_arg_string(call, id, i, &s, &len) < 0)
    return -1;
  if (len == 0)
    return std_error(call, "%s(): the path is empty", std_builtins[id].name);
  if (memchr(s, '\0', len) != NULL)
    return std_error(call, "%s(): the path holds a NUL byte", std_builtins[id].name);
  if (std_join_path(call->host != NULL ? call->host->workdir : NULL, s, len, out) < 0)
    return std_oom(call, id);
  return 0;
}

/* "NAME(): cannot ACTION \"PATH\": strerror" with the path of argument 0. */
static int
io_error(struct std_call *call, enum std_builtin_id id, const char *action, int errnum)
{
  return std_error(call, "%s(): cannot %s \"%.200s\": %s", std_builtins[id].name, action,
                   std_shown(call->args[0]), strerror(errnum));
}

/*
** rbc test (stdlib/sim.h): ask the scenario about path first.  SIM_REAL
** (also without a simulated world) lets the real file system answer;
** SIM_ANSWERED fills *exists (and for a read *content, *len, malloc'ed);
** SIM_UNMATCHED has recorded RB5060 in call.
*/
static enum sim_answer
sim_path(struct std_call *call, enum std_builtin_id id, enum sim_file_op op, const char *path,
         const char *data, size_t data_len, bool *exists, char **content, size_t *len)
{
  const struct sim *sim = call->host != NULL ? loop_sim(call->host->loop) : NULL;
  enum sim_answer a;

  if (sim == NULL)
    return SIM_REAL;
  a = sim->file != NULL ? sim->file(sim->ctx, op, path, data, data_len, exists, content, len)
                        : SIM_UNMATCHED;
  if (a == SIM_UNMATCHED)
    std_error_code(call, DIAG_RB5060, "%s(\"%.200s\"): not described by the scenario",
                   std_builtins[id].name, std_shown(call->args[0]));
  return a;
}

/* }==== */

/* {==== exists, read_file, remove ==== */

/* exists(path): whether something is there (a dangling symlink is not). */
int
std_exists(struct std_call *call, struct rbc_value *out)
{
  struct stat st;
  char *path;
  bool there = false;

  if (std_check_args(call, STD_BI_exists) < 0 || std_arg_path(call, STD_BI_exists, 0, &path) < 0)
    return -1;
  switch (sim_path(call, STD_BI_exists, SIM_FILE_EXISTS, path, NULL, 0, &there, NULL, NULL)) {
  case SIM_UNMATCHED:
    free(path);
    return -1;
  case SIM_REAL:
    there = stat(path, &st) == 0;
    break;
  default:
    break;
  }
  free(path);
  *out = val_tainted(val_bool(there), call->args[0].secret);
  return 0;
}

/* Read all of fd into b, failing past STD_MAX_FILE_BYTES; 0, or an errno. */
static int
read_all(int fd, struct val_buf *b, bool *too_big)
{
  char chunk[65536];
  ssize_t n;

  *too_big = false;
  for (;;) {
    n = read(fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return errno;
    if (n == 0)
      return 0;
    if (b->len + (size_t)n > STD_MAX_FILE_BYTES) {
      *too_big = true;
      return 0;
    }
    if (val_buf_append(b, chunk, (size_t)n) != VAL_OK)
      return ENOMEM;
  }
}

/* read_file(path): the file's bytes as a string (secret when path is). */
int
std_read_file(struct std_call *call, struct rbc_value *out)
{
  struct val_buf b;
  struct val_err err;
  struct stat st;
  char *path, *data = NULL;
  size_t len = 0;
  bool too_big, there = false;
  int fd, e;

  if (std_check_args(call, STD_BI_read_file) < 0
      || std_arg_path(call, STD_BI_read_file, 0, &path) < 0)
    return -1;
  switch (sim_path(call, STD_BI_read_file, SIM_FILE_READ, path, NULL, 0, &there, &data, &len)) {
  case SIM_UNMATCHED:
    free(path);
    return -1;
  case SIM_ANSWERED:
    free(path);
    if (!there)
      return io_error(call, STD_BI_read_file, "open", ENOENT);
    e = val_string_new(data != NULL ? data : "", len, out, &err) == VAL_OK ? 0 : ENOMEM;
    free(data);
    if (e != 0)
      return std_oom(call, STD_BI_read_file);
    *out = val_tainted(*out, call->args[0].secret);
    return 0;
  default:
    break;
  }
  fd = open(path, O_RDONLY | O_CLOEXEC);
  e = errno;
  free(path);
  if (fd < 0)
    return io_error(call, STD_BI_read_file, "open", e);
  if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    close(fd);
    return io_error(call, STD_BI_read_file, "read", EISDIR);
  }
  val_buf_init(&b);
  e = read_all(fd, &b, &too_big);
  close(fd);
  if (e != 0 || too_big) {
    val_buf_free(&b);
    if (too_big)
      return std_error(call, "read_file(): \"%.200s\" is larger than %zu MiB",
                       std_shown(call->args[0]), STD_MAX_FILE_BYTES >> 20);
    return e == ENOMEM ? std_oom(call, STD_BI_read_file)
                       : io_error(call, STD_BI_read_file, "read", e);
  }
  if (val_buf_finish(&b, out, &err) != VAL_OK)
    return std_oom(call, STD_BI_read_file);
  *out = val_tainted(*out, call->args[0].secret);
  return 0;
}

/* remove(path): delete a file; true when one was removed, false if none. */
int
std_remove(struct std_call *call, struct rbc_value *out)
{
  char *path;
  bool there = false;
  int rc, e;

  if (std_check_args(call, STD_BI_remove) < 0 || std_arg_path(call, STD_BI_remove, 0, &path) < 0)
    return -1;
  switch (sim_path(call, STD_BI_remove, SIM_FILE_REMOVE, path, NULL, 0, &there, NULL, NULL)) {
  case SIM_UNMATCHED:
    free(path);
    return -1;
  case SIM_ANSWERED:
    free(path);
    *out = val_tainted(val_bool(there), call->args[0].secret);
    return 0;
  default:
    break;
  }
  rc = unlink(path);
  e = errno;
  free(path);
  if (rc != 0 && e != ENOENT)
    return io_error(call, STD_BI_remove, "remove", e);
  *out = val_tainted(val_bool(rc == 0), call->args[0].secret);
  return 0;
}

/* }==== */

/* {==== atomic writes ==== */

/* Fill a temporary file next to path with data (+ "\n"); 0, or an errno. */
static int
fill_temp(int fd, mode_t mode, const char *data, size_t len, bool newline)
{
  int e;

  if (fchmod(fd, mode) != 0)
    return errno;
  e = fd_write_all(fd, data, len);
  if (e == 0 && newline)
    e = fd_write_all(fd, "\n", 1);
  if (e == 0 && fsync(fd) != 0)
    e = errno;
  return e;
}

/*
** Replace the file at argument 0's path with data[0..len) (and a newline
** when asked) through a temporary file and rename(2), mode `mode`.
*/
static int
write_atomic(struct std_call *call, enum std_builtin_id id, const char *data, size_t len,
             bool newline, mode_t mode)
{
  static const char suffix[] = ".rbc-tmp-XXXXXX";
  char *path, *tmp;
  size_t plen;
  bool there = false;
  int fd, e;

  if (std_arg_path(call, id, 0, &path) < 0)
    return -1;
  switch (sim_path(call, id, SIM_FILE_WRITE, path, data, len, &there, NULL, NULL)) {
  case SIM_UNMATCHED:
    free(path);
    return -1;
  case SIM_ANSWERED:
    free(path);
    return 0;
  default:
    break;
  }
  plen = strlen(path);
  tmp = malloc(plen + sizeof suffix);
  if (tmp == NULL) {
    free(path);
    return std_oom(call, id);
  }
  memcpy(tmp, path, plen);
  memcpy(tmp + plen, suffix, sizeof suffix);
  fd = mkstemp(tmp);
  e = fd < 0 ? errno : fill_temp(fd, mode, data, len, newline);
  if (fd >= 0 && close(fd) != 0 && e == 0)
    e = errno;
  if (e == 0 && rename(tmp, path) != 0)
    e = errno;
  if (e != 0 && fd >= 0)
    unlink(tmp);
  free(tmp);
  free(path);
  if (e != 0)
    return io_error(call, id, "write", e);
  return 0;
}

/* write_file(path, content): see the top of the file.  Returns null. */
int
std_write_file(struct std_call *call, struct rbc_value *out)
{
  struct rbc_value content;

  if (std_check_args(call, STD_BI_write_file) < 0)
    return -1;
  content = call->args[1];
  if (content.type != VAL_STRING)
    return std_type_error(call, STD_BI_write_file, 2, "a string (use json.encode or str)",
                          content);
  if (write_atomic(call, STD_BI_write_file, val_str_data(content), val_str_len(content),
                   false, content.secret ? 0600 : 0644) < 0)
    return -1;
  *out = val_null();
  return 0;
}

/* write_json(path, value[, indent:]): see the top of the file.  Returns null. */
int
std_write_json(struct std_call *call, struct rbc_value *out)
{
  struct rbc_value text;
  struct val_err err;
  int flags, rc;

  if (std_check_args(call, STD_BI_write_json) < 0
      || std_json_flags(call, STD_BI_write_json, true, &flags) < 0)
    return -1;
  if (val_json_encode(call->args[1], flags, &text, &err) != VAL_OK)
    return std_val_error(call, STD_BI_write_json, &err);
  rc = write_atomic(call, STD_BI_write_json, val_str_data(text), val_str_len(text), true,
                    text.secret || call->args[1].secret ? 0600 : 0644);
  val_release(text);
  if (rc < 0)
    return -1;
  *out = val_null();
  return 0;
}

/* }==== */
