"""Bad days, counted: a full disk at each named point, output that cannot be written, 16 first uses of a new state
folder at once, the engine dying under `logs --follow`, and input over every limit. Must be zero: crashes, stuck
versions, lost records, first uses failed, follows that hung, limits unanswered."""
import os
import shutil
import signal
import subprocess
import tempfile
import time

from project_fixture import Project


def make(binary, env=None):
    """The fixture project; its flags live in its out folder."""
    made = Project(binary, FILES, executables=("build.sh", "deploy.sh"), env=env)
    made.env["FLAGS"] = made.out
    return made

# The fixture FullDiskTests uses too: flags in $FLAGS (here the project's out folder) make it misbehave.
FIXTURE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Fixtures", "full-disk")
FILES = {name: open(os.path.join(FIXTURE, name)).read() for name in ("cdsh.yml", "build.sh", "deploy.sh")}


def crashed(result):
    return result.returncode < 0 or result.returncode >= 128


def disk_full(binary, rounds):
    """Each point `rounds` times on a fresh 32 MiB tmpfs holding the state."""
    counts = dict(runs=0, crashes=0, stuck=0, lost=0, unclear=0)
    if os.geteuid() != 0:
        return dict(counts, skipped="mounting a small tmpfs needs root")
    for point in ("log", "artifact", "deploy record") * rounds:
        counts["runs"] += 1
        project = make(binary, env={"CDSH_ENGINE_IDLE": "1"})
        disk = project.folder + "-disk"
        os.makedirs(disk)
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=32m", "tmpfs", disk], check=True)
        project.env["CDSH_STATE"] = os.path.join(disk, "state")
        try:
            results = [project.cdsh("submit", "wait v1 --timeout 60s")]
            if point == "deploy record":
                open(os.path.join(project.out, "fill"), "w").write(os.path.join(disk, "filler"))
            else:
                open(os.path.join(project.out, "loud" if point == "log" else "big"), "w").close()
                free = shutil.disk_usage(disk).free
                with open(os.path.join(disk, "filler"), "wb") as filler:
                    filler.write(b"\0" * max(0, free - 2560 * 1024))
            project.git("commit", "-q", "--allow-empty", "-m", "second")
            results.append(project.cdsh("submit", "wait v2 --timeout 60s"))
            status = project.cdsh("status")
            results.append(status)
            if status.returncode != 3 or "engine stopped: disk full" not in status.stderr:
                counts["unclear"] += 1
            for name in ("filler", ):
                with_path = os.path.join(disk, name)
                if os.path.exists(with_path):
                    os.remove(with_path)
            for flag in ("loud", "big", "fill"):
                if os.path.exists(os.path.join(project.out, flag)):
                    os.remove(os.path.join(project.out, flag))
            results.append(project.cdsh("wait v2 --timeout 60s"))
            after = project.json("status")
            states = {version["id"]: version.get("state") for version in after.get("versions", [])}
            counts["stuck"] += sum(1 for state in states.values() if state in ("running", "queued"))
            counts["lost"] += int(states.get("v1") != "passed" or project.cdsh("audit --verify").returncode != 0)
            counts["crashes"] += sum(1 for result in results if crashed(result))
        finally:
            project.close()
            subprocess.run(["umount", "-l", disk], check=False)
            shutil.rmtree(disk, ignore_errors=True)
    return counts


def output_errors(binary):
    project = make(binary)
    try:
        project.cdsh("submit", "wait v1 --timeout 60s")
        cases = [">/dev/full", "2>/dev/full", ">&-", "2>&-", ">/dev/full 2>&-"]
        crashes, wrong, samples = 0, 0, []
        for redirect in cases:
            for command in ("status", "show v999", "audit --verify"):
                result = subprocess.run(["/bin/sh", "-c", f'"$0" -c "{command}" {redirect}', binary], cwd=project.folder,
                                        env=project.env, capture_output=True, text=True, timeout=60)
                crashes += int(crashed(result))
                if crashed(result) or (redirect.startswith(">/dev/full") and result.returncode != 1):
                    wrong += 1
                    samples.append(f"{command} {redirect}: exit {result.returncode} {result.stderr[-200:]}")
        return dict(cases=len(cases) * 3, crashes=crashes, wrong_status=wrong, samples=samples[:3])
    finally:
        project.close()


