"""Auto Scaling: DescribeAutoScalingGroups, UpdateAutoScalingGroup, SetDesiredCapacity,
StartInstanceRefresh, DescribeInstanceRefreshes, CancelInstanceRefresh.

Instances follow DesiredCapacity at once (InService, Healthy); an instance
refresh is Pending, InProgress, then Successful after settle_polls
DescribeInstanceRefreshes polls, replacing the instances with ones of the
group's current launch configuration / template.

Seed: {"groups": {"web-asg": {"DesiredCapacity": 2, "MinSize": 1, "MaxSize": 4,
        "LaunchConfigurationName": "web-v41"}}}
"""

import uuid

from .core import AwsError, op, seeder


def _groups(ctx):
    return ctx.state.setdefault('groups', {})


def _instances(ctx, g):
    want = g['DesiredCapacity']
    insts = g['Instances']
    while len(insts) > want:
        insts.pop()
    while len(insts) < want:
        insts.append(_instance(ctx, g, len(insts)))


def _instance(ctx, g, i):
    inst = {'InstanceId': 'i-' + uuid.uuid4().hex[:17], 'InstanceType': 't3.micro',
            'AvailabilityZone': g['AvailabilityZones'][i % len(g['AvailabilityZones'])],
            'LifecycleState': 'InService', 'HealthStatus': 'Healthy',
            'ProtectedFromScaleIn': False}
    if g.get('LaunchConfigurationName'):
        inst['LaunchConfigurationName'] = g['LaunchConfigurationName']
    if g.get('LaunchTemplate'):
        inst['LaunchTemplate'] = g['LaunchTemplate']
    return inst


@seeder('autoscaling')
def seed(ctx, st, doc):
    for name, d in (doc.get('groups') or {}).items():
        d = d or {}
        g = {'AutoScalingGroupName': name,
             'AutoScalingGroupARN': ctx.arn('autoscaling', f'autoScalingGroup:{uuid.uuid4()}:'
                                                           f'autoScalingGroupName/{name}'),
             'MinSize': 1, 'MaxSize': 4, 'DesiredCapacity': 2, 'DefaultCooldown': 300,
             'AvailabilityZones': [ctx.region + 'a', ctx.region + 'b'],
             'LoadBalancerNames': [], 'TargetGroupARNs': [], 'HealthCheckType': 'EC2',
             'HealthCheckGracePeriod': 300, 'Instances': [], 'CreatedTime': ctx.now,
             'SuspendedProcesses': [], 'EnabledMetrics': [], 'Tags': [],
             'TerminationPolicies': ['Default'], 'NewInstancesProtectedFromScaleIn': False,
             'refreshes': []}
        g.update(d)
        if not g.get('LaunchConfigurationName') and not g.get('LaunchTemplate'):
            g['LaunchConfigurationName'] = name + '-lc'
        _groups(ctx)[name] = g
        _instances(ctx, g)


def _group(ctx, name):
    g = _groups(ctx).get(name)
    if g is None:
        raise AwsError('ValidationError', f'AutoScalingGroup name not found - AutoScalingGroup '
                       f'{name} not found', 400)
    return g


def _check_sizes(g):
    if not g['MinSize'] <= g['DesiredCapacity'] <= g['MaxSize']:
        raise AwsError('ValidationError', f'Desired capacity:{g["DesiredCapacity"]} must be '
                       f'between the specified min size:{g["MinSize"]} and max size:'
                       f'{g["MaxSize"]}', 400)


@op('autoscaling', 'DescribeAutoScalingGroups')
def describe_auto_scaling_groups(ctx, p):
    names = p.get('AutoScalingGroupNames')
    gs = [g for n, g in sorted(_groups(ctx).items()) if not names or n in names]
    return {'AutoScalingGroups': gs}


@op('autoscaling', 'UpdateAutoScalingGroup')
def update_auto_scaling_group(ctx, p):
    g = _group(ctx, p['AutoScalingGroupName'])
    new = dict(g)
    for k, v in p.items():
        if k != 'AutoScalingGroupName' and v is not None:
            new[k] = v
    if p.get('LaunchConfigurationName'):
        new.pop('LaunchTemplate', None)
    if p.get('LaunchTemplate'):
        new.pop('LaunchConfigurationName', None)
    if 'DesiredCapacity' not in p:
        new['DesiredCapacity'] = min(max(new['DesiredCapacity'], new['MinSize']), new['MaxSize'])
    _check_sizes(new)
    g.clear()
    g.update(new)
    _instances(ctx, g)
    return {}


@op('autoscaling', 'SetDesiredCapacity')
def set_desired_capacity(ctx, p):
    g = _group(ctx, p['AutoScalingGroupName'])
    new = dict(g, DesiredCapacity=p['DesiredCapacity'])
    _check_sizes(new)
    g['DesiredCapacity'] = p['DesiredCapacity']
    _instances(ctx, g)
    return {}


@op('autoscaling', 'StartInstanceRefresh')
def start_instance_refresh(ctx, p):
    g = _group(ctx, p['AutoScalingGroupName'])
    for r in g['refreshes']:
        if r['Status'] in ('Pending', 'InProgress', 'Cancelling'):
            raise AwsError('InstanceRefreshInProgress', 'An Instance Refresh is already in '
                           'progress and blocks the execution of this Instance Refresh.')
    rid = str(uuid.uuid4())
    g['refreshes'].insert(0, {'InstanceRefreshId': rid, 'AutoScalingGroupName': g[
        'AutoScalingGroupName'], 'Status': 'Pending', 'StatusReason': 'Waiting for the '
        'instance refresh to start', 'StartTime': ctx.now, 'PercentageComplete': 0,
        'InstancesToUpdate': len(g['Instances']), 'Preferences': p.get('Preferences') or
        {'MinHealthyPercentage': 90, 'InstanceWarmup': 300},
        'DesiredConfiguration': p.get('DesiredConfiguration') or {}, '_polls': 0})
    return {'InstanceRefreshId': rid}


def _advance(ctx, g, r):
    if r['Status'] not in ('Pending', 'InProgress'):
        return
    r['_polls'] += 1
    n = max(1, ctx.polls())
    if r['_polls'] >= n:
        r.update({'Status': 'Successful', 'StatusReason': '', 'PercentageComplete': 100,
                  'InstancesToUpdate': 0, 'EndTime': ctx.now})
        g['Instances'] = []
        _instances(ctx, g)
    else:
        r.update({'Status': 'InProgress', 'StatusReason': '',
                  'PercentageComplete': 100 * r['_polls'] // n})


@op('autoscaling', 'DescribeInstanceRefreshes')
def describe_instance_refreshes(ctx, p):
    g = _group(ctx, p['AutoScalingGroupName'])
    ids = p.get('InstanceRefreshIds')
    out = []
    for r in g['refreshes']:
        if ids and r['InstanceRefreshId'] not in ids:
            continue
        _advance(ctx, g, r)
        out.append(r)
    return {'InstanceRefreshes': out}


@op('autoscaling', 'CancelInstanceRefresh')
def cancel_instance_refresh(ctx, p):
    g = _group(ctx, p['AutoScalingGroupName'])
    for r in g['refreshes']:
        if r['Status'] in ('Pending', 'InProgress'):
            r.update({'Status': 'Cancelled', 'EndTime': ctx.now})
            return {'InstanceRefreshId': r['InstanceRefreshId']}
    raise AwsError('ActiveInstanceRefreshNotFound', 'No in progress or pending Instance '
                   'Refresh found for Auto Scaling group ' + g['AutoScalingGroupName'])
