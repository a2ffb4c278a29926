import Foundation

/// The size of the terminal a file descriptor writes to.
public enum TerminalSize {
    /// Rows and columns of the terminal on `descriptor`; nil when it is not a terminal or does not say.
    public static func of(_ descriptor: Int32) -> (rows: Int, columns: Int)? {
        var size = winsize()
        guard ioctl(descriptor, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return nil }
        return (Int(size.ws_row), Int(size.ws_col))
    }
}
