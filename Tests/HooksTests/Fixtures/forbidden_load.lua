-- Uses load: no compiling code at run time.
return {
  on_message = function(event)
    load("return 1")()
    return { toast = { title = "escaped", body = "escaped" }, badge = { total = 99, conversation = 99 }, sound = "alarm", scroll = true }
  end,
}
