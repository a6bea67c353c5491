/*
** test_cli.c: the CLI helpers (cli/cli.c): option parsing with global
** options folded in, "did you mean", the color decision of cli.md 12.
*/
#define _POSIX_C_SOURCE 200809L  /* setenv, unsetenv, tmpfile */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli/cli.h"

enum { O_FORMAT = 1, O_FLAG, O_OPT };

static const struct cli_option opts[] = {
  { "format", 'f', CLI_ARG_REQUIRED, O_FORMAT },
  { "flag",   'x', CLI_ARG_NONE,     O_FLAG },
  { "maybe",  0,   CLI_ARG_OPTIONAL, O_OPT },
  { NULL,     0,   CLI_ARG_NONE,     0 }
};

/* Run the parser over argv and describe every result as "id:value" words. */
static void
parse(char **argv, int argc, char *out, size_t size)
{
  struct cli_args st;
  int id;
  size_t used = 0;

  out[0] = '\0';
  cli_args_init(&st, argc, argv, "test");
  for (id = cli_next_opt(&st, opts); id != CLI_OPT_END && id != CLI_OPT_ERROR;
       id = cli_next_opt(&st, opts))
    used += (size_t)snprintf(out + used, size - used, "%s%d:%s", used ? " " : "", id,
                             st.optarg != NULL ? st.optarg : "-");
  if (id == CLI_OPT_ERROR)
    snprintf(out + used, size - used, "%sERROR", used ? " " : "");
}

static void
test_options(void **state)
{
  static const struct { const char *args; const char *want; } cases[] = {
    { "a -f gcc b",            "-2:a 1:gcc -2:b" },
    { "-fjson --format=tty",   "1:json 1:tty" },
    { "--format tty -x",       "1:tty 2:-" },
    { "-xfgcc",                "2:- 1:gcc" },
    { "--maybe --maybe=v",     "3:- 3:v" },
    { "-- -x --format",        "-2:-x -2:--format" },
    { "-",                     "-2:-" },
    { "-q -v --color=never a", "-2:a" },
    { "-h",                    "-3:-" },
    { "--version",             "-4:-" },
    { "--formt x",             "ERROR" },
    { "-f",                    "ERROR" },
    { "--flag=1",              "ERROR" },
    { "--color=sometimes",     "ERROR" },
  };
  char buf[256], words[256], *argv[16];

  (void)state;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    int argc = 1;
    snprintf(words, sizeof words, "%s", cases[i].args);
    argv[0] = (char *)"test";
    for (char *p = words; *p != '\0' && argc < 15; ) {
      char *sp = strchr(p, ' ');
      argv[argc++] = p;
      if (sp == NULL)
        break;
      *sp = '\0';
      p = sp + 1;
    }
    parse(argv, argc, buf, sizeof buf);
    if (strcmp(buf, cases[i].want) != 0)
      fprintf(stderr, "args \"%s\": got \"%s\"\n", cases[i].args, buf);
    assert_string_equal(buf, cases[i].want);
  }
  cli_globals.color = CLI_COLOR_AUTO;
  cli_globals.verbosity = 0;
}

static void
test_did_you_mean(void **state)
{
  static const char *const cands[] = { "format", "fail-on", "severity", NULL };
  char buf[128];

  (void)state;
  cli_did_you_mean(buf, sizeof buf, "formt", cands, "--");
  assert_string_equal(buf, "; did you mean '--format'?");
  cli_did_you_mean(buf, sizeof buf, "zzz", cands, "--");
  assert_string_equal(buf, "");
}

/* cli.md 12, in order: --color/RBC_COLOR, NO_COLOR, CLICOLOR_FORCE, TERM, isatty. */
static void
test_color_decision(void **state)
{
  FILE *f = tmpfile();

  (void)state;
  assert_non_null(f);
  unsetenv("RBC_COLOR");
  unsetenv("NO_COLOR");
  unsetenv("CLICOLOR_FORCE");
  setenv("TERM", "xterm", 1);
  cli_globals.color = CLI_COLOR_AUTO;
  assert_false(cli_use_color(f));               /* not a terminal */
  setenv("CLICOLOR_FORCE", "1", 1);
  assert_true(cli_use_color(f));
  setenv("NO_COLOR", "1", 1);
  assert_false(cli_use_color(f));               /* NO_COLOR beats CLICOLOR_FORCE */
  setenv("RBC_COLOR", "always", 1);
  assert_true(cli_use_color(f));                /* RBC_COLOR beats NO_COLOR */
  cli_globals.color = CLI_COLOR_NEVER;
  assert_false(cli_use_color(f));               /* --color beats RBC_COLOR */
  cli_globals.color = CLI_COLOR_AUTO;
  unsetenv("RBC_COLOR");
  unsetenv("NO_COLOR");
  setenv("CLICOLOR_FORCE", "0", 1);
  setenv("TERM", "dumb", 1);
  assert_false(cli_use_color(f));
  unsetenv("CLICOLOR_FORCE");
  fclose(f);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_options),
    cmocka_unit_test(test_did_you_mean),
    cmocka_unit_test(test_color_decision),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
