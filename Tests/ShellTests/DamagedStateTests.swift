import Foundation
import StoreCore
import Testing

/// A state database edited by hand: commands say what is wrong and exit 3, never a decoder's or a driver's words.
@Suite(.serialized)
struct DamagedStateTests {
    func damage(_ shell: CommandHarness, _ statement: String) async throws {
        try await shell.backend.sqlite.transaction(.write) { connection in
            try await connection.execute(SQL(stringLiteral: statement))
        }
    }

    @Test func aStateThatIsNotOneOfOursIsNamedWithItsColumn() async throws {
        let shell = try CommandHarness()
        _ = await shell.run("submit")
        try await damage(shell, "UPDATE attempt SET state = 'bogus' WHERE id = 1")
        let status = await shell.run("status")
        #expect(status.status == 3)
        #expect(status.error?.message
            == "the state store's column `state` holds \"bogus\" where RunState belongs; was the database edited?")
    }

    @Test func aFrozenPlanThatCannotBeReadIsNamedWithItsVersion() async throws {
        let shell = try CommandHarness()
        _ = await shell.run("submit")
        try await damage(shell, "UPDATE version SET plan_json = '{broken' WHERE id = 1")
        let show = await shell.run("show v1")
        #expect(show.status == 3)
        #expect(show.error?.message == "v1's frozen plan in the state store cannot be read; was the database edited?")
    }
}
