"""CloudWatch Logs: CreateLogGroup, CreateLogStream, PutLogEvents, GetLogEvents,
FilterLogEvents, DescribeLogGroups, DescribeLogStreams, DeleteLogGroup.

FilterLogEvents understands the plain term patterns: `ERROR timeout` (all
terms), `"exact phrase"`, `?ERROR ?WARN` (any), `-DEBUG` (exclude); other
pattern syntaxes are treated as plain terms.

Seed: {"groups": {"/aws/ecs/payments": {"streams": {"web/1": [
        {"timestamp": 1764000000000, "message": "started"}]}}}}
"""

import re
import shlex

from .core import AwsError, op, seeder


def _groups(ctx):
    return ctx.state.setdefault('groups', {})


def _nf(what='log group'):
    return AwsError('ResourceNotFoundException', f'The specified {what} does not exist.', 400)


def _ms(ctx):
    return int(ctx.now.timestamp() * 1000)


def _new_group(ctx, name):
    if name in _groups(ctx):
        raise AwsError('ResourceAlreadyExistsException', 'The specified log group already '
                       'exists', 400)
    if not re.match(r'^[\.\-_/#A-Za-z0-9]{1,512}$', name):
        raise AwsError('InvalidParameterException', f"1 validation error detected: Value "
                       f"'{name}' at 'logGroupName' failed to satisfy constraint", 400)
    g = _groups(ctx)[name] = {'logGroupName': name, 'creationTime': _ms(ctx),
                              'arn': ctx.arn('logs', f'log-group:{name}:*'),
                              'storedBytes': 0, 'metricFilterCount': 0, 'streams': {}}
    return g


def _new_stream(ctx, g, name):
    if name in g['streams']:
        raise AwsError('ResourceAlreadyExistsException', 'The specified log stream already '
                       'exists', 400)
    s = g['streams'][name] = {'logStreamName': name, 'creationTime': _ms(ctx),
                              'arn': ctx.arn('logs', f'log-group:{g["logGroupName"]}:'
                                                     f'log-stream:{name}'),
                              'storedBytes': 0, 'events': [], 'seq': 0}
    return s


@seeder('logs')
def seed(ctx, st, doc):
    for gname, gd in (doc.get('groups') or {}).items():
        g = _groups(ctx).get(gname) or _new_group(ctx, gname)
        for sname, events in ((gd or {}).get('streams') or {}).items():
            s = g['streams'].get(sname) or _new_stream(ctx, g, sname)
            for e in events or []:
                _append(ctx, s, e['timestamp'], e['message'])


def _append(ctx, s, ts, msg):
    s['events'].append({'timestamp': ts, 'message': msg, 'ingestionTime': _ms(ctx)})
    s['firstEventTimestamp'] = s.get('firstEventTimestamp', ts)
    s['lastEventTimestamp'] = ts
    s['lastIngestionTime'] = _ms(ctx)
    s['storedBytes'] += len(msg.encode())


def _group(ctx, name):
    g = _groups(ctx).get(name)
    if g is None:
        raise _nf()
    return g


def _stream(ctx, gname, sname):
    s = _group(ctx, gname)['streams'].get(sname)
    if s is None:
        raise _nf('log stream')
    return s


@op('logs', 'CreateLogGroup')
def create_log_group(ctx, p):
    _new_group(ctx, p['logGroupName'])
    return {}


@op('logs', 'DeleteLogGroup')
def delete_log_group(ctx, p):
    _group(ctx, p['logGroupName'])
    del _groups(ctx)[p['logGroupName']]
    return {}


@op('logs', 'CreateLogStream')
def create_log_stream(ctx, p):
    _new_stream(ctx, _group(ctx, p['logGroupName']), p['logStreamName'])
    return {}


@op('logs', 'PutLogEvents')
def put_log_events(ctx, p):
    s = _stream(ctx, p['logGroupName'], p['logStreamName'])
    events = p['logEvents']
    if not events:
        raise AwsError('InvalidParameterException', 'logEvents must not be empty', 400)
    last = None
    for e in events:
        if last is not None and e['timestamp'] < last:
            raise AwsError('InvalidParameterException', 'Log events in a single PutLogEvents '
                           'request must be in chronological order.', 400)
        last = e['timestamp']
    now = _ms(ctx)
    too_old = too_new = None
    for i, e in enumerate(events):
        if e['timestamp'] < now - 14 * 86400 * 1000:
            too_old = i
        elif e['timestamp'] > now + 2 * 3600 * 1000:
            too_new = i if too_new is None else too_new
        else:
            _append(ctx, s, e['timestamp'], e['message'])
    s['seq'] += 1
    out = {'nextSequenceToken': f'{s["seq"]:056d}'}
    rej = {}
    if too_old is not None:
        rej['tooOldLogEventEndIndex'] = too_old
    if too_new is not None:
        rej['tooNewLogEventStartIndex'] = too_new
    if rej:
        out['rejectedLogEventsInfo'] = rej
    return out


