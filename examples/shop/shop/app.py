"""The shop HTTP service (Python 3 standard library only).

    GET /            a small HTML page with a price form
    GET /health      {"status", "version", "commit", "environment", "database"}
    GET /price       ?item=NAME&qty=N[&code=PROMO] -> a signed price quote
    GET /static/...  the page's stylesheet and logo

It only ever listens on 127.0.0.1. Run it from a release folder (one that
holds the VERSION file baked by scripts/build.sh) with

    python3 -m shop.app --config FILE --environment NAME --env-dir DIR \
        [--port 0] [--ready-file FILE] [--detach]

With --port 0 the kernel picks a free port; the ready file then receives
{"pid": ..., "port": ...} once the socket listens.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import html
import json
import os
import re
import signal
import sqlite3
import sys
import time
import traceback
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from . import catalog as catalog_mod
from . import config as config_mod
from .pricing import MAX_QTY, PricingError, parse_qty, quote

HOST = "127.0.0.1"  # never anything else
MAX_TARGET = 2048  # longest request target we accept (bytes)
PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
STATIC_DIR = os.path.join(PACKAGE_DIR, "static")
STATIC_TYPES = {".css": "text/css; charset=utf-8", ".svg": "image/svg+xml"}
ITEM_NAME = re.compile(r"[a-z][a-z0-9-]{0,31}\Z")
LEVELS = {"debug": 10, "info": 20, "warning": 30, "error": 40}


def read_build_info(release_dir: str | None = None) -> dict[str, str]:
    """Version and commit from the VERSION file baked at build time.

    Without a VERSION file (running from a source tree) they come from
    $SHOP_VERSION / $SHOP_COMMIT, else "dev" / "unknown".
    """
    release_dir = release_dir or os.path.dirname(PACKAGE_DIR)
    info = {
        "version": os.environ.get("SHOP_VERSION", "dev"),
        "commit": os.environ.get("SHOP_COMMIT", "unknown"),
    }
    try:
        with open(os.path.join(release_dir, "VERSION"), encoding="utf-8") as f:
            values = config_mod.parse(f.read(), "VERSION")
    except FileNotFoundError:
        return info
    info["version"] = values.get("VERSION", info["version"])
    info["commit"] = values.get("COMMIT", info["commit"])
    return info


def json_bytes(obj: object) -> bytes:
    text = json.dumps(obj, sort_keys=True, separators=(",", ":"))
    # Never let a JSON body be read as markup.
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return text.encode("ascii") + b"\n"


class Shop:
    """Everything a request handler needs; one per server."""

    def __init__(self, cfg: config_mod.Config, environment: str, env_dir: str,
                 build: dict[str, str] | None = None) -> None:
        self.config = cfg
        self.environment = environment
        self.build = build or read_build_info()
        self.level = LEVELS[cfg.log_level]
        self.catalog = catalog_mod.Catalog(catalog_mod.database_path(cfg.database_url, env_dir))
        self.started = time.time()

    def log(self, level: str, message: str, always: bool = False) -> None:
        if always or LEVELS[level] >= self.level:
            stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())
            sys.stderr.write(f"{stamp}Z {level.upper()} {message}\n")
            sys.stderr.flush()

    def sign(self, payload: dict) -> str:
        body = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
        return hmac.new(self.config.quote_signing_key.encode(), body, hashlib.sha256).hexdigest()

    def page(self) -> bytes:
        options = "\n".join(
            f'          <option value="{html.escape(n)}">{html.escape(n)}</option>'
            for n in self.catalog.names()
        )
        greeting = html.escape(self.config.greeting)
        version = html.escape(self.build["version"])
        environment = html.escape(self.environment)
        return f"""<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Shop price check</title>
    <link rel="stylesheet" href="/static/style.css">
  </head>
  <body>
    <header>
      <img src="/static/logo.svg" alt="Shop logo: a shopping basket" width="48" height="48">
      <h1>{greeting}</h1>
    </header>
    <main>
      <form action="/price" method="get">
        <label for="item">Item</label>
        <select id="item" name="item" required>
{options}
        </select>
        <label for="qty">Quantity (1 to {MAX_QTY})</label>
        <input id="qty" name="qty" type="number" min="1" max="{MAX_QTY}" value="1" required>
        <label for="code">Promo code (optional)</label>
        <input id="code" name="code" type="text" autocomplete="off" maxlength="32">
        <button type="submit">Get price</button>
      </form>
    </main>
    <footer>
      <p>Version {version} in {environment}.</p>
    </footer>
  </body>
