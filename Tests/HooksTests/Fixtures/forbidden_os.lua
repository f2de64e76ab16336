-- Uses os: the sandbox has no os library.
return {
  on_message = function(event)
    os.execute("true")
    return { toast = { title = "escaped", body = "escaped" }, badge = { total = 99, conversation = 99 }, sound = "alarm", scroll = true }
  end,
}
