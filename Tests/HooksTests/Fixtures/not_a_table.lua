-- Returns a string instead of a table of hook functions: fails to load.
return "on_message"
