import Testing
import Config

/// Validation of every setting: defaults, normal forms, and errors that name their variable.
@Suite struct SettingsTests {
    /// Loads settings from `variables` with no instructions file. Unless `variables` say
    /// something about Twilio, signatures are switched off, so provider tests need no token.
    static func load(_ variables: [String: String], file: String? = nil) throws -> Settings {
        var variables = variables
        if !variables.keys.contains(where: { $0.hasPrefix("TWILIO_") }) {
            variables["TWILIO_VALIDATE_SIGNATURES"] = "false"
        }
        return try Settings.load(from: Environment(process: variables), fileReader: { _ in file })
    }

    /// The `ConfigError` loading `variables` throws.
    static func error(_ variables: [String: String]) -> ConfigError? {
        #expect(throws: ConfigError.self) { try load(variables) }
    }

    static let azure = [
        "USE_AZURE_OPENAI": "true",
        "AZURE_OPENAI_API_KEY": "azure-key-123456",
        "AZURE_OPENAI_ENDPOINT": "https://voice.openai.azure.com/",
        "AZURE_OPENAI_DEPLOYMENT": "gpt-realtime",
    ]

    // MARK: - Provider

    @Test func provider_localOpenAIOrAzure() throws {
        #expect(try Self.load([:]).provider == .local)
        #expect(try Self.load(["OPENAI_API_KEY": ""]).provider == .local)
        #expect(try Self.load(["OPENAI_API_KEY": "sk-test-123456"]).provider == .openAI)
        let azure = try Self.load(Self.azure.merging(["OPENAI_API_KEY": "sk-test-123456"]) { $1 })
        #expect(azure.provider == .azure)
        #expect(azure.azureEndpoint == "voice.openai.azure.com")
        #expect(azure.azureDeployment == "gpt-realtime")
        #expect(azure.azureAPIVersion == nil)
    }

    @Test func azureAPIVersion_selectsThePreviewDialect_underEitherName() throws {
        let preview = try Self.load(Self.azure.merging(["AZURE_API_VERSION": "2025-04-01-preview"]) { $1 })
        #expect(preview.azureAPIVersion == "2025-04-01-preview")
        let alias = try Self.load(Self.azure.merging(["AZURE_OPENAI_API_VERSION": "2024-12-17"]) { $1 })
        #expect(alias.azureAPIVersion == "2024-12-17")
        let both = try Self.load(Self.azure.merging(["AZURE_API_VERSION": "a", "AZURE_OPENAI_API_VERSION": "b"]) { $1 })
        #expect(both.azureAPIVersion == "a", "the documented name wins")
    }

    @Test(arguments: [("yes", true), ("ON", true), ("1", true), ("True", true),
                      ("no", false), ("off", false), ("0", false), ("FALSE", false)])
    func useAzure_acceptsBooleanWords(text: String, expected: Bool) throws {
        let settings = try Self.load(Self.azure.merging(["USE_AZURE_OPENAI": text]) { $1 })
        #expect(settings.useAzure == expected)
        #expect(settings.provider == (expected ? .azure : .local))
    }

    @Test func useAzure_rejectsOtherWords() {
        let error = Self.error(["USE_AZURE_OPENAI": "maybe"])
        #expect(error?.variable == "USE_AZURE_OPENAI")
        #expect(error?.description.hasPrefix("USE_AZURE_OPENAI: 'maybe' is not a boolean") == true)
    }

    @Test(arguments: ["AZURE_OPENAI_API_KEY", "AZURE_OPENAI_ENDPOINT", "AZURE_OPENAI_DEPLOYMENT"])
    func azure_requiresEachVariable(missing: String) {
        var variables = Self.azure
        variables[missing] = nil
        let error = Self.error(variables)
        #expect(error?.variable == missing)
        #expect(error?.message.hasPrefix("USE_AZURE_OPENAI=true but \(missing) is not set — set it to") == true)
    }

