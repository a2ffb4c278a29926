import Foundation
import StoreCore
import PostgresNIO

/// Where a PostgreSQL state lives: `postgres://[USER[:PASSWORD]@][HOST][:PORT][/DATABASE][?PARAMETERS]`, with what
/// the URL leaves out taken as psql takes it: `$PGHOST`, `$PGPORT`, `$PGUSER`, `$PGDATABASE`, `$PGPASSWORD`, then
/// `~/.pgpass`; TLS from `sslmode`, `sslrootcert`, `sslcert`, `sslkey` (`PostgresTLS`). The password is never part
/// of `description`.
public struct PostgresLocation: Sendable, Equatable, CustomStringConvertible {
    public var user: String
    public var password: String?
    /// A host name or address, or a folder holding the server's Unix socket (starts with `/`).
    public var host: String
    public var port: Int
    public var database: String
    public var tls: PostgresTLS

    /// The URL parameters cdsh reads; any other is refused.
    public static let parameters = ["sslmode", "sslrootcert", "sslcert", "sslkey", "host", "password"]

    /// True for the `postgres://` and `postgresql://` forms `--state` and `$CDSH_STATE` accept.
    public static func isURL(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    public init(user: String, password: String?, host: String, port: Int, database: String, tls: PostgresTLS = PostgresTLS()) {
        self.user = user
        self.password = password
        self.host = host
        self.port = port
        self.database = database
        self.tls = tls
    }

    /// Reads `text`, filling in what it leaves out from `environment` and the files under `home` as libpq does.
    public init(url text: String, environment: [String: String] = ProcessInfo.processInfo.environment,
                home: String = NSHomeDirectory()) throws {
        let shown = Self.redacted(text)
        guard Self.isURL(text), let components = URLComponents(string: text) else {
            throw StoreError.unavailable("`\(shown)` is not a PostgreSQL URL; write postgres://USER@HOST:PORT/DATABASE")
        }
        var parameters: [String: String] = [:]
        for item in components.queryItems ?? [] {
            guard Self.parameters.contains(item.name), let value = item.value, !value.isEmpty else {
                throw StoreError.unavailable("the state's URL has the parameter `\(item.name)`, which cdsh does not know; it reads "
                    + Self.parameters.joined(separator: ", ") + " (and PGHOST, PGPORT, PGUSER, PGDATABASE, PGPASSWORD, "
                    + "PGSSLMODE, PGSSLROOTCERT, PGSSLCERT, PGSSLKEY, ~/.pgpass)")
            }
            parameters[item.name] = value
        }
        func given(_ value: String?) -> String? { value.flatMap { $0.isEmpty ? nil : $0 } }
        let path = String(components.path.dropFirst())
        guard !path.contains("/") else {
            throw StoreError.unavailable("`\(shown)` names `\(path)` as its database; write postgres://USER@HOST:PORT/DATABASE")
        }
        host = given(parameters["host"]) ?? given(components.host) ?? given(environment["PGHOST"]) ?? "localhost"
        if let port = components.port {
            self.port = port
        } else if let text = given(environment["PGPORT"]) {
            guard let port = Int(text), (1...65535).contains(port) else {
                throw StoreError.unavailable("PGPORT=\(text) is not a port number")
            }
            self.port = port
        } else {
            port = 5432
        }
        user = given(components.user) ?? given(environment["PGUSER"]) ?? NSUserName()
        database = given(path) ?? given(environment["PGDATABASE"]) ?? user
        tls = try PostgresTLS(parameters: parameters, environment: environment, home: home)
        password = try given(components.password) ?? given(parameters["password"]) ?? given(environment["PGPASSWORD"])
            ?? PasswordFile.password(host: host, port: port, database: database, user: user, environment: environment,
                                     home: home)
    }

    /// The URL without its password, for messages.
    public var description: String {
        let settings = tls.mode == .prefer ? "" : "?sslmode=\(tls.mode.rawValue)"
        return host.hasPrefix("/") ? "postgres://\(user)@/\(database)?host=\(host)" + (settings.isEmpty ? "" : "&" + settings.dropFirst())
            : "postgres://\(user)@\(host):\(port)/\(database)\(settings)"
    }

    /// `text` with its password — between `://USER:` and the authority's last `@`, or a `password=` parameter —
    /// replaced by `***`.
    public static func redacted(_ text: String) -> String {
        var text = text
        if let scheme = text.range(of: "://") {
            let authorityEnd = text[scheme.upperBound...].firstIndex { "/?#".contains($0) } ?? text.endIndex
            if let at = text[scheme.upperBound..<authorityEnd].lastIndex(of: "@"),
               let colon = text[scheme.upperBound..<at].firstIndex(of: ":") {
                text = String(text[..<colon]) + ":***" + String(text[at...])
            }
        }
        if let range = text.range(of: #"([?&]password=)[^&#]*"#, options: .regularExpression) {
            let key = text[range].prefix { $0 != "=" }
            text.replaceSubrange(range, with: key + "=***")
        }
        return text
    }

    var connectionConfiguration: PostgresConnection.Configuration {
        get throws {
            host.hasPrefix("/")
                ? PostgresConnection.Configuration(unixSocketPath: socketPath, username: user, password: password, database: database)
                : PostgresConnection.Configuration(host: host, port: port, username: user, password: password, database: database,
                                                   tls: try tls.connectionTLS)
        }
    }

    var configuration: PostgresClient.Configuration {
        get throws {
            host.hasPrefix("/")
                ? PostgresClient.Configuration(unixSocketPath: socketPath, username: user, password: password, database: database)
                : PostgresClient.Configuration(host: host, port: port, username: user, password: password, database: database,
                                               tls: try tls.clientTLS)
        }
    }

    /// The server's socket in a socket folder, named by the port as libpq names it.
    private var socketPath: String { "\(host)/.s.PGSQL.\(port)" }
}
