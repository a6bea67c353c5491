/*
** test_aws_config.c: the AWS client's configuration (stdlib/aws/creds.h):
** endpoints and partitions, region precedence, the shared files, times.
*/
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "stdlib/aws/creds.h"

/* {==== endpoints ==== */

struct endpoint_case {
  const char *service;          /* endpoint prefix */
  const char *env_name;         /* AWS_ENDPOINT_URL_<env_name> */
  const char *region;
  bool global;
  const char *want;             /* URL, or NULL: AWS_ERR_CONFIG */
};

static const struct endpoint_case endpoint_cases[] = {
  { "ecs", "ECS", "eu-west-1", false, "https://ecs.eu-west-1.amazonaws.com" },
  { "elasticloadbalancing", "ELASTIC_LOAD_BALANCING_V2", "us-east-1", false,
    "https://elasticloadbalancing.us-east-1.amazonaws.com" },
  { "sns", "SNS", "cn-north-1", false, "https://sns.cn-north-1.amazonaws.com.cn" },
  { "monitoring", "CLOUDWATCH", "cn-northwest-1", false,
    "https://monitoring.cn-northwest-1.amazonaws.com.cn" },
  { "rds", "RDS", "us-gov-west-1", false, "https://rds.us-gov-west-1.amazonaws.com" },
  { "iam", "IAM", "us-east-1", true, "https://iam.amazonaws.com" },
  { "ssm", "SSM", "eu west", false, NULL },
  { "ssm", "SSM", "", false, NULL },
};

static void test_endpoint_partitions(void **state)
{
  char buf[256];
  struct aws_error err;

  (void)state;
  unsetenv("AWS_ENDPOINT_URL");
  for (size_t i = 0; i < sizeof endpoint_cases / sizeof endpoint_cases[0]; i++) {
    const struct endpoint_case *c = &endpoint_cases[i];
    int rc = aws_endpoint_resolve(c->service, c->env_name, c->region, c->global, buf,
                                  sizeof buf, &err);

    if (c->want) {
      assert_int_equal(rc, 0);
      assert_string_equal(buf, c->want);
    } else {
      assert_int_equal(rc, -1);
      assert_int_equal(err.kind, AWS_ERR_CONFIG);
    }
  }
  assert_string_equal(aws_partition("cn-north-1"), "aws-cn");
  assert_string_equal(aws_partition("us-gov-east-1"), "aws-us-gov");
  assert_string_equal(aws_partition("ap-southeast-2"), "aws");
}

static void test_endpoint_overrides(void **state)
{
  char buf[256];
  struct aws_error err;

  (void)state;
  setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4566/", 1);
  setenv("AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2", "http://localhost:9000", 1);
  assert_int_equal(aws_endpoint_resolve("elasticloadbalancing", "ELASTIC_LOAD_BALANCING_V2",
                                        "eu-west-1", false, buf, sizeof buf, &err), 0);
  assert_string_equal(buf, "http://localhost:9000");
  assert_int_equal(aws_endpoint_resolve("ecs", "ECS", "eu-west-1", false, buf, sizeof buf,
                                        &err), 0);
  assert_string_equal(buf, "http://127.0.0.1:4566");
  setenv("AWS_ENDPOINT_URL_ECS", "file:///etc/passwd", 1);
  assert_int_equal(aws_endpoint_resolve("ecs", "ECS", "eu-west-1", false, buf, sizeof buf,
                                        &err), -1);
  assert_int_equal(err.kind, AWS_ERR_CONFIG);
  unsetenv("AWS_ENDPOINT_URL_ECS");
  unsetenv("AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2");
  unsetenv("AWS_ENDPOINT_URL");
}

static void test_endpoint_host(void **state)
{
  char buf[128];

  (void)state;
  assert_int_equal(aws_endpoint_host("http://127.0.0.1:4566/x?y", buf, sizeof buf), 0);
  assert_string_equal(buf, "127.0.0.1:4566");
  assert_int_equal(aws_endpoint_host("https://ecs.eu-west-1.amazonaws.com:443", buf,
                                     sizeof buf), 0);
  assert_string_equal(buf, "ecs.eu-west-1.amazonaws.com");
  assert_int_equal(aws_endpoint_host("http://h:80", buf, sizeof buf), 0);
  assert_string_equal(buf, "h");
  assert_int_equal(aws_endpoint_host("no-scheme", buf, sizeof buf), -1);
}

