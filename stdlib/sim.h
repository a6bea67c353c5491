/*
** sim.h: the simulated world of `rbc test` (docs/testing.md), as the
** built-ins see it.
**
** A run under `rbc test` executes the runbook's own bytecode with the same
** VM and the same built-ins as `rbc run`; only the last step, where a
** built-in would reach the outside world, asks a struct sim instead.  The
** hook is one pointer on the run's event loop (loop_set_sim / loop_sim,
** stdlib/loop.h), NULL in every normal run, so the places that consult it
** are exactly these, each right where the real world would be reached:
**
**   http     stdlib/http.c perform(): instead of the libcurl transfer,
**            after the URL was checked and the options were read;
**            stdlib/http_bench.c bench_run(): each request of http.bench;
**   aws      stdlib/aws/call.c call_op(): after aws_encode built (and so
**            checked) the request for the service's protocol, instead of
**            aws_send; throttling and transient codes are retried as the
**            client's standard mode does, on the run's clock;
**   sh       stdlib/sh_native.c run_child(): instead of starting /bin/sh;
**   files    stdlib/fs.c: exists, read_file, write_file, write_json, remove
**            ask first (a path the scenario describes is answered from it);
**   confirm  vm/vm_ops.c vm_confirm(): the gate's answer;
**   checklist  vm/checks.c ask_item(): a manual checklist item's answer;
**   env      stdlib/core.c std_env(): a scenario with "env" answers every read.
**
** Every callback returns SIM_ANSWERED with the reply filled in, or
** SIM_UNMATCHED when the scenario does not describe the call: the built-in
** then fails with RB5060 and the world remembers the call, so a scenario
** cannot pass by accident.  The world sleeps on the run's clock itself for
** the delays it simulates (the virtual clock: no real time passes).
**
** Ownership: everything passed in is borrowed for the call; what the world
** puts in a reply is owned by the reply (freed by the caller as said below).
*/
#ifndef RBC_SIM_H
#define RBC_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stdlib/shell.h"
#include "vm/value.h"

enum sim_answer {
  SIM_ANSWERED = 0,             /* the reply is filled in */
  SIM_UNMATCHED = -1,           /* not described by the scenario (RB5060) */
  SIM_REAL = 1                  /* files only: let the real file system answer */
};

/* What a simulated HTTP request failed with instead of a reply. */
enum sim_net_error {
  SIM_NET_NONE,                 /* a reply */
  SIM_NET_REFUSED,              /* connection refused (RB5012) */
  SIM_NET_TIMEOUT,              /* timed out (RB5014) */
  SIM_NET_DNS,                  /* the host does not resolve */
  SIM_NET_RESET,                /* connection reset mid-reply */
  SIM_NET_TLS                   /* TLS handshake or certificate failure */
};

struct sim_http_req {
  const char *method;           /* "GET" ... */
  const char *url;              /* NUL-terminated */
  const char *body;             /* request body or NULL */
  size_t body_len;
  bool secret;                  /* the URL or the body holds a secret: never shown */
};

struct sim_http_reply {
  enum sim_net_error error;     /* SIM_NET_NONE: status/body/headers are the reply */
  long status;
  char *body;                   /* malloc'ed (caller frees), or NULL */
  size_t body_len;
  char *content_type;           /* malloc'ed (caller frees), or NULL */
  int64_t delay_ms;             /* how long the exchange took (already slept) */
};

struct sim_aws_reply {
  struct rbc_value value;       /* the decoded reply (a map; caller releases) */
  char error[96];               /* an AWS error code ("ThrottlingException"), or "" */
  char message[256];            /* its message */
  long status;                  /* the HTTP status of an error reply (400, 500 ...) */
};

struct sim_sh_reply {
  int exit_code;
  bool timed_out;               /* the command ran past its timeout (RB5003) */
  struct sh_buf out, err;       /* filled by the world, freed by the caller */
  int64_t delay_ms;             /* how long it took (already slept) */
};

/* What the file built-ins may ask (files). */
enum sim_file_op { SIM_FILE_EXISTS, SIM_FILE_READ, SIM_FILE_WRITE, SIM_FILE_REMOVE };

/* The world: callbacks and their context.  Unset callbacks mean "unmatched". */
struct sim {
  void *ctx;
  enum sim_answer (*http)(void *ctx, const struct sim_http_req *rq, struct sim_http_reply *rp);
  /* service: the rbc name ("ecs"); op: the boto3 name ("update_service"); args borrowed. */
  enum sim_answer (*aws)(void *ctx, const char *service, const char *op, struct rbc_value args,
                         struct sim_aws_reply *rp);
  /* command: the command line as the runbook built it; env names for the record. */
  enum sim_answer (*sh)(void *ctx, const char *command, size_t len, int64_t timeout_ms,
                        struct sim_sh_reply *rp);
  /* path: absolute (joined with the workdir); data/data_len: what WRITE writes.
  ** *exists: whether the file is (EXISTS, READ) or was (REMOVE) there.  READ:
  ** *content malloc'ed (caller frees).  SIM_REAL lets the real file system act. */
  enum sim_answer (*file)(void *ctx, enum sim_file_op op, const char *path, const char *data,
                          size_t data_len, bool *exists, char **content, size_t *len);
  /* The text of the question (masked); *yes the answer. */
  enum sim_answer (*confirm)(void *ctx, const char *question, bool *yes);
  /* A manual checklist item (vm/checks.c): *yes confirmed or declined.  SIM_UNMATCHED
  ** leaves it unconfirmed, as a run without a terminal does. */
  enum sim_answer (*checklist)(void *ctx, const char *item, bool *yes);
  /* env(name) (stdlib/core.c): *value NUL-terminated and borrowed, or NULL for unset.
  ** SIM_REAL: the process environment answers. */
  enum sim_answer (*env)(void *ctx, const char *name, const char **value);
};

#endif
