"""S3 (path-style /bucket/key): buckets and objects.

CreateBucket, DeleteBucket, HeadBucket, ListBuckets, PutObject, GetObject
(with Range), HeadObject, DeleteObject, CopyObject, ListObjectsV2, ListObjects,
and multipart uploads (CreateMultipartUpload, UploadPart,
CompleteMultipartUpload, AbortMultipartUpload: what `aws s3 cp` does for
files over 8 MB; parts but the last must be 5 MiB or more, as in S3).

Seed: {"buckets": {"ops-backups": {"runbooks/a.txt": "text" |
        {"Body": "...", "ContentType": "text/plain"}}}}
"""

import base64
import hashlib
import re
from urllib.parse import quote, quote_plus, unquote

from .core import AwsError, op, seeder


def _buckets(ctx):
    return ctx.state.setdefault('buckets', {})


def _bucket(ctx, name):
    b = _buckets(ctx).get(name)
    if b is None:
        raise AwsError('NoSuchBucket', 'The specified bucket does not exist', 404,
                       extra={'BucketName': name})
    return b


def _new_bucket(ctx, name):
    if not re.match(r'^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$', name) or '..' in name:
        raise AwsError('InvalidBucketName', 'The specified bucket is not valid.', 400,
                       extra={'BucketName': name})
    return _buckets(ctx).setdefault(name, {'CreationDate': ctx.now, 'objects': {},
                                           'region': ctx.region})


def _store(ctx, b, key, body, ctype=None, meta=None):
    etag = '"' + hashlib.md5(body).hexdigest() + '"'
    b['objects'][key] = {'Body': body, 'ETag': etag, 'LastModified': ctx.now.replace(
        microsecond=0), 'ContentType': ctype or 'binary/octet-stream', 'Metadata': meta or {},
        'Size': len(body)}
    return etag


@seeder('s3')
def seed(ctx, st, doc):
    for name, objs in (doc.get('buckets') or {}).items():
        b = _new_bucket(ctx, name)
        for key, v in (objs or {}).items():
            if not isinstance(v, dict):
                v = {'Body': v}
            body = v['Body'].encode() if isinstance(v['Body'], str) else v['Body']
            _store(ctx, b, key, body, v.get('ContentType'), v.get('Metadata'))


@op('s3', 'CreateBucket')
def create_bucket(ctx, p):
    name = p['Bucket']
    if name in _buckets(ctx) and ctx.region != 'us-east-1':
        raise AwsError('BucketAlreadyOwnedByYou', 'Your previous request to create the named '
                       'bucket succeeded and you already own it.', 409,
                       extra={'BucketName': name})
    _new_bucket(ctx, name)
    return {'Location': '/' + name}


@op('s3', 'DeleteBucket')
def delete_bucket(ctx, p):
    b = _bucket(ctx, p['Bucket'])
    if b['objects']:
        raise AwsError('BucketNotEmpty', 'The bucket you tried to delete is not empty', 409,
                       extra={'BucketName': p['Bucket']})
    del _buckets(ctx)[p['Bucket']]
    return {}


@op('s3', 'HeadBucket')
def head_bucket(ctx, p):
    _bucket(ctx, p['Bucket'])
    return {}


@op('s3', 'ListBuckets')
def list_buckets(ctx, p):
    return {'Buckets': [{'Name': n, 'CreationDate': b['CreationDate']}
                        for n, b in sorted(_buckets(ctx).items())],
            'Owner': {'DisplayName': 'fake-aws', 'ID': hashlib.sha256(
                ctx.account.encode()).hexdigest()}}


@op('s3', 'PutObject')
def put_object(ctx, p):
    b = _bucket(ctx, p['Bucket'])
    body = p.get('Body') or b''
    if p.get('ContentMD5'):
        if base64.b64encode(hashlib.md5(body).digest()).decode() != p['ContentMD5']:
            raise AwsError('BadDigest', 'The Content-MD5 you specified did not match what we '
                           'received.', 400)
    meta = {k.lower(): v for k, v in (p.get('Metadata') or {}).items()}
    return {'ETag': _store(ctx, b, p['Key'], body, p.get('ContentType'), meta)}


def _object(ctx, p):
    b = _bucket(ctx, p['Bucket'])
    o = b['objects'].get(p['Key'])
    if o is None:
        raise AwsError('NoSuchKey', 'The specified key does not exist.', 404,
                       extra={'Key': p['Key']})
    return o


def _head(o):
    return {'AcceptRanges': 'bytes', 'LastModified': o['LastModified'],
            'ContentLength': o['Size'], 'ETag': o['ETag'], 'ContentType': o['ContentType'],
            'Metadata': o['Metadata']}


