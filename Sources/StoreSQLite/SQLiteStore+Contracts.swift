import Foundation
import StoreCore

// The embedded store implements every store contract of the core.

extension SQLiteStore: StateStore {
    public func storedLog(ofTask taskID: Int64) async throws -> Data? { nil }
}

extension SQLiteStore: VersionLedger {}

extension SQLiteStore: SchedulerStore {}

extension SQLiteStore: DecisionStore {}

extension SQLiteStore: EngineStore {}

