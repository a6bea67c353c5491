/*
** commands.h: the subcommands of the rbc binary.  Each takes the arguments
** after its own name (argv[0] is the command name) and returns the process
** exit status of cli.md 10.  main.c holds the dispatch table.
*/
#ifndef RBC_COMMANDS_H
#define RBC_COMMANDS_H

/* Exit statuses (cli.md 10). */
enum rbc_exit {
  EXIT_OK = 0,
  EXIT_FINDINGS = 1,            /* content failed: findings, a step failed, ... */
  EXIT_HALTED = 2,              /* a confirm gate halted the run; resumable */
  EXIT_USAGE = 64,              /* EX_USAGE */
  EXIT_DATAERR = 65,            /* EX_DATAERR: runbook or bytecode rejected */
  EXIT_NOINPUT = 66,            /* EX_NOINPUT */
  EXIT_SOFTWARE = 70,           /* EX_SOFTWARE: internal error */
  EXIT_CANTCREAT = 73,          /* EX_CANTCREAT */
  EXIT_IOERR = 74,              /* EX_IOERR */
  EXIT_TEMPFAIL = 75,           /* EX_TEMPFAIL: lock held */
  EXIT_NOPERM = 77,             /* EX_NOPERM: credentials */
  EXIT_CONFIG = 78              /* EX_CONFIG */
};

int cmd_check(int argc, char **argv);
int cmd_compile(int argc, char **argv);
int cmd_disasm(int argc, char **argv);
int cmd_explain(int argc, char **argv);
int cmd_rules(int argc, char **argv);
int cmd_doc(int argc, char **argv);
int cmd_fmt(int argc, char **argv);
int cmd_completion(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_plan(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_resume(int argc, char **argv);
int cmd_test(int argc, char **argv);
int cmd_watch(int argc, char **argv);

/* rbc watch's use of the run's preflight (cli/cmd_run.c; vm/vm.h vm_watch). */
struct vm_watch_options;
int cmd_run_watch(int argc, char **argv, const struct vm_watch_options *wo, int *fired);

#endif
