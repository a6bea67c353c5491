/*
** creds.h: the AWS client's configuration and credentials (below aws.h).
**
**   profiles   the shared `config` and `credentials` files (AWS_CONFIG_FILE,
**              AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/config and
**              ~/.aws/credentials), read once into an aws_profiles.
**   region     --region, AWS_REGION, AWS_DEFAULT_REGION, the profile's region.
**   endpoints  AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL, else the
**              partition's https://<service>.<region>.<dnsSuffix> (endpoint.c).
**   chain      the SDKs' order (creds.c): environment (skipped when --profile
**              names a profile, as botocore does), role_arn + source_profile
**              / credential_source (STS AssumeRole), the profile's static keys
**              (credentials file, then config file), credential_process,
**              ECS container credentials, EC2 IMDSv2.
**
** Secrets (secret key, session token) live in struct aws_creds only and are
** wiped with OPENSSL_cleanse when released.  Error messages name the source
** and the file, never a secret.  Nothing prints.
*/
#ifndef RBC_AWS_CREDS_H
#define RBC_AWS_CREDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stdlib/aws/aws.h"

struct rbc_loop;

/* {==== credentials ==== */

struct aws_creds {
  char *access_key;             /* owned */
  char *secret_key;             /* owned, secret */
  char *session_token;          /* owned, secret, or NULL */
  int64_t expires_s;            /* seconds since the epoch; 0: does not expire */
  const char *source;           /* static name: "environment", "assume-role", ... */
};

/* Wipe and free what c holds; c is empty afterwards.  NULL is a no-op. */
void aws_creds_clear(struct aws_creds *c);

/* Copy src into dst (dst cleared first).  0, or -1 when out of memory. */
int aws_creds_copy(struct aws_creds *dst, const struct aws_creds *src);

/* }==== */

/* {==== shared config and credentials files ==== */

/* One key = value of a profile. */
struct aws_kv {
  char *key;                    /* owned, lower-cased */
  char *value;                  /* owned */
};

/* A profile: its keys from the credentials file first, then from config. */
struct aws_profile {
  char *name;                   /* owned */
  struct aws_kv *kv;            /* owned array */
  size_t nkv;
  bool from_credentials;        /* seen in the credentials file */
  bool from_config;             /* seen in the config file */
};

struct aws_profiles {
  struct aws_profile *v;        /* owned array */
  size_t n;
};

/*
** Read the shared config and credentials files named by the environment
** (missing files are no profiles, not an error).  0, or -1 with *err
** (AWS_ERR_NOMEM, or AWS_ERR_CONFIG when a file cannot be read).
*/
int aws_profiles_load(struct aws_profiles *ps, struct aws_error *err);

/* Free ps.  NULL is a no-op. */
void aws_profiles_free(struct aws_profiles *ps);

/* Profile `name`, or NULL. */
const struct aws_profile *aws_profiles_find(const struct aws_profiles *ps, const char *name);

/* Value of key in p (credentials-file keys win), or NULL when p is NULL or has none. */
const char *aws_profile_get(const struct aws_profile *p, const char *key);

/* }==== */

/* {==== plain HTTP for credential sources (through the run's loop) ==== */

/* One exchange of aws_http_do. */
struct aws_http_req {
  const char *method;           /* "GET", "PUT", "POST" */
  const char *url;
  const struct aws_header *headers; /* sent as they are */
  size_t nheaders;
  const char *body;             /* or NULL */
  size_t body_len;
  long timeout_ms;              /* whole transfer; connect gets the same bound */
};

/*
** Perform rq through loop (loop_curl_perform) and fill rs (status, body,
** headers lower-cased).  0 when a reply came (any status); -1 with *err
** (AWS_ERR_NETWORK with curl's reason, AWS_ERR_INTERRUPTED, AWS_ERR_NOMEM).
*/
int aws_http_do(struct rbc_loop *loop, const struct aws_http_req *rq, struct aws_response *rs,
                struct aws_error *err);

/* }==== */

/* {==== the chain ==== */

/*
** Sends STS AssumeRole for the chain: signs with `with`, returns the role's
** credentials in *out.  Implemented by client.c (aws_send with service sts).
*/
typedef int aws_assume_fn(void *ud, const struct aws_creds *with, const char *role_arn,
                          const char *session_name, const char *external_id,
                          struct aws_creds *out, struct aws_error *err);

/* What the chain reads; all borrowed. */
struct aws_chain {
  struct rbc_loop *loop;        /* for HTTP sources and credential_process */
  const struct aws_profiles *profiles;
  const char *profile;          /* profile name in use */
  bool profile_explicit;        /* --profile given: skip the environment */
  aws_assume_fn *assume;        /* STS AssumeRole */
  void *assume_ud;
};

/*
** Resolve credentials through the chain into *out (cleared first).  0, or
** -1 with *err: AWS_ERR_CREDENTIALS (none found, or a source failed; the
** message names the source), AWS_ERR_INTERRUPTED, AWS_ERR_NOMEM.
*/
int aws_chain_resolve(const struct aws_chain *ch, struct aws_creds *out, struct aws_error *err);

/* Seconds since the epoch of "2026-01-26T09:30:00Z" (fraction, zone Z/+hh:mm); -1 if bad. */
int64_t aws_parse_iso8601(const char *s);

/* Fill err (kind, message via printf format; code and status cleared). */
void aws_error_set(struct aws_error *err, enum aws_err_kind kind, const char *fmt, ...)
#if defined(__GNUC__)
  __attribute__((format(printf, 3, 4)))
#endif
  ;

/* }==== */

/* {==== region and endpoints (endpoint.c) ==== */

/*
** The region: given (--region), AWS_REGION, AWS_DEFAULT_REGION, else the
** profile's `region`; NULL when none.  Borrowed from its source.
*/
const char *aws_region_resolve(const char *given, const struct aws_profile *p);

/*
** The endpoint URL (no trailing slash) of service in region into buf:
** AWS_ENDPOINT_URL_<env_name>, AWS_ENDPOINT_URL, else
** https://<service>.<region>.<dnsSuffix> with the partition's suffix
** (amazonaws.com, amazonaws.com.cn for cn-*; us-gov-* is aws-us-gov).
** 0, or -1 with *err (AWS_ERR_CONFIG: a bad URL in the environment, or
** the result does not fit).
*/
int aws_endpoint_resolve(const char *service, const char *env_name, const char *region,
                         bool global, char *buf, size_t size, struct aws_error *err);

/* The "host[:port]" part of url into buf (for the Host header).  0, or -1. */
int aws_endpoint_host(const char *url, char *buf, size_t size);

/* Is r a region name (lower-case letters, digits, '-'; it goes into a host name)? */
bool aws_region_valid(const char *r);

/* The partition of region: "aws", "aws-cn" or "aws-us-gov". */
const char *aws_partition(const char *region);

/* }==== */

#endif