    @Test func azure_missingDeploymentPointsToThePortal() {
        var variables = Self.azure
        variables["AZURE_OPENAI_DEPLOYMENT"] = ""
        #expect(Self.error(variables)?.message == "USE_AZURE_OPENAI=true but AZURE_OPENAI_DEPLOYMENT is not set — "
            + "set it to your realtime deployment's name (Azure portal → Deployments)")
    }

    // MARK: - Addresses

    @Test(arguments: [
        ("x.openai.azure.com", "x.openai.azure.com"),
        ("https://x.openai.azure.com", "x.openai.azure.com"),
        ("https://x.openai.azure.com/", "x.openai.azure.com"),
        ("https://x.openai.azure.com:8443", "x.openai.azure.com:8443"),
        ("  HTTPS://X.OpenAI.Azure.com:8443/ ", "x.openai.azure.com:8443"),
        ("gateway.internal:9000", "gateway.internal:9000"),
    ])
    func azureEndpoint_isNormalisedToHostAndPort(text: String, expected: String) throws {
        let settings = try Self.load(Self.azure.merging(["AZURE_OPENAI_ENDPOINT": text]) { $1 })
        #expect(settings.azureEndpoint == expected)
    }

    @Test func azureEndpoint_refusesPlainHTTP() {
        let error = Self.error(Self.azure.merging(["AZURE_OPENAI_ENDPOINT": "http://x"]) { $1 })
        #expect(error?.variable == "AZURE_OPENAI_ENDPOINT")
        #expect(error?.message.contains("use https://x") == true)
    }

    @Test(arguments: ["https://x.openai.azure.com/openai/realtime",
                      "https://x.openai.azure.com?api-version=2025-04-01-preview",
                      "https://user:pw@x.openai.azure.com", "https://x.openai.azure.com:99999"])
    func azureEndpoint_refusesPathsQueriesAndBadParts(text: String) {
        let error = Self.error(Self.azure.merging(["AZURE_OPENAI_ENDPOINT": text]) { $1 })
        #expect(error?.variable == "AZURE_OPENAI_ENDPOINT")
    }

    @Test(arguments: [
        (nil, "https://api.openai.com/v1"),
        ("https://proxy.example.com/v1/", "https://proxy.example.com/v1"),
        ("http://localhost:8080/v1", "http://localhost:8080/v1"),
        ("http://127.0.0.1:9000", "http://127.0.0.1:9000"),
        ("http://[::1]:9000/v1//", "http://[::1]:9000/v1"),
    ] as [(String?, String)])
    func openAIBaseURL_defaultsAndTrimsTrailingSlash(text: String?, expected: String) throws {
        let settings = try Self.load(text.map { ["OPENAI_BASE_URL": $0] } ?? [:])
        #expect(settings.openAIBaseURL == expected)
    }

    @Test(arguments: ["http://api.openai.com/v1", "api.openai.com/v1", "ftp://x/v1", "https://x/v1?a=b"])
    func openAIBaseURL_refusesInsecureOrOdd(text: String) {
        #expect(Self.error(["OPENAI_BASE_URL": text])?.variable == "OPENAI_BASE_URL")
    }

    @Test(arguments: [
        ("abc.ngrok.app", "abc.ngrok.app"),
        ("https://abc.ngrok.app", "abc.ngrok.app"),
        ("https://abc.ngrok.app/", "abc.ngrok.app"),
        ("wss://abc.ngrok.app:8443", "abc.ngrok.app:8443"),
        ("http://bridge.example.com:8080/", "bridge.example.com:8080"),
    ])
    func publicURL_isNormalisedToHostAndPort(text: String, expected: String) throws {
        let settings = try Self.load(["PUBLIC_URL": text])
        #expect(settings.publicURL == expected)
        #expect(settings.publicHost == expected)
    }

    @Test(arguments: ["https://abc.ngrok.app/media-stream", "https://abc.ngrok.app?x=1", "ftp://abc.ngrok.app", "https://"])
    func publicURL_refusesPathsQueriesAndOtherSchemes(text: String) {
        #expect(Self.error(["PUBLIC_URL": text])?.variable == "PUBLIC_URL")
    }

    // MARK: - Port, voice, greeting, instructions

    @Test func port_defaultsTo5050AndAcceptsZero() throws {
        #expect(try Self.load([:]).port == 5050)
        #expect(try Self.load(["PORT": "0"]).port == 0)
        #expect(try Self.load(["PORT": " 8080 "]).port == 8080)
        #expect(try Self.load(["PORT": "65535"]).port == 65535)
    }

    @Test(arguments: ["abc", "70000", "-1", "80.5", "+80", "65536"])
    func port_refusesNonPorts(text: String) {
        let error = Self.error(["PORT": text])
        #expect(error?.variable == "PORT")
        #expect(error?.description.hasPrefix("PORT: '\(text)' is not a port number") == true)
    }

    @Test func greeting_unsetGivesDefaultAndEmptyMeansSilent() throws {
        #expect(try Self.load([:]).greeting == "Hello! How can I help you today?")
        #expect(try Self.load(["GREETING": ""]).greeting == "")
        #expect(try Self.load(["GREETING": "Hi, this is Ada."]).greeting == "Hi, this is Ada.")
        #expect(try Self.load([:]).summary().contains { $0 == ("greeting", "on") })
        #expect(try Self.load(["GREETING": ""]).summary().contains { $0 == ("greeting", "off") })
    }

    @Test func instructions_fromVariableThenFileThenDefault() throws {
        var requested: [String] = []
        let fromFile = try Settings.load(from: Environment(process: [:]), fileReader: { path in
            requested.append(path)
            return "  Be a pirate.\n"
        })
        #expect(fromFile.instructions == "Be a pirate.")
        #expect(requested == ["config/instructions.md"])

        #expect(try Self.load(["INSTRUCTIONS": "Be terse."], file: "Be a pirate.").instructions == "Be terse.")
        #expect(try Self.load(["INSTRUCTIONS": ""], file: "Be a pirate.").instructions == "Be a pirate.")
        #expect(try Self.load([:], file: " \n").instructions == Settings.defaultInstructions)
        #expect(try Self.load([:]).instructions.contains("phone call"))
    }

    @Test func voice_nilMeansDialectDefault() throws {
        #expect(try Self.load([:]).voice == nil)
        #expect(try Self.load(["VOICE": "marin"]).voice == "marin")
    }

    // MARK: - Logging, TLS, secrets

    @Test func logLevelAndFormat_parseOrNameTheVariable() throws {
        let settings = try Self.load(["LOG_LEVEL": "WARN", "LOG_FORMAT": "json"])
        #expect(settings.logLevel == .warning)
        #expect(settings.logFormat == .json)
        #expect(try Self.load([:]).logLevel == .info)
        #expect(try Self.load([:]).logFormat == .logfmt)
        #expect(Self.error(["LOG_LEVEL": "verbose"])?.variable == "LOG_LEVEL")
        #expect(Self.error(["LOG_FORMAT": "xml"])?.variable == "LOG_FORMAT")
    }

    @Test func tls_requiresBothFilesOrNeither() throws {
        let both = try Self.load(["TLS_CERT_FILE": "cert.pem", "TLS_KEY_FILE": "key.pem"])
        #expect(both.tlsCertFile == "cert.pem" && both.tlsKeyFile == "key.pem")
        #expect(Self.error(["TLS_CERT_FILE": "cert.pem"])?.variable == "TLS_KEY_FILE")
        #expect(Self.error(["TLS_KEY_FILE": "key.pem"])?.variable == "TLS_CERT_FILE")
    }

    @Test func secrets_listEveryConfiguredKeyAndSummaryHidesThem() throws {
        let settings = try Self.load(Self.azure.merging([
            "OPENAI_API_KEY": "sk-openai-123456", "TAVILY_API_KEY": "tvly-abcdef123",
            "TWILIO_AUTH_TOKEN": "twilio-token-99", "AZURE_API_VERSION": "2025-04-01-preview",
        ]) { $1 })
        #expect(Set(settings.secrets) == ["sk-openai-123456", "azure-key-123456", "tvly-abcdef123", "twilio-token-99"])

        let summary = settings.summary()
        let text = summary.map { "\($0.0)=\($0.1)" }.joined(separator: " ")
        for secret in settings.secrets {
            #expect(!text.contains(secret))
        }
        #expect(summary.contains { $0 == ("provider", "azure") })
        #expect(summary.contains { $0 == ("endpoint", "voice.openai.azure.com") })
        #expect(summary.contains { $0 == ("dialect", "preview api-version=2025-04-01-preview") })
        #expect(summary.contains { $0 == ("azure_credential", "set") })
        // The logger masks fields named like secrets, which would hide "set"/"unset".
        #expect(summary.allSatisfy { name, _ in !["key", "token", "secret", "password"].contains { name.contains($0) } })
    }

    @Test func everyError_startsWithItsVariable() {
        let cases: [[String: String]] = [
            ["PORT": "x"], ["USE_AZURE_OPENAI": "?"], ["LOG_LEVEL": "x"], ["PUBLIC_URL": "a/b"],
            ["OPENAI_BASE_URL": "http://x"], ["AZURE_OPENAI_ENDPOINT": "http://x"], ["TLS_KEY_FILE": "k"],
        ]
        for variables in cases {
            let error = Self.error(variables)
            #expect(error.map { $0.description.hasPrefix("\($0.variable): ") } == true)
            #expect(error.map { !$0.description.contains("\n") } == true)
        }
    }
}
