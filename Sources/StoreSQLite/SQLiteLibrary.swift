import GRDB
import GRDBSQLite

/// The SQLite library this build links.
public enum SQLiteLibrary {
    /// `3.40.1`.
    public static var version: String { String(cString: sqlite3_libversion()) }
}
