import Foundation

/// A Unix datagram socket in the state folder: commands poke it after writing an intent so the engine acts at
/// once instead of at its next poll.
public enum WakeSocket {
    /// Binds `path` and calls `wake` on a background thread for every datagram; false when it cannot (the engine
    /// then relies on polling).
    static func listen(at path: String, wake: @escaping @Sendable () -> Void) -> Bool {
        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        guard descriptor >= 0 else { return false }
        unlink(path)
        guard withAddress(path, { bind(descriptor, $0, $1) }) == 0 else {
            close(descriptor)
            return false
        }
        _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
        let thread = Thread {
            var byte: UInt8 = 0
            while recv(descriptor, &byte, 1, 0) >= 0 { wake() }
        }
        thread.start()
        return true
    }

    /// Sends one datagram to the engine listening at `path`; silently does nothing when none listens.
    public static func poke(_ path: String) {
        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        var byte: UInt8 = 1
        _ = withAddress(path) { address, length in sendto(descriptor, &byte, 1, Int32(MSG_DONTWAIT), address, length) }
    }

    private static func withAddress<T>(_ path: String, _ body: (UnsafePointer<sockaddr>, socklen_t) -> T) -> T? {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard bytes.count < capacity else { return nil }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            buffer.copyBytes(from: bytes)
            buffer[bytes.count] = 0
        }
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
    }
}
