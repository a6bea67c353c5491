"""ELBv2: load balancers, target groups, targets with health that moves over polls.

A registered target is "initial" for settle_polls DescribeTargetHealth polls,
then "healthy" (or "unhealthy" when seeded/registered with "health");
a deregistered target is "draining" for settle_polls polls (none when the
group's deregistration_delay.timeout_seconds is 0), then gone.  Seed
"registerHealth": "unhealthy" to make newly registered targets fail.

Seed: {"loadBalancers": {"web": {"Type": "application"}},
       "targetGroups": {"web-tg": {"Port": 80, "LoadBalancers": ["web"],
         "targets": [{"Id": "i-1", "Port": 80, "health": "healthy"}],
         "attributes": {"deregistration_delay.timeout_seconds": "300"}}}}
"""

import hashlib

from .core import AwsError, op, seeder

TG_DEFAULT_ATTRS = {
    'deregistration_delay.timeout_seconds': '300', 'stickiness.enabled': 'false',
    'stickiness.type': 'lb_cookie', 'stickiness.lb_cookie.duration_seconds': '86400',
    'slow_start.duration_seconds': '0', 'load_balancing.algorithm.type': 'round_robin',
}
LB_DEFAULT_ATTRS = {
    'access_logs.s3.enabled': 'false', 'access_logs.s3.bucket': '', 'access_logs.s3.prefix': '',
    'deletion_protection.enabled': 'false', 'idle_timeout.timeout_seconds': '60',
    'routing.http2.enabled': 'true', 'routing.http.drop_invalid_header_fields.enabled': 'false',
}


def _h(s, n=16):
    return hashlib.sha1(s.encode()).hexdigest()[:n]


def _st(ctx):
    ctx.state.setdefault('loadBalancers', {})
    ctx.state.setdefault('targetGroups', {})
    return ctx.state


def _add_lb(ctx, name, doc):
    typ = doc.get('Type', 'application')
    kind = 'app' if typ == 'application' else 'net'
    arn = ctx.arn('elasticloadbalancing', f'loadbalancer/{kind}/{name}/{_h(name)}')
    lb = {'LoadBalancerArn': arn, 'LoadBalancerName': name, 'Type': typ,
          'DNSName': f'{name}-{_h(name, 10)}.{ctx.region}.elb.amazonaws.com',
          'CanonicalHostedZoneId': 'Z35SXDOTRQ7X7K', 'CreatedTime': ctx.now,
          'Scheme': doc.get('Scheme', 'internet-facing'), 'VpcId': doc.get('VpcId', 'vpc-0fake'),
          'State': {'Code': 'active'}, 'IpAddressType': 'ipv4', 'AvailabilityZones': [],
          'SecurityGroups': [], 'attributes': dict(LB_DEFAULT_ATTRS)}
    lb['attributes'].update(doc.get('attributes') or {})
    _st(ctx)['loadBalancers'][arn] = lb
    return lb


def _add_tg(ctx, name, doc):
    arn = ctx.arn('elasticloadbalancing', f'targetgroup/{name}/{_h(name)}')
    tg = {'TargetGroupArn': arn, 'TargetGroupName': name,
          'Protocol': doc.get('Protocol', 'HTTP'), 'Port': doc.get('Port', 80),
          'VpcId': doc.get('VpcId', 'vpc-0fake'), 'HealthCheckProtocol': 'HTTP',
          'HealthCheckPort': 'traffic-port', 'HealthCheckEnabled': True,
          'HealthCheckIntervalSeconds': 30, 'HealthCheckTimeoutSeconds': 5,
          'HealthyThresholdCount': 5, 'UnhealthyThresholdCount': 2,
          'HealthCheckPath': doc.get('HealthCheckPath', '/health'),
          'Matcher': {'HttpCode': '200'}, 'LoadBalancerArns': [],
          'TargetType': doc.get('TargetType', 'instance'), 'ProtocolVersion': 'HTTP1',
          'IpAddressType': 'ipv4', 'attributes': dict(TG_DEFAULT_ATTRS), 'targets': []}
    tg['attributes'].update(doc.get('attributes') or {})
    st = _st(ctx)
    for lbname in doc.get('LoadBalancers') or []:
        lb = next((x for x in st['loadBalancers'].values()
                   if lbname in (x['LoadBalancerName'], x['LoadBalancerArn'])), None) \
            or _add_lb(ctx, lbname, {})
        tg['LoadBalancerArns'].append(lb['LoadBalancerArn'])
    st['targetGroups'][arn] = tg
    for t in doc.get('targets') or []:
        tg['targets'].append({'Id': t['Id'], 'Port': t.get('Port', tg['Port']),
                              'state': t.get('health', 'healthy'), '_polls': 0,
                              'final': t.get('health', 'healthy')})
    return tg


