"""Concurrency torture: several shells issue a mixed stream of commands against one state at once — the embedded
store, or a team's PostgreSQL store with a team engine."""
import json
import os
import random
import re
import subprocess
import threading
import time

from project_fixture import Project, percentile

PIPELINE = """\
name: crowd
deploy: ./deploy.sh
environments: {sandbox: {}, production: {}}
stages:
  - name: commit
    jobs:
      build: {run: 'echo built > app.txt', artifacts: [app.txt]}
  - name: sandbox
    environment: sandbox
    jobs: {smoke: 'sleep 0.05'}
  - name: production
    environment: production
    approval: manual
    jobs: {smoke: 'true'}
"""
DEPLOY = "#!/bin/sh\nsleep 0.02\n"
# Errors no command can justify: the store or the engine failing under contention, or a crash.
UNJUSTIFIED = re.compile(r"database|locked|busy|SQLITE|cannot open the state|internal error|Fatal error|crash", re.I)


def run(binary, shells, seconds, seed, team_store=None):
    """With `team_store` (a postgres:// URL) the shells and one team engine share that store."""
    project = Project(binary, {"cdsh.yml": PIPELINE, "deploy.sh": DEPLOY}, executables={"deploy.sh"},
                      env={"CDSH_STATE": team_store} if team_store else None)
    engine = None
    if team_store:
        engine = subprocess.Popen([binary, "engine", "--name", "torture", "--cache", os.path.join(project.out, "engine")],
                                  env=project.env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                  stderr=open(os.path.join(project.out, "engine.log"), "w"))
    try:
        return crowd(project, shells, seconds, seed, team_store)
    finally:
        if engine:
            engine.terminate()
            try:
                engine.wait(timeout=30)
            except subprocess.TimeoutExpired:
                engine.kill()
        project.close()


def crowd(project, shells, seconds, seed, team_store):
    project.cdsh("submit", "wait v1 --timeout 60s")
    latencies, errors, submitted, approved = [], [], [], []
    lock = threading.Lock()
    deadline = time.time() + seconds

    def shell(number):
        rng = random.Random(seed * 100 + number)
        while time.time() < deadline:
            roll = rng.random()
            if roll < 0.15:
                command = "submit"
            elif roll < 0.25:
                command = "approve latest --reason torture"
            else:
                command = rng.choice(["status", "show latest", "queue", "envs", "artifacts v1", "audit --verify",
                                      "logs v1 commit build", "env sandbox", "status --json", "history 5"])
            result = project.cdsh(command)
            with lock:
                latencies.append(result.seconds)
                text = result.stderr
                # approve may find latest not waiting (exit 4); anything else non-zero is an error shown to the user.
                if UNJUSTIFIED.search(text) or result.returncode not in (0, 4) or (
                        result.returncode == 4 and not command.startswith("approve")):
                    errors.append(f"{command}: {result.returncode}: {text.strip()[:200]}")
                if command == "submit" and result.returncode == 0:
                    submitted.append(result.stdout.strip())
                if command.startswith("approve") and result.returncode == 0:
                    approved.append(command)

    threads = [threading.Thread(target=shell, args=(number,)) for number in range(shells)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Read as a user reads them (--json), so the same checks hold on either store.
    ids = {version["id"] for version in project.json("status --limit 1000000")["versions"]}
    actions = [entry["action"] for entry in project.json("audit --limit 1000000")["entries"]]
    audited_submits, audited_approvals = actions.count("submit"), actions.count("approve")
    integrity = "ok"
    if not team_store:
        with project.database() as database:  # the SQLite file's own consistency
            integrity = database.execute("PRAGMA integrity_check").fetchone()[0]
    chain = project.cdsh("audit --verify")
    lost = len([name for name in submitted if name not in ids]) + max(0, len(submitted) + 1 - audited_submits) \
        + max(0, len(approved) - audited_approvals)
    return {"shells": shells, "seconds": seconds, "commands": len(latencies), "errors": len(errors),
            "error_samples": errors[:5], "commands_lost": lost, "submits": len(submitted),
            "approvals": len(approved), "integrity_failures": (0 if integrity == "ok" else 1) + (chain.returncode != 0),
            "p50_ms": round(percentile(latencies, 0.5) * 1000, 1),
            "p99_ms": round(percentile(latencies, 0.99) * 1000, 1)}


if __name__ == "__main__":
    import sys
    print(json.dumps(run(sys.argv[1], 8, int(sys.argv[2]) if len(sys.argv) > 2 else 5, 1,
                         sys.argv[3] if len(sys.argv) > 3 else None)))
