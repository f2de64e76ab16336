// string.rep, and the wrapper that charges the functions whose work is linear in their strings.
#include "sandbox_internal.h"
#include <limits.h>
#include <string.h>

/// string.rep(s, n [, sep]) as Lua's own, with each copy charged: `string.rep("", 2^30)` builds
/// nothing yet loops 2^30 times in Lua's version, so neither the memory cap nor the instruction
/// count sees it. An empty result is returned at once; anything else costs a unit per copy.
static int budgeted_rep(lua_State *L) {
    size_t l, lsep;
    const char *s = luaL_checklstring(L, 1, &l);
    lua_Integer n = luaL_checkinteger(L, 2);
    const char *sep = luaL_optlstring(L, 3, "", &lsep);
    if (n <= 0 || (l == 0 && (lsep == 0 || n == 1))) {
        lua_pushliteral(L, "");
        return 1;
    }
    if (l + lsep < l || l + lsep > (size_t)INT_MAX / (size_t)n) {  // Lua's own bound
        return luaL_error(L, "resulting string too large");
    }
    size_t total = (size_t)n * l + (size_t)(n - 1) * lsep;
    clua_charge(L, n + clua_units_for_bytes(total));
    luaL_Buffer b;
    char *p = luaL_buffinitsize(L, &b, total);
    while (n-- > 1) {
        memcpy(p, s, l);
        p += l;
        if (lsep > 0) {
            memcpy(p, sep, lsep);
            p += lsep;
        }
    }
    memcpy(p, s, l);
    luaL_pushresultsize(&b, total);
    return 1;
}

void clua_register_budgeted_strings(lua_State *L, int string_table) {
    lua_pushcfunction(L, budgeted_rep);
    lua_setfield(L, string_table, "rep");
}

static int64_t string_units(lua_State *L, int first, int last) {
    int64_t units = 0;
    for (int i = first; i <= last; i++) {
        if (lua_type(L, i) == LUA_TSTRING) units += clua_units_for_bytes(lua_rawlen(L, i));
    }
    return units;
}

/// Calls the original function (upvalue 1) with the same arguments, charging one unit per
/// argument and result plus the bytes of the string arguments before, and of the results after.
static int charged_call(lua_State *L) {
    lua_CFunction original = lua_tocfunction(L, lua_upvalueindex(1));
    int arguments = lua_gettop(L);
    clua_charge(L, 1 + arguments + string_units(L, 1, arguments));
    int results = original(L);
    int top = lua_gettop(L);
    clua_charge(L, results + string_units(L, top - results + 1, top));
    return results;
}

void clua_wrap_charged(lua_State *L, int library_table, const char *const names[]) {
    for (const char *const *name = names; *name; name++) {
        lua_getfield(L, library_table, *name);
        lua_CFunction function = lua_tocfunction(L, -1);
        if (function == NULL || function == charged_call) {  // absent, a Lua function, or wrapped already
            // (the wrapper calls the original in its own frame, so it must never wrap itself)
            lua_pop(L, 1);
            continue;
        }
        lua_pushcclosure(L, charged_call, 1);
        lua_setfield(L, library_table, *name);
    }
}
