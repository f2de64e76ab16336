import MessagingCore
import Testing

@testable import FCGIApp

/// Routing: literal segments win over parameters, 405 lists the methods of the most specific
/// pattern only, and parameters are percent-decoded.
@Suite struct RouterTests {
    let router = Application().router

    func routeName(_ method: String, _ path: String) -> String? {
        if case let .found(route, _) = router.match(method: method, path: path) { return route.name }
        return nil
    }

    @Test func literalsWinOverParameters() {
        #expect(routeName("GET", "/api/messages/conversations") == "GET /api/messages/conversations")
        #expect(routeName("GET", "/api/messages/search") == "GET /api/messages/search")
        #expect(routeName("GET", "/api/messages/42") == "GET /api/messages/:conversationId")
        #expect(routeName("HEAD", "/api/health") == "GET /api/health")
    }

    @Test func methodNotAllowedListsTheSpecificPatternsMethods() {
        guard case let .methodNotAllowed(allowed) = router.match(method: "GET", path: "/api/messages/groups") else {
            Issue.record("expected 405")
            return
        }
        #expect(allowed == ["POST"])
        guard case let .methodNotAllowed(onMessages) = router.match(method: "PUT", path: "/api/messages/42") else {
            Issue.record("expected 405")
            return
        }
        #expect(onMessages == ["DELETE", "GET", "PATCH", "POST"])
    }

    @Test func unknownPathsAreNotFound() {
        if case .notFound = router.match(method: "GET", path: "/api/nothing/here") {} else { Issue.record("expected 404") }
    }

    @Test func parametersArePercentDecoded() {
        guard case let .found(_, parameters) = router.match(method: "DELETE", path: "/api/messages/7/reactions/%E2%9D%A4%EF%B8%8F") else {
            Issue.record("expected a match")
            return
        }
        #expect(parameters["emoji"] == "❤️" && parameters["messageId"] == "7")
        #expect(PercentDecoding.decode("%zz") == nil && PercentDecoding.decode("%C3%28") == nil && PercentDecoding.decode("%+F") == nil)
        #expect(PercentDecoding.decode("a%2Fb%3F") == "a/b?")
    }

    @Test func aSegmentThatDoesNotDecodeStillRoutesForItsHandlerToRefuse() {
        guard case let .found(route, parameters) = router.match(method: "DELETE", path: "/api/messages/7/reactions/%FF%zz") else {
            Issue.record("expected a match")
            return
        }
        #expect(route.name == "DELETE /api/messages/:messageId/reactions/:emoji")
        #expect(parameters["emoji"] == "\u{FFFD}%zz")
    }

    @Test func anEncodedSlashOrQuestionMarkStaysInsideItsSegment() {
        guard case let .found(route, parameters) = router.match(method: "GET", path: "/api/messages/1%2Fread-state") else {
            Issue.record("expected a match")
            return
        }
        #expect(route.name == "GET /api/messages/:conversationId")
        #expect(parameters["conversationId"] == "1/read-state")
    }
}

/// The one query-string reader of both processes.
@Suite struct QueryStringTests {
    @Test func decodesOnceAndKeepsTheFirstOfADuplicateKey() {
        let query = QueryString("q=caf%C3%A9+con+leche&limit=5&limit=9&empty=&flag")
        #expect(query["q"] == "café con leche" && query["limit"] == "5" && query["empty"] == "" && query["flag"] == "")
        #expect(query.invalidKeys.isEmpty)
    }

    @Test func reportsWhatDoesNotDecodeInsteadOfDroppingIt() {
        let query = QueryString("conversationId=%FF&before=%zz&q=ok")
        #expect(query.invalidKeys == ["conversationId", "before"])
        #expect(query["conversationId"] == nil && query["q"] == "ok")
    }

    @Test func aKeyThatDoesNotDecodeIsListedAsFarAsItDecodes() {
        let query = QueryString("na%zzme=1&%c3%a9t%C3%A9=2&%FFx=3")
        #expect(query.invalidKeys == ["na%zzme", "\u{FFFD}x"])
        #expect(query.values == ["été": "2"])
    }
}
