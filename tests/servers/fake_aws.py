#!/usr/bin/python3
"""fake_aws.py: a local AWS-compatible endpoint for rbc's tests.

    /usr/bin/python3 tests/servers/fake_aws.py [--port 0] [--port-file FILE]
        [--credentials FILE] [--seed FILE] [--settle-polls N] [--max-skew S] [-v]

Listens on 127.0.0.1 (port 0: a free port, written to --port-file, else
printed as the first line of stdout).  Speaks json / query / rest-json /
rest-xml as AWS does for sns elbv2 ecs cloudwatch rds autoscaling ssm
appconfig s3 sts logs, verifies every request's SigV4 signature with
botocore, keeps state, and has a control API under /__fake/.
See tests/servers/README.md.
"""

import argparse
import json
import os
import signal
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
# botocore.compat imports the AWS CRT when it is installed (awscli pulls it in):
# a slow import the server never uses (it verifies with the pure-Python SigV4Auth).
sys.modules.setdefault('awscrt', None)

# pylint: disable=wrong-import-position
from fakeaws import auth, services  # noqa: E402
from fakeaws.core import SEEDERS, Ctx, World  # noqa: E402
from fakeaws.server import Server  # noqa: E402


def _watch_parent(pid, srv):
    while True:
        time.sleep(0.5)
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            srv.shutdown()
            return
        except PermissionError:
            pass


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--port', type=int, default=0)
    ap.add_argument('--host', default='127.0.0.1')
    ap.add_argument('--port-file')
    ap.add_argument('--credentials', help='JSON {akid: secret} or an AWS credentials file; '
                    'default: $FAKE_AWS_CREDENTIALS (AKID:SECRET,...) or AKIDEXAMPLE')
    ap.add_argument('--seed', help='JSON seed document loaded at start')
    ap.add_argument('--settle-polls', type=int, help='polls before things settle (3)')
    ap.add_argument('--max-skew', type=int, help='seconds of X-Amz-Date skew accepted (900)')
    ap.add_argument('--parent-pid', type=int,
                    help='exit when this process is gone (shell tests pass $$)')
    ap.add_argument('-v', '--verbose', action='store_true')
    a = ap.parse_args(argv)
    services.load_all()
    keys = auth.KeyStore()
    if a.credentials:
        keys.load(a.credentials)
    elif auth.env_keys():
        keys.load_env(auth.env_keys())
    if not keys.keys:
        keys.add(*auth.EXAMPLE_KEY)
    world = World(keys)
    if a.settle_polls is not None:
        world.config['settle_polls'] = a.settle_polls
    if a.max_skew is not None:
        world.config['max_skew'] = a.max_skew
    if a.seed:
        with open(a.seed, encoding='utf-8') as f:
            doc = json.load(f)
        for svc, sdoc in doc.items():
            ctx = Ctx(world, svc, 'seed', sdoc.get('region', 'us-east-1'), None, None, 'seed')
            SEEDERS[svc](ctx, ctx.state, sdoc)
    srv = Server((a.host, a.port), world, verbose=a.verbose)
    port = srv.server_address[1]
    if a.port_file:
        tmp = a.port_file + '.tmp'
        with open(tmp, 'w', encoding='utf-8') as f:
            f.write(f'{port}\n')
        os.replace(tmp, a.port_file)
    else:
        print(port, flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    if a.parent_pid:
        threading.Thread(target=_watch_parent, args=(a.parent_pid, srv), daemon=True).start()
    try:
        srv.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        srv.server_close()
    return 0


if __name__ == '__main__':
    sys.exit(main())
