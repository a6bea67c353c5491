/*
** model.h: the AWS service models rbc calls through (stdlib/aws/models/SERVICE.json,
** trimmed from botocore by scripts/gen-aws-models.py).
**
** A model is read with jansson the first time a service is named (by `rbc
** check` or by a running call) and kept for the life of the process; a
** runbook that calls no AWS opens no model file.  The directory is, in this
** order: $RBC_AWS_MODELS (tests), the source tree's stdlib/aws/models when
** this program runs from its build tree, the installed $(pkgdatadir)/aws.
**
** Names: rbc's service names are boto3's ("ecs", "elbv2"); operations are
** named in boto3's snake_case ("describe_services", the model's "py" field,
** botocore.xform_name of "DescribeServices"); members keep the API's names.
**
** Shapes are jansson objects owned by the model (borrowed by callers, valid
** until aws_model_unload_all).  Not thread-safe (one OS thread runs rbc).
*/
#ifndef RBC_AWS_MODEL_H
#define RBC_AWS_MODEL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* The wire protocols of the services rbc knows. */
enum aws_protocol {
  AWS_PROTO_JSON,               /* POST /, X-Amz-Target, application/x-amz-json-1.x */
  AWS_PROTO_QUERY,              /* POST form Action=...&Version=..., XML replies */
  AWS_PROTO_REST_JSON,          /* URI labels, query, headers, JSON body */
  AWS_PROTO_REST_XML            /* same with XML bodies (S3) */
};

/* One loaded service model. */
struct aws_service {
  const char *name;             /* rbc/boto3 name: "elbv2" */
  enum aws_protocol protocol;
  const char *endpoint_prefix;  /* "elasticloadbalancing" */
  const char *signing_name;     /* signingName, else endpointPrefix */
  const char *target_prefix;    /* json: "AmazonEC2ContainerServiceV20141113", else NULL */
  const char *json_version;     /* "1.1", or NULL */
  const char *api_version;      /* "2015-12-01" */
  const char *xml_namespace;    /* query: the reply namespace, or NULL */
  const char *global_endpoint;  /* "sts.amazonaws.com", or NULL */
  char env_name[64];            /* AWS_ENDPOINT_URL_<env_name>: "ELASTIC_LOAD_BALANCING_V2" */
  json_t *root;                 /* the whole model (owned) */
  json_t *shapes;               /* root.shapes (borrowed from root) */
};

/* One operation of a service, resolved (everything borrowed from the model). */
struct aws_op {
  const struct aws_service *svc;
  const char *name;             /* the API's name: "DescribeServices" */
  const char *py;               /* boto3's: "describe_services" */
  const char *method;           /* "POST", "GET", ... */
  const char *request_uri;      /* "/", "/{Bucket}/{Key+}" */
  const char *input_name;       /* input shape name, or NULL */
  json_t *input;                /* input shape, or NULL when the operation takes none */
  json_t *output;               /* output shape, or NULL */
  const char *result_wrapper;   /* query: the XML element wrapping the result, or NULL */
  bool checksum_required;       /* the request needs Content-MD5 (S3 DeleteObjects ...) */
};

/* Whether an operation reads or changes the world (for plan and the linter). */
enum aws_effect {
  AWS_EFFECT_UNKNOWN,           /* no such service or operation */
  AWS_EFFECT_READ,              /* Describe*, Get*, List*, Head*, ... */
  AWS_EFFECT_CHANGE             /* anything else */
};

/* The services rbc has models for, NULL-terminated ("appconfig", ..., "sts"). */
const char *const *aws_model_services(void);

/* Is `name` one of aws_model_services()?  Opens no file. */
bool aws_model_known(const char *name);

/*
** The model of service `name`, loaded on first use.  NULL when the service
** is unknown or its model cannot be read; then msg (size msgsz, may be
** NULL) says why, e.g. "cannot read /x/ecs.json: No such file or directory".
*/
const struct aws_service *aws_model_service(const char *name, char *msg, size_t msgsz);

/*
** Operation `py` (boto3 name) of svc into *op.  0, or -1 when the service
** has none of that name.
*/
int aws_model_op(const struct aws_service *svc, const char *py, struct aws_op *op);

/*
** The boto3 names of every operation of svc, sorted; *n is their count.
** The array is owned by the model; NULL (and *n = 0) on out of memory.
*/
const char *const *aws_model_op_names(const struct aws_service *svc, size_t *n);

/* A shape by name, or NULL (borrowed). */
json_t *aws_model_shape(const struct aws_service *svc, const char *name);

/* The shape a member reference {"shape": ...} points to, or NULL. */
json_t *aws_model_ref_shape(const struct aws_service *svc, const json_t *ref);

/* A string field of a JSON object, or NULL. */
const char *aws_model_str(const json_t *obj, const char *key);

/* A bool field of a JSON object (false when missing). */
bool aws_model_flag(const json_t *obj, const char *key);

/*
** The paginator of an operation (API name): {"input_token", "output_token",
** "result_key", ...} or NULL when the operation does not paginate.
*/
json_t *aws_model_paginator(const struct aws_service *svc, const char *op_name);

/* Read or change, by the operation's verb; AWS_EFFECT_UNKNOWN when unknown. */
enum aws_effect aws_model_effect(const char *service, const char *py);

/* The directory models are read from (see the top of this file). */
const char *aws_model_dir(void);

/* Free every loaded model (borrowed pointers handed out become invalid). */
void aws_model_unload_all(void);

#endif
