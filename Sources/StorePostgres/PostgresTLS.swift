import Foundation
import NIOSSL
import PostgresNIO
import StoreCore

/// How the connection to a team's store is protected, with libpq's words and defaults: `sslmode` (from the URL's
/// `?sslmode=`, else `$PGSSLMODE`, else `prefer`), the CA certificates that vouch for the server (`sslrootcert`,
/// `$PGSSLROOTCERT`, else `~/.postgresql/root.crt` when it exists; `system` for the system's trust store), and a
/// client certificate and key (`sslcert`/`sslkey`, `$PGSSLCERT`/`$PGSSLKEY`, else `~/.postgresql/postgresql.crt`
/// and `.key` when they exist).
public struct PostgresTLS: Sendable, Equatable {
    /// libpq's `sslmode`.
    public enum Mode: String, Sendable, CaseIterable {
        /// Never TLS.
        case disable
        /// TLS when the server offers it (libpq tries without first; cdsh, like `prefer`, tries TLS first).
        case allow
        /// TLS when the server offers it, without checking its certificate; plain otherwise.
        case prefer
        /// TLS or no connection; the certificate is checked against `sslrootcert` only when there is one.
        case require
        /// TLS, and the server's certificate must be signed by a CA of `sslrootcert`.
        case verifyCA = "verify-ca"
        /// As `verify-ca`, and the certificate must name the host connected to.
        case verifyFull = "verify-full"
    }

    /// How the server's certificate is checked.
    enum Check: Equatable {
        case none
        case authority
        case authorityAndHost
    }

    public var mode: Mode
    /// `sslrootcert`: a PEM file of CA certificates, or `system`.
    public var rootCertificate: String?
    /// `sslcert` and `sslkey`: the client's certificate chain and private key, PEM files.
    public var clientCertificate: String?
    public var clientKey: String?

    public init(mode: Mode = .prefer, rootCertificate: String? = nil, clientCertificate: String? = nil,
                clientKey: String? = nil) {
        self.mode = mode
        self.rootCertificate = rootCertificate
        self.clientCertificate = clientCertificate
        self.clientKey = clientKey
    }

    /// Reads the settings from the URL's parameters, then the `PG*` variables, then the files libpq looks for in
    /// `home`; refuses a mode it does not know, a check without CA certificates, and a certificate without its key.
    init(parameters: [String: String], environment: [String: String], home: String) throws {
        func given(_ value: String?) -> String? { value.flatMap { $0.isEmpty ? nil : $0 } }
        let modeText = given(parameters["sslmode"]) ?? given(environment["PGSSLMODE"]) ?? Mode.prefer.rawValue
        guard let mode = Mode(rawValue: modeText) else {
            throw StoreError.unavailable("sslmode=\(modeText) is not a mode; use one of "
                                         + Mode.allCases.map(\.rawValue).joined(separator: ", "))
        }
        func existing(_ path: String) -> String? { FileManager.default.fileExists(atPath: path) ? path : nil }
        self.mode = mode
        rootCertificate = given(parameters["sslrootcert"]) ?? given(environment["PGSSLROOTCERT"])
            ?? existing("\(home)/.postgresql/root.crt")
        clientCertificate = given(parameters["sslcert"]) ?? given(environment["PGSSLCERT"])
            ?? existing("\(home)/.postgresql/postgresql.crt")
        clientKey = given(parameters["sslkey"]) ?? given(environment["PGSSLKEY"])
            ?? clientCertificate.flatMap { _ in existing("\(home)/.postgresql/postgresql.key") }
        // As libpq 16: the system's trust store vouches for any public name, so only the full check means anything.
        if rootCertificate == "system", [.disable, .allow, .prefer].contains(mode) {
            throw StoreError.unavailable("sslrootcert=system needs sslmode=verify-full (sslmode=\(mode.rawValue) would "
                                         + "check nothing): drop sslmode or write sslmode=verify-full")
        }
        if (mode == .verifyCA || mode == .verifyFull) && rootCertificate == nil {
            throw StoreError.unavailable("sslmode=\(mode.rawValue) checks the server's certificate, but no CA certificate "
                + "was given: add sslrootcert=FILE to the URL (or set PGSSLROOTCERT, or put it in ~/.postgresql/root.crt; "
                + "sslrootcert=system uses the system's trust store)")
        }
        if clientCertificate != nil && clientKey == nil {
            throw StoreError.unavailable("sslcert is given without its private key: add sslkey=FILE (or set PGSSLKEY)")
        }
    }

