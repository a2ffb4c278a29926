import Synchronization

/// The store's calls in progress, each with what it is doing and since when: what a team engine's log names when a
/// settle has not come back (`PostgresStore.callsInProgress`).
final class StoreCalls: Sendable {
    /// One call: what it does now (waiting for a connection, a statement) and since when.
    final class Call: Sendable {
        let started = ContinuousClock.now
        private let doing: Mutex<(what: String, statement: String?, since: ContinuousClock.Instant)>

        init(_ what: String) { doing = Mutex((what, nil, ContinuousClock.now)) }

        /// The call moved on to `what`.
        func note(_ what: String) { doing.withLock { $0 = (what, nil, ContinuousClock.now) } }

        /// The call sent `statement` and waits for its answer.
        func running(_ statement: String) { doing.withLock { $0 = ("running", statement, ContinuousClock.now) } }

        var description: String {
            let (what, statement, since) = doing.withLock { $0 }
            let now = ContinuousClock.now
            let shown = statement.map { " `\($0.split(whereSeparator: \.isWhitespace).joined(separator: " ").prefix(90))`" } ?? ""
            return "\(what)\(shown) for \(Self.seconds(now - since)) (call \(Self.seconds(now - started)) old)"
        }

        private static func seconds(_ duration: Duration) -> String {
            let value = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
            return String(format: "%.1f s", value)
        }
    }

    /// The call the current task is making, so that a statement can say so.
    @TaskLocal static var current: Call?
    private let calls = Mutex<[ObjectIdentifier: Call]>([:])

    /// Runs `body` as a call that starts by doing `what`.
    func run<Result>(_ what: String, _ body: (Call) async throws -> Result) async throws -> Result {
        let call = Call(what)
        calls.withLock { $0[ObjectIdentifier(call)] = call }
        defer { _ = calls.withLock { $0.removeValue(forKey: ObjectIdentifier(call)) } }
        return try await Self.$current.withValue(call) { try await body(call) }
    }

    /// The calls begun more than `seconds` ago, oldest first, each saying what it does.
    func older(than seconds: Double) -> [String] {
        let now = ContinuousClock.now
        return calls.withLock { Array($0.values) }
            .filter { now - $0.started > .seconds(seconds) }
            .sorted { $0.started < $1.started }
            .map(\.description)
    }
}
