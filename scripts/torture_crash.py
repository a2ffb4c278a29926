"""Crash torture: SIGKILL the engine at named points and at random moments; count what recovery lost or repeated."""
import json
import os
import random
import signal
import time

from project_fixture import Project, TeamEngine, percentile, wait_until_dead

PIPELINE = """\
name: torture
deploy: ./deploy.sh
environments: {sandbox: {}, perf: {}, production: {}}
stages:
  - name: commit
    jobs:
      build: {run: [./job.sh, 'head -c 300000 /dev/urandom > app.bin'], artifacts: [app.bin]}
  - name: sandbox
    environment: sandbox
    jobs: {smoke: ./job.sh}
  - name: specialist
    jobs:
      load: {run: ./job.sh, environment: perf}
      security: ./job.sh
  - name: production
    environment: production
    jobs: {smoke: ./job.sh}
"""
JOB = '#!/bin/sh\necho "$CDSH_VERSION $CDSH_STAGE $CDSH_JOB $CDSH_ATTEMPT" >> "$OUT/runs"\nsleep 0.02\n'
DEPLOY = '#!/bin/sh\necho "$CDSH_VERSION $CDSH_ENVIRONMENT $CDSH_ATTEMPT" >> "$OUT/deploys"\nsleep 0.01\n'
POINTS = ["after-settle", "artifact-ingest", "command-started", "job-exited", "deploy-recorded", "deploy-exited"]


def recorded_pid(project):
    """The pid in engine.lock, as the last engine to start wrote it (alive or not)."""
    try:
        return int(open(os.path.join(project.state, "engine.lock")).read().strip())
    except (OSError, ValueError):
        return None


def running_tasks(project):
    # A stopwatch for recovery: polled every 2 ms, so it reads the file rather than starting a process per poll.
    with project.database() as database:
        return [row[0] for row in database.execute("SELECT id FROM task WHERE state = 'running'")]


def run(binary, pipelines, seed, team_store=None):
    """With `team_store` (a postgres:// URL) the engine that dies is a team's engine on that store, started again
    under its name after each crash; the recovery stopwatch is the embedded store's only."""
    rng = random.Random(seed)
    # Engines stay up for a minute when idle, so an armed engine that is still alive after 20 s missed its point.
    env = {"CDSH_ENGINE_IDLE": "60"} | ({"CDSH_STATE": team_store} if team_store else {})
    project = Project(binary, {"cdsh.yml": PIPELINE, "job.sh": JOB, "deploy.sh": DEPLOY}, executables={"job.sh", "deploy.sh"},
                      env=env)
    team = TeamEngine(project) if team_store else None
    if team:
        team.start()
    figures = {"pipelines": pipelines, "named_crashes": 0, "random_crashes": 0, "points_not_reached": 0,
               "interrupted_versions": 0, "rerun_to_production": 0, "stuck": 0, "recovery_seconds": []}
    submitted = []
    try:
        for index in range(pipelines):
            named = index % 2 == 0
            engine_pid = (lambda: team.pid) if team else project.engine_pid
            if named:
                point = POINTS[(index // 2) % len(POINTS)]
                if team:
                    team.stop()
                    team.start(extra={"CDSH_TEST_CRASH_AT": point})
                else:
                    project.stop_engine()
                before = recorded_pid(project)
                result = project.cdsh("submit", extra={"CDSH_TEST_CRASH_AT": point})
                deadline = time.time() + 20
                pid = None
                while time.time() < deadline:
                    # The pid the new engine wrote, alive or not: one that reaches its point within a poll is dead
                    # before it could be seen alive.
                    pid = pid or (team.pid if team else (recorded_pid(project) if recorded_pid(project) != before else None))
                    if (pid and wait_until_dead(pid, 0.05)) or (team and team.process.poll() is not None):
                        break
                else:
                    figures["points_not_reached"] += 1
                figures["named_crashes"] += 1
            else:
                result = project.cdsh("submit")
                time.sleep(rng.uniform(0, 0.3))
                pid = engine_pid()
                if pid:
                    os.kill(pid, signal.SIGKILL)
                    wait_until_dead(pid)
                figures["random_crashes"] += 1
            submitted.append(result.stdout.strip())
            if team:
                team.kill()
                team.start()  # takes back its name and interrupts what the dead run left running
            before = set(running_tasks(project)) if not team else set()
            started = time.perf_counter()
            project.cdsh("status")
            while before and before & set(running_tasks(project)) and time.perf_counter() - started < 30:
                time.sleep(0.002)
            if before:
                figures["recovery_seconds"].append(time.perf_counter() - started)
            version = submitted[-1]
            outcome = project.cdsh(f"wait {version} --timeout 60s")
            if outcome.returncode != 0:
                figures["interrupted_versions"] += 1
                for _ in range(6):
                    show = project.json(f"show {version}")
                    stopped = [stage["name"] for stage in show.get("stages", []) if stage["state"] == "interrupted"]
                    if not stopped:
                        break
                    project.cdsh(f"rerun {version} {stopped[0]}")
                    outcome = project.cdsh(f"wait {version} --timeout 60s")
                    if outcome.returncode == 0:
                        figures["rerun_to_production"] += 1
                        break
            if outcome.returncode != 0:
                figures["stuck"] += 1  # neither passed nor brought to production by rerunning its interrupted stages
        return figures | check(project, submitted, team_store)
    finally:
        if team:
            team.stop()
        project.close()


def check(project, submitted, team_store=None):
    """The invariants, read as a user reads them (--json), so they hold on either store; only the SQLite file's own
    integrity check reads the file."""
    integrity = "ok"
    if not team_store:
        with project.database() as database:
            integrity = database.execute("PRAGMA integrity_check").fetchone()[0]
    versions = project.json("status --limit 1000000")["versions"]
    ids = {version["id"] for version in versions}
    out_of_order = 0
    for version in versions:
        stages = project.show(version["id"])["stages"]
        for earlier, later in zip(stages, stages[1:]):
            if later.get("started_at") and not (earlier["state"] == "passed" and earlier["finished_at"] <= later["started_at"]):
                out_of_order += 1
    production_deploys = [(deploy["version"], deploy["stage"], deploy["attempt"])
                          for deploy in project.json("env production --limit 1000000")["deploys"]]
    runs, deploys = project.lines("runs"), project.lines("deploys")
    production = [line for line in deploys if line.split()[1:2] == ["production"]]
    audit = project.cdsh("audit --verify")
    return {
        "versions_lost": len([name for name in submitted if name not in ids]),
        "integrity_failures": 0 if integrity == "ok" else 1,
        "stages_out_of_order": out_of_order,
        "jobs_run_twice": len(runs) - len(set(runs)),
        "production_deploys_twice": len(production) - len(set(production))
                                    + len(production_deploys) - len(set(production_deploys)),
        "audit_chain_broken": 0 if audit.returncode == 0 else 1,
    }


if __name__ == "__main__":
    import sys
    print(json.dumps(run(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 6, 1,
                         sys.argv[3] if len(sys.argv) > 3 else None), default=str))
