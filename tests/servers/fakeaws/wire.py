"""Server side of AWS's four wire protocols, driven by botocore's models.

Requests are decoded into boto3-style input dicts (the model's member names;
timestamps as aware datetimes, blobs as bytes); handlers return boto3-style
output dicts, encoded here the way AWS encodes them:

  json       POST /, X-Amz-Target, application/x-amz-json-1.x both ways
  query      form body Action=...&Version=..., XML <OpResponse><OpResult>
  rest-json  method + URI template, labels/query/headers/JSON body
  rest-xml   the same with XML bodies (S3, path-style /bucket/key)

Errors are encoded per protocol too (error_reply).
"""

import base64
import datetime
import email.utils
import json
import re
import uuid
from urllib.parse import parse_qsl, unquote
from xml.sax.saxutils import escape

from . import models

UTC = datetime.timezone.utc
S3_NS = 'http://s3.amazonaws.com/doc/2006-03-01/'


class AwsError(Exception):
    """An AWS error reply: code, message, HTTP status (None: from the model)."""

    def __init__(self, code, message, status=None, extra=None, headers=None):
        super().__init__(f'{code}: {message}')
        self.code = code
        self.message = message
        self.status = status
        self.extra = extra or {}
        self.headers = headers or {}


def new_request_id():
    return str(uuid.uuid4())


# {==== values ====

def to_datetime(v):
    """A datetime from an epoch number, ISO 8601 or RFC 1123 string, or datetime."""
    if v is None:
        return None
    if isinstance(v, datetime.datetime):
        return v if v.tzinfo else v.replace(tzinfo=UTC)
    if isinstance(v, (int, float)):
        return datetime.datetime.fromtimestamp(float(v), UTC)
    s = str(v).strip()
    try:
        return datetime.datetime.fromtimestamp(float(s), UTC)
    except ValueError:
        pass
    try:
        d = datetime.datetime.fromisoformat(s.replace('Z', '+00:00'))
        return d if d.tzinfo else d.replace(tzinfo=UTC)
    except ValueError:
        pass
    try:
        return email.utils.parsedate_to_datetime(s)
    except (TypeError, ValueError) as e:
        raise ValueError(f'bad timestamp {s!r}') from e


def iso8601(d):
    d = to_datetime(d).astimezone(UTC)
    return d.strftime('%Y-%m-%dT%H:%M:%S.') + f'{d.microsecond // 1000:03d}Z'


def epoch(d):
    return round(to_datetime(d).timestamp(), 3)


def http_date(d):
    return email.utils.format_datetime(to_datetime(d).astimezone(UTC), usegmt=True)


def _fmt_ts(shape, value, default):
    fmt = shape.serialization.get('timestampFormat', default)
    if fmt == 'unixTimestamp':
        return epoch(value)
    if fmt == 'rfc822':
        return http_date(value)
    return iso8601(value)


def _scalar_in(shape, raw):
    """Convert a wire string to the Python value of scalar `shape`."""
    t = shape.type_name
    try:
        if t in ('integer', 'long'):
            return int(raw)
        if t in ('float', 'double'):
            return float(raw)
        if t == 'boolean':
            if isinstance(raw, bool):
                return raw
            return str(raw).lower() == 'true'
        if t == 'timestamp':
            return to_datetime(raw)
        if t == 'blob':
            if isinstance(raw, (bytes, bytearray)):
                return bytes(raw)
            return base64.b64decode(raw)
    except (ValueError, TypeError) as e:
        raise AwsError('InvalidParameterValue',
                       f'Invalid value {raw!r} for a {t}', 400) from e
    return raw

# }====


# {==== request decoding ====

def decode_query(shape, pairs):
    """Query-protocol members from form/query pairs (dict name -> value)."""
    if shape is None:
        return {}
    prefixes = set()
    for k in pairs:
        parts = k.split('.')
        for i in range(1, len(parts) + 1):
            prefixes.add('.'.join(parts[:i]))
    return _q_value(shape, '', pairs, prefixes) or {}


def _q_name(mshape, name):
    return mshape.serialization.get('name', name)


