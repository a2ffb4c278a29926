"""Team torture: three engines on one real PostgreSQL server while versions flow — engines SIGKILLed at random, the
server restarted mid-run, every connection cut by pg_terminate_backend, and one engine cut off from the server (in a
network namespace of its own, joined to the server by a virtual link, as another machine would be) while its jobs
run. Counts what must never happen, read as a user reads it, plus the files the jobs themselves leave."""
import os
import random
import shutil
import subprocess
import time

import torture_crash
from project_fixture import Project, TeamEngine, alive

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
GRACE = 4
# The crash run's pipeline, production letting an older version follow a newer one: three engines finish versions
# out of order, and each is to reach production here — superseding has its own tests.
PIPELINE = torture_crash.PIPELINE.replace("production: {}", "production: {supersede: false}")
# Each run leaves a line; a task bound to an environment holds a lock on it while it runs (a killed process lets go),
# and a second holder at once leaves a line in `overlaps`. While `slow` exists, jobs take up to 30 s.
HOLD = ('if [ -n "$CDSH_ENVIRONMENT" ]; then exec 9>"$OUT/env-$CDSH_ENVIRONMENT.lock"; '
        'flock -n 9 || echo "$CDSH_ENVIRONMENT $CDSH_VERSION" >> "$OUT/overlaps"; fi\n')
JOB = ('#!/bin/sh\necho "$CDSH_VERSION $CDSH_STAGE $CDSH_JOB $CDSH_ATTEMPT" >> "$OUT/runs"\n' + HOLD +
       'n=0; while [ -f "$OUT/slow" ] && [ $n -lt 600 ]; do sleep 0.05; n=$((n+1)); done\nsleep 0.05\n')
DEPLOY = '#!/bin/sh\necho "$CDSH_VERSION $CDSH_ENVIRONMENT $CDSH_ATTEMPT" >> "$OUT/deploys"\n' + HOLD + 'sleep 0.02\n'


class Cluster:
    """scripts/pg-cluster's server, reachable from a network namespace when one is made."""

    def __init__(self, also_listen=None):
        self.folder = os.path.join("/tmp", f"cdsh-torture-team-{os.getpid()}")
        self.script = os.path.join(ROOT, "scripts", "pg-cluster")
        environment = dict(os.environ, PG_CLUSTER_LISTEN=also_listen or "")
        self.url = subprocess.run([self.script, "start", self.folder], check=True, text=True, capture_output=True,
                                  env=environment).stdout.strip()
        self.port = int(self.url.rsplit(":", 1)[1].split("/")[0])

    def psql(self, sql, database="cdsh", check=False):
        result = subprocess.run(["psql", "-h", self.folder, "-p", str(self.port), "-U", "cdsh", "-d", database,
                                 "-tAq", "-c", sql], text=True, capture_output=True, check=check)
        return [line.split("|") for line in result.stdout.splitlines() if line]

    def restart(self):
        started = time.perf_counter()
        subprocess.run([self.script, "restart", self.folder], check=True, capture_output=True)
        return time.perf_counter() - started

    def stop(self):
        subprocess.run([self.script, "stop", self.folder], check=False, capture_output=True)


class Link:
    """A network namespace joined to this machine by a virtual link: the server at 10.213.0.1, the namespace at
    10.213.0.2. `cut` drops the link (packets vanish, as when a machine's network goes); `restore` brings it back."""

    def __init__(self):
        self.namespace = f"cdsh-cut-{os.getpid()}"
        self.host_end = f"cdh{os.getpid() % 100000}"
        self.far_end = f"cdn{os.getpid() % 100000}"
        self.reason = None
        commands = [
            ["ip", "netns", "add", self.namespace],
            ["ip", "link", "add", self.host_end, "type", "veth", "peer", "name", self.far_end],
            ["ip", "link", "set", self.far_end, "netns", self.namespace],
            ["ip", "addr", "add", "10.213.0.1/30", "dev", self.host_end],
            ["ip", "link", "set", self.host_end, "up"],
            ["ip", "netns", "exec", self.namespace, "ip", "addr", "add", "10.213.0.2/30", "dev", self.far_end],
            ["ip", "netns", "exec", self.namespace, "ip", "link", "set", self.far_end, "up"],
            ["ip", "netns", "exec", self.namespace, "ip", "link", "set", "lo", "up"],
        ]
        if os.geteuid() != 0 or not shutil.which("ip"):
            self.reason = "needs root and iproute2 for `ip netns`"
            return
        for command in commands:
            result = subprocess.run(command, capture_output=True, text=True)
            if result.returncode != 0:
                self.reason = f"`{' '.join(command)}` failed: {result.stderr.strip()}"
                self.remove()
                return

    def cut(self):
        subprocess.run(["ip", "link", "set", self.host_end, "down"], check=True)

    def restore(self):
        subprocess.run(["ip", "link", "set", self.host_end, "up"], check=True)

    def remove(self):
        if not shutil.which("ip"):
            return
        subprocess.run(["ip", "netns", "del", self.namespace], capture_output=True)
        subprocess.run(["ip", "link", "del", self.host_end], capture_output=True)


