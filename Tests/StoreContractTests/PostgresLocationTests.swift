import Foundation
import StoreCore
import StorePostgres
import Testing

/// `--state postgres://…` URLs: what is accepted, what the URL leaves out is taken as psql takes it (PG* variables,
/// ~/.pgpass, ~/.postgresql), and what is refused with a reason — never with the password in it.
struct PostgresLocationTests {
    /// A home folder of its own for each test, so the machine's ~/.pgpass and ~/.postgresql play no part.
    let home = NSTemporaryDirectory() + "cdsh-home-\(UUID().uuidString)"

    func location(_ url: String, _ environment: [String: String] = [:]) throws -> PostgresLocation {
        try PostgresLocation(url: url, environment: environment, home: home)
    }

    @Test func aFullURLIsRead() throws {
        let location = try location("postgres://deploy:s3cret@db.internal:6543/pipelines")
        #expect(location == PostgresLocation(user: "deploy", password: "s3cret", host: "db.internal", port: 6543,
                                             database: "pipelines"))
        #expect(location.description == "postgres://deploy@db.internal:6543/pipelines", "no password in messages")
        #expect(try self.location("postgresql://me@localhost/cd").port == 5432)
        #expect(try self.location("postgres://me:p%40ss@db/cd").password == "p@ss", "percent-escapes are decoded")
    }

    @Test func whatTheURLLeavesOutComesFromThePGVariablesAsForPsql() throws {
        let environment = ["PGHOST": "db.env", "PGPORT": "6000", "PGUSER": "envuser", "PGDATABASE": "envdb",
                           "PGPASSWORD": "envpw", "PGSSLMODE": "require"]
        let filled = try location("postgres://", environment)
        #expect(filled == PostgresLocation(user: "envuser", password: "envpw", host: "db.env", port: 6000, database: "envdb",
                                           tls: PostgresTLS(mode: .require)))
        let url = try location("postgres://me:urlpw@db:5433/cd?sslmode=disable", environment)
        #expect(url == PostgresLocation(user: "me", password: "urlpw", host: "db", port: 5433, database: "cd",
                                        tls: PostgresTLS(mode: .disable)), "the URL wins over the variables")
        #expect(try location("postgres://me@db").database == "me", "the database defaults to the user's name")
        #expect(try location("postgres:///cd").host == "localhost")
        #expect(try location("postgres://me@db/cd").tls.mode == .prefer, "psql's default")
        #expect(try location("postgres:///cd?host=/run/postgresql").description == "postgres://\(NSUserName())@/cd?host=/run/postgresql")
    }

    @Test func thePasswordFileAnswersWhatNothingElseDoes() throws {
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: home) }
        let file = "\(home)/.pgpass"
        try """
            # host:port:database:user:password
            other:5432:*:me:wrong
            db:5432:cd:me:first\\:colon
            *:*:*:me:fallback
            """.write(toFile: file, atomically: true, encoding: .utf8)
        chmod(file, 0o600)
        #expect(try location("postgres://me@db/cd").password == "first:colon")
        #expect(try location("postgres://me@db2:7000/x").password == "fallback")
        #expect(try location("postgres://you@db/cd").password == nil)
        #expect(try location("postgres://me@db/cd", ["PGPASSWORD": "env"]).password == "env", "PGPASSWORD comes first")
        #expect(try location("postgres://me@db/cd", ["PGPASSFILE": "/nonexistent"]).password == nil)
        chmod(file, 0o644)
        #expect(throws: StoreError.self) { try location("postgres://me@db/cd") }
        #expect(try location("postgres://me:given@db/cd").password == "given", "a file not needed is not read")
    }

    @Test func tlsSettingsFollowLibpq() throws {
        try FileManager.default.createDirectory(atPath: "\(home)/.postgresql", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: home) }
        let verify = try location("postgres://me@db/cd?sslmode=verify-full&sslrootcert=/etc/ca.crt")
        #expect(verify.tls == PostgresTLS(mode: .verifyFull, rootCertificate: "/etc/ca.crt"))
        #expect(verify.description == "postgres://me@db:5432/cd?sslmode=verify-full")
        #expect(throws: StoreError.self) { try location("postgres://me@db/cd?sslmode=verify-ca") }
        _ = FileManager.default.createFile(atPath: "\(home)/.postgresql/root.crt", contents: Data())
        #expect(try location("postgres://me@db/cd?sslmode=verify-ca").tls.rootCertificate == "\(home)/.postgresql/root.crt")
        #expect(try location("postgres://me@db/cd", ["PGSSLROOTCERT": "/x.crt"]).tls.rootCertificate == "/x.crt")
        #expect(throws: StoreError.self) { try location("postgres://me@db/cd?sslcert=/c.crt") }
        #expect(try location("postgres://me@db/cd?sslcert=/c.crt&sslkey=/c.key").tls.clientKey == "/c.key")
    }

    @Test(arguments: ["mysql://me@db/cd", "postgres://me@db/cd/extra", "postgres://me@db/cd?sslmode=sometimes",
                      "postgres://me@db/cd?application_name=x", "/var/lib/cdsh"])
    func anIncompleteOrUnsupportedURLIsRefused(_ text: String) {
        #expect(throws: StoreError.self) { try location(text) }
    }

    @Test func aRefusedURLNeverShowsItsPassword() throws {
        for text in ["postgres://me:hunter2@db/cd?bogus=1", "postgres://me:hunter2@db/cd/x", "mysql://me:hunter2@db/cd",
                     "postgres://me@db/cd?password=hunter2&bogus=1", "postgres://me:hun@ter2@db/cd/x"] {
            do {
                _ = try location(text)
                Issue.record("\(text) was accepted")
            } catch {
                #expect(!"\(error)".contains("hunter2") && !"\(error)".contains("ter2"), "\(error)")
            }
        }
        #expect(PostgresLocation.redacted("postgres://me:hun@ter2@db/cd/x") == "postgres://me:***@db/cd/x")
        #expect(PostgresLocation.redacted("postgres://me@db/cd?sslmode=require&password=hunter2")
                == "postgres://me@db/cd?sslmode=require&password=***")
        #expect(try location("postgres://me@db/cd?password=given").password == "given", "libpq's parameter form")
    }
}
