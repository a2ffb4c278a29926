"""Secret torture: a job prints its secret in many encodings inside 10^4 generated lines; count what leaks."""
import base64
import binascii
import json
import os
import urllib.parse

from project_fixture import Project

SECRET = "pa55/w0rd+Sekr3t=?&%x"
PIPELINE = """\
name: secretive
secrets: [TORTURE_TOKEN]
stages:
  - name: commit
    jobs:
      build: {run: ['python3 generate.py', 'echo ok > app.txt'], artifacts: [app.txt]}
      fail: {run: ['python3 generate.py 100', 'echo "failing with $TORTURE_TOKEN"; exit 3']}
"""
GENERATOR = r'''
import base64, binascii, os, random, sys, urllib.parse
secret = os.environ["TORTURE_TOKEN"].encode()
rng = random.Random(7)
count = int(sys.argv[1]) if len(sys.argv) > 1 else int(os.environ.get("TORTURE_LINES", "10000"))
forms = [
    lambda: secret.decode(),
    lambda: base64.b64encode(os.urandom(rng.randrange(3)) + secret + os.urandom(rng.randrange(3))).decode(),
    lambda: base64.urlsafe_b64encode(os.urandom(rng.randrange(3)) + secret).decode(),
    lambda: binascii.hexlify(secret).decode(),
    lambda: binascii.hexlify(secret).decode().upper(),
    lambda: urllib.parse.quote(secret.decode(), safe=""),
    lambda: urllib.parse.quote_plus(secret.decode()),
]
for number in range(count):
    noise = "".join(rng.choice("abcdef0123456789 =/+") for _ in range(rng.randrange(40)))
    print(f"line {number} {noise} {rng.choice(forms)()} {noise[::-1]}", file=rng.choice([sys.stdout, sys.stderr]))
'''


def leaked_forms():
    forms = {SECRET, binascii.hexlify(SECRET.encode()).decode(), binascii.hexlify(SECRET.encode()).decode().upper(),
             urllib.parse.quote(SECRET, safe=""), urllib.parse.quote_plus(SECRET)}
    for offset in range(3):
        encoded = base64.b64encode(b"\0" * offset + SECRET.encode()).decode()
        core = encoded[[0, 2, 3][offset]:(offset + len(SECRET)) // 3 * 4 + (offset + len(SECRET)) % 3]
        forms |= {core, core.replace("+", "-").replace("/", "_")}
    return forms


def count_leaks(text, forms):
    return sum(1 for line in text.splitlines() if any(form in line for form in forms))


def run(binary, lines):
    project = Project(binary, {"cdsh.yml": PIPELINE, "generate.py": GENERATOR},
                      env={"TORTURE_TOKEN": SECRET, "TORTURE_LINES": str(lines)})
    try:
        project.cdsh("submit", "wait v1 --timeout 120s")
        forms = leaked_forms()
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
                "leaks": {name: count_leaks(text, forms) for name, text in outputs.items()}}
    finally:
        project.close()


if __name__ == "__main__":
    import sys
    print(json.dumps(run(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 10000)))
