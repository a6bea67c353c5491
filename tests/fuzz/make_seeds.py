#!/usr/bin/env python3
"""tests/fuzz/make_seeds.py: (re)write the seed corpora of the reader
harnesses (fuzz_aws_reply, fuzz_config, fuzz_http_reply, fuzz_json, fuzz_params,
fuzz_scenario, fuzz_sigv4) from the test data, the shipped scenarios and the replies the
unit tests decode.  The fuzz_journal seeds are journals of real runs
(`RBC_STATE_DIR=D rbc run` of tests/run/{assert_fail,confirm_notty,
retry_exhausted}.rb and a small runbook, D/runs/*.jsonl copied by hash).

Run from the source tree: python3 tests/fuzz/make_seeds.py.  Seeds are named
by the SHA-1 of their bytes, as libFuzzer names inputs, so running it twice
changes nothing.  fuzz_check and fuzz_bytecode keep their own corpora.
"""
import glob
import hashlib
import os
import sys

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CORPUS = os.path.join(TOP, "tests", "fuzz", "corpus")

# Operations of fuzz_aws_reply.c's table, in its order (byte 0 picks one).
OPS = ["appconfig.get_application", "autoscaling.describe_auto_scaling_groups",
       "cloudwatch.get_metric_statistics", "ecs.describe_services",
       "elbv2.describe_target_health", "logs.get_log_events",
       "rds.describe_db_instances", "s3.get_object", "s3.head_object",
       "s3.list_objects_v2", "sns.get_topic_attributes", "ssm.get_parameter",
       "sts.get_caller_identity"]

REPLIES = {
    "appconfig.get_application": ["", '{"Id":"app1","Name":"payments","Description":null}'],
    "autoscaling.describe_auto_scaling_groups": ["",
        "<DescribeAutoScalingGroupsResponse><DescribeAutoScalingGroupsResult><AutoScalingGroups>"
        "<member><AutoScalingGroupName>web</AutoScalingGroupName><MinSize>1</MinSize>"
        "<MaxSize>4</MaxSize><DesiredCapacity>2</DesiredCapacity><Instances><member>"
        "<InstanceId>i-1</InstanceId><HealthStatus>Healthy</HealthStatus></member></Instances>"
        "<CreatedTime>2026-11-26T12:00:00.123Z</CreatedTime></member></AutoScalingGroups>"
        "<NextToken>abc</NextToken></DescribeAutoScalingGroupsResult>"
        "</DescribeAutoScalingGroupsResponse>"],
    "cloudwatch.get_metric_statistics": ["",
        "<GetMetricStatisticsResponse><GetMetricStatisticsResult><Label>RequestCount"
        "</Label><Datapoints><member><Timestamp>2026-11-26T12:00:00Z</Timestamp>"
        "<Sum>42.0</Sum><Unit>Count</Unit></member></Datapoints>"
        "</GetMetricStatisticsResult></GetMetricStatisticsResponse>"],
    "ecs.describe_services": ["",
        '{"services":[{"serviceName":"payments","desiredCount":2,"createdAt":1795694400.5,'
        '"deployments":[{"id":"d1"}],"unknownField":1}],"failures":[]}'],
    "elbv2.describe_target_health": ["",
        '<DescribeTargetHealthResponse xmlns="http://elasticloadbalancing.amazonaws.com/'
        'doc/2015-12-01/"><DescribeTargetHealthResult><TargetHealthDescriptions>'
        "<member><Target><Id>i-1</Id><Port>80</Port></Target><TargetHealth>"
        "<State>healthy</State></TargetHealth></member><member><Target><Id>i-2</Id>"
        "</Target><TargetHealth><State>draining</State></TargetHealth></member>"
        "</TargetHealthDescriptions></DescribeTargetHealthResult><ResponseMetadata>"
        "<RequestId>r1</RequestId></ResponseMetadata></DescribeTargetHealthResponse>"],
    "logs.get_log_events": ["",
        '{"events":[{"timestamp":1795694400000,"message":"ok","ingestionTime":1795694400001}],'
        '"nextForwardToken":"f/1","nextBackwardToken":"b/1"}'],
    "rds.describe_db_instances": ["",
        "<DescribeDBInstancesResponse><DescribeDBInstancesResult><DBInstances><DBInstance>"
        "<DBInstanceIdentifier>db1</DBInstanceIdentifier><DBInstanceStatus>available"
        "</DBInstanceStatus><AllocatedStorage>20</AllocatedStorage><MultiAZ>true</MultiAZ>"
        "</DBInstance></DBInstances></DescribeDBInstancesResult></DescribeDBInstancesResponse>"],
    "s3.get_object": ["content-length: 5\nlast-modified: Thu, 26 Nov 2026 12:00:00 GMT\n"
                      'etag: "abc"\nx-amz-meta-owner: ops\n', "hello"],
    "s3.head_object": ["content-length: 5\nlast-modified: Thu, 26 Nov 2026 12:00:00 GMT\n"
                       "x-amz-meta-a: 1\nx-amz-delete-marker: false\nexpires: 0\n", ""],
    "s3.list_objects_v2": ["",
        '<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://'
        's3.amazonaws.com/doc/2006-03-01/"><Name>bkt</Name><Prefix>logs/</Prefix>'
        "<KeyCount>2</KeyCount><IsTruncated>false</IsTruncated><Contents><Key>logs/a"
        "</Key><Size>3</Size><LastModified>2026-11-26T12:00:00.000Z</LastModified>"
        "</Contents><Contents><Key>logs/b</Key><Size>4</Size></Contents>"
        "</ListBucketResult>"],
    "sns.get_topic_attributes": ["",
        "<GetTopicAttributesResponse><GetTopicAttributesResult><Attributes>"
        "<entry><key>Owner</key><value>123</value></entry>"
        "<entry><key>DisplayName</key><value>ops &amp; on-call</value></entry>"
        "</Attributes></GetTopicAttributesResult></GetTopicAttributesResponse>"],
    "ssm.get_parameter": ["", '{"Parameter":{"Name":"/a","Value":"v","Version":3,'
                              '"LastModifiedDate":1.7956944E9}}'],
    "sts.get_caller_identity": ["",
        '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
        "<GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/ops</Arn>"
        "<UserId>AID</UserId><Account>123456789012</Account></GetCallerIdentityResult>"
        "</GetCallerIdentityResponse>"],
}

