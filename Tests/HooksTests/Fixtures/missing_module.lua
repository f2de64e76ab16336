-- Requires a module that is not in the scripts folder.
return {
  on_message = function(event)
    local helpers = require("does.not.exist")
    return { toast = { title = "escaped", body = "escaped" }, badge = { total = 99, conversation = 99 }, sound = "alarm", scroll = true }
  end,
}
