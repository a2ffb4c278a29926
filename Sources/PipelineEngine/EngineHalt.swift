import Foundation
import StageRunner
import StoreCore
import Synchronization

/// Why an engine must stop before it loses what it cannot record — a full disk — and the space it set aside to
/// record that it stopped: `space.reserve` in its folder (`reserveBytes`), given back the moment the disk fills,
/// so the task that hit it ends `errored` with the reason and the engine leaves `engine.stopped` behind.
public final class EngineHalt: Sendable {
    /// The space set aside, and how much must be free beyond it before a shell lets an engine start again.
    public static let reserveBytes = 1 << 20
    private let folder: String
    private let reason = Mutex<String?>(nil)
    /// Only an engine that set the reserve aside halts: a team's engine keeps going (its store is elsewhere).
    private let armed = Mutex(false)

    /// The halt of the engine whose own folder is `folder`.
    public init(folder: String) {
        self.folder = folder
    }

    /// The reserve's file; the next engine sets it aside again.
    public var reservePath: String { "\(folder)/space.reserve" }

    /// Why the engine is stopping; nil while it may go on.
    public var requested: String? { reason.withLock { $0 } }

    /// Asks the engine to stop, giving back the reserve so the stop can be recorded. The first reason stays.
    public func request(_ why: String) {
        guard armed.withLock({ $0 }) else { return }
        reason.withLock { if $0 == nil { $0 = why } }
        unlink(reservePath)
    }

    /// Sets the reserve aside (real blocks, written). False when the disk has not even that much room.
    @discardableResult
    public func makeReserve() -> Bool {
        var info = stat()
        if stat(reservePath, &info) == 0, info.st_size == off_t(Self.reserveBytes) {
            armed.withLock { $0 = true }
            return true
        }
        let descriptor = open(reservePath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        let block = [UInt8](repeating: 0, count: 64 << 10)
        for _ in 0..<(Self.reserveBytes / block.count) {
            guard OutputWriter.write(block, to: descriptor) == nil else {
                unlink(reservePath)
                return false
            }
        }
        guard fsync(descriptor) == 0 else { return false }
        armed.withLock { $0 = true }
        return true
    }

    /// True when `error` (or what it wraps) says the disk is full.
    public static func isDiskFull(_ error: any Error) -> Bool {
        if case StoreError.diskFull = error { return true }
        if let artifact = error as? ArtifactError { return artifact.isDiskFull }
        var current: NSError? = error as NSError
        while let error = current {
            if error.domain == NSPOSIXErrorDomain, error.code == Int(ENOSPC) || error.code == Int(EDQUOT) { return true }
            if error.domain == NSCocoaErrorDomain, error.code == CocoaError.fileWriteOutOfSpace.rawValue { return true }
            current = error.userInfo[NSUnderlyingErrorKey] as? NSError
        }
        return false
    }
}
