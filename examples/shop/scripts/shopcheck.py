#!/usr/bin/env python3
"""Checks the shell scripts run against a deployed shop server on 127.0.0.1.

    shopcheck.py wait-healthy --port P [--version V] [--environment E] [--timeout S]
    shopcheck.py smoke        --port P [--version V] [--environment E]
    shopcheck.py load         --port P [--requests N] [--threads T] [--p95-ms MS]
    shopcheck.py pentest      --port P
    shopcheck.py a11y         --port P

Standard library only. Exit 0 when every check passes, 1 otherwise, 2 on usage.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import re
import socket
import sys
import threading
import time
from html.parser import HTMLParser

HOST = "127.0.0.1"


class CheckFailed(Exception):
    pass


class Report:
    def __init__(self, name: str) -> None:
        self.name = name
        self.failures: list[str] = []
        self.count = 0

    def check(self, ok: bool, what: str, detail: str = "") -> bool:
        self.count += 1
        if ok:
            print(f"  ok    {what}")
        else:
            self.failures.append(f"{what}: {detail}" if detail else what)
            print(f"  FAIL  {what}" + (f": {detail}" if detail else ""))
        return ok

    def finish(self) -> int:
        if self.failures:
            print(f"{self.name}: {len(self.failures)} of {self.count} checks failed", file=sys.stderr)
            for f in self.failures:
                print(f"{self.name}: failed: {f}", file=sys.stderr)
            return 1
        print(f"{self.name}: all {self.count} checks passed")
        return 0


def get(port: int, path: str, timeout: float = 5.0, method: str = "GET"):
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request(method, path)
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def get_json(port: int, path: str):
    status, headers, body = get(port, path)
    try:
        return status, json.loads(body)
    except ValueError:
        raise CheckFailed(f"GET {path}: {status}, body is not JSON: {body[:120]!r}")


# -- wait-healthy -----------------------------------------------------------

def wait_healthy(args) -> int:
    deadline = time.monotonic() + args.timeout
    problem = "no answer yet"
    while True:
        try:
            status, doc = get_json(args.port, "/health")
            if status != 200 or doc.get("status") != "ok":
                problem = f"/health answered {status} {doc}"
            elif args.version and doc.get("version") != args.version:
                problem = f"/health reports version {doc.get('version')!r}, expected {args.version!r}"
            elif args.environment and doc.get("environment") != args.environment:
                problem = (f"/health reports environment {doc.get('environment')!r}, "
                           f"expected {args.environment!r}")
            else:
                print(f"healthy: {doc['version']} ({doc['commit']}) in {doc['environment']} "
                      f"on {HOST}:{args.port}, database {doc['database']}")
                return 0
        except (OSError, http.client.HTTPException, CheckFailed) as err:
            problem = f"{type(err).__name__}: {err}"
        if time.monotonic() >= deadline:
            print(f"not healthy after {args.timeout:g} s on {HOST}:{args.port}: {problem}",
                  file=sys.stderr)
            return 1
        time.sleep(0.2)


# -- smoke ------------------------------------------------------------------

def smoke(args) -> int:
    r = Report("smoke")
    try:
        status, doc = get_json(args.port, "/health")
        r.check(status == 200 and doc.get("status") == "ok", "GET /health is 200 ok", f"{status} {doc}")
        r.check(doc.get("database") == "ok", "database reachable", str(doc.get("database")))
        if args.environment:
            r.check(doc.get("environment") == args.environment,
                    f"serves environment {args.environment}", str(doc.get("environment")))
        if args.version:
            r.check(doc.get("version") == args.version,
                    f"runs version {args.version}", f"runs {doc.get('version')}")
        else:
            print(f"  info  runs version {doc.get('version')} (no CDSH_VERSION to compare)")

        status, headers, body = get(args.port, "/")
        r.check(status == 200 and headers.get("content-type", "").startswith("text/html")
                and b"<form" in body, "GET / is the HTML price form", f"{status}")

        status, doc = get_json(args.port, "/price?item=apple&qty=12")
        r.check(status == 200 and doc.get("total_cents") == 513 and doc.get("total") == "5.13",
                "12 apples cost 5.13 (5 % volume discount)", f"{status} {doc}")
        r.check(bool(re.fullmatch(r"[0-9a-f]{64}", str(doc.get("signature", "")))),
                "quote is signed", str(doc.get("signature")))

        status, doc = get_json(args.port, "/price?item=tea&qty=4&code=SPRING10")
        r.check(status == 200 and doc.get("total_cents") == 1260 and doc.get("capped") is True,
                "4 tea with SPRING10 are capped at 30 % off", f"{status} {doc}")

        status, doc = get_json(args.port, "/price?item=unicorn&qty=1")
        r.check(status == 404 and "error" in doc, "an unknown item is 404", f"{status} {doc}")
    except (OSError, http.client.HTTPException, CheckFailed) as err:
        r.check(False, "server answers", f"{type(err).__name__}: {err}")
    return r.finish()


# -- load -------------------------------------------------------------------

LOAD_PATHS = (
    "/price?item=apple&qty=12",
    "/price?item=tea&qty=8",
    "/price?item=mug&qty=100&code=STAFF20",
    "/health",
    "/price?item=coffee&qty=3&code=WELCOME5",
    "/",
)


def load(args) -> int:
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    next_index = [0]

    def take() -> int | None:
        with lock:
            if next_index[0] >= args.requests:
                return None
            next_index[0] += 1
            return next_index[0] - 1

    def worker() -> None:
        conn = None
        while (i := take()) is not None:
            path = LOAD_PATHS[i % len(LOAD_PATHS)]
            start = time.perf_counter()
            try:
                if conn is None:
                    conn = http.client.HTTPConnection(HOST, args.port, timeout=10)
                conn.request("GET", path)
                resp = conn.getresponse()
                resp.read()
                elapsed = time.perf_counter() - start
                if resp.status != 200:
                    raise CheckFailed(f"{path} answered {resp.status}")
                if resp.will_close:
                    conn.close()
                    conn = None
                with lock:
                    latencies.append(elapsed)
            except (OSError, http.client.HTTPException, CheckFailed) as err:
                with lock:
                    errors.append(f"{path}: {type(err).__name__}: {err}")
                if conn is not None:
                    conn.close()
                conn = None
        if conn is not None:
            conn.close()

    print(f"load: {args.requests} requests, {args.threads} threads, against {HOST}:{args.port}")
    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(args.threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started

    ordered = sorted(latencies)

    def pct(p: float) -> float:  # nearest-rank percentile, in ms
        if not ordered:
            return float("nan")
        return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)] * 1000

    rate = len(latencies) / wall if wall > 0 else 0.0
    print(f"load: {len(latencies)} ok, {len(errors)} errors in {wall:.2f} s = {rate:.0f} req/s; "
          f"latency p50 {pct(50):.1f} ms, p95 {pct(95):.1f} ms, max {pct(100):.1f} ms "
          f"(bound p95 <= {args.p95_ms:g} ms)")
    failed = False
    if errors:
        failed = True
        for e in errors[:10]:
            print(f"load: error: {e}", file=sys.stderr)
        print(f"load: {len(errors)} requests failed", file=sys.stderr)
    if latencies and pct(95) > args.p95_ms:
        failed = True
        print(f"load: p95 latency {pct(95):.1f} ms is over the bound of {args.p95_ms:g} ms",
              file=sys.stderr)
    return 1 if failed else 0


# -- pentest ----------------------------------------------------------------

LEAKS = (b"Traceback", b'File "', b"/usr/lib/python", b"root:x:", b"import ", b"def ")


def raw(port: int, data: bytes, timeout: float = 5.0):
    """Sends raw bytes; returns (status, headers, body) of the answer."""
    with socket.create_connection((HOST, port), timeout=timeout) as s:
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may answer and close before reading it all
        chunks = []
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
        except ConnectionResetError:
            pass
    reply = b"".join(chunks)
    head, _, body = reply.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    m = re.match(rb"HTTP/1\.[01] (\d{3}) ", lines[0] + b" ")
    status = int(m.group(1)) if m else 0
    headers: dict[str, str] = {}
    for line in lines[1:]:
        k, _, v = line.decode("latin-1").partition(":")
        headers[k.strip().lower()] = v.strip()
    return status, headers, body


def request(method: str, target: str, extra: str = "", body: bytes = b"") -> bytes:
    return (f"{method} {target} HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n{extra}\r\n"
            .encode("latin-1") + body)


def pentest(args) -> int:
    r = Report("pentest")
    port = args.port

    def probe(title: str, data: bytes, expect, forbid_header: str | None = None):
        try:
            status, headers, body = raw(port, data)
        except OSError as err:
            r.check(False, title, f"{type(err).__name__}: {err}")
            return None
        expected = expect if isinstance(expect, tuple) else (expect,)
        ok = status in expected
        r.check(ok, f"{title} -> {status}", f"expected {'/'.join(map(str, expected))}")
        leaked = [l.decode() for l in LEAKS if l in body]
        r.check(not leaked, f"{title}: no traceback, source or system file in the body",
                f"body contains {leaked}: {body[:200]!r}")
        if forbid_header:
            r.check(forbid_header not in headers, f"{title}: no injected {forbid_header} header",
                    str(headers))
        return status, headers, body

    print("path traversal")
    for target in ("/static/../../../../etc/passwd",
                   "/static/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
                   "/static/..%2f..%2f..%2f..%2fetc%2fpasswd",
                   "/static/%2e%2e%2fapp.py",
                   "/static/....//....//etc/passwd",
                   "/static/logo.svg%00.py",
                   "/%2e%2e/%2e%2e/etc/passwd",
                   "//etc/passwd"):
        probe(f"GET {target}", request("GET", target), (400, 404))

    print("oversized input")
    probe("GET /price with a 8 KB query", request("GET", "/price?item=apple&qty=1&pad=" + "A" * 8000), 414)
    probe("GET with a 70 KB request line", request("GET", "/price?q=" + "A" * 70000), 414)
    probe("GET / with 150 headers", request("GET", "/", "".join(f"X-H{i}: {i}\r\n" for i in range(150))), 431)
    probe("GET / with a 70 KB header", request("GET", "/", "X-Big: " + "B" * 70000 + "\r\n"), (400, 431))
    probe("GET /price with 50 parameters", request("GET", "/price?" + "&".join(f"p{i}=1" for i in range(50))), 400)

    print("methods")
    probe("POST /price", request("POST", "/price", "Content-Type: application/json\r\nContent-Length: 13\r\n",
                                 b'{"qty": -100}'), 405)
    for method in ("PUT", "DELETE", "PATCH", "OPTIONS", "FOO"):
        probe(f"{method} /", request(method, "/"), 405)
    status_headers = probe("TRACE / with a cookie", request("TRACE", "/", "Cookie: secret=s3cr3t\r\n"), 405)
    if status_headers:
        r.check(b"s3cr3t" not in status_headers[2], "TRACE does not echo the request", "")
    probe("CONNECT 127.0.0.1:22", b"CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\n\r\n", 405)

    print("malformed requests and parameters")
    probe("a garbage request line", b"GARBAGE\r\n\r\n", 400)
    probe("a bad protocol version", b"GET / FOO/1.1\r\nHost: x\r\n\r\n", 400)
    for target in ("/price?item=apple&qty=-1", "/price?item=apple&qty=1e9", "/price?item=apple&qty=%00",
                   "/price?item=../../etc/passwd&qty=1", "/price?item=apple&qty=1&code=%ff%fe",
                   "/price?item=%3Cscript%3Ealert(1)%3C/script%3E&qty=1",
                   "/price?item=apple&qty=1&code=%3Cscript%3Ealert(1)%3C/script%3E"):
        result = probe(f"GET {target}", request("GET", target), 400)
        if result:
            r.check(b"<script" not in result[2].lower(), f"GET {target}: input not reflected as markup", "")
    probe("CRLF injection in a parameter",
          request("GET", "/price?item=apple%0d%0aSet-Cookie:%20evil=1&qty=1"), 400, forbid_header="set-cookie")

    print("response headers")
    try:
        status, headers, body = raw(port, request("GET", "/"))
        r.check(headers.get("x-content-type-options") == "nosniff", "X-Content-Type-Options: nosniff", str(headers))
        r.check("default-src 'none'" in headers.get("content-security-policy", ""), "a strict Content-Security-Policy",
                headers.get("content-security-policy", "missing"))
        r.check(headers.get("x-frame-options") == "DENY", "X-Frame-Options: DENY", str(headers))
        server = headers.get("server", "")
        r.check("python" not in server.lower() and not re.search(r"\d", server),
                "Server header names no software version", server)
        status, doc = get_json(port, "/health")
        r.check(status == 200 and doc.get("status") == "ok", "the server is still healthy after the probes",
                f"{status} {doc}")
    except (OSError, http.client.HTTPException, CheckFailed) as err:
        r.check(False, "server answers", f"{type(err).__name__}: {err}")
    return r.finish()


# -- accessibility ----------------------------------------------------------

class PageAudit(HTMLParser):
    SKIP_INPUTS = {"hidden", "submit", "button", "reset", "image"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.html_lang: str | None = None
        self.title = ""
        self.in_title = False
        self.images: list[dict] = []
        self.fields: list[tuple[dict, bool]] = []  # (attrs, inside a <label>)
        self.label_for: set[str] = set()
        self.label_depth = 0
        self.ids: list[str] = []
        self.headings: list[int] = []
        self.buttons: list[dict] = []
        self.button_text: list[str] = []
        self.in_button = False
        self.viewport = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if "id" in a:
            self.ids.append(a["id"])
        if tag == "html":
            self.html_lang = a.get("lang")
        elif tag == "title":
            self.in_title = True
        elif tag == "img":
            self.images.append(a)
        elif tag == "label":
            self.label_depth += 1
            if a.get("for"):
                self.label_for.add(a["for"])
        elif tag in ("input", "select", "textarea"):
            if tag == "input" and a.get("type", "text").lower() == "image":
                self.images.append(a)
            elif not (tag == "input" and a.get("type", "text").lower() in self.SKIP_INPUTS):
                self.fields.append((dict(a, tag=tag), self.label_depth > 0))
        elif tag == "button":
            self.in_button = True
            self.buttons.append(a)
            self.button_text.append("")
        elif re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        elif tag == "meta" and a.get("name") == "viewport":
            self.viewport = a.get("content", "")

    def handle_endtag(self, tag):
        if tag == "title":
            self.in_title = False
        elif tag == "label":
            self.label_depth = max(0, self.label_depth - 1)
        elif tag == "button":
            self.in_button = False

    def handle_data(self, data):
        if self.in_title:
            self.title += data
        if self.in_button and self.button_text:
            self.button_text[-1] += data


def a11y(args) -> int:
    r = Report("a11y")
    try:
        status, headers, body = get(args.port, "/")
    except (OSError, http.client.HTTPException) as err:
        r.check(False, "GET /", f"{type(err).__name__}: {err}")
        return r.finish()
    r.check(status == 200 and headers.get("content-type", "").startswith("text/html"),
            "GET / is an HTML page", f"{status} {headers.get('content-type')}")
    audit = PageAudit()
    audit.feed(body.decode("utf-8", "replace"))
    audit.close()

    r.check(bool(audit.html_lang and audit.html_lang.strip()), "<html> has a lang attribute",
            repr(audit.html_lang))
    r.check(bool(audit.title.strip()), "the page has a non-empty <title>", repr(audit.title))
    for img in audit.images:
        name = img.get("src", "?")
        decorative = img.get("role") in ("presentation", "none")
        r.check("alt" in img and (bool(img["alt"].strip()) or decorative),
                f"image {name} has alt text", "missing or empty alt")
    for field, wrapped in audit.fields:
        name = f"<{field['tag']}> {field.get('name') or field.get('id') or '?'}"
        labelled = (wrapped or (field.get("id") in audit.label_for)
                    or bool(field.get("aria-label", "").strip()) or bool(field.get("aria-labelledby")))
        r.check(labelled, f"{name} has a label", "no <label for>, wrapping label or aria-label")
    r.check(bool(audit.fields), "the page's form fields were found", "no fields")
    for button, text in zip(audit.buttons, audit.button_text):
        r.check(bool(text.strip() or button.get("aria-label", "").strip()),
                f"button '{text.strip()}' has an accessible name", "empty button")
    r.check(audit.headings.count(1) == 1, "exactly one <h1>", f"h1 count {audit.headings.count(1)}")
    skips = [(a, b) for a, b in zip(audit.headings, audit.headings[1:]) if b > a + 1]
    r.check(not skips, "heading levels do not skip", str(skips))
    dupes = sorted({i for i in audit.ids if audit.ids.count(i) > 1})
    r.check(not dupes, "ids are unique", str(dupes))
    if audit.viewport is not None:
        vp = dict(part.partition("=")[::2] for part in audit.viewport.replace(" ", "").lower().split(","))
        try:
            max_scale = float(vp.get("maximum-scale", "5"))
        except ValueError:
            max_scale = 5.0
        r.check(vp.get("user-scalable") not in ("no", "0") and max_scale >= 2,
                "zoom is not disabled", audit.viewport)
    return r.finish()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="shopcheck.py")
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name, func):
        p = sub.add_parser(name)
        p.add_argument("--port", type=int, required=True)
        p.set_defaults(func=func)
        return p

    p = add("wait-healthy", wait_healthy)
    p.add_argument("--version")
    p.add_argument("--environment")
    p.add_argument("--timeout", type=float, default=10.0)
    p = add("smoke", smoke)
    p.add_argument("--version")
    p.add_argument("--environment")
    p = add("load", load)
    p.add_argument("--requests", type=int, default=200)
    p.add_argument("--threads", type=int, default=4)
    p.add_argument("--p95-ms", type=float, default=250.0)
    add("pentest", pentest)
    add("a11y", a11y)
    args = parser.parse_args(argv)
    if not 0 < args.port < 65536:
        parser.error("--port must be 1..65535")
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
