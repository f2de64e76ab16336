-- Logs through log(...) and decides from the event: a script that works.
return {
  on_message = function(event)
    log("deciding for", event.recipient.id)
    return { toast = { title = "Custom", body = event.message.content }, badge = { total = 1, conversation = 0 }, sound = nil, scroll = false }
  end,
}
