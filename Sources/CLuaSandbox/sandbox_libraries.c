// The libraries a hook state opens, with every function that could run long in C replaced by a
// budgeted version (patterns, rep, the table functions) or wrapped so that its work is charged.
#include "sandbox_internal.h"
#include <lualib.h>

// Functions whose cost is linear in their string arguments and results; the wrapper charges both.
static const char *const charged_string_functions[] = {
    "byte", "char", "format", "lower", "upper", "reverse", "sub", NULL};
static const char *const charged_utf8_functions[] = {"char", "codepoint", "len", "offset", NULL};
static const char *const charged_base_functions[] = {"tonumber", "tostring", NULL};

// Left out of the string table: binary packing is not needed in hooks, and its size and repeat
// counts ("c2000000000", "i16" padding) are loops in C that nothing else bounds.
static const char *const removed_string_functions[] = {"pack", "unpack", "packsize", NULL};

static void install_replacements(lua_State *L, int strings, int tables, int utf8, int base) {
    clua_register_budgeted_patterns(L, strings);
    clua_register_budgeted_strings(L, strings);
    clua_wrap_charged(L, strings, charged_string_functions);
    clua_register_budgeted_tables(L, tables);
    clua_wrap_charged(L, utf8, charged_utf8_functions);
    clua_wrap_charged(L, base, charged_base_functions);
}

lua_State *clua_newstate(clua_limits *lim, int budgeted) {
    lua_State *L = lua_newstate(clua_limited_alloc, lim);
    if (L == NULL) return NULL;
    lim->L = L;
    // io, os, debug, package and coroutine are never opened in a hook state.
    luaL_requiref(L, LUA_GNAME, luaopen_base, 1);
    luaL_requiref(L, LUA_STRLIBNAME, luaopen_string, 1);
    luaL_requiref(L, LUA_TABLIBNAME, luaopen_table, 1);
    luaL_requiref(L, LUA_MATHLIBNAME, luaopen_math, 1);
    luaL_requiref(L, LUA_UTF8LIBNAME, luaopen_utf8, 1);
    lua_pop(L, 5);
    if (!budgeted) return L;
    lua_pushglobaltable(L);
    int globals = lua_gettop(L);
    lua_getfield(L, globals, LUA_STRLIBNAME);
    for (const char *const *name = removed_string_functions; *name; name++) {
        lua_pushnil(L);
        lua_setfield(L, -2, *name);
    }
    lua_getfield(L, globals, LUA_TABLIBNAME);
    lua_getfield(L, globals, LUA_UTF8LIBNAME);
    install_replacements(L, globals + 1, globals + 2, globals + 3, globals);
    lua_pop(L, 4);
    return L;
}

/// Pushes a shallow copy of the global table `name`.
static void push_copy_of_library(lua_State *L, const char *name) {
    lua_newtable(L);
    lua_getglobal(L, name);
    lua_pushnil(L);
    while (lua_next(L, -2) != 0) {
        lua_pushvalue(L, -2);
        lua_insert(L, -2);
        lua_settable(L, -5);
    }
    lua_pop(L, 1);
}

/// For tests: the replacements in tables of their own, so Lua's originals stay in place to
/// compare with. {string = {...}, table = {...}, utf8 = {...}, base = {tonumber, tostring}}.
void clua_push_budgeted_libraries(lua_State *L) {
    lua_createtable(L, 0, 4);
    int result = lua_gettop(L);
    push_copy_of_library(L, LUA_STRLIBNAME);
    push_copy_of_library(L, LUA_TABLIBNAME);
    push_copy_of_library(L, LUA_UTF8LIBNAME);
    lua_createtable(L, 0, 2);
    lua_getglobal(L, "tonumber");
    lua_setfield(L, -2, "tonumber");
    lua_getglobal(L, "tostring");
    lua_setfield(L, -2, "tostring");
    install_replacements(L, result + 1, result + 2, result + 3, result + 4);
    lua_setfield(L, result, "base");
    lua_setfield(L, result, LUA_UTF8LIBNAME);
    lua_setfield(L, result, LUA_TABLIBNAME);
    lua_setfield(L, result, LUA_STRLIBNAME);
}
