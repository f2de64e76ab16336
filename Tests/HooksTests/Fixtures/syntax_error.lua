-- Does not compile: a missing `end`.
return {
  on_message = function(event)
    if event then
      return nil
  end,
}
