"""CloudWatch: scripted and stored metric series, GetMetricStatistics, GetMetricData,
PutMetricData, alarms (DescribeAlarms, SetAlarmState, PutMetricAlarm).

A script (control API POST /__fake/metrics) sets what a metric returns:
  {"metric": "RequestCount", "namespace": "AWS/ApplicationELB" (optional),
   "dimensions": {"LoadBalancer": "app/web/1"} (optional), "unit": "Count",
   "values": [V1, V2, ...]}
Each GetMetricStatistics / GetMetricData query of a matching metric takes the
next V (the last one repeats).  V is a number (every period of the window
gets one datapoint with every statistic = V), a list of numbers (datapoints
for the latest periods, oldest first), an object {"Sum": 5, "Average": 1}
(every period gets those statistics), or null (no datapoints).
Without a script, datapoints sent with PutMetricData are aggregated.
"""

import datetime
import re

from .core import AwsError, op, seeder
from .wire import to_datetime

STATS = ('SampleCount', 'Average', 'Sum', 'Minimum', 'Maximum')


def script(world, item):
    """Install (or replace) a metric script; item as in the module doc."""
    if 'metric' not in item:
        raise ValueError('a metric script needs "metric"')
    key = (item.get('namespace'), item['metric'],
           tuple(sorted((item.get('dimensions') or {}).items())))
    world.scripts[key] = {'values': list(item.get('values', [])), 'pos': 0,
                          'unit': item.get('unit', 'None')}


def _dims(dlist):
    return tuple(sorted((d['Name'], d['Value']) for d in (dlist or [])))


def _find_script(ctx, ns, name, dims):
    best = None
    for (sns, sname, sdims), s in ctx.world.scripts.items():
        if sname != name or sns not in (None, ns):
            continue
        if sdims and sdims != dims:
            continue
        score = (sns is not None) + 2 * bool(sdims)
        if best is None or score > best[0]:
            best = (score, s)
    return best[1] if best else None


def _next_value(s):
    vals = s['values']
    if not vals:
        return None
    v = vals[min(s['pos'], len(vals) - 1)]
    s['pos'] += 1
    return v


