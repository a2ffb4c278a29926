import Foundation
import PipelineModel
@testable import Shell
import StoreCore
import Testing
import TestSupport

/// The report page from known content: every name a user chose (project, stage, job, environment, commit, audit)
/// holding markup and characters XML forbids, shown as text in a page that stays well-formed.
struct HTMLReportTests {
    static let hostile = "<b>x</b> & \"q\" 'a' \u{FFFF}\u{FFFE}\u{07}end"
    static let shown = "<b>x</b> & \"q\" 'a' end"

    static func content(now: Double) -> ReportContent {
        let stage = "deploy " + hostile, environment = "prod " + hostile, job = "smoke " + hostile
        let plan = PipelinePlan(name: "shop " + hostile, environments: [EnvironmentSpec(name: environment)],
                                stages: [StageSpec(name: stage, environment: environment, approval: .manual,
                                                   jobs: [JobSpec(name: job, commands: ["true"])])])
        var version = VersionRecord(commitID: "c0ffee " + hostile, ref: "main", priority: .security, note: hostile,
                                    planJSON: "{}", sourcePath: "/src", pipelinePath: "/src/cdsh.yml",
                                    submittedBy: hostile, submittedAt: now - 100)
        version.id = 1
        let attempt = AttemptRecord(id: 1, versionID: 1, stageIndex: 0, stage: stage, number: 1, state: .passed,
                                    createdAt: now - 90, startedAt: now - 80, finishedAt: now - 10)
        var deploy = DeployRecord(environment: environment, versionID: 1, attemptID: 1, taskID: 1, artifactsJSON: "{}",
                                  configDigest: nil, scriptDigest: "s", who: hostile, startedAt: now - 80, result: .passed)
        deploy.id = 1
        deploy.finishedAt = now - 70
        let facts = DeliveryFacts(
            versions: [.init(id: 1, commitID: version.commitID, priority: .security, submittedAt: now - 100)],
            attempts: [attempt],
            jobs: [.init(attemptID: 1, name: job, state: .passed, startedAt: now - 60, finishedAt: now - 10)],
            deploys: [deploy])
        let stats = DeliveryStats(facts: facts, environment: environment, since: now - 7 * 86_400, until: now,
                                  commitTimes: [:], stageOrder: [stage])
        let task = TaskRecord(id: 1, attemptID: 1, kind: .job, name: job, state: .passed, startedAt: now - 60,
                              finishedAt: now - 10)
        return ReportContent(
            title: plan.name, generatedAt: now, stats: stats, plan: plan, current: [deploy],
            versions: [.init(version: version, details: VersionDetails(attempts: [attempt], tasks: [task]))],
            audit: [AuditEntry(id: 7, at: now - 5, who: hostile, action: "approve " + hostile, versionID: 1,
                               detail: hostile, previousHash: "", hash: "")])
    }

    @Test func everyNameIsShownAsTextInAWellFormedPage() throws {
        let html = HTMLReport.document(Self.content(now: 1_800_000_000))
        let page = ParsedPage(Data(html.utf8))
        #expect(page.error == nil, "\(page.error ?? "")")
        #expect(Set(page.elements.map(\.name)).isDisjoint(with: ["b", "script", "img", "link"]), "markup stays text")
        #expect(page.elements.first { $0.name == "title" }?.text == "shop \(Self.shown): delivery report")
        let stream = try #require(page.element(id: "value-stream")).text
        for name in ["deploy ", "prod ", "smoke "] {
            #expect(stream.contains(name + "<b>x</b>") || stream.contains(name + "<b>x</b> & \"q"), "\(name) in \(stream)")
        }
        #expect(!html.contains("\u{FFFF}") && !html.contains("\u{FFFE}") && !html.contains("\u{07}"))
        let audit = try #require(page.element(id: "audit")).text
        #expect(audit.contains("approve \(Self.shown)") && audit.contains(Self.shown), "\(audit)")
        let timeline = try #require(page.element(id: "timeline"))
        #expect(timeline.all.contains { $0.attributes["data-version"] == "v1" })
        #expect(timeline.text.contains("security"), "a security patch is marked")
    }

    @Test func aMeasureOfZeroIsATickAndNoChangesIsSaidSo() throws {
        let html = HTMLReport.document(Self.content(now: 1_800_000_000))
        let measures = try #require(ParsedPage(Data(html.utf8)).element(id: "measures"))
        // One change, not failed: its day has a rate of 0 % (a tick), the other six days had no changes.
        let rates = measures.all.filter { $0.name == "rect" && $0.attributes["fill"] == "var(--fail)" }
        #expect(rates.count == 1 && rates.first?.attributes["height"] == "1", "\(rates.map(\.attributes))")
        #expect(measures.text.contains("nothing restored in the window"))
        #expect(measures.text.contains("per day"))
    }
}
