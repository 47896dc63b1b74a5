import JSON
import Testing
@testable import Calls

@Suite struct CallUsageTests {
    @Test func usage_sumsResponses_separatingCachedTokens() throws {
        var usage = CallUsage()
        let done = try JSON.parse(#"""
        {"total_tokens":1300,"input_tokens":1000,"output_tokens":300,
         "input_token_details":{"text_tokens":200,"audio_tokens":800,"cached_tokens":500,
           "cached_tokens_details":{"text_tokens":100,"audio_tokens":400}},
         "output_token_details":{"text_tokens":50,"audio_tokens":250}}
        """#)
        usage.add(done)
        usage.add(done)
        #expect(usage.responses == 2)
        #expect(usage.audioInput == 800 && usage.audioInputCached == 800)
        #expect(usage.textInput == 200 && usage.textInputCached == 200)
        #expect(usage.audioOutput == 500 && usage.textOutput == 100)
    }

    @Test func cost_usesThePriceRowPerMillionTokens() throws {
        let table = try PriceTable(json: #"""
        {"_comment":"x","m":{"audio_input":32,"audio_input_cached":0.4,"audio_output":64,
          "text_input":4,"text_input_cached":0.4,"text_output":16},
         "default":{"audio_input":1,"audio_input_cached":1,"audio_output":1,"text_input":1,"text_input_cached":1,"text_output":1}}
        """#)
        var usage = CallUsage()
        usage.audioInput = 1_000_000
        usage.audioOutput = 500_000
        #expect(usage.cost(table.row(for: ["m"])) == 64.0)
        #expect(usage.cost(table.row(for: [nil, "unknown"])) == 1.5, "falls back to default")
        #expect(usage.cost(nil) == nil)
        #expect(CallSession.formatCost(0.12345) == "0.1235")
        #expect(CallSession.formatCost(3) == "3.0000")
    }

    @Test func priceTable_namesTheRowAndFieldThatIsMissing() {
        #expect(throws: PriceTableError.self) { try PriceTable(json: #"{"m":{"audio_input":1}}"#) }
        do {
            _ = try PriceTable(json: #"{"m":{"audio_input":1}}"#)
        } catch {
            #expect(String(describing: error).contains("row 'm'"))
        }
    }

    @Test func shippedPriceTable_parses() throws {
        let path = #filePath.replacingOccurrences(of: "Tests/CallsTests/CallUsageTests.swift", with: "config/prices.json")
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let table = try PriceTable(json: text)
        #expect(table.row(for: ["gpt-realtime"]) != nil)
        #expect(table.row(for: ["local"])?.audioOutput == 0)
    }

    @Test func live_secondsPerMinute_backendTokens_andSessionsAddUp() throws {
        var usage = CallUsage()
        usage.liveSession(seconds: 30)
        usage.liveSession(seconds: 60)  // cumulative: the last report counts
        usage.liveSessionEnded()        // a reconnect
        usage.liveSession(seconds: 30)
        #expect(usage.liveSeconds == 90)
        usage.addBackend(try JSON.parse(#"{"input_tokens":1000,"output_tokens":100,"total_tokens":1100}"#))
        #expect(usage.backendInput == 1_000 && usage.backendOutput == 100 && usage.responses == 1)
        let table = try PriceTable(json: #"{"gpt-live-1":{"per_minute":0.05},"gpt-5.5":{"audio_input":0,"audio_input_cached":0,"audio_output":0,"text_input":2.0,"text_input_cached":0.2,"text_output":10.0}}"#)
        let live = try #require(table.row(for: ["gpt-live-1"]))
        #expect(abs(usage.cost(live)! - 0.075) < 1e-9, "1.5 min at $0.05")
        #expect(abs(usage.cost(live, backend: table.row(exactly: "gpt-5.5"))! - (0.075 + 0.002 + 0.001)) < 1e-9)
        #expect(table.row(exactly: "gpt-4") == nil)
    }
}
