-- Indexes nil: a runtime error at line 4.
return {
  on_message = function(event)
    local missing = nil; local x = missing.field
    return { toast = { title = "escaped", body = "escaped" }, badge = { total = 99, conversation = 99 }, sound = "alarm", scroll = true }
  end,
}
