/*
** call.h: one AWS call from a runbook, end to end: the model's operation,
** the protocol encoding of the named arguments, aws_send (aws.h), the
** decoded reply; and `aws.paginate`, which follows the model's paginator.
**
** Failures carry a runtime code: RB5007 aws-error ("Code: message (request
** id ...)", network and credential failures too), RB5025 an argument that
** does not fit its member, RB5026 a reply that cannot be decoded, RB5027 no
** client.  Messages never hold an argument's value (it may be secret).
*/
#ifndef RBC_AWS_CALL_H
#define RBC_AWS_CALL_H

#include <stdint.h>

#include "lexer/diag.h"
#include "stdlib/natives.h"
#include "vm/value.h"

struct vm;

/* Why a call failed. */
struct aws_call_err {
  enum diag_code code;          /* RB5007, RB5025, RB5026, RB5027, RB5011 */
  char message[768];
};

/*
** Call operation `op` (boto3 name) of `service` with the members in map
** `args` (borrowed) through host->aws.  0 with *out (a new reference: the
** decoded reply, a map), or -1 with *err.
*/
int aws_call(const struct std_host *host, const char *service, const char *op,
             struct rbc_value args, struct rbc_value *out, struct aws_call_err *err);

/*
** OP_CALL_AWS: the top argc values are the named arguments (names: NAMES
** constant) of aws.K[svc_k].K[op_k](...).  Pops them and pushes the reply,
** journaling an `aws` action; 0, or -1 with the VM error raised.
*/
int aws_vm_call(struct vm *vm, uint32_t svc_k, uint32_t op_k, uint32_t argc,
                uint32_t names_k);

/* The `aws.paginate(service, operation, Member: value, ...)` built-in. */
int std_aws_paginate(struct std_call *call, struct rbc_value *out);

#endif