def _q_value(shape, prefix, pairs, prefixes):
    t = shape.type_name
    if t == 'structure':
        out = {}
        for name, ms in shape.members.items():
            key = _q_name(ms, name)
            if ms.type_name == 'list' and ms.serialization.get('flattened') \
                    and ms.member.serialization.get('name'):
                key = ms.member.serialization['name']
            p = f'{prefix}.{key}' if prefix else key
            if p in prefixes:
                v = _q_value(ms, p, pairs, prefixes)
                if v is not None:
                    out[name] = v
        return out
    if t == 'list':
        if shape.serialization.get('flattened'):
            lp = prefix
        else:
            lp = prefix + '.' + shape.member.serialization.get('name', 'member')
        items = []
        i = 1
        while f'{lp}.{i}' in prefixes:
            items.append(_q_value(shape.member, f'{lp}.{i}', pairs, prefixes))
            i += 1
        return items
    if t == 'map':
        mp = prefix if shape.serialization.get('flattened') else prefix + '.entry'
        kn = shape.key.serialization.get('name', 'key')
        vn = shape.value.serialization.get('name', 'value')
        out = {}
        i = 1
        while f'{mp}.{i}' in prefixes:
            k = pairs.get(f'{mp}.{i}.{kn}')
            out[k] = _q_value(shape.value, f'{mp}.{i}.{vn}', pairs, prefixes)
            i += 1
        return out
    if prefix not in pairs:
        return None
    return _scalar_in(shape, pairs[prefix])


def decode_json_value(shape, value):
    """Walk a JSON-decoded value converting timestamps and blobs."""
    if shape is None or value is None:
        return value
    t = shape.type_name
    if t == 'structure' and isinstance(value, dict):
        out = {}
        for name, ms in shape.members.items():
            key = ms.serialization.get('name', name)
            if key in value:
                out[name] = decode_json_value(ms, value[key])
        return out
    if t == 'list' and isinstance(value, list):
        return [decode_json_value(shape.member, v) for v in value]
    if t == 'map' and isinstance(value, dict):
        return {k: decode_json_value(shape.value, v) for k, v in value.items()}
    if t in ('timestamp', 'blob'):
        return _scalar_in(shape, value)
    return value


def decode_xml_value(shape, elem):
    """Members of `shape` from an ElementTree element (rest-xml bodies)."""
    t = shape.type_name
    if t == 'structure':
        out = {}
        kids = {}
        for c in elem:
            kids.setdefault(_tag(c), []).append(c)
        for name, ms in shape.members.items():
            key = ms.serialization.get('name', name)
            if ms.type_name == 'list' and ms.serialization.get('flattened'):
                key = ms.member.serialization.get('name', key)
                if key in kids:
                    out[name] = [decode_xml_value(ms.member, c) for c in kids[key]]
            elif key in kids:
                out[name] = decode_xml_value(ms, kids[key][0])
        return out
    if t == 'list':
        return [decode_xml_value(shape.member, c) for c in elem]
    if t == 'map':
        out = {}
        for entry in elem:
            k = v = None
            for c in entry:
                if _tag(c) == shape.key.serialization.get('name', 'key'):
                    k = c.text or ''
                else:
                    v = decode_xml_value(shape.value, c)
            out[k] = v
        return out
    return _scalar_in(shape, elem.text or '')


def _tag(elem):
    return elem.tag.split('}', 1)[-1]


def uri_regex(template):
    """(regex, label names, literal query pairs) for a requestUri template."""
    path, _, query = template.partition('?')
    labels = []
    rx = '^'
    for part in re.split(r'(\{[^}]+\})', path):
        if part.startswith('{'):
            name = part[1:-1]
            greedy = name.endswith('+')
            name = name.rstrip('+')
            labels.append(name)
            rx += f'(?P<{name}>.+)' if greedy else f'(?P<{name}>[^/]+)'
        else:
            rx += re.escape(part)
    rx += '$'
    lits = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k != 'x-id']
    return re.compile(rx), labels, lits


_route_cache = {}


def _required_located(opm):
    """[(location, wire name)] of the required header/querystring input members."""
    shape = opm.input_shape
    if shape is None:
        return []
    out = []
    for name in shape.required_members:
        ms = shape.members[name]
        loc = ms.serialization.get('location')
        if loc in ('header', 'querystring'):
            out.append((loc, ms.serialization.get('name', name)))
    return out


