"""Service table and botocore service models (Debian's python3-botocore).

The fake endpoint serves one set of services; each is named here by its
botocore name, with the SigV4 scope name that routes a signed request to it
(the model's signingName, else its endpointPrefix).  Models are loaded
lazily, once, from botocore's data directory.
"""

import threading

from botocore.loaders import Loader
from botocore.model import ServiceModel

# botocore service name -> SigV4 credential-scope service name
SCOPES = {
    'sns': 'sns',
    'elbv2': 'elasticloadbalancing',
    'ecs': 'ecs',
    'cloudwatch': 'monitoring',
    'rds': 'rds',
    'autoscaling': 'autoscaling',
    'ssm': 'ssm',
    'appconfig': 'appconfig',
    'appconfigdata': 'appconfig',
    's3': 's3',
    'sts': 'sts',
    'logs': 'logs',
}

# scope name -> botocore service names that sign with it (first wins)
BY_SCOPE = {}
for _svc, _scope in SCOPES.items():
    BY_SCOPE.setdefault(_scope, []).append(_svc)

_loader = Loader()
_models = {}
_lock = threading.Lock()


def model(service):
    """The botocore ServiceModel of `service` (cached)."""
    with _lock:
        m = _models.get(service)
        if m is None:
            data = _loader.load_service_model(service, 'service-2')
            m = ServiceModel(data, service_name=service)
            _models[service] = m
        return m


def protocol(service):
    return model(service).metadata['protocol']


def api_version(service):
    return model(service).metadata['apiVersion']


def query_service_for_version(version):
    """The query-protocol service whose apiVersion is `version`, or None."""
    for svc in ('sns', 'elbv2', 'cloudwatch', 'rds', 'autoscaling', 'sts'):
        if api_version(svc) == version:
            return svc
    return None


def json_service_for_target(prefix):
    """The json-protocol service whose targetPrefix is `prefix`, or None."""
    for svc in ('ecs', 'ssm', 'logs'):
        if model(svc).metadata.get('targetPrefix') == prefix:
            return svc
    return None


def error_status(service, code, default):
    """HTTP status the model gives error `code` of `service`, else default."""
    key = (service, code)
    if key in _status_cache:
        return _status_cache[key] or default
    shapes = model(service)._shape_resolver._shape_map  # pylint: disable=protected-access
    found = None
    for name, spec in shapes.items():
        if not spec.get('exception'):
            continue
        err = spec.get('error') or {}
        if err.get('code', name) == code or name == code:
            found = err.get('httpStatusCode')
            break
    _status_cache[key] = found
    return found or default


_status_cache = {}