def first_uses(binary, rounds):
    project = make(binary)
    failures = 0
    try:
        for _ in range(rounds):
            shutil.rmtree(project.state, ignore_errors=True)
            processes = [subprocess.Popen([binary, "-c", "status"], cwd=project.folder, env=project.env,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) for _ in range(16)]
            for process in processes:
                _, errors = process.communicate(timeout=60)
                failures += int(process.returncode != 0 or bool(errors.strip()))
        return dict(rounds=rounds, starts=rounds * 16, failures=failures)
    finally:
        project.close()


def follow_engine_death(binary, rounds):
    hung, unclear, seconds = 0, 0, []
    for _ in range(rounds):
        project = make(binary)
        try:
            open(os.path.join(project.out, "slow"), "w").close()
            project.cdsh("submit")
            deadline = time.time() + 30
            while not os.path.exists(os.path.join(project.out, "started")) and time.time() < deadline:
                time.sleep(0.05)
            follower = subprocess.Popen([binary, "-c", "logs v1 commit build --follow"], cwd=project.folder,
                                        env=project.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            time.sleep(0.5)
            killed = time.time()
            project.stop_engine(signal.SIGKILL)
            try:
                _, errors = follower.communicate(timeout=20)
                seconds.append(time.time() - killed)
                unclear += int(follower.returncode != 1 or "interrupted" not in errors)
            except subprocess.TimeoutExpired:
                follower.kill()
                hung += 1
        finally:
            project.close()
    return dict(rounds=rounds, hung=hung, unclear=unclear, slowest=max(seconds) if seconds else 0)


def limits(binary):
    project = make(binary)
    unanswered, peak = 0, 0
    try:
        script = ('{ head -c 300000000 /dev/zero | tr "\\0" x; printf "\\nstatus\\n"; } | "$0" --continue-on-error & pid=$!; '
                  'peak=0; while kill -0 $pid 2>/dev/null; do now=$(awk "/VmHWM/ {print \\$2}" /proc/$pid/status 2>/dev/null); '
                  '[ -n "$now" ] && peak=$now; sleep 0.05; done; wait $pid; echo "$? $peak"')
        result = subprocess.run(["/bin/sh", "-c", script, binary], cwd=project.folder, env=project.env,
                                capture_output=True, text=True, timeout=300)
        status, peak = (int(word) for word in result.stdout.split()[-2:])
        unanswered += int(status != 2 or "300000000 bytes long" not in result.stderr)
        folder = tempfile.mkdtemp(prefix="cdsh-limits-")
        big = os.path.join(folder, "big.yml")
        open(big, "w").write("name: x\n# " + "x" * 2_000_000 + "\n")
        bomb = os.path.join(folder, "bomb.yml")
        lines = ["name: x", "stages:", "  - name: commit", "    jobs:",
                 "      b0: {run: 'true', artifacts: &a0 [x, x, x, x, x, x, x, x, x, x]}"]
        lines += [f"      b{n}: {{run: 'true', artifacts: &a{n} [{', '.join([f'*a{n - 1}'] * 10)}]}}" for n in range(1, 10)]
        open(bomb, "w").write("\n".join(lines) + "\n")
        deep = os.path.join(folder, "deep.yml")
        open(deep, "w").write("name: x\nstages: " + "[" * 5000 + "]" * 5000 + "\n")
        for path in (big, bomb, deep):
            started = time.time()
            checked = project.cdsh(f"check {path}", timeout=60)
            unanswered += int(checked.returncode != 2 or ": error: " not in checked.stderr or time.time() - started > 5
                              or "yaml_" in checked.stderr)
        shutil.rmtree(folder, ignore_errors=True)
    finally:
        project.close()
    return dict(cases=4, unanswered=unanswered, stdin_peak_mb=round(peak / 1024))


def run(binary, short):
    return dict(disk=disk_full(binary, 1 if short else 5), output=output_errors(binary),
                first=first_uses(binary, 10 if short else 50), follow=follow_engine_death(binary, 2 if short else 10),
                limits=limits(binary))
