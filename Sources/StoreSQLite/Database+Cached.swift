import GRDB

// The engine runs the same few queries many times a second. GRDB compiles a statement for every query-interface
// request and plain `fetch(db, sql:)` (with an authorizer callback per column); a cached statement compiles once
// per connection.

extension FetchableRecord where Self: TableRecord {
    /// The row with this id, through a statement compiled once per connection.
    static func fetchCached(_ db: Database, id: Int64) throws -> Self? {
        try fetchOne(db.cachedStatement(sql: "SELECT * FROM \(databaseTableName) WHERE id = ?"), arguments: [id])
    }
}
