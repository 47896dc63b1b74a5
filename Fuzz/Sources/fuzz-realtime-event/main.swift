import CLibFuzzer
import FuzzCheck
import Glibc
import JSON
import Realtime

// libFuzzer target for `RealtimeServerEvent.decode`: one WebSocket text message as the OpenAI or
// Azure Realtime API would send it. Beyond "no crash, no sanitizer report", it checks that
// decoding the bytes, the bytes as an array, and the parsed JSON all agree, and that a message
// whose JSON survives serialize-and-parse decodes to the same event afterwards.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRealtimeEvent(_ start: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data = start else { return 0 }
    let raw = UnsafeRawBufferPointer(start: data, count: size)
    let bytes = Array(raw)
    let fromRaw = Result { () throws(RealtimeEventError) in try RealtimeServerEvent.decode(raw) }
    let fromArray = Result { () throws(RealtimeEventError) in try RealtimeServerEvent.decode(bytes) }
    check(fromRaw == fromArray, "decode differs between raw bytes and an array")
    guard let json = try? JSON.parse(bytes) else { return 0 }
    let fromJSON = Result { () throws(RealtimeEventError) in try RealtimeServerEvent.decode(json: json) }
    check(fromJSON == fromRaw, "decode differs between bytes and parsed JSON")
    guard let again = try? JSON.parse(json.serialized()), again == json else { return 0 }
    let fromAgain = Result { () throws(RealtimeEventError) in try RealtimeServerEvent.decode(json: again) }
    check(fromAgain == fromJSON, "decode differs after a JSON round trip")
    return 0
}

// SwiftPM makes this file the entry point; hand the command line to libFuzzer.
var arguments = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&arguments, &argv, fuzzRealtimeEvent))