@seeder('elbv2')
def seed(ctx, st, doc):
    _st(ctx)
    if doc.get('registerHealth'):
        st['registerHealth'] = doc['registerHealth']
    for name, d in (doc.get('loadBalancers') or {}).items():
        _add_lb(ctx, name, d or {})
    for name, d in (doc.get('targetGroups') or {}).items():
        _add_tg(ctx, name, d or {})


def _tg(ctx, arn):
    tg = _st(ctx)['targetGroups'].get(arn)
    if tg is None:
        raise AwsError('TargetGroupNotFound', f"Target groups '{arn}' not found")
    return tg


def _lb(ctx, arn):
    lb = _st(ctx)['loadBalancers'].get(arn)
    if lb is None:
        raise AwsError('LoadBalancerNotFound', f"Load balancers '[{arn}]' not found")
    return lb


@op('elbv2', 'DescribeTargetGroups')
def describe_target_groups(ctx, p):
    tgs = list(_st(ctx)['targetGroups'].values())
    if p.get('TargetGroupArns'):
        tgs = [_tg(ctx, a) for a in p['TargetGroupArns']]
    if p.get('Names'):
        by = {t['TargetGroupName']: t for t in tgs}
        missing = [n for n in p['Names'] if n not in by]
        if missing:
            raise AwsError('TargetGroupNotFound', 'One or more target groups not found')
        tgs = [by[n] for n in p['Names']]
    if p.get('LoadBalancerArn'):
        _lb(ctx, p['LoadBalancerArn'])
        tgs = [t for t in tgs if p['LoadBalancerArn'] in t['LoadBalancerArns']]
    return {'TargetGroups': tgs}


@op('elbv2', 'DescribeLoadBalancers')
def describe_load_balancers(ctx, p):
    lbs = list(_st(ctx)['loadBalancers'].values())
    if p.get('LoadBalancerArns'):
        lbs = [_lb(ctx, a) for a in p['LoadBalancerArns']]
    if p.get('Names'):
        by = {x['LoadBalancerName']: x for x in lbs}
        missing = [n for n in p['Names'] if n not in by]
        if missing:
            raise AwsError('LoadBalancerNotFound', f"Load balancers '{missing}' not found")
        lbs = [by[n] for n in p['Names']]
    return {'LoadBalancers': lbs}


def _find_target(tg, t):
    port = t.get('Port', tg['Port'])
    return next((x for x in tg['targets'] if x['Id'] == t['Id'] and x['Port'] == port), None)


@op('elbv2', 'RegisterTargets')
def register_targets(ctx, p):
    tg = _tg(ctx, p['TargetGroupArn'])
    for t in p['Targets']:
        if tg['TargetType'] == 'instance' and not t['Id'].startswith('i-'):
            raise AwsError('ValidationError', f"The IP address '{t['Id']}' is not a valid "
                           "instance ID", 400)
        cur = _find_target(tg, t)
        if cur is None:
            cur = {'Id': t['Id'], 'Port': t.get('Port', tg['Port'])}
            tg['targets'].append(cur)
        cur.update({'state': 'initial', '_polls': 0,
                    'final': ctx.state.get('registerHealth', 'healthy')})
    return {}


