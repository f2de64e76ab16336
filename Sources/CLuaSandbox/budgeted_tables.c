// table.concat, insert, remove, move, unpack, pack and sort with Lua 5.4's behaviour, each
// element touched charged to the call's fuel. Lua's own versions loop in C over ranges a script
// chooses: `table.move({}, 1, 2^40, 2)` or a `__len` of 2^40 moves nils for hours without
// allocating, and `table.sort(t, rawequal)` scans a huge range before it can complain.
//
// Written for this project from the Lua 5.4 reference manual (section 6.6); the unit tests compare
// each with Lua's own. table.sort is a heapsort: O(n log n) comparisons whatever the comparator
// does, where Lua's quicksort relies on the comparator being consistent.
#include "sandbox_internal.h"
#include <limits.h>

#define NEEDS_READ 1
#define NEEDS_WRITE 2
#define NEEDS_LENGTH 4
#define NEEDS_READ_WRITE (NEEDS_READ | NEEDS_WRITE)

/// A table, or a value whose metatable gives what `needs` asks for (as Lua's table functions accept).
static void check_table(lua_State *L, int arg, int needs) {
    if (lua_type(L, arg) == LUA_TTABLE) return;
    int n = 1;
    if (lua_getmetatable(L, arg) &&
        (!(needs & NEEDS_READ) || (lua_pushliteral(L, "__index"), n++, lua_rawget(L, -n) != LUA_TNIL)) &&
        (!(needs & NEEDS_WRITE) || (lua_pushliteral(L, "__newindex"), n++, lua_rawget(L, -n) != LUA_TNIL)) &&
        (!(needs & NEEDS_LENGTH) || (lua_pushliteral(L, "__len"), n++, lua_rawget(L, -n) != LUA_TNIL))) {
        lua_pop(L, n);
    } else {
        luaL_checktype(L, arg, LUA_TTABLE);  // raises the usual "table expected" error
    }
}

static lua_Integer checked_length(lua_State *L, int arg, int needs) {
    check_table(L, arg, needs | NEEDS_LENGTH);
    return luaL_len(L, arg);
}

/// Elements are charged in batches: one call per element would double the cost of small loops.
typedef struct {
    lua_State *L;
    int64_t pending;
} Meter;

static inline void tick(Meter *meter, int64_t units) {
    meter->pending += units;
    if (meter->pending >= 64) {
        clua_charge(meter->L, meter->pending);
        meter->pending = 0;
    }
}

static int budgeted_insert(lua_State *L) {
    Meter meter = {L, 0};
    lua_Integer first_empty = luaL_intop(+, checked_length(L, 1, NEEDS_READ_WRITE), 1);
    lua_Integer position;
    switch (lua_gettop(L)) {
    case 2:
        position = first_empty;
        break;
    case 3:
        position = luaL_checkinteger(L, 2);
        // (unsigned) position - 1 < first_empty: position is in [1, first_empty]
        luaL_argcheck(L, (lua_Unsigned)position - 1u < (lua_Unsigned)first_empty, 2, "position out of bounds");
        for (lua_Integer i = first_empty; i > position; i--) {  // move the elements up
            tick(&meter, 1);
            lua_geti(L, 1, i - 1);
            lua_seti(L, 1, i);
        }
        break;
    default:
        return luaL_error(L, "wrong number of arguments to 'insert'");
    }
    lua_seti(L, 1, position);
    return 0;
}

static int budgeted_remove(lua_State *L) {
    Meter meter = {L, 0};
    lua_Integer size = checked_length(L, 1, NEEDS_READ_WRITE);
    lua_Integer position = luaL_optinteger(L, 2, size);
    if (position != size) {  // a given position must be in [1, size + 1] (Lua names argument 1)
        luaL_argcheck(L, (lua_Unsigned)position - 1u <= (lua_Unsigned)size, 1, "position out of bounds");
    }
    lua_geti(L, 1, position);  // the result
    for (; position < size; position++) {
        tick(&meter, 1);
        lua_geti(L, 1, position + 1);
        lua_seti(L, 1, position);
    }
    lua_pushnil(L);
    lua_seti(L, 1, position);
    return 1;
}

static int budgeted_move(lua_State *L) {
    Meter meter = {L, 0};
    lua_Integer from = luaL_checkinteger(L, 2);
    lua_Integer end = luaL_checkinteger(L, 3);
    lua_Integer to = luaL_checkinteger(L, 4);
    int destination = !lua_isnoneornil(L, 5) ? 5 : 1;
    check_table(L, 1, NEEDS_READ);
    check_table(L, destination, NEEDS_WRITE);
    if (end >= from) {
        luaL_argcheck(L, from > 0 || end < LUA_MAXINTEGER + from, 3, "too many elements to move");
        lua_Integer count = end - from + 1;
        luaL_argcheck(L, to <= LUA_MAXINTEGER - count + 1, 4, "destination wrap around");
        if (to > end || to <= from || (destination != 1 && !lua_compare(L, 1, destination, LUA_OPEQ))) {
            for (lua_Integer i = 0; i < count; i++) {
                tick(&meter, 1);
                lua_geti(L, 1, from + i);
                lua_seti(L, destination, to + i);
            }
        } else {  // overlapping and moving up: copy from the end
            for (lua_Integer i = count - 1; i >= 0; i--) {
                tick(&meter, 1);
                lua_geti(L, 1, from + i);
                lua_seti(L, destination, to + i);
            }
        }
    }
    lua_pushvalue(L, destination);
    return 1;
}

