#!/usr/bin/python3
"""selftest.py: drive the fake endpoint with botocore's own clients.

    /usr/bin/python3 tests/servers/selftest.py [--endpoint URL]

Starts tests/servers/fake_aws.py (unless --endpoint is given), seeds it, and
calls every operation the project's runbooks use through botocore clients,
so botocore's parsers check the wire format of every reply.  Prints one line
per check and 'N passed, N failed'; exits 1 when a check failed, 77 when
botocore is missing.
"""

import argparse
import datetime
import os
import sys
import traceback

try:
    import botocore.session
    from botocore.config import Config
    from botocore.exceptions import ClientError
except ImportError:
    print('SKIP: python3-botocore is not installed')
    sys.exit(77)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fakeaws.client import EXAMPLE_KEY, FakeAws  # noqa: E402  pylint: disable=wrong-import-position

UTC = datetime.timezone.utc
SEED = {
    'ecs': {'taskDefinitions': ['api:40', {'family': 'api', 'revision': 41},
                                {'family': 'migrate', 'revision': 3, 'exitCode': 0}],
            'clusters': {'prod': {'services': {'api': {'taskDefinition': 'api:41',
                                                       'desiredCount': 2}}}}},
    'elbv2': {'targetGroups': {'web-tg': {'LoadBalancers': ['web'],
                                          'targets': [{'Id': 'i-0aaa', 'Port': 80}]}}},
    'sns': {'topics': ['ops']},
    'ssm': {'parameters': {'/app/prod/api/config': {'Value': '{"v":1}', 'Type': 'SecureString'},
                           '/app/plain': 'x'},
            'instances': [{'InstanceId': 'i-0aaa', 'Tags': {'Component': 'api'},
                           'output': 'restarted\n'}]},
    'appconfig': {'applications': {'payments': {'Id': 'pay1234',
                                                'environments': {'prod': {'Id': 'env1234'}},
                                                'configurationProfiles': {
                                                    'flags': {'Id': 'prof123'}}}},
                  'deploymentStrategies': {'safe': {'Id': 'safe123'}}},
    'cloudwatch': {'alarms': [{'AlarmName': 'api-5xx', 'StateValue': 'ALARM',
                               'MetricName': 'HTTPCode_Target_5XX_Count',
                               'Namespace': 'AWS/ApplicationELB'}]},
    'rds': {'clusters': {'payments-db': {}},
            'snapshots': {'payments-db-auto': {'DBClusterIdentifier': 'payments-db',
                                               'SnapshotType': 'automated'}}},
    'autoscaling': {'groups': {'web-asg': {'DesiredCapacity': 2,
                                           'LaunchConfigurationName': 'web-v41'}}},
    's3': {'buckets': {'ops-backups': {'runbooks/a.txt': 'hello'}}},
    'logs': {'groups': {'/aws/ecs/api': {'streams': {'web/1': [
        {'timestamp': 1764000000000, 'message': 'ERROR boom'},
        {'timestamp': 1764000001000, 'message': 'INFO fine'}]}}}},
}


class Checks:
    def __init__(self):
        self.passed = self.failed = 0

    def run(self, name, fn):
        try:
            fn()
        except Exception:  # pylint: disable=broad-except
            self.failed += 1
            print(f'FAIL {name}')
            traceback.print_exc(limit=4, file=sys.stdout)
            return
        self.passed += 1
        print(f'ok   {name}')


def expect_error(code, fn, *a, **kw):
    try:
        fn(*a, **kw)
    except ClientError as e:
        got = e.response['Error']['Code']
        assert got == code, f'expected {code}, got {got}: {e}'
        return e
    raise AssertionError(f'expected {code}, call succeeded')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--endpoint')
    a = ap.parse_args()
    fake = FakeAws(a.endpoint) if a.endpoint else FakeAws.start(args=['--settle-polls', '2'])
    try:
        if a.endpoint:
            fake.reset()
            fake.config(settle_polls=2)
        fake.seed(SEED)
        return run_all(fake)
    finally:
        fake.stop()


