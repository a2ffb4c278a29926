"""Bad input and fuzzing: the malformed corpus through the real binary, and cdsh-fuzz's seeded inputs."""
import json
import os
import re
import subprocess
import time

from project_fixture import Project

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
POSITIONED = re.compile(r":\d+:\d+: error: .{10,}")


def corpus(binary):
    folder = os.path.join(ROOT, "Tests", "Corpus", "pipelines")
    answered, crashed, files = 0, [], sorted(name for name in os.listdir(folder) if name.endswith(".yml"))
    for name in files:
        project = Project(binary, {"cdsh.yml": open(os.path.join(folder, name), "rb").read()}, prefix="cdsh-corpus-")
        try:
            result = project.cdsh("submit", timeout=60)
            if result.returncode < 0 or result.returncode >= 128:
                crashed.append(name)
            elif result.returncode == 2 and POSITIONED.search(result.stderr):
                answered += 1
        finally:
            project.close()
    commands_file = os.path.join(ROOT, "Tests", "Corpus", "commands.txt")
    lines = [line for line in open(commands_file).read().splitlines()]
    project = Project(binary, {"cdsh.yml": "name: c\nstages:\n  - name: commit\n    jobs:\n      build: {run: 'touch a', artifacts: [a]}\n"},
                      prefix="cdsh-corpus-")
    try:
        result = project.invoke(["-f", commands_file, "--continue-on-error"])
        reported = {int(match) for match in re.findall(rf"cdsh:{re.escape(commands_file)}:(\d+): error: ", result.stderr)}
        command_crash = result.returncode < 0 or result.returncode >= 128
    finally:
        project.close()
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
