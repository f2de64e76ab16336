-- Writes a global instead of a local.
return {
  on_message = function(event)
    remembered = event
    return { toast = { title = "escaped", body = "escaped" }, badge = { total = 99, conversation = 99 }, sound = "alarm", scroll = true }
  end,
}
