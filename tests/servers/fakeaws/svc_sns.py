"""SNS: CreateTopic, ListTopics, Publish (messages kept), GetTopicAttributes, DeleteTopic."""

import uuid

from .core import AwsError, op, seeder


def _topics(ctx):
    return ctx.state.setdefault('topics', {})


def _create(ctx, name, attrs=None):
    arn = ctx.arn('sns', name)
    t = _topics(ctx).setdefault(arn, {'TopicArn': arn, 'Name': name, 'messages': [],
                                      'Attributes': {}})
    t['Attributes'].update(attrs or {})
    return t


@seeder('sns')
def seed(ctx, st, doc):
    """{"topics": ["name" | "arn:aws:sns:..." | {"Name": ...}]}."""
    for t in doc.get('topics', []):
        if isinstance(t, dict):
            t = t.get('TopicArn') or t['Name']
        if t.startswith('arn:'):
            parts = t.split(':')
            ctx.region, ctx.account = parts[3], parts[4]
            t = parts[5]
        _create(ctx, t)


def _topic(ctx, arn):
    t = _topics(ctx).get(arn)
    if t is None:
        if not arn.startswith('arn:aws:sns:'):
            raise AwsError('InvalidParameter', 'Invalid parameter: TopicArn', 400)
        raise AwsError('NotFound', 'Topic does not exist', 404)
    return t


@op('sns', 'CreateTopic')
def create_topic(ctx, p):
    return {'TopicArn': _create(ctx, p['Name'], p.get('Attributes'))['TopicArn']}


@op('sns', 'ListTopics')
def list_topics(ctx, p):
    arns = sorted(_topics(ctx))
    start = int(p.get('NextToken') or 0)
    out = {'Topics': [{'TopicArn': a} for a in arns[start:start + 100]]}
    if start + 100 < len(arns):
        out['NextToken'] = str(start + 100)
    return out


@op('sns', 'Publish')
def publish(ctx, p):
    arn = p.get('TopicArn') or p.get('TargetArn')
    if not arn and not p.get('PhoneNumber'):
        raise AwsError('InvalidParameter', 'Invalid parameter: TopicArn or TargetArn Reason: '
                       'no value for required parameter', 400)
    msg = p['Message']
    if not msg:
        raise AwsError('InvalidParameter', 'Invalid parameter: Empty message', 400)
    if len(msg.encode()) > 262144:
        raise AwsError('InvalidParameter', 'Invalid parameter: Message too long', 400)
    subj = p.get('Subject')
    if subj is not None and (len(subj) > 100 or '\n' in subj):
        raise AwsError('InvalidParameter', 'Invalid parameter: Subject', 400)
    mid = str(uuid.uuid4())
    rec = {'MessageId': mid, 'Message': msg, 'Subject': subj, 'Timestamp': ctx.now,
           'MessageAttributes': p.get('MessageAttributes') or {}}
    if arn:
        _topic(ctx, arn)['messages'].append(rec)
    else:
        ctx.state.setdefault('sms', []).append(dict(rec, PhoneNumber=p['PhoneNumber']))
    return {'MessageId': mid}


@op('sns', 'GetTopicAttributes')
def get_topic_attributes(ctx, p):
    t = _topic(ctx, p['TopicArn'])
    attrs = {'TopicArn': t['TopicArn'], 'Owner': ctx.account, 'DisplayName': '',
             'SubscriptionsConfirmed': '0', 'SubscriptionsPending': '0',
             'SubscriptionsDeleted': '0'}
    attrs.update(t['Attributes'])
    return {'Attributes': attrs}


@op('sns', 'DeleteTopic')
def delete_topic(ctx, p):
    _topics(ctx).pop(p['TopicArn'], None)
    return {}