def _buckets(start, end, period):
    if period <= 0 or period % 60 and period not in (1, 5, 10, 30):
        raise AwsError('InvalidParameterValue', 'The parameter Period must be a multiple of 60.',
                       400)
    t0 = int(start.timestamp())
    t1 = int(end.timestamp())
    n = max(0, (t1 - t0 + period - 1) // period)
    if n > 1440:
        raise AwsError('InvalidParameterCombination', 'You have requested up to '
                       f'{n} datapoints, which exceeds the limit of 1440.', 400)
    return [t0 + i * period for i in range(n)]


def _stats_of(vals):
    return {'SampleCount': float(len(vals)), 'Sum': float(sum(vals)),
            'Average': float(sum(vals)) / len(vals), 'Minimum': float(min(vals)),
            'Maximum': float(max(vals))}


def _series(ctx, ns, name, dims, start, end, period):
    """[(bucket epoch, {stat: value})] for one metric over [start, end)."""
    buckets = _buckets(start, end, period)
    s = _find_script(ctx, ns, name, dims)
    if s is not None:
        v = _next_value(s)
        if v is None:
            return [], s['unit']
        if isinstance(v, list):
            pts = buckets[-len(v):] if v else []
            return [(b, _stats_of([x])) for b, x in zip(pts, v[-len(pts):] if pts else [])], \
                s['unit']
        if isinstance(v, dict):
            return [(b, {k: float(x) for k, x in v.items()}) for b in buckets], s['unit']
        return [(b, _stats_of([v])) for b in buckets], s['unit']
    stored = ctx.state.get('data', {}).get(repr((ns, name, dims)), [])
    out, unit = [], 'None'
    for b in buckets:
        vals = []
        for ts, vs, u in stored:
            if b <= ts < b + period:
                vals += vs
                unit = u
        if vals:
            out.append((b, _stats_of(vals)))
    return out, unit


def _ts(epoch_s):
    return datetime.datetime.fromtimestamp(epoch_s, datetime.timezone.utc)


@op('cloudwatch', 'GetMetricStatistics')
def get_metric_statistics(ctx, p):
    stats = p.get('Statistics') or []
    if not stats and not p.get('ExtendedStatistics'):
        raise AwsError('MissingParameter', 'Must specify either Statistics or '
                       'ExtendedStatistics.', 400)
    for s in stats:
        if s not in STATS:
            raise AwsError('InvalidParameterValue', f'The parameter Statistics.member.1 must '
                           f'be a value in the set {STATS}', 400)
    start, end = to_datetime(p['StartTime']), to_datetime(p['EndTime'])
    if end <= start:
        raise AwsError('InvalidParameterValue', 'The parameter StartTime must be less than '
                       'the parameter EndTime.', 400)
    pts, unit = _series(ctx, p['Namespace'], p['MetricName'], _dims(p.get('Dimensions')),
                        start, end, p['Period'])
    dps = []
    for b, sv in pts:
        dp = {'Timestamp': _ts(b), 'Unit': p.get('Unit') or unit}
        for s in stats:
            if s in sv:
                dp[s] = sv[s]
        dps.append(dp)
    return {'Label': p['MetricName'], 'Datapoints': dps}


_EXPR = re.compile(r'^[\w\s.+\-*/()]+$')


@op('cloudwatch', 'GetMetricData')
def get_metric_data(ctx, p):
    start, end = to_datetime(p['StartTime']), to_datetime(p['EndTime'])
    series = {}
    results = []
    for q in p['MetricDataQueries']:
        if q.get('MetricStat'):
            ms = q['MetricStat']
            m = ms['Metric']
            pts, _ = _series(ctx, m.get('Namespace'), m['MetricName'], _dims(m.get('Dimensions')),
                             start, end, ms['Period'])
            stat = ms['Stat']
            if stat not in STATS:
                raise AwsError('ValidationError', f'Invalid statistic {stat}', 400)
            series[q['Id']] = {b: sv.get(stat, sv.get('Average')) for b, sv in pts}
            label = q.get('Label') or m['MetricName']
        elif q.get('Expression'):
            series[q['Id']] = _eval(q['Expression'], series)
            label = q.get('Label') or q['Id']
        else:
            raise AwsError('ValidationError', 'A metric data query needs MetricStat or '
                           'Expression.', 400)
        if q.get('ReturnData', True):
            ts = sorted(series[q['Id']], reverse=p.get('ScanBy') != 'TimestampAscending')
            results.append({'Id': q['Id'], 'Label': label, 'Timestamps': [_ts(t) for t in ts],
                            'Values': [series[q['Id']][t] for t in ts],
                            'StatusCode': 'Complete'})
    return {'MetricDataResults': results, 'Messages': []}


def _eval(expr, series):
    """Arithmetic over earlier query ids, per timestamp present in all of them."""
    if not _EXPR.match(expr):
        raise AwsError('ValidationError', f'Unsupported expression: {expr}', 400)
    names = set(re.findall(r'[A-Za-z_]\w*', expr))
    for n in names:
        if n not in series:
            raise AwsError('ValidationError', f'Unknown id in expression: {n}', 400)
    stamps = None
    for n in names:
        keys = set(series[n])
        stamps = keys if stamps is None else stamps & keys
    out = {}
    code = compile(expr, '<expr>', 'eval')
    for t in sorted(stamps or []):
        try:
            out[t] = float(eval(code, {'__builtins__': {}},  # pylint: disable=eval-used
                                {n: series[n][t] for n in names}))
        except ZeroDivisionError:
            continue
    return out


@op('cloudwatch', 'PutMetricData')
def put_metric_data(ctx, p):
    data = ctx.state.setdefault('data', {})
    for d in p['MetricData']:
        key = repr((p['Namespace'], d['MetricName'], _dims(d.get('Dimensions'))))
        ts = int(to_datetime(d.get('Timestamp') or ctx.now).timestamp())
        if d.get('Values'):
            vals = []
            for v, c in zip(d['Values'], d.get('Counts') or [1] * len(d['Values'])):
                vals += [v] * int(c)
        elif d.get('StatisticValues'):
            sv = d['StatisticValues']
            vals = [sv['Sum'] / sv['SampleCount']] * int(sv['SampleCount'])
        elif 'Value' in d:
            vals = [d['Value']]
        else:
            raise AwsError('MissingParameter', 'The parameter MetricData.member.1.Value is '
                           'required.', 400)
        data.setdefault(key, []).append((ts, vals, d.get('Unit', 'None')))
    return {}


@op('cloudwatch', 'ListMetrics')
def list_metrics(ctx, p):
    out = []
    for key in ctx.state.get('data', {}):
        ns, name, dims = eval(key, {'__builtins__': {}})  # pylint: disable=eval-used
        if p.get('Namespace') not in (None, ns) or p.get('MetricName') not in (None, name):
            continue
        out.append({'Namespace': ns, 'MetricName': name,
                    'Dimensions': [{'Name': k, 'Value': v} for k, v in dims]})
    return {'Metrics': out}


# {==== alarms ====

def _alarm(ctx, doc):
    name = doc['AlarmName']
    a = {'AlarmName': name, 'AlarmArn': ctx.arn('cloudwatch', f'alarm:{name}'),
         'StateValue': 'OK', 'StateReason': 'Seeded', 'StateUpdatedTimestamp': ctx.now,
         'AlarmConfigurationUpdatedTimestamp': ctx.now, 'ActionsEnabled': True,
         'OKActions': [], 'AlarmActions': [], 'InsufficientDataActions': [],
         'Statistic': 'Average', 'Period': 60, 'EvaluationPeriods': 1, 'Threshold': 0.0,
         'ComparisonOperator': 'GreaterThanThreshold', 'Dimensions': []}
    a.update(doc)
    ctx.state.setdefault('alarms', {})[name] = a
    return a


@seeder('cloudwatch')
def seed(ctx, st, doc):
    """{"alarms": [{"AlarmName": ..., "StateValue": "ALARM", ...}],
        "metrics": [script items as for POST /__fake/metrics]}."""
    for a in doc.get('alarms') or []:
        _alarm(ctx, a)
    for m in doc.get('metrics') or []:
        script(ctx.world, m)


@op('cloudwatch', 'DescribeAlarms')
def describe_alarms(ctx, p):
    out = []
    for name, a in sorted(ctx.state.get('alarms', {}).items()):
        if p.get('AlarmNames') and name not in p['AlarmNames']:
            continue
        if p.get('AlarmNamePrefix') and not name.startswith(p['AlarmNamePrefix']):
            continue
        if p.get('StateValue') and a['StateValue'] != p['StateValue']:
            continue
        if p.get('ActionPrefix') and not any(x.startswith(p['ActionPrefix'])
                                             for x in a['AlarmActions']):
            continue
        out.append(a)
    return {'MetricAlarms': out, 'CompositeAlarms': []}


@op('cloudwatch', 'SetAlarmState')
def set_alarm_state(ctx, p):
    a = ctx.state.get('alarms', {}).get(p['AlarmName'])
    if a is None:
        raise AwsError('ResourceNotFound', f'Alarm {p["AlarmName"]} not found', 404)
    a.update({'StateValue': p['StateValue'], 'StateReason': p['StateReason'],
              'StateUpdatedTimestamp': ctx.now})
    return {}


@op('cloudwatch', 'PutMetricAlarm')
def put_metric_alarm(ctx, p):
    doc = dict(p)
    doc.pop('Tags', None)
    old = ctx.state.get('alarms', {}).get(p['AlarmName'])
    if old:
        doc['StateValue'] = old['StateValue']
    else:
        doc.setdefault('StateValue', 'INSUFFICIENT_DATA')
    _alarm(ctx, doc)
    return {}

# }====