def run_all(fake):
    sess = botocore.session.get_session()
    cfg = Config(retries={'total_max_attempts': 1, 'mode': 'standard'})

    cache = {}

    def client(svc, key=EXAMPLE_KEY, token=None, **kw):
        if key == EXAMPLE_KEY and not token and not kw:
            if svc not in cache:
                cache[svc] = sess.create_client(
                    svc, endpoint_url=fake.url, region_name='us-east-1',
                    aws_access_key_id=key[0], aws_secret_access_key=key[1], config=cfg)
            return cache[svc]
        return sess.create_client(svc, endpoint_url=fake.url, region_name='us-east-1',
                                  aws_access_key_id=key[0], aws_secret_access_key=key[1],
                                  aws_session_token=token, config=kw.pop('config', cfg), **kw)

    c = Checks()
    now = datetime.datetime.now(UTC)
    for name in [n for n in globals() if n.startswith('check_')]:
        c.run(name[6:], lambda n=name: globals()[n](fake, client, now))
    st = fake.stats()
    print(f'# server stats: {st}')
    print(f'{c.passed} passed, {c.failed} failed')
    return 1 if c.failed else 0


# {==== checks (run in this order) ====

def check_sts(fake, client, now):
    sts = client('sts')
    ident = sts.get_caller_identity()
    assert ident['Account'] == '123456789012', ident
    r = sts.assume_role(RoleArn='arn:aws:iam::111122223333:role/ops', RoleSessionName='rbc',
                        DurationSeconds=900)
    cr = r['Credentials']
    assert cr['AccessKeyId'].startswith('ASIA') and cr['Expiration'] > now
    sts2 = client('sts', key=(cr['AccessKeyId'], cr['SecretAccessKey']),
                  token=cr['SessionToken'])
    assert sts2.get_caller_identity()['Arn'] == \
        'arn:aws:sts::111122223333:assumed-role/ops/rbc'
    expect_error('InvalidClientTokenId', client('sts', key=(cr['AccessKeyId'],
                                                           cr['SecretAccessKey'])).
                 get_caller_identity)
    fake.expire(cr['AccessKeyId'])
    expect_error('ExpiredToken', sts2.get_caller_identity)


def check_signatures(fake, client, now):
    e = expect_error('SignatureDoesNotMatch', client('sts', key=('AKIDEXAMPLE', 'wrong'))
                     .get_caller_identity)
    assert e.response['ResponseMetadata']['HTTPStatusCode'] == 403
    expect_error('InvalidSignatureException', client('ecs', key=('AKIDEXAMPLE', 'x'))
                 .list_clusters)
    expect_error('SignatureDoesNotMatch', client('s3', key=('AKIDEXAMPLE', 'x'))
                 .list_buckets)
    expect_error('InvalidClientTokenId', client('sns', key=('AKIDNOPE', 'x')).list_topics)
    expect_error('UnrecognizedClientException', client('ssm', key=('AKIDNOPE', 'x'))
                 .get_parameter, Name='/app/plain')
    expect_error('InvalidAccessKeyId', client('s3', key=('AKIDNOPE', 'x')).list_buckets)
    bad = [e for e in fake.log() if not e['verified']]
    assert len(bad) >= 6, bad


def check_sns(fake, client, now):
    sns = client('sns')
    arn = sns.create_topic(Name='ops')['TopicArn']
    assert arn == 'arn:aws:sns:us-east-1:123456789012:ops'
    mid = sns.publish(TopicArn=arn, Message='Initiating rollback', Subject='[x] y')['MessageId']
    assert any(t['TopicArn'] == arn for t in sns.list_topics()['Topics'])
    msgs = fake.state('sns')['topics'][arn]['messages']
    assert msgs[-1]['MessageId'] == mid and msgs[-1]['Message'] == 'Initiating rollback'
    expect_error('NotFound', sns.publish, TopicArn=arn + 'x', Message='m')


