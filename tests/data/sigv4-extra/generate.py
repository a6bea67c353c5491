#!/usr/bin/python3
"""Regenerate rbc's own SigV4 cases with botocore (Debian python3-botocore).

Each case folder has the layout of AWS's SigV4 test suite (request.txt,
context.json, header-canonical-request.txt, header-string-to-sign.txt,
header-signature.txt, header-signed-request.txt), so tests/unit/test_sigv4.c
runs them the same way.  The expected canonical request, string to sign and
signature come from botocore's SigV4Auth / S3SigV4Auth, not from rbc.  The
signed request lists the headers rbc adds in rbc's order (token, date,
content hash, Authorization), with botocore's values.

Usage: /usr/bin/python3 tests/data/sigv4-extra/generate.py  (rewrites the folders)
"""
import json
import os
import sys

from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

AK = "AKIDEXAMPLE"
SK = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
TOKEN = "IQoJb3JpZ2luX2VjEXAMPLE//token+with/slashes=="
STAMP = "20260126T083000Z"
ISO = "2026-01-26T08:30:00Z"

CASES = [
    # name, method, scheme, host, target, headers, body, service, region, flags
    ("s3-put-object-session-token", "PUT", "http", "s3.us-east-1.amazonaws.com",
     "/my-bucket/key%20with%20space.txt", [("Content-Type", "text/plain")], "hello\n",
     "s3", "us-east-1", {"s3": True, "token": True}),
    ("s3-get-list-query", "GET", "http", "127.0.0.1:4566",
     "/my-bucket?list-type=2&prefix=logs%2F2026%2F", [], "",
     "s3", "us-east-1", {"s3": True}),
    ("s3-put-unsigned-payload", "PUT", "https", "my-bucket.s3.eu-west-1.amazonaws.com",
     "/a/b/../c.txt", [("Content-MD5", "XrY7u+Ae7tCTyyK7j1rNww==")], "hello world",
     "s3", "eu-west-1", {"s3": True, "unsigned_payload": True}),
    ("json-ecs-session-token", "POST", "http", "127.0.0.1:4566", "/",
     [("Content-Type", "application/x-amz-json-1.1"),
      ("X-Amz-Target", "AmazonEC2ContainerServiceV20141113.ListClusters")],
     '{"maxResults": 10}', "ecs", "eu-central-1", {"token": True}),
    ("rest-json-double-encode", "GET", "http", "appconfig.us-west-2.amazonaws.com",
     "/applications/app%20id/environments/./e1?max_results=5&next_token=a%2Fb%3D",
     [], "", "appconfig", "us-west-2", {}),
    ("query-form-cn-region", "POST", "http", "sns.cn-north-1.amazonaws.com.cn", "/",
     [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")],
     "Action=Publish&Message=hi%20there&TopicArn=arn%3Aaws-cn%3Asns%3Acn-north-1%3A1%3At"
     "&Version=2010-03-31", "sns", "cn-north-1", {}),
    ("headers-trim-repeat", "GET", "http", "example.amazonaws.com",
     "/?b=2&a=~1&a=0&a=%2F", [("My-Header1", "  a   b\tc  "), ("X-Amz-Meta-Z", "2"),
                          ("x-amz-meta-z", "1")], "", "service", "us-east-1", {}),
]


def sign(case):
    name, method, scheme, host, target, headers, body, service, region, flags = case
    creds = Credentials(AK, SK, TOKEN if flags.get("token") else None)
    req = AWSRequest(method=method, url=f"{scheme}://{host}{target}", data=body.encode())
    req.headers["Host"] = host
    for k, v in headers:
        req.headers[k] = v
    if flags.get("unsigned_payload"):
        req.context["client_config"] = type("C", (), {"s3": {"payload_signing_enabled": False}})()
    auth = (S3SigV4Auth if flags.get("s3") else SigV4Auth)(creds, service, region)
    req.context["timestamp"] = STAMP
    auth._modify_request_before_signing(req)
    creq = auth.canonical_request(req)
    sts = auth.string_to_sign(req, creq)
    sig = auth.signature(sts, req)
    signed = auth.signed_headers(auth.headers_to_sign(req))
    scope = f"{STAMP[:8]}/{region}/{service}/aws4_request"
    authz = f"AWS4-HMAC-SHA256 Credential={AK}/{scope}, SignedHeaders={signed}, Signature={sig}"
    return creq, sts, sig, authz, req


def write_case(top, case):
    name, method, scheme, host, target, headers, body, service, region, flags = case
    creq, sts, sig, authz, req = sign(case)
    d = os.path.join(top, name)
    os.makedirs(d, exist_ok=True)
    head = f"{method} {target} HTTP/1.1\nHost:{host}\n"
    head += "".join(f"{k}:{v}\n" for k, v in headers)
    ctx = {"credentials": {"access_key_id": AK, "secret_access_key": SK},
           "region": region, "service": service, "timestamp": ISO,
           "normalize": not flags.get("s3"), "sign_body": bool(flags.get("s3")),
           "s3": bool(flags.get("s3")), "unsigned_payload": bool(flags.get("unsigned_payload")),
           "generated_by": "botocore " + __import__("botocore").__version__}
    added = []
    if flags.get("token"):
        ctx["credentials"]["token"] = TOKEN
        added.append(("X-Amz-Security-Token", TOKEN))
    added.append(("X-Amz-Date", STAMP))
    if flags.get("s3"):
        added.append(("x-amz-content-sha256", req.headers["X-Amz-Content-SHA256"]))
    added.append(("Authorization", authz))
    files = {
        "request.txt": head + ("\n" + body if body else ""),
        "context.json": json.dumps(ctx, indent=4, sort_keys=True) + "\n",
        "header-canonical-request.txt": creq,
        "header-string-to-sign.txt": sts,
        "header-signature.txt": sig,
        "header-signed-request.txt": head + "".join(f"{k}:{v}\n" for k, v in added) + "\n" + body,
    }
    for fname, text in files.items():
        with open(os.path.join(d, fname), "w", encoding="utf-8", newline="") as f:
            f.write(text)


def main():
    top = os.path.dirname(os.path.abspath(__file__))
    for case in CASES:
        write_case(top, case)
    return 0


if __name__ == "__main__":
    sys.exit(main())
