import Foundation
import StoreCore
import StorePostgres
import Testing
import TestSupport

/// A team's store over TLS, against a real server that refuses plain connections (scripts/pg-cluster --tls, with
/// certificates openssl made for the name localhost): each sslmode, a wrong CA and a wrong host name refused in
/// words, a client certificate, and the password from PGPASSWORD or ~/.pgpass, never shown.
@Suite(.serialized)
struct PostgresTLSTests {
    let cluster: PostgresCluster
    let home = NSTemporaryDirectory() + "cdsh-home-\(UUID().uuidString)"

    init() throws {
        cluster = try PostgresCluster.tls.get()
    }

    func url(user: String = "cdsh", host: String = "localhost", database: String, _ parameters: String) -> String {
        "postgres://\(user)@\(host):\(cluster.port)/\(database)?\(parameters)"
    }

    /// Opens the store at `url` (what the URL leaves out read from `environment` and `home`) and reads from it.
    func open(_ url: String, _ environment: [String: String] = [:]) async throws {
        let store = try await PostgresStore.open(try PostgresLocation(url: url, environment: environment, home: home))
        defer { store.close() }
        _ = try await store.versions(limit: 1)
    }

    /// The message a refused connection gives.
    func refusal(_ url: String, _ environment: [String: String] = [:]) async -> String {
        do {
            try await open(url, environment)
            return "connected"
        } catch {
            return "\(error)"
        }
    }

    func database() throws -> String {
        String(try cluster.freshDatabaseURL().split(separator: "/").last!)
    }

    @Test func verifyFullWithTheRightCAAndHostConnects() async throws {
        let name = try database()
        let ca = "\(cluster.tlsFolder)/ca.crt"
        try await open(url(database: name, "sslmode=verify-full&sslrootcert=\(ca)"), ["PGPASSWORD": cluster.password])
        try await open(url(database: name, "sslmode=verify-ca&sslrootcert=\(ca)"), ["PGPASSWORD": cluster.password])
        // psql's defaults: prefer TLS, which this server insists on; the CA from ~/.postgresql/root.crt.
        try FileManager.default.createDirectory(atPath: "\(home)/.postgresql", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: home) }
        try FileManager.default.copyItem(atPath: ca, toPath: "\(home)/.postgresql/root.crt")
        try await open("postgres://cdsh@localhost:\(cluster.port)/\(name)", ["PGPASSWORD": cluster.password])
        try await open(url(database: name, "sslmode=verify-full"), ["PGPASSWORD": cluster.password])
    }

    @Test func aWrongCAOrHostNameIsRefusedInWords() async throws {
        let name = try database()
        let password = ["PGPASSWORD": cluster.password]
        let other = await refusal(url(database: name, "sslmode=verify-ca&sslrootcert=\(cluster.tlsFolder)/other-ca.crt"),
                                  password)
        #expect(other.contains("the server's certificate is not signed by a CA in sslrootcert \(cluster.tlsFolder)/other-ca.crt"),
                "\(other)")
        let host = await refusal(url(host: "127.0.0.1", database: name,
                                     "sslmode=verify-full&sslrootcert=\(cluster.tlsFolder)/ca.crt"), password)
        #expect(host.contains("the server's certificate does not name the host 127.0.0.1"), "\(host)")
        let plain = await refusal(url(database: name, "sslmode=disable"), password)
        #expect(plain.contains("no encryption"), "the server refuses plain connections: \(plain)")
        let missing = await refusal(url(database: name, "sslmode=verify-full&sslrootcert=/nonexistent/ca.crt"), password)
        #expect(missing.contains("sslrootcert /nonexistent/ca.crt cannot be read: no such file"), "\(missing)")
    }

    @Test func aClientCertificateLogsIn() async throws {
        let name = String(try cluster.freshDatabaseURL(owner: "certuser").split(separator: "/").last!)
        let folder = cluster.tlsFolder
        try await open(url(user: "certuser", database: name,
                           "sslmode=verify-full&sslrootcert=\(folder)/ca.crt&sslcert=\(folder)/client.crt&sslkey=\(folder)/client.key"))
        try await open(url(user: "certuser", database: name, "sslmode=verify-full"),
                       ["PGSSLROOTCERT": "\(folder)/ca.crt", "PGSSLCERT": "\(folder)/client.crt", "PGSSLKEY": "\(folder)/client.key"])
        let without = await refusal(url(user: "certuser", database: name, "sslmode=verify-full&sslrootcert=\(folder)/ca.crt"))
        #expect(without.contains("certificate"), "no certificate, no login: \(without)")
    }

    @Test func thePasswordComesFromThePasswordFileAndIsNeverShown() async throws {
        let name = try database()
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: home) }
        try "localhost:\(cluster.port):*:cdsh:\(cluster.password)\n".write(toFile: "\(home)/.pgpass", atomically: true, encoding: .utf8)
        chmod("\(home)/.pgpass", 0o600)
        let target = url(database: name, "sslmode=require")
        try await open(target)
        let wrong = await refusal("postgres://cdsh:not-\(cluster.password)@localhost:\(cluster.port)/\(name)?sslmode=require")
        #expect(wrong.contains("password authentication failed"), "\(wrong)")
        #expect(!wrong.contains(cluster.password), "the password is never printed: \(wrong)")
    }

    @Test func requireAgainstAServerWithoutTLSSaysSo() async throws {
        let plain = try PostgresCluster.shared.get().freshDatabaseURL()
        let refused = await refusal(plain + "?sslmode=require")
        #expect(refused.contains("the server does not offer TLS, and sslmode=require needs it"), "\(refused)")
        try await open(plain, [:])  // prefer: plain when the server offers no TLS, as psql does
    }
}