def check_ecs(fake, client, now):
    ecs = client('ecs')
    s = ecs.describe_services(cluster='prod', services=['api'])['services'][0]
    assert s['taskDefinition'].endswith('task-definition/api:41')
    assert len(s['deployments']) == 1 and s['runningCount'] == 2
    u = ecs.update_service(cluster='prod', service='api', taskDefinition='api:40',
                           forceNewDeployment=True)['service']
    assert len(u['deployments']) == 2 and u['deployments'][0]['rolloutState'] == 'IN_PROGRESS'
    polls = 0
    while len(ecs.describe_services(cluster='prod', services=['api'])['services'][0]
              ['deployments']) != 1:
        polls += 1
        assert polls < 10
    assert polls == 1, polls    # settle_polls 2: the second describe settles
    r = ecs.describe_services(cluster='prod', services=['api', 'nope'])
    assert r['failures'][0]['reason'] == 'MISSING'
    td = ecs.describe_task_definition(taskDefinition='api')['taskDefinition']
    assert td['revision'] == 41 and td['family'] == 'api'
    tasks = ecs.list_tasks(cluster='prod', serviceName='api')['taskArns']
    assert len(tasks) == 2
    run = ecs.run_task(cluster='prod', taskDefinition='migrate:3')['tasks'][0]
    seen = []
    for _ in range(6):
        t = ecs.describe_tasks(cluster='prod', tasks=[run['taskArn']])['tasks'][0]
        seen.append(t['lastStatus'])
    assert seen[-1] == 'STOPPED' and 'RUNNING' in seen, seen
    expect_error('ServiceNotFoundException', ecs.update_service, cluster='prod', service='x')
    expect_error('ClusterNotFoundException', ecs.describe_services, cluster='x', services=['a'])


def check_elbv2(fake, client, now):
    elb = client('elbv2')
    tg = elb.describe_target_groups(Names=['web-tg'])['TargetGroups'][0]
    arn = tg['TargetGroupArn']
    a = elb.modify_target_group_attributes(TargetGroupArn=arn, Attributes=[
        {'Key': 'deregistration_delay.timeout_seconds', 'Value': '0'}])['Attributes']
    assert {'Key': 'deregistration_delay.timeout_seconds', 'Value': '0'} in a
    got = elb.describe_target_group_attributes(TargetGroupArn=arn)['Attributes']
    assert {'Key': 'deregistration_delay.timeout_seconds', 'Value': '0'} in got
    elb.deregister_targets(TargetGroupArn=arn, Targets=[{'Id': 'i-0aaa'}])
    h = elb.describe_target_health(TargetGroupArn=arn)['TargetHealthDescriptions']
    assert h == [], h
    elb.register_targets(TargetGroupArn=arn, Targets=[{'Id': 'i-0bbb', 'Port': 8080}])
    states = [elb.describe_target_health(TargetGroupArn=arn)['TargetHealthDescriptions'][0]
              ['TargetHealth']['State'] for _ in range(3)]
    assert states == ['initial', 'healthy', 'healthy'], states
    lb = elb.describe_load_balancers(Names=['web'])['LoadBalancers'][0]
    r = elb.modify_load_balancer_attributes(LoadBalancerArn=lb['LoadBalancerArn'], Attributes=[
        {'Key': 'idle_timeout.timeout_seconds', 'Value': '30'}])
    assert {'Key': 'idle_timeout.timeout_seconds', 'Value': '30'} in r['Attributes']
    expect_error('TargetGroupNotFound', elb.describe_target_health, TargetGroupArn=arn + 'x')


def check_ssm(fake, client, now):
    ssm = client('ssm')
    p = ssm.get_parameter(Name='/app/prod/api/config')['Parameter']
    assert p['Type'] == 'SecureString' and p['Value'] != '{"v":1}'
    p = ssm.get_parameter(Name='/app/prod/api/config', WithDecryption=True)['Parameter']
    assert p['Value'] == '{"v":1}' and p['Version'] == 1
    expect_error('ParameterAlreadyExists', ssm.put_parameter, Name='/app/prod/api/config',
                 Value='{"v":0}', Type='SecureString')
    r = ssm.put_parameter(Name='/app/prod/api/config', Value='{"v":0}', Type='SecureString',
                          Overwrite=True)
    assert r['Version'] == 2
    h = ssm.get_parameter_history(Name='/app/prod/api/config', WithDecryption=True)
    assert [x['Value'] for x in h['Parameters']] == ['{"v":1}', '{"v":0}']
    expect_error('ParameterNotFound', ssm.get_parameter, Name='/nope')
    cmd = ssm.send_command(DocumentName='AWS-RunShellScript',
                           Targets=[{'Key': 'tag:Component', 'Values': ['api']}],
                           Parameters={'commands': ['sudo systemctl restart app']})['Command']
    assert cmd['TargetCount'] == 1
    st = [ssm.get_command_invocation(CommandId=cmd['CommandId'], InstanceId='i-0aaa')['Status']
          for _ in range(3)]
    assert st == ['InProgress', 'Success', 'Success'], st
    inv = ssm.list_command_invocations(CommandId=cmd['CommandId'], Details=True)
    assert inv['CommandInvocations'][0]['CommandPlugins'][0]['Output'] == 'restarted\n'


