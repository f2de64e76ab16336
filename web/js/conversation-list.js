// The conversation list: newest activity first, with picture, last message, unread badge,
// muted mark and (for direct chats) the other person's presence.
import { avatar, fill, formatTime, h } from "./dom.js";
import { conversationTitle, onChange, otherParticipant, sortedConversations, state } from "./store.js";
import { loadPresence } from "./sync.js";

export function messagePreview(message) {
  if (!message) return "No messages yet";
  if (message.deleted) return "Message deleted";
  const media = { image: "📷 Photo", video: "🎬 Video" }[message.mediaType];
  const text = message.content || media || "";
  const who = message.senderId === state.me ? "You: " : "";
  return who + text;
}

export function presenceDot(userId) {
  const presence = state.presence.get(userId);
  if (!presence) return null;
  return h("span", {
    class: `presence ${presence.online ? "online" : "offline"}`,
    title: presence.online ? "Online" : "Offline",
    "aria-label": presence.online ? "online" : "offline",
  });
}

function item(conversation) {
  const other = otherParticipant(conversation);
  if (other) loadPresence(other.id);
  const title = conversationTitle(conversation);
  const unread = conversation.unreadCount;
  const label = `${title}${unread ? `, ${unread} unread` : ""}${conversation.muted ? ", muted" : ""}`;
  return h("li", {},
    h("a", {
      class: `conversation-item${conversation.id === state.openId ? " active" : ""}${unread ? " has-unread" : ""}`,
      href: `#/c/${conversation.id}`, "aria-label": label, "aria-current": conversation.id === state.openId ? "page" : null,
      dataset: { conversationId: conversation.id },
    },
      h("span", { class: "avatar-wrap" }, avatar(title, conversation.avatar ?? other?.avatar), other && presenceDot(other.id)),
      h("span", { class: "conversation-text" },
        h("span", { class: "conversation-top" },
          h("span", { class: "conversation-name" }, title),
          h("time", { class: "conversation-time", datetime: conversation.lastMessageAt ?? "" }, formatTime(conversation.lastMessageAt))),
        h("span", { class: "conversation-bottom" },
          h("span", { class: "conversation-preview" }, messagePreview(conversation.lastMessage)),
          conversation.muted && h("span", { class: "muted-mark", title: "Muted", "aria-hidden": "true" }, "🔕"),
          unread > 0 && h("span", { class: "unread-badge", "aria-hidden": "true" }, unread > 99 ? "99+" : String(unread))))));
}

export function mountConversationList() {
  const list = document.getElementById("conversation-list");
  const empty = document.getElementById("conversation-list-empty");
  const render = () => {
    const conversations = sortedConversations();
    // Re-rendering must not take the keyboard focus away from the item it was on.
    const focused = list.contains(document.activeElement) ? document.activeElement.dataset.conversationId : null;
    fill(list, ...conversations.map(item));
    if (focused) list.querySelector(`[data-conversation-id="${focused}"]`)?.focus();
    empty.hidden = conversations.length > 0;
  };
  onChange(({ what }) => {
    if (["conversations", "unread", "presence", "open"].includes(what)) render();
  });
  render();
}
