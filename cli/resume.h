/*
** resume.h: what `rbc resume` (cli/cmd_resume.c) hands the run machinery
** of cli/cmd_run.c, which it shares: the same options, preflight, outputs,
** lock and signal handling, with the journal of the earlier run instead of
** a new one (docs/journal.md).
**
** cmd_resume opens and verifies the journal, finds the runbook file and
** the run id in it, works out which steps completed and which bindings
** they made, then calls cmd_run_resume with the run's own arguments (the
** file first).  cmd_run_resume calls back:
**   getenv   while params resolve: RBC_PARAM_<name> from the environment,
**            else the non-secret value the journal recorded (secrets are
**            never in the journal: they come from their sources again);
**   check    once the runbook is compiled: 0 to go on, else the exit status
**            after printing what changed (bytecode hash differs and
**            --accept-changes was not given: 65, nothing executed);
**   begin    once the lock is held and the journal is open for appending:
**            writes the `resume` event; 0, or -1 (journal write failed: 74).
** Ownership: everything is borrowed from the caller for the call.
*/
#ifndef RBC_RESUME_H
#define RBC_RESUME_H

#include <stdbool.h>

#include "vm/bytecode.h"
#include "vm/clock.h"
#include "vm/journal.h"
#include "vm/vm.h"

struct run_resume {
  struct jl_reader *journal;            /* the verified journal */
  const char *run_id;                   /* the run being continued */
  struct vm_resume vm;                  /* completed steps and bindings, for vm_run */
  const char *(*getenv)(const char *name, void *ctx);  /* ctx: this struct */
  int (*check)(struct run_resume *rs, const struct chunk *c);
  int (*begin)(struct run_resume *rs, struct jl_writer *w, const struct chunk *c,
               struct rbc_clock *clk);
  void *ctx;                            /* cmd_resume's own state */
};

/*
** `rbc run` with argv (argv[0] the command name, then FILE and the run's
** options) continuing the run described by rs.  The exit status (cli.md 10).
*/
int cmd_run_resume(int argc, char **argv, struct run_resume *rs);

/* Does the `rbc run` option arg ("--name" or "-x") take a value (the next argument)? */
bool cmd_run_option_takes_value(const char *arg);

#endif
