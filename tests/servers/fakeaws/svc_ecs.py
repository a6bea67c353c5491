"""ECS: services whose deployments settle after a few DescribeServices polls.

UpdateService with a new taskDefinition or forceNewDeployment starts a new
PRIMARY deployment (rolloutState IN_PROGRESS) next to the old ACTIVE one; each
DescribeServices of the service counts one poll; after settle_polls polls the
old deployment is gone and the primary is COMPLETED (or FAILED when the
service was seeded with "failDeployments": true, which keeps both; an int N
fails only the next N deployments: a stuck rollout that a forced new
deployment then repairs).
RunTask tasks go PROVISIONING -> RUNNING -> STOPPED over DescribeTasks polls.

Seed: {"clusters": {"prod": {"services": {"api": {"taskDefinition": "api:41",
        "desiredCount": 2, "failDeployments": false}}}},
       "taskDefinitions": [{"family": "api", "revision": 41, "containerDefinitions": [...],
        "exitCode": 0}, "api:40"]}
"""

import math
import uuid

from .core import AwsError, op, seeder


def _st(ctx):
    st = ctx.state
    st.setdefault('clusters', {})
    st.setdefault('taskDefinitions', {})
    return st


def _td_arn(ctx, family, rev):
    return ctx.arn('ecs', f'task-definition/{family}:{rev}')


def _register(ctx, doc):
    st = _st(ctx)
    if isinstance(doc, str):
        fam, _, rev = doc.rpartition('/')[2].partition(':')
        doc = {'family': fam, 'revision': int(rev) if rev else None}
    fam = doc['family']
    revs = st['taskDefinitions'].setdefault(fam, {})
    rev = doc.get('revision') or (max(map(int, revs), default=0) + 1)
    td = {'containerDefinitions': [{'name': fam, 'image': f'{fam}:latest', 'essential': True}],
          'networkMode': 'awsvpc', 'status': 'ACTIVE', 'compatibilities': ['EC2', 'FARGATE'],
          'requiresCompatibilities': ['FARGATE'], 'cpu': '256', 'memory': '512',
          'registeredAt': ctx.now, 'registeredBy': f'arn:aws:iam::{ctx.account}:root'}
    td.update({k: v for k, v in doc.items() if v is not None})
    td.update({'family': fam, 'revision': int(rev), 'taskDefinitionArn': _td_arn(ctx, fam, rev)})
    revs[str(rev)] = td
    return td


def _find_td(ctx, ref, code='ClientException', msg='Unable to describe task definition.'):
    st = _st(ctx)
    name = ref.rpartition('task-definition/')[2] if ref.startswith('arn:') else ref
    fam, _, rev = name.partition(':')
    revs = st['taskDefinitions'].get(fam, {})
    if rev:
        td = revs.get(rev)
    else:
        act = [int(r) for r, t in revs.items() if t['status'] == 'ACTIVE']
        td = revs.get(str(max(act))) if act else None
    if td is None:
        raise AwsError(code, msg, 400)
    return td


def _cluster(ctx, ref, create=False):
    st = _st(ctx)
    name = (ref or 'default').rpartition('/')[2]
    c = st['clusters'].get(name)
    if c is None and create:
        c = st['clusters'][name] = {'clusterArn': ctx.arn('ecs', f'cluster/{name}'),
                                    'clusterName': name, 'status': 'ACTIVE',
                                    'services': {}, 'tasks': {}}
    if c is None:
        raise AwsError('ClusterNotFoundException', 'Cluster not found.', 400)
    return c


def _deployment(ctx, td_arn, desired, status='PRIMARY', rollout='IN_PROGRESS', running=0):
    return {'id': 'ecs-svc/' + str(uuid.uuid4().int)[:19], 'status': status,
            'taskDefinition': td_arn, 'desiredCount': desired, 'pendingCount': desired - running,
            'runningCount': running, 'failedTasks': 0, 'createdAt': ctx.now,
            'updatedAt': ctx.now, 'launchType': 'FARGATE', 'rolloutState': rollout,
            'rolloutStateReason': 'ECS deployment ' + ('completed.' if rollout == 'COMPLETED'
                                                       else 'in progress.'), '_polls': 0}


def _event(ctx, svc, msg):
    svc['events'].insert(0, {'id': str(uuid.uuid4()), 'createdAt': ctx.now,
                             'message': f'(service {svc["serviceName"]}) {msg}'})
    del svc['events'][100:]


@seeder('ecs')
def seed(ctx, st, doc):
    _st(ctx)
    for td in doc.get('taskDefinitions', []):
        _register(ctx, td)
    for cname, cdoc in (doc.get('clusters') or {}).items():
        c = _cluster(ctx, cname, create=True)
        for sname, sdoc in (cdoc.get('services') or {}).items():
            _seed_service(ctx, c, sname, sdoc or {})


