import Foundation
import StageRunner

/// What the engine reads from the world, passed in so tests can fix it: the clock, the process launcher, the host.
public struct EngineEnvironment: Sendable {
    /// Seconds since 1970.
    public var now: @Sendable () -> Double
    public var launcher: any CommandLaunching
    public var host: String
    /// How many tasks may run at once.
    public var maxRunningTasks: Int
    /// Told each job's process group, to stop them should the engine die (`JobGroupWatch`); nil in tests.
    public var jobWatch: JobGroupWatch?
    /// Where declared secrets are read from (the engine's own environment).
    public var variables: [String: String] = ProcessInfo.processInfo.environment
    /// The store's own credentials: variables no job or notification command receives (a team's `CDSH_STATE` URL,
    /// `PGPASSWORD`), and values masked in every log should a job find them anyway (the store's password).
    public var storeCredentials: (variables: Set<String>, values: [String]) = ([], [])

    public init(now: @escaping @Sendable () -> Double, launcher: any CommandLaunching, host: String, maxRunningTasks: Int) {
        self.now = now
        self.launcher = launcher
        self.host = host
        self.maxRunningTasks = maxRunningTasks
    }

    /// The real clock and launcher, and the job limit of this process's environment.
    public static func live() -> EngineEnvironment {
        EngineEnvironment(
            now: { Date().timeIntervalSince1970 }, launcher: CommandRunner(),
            host: ProcessInfo.processInfo.hostName, maxRunningTasks: jobLimit(ProcessInfo.processInfo.environment))
    }

    /// How many tasks an engine started with `environment` runs at once: `CDSH_MAX_JOBS`, else 16.
    public static func jobLimit(_ environment: [String: String]) -> Int {
        max(1, environment["CDSH_MAX_JOBS"].flatMap(Int.init) ?? 16)
    }
}
