/*
** cmd_explain.c: `rbc explain RBxxxx|NAME` and `rbc rules` (cli.md 1, 3).
**
** `explain` prints the Markdown page of one diagnostic; `rules` lists every
** code of lexer/diag_codes.def with its name, default severity, the lowest
** `check --profile` that turns it on, its tags and summary (tty, json or
** md; the md table is the one in docs/diagnostics/README.md).
**
** The pages are read at run time: from the source tree's docs/diagnostics
** when this is the rbc of a build tree (RBC_SOURCE_DIAG_DIR), else from the
** installed copy in $(pkgdatadir)/diagnostics (RBC_DIAG_DIR); `make
** install` puts them there.
*/
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/config.h"
#include "cli/explain.h"
#include "cli/render.h"

/* {==== the pages ==== */

/* The directories holding RBxxxx.md, in search order, NULL-terminated. */
static void
page_dirs(const char *dirs[3])
{
  int n = 0;

#ifdef RBC_SOURCE_DIAG_DIR
  if (cli_running_uninstalled())
    dirs[n++] = RBC_SOURCE_DIAG_DIR;
#endif
#ifdef RBC_DIAG_DIR
  dirs[n++] = RBC_DIAG_DIR;
#endif
  dirs[n] = NULL;
}

/* The whole file at path, malloc'd and NUL-terminated; NULL when unreadable. */
static char *
slurp(const char *path)
{
  FILE *f = fopen(path, "r");
  char *buf = NULL, *grown;
  size_t len = 0, n;

  if (f == NULL)
    return NULL;
  for (;;) {
    grown = realloc(buf, len + 4097);
    if (grown == NULL) {
      free(buf);
      buf = NULL;
      break;
    }
    buf = grown;
    n = fread(buf + len, 1, 4096, f);
    len += n;
    buf[len] = '\0';
    if (n < 4096 || len > (1u << 20))
      break;
  }
  fclose(f);
  return buf;
}

/* The page of code from the first directory that has it (see explain.h). */
char *
explain_page(enum diag_code code)
{
  const char *dirs[3];
  char path[4096], *page = NULL;

  page_dirs(dirs);
  errno = 0;
  for (int i = 0; page == NULL && dirs[i] != NULL; i++) {
    snprintf(path, sizeof path, "%s/%s.md", dirs[i], diag_info(code)->code);
    page = slurp(path);
    if (page == NULL && errno == ENOMEM)
      break;                    /* out of memory, not "no page": errno says so */
  }
  return page;
}

/* Where explain_page looked, for the message when it found nothing. */
static void
tried_paths(const struct diag_info *info, char *tried, size_t size)
{
  const char *dirs[3];

  page_dirs(dirs);
  tried[0] = '\0';
  for (int i = 0; dirs[i] != NULL; i++) {
    size_t used = strlen(tried);
    snprintf(tried + used, size - used, "%s%s/%s.md", used ? ", " : "", dirs[i], info->code);
  }
}

/* }==== */

/* {==== rbc explain ==== */

static void
explain_help(void)
{
  fputs("Usage: rbc explain RBxxxx|NAME\n\n"
        "Print the long explanation of a diagnostic (Markdown): what it means, an\n"
        "example, how to fix it.  NAME is the rule's kebab-case name\n"
        "(`rbc explain secret-in-shell`).  `rbc rules` lists them all.\n\n"
        "Examples:\n"
        "  rbc explain RB3001\n"
        "  rbc explain budgets-exceed-rto\n\n"
        "Exit status: 0 shown, 64 unknown code or name, 66 page not installed.\n", stdout);
}

/* Usage error for an unknown code or name, with the closest ones. */
static int
unknown_code(const char *word)
{
  const char *cands[2 * DIAG__COUNT + 1];
  char hint[96];
  size_t n = 0;

  for (int k = 0; k < DIAG__COUNT; k++) {
    cands[n++] = diag_info((enum diag_code)k)->code;
    cands[n++] = diag_info((enum diag_code)k)->name;
  }
  cands[n] = NULL;
  cli_did_you_mean(hint, sizeof hint, word, cands, "");
  return cli_usage_error("explain", "unknown diagnostic '%s'%s", word, hint);
}

/* rbc explain CODE|NAME */
int
cmd_explain(int argc, char **argv)
{
  static const struct cli_option none[] = { { NULL, 0, CLI_ARG_NONE, 0 } };
  struct cli_args st;
  const char *word = NULL;
  char tried[8192], *page;
  int id, k;

  cli_args_init(&st, argc, argv, "explain");
  for (id = cli_next_opt(&st, none); id != CLI_OPT_END; id = cli_next_opt(&st, none)) {
    if (id == CLI_OPT_ERROR)
      return EXIT_USAGE;
    if (id == CLI_OPT_HELP) {
      explain_help();
      return EXIT_OK;
    }
    if (id == CLI_OPT_VERSION) {
      cli_print_version(stdout);
      return EXIT_OK;
    }
    if (word != NULL)
      return cli_usage_error("explain", "one code or name at a time ('%s' and '%s')",
                             word, st.optarg);
    word = st.optarg;
  }
  if (word == NULL)
    return cli_usage_error("explain", "which diagnostic? (give a code such as RB3001 or a name)");
  k = diag_lookup(word);
  if (k < 0)
    return unknown_code(word);
  page = explain_page((enum diag_code)k);
  if (page != NULL) {
    fputs(page, stdout);
    free(page);
    return EXIT_OK;
  }
  tried_paths(diag_info((enum diag_code)k), tried, sizeof tried);
  fprintf(stderr, "rbc: no page for %s (looked for %s)\n", diag_info((enum diag_code)k)->code,
          tried);
  return EXIT_NOINPUT;
}

