#!/usr/bin/env python3
"""A real HTTP server on 127.0.0.1 that records every webhook delivery it receives, for cdsh's tests.

Each request becomes one JSON line in LOG: the path, cdsh's headers, the body, whether the signature is the
HMAC-SHA256 of the body under SECRET, and the status answered. The first FAIL requests are answered 500.
The chosen port is written to PORT_FILE once the server listens.
"""
import argparse, hashlib, hmac, http.server, json, threading

parser = argparse.ArgumentParser()
parser.add_argument("--port-file", required=True)
parser.add_argument("--log", required=True)
parser.add_argument("--secret", default="")
parser.add_argument("--fail", type=int, default=0)
options = parser.parse_args()
lock = threading.Lock()
seen = {"count": 0}


class Recorder(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        expected = "sha256=" + hmac.new(options.secret.encode(), body, hashlib.sha256).hexdigest()
        with lock:
            seen["count"] += 1
            status = 500 if seen["count"] <= options.fail else 200
            try:
                parsed = json.loads(body)
            except ValueError:
                parsed = None
            entry = {
                "path": self.path, "status": status, "body": parsed,
                "event": self.headers.get("X-Cdsh-Event"), "delivery": self.headers.get("X-Cdsh-Delivery"),
                "signature": self.headers.get("X-Cdsh-Signature-256"),
                "signature_ok": hmac.compare_digest(self.headers.get("X-Cdsh-Signature-256") or "", expected),
            }
            with open(options.log, "a") as log:
                log.write(json.dumps(entry) + "\n")
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(b"ok" if status == 200 else b"try again later")

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
with open(options.port_file + ".tmp", "w") as handle:
    handle.write(str(server.server_address[1]))
import os
os.rename(options.port_file + ".tmp", options.port_file)
server.serve_forever()
