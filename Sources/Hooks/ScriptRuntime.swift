import CLua
import CLuaSandbox
import Foundation
import JSON
import Logging

/// What calling a hook function gave.
enum HookCallOutcome {
    /// No such script or function (or it is not loaded): the built-in applies, nothing to report.
    case notProvided
    /// The function returned this value; `line` is where the function starts, for messages.
    case returned(JSON, line: Int?)
    /// The call failed and was logged; the built-in applies.
    case failed
}

/// The Lua side of a HookEngine: one Lua state, the scripts loaded in it, hot reload, and calls
/// under the limits. Confined to one thread, like the engine that owns it.
final class ScriptRuntime {
    static let entryNames = ["guidance", "notifications"]

    let folder: ScriptFolder
    let limits: HookLimits
    let logger: Logger
    /// Also told every problem ("file:line: message"); `hooks check` collects them here.
    private let onProblem: ((String) -> Void)?

    private var lua: LuaState
    private var loadEntryReference: Int32 = LUA_NOREF
    private var logBufferReference: Int32 = LUA_NOREF
    private var logFunctionReference: Int32 = LUA_NOREF
    private(set) var entries: [String: EntryScript] = [:]
    /// Files that do not compile (entry scripts and modules alike), by relative path.
    private(set) var compileErrors: [String: String] = [:]
    private(set) var stamps: [String: FileStamp] = [:]
    private var lastCheck: ContinuousClock.Instant
    private var breaker: OverrunBreaker
    /// Changes when the Lua state is rebuilt, so a batch of calls knows its tables are gone.
    private var stateGeneration = 0
    /// A load stopped by the wall clock says the machine was busy, not that the script is wrong:
    /// the next check loads again, though no file changed.
    private var loadStoppedByTheClock = false

    init(directory: String, limits: HookLimits, logger: Logger, onProblem: ((String) -> Void)? = nil) {
        self.folder = ScriptFolder(directory: directory)
        self.limits = limits
        self.logger = logger
        self.onProblem = onProblem
        self.lua = LuaState(memoryBytes: limits.memoryBytes, budgeted: limits.budgetedLibraries)
        self.lastCheck = ContinuousClock.now
        self.breaker = OverrunBreaker(limits: limits)
        for name in Self.entryNames { entries[name] = EntryScript(name: name) }
        installBootstrap()
        let current = folder.scan()
        reload(current)
    }

    // MARK: - Hot reload

    /// Looks at the files' stamps at most every `reloadCheckInterval`, and reloads on a change.
    func reloadIfDue() {
        let now = ContinuousClock.now
        guard now - lastCheck >= .milliseconds(Int64(limits.reloadCheckInterval * 1000)) else { return }
        lastCheck = now
        let current = folder.scan()
        if current != stamps || loadStoppedByTheClock { reload(current) }
    }

    /// Compiles first, swaps on success: a script that fails to load keeps its last good version.
    private func reload(_ current: [String: FileStamp]) {
        stamps = current
        loadStoppedByTheClock = false
        breaker.reset()  // a new version gets a fresh start
        var sources: [String: String] = [:]
        for relativePath in current.keys {
            if let text = folder.read(relativePath) { sources[relativePath] = text }
        }
        compileErrors = [:]
        for (relativePath, text) in sources {
            if let failure = lua.compile(text, chunkName: folder.chunkName(of: relativePath), timeLimit: HookLimits.compileTimeLimit) {
                compileErrors[relativePath] = failure.message
                let isEntry = Self.entryNames.contains { $0 + ".lua" == relativePath }
                if !isEntry {  // entry scripts are reported when they fail to load
                    report(failure.message, script: relativePath, function: nil, event: "hook module does not compile")
                }
            } else {
                lua.pop()
            }
        }
        for name in Self.entryNames {
            guard var entry = entries[name] else { continue }
            if sources[entry.relativePath] == nil {
                if !entry.fileMissing {
                    logger.notice("hook script missing, using the built-in defaults", metadata: ["hook.script": "\(folder.displayName(of: entry.relativePath))"])
                }
                if let reference = entry.moduleReference { lua.releaseReference(reference) }
                entry = EntryScript(name: name)
                entry.fileMissing = true
            } else {
                entry.fileMissing = false
                load(&entry, sources: sources)
            }
            entries[name] = entry
        }
    }

