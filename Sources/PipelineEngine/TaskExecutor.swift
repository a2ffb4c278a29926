import Foundation
import PipelineModel
import StoreCore
import StageRunner
import Synchronization

/// Runs one task the scheduler started: checks out the commit, hands over verified artifacts, runs the deploy or
/// the job, stores a commit-stage job's artifacts, and records the outcome.
struct TaskExecutor: Sendable {
    let store: any EngineStore
    let layout: StateLayout
    let artifacts: any BlobStore
    let sources: any SourceLocating
    let environment: EngineEnvironment
    let halt: EngineHalt
    let checkouts: CheckoutCache
    /// Why the engine stopped a task it must record `interrupted` rather than cancelled (it lost its store), by task.
    let interruptions = InterruptionReasons()
    /// Lowers normal jobs' priority while a security patch is in flight.
    let patchYield = PatchYield()

    /// Runs the task to its recorded end. Returns the environment where it made a security patch live (its
    /// production deploy passed) and when the task began, for the engine to block what lacks the patch
    /// (`PatchBlocker`), else nil.
    func execute(_ launch: TaskLaunch) async -> (environment: String, since: Double)? {
        let began = environment.now()
        let secrets = TaskSecrets(launch, variables: environment.variables, storeCredentials: environment.storeCredentials)
        let masker = SecretMasker(secrets: secrets.maskedValues)
        let task = launch.task
        let logPath = layout.logPath(version: launch.version.id!, stage: launch.attempt.stage,
                                     attempt: launch.attempt.number, task: task.name)
        let work = layout.workPath(taskID: task.id!)
        var outcome: (ProcessOutcome, [ArtifactRecord])
        do {
            try FileManager.default.createDirectory(atPath: (logPath as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
            let descriptor = open(logPath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
            if descriptor >= 0 { close(descriptor) }
            outcome = try await run(launch, secrets: secrets, work: work, logPath: logPath)
        } catch where EngineHalt.isDiskFull(error) {
            outcome = (ProcessOutcome(state: .errored, reason: "disk full while \(task.name) ran"), [])
            halt.request("disk full in \(layout.folder)")
        } catch {
            append(logPath, "cdsh: \(ErrorText.describe(error))")
            outcome = (ProcessOutcome(state: .errored, reason: ErrorText.describe(error)), [])
        }
        if let failure = outcome.0.logFailure {
            let cause = failure == ENOSPC || failure == EDQUOT ? "disk full" : String(cString: strerror(failure))
            outcome.0.reason = "\(cause) while writing the log of \(task.name) in \(layout.folder); it was stopped"
            if failure == ENOSPC || failure == EDQUOT { halt.request("disk full in \(layout.folder)") }
        } else if outcome.0.state == .cancelled, let stopping = halt.requested {
            outcome.0 = ProcessOutcome(state: .errored, reason: "the engine stopped: \(stopping)")
        } else if outcome.0.state == .cancelled, let reason = interruptions.take(task.id!) {
            outcome.0 = ProcessOutcome(state: .interrupted, reason: reason)
        }
        try? FileManager.default.removeItem(atPath: work)
        if task.kind == .job { CrashPoint.jobExited.reach() }
        // Recorded from a task of its own: a stopped task's (cancelled) would fail every store call at once.
        let ended = outcome
        return await Task {
            await record(ended, of: launch, masker: masker, logPath: logPath, began: began)
        }.value
    }

    /// Records how `launch`'s task ended. A task left `running` would hold its environment for good: this keeps
    /// trying while the store is away — but only three times once the engine stops for a full disk (the next
    /// engine's recovery settles it then).
    private func record(
        _ outcome: (ProcessOutcome, [ArtifactRecord]), of launch: TaskLaunch, masker: SecretMasker, logPath: String,
        began: Double
    ) async -> (environment: String, since: Double)? {
        let task = launch.task
        let delays = [1, 2, 4, 8, 15, 30, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60]
        var failures = 0
        while failures < (halt.requested == nil ? delays.count : min(delays.count, 3)) {
            do {
                try await store.recordTaskFinished(taskID: task.id!, state: outcome.0.state, exitCode: outcome.0.exitCode,
                                                   reason: outcome.0.reason.map(masker.mask), artifacts: outcome.1,
                                                   logPath: logPath, now: environment.now())
                let patchWentLive = task.kind == .deploy && outcome.0.state == .passed && launch.version.priority == .security
                    && task.environment == launch.plan.productionEnvironment
                return patchWentLive ? task.environment.map { ($0, began) } : nil
            } catch {
                if EngineHalt.isDiskFull(error) { halt.request("disk full in \(layout.folder)") }
                let delay = halt.requested == nil ? delays[failures] : 1
                failures += 1
                append(layout.engineLogPath, "cdsh engine: could not record the end of task \(task.id!) "
                       + "(trying again in \(delay) s): \(ErrorText.describe(error))")
                try? await Task.sleep(for: .seconds(delay))
            }
        }
        return nil
    }

    private func run(
        _ launch: TaskLaunch, secrets: TaskSecrets, work: String, logPath: String
    ) async throws -> (ProcessOutcome, [ArtifactRecord]) {
        let version = launch.version, attempt = launch.attempt, task = launch.task
        let source = "\(work)/src"
        let stored = try await store.artifacts(of: version.id!)
        if let problem = try await store.trustProblem(of: version, artifacts: attempt.stageIndex == 0 ? nil : stored) {
            append(logPath, "cdsh: \(task.name) did not run: \(problem)")
            try? await store.refuseUntrusted(versionID: version.id!, taskID: task.id!, reason: problem, now: environment.now())
            return (ProcessOutcome(state: .errored, reason: "\(problem); nothing ran (`audit --verify` checks the log)"), [])
        }
        if let missing = secrets.missingReason(launch) {
            append(logPath, "cdsh: \(task.name) did not run: \(missing)")
            return (ProcessOutcome(state: .errored, reason: missing), [])
        }
        try? FileManager.default.removeItem(atPath: work)  // a state folder made anew restarts task numbers
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        let repository: String
        do {
            repository = try await sources.repository(for: version)
        } catch {
            append(logPath, "cdsh: \(ErrorText.describe(error))")
            return (ProcessOutcome(state: .errored, reason: ErrorText.describe(error)), [])
        }
        let clock = ContinuousClock(), checkoutStarted = clock.now
        guard let made = await checkouts.materialize(commit: version.commitID, source: repository, into: source,
                                                     logPath: logPath) else {
            return (ProcessOutcome(state: .errored, reason: "could not check out commit \(version.commitID.prefix(12)) from \(repository)"), [])
        }
        let took = (clock.now - checkoutStarted).components
        let milliseconds = Double(took.seconds) * 1000 + Double(took.attoseconds) / 1e15
        append(logPath, "cdsh: checked out \(version.commitID.prefix(12)) in \(String(format: "%.1f", milliseconds)) ms (\(made.rawValue))")
        var variables = [
            LeftoverProcesses.workspaceVariable: work,
            "CDSH_VERSION": version.name, "CDSH_COMMIT": version.commitID, "CDSH_STAGE": attempt.stage,
            "CDSH_JOB": task.name, "CDSH_ATTEMPT": String(attempt.number), "CDSH_PRIORITY": version.priority.rawValue,
            "CDSH_PIPELINE": launch.plan.name,
        ]
        if attempt.stageIndex != 0 {
            let folder = "\(work)/artifacts"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            for artifact in stored {
                do {
                    try await artifacts.verifiedCopy(path: artifact.path, digest: artifact.sha256, to: "\(folder)/\(artifact.path)")
                } catch let error as ArtifactError {
                    append(logPath, "cdsh: \(error)")
                    return (ProcessOutcome(state: .errored, reason: error.description), [])
                }
            }
            variables["CDSH_ARTIFACTS"] = folder
        }
        var configPath: String?
        if let name = task.environment {
            variables["CDSH_ENVIRONMENT"] = name
            if let config = launch.plan.environment(named: name)?.config {
                let path: String
                do {
                    path = try RepositoryPath.resolve(config, in: source)
                } catch let error as RepositoryPathError {
                    return (ProcessOutcome(state: .errored, reason: "config file \(error) of environment `\(name)` "
                                           + "in commit \(version.commitID.prefix(12)); the task did not run"), [])
                }
                variables["CDSH_CONFIG"] = path
                configPath = path
            }
        }
        switch task.kind {
        case .deploy:
            return (try await deploy(launch, secrets: secrets, source: source, configPath: configPath, variables: variables,
                                     stored: stored, logPath: logPath), [])
        case .job:
            return try await job(launch, secrets: secrets, source: source, variables: variables, logPath: logPath)
        }
    }

    private func deploy(
        _ launch: TaskLaunch, secrets: TaskSecrets, source: String, configPath: String?, variables: [String: String],
        stored: [ArtifactRecord], logPath: String
    ) async throws -> ProcessOutcome {
        guard let command = launch.plan.deploy, let environmentName = launch.task.environment else {
            return ProcessOutcome(state: .errored, reason: "the pipeline declares no deploy command")
        }
        let digests = Dictionary(uniqueKeysWithValues: stored.map { ($0.path, $0.sha256) })
        let script: String
        do {
            script = try scriptDigest(command, source: source)
        } catch let error as RepositoryPathError {
            let reason = "deploy script \(error) in commit \(launch.version.commitID.prefix(12)); the deploy did not run"
            append(logPath, "cdsh: \(reason)")
            return ProcessOutcome(state: .errored, reason: reason)
        }
        let decisions = try await store.decisions(of: launch.version.id!).filter { $0.attemptID == launch.attempt.id }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let record = DeployRecord(
            environment: environmentName, versionID: launch.version.id!, attemptID: launch.attempt.id!,
            taskID: launch.task.id!, artifactsJSON: String(decoding: try encoder.encode(digests), as: UTF8.self),
            configDigest: try configPath.map { try ArtifactStore.hash(fileAt: $0, copyingTo: nil).sha256 },
            scriptDigest: script,
            who: decisions.last { $0.kind == "approve" }?.who ?? launch.attempt.requestedBy ?? launch.version.submittedBy,
            startedAt: environment.now(), result: .running)
        if let earlier = try await store.passedDeploys(of: launch.version.id!).first(where: { $0.scriptDigest != record.scriptDigest }) {
            let reason = "the deploy script differs from the one \(launch.version.name)'s deploy to \(earlier.environment) used "
                + "(sha256 \(record.scriptDigest.prefix(12)) instead of \(earlier.scriptDigest.prefix(12))); every environment "
                + "must be deployed the same way, so the deploy did not run"
            append(logPath, "cdsh: \(reason)")
            return ProcessOutcome(state: .errored, reason: reason)
        }
        let live = launch.attempt.isDeployOnly ? nil : try await store.liveVersion(in: environmentName)
        if Supersession.supersedes(liveVersion: live, versionID: launch.version.id!, priority: launch.version.priority,
                                   environment: environmentName, plan: launch.plan), let newer = live {
            let reason = Supersession.reason(versionID: launch.version.id!, environment: environmentName, newer: newer)
            append(logPath, "cdsh: the deploy did not run: \(reason)")
            return ProcessOutcome(state: .errored, reason: reason)
        }
        if !decisions.contains(where: \.overridesPatch),
           let refusal = try await RegressionGuard(store: store, sources: sources).refusal(deploying: launch.version, to: environmentName) {
            append(logPath, "cdsh: \(refusal)")
            return ProcessOutcome(state: .errored, reason: refusal)
        }
        let durable = environmentName == launch.plan.productionEnvironment
        let deploy = try await store.beginDeploy(record, durable: durable)
        CrashPoint.deployRecorded.reach()
        let outcome = await launchCommands([command], launch: launch, secrets: secrets, source: source, variables: variables,
                                           logPath: logPath, timeout: JobSpec.defaultTimeoutSeconds)
        CrashPoint.deployExited.reach()
        try await store.finishDeploy(id: deploy.id!, result: outcome.state, now: environment.now())
        return outcome
    }

    private func job(
        _ launch: TaskLaunch, secrets: TaskSecrets, source: String, variables: [String: String], logPath: String
    ) async throws -> (ProcessOutcome, [ArtifactRecord]) {
        guard let spec = launch.jobSpec else {
            return (ProcessOutcome(state: .errored, reason: "job \(launch.task.name) is not in the plan"), [])
        }
        let started = environment.now()
        let outcome = await launchCommands(spec.commands, launch: launch, secrets: secrets, source: source,
                                           variables: variables, logPath: logPath, timeout: spec.timeoutSeconds)
        guard outcome.state == .passed, launch.attempt.stageIndex == 0, !spec.artifacts.isEmpty else { return (outcome, []) }
        let collector = ArtifactCollector(workspace: source)
        let finished = environment.now()
        var records: [ArtifactRecord] = []
        do {
            for path in try collector.collect(spec.artifacts) {
                let ingestStarted = environment.now()
                let (digest, size) = try await artifacts.ingest(fileAt: "\(source)/\(path)")
                let ingestSeconds = environment.now() - ingestStarted
                records.append(ArtifactRecord(
                    versionID: launch.version.id!, attemptID: launch.attempt.id!, path: path, sha256: digest, size: size,
                    commitID: launch.version.commitID, job: spec.name, command: spec.commands.joined(separator: "\n"),
                    startedAt: started, finishedAt: finished, exitCode: 0, host: environment.host))
                append(logPath, "cdsh: stored artifact \(path) (\(size) bytes, sha256 \(digest)) in \(String(format: "%.3f", ingestSeconds)) s")
            }
        } catch where EngineHalt.isDiskFull(error) {
            halt.request("disk full in \(layout.folder)")
            return (ProcessOutcome(state: .errored, reason: "disk full while storing the artifacts of \(spec.name)"), [])
        } catch let error as StoreError {
            // The store's trouble, not the job's: errored, and `rerun` builds it again.
            append(logPath, "cdsh: \(ErrorText.describe(error))")
            return (ProcessOutcome(state: .errored, exitCode: 0, reason: "storing the artifacts of \(spec.name) failed: "
                                   + ErrorText.describe(error)), [])
        } catch {
            append(logPath, "cdsh: \(ErrorText.describe(error))")
            return (ProcessOutcome(state: .failed, exitCode: 0, reason: ErrorText.describe(error)), [])
        }
        return (outcome, records)
    }

    private func launchCommands(
        _ commands: [String], launch: TaskLaunch, secrets: TaskSecrets, source: String, variables: [String: String],
        logPath: String, timeout: Int
    ) async -> ProcessOutcome {
        let store = self.store
        let taskID = launch.task.id!
        let shipping = (store as? any LogArchive).map { Self.shipLog(to: $0, taskID: taskID, logPath: logPath) }
        defer { shipping?.cancel() }
        // Each command leads a group of its own; the watcher knows the one running now.
        let watch = environment.jobWatch
        let patchYield = PatchYield.yields(launch) ? self.patchYield : nil
        let leading = Mutex<(pid: Int32, yielding: Int?)?>(nil)
        defer {
            if let last = leading.withLock({ $0 }) {
                watch?.ended(last.pid)
                last.yielding.map { patchYield?.ended($0) }
            }
        }
        return await environment.launcher.run(
            CommandSpec(commands: commands, workingDirectory: source, environment: variables, logPath: logPath,
                        timeoutSeconds: timeout, secrets: secrets.maskedValues,
                        removedVariables: CheckoutCache.repositoryVariables.union(secrets.withheld)),
            started: { pid in
                let yielding = patchYield?.started(pid)
                if let previous = leading.withLock({ current in defer { current = (pid, yielding) }; return current }) {
                    watch?.ended(previous.pid)
                    previous.yielding.map { patchYield?.ended($0) }
                }
                watch?.started(pid)
                CrashPoint.commandStarted.reach()
                // The process runs whether or not its id is recorded: a store that does not answer must not hold it.
                _ = try? await Deadline.within(seconds: Self.storeCallLimit) {
                    try await store.recordTaskProcess(taskID: taskID, pid: Int(pid), logPath: logPath)
                }
            })
    }

    /// Seconds a store call on a task's behalf may take before the engine stops waiting for it.
    static let storeCallLimit = 120.0

    /// How much of a running task's log is shipped to a log archive; the whole log's tail goes with its end.
    static let shippedLogLimit: Int64 = 8 << 20

    /// Every second while the task runs, ships what its log gained (already masked) to `archive`, so shells on
    /// other machines can follow it — and read it even if this engine dies.
    private static func shipLog(to archive: any LogArchive, taskID: Int64, logPath: String) -> Task<Void, Never> {
        Task {
            var shipped: Int64 = 0
            while !Task.isCancelled, shipped < shippedLogLimit {
                try? await Task.sleep(for: .seconds(1))
                guard let handle = FileHandle(forReadingAtPath: logPath) else { continue }
                let data = (try? handle.seek(toOffset: UInt64(shipped))).flatMap { _ in
                    try? handle.read(upToCount: Int(min(1 << 20, shippedLogLimit - shipped)))
                } ?? Data()
                try? handle.close()
                guard !data.isEmpty else { continue }
                if (try? await archive.appendLog(taskID: taskID, offset: shipped, bytes: data)) != nil {
                    shipped += Int64(data.count)
                }
            }
        }
    }

    /// The digest of the deploy script the command names when it is a file of the version (checked as
    /// `RepositoryPath` says), else of the command itself (a program on the engine's PATH or an absolute one, or
    /// a missing script, which then fails as the shell reports it).
    private func scriptDigest(_ command: String, source: String) throws -> String {
        guard let script = RepositoryPath.deployScript(of: command),
              RepositoryPath.realPath("\(source)/\(script)") != nil || RepositoryPath.problem(script) != nil
        else { return ArtifactStore.hash(Data(command.utf8)) }
        return try ArtifactStore.hash(fileAt: try RepositoryPath.resolve(script, in: source), copyingTo: nil).sha256
    }

    private func append(_ path: String, _ line: String) {
        OutputWriter.append(TerminalText.field(line) + "\n", toFileAt: path)
    }
}
