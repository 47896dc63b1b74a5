import CLibFuzzer
import FuzzCheck
import Glibc
import HTTP

// libFuzzer target for `HTTPRequestParser`: bytes as a client would send them, with small limits
// so the fuzzer reaches them. The first input byte says where the rest is cut in two.
// Beyond "no crash, no sanitizer report", it checks:
//  1. the same requests, and a failure or not, whether the bytes arrive at once, in two pieces,
//     or (for short inputs) one byte at a time;
//  2. a failure's status is one the parser documents;
//  3. every request is within the limits and its body framing is consistent;
//  4. serializing a response to it and re-parsing that response does not fail.

let limits = HTTPParserLimits(maxRequestLineBytes: 256, maxHeaderBytes: 1024, maxHeaderCount: 16, maxBodyBytes: 2048)
let documentedStatuses: Set<Int> = [400, 413, 414, 431, 501, 505]

struct Outcome: Equatable {
    var requests: [HTTPRequest] = []
    var status: Int?
}

func parse(_ pieces: [UnsafeBufferPointer<UInt8>.SubSequence]) -> Outcome {
    var parser = HTTPRequestParser(limits: limits)
    var outcome = Outcome()
    for piece in pieces {
        parser.append(Array(piece))
        do {
            while let request = try parser.next() { outcome.requests.append(request) }
        } catch {
            outcome.status = error.status
            return outcome
        }
    }
    return outcome
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHTTPRequest(_ start: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data = start else { return 0 }
    guard size >= 1 else { return 0 }
    let input = UnsafeBufferPointer(start: data + 1, count: size - 1)
    let cut = input.count * Int(data[0]) / 255
    let whole = parse([input[...]])
    let pieces = parse([input[..<cut], input[cut...]])
    check(whole.requests == pieces.requests, "requests depend on how the bytes arrived")
    check((whole.status == nil) == (pieces.status == nil), "failure depends on how the bytes arrived")
    if input.count <= 600 {
        let bytewise = parse(input.indices.map { input[$0..<($0 + 1)] })
        check(bytewise.requests == whole.requests && (bytewise.status == nil) == (whole.status == nil),
                     "byte-at-a-time parse differs")
    }
    if let status = whole.status {
        check(documentedStatuses.contains(status), "undocumented status \(status)")
    }
    for request in whole.requests {
        check(!request.head.method.isEmpty, "empty method")
        check(request.body.count <= limits.maxBodyBytes, "body over the limit")
        check(request.head.headers.count <= limits.maxHeaderCount, "too many headers")
        check(request.head.version == .http1_1 || request.head.version == .http1_0, "unsupported version accepted")
        var response = HTTPResponse.text(200, request.head.path)
        response.headers.add("X-Echo", request.head.method)
        var responseParser = HTTPResponseParser()
        responseParser.append(response.serialized(keepAlive: request.keepAlive))
        let head = try? responseParser.nextHead()
        check(head?.status == 200, "our own response did not parse")
    }
    return 0
}

// SwiftPM makes this file the entry point; hand the command line to libFuzzer.
var arguments = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&arguments, &argv, fuzzHTTPRequest))
