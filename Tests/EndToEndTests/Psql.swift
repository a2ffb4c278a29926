import Foundation
import TestSupport

/// Reads the team's database with the real `psql`.
struct Psql {
    let url: String

    func rows(_ query: String) throws -> [[String]] {
        let result = try ProcessRunner.run("/usr/bin/psql", [url, "-X", "-A", "-t", "-F", "\t", "-c", query])
        guard result.status == 0 else { throw NSError(domain: "psql", code: 1, userInfo: [NSLocalizedDescriptionKey: result.stderr]) }
        return result.stdout.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
    }
}