    private func load(_ entry: inout EntryScript, sources: [String: String]) {
        let base = lua.top
        defer { lua.setTop(base) }
        lua.pushReference(loadEntryReference)
        pushSourceTable(sources)
        lua.push(entry.name)
        lua.pushReference(logFunctionReference)
        let result = lua.limitedCall(arguments: 3, results: 1, instructionBudget: limits.instructionBudget, timeLimit: limits.loadTimeLimit)
        drainLog(script: entry.relativePath, function: "(load)")
        switch result {
        case .success:
            let isReload = entry.moduleReference != nil
            if let previous = entry.moduleReference { lua.releaseReference(previous) }
            entry.moduleReference = lua.makeReference()
            entry.loadedAt = Date()
            entry.loadError = nil
            entry.lastRuntimeError = nil
            entry.sourcesInUse = sources
            // Every thread loads the scripts at start: only reloads are worth a notice.
            logger.log(level: isReload ? .notice : .debug, "hook script \(isReload ? "reloaded" : "loaded")",
                       metadata: ["hook.script": "\(folder.displayName(of: entry.relativePath))"])
        case let .failure(failure):
            entry.loadError = failure.message
            report(failure.message, script: entry.relativePath, function: nil,
                   event: entry.moduleReference == nil ? "hook script failed to load, using the built-in defaults"
                       : "hook script failed to load, keeping the last good version")
            if failure.kind == .memory { lua.collectGarbage() }
            if failure.kind == .timeLimit { loadStoppedByTheClock = true }
        }
    }

    private func pushSourceTable(_ sources: [String: String]) {
        lua_createtable(lua.L, 0, Int32(sources.count))
        for (relativePath, text) in sources {
            lua.push(ScriptFolder.moduleName(of: relativePath))
            lua_createtable(lua.L, 0, 2)
            lua.push("code")
            lua.push(text)
            lua_rawset(lua.L, -3)
            lua.push("chunkname")
            lua.push(folder.chunkName(of: relativePath))
            lua_rawset(lua.L, -3)
            lua_rawset(lua.L, -3)
        }
    }

    // MARK: - Calls

    /// Calls `function` of the script `entry` with `arguments`; failures are logged here.
    func call(entry name: String, function: String, arguments: [JSON]) -> HookCallOutcome {
        reloadIfDue()
        guard let reference = entries[name]?.moduleReference else { return .notProvided }
        let base = lua.top
        defer { lua.setTop(base) }
        lua.pushReference(reference)
        lua.pushRawField(ofTableAt: -1, function)
        guard lua.isFunction(at: -1) else { return .notProvided }
        let breakerKey = name + "." + function
        guard breaker.allows(breakerKey) else { return skipSuspended(entry: name, function: function) }
        let line = lua.lineDefined(ofFunctionAt: -1)
        for argument in arguments { lua.push(argument) }
        var previous: JSON?
        return invoke(entry: name, function: function, breakerKey: breakerKey, arguments: Int32(arguments.count), line: line,
                      previous: &previous) { arguments }
    }

