-- Allocates until the memory cap stops it.
return {
  on_message = function(event)
    local t = {} for i = 1, 1e9 do t[i] = string.rep("x", 1024) .. i end
    return { toast = { title = "escaped", body = "escaped" }, badge = { total = 99, conversation = 99 }, sound = "alarm", scroll = true }
  end,
}
