"""Bad input and fuzzing: the malformed corpus through the real binary, and cdsh-fuzz's seeded inputs."""
import json
import os
import re
import shutil
import subprocess
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
POSITIONED = re.compile(r":\d+:\d+: error: .{10,}")


def corpus(binary):
    folder = os.path.join(ROOT, "Tests", "Corpus", "pipelines")
    answered, crashed, files = 0, [], sorted(name for name in os.listdir(folder) if name.endswith(".yml"))
    env = dict(os.environ, NO_COLOR="1", CDSH_USER="torture", GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.invalid",
               GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.invalid")
    for name in files:
        project = tempfile.mkdtemp(prefix="cdsh-corpus-")
        try:
            shutil.copy(os.path.join(folder, name), os.path.join(project, "cdsh.yml"))
            for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-qm", "corpus"]):
                subprocess.run(["git", *args], cwd=project, env=env, check=True, capture_output=True)
            result = subprocess.run([binary, "-c", "submit"], cwd=project, env=env, capture_output=True, text=True,
                                    timeout=60)
            if result.returncode < 0 or result.returncode >= 128:
                crashed.append(name)
            elif result.returncode == 2 and POSITIONED.search(result.stderr):
                answered += 1
        finally:
            shutil.rmtree(project, ignore_errors=True)
    commands_file = os.path.join(ROOT, "Tests", "Corpus", "commands.txt")
    lines = [line for line in open(commands_file).read().splitlines()]
    project = tempfile.mkdtemp(prefix="cdsh-corpus-")
    try:
        open(os.path.join(project, "cdsh.yml"), "w").write(
            "name: c\nstages:\n  - name: commit\n    jobs:\n      build: {run: 'touch a', artifacts: [a]}\n")
        for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-qm", "corpus"]):
            subprocess.run(["git", *args], cwd=project, env=env, check=True, capture_output=True)
        result = subprocess.run([binary, "-f", commands_file, "--continue-on-error"], cwd=project, env=env,
                                capture_output=True, text=True, timeout=120)
        reported = {int(match) for match in re.findall(rf"cdsh:{re.escape(commands_file)}:(\d+): error: ", result.stderr)}
        command_crash = result.returncode < 0 or result.returncode >= 128
    finally:
        shutil.rmtree(project, ignore_errors=True)
    return {"pipeline_files": len(files), "pipeline_files_answered": answered, "pipeline_files_crashed": len(crashed),
            "command_lines": len(lines), "command_lines_answered": len(reported & set(range(1, len(lines) + 1))),
            "command_crashes": int(command_crash)}


def fuzz(fuzzer, target, total, chunk, seed):
    inputs, slow, crashes, slowest, rejected, no_diagnostic = 0, 0, [], 0.0, 0, 0
    started = time.time()
    for index in range(0, total, chunk):
        count = min(chunk, total - index)
        this_seed = seed + index
        result = subprocess.run([fuzzer, target, str(count), str(this_seed)], capture_output=True, text=True)
        if result.returncode != 0:
            crashes.append({"seed": this_seed, "count": count, "status": result.returncode,
                            "stderr": result.stderr[-300:]})
            continue
        summary = json.loads(result.stdout.strip().splitlines()[-1])
        inputs += summary["inputs"]
        slow += summary["slow"]
        rejected += summary["rejected"]
        slowest = max(slowest, summary["slowest_ms"])
        no_diagnostic += result.stdout.count("NO-DIAGNOSTIC")
    return {"target": target, "inputs": inputs, "crashes": len(crashes), "crash_seeds": crashes[:3],
            "over_1s": slow, "slowest_ms": round(slowest, 1), "rejected": rejected,
            "rejected_without_error": no_diagnostic, "seconds": round(time.time() - started, 1)}
