-- Tries to reach the shared string table through the string metatable.
return {
  on_message = function(event)
    getmetatable("").__index.upper = nil
    return { toast = { title = "escaped", body = "escaped" }, badge = { total = 99, conversation = 99 }, sound = "alarm", scroll = true }
  end,
}
