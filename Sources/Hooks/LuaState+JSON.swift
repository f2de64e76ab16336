import CLua
import JSON

/// A Lua value a hook returned that has no JSON form (a function, a cycle, a mixed table, ...).
struct LuaConversionError: Error {
    let message: String
}

/// JSON <-> Lua tables. Objects become tables with string keys, arrays become sequences
/// (1..n), null becomes nil. Back from Lua, an empty table is an empty array (hook outputs'
/// lists are often empty, their objects never) and object keys come out sorted, so the
/// output is stable although Lua tables have no order.
extension LuaState {
    static let maximumDepth = 32

    /// Pushes `value`; a `.raw` fragment is parsed first (nil if it is not valid JSON).
    func push(_ value: JSON, depth: Int = 0) {
        guard depth <= LuaState.maximumDepth, lua_checkstack(L, 3) != 0 else {
            lua_pushnil(L)
            return
        }
        switch value {
        case .null: lua_pushnil(L)
        case let .bool(flag): lua_pushboolean(L, flag ? 1 : 0)
        case let .int(number): lua_pushinteger(L, lua_Integer(number))
        case let .double(number): lua_pushnumber(L, number)
        case let .string(text): push(text)
        case let .array(items):
            lua_createtable(L, Int32(clamping: items.count), 0)
            for (offset, item) in items.enumerated() {
                push(item, depth: depth + 1)
                lua_rawseti(L, -2, lua_Integer(offset + 1))
            }
        case let .object(pairs):
            lua_createtable(L, 0, Int32(clamping: pairs.count))
            for (key, item) in pairs where !item.isNull {
                push(key)
                push(item, depth: depth + 1)
                lua_rawset(L, -3)
            }
        case let .raw(text):
            if let parsed = try? JSON.parse(text) { push(parsed, depth: depth) } else { lua_pushnil(L) }
        }
    }

    /// Pushes a copy of the value at `index` (e.g. a function to call again).
    func pushCopy(of index: Int32) { lua_pushvalue(L, index) }

    /// Pushes a new table holding every field of the table at `sharedIndex` (the same values,
    /// not copies) and `own` fields converted from JSON.
    func pushInput(sharedAt sharedIndex: Int32, own: [(String, JSON)]) {
        let shared = lua_absindex(L, sharedIndex)
        lua_createtable(L, 0, Int32(clamping: own.count + 8))
        let input = lua_absindex(L, -1)
        lua_pushnil(L)
        while lua_next(L, shared) != 0 {
            lua_pushvalue(L, -2)       // key
            lua_rotate(L, -2, 1)       // key, key, value -> key, value on top of key
            lua_rawset(L, input)       // input[key] = value; leaves the iteration key
        }
        for (key, value) in own where !value.isNull {
            push(key)
            push(value)
            lua_rawset(L, input)
        }
    }

    /// The value at `index` as JSON; raw access only, so no script code runs.
    func json(at index: Int32, depth: Int = 0) throws(LuaConversionError) -> JSON {
        let index = lua_absindex(L, index)
        switch lua_type(L, index) {
        case LUA_TNIL: return .null
        case LUA_TBOOLEAN: return .bool(lua_toboolean(L, index) != 0)
        case LUA_TNUMBER:
            if lua_isinteger(L, index) != 0 { return .int(Int64(lua_tointegerx(L, index, nil))) }
            let number = lua_tonumberx(L, index, nil)
            guard number.isFinite else { throw LuaConversionError(message: "a number that is not finite (\(number))") }
            return .double(number)
        case LUA_TSTRING: return .string(string(at: index) ?? "")
        case LUA_TTABLE: return try table(at: index, depth: depth)
        default:
            let typeName = String(cString: lua_typename(L, lua_type(L, index)))
            throw LuaConversionError(message: "a \(typeName) value, which has no JSON form")
        }
    }

    private func table(at index: Int32, depth: Int) throws(LuaConversionError) -> JSON {
        guard depth < LuaState.maximumDepth, lua_checkstack(L, 3) != 0 else {
            throw LuaConversionError(message: "tables nested too deeply (a table that contains itself?)")
        }
        var listItems: [(Int64, JSON)] = []
        var fields: [(String, JSON)] = []
        let base = top
        defer { setTop(base) }
        lua_pushnil(L)
        while lua_next(L, index) != 0 {
            let value = try json(at: -1, depth: depth + 1)
            if lua_type(L, -2) == LUA_TSTRING, let key = string(at: -2) {
                fields.append((key, value))
            } else if lua_type(L, -2) == LUA_TNUMBER, lua_isinteger(L, -2) != 0, lua_tointegerx(L, -2, nil) >= 1 {
                listItems.append((Int64(lua_tointegerx(L, -2, nil)), value))
            } else {
                throw LuaConversionError(message: "a table key that is neither a string nor a list position")
            }
            pop()
        }
        if !listItems.isEmpty && !fields.isEmpty {
            throw LuaConversionError(message: "a table with both list items and named fields")
        }
        if !fields.isEmpty {
            return .object(fields.sorted { $0.0 < $1.0 })
        }
        listItems.sort { $0.0 < $1.0 }
        for (position, item) in listItems.enumerated() where item.0 != Int64(position + 1) {
            throw LuaConversionError(message: "a list with a gap at position \(position + 1)")
        }
        return .array(listItems.map { $0.1 })
    }
}
