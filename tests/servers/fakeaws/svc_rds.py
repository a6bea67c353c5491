"""RDS (Aurora clusters): DescribeDBClusters, ModifyDBCluster, DescribeDBClusterSnapshots,
CreateDBClusterSnapshot, RestoreDBClusterFromSnapshot, DeleteDBCluster.

New snapshots are "creating" and restored clusters "creating" until they
have been described settle_polls times; then "available".

Seed: {"clusters": {"payments-db": {"Engine": "aurora-postgresql",
          "BackupRetentionPeriod": 1}},
       "snapshots": {"payments-db-2026-11-26": {"DBClusterIdentifier": "payments-db",
          "SnapshotType": "automated"}}}
"""

from .core import AwsError, op, seeder


def _st(ctx):
    ctx.state.setdefault('clusters', {})
    ctx.state.setdefault('snapshots', {})
    return ctx.state


def _cluster_doc(ctx, cid, doc, status='available'):
    eng = doc.get('Engine', 'aurora-postgresql')
    c = {'DBClusterIdentifier': cid, 'DBClusterArn': ctx.arn('rds', f'cluster:{cid}'),
         'Status': status, 'Engine': eng, 'EngineVersion': doc.get('EngineVersion', '14.6'),
         'EngineMode': 'provisioned', 'Port': 5432 if 'postgres' in eng else 3306,
         'MasterUsername': doc.get('MasterUsername', 'admin'), 'MultiAZ': True,
         'BackupRetentionPeriod': 1, 'PreferredBackupWindow': '07:00-07:30',
         'PreferredMaintenanceWindow': 'sun:05:00-sun:05:30', 'AllocatedStorage': 1,
         'Endpoint': f'{cid}.cluster-cfake.{ctx.region}.rds.amazonaws.com',
         'ReaderEndpoint': f'{cid}.cluster-ro-cfake.{ctx.region}.rds.amazonaws.com',
         'DbClusterResourceId': 'cluster-' + cid.upper().replace('-', '')[:26],
         'ClusterCreateTime': ctx.now, 'StorageEncrypted': True, 'DeletionProtection': False,
         'AvailabilityZones': [ctx.region + x for x in 'abc'],
         'DBClusterMembers': [{'DBInstanceIdentifier': f'{cid}-1', 'IsClusterWriter': True,
                               'DBClusterParameterGroupStatus': 'in-sync',
                               'PromotionTier': 1}],
         'VpcSecurityGroups': [], 'TagList': [], 'CopyTagsToSnapshot': False,
         'IAMDatabaseAuthenticationEnabled': False, 'HttpEndpointEnabled': False,
         'DBSubnetGroup': 'default', 'DBClusterParameterGroup': 'default.aurora',
         '_polls': 0}
    c.update(doc)
    _st(ctx)['clusters'][cid] = c
    return c


def _snap_doc(ctx, sid, c, doc, status='available'):
    s = {'DBClusterSnapshotIdentifier': sid,
         'DBClusterSnapshotArn': ctx.arn('rds', f'cluster-snapshot:{sid}'),
         'DBClusterIdentifier': c['DBClusterIdentifier'], 'SnapshotCreateTime': ctx.now,
         'Engine': c['Engine'], 'EngineVersion': c['EngineVersion'], 'EngineMode': 'provisioned',
         'AllocatedStorage': c.get('AllocatedStorage', 1), 'Status': status,
         'Port': c['Port'], 'VpcId': 'vpc-0fake', 'ClusterCreateTime': c['ClusterCreateTime'],
         'MasterUsername': c['MasterUsername'], 'LicenseModel': c['Engine'],
         'SnapshotType': 'manual', 'PercentProgress': 100 if status == 'available' else 0,
         'StorageEncrypted': True, 'IAMDatabaseAuthenticationEnabled': False, 'TagList': [],
         'AvailabilityZones': c['AvailabilityZones'], '_polls': 0}
    s.update(doc)
    _st(ctx)['snapshots'][sid] = s
    return s


@seeder('rds')
def seed(ctx, st, doc):
    for cid, d in (doc.get('clusters') or {}).items():
        _cluster_doc(ctx, cid, d or {})
    for sid, d in (doc.get('snapshots') or {}).items():
        d = dict(d or {})
        cid = d.get('DBClusterIdentifier')
        c = _st(ctx)['clusters'].get(cid) or _cluster_doc(ctx, cid or 'seeded', {})
        if cid is None:
            del _st(ctx)['clusters'][c['DBClusterIdentifier']]
        _snap_doc(ctx, sid, c, d)


def _settle(ctx, rec, field='Status', done='available'):
    if rec[field] in ('creating', 'modifying', 'backing-up'):
        rec['_polls'] += 1
        if rec['_polls'] >= max(1, ctx.polls()):
            rec[field] = done
            if 'PercentProgress' in rec:
                rec['PercentProgress'] = 100


def _cluster(ctx, cid):
    c = _st(ctx)['clusters'].get(cid.rpartition(':')[2] if cid.startswith('arn:') else cid)
    if c is None:
        raise AwsError('DBClusterNotFoundFault', f'DBCluster {cid} not found.')
    return c


