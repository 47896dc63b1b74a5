import Testing
import Config

/// `.env` parsing: the forms people write, and the lines that must be refused.
@Suite struct DotEnvTests {
    @Test func parse_assignmentsCommentsAndBlankLines() throws {
        let values = try DotEnv.parse("""
            # provider
            OPENAI_API_KEY=sk-test

              PORT = 5050
            _UNDER_score9=x
            """)
        #expect(values == ["OPENAI_API_KEY": "sk-test", "PORT": "5050", "_UNDER_score9": "x"])
    }

    @Test func parse_exportPrefixIsIgnored() throws {
        let values = try DotEnv.parse("export VOICE=marin\nexport\tGREETING=hi\nexported=1")
        #expect(values == ["VOICE": "marin", "GREETING": "hi", "exported": "1"])
    }

    @Test func parse_unquotedValuesAreTrimmedAndStopAtSpaceHash() throws {
        let values = try DotEnv.parse("A=  two words   # a comment\nB=abc#def\nC=\nD= # only a comment\nE=tab\t#c")
        #expect(values == ["A": "two words", "B": "abc#def", "C": "", "D": "", "E": "tab"])
    }

    @Test func parse_singleQuotedValuesAreLiteral() throws {
        let values = try DotEnv.parse(#"A='  keep \n "this" # too  '   # comment"#)
        #expect(values == ["A": #"  keep \n "this" # too  "#])
    }

    @Test func parse_doubleQuotedValuesUnescape() throws {
        let values = try DotEnv.parse(#"A="line1\nline2 \"quoted\" back\\slash # not a comment" # comment"#)
        #expect(values == ["A": "line1\nline2 \"quoted\" back\\slash # not a comment"])
        #expect(try DotEnv.parse(#"B="a\tb\qc""#) == ["B": "a\tb\\qc"])
    }

    @Test func parse_toleratesCRLFAndLaterDuplicatesWin() throws {
        let values = try DotEnv.parse("A=1\r\nB='two'\r\n\r\nA=3\r\n")
        #expect(values == ["A": "3", "B": "two"])
    }

    @Test func parse_malformedLineNamesItsNumber() {
        let error = #expect(throws: DotEnvError.self) { try DotEnv.parse("A=1\r\n\r\nthis is not an assignment\n") }
        #expect(error == .malformedLine(path: ".env", number: 3, problem: .missingEquals))
        #expect(error?.description.contains("line 3") == true)
        #expect(error?.description.contains("no '='") == true)
    }

    @Test(arguments: ["1ABC=x", "KEY-NAME=x", "=x", "KÉ=x", "A B=x"])
    func parse_rejectsInvalidKeys(line: String) {
        #expect(throws: DotEnvError.malformedLine(path: ".env", number: 1, problem: .invalidKey)) { try DotEnv.parse(line) }
    }

    @Test func parse_rejectsUnclosedQuotesAndTrailingText() {
        #expect(throws: DotEnvError.malformedLine(path: ".env", number: 2, problem: .unclosedQuote)) { try DotEnv.parse("A=1\nB=\"open") }
        #expect(throws: DotEnvError.malformedLine(path: ".env", number: 1, problem: .textAfterClosingQuote)) { try DotEnv.parse("C='a'b") }
        let error = DotEnvError.malformedLine(path: ".env", number: 1, problem: .textAfterClosingQuote)
        #expect(error.description.contains("after the closing quote"))
    }

    @Test func malformedLineDescription_doesNotQuoteTheLine() {
        let text = String(repeating: "A=1\n", count: 6) + "OPENAI_API_KEY sk-abcdef0123456789\n"
        let error = #expect(throws: DotEnvError.self) { try DotEnv.parse(text) }
        #expect(error?.description.contains("line 7") == true)
        #expect(error?.description.contains("OPENAI_API_KEY") == false)
        #expect(error?.description.contains("abcdef") == false)
    }
}