    /// Calls `function` once per item of `each`, with one table argument: the `shared` fields,
    /// converted to Lua once for all calls (the same tables for every call: scripts treat their
    /// input as read-only), plus the item's own fields. For an event with many recipients this
    /// avoids converting the message, sender and conversation again for each of them.
    func callEach(entry name: String, function: String, shared: [(String, JSON)], each: [[(String, JSON)]]) -> [HookCallOutcome] {
        reloadIfDue()
        guard let reference = entries[name]?.moduleReference else { return Array(repeating: .notProvided, count: each.count) }
        let base = lua.top
        defer { lua.setTop(base) }
        lua.pushReference(reference)
        lua.pushRawField(ofTableAt: -1, function)
        guard lua.isFunction(at: -1) else { return Array(repeating: .notProvided, count: each.count) }
        let functionIndex = lua.top
        let line = lua.lineDefined(ofFunctionAt: -1)
        lua.push(JSON.object(shared))
        let sharedIndex = lua.top
        var previous: JSON?
        let breakerKey = name + "." + function
        let generation = stateGeneration
        var outcomes: [HookCallOutcome] = []
        outcomes.reserveCapacity(each.count)
        for fields in each {
            // A memory error rebuilds the state: its tables are gone, so the rest get the built-in.
            guard stateGeneration == generation else {
                outcomes.append(.failed)
                continue
            }
            guard breaker.allows(breakerKey) else {
                outcomes.append(skipSuspended(entry: name, function: function))
                continue
            }
            lua.pushCopy(of: functionIndex)
            lua.pushInput(sharedAt: sharedIndex, own: fields)
            outcomes.append(invoke(entry: name, function: function, breakerKey: breakerKey, arguments: 1, line: line,
                                   previous: &previous) { [.object(shared + fields)] })
        }
        return outcomes
    }

    /// Runs the function below the top `arguments` values under the limits and pops what it
    /// returned. Failures are reported with the error's input strings redacted (`inputs` is only
    /// evaluated then), and fed to the breaker.
    ///
    /// `previous` is the last value returned in a run of calls (`callEach`): a value that converts
    /// to it is not converted again. Most recipients of an event get the same decision, and
    /// converting it was a seventh of a delivery's instructions (issue 17, target 5).
    private func invoke(entry name: String, function: String, breakerKey: String, arguments: Int32, line: Int?,
                        previous: inout JSON?, inputs: () -> [JSON]) -> HookCallOutcome {
        let result = lua.limitedCall(arguments: arguments, results: 1, instructionBudget: limits.instructionBudget, timeLimit: limits.timeLimit)
        drainLog(script: name + ".lua", function: function)
        switch result {
        case .success:
            defer { lua.pop() }
            _ = breaker.record(breakerKey, overran: false)
            if let previous, lua.converts(at: -1, to: previous) {
                return .returned(previous, line: line)
            }
            do {
                let json = try lua.json(at: -1)
                previous = json
                return .returned(json, line: line)
            } catch {
                reportMalformed(entry: name, function: function, line: line, problem: "returned \(error.message)")
                return .failed
            }
        case let .failure(failure):
            let kind: HookFailure = switch failure.kind {
            case .instructionBudget, .timeLimit: .timeout
            case .memory: .memory
            case .compile, .runtime: .runtime
            }
            let message = InputRedaction(inputs()).apply(failure.message)
            recordFailure(kind, message: message, entry: name, function: function)
            if breaker.record(breakerKey, overran: kind.isOverrun) {
                logger.warning("hook suspended after running past its limits \(limits.overrunsBeforeSuspension) times in a row; the built-in defaults decide for \(limits.suspension)",
                               metadata: ["hook.script": "\(folder.displayName(of: name + ".lua"))", "hook.function": "\(function)"])
            }
            if failure.kind == .memory { recoverMemory() }
            return .failed
        }
    }

    private func skipSuspended(entry name: String, function: String) -> HookCallOutcome {
        HookFailures.record(HookFailureEvent(kind: .suspended, script: name + ".lua", function: function, message: nil))
        return .failed
    }

    /// A hook returned something the contract does not accept: logged like an error.
    func reportMalformed(entry name: String, function: String, line: Int?, problem: String) {
        let file = folder.displayName(of: name + ".lua")
        recordFailure(.malformed, message: "\(file):\(line ?? 0): \(function) \(problem); using the built-in default", entry: name, function: function)
    }