    var check: Check {
        switch mode {
        case .disable, .allow, .prefer: .none
        case .require where rootCertificate == "system", .verifyCA where rootCertificate == "system": .authorityAndHost
        case .require: rootCertificate == nil ? .none : .authority  // as libpq: a CA file makes require verify-ca
        case .verifyCA: .authority
        case .verifyFull: .authorityAndHost
        }
    }

    /// The configuration for the connection pool; throws when a certificate or key file cannot be read.
    var clientTLS: PostgresClient.Configuration.TLS {
        get throws {
            switch mode {
            case .disable: return .disable
            case .allow, .prefer: return .prefer(try configuration())
            case .require, .verifyCA, .verifyFull: return .require(try configuration())
            }
        }
    }

    /// The configuration for one direct connection (the reachability probe).
    var connectionTLS: PostgresConnection.Configuration.TLS {
        get throws {
            switch mode {
            case .disable: return .disable
            case .allow, .prefer: return .prefer(try NIOSSLContext(configuration: try configuration()))
            case .require, .verifyCA, .verifyFull: return .require(try NIOSSLContext(configuration: try configuration()))
            }
        }
    }

    /// Runs `body`, which sets up TLS: a failure that is not already in words becomes one that says what to check.
    static func settingUp<Value>(_ body: () throws -> Value) throws -> Value {
        do {
            return try body()
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError.unavailable("cannot set up TLS for the state store (\(error)); check sslrootcert, sslcert "
                                         + "and sslkey")
        }
    }

    private func configuration() throws -> TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        switch check {
        case .none: configuration.certificateVerification = .none
        case .authority: configuration.certificateVerification = .noHostnameVerification
        case .authorityAndHost: configuration.certificateVerification = .fullVerification
        }
        if check != .none, let root = rootCertificate, root != "system" {
            configuration.trustRoots = .certificates(try Self.read("sslrootcert", root) { try NIOSSLCertificate.fromPEMFile($0) })
        }
        if let certificate = clientCertificate, let key = clientKey {
            try Self.checkPrivate(key)
            configuration.certificateChain = try Self.read("sslcert", certificate) { try NIOSSLCertificate.fromPEMFile($0) }
                .map { .certificate($0) }
            configuration.privateKey = .privateKey(try Self.read("sslkey", key) { try NIOSSLPrivateKey(file: $0, format: .pem) })
        }
        return configuration
    }

    private static func read<Value>(_ key: String, _ path: String, _ load: (String) throws -> Value) throws -> Value {
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw StoreError.unavailable("\(key) \(path) cannot be read: "
                + (FileManager.default.fileExists(atPath: path) ? "permission denied" : "no such file"))
        }
        do {
            return try load(path)
        } catch {
            throw StoreError.unavailable("\(key) \(path) is not a PEM file cdsh can use (\(error))")
        }
    }

    /// As libpq: a private key others may read is refused (0600, or 0640 when root owns it). The file a link
    /// points to is what counts (a secret mounted through a symbolic link).
    private static func checkPrivate(_ path: String) throws {
        var info = stat()
        guard stat(path, &info) == 0 else { return }
        let permissions = Int(info.st_mode) & 0o777
        let allowed = info.st_uid == 0 ? 0o640 : 0o600
        if permissions & ~allowed != 0 {
            throw StoreError.unavailable("sslkey \(path) may be read by others (mode \(String(permissions, radix: 8))): "
                                         + "chmod 600 \(path)")
        }
    }
}
