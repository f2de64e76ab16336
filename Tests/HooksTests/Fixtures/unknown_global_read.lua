-- Reads a global that does not exist.
return {
  on_message = function(event)
    local value = undeclared_helper
    return { toast = { title = "escaped", body = "escaped" }, badge = { total = 99, conversation = 99 }, sound = "alarm", scroll = true }
  end,
}