def check_appconfig(fake, client, now):
    ac = client('appconfig')
    d = ac.start_deployment(ApplicationId='pay1234', EnvironmentId='env1234',
                            DeploymentStrategyId='safe123', ConfigurationProfileId='prof123',
                            ConfigurationVersion='7')
    assert d['State'] == 'DEPLOYING' and d['DeploymentNumber'] == 1
    expect_error('ConflictException', ac.start_deployment, ApplicationId='pay1234',
                 EnvironmentId='env1234', DeploymentStrategyId='safe123',
                 ConfigurationProfileId='prof123', ConfigurationVersion='8')
    st = [ac.get_deployment(ApplicationId='pay1234', EnvironmentId='env1234',
                            DeploymentNumber=1)['State'] for _ in range(2)]
    assert st == ['DEPLOYING', 'COMPLETE'], st
    items = ac.list_deployments(ApplicationId='pay1234', EnvironmentId='env1234')['Items']
    assert items[0]['ConfigurationVersion'] == '7' and items[0]['State'] == 'COMPLETE'
    v = ac.create_hosted_configuration_version(ApplicationId='pay1234',
                                               ConfigurationProfileId='prof123',
                                               Content=b'{"flag": true}',
                                               ContentType='application/json')
    assert v['VersionNumber'] == 1
    ac.start_deployment(ApplicationId='pay1234', EnvironmentId='env1234',
                        DeploymentStrategyId='AppConfig.AllAtOnce',
                        ConfigurationProfileId='prof123', ConfigurationVersion='1')
    states = [ac.get_deployment(ApplicationId='pay1234', EnvironmentId='env1234',
                                DeploymentNumber=2)['State'] for _ in range(2)]
    assert states[-1] == 'COMPLETE', states
    data = client('appconfigdata')
    tok = data.start_configuration_session(ApplicationIdentifier='payments',
                                           EnvironmentIdentifier='prod',
                                           ConfigurationProfileIdentifier='flags')
    got = data.get_latest_configuration(ConfigurationToken=tok['InitialConfigurationToken'])
    assert got['Configuration'].read() == b'{"flag": true}', got
    assert got['ContentType'] == 'application/json'
    again = data.get_latest_configuration(ConfigurationToken=got['NextPollConfigurationToken'])
    assert again['Configuration'].read() == b''
    prof = ac.get_configuration_profile(ApplicationId='pay1234', ConfigurationProfileId='prof123')
    assert prof['Name'] == 'flags'
    e = expect_error('ResourceNotFoundException', ac.get_deployment, ApplicationId='nope',
                     EnvironmentId='env1234', DeploymentNumber=1)
    assert e.response['ResponseMetadata']['HTTPStatusCode'] == 404


def check_cloudwatch(fake, client, now):
    cw = client('cloudwatch')
    fake.metrics('RequestCount', [100, [1, 2, 3]], namespace='AWS/ApplicationELB')
    kw = dict(Namespace='AWS/ApplicationELB', MetricName='RequestCount',
              Dimensions=[{'Name': 'LoadBalancer', 'Value': 'app/web/1'}],
              StartTime=now - datetime.timedelta(minutes=5), EndTime=now, Period=60,
              Statistics=['Sum', 'Average'])
    dps = cw.get_metric_statistics(**kw)['Datapoints']
    assert len(dps) == 5 and sum(d['Sum'] for d in dps) == 500, dps
    dps = cw.get_metric_statistics(**kw)['Datapoints']
    assert [d['Sum'] for d in dps] == [1, 2, 3], dps
    cw.put_metric_data(Namespace='App', MetricData=[
        {'MetricName': 'Latency', 'Value': 10.0, 'Timestamp': now - datetime.timedelta(
            seconds=30)},
        {'MetricName': 'Latency', 'Value': 30.0, 'Timestamp': now - datetime.timedelta(
            seconds=20)}])
    dps = cw.get_metric_statistics(Namespace='App', MetricName='Latency',
                                   StartTime=now - datetime.timedelta(minutes=1), EndTime=now,
                                   Period=60, Statistics=['Average', 'Maximum'])['Datapoints']
    assert dps[0]['Average'] == 20.0 and dps[0]['Maximum'] == 30.0, dps
    md = cw.get_metric_data(StartTime=now - datetime.timedelta(minutes=3), EndTime=now,
                            MetricDataQueries=[
                                {'Id': 'r', 'MetricStat': {'Metric': {
                                    'Namespace': 'AWS/ApplicationELB',
                                    'MetricName': 'RequestCount'}, 'Period': 60, 'Stat': 'Sum'},
                                 'ReturnData': False},
                                {'Id': 'e', 'Expression': 'r * 2'}])['MetricDataResults']
    assert md[0]['Id'] == 'e' and sorted(md[0]['Values']) == [2, 4, 6], md
    al = cw.describe_alarms(StateValue='ALARM')['MetricAlarms']
    assert al[0]['AlarmName'] == 'api-5xx'


