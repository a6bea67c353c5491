/*
** model.c: loading the trimmed AWS service models (see model.h).
*/
#define _GNU_SOURCE

#include "stdlib/aws/model.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* {==== the loaded services ==== */

/* Sorted, so `rbc check` can suggest and list them in order. */
static const char *const service_names[] = {
  "appconfig", "autoscaling", "cloudwatch", "ecs", "elbv2", "logs", "rds", "s3",
  "sns", "ssm", "sts", NULL
};

#define NSERVICES (sizeof service_names / sizeof service_names[0] - 1)

/* A loaded service and its lookup tables. */
struct loaded {
  struct aws_service svc;       /* handed out by pointer; the first member (of()) */
  json_t *by_py;                /* boto3 name -> API name (owned) */
  const char **py_sorted;       /* boto3 names, sorted (strings borrowed from root) */
  size_t nops;
};

static struct loaded *loaded[NSERVICES];

const char *const *aws_model_services(void)
{
  return service_names;
}

/* Index of a known service, or -1. */
static int service_index(const char *name)
{
  for (size_t i = 0; i < NSERVICES; i++)
    if (strcmp(service_names[i], name) == 0)
      return (int)i;
  return -1;
}

bool aws_model_known(const char *name)
{
  return name != NULL && service_index(name) >= 0;
}

/* }==== */

/* {==== where the models are ==== */

