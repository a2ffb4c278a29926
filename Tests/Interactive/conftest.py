"""Fixtures and helpers for the terminal tests: the interactive shell driven through a real pseudo-terminal
(pexpect), and through tmux where the test must read the screen as a person sees it.

Each test gets a throw-away git repository, HOME and history file; EDITRC=/dev/null keeps the
user's ~/.editrc out. Assertions look at command output, not at the echoed line, because libedit
redraws the line with cursor escapes.
"""
import os
import re
import shlex
import shutil
import subprocess
import tempfile
import time

import pexpect
import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BINARY = os.environ.get("CDSH_BIN", os.path.join(ROOT, ".build", "debug", "cdsh"))
PROMPT = "› "

PIPELINE = """\
name: demo
deploy: ./deploy.sh
environments:
  sandbox: {}
  production: {}
stages:
  - name: commit
    jobs:
      build: {run: "mkdir -p dist && echo built > dist/app.txt", artifacts: [dist/app.txt]}
  - name: sandbox
    environment: sandbox
    jobs:
      smoke: "true"
  - name: production
    environment: production
    approval: manual
    jobs:
      smoke: "true"
"""


@pytest.fixture
def project():
    folder = tempfile.mkdtemp(prefix="cdsh-pty-")
    home = os.path.join(folder, "home")
    repo = os.path.join(folder, "repo")
    os.makedirs(home)
    os.makedirs(repo)
    with open(os.path.join(repo, "cdsh.yml"), "w") as handle:
        handle.write(PIPELINE)
    with open(os.path.join(repo, "deploy.sh"), "w") as handle:
        handle.write("#!/bin/sh\necho deployed $CDSH_VERSION to $CDSH_ENVIRONMENT\n")
    os.chmod(os.path.join(repo, "deploy.sh"), 0o755)
    env = dict(os.environ)
    env.update({
        "HOME": home, "CDSH_HISTFILE": os.path.join(home, "history"), "EDITRC": "/dev/null",
        "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "TERM": "xterm", "NO_COLOR": "1", "CDSH_ENGINE_IDLE": "1",
        "CDSH_USER": "oncall", "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid",
    })
    for command in (["git", "init", "-q", "-b", "main"], ["git", "add", "-A"], ["git", "commit", "-qm", "first"]):
        subprocess.run(command, cwd=repo, env=env, check=True)
    yield {"repo": repo, "env": env, "history": env["CDSH_HISTFILE"]}
    subprocess.run(["pkill", "-f", f"engine {repo}/.cdsh"], check=False)
    shutil.rmtree(folder, ignore_errors=True)


def cdsh(project, *commands):
    """Runs a scripted cdsh beside the interactive one."""
    args = [BINARY]
    for command in commands:
        args += ["-c", command]
    return subprocess.run(args, cwd=project["repo"], env=project["env"], capture_output=True, text=True, timeout=60)


def shell(project, dimensions=(30, 120)):
    """The interactive shell on the project in a pseudo-terminal of `dimensions` (rows, columns), at its prompt."""
    child = pexpect.spawn(BINARY, cwd=project["repo"], env=project["env"], encoding="utf-8", timeout=15,
                          dimensions=dimensions)
    child.expect_exact(PROMPT)
    return child


def ready_version(project):
    result = cdsh(project, "submit", "wait v1 --timeout 60s")
    assert result.returncode == 0, result.stderr


def leave(child):
    child.sendcontrol("d")
    child.expect(pexpect.EOF)
    child.close()
    return child.exitstatus


@pytest.fixture
def team(project):
    """The project on a throw-away PostgreSQL server with one team engine: shells on other machines share it."""
    cluster = tempfile.mkdtemp(prefix="cdsh-pg-pty-")
    started = subprocess.run([os.path.join(ROOT, "scripts", "pg-cluster"), "start", cluster], capture_output=True,
                             text=True)
    assert started.returncode == 0, started.stderr
    project["env"]["CDSH_STATE"] = started.stdout.strip()
    engine = subprocess.Popen([BINARY, "engine", "--name", "pty", "--cache", os.path.join(cluster, "engine")],
                              cwd=project["repo"], env=project["env"], stdin=subprocess.DEVNULL,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    yield project
    engine.terminate()
    engine.wait(timeout=30)
    subprocess.run([os.path.join(ROOT, "scripts", "pg-cluster"), "stop", cluster], check=False)


class Screen:
    """cdsh in a tmux window, a real terminal that reflows on resize: keys go in, and the screen comes out as a
    person sees it (`tmux capture-pane`)."""

    def __init__(self, project, width=100, height=30, reported_width=None):
        """`reported_width` makes the terminal tell cdsh it has that many columns while tmux shows `width`: what a
        program sees when it reads the width just before a resize."""
        self.socket = os.path.join(project["repo"], "..", "tmux.sock")
        self.target = "cdsh"
        variables = " ".join(f"{key}={shlex.quote(value)}" for key, value in project["env"].items()
                             if key.isidentifier())
        stty = f"stty cols {reported_width} && " if reported_width else ""
        command = f"cd {shlex.quote(project['repo'])} && {stty}exec env -i {variables} {shlex.quote(BINARY)}"
        self.tmux("new-session", "-d", "-s", self.target, "-x", str(width), "-y", str(height), command)
        try:
            self.wait_for(re.escape(PROMPT.strip()))
        except BaseException:
            self.close()
            raise

    def tmux(self, *args):
        return subprocess.run(["tmux", "-S", self.socket, *args], capture_output=True, text=True, check=True).stdout

    def type(self, text):
        """Types `text` literally."""
        self.tmux("send-keys", "-t", self.target, "-l", "--", text)

    def press(self, *keys):
        """Presses keys by tmux name: Enter, Tab, C-a, C-d."""
        self.tmux("send-keys", "-t", self.target, *keys)

    def resize(self, width, height=30):
        self.tmux("resize-window", "-t", self.target, "-x", str(width), "-y", str(height))

    def text(self):
        """The visible screen as tmux shows it: trailing spaces and blank lines dropped."""
        return self.tmux("capture-pane", "-p", "-t", self.target).rstrip("\n")

    def lines(self):
        return self.text().split("\n")

    def wait_for(self, pattern, timeout=30):
        """Waits until `pattern` (a regular expression) is on the screen; returns the screen."""
        deadline = time.time() + timeout
        while True:
            screen = self.text()
            if re.search(pattern, screen, re.MULTILINE):
                return screen
            if time.time() > deadline:
                raise AssertionError(f"not on the screen after {timeout}s: {pattern!r}\n--- screen ---\n{screen}")
            time.sleep(0.1)

    def close(self):
        subprocess.run(["tmux", "-S", self.socket, "kill-server"], capture_output=True)


@pytest.fixture
def screen(project):
    """A factory for tmux screens on the project, all closed after the test."""
    screens = []

    def open_screen(**size):
        screens.append(Screen(project, **size))
        return screens[-1]
    yield open_screen
    for opened in screens:
        opened.close()

