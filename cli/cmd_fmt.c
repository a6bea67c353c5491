/*
** cmd_fmt.c: `rbc fmt [--check | --diff] FILE|DIR|-...` (cli.md 1, docs/fmt.md).
**
** Each input is formatted by fmt_source (parser/fmt.h), which re-parses its
** own output and refuses any text that would not give back the same tree
** and comments.  In place by default: a file that changes is replaced
** atomically (temporary file in the same directory, then rename, mode
** kept); an unchanged file is not touched.  `-` formats stdin to stdout.
** --check lists the files that would change (one name per line, stdout);
** --diff prints a unified diff instead of writing.  A file with syntax
** errors is left untouched and its errors go to stderr.
**
** A directory is walked in name order; the [paths] exclude patterns of its
** config file (cli.md 13: --config, RBC_CONFIG or the search) are skipped.
**
** Exit status: 0 nothing to change (or everything written), 1 --check or
** --diff found a file to change, 64 usage, 65 a file has syntax errors,
** 66 an input is missing or no .rb file was found, 70 internal error,
** 73 a file cannot be written, 78 invalid config file.  The highest
** applicable status wins.
*/
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/config.h"
#include "cli/render.h"
#include "parser/fmt.h"

enum { O_CHECK = 1, O_DIFF, O_STDIN_NAME, O_CONFIG, O_NO_CONFIG };

static const struct cli_option fmt_opts[] = {
  { "check",          0, CLI_ARG_NONE,     O_CHECK },
  { "diff",           0, CLI_ARG_NONE,     O_DIFF },
  { "stdin-filename", 0, CLI_ARG_REQUIRED, O_STDIN_NAME },
  { "config",         0, CLI_ARG_REQUIRED, O_CONFIG },
  { "no-config",      0, CLI_ARG_NONE,     O_NO_CONFIG },
  { NULL,             0, CLI_ARG_NONE,     0 }
};

/* What the command does with each input. */
struct fmt_run {
  bool check;                   /* --check */
  bool diff;                    /* --diff */
  const char *stdin_name;       /* --stdin-filename, or NULL */
  const char *config;           /* --config FILE (or RBC_CONFIG), NULL to search */
  bool no_config;               /* --no-config */
  struct cfg_file cfg;          /* the config of the directory being walked */
  int status;                   /* the highest exit status so far */
  size_t files;                 /* inputs formatted */
  size_t changed;               /* of which would change / changed */
};

/* rbc fmt --help, on stdout. */
static void
fmt_help(void)
{
  fputs("Usage: rbc fmt [--check | --diff] FILE|DIR|-...\n"
        "\n"
        "Rewrite runbooks in the canonical layout (docs/fmt.md), in place.\n"
        "A directory means every .rb file under it, except those its config's\n"
        "[paths] exclude lists; '-' reads standard input and writes the result\n"
        "to standard output.  Comments are kept; a file with syntax errors is\n"
        "left untouched.\n"
        "\n"
        "Options:\n"
        "      --check            write nothing; list the files that would change\n"
        "      --diff             write nothing; print a unified diff of the changes\n"
        "      --stdin-filename NAME  the name shown for '-' in messages\n"
        "      --config FILE      read FILE for [paths] exclude (also RBC_CONFIG)\n"
        "      --no-config        read no config file\n"
        "  -h, --help             show this help and exit\n"
        "\n"
        "Examples:\n"
        "  rbc fmt runbooks/\n"
        "  rbc fmt --check runbooks/ || echo 'run rbc fmt'\n"
        "  rbc fmt - < payments-api.rb\n"
        "\n"
        "Exit status: 0 done (nothing to change), 1 --check/--diff found changes,\n"
        "64 usage, 65 syntax errors (file untouched), 66 input missing,\n"
        "70 internal error, 73 cannot write a file, 78 invalid config file.\n", stdout);
}

/* Keep the highest exit status. */
static void
set_status(struct fmt_run *r, int status)
{
  if (status > r->status)
    r->status = status;
}

/* {==== unified diff ==== */

/* Lines of a text: offsets of their starts (n + 1 entries, the last = len). */
struct lines {
  const char *s;
  size_t *at;
  size_t n;
};

/* Index the lines of s[0, len); 0, or -1 out of memory. */
static int
split_lines(struct lines *l, const char *s, size_t len)
{
  size_t i, n = 0;

  for (i = 0; i < len; i++)
    n += s[i] == '\n';
  n += len > 0 && s[len - 1] != '\n';
  l->s = s;
  l->n = n;
  l->at = malloc((n + 1) * sizeof *l->at);
  if (l->at == NULL)
    return -1;
  n = 0;
  l->at[0] = 0;
  for (i = 0; i < len; i++)
    if (s[i] == '\n')
      l->at[++n] = i + 1;
  l->at[l->n] = len;
  return 0;
}