def check_rds(fake, client, now):
    rds = client('rds')
    c = rds.describe_db_clusters(DBClusterIdentifier='payments-db')['DBClusters'][0]
    assert c['Status'] == 'available'
    m = rds.modify_db_cluster(DBClusterIdentifier='payments-db', BackupRetentionPeriod=7,
                              PreferredBackupWindow='03:00-04:00')['DBCluster']
    assert m['BackupRetentionPeriod'] == 7 and m['PreferredBackupWindow'] == '03:00-04:00'
    s = rds.create_db_cluster_snapshot(DBClusterSnapshotIdentifier='pre-rollback',
                                       DBClusterIdentifier='payments-db')['DBClusterSnapshot']
    assert s['Status'] == 'creating'
    st = [rds.describe_db_cluster_snapshots(DBClusterSnapshotIdentifier='pre-rollback')
          ['DBClusterSnapshots'][0]['Status'] for _ in range(2)]
    assert st == ['creating', 'available'], st
    snaps = rds.describe_db_cluster_snapshots(DBClusterIdentifier='payments-db')
    assert len(snaps['DBClusterSnapshots']) == 2
    r = rds.restore_db_cluster_from_snapshot(DBClusterIdentifier='payments-db-rollback',
                                             SnapshotIdentifier='pre-rollback',
                                             Engine='aurora-postgresql')['DBCluster']
    assert r['Status'] == 'creating'
    expect_error('DBClusterNotFoundFault', rds.describe_db_clusters, DBClusterIdentifier='nope')


def check_autoscaling(fake, client, now):
    asg = client('autoscaling')
    g = asg.describe_auto_scaling_groups(AutoScalingGroupNames=['web-asg'])
    g = g['AutoScalingGroups'][0]
    assert g['LaunchConfigurationName'] == 'web-v41' and len(g['Instances']) == 2
    asg.update_auto_scaling_group(AutoScalingGroupName='web-asg',
                                  LaunchConfigurationName='web-v40')
    asg.set_desired_capacity(AutoScalingGroupName='web-asg', DesiredCapacity=3)
    g = asg.describe_auto_scaling_groups(AutoScalingGroupNames=['web-asg'])['AutoScalingGroups']
    assert g[0]['LaunchConfigurationName'] == 'web-v40' and len(g[0]['Instances']) == 3
    rid = asg.start_instance_refresh(AutoScalingGroupName='web-asg')['InstanceRefreshId']
    st = [asg.describe_instance_refreshes(AutoScalingGroupName='web-asg')['InstanceRefreshes']
          [0]['Status'] for _ in range(2)]
    assert st == ['InProgress', 'Successful'] and rid, st
    expect_error('ValidationError', asg.set_desired_capacity, AutoScalingGroupName='web-asg',
                 DesiredCapacity=99)


