/// Trusted Lua that runs once per Lua state, with the reduced standard library (base, string,
/// table, math, utf8), and returns `load_entry(sources, name, log)`: it builds a fresh sandbox,
/// loads the named script in it and returns the table of hook functions that script returns.
///
/// Scripts never see this chunk's globals: their `_ENV` is the sandbox table built here, whose
/// metatable makes every read or write of a name not on the allow-list an error naming it.
enum SandboxBootstrap {
    static let chunkName = "=hooks-sandbox"

    static let source = #"""
local load, error, type, pairs, ipairs, tostring, rawget, setmetatable, getmetatable =
      load, error, type, pairs, ipairs, tostring, rawget, setmetatable, getmetatable
local base = _G

-- string.dump hands out bytecode; remove it from the one string table that methods like
-- ("x"):upper() reach, not only from the sandbox's copy.
string.dump = nil

-- Kept out of the sandbox, each with the reason a script gets when it names it.
local unavailable = {
  io = "no file access in hooks",
  os = "no process or clock access in hooks",
  debug = "it can break out of the sandbox",
  package = "use require with a file in the scripts folder",
  load = "no compiling code at run time in hooks",
  loadfile = "no file access in hooks",
  dofile = "no file access in hooks",
  loadstring = "no compiling code at run time in hooks",
  collectgarbage = "it could stop the garbage collector",
  coroutine = "hooks run to completion",
  rawset = "it would bypass the undeclared-global check",
  print = "use log(...)",
  _G = "there is no global table in hooks; use local variables",
}

-- Base functions a hook may use. Left out: see `unavailable`.
local allowed = {
  "assert", "error", "getmetatable", "ipairs", "next", "pairs", "pcall", "rawequal", "rawget",
  "rawlen", "select", "tonumber", "tostring", "type", "xpcall", "_VERSION",
}

local function copy(library)
  local result = {}
  for name, value in pairs(library) do result[name] = value end
  return result
end

-- A __gc finalizer would run during garbage collection, where the instruction budget does not
-- apply (Lua disables hooks there), so an endless finalizer could hang the process.
local function safe_setmetatable(t, mt)
  if type(mt) == "table" and rawget(mt, "__gc") ~= nil then
    error("__gc metamethods are not allowed in hooks", 2)
  end
  return setmetatable(t, mt)
end

local function make_strict(env)
  return setmetatable(env, {
    __index = function(_, name)
      local why = unavailable[name]
      if why then error("global '" .. tostring(name) .. "' is not available (" .. why .. ")", 2) end
      error("unknown global '" .. tostring(name) .. "'", 2)
    end,
    __newindex = function(_, name)
      error("assignment to undeclared global '" .. tostring(name) .. "' (declare it local)", 2)
    end,
    __metatable = "sandbox",
  })
end

local function new_sandbox(sources, log)
  local env = {}
  for _, name in ipairs(allowed) do env[name] = base[name] end
  env.setmetatable = safe_setmetatable
  env.string = copy(string)
  env.table = copy(table)
  env.math = copy(math)
  env.utf8 = copy(utf8)
  env.log = log

  -- Modules come only from the scripts folder (`sources`, read by the engine), compiled as text.
  local loaded, loading = {}, {}
  env.require = function(name)
    if type(name) ~= "string" then error("require expects a module name such as \"lib.text\"", 2) end
    local value = loaded[name]
    if value ~= nil then return value end
    if loading[name] then error("module '" .. name .. "' is required while it loads (a require loop)", 2) end
    local source = sources[name]
    if source == nil then error("module '" .. name .. "' not found in the scripts folder", 2) end
    local chunk, message = load(source.code, source.chunkname, "t", env)
    if not chunk then error(message, 0) end
    loading[name] = true
    value = chunk(name)
    loading[name] = nil
    if value == nil then value = true end
    loaded[name] = value
    return value
  end
  return make_strict(env)
end

-- The shared string metatable would otherwise let getmetatable("") reach the real string table.
getmetatable("").__metatable = "string"

return function(sources, name, log)
  local env = new_sandbox(sources, log)
  local module = env.require(name)
  if type(module) ~= "table" then
    error(sources[name].chunkname:sub(2) .. ": the script must return a table of hook functions (it returned "
      .. type(module) .. ")", 0)
  end
  return module
end
"""#
}
