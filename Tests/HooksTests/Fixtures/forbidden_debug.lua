-- Uses debug: the sandbox has no debug library.
return {
  on_message = function(event)
    debug.sethook()
    return { toast = { title = "escaped", body = "escaped" }, badge = { total = 99, conversation = 99 }, sound = "alarm", scroll = true }
  end,
}
