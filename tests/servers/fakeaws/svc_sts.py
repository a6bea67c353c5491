"""STS: GetCallerIdentity, AssumeRole (session keys the server then accepts), GetSessionToken."""

import hashlib
import re

from .core import AwsError, op, seeder


@seeder('sts')
def seed(ctx, st, doc):
    """{"keys": {akid: secret} | [{AccessKeyId, SecretAccessKey, SessionToken, Arn}]}."""
    if doc.get('keys'):
        ctx.world.keys.add_doc(doc['keys'])


@op('sts', 'GetCallerIdentity')
def get_caller_identity(ctx, p):
    return {'UserId': ctx.key.get('user_id'), 'Account': ctx.account,
            'Arn': ctx.key.get('arn')}


def _duration(p, lo=900, hi=43200, default=3600):
    d = p.get('DurationSeconds', default)
    if not lo <= d <= hi:
        raise AwsError('ValidationError', f"1 validation error detected: Value '{d}' at "
                       f"'durationSeconds' failed to satisfy constraint: Member must have "
                       f"value less than or equal to {hi}", 400)
    return d


@op('sts', 'AssumeRole')
def assume_role(ctx, p):
    role_arn = p['RoleArn']
    session = p['RoleSessionName']
    m = re.match(r'^arn:aws[\w-]*:iam::(\d{12}):role/(?:.*/)?([\w+=,.@-]+)$', role_arn)
    if not m:
        raise AwsError('ValidationError', f'{role_arn} is invalid', 400)
    if not re.match(r'^[\w+=,.@-]{2,64}$', session):
        raise AwsError('ValidationError', "1 validation error detected: Value at "
                       "'roleSessionName' failed to satisfy constraint: Member must satisfy "
                       "regular expression pattern: [\\w+=,.@-]*", 400)
    account, role = m.group(1), m.group(2)
    role_id = 'AROA' + hashlib.md5(role_arn.encode()).hexdigest()[:17].upper()
    arn = f'arn:aws:sts::{account}:assumed-role/{role}/{session}'
    akid, secret, token, exp = ctx.world.keys.issue_session(
        arn, f'{role_id}:{session}', _duration(p), account)
    return {'Credentials': {'AccessKeyId': akid, 'SecretAccessKey': secret,
                            'SessionToken': token, 'Expiration': exp},
            'AssumedRoleUser': {'AssumedRoleId': f'{role_id}:{session}', 'Arn': arn},
            'PackedPolicySize': 0}


@op('sts', 'GetSessionToken')
def get_session_token(ctx, p):
    akid, secret, token, exp = ctx.world.keys.issue_session(
        ctx.key.get('arn'), ctx.key.get('user_id'), _duration(p, 900, 129600, 43200),
        ctx.account)
    return {'Credentials': {'AccessKeyId': akid, 'SecretAccessKey': secret,
                            'SessionToken': token, 'Expiration': exp}}
