"""The world the fake endpoint serves: per-service state, handlers, config.

Service modules (svc_*.py) register:
  @op('ecs', 'DescribeServices') def f(ctx, params) -> output dict
  @seeder('ecs') def f(ctx, state, doc)   -- merge a seed document
and keep their state in world.data[<service>] as plain JSON-able dicts
(timestamps as datetimes are turned into ISO strings by dump()).
All handlers run under world.lock.
"""

import copy
import datetime
import json
import threading
import uuid

from .wire import AwsError, to_datetime

UTC = datetime.timezone.utc
HANDLERS = {}
SEEDERS = {}
DEFAULT_CONFIG = {
    'settle_polls': 3,          # polls before a deployment / snapshot / command settles
    'max_skew': 900,            # seconds of clock skew accepted (0: any)
    'account': '123456789012',
    'log_limit': 10000,         # request-log entries kept
}


def op(service, name):
    def deco(fn):
        HANDLERS[(service, name)] = fn
        return fn
    return deco


def seeder(service):
    def deco(fn):
        SEEDERS[service] = fn
        return fn
    return deco


class World:
    """All state of one server: service data, config, faults, request log, stats."""

    def __init__(self, keys):
        self.lock = threading.RLock()
        self.keys = keys
        self.config = copy.deepcopy(DEFAULT_CONFIG)
        self.reset()

    def reset(self):
        with self.lock:
            self.data = {}
            self.faults = []
            self.log = []
            self.seq = 0
            self.stats = {'requests': 0, 'verified': 0, 'rejected': 0, 'unrouted': 0}
            self.scripts = {}     # cloudwatch metric scripts (svc_cloudwatch)

    def state(self, service):
        return self.data.setdefault(service, {})

    def polls(self, service):
        per = self.config.get(service, {})
        if isinstance(per, dict) and 'settle_polls' in per:
            return int(per['settle_polls'])
        return int(self.config['settle_polls'])

    def dump(self):
        with self.lock:
            return json.loads(json.dumps(self.data, default=_jsonable))

    def add_log(self, entry):
        with self.lock:
            self.seq += 1
            entry['seq'] = self.seq
            self.log.append(entry)
            limit = int(self.config.get('log_limit', 10000))
            if len(self.log) > limit:
                del self.log[:len(self.log) - limit]
            return entry

    def take_fault(self, service, operation):
        """The first armed fault matching service/operation (its count used), or None."""
        with self.lock:
            for f in self.faults:
                if f.get('service') not in (None, service):
                    continue
                if f.get('operation') not in (None, operation):
                    continue
                if f.get('after', 0) > 0:
                    f['after'] -= 1
                    continue
                if f.get('count', 1) == 0:
                    continue
                if f.get('count', 1) > 0:
                    f['count'] = f.get('count', 1) - 1
                f['fired'] = f.get('fired', 0) + 1
                return dict(f)
            return None


def _jsonable(v):
    if isinstance(v, datetime.datetime):
        return v.isoformat()
    if isinstance(v, (bytes, bytearray)):
        try:
            return v.decode('utf-8')
        except UnicodeDecodeError:
            return f'<{len(v)} bytes>'
    if isinstance(v, set):
        return sorted(v)
    return str(v)


class Ctx:
    """What a handler gets: the world, who called, where, and helpers."""

    def __init__(self, world, service, operation, region, key_id, key, request_id,
                 headers=None):
        self.world = world
        self.service = service
        self.operation = operation
        self.region = region or 'us-east-1'
        self.key_id = key_id
        self.key = key or {}
        self.account = self.key.get('account') or world.config['account']
        self.request_id = request_id
        self.headers = headers or {}
        self.now = datetime.datetime.now(UTC)

    @property
    def state(self):
        return self.world.state(self.service)

    def polls(self):
        return self.world.polls(self.service)

    def arn(self, service, resource, region=None):
        region = self.region if region is None else region
        return f'arn:aws:{service}:{region}:{self.account}:{resource}'


def new_id(prefix='', n=17):
    return prefix + uuid.uuid4().hex[:n]


def need(params, name, code='ValidationException'):
    v = params.get(name)
    if v is None:
        raise AwsError(code, f'1 validation error detected: Value null at \'{name}\' failed '
                       'to satisfy constraint: Member must not be null', 400)
    return v


__all__ = ['AwsError', 'Ctx', 'World', 'op', 'seeder', 'new_id', 'need', 'to_datetime',
           'HANDLERS', 'SEEDERS', 'UTC']
