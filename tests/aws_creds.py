#!/usr/bin/python3
"""aws_creds.py: the local credential sources and STS of tests/aws_creds.sh.

    /usr/bin/python3 tests/aws_creds.py --port-file FILE --log FILE --queue FILE

One HTTP server on 127.0.0.1 (a free port, written to --port-file) that plays:
  STS        POST /  Action=GetCallerIdentity | AssumeRole (query protocol,
             XML replies).  Every request's SigV4 signature is recomputed with
             botocore (SigV4Auth) from the received request; an unknown access
             key gets 403 InvalidClientTokenId, a wrong signature 403
             SignatureDoesNotMatch.  AssumeRole mints ASIA... credentials with a
             session token, which later requests must carry.
  IMDSv2     PUT /latest/api/token, GET /latest/meta-data/iam/security-credentials/[ROLE]
  container  GET /container-creds (checks the Authorization header when the
             test configured a token); /container-creds-short answers
             credentials that expire in 2 minutes
Each request appends one JSON line to --log: what was asked, the access key
and whether a session token came.  --queue is a JSON list of scripted replies
for STS, consumed one per request: "throttle" (400 Throttling, XML),
"throttle-json" (400 ThrottlingException, JSON), "500", "retry-after"
(503 with Retry-After: 1), "expired" (400 ExpiredToken), "denied-json"
(400 AccessDeniedException, JSON with __type), "s3-error" (403, S3 <Error>);
"ok" or an empty or missing queue means the real answer.
Standard library plus Debian's python3-botocore only.
"""

import argparse
import json
import os
import secrets
import sys
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

KEYS = {
    'AKIDENV': 'env-secret/+key',
    'AKIDFILE': 'file-secret-key',
    'AKIDCONFIG': 'config-secret-key',
    'AKIDSOURCE': 'source-secret-key',
    'AKIDPROCESS': 'process-secret-key',
    'AKIDCONTAINER': 'container-secret-key',
    'AKIDIMDS': 'imds-secret-key',
    'AKIDENVTOKEN': 'env-token-secret-key',
}
TOKENS = {'AKIDENVTOKEN': 'env-session-token/+='}  # access key -> its session token
CONTAINER_TOKEN = os.environ.get('AWS_CREDS_TEST_CONTAINER_TOKEN', '')


def xml_error(code, message, status, s3=False):
    if s3:
        body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code>'
                f'<Message>{message}</Message><RequestId>s3-req-1</RequestId></Error>')
    else:
        body = ('<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
                f'<Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message>'
                '</Error><RequestId>req-err-1</RequestId></ErrorResponse>')
    return status, 'text/xml', body.encode(), {}


def json_error(code, message, status):
    body = json.dumps({'__type': 'com.amazonaws.sts#' + code, 'message': message})
    return status, 'application/x-amz-json-1.1', body.encode(), {'x-amzn-RequestId': 'req-json-1'}


def scripted(item):
    table = {
        'throttle': lambda: xml_error('Throttling', 'Rate exceeded', 400),
        'throttle-json': lambda: json_error('ThrottlingException', 'Rate exceeded', 400),
        '500': lambda: xml_error('InternalFailure', 'try again', 500),
        'retry-after': lambda: (503, 'text/plain', b'', {'Retry-After': '1'}),
        'expired': lambda: xml_error('ExpiredToken', 'The security token included in the '
                                     'request is expired', 400),
        'denied-json': lambda: json_error('AccessDeniedException', 'not allowed here', 400),
        's3-error': lambda: xml_error('AccessDenied', 'Access Denied', 403, s3=True),
    }
    return table[item]()


class Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def log_message(self, fmt, *args):
        pass

    def reply(self, status, ctype, body, extra=None):
        self.send_response(status)
        self.send_header('Content-Type', ctype)
        self.send_header('Content-Length', str(len(body)))
        self.send_header('x-amzn-RequestId', 'req-0001')
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def record(self, **kw):
        with open(self.server.log, 'a', encoding='utf-8') as f:
            f.write(json.dumps(kw, sort_keys=True) + '\n')

    def body(self):
        n = int(self.headers.get('Content-Length') or 0)
        return self.rfile.read(n) if n else b''

    # {==== IMDS and container ====

    def do_PUT(self):
        self.body()
        if self.path == '/latest/api/token' and \
                self.headers.get('X-aws-ec2-metadata-token-ttl-seconds'):
            self.record(kind='imds-token')
            self.reply(200, 'text/plain', b'imds-session-token')
            return
        self.reply(400, 'text/plain', b'bad token request')

    def imds(self):
        if self.headers.get('X-aws-ec2-metadata-token') != 'imds-session-token':
            self.record(kind='imds-unauthorized')
            self.reply(401, 'text/plain', b'')
            return
        base = '/latest/meta-data/iam/security-credentials/'
        if self.path == base:
            self.record(kind='imds-role')
            self.reply(200, 'text/plain', b'rbc-test-role')
        elif self.path == base + 'rbc-test-role':
            self.record(kind='imds-creds')
            doc = {'Code': 'Success', 'Type': 'AWS-HMAC', 'AccessKeyId': 'AKIDIMDS',
                   'SecretAccessKey': KEYS['AKIDIMDS'], 'Token': 'imds-token-1',
                   'Expiration': '2099-01-01T00:00:00Z'}
            TOKENS['AKIDIMDS'] = 'imds-token-1'
            self.reply(200, 'text/plain', json.dumps(doc).encode())
        else:
            self.reply(404, 'text/plain', b'')

    def do_GET(self):
        if self.path.startswith('/latest/'):
            self.imds()
            return
        if self.path in ('/container-creds', '/container-creds-short'):
            auth = self.headers.get('Authorization', '')
            self.record(kind='container', authorization=auth)
            if CONTAINER_TOKEN and auth != CONTAINER_TOKEN:
                self.reply(403, 'application/json', b'{"message":"bad token"}')
                return
            TOKENS['AKIDCONTAINER'] = 'container-token-1'
            expires = '2099-01-01T00:00:00Z'
            if self.path.endswith('-short'):   # inside the 5-minute refresh window
                expires = time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(time.time() + 120))
            doc = {'AccessKeyId': 'AKIDCONTAINER', 'SecretAccessKey': KEYS['AKIDCONTAINER'],
                   'Token': 'container-token-1', 'Expiration': expires,
                   'RoleArn': 'arn:aws:iam::123456789012:role/task'}
            self.reply(200, 'application/json', json.dumps(doc).encode())
            return
        self.reply(404, 'text/plain', b'')

    # }====

    # {==== STS ====

    def verify(self, body):
        """(access key, error reply or None) after recomputing the signature."""
        authz = self.headers.get('Authorization', '')
        try:
            cred = authz.split('Credential=')[1].split(',')[0]
            akid, date, region, service, _ = cred.split('/')
            signed = authz.split('SignedHeaders=')[1].split(',')[0].split(';')
            got = authz.split('Signature=')[1].strip()
        except (IndexError, ValueError):
            return None, xml_error('MissingAuthenticationToken', 'no SigV4 header', 403)
        if akid not in KEYS:
            return akid, xml_error('InvalidClientTokenId', 'The security token included in '
                                   'the request is invalid.', 403)
        token = self.headers.get('X-Amz-Security-Token')
        if TOKENS.get(akid) != token:
            return akid, xml_error('InvalidClientTokenId', 'The security token included in '
                                   'the request is invalid.', 403)
        headers = {h: self.headers.get(h) for h in signed}
        req = AWSRequest(method=self.command, url='http://' + self.headers['Host'] + self.path,
                         data=body, headers=headers)
        auth = SigV4Auth(Credentials(akid, KEYS[akid], token), service, region)
        req.context['timestamp'] = self.headers.get('X-Amz-Date', '')
        auth._modify_request_before_signing(req)  # pylint: disable=protected-access
        want = auth.signature(auth.string_to_sign(req, auth.canonical_request(req)), req)
        if want != got or not date:
            return akid, xml_error('SignatureDoesNotMatch', 'The request signature we '
                                   'calculated does not match the signature you provided.', 403)
        return akid, None

    def pop_queue(self):
        q = self.server.queue
        try:
            with open(q, encoding='utf-8') as f:
                items = json.load(f)
        except (OSError, ValueError):
            return None
        if not items:
            return None
        with open(q, 'w', encoding='utf-8') as f:
            json.dump(items[1:], f)
        return items[0]

    def assume_role(self, form):
        akid = 'ASIA' + secrets.token_hex(6).upper()
        KEYS[akid] = secrets.token_urlsafe(24)
        TOKENS[akid] = 'role-token-' + secrets.token_hex(8)
        return ('<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
                '<AssumeRoleResult><Credentials>'
                f'<AccessKeyId>{akid}</AccessKeyId>'
                f'<SecretAccessKey>{KEYS[akid]}</SecretAccessKey>'
                f'<SessionToken>{TOKENS[akid]}</SessionToken>'
                '<Expiration>2099-01-01T00:00:00Z</Expiration></Credentials>'
                '<AssumedRoleUser><Arn>' + form.get('RoleArn', [''])[0] + '</Arn>'
                '<AssumedRoleId>AROA:x</AssumedRoleId></AssumedRoleUser>'
                '</AssumeRoleResult><ResponseMetadata><RequestId>req-ar-1</RequestId>'
                '</ResponseMetadata></AssumeRoleResponse>'), akid

    def do_POST(self):
        body = self.body()
        form = urllib.parse.parse_qs(body.decode())
        action = form.get('Action', [''])[0]
        akid, err = self.verify(body)
        item = self.pop_queue() if err is None else None
        self.record(kind='sts', action=action, akid=akid,
                    token=bool(self.headers.get('X-Amz-Security-Token')),
                    scripted=item, rejected=err is not None,
                    role=form.get('RoleArn', [None])[0],
                    session=form.get('RoleSessionName', [None])[0],
                    external_id=form.get('ExternalId', [None])[0])
        if err is None and item and item != 'ok':
            err = scripted(item)
        if err is not None:
            status, ctype, data, extra = err
            self.reply(status, ctype, data, extra)
            return
        if action == 'AssumeRole':
            text, new = self.assume_role(form)
            self.record(kind='minted', akid=new)
            self.reply(200, 'text/xml', text.encode())
            return
        text = ('<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
                f'<GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/{akid}</Arn>'
                f'<UserId>{akid}</UserId><Account>123456789012</Account>'
                '</GetCallerIdentityResult><ResponseMetadata><RequestId>req-gci-1'
                '</RequestId></ResponseMetadata></GetCallerIdentityResponse>')
        self.reply(200, 'text/xml', text.encode())

    # }====


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--port-file', required=True)
    ap.add_argument('--log', required=True)
    ap.add_argument('--queue', required=True)
    a = ap.parse_args()
    srv = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
    srv.log = a.log
    srv.queue = a.queue
    srv.daemon_threads = True
    tmp = a.port_file + '.tmp'
    with open(tmp, 'w', encoding='utf-8') as f:
        f.write(str(srv.server_address[1]))
    os.rename(tmp, a.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == '__main__':
    sys.exit(main())
