-- Uses loadfile: no file access.
return {
  on_message = function(event)
    loadfile("/etc/hostname")()
    return { toast = { title = "escaped", body = "escaped" }, badge = { total = 99, conversation = 99 }, sound = "alarm", scroll = true }
  end,
}
