import StoreCore
import Testing

/// Reading several statements at once (`queryEach`, one round trip on PostgreSQL) gives each statement's rows as
/// reading them one by one does: every type, order, an empty result.
struct CombinedReadContractTests {
    static let statements: [SQL] = [
        """
        SELECT 7 AS whole, CAST(2.5 AS DOUBLE PRECISION) AS half, CAST(3.0 AS DOUBLE PRECISION) AS whole_real,
        CAST(1796638482.451371 AS DOUBLE PRECISION) AS stamp, 'a "quoted" \\ line
        ünïcode ✓' AS words, '42' AS digits, 'true' AS word_true, NULL AS absent, \(true) AS flag
        """,
        "SELECT 3 AS n UNION ALL SELECT 1 UNION ALL SELECT 2 ORDER BY n DESC",
        "SELECT 1 AS n WHERE 1 = 0",
    ]

    @Test(arguments: StoreKind.allCases)
    func readTogetherTheRowsAreThoseReadOneByOne(_ kind: StoreKind) async throws {
        let (store, remove) = try await kind.make()
        defer { remove() }
        let database = try #require(store as? any SQLDatabase)
        let (together, alone) = try await database.transaction(.read) { connection in
            (try await connection.queryEach(Self.statements), try await Self.oneByOne(connection))
        }
        #expect(together.map(\.count) == [1, 3, 0])
        let row = try #require(together.first?.first)
        #expect(try row.int64("whole") == 7)
        #expect(try row.double("half") == 2.5)
        #expect(try row.double("whole_real") == 3.0)
        #expect(try row.double("stamp") == 1796638482.451371)
        #expect(try row.string("words") == "a \"quoted\" \\ line\nünïcode ✓")
        #expect(try row.string("digits") == "42")
        #expect(try row.string("word_true") == "true")
        #expect(try row.optionalString("absent") == nil)
        #expect(try row.bool("flag"))
        #expect(try together[1].map { try $0.int64("n") } == [3, 2, 1])
        let loneRow = try #require(alone.first?.first)
        for column in ["whole", "stamp"] { #expect(try row.double(column) == loneRow.double(column)) }
        #expect(try row.string("words") == loneRow.string("words"))
        #expect(try alone[1].map { try $0.int64("n") } == [3, 2, 1])
    }

    static func oneByOne(_ connection: any SQLConnection) async throws -> [[SQLRow]] {
        var results: [[SQLRow]] = []
        for statement in statements { results.append(try await connection.query(statement)) }
        return results
    }
}
