// The open conversation: header (mute, group info), history with older pages on scroll-up,
// "seen by" under the last message, typing indicators, and the composer.
import { api } from "./api.js";
import { avatar, fill, formatTime, h } from "./dom.js";
import { createComposer, discardSend, retrySend } from "./composer.js";
import { presenceDot } from "./conversation-list.js";
import { messageItem } from "./message-item.js";
import { showToast } from "./notifier.js";
import { changed, conversationTitle, displayName, isAdmin, onChange, otherParticipant, rememberUser, state, thread } from "./store.js";
import { loadLatest, loadOlder, markReadIfSeen } from "./sync.js";

const NEAR_BOTTOM_PX = 80;
const MAX_PAGES_TO_FIND = 20;

function report(error) {
  showToast({ title: "That did not work", body: error.message });
}

// Members other than me and the sender whose read marker reached the last message.
function seenBy(conversation, last) {
  if (!last || last.pending) return null;
  const markers = state.readMarkers.get(conversation.id);
  if (!markers) return null;
  const readers = conversation.participants
    .filter((p) => p.id !== state.me && p.id !== last.senderId && (markers.get(p.id) ?? 0) >= last.id)
    .map((p) => p.displayName);
  if (readers.length === 0) return null;
  return h("p", { class: "seen-by" }, `Seen by ${readers.join(", ")}`);
}

function presenceText(presence) {
  if (!presence) return "";
  if (presence.online) return "Online";
  return presence.lastSeenAt ? `Last seen ${formatTime(presence.lastSeenAt)}` : "";
}

function typingLine(conversationId) {
  const typists = [...(state.typing.get(conversationId)?.keys() ?? [])].map(displayName);
  if (typists.length === 0) return "";
  return typists.length === 1 ? `${typists[0]} is typing…` : `${typists.join(", ")} are typing…`;
}

export class ConversationView {
  constructor({ root, conversationId, push, focusMessageId }) {
    this.root = root;
    this.conversationId = conversationId;
    this.push = push;
    this.editingId = null;
    this.editDraft = { text: null };
    this.focusMessageId = focusMessageId;
    this.stickToBottom = true;
    this.build();
    this.unsubscribe = onChange((change) => this.onChange(change));
    this.start();
  }

  get conversation() {
    return state.conversations.get(this.conversationId);
  }

  build() {
    this.header = h("header", { class: "conversation-header" });
    this.olderButton = h("button", { type: "button", class: "link-button older", onclick: () => this.older() }, "Load older messages");
    this.list = h("ol", { class: "messages", "aria-label": "Messages" });
    this.scroller = h("div", { class: "message-scroller", tabindex: -1 }, this.olderButton, this.list);
    this.seen = h("div", { class: "seen-slot" });
    this.typing = h("p", { class: "typing", "aria-live": "polite" });
    this.composer = createComposer({ conversationId: this.conversationId, push: this.push, onSent: () => this.scrollToNewest() });
    this.scroller.addEventListener("scroll", () => {
      this.stickToBottom = this.atBottom();
      if (this.scroller.scrollTop < NEAR_BOTTOM_PX) this.older();
      if (this.stickToBottom) markReadIfSeen(this.conversationId).catch(() => {});
    });
    fill(this.root, h("section", { class: "conversation", "aria-label": "Conversation" },
      this.header, this.scroller, this.seen, this.typing, this.composer.element));
  }

  async start() {
    this.renderHeader();
    try {
      await loadLatest(this.conversationId);
      if (this.focusMessageId) await this.findMessage(this.focusMessageId);
      else this.scrollToNewest();
      await markReadIfSeen(this.conversationId);
    } catch (error) {
      report(error);
    }
  }

  // Search results open the conversation at a message: older pages until it is loaded.
  async findMessage(messageId) {
    const current = thread(this.conversationId);
    for (let page = 0; page < MAX_PAGES_TO_FIND && !current.byId.has(messageId) && current.hasMore; page++) {
      await loadOlder(this.conversationId);
    }
    if (!current.byId.has(messageId)) return;
    this.stickToBottom = false;
    this.highlightId = messageId;
    this.renderMessages();
    const element = this.list.querySelector(`#m-${messageId}`);
    element.scrollIntoView({ block: "center" });
    element.focus({ preventScroll: true });
  }

  destroy() {
    this.unsubscribe();
    this.composer.stopTyping();
  }

  onChange({ what, conversationId }) {
    if (what === "conversations" || what === "members" || what === "presence") this.renderHeader();
    if (conversationId !== this.conversationId && what !== "conversations") return;
    if (what === "messages" || what === "read" || what === "conversations") this.renderMessages();
    if (what === "typing") this.typing.textContent = typingLine(this.conversationId);
    if (what === "messages" && this.stickToBottom) markReadIfSeen(this.conversationId).catch(() => {});
  }