#ifdef RBC_SOURCE_AWS_MODELS_DIR
/* Does this program (rbc or a test program) run from its build tree (RBC_BUILD_DIR)? */
static bool uninstalled(void)
{
#ifdef RBC_BUILD_DIR
  char self[PATH_MAX], built[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  size_t len;

  if (n <= 0 || realpath(RBC_BUILD_DIR, built) == NULL)
    return false;
  self[n] = '\0';
  len = strlen(built);
  return strncmp(self, built, len) == 0 && self[len] == '/';
#else
  return false;
#endif
}
#endif

const char *aws_model_dir(void)
{
  const char *env = getenv("RBC_AWS_MODELS");

  if (env != NULL && *env != '\0')
    return env;
#ifdef RBC_SOURCE_AWS_MODELS_DIR
  if (uninstalled())
    return RBC_SOURCE_AWS_MODELS_DIR;
#endif
#ifdef RBC_AWS_MODELS_DIR
  return RBC_AWS_MODELS_DIR;
#else
  return "stdlib/aws/models";
#endif
}

/* }==== */

/* {==== loading ==== */

const char *aws_model_str(const json_t *obj, const char *key)
{
  return json_string_value(json_object_get(obj, key));
}

bool aws_model_flag(const json_t *obj, const char *key)
{
  return json_is_true(json_object_get(obj, key));
}

static int cmp_str(const void *a, const void *b)
{
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* AWS_ENDPOINT_URL_<X>: serviceId upper-cased, spaces to underscores. */
static void env_name(const char *service_id, char *out, size_t size)
{
  size_t i = 0;

  for (; service_id != NULL && service_id[i] != '\0' && i + 1 < size; i++) {
    char ch = service_id[i];
    out[i] = ch == ' ' || ch == '-' ? '_' : ch >= 'a' && ch <= 'z' ? (char)(ch - 32) : ch;
  }
  out[i] = '\0';
}

/* The metadata fields of l->svc from its root; -1 when the model is malformed. */
static int read_metadata(struct loaded *l)
{
  json_t *meta = json_object_get(l->svc.root, "metadata");
  const char *proto = aws_model_str(meta, "protocol");
  static const char *const protos[] = { "json", "query", "rest-json", "rest-xml" };
  int p = -1;

  for (int i = 0; proto != NULL && i < 4; i++)
    if (strcmp(proto, protos[i]) == 0)
      p = i;
  l->svc.shapes = json_object_get(l->svc.root, "shapes");
  l->svc.endpoint_prefix = aws_model_str(meta, "endpointPrefix");
  l->svc.api_version = aws_model_str(meta, "apiVersion");
  if (p < 0 || !json_is_object(l->svc.shapes) || l->svc.endpoint_prefix == NULL
      || l->svc.api_version == NULL || !json_is_object(json_object_get(l->svc.root,
                                                                        "operations")))
    return -1;
  l->svc.protocol = (enum aws_protocol)p;
  l->svc.signing_name = aws_model_str(meta, "signingName");
  if (l->svc.signing_name == NULL)
    l->svc.signing_name = l->svc.endpoint_prefix;
  l->svc.target_prefix = aws_model_str(meta, "targetPrefix");
  l->svc.json_version = aws_model_str(meta, "jsonVersion");
  l->svc.xml_namespace = aws_model_str(meta, "xmlNamespace");
  l->svc.global_endpoint = aws_model_str(meta, "globalEndpoint");
  env_name(aws_model_str(meta, "serviceId"), l->svc.env_name, sizeof l->svc.env_name);
  return 0;
}

/* The boto3-name index of l; -1 on out of memory or a malformed model. */
static int index_ops(struct loaded *l)
{
  json_t *ops = json_object_get(l->svc.root, "operations"), *op;
  const char *name;
  size_t i = 0;

  l->by_py = json_object();
  l->py_sorted = calloc(json_object_size(ops) + 1, sizeof *l->py_sorted);
  if (l->by_py == NULL || l->py_sorted == NULL)
    return -1;
  json_object_foreach(ops, name, op) {
    const char *py = aws_model_str(op, "py");
    if (py == NULL || json_object_set_new(l->by_py, py, json_string(name)) != 0)
      return -1;
    l->py_sorted[i++] = py;
  }
  l->nops = i;
  qsort(l->py_sorted, i, sizeof *l->py_sorted, cmp_str);
  return 0;
}

static void loaded_free(struct loaded *l)
{
  if (l == NULL)
    return;
  json_decref(l->by_py);
  json_decref(l->svc.root);
  free(l->py_sorted);
  free(l);
}

const struct aws_service *aws_model_service(const char *name, char *msg, size_t msgsz)
{
  char path[PATH_MAX];
  json_error_t je;
  struct loaded *l;
  int i = name != NULL ? service_index(name) : -1;

  if (i < 0) {
    if (msg != NULL)
      snprintf(msg, msgsz, "no AWS service `%s`", name != NULL ? name : "");
    return NULL;
  }
  if (loaded[i] != NULL)
    return &loaded[i]->svc;
  snprintf(path, sizeof path, "%s/%s.json", aws_model_dir(), name);
  l = calloc(1, sizeof *l);
  if (l == NULL) {
    if (msg != NULL)
      snprintf(msg, msgsz, "out of memory loading the %s model", name);
    return NULL;
  }
  l->svc.name = service_names[i];
  l->svc.root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
  if (l->svc.root == NULL || read_metadata(l) != 0 || index_ops(l) != 0) {
    if (msg != NULL)
      snprintf(msg, msgsz, "AWS model %s: %s", name,
               l->svc.root == NULL ? je.text : "malformed model");
    loaded_free(l);
    return NULL;
  }
  loaded[i] = l;
  return &l->svc;
}

void aws_model_unload_all(void)
{
  for (size_t i = 0; i < NSERVICES; i++) {
    loaded_free(loaded[i]);
    loaded[i] = NULL;
  }
}

/* }==== */

/* {==== operations and shapes ==== */

/* The struct loaded holding svc (its first member). */
static const struct loaded *of(const struct aws_service *svc)
{
  return (const struct loaded *)(const void *)svc;
}

json_t *aws_model_shape(const struct aws_service *svc, const char *name)
{
  return name != NULL ? json_object_get(svc->shapes, name) : NULL;
}

json_t *aws_model_ref_shape(const struct aws_service *svc, const json_t *ref)
{
  return aws_model_shape(svc, aws_model_str(ref, "shape"));
}

int aws_model_op(const struct aws_service *svc, const char *py, struct aws_op *op)
{
  const char *name = json_string_value(json_object_get(of(svc)->by_py, py));
  json_t *def, *http, *in, *outp;

  memset(op, 0, sizeof *op);
  if (name == NULL)
    return -1;
  def = json_object_get(json_object_get(svc->root, "operations"), name);
  http = json_object_get(def, "http");
  in = json_object_get(def, "input");
  outp = json_object_get(def, "output");
  op->svc = svc;
  op->name = name;
  op->py = aws_model_str(def, "py");
  op->method = aws_model_str(http, "method");
  op->request_uri = aws_model_str(http, "requestUri");
  op->input_name = aws_model_str(in, "shape");
  op->input = aws_model_shape(svc, op->input_name);
  op->output = aws_model_shape(svc, aws_model_str(outp, "shape"));
  op->result_wrapper = aws_model_str(outp, "resultWrapper");
  op->checksum_required = aws_model_flag(def, "checksumRequired");
  if (op->method == NULL)
    op->method = "POST";
  if (op->request_uri == NULL)
    op->request_uri = "/";
  return 0;
}

const char *const *aws_model_op_names(const struct aws_service *svc, size_t *n)
{
  *n = of(svc)->nops;
  return (const char *const *)of(svc)->py_sorted;
}

json_t *aws_model_paginator(const struct aws_service *svc, const char *op_name)
{
  return json_object_get(json_object_get(svc->root, "paginators"), op_name);
}

/* Verbs of operations that only read (the first word of the API name). */
static const char *const read_verbs[] = {
  "Describe", "Get", "List", "Head", "Search", "Lookup", "Filter", "BatchGet",
  "Query", "Select", "Validate", "Test", "Simulate", "Decode", NULL
};

enum aws_effect aws_model_effect(const char *service, const char *py)
{
  const struct aws_service *svc = aws_model_service(service, NULL, 0);
  struct aws_op op;

  if (svc == NULL || aws_model_op(svc, py, &op) != 0)
    return AWS_EFFECT_UNKNOWN;
  for (int i = 0; read_verbs[i] != NULL; i++) {
    size_t len = strlen(read_verbs[i]);
    if (strncmp(op.name, read_verbs[i], len) == 0
        && (op.name[len] == '\0' || (op.name[len] >= 'A' && op.name[len] <= 'Z')))
      return AWS_EFFECT_READ;
  }
  return AWS_EFFECT_CHANGE;
}

/* }==== */