static int budgeted_unpack(lua_State *L) {
    lua_Integer i = luaL_optinteger(L, 2, 1);
    lua_Integer last = luaL_opt(L, luaL_checkinteger, 3, luaL_len(L, 1));
    if (i > last) return 0;
    lua_Unsigned count = (lua_Unsigned)last - (lua_Unsigned)i;  // minus 1, to avoid overflow
    if (count >= (unsigned int)INT_MAX || !lua_checkstack(L, (int)(++count))) {
        return luaL_error(L, "too many results to unpack");
    }
    clua_charge(L, (int64_t)count);
    for (; i < last; i++) lua_geti(L, 1, i);
    lua_geti(L, 1, last);
    return (int)count;
}

static int budgeted_pack(lua_State *L) {
    int count = lua_gettop(L);
    clua_charge(L, count);
    lua_createtable(L, count, 1);
    lua_insert(L, 1);
    for (int i = count; i >= 1; i--) lua_seti(L, 1, i);
    lua_pushinteger(L, count);
    lua_setfield(L, 1, "n");
    return 1;
}

static void add_field(lua_State *L, luaL_Buffer *buffer, lua_Integer i) {
    lua_geti(L, 1, i);
    if (!lua_isstring(L, -1)) {
        luaL_error(L, "invalid value (%s) at index %I in table for 'concat'", luaL_typename(L, -1), (LUAI_UACINT)i);
    }
    luaL_addvalue(buffer);
}

static int budgeted_concat(lua_State *L) {
    Meter meter = {L, 0};
    luaL_Buffer buffer;
    lua_Integer last = checked_length(L, 1, NEEDS_READ);
    size_t separator_length;
    const char *separator = luaL_optlstring(L, 2, "", &separator_length);
    lua_Integer i = luaL_optinteger(L, 3, 1);
    last = luaL_optinteger(L, 4, last);
    int64_t units_per_field = 1 + clua_units_for_bytes(separator_length);
    luaL_buffinit(L, &buffer);
    for (; i < last; i++) {
        tick(&meter, units_per_field);
        add_field(L, &buffer, i);
        luaL_addlstring(&buffer, separator, separator_length);
    }
    if (i == last) add_field(L, &buffer, i);
    luaL_pushresult(&buffer);
    return 1;
}

// table.sort: a heapsort over t[1..n] through lua_geti/lua_seti, as Lua's own sort reads and
// writes (metamethods included).

/// Whether the value at stack index a sorts before the one at b (the comparator is argument 2).
static int sorts_before(lua_State *L, int a, int b) {
    if (lua_isnil(L, 2)) return lua_compare(L, a, b, LUA_OPLT);
    lua_pushvalue(L, 2);
    lua_pushvalue(L, a - 1);  // one slot deeper now
    lua_pushvalue(L, b - 2);
    lua_call(L, 2, 1);
    int result = lua_toboolean(L, -1);
    lua_pop(L, 1);
    return result;
}

static void swap(lua_State *L, lua_Integer i, lua_Integer j) {
    lua_geti(L, 1, i);
    lua_geti(L, 1, j);
    lua_seti(L, 1, i);
    lua_seti(L, 1, j);
}

/// Restores the heap property below `root`, for the heap t[1..end].
static void sift_down(lua_State *L, Meter *meter, lua_Integer root, lua_Integer end) {
    while (root <= end / 2) {
        lua_Integer child = 2 * root;
        tick(meter, 2);
        if (child + 1 <= end) {
            lua_geti(L, 1, child);
            lua_geti(L, 1, child + 1);
            if (sorts_before(L, -2, -1)) child++;  // the larger child
            lua_pop(L, 2);
        }
        lua_geti(L, 1, root);
        lua_geti(L, 1, child);
        int child_is_larger = sorts_before(L, -2, -1);
        lua_pop(L, 2);
        if (!child_is_larger) return;
        swap(L, root, child);
        root = child;
    }
}

static int budgeted_sort(lua_State *L) {
    Meter meter = {L, 0};
    lua_Integer n = checked_length(L, 1, NEEDS_READ_WRITE);
    if (n > 1) {
        luaL_argcheck(L, n < INT_MAX, 1, "array too big");
        if (!lua_isnoneornil(L, 2)) luaL_checktype(L, 2, LUA_TFUNCTION);
        lua_settop(L, 2);
        for (lua_Integer root = n / 2; root >= 1; root--) sift_down(L, &meter, root, n);
        for (lua_Integer end = n; end > 1; end--) {
            swap(L, 1, end);
            sift_down(L, &meter, 1, end - 1);
        }
    }
    return 0;
}

void clua_register_budgeted_tables(lua_State *L, int table_table) {
    static const luaL_Reg functions[] = {
        {"concat", budgeted_concat}, {"insert", budgeted_insert}, {"remove", budgeted_remove}, {"move", budgeted_move},
        {"unpack", budgeted_unpack}, {"pack", budgeted_pack}, {"sort", budgeted_sort}, {NULL, NULL}};
    for (const luaL_Reg *f = functions; f->name; f++) {
        lua_pushcfunction(L, f->func);
        lua_setfield(L, table_table, f->name);
    }
}