def route_rest(service, method, path, query_pairs, headers=None):
    """The operation model of a rest service matching method+path+query, or None.

    Operations sharing a URI (PutObject / CopyObject / UploadPart) are told
    apart by their required headers and query members, as the service does.
    """
    routes = _route_cache.get(service)
    if routes is None:
        routes = []
        m = models.model(service)
        for name in m.operation_names:
            http = m.operation_model(name).http
            rx, labels, lits = uri_regex(http['requestUri'])
            routes.append((http['method'], rx, lits, name,
                           _required_located(m.operation_model(name))))
        _route_cache[service] = routes
    keys = {k for k, _ in query_pairs}
    best = None
    headers = headers or {}
    for meth, rx, lits, name, req in routes:
        if meth != method:
            continue
        mt = rx.match(path)
        if not mt:
            continue
        if any(k not in keys or (v and (k, v) not in query_pairs) for k, v in lits):
            continue
        if any((loc == 'header' and headers.get(n) is None) or
               (loc == 'querystring' and n not in keys) for loc, n in req):
            continue
        score = (len(lits), len(req), -len(mt.groupdict()), len(rx.pattern))
        if best is None or score > best[0]:
            best = (score, name, mt)
    if best is None:
        return None, None
    labels = {k: unquote(v) for k, v in best[2].groupdict().items()}
    return models.model(service).operation_model(best[1]), labels


def decode_rest(op, labels, query_pairs, headers, body):
    """Input members of a rest-json / rest-xml request."""
    shape = op.input_shape
    out = {}
    if shape is None:
        return out
    qd = {}
    for k, v in query_pairs:
        qd.setdefault(k, []).append(v)
    payload = shape.serialization.get('payload')
    body_members = {}
    for name, ms in shape.members.items():
        loc = ms.serialization.get('location')
        lname = ms.serialization.get('name', name)
        if loc == 'uri':
            if lname in labels:
                out[name] = _scalar_in(ms, labels[lname])
        elif loc == 'querystring':
            if ms.type_name == 'list':
                if lname in qd:
                    out[name] = [_scalar_in(ms.member, v) for v in qd[lname]]
            elif ms.type_name == 'map':
                out[name] = {k: v[-1] for k, v in qd.items()}
            elif lname in qd:
                out[name] = _scalar_in(ms, qd[lname][-1])
        elif loc in ('header', 'headers'):
            if ms.type_name == 'map':
                pre = lname.lower()
                mp = {k[len(pre):]: v for k, v in headers.items()
                      if k.lower().startswith(pre)}
                if mp:
                    out[name] = mp
            else:
                v = headers.get(lname)
                if v is not None:
                    out[name] = _scalar_in(ms, v)
        elif loc is None:
            body_members[name] = ms
    if payload:
        ms = shape.members[payload]
        if ms.type_name in ('blob', 'string'):
            out[payload] = body if ms.type_name == 'blob' else body.decode('utf-8', 'replace')
        elif body:
            out[payload] = _decode_body_struct(op, ms, body)
    elif body_members and body:
        if models.protocol(op.service_model.service_name) == 'rest-json':
            try:
                doc = json.loads(body)
            except ValueError as e:
                raise AwsError('SerializationException', 'Invalid JSON body', 400) from e
            full = decode_json_value(shape, doc) or {}
            for name in body_members:
                if name in full:
                    out[name] = full[name]
        else:
            out.update(_decode_body_struct(op, shape, body))
    return out


def _decode_body_struct(op, shape, body):
    if models.protocol(op.service_model.service_name) == 'rest-json':
        return decode_json_value(shape, json.loads(body))
    import xml.etree.ElementTree as ET  # pylint: disable=import-outside-toplevel
    try:
        root = ET.fromstring(body)
    except ET.ParseError as e:
        raise AwsError('MalformedXML', 'The XML you provided was not well-formed or did '
                       'not validate against our published schema', 400) from e
    return decode_xml_value(shape, root)


def missing_required(shape, params):
    """Name of the first required top-level member absent from params, or None."""
    if shape is None:
        return None
    for name in shape.required_members:
        if params.get(name) is None:
            return name
    return None

# }====


# {==== reply encoding ====

def encode_json_value(shape, value, ts_default='unixTimestamp'):
    if value is None:
        return None
    t = shape.type_name
    if t == 'structure':
        out = {}
        for name, ms in shape.members.items():
            if name in value and value[name] is not None:
                if ms.serialization.get('location'):
                    continue
                out[ms.serialization.get('name', name)] = \
                    encode_json_value(ms, value[name], ts_default)
        return out
    if t == 'list':
        return [encode_json_value(shape.member, v, ts_default) for v in value]
    if t == 'map':
        return {k: encode_json_value(shape.value, v, ts_default) for k, v in value.items()}
    if t == 'timestamp':
        return _fmt_ts(shape, value, ts_default)
    if t == 'blob':
        if isinstance(value, str):
            value = value.encode()
        return base64.b64encode(value).decode()
    if t == 'boolean':
        return bool(value)
    if t in ('integer', 'long'):
        return int(value)
    if t in ('float', 'double'):
        return float(value)
    return value


