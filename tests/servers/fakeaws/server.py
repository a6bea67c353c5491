"""HTTP front end: routing to services and operations, SigV4, faults, control API."""

import datetime
import hashlib
import json
import socket
import sys
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

from . import auth, control, models, wire
from .core import HANDLERS, Ctx
from .wire import AwsError

UTC = datetime.timezone.utc
SIG_MSG = ('The request signature we calculated does not match the signature you provided. '
           'Check your AWS Secret Access Key and signing method. Consult the service '
           'documentation for details.')
TOKEN_MSG = 'The security token included in the request is invalid.'
EXPIRED_MSG = 'The security token included in the request is expired'

# auth failure kind -> family -> (code, status, message)
AUTH_ERRORS = {
    'missing': {'query': ('MissingAuthenticationToken', 403,
                          'Request is missing Authentication Token'),
                'json': ('MissingAuthenticationTokenException', 403,
                         'Missing Authentication Token'),
                's3': ('AccessDenied', 403, 'Access Denied')},
    'malformed': {'query': ('IncompleteSignature', 400, None),
                  'json': ('IncompleteSignatureException', 400, None),
                  's3': ('AuthorizationHeaderMalformed', 400, None)},
    'unknown_key': {'query': ('InvalidClientTokenId', 403, TOKEN_MSG),
                    'json': ('UnrecognizedClientException', 400, TOKEN_MSG),
                    's3': ('InvalidAccessKeyId', 403, 'The AWS Access Key Id you provided '
                           'does not exist in our records.')},
    'bad_token': {'query': ('InvalidClientTokenId', 403, TOKEN_MSG),
                  'json': ('UnrecognizedClientException', 400, TOKEN_MSG),
                  's3': ('InvalidToken', 400, 'The provided token is malformed or '
                         'otherwise invalid.')},
    'expired': {'query': ('ExpiredToken', 400, EXPIRED_MSG),
                'json': ('ExpiredTokenException', 400, EXPIRED_MSG),
                's3': ('ExpiredToken', 400, 'The provided token has expired.')},
    'expired_url': {'query': ('SignatureDoesNotMatch', 403, 'Signature expired'),
                    'json': ('InvalidSignatureException', 403, 'Signature expired'),
                    's3': ('AccessDenied', 403, 'Request has expired')},
    'skew': {'query': ('SignatureDoesNotMatch', 403, None),
             'json': ('InvalidSignatureException', 403, None),
             's3': ('RequestTimeTooSkewed', 403, 'The difference between the request time '
                    'and the current time is too large.')},
    'bad_signature': {'query': ('SignatureDoesNotMatch', 403, SIG_MSG),
                      'json': ('InvalidSignatureException', 403, SIG_MSG),
                      's3': ('SignatureDoesNotMatch', 403, 'The request signature we '
                             'calculated does not match the signature you provided. Check '
                             'your key and signing method.')},
}

FAULT_ERRORS = {
    'throttle': {'query': ('Throttling', 400, 'Rate exceeded'),
                 'json': ('ThrottlingException', 400, 'Rate exceeded'),
                 'rest-json': ('ThrottlingException', 429, 'Rate exceeded'),
                 's3': ('SlowDown', 503, 'Please reduce your request rate.')},
    'error500': {'query': ('InternalFailure', 500, 'An internal error occurred.'),
                 'json': ('InternalFailure', 500, 'The request processing has failed '
                          'because of an unknown error, exception or failure.'),
                 'rest-json': ('InternalServerException', 500, 'An internal error occurred.'),
                 's3': ('InternalError', 500, 'We encountered an internal error. '
                        'Please try again.')},
    'unavailable': {'query': ('ServiceUnavailable', 503, 'Service is unavailable.'),
                    'json': ('ServiceUnavailableException', 503, 'Service is unavailable.'),
                    'rest-json': ('ServiceUnavailableException', 503,
                                  'Service is unavailable.'),
                    's3': ('ServiceUnavailable', 503, 'Please reduce your request rate.')},
}


def family(service):
    if service == 's3':
        return 's3'
    p = models.protocol(service)
    return 'query' if p == 'query' else 'json'


def fault_family(service):
    if service == 's3':
        return 's3'
    p = models.protocol(service)
    return p if p in ('query', 'json', 'rest-json') else 'query'


