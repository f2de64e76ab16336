-- Uses string.dump: removed from the sandbox.
return {
  on_message = function(event)
    local bytes = string.dump(function() end)
    return { toast = { title = "escaped", body = "escaped" }, badge = { total = 99, conversation = 99 }, sound = "alarm", scroll = true }
  end,
}
