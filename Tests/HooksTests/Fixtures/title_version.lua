-- Hot reload: the engine test replaces VERSION with a different word for each version.
return {
  on_message = function(event)
    return { toast = { title = "VERSION", body = "" }, badge = { total = 0, conversation = 0 }, scroll = false }
  end,
}
