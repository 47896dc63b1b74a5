import CLibFuzzer
import FuzzCheck
import Glibc
import Config

// libFuzzer target for `DotEnv.parse`: the contents of a `.env` file. Beyond "no crash, no
// sanitizer report", it checks that every key it returns is a valid name, and that writing the
// result back as `KEY="value"` lines (with the escapes the format defines) parses to the same
// dictionary.

func isName(_ key: String) -> Bool {
    guard let first = key.unicodeScalars.first, first == "_" || (first.isASCII && first.properties.isAlphabetic) else { return false }
    return key.unicodeScalars.allSatisfy { $0 == "_" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) }
}

func quoted(_ value: String) -> String {
    var out = "\""
    for scalar in value.unicodeScalars {
        switch scalar {
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDotEnv(_ start: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data = start else { return 0 }
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let values = try? DotEnv.parse(text) else { return 0 }
    for key in values.keys { check(isName(key), "invalid key '\(key)' accepted") }
    let written = values.sorted { $0.key < $1.key }.map { "\($0.key)=\(quoted($0.value))" }.joined(separator: "\n")
    do {
        let reparsed = try DotEnv.parse(written)
        check(reparsed == values, "round trip changed the values: \(values) became \(reparsed)")
    } catch {
        check(false, "its own output did not parse: \(error)\n\(written)")
    }
    return 0
}

// SwiftPM makes this file the entry point; hand the command line to libFuzzer.
var arguments = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&arguments, &argv, fuzzDotEnv))
