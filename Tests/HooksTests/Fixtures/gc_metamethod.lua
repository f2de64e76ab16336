-- A finalizer would run outside the budget: refused.
return {
  on_message = function(event)
    setmetatable({}, { __gc = function() while true do end end })
    return { toast = { title = "escaped", body = "escaped" }, badge = { total = 99, conversation = 99 }, sound = "alarm", scroll = true }
  end,
}
