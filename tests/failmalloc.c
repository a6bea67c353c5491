/*
** failmalloc.c: an LD_PRELOAD shim that makes one allocation fail, for the
** allocation-failure test (tests/failalloc.sh, docs/security.md).
**
**   LD_PRELOAD=tests/libfailmalloc.so RBC_FAIL_ALLOC=N rbc check x.rb
**
** counts every call of malloc, calloc, realloc, reallocarray, strdup,
** strndup, posix_memalign, aligned_alloc and memalign made by the program
** and the libraries it uses, and makes call number N (1-based) return NULL
** with errno ENOMEM.  Only that one call fails (RBC_FAIL_ALLOC_ALL=1: every
** call from N on).  RBC_FAIL_ALLOC=0 or unset fails nothing and only counts.
** RBC_FAIL_ALLOC_COUNT=FILE writes the number of calls counted to FILE at
** exit, so a driver knows how many values of N there are.
** RBC_FAIL_ALLOC_TRACE=1 prints a backtrace on SIGSEGV, SIGBUS, SIGFPE and
** SIGABRT before dying of the signal (not under ASan, which has its own).
** RBC_FAIL_ALLOC_WHERE=1 prints a backtrace where the failure is injected
** (to find the code that mishandles it; addr2line -e rbc turns the
** rbc(+0x...) offsets into lines).
**
** Only the program named RBC_FAIL_ALLOC_PROG (default "rbc") acts on the
** settings; in any other process (a wrapper such as valgrind's script and
** launcher) the shim passes everything through untouched.  The program
** removes LD_PRELOAD and the shim's variables from its environment as it
** starts, so the shell commands a runbook runs are not affected.  It
** forwards to the next definition (libc, or libasan's), so ASan's leak
** checker still watches every block: under ASan set
** ASAN_OPTIONS=verify_asan_link_order=0.  valgrind's memcheck replaces
** malloc in every object, this one's too: no failure can be injected there.
**
** Not a project source: it is built for the tests only (Makefile.am,
** check_DATA) and is never linked into rbc.
*/
#define _GNU_SOURCE             /* RTLD_NEXT, reallocarray, memalign */
#include <dlfcn.h>
#include <errno.h>
#include <execinfo.h>
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* malloc.h declares memalign; the others come from stdlib.h and string.h. */

static void *(*real_malloc)(size_t);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static void (*real_free)(void *);
static int (*real_posix_memalign)(void **, size_t, size_t);
static void *(*real_aligned_alloc)(size_t, size_t);
static void *(*real_memalign)(size_t, size_t);

static unsigned long calls;     /* allocation calls counted so far */
static unsigned long fail_at;   /* the call to fail; 0: none */
static int fail_all;            /* fail every call from fail_at on */
static char count_file[4096];   /* RBC_FAIL_ALLOC_COUNT, or "" */
static int resolving;           /* inside dlsym: serve from the bootstrap buffer */
static int show_where;          /* RBC_FAIL_ALLOC_WHERE=1 */

/* dlsym may allocate before the real functions are known: a static arena. */
static _Alignas(16) unsigned char boot[8192];
static size_t boot_used;

static int from_boot(const void *p)
{
  return (const unsigned char *)p >= boot && (const unsigned char *)p < boot + sizeof boot;
}

static void *boot_alloc(size_t size)
{
  void *p;

  size = (size + 15) & ~(size_t)15;
  if (size > sizeof boot - boot_used)
    return NULL;
  p = boot + boot_used;
  boot_used += size;
  return p;
}

static void resolve(void)
{
  if (real_malloc != NULL || resolving)
    return;
  resolving = 1;
  *(void **)&real_calloc = dlsym(RTLD_NEXT, "calloc");
  *(void **)&real_realloc = dlsym(RTLD_NEXT, "realloc");
  *(void **)&real_free = dlsym(RTLD_NEXT, "free");
  *(void **)&real_posix_memalign = dlsym(RTLD_NEXT, "posix_memalign");
  *(void **)&real_aligned_alloc = dlsym(RTLD_NEXT, "aligned_alloc");
  *(void **)&real_memalign = dlsym(RTLD_NEXT, "memalign");
  *(void **)&real_malloc = dlsym(RTLD_NEXT, "malloc");
  resolving = 0;
  if (real_malloc == NULL || real_calloc == NULL || real_realloc == NULL || real_free == NULL) {
    static const char msg[] = "failmalloc: cannot find the real allocator\n";
    (void)!write(2, msg, sizeof msg - 1);
    _exit(70);
  }
}

/* Count one call; 1 when it must fail. */
static int should_fail(void)
{
  calls++;
  if (fail_at == 0 || calls < fail_at)
    return 0;
  if (calls == fail_at || fail_all) {
    if (show_where && calls == fail_at) {
      static const char head[] = "failmalloc: failing this allocation:\n";
      void *frames[32];
      int n;

      (void)!write(2, head, sizeof head - 1);
      n = backtrace(frames, 32);
      backtrace_symbols_fd(frames, n, 2);
    }
    errno = ENOMEM;
    return 1;
  }
  return 0;
}

/* {==== the interposed functions ==== */

void *malloc(size_t size)
{
  if (real_malloc == NULL) {
    if (resolving)
      return boot_alloc(size);
    resolve();
  }
  if (should_fail())
    return NULL;
  return real_malloc(size);
}