def _seed_service(ctx, c, sname, sdoc):
    ref = sdoc.get('taskDefinition', f'{sname}:1')
    try:
        td = _find_td(ctx, ref)
    except AwsError:
        td = _register(ctx, ref if ':' in ref.rpartition('/')[2] else ref + ':1')
    desired = int(sdoc.get('desiredCount', 2))
    svc = {'serviceArn': ctx.arn('ecs', f'service/{c["clusterName"]}/{sname}'),
           'serviceName': sname, 'clusterArn': c['clusterArn'], 'status': 'ACTIVE',
           'desiredCount': desired, 'runningCount': desired, 'pendingCount': 0,
           'launchType': 'FARGATE', 'taskDefinition': td['taskDefinitionArn'],
           'deploymentConfiguration': {'maximumPercent': 200, 'minimumHealthyPercent': 100,
                                       'deploymentCircuitBreaker': {'enable': True,
                                                                    'rollback': True}},
           'deployments': [_deployment(ctx, td['taskDefinitionArn'], desired,
                                       rollout='COMPLETED', running=desired)],
           'events': [], 'createdAt': ctx.now, 'schedulingStrategy': 'REPLICA',
           'deploymentController': {'type': 'ECS'}, 'loadBalancers': [],
           'createdBy': f'arn:aws:iam::{ctx.account}:role/deployer'}
    for k, v in sdoc.items():
        if k not in ('taskDefinition', 'desiredCount', 'deployments'):
            svc[k] = v
    c['services'][sname] = svc
    _sync_tasks(ctx, c, svc)


def _sync_tasks(ctx, c, svc):
    """Make the cluster's RUNNING tasks of svc match its deployments' runningCount."""
    group = f'service:{svc["serviceName"]}'
    live = {d['id']: d for d in svc['deployments']}
    for t in c['tasks'].values():
        if t['group'] == group and t['lastStatus'] == 'RUNNING':
            d = live.get(t['startedBy'])
            if d is None:
                _stop(ctx, t, 'Scaling activity initiated by deployment')
    for d in svc['deployments']:
        mine = [t for t in c['tasks'].values() if t['startedBy'] == d['id']
                and t['lastStatus'] == 'RUNNING']
        for t in mine[d['runningCount']:]:
            _stop(ctx, t, 'Scaling activity initiated by deployment')
        for _ in range(d['runningCount'] - len(mine)):
            t = _new_task(ctx, c, d['taskDefinition'], group, d['id'])
            t['lastStatus'] = 'RUNNING'
            t['startedAt'] = ctx.now
            t['healthStatus'] = 'HEALTHY'


def _new_task(ctx, c, td_arn, group, started_by):
    tid = uuid.uuid4().hex
    arn = ctx.arn('ecs', f'task/{c["clusterName"]}/{tid}')
    fam = td_arn.rpartition('/')[2].partition(':')[0]
    t = {'taskArn': arn, 'clusterArn': c['clusterArn'], 'taskDefinitionArn': td_arn,
         'group': group, 'startedBy': started_by, 'lastStatus': 'PROVISIONING',
         'desiredStatus': 'RUNNING', 'launchType': 'FARGATE', 'createdAt': ctx.now,
         'availabilityZone': ctx.region + 'a', 'connectivity': 'CONNECTED', 'cpu': '256',
         'memory': '512', 'version': 1, 'healthStatus': 'UNKNOWN',
         'containers': [{'containerArn': ctx.arn('ecs', f'container/{c["clusterName"]}/'
                                                 f'{tid}/{uuid.uuid4()}'),
                         'taskArn': arn, 'name': fam, 'lastStatus': 'PROVISIONING',
                         'healthStatus': 'UNKNOWN'}],
         '_polls': 0}
    c['tasks'][arn] = t
    return t


def _stop(ctx, t, reason, code=None):
    t['lastStatus'] = t['desiredStatus'] = 'STOPPED'
    t['stoppedAt'] = t['executionStoppedAt'] = ctx.now
    t['stoppedReason'] = reason
    t['stopCode'] = code or 'ServiceSchedulerInitiated'
    for ct in t['containers']:
        ct['lastStatus'] = 'STOPPED'
        ct.setdefault('exitCode', 0)


def _fails(svc):
    """Whether the deployment settling now fails: "failDeployments" true fails
    every one, an int N fails the next N (then the service deploys again)."""
    fail = svc.get('failDeployments')
    if isinstance(fail, bool) or not isinstance(fail, int):
        return bool(fail)
    if fail <= 0:
        return False
    svc['failDeployments'] = fail - 1
    return True


