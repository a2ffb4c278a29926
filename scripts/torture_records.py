"""Record torture: someone with write access to the state database (and not to the witness outside it) edits what a
deploy trusts — the frozen plan, the version row, artifact rows, decisions, the audit log itself. Each edit must
be blocked: the version's next deploy does not run, and `audit --verify` fails (exit 4)."""
import hashlib
import json
import os
import time

from project_fixture import Project

PIPELINE = """\
name: records
deploy: ./deploy.sh
environments: {sandbox: {}, production: {}}
stages:
  - name: commit
    jobs:
      build:
        run: ['mkdir -p dist', 'head -c 512 /dev/urandom > dist/app.bin', 'echo settings > dist/settings.txt']
        artifacts: [dist/app.bin, dist/settings.txt]
  - name: sandbox
    environment: sandbox
    approval: manual
    jobs: {smoke: 'true'}
"""
DEPLOY = """#!/bin/sh
echo "$CDSH_VERSION" > "$OUT/deployed-$CDSH_VERSION-$CDSH_ENVIRONMENT"
echo "$CDSH_VERSION $CDSH_ENVIRONMENT" >> "$OUT/deploys"
"""


def recompute_chain(db):
    """What an attacker who knows the hash rule (it is in the source) does after an edit: rewrite every hash."""
    previous = "0" * 64
    rows = db.execute("SELECT id, at, who, action, version_id, detail FROM audit ORDER BY id").fetchall()
    for (entry, at, who, action, version, detail) in rows:
        text = "\x1f".join([previous, "%.6f" % at, who, action, "-" if version is None else str(version), detail])
        digest = hashlib.sha256(text.encode()).hexdigest()
        db.execute("UPDATE audit SET previous_hash = ?, hash = ? WHERE id = ?", (previous, digest, entry))
        previous = digest


def rewrite_plan(db, change, digest=True):
    plan = json.loads(db.execute("SELECT plan_json FROM version WHERE id = 2").fetchone()[0])
    change(plan)
    text = json.dumps(plan, sort_keys=True, separators=(",", ":"))
    if digest:
        db.execute("UPDATE version SET plan_json = ?, plan_digest = ? WHERE id = 2",
                   (text, hashlib.sha256(text.encode()).hexdigest()))
    else:
        db.execute("UPDATE version SET plan_json = ? WHERE id = 2", (text,))


def open_gate(db, forge):
    if forge:
        db.execute("INSERT INTO decision (attempt_id, version_id, kind, who, reason, at) SELECT id, version_id, 'approve', "
                   "'mallory', 'lgtm', ? FROM attempt WHERE version_id = 2 AND state = 'awaiting-approval'", (time.time(),))
    db.execute("UPDATE attempt SET state = 'queued' WHERE version_id = 2 AND state = 'awaiting-approval'")
    db.execute("UPDATE version SET settled = FALSE WHERE id = 2")