@op('s3', 'GetObject')
def get_object(ctx, p):
    o = _object(ctx, p)
    out = _head(o)
    if p.get('IfNoneMatch') and p['IfNoneMatch'] == o['ETag']:
        return {'__status': 304, 'ETag': o['ETag'], 'LastModified': o['LastModified']}
    body = o['Body']
    rng = p.get('Range')
    if rng:
        m = re.match(r'^bytes=(\d*)-(\d*)$', rng)
        size = len(body)
        if m and (m.group(1) or m.group(2)):
            if m.group(1):
                start = int(m.group(1))
                end = int(m.group(2)) if m.group(2) else size - 1
            else:
                start, end = max(0, size - int(m.group(2))), size - 1
            if start >= size:
                raise AwsError('InvalidRange', 'The requested range is not satisfiable', 416,
                               extra={'RangeRequested': rng,
                                      'ActualObjectSize': size})
            end = min(end, size - 1)
            body = body[start:end + 1]
            out['ContentRange'] = f'bytes {start}-{end}/{size}'
            out['__status'] = 206
    out['ContentLength'] = len(body)
    out['Body'] = body
    return out


@op('s3', 'HeadObject')
def head_object(ctx, p):
    return _head(_object(ctx, p))


@op('s3', 'DeleteObject')
def delete_object(ctx, p):
    _bucket(ctx, p['Bucket'])['objects'].pop(p['Key'], None)
    return {}


def _listing(ctx, p, after):
    b = _bucket(ctx, p['Bucket'])
    prefix = p.get('Prefix') or ''
    delim = p.get('Delimiter')
    maxk = p.get('MaxKeys', 1000)
    contents, prefixes, n, last = [], [], 0, None
    truncated = False
    for key in sorted(b['objects']):
        if not key.startswith(prefix) or (after and key <= after):
            continue
        if delim and delim in key[len(prefix):]:
            cp = key[:len(prefix) + key[len(prefix):].index(delim) + len(delim)]
            if cp in prefixes or (after and cp <= after):
                continue
            if n >= maxk:
                truncated = True
                break
            prefixes.append(cp)
            last = cp
        else:
            if n >= maxk:
                truncated = True
                break
            o = b['objects'][key]
            contents.append({'Key': key, 'LastModified': o['LastModified'], 'ETag': o['ETag'],
                             'Size': o['Size'], 'StorageClass': 'STANDARD'})
            last = key
        n += 1
    out = {'Name': p['Bucket'], 'Prefix': prefix, 'MaxKeys': maxk, 'IsTruncated': truncated}
    if contents:
        out['Contents'] = contents
    if prefixes:
        out['CommonPrefixes'] = [{'Prefix': x} for x in prefixes]
    if delim:
        out['Delimiter'] = delim
    return out, n, last


@op('s3', 'ListObjectsV2')
def list_objects_v2(ctx, p):
    after = p.get('StartAfter') or ''
    if p.get('ContinuationToken'):
        try:
            after = base64.urlsafe_b64decode(p['ContinuationToken'].encode()).decode()
        except (ValueError, UnicodeDecodeError) as e:
            raise AwsError('InvalidArgument', 'The continuation token provided is incorrect',
                           400) from e
    out, n, last = _listing(ctx, p, after)
    out['KeyCount'] = n
    if p.get('ContinuationToken'):
        out['ContinuationToken'] = p['ContinuationToken']
    if p.get('StartAfter'):
        out['StartAfter'] = p['StartAfter']
    if out['IsTruncated']:
        out['NextContinuationToken'] = base64.urlsafe_b64encode(last.encode()).decode()
    return _encode_keys(p, out)


def _encode_keys(p, out):
    """EncodingType=url: keys and prefixes come back form-encoded, as S3 does."""
    if p.get('EncodingType') != 'url':
        return out
    out['EncodingType'] = 'url'
    enc = lambda v: quote_plus(v, safe='/')  # noqa: E731
    for k in ('Prefix', 'Delimiter', 'StartAfter', 'Marker', 'NextMarker'):
        if out.get(k):
            out[k] = enc(out[k])
    for o in out.get('Contents', []):
        o['Key'] = enc(o['Key'])
    for cp in out.get('CommonPrefixes', []):
        cp['Prefix'] = enc(cp['Prefix'])
    return out


@op('s3', 'ListObjects')
def list_objects(ctx, p):
    out, _, last = _listing(ctx, p, p.get('Marker') or '')
    out['Marker'] = p.get('Marker') or ''
    if out['IsTruncated'] and p.get('Delimiter'):
        out['NextMarker'] = last
    return _encode_keys(p, out)


# {==== copy and multipart ====