JSON = ['{}', '[]', 'null', 'true', '0', '-1.5e300', '"a\\u0000b\\ud83d\\ude00"',
        '{"a":[1,2.0,{"b":null}],"c":"d"}', '9223372036854775807', '[1e999]',
        '{"a":1,"a":2}', '[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]']

PARAMS = ['abc\n{"s":"x","i":2,"f":2.5,"b":false,"d":"1h30m","l":[1],"m":{"k":"v"}}',
          '42\n{"i":"4x"}', '\x01secret-text\n{"token":"t"}', '1h\n[]', 'true\n{"nope":1}',
          '2.5', '[1,2]\n{"any":{"x":[null]}}', '30s\nnot json']

CONFIG = ["# team settings\n[check]\nprofile  = default\nseverity = info          # minimum reported\n"
          "disable  = RB4006\nseverity.ignored-exit-status = error\nfail-on  = error\n",
          "[check]\nprofile = min\n", "[paths]\nexclude = runbooks/archive/**, *.tmp\n",
          "[run]\njournal-dir = /var/lib/rbc\nprogress = plain\n",
          "[check]\nenable = all\ndisable = safety, RB3006\n", "[chek]\n", "profile = min\n"]

# Replies as servers send them, for fuzz_http_reply (byte 0: flags, bit 0 HEAD;
# byte 1: the size of the pieces they arrive in, minus one).
HTTP_REPLIES = [
    (0, 255, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello"),
    (0, 0, "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
           "5;ext=1\r\nhello\r\n0\r\nTrailer: x\r\n\r\n"),
    (0, 6, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 503 Unavailable\r\n"
           "Connection: keep-alive, close\r\nContent-Length: 0\r\n\r\n"),
    (1, 16, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"),
    (0, 2, "HTTP/1.0 301 Moved\nConnection: keep-alive\nLocation: /x\nContent-Length: 0\n\n"),
    (0, 64, "HTTP/1.1 204 No Content\r\nServer: t\r\n\r\n"),
    (0, 255, "HTTP/1.1 200 OK\r\n\r\nbody until the connection ends"),
]


def write(harness, data):
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    d = os.path.join(CORPUS, harness)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()), "wb") as f:
        f.write(data)


def main():
    for name, (headers, body) in REPLIES.items():
        write("fuzz_aws_reply", bytes([OPS.index(name)]) + (headers + "\n" + body).encode()
              if headers else bytes([OPS.index(name)]) + b"\n\n" + body.encode())
    for flags, piece, reply in HTTP_REPLIES:
        write("fuzz_http_reply", bytes([flags, piece]) + reply.encode())
    for s in JSON:
        write("fuzz_json", s)
    for f in sorted(glob.glob(os.path.join(TOP, "tests", "diag", "*.json")))[:8]:
        with open(f, "rb") as fh:
            write("fuzz_json", fh.read())
    for s in PARAMS:
        write("fuzz_params", s)
    for s in CONFIG:
        write("fuzz_config", s)
    for f in sorted(glob.glob(os.path.join(TOP, "tests", "data", "sigv4*", "*", "request.txt"))):
        with open(f, "rb") as fh:
            write("fuzz_sigv4", fh.read())
    for f in sorted(glob.glob(os.path.join(TOP, "runbooks", "*.scenarios", "*.json"))):
        with open(f, "rb") as fh:
            write("fuzz_scenario", fh.read())
    return 0


if __name__ == "__main__":
    sys.exit(main())