class Routed:
    """A request matched to a service and an operation (op None: unknown)."""

    def __init__(self, service, op=None, labels=None, op_name=None):
        self.service = service
        self.op = op
        self.labels = labels or {}
        self.op_name = op_name or (op.name if op else None)


class Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    server_version = 'fake-aws/1'
    sys_version = ''

    def version_string(self):
        return 'fake-aws'

    def setup(self):
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        if self.server.verbose:
            sys.stderr.write('fake-aws: ' + (format % args) + '\n')

    # {==== plumbing ====

    def _read_body(self):
        if self.headers.get('Transfer-Encoding', '').lower() == 'chunked':
            chunks = []
            while True:
                line = self.rfile.readline()
                n = int(line.split(b';')[0].strip() or b'0', 16)
                if n == 0:
                    while self.rfile.readline() not in (b'\r\n', b'\n', b''):
                        pass
                    break
                chunks.append(self.rfile.read(n))
                self.rfile.readline()
            return b''.join(chunks)
        n = int(self.headers.get('Content-Length') or 0)
        return self.rfile.read(n) if n else b''

    def _send(self, status, headers, body):
        self.send_response(status)
        have = {k.lower() for k in headers}
        for k, v in headers.items():
            self.send_header(k, v)
        if 'content-length' not in have:
            self.send_header('Content-Length', str(len(body)))
        # headers and body in one write: no Nagle / delayed-ACK stall between them
        self._headers_buffer.append(b'\r\n')
        if self.command != 'HEAD' and body:
            self._headers_buffer.append(body)
        self.flush_headers()

    def do_GET(self):  # pylint: disable=invalid-name
        self._handle()

    do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = do_GET

    # }====

    def _handle(self):
        body = self._read_body()
        parts = urlsplit(self.path)
        path, raw_query = parts.path, parts.query
        if path.startswith('/__fake/') or path == '/__fake':
            status, headers, out = control.handle(self.server, self.command, path,
                                                  raw_query, body)
            self._send(status, headers, out)
            return
        world = self.server.world
        t0 = time.monotonic()
        rid = wire.new_request_id()
        entry = {'time': datetime.datetime.now(UTC).isoformat(), 'method': self.command,
                 'path': path, 'service': None, 'operation': None, 'params': None,
                 'verified': False, 'access_key': None}
        try:
            status, headers, out = self._serve(world, path, raw_query, body, rid, entry)
        except ConnectionAbortedError:
            entry['status'] = 0
            entry['error'] = 'connection reset (fault)'
            world.add_log(entry)
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        entry['status'] = status
        entry['ms'] = round((time.monotonic() - t0) * 1000, 1)
        world.add_log(entry)
        self._send(status, headers, out)

    def _serve(self, world, path, raw_query, body, rid, entry):
        qpairs = auth.split_query(raw_query)
        hdrs = self.headers
        routed = self._route(path, qpairs, hdrs, body)
        with world.lock:
            world.stats['requests'] += 1
        if routed is None or isinstance(routed, tuple):
            svc, err = routed if routed else (None, AwsError(
                'UnknownOperationException', 'Unknown service for this request', 400))
            with world.lock:
                world.stats['unrouted'] += 1
            entry['error'] = err.code
            return wire.error_reply(svc, err, rid, self.command)
        svc = routed.service
        entry['service'] = svc
        entry['operation'] = routed.op_name
        # SigV4
        try:
            try:
                akid, rec, region, _scope = auth.verify(
                    world.keys, self.command, path, qpairs, list(self.headers.items()), body,
                    world.config.get('max_skew', 900))
            except (ValueError, KeyError, TypeError, IndexError) as e:
                raise auth.AuthFailure('malformed', f'Malformed signing data: {e}') from e
        except auth.AuthFailure as f:
            with world.lock:
                world.stats['rejected'] += 1
            err = self._auth_error(svc, f)
            entry['error'] = err.code
            if self.server.verbose and f.kind == 'bad_signature':
                sys.stderr.write(f'fake-aws: canonical request we computed:\n{f.detail}\n')
            return wire.error_reply(svc, err, rid, self.command)
        entry['verified'] = True
        entry['access_key'] = akid
        with world.lock:
            world.stats['verified'] += 1
        try:
            if routed.op is None:
                raise self._unknown_op(svc, routed.op_name)
            params = self._params(svc, routed, qpairs, hdrs, body)
            entry['params'] = _loggable(params)
            self._check_s3_payload(svc, hdrs, body, qpairs)
            fault = world.take_fault(svc, routed.op_name)
            if fault:
                entry['fault'] = fault.get('kind')
                self._apply_fault(svc, fault)
            handler = HANDLERS.get((svc, routed.op_name))
            if handler is None:
                raise self._unknown_op(svc, routed.op_name, implemented=False)
            missing = wire.missing_required(routed.op.input_shape, params)
            if missing:
                raise _missing_param(svc, missing)
            with world.lock:
                ctx = Ctx(world, svc, routed.op_name, region, akid, rec, rid, hdrs)
                output = handler(ctx, params)
                return wire.encode_reply(svc, routed.op, output, rid)
        except AwsError as e:
            if e.status is None:
                e.status = models.error_status(svc, e.code, 400)
            entry['error'] = e.code
            return wire.error_reply(svc, e, rid, self.command)
        except ConnectionAbortedError:
            raise
        except Exception as e:  # pylint: disable=broad-except
            # a bug in fake-aws: say so loudly, as a 500 the client can report
            traceback.print_exc(file=sys.stderr)
            entry['error'] = f'fake-aws bug: {type(e).__name__}: {e}'
            err = AwsError('InternalFailure', f'fake-aws internal error: {type(e).__name__}: '
                           f'{e}', 500)
            return wire.error_reply(svc, err, rid, self.command)

    # {==== routing ====

    def _route(self, path, qpairs, hdrs, body):
        scope = auth.scope_of(hdrs, qpairs)
        target = hdrs.get('X-Amz-Target')
        candidates = None
        if scope:
            candidates = models.BY_SCOPE.get(scope[2])
            if not candidates:
                return None
        if target:
            prefix, _, opname = target.rpartition('.')
            svc = models.json_service_for_target(prefix)
            if svc is None or (candidates and svc not in candidates):
                svc = candidates[0] if candidates and models.protocol(candidates[0]) == 'json' \
                    else svc
                if svc is None:
                    return None
                return (svc, AwsError('UnknownOperationException', '', 400))
            return self._op_or_none(svc, opname)
        ctype = hdrs.get('Content-Type', '')
        form = {}
        if ctype.startswith('application/x-www-form-urlencoded') or \
                any(unquote(k) == 'Action' for k, _ in qpairs):
            form = _form(qpairs, body, ctype)
        if 'Action' in form:
            svc = None
            if candidates:
                svc = next((c for c in candidates if models.protocol(c) == 'query'), None)
            if svc is None:
                svc = models.query_service_for_version(form.get('Version', ''))
            if svc is None:
                return None
            return self._op_or_none(svc, form['Action'])
        if candidates and models.protocol(candidates[0]) in ('query', 'json'):
            return (candidates[0], AwsError(
                'InvalidAction' if models.protocol(candidates[0]) == 'query'
                else 'UnknownOperationException', 'Could not find operation', 400))
        rest = candidates or ['appconfig', 'appconfigdata', 's3']
        decoded = [(unquote(k), unquote(v)) for k, v in qpairs]
        for svc in rest:
            if svc == 's3' and not candidates and path.startswith(
                    ('/applications', '/deploymentstrateg', '/configurationsessions')):
                continue
            op, labels = wire.route_rest(svc, self.command, path, decoded, hdrs)
            if op is not None:
                return Routed(svc, op, labels)
        return Routed(rest[-1] if rest[-1] != 'appconfigdata' else 'appconfig', None,
                      op_name=None)

    def _op_or_none(self, svc, opname):
        m = models.model(svc)
        if opname in m.operation_names:
            return Routed(svc, m.operation_model(opname))
        return Routed(svc, None, op_name=opname)

    def _unknown_op(self, svc, opname, implemented=True):
        note = '' if implemented else ' (not implemented by fake-aws)'
        p = models.protocol(svc)
        if p == 'query':
            return AwsError('InvalidAction', f'The action {opname} is not valid for this web '
                            f'service.{note}', 400)
        if p == 'json':
            return AwsError('UnknownOperationException', note.strip(' ()'), 400)
        if p == 'rest-xml':
            return AwsError('NotImplemented', 'A header you provided implies functionality '
                            f'that is not implemented{note}', 501)
        return AwsError('UnknownOperationException', f'Unknown operation{note}', 404)

    # }====

    def _params(self, svc, routed, qpairs, hdrs, body):
        p = models.protocol(svc)
        shape = routed.op.input_shape
        if p == 'query':
            form = _form(qpairs, body, hdrs.get('Content-Type', ''))
            return wire.decode_query(shape, form)
        if p == 'json':
            try:
                doc = json.loads(body or b'{}')
            except ValueError as e:
                raise AwsError('SerializationException', 'Start of structure or map found '
                               'where not expected.', 400) from e
            return wire.decode_json_value(shape, doc) or {}
        decoded = [(unquote(k), unquote(v)) for k, v in qpairs]
        return wire.decode_rest(routed.op, routed.labels, decoded, hdrs, body)

    def _check_s3_payload(self, svc, hdrs, body, qpairs):
        if svc != 's3' or any(unquote(k) == 'X-Amz-Signature' for k, _ in qpairs):
            return
        want = hdrs.get('x-amz-content-sha256')
        if want is None:
            raise AwsError('InvalidRequest', 'Missing required header for this request: '
                           'x-amz-content-sha256', 400)
        if want.startswith('STREAMING-'):
            raise AwsError('NotImplemented', 'A header you provided implies functionality '
                           'that is not implemented (streaming payload signing)', 501)
        if want != 'UNSIGNED-PAYLOAD' and want != hashlib.sha256(body).hexdigest():
            raise AwsError('XAmzContentSHA256Mismatch', 'The provided \'x-amz-content-sha256\''
                           ' header does not match what was computed.', 400)

    def _auth_error(self, svc, f):
        code, status, msg = AUTH_ERRORS[f.kind][family(svc)]
        if msg is None:
            if f.kind == 'skew':
                msg = (f'Signature expired: {f.detail} is now earlier than '
                       f'{datetime.datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")} '
                       '(now - 15 min.)')
            else:
                msg = f.detail
        return AwsError(code, msg, status)

    def _apply_fault(self, svc, fault):
        kind = fault.get('kind', 'throttle')
        delay = float(fault.get('delay', 0) or 0)
        if delay:
            time.sleep(delay)
        if kind == 'delay':
            return
        if kind == 'reset':
            raise ConnectionAbortedError()
        headers = {}
        if fault.get('retry_after') is not None:
            headers['Retry-After'] = str(fault['retry_after'])
        if kind == 'expired':
            code, status, msg = AUTH_ERRORS['expired'][family(svc)]
        elif kind == 'error':
            code = fault.get('code', 'InternalFailure')
            status = int(fault.get('status', 400))
            msg = fault.get('message', 'Injected error')
        else:
            fam = fault_family(svc)
            code, status, msg = FAULT_ERRORS[kind][fam]
        raise AwsError(code, fault.get('message', msg), int(fault.get('status', status)),
                       headers=headers)


