"""The product catalog, kept in SQLite (the service's database).

DATABASE_URL is ``sqlite:PATH``; a relative PATH is relative to the
environment folder, so the data outlives releases, as a real database would.
On open the schema is created if needed and seed items missing from the
table are added; prices already in the table are data and are kept.
"""

from __future__ import annotations

import os
import sqlite3
import threading

from .pricing import Item

SEED = (
    Item("apple", 45),
    Item("banana", 30),
    Item("coffee", 899),
    Item("mug", 1250),
    Item("notebook", 375),
    Item("tea", 450, multibuy=(4, 3)),
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS items (
    name          TEXT PRIMARY KEY,
    unit_cents    INTEGER NOT NULL CHECK (unit_cents >= 0),
    multibuy_buy  INTEGER,
    multibuy_pay  INTEGER
)
"""


def database_path(url: str, base_dir: str) -> str:
    if not url.startswith("sqlite:"):
        raise ValueError("DATABASE_URL must start with sqlite:")
    path = url[len("sqlite:"):]
    if path.startswith("///"):
        path = path[2:]  # sqlite:///abs/path -> /abs/path
    if path in ("", ":memory:"):
        return ":memory:"
    return path if os.path.isabs(path) else os.path.join(base_dir, path)


class Catalog:
    def __init__(self, path: str) -> None:
        if path != ":memory:":
            os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, timeout=5)
        with self._lock, self._db:
            self._db.execute(SCHEMA)
            self._db.executemany(
                "INSERT OR IGNORE INTO items VALUES (?, ?, ?, ?)",
                [
                    (i.name, i.unit_cents, *(i.multibuy or (None, None)))
                    for i in SEED
                ],
            )

    def get(self, name: str) -> Item | None:
        with self._lock:
            row = self._db.execute(
                "SELECT name, unit_cents, multibuy_buy, multibuy_pay FROM items WHERE name = ?",
                (name,),
            ).fetchone()
        if row is None:
            return None
        multibuy = (row[2], row[3]) if row[2] is not None else None
        return Item(row[0], row[1], multibuy)

    def names(self) -> list[str]:
        with self._lock:
            return [r[0] for r in self._db.execute("SELECT name FROM items ORDER BY name")]

    def ping(self) -> bool:
        try:
            with self._lock:
                self._db.execute("SELECT 1").fetchone()
            return True
        except sqlite3.Error:
            return False

    def close(self) -> None:
        with self._lock:
            self._db.close()
