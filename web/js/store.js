// What the client knows, in one place, and a change signal the views listen to. Only sync.js
// and the composer change it; views read it.

export const bus = new EventTarget();

export function changed(what, conversationId = null) {
  bus.dispatchEvent(new CustomEvent("change", { detail: { what, conversationId } }));
}

// Returns the function that stops listening.
export function onChange(listener) {
  const handler = (event) => listener(event.detail);
  bus.addEventListener("change", handler);
  return () => bus.removeEventListener("change", handler);
}

export const state = {
  me: null,                    // the caller's user id (the token's sub)
  conversations: new Map(),    // id -> Conversation (REST shape)
  threads: new Map(),          // id -> Thread (messages loaded for a conversation)
  readMarkers: new Map(),      // conversation id -> Map(user id -> last read message id)
  presence: new Map(),         // user id -> {online, lastSeenAt}
  typing: new Map(),           // conversation id -> Map(user id -> timer)
  users: new Map(),            // user id -> User, from participants and senders
  unreadTotal: 0,
  openId: null,                // the conversation shown
  isStaff: false,
};

export class Thread {
  constructor() {
    this.byId = new Map();     // stored messages
    this.pending = new Map();  // clientMessageId -> {content, ..., status: "sending"|"failed"}
    this.nextBefore = null;
    this.hasMore = false;
    this.loaded = false;
  }

  put(message) {
    this.byId.set(message.id, message);
    if (message.clientMessageId) this.pending.delete(message.clientMessageId);
  }

  // Oldest first; ids grow with time within a conversation.
  messages() {
    return [...this.byId.values()].sort((a, b) => a.id - b.id);
  }

  last() {
    let last = null;
    for (const message of this.byId.values()) if (!last || message.id > last.id) last = message;
    return last;
  }
}

export function thread(conversationId) {
  let found = state.threads.get(conversationId);
  if (!found) {
    found = new Thread();
    state.threads.set(conversationId, found);
  }
  return found;
}

export function rememberUser(user) {
  if (user?.id) state.users.set(user.id, { ...state.users.get(user.id), ...user });
}

export function displayName(userId) {
  if (userId === state.me) return "You";
  return state.users.get(userId)?.displayName ?? `User ${userId}`;
}

// A direct conversation's other person; null for groups.
export function otherParticipant(conversation) {
  if (conversation?.type !== "direct") return null;
  return conversation.participants.find((p) => p.id !== state.me) ?? null;
}

export function conversationTitle(conversation) {
  if (!conversation) return "";
  if (conversation.name) return conversation.name;
  return otherParticipant(conversation)?.displayName ?? "Conversation";
}

export function isAdmin(conversation) {
  return conversation?.participants.some((p) => p.id === state.me && p.role === "admin") ?? false;
}

export function sortedConversations() {
  const time = (c) => Date.parse(c.lastMessageAt ?? c.createdAt);
  return [...state.conversations.values()].sort((a, b) => time(b) - time(a) || b.id - a.id);
}
