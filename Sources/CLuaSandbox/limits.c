// The per-call limits: memory cap (allocator), fuel (count hook and charged C work) and a
// wall-clock deadline, and the kill that a script's own pcall cannot swallow.
#include "sandbox_internal.h"
#include <stdlib.h>
#include <time.h>

/// VM instructions between two runs of the count hook. Small enough that one expensive VM
/// instruction (comparing two 8 MB strings) cannot delay the deadline check for long, large enough
/// that the shipped scripts (a few hundred instructions) run the hook at most a few times.
#define CLUA_HOOK_SLICE 100
/// Charged C work between two clock readings.
#define CLUA_CLOCK_EVERY_UNITS 4096
/// Allocation volume between two fuel charges (and deadline checks) in the allocator.
#define CLUA_ALLOCATION_CHECK_BYTES (64 * 1024)

static inline clua_limits *limits_of(lua_State *L) {
    void *ud = NULL;
    lua_getallocf(L, &ud);
    return (clua_limits *)ud;
}

static int64_t monotonic_ns(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
}

static int past_deadline(const clua_limits *lim) {
    return lim->deadline_ns != 0 && monotonic_ns() > lim->deadline_ns;
}

static const char *stop_message(clua_stop_reason reason) {
    switch (reason) {
    case CLUA_STOP_TIME: return "time limit exceeded";
    case CLUA_STOP_MEMORY: return "memory limit exceeded";
    default: return "instruction budget exceeded";
    }
}

/// Count hook once the call is stopped: it re-arms itself with a count of 1, so it fires again on
/// the very next instruction. A script's pcall can catch one kill error, but cannot run a single
/// further instruction without getting another.
static void kill_hook(lua_State *L, lua_Debug *ar) {
    clua_limits *lim = limits_of(L);
    if (lim->stopped == CLUA_RUNNING) lim->stopped = CLUA_STOP_BUDGET;
    lua_sethook(L, kill_hook, LUA_MASKCOUNT, 1);
    const char *what = stop_message(lim->stopped);
    if (lua_getinfo(L, "Sl", ar) && ar->currentline > 0) {
        lua_pushfstring(L, "%s:%d: %s", ar->short_src, ar->currentline, what);
    } else {
        lua_pushstring(L, what);
    }
    lua_error(L);
}

static void stop(clua_limits *lim, clua_stop_reason reason) {
    if (lim->stopped == CLUA_RUNNING) lim->stopped = reason;
    if (lim->L) lua_sethook(lim->L, kill_hook, LUA_MASKCOUNT, 1);
}

/// Runs every CLUA_HOOK_SLICE instructions: spends their fuel and checks the deadline.
static void slice_hook(lua_State *L, lua_Debug *ar) {
    clua_limits *lim = limits_of(L);
    lim->fuel -= CLUA_HOOK_SLICE;
    if (lim->fuel < 0) {
        stop(lim, CLUA_STOP_BUDGET);
    } else if (past_deadline(lim)) {
        stop(lim, CLUA_STOP_TIME);
    } else {
        return;
    }
    kill_hook(L, ar);
}

void clua_charge(lua_State *L, int64_t units) {
    clua_limits *lim = limits_of(L);
    if (!lim->enforce) return;
    lim->fuel -= units;
    lim->charged_since_clock += units;
    if (lim->fuel < 0) {
        stop(lim, CLUA_STOP_BUDGET);
    } else if (lim->charged_since_clock >= CLUA_CLOCK_EVERY_UNITS) {
        lim->charged_since_clock = 0;
        if (!past_deadline(lim)) return;
        stop(lim, CLUA_STOP_TIME);
    } else if (lim->stopped == CLUA_RUNNING) {
        return;
    }
    luaL_where(L, 1);
    lua_pushstring(L, stop_message(lim->stopped));
    lua_concat(L, 2);
    lua_error(L);
}

/// lua_Alloc with a cap. Returning NULL makes Lua raise a memory error; the kill hook is armed
/// too, so a script that catches that error with pcall is stopped at its next instruction.
/// Growth is also charged as fuel (and the deadline checked) every CLUA_ALLOCATION_CHECK_BYTES,
/// so one instruction that builds a large string cannot run past the budget unseen.
void *clua_limited_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
    clua_limits *lim = (clua_limits *)ud;
    size_t old = ptr ? osize : 0;  // without ptr, osize is a type tag, not a size
    if (nsize == 0) {
        free(ptr);
        lim->used -= old;
        return NULL;
    }
    if (lim->enforce && nsize > old) {
        size_t growth = nsize - old;
        if (lim->used + growth > lim->limit) {
            stop(lim, CLUA_STOP_MEMORY);
            return NULL;
        }
        lim->allocated_since_charge += growth;
        if (lim->allocated_since_charge >= CLUA_ALLOCATION_CHECK_BYTES) {
            lim->fuel -= clua_units_for_bytes(lim->allocated_since_charge);
            lim->allocated_since_charge = 0;
            if (lim->fuel < 0) {
                stop(lim, CLUA_STOP_BUDGET);
                return NULL;
            }
            if (past_deadline(lim)) {
                stop(lim, CLUA_STOP_TIME);
                return NULL;
            }
        }
    }
    void *p = realloc(ptr, nsize);
    if (p) lim->used = lim->used - old + nsize;
    return p;
}

void clua_begin_limited_call(lua_State *L, int64_t fuel, int64_t time_limit_ns) {
    clua_limits *lim = limits_of(L);
    lim->stopped = CLUA_RUNNING;
    lim->fuel = fuel;
    lim->charged_since_clock = 0;
    lim->allocated_since_charge = 0;
    lim->deadline_ns = time_limit_ns > 0 ? monotonic_ns() + time_limit_ns : 0;
    lim->enforce = 1;
    lua_sethook(L, slice_hook, LUA_MASKCOUNT, CLUA_HOOK_SLICE);
}

void clua_end_limited_call(lua_State *L) {
    clua_limits *lim = limits_of(L);
    lim->enforce = 0;
    lua_sethook(L, NULL, 0, 0);
}

/// Message handler for lua_pcall: keeps string errors (they already carry "file:line:"), and names
/// the type of non-string error objects instead of calling their __tostring (script code).
static int message_handler(lua_State *L) {
    if (lua_type(L, 1) == LUA_TSTRING) return 1;
    lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    return 1;
}
void clua_push_message_handler(lua_State *L) { lua_pushcfunction(L, message_handler); }

/// `log(...)` for scripts: appends "file:line: message" to the buffer table in upvalue 1, which
/// Swift drains into its Logger after the call. At most 50 lines per call are kept.
static int script_log(lua_State *L) {
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
void clua_push_log_function(lua_State *L) { lua_pushcclosure(L, script_log, 1); }
