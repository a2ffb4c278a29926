"""Secret torture: a job prints its secret in many encodings inside 10^4 generated lines; count what leaks."""
import base64
import binascii
import json
import os
import urllib.parse

from project_fixture import Project

SECRET = "pa55/w0rd+Sekr3t=?&%x-" + "Zq8/w+e=Secret?&42tk_9f/Q+xZ=wr7LbN2&cVq8?Hs4mJ0pD6yTe1Ka3Ru5Wi7Ox9Gz-Bl2"
KEY = ("-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj\n"
       "MzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dVMvDuictGeurT8jNbvJZHtCSuYEvu\n-----END PRIVATE KEY-----")
PIPELINE = """\
name: secretive
secrets: [TORTURE_TOKEN, TORTURE_KEY]
stages:
  - name: commit
    jobs:
      build: {run: ['python3 generate.py', 'echo ok > app.txt'], artifacts: [app.txt], secrets: [TORTURE_TOKEN, TORTURE_KEY]}
      fail: {run: ['python3 generate.py 100', 'echo "failing with $TORTURE_TOKEN"; exit 3'], secrets: [TORTURE_TOKEN, TORTURE_KEY]}
"""
# Every form the docs promise: raw; base64 (standard and URL-safe, any alignment, wrapped at any width up to 120);
# hex (either case, plain, spaced, colon-separated, in xxd's groups and od's lines); percent-encoding (urllib's quote
# that keeps `/`, every byte encoded, any mix of encoded and literal); and a multi-line secret at any indentation,
# whole or one line at a time. Each record is written whole, so stdout and stderr never split one.
GENERATOR = r'''
import base64, binascii, os, random, sys, textwrap, urllib.parse
token = os.environ["TORTURE_TOKEN"].encode()
key = os.environ["TORTURE_KEY"]
rng = random.Random(7)
count = int(sys.argv[1]) if len(sys.argv) > 1 else int(os.environ.get("TORTURE_LINES", "10000"))

def pad():
    return bytes(rng.randrange(256) for _ in range(rng.randrange(3)))

def wrapped(text):
    return "\n".join(textwrap.wrap(text, rng.randrange(1, 121)))

def spaced_hex(data, separator):
    return separator.join(f"{byte:02x}" for byte in data)

def mixed_percent(text):
    return "".join(rng.choice([c, "%%%02X" % ord(c), "%%%02x" % ord(c)]) if ord(c) < 128 else c for c in text)

forms = [
    lambda: token.decode(),
    lambda: base64.b64encode(pad() + token + pad()).decode(),
    lambda: base64.urlsafe_b64encode(pad() + token).decode(),
    lambda: wrapped(base64.b64encode(pad() + token + pad()).decode()),
    lambda: wrapped(base64.b64encode(key.encode()).decode()),
    lambda: binascii.hexlify(token).decode(),
    lambda: binascii.hexlify(token).decode().upper(),
    lambda: spaced_hex(token, " "),
    lambda: spaced_hex(token, ":"),
    lambda: "\n".join(" ".join(binascii.hexlify(token[i:i + 16][j:j + 2]).decode() for j in range(0, 16, 2))
                      for i in range(0, len(token), 16)),
    lambda: "\n".join(" " + spaced_hex(token[i:i + 16], " ") for i in range(0, len(token), 16)),
    lambda: urllib.parse.quote(token.decode()),
    lambda: urllib.parse.quote(token.decode(), safe=""),
    lambda: urllib.parse.quote_plus(token.decode()),
    lambda: "".join("%%%02X" % byte for byte in token),
    lambda: mixed_percent(token.decode()),
    lambda: "\n".join(" " * rng.randrange(12) + line for line in key.splitlines()),
    lambda: "\n".join(f"key line {n}: {line}" for n, line in enumerate(key.splitlines())),
]
for number in range(count):
    noise = "".join(rng.choice("abcdef0123456789 =/") for _ in range(rng.randrange(40)))
    stream = rng.choice([sys.stdout, sys.stderr])
    stream.write(f"line {number} {noise} {rng.choice(forms)()} {noise[::-1]}\n")
    stream.flush()
'''

WINDOW = 8
SEPARATORS = set(b" \t\r\n:+")


def normalized(data):
    """The bytes a reader could decode: `%HH` escapes decoded, separators dropped (as cdsh compares them)."""
    out, index = bytearray(), 0
    while index < len(data):
        byte, step = data[index], 1
        if byte == 0x25 and index + 2 < len(data):
            try:
                byte, step = int(data[index + 1:index + 3].decode("ascii"), 16), 3
            except ValueError:
                pass
        if byte not in SEPARATORS:
            out.append(byte)
        index += step
    return bytes(out)


def windows(secret):
    """Every run of WINDOW characters of every form of `secret` (itself, its lines, base64 at any alignment, hex)."""
    raw = secret.encode()
    forms = [raw, binascii.hexlify(raw), binascii.hexlify(raw).upper()] + [line.encode() for line in secret.splitlines()]
    for offset in range(3):
        encoded = base64.b64encode(b"\0" * offset + raw).decode()
        core = encoded[[0, 2, 3][offset]:(offset + len(raw)) // 3 * 4 + (offset + len(raw)) % 3]
        forms += [core.encode(), core.replace("+", "-").replace("/", "_").encode()]
    found = set()
    for form in forms:
        form = normalized(form)
        found |= {form[i:i + WINDOW] for i in range(len(form) - WINDOW + 1)}
    return found


def count_leaks(text, pieces):
    """Places where WINDOW characters of a secret's form are readable in `text`."""
    data = normalized(text.encode("utf-8", "replace"))
    return sum(1 for i in range(len(data) - WINDOW + 1) if data[i:i + WINDOW] in pieces)


def run(binary, lines):
    project = Project(binary, {"cdsh.yml": PIPELINE, "generate.py": GENERATOR},
                      env={"TORTURE_TOKEN": SECRET, "TORTURE_KEY": KEY, "TORTURE_LINES": str(lines)})
    try:
        project.cdsh("submit", "wait v1 --timeout 120s")
        pieces = windows(SECRET) | windows(KEY)
        outputs = {
            "logs": project.cdsh("logs v1 commit build").stdout + project.cdsh("logs v1 commit fail").stdout,
            "show --json": project.cdsh("show v1 --json").stdout,
            "audit": project.cdsh("audit --json").stdout + project.cdsh("audit").stdout,
        }
        stored = ""
        for root, _, files in os.walk(project.state):
            for name in files:
                if not os.path.isfile(os.path.join(root, name)):
                    continue
                with open(os.path.join(root, name), "rb") as handle:
                    stored += handle.read().decode("utf-8", "replace") + "\n"
        outputs["state folder files"] = stored
        masked = sum(1 for line in outputs["logs"].splitlines() if "****" in line)
        # A positive control: the leak counts mean nothing unless the generated lines reached the log, masked.
        missing = max(0, lines + 100 - masked) + (0 if f"line {lines - 1} " in outputs["logs"] else 1)
        return {"generated_lines": lines + 100, "lines_with_a_mask": masked, "lines_missing": missing,
                "leaks": {name: count_leaks(text, pieces) for name, text in outputs.items()}}
    finally:
        project.close()


if __name__ == "__main__":
    import sys
    print(json.dumps(run(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 10000)))
