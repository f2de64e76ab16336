-- Returns a toast that is not a table and no badge: malformed, so the default is used.
return {
  on_message = function(event)
    return { toast = "you have mail", scroll = "yes" }
  end,
}