def _advance(ctx, c, svc):
    """One DescribeServices poll of svc."""
    prim = svc['deployments'][0]
    if prim['rolloutState'] != 'IN_PROGRESS':
        return
    prim['_polls'] += 1
    n = max(1, ctx.polls())
    if prim['_polls'] < n:
        prim['runningCount'] = min(prim['desiredCount'],
                                   math.floor(prim['desiredCount'] * prim['_polls'] / n))
        prim['pendingCount'] = prim['desiredCount'] - prim['runningCount']
        prim['updatedAt'] = ctx.now
    elif _fails(svc):
        prim['rolloutState'] = 'FAILED'
        prim['rolloutStateReason'] = ('ECS deployment circuit breaker: tasks failed to start.')
        prim['runningCount'] = 0
        prim['pendingCount'] = 0
        prim['failedTasks'] = prim['desiredCount']
        _event(ctx, svc, f'deployment {prim["id"]} deployment failed: tasks failed to start.')
    else:
        prim['rolloutState'] = 'COMPLETED'
        prim['rolloutStateReason'] = 'ECS deployment completed.'
        prim['runningCount'] = prim['desiredCount']
        prim['pendingCount'] = 0
        prim['updatedAt'] = ctx.now
        svc['deployments'] = [prim]
        _event(ctx, svc, f'deployment {prim["id"]} deployment completed.')
        _event(ctx, svc, 'has reached a steady state.')
    svc['runningCount'] = sum(d['runningCount'] for d in svc['deployments'])
    svc['pendingCount'] = sum(d['pendingCount'] for d in svc['deployments'])
    _sync_tasks(ctx, c, svc)


@op('ecs', 'DescribeServices')
def describe_services(ctx, p):
    c = _cluster(ctx, p.get('cluster'))
    out, fails = [], []
    for ref in p['services']:
        name = ref.rpartition('/')[2]
        svc = c['services'].get(name)
        if svc is None:
            arn = ref if ref.startswith('arn:') else \
                ctx.arn('ecs', f'service/{c["clusterName"]}/{name}')
            fails.append({'arn': arn, 'reason': 'MISSING'})
            continue
        _advance(ctx, c, svc)
        out.append(svc)
    return {'services': out, 'failures': fails}


@op('ecs', 'UpdateService')
def update_service(ctx, p):
    c = _cluster(ctx, p.get('cluster'))
    svc = c['services'].get(p['service'].rpartition('/')[2])
    if svc is None:
        raise AwsError('ServiceNotFoundException', 'Service not found.', 400)
    if svc['status'] != 'ACTIVE':
        raise AwsError('ServiceNotActiveException', 'Service was not ACTIVE.', 400)
    if p.get('desiredCount') is not None:
        svc['desiredCount'] = p['desiredCount']
        for d in svc['deployments']:
            if d['status'] == 'PRIMARY':
                d['desiredCount'] = p['desiredCount']
                if d['rolloutState'] != 'IN_PROGRESS':
                    d['runningCount'] = p['desiredCount']
                    d['pendingCount'] = 0
        svc['runningCount'] = sum(d['runningCount'] for d in svc['deployments'])
    new_td = svc['taskDefinition']
    if p.get('taskDefinition'):
        new_td = _find_td(ctx, p['taskDefinition'], 'InvalidParameterException',
                          'TaskDefinition not found.')['taskDefinitionArn']
    for k in ('deploymentConfiguration', 'healthCheckGracePeriodSeconds',
              'enableExecuteCommand', 'networkConfiguration'):
        if p.get(k) is not None:
            svc[k] = p[k]
    if new_td != svc['taskDefinition'] or p.get('forceNewDeployment'):
        for d in svc['deployments']:
            d['status'] = 'ACTIVE'
            d['updatedAt'] = ctx.now
        svc['taskDefinition'] = new_td
        d = _deployment(ctx, new_td, svc['desiredCount'])
        svc['deployments'].insert(0, d)
        _event(ctx, svc, f'has started a new deployment {d["id"]} '
               f'(task definition {new_td.rpartition("/")[2]}).')
    _sync_tasks(ctx, c, svc)
    return {'service': svc}


@op('ecs', 'ListServices')
def list_services(ctx, p):
    c = _cluster(ctx, p.get('cluster'))
    return {'serviceArns': [s['serviceArn'] for s in c['services'].values()]}


@op('ecs', 'ListClusters')
def list_clusters(ctx, p):
    return {'clusterArns': [c['clusterArn'] for c in _st(ctx)['clusters'].values()]}


