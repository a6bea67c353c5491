/*
** cmd_compile.c: `rbc compile FILE.rb [-o OUT.rbx]` and
** `rbc disasm FILE.rbx|FILE.rb` (cli.md 7).
**
** compile runs parse + check + compile and writes the chunk atomically (a
** temporary file in the output's directory, then rename), so a reader never
** sees half a file.  disasm lists a bytecode file after chunk_load has
** verified it, or compiles a source file in memory and lists that.
**
** Exit statuses (cli.md 10): 0 done; 64 usage; 65 the runbook has errors or
** the .rbx is malformed; 66 the input cannot be read; 70 out of memory;
** 73 the output cannot be created.
*/
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/render.h"
#include "parser/arena.h"
#include "vm/bytecode.h"
#include "vm/compile.h"
#include "vm/disasm.h"

/* {==== shared ==== */

enum { O_OUTPUT = 1 };

static const struct cli_option compile_opts[] = {
  { "output", 'o', CLI_ARG_REQUIRED, O_OUTPUT },
  { NULL, 0, CLI_ARG_NONE, 0 }
};

static const struct cli_option disasm_opts[] = {
  { NULL, 0, CLI_ARG_NONE, 0 }
};

/*
** Parse, check and compile path into *out.  Returns 0, or the exit status
** after rendering the reasons on stderr.
*/
static int build_chunk(const char *path, struct chunk **out)
{
  struct arena *a = arena_new();
  struct source *src = NULL;
  struct parse_result pr;
  struct diag_list diags;
  int rc;

  *out = NULL;
  diag_init(&diags);
  if (!a) {
    diag_free(&diags);
    return EXIT_SOFTWARE;
  }
  rc = cli_load_and_check(path, a, &src, &pr, &diags);
  if (rc == 0 && diag_has_errors(&diags))
    rc = EXIT_DATAERR;
  if (rc == 0) {
    struct comp_options opts = { .lib_dirs = cli_lib_dirs() };

    if (comp_compile_opts(src, pr.file, &opts, &diags, out) != 0)
      rc = diags.oom ? EXIT_SOFTWARE : EXIT_DATAERR;
  }
  if (rc != 0) {
    render_errors(stderr, &diags, cli_use_color(stderr));
    if (rc == EXIT_DATAERR)
      fprintf(stderr, "rbc: %s: %zu error%s; no bytecode produced\n", path,
              diags.counts[DIAG_ERROR], diags.counts[DIAG_ERROR] == 1 ? "" : "s");
  }
  diag_free(&diags);
  src_free(src);
  arena_free(a);
  return rc;
}

/* }==== */

/* {==== compile ==== */

static void compile_help(void)
{
  fputs("Usage: rbc compile FILE.rb [-o OUT.rbx]\n"
        "\n"
        "Check FILE.rb and write its bytecode (default: FILE.rbx beside it).\n"
        "The output is reproducible: same source, same bytes.\n"
        "\n"
        "Options:\n"
        "  -o, --output OUT   write the bytecode to OUT\n"
        "  -h, --help         show this help and exit\n"
        "\n"
        "Exit status: 0 written, 64 usage, 65 the runbook has errors, 66 FILE\n"
        "unreadable, 73 OUT cannot be created.\n", stdout);
}

/* FILE.rb -> FILE.rbx, anything else -> anything.rbx; NULL when out of memory. */
static char *default_output(const char *in)
{
  size_t n = strlen(in);
  char *out = malloc(n + 5);

  if (!out)
    return NULL;
  memcpy(out, in, n + 1);
  if (n > 3 && strcmp(in + n - 3, ".rb") == 0)
    memcpy(out + n - 3, ".rbx", 5);
  else
    memcpy(out + n, ".rbx", 5);
  return out;
}

