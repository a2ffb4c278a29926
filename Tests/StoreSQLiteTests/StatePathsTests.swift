import StoreCore
import Testing

/// Paths recorded relative to the state folder, so the folder can move with its work tree.
struct StatePathsTests {
    @Test(arguments: [
        ("/home/ann/shop/.cdsh/logs/v1/commit/1/build.log", "logs/v1/commit/1/build.log"),
        ("/home/ann/shop", ".."),
        ("/home/ann/shop/cdsh.yml", "../cdsh.yml"),
        ("/home/ann/shop/deploy/cdsh.yml", "../deploy/cdsh.yml"),
        ("/home/ann/shop/.cdsh", "."),
        ("/home/ann/other", "/home/ann/other"),
        ("/srv/state/logs/x.log", "/srv/state/logs/x.log"),
        ("https://git.example.com/shop.git", "https://git.example.com/shop.git"),
    ])
    func pathsInsideTheWorkTreeAreRecordedRelativeToTheStateFolder(_ path: String, _ recorded: String) {
        #expect(StatePaths.recorded(path, stateFolder: "/home/ann/shop/.cdsh") == recorded)
    }

    @Test func aRecordedPathResolvesWhereTheStateFolderIsNow() {
        let now = "/restored/shop/.cdsh"
        #expect(StatePaths.resolved("logs/v1/commit/1/build.log", stateFolder: now) == "/restored/shop/.cdsh/logs/v1/commit/1/build.log")
        #expect(StatePaths.resolved("..", stateFolder: now) == "/restored/shop")
        #expect(StatePaths.resolved("../cdsh.yml", stateFolder: now) == "/restored/shop/cdsh.yml")
        #expect(StatePaths.resolved("/home/ann/other", stateFolder: now) == "/home/ann/other")
    }
}
