"""SSM: parameters (String, StringList, SecureString with history) and Run Command.

SendCommand makes one invocation per target instance (InstanceIds, or Targets
Key=InstanceIds / Key=tag:NAME matched against seeded instances); each
invocation goes Pending -> InProgress -> Success over GetCommandInvocation /
ListCommandInvocations polls (settle_polls).  A seeded instance with
"fail": true ends Failed (ResponseCode 1).

Seed: {"parameters": {"/app/x": "value" | {"Value": "...", "Type": "SecureString"}},
       "instances": [{"InstanceId": "i-1", "Tags": {"Component": "api"},
                      "output": "ok\\n", "fail": false}]}
"""

import base64
import hashlib
import uuid

from .core import AwsError, op, seeder

KMS_DEFAULT = 'alias/aws/ssm'


def _params(ctx):
    return ctx.state.setdefault('parameters', {})


def _put(ctx, name, value, ptype='String', overwrite=True, desc=None, key_id=None):
    ps = _params(ctx)
    hist = ps.get(name)
    if hist and not overwrite:
        raise AwsError('ParameterAlreadyExists', 'The parameter already exists. To overwrite '
                       'this value, set the overwrite option in the request to true.', 400)
    if hist and ptype is None:
        ptype = hist[-1]['Type']
    ptype = ptype or 'String'
    if ptype not in ('String', 'StringList', 'SecureString'):
        raise AwsError('UnsupportedParameterType', f'Type {ptype} is not supported.', 400)
    if hist and hist[-1]['Type'] != ptype and not overwrite:
        raise AwsError('HierarchyTypeMismatchException', 'type mismatch', 400)
    if len(value.encode()) > 4096:
        raise AwsError('ValidationException', 'Parameter value must be at most 4096 bytes.',
                       400)
    version = len(hist) + 1 if hist else 1
    rec = {'Name': name, 'Type': ptype, 'Value': value, 'Version': version,
           'LastModifiedDate': ctx.now, 'DataType': 'text', 'Tier': 'Standard',
           'LastModifiedUser': ctx.key.get('arn') or f'arn:aws:iam::{ctx.account}:root',
           'Labels': []}
    if desc is not None:
        rec['Description'] = desc
    if ptype == 'SecureString':
        rec['KeyId'] = key_id or KMS_DEFAULT
    ps.setdefault(name, []).append(rec)
    return rec


def _arn(ctx, name):
    return ctx.arn('ssm', 'parameter' + (name if name.startswith('/') else '/' + name))


def _cipher(rec):
    """What AWS hands back for a SecureString read without decryption."""
    digest = hashlib.sha256(f'{rec["Name"]}:{rec["Version"]}:{rec["Value"]}'.encode()).digest()
    return base64.b64encode(b'\x01\x02\x02\x00x' + digest * 3).decode()


def _view(ctx, rec, decrypt, history=False):
    out = dict(rec)
    if rec['Type'] == 'SecureString' and not decrypt:
        out['Value'] = _cipher(rec)
    if not history:
        out['ARN'] = _arn(ctx, rec['Name'])
        for k in ('Tier', 'LastModifiedUser', 'Labels', 'Description', 'KeyId'):
            out.pop(k, None)
    return out


def _get(ctx, ref):
    name, _, sel = ref.partition(':')
    hist = _params(ctx).get(name)
    if not hist:
        raise AwsError('ParameterNotFound', '', 400)
    if not sel:
        return hist[-1], ''
    for r in hist:
        if str(r['Version']) == sel or sel in r['Labels']:
            return r, ':' + sel
    raise AwsError('ParameterVersionNotFound', f'Systems Manager could not find version {sel} '
                   f'of {name}. Verify the version and try again.', 400)


@seeder('ssm')
def seed(ctx, st, doc):
    for name, vs in (doc.get('parameters') or {}).items():
        # a list seeds the parameter's versions, oldest first
        for v in (vs if isinstance(vs, list) else [vs]):
            if not isinstance(v, dict):
                v = {'Value': v}
            _put(ctx, name, str(v['Value']), v.get('Type', 'String'), True,
                 v.get('Description'), v.get('KeyId'))
    insts = st.setdefault('instances', {})
    for i in doc.get('instances') or []:
        insts[i['InstanceId']] = dict(i)


@op('ssm', 'GetParameter')
def get_parameter(ctx, p):
    rec, sel = _get(ctx, p['Name'])
    out = _view(ctx, rec, p.get('WithDecryption'))
    if sel:
        out['Selector'] = sel
    return {'Parameter': out}


