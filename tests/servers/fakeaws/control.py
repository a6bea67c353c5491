"""The control API under /__fake/ (not AWS, not signed): JSON in, JSON out.

  GET    /__fake/health                 {"ok": true, "port": N}
  GET    /__fake/state[?service=ecs]    the state (all services, or one)
  POST   /__fake/seed                   merge a seed document {"ecs": {...}, ...}
  POST   /__fake/reset                  forget state, faults, log, stats (config kept)
  GET    /__fake/log[?since=SEQ&service=&operation=]   request log entries
  DELETE /__fake/log                    clear the log
  GET    /__fake/stats                  {"requests", "verified", "rejected", "unrouted"}
  GET    /__fake/faults                 armed faults;  DELETE clears them
  POST   /__fake/faults                 arm one fault (or a list), see README.md
  GET    /__fake/config                 config;  POST merges {"settle_polls": 1, ...}
  POST   /__fake/metrics                script CloudWatch series (svc_cloudwatch)
  GET    /__fake/keys                   known access keys (no secrets)
  POST   /__fake/keys                   add keys: {"AKID": "SECRET"} or [{AccessKeyId,...}]
  POST   /__fake/expire                 {"AccessKeyId": "..."}: that key is now expired
"""

import json
from urllib.parse import parse_qsl

from .core import SEEDERS, Ctx

JSON = {'Content-Type': 'application/json'}


def _ok(doc, status=200):
    return status, dict(JSON), (json.dumps(doc, default=str, indent=1) + '\n').encode()


def _bad(msg, status=400):
    return _ok({'error': msg}, status)


def handle(server, method, path, raw_query, body):
    """(status, headers, body) of one control request."""
    world = server.world
    q = dict(parse_qsl(raw_query))
    what = path[len('/__fake/'):].strip('/') if path.startswith('/__fake/') else ''
    try:
        doc = json.loads(body) if body.strip() else None
    except ValueError:
        return _bad('body is not JSON')
    fn = ROUTES.get((method, what))
    if fn is None:
        return _bad(f'no control endpoint {method} /__fake/{what}', 404)
    try:
        return fn(server, world, q, doc)
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        return _bad(f'{type(e).__name__}: {e}')


def _health(server, world, q, doc):
    return _ok({'ok': True, 'port': server.server_address[1]})


def _state(server, world, q, doc):
    st = world.dump()
    if 'service' in q:
        st = st.get(q['service'], {})
    return _ok(st)


def _seed(server, world, q, doc):
    if not isinstance(doc, dict):
        return _bad('seed wants a JSON object {"service": {...}}')
    with world.lock:
        for svc, sdoc in doc.items():
            fn = SEEDERS.get(svc)
            if fn is None:
                return _bad(f'no seeder for service {svc!r} (have: {sorted(SEEDERS)})')
            region = (sdoc or {}).get('region', 'us-east-1') if isinstance(sdoc, dict) \
                else 'us-east-1'
            ctx = Ctx(world, svc, 'seed', region, None, None, 'seed')
            fn(ctx, ctx.state, sdoc or {})
    return _ok({'ok': True})


def _reset(server, world, q, doc):
    world.reset()
    return _ok({'ok': True})


def _log(server, world, q, doc):
    since = int(q.get('since', 0))
    with world.lock:
        out = [e for e in world.log if e['seq'] > since
               and q.get('service') in (None, e['service'])
               and q.get('operation') in (None, e['operation'])]
    return _ok(out)


def _log_clear(server, world, q, doc):
    with world.lock:
        world.log = []
    return _ok({'ok': True})


def _stats(server, world, q, doc):
    with world.lock:
        return _ok(dict(world.stats))


def _faults(server, world, q, doc):
    with world.lock:
        return _ok(list(world.faults))


FAULT_KINDS = ('throttle', 'error500', 'unavailable', 'error', 'delay', 'expired', 'reset')


def _faults_add(server, world, q, doc):
    items = doc if isinstance(doc, list) else [doc]
    for f in items:
        if not isinstance(f, dict) or f.get('kind', 'throttle') not in FAULT_KINDS:
            return _bad(f'a fault is {{"kind": one of {FAULT_KINDS}, "service", "operation", '
                        '"count", "after", "delay", "retry_after", "code", "status", '
                        '"message"}')
        f.setdefault('kind', 'throttle')
        f.setdefault('count', 1)
    with world.lock:
        world.faults.extend(items)
        return _ok(list(world.faults))


def _faults_clear(server, world, q, doc):
    with world.lock:
        world.faults = []
    return _ok({'ok': True})


def _config(server, world, q, doc):
    with world.lock:
        return _ok(world.config)


def _config_set(server, world, q, doc):
    if not isinstance(doc, dict):
        return _bad('config wants a JSON object')
    with world.lock:
        for k, v in doc.items():
            if isinstance(v, dict) and isinstance(world.config.get(k), dict):
                world.config[k].update(v)
            else:
                world.config[k] = v
        return _ok(world.config)


def _metrics(server, world, q, doc):
    from . import svc_cloudwatch  # pylint: disable=import-outside-toplevel
    items = doc if isinstance(doc, list) else [doc]
    with world.lock:
        for item in items:
            svc_cloudwatch.script(world, item)
        return _ok({'ok': True, 'scripts': len(world.scripts)})


def _keys(server, world, q, doc):
    return _ok(world.keys.public())


def _keys_add(server, world, q, doc):
    world.keys.add_doc(doc)
    return _ok(world.keys.public())


def _expire(server, world, q, doc):
    akid = doc['AccessKeyId']
    if world.keys.get(akid) is None:
        return _bad(f'unknown key {akid}', 404)
    world.keys.expire(akid)
    return _ok({'ok': True})


ROUTES = {
    ('GET', 'health'): _health,
    ('GET', 'state'): _state,
    ('POST', 'seed'): _seed,
    ('POST', 'reset'): _reset,
    ('GET', 'log'): _log,
    ('DELETE', 'log'): _log_clear,
    ('GET', 'stats'): _stats,
    ('GET', 'faults'): _faults,
    ('POST', 'faults'): _faults_add,
    ('DELETE', 'faults'): _faults_clear,
    ('GET', 'config'): _config,
    ('POST', 'config'): _config_set,
    ('POST', 'metrics'): _metrics,
    ('GET', 'keys'): _keys,
    ('POST', 'keys'): _keys_add,
    ('POST', 'expire'): _expire,
}
