-- string.rep of an empty string: Lua's own loops 2^30 times to build nothing.
return {
  on_message = function(event)
    local nothing = string.rep("", 2^30) .. string.rep("", 2^30, "")
    return { badge = { total = #nothing, conversation = 0 }, scroll = false, sound = "done" }
  end,
}
