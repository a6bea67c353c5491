/*
** fuzz_aws_reply.c: libFuzzer harness for AWS reply decoding
** (stdlib/aws/protocol*.c): JSON bodies (json, rest-json), XML bodies read
** with expat (query, rest-xml), members bound to reply headers (rest), and
** the scalar readers under them (timestamps, base64, numbers).
**
** Input: byte 0 picks an operation of the table below (every protocol is
** there); then, up to the first blank line ("\n\n"), reply headers
** "name: value" one a line; the rest is the body.  An input without a
** blank line after byte 0 is all body.  aws_decode must answer a map or -1
** with a message, never crash, leak or hang.  The reader of error replies
** (client.c) is static and runs behind aws_send only; the local AWS endpoint
** tests (tests/aws_*.sh) cover it.
**
** Build and run: scripts/fuzz.sh [SECONDS].
*/
#define _POSIX_C_SOURCE 200809L  /* setenv */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stdlib/aws/model.h"
#include "stdlib/aws/protocol.h"
#include "vm/value.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Operations whose replies are decoded: service, boto3 name. */
static const char *const op_names[][2] = {
  { "appconfig", "get_application" },           /* rest-json */
  { "autoscaling", "describe_auto_scaling_groups" }, /* query */
  { "cloudwatch", "get_metric_statistics" },    /* query: timestamps, doubles */
  { "ecs", "describe_services" },               /* json: epoch timestamps */
  { "elbv2", "describe_target_health" },        /* query: nested lists */
  { "logs", "get_log_events" },                 /* json */
  { "rds", "describe_db_instances" },           /* query */
  { "s3", "get_object" },                       /* rest-xml: headers, blob body */
  { "s3", "head_object" },                      /* rest-xml: header-only members */
  { "s3", "list_objects_v2" },                  /* rest-xml: XML body */
  { "sns", "get_topic_attributes" },            /* query: maps (entry/key/value) */
  { "ssm", "get_parameter" },                   /* json */
  { "sts", "get_caller_identity" },             /* query */
};

#define NOPS (sizeof op_names / sizeof op_names[0])
#define MAX_HEADERS 16

static struct aws_op ops[NOPS];

/* Load the models once, from the source tree; abort if the table is wrong. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
  char msg[256];

  (void)argc;
  (void)argv;
#ifdef RBC_SOURCE_AWS_MODELS_DIR
  setenv("RBC_AWS_MODELS", RBC_SOURCE_AWS_MODELS_DIR, 0);
#endif
  for (size_t i = 0; i < NOPS; i++) {
    const struct aws_service *svc = aws_model_service(op_names[i][0], msg, sizeof msg);

    if (svc == NULL || aws_model_op(svc, op_names[i][1], &ops[i]) != 0) {
      fprintf(stderr, "fuzz_aws_reply: %s.%s: %s\n", op_names[i][0], op_names[i][1],
              svc == NULL ? msg : "no such operation");
      abort();
    }
  }
  return 0;
}

/* Split "name: value" lines of text[0..len) into hs (names lower-cased in place). */
static size_t read_headers(char *text, size_t len, struct aws_header *hs)
{
  size_t n = 0;
  char *p = text, *end = text + len;

  while (p < end && n < MAX_HEADERS) {
    char *nl = memchr(p, '\n', (size_t)(end - p));
    char *colon;

    if (nl == NULL)
      nl = end;
    *nl = '\0';
    colon = strchr(p, ':');
    if (colon != NULL) {
      *colon = '\0';
      for (char *c = p; *c != '\0'; c++)
        if (*c >= 'A' && *c <= 'Z')
          *c = (char)(*c - 'A' + 'a');
      hs[n].name = p;
      hs[n].value = colon + 1 + (colon[1] == ' ');
      n++;
    }
    p = nl + 1;
  }
  return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct aws_header hs[MAX_HEADERS];
  struct aws_response rs;
  struct rbc_value out = val_null();
  char err[256];
  char *copy, *blank;
  int64_t ms;

  if (size < 1)
    return 0;
  /* a NUL-terminated copy: the client hands bodies over NUL-terminated */
  copy = malloc(size);
  if (copy == NULL)
    return 0;
  memcpy(copy, data + 1, size - 1);
  copy[size - 1] = '\0';
  memset(&rs, 0, sizeof rs);
  rs.status = 200;
  rs.headers = hs;
  blank = strstr(copy, "\n\n");
  if (blank != NULL) {
    rs.nheaders = read_headers(copy, (size_t)(blank - copy), hs);
    rs.body = blank + 2;
    rs.body_len = (size_t)(copy + size - 1 - rs.body);
  } else {
    rs.body = copy;
    rs.body_len = size - 1;
  }
  err[0] = '\0';
  if (aws_decode(&ops[data[0] % NOPS], &rs, &out, err, sizeof err) == 0) {
    if (out.type != VAL_MAP)
      abort();                  /* a decoded reply is a map */
  } else if (err[0] == '\0' || strcmp(err, "out of memory decoding the reply") == 0) {
    abort();                    /* a rejection must say why (nothing fails to allocate here) */
  }
  val_release(out);
  /* the scalar readers on the raw body, as a header or element text */
  (void)aws_time_parse(rs.body, &ms);
  out = val_null();
  if (aws_base64_decode(rs.body, strlen(rs.body), &out) == 0)
    val_release(out);
  free(copy);
  return 0;
}
