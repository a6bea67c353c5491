"""SigV4 verification by recomputing the signature with botocore.

A received request is rebuilt as a botocore AWSRequest (method, raw path,
normalised query, the headers it names in SignedHeaders, body) and signed
again with botocore's SigV4Auth (S3SigV4Auth for S3) at the request's own
X-Amz-Date with the secret of the access key it names; the result must equal
the Signature it carries.  Failures are AuthFailure(kind, detail), turned
into each protocol's own error reply by the server.
"""

import configparser
import datetime
import hmac
import json
import os
import secrets
import threading
from urllib.parse import quote, unquote

from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.compat import HTTPHeaders
from botocore.credentials import Credentials

UTC = datetime.timezone.utc
DEFAULT_ACCOUNT = '123456789012'
EXAMPLE_KEY = ('AKIDEXAMPLE', 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY')


class AuthFailure(Exception):
    """kind: missing | malformed | unknown_key | bad_token | expired | skew | bad_signature."""

    def __init__(self, kind, detail=''):
        super().__init__(kind)
        self.kind = kind
        self.detail = detail


class KeyStore:
    """Known access keys: secret, optional session token and expiry, identity."""

    def __init__(self):
        self._lock = threading.Lock()
        self.keys = {}

    def add(self, akid, secret, token=None, expires=None, arn=None, account=None,
            user_id=None):
        account = account or DEFAULT_ACCOUNT
        with self._lock:
            self.keys[akid] = {
                'secret': secret, 'token': token, 'expires': expires,
                'account': account,
                'arn': arn or f'arn:aws:iam::{account}:user/fake-aws',
                'user_id': user_id or 'AIDA' + akid[-16:].upper().rjust(16, 'X'),
            }

    def get(self, akid):
        with self._lock:
            return self.keys.get(akid)

    def expire(self, akid):
        with self._lock:
            if akid in self.keys:
                self.keys[akid]['expires'] = datetime.datetime.now(UTC) - \
                    datetime.timedelta(seconds=1)

    def issue_session(self, arn, user_id, seconds, account):
        """New temporary credentials (ASIA...), valid for `seconds`."""
        akid = 'ASIA' + secrets.token_hex(8).upper()
        secret = secrets.token_urlsafe(30)[:40]
        token = 'FQoGZXIvYXdzE' + secrets.token_urlsafe(90)
        expires = datetime.datetime.now(UTC).replace(microsecond=0) + \
            datetime.timedelta(seconds=seconds)
        self.add(akid, secret, token=token, expires=expires, arn=arn, account=account,
                 user_id=user_id)
        return akid, secret, token, expires

    def public(self):
        """The keys without their secrets (for the control API)."""
        with self._lock:
            return {k: {'session': bool(v['token']),
                        'expires': v['expires'].isoformat() if v['expires'] else None,
                        'arn': v['arn'], 'account': v['account']}
                    for k, v in self.keys.items()}

    def load(self, path):
        """Keys from a JSON file ({akid: secret} or [{...}]) or an AWS credentials file."""
        with open(path, encoding='utf-8') as f:
            text = f.read()
        try:
            doc = json.loads(text)
        except ValueError:
            cp = configparser.ConfigParser()
            cp.read_string(text)
            for sec in cp.sections():
                s = cp[sec]
                if 'aws_access_key_id' in s:
                    self.add(s['aws_access_key_id'], s['aws_secret_access_key'],
                             token=s.get('aws_session_token'))
            return
        self.add_doc(doc)

    def add_doc(self, doc):
        if isinstance(doc, dict):
            doc = [{'AccessKeyId': k, 'SecretAccessKey': v} if isinstance(v, str)
                   else dict(v, AccessKeyId=k) for k, v in doc.items()]
        for d in doc:
            exp = d.get('Expiration')
            if exp:
                exp = datetime.datetime.fromisoformat(exp.replace('Z', '+00:00'))
            self.add(d['AccessKeyId'], d['SecretAccessKey'], token=d.get('SessionToken'),
                     expires=exp, arn=d.get('Arn'), account=d.get('Account'))

    def load_env(self, value):
        """Keys from 'AKID:SECRET[,AKID:SECRET...]'."""
        for item in value.split(','):
            if ':' in item:
                k, _, s = item.strip().partition(':')
                self.add(k, s)


class _NamedHeaders:
    """Sign exactly the headers the request names in SignedHeaders, as AWS does."""

    signed = ()
    fixed_payload = None

    def headers_to_sign(self, request):
        hm = HTTPHeaders()
        for name in self.signed:
            for v in request.headers.get_all(name) or []:
                hm[name] = v
        return hm

    def payload(self, request):
        if self.fixed_payload:
            return self.fixed_payload
        return super().payload(request)  # pylint: disable=no-member


class _V4(_NamedHeaders, SigV4Auth):
    pass


class _S3V4(_NamedHeaders, S3SigV4Auth):
    pass


def _norm_query(pairs):
    return '&'.join(f'{quote(unquote(k), safe="-_.~")}={quote(unquote(v), safe="-_.~")}'
                    for k, v in pairs)


def split_query(raw):
    """[(k, v)] raw (still-encoded) pairs of a query string."""
    if not raw:
        return []
    return [tuple(p.partition('=')[::2]) for p in raw.split('&') if p != '']


def parse_authorization(value):
    """(akid, date, region, service, signed headers list, signature) of an Authorization."""
    algo, _, rest = value.strip().partition(' ')
    if algo != 'AWS4-HMAC-SHA256':
        raise AuthFailure('malformed', f'Unsupported Authorization Type: {algo}')
    fields = {}
    for part in rest.split(','):
        k, _, v = part.strip().partition('=')
        fields[k] = v
    cred = fields.get('Credential', '').split('/')
    if len(cred) != 5 or cred[4] != 'aws4_request' or 'SignedHeaders' not in fields \
            or 'Signature' not in fields:
        raise AuthFailure('malformed', 'Authorization header requires \'Credential\', '
                          '\'Signature\' and \'SignedHeaders\' parameters.')
    return (cred[0], cred[1], cred[2], cred[3], fields['SignedHeaders'].split(';'),
            fields['Signature'])


def scope_of(headers, query_pairs):
    """(akid, region, scope service) a request claims, or None when unsigned."""
    auth = headers.get('Authorization')
    if auth:
        try:
            akid, _, region, svc, _, _ = parse_authorization(auth)
        except AuthFailure:
            return None
        return akid, region, svc
    q = {unquote(k): unquote(v) for k, v in query_pairs}
    cred = q.get('X-Amz-Credential', '').split('/')
    if len(cred) == 5:
        return cred[0], cred[2], cred[3]
    return None


def verify(keys, method, path, query_pairs, header_items, body, max_skew, now=None):
    """Check a request's SigV4 signature.  Returns (akid, key record, region, service).

    header_items: list of (name, value) as received.  Raises AuthFailure.
    """
    now = now or datetime.datetime.now(UTC)
    headers = HTTPHeaders()
    for k, v in header_items:
        headers[k] = v
    qd = {unquote(k): unquote(v) for k, v in query_pairs}
    presigned = 'X-Amz-Signature' in qd
    if presigned:
        cred = qd.get('X-Amz-Credential', '').split('/')
        if qd.get('X-Amz-Algorithm') != 'AWS4-HMAC-SHA256' or len(cred) != 5:
            raise AuthFailure('malformed', 'Query-string authentication requires the '
                              'X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, '
                              'X-Amz-SignedHeaders, and X-Amz-Expires parameters.')
        akid, sdate, region, service = cred[0], cred[1], cred[2], cred[3]
        signed = qd.get('X-Amz-SignedHeaders', '').split(';')
        sig = qd['X-Amz-Signature']
        amz_date = qd.get('X-Amz-Date', '')
        token = qd.get('X-Amz-Security-Token')
        query_pairs = [(k, v) for k, v in query_pairs if unquote(k) != 'X-Amz-Signature']
    else:
        auth = headers.get('Authorization')
        if not auth:
            raise AuthFailure('missing')
        akid, sdate, region, service, signed, sig = parse_authorization(auth)
        amz_date = headers.get('X-Amz-Date')
        if not amz_date and headers.get('Date'):
            d = datetime.datetime.strptime(headers['Date'], '%a, %d %b %Y %H:%M:%S GMT')
            amz_date = d.strftime('%Y%m%dT%H%M%SZ')
        token = headers.get('X-Amz-Security-Token')
    try:
        when = datetime.datetime.strptime(amz_date or '', '%Y%m%dT%H%M%SZ').replace(tzinfo=UTC)
    except ValueError as e:
        raise AuthFailure('malformed', 'Authorization header requires existence of either a '
                          '\'X-Amz-Date\' or a \'Date\' header.') from e
    if 'host' not in signed:
        raise AuthFailure('malformed', "'Host' or ':authority' must be a 'SignedHeader' in the "
                          "AWS Authorization.")
    rec = keys.get(akid)
    if rec is None:
        raise AuthFailure('unknown_key')
    if rec['token'] != token and (rec['token'] or token):
        raise AuthFailure('bad_token')
    if rec['expires'] is not None and rec['expires'] <= now:
        raise AuthFailure('expired')
    if presigned:
        expires = int(qd.get('X-Amz-Expires', '0') or 0)
        if now > when + datetime.timedelta(seconds=expires):
            raise AuthFailure('expired_url')
    elif max_skew and abs((now - when).total_seconds()) > max_skew:
        raise AuthFailure('skew', amz_date)
    if sdate != amz_date[:8]:
        raise AuthFailure('bad_signature', 'credential date')
    cls = _S3V4 if service == 's3' else _V4
    signer = cls(Credentials(akid, rec['secret'], token), service, region)
    signer.signed = [h.strip().lower() for h in signed]
    if presigned and service == 's3':
        signer.fixed_payload = 'UNSIGNED-PAYLOAD'
    url = 'http://' + (headers.get('Host') or 'localhost') + path
    q = _norm_query(query_pairs)
    if q:
        url += '?' + q
    req = AWSRequest(method=method, url=url, headers=headers, data=body or b'')
    req.context['timestamp'] = amz_date
    creq = signer.canonical_request(req)
    sts = signer.string_to_sign(req, creq)
    want = signer.signature(sts, req)
    if not hmac.compare_digest(want, sig):
        raise AuthFailure('bad_signature', creq)
    return akid, rec, region, service


def env_keys():
    """FAKE_AWS_CREDENTIALS from the environment, or None."""
    return os.environ.get('FAKE_AWS_CREDENTIALS')
