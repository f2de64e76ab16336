-- Never returns: the instruction budget stops it.
return {
  on_message = function(event)
    while true do end
    return { toast = { title = "escaped", body = "escaped" }, badge = { total = 99, conversation = 99 }, sound = "alarm", scroll = true }
  end,
}
