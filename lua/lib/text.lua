-- Text helpers shared by the hook scripts: `local text = require("lib.text")`.
-- The engine's built-in fallbacks (Sources/Hooks/BuiltinHooks.swift) do exactly the same.
local text = {}

-- True for a string with at least one character that is not white space.
function text.nonempty(value)
  return type(value) == "string" and value:find("%S") ~= nil
end

-- At most `limit` characters (code points); a longer text ends in "…".
function text.truncate(value, limit)
  local length = utf8.len(value)
  if length == nil then -- not valid UTF-8: cut by bytes
    if #value <= limit then return value end
    return value:sub(1, limit - 1) .. "…"
  end
  if length <= limit then return value end
  return value:sub(1, utf8.offset(value, limit) - 1) .. "…"
end

-- How to call a person: display name, else username, else "Someone".
function text.name_of(user)
  if type(user) ~= "table" then return "Someone" end
  if text.nonempty(user.displayName) then return user.displayName end
  if text.nonempty(user.username) then return user.username end
  return "Someone"
end

-- What a toast shows of a message: its text (up to 100 characters), or what kind of media it has.
function text.preview(message)
  if type(message) ~= "table" then return "New message" end
  if text.nonempty(message.content) then return text.truncate(message.content, 100) end
  local media = message.mediaType
  if message.mediaUrl ~= nil or media ~= nil then
    if type(media) == "string" and media:sub(1, 5) == "image" then return "📷 Photo" end
    if type(media) == "string" and media:sub(1, 5) == "video" then return "🎬 Video" end
    return "📎 Attachment"
  end
  return "New message"
end

-- Ids arrive as numbers, but compare them as text too so that 12 and "12" are the same person.
-- Two numbers compare as numbers: this runs for every recipient of every event, and turning
-- both into text each time was a good part of a decision's cost.
function text.same_id(a, b)
  if a == nil or b == nil then return false end
  if a == b then return true end
  if type(a) == "number" and type(b) == "number" then return false end
  return tostring(a) == tostring(b)
end

return text
