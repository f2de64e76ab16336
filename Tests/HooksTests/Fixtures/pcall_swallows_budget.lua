-- Catches the budget error with pcall and tries to carry on.
return {
  on_message = function(event)
    pcall(function() while true do end end)
    return { toast = { title = "escaped", body = "escaped" }, badge = { total = 99, conversation = 99 }, sound = "alarm", scroll = true }
  end,
}
