#!/usr/bin/env python3
"""cdsh benchmarks: the engine against bare bash, fast-track latency, command latency on a large history,
artifact throughput and engine memory. Prints a table and writes docs/benchmarks.md."""
import argparse
import datetime
import json
import os
import platform
import pty
import re
import select
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

import pexpect

import project_fixture
from bench_peers import bench_buildbot
from doc_table import write_table

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))

PIPELINE = """\
name: trivial
deploy: "true"
environments:
  sandbox: {}
  perf: {}
  production: {}
stages:
  - name: commit
    jobs:
      build: {run: '[ ! -f "$BENCH_MARKS/burn" ] || [ "$CDSH_PRIORITY" = security ] || timeout 3 sh -c "while :; do :; done" || true', artifacts: [cdsh.yml]}
  - name: sandbox
    environment: sandbox
    jobs:
      smoke: '[ ! -f "$BENCH_MARKS/slow" ] || [ "$CDSH_PRIORITY" = security ] || sleep 0.1'
  - name: specialist
    jobs:
      load: {run: "true", environment: perf}
      security: "true"
      accessibility: "true"
  - name: production
    environment: production
    jobs:
      smoke: "true"
"""

BASH_EQUIVALENT = "true; true; true; true & true & true & true & wait; true; true"


def parse_time(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def Project(binary, pipeline=PIPELINE):
    """The scripts' project fixture, as the benchmarks use it: engines idle for 30 s, failures raise. Its jobs
    read marks from BENCH_MARKS (`mark`): the engine's environment is fixed when it starts, so a variable given
    to a later `submit` would not reach them."""
    project = project_fixture.Project(binary, {"cdsh.yml": pipeline}, prefix="cdsh-bench-", strict=True,
                                      env={"CDSH_ENGINE_IDLE": "30", "CDSH_USER": "bench", "EDITRC": "/dev/null"})
    project.env["BENCH_MARKS"] = os.path.join(project.folder, ".git")
    return project


def mark(project, name):
    """From now on the project's normal jobs behave so: `slow` sandbox smoke jobs take 0.1 s, `burn` builds keep a
    core busy for 3 s."""
    open(os.path.join(project.env["BENCH_MARKS"], name), "w").close()


def production_passed_at(show):
    return parse_time(show["stages"][-1]["finished_at"])


CHECKOUT_LINE = re.compile(r"^cdsh: checked out \S+ in ([0-9.]+) ms \((new checkout|copy)\)$", re.MULTILINE)


def checkout_costs(project):
    """Each task's checkout time from the engine's own line in its log: the first per commit, and the copies."""
    costs = {"new checkout": [], "copy": []}
    for folder, _, names in os.walk(os.path.join(project.state, "logs")):
        for name in names:
            with open(os.path.join(folder, name), errors="replace") as log:
                for milliseconds, made in CHECKOUT_LINE.findall(log.read()):
                    costs[made].append(float(milliseconds) / 1000)
    return costs["new checkout"], costs["copy"]


def bench_end_to_end(binary, samples):
    project = Project(binary)
    try:
        project.cdsh("submit", "wait latest --timeout 60s")  # warm: engine started, caches built
        durations, transitions, engine_only = [], [], []
        for number in range(2, samples + 2):
            started = time.time()
            project.cdsh("submit")
            project.cdsh(f"wait v{number} --timeout 60s")
            show = project.show(f"v{number}")
            durations.append(production_passed_at(show) - started)
            engine_only.append(production_passed_at(show) - parse_time(show["submitted_at"]))
            stages = show["stages"]
            for before, after in zip(stages, stages[1:]):
                ended = max(parse_time(job["finished_at"]) for job in before["jobs"])
                began = min(parse_time(job["started_at"]) for job in after["jobs"])
                transitions.append(began - ended)
        bash = []
        for _ in range(samples):
            started = time.perf_counter()
            subprocess.run(["bash", "-c", BASH_EQUIVALENT], check=True)
            bash.append(time.perf_counter() - started)
        cold = []
        for number in range(samples + 2, samples + 2 + max(3, samples // 4)):
            stop_engine(project)
            started = time.time()
            project.cdsh("submit")
            project.cdsh(f"wait v{number} --timeout 60s")
            cold.append(production_passed_at(project.show(f"v{number}")) - started)
        return durations, bash, transitions, engine_only, cold, checkout_costs(project)
    finally:
        project.close()


def bench_end_to_end_postgres(binary, samples):
    """Figure 1 on a team's store: a local PostgreSQL server (fsync on) and one `cdsh engine --name` process."""
    cluster = tempfile.mkdtemp(prefix="cdsh-bench-pg-")
    url = subprocess.run([os.path.join(ROOT, "scripts", "pg-cluster"), "start", cluster], check=True, text=True,
                         capture_output=True, env=dict(os.environ, PG_CLUSTER_FSYNC="on")).stdout.strip()
    project = Project(binary)
    project.env["CDSH_STATE"] = url
    engine = subprocess.Popen([binary, "engine", "--name", "bench", "--cache", os.path.join(project.folder, "engine")],
                              env=project.env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        project.cdsh("submit", "wait latest --timeout 60s")
        durations = []
        for number in range(2, samples + 2):
            started = time.time()
            project.cdsh("submit")
            project.cdsh(f"wait v{number} --timeout 60s")
            durations.append(production_passed_at(project.show(f"v{number}")) - started)
        return durations
    finally:
        engine.terminate()
        engine.wait(timeout=30)
        project.close()
        subprocess.run([os.path.join(ROOT, "scripts", "pg-cluster"), "stop", cluster], check=False)


def stop_engine(project):
    """SIGTERM the project's engine and wait until it is gone, so the next command has to start one."""
    lock = os.path.join(project.folder, ".cdsh", "engine.lock")
    try:
        engine = int(open(lock).read().strip())
        os.kill(engine, 15)
    except (OSError, ValueError):
        return
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            os.kill(engine, 0)
        except OSError:
            return
        time.sleep(0.01)


def bench_fast_track(binary, queued, preempt=False, samples=5, burning=False):
    """Median over `samples` fresh projects: a patch's submit → production passed with `queued` normal versions
    submitted just before it (their sandbox smoke jobs take 0.1 s, so a patch may find the sandbox busy).
    `burning`: instead, one normal version per core whose build keeps that core busy, running as the patch comes."""
    results = []
    for _ in range(samples):
        project = Project(binary)
        try:
            project.cdsh("submit", "wait latest --timeout 60s")
            mark(project, "slow")
            for _ in range(queued):
                project.cdsh("submit")
            if burning:
                mark(project, "burn")
                for _ in range(os.cpu_count()):
                    project.cdsh("submit")
                time.sleep(0.5)
            project.git("commit", "-q", "--allow-empty", "-m", "fix")
            started = time.time()
            injected = project.cdsh("patch HEAD --reason bench --json" + (" --preempt" if preempt else ""))
            patch = json.loads(injected.stdout)["id"]
            project.cdsh(f"wait {patch} --timeout 120s")
            results.append(production_passed_at(project.show(patch)) - started)
        finally:
            project.close()
    return statistics.median(results), max(results)


TIME_COLUMNS = {"submitted_at", "committed_at", "cancelled_at", "created_at", "started_at", "finished_at"}


def make_history(project, count, days=365):
    """Adds `count` finished versions to the store, shaped like real ones (attempts, tasks and deploys), in one
    transaction, spread evenly over the `days` before the first one (a real history of 10,000 versions spans
    months: at ~27 a day, `stats`' default 30-day window holds ~820 of them)."""
    database = sqlite3.connect(os.path.join(project.folder, ".cdsh", "state.sqlite"))
    template = database.execute("SELECT * FROM version ORDER BY id LIMIT 1").fetchone()
    columns = [row[1] for row in database.execute("PRAGMA table_info(version)")]
    attempt_columns = [row[1] for row in database.execute("PRAGMA table_info(attempt)")]
    task_columns = [row[1] for row in database.execute("PRAGMA table_info(task)")]
    attempts = database.execute("SELECT * FROM attempt WHERE version_id = ? ORDER BY id", (template[0],)).fetchall()
    next_attempt = database.execute("SELECT MAX(id) FROM attempt").fetchone()[0] + 1
    tasks = {row[0]: database.execute("SELECT * FROM task WHERE attempt_id = ?", (row[0],)).fetchall() for row in attempts}
    next_task = database.execute("SELECT MAX(id) FROM task").fetchone()[0] + 1
    first = database.execute("SELECT MAX(id) FROM version").fetchone()[0] + 1
    deploy_columns = [row[1] for row in database.execute("PRAGMA table_info(deploy)")]
    deploys = database.execute("SELECT * FROM deploy WHERE version_id = ? ORDER BY id", (template[0],)).fetchall()
    next_deploy = (database.execute("SELECT MAX(id) FROM deploy").fetchone()[0] or 0) + 1
    step = days * 86400 / count

    def shifted(names, row, by):
        return [value - by if name in TIME_COLUMNS and value is not None else value for name, value in zip(names, row)]

    for number in range(first, first + count):
        back = (first + count - number) * step
        row = shifted(columns, template, back)
        row[0] = number
        database.execute(f"INSERT INTO version ({','.join(columns)}) VALUES ({','.join('?' * len(columns))})", row)
        new_attempt, new_task = {}, {}
        for attempt in attempts:
            copy = shifted(attempt_columns, attempt, back)
            copy[0], copy[1] = next_attempt, number
            new_attempt[attempt[0]] = next_attempt
            database.execute(f"INSERT INTO attempt ({','.join(attempt_columns)}) VALUES ({','.join('?' * len(attempt_columns))})", copy)
            for task in tasks[attempt[0]]:
                task_copy = shifted(task_columns, task, back)
                task_copy[0], task_copy[1] = next_task, next_attempt
                new_task[task[0]] = next_task
                database.execute(f"INSERT INTO task ({','.join(task_columns)}) VALUES ({','.join('?' * len(task_columns))})", task_copy)
                next_task += 1
            next_attempt += 1
        for deploy in deploys:
            copy = dict(zip(deploy_columns, shifted(deploy_columns, deploy, back)))
            copy.update(id=next_deploy, version_id=number, attempt_id=new_attempt[copy["attempt_id"]],
                        task_id=new_task.get(copy["task_id"], copy["task_id"]))
            database.execute(f"INSERT INTO deploy ({','.join(deploy_columns)}) VALUES ({','.join('?' * len(deploy_columns))})",
                             [copy[column] for column in deploy_columns])
            next_deploy += 1
    database.commit()
    database.close()


def time_to_prompt(binary, folder, env):
    """Process start to the first prompt on a pseudo-terminal (pexpect's own spawn costs ~100 ms, so not pexpect)."""
    started = time.perf_counter()
    pid, descriptor = pty.fork()
    if pid == 0:
        os.chdir(folder)
        os.execve(binary, [binary], env)
    seen = b""
    while "› ".encode() not in seen:
        ready, _, _ = select.select([descriptor], [], [], 10)
        if not ready:
            break
        seen += os.read(descriptor, 4096)
    elapsed = time.perf_counter() - started
    time.sleep(0.05)
    os.write(descriptor, b"\x04")
    deadline = time.time() + 3
    while time.time() < deadline:
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        ready, _, _ = select.select([descriptor], [], [], 0.1)
        if ready:
            try:
                os.read(descriptor, 4096)
            except OSError:
                pass
    else:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
    os.close(descriptor)
    return elapsed


def timed(function, samples):
    values = []
    for _ in range(samples):
        started = time.perf_counter()
        function()
        values.append(time.perf_counter() - started)
    return values


def bench_large_history(binary, versions, samples):
    project = Project(binary)
    try:
        project.cdsh("submit", "wait latest --timeout 60s")
        make_history(project, versions)
        middle = f"v{versions // 2}"
        status = timed(lambda: project.cdsh("status"), samples)
        show = timed(lambda: project.cdsh(f"show {middle}"), samples)
        stats = timed(lambda: project.cdsh("stats"), samples)
        whole_stats = timed(lambda: project.cdsh("stats --since 400d"), samples)
        child = pexpect.spawn(binary, cwd=project.folder, env=project.env, encoding="utf-8", timeout=30,
                              dimensions=(40, 200))
        prompts = [time_to_prompt(binary, project.folder, project.env) for _ in range(samples)]
        child = pexpect.spawn(binary, cwd=project.folder, env=project.env, encoding="utf-8", timeout=30,
                              dimensions=(40, 200))
        child.expect_exact("› ")
        prefix = str(versions // 10)  # `show v1000` + Tab lists the versions starting so, then redraws the line
        child.delaybeforesend = None

        def tab():
            child.send(f"show v{prefix}")
            child.expect_exact(f"show v{prefix}")
            started = time.perf_counter()
            child.send("\t")
            child.expect_exact(f"› show v{prefix}")
            elapsed = time.perf_counter() - started
            child.sendcontrol("u")
            time.sleep(0.05)
            return elapsed
        tabs = [tab() for _ in range(samples)]
        # Another shell submitted meanwhile: Tab reads the store again before it answers.
        # (after the idle prompt has redrawn with the new counts, so the Tab's own redisplay is what is timed).
        stale_tabs = [(project.cdsh("submit"), time.sleep(1.5), tab())[2] for _ in range(samples)]
        child.sendcontrol("d")
        child.expect(pexpect.EOF)
        project.cdsh("submit", "wait latest --timeout 60s")
        lock = os.path.join(project.folder, ".cdsh", "engine.lock")
        engine = int(open(lock).read().strip())
        peak_kb = 0
        for line in open(f"/proc/{engine}/status"):
            if line.startswith("VmHWM:"):
                peak_kb = int(line.split()[1])
        return status, show, prompts, tabs, stale_tabs, peak_kb, (stats, whole_stats)
    finally:
        project.close()


def bench_artifacts(binary):
    pipeline = re.sub(r"build: \{run: .*, artifacts: \[cdsh.yml\]\}",
                      'build: {run: "dd if=/dev/urandom of=big.bin bs=1M count=1024 status=none", artifacts: [big.bin]}',
                      PIPELINE)
    assert "big.bin" in pipeline, "the artifact benchmark's build did not replace the trivial one"
    project = Project(binary, pipeline)
    try:
        project.cdsh("submit", "wait v1 --timeout 600s")
        log = project.cdsh("logs v1 commit build").stdout
        ingest = float(log.split(" in ")[-1].split(" s")[0])
        verify = timed(lambda: project.cdsh("verify v1"), 3)
        digest = project.show("v1")["artifacts"][0]["sha256"]
        blob = os.path.join(project.folder, ".cdsh", "artifacts", "sha256", digest[:2], digest)
        baseline = timed(lambda: subprocess.run(["sha256sum", blob], check=True, capture_output=True), 3)
        size = os.path.getsize(blob)
        sandbox = project.show("v1")["stages"][1]
        deploy = next(job for job in sandbox["jobs"] if job["name"] == "deploy")
        handover = parse_time(deploy["finished_at"]) - parse_time(deploy["started_at"])
        return size, ingest, statistics.median(verify), statistics.median(baseline), handover
    finally:
        project.close()


def bench_peers(binary, samples):
    """Figure 8: Buildbot's samples for the same pipeline, on a project made as figure 1's."""
    project = Project(binary)
    try:
        revision = subprocess.run(["git", "rev-parse", "HEAD"], cwd=project.folder, check=True, capture_output=True,
                                  text=True).stdout.strip()
        return bench_buildbot(project.folder, revision, samples)
    finally:
        project.close()


def machine():
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
    memory = next((int(line.split()[1]) for line in open("/proc/meminfo") if line.startswith("MemTotal")), 0)
    return f"{os.cpu_count()} cores ({cpu}), {memory / 1024 / 1024:.0f} GiB, {platform.system()} {platform.release()}"


def ms(seconds):
    return f"{seconds * 1000:.1f} ms"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--peers", action="store_true", help="also run the pipeline through Buildbot (figure 8)")
    arguments = parser.parse_args()
    samples = 5 if arguments.quick else 20
    history = 1000 if arguments.quick else 10000
    queued = 10 if arguments.quick else 50

    end_to_end, bash, transitions, engine_only, cold, (checkouts, copies) = bench_end_to_end(arguments.binary, samples)
    postgres = bench_end_to_end_postgres(arguments.binary, samples)
    alone, alone_worst = bench_fast_track(arguments.binary, 0)
    busy, busy_worst = bench_fast_track(arguments.binary, queued)
    preempting, preempting_worst = bench_fast_track(arguments.binary, queued, preempt=True)
    burnt, burnt_worst = bench_fast_track(arguments.binary, 0, burning=True)
    status, show, prompts, tabs, stale_tabs, peak_kb, (stats, whole_stats) = bench_large_history(arguments.binary, history, samples)
    size, ingest, verify, baseline, handover = (None,) * 5 if arguments.quick else bench_artifacts(arguments.binary)
    buildbot, peers_failure = None, None
    if arguments.peers:
        try:
            buildbot = bench_peers(arguments.binary, samples)
        except (RuntimeError, OSError, SystemExit) as error:  # the figures above are kept; row 8 says why
            peers_failure = str(error).splitlines()[0]
            print(f"bench --peers: {error}", file=sys.stderr)

    rows = [
        ("1", f"submit → production passed, trivial 4-stage pipeline ({samples} versions)",
         f"median {ms(statistics.median(end_to_end))}, p95 {ms(percentile(end_to_end, 0.95))}",
         f"bash {ms(statistics.median(bash))}; ratio {statistics.median(end_to_end) / statistics.median(bash):.1f}×", "≤ 5× bash"),
        ("1b", "the same from the version's record (without the `submit` process)",
         f"median {ms(statistics.median(engine_only))}, p95 {ms(percentile(engine_only, 0.95))}",
         f"ratio {statistics.median(engine_only) / statistics.median(bash):.1f}×", ""),
        ("1c", "the same with no engine running (the submit starts one)", f"median {ms(statistics.median(cold))}",
         f"{len(cold)} versions", ""),
        ("1d", "the same on PostgreSQL: a local server (fsync on) and one team engine",
         f"median {ms(statistics.median(postgres))}, p95 {ms(percentile(postgres, 0.95))}",
         f"SQLite {ms(statistics.median(end_to_end))}; ratio {statistics.median(postgres) / statistics.median(bash):.1f}× bash",
         ""),
        ("1e", "a task's exact checkout of its commit: the first per commit / each task after",
         f"median {ms(statistics.median(checkouts))} / {ms(statistics.median(copies))}",
         f"p95 {ms(percentile(checkouts, 0.95))} / {ms(percentile(copies, 0.95))}; {len(checkouts)} checkouts, {len(copies)} copies", ""),
        ("2", "engine overhead per stage transition",
         f"median {ms(statistics.median(transitions))}, p95 {ms(percentile(transitions, 0.95))}", "", "p95 < 2 ms"),
        ("3", f"patch submit → production, 0 and {queued} normal versions queued (median of 5)",
         f"{ms(alone)} / {ms(busy)}", f"ratio {busy / alone:.2f}; worst {ms(alone_worst)} / {ms(busy_worst)}", "< 1.2"),
        ("3b", f"the same with `patch --preempt`, {queued} queued", f"{ms(preempting)}",
         f"ratio {preempting / alone:.2f}; worst {ms(preempting_worst)}", "< 1.2"),
        ("3c", "the same with a CPU-bound normal build on every core (they yield to the patch)", f"{ms(burnt)}",
         f"ratio {burnt / alone:.2f}; worst {ms(burnt_worst)}", "< 1.2"),
        ("4", f"`cdsh -c status` / `show` / Tab / Tab after another shell submitted, {history} versions of history",
         f"{ms(statistics.median(status))} / {ms(statistics.median(show))} / {ms(statistics.median(tabs))} / "
         f"{ms(statistics.median(stale_tabs))}",
         "medians, whole processes for status and show; the last Tab reads the store again first", "< 20 ms each"),
        ("5", "shell start to first prompt / `cdsh -c status` process",
         f"{ms(statistics.median(prompts))} / {ms(statistics.median(status))}", f"{history} versions", "< 20 ms"),
    ]
    if size:
        gib = size / 2**30
        rows.append(("6", "1 GiB artifact: ingest / verify / sha256sum / verified hand-over to a deploy",
                     f"{size / ingest / 1e9:.2f} / {size / verify / 1e9:.2f} / {size / baseline / 1e9:.2f} GB/s",
                     f"hand-over {handover:.2f} s for {gib:.0f} GiB", "≥ 1 GB/s"))
    rows.append(("7", f"engine peak memory, {history} versions of history", f"{peak_kb / 1024:.1f} MB", "VmHWM", "< 64 MB"))
    what = "Buildbot 4.3.0 (master and one worker here), figure 1's pipeline: change hook → build complete"
    if buildbot:
        rows.append(("8", what, f"median {ms(statistics.median(buildbot))}, p95 {ms(percentile(buildbot, 0.95))}",
                     f"cdsh {ms(statistics.median(end_to_end))}, bash {ms(statistics.median(bash))}; "
                     f"Buildbot/cdsh {statistics.median(buildbot) / statistics.median(end_to_end):.1f}×",
                     "Buildbot/cdsh ≥ 50×"))
    elif peers_failure:
        rows.append(("8", what, "failed", peers_failure, "Buildbot/cdsh ≥ 50×"))
    else:
        rows.append(("8", what, "not measured", "`scripts/bench --peers` installs and runs it", "Buildbot/cdsh ≥ 50×"))
    rows.append(("9", f"`cdsh -c stats`, {history} versions over a year (~{history * 30 // 365} in its 30-day window)",
                 f"median {ms(statistics.median(stats))}", "whole process", "≤ 100 ms"))
    rows.append(("9b", f"`cdsh -c 'stats --since 400d'`: all {history} versions in the window",
                 f"median {ms(statistics.median(whole_stats))}", "whole process", ""))

    width = max(len(row[1]) for row in rows)
    for number, what, figure, note, target in rows:
        print(f"{number}  {what.ljust(width)}  {figure}  {note}  (target {target})")
    if arguments.no_write or arguments.quick:
        return
    write_table(os.path.join(ROOT, "docs", "benchmarks.md"), "bench", f"{machine()}, cdsh release build, by `scripts/bench`",
                ["#", "what", "figure", "note", "target"], rows)

if __name__ == "__main__":
    main()
