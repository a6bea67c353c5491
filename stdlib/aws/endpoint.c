/*
** endpoint.c: region and endpoint resolution (see creds.h).
**
** Partitions as in botocore's endpoints.json, for the regions rbc meets:
**   aws         amazonaws.com      (every other region)
**   aws-cn      amazonaws.com.cn   (cn-*)
**   aws-us-gov  amazonaws.com      (us-gov-*)
** An endpoint from the environment (AWS_ENDPOINT_URL_<SERVICE>, then
** AWS_ENDPOINT_URL, the SDKs' names) is used as it is, minus a trailing
** slash; with a custom endpoint S3 is addressed path-style
** (http://host:port/bucket/key), which is what the models' encoder builds.
*/
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stdlib/aws/creds.h"

static const char *nonempty_env(const char *name)
{
  const char *v = getenv(name);

  return v && *v ? v : NULL;
}

/* The region (see creds.h). */
const char *aws_region_resolve(const char *given, const struct aws_profile *p)
{
  const char *r = given && *given ? given : NULL;

  if (!r)
    r = nonempty_env("AWS_REGION");
  if (!r)
    r = nonempty_env("AWS_DEFAULT_REGION");
  if (!r)
    r = aws_profile_get(p, "region");
  return r && *r ? r : NULL;
}

/* The partition of region (see creds.h). */
const char *aws_partition(const char *region)
{
  if (strncmp(region, "cn-", 3) == 0)
    return "aws-cn";
  if (strncmp(region, "us-gov-", 7) == 0)
    return "aws-us-gov";
  return "aws";
}

static bool valid_url(const char *u)
{
  const char *host;

  if (strncmp(u, "http://", 7) == 0)
    host = u + 7;
  else if (strncmp(u, "https://", 8) == 0)
    host = u + 8;
  else
    return false;
  if (!*host || *host == '/' || *host == ':')
    return false;
  for (const char *s = u; *s; s++)
    if ((unsigned char)*s <= ' ' || *s == 0x7f)
      return false;
  return true;
}

/* A region name: lower-case letters, digits and '-' only (see creds.h). */
bool aws_region_valid(const char *r)
{
  if (!*r)
    return false;
  for (; *r; r++)
    if (!((*r >= 'a' && *r <= 'z') || (*r >= '0' && *r <= '9') || *r == '-'))
      return false;
  return true;
}

/* The endpoint URL (see creds.h). */
int aws_endpoint_resolve(const char *service, const char *env_name, const char *region,
                         bool global, char *buf, size_t size, struct aws_error *err)
{
  char var[128];
  const char *u = NULL, *suffix;
  size_t n;

  if (env_name && *env_name) {
    snprintf(var, sizeof var, "AWS_ENDPOINT_URL_%s", env_name);
    u = nonempty_env(var);
  }
  if (!u)
    u = nonempty_env("AWS_ENDPOINT_URL");
  if (u) {
    if (!valid_url(u) || (size_t)snprintf(buf, size, "%s", u) >= size) {
      aws_error_set(err, AWS_ERR_CONFIG, "the endpoint URL for %s is not an http(s) URL",
                    service);
      return -1;
    }
    n = strlen(buf);
    while (n > 0 && buf[n - 1] == '/')
      buf[--n] = '\0';
    return 0;
  }
  if (!aws_region_valid(region)) {
    aws_error_set(err, AWS_ERR_CONFIG, "region '%.64s' is not a region name", region);
    snprintf(err->code, sizeof err->code, "InvalidRegion");
    return -1;
  }
  suffix = strcmp(aws_partition(region), "aws-cn") == 0 ? "amazonaws.com.cn" : "amazonaws.com";
  n = global ? (size_t)snprintf(buf, size, "https://%s.%s", service, suffix)
             : (size_t)snprintf(buf, size, "https://%s.%s.%s", service, region, suffix);
  if (n >= size) {
    aws_error_set(err, AWS_ERR_CONFIG, "endpoint URL too long");
    return -1;
  }
  return 0;
}

/* host[:port] of url (see creds.h). */
int aws_endpoint_host(const char *url, char *buf, size_t size)
{
  const char *h = strstr(url, "://"), *end;
  size_t n;

  if (!h)
    return -1;
  h += 3;
  end = h + strcspn(h, "/?#");
  n = (size_t)(end - h);
  if (n == 0 || n >= size)
    return -1;
  memcpy(buf, h, n);
  buf[n] = '\0';
  /* The default port is left out of the Host header, as clients send it. */
  if (strncmp(url, "https:", 6) == 0 && n > 4 && strcmp(buf + n - 4, ":443") == 0)
    buf[n - 4] = '\0';
  else if (strncmp(url, "http:", 5) == 0 && n > 3 && strcmp(buf + n - 3, ":80") == 0)
    buf[n - 3] = '\0';
  return 0;
}
