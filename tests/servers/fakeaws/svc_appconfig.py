"""AppConfig (rest-json): applications, environments, profiles, strategies, deployments.

CreateHostedConfigurationVersion stores configuration content; the data
plane (appconfigdata StartConfigurationSession / GetLatestConfiguration, ids
or names) serves the content of the environment's last COMPLETE deployment,
and an empty body when it has not changed since the token's previous poll.

StartDeployment makes a DEPLOYING deployment that is COMPLETE after
settle_polls GetDeployment / ListDeployments polls (ROLLED_BACK when the
environment was seeded with "failDeployments": true); a second
StartDeployment on an environment with one in progress is a 409
ConflictException, as in AWS.

Seed: {"applications": {"payments": {"Id": "pay1234",
          "environments": {"prod": {"Id": "env1234"}},
          "configurationProfiles": {"flags": {"Id": "prof123"}}}},
       "deploymentStrategies": {"safe": {"Id": "safe123"}}}
Ids default to 7 characters derived from the name.  AWS's predefined
strategies (AppConfig.AllAtOnce, ...) always exist.
"""

import hashlib

from .core import AwsError, op, seeder

PREDEFINED = {
    'AppConfig.AllAtOnce': (0, 'LINEAR', 100.0, 10),
    'AppConfig.Linear50PercentEvery30Seconds': (1, 'LINEAR', 50.0, 1),
    'AppConfig.Canary10Percent20Minutes': (20, 'EXPONENTIAL', 10.0, 10),
    'AppConfig.Linear20PercentEvery6Minutes': (30, 'LINEAR', 20.0, 30),
}


def _id(name):
    return hashlib.sha1(name.encode()).hexdigest()[:7]


def _st(ctx):
    st = ctx.state
    st.setdefault('applications', {})
    strat = st.setdefault('deploymentStrategies', {})
    for sid, (dur, growth, factor, bake) in PREDEFINED.items():
        strat.setdefault(sid, {'Id': sid, 'Name': sid, 'DeploymentDurationInMinutes': dur,
                               'GrowthType': growth, 'GrowthFactor': factor,
                               'FinalBakeTimeInMinutes': bake, 'ReplicateTo': 'NONE'})
    return st


def _nf(kind, rid):
    return AwsError('ResourceNotFoundException', f'{kind} {rid} not found', 404,
                    extra={'ResourceName': rid})


@seeder('appconfig')
def seed(ctx, st, doc):
    st = _st(ctx)
    for name, a in (doc.get('applications') or {}).items():
        a = a or {}
        aid = a.get('Id') or _id(name)
        app = st['applications'].setdefault(aid, {'Id': aid, 'Name': name,
                                                  'Description': a.get('Description', ''),
                                                  'environments': {}, 'profiles': {}})
        for ename, e in (a.get('environments') or {}).items():
            e = e or {}
            eid = e.get('Id') or _id(name + '/' + ename)
            app['environments'][eid] = {'ApplicationId': aid, 'Id': eid, 'Name': ename,
                                        'State': 'ReadyForDeployment', 'Monitors': [],
                                        'deployments': [],
                                        'failDeployments': bool(e.get('failDeployments'))}
        for pname, pr in (a.get('configurationProfiles') or {}).items():
            pr = pr or {}
            pid = pr.get('Id') or _id(name + '#' + pname)
            app['profiles'][pid] = {'ApplicationId': aid, 'Id': pid, 'Name': pname,
                                    'LocationUri': pr.get('LocationUri', 'hosted'),
                                    'Type': pr.get('Type', 'AWS.Freeform'), 'Validators': []}
    for name, s in (doc.get('deploymentStrategies') or {}).items():
        s = s or {}
        sid = s.get('Id') or _id('strategy/' + name)
        st['deploymentStrategies'][sid] = {
            'Id': sid, 'Name': name,
            'DeploymentDurationInMinutes': s.get('DeploymentDurationInMinutes', 0),
            'GrowthType': s.get('GrowthType', 'LINEAR'),
            'GrowthFactor': s.get('GrowthFactor', 100.0),
            'FinalBakeTimeInMinutes': s.get('FinalBakeTimeInMinutes', 0), 'ReplicateTo': 'NONE'}


def _app(ctx, aid):
    app = _st(ctx)['applications'].get(aid)
    if app is None:
        raise _nf('Application', aid)
    return app


def _env(ctx, aid, eid):
    env = _app(ctx, aid)['environments'].get(eid)
    if env is None:
        raise _nf('Environment', eid)
    return env


@op('appconfig', 'ListApplications')
def list_applications(ctx, p):
    return {'Items': [{k: a[k] for k in ('Id', 'Name', 'Description')}
                      for a in _st(ctx)['applications'].values()]}


@op('appconfig', 'GetApplication')
def get_application(ctx, p):
    a = _app(ctx, p['ApplicationId'])
    return {k: a[k] for k in ('Id', 'Name', 'Description')}


@op('appconfig', 'GetEnvironment')
def get_environment(ctx, p):
    return _env(ctx, p['ApplicationId'], p['EnvironmentId'])