@op('ssm', 'GetParameters')
def get_parameters(ctx, p):
    found, bad = [], []
    for n in p['Names']:
        try:
            rec, _ = _get(ctx, n)
            found.append(_view(ctx, rec, p.get('WithDecryption')))
        except AwsError:
            bad.append(n)
    return {'Parameters': found, 'InvalidParameters': bad}


@op('ssm', 'PutParameter')
def put_parameter(ctx, p):
    rec = _put(ctx, p['Name'], p['Value'], p.get('Type'), p.get('Overwrite', False),
               p.get('Description'), p.get('KeyId'))
    return {'Version': rec['Version'], 'Tier': rec['Tier']}


@op('ssm', 'GetParameterHistory')
def get_parameter_history(ctx, p):
    hist = _params(ctx).get(p['Name'])
    if not hist:
        raise AwsError('ParameterNotFound', '', 400)
    start = int(p.get('NextToken') or 0)
    size = p.get('MaxResults', 50)
    out = {'Parameters': [_view(ctx, r, p.get('WithDecryption'), history=True)
                          for r in hist[start:start + size]]}
    if start + size < len(hist):
        out['NextToken'] = str(start + size)
    return out


@op('ssm', 'DeleteParameter')
def delete_parameter(ctx, p):
    if _params(ctx).pop(p['Name'], None) is None:
        raise AwsError('ParameterNotFound', '', 400)
    return {}


@op('ssm', 'GetParametersByPath')
def get_parameters_by_path(ctx, p):
    path = p['Path'].rstrip('/') + '/'
    out = []
    for name, hist in sorted(_params(ctx).items()):
        if not name.startswith(path):
            continue
        if not p.get('Recursive') and '/' in name[len(path):]:
            continue
        out.append(_view(ctx, hist[-1], p.get('WithDecryption')))
    return {'Parameters': out}


# {==== Run Command ====

def _targets(ctx, p):
    insts = ctx.state.setdefault('instances', {})
    ids = list(p.get('InstanceIds') or [])
    for t in p.get('Targets') or []:
        key, vals = t['Key'], t['Values']
        if key == 'InstanceIds':
            ids += vals
        elif key.startswith('tag:'):
            tag = key[4:]
            ids += [i for i, d in insts.items() if str(d.get('Tags', {}).get(tag)) in vals]
        elif key == 'tag-key':
            ids += [i for i, d in insts.items() if any(v in d.get('Tags', {}) for v in vals)]
    if not ids and not p.get('Targets'):
        raise AwsError('InvalidInstanceId', 'No instance ids or targets given', 400)
    return list(dict.fromkeys(ids))


@op('ssm', 'SendCommand')
def send_command(ctx, p):
    ids = _targets(ctx, p)
    insts = ctx.state.setdefault('instances', {})
    for i in ids:
        if i not in insts:
            raise AwsError('InvalidInstanceId', 'Instances [[' + i + ']] not in a valid state '
                           'for account ' + ctx.account, 400)
    cid = str(uuid.uuid4())
    cmd = {'CommandId': cid, 'DocumentName': p['DocumentName'], 'DocumentVersion': '$DEFAULT',
           'Comment': p.get('Comment', ''), 'Parameters': p.get('Parameters') or {},
           'InstanceIds': p.get('InstanceIds') or [], 'Targets': p.get('Targets') or [],
           'RequestedDateTime': ctx.now, 'Status': 'Pending', 'StatusDetails': 'Pending',
           'MaxConcurrency': p.get('MaxConcurrency', '50'), 'MaxErrors': p.get('MaxErrors', '0'),
           'TargetCount': len(ids), 'CompletedCount': 0, 'ErrorCount': 0,
           'DeliveryTimedOutCount': 0, 'TimeoutSeconds': p.get('TimeoutSeconds', 3600),
           'ExpiresAfter': ctx.now,
           '_inv': {i: {'Status': 'Pending', '_polls': 0} for i in ids}}
    ctx.state.setdefault('commands', {})[cid] = cmd
    return {'Command': cmd}