def _x_scalar(shape, value):
    t = shape.type_name
    if t == 'timestamp':
        return _fmt_ts(shape, value, 'iso8601')
    if t == 'boolean':
        return 'true' if value else 'false'
    if t == 'blob':
        if isinstance(value, str):
            value = value.encode()
        return base64.b64encode(value).decode()
    return str(value)


def encode_xml_value(shape, name, value, out):
    """Append the XML of `value` (of `shape`) as element `name` to list out."""
    t = shape.type_name
    if t == 'structure':
        attrs = ''
        inner = []
        for mname, ms in shape.members.items():
            if mname not in value or value[mname] is None:
                continue
            if ms.serialization.get('location'):
                continue
            if ms.serialization.get('xmlAttribute'):
                attrs += f' {ms.serialization["name"]}="{escape(str(value[mname]))}"'
                continue
            _xml_member(ms, mname, value[mname], inner)
        out.append(f'<{name}{attrs}>' + ''.join(inner) + f'</{name}>')
    elif t == 'list':
        inner = []
        iname = shape.member.serialization.get('name', 'member')
        for v in value:
            encode_xml_value(shape.member, iname, v, inner)
        out.append(f'<{name}>' + ''.join(inner) + f'</{name}>')
    elif t == 'map':
        out.append(f'<{name}>' + _xml_map_entries(shape, value, True) + f'</{name}>')
    else:
        out.append(f'<{name}>{escape(_x_scalar(shape, value))}</{name}>')


def _xml_map_entries(shape, value, wrap):
    kn = shape.key.serialization.get('name', 'key')
    vn = shape.value.serialization.get('name', 'value')
    parts = []
    for k, v in value.items():
        inner = [f'<{kn}>{escape(str(k))}</{kn}>']
        encode_xml_value(shape.value, vn, v, inner)
        parts.append(('<entry>' if wrap else '') + ''.join(inner) + ('</entry>' if wrap else ''))
    return ''.join(parts)


def _xml_member(ms, mname, v, out):
    key = ms.serialization.get('name', mname)
    if ms.type_name == 'list' and ms.serialization.get('flattened'):
        key = ms.member.serialization.get('name', key)
        for item in v:
            encode_xml_value(ms.member, key, item, out)
    elif ms.type_name == 'map' and ms.serialization.get('flattened'):
        for k, item in v.items():
            out.append(f'<{key}>' + _xml_map_entries(ms, {k: item}, False) + f'</{key}>')
    else:
        encode_xml_value(ms, key, v, out)


def encode_reply(service, op, output, request_id):
    """(status, headers dict, body bytes) for a successful call."""
    proto = models.protocol(service)
    shape = op.output_shape
    output = output or {}
    meta = models.model(service).metadata
    if proto == 'json':
        body = json.dumps(encode_json_value(shape, output) if shape else {})
        ctype = 'application/x-amz-json-' + meta.get('jsonVersion', '1.0')
        return 200, {'Content-Type': ctype, 'x-amzn-RequestId': request_id}, body.encode()
    if proto == 'query':
        ns = meta.get('xmlNamespace', '')
        parts = [f'<{op.name}Response xmlns="{ns}">']
        if shape is not None:
            wrapper = shape.serialization.get('resultWrapper', f'{op.name}Result')
            inner = []
            encode_xml_value(shape, wrapper, output, inner)
            parts += inner
        parts.append(f'<ResponseMetadata><RequestId>{request_id}</RequestId>'
                     f'</ResponseMetadata></{op.name}Response>')
        return 200, {'Content-Type': 'text/xml', 'x-amzn-RequestId': request_id}, \
            ''.join(parts).encode()
    return _encode_rest(service, proto, op, shape, output, request_id)


