import CLua
import CLuaSandbox

/// Why a protected call into Lua did not return normally.
struct LuaFailure: Error {
    enum Kind: Equatable { case compile, runtime, instructionBudget, timeLimit, memory }
    let kind: Kind
    /// Lua's own text, usually "lua/file.lua:12: message".
    let message: String
}

/// Owns one lua_State and its limits. Confined to the thread that created it.
///
/// Swift never calls a Lua API function that can raise an error while a script could be running:
/// scripts only run inside `limitedCall`, i.e. inside lua_pcall, and the hook, the allocator and
/// the budgeted library functions that raise or refuse are C (CLuaSandbox). Outside a call the
/// limits are lifted, so pushing an event or reading a result cannot hit a memory error (which
/// would abort through the panic handler).
final class LuaState {
    let L: OpaquePointer
    private let limits: UnsafeMutablePointer<clua_limits>

    /// `budgeted`: Lua's long-running library functions replaced by budgeted ones (always, but in
    /// tests that compare the two).
    init(memoryBytes: Int, budgeted: Bool = true) {
        limits = UnsafeMutablePointer<clua_limits>.allocate(capacity: 1)
        limits.initialize(to: clua_limits())
        limits.pointee.limit = max(memoryBytes, 1 << 20)
        guard let state = clua_newstate(limits, budgeted ? 1 : 0) else { fatalError("lua_newstate: out of memory") }
        L = state
    }

    deinit {
        lua_close(L)
        limits.deallocate()
    }

    /// Bytes the state holds now.
    var memoryInUse: Int { Int(limits.pointee.used) }
    var memoryLimit: Int { Int(limits.pointee.limit) }

    var top: Int32 { lua_gettop(L) }
    func setTop(_ index: Int32) { lua_settop(L, index) }
    func pop(_ count: Int32 = 1) { clua_pop(L, count) }

    /// Compiles text (never bytecode) and pushes the chunk as a function, or returns the error.
    /// The parser runs under the memory cap and `timeLimit`, so a huge file cannot stall a reload.
    func compile(_ source: String, chunkName: String, timeLimit: Duration) -> LuaFailure? {
        let status: Int32 = source.utf8.withContiguousStorageIfAvailable { bytes in
            compile(bytes: UnsafeRawBufferPointer(bytes), chunkName: chunkName, timeLimit: timeLimit)
        } ?? {
            let copy = Array(source.utf8)
            return copy.withUnsafeBytes { compile(bytes: $0, chunkName: chunkName, timeLimit: timeLimit) }
        }()
        let stopped = limits.pointee.stopped
        if status == LUA_OK { return nil }
        let message = string(at: -1) ?? "could not compile \(chunkName)"
        pop()
        switch stopped {
        case CLUA_STOP_TIME: return LuaFailure(kind: .timeLimit, message: "\(chunkName.dropFirst()): time limit exceeded while compiling")
        case CLUA_STOP_MEMORY: return LuaFailure(kind: .memory, message: message)
        default: return LuaFailure(kind: status == LUA_ERRMEM ? .memory : .compile, message: message)
        }
    }

    private func compile(bytes: UnsafeRawBufferPointer, chunkName: String, timeLimit: Duration) -> Int32 {
        clua_begin_limited_call(L, Int64.max, timeLimit.nanoseconds)
        defer { clua_end_limited_call(L) }
        return luaL_loadbufferx(L, bytes.baseAddress?.assumingMemoryBound(to: CChar.self), bytes.count, chunkName, "t")
    }

