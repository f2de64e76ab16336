-- Conversation-creation guidance (GET /api/h2ac/guidance/:flow), the next steps that the
-- create-conversation responses carry, and the wording for missing group information.
-- See README.md. If a function fails, the built-in default is used instead.
local text = require("lib.text")

local guidance = {}

local function step(id, title, skip)
  return { id = id, title = title, skip = skip == true }
end

local flows = {}

function flows.direct(context)
  local exists = context.conversationExists
  return {
    flow = "direct",
    title = "Send a direct message",
    steps = {
      step("check_conversation", "Check whether a conversation with this person already exists", exists ~= nil),
      step("create_conversation", "Create the conversation if there is none yet", exists == true),
      step("open_conversation", "Open the conversation view"),
      step("focus_input", "Put the cursor in the message input"),
    },
    required = { { field = "participantId", label = "The person you want to write to" } },
    optional = {},
  }
end

function flows.group(context)
  return {
    flow = "group",
    title = "Start a group chat",
    steps = {
      step("enter_details", "Give the group a name and choose who to add"),
      step("create_conversation", "Create the group"),
      step("open_conversation", "Open the conversation view"),
      step("focus_input", "Put the cursor in the message input"),
    },
    required = {
      { field = "name", label = "Group name" },
      { field = "participantIds", label = "Participants" },
    },
    optional = {
      { field = "avatar", label = "Group picture" },
      { field = "firstMessage", label = "A first message" },
    },
  }
end

-- nil for a flow we do not know: the API answers 404.
function guidance.guidance(flow, context)
  local build = flows[flow]
  if build == nil then return nil end
  return build(context or {})
end

-- nil when the group can be created, else the field to fix and what to tell the person.
function guidance.validate_group(input)
  if not text.nonempty(input.name) then
    return { field = "name", message = "Please give the group a name." }
  end
  local limit = (input.limits or {}).nameCharacters  -- the server's limit, so the wording matches it
  if limit ~= nil and utf8.len(input.name) ~= nil and utf8.len(input.name) > limit then
    return { field = "name", message = "A group name can be at most " .. limit .. " characters long." }
  end
  local ids = input.participantIds
  if type(ids) ~= "table" or #ids == 0 then
    return { field = "participantIds", message = "Please add at least one person to the group." }
  end
  if input.avatar ~= nil and type(input.avatar) ~= "string" then
    return { field = "avatar", message = "The group picture must be a link to an image." }
  end
  if input.firstMessage ~= nil and type(input.firstMessage) ~= "string" then
    return { field = "firstMessage", message = "The first message must be text." }
  end
  return nil
end

-- What the client does right after POST /api/messages/conversations answered.
function guidance.next_steps(kind, created, conversation)
  local open_title
  if kind == "group" then
    open_title = created and "Open the new group" or "Open the group"
  else
    open_title = created and "Open the new conversation" or "Open the existing conversation"
  end
  return {
    steps = {
      { id = "open_conversation", title = open_title, conversationId = (conversation or {}).id },
      { id = "focus_input", title = "Put the cursor in the message input" },
    },
  }
end

return guidance
