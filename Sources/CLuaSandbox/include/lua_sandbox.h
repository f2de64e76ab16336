#pragma once
// Limits for hook scripts: the allocator with a memory cap, the count hook, the per-call fuel and
// deadline, and the budgeted replacements of the standard-library functions that could otherwise
// run for seconds inside one C call (see lua/README.md, "Limits").
//
// Everything that may raise a Lua error (and so longjmp) lives here in C: a longjmp must never
// cross a Swift frame. Swift only calls lua_pcall and reads the limits afterwards.
#include <stddef.h>
#include <stdint.h>
#include <lua.h>

/// Why the current call was stopped; the first reason wins.
typedef enum clua_stop_reason {
    CLUA_RUNNING = 0,
    CLUA_STOP_BUDGET = 1,  // the call's fuel ran out (instructions and charged C work)
    CLUA_STOP_TIME = 2,    // the call's wall-clock deadline passed
    CLUA_STOP_MEMORY = 3,  // an allocation past the memory cap was refused
} clua_stop_reason;

/// Shared by the allocator, the count hook and the budgeted functions; owned by Swift, passed to
/// Lua as the allocator's ud.
typedef struct clua_limits {
    size_t used;                 // bytes currently allocated by this state
    size_t limit;                // cap on `used` while `enforce` is set
    int enforce;                 // limits apply only while a script runs (Swift's own pushes never fail)
    clua_stop_reason stopped;    // why this call was stopped, or CLUA_RUNNING
    int64_t fuel;                // units left in this call: one per VM instruction, more for C work
    int64_t deadline_ns;         // CLOCK_MONOTONIC deadline of this call; 0: none
    int64_t charged_since_clock; // C work charged since the deadline was last checked
    size_t allocated_since_charge; // bytes allocated since they were last charged as fuel
    lua_State *L;                // the main thread, so the allocator can arm the kill hook
} clua_limits;

/// A state whose allocator enforces `lim` (its limit must be set), with only the sandbox's
/// libraries opened: base, string, table, math, utf8, with the budgeted replacements installed
/// (`budgeted` 0 keeps Lua's own functions: only tests that compare the two do that).
lua_State *clua_newstate(clua_limits *lim, int budgeted);

/// Starts a call: `fuel` units, and a deadline `time_limit_ns` from now (0: none).
void clua_begin_limited_call(lua_State *L, int64_t fuel, int64_t time_limit_ns);
void clua_end_limited_call(lua_State *L);

/// Fuel units a budgeted function charges: one per pattern-matching step, per table element
/// touched and per loop turn, and one per this many bytes scanned or allocated.
#define CLUA_BYTES_PER_UNIT 32

/// Message handler for lua_pcall (string errors kept, other error objects named by type).
void clua_push_message_handler(lua_State *L);

/// Pushes `log(...)` bound to the buffer table at the top of the stack (which it consumes).
void clua_push_log_function(lua_State *L);

/// Pushes a table of the budgeted replacements {string = {...}, table = {...}, utf8 = {...},
/// base = {...}}, so tests can compare them with Lua's own functions in the same state.
void clua_push_budgeted_libraries(lua_State *L);
