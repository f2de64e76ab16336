-- Runs each case with Lua's own function and with the budgeted replacement (`budgeted`, set by the
-- test) and returns a list of the cases whose results or errors differ. Values are compared
-- deeply; tables returned (pack, move) by their contents.
local budgeted = budgeted
local problems = {}

local function describe(value)
  if type(value) == "string" then return string.format("%q", value) end
  if type(value) ~= "table" then return tostring(value) end
  local keys = {}
  for k in pairs(value) do keys[#keys + 1] = k end
  table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
  local parts = {}
  for _, k in ipairs(keys) do parts[#parts + 1] = tostring(k) .. "=" .. describe(value[k]) end
  return "{" .. table.concat(parts, ",") .. "}"
end

local function run(f, args)
  local results = table.pack(pcall(f, table.unpack(args, 1, args.n)))
  -- Lua names a library function in "bad argument" errors only when it finds it in the loaded
  -- libraries; the replacements under test are in tables of their own.
  if not results[1] then return "error: " .. tostring(results[2]):gsub("to '[^']*'", "to 'f'") end
  local shown = {}
  for i = 2, results.n do shown[#shown + 1] = describe(results[i]) end
  return table.concat(shown, ", ")
end

local function compare(library, name, ...)
  local args = table.pack(...)
  local native = library == "base" and _ENV[name] or _ENV[library][name]
  local expected = run(native, args)
  local actual = run(budgeted[library][name], args)
  if expected ~= actual then
    problems[#problems + 1] = library .. "." .. name .. "(" .. describe(args) .. "): Lua gives " .. expected .. ", budgeted gives " .. actual
  end
end

-- Iterators: everything gmatch yields, as one list.
local function all_matches(gmatch)
  return function(s, p, init)
    local found = {}
    for a, b, c in gmatch(s, p, init) do found[#found + 1] = { a, b, c } end
    return found
  end
end

local subjects = {
  "", "hello world", "  trim me  ", "a,b,,c", "key = value; other=2", "THE (quick) [brown] fox",
  "aaa", "abcabc", "x=1, y=22, z=333", "tango\0milonga", "Milongá ñandú", "f(a(b)c)d", "THE (quick) fox",
  "one two  three", "$100 and 50%", "line1\nline2\r\n", "12:34:56", "a.b.c", "^caret$",
}
local patterns = {
  "", "o", "l+", "l*", "l-", "l?", "^h", "d$", "^$", ".", "%a+", "%A+", "%d+", "%D", "%s+", "%S+", "%w+", "%W",
  "%l+", "%u+", "%p", "%x+", "%c", "%g+", "[aeiou]", "[^aeiou]+", "[a-f]+", "[%d%.]+", "[%]]", "[a-]", "[-a]",
  "(%w+)=(%w+)", "(%w+)%s*=%s*(%w+)", "()ll()", "(h)(e)(l)", "(a)%1", "((a)(b))", "%((%w+)%)", "%b()", "%b[]",
  "%f[%w]%w+", "%f[%W]", "%f[%a]", "(%d+):(%d+)", "^(%s*)(.-)(%s*)$", "%$%d+", "%%", "%.", "[%a_][%w_]*",
  "a-b", ".-", ".*", "x*$", "(.)%1", "[^%z]+", "%z", "\0", "n.", "á", "[ñá]",
}
for _, s in ipairs(subjects) do
  for _, p in ipairs(patterns) do
    compare("string", "find", s, p)
    compare("string", "match", s, p)
    compare("string", "gsub", s, p, "<%0>")
  end
  compare("string", "find", s, "o", 5)
  compare("string", "find", s, "o", -3)
  compare("string", "find", s, "o", -100)
  compare("string", "find", s, "o", 100)
  compare("string", "find", s, "a.", 1, true)
  compare("string", "find", s, "", 3)
  compare("string", "find", s, "", #s + 1)
  compare("string", "find", s, "", #s + 2)
  compare("string", "match", s, "(%w+)", 4)
  compare("string", "gsub", s, "%w+", "%1!")
  compare("string", "gsub", s, "(%w)(%w*)", "%2%1")
  compare("string", "gsub", s, "%s", "", 1)
  compare("string", "gsub", s, "o", "0", 0)
  compare("string", "gsub", s, "^%s+", "")
  compare("string", "gsub", s, "", "-")
  compare("string", "gsub", s, "%w*", "-")
  compare("string", "gsub", s, "%w+", { hello = "HI", a = false, b = 42 })
  compare("string", "gsub", s, "%w+", function(w) if #w > 3 then return w:upper() end end)
  compare("string", "gsub", s, "(%w+)", function(w) return #w end)
  compare("string", "gsub", s, "()", "%1")
end

local gmatch_native, gmatch_budgeted = string.gmatch, budgeted.string.gmatch
string.all_matches, budgeted.string.all_matches = all_matches(gmatch_native), all_matches(gmatch_budgeted)
for _, s in ipairs(subjects) do
  for _, p in ipairs({ "%w+", "(%w+)=(%w+)", "%a*", "()", "(%d)(%d?)", ".", "", "^a", "[^,]*", "%s*" }) do
    compare("string", "all_matches", s, p)
    compare("string", "all_matches", s, p, 3)
    compare("string", "all_matches", s, p, -2)
  end
end

-- Errors must read the same.
for _, p in ipairs({ "%", "[a", "(", "%b", "%f", "%fa", "(()", ")", "%1", "(a)%2", "[%", "((((((((((((((((((((((((((((((((((a))))))))))))))))))))))))))))))))" }) do
  compare("string", "find", "abc", p)
  compare("string", "gsub", "abc", p, "x")
end
compare("string", "gsub", "abc", "b", "%2")
compare("string", "gsub", "abc", "b", "%x")
compare("string", "gsub", "abc", "b", {})
compare("string", "gsub", "abc", "b", { b = {} })
compare("string", "gsub", "abc", "b", true)
compare("string", "find", "abc")
compare("string", "rep", "ab", 3)
compare("string", "rep", "ab", 3, ", ")
compare("string", "rep", "", 5, "-")
compare("string", "rep", "x", 0)
compare("string", "rep", "x", -1)
compare("string", "rep", "x", 1, "sep")
compare("string", "rep", "abc", 2 ^ 31)
for _, name in ipairs({ "byte", "char", "format", "lower", "upper", "reverse", "sub", "len" }) do
  compare("string", name, "Hello", 2, 4)
end
compare("string", "byte", "Hello", 1, -1)
compare("string", "char", 72, 105)
compare("string", "format", "%d items, %5.2f, %q, %s", 3, 2.5, "a\nb", { })
compare("utf8", "len", "Milongá ñandú")
compare("utf8", "len", "\xff")
compare("utf8", "codepoint", "ñandú", 1, -1)
compare("utf8", "offset", "ñandú", 3)
compare("utf8", "char", 241, 97, 8364)
compare("base", "tonumber", " 0x10 ")
compare("base", "tonumber", "z", 36)
compare("base", "tostring", 1.5)

-- Tables: fresh inputs for each side, since these functions change their arguments.
local function table_case(name, make_args)
  local expected = run(table[name], make_args())
  local actual = run(budgeted.table[name], make_args())
  if expected ~= actual then
    problems[#problems + 1] = "table." .. name .. ": Lua gives " .. expected .. ", budgeted gives " .. actual
  end
end
local function args(...) return function(...) return table.pack(...) end end
local function with(...)
  local a = table.pack(...)
  return function()
    local copy = { n = a.n }
    for i = 1, a.n do
      if type(a[i]) == "table" then
        local t = {}
        for k, v in pairs(a[i]) do t[k] = v end
        copy[i] = t
      else
        copy[i] = a[i]
      end
    end
    return copy
  end
end
local function after(name, ...)  -- the table argument itself, after the call
  local make = with(...)
  local expected_args, actual_args = make(), make()
  local e = pcall(table[name], table.unpack(expected_args, 1, expected_args.n))
  local a = pcall(budgeted.table[name], table.unpack(actual_args, 1, actual_args.n))
  if e ~= a or describe(expected_args[1]) ~= describe(actual_args[1]) then
    problems[#problems + 1] = "table." .. name .. " changed its table differently: " .. describe(expected_args[1]) .. " vs " .. describe(actual_args[1])
  end
end
table_case("concat", with({ "a", "b", "c" }))
table_case("concat", with({ "a", "b", "c" }, ", "))
table_case("concat", with({ "a", "b", "c" }, ", ", 2, 3))
table_case("concat", with({ "a", 2, 3.5 }, "-"))
table_case("concat", with({ "a", {}, "c" }))
table_case("concat", with({}, "x", 3, 2))
table_case("concat", with({ "a" }, "x", 1, 3))
table_case("unpack", with({ 1, 2, 3 }))
table_case("unpack", with({ 1, 2, 3 }, 2))
table_case("unpack", with({ 1, 2, 3 }, 2, 5))
table_case("unpack", with({ 1, 2, 3 }, 3, 1))
table_case("unpack", with({}, 1, 2 ^ 40))
table_case("pack", with(1, nil, 3))
table_case("insert", with({ 1, 2 }, 1, 2, 3))
table_case("insert", with({ 1, 2 }, 5, "x"))
table_case("remove", with({ 1, 2 }, 7))
table_case("sort", with({ 3, 1 }, 5))
table_case("sort", with({ 3, "a", 1 }))
after("insert", { 1, 2, 3 }, "x")
after("insert", { 1, 2, 3 }, 1, "x")
after("insert", { 1, 2, 3 }, 4, "x")
after("insert", {}, 1, "x")
after("remove", { 1, 2, 3 })
after("remove", { 1, 2, 3 }, 1)
after("remove", { 1, 2, 3 }, 4)
after("remove", {}, 0)
after("move", { 1, 2, 3, 4, 5 }, 2, 4, 1)
after("move", { 1, 2, 3, 4, 5 }, 1, 3, 3)
after("move", { 1, 2, 3, 4, 5 }, 1, 0, 3)
after("sort", { 5, 3, 9, 1, 1, 7, 2, 8, 6, 4, 0, -3, 2.5 })
after("sort", { "pera", "banana", "kiwi", "açaí", "Uva", "" })
after("sort", { 5, 3, 9, 1, 7, 2, 8, 6, 4 }, function(a, b) return a > b end)
local many = {}
for i = 1, 500 do many[i] = (i * 7919) % 1009 end
after("sort", many)
after("sort", { 1 })
after("sort", {})

return problems
