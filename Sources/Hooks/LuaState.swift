import CLua

/// Why a protected call into Lua did not return normally.
struct LuaFailure: Error {
    enum Kind: Equatable { case compile, runtime, instructionBudget, memory }
    let kind: Kind
    /// Lua's own text, usually "lua/file.lua:12: message".
    let message: String
}

/// Owns one lua_State and its limits. Confined to the thread that created it.
///
/// Swift never calls a Lua API function that can raise an error while a script could be running:
/// scripts only run inside `limitedCall`, i.e. inside lua_pcall, and the hook and allocator that
/// raise or refuse are C (shim.h). Outside a call the memory cap is lifted, so pushing an event or
/// reading a result cannot hit a memory error (which would abort through the panic handler).
final class LuaState {
    let L: OpaquePointer
    private let limits: UnsafeMutablePointer<clua_limits>

    init(memoryBytes: Int) {
        limits = UnsafeMutablePointer<clua_limits>.allocate(capacity: 1)
        limits.initialize(to: clua_limits())
        limits.pointee.limit = max(memoryBytes, 1 << 20)
        guard let state = clua_newstate(limits) else { fatalError("lua_newstate: out of memory") }
        L = state
        clua_open_sandbox_libraries(L)
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
    func compile(_ source: String, chunkName: String) -> LuaFailure? {
        let status: Int32 = source.utf8.withContiguousStorageIfAvailable { bytes in
            compile(bytes: UnsafeRawBufferPointer(bytes), chunkName: chunkName)
        } ?? {
            let copy = Array(source.utf8)
            return copy.withUnsafeBytes { compile(bytes: $0, chunkName: chunkName) }
        }()
        if status == LUA_OK { return nil }
        let message = string(at: -1) ?? "could not compile \(chunkName)"
        pop()
        return LuaFailure(kind: status == LUA_ERRMEM ? .memory : .compile, message: message)
    }

    private func compile(bytes: UnsafeRawBufferPointer, chunkName: String) -> Int32 {
        clua_begin_limited_call(L, Int32.max)
        defer { clua_end_limited_call(L) }
        return luaL_loadbufferx(L, bytes.baseAddress?.assumingMemoryBound(to: CChar.self), bytes.count, chunkName, "t")
    }

    /// Calls the function below the top `arguments` values under the instruction budget and the
    /// memory cap. On success `results` values are left on the stack; on failure nothing is.
    /// A memory error is fatal to the call even when the script caught it with pcall.
    func limitedCall(arguments: Int32, results: Int32, instructionBudget: Int) -> Result<Void, LuaFailure> {
        let handlerIndex = top - arguments
        clua_push_message_handler(L)
        lua_rotate(L, handlerIndex, 1)  // handler goes below the function
        clua_begin_limited_call(L, Int32(clamping: instructionBudget))
        let status = clua_pcall(L, arguments, results, handlerIndex)
        clua_end_limited_call(L)
        let budgetSpent = limits.pointee.budget_exceeded != 0
        let memorySpent = limits.pointee.memory_exceeded != 0 || status == LUA_ERRMEM

        if status == LUA_OK && !budgetSpent && !memorySpent {
            lua_rotate(L, handlerIndex, -1)
            pop()
            return .success(())
        }
        var message = status == LUA_OK ? "" : (string(at: -1) ?? "(error without a message)")
        setTop(handlerIndex - 1)
        if memorySpent {
            if !message.hasSuffix("memory limit exceeded") {
                message = "memory limit exceeded (\(memoryLimit) bytes)"
            }
            return .failure(LuaFailure(kind: .memory, message: message))
        }
        if budgetSpent {
            if !message.hasSuffix("instruction budget exceeded") { message = "instruction budget exceeded" }
            return .failure(LuaFailure(kind: .instructionBudget, message: message))
        }
        return .failure(LuaFailure(kind: .runtime, message: message))
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
    func isTable(at index: Int32) -> Bool { lua_type(L, index) == LUA_TTABLE }

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
