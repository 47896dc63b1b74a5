import JSON

/// Tavily's answer to a search, reduced to what a voice assistant can use: the generated answer
/// and the top results' title, URL and text.
public struct TavilyAnswer: Equatable, Sendable {
    /// One search result.
    public struct Result: Equatable, Sendable {
        /// The page title.
        public var title: String
        /// The page address.
        public var url: String
        /// The relevant excerpt Tavily extracted.
        public var content: String

        /// Creates a result.
        public init(title: String, url: String, content: String) {
            self.title = title
            self.url = url
            self.content = content
        }
    }

    /// Tavily's short generated answer (`include_answer: true`), when it gave one.
    public var answer: String?
    /// The results, best first.
    public var results: [Result]

    /// Creates an answer.
    public init(answer: String?, results: [Result]) {
        self.answer = answer
        self.results = results
    }

    /// Reads a `200` body: `{"query","answer","results":[{"title","url","content","score"}],…}`.
    ///
    /// - Throws: `TavilyError` (`badResponse`) when the body is not JSON or has no `results` array.
    public static func decode(_ body: [UInt8]) throws(TavilyError) -> TavilyAnswer {
        let json: JSON
        do throws(JSONError) {
            json = try JSON.parse(body)
        } catch {
            throw TavilyError(.badResponse, status: 200, "the body is not JSON (\(error)): \(preview(body))")
        }
        guard let items = json["results"]?.arrayValue else {
            throw TavilyError(.badResponse, status: 200, "the body has no 'results' array: \(preview(body))")
        }
        let results = items.compactMap { item -> Result? in
            guard let url = item["url"]?.stringValue else { return nil }
            return Result(title: item["title"]?.stringValue ?? "", url: url, content: item["content"]?.stringValue ?? "")
        }
        let answer = json["answer"]?.stringValue.map { $0.collapsingWhitespace() }
        return TavilyAnswer(answer: answer?.isEmpty == false ? answer : nil, results: results)
    }

    /// The `function_call_output` text: JSON with `answer` and up to `maxResults` results
    /// (`title`, `url`, `content` trimmed to `maxContentCharacters`), never longer than
    /// `maxBytes` UTF-8 bytes — results that would overflow it are left out.
    public func compactOutput(maxResults: Int = 5, maxContentCharacters: Int = 400,
                              maxBytes: Int = 3_000) -> String {
        var object: JSONObject = [:]
        if let answer { object["answer"] = .string(answer.truncated(toCharacters: maxBytes / 3)) }
        object["results"] = .array([])
        var kept: [JSON] = []
        for result in results.prefix(maxResults) {
            let entry: JSON = [
                "title": .string(result.title.collapsingWhitespace().truncated(toCharacters: 120)),
                "url": .string(result.url.truncated(toCharacters: 200)),
                "content": .string(result.content.collapsingWhitespace().truncated(toCharacters: maxContentCharacters)),
            ]
            object["results"] = .array(kept + [entry])
            if JSON.object(object).serialized().utf8.count > maxBytes {
                break
            }
            kept.append(entry)
        }
        object["results"] = .array(kept)
        if answer == nil && kept.isEmpty {
            object["note"] = "The search found nothing relevant."
        }
        return JSON.object(object).serialized()
    }

    static func preview(_ body: [UInt8]) -> String {
        let text = String(decoding: body.prefix(200), as: UTF8.self).collapsingWhitespace()
        return text.isEmpty ? "(empty)" : text
    }
}