def _encode_rest(service, proto, op, shape, output, request_id):
    status = op.http.get('responseCode', 200)
    headers = {}
    if proto == 'rest-json':
        headers['x-amzn-RequestId'] = request_id
    else:
        headers['x-amz-request-id'] = request_id
        headers['x-amz-id-2'] = base64.b64encode(request_id.encode()).decode()
    body = b''
    status = output.get('__status', status)
    if shape is None:
        return status, headers, body
    for name, ms in shape.members.items():
        loc = ms.serialization.get('location')
        if name not in output or output[name] is None:
            continue
        v = output[name]
        if loc in ('header', 'headers'):
            if ms.type_name == 'map':
                for k, hv in v.items():
                    headers[ms.serialization.get('name', name) + k] = str(hv)
            elif ms.type_name == 'timestamp':
                headers[ms.serialization.get('name', name)] = _fmt_ts(ms, v, 'rfc822')
            elif ms.type_name == 'boolean':
                headers[ms.serialization.get('name', name)] = 'true' if v else 'false'
            else:
                headers[ms.serialization.get('name', name)] = str(v)
        elif loc == 'statusCode':
            status = int(v)
    payload = shape.serialization.get('payload')
    if payload:
        ms = shape.members[payload]
        v = output.get(payload)
        if v is None:
            pass
        elif ms.type_name in ('blob', 'string'):
            body = v if isinstance(v, bytes) else str(v).encode()
        elif proto == 'rest-json':
            body = json.dumps(encode_json_value(ms, v)).encode()
            headers['Content-Type'] = 'application/json'
        else:
            out = []
            encode_xml_value(ms, ms.serialization.get('name', payload), v, out)
            body = _xml_doc(out[0], service)
            headers['Content-Type'] = 'application/xml'
    elif any(not ms.serialization.get('location') for ms in shape.members.values()):
        if proto == 'rest-json':
            body = json.dumps(encode_json_value(shape, output)).encode()
            headers['Content-Type'] = 'application/json'
        else:
            root = shape.serialization.get('name') or XML_ROOTS.get(op.name, op.name + 'Result')
            out = []
            encode_xml_value(shape, root, output, out)
            body = _xml_doc(out[0], service)
            headers['Content-Type'] = 'application/xml'
    return status, headers, body


# Root elements S3 uses for replies whose output shape names none.
XML_ROOTS = {
    'ListObjectsV2': 'ListBucketResult',
    'ListObjects': 'ListBucketResult',
    'ListBuckets': 'ListAllMyBucketsResult',
    'CopyObject': 'CopyObjectResult',
    'CreateMultipartUpload': 'InitiateMultipartUploadResult',
    'CompleteMultipartUpload': 'CompleteMultipartUploadResult',
    'DeleteObjects': 'DeleteResult',
}


def _xml_doc(xml, service):
    if service == 's3':
        xml = re.sub(r'^<(\w+)', rf'<\1 xmlns="{S3_NS}"', xml, count=1)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + xml).encode()


def error_reply(service, err, request_id, method='POST'):
    """(status, headers, body) of AWS error `err` in `service`'s protocol."""
    proto = models.protocol(service) if service else 'query'
    status = err.status or 400
    headers = dict(err.headers)
    if proto == 'json':
        meta = models.model(service).metadata
        headers['Content-Type'] = 'application/x-amz-json-' + meta.get('jsonVersion', '1.0')
        headers['x-amzn-RequestId'] = request_id
        doc = {'__type': err.code, 'message': err.message}
        doc.update(err.extra)
        return status, headers, json.dumps(doc).encode()
    if proto == 'rest-json':
        headers['Content-Type'] = 'application/json'
        headers['x-amzn-RequestId'] = request_id
        # as Coral services send it; clients keep what is before the ':'
        headers['x-amzn-ErrorType'] = (f'{err.code}:http://internal.amazon.com/coral/'
                                       f'com.amazonaws.{service}/')
        doc = {'Message': err.message}
        doc.update(err.extra)
        return status, headers, json.dumps(doc).encode()
    if proto == 'rest-xml':
        headers['x-amz-request-id'] = request_id
        headers['x-amz-id-2'] = base64.b64encode(request_id.encode()).decode()
        if method == 'HEAD':
            return status, headers, b''
        headers['Content-Type'] = 'application/xml'
        extra = ''.join(f'<{k}>{escape(str(v))}</{k}>' for k, v in err.extra.items())
        body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{escape(err.code)}</Code>'
                f'<Message>{escape(err.message)}</Message>{extra}'
                f'<RequestId>{request_id}</RequestId>'
                f'<HostId>{headers["x-amz-id-2"]}</HostId></Error>')
        return status, headers, body.encode()
    ns = models.model(service).metadata.get('xmlNamespace', '') if service else ''
    kind = 'Receiver' if status >= 500 else 'Sender'
    headers['Content-Type'] = 'text/xml'
    headers['x-amzn-RequestId'] = request_id
    body = (f'<ErrorResponse xmlns="{ns}"><Error><Type>{kind}</Type>'
            f'<Code>{escape(err.code)}</Code><Message>{escape(err.message)}</Message>'
            f'</Error><RequestId>{request_id}</RequestId></ErrorResponse>')
    return status, headers, body.encode()

# }====