void *calloc(size_t n, size_t size)
{
  if (real_calloc == NULL) {
    if (resolving) {
      void *p = n != 0 && size > SIZE_MAX / n ? NULL : boot_alloc(n * size);
      return p;                 /* the arena is static: already zero */
    }
    resolve();
  }
  if (should_fail())
    return NULL;
  return real_calloc(n, size);
}

void *realloc(void *p, size_t size)
{
  if (from_boot(p)) {           /* never grown in practice; copy out */
    void *q = malloc(size);
    if (q != NULL)
      memcpy(q, p, size < (size_t)(boot + sizeof boot - (unsigned char *)p)
                   ? size : (size_t)(boot + sizeof boot - (unsigned char *)p));
    return q;
  }
  if (real_realloc == NULL)
    resolve();
  if (should_fail())
    return NULL;
  return real_realloc(p, size);
}

void *reallocarray(void *p, size_t n, size_t size)
{
  if (n != 0 && size > SIZE_MAX / n) {
    errno = ENOMEM;
    return NULL;
  }
  return realloc(p, n * size);
}

void free(void *p)
{
  if (p == NULL || from_boot(p))
    return;
  if (real_free == NULL)
    resolve();
  real_free(p);
}

char *strdup(const char *s)
{
  size_t n = strlen(s) + 1;
  char *p = malloc(n);

  if (p != NULL)
    memcpy(p, s, n);
  return p;
}

char *strndup(const char *s, size_t n)
{
  size_t len = strnlen(s, n);
  char *p = malloc(len + 1);

  if (p != NULL) {
    memcpy(p, s, len);
    p[len] = '\0';
  }
  return p;
}

int posix_memalign(void **out, size_t align, size_t size)
{
  if (real_posix_memalign == NULL)
    resolve();
  if (should_fail())
    return ENOMEM;
  return real_posix_memalign(out, align, size);
}

void *aligned_alloc(size_t align, size_t size)
{
  if (real_aligned_alloc == NULL)
    resolve();
  if (should_fail())
    return NULL;
  return real_aligned_alloc(align, size);
}

void *memalign(size_t align, size_t size)
{
  if (real_memalign == NULL)
    resolve();
  if (should_fail())
    return NULL;
  return real_memalign(align, size);
}

/* }==== */

/* {==== start and exit ==== */

/* A fatal signal: say where, then die of it. */
static void on_fatal(int sig)
{
  static const char head[] = "failmalloc: fatal signal; backtrace:\n";
  void *frames[64];
  int n;

  (void)!write(2, head, sizeof head - 1);
  n = backtrace(frames, 64);
  backtrace_symbols_fd(frames, n, 2);
  signal(sig, SIG_DFL);
  raise(sig);
}

static void trace_fatal_signals(void)
{
  void *warm[1];
  static const int sigs[] = { SIGSEGV, SIGBUS, SIGFPE, SIGABRT };

  (void)backtrace(warm, 1);     /* loads libgcc's unwinder now, not in the handler */
  for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
    signal(sigs[i], on_fatal);
}

/* Read the settings and take them out of the environment (children run clean). */
__attribute__((constructor)) static void failmalloc_start(void)
{
  const char *n = getenv("RBC_FAIL_ALLOC");
  const char *all = getenv("RBC_FAIL_ALLOC_ALL");
  const char *cf = getenv("RBC_FAIL_ALLOC_COUNT");
  const char *trace = getenv("RBC_FAIL_ALLOC_TRACE");
  const char *where = getenv("RBC_FAIL_ALLOC_WHERE");
  const char *prog = getenv("RBC_FAIL_ALLOC_PROG");
  unsigned long at = n != NULL ? strtoul(n, NULL, 10) : 0;

  resolve();
  /* only the program under test acts; a wrapper in between (valgrind's
     shell script and launcher) passes everything on to it untouched */
  if (strcmp(program_invocation_short_name, prog != NULL && *prog != '\0' ? prog : "rbc") != 0)
    return;
  if (cf != NULL && strlen(cf) < sizeof count_file)
    memcpy(count_file, cf, strlen(cf) + 1);
  fail_all = all != NULL && strcmp(all, "1") == 0;
  if (trace != NULL && strcmp(trace, "1") == 0)
    trace_fatal_signals();
  if (where != NULL && strcmp(where, "1") == 0) {
    void *warm[1];

    (void)backtrace(warm, 1);
    show_where = 1;
  }
  unsetenv("RBC_FAIL_ALLOC");
  unsetenv("RBC_FAIL_ALLOC_ALL");
  unsetenv("RBC_FAIL_ALLOC_COUNT");
  unsetenv("RBC_FAIL_ALLOC_TRACE");
  unsetenv("RBC_FAIL_ALLOC_WHERE");
  unsetenv("RBC_FAIL_ALLOC_PROG");
  unsetenv("LD_PRELOAD");
  /* the calls above (getenv, unsetenv) are the shim's own: count from here */
  calls = 0;
  fail_at = at;
}

/* Write the count (no allocation here: the allocator may be failing). */
__attribute__((destructor)) static void failmalloc_stop(void)
{
  char buf[32];
  int len, fd;

  if (count_file[0] == '\0')
    return;
  len = snprintf(buf, sizeof buf, "%lu\n", calls);
  fd = open(count_file, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0)
    return;
  (void)!write(fd, buf, (size_t)len);
  close(fd);
}

/* }==== */