@op('appconfig', 'ListEnvironments')
def list_environments(ctx, p):
    return {'Items': list(_app(ctx, p['ApplicationId'])['environments'].values())}


@op('appconfig', 'GetConfigurationProfile')
def get_configuration_profile(ctx, p):
    pr = _app(ctx, p['ApplicationId'])['profiles'].get(p['ConfigurationProfileId'])
    if pr is None:
        raise _nf('ConfigurationProfile', p['ConfigurationProfileId'])
    return pr


@op('appconfig', 'GetDeploymentStrategy')
def get_deployment_strategy(ctx, p):
    s = _st(ctx)['deploymentStrategies'].get(p['DeploymentStrategyId'])
    if s is None:
        raise _nf('DeploymentStrategy', p['DeploymentStrategyId'])
    return s


@op('appconfig', 'StartDeployment')
def start_deployment(ctx, p):
    app = _app(ctx, p['ApplicationId'])
    env = _env(ctx, p['ApplicationId'], p['EnvironmentId'])
    strat = _st(ctx)['deploymentStrategies'].get(p['DeploymentStrategyId'])
    if strat is None:
        raise _nf('DeploymentStrategy', p['DeploymentStrategyId'])
    prof = app['profiles'].get(p['ConfigurationProfileId'])
    if prof is None:
        raise _nf('ConfigurationProfile', p['ConfigurationProfileId'])
    for d in env['deployments']:
        _advance(ctx, env, d, poll=False)
        if d['State'] in ('DEPLOYING', 'BAKING', 'VALIDATING', 'ROLLING_BACK'):
            raise AwsError('ConflictException', f'Deployment number {d["DeploymentNumber"]} is '
                           'already in progress on this environment.', 409)
    n = len(env['deployments']) + 1
    d = {'ApplicationId': app['Id'], 'EnvironmentId': env['Id'],
         'DeploymentStrategyId': strat['Id'], 'ConfigurationProfileId': prof['Id'],
         'DeploymentNumber': n, 'ConfigurationName': prof['Name'],
         'ConfigurationLocationUri': prof['LocationUri'],
         'ConfigurationVersion': p['ConfigurationVersion'],
         'Description': p.get('Description', ''),
         'DeploymentDurationInMinutes': strat['DeploymentDurationInMinutes'],
         'GrowthType': strat['GrowthType'], 'GrowthFactor': strat['GrowthFactor'],
         'FinalBakeTimeInMinutes': strat['FinalBakeTimeInMinutes'], 'State': 'DEPLOYING',
         'EventLog': [], 'PercentageComplete': 0.0, 'StartedAt': ctx.now, '_polls': 0}
    _log(ctx, d, 'DEPLOYMENT_STARTED', 'Deployment started')
    env['deployments'].append(d)
    env['State'] = 'DEPLOYING'
    return d


def _log(ctx, d, etype, desc):
    d['EventLog'].insert(0, {'EventType': etype, 'TriggeredBy': 'USER' if etype ==
                             'DEPLOYMENT_STARTED' else 'APPCONFIG', 'Description': desc,
                             'OccurredAt': ctx.now})


def _advance(ctx, env, d, poll=True):
    if d['State'] != 'DEPLOYING':
        return
    if poll:
        d['_polls'] += 1
    n = max(1, ctx.polls())
    if d['_polls'] >= n:
        d['CompletedAt'] = ctx.now
        if env.get('failDeployments'):
            d['State'] = 'ROLLED_BACK'
            _log(ctx, d, 'ROLLBACK_COMPLETED', 'Rollback completed')
            env['State'] = 'RolledBack'
        else:
            d['State'] = 'COMPLETE'
            d['PercentageComplete'] = 100.0
            _log(ctx, d, 'DEPLOYMENT_COMPLETED', 'Deployment completed')
            env['State'] = 'ReadyForDeployment'
    else:
        d['PercentageComplete'] = round(100.0 * d['_polls'] / n, 1)
        _log(ctx, d, 'PERCENTAGE_UPDATED', f'Deployment at {d["PercentageComplete"]}%')


def _deployment(ctx, p):
    env = _env(ctx, p['ApplicationId'], p['EnvironmentId'])
    n = p['DeploymentNumber']
    if not 1 <= n <= len(env['deployments']):
        raise _nf('Deployment', str(n))
    return env, env['deployments'][n - 1]


@op('appconfig', 'GetDeployment')
def get_deployment(ctx, p):
    env, d = _deployment(ctx, p)
    _advance(ctx, env, d)
    return d


@op('appconfig', 'StopDeployment')
def stop_deployment(ctx, p):
    env, d = _deployment(ctx, p)
    if d['State'] != 'DEPLOYING':
        raise AwsError('BadRequestException', 'This deployment has already completed.', 400)
    d['State'] = 'ROLLED_BACK'
    d['CompletedAt'] = ctx.now
    _log(ctx, d, 'ROLLBACK_COMPLETED', 'Deployment stopped by user')
    env['State'] = 'RolledBack'
    return d


