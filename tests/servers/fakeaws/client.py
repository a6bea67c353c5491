"""Python client for the fake endpoint: start it, seed it, read its log, arm faults.

    import sys; sys.path.insert(0, 'tests/servers')
    from fakeaws.client import FakeAws

    with FakeAws.start(seed={'sns': {'topics': ['ops']}}) as aws:
        env = aws.env()            # AWS_* variables for a client under test
        aws.fault('ecs', 'DescribeServices', kind='throttle', count=2)
        ... run rbc with env ...
        assert aws.log(operation='Publish')[0]['verified']

Only the standard library; the server itself needs python3-botocore.
"""

import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER = os.path.join(os.path.dirname(HERE), 'fake_aws.py')
EXAMPLE_KEY = ('AKIDEXAMPLE', 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY')


class FakeAws:
    """A handle on a running fake endpoint (url), optionally owning its process."""

    def __init__(self, url, proc=None, tmpdir=None):
        self.url = url.rstrip('/')
        self.proc = proc
        self._tmpdir = tmpdir

    @classmethod
    def start(cls, seed=None, args=(), timeout=20.0, python='/usr/bin/python3'):
        """Start fake_aws.py on a free port; return when it answers."""
        tmp = tempfile.TemporaryDirectory(prefix='fakeaws.')
        port_file = os.path.join(tmp.name, 'port')
        cmd = [python, SERVER, '--port-file', port_file] + list(args)
        if seed is not None:
            seed_file = os.path.join(tmp.name, 'seed.json')
            with open(seed_file, 'w', encoding='utf-8') as f:
                json.dump(seed, f)
            cmd += ['--seed', seed_file]
        # pylint: disable-next=consider-using-with
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while not os.path.exists(port_file):
            if proc.poll() is not None:
                tmp.cleanup()
                raise RuntimeError(f'fake_aws.py exited with {proc.returncode}')
            if time.monotonic() > deadline:
                proc.kill()
                tmp.cleanup()
                raise RuntimeError('fake_aws.py did not start')
            time.sleep(0.02)
        with open(port_file, encoding='utf-8') as f:
            port = int(f.read())
        return cls(f'http://127.0.0.1:{port}', proc, tmp)

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self._tmpdir is not None:
            self._tmpdir.cleanup()
            self._tmpdir = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    # {==== control API ====

    def call(self, method, what, doc=None, **query):
        url = f'{self.url}/__fake/{what}'
        if query:
            url += '?' + urllib.parse.urlencode(query)
        data = json.dumps(doc).encode() if doc is not None else None
        req = urllib.request.Request(url, data=data, method=method,
                                     headers={'Content-Type': 'application/json'})
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.loads(r.read() or b'null')

    def seed(self, doc):
        return self.call('POST', 'seed', doc)

    def state(self, service=None):
        return self.call('GET', 'state', **({'service': service} if service else {}))

    def reset(self):
        return self.call('POST', 'reset', {})

    def log(self, since=0, **filters):
        return self.call('GET', 'log', since=since, **filters)

    def clear_log(self):
        return self.call('DELETE', 'log')

    def stats(self):
        return self.call('GET', 'stats')

    def fault(self, service=None, operation=None, kind='throttle', count=1, **extra):
        """Arm a fault: kind throttle|error500|unavailable|error|delay|expired|reset."""
        doc = dict(extra, kind=kind, count=count)
        if service:
            doc['service'] = service
        if operation:
            doc['operation'] = operation
        return self.call('POST', 'faults', doc)

    def clear_faults(self):
        return self.call('DELETE', 'faults')

    def config(self, **values):
        return self.call('POST', 'config', values)

    def metrics(self, metric, values, namespace=None, dimensions=None, unit=None):
        doc = {'metric': metric, 'values': values}
        if namespace:
            doc['namespace'] = namespace
        if dimensions:
            doc['dimensions'] = dimensions
        if unit:
            doc['unit'] = unit
        return self.call('POST', 'metrics', doc)

    def add_keys(self, keys):
        return self.call('POST', 'keys', keys)

    def expire(self, access_key_id):
        return self.call('POST', 'expire', {'AccessKeyId': access_key_id})

    # }====

    def env(self, key=EXAMPLE_KEY, region='us-east-1'):
        """Environment for an AWS client pointed at this endpoint."""
        return {'AWS_ENDPOINT_URL': self.url, 'AWS_ACCESS_KEY_ID': key[0],
                'AWS_SECRET_ACCESS_KEY': key[1], 'AWS_REGION': region,
                'AWS_DEFAULT_REGION': region, 'AWS_EC2_METADATA_DISABLED': 'true',
                'AWS_CONFIG_FILE': os.devnull, 'AWS_SHARED_CREDENTIALS_FILE': os.devnull,
                'AWS_PAGER': ''}


def _cli(argv):
    """client.py URL METHOD WHAT [JSON]: one control call, the reply on stdout."""
    if len(argv) not in (3, 4):
        print('usage: client.py URL METHOD WHAT [JSON]   e.g. client.py $FAKE_AWS_URL '
              'POST faults \'{"kind": "throttle", "service": "ecs"}\'', file=sys.stderr)
        return 2
    doc = json.loads(argv[3]) if len(argv) == 4 else None
    what, _, query = argv[2].partition('?')
    fake = FakeAws(argv[0])
    try:
        out = fake.call(argv[1].upper(), what, doc, **dict(urllib.parse.parse_qsl(query)))
    except urllib.error.HTTPError as e:
        print(e.read().decode(), file=sys.stderr)
        return 1
    print(json.dumps(out, indent=1, default=str))
    return 0


if __name__ == '__main__':
    sys.exit(_cli(sys.argv[1:]))