def _window(events, p):
    st, en = p.get('startTime'), p.get('endTime')
    return [e for e in events if (st is None or e['timestamp'] >= st)
            and (en is None or e['timestamp'] < en)]


@op('logs', 'GetLogEvents')
def get_log_events(ctx, p):
    s = _stream(ctx, p['logGroupName'], p['logStreamName'])
    evs = sorted(_window(s['events'], p), key=lambda e: e['timestamp'])
    limit = p.get('limit') or 10000
    tok = p.get('nextToken')
    if tok:
        kind, _, pos = tok.partition('/')
        pos = int(pos)
        if kind == 'f':
            page = evs[pos:pos + limit]
            start = pos
        else:
            start = max(0, pos - limit)
            page = evs[start:pos]
    elif p.get('startFromHead'):
        start, page = 0, evs[:limit]
    else:
        start = max(0, len(evs) - limit)
        page = evs[start:]
    end = start + len(page)
    return {'events': [{k: e[k] for k in ('timestamp', 'message', 'ingestionTime')}
                       for e in page],
            'nextForwardToken': f'f/{end:056d}', 'nextBackwardToken': f'b/{start:056d}'}


def _matcher(pattern):
    pattern = (pattern or '').strip()
    if not pattern:
        return lambda m: True
    try:
        terms = shlex.split(pattern)
    except ValueError:
        terms = pattern.split()
    anyof = [t[1:] for t in terms if t.startswith('?')]
    notof = [t[1:] for t in terms if t.startswith('-') and len(t) > 1]
    allof = [t for t in terms if not t.startswith(('?', '-'))]

    def match(m):
        if any(t in m for t in notof):
            return False
        if anyof and not any(t in m for t in anyof):
            return False
        return all(t in m for t in allof)
    return match


@op('logs', 'FilterLogEvents')
def filter_log_events(ctx, p):
    g = _group(ctx, p['logGroupName'])
    names = p.get('logStreamNames')
    pre = p.get('logStreamNamePrefix')
    match = _matcher(p.get('filterPattern'))
    hits = []
    searched = []
    for sname, s in sorted(g['streams'].items()):
        if names and sname not in names:
            continue
        if pre and not sname.startswith(pre):
            continue
        searched.append({'logStreamName': sname, 'searchedCompletely': True})
        for i, e in enumerate(_window(s['events'], p)):
            if match(e['message']):
                hits.append({'logStreamName': sname, 'timestamp': e['timestamp'],
                             'message': e['message'], 'ingestionTime': e['ingestionTime'],
                             'eventId': f'{e["timestamp"]:020d}{i:016d}'})
    hits.sort(key=lambda e: (e['timestamp'], e['eventId']))
    start = int(p.get('nextToken') or 0)
    limit = p.get('limit') or 10000
    out = {'events': hits[start:start + limit], 'searchedLogStreams': searched}
    if start + limit < len(hits):
        out['nextToken'] = str(start + limit)
    return out


@op('logs', 'DescribeLogGroups')
def describe_log_groups(ctx, p):
    pre = p.get('logGroupNamePrefix') or ''
    return {'logGroups': [{k: v for k, v in g.items() if k != 'streams'}
                          for n, g in sorted(_groups(ctx).items()) if n.startswith(pre)]}


@op('logs', 'DescribeLogStreams')
def describe_log_streams(ctx, p):
    g = _group(ctx, p['logGroupName'])
    pre = p.get('logStreamNamePrefix') or ''
    ss = [s for n, s in sorted(g['streams'].items()) if n.startswith(pre)]
    if p.get('orderBy') == 'LastEventTime':
        ss.sort(key=lambda s: s.get('lastEventTimestamp', 0))
    if p.get('descending'):
        ss.reverse()
    return {'logStreams': [{k: v for k, v in s.items() if k not in ('events', 'seq')}
                           for s in ss[:p.get('limit') or 50]]}
