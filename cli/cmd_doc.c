/*
** cmd_doc.c: `rbc doc FILE [-o OUT]` (cli.md 1, docs/doc.md): the runbook
** rendered as Markdown in the shape of the rollback procedure template.
**
** The runbook is parsed and checked first; with errors nothing is written
** (exit 65, the errors on stderr).  The document goes to stdout, or with -o
** to OUT, written atomically (temporary file, then rename).  The output
** depends only on the file's content and base name, so it is byte for byte
** reproducible (no date, source order).
**
** Exit status: 0 written, 64 usage, 65 errors in the runbook or no runbook
** in the file (a library), 66 FILE unreadable, 70 internal error, 73 OUT
** cannot be written.
*/
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/render.h"
#include "parser/arena.h"
#include "parser/doc.h"

enum { O_OUTPUT = 1 };

static const struct cli_option doc_opts[] = {
  { "output", 'o', CLI_ARG_REQUIRED, O_OUTPUT },
  { NULL,     0,   CLI_ARG_NONE,     0 }
};

/* rbc doc --help, on stdout. */
static void
doc_help(void)
{
  fputs("Usage: rbc doc FILE [-o OUT]\n"
        "\n"
        "Render the runbook as a Markdown document: header (criticality, RPO,\n"
        "RTO, owner...), contacts and resources, decision criteria, the procedure\n"
        "phase by phase, checklists, troubleshooting, metrics and document\n"
        "status.  The same file always gives the same bytes.\n"
        "\n"
        "Options:\n"
        "  -o, --output OUT   write the document to OUT instead of stdout\n"
        "  -h, --help         show this help and exit\n"
        "\n"
        "Examples:\n"
        "  rbc doc runbooks/payments-api.rb > payments-api.md\n"
        "  rbc doc runbooks/payments-api.rb -o docs/payments-api.md\n"
        "\n"
        "Exit status: 0 written, 64 usage, 65 the runbook has errors (or FILE\n"
        "is a library), 66 FILE unreadable, 73 OUT cannot be written.\n", stdout);
}

/* Parse, check and render path into out; an exit status. */
static int
render_file(const char *path, struct fmt_buf *out)
{
  struct arena *a = arena_new();
  struct source *src = NULL;
  struct parse_result pr;
  struct diag_list diags;
  const char *base = strrchr(path, '/');
  int rc;

  if (a == NULL)
    return EXIT_SOFTWARE;
  diag_init(&diags);
  rc = cli_load(path, NULL, NULL, a, &src, &pr, &diags);
  if (rc == EXIT_NOINPUT)
    render_errors(stderr, &diags, cli_use_color(stderr));
  if (rc == 0 && diag_has_errors(&diags)) {
    render_errors(stderr, &diags, cli_use_color(stderr));
    fprintf(stderr, "rbc: %s: %zu error%s; no document produced\n", src->name,
            diags.counts[DIAG_ERROR], diags.counts[DIAG_ERROR] == 1 ? "" : "s");
    rc = EXIT_DATAERR;
  }
  if (rc == 0) {
    int r = doc_render(src, pr.file, strcmp(path, "-") == 0 ? "<stdin>"
                                     : base != NULL ? base + 1 : path, out);
    if (r == 1)
      fprintf(stderr, "rbc: %s holds no runbook (a library has no document)\n", src->name);
    rc = r == 0 ? 0 : r == 1 ? EXIT_DATAERR : EXIT_SOFTWARE;
  }
  diag_free(&diags);
  src_free(src);
  arena_free(a);
  return rc;
}

/* rbc doc: see the top of the file. */
int
cmd_doc(int argc, char **argv)
{
  struct cli_args st;
  const char *path = NULL, *output = NULL;
  struct fmt_buf out;
  int opt, rc, err;

  cli_args_init(&st, argc, argv, "doc");
  for (opt = cli_next_opt(&st, doc_opts); opt != CLI_OPT_END;
       opt = cli_next_opt(&st, doc_opts)) {
    switch (opt) {
    case O_OUTPUT: output = st.optarg; break;
    case CLI_OPT_POSITIONAL:
      if (path != NULL)
        return cli_usage_error("doc", "one FILE only (got '%s' and '%s')", path, st.optarg);
      path = st.optarg;
      break;
    case CLI_OPT_HELP: doc_help(); return EXIT_OK;
    case CLI_OPT_VERSION: cli_print_version(stdout); return EXIT_OK;
    default: return EXIT_USAGE;
    }
  }
  if (path == NULL)
    return cli_usage_error("doc", "no input: give the runbook FILE");
  fmt_buf_init(&out);
  rc = render_file(path, &out);
  if (rc == 0 && output == NULL && out.len > 0
      && (fwrite(out.data, 1, out.len, stdout) != out.len || fflush(stdout) != 0))
    rc = EXIT_IOERR;
  if (rc == 0 && output != NULL) {
    err = cli_write_atomic(output, out.data != NULL ? out.data : "", out.len,
                           CLI_MODE_UMASK, 0);
    if (err != 0) {
      fprintf(stderr, "rbc: cannot write %s: %s\n", output, strerror(err));
      rc = EXIT_CANTCREAT;
    }
  }
  fmt_buf_free(&out);
  return rc;
}
