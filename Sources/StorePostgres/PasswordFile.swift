import Foundation
import StoreCore

/// libpq's password file: `$PGPASSFILE`, else `~/.pgpass`; lines `HOST:PORT:DATABASE:USER:PASSWORD`, `*` matching
/// anything, `\:` and `\\` escaping, `#` starting a comment. The first matching line wins.
enum PasswordFile {
    /// The password for this connection, if the file has one; throws when the file others may read would be used.
    static func password(host: String, port: Int, database: String, user: String, environment: [String: String],
                         home: String) throws -> String? {
        let path = environment["PGPASSFILE"] ?? "\(home)/.pgpass"
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            return nil
        }
        let wanted = [host, String(port), database, user]
        for line in text.split(whereSeparator: \.isNewline) where !line.hasPrefix("#") {
            let fields = Self.fields(of: String(line))
            guard fields.count == 5, zip(fields, wanted).allSatisfy({ $0 == "*" || $0 == $1 }) else { continue }
            var info = stat()  // the file a link points to, as libpq checks it
            if stat(path, &info) == 0, Int(info.st_mode) & 0o077 != 0 {
                throw StoreError.unavailable("the password file \(path) may be read by others (mode "
                    + "\(String(Int(info.st_mode) & 0o777, radix: 8))); psql ignores it too: chmod 600 \(path)")
            }
            return fields[4]
        }
        return nil
    }

    /// A line's fields, with `\:` and `\\` unescaped.
    static func fields(of line: String) -> [String] {
        var fields = [""]
        var escaped = false
        for character in line {
            if escaped {
                fields[fields.count - 1].append(character)
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else if character == ":" && fields.count < 5 {
                fields.append("")
            } else {
                fields[fields.count - 1].append(character)
            }
        }
        return fields
    }
}