/* rbc compile FILE.rb [-o OUT.rbx]: check, compile, write atomically. */
int cmd_compile(int argc, char **argv)
{
  struct cli_args st;
  const char *input = NULL, *output = NULL;
  struct chunk *c = NULL;
  uint8_t *bytes = NULL;
  size_t len = 0;
  char *outname;
  int id, rc, err;

  cli_args_init(&st, argc, argv, "compile");
  for (id = cli_next_opt(&st, compile_opts); id != CLI_OPT_END;
       id = cli_next_opt(&st, compile_opts)) {
    if (id == CLI_OPT_ERROR)
      return EXIT_USAGE;
    if (id == CLI_OPT_HELP) {
      compile_help();
      return EXIT_OK;
    }
    if (id == CLI_OPT_VERSION) {
      cli_print_version(stdout);
      return EXIT_OK;
    }
    if (id == O_OUTPUT)
      output = st.optarg;
    else if (id == CLI_OPT_POSITIONAL && input)
      return cli_usage_error("compile", "compile takes one FILE ('%s' is a second)", st.optarg);
    else if (id == CLI_OPT_POSITIONAL)
      input = st.optarg;
  }
  if (!input)
    return cli_usage_error("compile", "missing FILE to compile");
  rc = build_chunk(input, &c);
  if (rc != 0)
    return rc;
  outname = output ? strdup(output) : default_output(strcmp(input, "-") == 0 ? "stdin" : input);
  if (!outname || chunk_save(c, &bytes, &len) != 0) {
    fprintf(stderr, "rbc: out of memory\n");
    rc = EXIT_SOFTWARE;
  } else {
    err = cli_write_atomic(outname, bytes, len, CLI_MODE_UMASK, CLI_WRITE_SYNC);
    rc = err == 0 ? 0 : err == ENOMEM ? EXIT_SOFTWARE : EXIT_CANTCREAT;
    if (err != 0)
      fprintf(stderr, "rbc: cannot create '%s': %s\n", outname, strerror(err));
  }
  free(bytes);
  free(outname);
  chunk_free(c);
  return rc;
}

/* }==== */

/* {==== disasm ==== */

static void disasm_help(void)
{
  fputs("Usage: rbc disasm FILE.rbx|FILE.rb\n"
        "\n"
        "Print the bytecode listing of a compiled file (verified first), or of a\n"
        "source file compiled in memory.\n"
        "\n"
        "Exit status: 0 listed, 64 usage, 65 errors in the runbook or a malformed\n"
        ".rbx, 66 FILE unreadable.\n", stdout);
}

/* Does the file at path start with the bytecode magic (or end in .rbx)? */
static bool is_bytecode(const char *path, const struct source *raw)
{
  size_t n = strlen(path);

  return (raw->len >= 4 && memcmp(raw->text, CHUNK_MAGIC, 4) == 0)
    || (n > 4 && strcmp(path + n - 4, ".rbx") == 0);
}

/* Load and verify a .rbx; 0, or the exit status after the message. */
static int load_chunk(const char *path, struct chunk **out)
{
  struct source *raw;
  char err[256];
  int e = 0;

  raw = src_read_file(path, &e);
  if (!raw) {
    fprintf(stderr, "rbc: cannot read '%s': %s\n", path, strerror(e));
    return e == ENOMEM ? EXIT_SOFTWARE : EXIT_NOINPUT;
  }
  if (!is_bytecode(path, raw)) {
    src_free(raw);
    return build_chunk(path, out);
  }
  if (chunk_load((const uint8_t *)raw->text, raw->len, out, err, sizeof err) != 0) {
    fprintf(stderr, "rbc: %s: %s\n", path, err);
    src_free(raw);
    return strcmp(err, "out of memory") == 0 ? EXIT_SOFTWARE : EXIT_DATAERR;
  }
  src_free(raw);
  return 0;
}

/* rbc disasm FILE.rbx|FILE.rb: load and verify, or compile in memory; list. */
int cmd_disasm(int argc, char **argv)
{
  struct cli_args st;
  const char *input = NULL;
  struct chunk *c = NULL;
  int id, rc;

  cli_args_init(&st, argc, argv, "disasm");
  for (id = cli_next_opt(&st, disasm_opts); id != CLI_OPT_END;
       id = cli_next_opt(&st, disasm_opts)) {
    if (id == CLI_OPT_ERROR)
      return EXIT_USAGE;
    if (id == CLI_OPT_HELP) {
      disasm_help();
      return EXIT_OK;
    }
    if (id == CLI_OPT_VERSION) {
      cli_print_version(stdout);
      return EXIT_OK;
    }
    if (id == CLI_OPT_POSITIONAL && input)
      return cli_usage_error("disasm", "disasm takes one FILE ('%s' is a second)", st.optarg);
    input = st.optarg;
  }
  if (!input)
    return cli_usage_error("disasm", "missing FILE to list");
  rc = load_chunk(input, &c);
  if (rc != 0)
    return rc;
  dis_chunk(stdout, c);
  chunk_free(c);
  if (dis_incomplete()) {
    fflush(stdout);
    fputs("rbc: disasm: out of memory; the listing above is incomplete\n", stderr);
    return EXIT_SOFTWARE;
  }
  return fflush(stdout) == 0 ? EXIT_OK : EXIT_CANTCREAT;
}

/* }==== */
