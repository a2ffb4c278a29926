"""The one project fixture of scripts/ (torture and bench): a throw-away git project driven through the built binary,
and the engine's pid."""
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import time


class Project:
    """`files` (relative path → text) committed in a new repository; `env` adds to the variables cdsh runs with.
    With `strict`, a command that fails raises instead of returning its result."""

    def __init__(self, binary, files, executables=(), env=None, prefix="cdsh-torture-", strict=False):
        self.binary = binary
        self.strict = strict
        self.folder = tempfile.mkdtemp(prefix=prefix)
        self.out = self.folder + "-out"
        os.makedirs(self.out)
        self.env = dict(os.environ, CDSH_ENGINE_IDLE="5", NO_COLOR="1", LANG="C.UTF-8", CDSH_USER="torture",
                        GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.invalid", GIT_COMMITTER_NAME="t",
                        GIT_COMMITTER_EMAIL="t@example.invalid", OUT=self.out,
                        CDSH_HISTFILE=os.path.join(self.out, "history"), XDG_CACHE_HOME=os.path.join(self.out, "cache"))
        self.env.update(env or {})
        self.env.pop("CDSH_TEST_CRASH_AT", None)
        for relative, text in files.items():
            path = os.path.join(self.folder, relative)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb" if isinstance(text, bytes) else "w") as handle:
                handle.write(text)
            if relative in executables:
                os.chmod(path, 0o755)
        self.git("init", "-q", "-b", "main")
        self.git("add", "-A")
        self.git("commit", "-qm", "first")

    @property
    def state(self):
        return os.path.join(self.folder, ".cdsh")

    def git(self, *args):
        subprocess.run(["git", *args], cwd=self.folder, env=self.env, check=True, capture_output=True)

    def cdsh(self, *commands, extra=None, timeout=120):
        args = []
        for command in commands:
            args += ["-c", command]
        return self.invoke(args, extra=extra, timeout=timeout)

    def invoke(self, args, extra=None, timeout=120):
        """cdsh with these arguments, in the project."""
        started = time.perf_counter()
        result = subprocess.run([self.binary, *args], cwd=self.folder, env=dict(self.env, **(extra or {})),
                                capture_output=True, text=True, timeout=timeout)
        result.seconds = time.perf_counter() - started
        if self.strict and result.returncode != 0:
            raise RuntimeError(f"{args}: {result.stderr}")
        return result

    def json(self, command):
        result = self.cdsh(command + " --json")
        return json.loads(result.stdout) if result.stdout.strip() else {}

    def show(self, version):
        return self.json(f"show {version}")

    def database(self):
        return sqlite3.connect(os.path.join(self.state, "state.sqlite"), timeout=30)

    def engine_pid(self):
        try:
            pid = int(open(os.path.join(self.state, "engine.lock")).read().strip())
        except (OSError, ValueError):
            return None
        return pid if alive(pid) else None

    def stop_engine(self, sig=signal.SIGTERM):
        pid = self.engine_pid()
        if pid is None:
            return
        os.kill(pid, sig)
        wait_until_dead(pid)

    def lines(self, name):
        path = os.path.join(self.out, name)
        return open(path).read().splitlines() if os.path.exists(path) else []

    def close(self, sig=signal.SIGKILL):
        self.stop_engine(sig)
        shutil.rmtree(self.folder, ignore_errors=True)
        shutil.rmtree(self.out, ignore_errors=True)


class TeamEngine:
    """A team's engine for `project` (whose env names the PostgreSQL store in CDSH_STATE), started and killed at will;
    it keeps one name and cache folder, so a restart takes back what the last run left (`recoverOwnWork`)."""

    def __init__(self, project, name="torture", state=None, namespace=None, grace=None, cache="engine"):
        """`state`: the store's URL when not the project's CDSH_STATE; `namespace`: a network namespace to run in
        (`ip netns exec`); `grace`: its --grace; `cache`: its folder's name under the project's output folder."""
        self.project = project
        self.name = name
        self.options = (["--state", state] if state else []) + (["--grace", str(grace)] if grace else [])
        self.prefix = ["ip", "netns", "exec", namespace] if namespace else []
        self.cache = os.path.join(project.out, cache)
        self.process = None
        self.kills = 0

    def start(self, extra=None):
        log = open(os.path.join(self.project.out, f"engine-{self.name}.log"), "a")
        self.process = subprocess.Popen(
            self.prefix + [self.project.binary, "engine", "--name", self.name, "--cache", self.cache] + self.options,
            env=dict(self.project.env, **(extra or {})), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log)

    @property
    def pid(self):
        return self.process.pid if self.process and self.process.poll() is None else None

    def kill(self):
        if self.process:
            self.process.kill()
            self.process.wait()
            self.kills += 1

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


def alive(pid):
    """True while `pid` runs. A dead engine's parent is gone, so it waits as a zombie until process 1 reaps it, which
    here may take seconds: a zombie is dead."""
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    try:
        state = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def wait_until_dead(pid, seconds=10):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if not alive(pid):
            return True
        time.sleep(0.005)
    return False


def percentile(values, fraction):
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]
