import PipelineModel
import Shell
import StoreCore
import Testing

/// The prompt counts versions the scheduler holds back, from the scheduler's own reasons.
struct PromptBuilderTests {
    func work(_ version: Int64, _ reason: WaitReason) -> WaitingWork {
        WaitingWork(versionID: version, priority: .normal, stage: "sandbox", job: nil, reason: reason)
    }

    @Test func heldCountsVersionsWaitingForAnEnvironmentOrAPatchNotForTheEngine() {
        let waiting = [
            work(2, .environment("sandbox", holder: 11)), work(2, .task("deploy")), work(3, .patchFirst(stage: "sandbox", patches: [9])),
            work(4, .keptForPatches(environment: "perf", patches: [9])), work(5, .engine), work(6, .jobSlot), work(7, .task("deploy")),
        ]
        #expect(PromptBuilder.held(waiting) == 3)
        #expect(PromptBuilder.held([]) == 0)
    }

    @Test func thePromptShowsHeldVersionsBesideTheRunningOnes() {
        let counts = PipelineCounts(running: 3, stopped: 0, awaitingApproval: 1, patches: [])
        let plain = TextStyle(unicode: true)
        #expect(PromptBuilder.prompt(pipeline: "shop", counts: counts, held: 2, style: plain) == "shop ▶3 ⏸2 ?1 › ")
        #expect(PromptBuilder.prompt(pipeline: "shop", counts: counts, held: 0, style: plain) == "shop ▶3 ?1 › ")
        let ascii = TextStyle(unicode: false)
        #expect(PromptBuilder.prompt(pipeline: "shop", counts: counts, held: 2, style: ascii) == "shop run:3 held:2 approve:1> ")
        #expect(PromptBuilder.prompt(pipeline: "shop", counts: counts, engineStopped: true, style: ascii)
                == "shop run:3 approve:1 engine-stopped> ")
    }

    @Test func workNoEngineMayRunIsHeldAndNamedInThePrompt() {
        let waiting = [
            work(2, .labels(["production"], engines: [])), work(3, .labels(["production"], engines: [])),
            work(4, .labels(["browser"], engines: ["builder-1"])), work(5, .labels(["eu", "production"], engines: [])),
        ]
        #expect(PromptBuilder.held(waiting) == 3, "v4's engine is alive: it only has to get to it")
        #expect(PromptBuilder.unplaced(waiting) == ["production", "eu+production"])
        let counts = PipelineCounts(running: 1, stopped: 0, awaitingApproval: 0, patches: [])
        #expect(PromptBuilder.prompt(pipeline: "shop", counts: counts, held: 1, unplaced: ["production"],
                                     style: TextStyle(unicode: false)) == "shop run:1 held:1 no-engine:production> ")
    }
}