def _advance(ctx, cmd, iid):
    inv = cmd['_inv'][iid]
    if inv['Status'] in ('Success', 'Failed'):
        return inv
    inv['_polls'] += 1
    n = max(1, ctx.polls())
    inst = ctx.state.get('instances', {}).get(iid, {})
    if inv['_polls'] >= n:
        fail = bool(inst.get('fail'))
        inv.update({'Status': 'Failed' if fail else 'Success', 'ResponseCode': 1 if fail else 0,
                    'ExecutionEndDateTime': ctx.now,
                    'StandardOutputContent': inst.get('output', ''),
                    'StandardErrorContent': inst.get('error', 'failed\n' if fail else '')})
    else:
        inv['Status'] = 'InProgress'
        inv.setdefault('ExecutionStartDateTime', ctx.now)
    states = [v['Status'] for v in cmd['_inv'].values()]
    cmd['CompletedCount'] = sum(s in ('Success', 'Failed') for s in states)
    cmd['ErrorCount'] = states.count('Failed')
    if cmd['CompletedCount'] == len(states):
        cmd['Status'] = cmd['StatusDetails'] = 'Failed' if cmd['ErrorCount'] else 'Success'
    else:
        cmd['Status'] = cmd['StatusDetails'] = 'InProgress'
    return inv


def _command(ctx, cid):
    cmd = ctx.state.get('commands', {}).get(cid)
    if cmd is None:
        raise AwsError('InvalidCommandId', '', 400)
    return cmd


@op('ssm', 'GetCommandInvocation')
def get_command_invocation(ctx, p):
    cmd = _command(ctx, p['CommandId'])
    if p['InstanceId'] not in cmd['_inv']:
        raise AwsError('InvocationDoesNotExist', '', 400)
    inv = _advance(ctx, cmd, p['InstanceId'])
    return {'CommandId': cmd['CommandId'], 'InstanceId': p['InstanceId'],
            'Comment': cmd['Comment'], 'DocumentName': cmd['DocumentName'],
            'DocumentVersion': '1', 'PluginName': p.get('PluginName', 'aws:runShellScript'),
            'ResponseCode': inv.get('ResponseCode', -1),
            'ExecutionStartDateTime': inv.get('ExecutionStartDateTime', '') and
            inv['ExecutionStartDateTime'].strftime('%Y-%m-%dT%H:%M:%S.%fZ'),
            'ExecutionEndDateTime': inv.get('ExecutionEndDateTime', '') and
            inv['ExecutionEndDateTime'].strftime('%Y-%m-%dT%H:%M:%S.%fZ'),
            'Status': inv['Status'], 'StatusDetails': inv['Status'],
            'StandardOutputContent': inv.get('StandardOutputContent', ''),
            'StandardErrorContent': inv.get('StandardErrorContent', ''),
            'StandardOutputUrl': '', 'StandardErrorUrl': '',
            'CloudWatchOutputConfig': {'CloudWatchLogGroupName': '',
                                       'CloudWatchOutputEnabled': False}}


@op('ssm', 'ListCommandInvocations')
def list_command_invocations(ctx, p):
    cmds = ctx.state.get('commands', {})
    if p.get('CommandId'):
        cmds = {p['CommandId']: _command(ctx, p['CommandId'])}
    out = []
    for cmd in cmds.values():
        for iid in cmd['_inv']:
            if p.get('InstanceId') and iid != p['InstanceId']:
                continue
            inv = _advance(ctx, cmd, iid)
            item = {'CommandId': cmd['CommandId'], 'InstanceId': iid,
                    'DocumentName': cmd['DocumentName'], 'DocumentVersion': '1',
                    'Comment': cmd['Comment'], 'RequestedDateTime': cmd['RequestedDateTime'],
                    'Status': inv['Status'], 'StatusDetails': inv['Status'],
                    'StandardOutputUrl': '', 'StandardErrorUrl': ''}
            if p.get('Details'):
                item['CommandPlugins'] = [{
                    'Name': 'aws:runShellScript', 'Status': inv['Status'],
                    'StatusDetails': inv['Status'], 'ResponseCode': inv.get('ResponseCode', -1),
                    'ResponseStartDateTime': inv.get('ExecutionStartDateTime'),
                    'ResponseFinishDateTime': inv.get('ExecutionEndDateTime'),
                    'Output': inv.get('StandardOutputContent', '')}]
            out.append(item)
    return {'CommandInvocations': out}


@op('ssm', 'ListCommands')
def list_commands(ctx, p):
    cmds = ctx.state.get('commands', {})
    if p.get('CommandId'):
        cmds = {p['CommandId']: _command(ctx, p['CommandId'])}
    return {'Commands': list(cmds.values())}

# }====
