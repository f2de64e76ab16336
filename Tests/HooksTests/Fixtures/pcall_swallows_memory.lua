-- Catches the memory error with pcall and tries to carry on.
return {
  on_message = function(event)
    pcall(function() local t = {} for i = 1, 1e9 do t[i] = string.rep("x", 1024) .. i end end)
    return { toast = { title = "escaped", body = "escaped" }, badge = { total = 99, conversation = 99 }, sound = "alarm", scroll = true }
  end,
}