/* Are line i of a and line j of b the same bytes? */
static bool
same_line(const struct lines *a, size_t i, const struct lines *b, size_t j)
{
  size_t la = a->at[i + 1] - a->at[i], lb = b->at[j + 1] - b->at[j];

  return la == lb && memcmp(a->s + a->at[i], b->s + b->at[j], la) == 0;
}

/* One line with its prefix; marks a missing final newline as diff does. */
static void
diff_line(FILE *out, char mark, const struct lines *l, size_t i)
{
  size_t len = l->at[i + 1] - l->at[i];

  fputc(mark, out);
  fwrite(l->s + l->at[i], 1, len, out);
  if (len == 0 || l->s[l->at[i] + len - 1] != '\n')
    fputs("\n\\ No newline at end of file\n", out);
}

/*
** The edit script between a and b as ops: '=' keep, '-' delete, '+' insert
** (malloc'd, *nops entries).  Common prefix and suffix are trimmed, then an
** LCS table aligns the middle when it is small enough; a larger middle is
** shown as deleted then inserted (still a correct diff, only not minimal).
*/
static char *
edit_script(const struct lines *a, const struct lines *b, size_t *nops)
{
  size_t pre = 0, suf = 0, n, m, i, j, k = 0;
  char *ops = malloc(a->n + b->n + 1);
  unsigned *t = NULL;

  if (ops == NULL)
    return NULL;
  while (pre < a->n && pre < b->n && same_line(a, pre, b, pre))
    pre++;
  while (suf < a->n - pre && suf < b->n - pre
         && same_line(a, a->n - 1 - suf, b, b->n - 1 - suf))
    suf++;
  n = a->n - pre - suf;
  m = b->n - pre - suf;
  if (n > 0 && m > 0 && n <= 4000 && m <= 4000)
    t = calloc((n + 1) * (m + 1), sizeof *t);
  memset(ops, '=', pre);
  k = pre;
  if (t != NULL) {
    for (i = n; i-- > 0; )
      for (j = m; j-- > 0; )
        t[i * (m + 1) + j] = same_line(a, pre + i, b, pre + j)
                             ? t[(i + 1) * (m + 1) + j + 1] + 1
                             : t[(i + 1) * (m + 1) + j] > t[i * (m + 1) + j + 1]
                               ? t[(i + 1) * (m + 1) + j] : t[i * (m + 1) + j + 1];
    for (i = 0, j = 0; i < n || j < m; ) {
      if (i < n && j < m && same_line(a, pre + i, b, pre + j))
        ops[k++] = '=', i++, j++;
      else if (j >= m || (i < n && t[(i + 1) * (m + 1) + j] >= t[i * (m + 1) + j + 1]))
        ops[k++] = '-', i++;
      else
        ops[k++] = '+', j++;
    }
    free(t);
  } else {
    memset(ops + k, '-', n);
    memset(ops + k + n, '+', m);
    k += n + m;
  }
  memset(ops + k, '=', suf);
  *nops = k + suf;
  return ops;
}

/* Print the hunks of ops with 3 lines of context. */
static void
print_hunks(FILE *out, const struct lines *a, const struct lines *b, const char *ops,
            size_t nops)
{
  size_t k = 0;

  while (k < nops) {
    size_t start, end, i, ai = 0, bi = 0, na = 0, nb = 0, a0, b0, q;
    while (k < nops && ops[k] == '=')
      k++;
    if (k == nops)
      break;
    start = k >= 3 ? k - 3 : 0;
    end = k;
    for (q = k; q < nops; q++) {
      if (ops[q] != '=')
        end = q + 1;
      else if (q - end >= 6)
        break;
    }
    end = end + 3 < nops ? end + 3 : nops;
    for (i = 0; i < start; i++) {
      ai += ops[i] != '+';
      bi += ops[i] != '-';
    }
    for (i = start; i < end; i++) {
      na += ops[i] != '+';
      nb += ops[i] != '-';
    }
    a0 = ai;
    b0 = bi;
    fprintf(out, "@@ -%zu,%zu +%zu,%zu @@\n", na ? a0 + 1 : a0, na, nb ? b0 + 1 : b0, nb);
    for (i = start; i < end; i++) {
      if (ops[i] == '=')
        diff_line(out, ' ', a, ai++), bi++;
      else if (ops[i] == '-')
        diff_line(out, '-', a, ai++);
      else
        diff_line(out, '+', b, bi++);
    }
    k = end;
  }
}

