import PostgresNIO

/// postgres-nio's errors print a fixed "generic description" so that queries cannot leak into logs; this says
/// what went wrong in words a user can act on: the server's message and SQL state, or the connection problem.
public enum PostgresErrorText {
    /// The readable text of a PostgreSQL error, or nil when `error` did not come from postgres-nio.
    public static func describe(_ error: any Error) -> String? {
        guard let error = error as? PSQLError else { return nil }
        if let info = error.serverInfo, let message = info[.message] {
            return "PostgreSQL: \(message)" + (info[.sqlState].map { " (SQLSTATE \($0))" } ?? "")
        }
        if let underlying = error.underlying { return "PostgreSQL connection: \(underlying)" }
        return "PostgreSQL: \(error.code)"
    }
}
