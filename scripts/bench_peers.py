"""`scripts/bench --peers`: the trivial pipeline through Buildbot 4.3.0 (master and one worker on 127.0.0.1), the
open-source CI server a small team would otherwise run, timed the way figure 1 times cdsh."""
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
REQUIREMENTS = os.path.join(ROOT, "scripts", "bench-peers-requirements.txt")
VENV = os.path.join(ROOT, ".build", "bench-peers", "venv")

# The same four stages as figure 1's cdsh.yml: each job checks the commit out in its own work folder, the three
# specialist jobs run side by side on their own builders (a Trigger step waits for them).
MASTER_CFG = """\
from buildbot.plugins import schedulers, steps, util, worker

REPOSITORY = {repository!r}
c = BuildmasterConfig = {{}}
c["buildbotNetUsageData"] = None
c["title"] = "cdsh bench"
c["buildbotURL"] = "http://127.0.0.1:{www}/"
c["workers"] = [worker.Worker("bench", "bench", max_builds=4)]
c["protocols"] = {{"pb": {{"port": "tcp:{pb}:interface=127.0.0.1"}}}}
c["www"] = {{"port": "tcp:{www}:interface=127.0.0.1", "plugins": {{}}, "change_hook_dialects": {{"base": True}}}}
c["db"] = {{"db_url": "sqlite:///state.sqlite"}}


def checkout():
    return steps.Git(repourl=REPOSITORY, mode="incremental", name="checkout")


def job(name):
    return steps.ShellCommand(command="true", name=name)


def builder(name, factory_steps):
    return util.BuilderConfig(name=name, workernames=["bench"], factory=util.BuildFactory(factory_steps))


c["builders"] = [builder("pipeline", [
    checkout(), job("build"), job("sandbox smoke"),
    steps.Trigger(schedulerNames=["specialist"], waitForFinish=True, updateSourceStamp=True, name="specialist"),
    job("production smoke"),
])] + [builder(name, [checkout(), job(name)]) for name in ("load", "security", "accessibility")]
c["schedulers"] = [
    schedulers.AnyBranchScheduler(name="commits", treeStableTimer=None, builderNames=["pipeline"]),
    schedulers.Triggerable(name="specialist", builderNames=["load", "security", "accessibility"]),
]
"""


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def ensure_buildbot():
    """The pinned Buildbot in its own virtual environment, installed once (again when the pins change)."""
    stamp = os.path.join(VENV, "requirements.txt")
    wanted = open(REQUIREMENTS).read()
    if os.path.exists(stamp) and open(stamp).read() == wanted:
        return
    shutil.rmtree(VENV, ignore_errors=True)
    try:
        subprocess.run(["python3", "-m", "venv", VENV], check=True, capture_output=True, text=True)
        subprocess.run([os.path.join(VENV, "bin", "pip"), "install", "--quiet", "--disable-pip-version-check",
                        "-r", REQUIREMENTS], check=True, capture_output=True, text=True)
    except subprocess.CalledProcessError as failure:
        shutil.rmtree(VENV, ignore_errors=True)
        raise SystemExit(f"bench --peers: installing Buildbot into {VENV} failed ({' '.join(failure.cmd[:3])} …):\n"
                         f"{failure.stderr.strip()}\nIt needs python3-venv and PyPI (or a mirror in pip.conf).")
    shutil.copyfile(REQUIREMENTS, stamp)


