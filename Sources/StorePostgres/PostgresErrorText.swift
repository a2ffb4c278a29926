import PostgresNIO

/// postgres-nio's errors print a fixed "generic description" so that queries cannot leak into logs; this says
/// what went wrong in words a user can act on: the server's message and SQL state, the TLS check that failed and
/// what to change, or the connection problem.
public enum PostgresErrorText {
    /// The readable text of a PostgreSQL error, or nil when `error` did not come from postgres-nio; `location` names
    /// the TLS settings a refused certificate is checked against.
    public static func describe(_ error: any Error, location: PostgresLocation? = nil) -> String? {
        if error is ConnectionClosedUnderStatement {
            return "the connection to the PostgreSQL server closed before it answered (it restarted, an administrator "
                + "ended the connection, or the network dropped it)"
        }
        guard let error = error as? PSQLError else { return nil }
        if let info = error.serverInfo, let message = info[.message] {
            if let state = info[.sqlState], let ended = endedSessions[state] { return ended }
            return "PostgreSQL: \(message)" + (info[.sqlState].map { " (SQLSTATE \($0))" } ?? "")
        }
        if error.code == .sslUnsupported {
            return "the server does not offer TLS, and sslmode=\(location?.tls.mode.rawValue ?? "require") needs it: "
                + "turn on ssl in the server's postgresql.conf, or connect with sslmode=prefer on a trusted network"
        }
        if error.code == .serverClosedConnection || error.code == .uncleanShutdown {
            return "the PostgreSQL server closed the connection (it restarted, or an administrator ended it)"
        }
        if let underlying = error.underlying {
            if underlying is PSQLError { return describe(underlying, location: location) }
            return tlsProblem(underlying, location: location) ?? unreachable(underlying, location: location)
                ?? "PostgreSQL connection: \(underlying)"
        }
        return "PostgreSQL: \(error.code)"
    }

    /// True for an error that only says the connection went away (or the server is not yet taking connections):
    /// nothing of an uncommitted transaction happened, so it may be tried again.
    public static func isLostConnection(_ error: (any Error)?) -> Bool {
        if error is ConnectionClosedUnderStatement { return true }
        guard let error = error as? PSQLError else { return false }
        // A session the server ended (`endedSessions`), or a connection that failed under it (08006, 08003).
        if let state = error.serverInfo?[.sqlState] { return endedSessions[state] != nil || ["08006", "08003"].contains(state) }
        // `clientClosedConnection`: the connection had closed before the statement could be answered (the server ended
        // it a moment before, as a restart or `pg_terminate_backend` does, or the store was closed); what it was part
        // of did not commit, or `COMMIT`'s fate is asked of the server.
        return [.serverClosedConnection, .uncleanShutdown, .connectionError, .clientClosedConnection].contains(error.code)
    }

    /// What the server says as it ends a session, in words: these are what a restart, an administrator or a limit
    /// does to a connection, never the user's doing, and the store tries again before it says so.
    static let endedSessions = [
        "57P01": "the PostgreSQL server ended the connection (it is restarting, or an administrator ended it)",
        "57P02": "the PostgreSQL server ended the connection (it crashed, or another session crashed it)",
        "57P03": "the PostgreSQL server is not taking connections yet (it is starting or shutting down)",
        "57P05": "the PostgreSQL server ended a connection idle for longer than its idle_session_timeout",
        "25P03": "the PostgreSQL server ended a transaction left idle for longer than the limit the store sets",
    ]

    /// A server that cannot be reached, in words: which address, what the network said, what to check.
    static func unreachable(_ underlying: any Error, location: PostgresLocation?) -> String? {
        let text = String(describing: underlying)
        let address = location.map { "\($0.host):\($0.port)" } ?? "the server"
        if text.contains("Connection refused") {
            return "cannot reach the PostgreSQL server at \(address): Connection refused (is it running, and listening "
                + "on that address and port?)"
        }
        if text.contains("connectTimeout") || text.contains("timed out") {
            return "cannot reach the PostgreSQL server at \(address): no answer within the connection timeout (is the "
                + "network up, and does a firewall let it through?)"
        }
        return nil
    }

    /// A refused server certificate in words: which check failed, against what, and what to change.
    static func tlsProblem(_ underlying: any Error, location: PostgresLocation?) -> String? {
        let text = String(describing: underlying)
        let mode = location.map { "sslmode=\($0.tls.mode.rawValue)" } ?? "sslmode"
        if text.contains("failedToValidateHostname") {
            return "TLS: the server's certificate does not name the host \(location?.host ?? "connected to") (\(mode) "
                + "checks it): connect by a host name the certificate holds, or use sslmode=verify-ca"
        }
        if text.contains("CERTIFICATE_VERIFY_FAILED") {
            let root = location?.tls.rootCertificate.map { "sslrootcert \($0)" } ?? "sslrootcert"
            return "TLS: the server's certificate is not signed by a CA in \(root) (or has expired) (\(mode)): give "
                + "the CA certificate that signed the server's, or ask whoever runs the server which it is"
        }
        if text.contains("handshakeFailed") || text.contains("NIOSSL") {
            return "TLS handshake with the server failed (\(mode)): \(text)"
        }
        return nil
    }
}