def append_forged_pass(db):
    """An artifact row repointed, and a correctly linked pass appended at the head that records the forged list."""
    db.execute("UPDATE artifact SET (sha256, size) = (SELECT sha256, size FROM artifact WHERE version_id = 1 AND "
               "path = 'dist/app.bin') WHERE version_id = 2 AND path = 'dist/app.bin'")
    rows = db.execute("SELECT path, size, sha256 FROM artifact WHERE version_id = 2 ORDER BY path").fetchall()
    listed = "".join("%s\x1f%d\x1f%s\n" % row for row in rows)
    detail = json.dumps({"artifacts": hashlib.sha256(listed.encode()).hexdigest(), "attempt": "1", "stage": "commit"},
                        sort_keys=True, separators=(",", ":"))
    previous = db.execute("SELECT hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()[0]
    at = float(int(time.time()))
    text = "\x1f".join([previous, "%.6f" % at, "engine", "stage-passed", "2", detail])
    db.execute("INSERT INTO audit (at, who, action, version_id, detail, previous_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)",
               (at, "engine", "stage-passed", 2, detail, previous, hashlib.sha256(text.encode()).hexdigest()))


def edit_submit_entry(db):
    """The strongest edit: the plan rewritten, its digest in the submit entry too, and the chain recomputed."""
    rewrite_plan(db, lambda plan: plan.update(deploy="touch $OUT/pwned"))
    digest = db.execute("SELECT plan_digest FROM version WHERE id = 2").fetchone()[0]
    entry, detail = db.execute("SELECT id, detail FROM audit WHERE version_id = 2 ORDER BY id LIMIT 1").fetchone()
    fields = json.loads(detail)
    fields["plan"] = digest
    db.execute("UPDATE audit SET detail = ? WHERE id = ?", (json.dumps(fields, sort_keys=True, separators=(",", ":")), entry))
    recompute_chain(db)


# Each case: what is edited, the edit, whether it opens v2's gate itself (no `approve` then), and whether it touches
# what v2's deploy trusts (then the deploy must not run; an edit of v1's history only needs `audit --verify` to
# fail, as v2 trusts nothing of it).
CASES = [
    ("plan: deploy command rewritten, digest column recomputed",
     lambda db: rewrite_plan(db, lambda plan: plan.update(deploy="touch $OUT/pwned")), False),
    ("plan: deploy command rewritten, digest column left",
     lambda db: rewrite_plan(db, lambda plan: plan.update(deploy="touch $OUT/pwned"), digest=False), False),
    ("plan: a job's commands replaced",
     lambda db: rewrite_plan(db, lambda plan: plan["stages"][1]["jobs"][0].update(commands=["touch $OUT/pwned"])), False),
    ("plan: rewritten with its submit entry and the chain recomputed", edit_submit_entry, False),
    ("version: commit repointed", lambda db: db.execute(
        "UPDATE version SET commit_id = (SELECT commit_id FROM version WHERE id = 1) WHERE id = 2"), False),
    ("version: priority raised to security", lambda db: db.execute(
        "UPDATE version SET priority = 'security' WHERE id = 2"), False),
    ("version: commit time moved back a year", lambda db: db.execute(
        "UPDATE version SET committed_at = committed_at - 31536000 WHERE id = 2"), False),
    ("artifact: row repointed at another stored blob", lambda db: db.execute(
        "UPDATE artifact SET (sha256, size) = (SELECT sha256, size FROM artifact WHERE version_id = 1 AND path = 'dist/app.bin') "
        "WHERE version_id = 2 AND path = 'dist/app.bin'"), False),
    ("artifact: row deleted", lambda db: db.execute(
        "DELETE FROM artifact WHERE version_id = 2 AND path = 'dist/settings.txt'"), False),
    ("artifact: row added", lambda db: db.execute(
        "INSERT INTO artifact (version_id, attempt_id, path, sha256, size, commit_id, job, command, started_at, finished_at, "
        "exit_code, host) SELECT version_id, attempt_id, 'dist/extra.bin', sha256, size, commit_id, job, command, started_at, "
        "finished_at, exit_code, host FROM artifact WHERE version_id = 2 AND path = 'dist/app.bin'"), False),
    ("artifact: row renamed", lambda db: db.execute(
        "UPDATE artifact SET path = 'dist/other.bin' WHERE version_id = 2 AND path = 'dist/app.bin'"), False),
    ("decision: approval forged and the gate opened", lambda db: open_gate(db, forge=True), True),
    ("decision: the gate opened without one", lambda db: open_gate(db, forge=False), True),
    ("attempt: the gate marked passed", lambda db: (db.execute(
        "UPDATE attempt SET state = 'passed' WHERE version_id = 2 AND state = 'awaiting-approval'"), db.execute(
        "UPDATE version SET settled = FALSE WHERE id = 2")), True),
    ("attempt: a rollback of sandbox to v1 queued without a decision", lambda db: (db.execute(
        "INSERT INTO attempt (version_id, stage_index, stage, number, state, created_at, environment, requested_by) "
        "VALUES (1, -1, 'rollback', 1, 'queued', ?, 'sandbox', 'mallory')", (time.time(),)), db.execute(
        "UPDATE version SET settled = FALSE WHERE id = 1")), True),
    ("decision: an earlier approval's approver changed", lambda db: db.execute(
        "UPDATE decision SET who = 'mallory' WHERE version_id = 1"), False, False),
    ("audit: newest three entries deleted", lambda db: db.execute(
        "DELETE FROM audit WHERE id > (SELECT MAX(id) - 3 FROM audit)"), False),
    ("audit: an approval's reason edited", lambda db: db.execute(
        "UPDATE audit SET detail = replace(detail, 'clean', 'rubber stamp') WHERE action = 'approve'"), False, False),
    ("audit: an approval's reason edited and the chain recomputed", lambda db: (db.execute(
        "UPDATE audit SET detail = replace(detail, 'clean', 'rubber stamp') WHERE action = 'approve'"), recompute_chain(db)),
     False),
    ("audit: a middle entry deleted", lambda db: db.execute(
        "DELETE FROM audit WHERE id = (SELECT MIN(id) + 2 FROM audit)"), False, False),
    ("audit: a middle entry deleted and the chain recomputed", lambda db: (db.execute(
        "DELETE FROM audit WHERE id = (SELECT MIN(id) + 2 FROM audit)"), recompute_chain(db)), False),
    ("audit: emptied", lambda db: db.execute("DELETE FROM audit"), False),
    ("audit: a forged pass appended at the head for a repointed artifact", append_forged_pass, False),
    ("audit: every seal removed", lambda db: db.execute("UPDATE audit SET seal = NULL"), False),
]


def run(binary):
    results = []
    for case in CASES:
        name, edit, opened, touches = (case + (True,))[:4]
        project = Project(binary, {"cdsh.yml": PIPELINE, "deploy.sh": DEPLOY}, executables={"deploy.sh"})
        try:
            ready = project.cdsh("submit", "wait v1 --timeout 60s", "approve v1 --reason clean", "wait v1 --timeout 60s")
            project.git("commit", "-q", "--allow-empty", "-m", "second")
            ready2 = project.cdsh("submit", "wait v2 --timeout 60s")
            if ready.returncode != 0 or ready2.returncode != 0:
                raise RuntimeError(f"the clean run failed: {ready.stderr}{ready2.stderr}")
            db = project.database()
            edit(db)
            db.commit()
            db.close()
            before = project.lines("deploys")
            waited = "wait v1 rollback --timeout 30s" if "rollback" in name else "wait v2 --timeout 60s"
            finished = project.cdsh(*([] if opened else ["approve v2 --reason tampered"]), waited)
            audit = project.cdsh("audit --verify")
            deployed = project.lines("deploys") != before
            pwned = os.path.exists(os.path.join(project.out, "pwned"))
            blocked = audit.returncode == 4 and not pwned and (not touches or not deployed)
            results.append({"case": name, "blocked": blocked, "detail": (audit.stderr.strip() or audit.stdout.strip())[-200:],
                            "deploy": (finished.stderr.strip())[-200:]})
        finally:
            project.close()
    return {"ways": len(results), "blocked": sum(1 for r in results if r["blocked"]),
            "not_blocked": [r for r in results if not r["blocked"]], "results": results}


if __name__ == "__main__":
    import sys
    print(json.dumps(run(sys.argv[1]), indent=1))
