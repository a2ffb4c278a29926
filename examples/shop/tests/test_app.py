"""The HTTP service end to end, in-process, on a free port of 127.0.0.1."""

import http.client
import json
import os
import tempfile
import threading
import unittest

from shop import config
from shop.app import Shop, ShopServer

CONFIG = """
# test configuration
GREETING=Hello <tests>
LOG_LEVEL=error
DATABASE_URL=sqlite:data/shop.sqlite3
QUOTE_SIGNING_KEY=test-key-0123456789abcdef
"""


class Service(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cfg = config.Config.from_mapping(config.parse(CONFIG))
        cls.shop = Shop(cfg, "test", cls.tmp.name, {"version": "v0", "commit": "c0ffee"})
        cls.server = ShopServer(cls.shop, 0)
        cls.port = cls.server.server_address[1]
        cls.thread = threading.Thread(target=cls.server.serve_forever, daemon=True)
        cls.thread.start()

    @classmethod
    def tearDownClass(cls):
        cls.server.shutdown()
        cls.server.server_close()
        cls.shop.catalog.close()
        cls.tmp.cleanup()

    def request(self, method, path, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        try:
            conn.request(method, path, headers=headers or {})
            resp = conn.getresponse()
            return resp, resp.read()
        finally:
            conn.close()

    def test_listens_on_loopback_only(self):
        self.assertEqual(self.server.server_address[0], "127.0.0.1")

    def test_health(self):
        resp, body = self.request("GET", "/health")
        self.assertEqual(resp.status, 200)
        doc = json.loads(body)
        self.assertEqual((doc["status"], doc["version"], doc["environment"], doc["database"]),
                         ("ok", "v0", "test", "ok"))
        self.assertTrue(os.path.exists(os.path.join(self.tmp.name, "data", "shop.sqlite3")))

    def test_price(self):
        resp, body = self.request("GET", "/price?item=apple&qty=12")
        self.assertEqual(resp.status, 200)
        doc = json.loads(body)
        self.assertEqual((doc["total_cents"], doc["total"], doc["currency"]), (513, "5.13", "EUR"))
        signature = doc.pop("signature")
        self.assertEqual(signature, self.shop.sign(doc))

    def test_price_errors_are_4xx_json(self):
        for path, status in [
            ("/price?item=apple&qty=0", 400),
            ("/price?item=apple&qty=abc", 400),
            ("/price?item=apple", 400),
            ("/price?qty=1", 400),
            ("/price?item=unicorn&qty=1", 404),
            ("/price?item=apple&qty=1&code=NOPE", 400),
            ("/price?item=apple&item=tea&qty=1", 400),
            ("/price?item=%3Cscript%3E&qty=1", 400),
            ("/price?item=apple&qty=1&code=%ff", 400),
        ]:
            with self.subTest(path=path):
                resp, body = self.request("GET", path)
                self.assertEqual(resp.status, status)
                self.assertEqual(resp.getheader("Content-Type"), "application/json")
                self.assertIn("error", json.loads(body))
                self.assertNotIn(b"<script", body)

    def test_page(self):
        resp, body = self.request("GET", "/")
        self.assertEqual(resp.status, 200)
        self.assertIn(b'<html lang="en">', body)
        self.assertIn(b"Hello &lt;tests&gt;", body)
        self.assertIn("default-src 'none'", resp.getheader("Content-Security-Policy"))

    def test_static_and_traversal(self):
        resp, _ = self.request("GET", "/static/logo.svg")
        self.assertEqual((resp.status, resp.getheader("Content-Type")), (200, "image/svg+xml"))
        for path in ("/static/../app.py", "/static/%2e%2e/app.py", "/static/..%2fapp.py",
                     "/static/", "/static/app.py", "/../../etc/passwd"):
            with self.subTest(path=path):
                resp, body = self.request("GET", path)
                self.assertEqual(resp.status, 404)
                self.assertNotIn(b"import", body)

    def test_other_methods_are_405(self):
        for method in ("POST", "PUT", "DELETE", "TRACE", "PATCH", "FOO"):
            with self.subTest(method=method):
                resp, _ = self.request(method, "/price")
                self.assertEqual(resp.status, 405)
                self.assertEqual(resp.getheader("Allow"), "GET, HEAD")

    def test_head(self):
        resp, body = self.request("HEAD", "/health")
        self.assertEqual((resp.status, body), (200, b""))

    def test_long_target_is_414(self):
        resp, _ = self.request("GET", "/price?item=" + "a" * 5000)
        self.assertEqual(resp.status, 414)

    def test_server_header_hides_python(self):
        resp, _ = self.request("GET", "/health")
        self.assertEqual(resp.getheader("Server"), "shop")


class Config(unittest.TestCase):
    def test_parse(self):
        values = config.parse("A=1\n# c\n\nB = two words \n")
        self.assertEqual(values, {"A": "1", "B": "two words"})

    def test_parse_errors(self):
        for text in ("lower=1", "NOEQUALS", "A=1\nA=2"):
            with self.subTest(text=text), self.assertRaises(config.ConfigError):
                config.parse(text)

    def test_required_keys(self):
        with self.assertRaises(config.ConfigError):
            config.Config.from_mapping({"GREETING": "hi"})


if __name__ == "__main__":
    unittest.main()