@op('elbv2', 'DeregisterTargets')
def deregister_targets(ctx, p):
    tg = _tg(ctx, p['TargetGroupArn'])
    for t in p['Targets']:
        cur = _find_target(tg, t)
        if cur is None:
            raise AwsError('InvalidTarget', f"The following targets are not registered in "
                           f"target group '{tg['TargetGroupArn']}': '{t['Id']}'")
        if tg['attributes'].get('deregistration_delay.timeout_seconds') == '0':
            tg['targets'].remove(cur)
        else:
            cur.update({'state': 'draining', '_polls': 0})
    return {}


def _advance(ctx, tg, t):
    if t['state'] not in ('initial', 'draining'):
        return True
    t['_polls'] += 1
    if t['_polls'] < max(1, ctx.polls()):
        return True
    if t['state'] == 'draining':
        return False
    t['state'] = t.get('final', 'healthy')
    return True


REASONS = {
    'initial': ('Elb.RegistrationInProgress', 'Target registration is in progress'),
    'draining': ('Target.DeregistrationInProgress', 'Target deregistration is in progress'),
    'unhealthy': ('Target.FailedHealthChecks', 'Health checks failed'),
    'unused': ('Target.NotRegistered', 'Target is not registered to the target group'),
}


@op('elbv2', 'DescribeTargetHealth')
def describe_target_health(ctx, p):
    tg = _tg(ctx, p['TargetGroupArn'])
    tg['targets'] = [t for t in tg['targets'] if _advance(ctx, tg, t)]
    want = p.get('Targets')
    items = []
    for t in (want or tg['targets']):
        cur = _find_target(tg, t) if want else t
        state = cur['state'] if cur else 'unused'
        th = {'State': state}
        if state in REASONS:
            th['Reason'], th['Description'] = REASONS[state]
        items.append({'Target': {'Id': t['Id'], 'Port': t.get('Port', tg['Port'])},
                      'HealthCheckPort': str(t.get('Port', tg['Port'])), 'TargetHealth': th})
    return {'TargetHealthDescriptions': items}


def _attrs(d):
    return [{'Key': k, 'Value': v} for k, v in sorted(d.items())]


def _set_attrs(target, attrs, known):
    for a in attrs:
        k, v = a.get('Key'), a.get('Value')
        if k not in known and not k.startswith(tuple(x.split('.')[0] + '.' for x in known)):
            raise AwsError('ValidationError', f"Attribute key '{k}' is not recognized", 400)
        if k.endswith('timeout_seconds') or k.endswith('duration_seconds'):
            if not str(v).isdigit():
                raise AwsError('ValidationError', f"'{v}' must be an integer", 400)
        target[k] = str(v)


@op('elbv2', 'ModifyTargetGroupAttributes')
def modify_target_group_attributes(ctx, p):
    tg = _tg(ctx, p['TargetGroupArn'])
    _set_attrs(tg['attributes'], p['Attributes'], TG_DEFAULT_ATTRS)
    return {'Attributes': _attrs(tg['attributes'])}


@op('elbv2', 'DescribeTargetGroupAttributes')
def describe_target_group_attributes(ctx, p):
    return {'Attributes': _attrs(_tg(ctx, p['TargetGroupArn'])['attributes'])}


@op('elbv2', 'ModifyLoadBalancerAttributes')
def modify_load_balancer_attributes(ctx, p):
    lb = _lb(ctx, p['LoadBalancerArn'])
    _set_attrs(lb['attributes'], p['Attributes'], LB_DEFAULT_ATTRS)
    return {'Attributes': _attrs(lb['attributes'])}


@op('elbv2', 'DescribeLoadBalancerAttributes')
def describe_load_balancer_attributes(ctx, p):
    return {'Attributes': _attrs(_lb(ctx, p['LoadBalancerArn'])['attributes'])}
