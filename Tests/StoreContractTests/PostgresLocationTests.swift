import StoreCore
import StorePostgres
import Testing

/// `--state postgres://…` URLs: what is accepted, and what is refused with a reason.
struct PostgresLocationTests {
    @Test func aFullURLIsRead() throws {
        let location = try PostgresLocation(url: "postgres://deploy:s3cret@db.internal:6543/pipelines")
        #expect(location == PostgresLocation(user: "deploy", password: "s3cret", host: "db.internal", port: 6543,
                                             database: "pipelines"))
        #expect(location.description == "postgres://deploy@db.internal:6543/pipelines", "no password in messages")
        #expect(try PostgresLocation(url: "postgresql://me@localhost/cd").port == 5432)
    }

    @Test(arguments: ["postgres://db.internal/pipelines", "postgres://me@db.internal/", "postgres://me@/cd",
                      "mysql://me@db/cd", "postgres://me@db/cd?sslmode=require", "/var/lib/cdsh"])
    func anIncompleteOrUnsupportedURLIsRefused(_ text: String) {
        #expect(throws: StoreError.self) { try PostgresLocation(url: text) }
    }
}
