import Glibc

/// Fails the run when an invariant does not hold. Unlike `precondition`, the message survives
/// `-c release`, so libFuzzer's crash report says which property broke.
public func check(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
                  file: StaticString = #fileID, line: UInt = #line) {
    guard !condition() else { return }
    fputs("fuzz invariant failed at \(file):\(line): \(message())\n", stderr)
    abort()
}