def run(binary, versions, seed):
    rng = random.Random(seed)
    link = Link()
    try:
        cluster = Cluster(also_listen=None if link.reason else "10.213.0.1")
    except BaseException:
        link.remove()
        raise
    try:
        return run_on(binary, versions, rng, link, cluster)
    finally:
        link.remove()
        cluster.stop()


def run_on(binary, versions, rng, link, cluster):
    figures = dict(versions=versions, kills=0, terminations=0, restarts=0, restart_seconds=0.0, cut=None,
                   cut_skipped=link.reason, partition_possible=link.reason is None, jobs_after_grace=0,
                   resumed_after_takeover=0, idle_engine=0)
    database = f"t{os.getpid()}"
    cluster.psql(f"CREATE DATABASE {database}", check=True)
    url = cluster.url.rsplit("/", 1)[0] + "/" + database
    project = Project(binary, {"cdsh.yml": PIPELINE, "job.sh": JOB, "deploy.sh": DEPLOY},
                      executables=("job.sh", "deploy.sh"), env={"CDSH_STATE": url, "CDSH_MAX_JOBS": "3"},
                      prefix="cdsh-torture-team-")
    engines = [TeamEngine(project, name, state=url, grace=GRACE, cache=f"cache-{name}") for name in ("east", "west")]
    cut_engine = TeamEngine(project, "cut", state=url.replace("127.0.0.1", "10.213.0.1"), namespace=link.namespace,
                            grace=GRACE, cache="cache-cut") \
        if not link.reason else TeamEngine(project, "north", state=url, grace=GRACE, cache="cache-north")
    engines.append(cut_engine)
    try:
        for engine in engines:
            engine.start()
        submitted = []
        for number in range(versions):
            project.git("commit", "-q", "--allow-empty", "-m", f"change {number}")
            result = project.cdsh("submit")
            submitted.append(result.stdout.split()[0] if result.returncode == 0 else f"?{number}")
        chaos_started = time.time()
        chaos_seconds = max(8, versions * 0.6)
        restarted = False
        while time.time() < chaos_started + chaos_seconds:
            time.sleep(rng.uniform(0.3, 1.2))
            halfway = time.time() >= chaos_started + chaos_seconds / 2
            action = "restart" if halfway and not restarted else rng.choice(["kill", "kill", "terminate"])
            if action == "kill":
                victim = rng.choice(engines[:2])
                victim.kill()
                figures["kills"] += 1
                time.sleep(rng.uniform(0.1, 0.8))
                victim.start()
            elif action == "terminate":
                cluster.psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                             f"WHERE datname = '{database}' AND pid <> pg_backend_pid()")
                figures["terminations"] += 1
            else:
                figures["restart_seconds"] = cluster.restart()
                figures["restarts"] += 1
                restarted = True
        if not link.reason:
            figures["cut"] = cut_off(project, cluster, database, link, cut_engine, figures)
        figures |= finish(project, submitted)
        return figures
    finally:
        for engine in engines:
            engine.stop()
        project.close()


def wait_for_a_job(project, cluster, database, seconds):
    """Submits slow work, more every 10 s, until the cut-off engine runs a job; its (task, pid) rows, or []."""
    deadline = time.time() + seconds
    running, more_at = [], 0
    while not running and time.time() < deadline:
        if time.time() >= more_at:
            for number in range(4):
                project.git("commit", "-q", "--allow-empty", "-m", f"cut {number}")
                project.cdsh("submit")
            more_at = time.time() + 10
        running = cluster.psql("SELECT id, pid FROM task WHERE engine = 'cut' AND state = 'running' "
                               "AND kind = 'job' AND pid IS NOT NULL", database)
        time.sleep(0.02)
    return running


