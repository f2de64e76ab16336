-- Returns a value that has no JSON form.
return {
  on_message = function(event)
    return { badge = { total = 1, conversation = 1 }, toast = function() end }
  end,
}
