#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
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

    /// Whether `json(at: index)` would return `json`, found without converting: raw access and
    /// no allocation. The JSON is a snapshot, so a table the script changed since is seen as
    /// changed. False when unsure (nesting too deep), which only costs a conversion.
    func converts(at index: Int32, to json: JSON, depth: Int = 0) -> Bool {
        let index = lua_absindex(L, index)
        let type = lua_type(L, index)
        switch json {
        case .null: return type == LUA_TNIL
        case let .bool(value): return type == LUA_TBOOLEAN && (lua_toboolean(L, index) != 0) == value
        case let .int(value): return type == LUA_TNUMBER && lua_isinteger(L, index) != 0 && lua_tointegerx(L, index, nil) == value
        case let .double(value): return type == LUA_TNUMBER && lua_isinteger(L, index) == 0 && lua_tonumberx(L, index, nil) == value
        case let .string(value): return type == LUA_TSTRING && string(at: index, equals: value)
        case .object, .array: return type == LUA_TTABLE && table(at: index, converts: json, depth: depth)
        case .raw: return false
        }
    }

    private func table(at index: Int32, converts json: JSON, depth: Int) -> Bool {
        guard depth < LuaState.maximumDepth, lua_checkstack(L, 3) != 0 else { return false }
        let base = top
        defer { setTop(base) }
        var keys = 0
        lua_pushnil(L)
        switch json {
        case let .object(fields):
            while lua_next(L, index) != 0 {  // key, value
                keys += 1
                guard lua_type(L, -2) == LUA_TSTRING, let field = fields.firstIndex(where: { string(at: -2, equals: $0.0) }),
                      converts(at: -1, to: fields[field].1, depth: depth + 1) else { return false }
                pop()
            }
            return keys == fields.count  // distinct keys, each matched to its own field
        case let .array(items):
            while lua_next(L, index) != 0 {
                keys += 1
                guard lua_type(L, -2) == LUA_TNUMBER, lua_isinteger(L, -2) != 0 else { return false }
                let position = lua_tointegerx(L, -2, nil)
                guard position >= 1, position <= items.count, converts(at: -1, to: items[Int(position) - 1], depth: depth + 1) else { return false }
                pop()
            }
            return keys == items.count
        default:
            return false
        }
    }

    /// Whether the string at `index` has exactly the UTF-8 bytes of `value`.
    private func string(at index: Int32, equals value: String) -> Bool {
        var length = 0
        guard let pointer = lua_tolstring(L, index, &length), value.utf8.count == length else { return false }
        guard length > 0 else { return true }
        return value.utf8.withContiguousStorageIfAvailable { memcmp($0.baseAddress!, pointer, length) == 0 }
            ?? value.utf8.elementsEqual(UnsafeRawBufferPointer(start: pointer, count: length))
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