class Buildbot:
    """A master and a worker in a throw-away folder, started on free ports of 127.0.0.1 and stopped by pid. On a
    failure the folder is kept and the error quotes the end of both logs."""

    def __init__(self, repository):
        self.folder = tempfile.mkdtemp(prefix="cdsh-bench-buildbot-")
        self.repository = repository
        self.processes, self.logs = [], []
        try:
            self.www, pb = free_port(), free_port()
            master, worker = os.path.join(self.folder, "master"), os.path.join(self.folder, "worker")
            self.run("buildbot", "create-master", "-q", master)
            with open(os.path.join(master, "master.cfg"), "w") as config:
                config.write(MASTER_CFG.format(repository=repository, www=self.www, pb=pb))
            self.run("buildbot", "upgrade-master", master)
            self.run("buildbot-worker", "create-worker", "-q", worker, f"127.0.0.1:{pb}", "bench", "bench")
            self.start("buildbot", master)
            self.start("buildbot-worker", worker)
            self.wait_for_worker()
        except BaseException:
            self.close(keep=True)
            raise

    def run(self, tool, *args):
        result = subprocess.run([os.path.join(VENV, "bin", tool), *args], capture_output=True, text=True,
                                cwd=self.folder)
        if result.returncode != 0:
            raise self.failure(f"`{tool} {args[0]}` exited with status {result.returncode}: "
                               f"{(result.stderr or result.stdout).strip()[-1500:]}")

    def start(self, tool, folder):
        log = open(os.path.join(self.folder, os.path.basename(folder) + ".out"), "w")
        self.logs.append(log)
        self.processes.append(subprocess.Popen([os.path.join(VENV, "bin", tool), "start", "--nodaemon", folder],
                                               cwd=self.folder, stdout=log, stderr=subprocess.STDOUT,
                                               start_new_session=True))

    def failure(self, what):
        """An error saying `what`, with the end of the master's and the worker's logs (the folder is kept)."""
        tails = []
        for name in ("master", "worker"):
            path = os.path.join(self.folder, name, "twistd.log")
            try:
                with open(path, errors="replace") as log:
                    tails.append(f"--- {path} (end) ---\n{log.read()[-1500:]}")
            except OSError:
                tails.append(f"--- {path}: none ---")
        return RuntimeError(f"{what}; kept {self.folder}\n" + "\n".join(tails))

    def api(self, path, data=None):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.www}{path}", data=data, timeout=30) as response:
            return response.read()

    def wait_for_worker(self, timeout=90):
        deadline = time.time() + timeout
        while time.time() < deadline:
            for name, process in zip(("master", "worker"), self.processes):
                if process.poll() is not None:
                    raise self.failure(f"Buildbot's {name} exited with status {process.returncode} before the worker "
                                       "connected (a port taken meanwhile?)")
            try:
                workers = json.loads(self.api("/api/v2/workers"))["workers"]
                if workers and workers[0]["connected_to"]:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise self.failure(f"Buildbot's worker did not connect within {timeout} s")

    def completed(self):
        query = "complete=true&field=number&field=complete&field=results"
        return json.loads(self.api(f"/api/v2/builders/pipeline/builds?{query}"))["builds"]

    def run_pipeline(self, revision, timeout=120):
        """Seconds from the change reaching the master's web hook (as a git hook would send it) until the
        pipeline's build is complete, seen by polling its REST API every 10 ms."""
        before = len(self.completed())
        started = time.perf_counter()
        self.api("/change_hook/base", urllib.parse.urlencode({
            "revision": revision, "branch": "main", "repository": self.repository, "project": "",
            "author": "bench <bench@example.invalid>", "comments": "bench"}).encode())
        while time.perf_counter() - started < timeout:
            builds = self.completed()
            if len(builds) > before:
                if builds[-1]["results"] != 0:
                    raise self.failure(f"Buildbot's build {builds[-1]['number']} did not succeed")
                return time.perf_counter() - started
            time.sleep(0.01)
        raise self.failure(f"Buildbot's build did not complete within {timeout} s")

    def close(self, keep=False):
        """Stops both processes (TERM, then KILL after 15 s or on a second interrupt); removes the folder unless
        `keep`."""
        try:
            for process in self.processes:
                signal_group(process, signal.SIGTERM)
            for process in self.processes:
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    pass
        finally:
            for process in self.processes:
                if process.poll() is None:
                    signal_group(process, signal.SIGKILL)
                    process.wait()
            for log in self.logs:
                log.close()
            if not keep:
                shutil.rmtree(self.folder, ignore_errors=True)


def signal_group(process, number):
    """`number` to the process group the process leads (the master or the worker, and what it started without a
    group of its own), if it is still there."""
    try:
        os.killpg(process.pid, number)
    except ProcessLookupError:
        pass


def bench_buildbot(repository, revision, samples):
    """Figure 8's Buildbot samples (seconds), after one build to warm the master, the worker and the checkout."""
    ensure_buildbot()
    buildbot = Buildbot(repository)
    try:
        buildbot.run_pipeline(revision)
        samples = [buildbot.run_pipeline(revision) for _ in range(samples)]
    except BaseException:
        buildbot.close(keep=True)
        raise
    buildbot.close()
    return samples
