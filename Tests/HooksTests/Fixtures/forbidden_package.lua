-- Uses package: the sandbox has no package library.
return {
  on_message = function(event)
    package.path = "/tmp/?.lua"
    return { toast = { title = "escaped", body = "escaped" }, badge = { total = 99, conversation = 99 }, sound = "alarm", scroll = true }
  end,
}