@op('appconfig', 'ListDeployments')
def list_deployments(ctx, p):
    env = _env(ctx, p['ApplicationId'], p['EnvironmentId'])
    items = []
    for d in reversed(env['deployments']):
        _advance(ctx, env, d)
        items.append({k: d[k] for k in (
            'DeploymentNumber', 'ConfigurationName', 'ConfigurationVersion',
            'DeploymentDurationInMinutes', 'GrowthType', 'GrowthFactor',
            'FinalBakeTimeInMinutes', 'State', 'PercentageComplete', 'StartedAt',
            'CompletedAt') if k in d})
    mx = p.get('MaxResults') or 50
    return {'Items': items[:mx]}


# {==== hosted configurations and the data plane (appconfigdata) ====

@op('appconfig', 'CreateHostedConfigurationVersion')
def create_hosted_configuration_version(ctx, p):
    app = _app(ctx, p['ApplicationId'])
    prof = app['profiles'].get(p['ConfigurationProfileId'])
    if prof is None:
        raise _nf('ConfigurationProfile', p['ConfigurationProfileId'])
    versions = prof.setdefault('versions', [])
    latest = p.get('LatestVersionNumber')
    if latest is not None and latest != len(versions):
        raise AwsError('ConflictException', 'The latest version number does not match.', 409)
    v = {'ApplicationId': app['Id'], 'ConfigurationProfileId': prof['Id'],
         'VersionNumber': len(versions) + 1, 'Content': p.get('Content') or b'',
         'ContentType': p['ContentType']}
    if p.get('Description'):
        v['Description'] = p['Description']
    versions.append(v)
    return v


@op('appconfig', 'GetHostedConfigurationVersion')
def get_hosted_configuration_version(ctx, p):
    app = _app(ctx, p['ApplicationId'])
    prof = app['profiles'].get(p['ConfigurationProfileId'])
    versions = (prof or {}).get('versions', [])
    n = p['VersionNumber']
    if not 1 <= n <= len(versions):
        raise _nf('HostedConfigurationVersion', str(n))
    return versions[n - 1]


def _by_ident(items, ident, kind):
    for x in items.values():
        if ident in (x['Id'], x['Name']):
            return x
    raise AwsError('ResourceNotFoundException', f'{kind} {ident} not found', 404,
                   extra={'ResourceType': kind, 'ReferencedBy': {}})


def _deployed(ctx, sess):
    """(content, content type) of the profile's last COMPLETE deployment in the env."""
    st = ctx.world.state('appconfig')
    app = st['applications'][sess['app']]
    env = app['environments'][sess['env']]
    prof = app['profiles'][sess['prof']]
    for d in reversed(env['deployments']):
        _advance(ctx, env, d, poll=False)
        if d['ConfigurationProfileId'] == prof['Id'] and d['State'] == 'COMPLETE':
            for v in prof.get('versions', []):
                if str(v['VersionNumber']) == str(d['ConfigurationVersion']):
                    return v['Content'], v['ContentType']
            return b'', 'application/octet-stream'
    return b'', 'application/octet-stream'


@op('appconfigdata', 'StartConfigurationSession')
def start_configuration_session(ctx, p):
    apps = ctx.world.state('appconfig').get('applications', {})
    app = _by_ident(apps, p['ApplicationIdentifier'], 'Application')
    env = _by_ident(app['environments'], p['EnvironmentIdentifier'], 'Environment')
    prof = _by_ident(app['profiles'], p['ConfigurationProfileIdentifier'],
                     'ConfigurationProfile')
    poll = p.get('RequiredMinimumPollIntervalInSeconds', 60)
    if not 15 <= poll <= 86400:
        raise AwsError('BadRequestException', 'RequiredMinimumPollIntervalInSeconds must be '
                       'between 15 and 86400', 400)
    sessions = ctx.state.setdefault('sessions', {})
    tok = _id(f'{ctx.request_id}') + ctx.request_id.replace('-', '')
    sessions[tok] = {'app': app['Id'], 'env': env['Id'], 'prof': prof['Id'], 'poll': poll,
                     'seen': None}
    return {'InitialConfigurationToken': tok}


@op('appconfigdata', 'GetLatestConfiguration')
def get_latest_configuration(ctx, p):
    sessions = ctx.state.setdefault('sessions', {})
    sess = sessions.pop(p['ConfigurationToken'], None)
    if sess is None:
        raise AwsError('BadRequestException', 'Request contains an invalid or expired '
                       'configuration token.', 400, extra={'Reason': 'InvalidParameters'})
    content, ctype = _deployed(ctx, sess)
    nxt = _id(ctx.request_id) + ctx.request_id.replace('-', '')
    changed = content != sess['seen']
    sessions[nxt] = dict(sess, seen=content)
    out = {'NextPollConfigurationToken': nxt, 'NextPollIntervalInSeconds': sess['poll'],
           'Configuration': content if changed else b''}
    if changed:
        out['ContentType'] = ctype
    return out

# }====
