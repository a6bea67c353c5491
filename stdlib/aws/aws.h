/*
** aws.h: the run's AWS client: credentials, region, endpoints, SigV4
** signing, sending with retries, and AWS error replies.
**
** Two halves meet here.  Below this header (stdlib/aws/client.c, sigv4.c,
** creds.c, endpoint.c): turning a protocol-encoded request into a signed
** HTTP exchange with the right endpoint, retried as the SDKs' standard
** retry mode does, with the error reply of a failed call decoded into a
** code, a message and a request id.  Above it (stdlib/aws/call.c,
** protocol*.c, model.c): the service models, encoding a call's members
** into a request for the service's protocol (json, query, rest-json,
** rest-xml) and decoding a successful reply into an rbc value.
**
** One client per run, made by `rbc run` (cli/cmd_run.c) when the runbook
** calls AWS, checked at preflight (aws_client_preflight: exit 77 when the
** credentials are missing or rejected, before any step runs), and handed to
** the VM in struct vm_run_options and to built-ins in struct std_host.
**
** Secrets: the secret key and session token never appear in an error
** message, an event or a log; they live only in the client and in the
** Authorization / X-Amz-Security-Token headers of requests.
*/
#ifndef RBC_AWS_H
#define RBC_AWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rbc_loop;

/* Opaque: the run's client. */
struct aws_client;

/* What the client is made from (all borrowed for aws_client_new's call only). */
struct aws_client_config {
  const char *profile;          /* --profile, or NULL: AWS_PROFILE, else "default" */
  const char *region;           /* --region, or NULL: AWS_REGION, AWS_DEFAULT_REGION, profile */
  int max_attempts;             /* 0: AWS_MAX_ATTEMPTS, the profile's max_attempts, else 3 */
};

/* A header of a request or a reply: name and value, NUL-terminated, owned by their holder. */
struct aws_header {
  char *name;
  char *value;
};

/*
** A request as a protocol encoder builds it (above this header), before
** endpoint resolution and signing.  Everything is borrowed by aws_send.
*/
struct aws_request {
  const char *service;          /* the model's endpointPrefix: "ecs", "elasticloadbalancing" */
  const char *signing_name;     /* the model's signingName (often = service): "ecs", "s3" */
  const char *env_name;         /* AWS_ENDPOINT_URL_<this>: "ECS", "ELASTIC_LOAD_BALANCING_V2" */
  bool global;                  /* a global endpoint (e.g. none of the services rbc needs) */
  const char *method;           /* "GET", "POST", "PUT", "DELETE", "HEAD" */
  const char *path;             /* URI-encoded path, starting with '/' */
  const char *query;            /* URI-encoded query without '?', or "" */
  const struct aws_header *headers; /* extra headers: Content-Type, X-Amz-Target, ... */
  size_t nheaders;
  const char *body;             /* payload bytes (may hold NULs), or NULL */
  size_t body_len;
  bool s3;                      /* S3 signing rules (no path re-encoding, payload hash header) */
  bool idempotent;              /* may be retried after a network error mid-request */
};

/* A reply: what aws_send hands back (owned by the struct; aws_response_free). */
struct aws_response {
  long status;                  /* HTTP status */
  char *body;                   /* NUL-terminated payload (length body_len) */
  size_t body_len;
  struct aws_header *headers;   /* reply headers, names lower-cased */
  size_t nheaders;
  char request_id[128];         /* x-amzn-RequestId / x-amz-request-id, or "" */
};

/* Why a call failed (aws_send, aws_client_preflight). */
enum aws_err_kind {
  AWS_ERR_NONE,
  AWS_ERR_SERVICE,              /* AWS answered with an error reply (code, message, id) */
  AWS_ERR_NETWORK,              /* connect, DNS, TLS, reset, timeout (after retries) */
  AWS_ERR_CREDENTIALS,          /* no credentials, or the source failed (exit 77 at preflight) */
  AWS_ERR_CONFIG,               /* no region, a bad endpoint URL, a bad profile */
  AWS_ERR_INTERRUPTED,          /* SIGINT / SIGTERM while waiting */
  AWS_ERR_NOMEM
};

struct aws_error {
  enum aws_err_kind kind;
  long status;                  /* HTTP status of the last reply, 0 when none */
  char code[96];                /* "AccessDenied", "ThrottlingException", or "" */
  char message[512];            /* AWS's message or ours; never a secret */
  char request_id[128];         /* or "" */
  int attempts;                 /* attempts made */
};

/*
** A client for the run: reads the configuration (region, profile, retry
** settings) but fetches no credentials yet and opens no connection.  loop
** is borrowed (the run's event loop; HTTP goes through it).  NULL with
** *err filled (AWS_ERR_CONFIG / AWS_ERR_NOMEM) on failure.
*/
struct aws_client *aws_client_new(const struct aws_client_config *cfg, struct rbc_loop *loop,
                                  struct aws_error *err);

/* Free the client and wipe its credentials from memory.  NULL is a no-op. */
void aws_client_free(struct aws_client *c);

/*
** Preflight: resolve credentials through the SDKs' chain and have STS
** GetCallerIdentity accept them.  0, or -1 with *err (AWS_ERR_CREDENTIALS
** for missing or rejected credentials: `rbc run` exits 77; AWS_ERR_CONFIG
** for a missing region).
*/
int aws_client_preflight(struct aws_client *c, struct aws_error *err);

/* The region in use ("us-east-1"); never NULL after aws_client_new succeeded. */
const char *aws_client_region(const struct aws_client *c);

/*
** Send rq: resolve the endpoint (AWS_ENDPOINT_URL_<env_name>,
** AWS_ENDPOINT_URL, else the partition's), sign it with SigV4 with the
** current credentials (refreshed when they expire), perform it through the
** run's loop (a fiber waits, others run), and retry throttling, 5xx and
** network errors with capped exponential backoff and full jitter (standard
** mode; a Retry-After is honoured).
** 0 with *rs filled when the final reply is a 2xx; -1 with *err otherwise
** (AWS_ERR_SERVICE: the decoded error reply; rs is then empty).
*/
int aws_send(struct aws_client *c, const struct aws_request *rq, struct aws_response *rs,
             struct aws_error *err);

/*
** Would the standard retry mode retry an error reply with this code and
** HTTP status (throttling and transient codes, 500/502/503/504)?  Used by
** rbc test's simulated calls (stdlib/sim.h) to retry as aws_send does.
*/
bool aws_retryable(const char *code, long status);

/* Release what rs holds and zero it.  NULL is a no-op. */
void aws_response_free(struct aws_response *rs);

/* The value of reply header `name` (lower-case), or NULL. */
const char *aws_response_header(const struct aws_response *rs, const char *name);

#endif
