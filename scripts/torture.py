#!/usr/bin/env python3
"""cdsh torture: crash recovery, concurrent shells, fuzzing, artifact tampering, secret masking, bad input and bad days,
counted. Exits 1 when any count that must be zero is not. Full mode writes docs/reliability.md."""
import argparse
import contextlib
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torture_concurrency  # noqa: E402
import torture_crash  # noqa: E402
import torture_faults  # noqa: E402
import torture_inputs  # noqa: E402
import torture_records  # noqa: E402
import torture_secrets  # noqa: E402
import torture_tamper  # noqa: E402
import torture_team  # noqa: E402
from doc_table import write_table  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))


def ms(seconds):
    return f"{seconds * 1000:.0f} ms"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--fuzzer", required=True)
    parser.add_argument("--short", action="store_true")
    arguments = parser.parse_args()
    short = arguments.short
    sizes = dict(pipelines=12 if short else 200, team_pipelines=4 if short else 40, team_versions=6 if short else 30, seconds=5 if short else 60,
                 fuzz=10_000 if short else 1_000_000, lines=10_000)
    rows, failures = [], []

    def must_be_zero(name, value):
        if value:
            failures.append(f"{name}: {value}")
        return value

    def section(title):
        print(f"torture: {title}", file=sys.stderr, flush=True)

    def crash_row(number, title, crash, prefix):
        """A crash run's row; the embedded store's also counts SQLite's own integrity check."""
        integrity = "" if prefix else f"integrity failures {must_be_zero('integrity', crash['integrity_failures'])}, "
        return (number, title,
                f"versions lost {must_be_zero(prefix + 'versions lost', crash['versions_lost'])}, {integrity}"
                f"stages out of order {must_be_zero(prefix + 'out of order', crash['stages_out_of_order'])}, "
                f"jobs run twice {must_be_zero(prefix + 'jobs twice', crash['jobs_run_twice'])}, "
                f"production deploys twice {must_be_zero(prefix + 'production twice', crash['production_deploys_twice'])}, "
                f"audit chain broken {must_be_zero(prefix + 'audit', crash['audit_chain_broken'])}",
                f"{crash['interrupted_versions']} versions interrupted, {crash['rerun_to_production']} taken to production "
                f"by `rerun`, {must_be_zero(prefix + 'stuck', crash['stuck'])} stuck; named points not reached "
                f"{must_be_zero(prefix + 'points not reached', crash['points_not_reached'])}")

    def concurrency_row(number, title, busy, prefix, integrity_label):
        """A concurrency run's row; the error samples go to stderr."""
        if busy["error_samples"]:
            print(json.dumps(busy["error_samples"], indent=1), file=sys.stderr)
        return (number, f"{title} for {busy['seconds']} s ({busy['commands']} commands, {busy['submits']} submits, "
                f"{busy['approvals']} approvals)",
                f"errors shown {must_be_zero(prefix + 'errors shown', busy['errors'])}, commands lost "
                f"{must_be_zero(prefix + 'commands lost', busy['commands_lost'])}, {integrity_label} "
                f"{must_be_zero(prefix + 'integrity', busy['integrity_failures'])}",
                f"latency p50 {busy['p50_ms']} ms, p99 {busy['p99_ms']} ms")

    section(f"crash ({sizes['pipelines']} pipelines)")
    crash = torture_crash.run(arguments.binary, sizes["pipelines"], 2026)
    recovery = crash["recovery_seconds"]
    rows.append(crash_row("1", f"crash: {crash['pipelines']} pipelines, engine SIGKILLed ({crash['named_crashes']} at "
                          f"named points, {crash['random_crashes']} at random moments)", crash, ""))
    rows.append(("1b", "recovery: first command after the crash → the dead engine's jobs marked interrupted",
                 f"median {ms(statistics.median(recovery) if recovery else 0)}, "
                 f"p95 {ms(torture_crash.percentile(recovery, 0.95))}", f"{len(recovery)} crashes with jobs running"))
    if torture_crash.percentile(recovery, 0.95) >= 1:
        failures.append("recovery p95 >= 1 s")

    section(f"crash on a team's PostgreSQL store ({sizes['team_pipelines']} pipelines)")
    with team_store() as url:
        team_crash = torture_crash.run(arguments.binary, sizes["team_pipelines"], 2026, team_store=url)
    rows.append(crash_row("1c", f"crash on a team's PostgreSQL store: {team_crash['pipelines']} pipelines, the team "
                          f"engine SIGKILLed ({team_crash['named_crashes']} at named points, {team_crash['random_crashes']} "
                          "at random moments) and started again under its name", team_crash, "team "))

    section(f"team: 3 engines on PostgreSQL, {sizes['team_versions']} versions, kills, cuts, a restart, a partition")
    team = torture_team.run(arguments.binary, sizes["team_versions"], 2026)
    if team["cut_skipped"]:
        print(f"torture: the cut-off engine was not tried: {team['cut_skipped']}", file=sys.stderr)
    if team["idle_engine"]:
        print("torture: the cut-off engine was alive and beating but took no work for 90 s while builds waited; "
              "restarted", file=sys.stderr)
    if team["cut_skipped"] or team["idle_engine"]:
        for what in ("engines_then", "tasks_then", "queued_then", "cut_connections", "cut_log"):
            if what in team:
                print(f"torture: {what.replace('_', ' ')}: {team[what]}", file=sys.stderr)
    for sample in team["stuck_samples"]:
        print(f"torture: team version stuck: {sample}", file=sys.stderr)
    cut = (f"the cut-off engine's jobs stopped {team['cut']:.1f} s after its link was cut (grace {torture_team.GRACE} s), "
           f"another engine had them {team['taken_over_after']:.1f} s after the cut"
           if team["cut"] is not None else f"partition not tried: {team['cut_skipped']}")
    rows.append(("1d", f"team: 3 engines on one PostgreSQL server, {team['versions']} versions; {team['kills']} engines "
                 f"SIGKILLed at random, {team['terminations']} times every connection cut (pg_terminate_backend), "
                 f"{team['restarts']} server restart, one engine cut off from the server (its own network namespace) "
                 "while its jobs ran",
                 f"versions lost {must_be_zero('team versions lost', team['versions_lost'])}, jobs run twice "
                 f"{must_be_zero('team jobs twice', team['jobs_run_twice'])}, environments held by two at once "
                 f"{must_be_zero('team environments twice', team['environments_held_twice'])}, production deploys twice "
                 f"{must_be_zero('team production twice', team['production_deploys_twice'])}, audit chain broken "
                 f"{must_be_zero('team audit', team['audit_chain_broken'])}, cut-off jobs running past the grace period "
                 f"{must_be_zero('team fence', team['jobs_after_grace'])}, taken-over work resumed "
                 f"{must_be_zero('team resumed', team['resumed_after_takeover'])}, stuck "
                 f"{must_be_zero('team stuck', team['stuck'])}, partition not tried where possible "
                 f"{must_be_zero('team partition not tried', int(team['partition_possible'] and team['cut'] is None))}, "
                 f"engine idle while work waited {must_be_zero('team idle engine', team['idle_engine'])}",
                 f"{cut}; server restart {team['restart_seconds']:.1f} s; {team['interrupted_reruns']} interrupted "
                 "stages brought through by `rerun`"))

    section(f"concurrency (8 shells, {sizes['seconds']} s)")
    busy = torture_concurrency.run(arguments.binary, 8, sizes["seconds"], 2026)
    rows.append(concurrency_row("2", "concurrency: 8 shells, a mixed stream", busy, "", "integrity failures"))

    section(f"concurrency on a team's PostgreSQL store (8 shells, one team engine, {sizes['seconds']} s)")
    with team_store() as url:
        team = torture_concurrency.run(arguments.binary, 8, sizes["seconds"], 2026, team_store=url)
    rows.append(concurrency_row("2b", "concurrency on a team's PostgreSQL store: 8 shells and a team engine", team,
                                "team ", "audit chain broken"))

    for target in ("commands", "pipelines"):
        section(f"fuzzing {target} ({sizes['fuzz']} inputs)")
        result = torture_inputs.fuzz(arguments.fuzzer, target, sizes["fuzz"], min(sizes["fuzz"], 100_000), seed=2026)
        rows.append(("3a" if target == "commands" else "3b", f"fuzzing the {'command parser and Tab completion' if target == 'commands' else 'pipeline loader'}"
                     f" ({result['inputs']:,} seeded inputs)",
                     f"crashes {must_be_zero('fuzz crashes', result['crashes'])}, over 1 s "
                     f"{must_be_zero('fuzz slow', result['over_1s'])}, refused without an error "
                     f"{must_be_zero('no diagnostic', result['rejected_without_error'])}",
                     f"slowest {result['slowest_ms']} ms; {result['rejected']:,} refused; {result['seconds']} s"))
        if result["crash_seeds"]:
            print(json.dumps(result["crash_seeds"], indent=1), file=sys.stderr)

    section("tampering")
    tamper = torture_tamper.run(arguments.binary)
    rows.append(("4", f"tampering: {tamper['ways']} ways to damage stored artifacts or a job's copy",
                 f"not blocked {must_be_zero('tamper not blocked', tamper['ways'] - tamper['blocked'])}",
                 "every deploy refused before it ran, or saw only the verified bytes"))
    for case in tamper["not_blocked"]:
        print(json.dumps(case), file=sys.stderr)

    section("tampering with the state database")
    records = torture_records.run(arguments.binary)
    rows.append(("4b", f"tampering: {records['ways']} edits of the state database (plan, version row, artifact rows, "
                 "decisions, audit entries deleted or rewritten with the chain recomputed)",
                 f"not blocked {must_be_zero('record edits not blocked', records['ways'] - records['blocked'])}",
                 "the edited version's deploy did not run and `audit --verify` failed; an edit of history alone "
                 "failed `audit --verify`"))
    for case in records["not_blocked"]:
        print(json.dumps(case), file=sys.stderr)

    section(f"secrets ({sizes['lines']} lines)")
    secrets = torture_secrets.run(arguments.binary, sizes["lines"])
    leaks = sum(secrets["leaks"].values())
    rows.append(("5", f"secrets: {secrets['generated_lines']:,} generated records with a secret in raw, base64 "
                 "(any alignment, wrapped at any width), hex (plain, spaced, colon, xxd and od layouts) and percent-encoded "
                 "forms, and a multi-line key indented or line by line",
                 f"leaks {must_be_zero('secret leaks', leaks)}, generated lines missing from the log "
                 f"{must_be_zero('secret lines missing', secrets['lines_missing'])}",
                 "; ".join(f"{name} {count}" for name, count in secrets["leaks"].items())))

    section("bad input corpus")
    bad = torture_inputs.corpus(arguments.binary)
    rows.append(("6", f"bad input: {bad['pipeline_files']} malformed pipeline files, {bad['command_lines']} malformed command lines",
                 f"crashes {must_be_zero('corpus crashes', bad['pipeline_files_crashed'] + bad['command_crashes'])}, "
                 f"without a positioned error {must_be_zero('unanswered', bad['pipeline_files'] - bad['pipeline_files_answered'] + bad['command_lines'] - bad['command_lines_answered'])}",
                 "pipelines: `FILE:LINE:COLUMN: error:` and exit 2; commands: `cdsh:FILE:LINE: error:`"))

    section("bad days: a full disk, output errors, 16 first uses at once, a dead engine under logs --follow, limits")
    faults = torture_faults.run(arguments.binary, short)
    disk, output, first, follow, limits = (faults[key] for key in ("disk", "output", "first", "follow", "limits"))
    if "skipped" in disk:
        print(f"torture: full disk not run: {disk['skipped']}", file=sys.stderr)
    rows.append(("7a", f"full disk: {disk['runs']} runs, the state on a 32 MiB tmpfs filled while a job writes its log, "
                 "while an artifact is stored, and before a deploy is recorded" + (f" (not run: {disk['skipped']})" if "skipped" in disk else ""),
                 f"crashes {must_be_zero('disk crashes', disk['crashes'])}, stuck versions "
                 f"{must_be_zero('disk stuck', disk['stuck'])}, lost records {must_be_zero('disk lost', disk['lost'])}, "
                 f"without `engine stopped: disk full` {must_be_zero('disk unclear', disk['unclear'])}",
                 "the task ends errored with the reason, the engine stops, every command exits 3 until there is room"))
    for sample in output.get("samples", []):
        print(sample, file=sys.stderr)
    rows.append(("7b", f"output errors: {output['cases']} runs with stdout or stderr full (/dev/full) or closed",
                 f"crashes {must_be_zero('output crashes', output['crashes'])}, wrong exit status "
                 f"{must_be_zero('output status', output['wrong_status'])}",
                 "a failed write of the output says one line and exits 1"))
    rows.append(("7c", f"first use: 16 processes on a new state folder at once, {first['rounds']} times",
                 f"failed {must_be_zero('first uses failed', first['failures'])}", f"{first['starts']} starts"))
    rows.append(("7d", f"`logs --follow` while its engine is SIGKILLed, {follow['rounds']} times",
                 f"hung {must_be_zero('follow hung', follow['hung'])}, without `interrupted` and exit 1 "
                 f"{must_be_zero('follow unclear', follow['unclear'])}",
                 f"slowest end {follow['slowest']:.1f} s after the kill"))
    rows.append(("7e", "limits: 300 MB of stdin without a newline, a 2 MB pipeline file, an alias bomb, 5,000 levels of nesting",
                 f"without a positioned error and exit 2 within 5 s {must_be_zero('limits unanswered', limits['unanswered'])}",
                 f"stdin read in {limits['stdin_peak_mb']} MB resident at most"))

    for row in rows:
        print("  ".join(row))
    if failures:
        print("torture: FAILED: " + "; ".join(failures), file=sys.stderr)
    if not short and not failures:
        write(rows)
    return 1 if failures else 0


@contextlib.contextmanager
def team_store():
    """A throw-away PostgreSQL cluster (scripts/pg-cluster) for the team runs; yields its URL."""
    cluster = tempfile.mkdtemp(prefix="cdsh-torture-pg-")
    script = os.path.join(ROOT, "scripts", "pg-cluster")
    url = subprocess.run([script, "start", cluster], check=True, text=True, capture_output=True).stdout.strip()
    try:
        yield url
    finally:
        subprocess.run([script, "stop", cluster], check=False, capture_output=True)


def write(rows):
    source = f"{os.cpu_count()} cores, Linux {platform.release()}, cdsh release build, by `scripts/torture`"
    write_table(os.path.join(ROOT, "docs", "reliability.md"), "torture", source,
                ["#", "what", "must be zero", "figures"], rows)

if __name__ == "__main__":
    sys.exit(main())
