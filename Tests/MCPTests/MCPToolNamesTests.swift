import Testing
import Tools
@testable import MCP

@Suite struct MCPToolNamesTests {
    @Test func sanitize_replacesWhatTheModelRefuses_andCutsTo64() {
        #expect(MCPToolNames.sanitize("orders.lookup v2") == "orders_lookup_v2")
        #expect(MCPToolNames.sanitize("café") == "caf_")
        #expect(MCPToolNames.sanitize("") == "tool")
        #expect(MCPToolNames.sanitize(String(repeating: "a", count: 100)).count == 64)
        #expect(Tool.isValidName(MCPToolNames.sanitize("ü/ß:*")))
    }

    @Test func assign_keepsNamesThatClashWithNothing() {
        #expect(MCPToolNames.assign([(server: "orders", tools: ["lookup_order", "slow_report"])]) == [["lookup_order", "slow_report"]])
    }

    @Test func assign_prefixesANameThatClashesWithABuiltInTool() {
        #expect(MCPToolNames.assign([(server: "search", tools: ["web_search", "hang_up", "other"])])
            == [["search__web_search", "search__hang_up", "other"]])
    }

    @Test func assign_prefixesEveryServersToolWhenTwoServersShareAName() {
        let names = MCPToolNames.assign([(server: "shop", tools: ["lookup", "a"]), (server: "crm", tools: ["lookup", "b"])])
        #expect(names == [["shop__lookup", "a"], ["crm__lookup", "b"]])
    }

    @Test func assign_cutsLongNamesTo64_keepingThemUnique() {
        let long = String(repeating: "x", count: 70)
        let server = String(repeating: "s", count: 60)
        let names = MCPToolNames.assign([(server: server, tools: [long + "1", long + "2"]), (server: "other", tools: [long])])
        let all = names.joined()
        #expect(Set(all).count == 3, "unique: \(all)")
        #expect(all.allSatisfy { Tool.isValidName($0) })
        #expect(names[0][0].hasPrefix(server + "__"))
        #expect(names[0][1].hasSuffix("_2"))
    }

    @Test func assign_avoidsANameAnotherToolAlreadyHas() {
        // "a.b" and "a_b" sanitize alike; the prefixed name must not take a name that is offered.
        let names = MCPToolNames.assign([(server: "s", tools: ["a.b", "a_b", "s__a_b"])])
        #expect(Set(names[0]).count == 3)
        #expect(names[0][2] == "s__a_b")
    }
}
