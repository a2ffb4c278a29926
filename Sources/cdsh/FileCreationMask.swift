import Foundation

/// Keeps group and others from writing what cdsh and its jobs create, whatever umask the caller had
/// (a umask of 000 would otherwise make the state folder's logs, exports and databases world-writable).
enum FileCreationMask {
    static func withholdWriteFromOthers() {
        let previous = umask(0o022)
        umask(previous | 0o022)
    }
}
