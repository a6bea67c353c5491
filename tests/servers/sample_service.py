#!/usr/bin/env python3
"""sample_service.py: the sample "payments-api" service of the rollback demo.

A small HTTP/1.1 server on 127.0.0.1 (standard library only) that stands in
for the load balancer in front of the component the rollback runbook
(runbooks/payments-api-rollback.rb) repairs.  Its health fails, then
recovers: the first N requests to a health path answer 503, the following
ones 200.

  GET /health, /api/v1/health   503 {"status": "degraded"} for the first
                                --fail-health requests, then 200 {"status": "ok"}
  GET /api/v1/status            200 {"version": ..., "healthy": bool}
  GET /api/v1/users             200 a small JSON list
  GET /__ctl/stats              {"requests": N, "health": N, "failing": N}
  POST /__ctl/fail?n=N          the next N health requests answer 503
  anything else                 404

Options: --port N (default 0: a free one), --port-file FILE (written
atomically once listening; else the port is stdout's first line),
--fail-health N (default 3), --version TEXT, --parent-pid PID (exit when
that process is gone), -v (log each request to stderr).
"""

import argparse
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class State:
    def __init__(self, failing, version):
        self.lock = threading.Lock()
        self.failing = failing
        self.version = version
        self.requests = 0
        self.health = 0


class Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    server_version = 'sample-service/1.0'
    state = None
    verbose = False

    def log_message(self, fmt, *args):
        if self.verbose:
            sys.stderr.write('sample-service: ' + (fmt % args) + '\n')

    def _reply(self, status, doc):
        body = (json.dumps(doc) + '\n').encode()
        self.send_response(status)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        if self.command != 'HEAD':
            self.wfile.write(body)

    def _health(self):
        st = self.state
        with st.lock:
            st.health += 1
            if st.failing > 0:
                st.failing -= 1
                return False
            return True

    def do_GET(self):
        st = self.state
        path = urlsplit(self.path).path
        with st.lock:
            st.requests += 1
        if path in ('/health', '/api/v1/health'):
            if self._health():
                self._reply(200, {'status': 'ok'})
            else:
                self._reply(503, {'status': 'degraded'})
        elif path == '/api/v1/status':
            with st.lock:
                healthy = st.failing == 0
            self._reply(200, {'version': st.version, 'healthy': healthy})
        elif path == '/api/v1/users':
            self._reply(200, [{'id': 1, 'name': 'ada'}, {'id': 2, 'name': 'grace'}])
        elif path == '/__ctl/stats':
            with st.lock:
                doc = {'requests': st.requests, 'health': st.health, 'failing': st.failing}
            self._reply(200, doc)
        else:
            self._reply(404, {'error': 'not found'})

    do_HEAD = do_GET

    def do_POST(self):
        n = int(self.headers.get('Content-Length') or 0)
        if n:
            self.rfile.read(n)
        u = urlsplit(self.path)
        if u.path != '/__ctl/fail':
            self._reply(404, {'error': 'not found'})
            return
        try:
            count = int(parse_qs(u.query).get('n', ['1'])[0])
        except ValueError:
            self._reply(400, {'error': 'n must be an integer'})
            return
        with self.state.lock:
            self.state.failing = max(0, count)
        self._reply(200, {'failing': max(0, count)})


def watch_parent(pid, server):
    while True:
        time.sleep(0.5)
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            server.shutdown()
            return
        except PermissionError:
            pass


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--port', type=int, default=0)
    ap.add_argument('--port-file')
    ap.add_argument('--fail-health', type=int, default=3)
    ap.add_argument('--version', default='41')
    ap.add_argument('--parent-pid', type=int)
    ap.add_argument('-v', action='store_true')
    a = ap.parse_args()
    Handler.state = State(max(0, a.fail_health), a.version)
    Handler.verbose = a.v
    ThreadingHTTPServer.daemon_threads = True
    server = ThreadingHTTPServer(('127.0.0.1', a.port), Handler)
    port = server.server_address[1]
    if a.port_file:
        tmp = a.port_file + '.tmp'
        with open(tmp, 'w') as f:
            f.write(f'{port}\n')
        os.replace(tmp, a.port_file)
    else:
        print(port, flush=True)
    if a.parent_pid:
        threading.Thread(target=watch_parent, args=(a.parent_pid, server), daemon=True).start()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    server.server_close()


if __name__ == '__main__':
    main()
