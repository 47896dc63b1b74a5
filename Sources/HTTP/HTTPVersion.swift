/// An HTTP protocol version as written on the wire, `HTTP/major.minor` (RFC 9112 §2.3).
public struct HTTPVersion: Hashable, Sendable, CustomStringConvertible {
    /// The major version digit.
    public var major: Int
    /// The minor version digit.
    public var minor: Int

    /// Creates a version from its two digits.
    public init(major: Int, minor: Int) {
        self.major = major
        self.minor = minor
    }

    /// `HTTP/1.0`: connections close after each exchange unless `Connection: keep-alive`.
    public static let http1_0 = HTTPVersion(major: 1, minor: 0)
    /// `HTTP/1.1`: connections persist unless `Connection: close`.
    public static let http1_1 = HTTPVersion(major: 1, minor: 1)

    /// True for HTTP/1.1 and any later 1.x or higher version.
    public var isAtLeastHTTP11: Bool {
        major > 1 || (major == 1 && minor >= 1)
    }

    /// The wire form, e.g. `HTTP/1.1`.
    public var description: String {
        "HTTP/\(major).\(minor)"
    }
}
