-- Per-recipient notification decisions for new messages, reactions and read receipts.
-- Called once for every member of the conversation; see README.md for the inputs and outputs.
-- If a function fails or returns something malformed, the built-in default is used instead.
local text = require("lib.text")

local notifications = {}

-- The badge numbers are the recipient's real unread counts, as the conversation list shows them.
local function badge(recipient)
  return { total = recipient.unreadTotal or 0, conversation = recipient.unreadInConversation or 0 }
end

local function conversation_id(event)
  local conversation, message = event.conversation or {}, event.message or {}
  if conversation.id ~= nil then return conversation.id end
  return message.conversationId
end

local function is_focused(event)
  return text.same_id((event.recipient or {}).focusedConversationId, conversation_id(event))
end

-- "Alice" for a direct chat, "Alice in Weekend trip" for a group.
local function with_group_name(title, conversation)
  if conversation.type == "group" and text.nonempty(conversation.name) then
    return title .. " in " .. conversation.name
  end
  return title
end

function notifications.on_message(event)
  local sender, recipient = event.sender or {}, event.recipient or {}
  local decision = { badge = badge(recipient), scroll = false }
  -- Your own message, e.g. on your other device: nothing to announce.
  if text.same_id(recipient.id, sender.id) then return decision end

  -- Looking at the conversation already: show the message by scrolling, no toast or sound.
  decision.scroll = is_focused(event)
  -- Someone the recipient blocked (in a group they share): no toast, no sound.
  if decision.scroll or recipient.muted or recipient.senderBlocked then return decision end

  decision.toast = {
    title = with_group_name(text.name_of(sender), event.conversation or {}),
    body = text.preview(event.message),
  }
  decision.sound = "message"
  return decision
end

function notifications.on_reaction(event)
  local reactor, recipient = event.sender or {}, event.recipient or {}
  local reaction, message = event.reaction or {}, event.message or {}
  local decision = { badge = badge(recipient), scroll = false }
  local reactor_id = reaction.userId
  if reactor_id == nil then reactor_id = reactor.id end
  -- Only people whose message got the reaction hear about it, and not from themselves.
  if text.same_id(recipient.id, reactor_id) or not text.same_id(message.senderId, recipient.id) then
    return decision
  end
  if is_focused(event) or recipient.muted or recipient.senderBlocked then return decision end

  local title = text.name_of(reactor) .. " reacted " .. (reaction.emoji or "")
  decision.toast = { title = with_group_name(title, event.conversation or {}), body = text.preview(message) }
  return decision
end

-- Read receipts only move badges (e.g. you read on your phone: the laptop's badge drops).
function notifications.on_read(event)
  return { badge = badge(event.recipient or {}), scroll = false }
end

return notifications
