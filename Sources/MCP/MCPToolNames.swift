import Tools

/// The function names MCP tools get: valid for the model (`Tool.isValidName`), unique among the
/// built-in tools and every server's tools.
///
/// A tool keeps its own name, sanitized, unless that clashes with a built-in tool or with a tool
/// of another server (or of the same server, after sanitizing): then every tool sharing the
/// name is offered as `server__tool`, cut to 64 characters, with `_2`, `_3`… when still taken.
public enum MCPToolNames {
    /// The names the bridge's own tools use, whether or not they are configured.
    public static let builtIn: Set<String> = [HangUpTool.name, WebSearchTool.name]
    /// The Realtime API's limit on a function name.
    public static let maxLength = 64

    /// `name` with every character outside `[a-zA-Z0-9_-]` replaced by `_`, cut to 64
    /// characters; `tool` when nothing is left.
    public static func sanitize(_ name: String) -> String {
        var scalars = String.UnicodeScalarView()
        for scalar in name.unicodeScalars.prefix(maxLength) {
            let ok = scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "_" || scalar == "-")
            scalars.append(ok ? scalar : "_")
        }
        return scalars.isEmpty ? "tool" : String(scalars)
    }

    /// The names for each server's tools, in the order given: `result[i][j]` names
    /// `servers[i].tools[j]`. `reserved` are names already taken (the built-in tools).
    public static func assign(_ servers: [(server: String, tools: [String])],
                              reserved: Set<String> = builtIn) -> [[String]] {
        let bases = servers.map { $0.tools.map(sanitize) }
        var uses: [String: Int] = [:]
        for name in bases.joined() { uses[name, default: 0] += 1 }
        let clashes = { (name: String) in reserved.contains(name) || uses[name, default: 0] > 1 }

        var taken = reserved.union(bases.joined().filter { !clashes($0) })
        var result = bases
        for (i, server) in servers.enumerated() {
            let prefix = sanitize(server.server) + "__"
            for (j, base) in bases[i].enumerated() where clashes(base) {
                let candidate = fit(prefix + base, suffix: "")
                var name = candidate
                var n = 2
                while taken.contains(name) {
                    name = fit(candidate, suffix: "_\(n)")
                    n += 1
                }
                taken.insert(name)
                result[i][j] = name
            }
        }
        return result
    }

    /// `name` (ASCII) cut so that it fits 64 characters with `suffix` appended.
    private static func fit(_ name: String, suffix: String) -> String {
        String(name.prefix(maxLength - suffix.count)) + suffix
    }
}