/* }==== */

/* {==== region, files, times ==== */

static void write_file(const char *path, const char *text)
{
  FILE *f = fopen(path, "w");

  assert_non_null(f);
  fputs(text, f);
  fclose(f);
}

static void test_profiles_and_region(void **state)
{
  char dir[] = "/tmp/rbc-aws-config.XXXXXX", cfg[256], cred[256];
  struct aws_profiles ps;
  struct aws_error err;
  const struct aws_profile *p;

  (void)state;
  assert_non_null(mkdtemp(dir));
  snprintf(cfg, sizeof cfg, "%s/config", dir);
  snprintf(cred, sizeof cred, "%s/credentials", dir);
  write_file(cfg, "# comment\n[default]\nregion = us-west-2\n\n[profile dev]\n"
                  "region=eu-central-1\naws_access_key_id = FROMCONFIG\ns3 =\n"
                  "  addressing_style = path\n[sso-session x]\nregion = nope\n"
                  "[dev]\nregion = not-a-profile-in-config\n");
  write_file(cred, "[dev]\naws_access_key_id = FROMCREDS\r\n; comment\n"
                   "aws_secret_access_key = s3cr3t = with equals\n");
  setenv("AWS_CONFIG_FILE", cfg, 1);
  setenv("AWS_SHARED_CREDENTIALS_FILE", cred, 1);
  assert_int_equal(aws_profiles_load(&ps, &err), 0);
  p = aws_profiles_find(&ps, "dev");
  assert_non_null(p);
  assert_string_equal(aws_profile_get(p, "aws_access_key_id"), "FROMCREDS");
  assert_string_equal(aws_profile_get(p, "aws_secret_access_key"), "s3cr3t = with equals");
  assert_string_equal(aws_profile_get(p, "region"), "eu-central-1");
  assert_null(aws_profile_get(p, "addressing_style"));
  assert_null(aws_profiles_find(&ps, "x"));
  assert_null(aws_profiles_find(&ps, "sso-session x"));

  unsetenv("AWS_REGION");
  unsetenv("AWS_DEFAULT_REGION");
  assert_string_equal(aws_region_resolve(NULL, p), "eu-central-1");
  assert_string_equal(aws_region_resolve(NULL, aws_profiles_find(&ps, "default")),
                      "us-west-2");
  setenv("AWS_DEFAULT_REGION", "ap-south-1", 1);
  assert_string_equal(aws_region_resolve(NULL, p), "ap-south-1");
  setenv("AWS_REGION", "sa-east-1", 1);
  assert_string_equal(aws_region_resolve(NULL, p), "sa-east-1");
  assert_string_equal(aws_region_resolve("me-south-1", p), "me-south-1");
  unsetenv("AWS_REGION");
  unsetenv("AWS_DEFAULT_REGION");
  assert_null(aws_region_resolve(NULL, NULL));
  assert_true(aws_region_valid("us-gov-west-1"));
  assert_false(aws_region_valid("us_east_1"));
  assert_false(aws_region_valid("evil.com/"));

  aws_profiles_free(&ps);
  unlink(cfg);
  unlink(cred);
  rmdir(dir);
  unsetenv("AWS_CONFIG_FILE");
  unsetenv("AWS_SHARED_CREDENTIALS_FILE");
}

static void test_iso8601(void **state)
{
  (void)state;
  assert_int_equal(aws_parse_iso8601("1970-01-01T00:00:00Z"), 0);
  assert_int_equal(aws_parse_iso8601("2015-08-30T12:36:00Z"), INT64_C(1440938160));
  assert_int_equal(aws_parse_iso8601("2015-08-30T12:36:00.123Z"), INT64_C(1440938160));
  assert_int_equal(aws_parse_iso8601("2015-08-30T14:36:00+02:00"), INT64_C(1440938160));
  assert_int_equal(aws_parse_iso8601("2024-02-29T00:00:00Z"), INT64_C(1709164800));
  assert_int_equal(aws_parse_iso8601("yesterday"), -1);
  assert_int_equal(aws_parse_iso8601(NULL), -1);
}

/* }==== */

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_endpoint_partitions),
    cmocka_unit_test(test_endpoint_overrides),
    cmocka_unit_test(test_endpoint_host),
    cmocka_unit_test(test_profiles_and_region),
    cmocka_unit_test(test_iso8601),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
