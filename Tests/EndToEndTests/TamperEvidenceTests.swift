import Foundation
import Testing
import TestSupport

/// Someone with write access to the state database (the sqlite3 CLI, ten lines of Python) edits what a deploy
/// trusts: the engine runs nothing of the edited version, and `verify` and `audit --verify` say what was done.
struct TamperEvidenceTests {
    /// A project with v1 built and waiting for approval at production.
    func projectAwaitingApproval(versions: Int = 1) throws -> ProjectFixture {
        let project = try ProjectFixture(files: ReleaseTests.files(specialistSleep: "0"), executables: PipelineFlowTests.executables)
        for number in 1...versions {
            if number > 1 { try project.commit(["NOTES.md": "change \(number)\n"], message: "change \(number)") }
            let submitted = try project.run("submit", "wait v\(number) --timeout 60s")
            #expect(submitted.status == 0, "\(submitted.stderr)")
        }
        return project
    }

    /// Runs Python with `db`, a connection to the project's state database, committed afterwards.
    func edit(_ project: ProjectFixture, _ python: String) throws -> String {
        let script = """
            import hashlib, json, sqlite3
            db = sqlite3.connect("\(project.path)/.cdsh/state.sqlite")
            def append_entry(who, action, version, detail):
                previous = db.execute("SELECT hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()[0]
                at = 1.0 * int(__import__("time").time())
                text = json.dumps(detail, sort_keys=True, separators=(",", ":"))
                digest = hashlib.sha256("\\x1f".join([previous, "%.6f" % at, who, action, str(version), text]).encode()).hexdigest()
                db.execute("INSERT INTO audit (at, who, action, version_id, detail, previous_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)",
                           (at, who, action, version, text, previous, digest))
            def recompute_chain():
                previous = "0" * 64
                for (id, at, who, action, version, detail) in db.execute(
                        "SELECT id, at, who, action, version_id, detail FROM audit ORDER BY id").fetchall():
                    text = "\\x1f".join([previous, "%.6f" % at, who, action, "-" if version is None else str(version), detail])
                    digest = hashlib.sha256(text.encode()).hexdigest()
                    db.execute("UPDATE audit SET previous_hash = ?, hash = ? WHERE id = ?", (previous, digest, id))
                    previous = digest

            """ + python + "\ndb.commit()\n"
        let result = try ProcessRunner.run("/usr/bin/python3", ["-c", script])
        #expect(result.status == 0, "\(result.stderr)")
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func aRewrittenFrozenPlanRunsNothingAndIsReported() throws {
        let project = try projectAwaitingApproval()
        defer { project.remove() }
        let marker = "\(project.path)-pwned"
        // The stronger attacker: the plan's digest column recomputed too, so only the audit chain tells.
        _ = try edit(project, """
            plan = json.loads(db.execute("SELECT plan_json FROM version WHERE id = 1").fetchone()[0])
            plan["deploy"] = "touch \(marker)"
            text = json.dumps(plan, sort_keys=True, separators=(",", ":"))
            db.execute("UPDATE version SET plan_json = ?, plan_digest = ? WHERE id = 1",
                       (text, hashlib.sha256(text.encode()).hexdigest()))
            """)
        let approved = try project.run("approve v1 --reason ok", "wait v1 --timeout 60s")
        #expect(approved.status == 1, "\(approved.stdout)\(approved.stderr)")
        #expect(approved.stderr.contains("frozen plan differs from the one recorded when it was submitted"), "\(approved.stderr)")
        #expect(!FileManager.default.fileExists(atPath: marker), "the attacker's deploy command ran")
        let audit = try project.run("audit --verify")
        #expect(audit.status == 4, "\(audit.stdout)")
        #expect(audit.stderr.contains("v1's frozen plan differs"), "\(audit.stderr)")
        #expect(try project.run("audit v1").stdout.contains("refused-tampered"))
        #expect(try project.run("verify v1").status == 4)
    }

    @Test func anArtifactRowRepointedAtAnotherBlobFailsVerifyAndIsNotDeployed() throws {
        let project = try projectAwaitingApproval(versions: 2)
        defer { project.remove() }
        #expect(try project.run("verify v2").status == 0)
        _ = try edit(project, """
            sha, size = db.execute("SELECT sha256, size FROM artifact WHERE version_id = 1").fetchone()
            db.execute("UPDATE artifact SET sha256 = ?, size = ? WHERE version_id = 2", (sha, size))
            """)
        let verify = try project.run("verify v2")
        #expect(verify.status == 4, "\(verify.stdout)")
        #expect(verify.stdout.contains("artifact list differs from the one its commit stage recorded"), "\(verify.stdout)")
        let approved = try project.run("approve v2 --reason ok", "wait v2 --timeout 60s")
        #expect(approved.status == 1)
        #expect(approved.stderr.contains("artifact list differs"), "\(approved.stderr)")
        #expect(!FileManager.default.fileExists(atPath: "\(project.deployRoot)/production/version"))
        #expect(try project.run("audit --verify").status == 4)
    }

    /// Lead times are measured from the commit's time: moved back a year, it would make every change look slow
    /// (or forward, fast); the submit entry recorded it.
    @Test func aCommitTimeMovedInTheDatabaseIsDetected() throws {
        let project = try projectAwaitingApproval()
        defer { project.remove() }
        let recorded = try project.json("audit v1 --json")
        #expect("\(recorded)".contains("committed"), "the submit entry records the commit's time: \(recorded)")
        _ = try edit(project, "db.execute(\"UPDATE version SET committed_at = committed_at - 31536000 WHERE id = 1\")")
        let audit = try project.run("audit --verify")
        #expect(audit.status == 4, "\(audit.stdout)\(audit.stderr)")
        #expect(audit.stderr.contains("v1's commit time differs from what was recorded when it was submitted"), "\(audit.stderr)")
        let approved = try project.run("approve v1 --reason ok", "wait v1 --timeout 60s")
        #expect(approved.status == 1 && approved.stderr.contains("commit time differs"), "\(approved.stderr)")
    }

    @Test func deletingTheNewestEntriesIsDetectedByAuditAndTheEngine() throws {
        let project = try projectAwaitingApproval()
        defer { project.remove() }
        let clean = try project.run("audit --verify")
        #expect(clean.status == 0 && clean.stdout.contains("witnessed on this machine"), "\(clean.stdout)\(clean.stderr)")
        let remaining = try edit(project, """
            db.execute("DELETE FROM audit WHERE id > (SELECT MAX(id) - 3 FROM audit)")
            print(db.execute("SELECT COUNT(*) FROM audit").fetchone()[0])
            """)
        let audit = try project.run("audit --verify")
        #expect(audit.status == 4)
        #expect(audit.stderr.contains("newest entries were deleted"), "\(audit.stderr)")
        #expect(audit.stderr.contains("the log ends at #\(remaining)"), "\(audit.stderr)")
        let approved = try project.run("approve v1 --reason ok", "wait v1 --timeout 60s")
        #expect(approved.status == 1)
        #expect(approved.stderr.contains("the audit log was altered"), "\(approved.stderr)")
        #expect(!FileManager.default.fileExists(atPath: "\(project.deployRoot)/production/version"))
    }

    @Test func anEditedReasonWithTheChainRecomputedIsDetected() throws {
        let project = try projectAwaitingApproval()
        defer { project.remove() }
        #expect(try project.run("approve v1 --reason 'ship it'", "wait v1 --timeout 60s").status == 0)
        _ = try edit(project, """
            db.execute("UPDATE audit SET detail = replace(detail, 'ship it', 'rubber stamp') WHERE action = 'approve'")
            recompute_chain()
            """)
        let audit = try project.run("audit --verify")
        #expect(audit.status == 4, "\(audit.stdout)")
        // The seals of the recomputed entries no longer match, and the witnessed head's hash changed.
        #expect(audit.stderr.contains("the audit log was altered"), "\(audit.stderr)")
        let unsealed = try project.run("audit --verify", "exit")
        #expect(unsealed.stderr.contains("does not carry this state's seal"), "\(unsealed.stderr)")
    }

    @Test(arguments: [true, false])
    func aGateOpenedInTheDatabaseRunsNothing(withForgedDecision: Bool) throws {
        let project = try projectAwaitingApproval()
        defer { project.remove() }
        let forge = withForgedDecision ? """
            db.execute("INSERT INTO decision (attempt_id, version_id, kind, who, reason, at) "
                       "SELECT id, version_id, 'approve', 'mallory', 'lgtm', strftime('%s', 'now') FROM attempt "
                       "WHERE state = 'awaiting-approval'")
            """ : ""
        _ = try edit(project, forge + "\n" + """
            db.execute("UPDATE attempt SET state = 'queued' WHERE state = 'awaiting-approval'")
            db.execute("UPDATE version SET settled = FALSE")
            """)
        let waited = try project.run("wait v1 --timeout 60s")
        #expect(waited.status == 1, "\(waited.stderr)")
        let expected = withForgedDecision ? "v1's approve by mallory has no entry in the audit log"
            : "v1's production stage went past its gate without the approval it needs (0 of 1)"
        #expect(waited.stderr.contains(expected), "\(waited.stderr)")
        #expect(!FileManager.default.fileExists(atPath: "\(project.deployRoot)/production/version"))
        #expect(try project.run("audit --verify").stderr.contains(expected))
    }

    @Test func anEntryAppendedWithoutTheKeyIsRefusedAndStrippedSealsAreSeen() throws {
        let project = try projectAwaitingApproval(versions: 2)
        defer { project.remove() }
        // The attacker repoints v2's artifact and appends a correctly linked pass that records the forged list.
        _ = try edit(project, """
            sha, size = db.execute("SELECT sha256, size FROM artifact WHERE version_id = 1").fetchone()
            db.execute("UPDATE artifact SET sha256 = ?, size = ? WHERE version_id = 2", (sha, size))
            rows = db.execute("SELECT path, size, sha256 FROM artifact WHERE version_id = 2 ORDER BY path").fetchall()
            listed = "".join("%s\\x1f%d\\x1f%s\\n" % row for row in rows)
            append_entry("engine", "stage-passed", 2,
                         {"stage": "commit", "attempt": "1", "artifacts": hashlib.sha256(listed.encode()).hexdigest()})
            """)
        let approved = try project.run("approve v2 --reason ok", "wait v2 --timeout 60s")
        #expect(approved.status == 1)
        #expect(approved.stderr.contains("does not carry this state's seal"), "\(approved.stderr)")
        #expect(!FileManager.default.fileExists(atPath: "\(project.deployRoot)/production/version"))

        let other = try projectAwaitingApproval()
        defer { other.remove() }
        #expect(try other.run("audit --verify").stdout.contains("sealed from entry #1"))
        _ = try edit(other, "db.execute(\"UPDATE audit SET seal = NULL\")")
        let stripped = try other.run("audit --verify")
        #expect(stripped.status == 4)
        #expect(stripped.stderr.contains("entry #1 does not carry this state's seal"), "\(stripped.stderr)")
    }
}