@op('rds', 'DescribeDBClusters')
def describe_db_clusters(ctx, p):
    if p.get('DBClusterIdentifier'):
        cs = [_cluster(ctx, p['DBClusterIdentifier'])]
    else:
        cs = list(_st(ctx)['clusters'].values())
    for c in cs:
        _settle(ctx, c)
    return {'DBClusters': cs}


@op('rds', 'ModifyDBCluster')
def modify_db_cluster(ctx, p):
    c = _cluster(ctx, p['DBClusterIdentifier'])
    if c['Status'] != 'available':
        raise AwsError('InvalidDBClusterStateFault', f'DbCluster {c["DBClusterIdentifier"]} is '
                       'not currently in the available state.')
    brp = p.get('BackupRetentionPeriod')
    if brp is not None and not 1 <= brp <= 35:
        raise AwsError('InvalidParameterValue', 'Invalid backup retention period: must be '
                       'between 1 and 35', 400)
    for k in ('BackupRetentionPeriod', 'PreferredBackupWindow', 'PreferredMaintenanceWindow',
              'DeletionProtection', 'EngineVersion', 'CopyTagsToSnapshot', 'Port',
              'DBClusterInstanceClass'):
        if p.get(k) is not None:
            c[k] = p[k]
    if p.get('NewDBClusterIdentifier'):
        new = p['NewDBClusterIdentifier']
        del _st(ctx)['clusters'][c['DBClusterIdentifier']]
        c['DBClusterIdentifier'] = new
        c['DBClusterArn'] = ctx.arn('rds', f'cluster:{new}')
        _st(ctx)['clusters'][new] = c
    return {'DBCluster': c}


@op('rds', 'DescribeDBClusterSnapshots')
def describe_db_cluster_snapshots(ctx, p):
    snaps = list(_st(ctx)['snapshots'].values())
    if p.get('DBClusterSnapshotIdentifier'):
        sid = p['DBClusterSnapshotIdentifier']
        snaps = [s for s in snaps if sid in (s['DBClusterSnapshotIdentifier'],
                                             s['DBClusterSnapshotArn'])]
        if not snaps:
            raise AwsError('DBClusterSnapshotNotFoundFault', f'DBClusterSnapshot {sid} not '
                           'found.')
    if p.get('DBClusterIdentifier'):
        snaps = [s for s in snaps if s['DBClusterIdentifier'] == p['DBClusterIdentifier']]
    if p.get('SnapshotType'):
        snaps = [s for s in snaps if s['SnapshotType'] == p['SnapshotType']]
    for s in snaps:
        _settle(ctx, s)
    return {'DBClusterSnapshots': snaps}


@op('rds', 'CreateDBClusterSnapshot')
def create_db_cluster_snapshot(ctx, p):
    sid = p['DBClusterSnapshotIdentifier']
    if sid in _st(ctx)['snapshots']:
        raise AwsError('DBClusterSnapshotAlreadyExistsFault', f'Cannot create the cluster '
                       f'snapshot because one with the identifier {sid} already exists.')
    c = _cluster(ctx, p['DBClusterIdentifier'])
    return {'DBClusterSnapshot': _snap_doc(ctx, sid, c, {'TagList': p.get('Tags') or []},
                                           status='creating')}


@op('rds', 'RestoreDBClusterFromSnapshot')
def restore_db_cluster_from_snapshot(ctx, p):
    cid = p['DBClusterIdentifier']
    if cid in _st(ctx)['clusters']:
        raise AwsError('DBClusterAlreadyExistsFault', 'DB Cluster already exists')
    sref = p['SnapshotIdentifier']
    snap = next((s for s in _st(ctx)['snapshots'].values()
                 if sref in (s['DBClusterSnapshotIdentifier'], s['DBClusterSnapshotArn'])), None)
    if snap is None:
        raise AwsError('DBClusterSnapshotNotFoundFault', f'DBClusterSnapshot {sref} not found.')
    if snap['Status'] != 'available':
        raise AwsError('InvalidDBClusterSnapshotStateFault', f'Snapshot {sref} is not available.')
    doc = {'Engine': p.get('Engine') or snap['Engine'],
           'EngineVersion': p.get('EngineVersion') or snap['EngineVersion'],
           'DBClusterMembers': []}
    for k in ('Port', 'DeletionProtection', 'CopyTagsToSnapshot'):
        if p.get(k) is not None:
            doc[k] = p[k]
    return {'DBCluster': _cluster_doc(ctx, cid, doc, status='creating')}


@op('rds', 'DeleteDBCluster')
def delete_db_cluster(ctx, p):
    c = _cluster(ctx, p['DBClusterIdentifier'])
    if c.get('DeletionProtection'):
        raise AwsError('InvalidParameterCombination', 'Cannot delete protected Cluster, please '
                       'disable deletion protection and try again.', 400)
    if not p.get('SkipFinalSnapshot'):
        fid = p.get('FinalDBSnapshotIdentifier')
        if not fid:
            raise AwsError('InvalidParameterCombination', 'FinalDBSnapshotIdentifier is '
                           'required unless SkipFinalSnapshot is specified.', 400)
        _snap_doc(ctx, fid, c, {})
    del _st(ctx)['clusters'][c['DBClusterIdentifier']]
    c = dict(c, Status='deleting')
    return {'DBCluster': c}
