// Keeps the store in step with the server: REST loads (the first load, older history pages, and a
// full reload after resync_required) and the push frames applied as they arrive.
import { api } from "./api.js";
import { changed, rememberUser, state, thread } from "./store.js";

const MAX_LIST_PAGES = 10;
const TYPING_LAPSE_MS = 6000;

export async function loadConversations() {
  const loaded = new Map();
  let cursor;
  for (let page = 0; page < MAX_LIST_PAGES; page++) {
    const body = await api.conversations(cursor);
    for (const conversation of body.conversations) loaded.set(conversation.id, conversation);
    cursor = body.nextCursor;
    if (!cursor) break;
  }
  state.conversations = loaded;
  for (const conversation of loaded.values()) conversation.participants.forEach(rememberUser);
  recountUnread();
  changed("conversations");
}

function recountUnread() {
  state.unreadTotal = [...state.conversations.values()].reduce((sum, c) => sum + c.unreadCount, 0);
  changed("unread");
}

function setUnread(conversation, count, total) {
  conversation.unreadCount = count;
  if (total === undefined) recountUnread();
  else {
    state.unreadTotal = total;
    changed("unread");
  }
}

// The newest page (first open, or after a resync). Merged into what is loaded, never replacing
// it: frames that arrived while the request was under way are newer than its answer.
export async function loadLatest(conversationId) {
  const body = await api.history(conversationId);
  const current = thread(conversationId);
  const oldest = body.messages[0]?.id;
  const newestKnown = current.last()?.id;
  if (!current.loaded || (body.hasMore && oldest > (newestKnown ?? 0))) {
    // Nothing loaded yet, or a gap between what was loaded and this page (a long resync): older
    // pages load again on scroll-up, from here.
    for (const id of current.byId.keys()) if (id < oldest) current.byId.delete(id);
    current.nextBefore = body.nextBefore;
    current.hasMore = body.hasMore;
  }
  for (const message of body.messages) {
    rememberUser(message.sender);
    if (!isNewer(current.byId.get(message.id), message)) current.put(message);
  }
  current.loaded = true;
  changed("messages", conversationId);
  await loadReadState(conversationId);
}

// Whether a frame already brought a later state of the message than a REST answer.
function isNewer(known, fetched) {
  if (!known) return false;
  if (known.deleted !== fetched.deleted) return known.deleted;
  return (known.editedAt ?? "") > (fetched.editedAt ?? "");
}

export async function loadOlder(conversationId) {
  const current = thread(conversationId);
  if (!current.hasMore || current.loadingOlder) return false;
  current.loadingOlder = true;
  try {
    const body = await api.history(conversationId, current.nextBefore);
    body.messages.forEach((message) => {
      rememberUser(message.sender);
      if (!current.byId.has(message.id)) current.put(message);
    });
    current.nextBefore = body.nextBefore;
    current.hasMore = body.hasMore;
  } finally {
    current.loadingOlder = false;
  }
  changed("messages", conversationId);
  return true;
}

export async function loadReadState(conversationId) {
  const body = await api.readState(conversationId);
  state.readMarkers.set(conversationId, new Map(body.members.map((m) => [m.userId, m.lastReadMessageId])));
  changed("read", conversationId);
}

export async function loadPresence(userId) {
  if (state.presence.has(userId)) return;
  try {
    const body = await api.presence(userId);
    state.presence.set(userId, body);
    changed("presence");
  } catch {
    // Not visible (no shared conversation any more): no dot.
  }
}

// Everything shown, from REST again (after resync_required: events were missed).
export async function reloadAll() {
  await loadConversations();
  if (state.openId && state.conversations.has(state.openId)) await loadLatest(state.openId);
}

// Reads up to the newest message when the person can see the conversation. One request per
// conversation at a time: calls meanwhile (a burst of messages) fold into one more afterwards.
const reading = new Map(); // conversation id -> {again}

export async function markReadIfSeen(conversationId) {
  const inFlight = reading.get(conversationId);
  if (inFlight) {
    inFlight.again = true;
    return;
  }
  const entry = { again: false };
  reading.set(conversationId, entry);
  try {
    do {
      entry.again = false;
      await readOnce(conversationId);
    } while (entry.again);
  } finally {
    reading.delete(conversationId);
  }
}

async function readOnce(conversationId) {
  const conversation = state.conversations.get(conversationId);
  if (!conversation || state.openId !== conversationId || document.visibilityState !== "visible") return;
  const last = thread(conversationId).last();
  const mine = state.readMarkers.get(conversationId)?.get(state.me) ?? 0;
  if (conversation.unreadCount === 0 && (!last || last.id <= mine)) return;
  const body = await api.markRead(conversationId);
  setUnread(conversation, body.unreadCount);
  markerMoved(conversationId, state.me, body.lastReadMessageId);
}

function markerMoved(conversationId, userId, messageId) {
  let markers = state.readMarkers.get(conversationId);
  if (!markers) state.readMarkers.set(conversationId, (markers = new Map()));
  if (messageId && messageId > (markers.get(userId) ?? 0)) markers.set(userId, messageId);
  changed("read", conversationId);
}

