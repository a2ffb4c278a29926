import Foundation
import StoreCore
import PostgresNIO

/// Where a PostgreSQL state lives: `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE`.
public struct PostgresLocation: Sendable, Equatable, CustomStringConvertible {
    public var user: String
    public var password: String?
    public var host: String
    public var port: Int
    public var database: String

    /// True for the `postgres://` and `postgresql://` forms `--state` and `$CDSH_STATE` accept.
    public static func isURL(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    public init(user: String, password: String?, host: String, port: Int, database: String) {
        self.user = user
        self.password = password
        self.host = host
        self.port = port
        self.database = database
    }

    public init(url text: String) throws {
        guard Self.isURL(text), let components = URLComponents(string: text), let host = components.host, !host.isEmpty,
              let user = components.user, !user.isEmpty else {
            throw StoreError.unavailable("`\(text)` is not a PostgreSQL URL; write postgres://USER@HOST:PORT/DATABASE")
        }
        guard components.query == nil else {
            throw StoreError.unavailable("`\(text)`: connection parameters such as sslmode are not supported yet; "
                + "cdsh connects without TLS, so point it at a server on a trusted network or through a tunnel")
        }
        let database = String(components.path.dropFirst())
        guard !database.isEmpty, !database.contains("/") else {
            throw StoreError.unavailable("`\(text)` names no database; write postgres://USER@HOST:PORT/DATABASE")
        }
        self.user = user
        self.password = components.password
        self.host = host
        self.port = components.port ?? 5432
        self.database = database
    }

    /// The URL without its password, for messages.
    public var description: String { "postgres://\(user)@\(host):\(port)/\(database)" }

    var connectionConfiguration: PostgresConnection.Configuration {
        PostgresConnection.Configuration(host: host, port: port, username: user, password: password, database: database,
                                         tls: .disable)
    }

    var configuration: PostgresClient.Configuration {
        PostgresClient.Configuration(host: host, port: port, username: user, password: password, database: database,
                                     tls: .disable)
    }
}