    private func recordFailure(_ kind: HookFailure, message: String, entry name: String, function: String) {
        HookFailures.record(HookFailureEvent(kind: kind, script: name + ".lua", function: function, message: message))
        entries[name]?.lastRuntimeError = message
        entries[name]?.lastRuntimeErrorAt = Date()
        report(message, script: name + ".lua", function: function, event: "hook failed, using the built-in default")
    }

    /// Functions not called now because they overran too often (see OverrunBreaker).
    var suspendedFunctions: [String] { breaker.suspended() }

    private func report(_ message: String, script relativePath: String, function: String?, event: String) {
        let location = ErrorLocation.parse(message)
        var metadata: Logger.Metadata = [
            "hook.script": "\(location?.file ?? folder.displayName(of: relativePath))",
            "hook.error": "\(location?.message ?? message)",
        ]
        if let line = location?.line { metadata["hook.line"] = "\(line)" }
        if let function { metadata["hook.function"] = "\(function)" }
        logger.error("\(event): \(message)", metadata: metadata)
        onProblem?(message)
    }

    /// After a memory error: if the state still holds most of its cap (a script keeps data alive),
    /// start over with a fresh state and the versions in use, so later calls are not starved.
    private func recoverMemory() {
        lua.collectGarbage()
        guard lua.memoryInUse > lua.memoryLimit / 4 * 3 else { return }
        logger.warning("hook Lua state still near its memory cap after a collection; rebuilding it")
        let previous = entries
        lua = LuaState(memoryBytes: limits.memoryBytes, budgeted: limits.budgetedLibraries)
        stateGeneration += 1
        installBootstrap()
        for name in Self.entryNames {
            var entry = EntryScript(name: name)
            entry.fileMissing = previous[name]?.fileMissing ?? false
            entry.lastRuntimeError = previous[name]?.lastRuntimeError
            entry.lastRuntimeErrorAt = previous[name]?.lastRuntimeErrorAt
            if let sources = previous[name]?.sourcesInUse { load(&entry, sources: sources) }
            entry.loadError = previous[name]?.loadError ?? entry.loadError
            entries[name] = entry
        }
    }

    // MARK: - Setup

    private func installBootstrap() {
        if let failure = lua.compile(SandboxBootstrap.source, chunkName: SandboxBootstrap.chunkName, timeLimit: .seconds(60)) {
            fatalError("hook sandbox bootstrap does not compile: \(failure.message)")
        }
        guard case .success = lua.limitedCall(arguments: 0, results: 1, instructionBudget: 1_000_000, timeLimit: .seconds(60)) else {
            fatalError("hook sandbox bootstrap failed to run")
        }
        loadEntryReference = lua.makeReference()
        lua_createtable(lua.L, 50, 0)
        lua_pushvalue(lua.L, -1)
        logBufferReference = lua.makeReference()
        clua_push_log_function(lua.L)
        logFunctionReference = lua.makeReference()
    }

    /// Moves what scripts passed to `log(...)` during the last call into the Logger.
    /// `relativePath` is only built when there is something to log: this runs after every call.
    private func drainLog(script relativePath: @autoclosure () -> String, function: String) {
        let base = lua.top
        defer { lua.setTop(base) }
        lua.pushReference(logBufferReference)
        let count = lua_rawlen(lua.L, -1)
        guard count > 0 else { return }
        for index in 1...lua_Integer(count) {
            _ = lua_rawgeti(lua.L, -1, index)
            let line = lua.string(at: -1) ?? ""
            lua.pop()
            lua_pushnil(lua.L)
            lua_rawseti(lua.L, -2, index)
            var metadata: Logger.Metadata = ["hook.script": "\(folder.displayName(of: relativePath()))", "hook.function": "\(function)"]
            if let location = ErrorLocation.parse(line) { metadata["hook.line"] = "\(location.line)" }
            logger.info("hook log: \(line)", metadata: metadata)
        }
    }
}