@op('s3', 'CopyObject')
def copy_object(ctx, p):
    src = unquote(p['CopySource']).lstrip('/')
    sb, _, sk = src.partition('/')
    sk = sk.partition('?versionId=')[0]
    o = _object(ctx, {'Bucket': sb, 'Key': sk})
    b = _bucket(ctx, p['Bucket'])
    if p.get('MetadataDirective') == 'REPLACE':
        ctype, meta = p.get('ContentType'), {k.lower(): v for k, v in
                                             (p.get('Metadata') or {}).items()}
    elif sb == p['Bucket'] and sk == p['Key']:
        raise AwsError('InvalidRequest', 'This copy request is illegal because it is trying to '
                       'copy an object to itself without changing the object\'s metadata, '
                       'storage class, website redirect location or encryption attributes.',
                       400)
    else:
        ctype, meta = o['ContentType'], dict(o['Metadata'])
    etag = _store(ctx, b, p['Key'], o['Body'], ctype, meta)
    return {'CopyObjectResult': {'ETag': etag, 'LastModified': b['objects'][p['Key']][
        'LastModified']}}


@op('s3', 'CreateMultipartUpload')
def create_multipart_upload(ctx, p):
    _bucket(ctx, p['Bucket'])
    uid = base64.urlsafe_b64encode(hashlib.sha256(
        f'{p["Bucket"]}/{p["Key"]}/{ctx.request_id}'.encode()).digest()).decode().rstrip('=')
    ctx.state.setdefault('uploads', {})[uid] = {
        'Bucket': p['Bucket'], 'Key': p['Key'], 'parts': {},
        'ContentType': p.get('ContentType'),
        'Metadata': {k.lower(): v for k, v in (p.get('Metadata') or {}).items()}}
    return {'Bucket': p['Bucket'], 'Key': p['Key'], 'UploadId': uid}


def _upload(ctx, p):
    _bucket(ctx, p['Bucket'])
    up = ctx.state.get('uploads', {}).get(p['UploadId'])
    if up is None or up['Bucket'] != p['Bucket'] or up['Key'] != p['Key']:
        raise AwsError('NoSuchUpload', 'The specified upload does not exist. The upload ID may '
                       'be invalid, or the upload may have been aborted or completed.', 404,
                       extra={'UploadId': p['UploadId']})
    return up


@op('s3', 'UploadPart')
def upload_part(ctx, p):
    up = _upload(ctx, p)
    n = p['PartNumber']
    if not 1 <= n <= 10000:
        raise AwsError('InvalidArgument', 'Part number must be an integer between 1 and 10000, '
                       'inclusive', 400)
    body = p.get('Body') or b''
    etag = '"' + hashlib.md5(body).hexdigest() + '"'
    up['parts'][str(n)] = {'Body': body, 'ETag': etag}
    return {'ETag': etag}


@op('s3', 'CompleteMultipartUpload')
def complete_multipart_upload(ctx, p):
    up = _upload(ctx, p)
    parts = (p.get('MultipartUpload') or {}).get('Parts') or []
    if not parts:
        raise AwsError('MalformedXML', 'The XML you provided was not well-formed or did not '
                       'validate against our published schema', 400)
    nums = [x['PartNumber'] for x in parts]
    if nums != sorted(nums):
        raise AwsError('InvalidPartOrder', 'The list of parts was not in ascending order. The '
                       'parts list must be specified in order by part number.', 400)
    chunks, digests = [], b''
    for i, x in enumerate(parts):
        have = up['parts'].get(str(x['PartNumber']))
        if have is None or have['ETag'].strip('"') != x.get('ETag', '').strip('"'):
            raise AwsError('InvalidPart', 'One or more of the specified parts could not be '
                           'found.  The part may not have been uploaded, or the specified '
                           'entity tag may not match the part\'s entity tag.', 400)
        if i < len(parts) - 1 and len(have['Body']) < 5 * 1024 * 1024:
            raise AwsError('EntityTooSmall', 'Your proposed upload is smaller than the minimum '
                           'allowed object size.', 400)
        chunks.append(have['Body'])
        digests += hashlib.md5(have['Body']).digest()
    b = _bucket(ctx, p['Bucket'])
    _store(ctx, b, p['Key'], b''.join(chunks), up['ContentType'], up['Metadata'])
    etag = f'"{hashlib.md5(digests).hexdigest()}-{len(parts)}"'
    b['objects'][p['Key']]['ETag'] = etag
    del ctx.state['uploads'][p['UploadId']]
    return {'Location': f'/{p["Bucket"]}/{quote(p["Key"])}', 'Bucket': p['Bucket'],
            'Key': p['Key'], 'ETag': etag}


@op('s3', 'AbortMultipartUpload')
def abort_multipart_upload(ctx, p):
    _upload(ctx, p)
    del ctx.state['uploads'][p['UploadId']]
    return {}

# }====
