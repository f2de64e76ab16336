import JSON
import Testing

@testable import Hooks

/// What a hook may return (lua/README.md): each result is put in its wire form, and each
/// misshapen one is refused with the words the log shows.
@Suite struct HookResultShapeTests {
    func problem(_ body: () throws(ShapeProblem) -> Any?) -> String? {
        do {
            _ = try body()
            return nil
        } catch {
            return error.description
        }
    }

    @Test func aDecisionIsNormalized() throws {
        let decision = try HookResultShape.decision(["toast": false, "badge": ["total": 3, "conversation": 1], "sound": "message"])
        #expect(decision == ["toast": nil, "badge": ["total": 3, "conversation": 1], "sound": "message", "scroll": false])
        let toast = try HookResultShape.decision(["toast": ["title": "Bob", "body": "hi", "extra": 1], "badge": ["total": 0, "conversation": 0], "scroll": true])
        #expect(toast["toast"] == ["title": "Bob", "body": "hi"] && toast["scroll"] == true && toast["sound"] == .null)
    }

    @Test(arguments: [
        (JSON.string("x"), "must return a table with badge, toast, sound and scroll"),
        (["sound": "message"], "returned no badge = { total = <count>, conversation = <count> }"),
        (["badge": ["total": -1, "conversation": 0]], "returned no badge = { total = <count>, conversation = <count> }"),
        (["badge": ["total": 1, "conversation": 0], "toast": ["title": "Bob"]], "returned a toast without a text title and body"),
        (["badge": ["total": 1, "conversation": 0], "sound": 5], "returned a sound that is neither nil nor a name"),
        (["badge": ["total": 1, "conversation": 0], "sound": ""], "returned a sound that is neither nil nor a name"),
        (["badge": ["total": 1, "conversation": 0], "scroll": "yes"], "returned a scroll that is not true or false"),
    ] as [(JSON, String)])
    func aMisshapenDecisionIsRefused(_ value: JSON, _ message: String) {
        #expect(problem { () throws(ShapeProblem) in try HookResultShape.decision(value) } == message)
    }

    @Test func stepsNeedAnIdAndATextTitle() throws {
        #expect(try HookResultShape.guidance(.null) == nil)
        #expect(try HookResultShape.nextSteps(["steps": []]) == ["steps": []])
        #expect(problem { () throws(ShapeProblem) in try HookResultShape.guidance(["steps": []]) } == "must return a table with a list of steps")
        #expect(problem { () throws(ShapeProblem) in try HookResultShape.nextSteps("steps") } == "must return a table with a list of steps")
        #expect(problem { () throws(ShapeProblem) in try HookResultShape.guidance(["steps": [["id": "a"], ["title": "Name"]]]) }
                == "returned step 2 without an id")
        #expect(problem { () throws(ShapeProblem) in try HookResultShape.guidance(["steps": [["id": "a", "title": 3]]]) }
                == "returned step 1 with a title that is not text")
    }

    @Test func aGroupValidationIsNilOrAFieldWithAMessage() throws {
        #expect(try HookResultShape.groupValidation(.null) == nil)
        #expect(try HookResultShape.groupValidation(false) == nil)
        #expect(try HookResultShape.groupValidation(["field": "name", "message": "Pick a name", "x": 1]) == ["field": "name", "message": "Pick a name"])
        #expect(problem { () throws(ShapeProblem) in try HookResultShape.groupValidation(["field": "name", "message": ""]) }
                == "must return nil or { field = <name>, message = <text for the person> }")
    }
}
