import GRDB
import StoreCore

// The store core's plain records, as GRDB rows of the embedded store's tables.

extension VersionRecord: FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "version"
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

extension AttemptRecord: FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "attempt"
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

extension TaskRecord: FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "task"
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

extension ArtifactRecord: FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "artifact"
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

extension DeployRecord: FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "deploy"
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

extension DecisionRecord: FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "decision"
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

extension AuditEntry: FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "audit"
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

// Column-by-column decoding: the Decodable path asks the runtime about protocol conformances for every column
// type, which costs a cold process several milliseconds before its first answer.

extension VersionRecord {
    public init(row: Row) throws {
        self.init(commitID: row["commitID"], ref: row["ref"], priority: row["priority"], note: row["note"],
                  planJSON: row["planJSON"], planDigest: row["planDigest"], sourcePath: row["sourcePath"],
                  pipelinePath: row["pipelinePath"], submittedBy: row["submittedBy"], submittedAt: row["submittedAt"])
        id = row["id"]
        cancelledAt = row["cancelledAt"]
        settled = row["settled"]
    }
}

extension AttemptRecord {
    public init(row: Row) throws {
        self.init(id: row["id"], versionID: row["versionID"], stageIndex: row["stageIndex"], stage: row["stage"],
                  number: row["number"], state: row["state"], reason: row["reason"], createdAt: row["createdAt"],
                  startedAt: row["startedAt"], finishedAt: row["finishedAt"], environment: row["environment"],
                  requestedBy: row["requestedBy"], preemptedBy: row["preemptedBy"])
    }
}

extension TaskRecord {
    public init(row: Row) throws {
        self.init(id: row["id"], attemptID: row["attemptID"], kind: row["kind"], name: row["name"],
                  environment: row["environment"], afterTaskID: row["afterTaskID"], state: row["state"],
                  exitCode: row["exitCode"], reason: row["reason"], pid: row["pid"], logPath: row["logPath"],
                  startedAt: row["startedAt"], finishedAt: row["finishedAt"], engine: row["engine"])
    }
}

extension ArtifactRecord {
    public init(row: Row) throws {
        self.init(versionID: row["versionID"], attemptID: row["attemptID"], path: row["path"], sha256: row["sha256"],
                  size: row["size"], commitID: row["commitID"], job: row["job"], command: row["command"],
                  startedAt: row["startedAt"], finishedAt: row["finishedAt"], exitCode: row["exitCode"],
                  host: row["host"])
        id = row["id"]
    }
}

extension DeployRecord {
    public init(row: Row) throws {
        self.init(environment: row["environment"], versionID: row["versionID"], attemptID: row["attemptID"],
                  taskID: row["taskID"], artifactsJSON: row["artifactsJSON"], configDigest: row["configDigest"],
                  scriptDigest: row["scriptDigest"], who: row["who"], startedAt: row["startedAt"], result: row["result"])
        id = row["id"]
        finishedAt = row["finishedAt"]
    }
}
