"""The service's configuration: a KEY=VALUE file, one setting a line.

Lines are ``KEY=VALUE``; blank lines and lines starting with ``#`` are
ignored; surrounding whitespace is stripped; no quoting, no expansion.
The same keys must exist in every environment's file (cdsh compares them).

    python3 -m shop.config FILE     checks a file, prints its keys (never values)
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass

REQUIRED_KEYS = ("GREETING", "LOG_LEVEL", "DATABASE_URL", "QUOTE_SIGNING_KEY")
LOG_LEVELS = ("debug", "info", "warning", "error")
_KEY = re.compile(r"[A-Z][A-Z0-9_]*\Z")


class ConfigError(ValueError):
    pass


@dataclass(frozen=True)
class Config:
    greeting: str
    log_level: str
    database_url: str
    quote_signing_key: str

    @staticmethod
    def from_mapping(values: dict[str, str]) -> "Config":
        missing = [k for k in REQUIRED_KEYS if not values.get(k)]
        if missing:
            raise ConfigError("missing or empty keys: " + ", ".join(missing))
        level = values["LOG_LEVEL"].lower()
        if level not in LOG_LEVELS:
            raise ConfigError(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}")
        if not values["DATABASE_URL"].startswith("sqlite:"):
            raise ConfigError("DATABASE_URL must be a sqlite: URL")
        if len(values["QUOTE_SIGNING_KEY"]) < 16:
            raise ConfigError("QUOTE_SIGNING_KEY must be at least 16 characters")
        return Config(
            greeting=values["GREETING"],
            log_level=level,
            database_url=values["DATABASE_URL"],
            quote_signing_key=values["QUOTE_SIGNING_KEY"],
        )


def parse(text: str, source: str = "config") -> dict[str, str]:
    values: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        key = key.strip()
        if not sep or not _KEY.match(key):
            raise ConfigError(f"{source}:{number}: expected KEY=VALUE with an upper-case KEY")
        if key in values:
            raise ConfigError(f"{source}:{number}: duplicate key {key}")
        values[key] = value.strip()
    return values


def load(path: str) -> Config:
    with open(path, encoding="utf-8") as f:
        return Config.from_mapping(parse(f.read(), path))


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python3 -m shop.config FILE", file=sys.stderr)
        return 2
    try:
        with open(argv[0], encoding="utf-8") as f:
            values = parse(f.read(), argv[0])
        Config.from_mapping(values)
    except (OSError, ConfigError) as err:
        print(f"shop.config: {argv[0]}: {err}", file=sys.stderr)
        return 1
    print(" ".join(sorted(values)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
