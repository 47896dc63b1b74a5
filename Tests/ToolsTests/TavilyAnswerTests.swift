import NetTestSupport
import HTTPClient
import HTTP
import JSON
import Net
import Testing
@testable import Tools

@Suite struct TavilyAnswerTests {
    @Test func compactOutput_staysWithinItsByteBudget_keepingTheBestResultsFirst() throws {
        let long = String(repeating: "lorem ipsum dolor sit amet ", count: 200)
        let answer = TavilyAnswer(answer: long, results: (1...10).map {
            TavilyAnswer.Result(title: "Result \($0) " + long, url: "https://r\($0).example/", content: long)
        })
        let output = answer.compactOutput(maxBytes: 3_000)
        #expect(output.utf8.count <= 3_000)
        let json = try JSON.parse(output)
        let results = try #require(json["results"]?.arrayValue)
        #expect(!results.isEmpty && results.count <= 5)
        #expect(results[0]["url"] == "https://r1.example/")
        #expect(results[0]["content"]?.stringValue?.count ?? 0 <= 400)
        #expect(results[0]["content"]?.stringValue?.hasSuffix("…") == true)
        #expect((json["answer"]?.stringValue?.count ?? 0) <= 1_000)
    }

    @Test func compactOutput_saysSoWhenNothingWasFound() throws {
        let json = try JSON.parse(TavilyAnswer(answer: nil, results: []).compactOutput())
        #expect(json["note"] == "The search found nothing relevant.")
        #expect(json["answer"] == nil)
    }

    @Test func decode_skipsResultsWithoutURL_andIgnoresBlankAnswers() throws {
        let body = #"{"answer":"  ","results":[{"title":"x"},{"title":"t","url":"https://u","content":"c"}]}"#
        let answer = try TavilyAnswer.decode(Array(body.utf8))
        #expect(answer.answer == nil)
        #expect(answer.results == [.init(title: "t", url: "https://u", content: "c")])
    }

    @Test func truncation_cutsAtAWordAndMarksTheCut() {
        #expect("hello wonderful world".truncated(toCharacters: 16) == "hello wonderful…")
        #expect("short".truncated(toCharacters: 16) == "short")
        #expect("  a \n\t b  ".collapsingWhitespace() == "a b")
    }
}