</html>
""".encode("utf-8")


class Handler(BaseHTTPRequestHandler):
    server_version = "shop"
    sys_version = ""
    protocol_version = "HTTP/1.1"
    # Malformed requests get a proper status line, not an HTTP/0.9 body.
    default_request_version = "HTTP/1.0"
    timeout = 15  # seconds a client may stay idle or dribble a request
    # Headers and body leave in one segment (buffered, flushed per response),
    # and no Nagle delay on keep-alive connections.
    wbufsize = -1
    disable_nagle_algorithm = True

    @property
    def shop(self) -> Shop:
        return self.server.shop  # type: ignore[attr-defined]

    # -- methods --------------------------------------------------------
    def do_GET(self) -> None:
        self._dispatch(head=False)

    def do_HEAD(self) -> None:
        self._dispatch(head=True)

    def __getattr__(self, name: str):
        # Any other method (POST, DELETE, TRACE, FOO...) is 405, not 501.
        if name.startswith("do_"):
            return self._method_not_allowed
        raise AttributeError(name)

    def _method_not_allowed(self) -> None:
        self.send_error(HTTPStatus.METHOD_NOT_ALLOWED, "method not allowed")

    # -- responses ------------------------------------------------------
    def version_string(self) -> str:
        return "shop"  # no Python version in the Server header

    def _headers(self, content_type: str, length: int) -> None:
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(length))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("X-Frame-Options", "DENY")
        self.send_header("Referrer-Policy", "no-referrer")
        if content_type.startswith("text/html"):
            self.send_header(
                "Content-Security-Policy",
                "default-src 'none'; img-src 'self'; style-src 'self'; "
                "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
            )
            self.send_header("Cache-Control", "no-cache")
        elif content_type.startswith("application/json"):
            self.send_header("Cache-Control", "no-store")
        else:
            self.send_header("Cache-Control", "public, max-age=300")

    def _send(self, status: int, content_type: str, body: bytes, head: bool) -> None:
        self.send_response(status)
        self._headers(content_type, len(body))
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _json(self, status: int, obj: object, head: bool = False) -> None:
        self._send(status, "application/json", json_bytes(obj), head)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Every error is a small JSON document; never a traceback."""
        try:
            short = HTTPStatus(code).phrase
        except ValueError:
            short = "Error"
        message = message or short
        self.log_error("%d %s", code, message)
        body = json_bytes({"error": message, "status": int(code)})
        self.send_response(code, short)
        self._headers("application/json", len(body))
        self.send_header("Connection", "close")
        if code == HTTPStatus.METHOD_NOT_ALLOWED:
            self.send_header("Allow", "GET, HEAD")
        self.end_headers()
        if getattr(self, "command", None) != "HEAD" and code >= 200 and code not in (204, 304):
            self.wfile.write(body)
        self.wfile.flush()
        self.close_connection = True

    # -- logging --------------------------------------------------------
    def log_message(self, format: str, *args) -> None:  # noqa: A002
        self.shop.log("info", f"{self.address_string()} {format % args}")

    def log_error(self, format: str, *args) -> None:  # noqa: A002
        self.shop.log("warning", f"{self.address_string()} {format % args}")

    # -- routing --------------------------------------------------------
    def _dispatch(self, head: bool) -> None:
        try:
            if len(self.path) > MAX_TARGET:
                self.send_error(HTTPStatus.REQUEST_URI_TOO_LONG, "request target too long")
                return
            target = urlsplit(self.path)
            route = {
                "/": self._index,
                "/health": self._health,
                "/price": self._price,
            }.get(target.path)
            if route is not None:
                route(target.query, head)
            elif target.path.startswith("/static/"):
                self._static(target.path[len("/static/"):], head)
            else:
                self.send_error(HTTPStatus.NOT_FOUND, "not found")
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception:  # log it, never show it
            self.shop.log("error", "unhandled error\n" + traceback.format_exc().rstrip())
            self.send_error(HTTPStatus.INTERNAL_SERVER_ERROR, "internal error")

    def _index(self, query: str, head: bool) -> None:
        self._send(HTTPStatus.OK, "text/html; charset=utf-8", self.shop.page(), head)

    def _health(self, query: str, head: bool) -> None:
        shop = self.shop
        database = "ok" if shop.catalog.ping() else "unavailable"
        self._json(
            HTTPStatus.OK if database == "ok" else HTTPStatus.SERVICE_UNAVAILABLE,
            {
                "status": "ok" if database == "ok" else "degraded",
                "version": shop.build["version"],
                "commit": shop.build["commit"],
                "environment": shop.environment,
                "database": database,
                "uptime_seconds": round(time.time() - shop.started, 1),
            },
            head,
        )

    def _price(self, query: str, head: bool) -> None:
        try:
            params = parse_qs(query, keep_blank_values=True, strict_parsing=False,
                              errors="strict", max_num_fields=10)
        except (ValueError, UnicodeDecodeError):
            self.send_error(HTTPStatus.BAD_REQUEST, "malformed query string")
            return
        repeated = sorted(k for k, v in params.items() if len(v) > 1)
        if repeated:
            self.send_error(HTTPStatus.BAD_REQUEST, "repeated parameter")
            return
        item_name = params.get("item", [""])[0].strip().lower()
        if not ITEM_NAME.match(item_name):
            self.send_error(HTTPStatus.BAD_REQUEST,
                            "item must be a name of lower-case letters, digits and dashes")
            return
        try:
            qty = parse_qty(params.get("qty", [None])[0])
            code = params.get("code", [""])[0]
            if len(code) > 32:
                raise PricingError("unknown promo code")
            item = self.shop.catalog.get(item_name)
            if item is None:
                self.send_error(HTTPStatus.NOT_FOUND, "unknown item")
                return
            result = quote(item, qty, code or None).as_dict()
        except PricingError as err:
            self.send_error(HTTPStatus.BAD_REQUEST, str(err))
            return
        result["signature"] = self.shop.sign(result)
        self._json(HTTPStatus.OK, result, head)

    def _static(self, name: str, head: bool) -> None:
        # Only plain file names from STATIC_DIR: no folders, no dots games.
        if (not re.fullmatch(r"[a-z0-9-]+\.[a-z]+", name)
                or os.path.splitext(name)[1] not in STATIC_TYPES):
            self.send_error(HTTPStatus.NOT_FOUND, "not found")
            return
        path = os.path.join(STATIC_DIR, name)
        if os.path.dirname(os.path.realpath(path)) != os.path.realpath(STATIC_DIR):
            self.send_error(HTTPStatus.NOT_FOUND, "not found")
            return
        try:
            with open(path, "rb") as f:
                body = f.read()
        except FileNotFoundError:
            self.send_error(HTTPStatus.NOT_FOUND, "not found")
            return
        self._send(HTTPStatus.OK, STATIC_TYPES[os.path.splitext(name)[1]], body, head)


class ShopServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, shop: Shop, port: int = 0) -> None:
        self.shop = shop
        super().__init__((HOST, port), Handler)

    def handle_error(self, request, client_address) -> None:
        self.shop.log("error", "connection error\n" + traceback.format_exc().rstrip())


def _write_atomically(path: str, text: str) -> None:
    tmp = f"{path}.tmp.{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def _detach() -> None:
    """Leave the caller's session and drop inherited descriptors, so the
    server outlives the deploy job and holds none of its pipes open."""
    try:
        os.setsid()
    except OSError:
        pass  # already a session leader (started with setsid)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    os.closerange(3, 1024)


def _stop(signum, frame) -> None:
    raise SystemExit(0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m shop.app", description=__doc__.split("\n")[0])
    parser.add_argument("--config", default=os.environ.get("SHOP_CONFIG"), required="SHOP_CONFIG" not in os.environ,
                        help="KEY=VALUE configuration file")
    parser.add_argument("--environment", default=os.environ.get("SHOP_ENVIRONMENT", "dev"))
    parser.add_argument("--env-dir", default=os.getcwd(),
                        help="the environment folder (a relative DATABASE_URL lives here)")
    parser.add_argument("--port", type=int, default=int(os.environ.get("SHOP_PORT", "0")),
                        help="port on 127.0.0.1; 0 lets the kernel pick a free one")
    parser.add_argument("--ready-file", help="written with {pid, port} once listening")
    parser.add_argument("--detach", action="store_true", help="start a new session, ignore SIGHUP")
    args = parser.parse_args(argv)
    if args.detach:
        _detach()

    try:
        cfg = config_mod.load(args.config)
    except (OSError, config_mod.ConfigError) as err:
        print(f"shop: cannot load config: {err}", file=sys.stderr)
        return 1
    try:
        shop = Shop(cfg, args.environment, os.path.abspath(args.env_dir))
    except (OSError, sqlite3.Error, ValueError) as err:
        print(f"shop: cannot open the database {cfg.database_url}: {err}", file=sys.stderr)
        return 1
    try:
        server = ShopServer(shop, args.port)
    except OSError as err:
        print(f"shop: cannot listen on {HOST}:{args.port}: {err}", file=sys.stderr)
        return 1
    port = server.server_address[1]
    signal.signal(signal.SIGTERM, _stop)
    if args.ready_file:
        _write_atomically(args.ready_file, json.dumps({"pid": os.getpid(), "port": port}) + "\n")
    shop.log("info", f"shop {shop.build['version']} ({shop.build['commit']}) environment {shop.environment} "
             f"listening on http://{HOST}:{port} pid {os.getpid()}", always=True)
    try:
        server.serve_forever(poll_interval=0.5)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        shop.catalog.close()
        shop.log("info", "stopped", always=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
