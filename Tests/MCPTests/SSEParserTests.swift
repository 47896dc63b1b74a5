import Testing
@testable import MCP

@Suite struct SSEParserTests {
    @Test func parser_joinsDataLines_andIgnoresComments() throws {
        let stream = ": keep-alive\nevent: message\ndata: {\"a\":\ndata: 1}\n\n"
        let events = try SSEParser.events(in: Array(stream.utf8))
        #expect(events == [SSEEvent(type: "message", data: "{\"a\":\n1}")])
    }

    @Test func parser_acceptsCRLF_CR_andLF_lineEnds() throws {
        let stream = "data: one\r\n\r\ndata: two\r\rdata: three\n\n"
        #expect(try SSEParser.events(in: Array(stream.utf8)).map(\.data) == ["one", "two", "three"])
    }

    @Test func parser_isIncremental_byteByByte() throws {
        var parser = SSEParser()
        var events: [SSEEvent] = []
        for byte in "id: 7\nevent: note\ndata:x\r\n\r\ndata: y\n\n".utf8 { events += try parser.feed([byte]) }
        #expect(events == [SSEEvent(type: "note", data: "x", id: "7"), SSEEvent(type: "message", data: "y", id: "7")])
    }

    @Test func parser_dropsEventsWithoutData_andKeepsALastEventAtTheEndOfTheStream() throws {
        let stream = "event: ping\nretry: 3000\n\ndata: last"
        #expect(try SSEParser.events(in: Array(stream.utf8)) == [SSEEvent(data: "last")])
    }

    @Test func parser_refusesALineLongerThanItsLimit_beforeBufferingIt() {
        var parser = SSEParser(maxLineBytes: 8)
        #expect(throws: SSEParser.LineTooLong.self) { _ = try parser.feed(Array("data: 123456789".utf8)) }
    }
}