/* A unified diff of old -> new for `name` on stdout; 0, or -1 out of memory. */
static int
unified_diff(const char *name, const char *old, size_t olen, const char *new_text,
             size_t nlen)
{
  struct lines a, b;
  size_t nops;
  char *ops;

  a.at = b.at = NULL;
  if (split_lines(&a, old, olen) != 0 || split_lines(&b, new_text, nlen) != 0) {
    free(a.at);
    return -1;
  }
  ops = edit_script(&a, &b, &nops);
  if (ops != NULL) {
    printf("--- %s\n+++ %s\n", name, name);
    print_hunks(stdout, &a, &b, ops, nops);
  }
  free(ops);
  free(a.at);
  free(b.at);
  return ops != NULL ? 0 : -1;
}

/* }==== */

/* {==== one input ==== */

/* Act on the formatted text of src (write, list, diff or print). */
static void
deliver(struct fmt_run *r, const char *path, const struct source *src, const char *text,
        size_t len)
{
  bool is_stdin = strcmp(path, "-") == 0;
  bool same = len == src->len && memcmp(text, src->text, len) == 0;
  int err;

  r->files++;
  r->changed += !same;
  if (r->check || r->diff) {
    if (!same && r->check)
      printf("%s\n", src->name);
    if (!same && r->diff && unified_diff(src->name, src->text, src->len, text, len) != 0)
      set_status(r, EXIT_SOFTWARE);
    if (!same)
      set_status(r, EXIT_FINDINGS);
    return;
  }
  if (is_stdin) {
    fwrite(text, 1, len, stdout);
    return;
  }
  if (same)
    return;
  err = cli_write_atomic(path, text, len, CLI_MODE_KEEP, 0);
  if (err != 0) {
    fprintf(stderr, "rbc: cannot write %s: %s\n", path, strerror(err));
    set_status(r, EXIT_CANTCREAT);
  } else if (cli_globals.verbosity > 0) {
    fprintf(stderr, "rbc: reformatted %s\n", path);
  }
}

/* Format one file ("-" for stdin). */
static void
format_one(struct fmt_run *r, const char *path)
{
  int err = 0;
  struct source *src = src_read_file(path, &err);
  struct diag_list diags;
  char *text = NULL;
  size_t len = 0;
  int st;

  if (src == NULL) {
    fprintf(stderr, "rbc: cannot read %s: %s\n",
            strcmp(path, "-") == 0 ? "standard input" : path, strerror(err));
    set_status(r, err == ENOMEM ? EXIT_SOFTWARE : EXIT_NOINPUT);
    return;
  }
  if (strcmp(path, "-") == 0) {
    char *name = strdup(r->stdin_name != NULL ? r->stdin_name : "<stdin>");
    if (name != NULL) {
      free(src->name);
      src->name = name;
    }
  }
  diag_init(&diags);
  st = fmt_source(src, &diags, &text, &len);
  if (st == FMT_OK) {
    deliver(r, path, src, text, len);
  } else if (st == FMT_SYNTAX) {
    render_errors(stderr, &diags, cli_use_color(stderr));
    fprintf(stderr, "rbc: %s: syntax errors; not formatted\n", src->name);
    set_status(r, EXIT_DATAERR);
  } else if (st == FMT_UNSTABLE) {
    fprintf(stderr, "rbc: internal error: formatting %s would change its meaning; "
            "left unchanged (please report)\n", src->name);
    set_status(r, EXIT_SOFTWARE);
  } else {
    fputs("rbc: out of memory\n", stderr);
    set_status(r, EXIT_SOFTWARE);
  }
  free(text);
  diag_free(&diags);
  src_free(src);
}

/* }==== */

/* {==== directories ==== */

