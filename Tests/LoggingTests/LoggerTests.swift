import Foundation
import Testing
import Logging

/// Structured logging: line format, level filtering, redaction, and the bounded writer queue.
/// Serialized because the logger's configuration and sink are process-wide.
@Suite(.serialized) struct LoggerTests {
    nonisolated(unsafe) static let timePattern = try! Regex(#"^level=info time=\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z "#)  // read-only after init

    @Test func logfmt_writesLevelTimeMessageThenContextThenFields() throws {
        let lines = LineCapture.capture { log in
            log.with("call", "CA1").with("stream", "MZ2").info("call started", [
                ("from", "+15550100"), ("note", "two words"), ("eq", "a=b"), ("quote", #"say "hi""#),
                ("newline", "a\nb"), ("backslash", #"c:\d"#), ("empty", ""), ("unicode", "café"),
            ])
        }
        try #require(lines.count == 1)
        let line = lines[0]
        #expect(line.firstMatch(of: Self.timePattern) != nil)
        let afterTime = line.drop { $0 != " " }.dropFirst().drop { $0 != " " }.dropFirst()
        #expect(afterTime == #"msg="call started" call=CA1 stream=MZ2 from=+15550100 note="two words" eq="a=b" "#
            + #"quote="say \"hi\"" newline="a\nb" backslash="c:\\d" empty="" unicode=café"#)
    }

    @Test func logfmt_keepsAMultiLineMessageOnOneLine() throws {
        let lines = LineCapture.capture { log in log.warning("first\nsecond \"quoted\"") }
        try #require(lines.count == 1)
        #expect(lines[0].hasPrefix("level=warning "))
        #expect(lines[0].hasSuffix(#" msg="first\nsecond \"quoted\"""#))
    }

    @Test func levels_filterWithoutEvaluatingDisabledCalls() throws {
        var evaluations = 0
        func expensive(_ text: String) -> String {
            evaluations += 1
            return text
        }
        func expensiveFields() -> [(String, String)] {
            evaluations += 1
            return [("k", "v")]
        }
        let lines = LineCapture.capture(level: .warning) { log in
            log.debug(expensive("debug"), expensiveFields())
            log.info(expensive("info"), expensiveFields())
            #expect(evaluations == 0)
            #expect(!log.isEnabled(.info) && log.isEnabled(.warning) && log.isEnabled(.error))
            log.warning(expensive("warning"))
            log.error(expensive("error"))
        }
        #expect(evaluations == 2)
        #expect(lines.map { $0.prefix { $0 != " " } } == ["level=warning", "level=error"])
    }

    @Test func redaction_masksSecretsSensitiveFieldsBearerAndAPIKeys() throws {
        let lines = LineCapture.capture(secrets: ["hunter2-long-secret", "abc"]) { log in
            log.with("session_token", "tok-1").info("using hunter2-long-secret for abc on task-list", [
                ("api_key", "whatever"), ("Authorization", "Basic xyz"), ("user_password", "pw"),
                ("header", "Authorization: Bearer eyJhbGciOi.payload.sig"),
                ("body", "error: bad key sk-proj-ABCDEFGH12345678, retry"),
                ("echo", "prefix hunter2-long-secret suffix"), ("search", "tvly-dev-0123456789abcdef"),
            ])
        }
        try #require(lines.count == 1)
        let line = lines[0]
        #expect(!line.contains("hunter2"))
        #expect(!line.contains("eyJhbGciOi"))
        #expect(!line.contains("ABCDEFGH"))
        #expect(!line.contains("0123456789abcdef"))
        #expect(line.contains(#"msg="using [REDACTED] for abc on task-list""#))
        #expect(line.contains("session_token=[REDACTED] api_key=[REDACTED] Authorization=[REDACTED] user_password=[REDACTED]"))
        #expect(line.contains(#"header="Authorization: Bearer [REDACTED]""#))
        #expect(line.contains(#"body="error: bad key [REDACTED], retry""#))
        #expect(line.contains(#"echo="prefix [REDACTED] suffix""#))
        #expect(line.contains("search=[REDACTED]"))
    }

    @Test func json_linesParseAndKeepEveryCharacter() throws {
        let tricky = "quote \" backslash \\ newline \n tab \t bell \u{7} café 🎧"
        let lines = LineCapture.capture(format: .json, secrets: ["secret-value-1"]) { log in
            log.with("call", "CA1").error(tricky, [("detail", tricky), ("leak", "has secret-value-1")])
        }
        try #require(lines.count == 1)
        let object = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: String]
        let fields = try #require(object)
        #expect(fields["level"] == "error")
        #expect(fields["msg"] == tricky)
        #expect(fields["detail"] == tricky)
        #expect(fields["call"] == "CA1")
        #expect(fields["leak"] == "has [REDACTED]")
        #expect(fields["time"]?.hasSuffix("Z") == true)
        #expect(lines[0].hasPrefix(#"{"level":"error","time":"#))
    }

    @Test func queue_dropsPastOneMebibyteAndReportsTheCount() throws {
        let capture = LineCapture()
        let writerBusy = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        Logger.configure(level: .info, format: .logfmt, secrets: [])
        Logger.sink = { line in
            capture.append(line)
            if line.contains(#"msg="first""#) {
                writerBusy.signal()
                release.wait()
            }
        }
        defer { Logger.sink = nil }

        let log = Logger()
        log.info("first")
        // With the writer stuck in the sink, 2 MB of lines cannot all fit in the 1 MiB queue.
        try #require(writerBusy.wait(timeout: .now() + 10) == .success)
        let payload = String(repeating: "x", count: 1000)
        for index in 0..<2000 {
            log.info("bulk", [("index", String(index)), ("payload", payload)])
        }
        release.signal()
        Logger.flush()

        // Other suites log through the same process-wide pipeline in parallel: only this test's
        // lines and the pipeline's own notice are looked at, and their lines may be among the dropped.
        let lines = capture.lines.filter { $0.contains(#"msg="first""#) || $0.contains(#"msg="bulk""#) || $0.contains("log lines dropped") }
        let bulk = lines.filter { $0.contains(#"msg="bulk""#) }
        let notice = try #require(lines.last { $0.contains("log lines dropped") })
        #expect(lines.first?.contains(#"msg="first""#) == true)
        #expect(notice.hasPrefix("level=warning "))
        #expect(notice.contains(#"msg="log lines dropped" count="#))
        let dropped = try #require(Int(notice.split(separator: "=").last ?? ""))
        #expect(dropped > 0)
        #expect(bulk.count > 900)
        #expect(bulk.count + dropped >= 2000 && bulk.count < 2000)
        // The lines kept are the first ones, in order.
        #expect(bulk.enumerated().allSatisfy { $0.element.contains("index=\($0.offset) ") })
    }

    /// A hostile megabyte (a number of a million digits, a huge member name) must not become a
    /// megabyte log line: every value is cut, with how much was cut, after redaction.
    @Test func longValues_areCutWithHowMuch_andSecretsAtTheCutStayMasked() throws {
        let secret = "sk-very-secret-value-0123456789"
        let huge = String(repeating: "9", count: 1_000_000)
        let straddling = String(repeating: "a", count: 502) + secret
        let lines = LineCapture.capture(secrets: [secret]) { log in
            log.warning(String(repeating: "m", count: 5_000), [("value", huge), ("edge", straddling), ("é", String(repeating: "é", count: 400))])
        }
        try #require(lines.count == 1)
        let line = lines[0]
        #expect(line.utf8.count < 4_000, "\(line.utf8.count) bytes")
        #expect(line.contains("…(+999488 bytes)"))
        #expect(!line.contains("sk-very"), "a secret across the cut is masked, not half-printed")
        #expect(line.contains("…(+"))
    }
}
