#pragma once
// What the budgeted library files share; not seen by Swift.
#include "lua_sandbox.h"
#include <lauxlib.h>

/// Spends `units` of the running call's fuel, checking the deadline now and then; raises the
/// kill error (and arms the kill hook, so pcall cannot swallow it) when either is spent.
void clua_charge(lua_State *L, int64_t units);

/// The allocator of every hook state (the memory cap, and growth charged as fuel).
void *clua_limited_alloc(void *ud, void *ptr, size_t osize, size_t nsize);

/// Units for scanning or copying `bytes` bytes.
static inline int64_t clua_units_for_bytes(size_t bytes) { return (int64_t)(bytes / CLUA_BYTES_PER_UNIT); }

// Budgeted replacements, by library (each file registers its own).
void clua_register_budgeted_patterns(lua_State *L, int string_table);
void clua_register_budgeted_strings(lua_State *L, int string_table);
void clua_register_budgeted_tables(lua_State *L, int table_table);
void clua_wrap_charged(lua_State *L, int library_table, const char *const names[]);