/* qsort order of directory entries: bytewise by name. */
static int
cmp_names(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Is name a runbook file name (*.rb)? */
static bool
ends_with_rb(const char *name)
{
  size_t n = strlen(name);

  return n > 3 && strcmp(name + n - 3, ".rb") == 0;
}

static void walk(struct fmt_run *r, const char *dir, int depth);

/* One directory entry: a .rb file is formatted, a directory walked. */
static void
visit(struct fmt_run *r, const char *dir, const char *name, int depth)
{
  size_t n = strlen(dir) + strlen(name) + 2;
  char *path = malloc(n);
  struct stat st;

  if (path == NULL) {
    set_status(r, EXIT_SOFTWARE);
    return;
  }
  snprintf(path, n, "%s/%s", dir, name);
  if (stat(path, &st) == 0 && !cfg_excluded(&r->cfg, path)) {
    if (S_ISDIR(st.st_mode))
      walk(r, path, depth + 1);
    else if (S_ISREG(st.st_mode) && ends_with_rb(name))
      format_one(r, path);
  }
  free(path);
}

/* Every .rb file under dir, in name order; hidden entries skipped. */
static void
walk(struct fmt_run *r, const char *dir, int depth)
{
  DIR *d;
  struct dirent *e;
  char **names = NULL;
  size_t n = 0, cap = 0, i;

  if (depth > 64)
    return;
  d = opendir(dir);
  if (d == NULL) {
    fprintf(stderr, "rbc: cannot read directory %s: %s\n", dir, strerror(errno));
    set_status(r, EXIT_NOINPUT);
    return;
  }
  for (e = readdir(d); e != NULL; e = readdir(d)) {
    char **grown;
    if (e->d_name[0] == '.')
      continue;
    if (n == cap) {
      cap = cap ? cap * 2 : 16;
      grown = realloc(names, cap * sizeof *names);
      if (grown == NULL)
        break;
      names = grown;
    }
    names[n] = strdup(e->d_name);
    if (names[n] != NULL)
      n++;
  }
  closedir(d);
  if (n > 0)
    qsort(names, n, sizeof *names, cmp_names);
  for (i = 0; i < n; i++) {
    visit(r, dir, names[i], depth);
    free(names[i]);
  }
  free(names);
}

/*
** The config for walking dir: --config / RBC_CONFIG, else the search from
** dir (cli.md 13); none with --no-config.  Returns 0, or EXIT_CONFIG after
** reporting an invalid file.
*/
static int
load_config(struct fmt_run *r, const char *dir)
{
  const char *env = getenv("RBC_CONFIG");
  char *found = NULL, err[512];
  const char *path = r->config != NULL ? r->config : env != NULL && *env ? env : NULL;
  int rc = 0;

  cfg_free(&r->cfg);
  cfg_init(&r->cfg);
  if (r->no_config)
    return 0;
  if (path == NULL)
    path = found = cfg_find(dir);
  if (path != NULL && cfg_load(path, &r->cfg, err, sizeof err) != 0) {
    fprintf(stderr, "rbc: error[RB9002]: %s\n", err);
    rc = EXIT_CONFIG;
  } else if (path != NULL && cli_globals.verbosity > 0) {
    fprintf(stderr, "rbc: using config file '%s'\n", path);
  }
  free(found);
  return rc;
}

/* }==== */

/* rbc fmt: see the top of the file. */
int
cmd_fmt(int argc, char **argv)
{
  struct cli_args st;
  struct fmt_run r;
  const char **paths = calloc((size_t)argc + 1, sizeof *paths);
  size_t npaths = 0, i;
  int opt;

  if (paths == NULL)
    return EXIT_SOFTWARE;
  memset(&r, 0, sizeof r);
  cfg_init(&r.cfg);
  cli_args_init(&st, argc, argv, "fmt");
  for (opt = cli_next_opt(&st, fmt_opts); opt != CLI_OPT_END;
       opt = cli_next_opt(&st, fmt_opts)) {
    switch (opt) {
    case O_CHECK: r.check = true; break;
    case O_DIFF: r.diff = true; break;
    case O_STDIN_NAME: r.stdin_name = st.optarg; break;
    case O_CONFIG: r.config = st.optarg; break;
    case O_NO_CONFIG: r.no_config = true; break;
    case CLI_OPT_POSITIONAL: paths[npaths++] = st.optarg; break;
    case CLI_OPT_HELP: fmt_help(); free(paths); return EXIT_OK;
    case CLI_OPT_VERSION: cli_print_version(stdout); free(paths); return EXIT_OK;
    default: free(paths); return EXIT_USAGE;
    }
  }
  if (npaths == 0) {
    free(paths);
    return cli_usage_error("fmt", "no input: give FILE, DIR or '-'");
  }
  for (i = 0; i < npaths; i++) {
    struct stat sb;
    if (strcmp(paths[i], "-") != 0 && stat(paths[i], &sb) == 0 && S_ISDIR(sb.st_mode)) {
      int cs = load_config(&r, paths[i]);
      if (cs == 0)
        walk(&r, paths[i], 0);
      set_status(&r, cs);
    } else {
      format_one(&r, paths[i]);
    }
  }
  cfg_free(&r.cfg);
  if (r.files == 0 && r.status == 0) {
    fputs("rbc: no .rb file found in the given paths\n", stderr);
    r.status = EXIT_NOINPUT;
  }
  if (cli_globals.verbosity > 0)
    fprintf(stderr, "rbc: %zu file%s, %zu %s\n", r.files, r.files == 1 ? "" : "s",
            r.changed, r.check || r.diff ? "would change" : "changed");
  free(paths);
  return r.status;
}