  renderHeader() {
    const conversation = this.conversation;
    if (!conversation) return;
    const title = conversationTitle(conversation);
    const other = otherParticipant(conversation);
    const muteLabel = conversation.muted ? "Unmute" : "Mute";
    fill(this.header, 
      h("a", { class: "back-link", href: "#/", "aria-label": "Back to the conversations" }, "←"),
      h("span", { class: "avatar-wrap" }, avatar(title, conversation.avatar ?? other?.avatar), other && presenceDot(other.id)),
      h("div", { class: "conversation-heading" },
        h("h2", { class: "conversation-title" }, title),
        h("p", { class: "conversation-subtitle" }, conversation.type === "group"
          ? `${conversation.participants.length} members`
          : presenceText(state.presence.get(other?.id)))),
      h("button", {
        type: "button", class: "button mute-toggle", "aria-pressed": conversation.muted ? "true" : "false",
        onclick: () => this.toggleMute(),
      }, muteLabel),
      conversation.type === "group" && h("a", { class: "button", href: `#/c/${conversation.id}/info` }, "Group info"));
  }

  async toggleMute() {
    const conversation = this.conversation;
    try {
      const body = await api.setMuted(conversation.id, !conversation.muted);
      conversation.muted = body.muted;
      changed("conversations");
    } catch (error) {
      report(error);
    }
  }

  renderMessages() {
    const conversation = this.conversation;
    if (!conversation) return;
    const current = thread(this.conversationId);
    const fromBottom = this.scroller.scrollHeight - this.scroller.scrollTop;
    const focusedId = this.list.contains(document.activeElement) ? document.activeElement.closest("[data-message-id]")?.dataset.messageId : null;
    const pending = [...current.pending.values()].map((entry) => ({ ...entry, pending: true, senderId: state.me, reactions: [] }));
    const items = [...current.messages(), ...pending].map((message) => messageItem(message, {
      isGroup: conversation.type === "group",
      editing: message.id && message.id === this.editingId,
      actions: {
        reply: (m) => this.composer.setReply(m),
        retry: (key) => retrySend(this.conversationId, key),
        discard: (key) => discardSend(this.conversationId, key),
        canDelete: (m) => m.senderId === state.me || (conversation.type === "group" && isAdmin(conversation)),
        editDraft: this.editDraft,
        startEditing: (id) => { this.editingId = id; this.editDraft.text = null; this.renderMessages(); },
        toggleReactors: (m) => this.toggleReactors(m),
        stopEditing: () => { this.editingId = null; this.renderMessages(); },
        report,
      },
    }));
    fill(this.list, items);
    this.list.querySelector(`#m-${this.highlightId}`)?.classList.add("highlight");
    this.olderButton.hidden = !current.hasMore;
    fill(this.seen, seenBy(conversation, current.last()) ?? "");
    if (focusedId && !this.editingId) this.list.querySelector(`[data-message-id="${focusedId}"]`)?.focus({ preventScroll: true });
    // New messages keep the newest in view when the person was at the bottom; older pages
    // arriving above keep what they were reading in place.
    if (this.stickToBottom) this.scrollToNewest();
    else this.scroller.scrollTop = this.scroller.scrollHeight - fromBottom;
  }

  // Who reacted, from the API; kept up to date by the reaction frames afterwards.
  async toggleReactors(message) {
    if (message.reactorsShown) {
      message.reactorsShown = false;
    } else {
      try {
        const body = await api.reactors(message.id);
        for (const entry of body.reactions) {
          entry.users.forEach(rememberUser);
          const summary = message.reactions.find((r) => r.emoji === entry.emoji);
          if (summary) summary.who = new Set(entry.users.map((u) => u.id));
        }
        message.reactorsShown = true;
      } catch (error) {
        report(error);
      }
    }
    this.renderMessages();
  }

  async older() {
    const before = this.scroller.scrollHeight - this.scroller.scrollTop;
    this.stickToBottom = false;
    try {
      if (await loadOlder(this.conversationId)) this.scroller.scrollTop = this.scroller.scrollHeight - before;
    } catch (error) {
      report(error);
    }
  }

  atBottom() {
    return this.scroller.scrollHeight - this.scroller.scrollTop - this.scroller.clientHeight < NEAR_BOTTOM_PX;
  }

  scrollToNewest() {
    this.stickToBottom = true;
    this.scroller.scrollTop = this.scroller.scrollHeight;
  }

  focusInput() {
    this.composer.focus();
  }
}