    /// Calls the function below the top `arguments` values under the budget (VM instructions and
    /// the C work of library functions, see CLuaSandbox), the time limit and the memory cap. On
    /// success `results` values are left on the stack; on failure nothing is. Running out of any of
    /// them is fatal to the call even when the script caught the error with pcall.
    func limitedCall(arguments: Int32, results: Int32, instructionBudget: Int, timeLimit: Duration) -> Result<Void, LuaFailure> {
        let handlerIndex = top - arguments
        clua_push_message_handler(L)
        lua_rotate(L, handlerIndex, 1)  // handler goes below the function
        clua_begin_limited_call(L, Int64(instructionBudget), timeLimit.nanoseconds)
        let status = clua_pcall(L, arguments, results, handlerIndex)
        clua_end_limited_call(L)
        let stopped = limits.pointee.stopped

        if status == LUA_OK && stopped == CLUA_RUNNING {
            lua_rotate(L, handlerIndex, -1)
            pop()
            return .success(())
        }
        var message = status == LUA_OK ? "" : (string(at: -1) ?? "(error without a message)")
        setTop(handlerIndex - 1)
        func ensure(_ suffix: String, otherwise replacement: String) {
            if !message.hasSuffix(suffix) { message = replacement }
        }
        switch stopped {
        case CLUA_STOP_MEMORY:
            ensure("memory limit exceeded", otherwise: "memory limit exceeded (\(memoryLimit) bytes)")
            return .failure(LuaFailure(kind: .memory, message: message))
        case CLUA_STOP_TIME:
            ensure("time limit exceeded", otherwise: "time limit exceeded")
            return .failure(LuaFailure(kind: .timeLimit, message: message))
        case CLUA_STOP_BUDGET:
            ensure("instruction budget exceeded", otherwise: "instruction budget exceeded")
            return .failure(LuaFailure(kind: .instructionBudget, message: message))
        default:
            if status == LUA_ERRMEM {  // Lua's own refusal outside the cap (should not happen)
                return .failure(LuaFailure(kind: .memory, message: "memory limit exceeded (\(memoryLimit) bytes)"))
            }
            return .failure(LuaFailure(kind: .runtime, message: message))
        }
    }

    /// For tests of the budgeted functions: sets the global `name` to {string, table, utf8, base}
    /// of replacements, beside Lua's own libraries (this state's globals are not a sandbox).
    func setGlobalToBudgetedLibraries(named name: String) {
        clua_push_budgeted_libraries(L)
        lua_setglobal(L, name)
    }

    /// Full collection; only between calls (finalizers are refused by the sandbox's setmetatable).
    func collectGarbage() { _ = clua_gc_collect(L) }

    // MARK: - Stack helpers that never raise

    func push(_ string: String) {
        var copy = string
        copy.withUTF8 { bytes in
            _ = lua_pushlstring(L, UnsafeRawPointer(bytes.baseAddress)?.assumingMemoryBound(to: CChar.self), bytes.count)
        }
    }

    /// The string at `index`, only if it really is a string (numbers are not converted in place,
    /// which would confuse lua_next).
    func string(at index: Int32) -> String? {
        guard lua_type(L, index) == LUA_TSTRING else { return nil }
        var length = 0
        guard let pointer = lua_tolstring(L, index, &length) else { return nil }
        return String(decoding: UnsafeRawBufferPointer(start: pointer, count: length), as: UTF8.self)
    }

    func isFunction(at index: Int32) -> Bool { lua_type(L, index) == LUA_TFUNCTION }

    /// Stores the top value in the registry and pops it.
    func makeReference() -> Int32 { luaL_ref(L, clua_registryindex()) }
    func pushReference(_ reference: Int32) { _ = lua_rawgeti(L, clua_registryindex(), lua_Integer(reference)) }
    func releaseReference(_ reference: Int32) { luaL_unref(L, clua_registryindex(), reference) }

    /// Pushes `table[key]` without metamethods (scripts' tables may have any).
    func pushRawField(ofTableAt index: Int32, _ key: String) {
        let table = lua_absindex(L, index)
        push(key)
        _ = lua_rawget(L, table)
    }

    /// The line a Lua function starts on, for messages about what it returned.
    func lineDefined(ofFunctionAt index: Int32) -> Int? {
        guard isFunction(at: index) else { return nil }
        lua_pushvalue(L, index)
        var info = lua_Debug()
        guard lua_getinfo(L, ">S", &info) != 0, info.linedefined > 0 else { return nil }
        return Int(info.linedefined)
    }
}

extension Duration {
    /// Whole nanoseconds, saturating (for the C side's deadline).
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds.multipliedReportingOverflow(by: 1_000_000_000).overflow ? Int64.max
            : seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