def _form(qpairs, body, ctype):
    pairs = {}
    for k, v in qpairs:
        pairs[unquote(k.replace('+', ' '))] = unquote(v.replace('+', ' '))
    if ctype.startswith('application/x-www-form-urlencoded') and body:
        for k, v in auth.split_query(body.decode('utf-8', 'replace')):
            pairs[unquote(k.replace('+', ' '))] = unquote(v.replace('+', ' '))
    return pairs


def _missing_param(svc, name):
    if models.protocol(svc) == 'query':
        return AwsError('MissingParameter', f'The request must contain the parameter {name}',
                        400)
    return AwsError('ValidationException', f"1 validation error detected: Value null at "
                    f"'{name}' failed to satisfy constraint: Member must not be null", 400)


def _loggable(v):
    if isinstance(v, dict):
        return {k: _loggable(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_loggable(x) for x in v]
    if isinstance(v, datetime.datetime):
        return wire.iso8601(v)
    if isinstance(v, (bytes, bytearray)):
        if len(v) > 4096:
            return f'<{len(v)} bytes>'
        try:
            return v.decode('utf-8')
        except UnicodeDecodeError:
            return f'<{len(v)} bytes>'
    return v


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, addr, world, verbose=False):
        super().__init__(addr, Handler)
        self.world = world
        self.verbose = verbose
