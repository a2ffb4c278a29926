import Foundation

/// Any error in the user's words: what cdsh's own errors say, and for Foundation's file errors the path and
/// the system's reason ("permission denied", "file exists") — never a domain, a code or a type name.
public enum ErrorText {
    public static func describe(_ error: any Error) -> String {
        if let error = error as? any UserFacingError { return error.message }
        if error is CancellationError { return "interrupted" }
        let bridged = error as NSError
        guard bridged.domain == NSCocoaErrorDomain || bridged.domain == NSPOSIXErrorDomain else { return "\(error)" }
        let path = (bridged.userInfo[NSFilePathErrorKey] as? String) ?? (bridged.userInfo[NSURLErrorKey] as? URL)?.path
        let reason = systemReason(of: bridged) ?? cocoaReason(bridged.code) ?? rangeReason(bridged)
        return path.map { "\($0): \(reason)" } ?? reason
    }

    /// `strerror` of the POSIX error the error is or wraps.
    private static func systemReason(of error: NSError) -> String? {
        var current: NSError? = error
        while let error = current {
            if error.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(error.code))).lowercased() }
            current = error.userInfo[NSUnderlyingErrorKey] as? NSError
        }
        return nil
    }

    /// Foundation's file errors come in ranges: 256–511 reading, 512–767 writing.
    private static func rangeReason(_ error: NSError) -> String {
        guard error.domain == NSCocoaErrorDomain else { return "failed" }
        switch error.code {
        case 256..<512: return "cannot be read"
        case 512..<768: return "cannot be written (a file where a folder should be, or no permission)"
        default: return "failed"
        }
    }

    private static func cocoaReason(_ code: Int) -> String? {
        switch code {
        case CocoaError.fileNoSuchFile.rawValue, CocoaError.fileReadNoSuchFile.rawValue: "no such file or directory"
        case CocoaError.fileWriteFileExists.rawValue: "file exists"
        case CocoaError.fileReadNoPermission.rawValue, CocoaError.fileWriteNoPermission.rawValue: "permission denied"
        case CocoaError.fileWriteOutOfSpace.rawValue: "no space left on device"
        case CocoaError.fileWriteVolumeReadOnly.rawValue: "read-only file system"
        case CocoaError.fileReadInapplicableStringEncoding.rawValue, CocoaError.fileReadCorruptFile.rawValue: "not readable text"
        default: nil
        }
    }
}