def check_s3(fake, client, now):
    s3 = client('s3', config=Config(s3={'addressing_style': 'path'},
                                    retries={'total_max_attempts': 1}))
    s3.create_bucket(Bucket='incidents')
    s3.put_object(Bucket='incidents', Key='inc-1/x+y%z.txt', Body=b'')
    lst = s3.list_objects_v2(Bucket='incidents', Prefix='inc-1/x+')
    assert [x['Key'] for x in lst['Contents']] == ['inc-1/x+y%z.txt'], lst
    s3.delete_object(Bucket='incidents', Key='inc-1/x+y%z.txt')
    s3.put_object(Bucket='incidents', Key='inc-1/state a.json', Body=b'{"a": 1}',
                  ContentType='application/json', Metadata={'Run': 'r1'})
    o = s3.get_object(Bucket='incidents', Key='inc-1/state a.json')
    assert o['Body'].read() == b'{"a": 1}' and o['ContentType'] == 'application/json'
    assert o['Metadata'] == {'run': 'r1'}, o['Metadata']
    h = s3.head_object(Bucket='incidents', Key='inc-1/state a.json')
    assert h['ContentLength'] == 8
    r = s3.get_object(Bucket='incidents', Key='inc-1/state a.json', Range='bytes=0-1')
    assert r['Body'].read() == b'{"'
    lst = s3.list_objects_v2(Bucket='incidents', Prefix='inc-1/')
    assert [x['Key'] for x in lst['Contents']] == ['inc-1/state a.json'] and lst['KeyCount'] == 1
    lst = s3.list_objects_v2(Bucket='ops-backups', Delimiter='/')
    assert lst['CommonPrefixes'] == [{'Prefix': 'runbooks/'}], lst
    s3.delete_object(Bucket='incidents', Key='inc-1/state a.json')
    expect_error('NoSuchKey', s3.get_object, Bucket='incidents', Key='inc-1/state a.json')
    expect_error('404', s3.head_object, Bucket='incidents', Key='nope')
    expect_error('NoSuchBucket', s3.list_objects_v2, Bucket='nope')
    assert any(b['Name'] == 'ops-backups' for b in s3.list_buckets()['Buckets'])
    s3.copy_object(Bucket='incidents', Key='copy.txt', CopySource='ops-backups/runbooks/a.txt')
    assert s3.get_object(Bucket='incidents', Key='copy.txt')['Body'].read() == b'hello'
    up = s3.create_multipart_upload(Bucket='incidents', Key='big.bin')['UploadId']
    big = b'x' * (5 * 1024 * 1024)
    e1 = s3.upload_part(Bucket='incidents', Key='big.bin', UploadId=up, PartNumber=1,
                        Body=big)['ETag']
    e2 = s3.upload_part(Bucket='incidents', Key='big.bin', UploadId=up, PartNumber=2,
                        Body=b'tail')['ETag']
    done = s3.complete_multipart_upload(Bucket='incidents', Key='big.bin', UploadId=up,
                                        MultipartUpload={'Parts': [
                                            {'ETag': e1, 'PartNumber': 1},
                                            {'ETag': e2, 'PartNumber': 2}]})
    assert done['ETag'].endswith('-2"'), done
    assert s3.head_object(Bucket='incidents', Key='big.bin')['ContentLength'] == len(big) + 4
    expect_error('NoSuchUpload', s3.abort_multipart_upload, Bucket='incidents', Key='big.bin',
                 UploadId=up)


def check_logs(fake, client, now):
    logs = client('logs')
    logs.create_log_group(logGroupName='/rbc/runs')
    logs.create_log_stream(logGroupName='/rbc/runs', logStreamName='r1')
    ms = int(now.timestamp() * 1000)
    r = logs.put_log_events(logGroupName='/rbc/runs', logStreamName='r1', logEvents=[
        {'timestamp': ms, 'message': 'step 1 ok'},
        {'timestamp': ms + 1, 'message': 'step 2 ERROR'}])
    assert r['nextSequenceToken']
    ev = logs.get_log_events(logGroupName='/rbc/runs', logStreamName='r1', startFromHead=True)
    assert [e['message'] for e in ev['events']] == ['step 1 ok', 'step 2 ERROR']
    f = logs.filter_log_events(logGroupName='/aws/ecs/api', filterPattern='ERROR')
    assert [e['message'] for e in f['events']] == ['ERROR boom']
    expect_error('ResourceAlreadyExistsException', logs.create_log_group, logGroupName='/rbc/runs')
    expect_error('ResourceNotFoundException', logs.get_log_events, logGroupName='/nope',
                 logStreamName='x')


def check_unknown_ops(fake, client, now):
    # operations in the model that fake-aws does not implement
    expect_error('InvalidAction', client('sns').list_subscriptions)
    expect_error('UnknownOperationException', client('ecs').list_container_instances)
    expect_error('NotImplemented', client('s3', config=Config(
        s3={'addressing_style': 'path'}, retries={'total_max_attempts': 1})).get_bucket_acl,
        Bucket='ops-backups')


