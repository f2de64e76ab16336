-- Uses io: the sandbox has no io library.
return {
  on_message = function(event)
    io.write("hello")
    return { toast = { title = "escaped", body = "escaped" }, badge = { total = 99, conversation = 99 }, sound = "alarm", scroll = true }
  end,
}
