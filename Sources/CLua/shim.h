#pragma once
#include <stdlib.h>
#include <lua.h>
#include <lualib.h>
#include <lauxlib.h>

// Lua's function-like macros are invisible to Swift; these wrappers expose them.
static inline int clua_pcall(lua_State *L, int nargs, int nresults, int msgh) { return lua_pcall(L, nargs, nresults, msgh); }
static inline const char *clua_tostring(lua_State *L, int idx) { return lua_tolstring(L, idx, NULL); }
static inline void clua_pop(lua_State *L, int n) { lua_pop(L, n); }
static inline void clua_newtable(lua_State *L) { lua_newtable(L); }
static inline int clua_isnil(lua_State *L, int idx) { return lua_isnil(L, idx); }
static inline int clua_istable(lua_State *L, int idx) { return lua_istable(L, idx); }
static inline int clua_isfunction(lua_State *L, int idx) { return lua_isfunction(L, idx); }
static inline void clua_pushglobaltable(lua_State *L) { lua_pushglobaltable(L); }
static inline int clua_upvalueindex(int i) { return lua_upvalueindex(i); }
static inline int clua_registryindex(void) { return LUA_REGISTRYINDEX; }
static inline int clua_gc_collect(lua_State *L) { return lua_gc(L, LUA_GCCOLLECT); }
static inline int clua_gc_count_kb(lua_State *L) { return lua_gc(L, LUA_GCCOUNT); }

// ---------------------------------------------------------------------------------------------
// Sandbox limits for hook scripts.
//
// Everything that may raise a Lua error (and so longjmp) lives here in C: a longjmp must never
// cross a Swift frame. Swift only calls lua_pcall and reads the flags afterwards.
// ---------------------------------------------------------------------------------------------

/// Shared by the allocator and the count hook; owned by Swift, passed to Lua as the allocator's ud.
typedef struct clua_limits {
    size_t used;             // bytes currently allocated by this state
    size_t limit;            // cap on `used` while `enforce` is set
    int enforce;             // the cap applies only while a script runs (Swift's own pushes never fail)
    int budget_exceeded;     // the instruction budget ran out during this call
    int memory_exceeded;     // an allocation was refused during this call
    lua_State *L;            // the main thread, so the allocator can arm the kill hook
} clua_limits;

static inline clua_limits *clua_limits_of(lua_State *L) {
    void *ud = NULL;
    lua_getallocf(L, &ud);
    return (clua_limits *)ud;
}

/// Count hook: the first time it fires the budget is spent. It re-arms itself with a count of 1,
/// so it fires again on the very next instruction: a script's own pcall can catch one kill error,
/// but cannot run a single further instruction without getting another.
static void clua_kill_hook(lua_State *L, lua_Debug *ar) {
    clua_limits *lim = clua_limits_of(L);
    if (!lim->memory_exceeded) lim->budget_exceeded = 1;
    lua_sethook(L, clua_kill_hook, LUA_MASKCOUNT, 1);
    const char *what = lim->memory_exceeded ? "memory limit exceeded" : "instruction budget exceeded";
    if (lua_getinfo(L, "Sl", ar) && ar->currentline > 0) {
        lua_pushfstring(L, "%s:%d: %s", ar->short_src, ar->currentline, what);
    } else {
        lua_pushstring(L, what);
    }
    lua_error(L);
}

/// lua_Alloc with a cap. Returning NULL makes Lua raise a memory error; the kill hook is armed too,
/// so a script that catches that error with pcall is stopped at its next instruction.
static void *clua_limited_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
    clua_limits *lim = (clua_limits *)ud;
    size_t old = ptr ? osize : 0;  // without ptr, osize is a type tag, not a size
    if (nsize == 0) {
        free(ptr);
        lim->used -= old;
        return NULL;
    }
    if (lim->enforce && nsize > old && lim->used + (nsize - old) > lim->limit) {
        if (!lim->memory_exceeded) {
            lim->memory_exceeded = 1;
            if (lim->L) lua_sethook(lim->L, clua_kill_hook, LUA_MASKCOUNT, 1);
        }
        return NULL;
    }
    void *p = realloc(ptr, nsize);
    if (p) lim->used = lim->used - old + nsize;
    return p;
}

static inline lua_State *clua_newstate(clua_limits *lim) {
    lua_State *L = lua_newstate(clua_limited_alloc, lim);
    lim->L = L;
    return L;
}

/// Starts a call's instruction budget (resets the hook's counter) and the memory cap.
static inline void clua_begin_limited_call(lua_State *L, int instruction_budget) {
    clua_limits *lim = clua_limits_of(L);
    lim->budget_exceeded = 0;
    lim->memory_exceeded = 0;
    lim->enforce = 1;
    lua_sethook(L, clua_kill_hook, LUA_MASKCOUNT, instruction_budget > 0 ? instruction_budget : 1);
}

static inline void clua_end_limited_call(lua_State *L) {
    clua_limits *lim = clua_limits_of(L);
    lim->enforce = 0;
    lua_sethook(L, NULL, 0, 0);
}

/// Message handler for lua_pcall: keeps string errors (they already carry "file:line:"), and names
/// the type of non-string error objects instead of calling their __tostring (script code).
static int clua_message_handler(lua_State *L) {
    if (lua_type(L, 1) == LUA_TSTRING) return 1;
    lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    return 1;
}
static inline void clua_push_message_handler(lua_State *L) { lua_pushcfunction(L, clua_message_handler); }

/// `log(...)` for scripts: appends "file:line: message" to the buffer table in upvalue 1, which
/// Swift drains into its Logger after the call. At most 50 lines per call are kept.
static int clua_log(lua_State *L) {
    int n = lua_gettop(L);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    luaL_where(L, 1);
    luaL_addvalue(&b);
    for (int i = 1; i <= n; i++) {
        if (i > 1) luaL_addchar(&b, ' ');
        luaL_tolstring(L, i, NULL);
        luaL_addvalue(&b);
    }
    luaL_pushresult(&b);
    lua_Integer count = (lua_Integer)lua_rawlen(L, lua_upvalueindex(1));
    if (count < 50) {
        lua_rawseti(L, lua_upvalueindex(1), count + 1);
    } else {
        lua_pop(L, 1);
    }
    return 0;
}

/// Pushes `log` bound to the buffer table at the top of the stack (which it consumes).
static inline void clua_push_log_function(lua_State *L) { lua_pushcclosure(L, clua_log, 1); }

/// Opens only the libraries the sandbox hands out (base, string, table, math, utf8).
/// io, os, debug, package and coroutine are never opened in a hook state.
static inline void clua_open_sandbox_libraries(lua_State *L) {
    luaL_requiref(L, LUA_GNAME, luaopen_base, 1);
    luaL_requiref(L, LUA_STRLIBNAME, luaopen_string, 1);
    luaL_requiref(L, LUA_TABLIBNAME, luaopen_table, 1);
    luaL_requiref(L, LUA_MATHLIBNAME, luaopen_math, 1);
    luaL_requiref(L, LUA_UTF8LIBNAME, luaopen_utf8, 1);
    lua_pop(L, 5);
}