def check_faults(fake, client, now):
    fake.fault('ecs', 'DescribeServices', kind='throttle', count=2)
    ecs = client('ecs')
    expect_error('ThrottlingException', ecs.describe_services, cluster='prod', services=['api'])
    retrying = client('ecs', config=Config(retries={'total_max_attempts': 3, 'mode': 'standard'}))
    r = retrying.describe_services(cluster='prod', services=['api'])
    assert r['ResponseMetadata']['RetryAttempts'] == 1, r['ResponseMetadata']
    fake.fault('sns', 'Publish', kind='error500', count=1)
    expect_error('InternalFailure', client('sns').publish,
                 TopicArn='arn:aws:sns:us-east-1:123456789012:ops', Message='m')
    fake.fault('s3', None, kind='throttle', count=1, retry_after=1)
    s3 = client('s3', config=Config(s3={'addressing_style': 'path'},
                                    retries={'total_max_attempts': 1}))
    e = expect_error('SlowDown', s3.list_buckets)
    assert e.response['ResponseMetadata']['HTTPHeaders']['retry-after'] == '1'
    fake.fault('sts', None, kind='expired', count=1)
    expect_error('ExpiredToken', client('sts').get_caller_identity)
    log = fake.log(service='ecs', operation='DescribeServices')
    assert sum(1 for x in log if x.get('fault') == 'throttle') == 2
    assert all(x['verified'] for x in log)



def check_wire_edges(fake, client, now):
    import http.client  # pylint: disable=import-outside-toplevel
    import urllib.request  # pylint: disable=import-outside-toplevel
    host, port = fake.url.rsplit('/', 1)[1].split(':')
    # an unsigned request, in each protocol family
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    conn.request('POST', '/', body='Action=GetCallerIdentity&Version=2011-06-15',
                 headers={'Content-Type': 'application/x-www-form-urlencoded'})
    r = conn.getresponse()
    body = r.read().decode()
    assert r.status == 403 and '<Code>MissingAuthenticationToken</Code>' in body, body
    conn.request('POST', '/', body='{}', headers={
        'Content-Type': 'application/x-amz-json-1.1',
        'X-Amz-Target': 'AmazonSSM.GetParameter'})
    r = conn.getresponse()
    body = r.read().decode()
    assert r.status == 403 and 'MissingAuthenticationTokenException' in body, body
    # a presigned S3 URL (query-string SigV4), and a chunked upload body
    s3 = client('s3', config=Config(s3={'addressing_style': 'path'}, signature_version='s3v4',
                                    retries={'total_max_attempts': 1}))
    url = s3.generate_presigned_url('get_object', Params={'Bucket': 'ops-backups',
                                                          'Key': 'runbooks/a.txt'})
    with urllib.request.urlopen(url, timeout=10) as resp:
        assert resp.read() == b'hello'
    # clock skew: a request signed 20 minutes ago
    import botocore.auth  # pylint: disable=import-outside-toplevel
    from botocore.awsrequest import AWSRequest  # pylint: disable=import-outside-toplevel
    from botocore.credentials import Credentials  # pylint: disable=import-outside-toplevel
    req = AWSRequest('POST', fake.url + '/', data=b'Action=GetCallerIdentity&Version=2011-06-15',
                     headers={'Content-Type': 'application/x-www-form-urlencoded'})
    real = datetime.datetime

    class Past(real):
        @classmethod
        def utcnow(cls):
            return real.utcnow() - datetime.timedelta(minutes=20)
    botocore.auth.datetime.datetime = Past
    try:
        botocore.auth.SigV4Auth(Credentials(*EXAMPLE_KEY), 'sts', 'us-east-1').add_auth(req)
    finally:
        botocore.auth.datetime.datetime = real
    p = req.prepare()
    conn.request('POST', '/', body=p.body, headers=dict(p.headers))
    r = conn.getresponse()
    body = r.read().decode()
    assert r.status == 403 and 'Signature expired' in body, body
    # a connection reset fault, then the same client works again (keep-alive pool)
    fake.fault('sns', 'ListTopics', kind='reset', count=1)
    sns = client('sns')
    try:
        sns.list_topics()
        raise AssertionError('reset fault: call succeeded')
    except (botocore.exceptions.ConnectionError, botocore.exceptions.HTTPClientError):
        pass
    assert sns.list_topics()['Topics']

# }====


if __name__ == '__main__':
    sys.exit(main())
