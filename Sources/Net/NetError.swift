import Glibc

/// A transport failure with its cause: the operation, the peer, and `errno` / OpenSSL's reason.
public struct NetError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What failed and why, in words a person can act on.
    public let message: String
    /// The `errno` value when the failure came from a syscall.
    public let errno: Int32?

    /// Makes an error from a message and an optional `errno`.
    public init(_ message: String, errno: Int32? = nil) {
        self.message = message
        self.errno = errno
    }

    /// An error for a failed syscall, reading the current `errno`.
    public static func syscall(_ what: String, errno code: Int32 = Glibc.errno) -> NetError {
        NetError("\(what): \(String(cString: strerror(code))) (errno \(code))", errno: code)
    }

    public var description: String { message }
}