// The reaction summaries of a message after someone's reaction came or went.
function applyReaction(message, frame, added) {
  let summary = message.reactions.find((r) => r.emoji === frame.emoji);
  if (!summary && frame.count > 0) message.reactions.push((summary = { emoji: frame.emoji, count: 0, reacted: false }));
  if (!summary) return;
  summary.count = frame.count;
  if (frame.userId === state.me) summary.reacted = added;
  summary.who = summary.who ?? new Set();
  if (added) summary.who.add(frame.userId);
  else summary.who.delete(frame.userId);
  if (summary.count <= 0) message.reactions = message.reactions.filter((r) => r !== summary);
}

// An edit's frame has reacted=false for everyone: keep what we know of our own reactions.
function keepOwnReactions(fresh, known) {
  if (!known) return fresh;
  for (const summary of fresh.reactions) {
    const before = known.reactions.find((r) => r.emoji === summary.emoji);
    if (before) Object.assign(summary, { reacted: before.reacted, who: before.who });
  }
  return fresh;
}

function putMessage(message) {
  rememberUser(message.sender);
  const current = thread(message.conversationId);
  current.put(keepOwnReactions(message, current.byId.get(message.id)));
  const conversation = state.conversations.get(message.conversationId);
  // Edits and deletes of the newest message change the preview, not the list order.
  if (conversation && (!conversation.lastMessage || conversation.lastMessage.id <= message.id)) conversation.lastMessage = message;
}

function setTyping(frame) {
  let typists = state.typing.get(frame.conversationId);
  if (!typists) state.typing.set(frame.conversationId, (typists = new Map()));
  clearTimeout(typists.get(frame.userId));
  if (frame.isTyping) {
    // The daemon sends isTyping:false after 5 s without a refresh; this is only a safety net.
    typists.set(frame.userId, setTimeout(() => setTyping({ ...frame, isTyping: false }), TYPING_LAPSE_MS));
  } else typists.delete(frame.userId);
  changed("typing", frame.conversationId);
}

// One push frame into the store. Returns false for a frame about a conversation we do not know
// yet (the caller reloads the list).
export function applyFrame(frame) {
  const conversation = state.conversations.get(frame.conversationId);
  const badge = frame.h2ac?.badge;
  switch (frame.type) {
    case "typing":
      setTyping(frame);
      return true;
    case "presence":
      state.presence.set(frame.userId, { userId: frame.userId, online: frame.online, lastSeenAt: frame.lastSeenAt });
      changed("presence");
      return true;
    case "user_updated":
      rememberUser(frame.user);
      for (const c of state.conversations.values()) {
        c.participants = c.participants.map((p) => (p.id === frame.user.id ? { ...p, ...frame.user } : p));
      }
      changed("conversations");
      return true;
    case "conversation_created":
      if (!conversation) {
        frame.conversation.participants.forEach(rememberUser);
        state.conversations.set(frame.conversationId, frame.conversation);
        changed("conversations");
      }
      return true;
  }
  if (!conversation) return false;
  switch (frame.type) {
    case "new_message": {
      const known = thread(frame.conversationId).byId.has(frame.message.id);
      putMessage(frame.message);
      conversation.lastMessageAt = frame.message.createdAt;
      if (badge) setUnread(conversation, badge.conversation, badge.total);
      else if (frame.message.senderId === state.me) setUnread(conversation, 0);
      else if (!known) setUnread(conversation, conversation.unreadCount + 1);
      if (frame.message.senderId === state.me) markerMoved(frame.conversationId, state.me, frame.message.id);
      changed("messages", frame.conversationId);
      changed("conversations");
      break;
    }
    case "message_edited":
    case "message_deleted":
      putMessage(frame.message);
      changed("messages", frame.conversationId);
      changed("conversations");
      break;
    case "message_read":
      markerMoved(frame.conversationId, frame.userId, frame.upToMessageId);
      if (badge) setUnread(conversation, badge.conversation, badge.total);
      else if (frame.userId === state.me && frame.upToMessageId >= (conversation.lastMessage?.id ?? 0)) setUnread(conversation, 0);
      changed("conversations");
      break;
    case "reaction_added":
    case "reaction_removed": {
      const message = thread(frame.conversationId).byId.get(frame.messageId);
      if (message) applyReaction(message, frame, frame.type === "reaction_added");
      if (badge) setUnread(conversation, badge.conversation, badge.total);
      changed("messages", frame.conversationId);
      break;
    }
    case "member_added":
    case "conversation_updated":
    case "role_changed":
    case "member_removed":
      applyMembership(conversation, frame);
      break;
  }
  return true;
}

function applyMembership(conversation, frame) {
  if (frame.type === "member_added") {
    const { unreadCount, muted, name, avatar } = conversation;
    Object.assign(conversation, frame.conversation, { unreadCount, muted, name: frame.conversation.name ?? name, avatar: frame.conversation.avatar ?? avatar });
    conversation.participants.forEach(rememberUser);
  } else if (frame.type === "conversation_updated") {
    conversation.name = frame.name;
    conversation.avatar = frame.avatar;
  } else if (frame.type === "role_changed") {
    conversation.participants = conversation.participants.map((p) => (p.id === frame.userId ? { ...p, role: frame.role } : p));
  } else if (frame.userId === state.me) {
    state.conversations.delete(conversation.id);
    recountUnread();
  } else {
    conversation.participants = conversation.participants.filter((p) => p.id !== frame.userId);
  }
  changed("conversations");
  changed("members", conversation.id);
}
