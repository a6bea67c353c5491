#!/usr/bin/python3
"""httpd.py: the HTTP server the rbc tests talk to (standard library only).

Usage: httpd.py --port-file FILE [--log FILE] [--tls CERT KEY] [--lifetime SECONDS]

Listens on 127.0.0.1, on a free port that it writes to --port-file (and to
stdout) once it accepts connections.  HTTP/1.1 with keep-alive; one thread
per connection.  It stops by itself after --lifetime seconds (default 600).

Every request is appended to --log as one JSON line, before the reply:
  {"method", "path", "headers": {lower-case name: value}, "body", "peer": "ip:port"}
"peer" tells the connections apart (http.bench's keep-alive test counts them).

Paths:
  /health, / and anything unlisted   200 "ok"
  /status/CODE                       CODE, body "status CODE"
  /seq/C1,C2,.../NAME                the Nth request to this exact path gets
                                     the Nth code (the last one repeats)
  /delay/MS                          200 "slept MS" after MS milliseconds
  /reset                             closes the connection at once (RST), no reply
  /garbage                           a reply that is not HTTP
  /big/N                             200 with N bytes (Content-Length)
  /chunked/N                         200 with N bytes, chunked encoding
  /json                              200 application/json document (see JSON_DOC)
  /text-json                         the same document as text/plain
  /redirect/N                        302 to /redirect/N-1; /redirect/0 is 200 "landed"
  /loop                              302 to itself, forever
  /echo                              200 JSON of the request: method, path, headers, body
  /close                             200 "closing" with Connection: close, then closes
  /eof                               200 "until the end" with no length: the body ends
                                     when the connection closes
  /quiet-close                       200 "bye" (keep-alive by its headers), then closes
                                     the connection: the next request on it finds it closed
"""

import argparse
import json
import os
import socket
import ssl
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

JSON_DOC = {"status": "up", "version": "1.4.2", "count": 3,
            "items": [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}],
            "nested": {"a": {"b": "c"}}, "ok": True}

LOCK = threading.Lock()
SEQ = {}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "rbc-test-httpd"
    disable_nagle_algorithm = True

    def log_message(self, fmt, *args):  # quiet: the request log is the record
        pass

    def record(self, body):
        log = self.server.log_path
        if not log:
            return
        entry = {"method": self.command, "path": self.path,
                 "headers": {k.lower(): v for k, v in self.headers.items()},
                 "body": body.decode("utf-8", "replace")[:2000],
                 "peer": "%s:%d" % self.client_address[:2]}
        with LOCK, open(log, "a", encoding="utf-8") as f:
            f.write(json.dumps(entry) + "\n")

    def reply(self, code, body, ctype="text/plain", extra=None):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or []):
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def handle_any(self):
        body = self.read_body()
        self.record(body)
        parts = self.path.split("?")[0].strip("/").split("/")
        route = getattr(self, "r_" + parts[0].replace("-", "_"), None) if parts[0] else None
        if route is None:
            self.reply(200, b"ok")
        else:
            route(parts[1:], body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = handle_any

    def r_status(self, args, _body):
        code = int(args[0]) if args and args[0].isdigit() else 200
        self.reply(code, b"status %d" % code)

    def r_seq(self, args, _body):
        codes = [int(c) for c in args[0].split(",")] if args else [200]
        with LOCK:
            n = SEQ.get(self.path, 0)
            SEQ[self.path] = n + 1
        code = codes[min(n, len(codes) - 1)]
        self.reply(code, b"answer %d: %d" % (n + 1, code))

    def r_delay(self, args, _body):
        ms = int(args[0]) if args and args[0].isdigit() else 0
        time.sleep(ms / 1000.0)
        self.reply(200, b"slept %d" % ms)

    def r_reset(self, _args, _body):
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.connection.close()

    def r_garbage(self, _args, _body):
        self.wfile.write(b"THIS IS NOT HTTP\r\n\r\n")
        self.wfile.flush()
        self.close_connection = True

    def r_big(self, args, _body):
        n = int(args[0]) if args and args[0].isdigit() else 0
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(n))
        self.end_headers()
        block = b"x" * 65536
        while n > 0:
            self.wfile.write(block[:min(n, len(block))])
            n -= min(n, len(block))

    def r_chunked(self, args, _body):
        n = int(args[0]) if args and args[0].isdigit() else 0
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        block = b"y" * 65536
        while n > 0:
            k = min(n, len(block))
            self.wfile.write(b"%x\r\n" % k + block[:k] + b"\r\n")
            n -= k
        self.wfile.write(b"0\r\n\r\n")

    def r_close(self, _args, _body):
        self.reply(200, b"closing", extra=[("Connection", "close")])
        self.close_connection = True

    def r_quiet_close(self, _args, _body):
        self.reply(200, b"bye")
        self.close_connection = True

    def r_eof(self, _args, _body):
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(b"until the end")
        self.close_connection = True

    def r_json(self, _args, _body):
        self.reply(200, json.dumps(JSON_DOC).encode(), "application/json; charset=utf-8",
                   [("X-Request-Id", "abc-123")])

    def r_text_json(self, _args, _body):
        self.reply(200, json.dumps(JSON_DOC).encode(), "text/plain")

    def r_redirect(self, args, _body):
        n = int(args[0]) if args and args[0].isdigit() else 0
        if n <= 0:
            self.reply(200, b"landed")
        else:
            self.reply(302, b"moved", extra=[("Location", "/redirect/%d" % (n - 1))])

    def r_loop(self, _args, _body):
        self.reply(302, b"again", extra=[("Location", "/loop")])

    def r_echo(self, _args, body):
        doc = {"method": self.command, "path": self.path,
               "headers": {k.lower(): v for k, v in self.headers.items()},
               "body": body.decode("utf-8", "replace")}
        self.reply(200, json.dumps(doc).encode(), "application/json")


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def handle_error(self, request, client_address):  # resets and TLS refusals are expected
        pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", default="")
    ap.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    ap.add_argument("--lifetime", type=float, default=600.0)
    opts = ap.parse_args()

    srv = Server(("127.0.0.1", 0), Handler)
    srv.log_path = opts.log
    if opts.tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(opts.tls[0], opts.tls[1])
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True, do_handshake_on_connect=False)
    port = srv.server_address[1]
    tmp = opts.port_file + ".tmp"
    with open(tmp, "w", encoding="ascii") as f:
        f.write("%d\n" % port)
    os.rename(tmp, opts.port_file)
    print(port, flush=True)
    timer = threading.Timer(opts.lifetime, srv.shutdown)
    timer.daemon = True
    timer.start()
    try:
        srv.serve_forever(poll_interval=0.2)
    finally:
        srv.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