@op('ecs', 'DescribeClusters')
def describe_clusters(ctx, p):
    out, fails = [], []
    for ref in p.get('clusters') or ['default']:
        c = _st(ctx)['clusters'].get(ref.rpartition('/')[2])
        if c is None:
            fails.append({'arn': ref, 'reason': 'MISSING'})
            continue
        tasks = [t for t in c['tasks'].values() if t['lastStatus'] == 'RUNNING']
        out.append({'clusterArn': c['clusterArn'], 'clusterName': c['clusterName'],
                    'status': c['status'], 'runningTasksCount': len(tasks),
                    'pendingTasksCount': 0, 'activeServicesCount': len(c['services']),
                    'registeredContainerInstancesCount': 0})
    return {'clusters': out, 'failures': fails}


@op('ecs', 'DescribeTaskDefinition')
def describe_task_definition(ctx, p):
    return {'taskDefinition': _find_td(ctx, p['taskDefinition']), 'tags': []}


@op('ecs', 'RegisterTaskDefinition')
def register_task_definition(ctx, p):
    doc = {k: v for k, v in p.items() if k not in ('tags', 'revision')}
    return {'taskDefinition': _register(ctx, doc), 'tags': p.get('tags') or []}


@op('ecs', 'ListTaskDefinitions')
def list_task_definitions(ctx, p):
    arns = []
    for fam, revs in sorted(_st(ctx)['taskDefinitions'].items()):
        if p.get('familyPrefix') and not fam.startswith(p['familyPrefix']):
            continue
        for r in sorted(revs, key=int):
            if revs[r]['status'] == p.get('status', 'ACTIVE'):
                arns.append(revs[r]['taskDefinitionArn'])
    if p.get('sort') == 'DESC':
        arns.reverse()
    return {'taskDefinitionArns': arns}


@op('ecs', 'ListTasks')
def list_tasks(ctx, p):
    c = _cluster(ctx, p.get('cluster'))
    want = p.get('desiredStatus', 'RUNNING')
    out = []
    for t in c['tasks'].values():
        if t['desiredStatus'] != want:
            continue
        if p.get('serviceName') and t['group'] != f'service:{p["serviceName"]}':
            continue
        if p.get('family') and f'/{p["family"]}:' not in t['taskDefinitionArn']:
            continue
        if p.get('startedBy') and t['startedBy'] != p['startedBy']:
            continue
        out.append(t['taskArn'])
    return {'taskArns': out}


@op('ecs', 'RunTask')
def run_task(ctx, p):
    c = _cluster(ctx, p.get('cluster'))
    td = _find_td(ctx, p['taskDefinition'], 'InvalidParameterException',
                  'TaskDefinition not found.')
    n = p.get('count', 1)
    if not 1 <= n <= 10:
        raise AwsError('InvalidParameterException', 'count must be between 1 and 10.', 400)
    tasks = []
    for _ in range(n):
        t = _new_task(ctx, c, td['taskDefinitionArn'], p.get('group') or f'family:{td["family"]}',
                      p.get('startedBy') or '')
        t['_exit'] = td.get('exitCode', 0)
        if p.get('overrides'):
            t['overrides'] = p['overrides']
        tasks.append(t)
    return {'tasks': tasks, 'failures': []}


def _advance_task(ctx, t):
    if t['group'].startswith('service:') or t['lastStatus'] == 'STOPPED':
        return
    t['_polls'] += 1
    n = max(1, ctx.polls())
    if t['_polls'] >= 2 * n:
        _stop(ctx, t, 'Essential container in task exited', 'EssentialContainerExited')
        for ct in t['containers']:
            ct['exitCode'] = t.get('_exit', 0)
    elif t['_polls'] >= n:
        t['lastStatus'] = 'RUNNING'
        t['startedAt'] = t.get('startedAt') or ctx.now
        for ct in t['containers']:
            ct['lastStatus'] = 'RUNNING'
    else:
        t['lastStatus'] = 'PENDING'


@op('ecs', 'DescribeTasks')
def describe_tasks(ctx, p):
    c = _cluster(ctx, p.get('cluster'))
    out, fails = [], []
    for ref in p['tasks']:
        t = c['tasks'].get(ref) or next((x for x in c['tasks'].values()
                                         if x['taskArn'].endswith('/' + ref)), None)
        if t is None:
            fails.append({'arn': ref, 'reason': 'MISSING'})
            continue
        _advance_task(ctx, t)
        out.append(t)
    return {'tasks': out, 'failures': fails}


@op('ecs', 'StopTask')
def stop_task(ctx, p):
    c = _cluster(ctx, p.get('cluster'))
    t = c['tasks'].get(p['task']) or next((x for x in c['tasks'].values()
                                           if x['taskArn'].endswith('/' + p['task'])), None)
    if t is None:
        raise AwsError('InvalidParameterException', 'The referenced task was not found.', 400)
    _stop(ctx, t, p.get('reason') or 'Task stopped by user', 'UserInitiated')
    return {'task': t}
