-- Keeps what it allocates in an upvalue, so even after a collection the state stays full.
local hoard = {}
return {
  on_message = function(event)
    for i = 1, 1e9 do hoard[#hoard + 1] = string.rep("x", 1024) .. i end
  end,
  on_read = function(event)
    return { badge = { total = 42, conversation = 0 }, scroll = false }
  end,
}