/* }==== */

/* {==== rbc rules ==== */

static void
rules_help(void)
{
  fputs("Usage: rbc rules [-f tty|json|md]\n\n"
        "List every diagnostic rbc can emit: code, name, default severity, the\n"
        "lowest `rbc check --profile` that turns it on, tags and summary.\n\n"
        "  -f, --format=FORMAT     tty (default), json (schema rbc.rules/1) or md\n\n"
        "Exit status: 0 listed, 64 usage error.\n", stdout);
}

/*
** Can `# rbc: ignore[...]` silence it?  RB2xxx to RB8xxx, except the
** findings about the directives themselves (reported after they apply).
*/
static bool
suppressible(enum diag_code k)
{
  return k >= DIAG_RB2001 && k < DIAG_RB9001 && k != DIAG_RB4090 && k != DIAG_RB4091;
}

/* The rbc.rules/1 document on stdout. */
static int
rules_json(void)
{
  json_t *rules = json_array(), *doc;
  int status = 0;

  for (int k = 0; rules != NULL && k < DIAG__COUNT; k++) {
    const struct diag_info *in = diag_info((enum diag_code)k);
    char url[64];
    snprintf(url, sizeof url, "docs/diagnostics/%s.md", in->code);
    if (json_array_append_new(rules, json_pack(
          "{s:s, s:s, s:s, s:s, s:o, s:b, s:s, s:s}", "code", in->code, "name", in->name,
          "severity", diag_severity_name(in->severity),
          "profile", cfg_profile_name(cfg_code_profile((enum diag_code)k)),
          "tags", render_tag_array(in->tags), "suppressible", suppressible((enum diag_code)k),
          "summary", in->summary, "url", url)) != 0)
      status = EXIT_SOFTWARE;
  }
  doc = json_pack("{s:s, s:o}", "schema", "rbc.rules/1", "rules", rules);
  if (doc == NULL || status != 0 || json_dumpf(doc, stdout, JSON_INDENT(2)) != 0)
    status = EXIT_SOFTWARE;
  else
    fputc('\n', stdout);
  json_decref(doc);
  return status;
}

/* The Markdown table of docs/diagnostics/README.md. */
static void
rules_md(void)
{
  fputs("| code | name | severity | summary |\n|---|---|---|---|\n", stdout);
  for (int k = 0; k < DIAG__COUNT; k++) {
    const struct diag_info *in = diag_info((enum diag_code)k);
    printf("| [%s](%s.md) | `%s` | %s | %s |\n", in->code, in->code, in->name,
           diag_severity_name(in->severity), in->summary);
  }
}

/* One aligned line per code. */
static void
rules_tty(void)
{
  printf("%-7s %-28s %-8s %-11s %-22s %s\n", "CODE", "NAME", "SEVERITY", "PROFILE", "TAGS",
         "SUMMARY");
  for (int k = 0; k < DIAG__COUNT; k++) {
    const struct diag_info *in = diag_info((enum diag_code)k);
    printf("%-7s %-28s %-8s %-11s %-22s %s\n", in->code, in->name,
           diag_severity_name(in->severity),
           cfg_profile_name(cfg_code_profile((enum diag_code)k)), in->tags, in->summary);
  }
}

/* rbc rules [-f tty|json|md] */
int
cmd_rules(int argc, char **argv)
{
  static const struct cli_option opts[] = {
    { "format", 'f', CLI_ARG_REQUIRED, 1 },
    { NULL, 0, CLI_ARG_NONE, 0 }
  };
  struct cli_args st;
  const char *format = "tty";
  char hint[64];
  int id;

  cli_args_init(&st, argc, argv, "rules");
  for (id = cli_next_opt(&st, opts); id != CLI_OPT_END; id = cli_next_opt(&st, opts)) {
    if (id == CLI_OPT_ERROR)
      return EXIT_USAGE;
    if (id == CLI_OPT_HELP) {
      rules_help();
      return EXIT_OK;
    }
    if (id == CLI_OPT_VERSION) {
      cli_print_version(stdout);
      return EXIT_OK;
    }
    if (id == CLI_OPT_POSITIONAL)
      return cli_usage_error("rules", "unexpected argument '%s'", st.optarg);
    format = st.optarg;
  }
  if (strcmp(format, "json") == 0)
    return rules_json();
  if (strcmp(format, "md") == 0)
    rules_md();
  else if (strcmp(format, "tty") == 0)
    rules_tty();
  else {
    cli_did_you_mean(hint, sizeof hint, format,
                     (const char *const[]){ "tty", "json", "md", NULL }, "");
    return cli_usage_error("rules", "invalid format '%s' (expected tty, json or md)%s",
                           format, hint);
  }
  return EXIT_OK;
}

/* }==== */