def idle_state(project, cluster, database, figures):
    """What the store and the idle engine's log said when it took no work."""
    figures["engines_then"] = cluster.psql("SELECT name, heartbeat_at, labels FROM engine", database)
    figures["tasks_then"] = cluster.psql("SELECT engine, state, count(*) FROM task GROUP BY 1, 2", database)
    figures["queued_then"] = cluster.psql(
        "SELECT v.id, a.stage, a.state, t.name, t.environment FROM task t JOIN attempt a ON a.id = t.attempt_id "
        "JOIN version v ON v.id = a.version_id WHERE t.state = 'queued' ORDER BY t.id LIMIT 8", database)
    figures["cut_connections"] = cluster.psql(
        "SELECT client_addr, state, wait_event_type, wait_event, now() - xact_start, left(query, 80) "
        "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()", database)
    log = os.path.join(project.out, "cache-cut", "engine.log")
    figures["cut_log"] = open(log).read()[-1500:] if os.path.exists(log) else "no log"


def cut_off(project, cluster, database, link, engine, figures):
    """Slows every job down, waits until the cut-off engine runs one, cuts its link and times how long its jobs
    run on (they must stop within the grace period), waits until another engine has taken the work over, brings
    the link back and checks the engine resumes none of it. Returns the seconds its jobs ran on after the cut."""
    slow = os.path.join(project.out, "slow")
    open(slow, "w").close()
    try:
        running = wait_for_a_job(project, cluster, database, 90)
        if not running:
            # Alive and beating but taking no work while builds wait (a known defect, issue 19's note): counted,
            # its state kept, and a restarted engine tried, so the partition itself is still tested.
            figures["idle_engine"] = 1
            idle_state(project, cluster, database, figures)
            engine.stop()
            engine.start()
            running = wait_for_a_job(project, cluster, database, 60)
        if not running:
            figures["cut_skipped"] = "the cut-off engine never ran a job within 90 s, nor within 60 s once restarted"
            return None
        cut_at = time.time()
        figures["engines_before_cut"] = cluster.psql("SELECT name, heartbeat_at FROM engine", database)
        link.cut()
        pids = [int(pid) for _, pid in running]
        while any(alive(pid) for pid in pids) and time.time() - cut_at < GRACE + 10:
            time.sleep(0.02)
        stopped_after = time.time() - cut_at
        if any(alive(pid) for pid in pids):
            figures["jobs_after_grace"] += 1
        elif stopped_after > GRACE:
            figures["jobs_after_grace"] += 1
        ids = [task for task, _ in running]
        while time.time() - cut_at < GRACE + 30:
            states = cluster.psql(f"SELECT state FROM task WHERE id IN ({','.join(ids)})", database)
            if states and all(state == ["interrupted"] for state in states):
                break
            time.sleep(0.1)
        figures["taken_over_after"] = time.time() - cut_at
        link.restore()
        time.sleep(GRACE)
        figures["resumed_after_takeover"] = len(cluster.psql(
            f"SELECT id FROM task WHERE id IN ({','.join(ids)}) AND state != 'interrupted'", database))
        return stopped_after
    finally:
        os.remove(slow)


def finish(project, submitted):
    """Brings every version through (rerunning stages an engine's death interrupted), then counts."""
    stuck = interrupted = 0
    samples = []
    names = [version["id"] for version in project.json("status --limit 1000")["versions"]]
    for version in sorted(set(names), key=lambda name: int(name[1:])):
        outcome = project.cdsh(f"wait {version} --timeout 120s", timeout=200)
        for _ in range(6):
            if outcome.returncode == 0:
                break
            stages = [stage["name"] for stage in project.show(version).get("stages", [])
                      if stage["state"] == "interrupted"]
            if not stages:
                break
            interrupted += 1
            project.cdsh(f"rerun {version} {stages[0]}")
            outcome = project.cdsh(f"wait {version} --timeout 120s", timeout=200)
        if outcome.returncode != 0:
            stuck += 1
            samples.append(f"{version}: {outcome.stdout.strip()[-300:]} {outcome.stderr.strip()[-300:]}")
    versions = {version["id"] for version in project.json("status --limit 1000000")["versions"]}
    runs, deploys = project.lines("runs"), project.lines("deploys")
    production = [line for line in deploys if line.split()[1:2] == ["production"]]
    recorded = [(deploy["version"], deploy["attempt"]) for deploy in project.json("env production --limit 1000000")["deploys"]]
    return dict(
        versions_lost=len([name for name in submitted if name not in versions]),
        jobs_run_twice=len(runs) - len(set(runs)),
        environments_held_twice=len(project.lines("overlaps")),
        production_deploys_twice=len(production) - len(set(production)) + len(recorded) - len(set(recorded)),
        audit_chain_broken=0 if project.cdsh("audit --verify").returncode == 0 else 1,
        interrupted_reruns=interrupted, stuck=stuck, stuck_samples=samples)
