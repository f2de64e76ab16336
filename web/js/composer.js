// The message box: text and media by URL, replies, typing commands, and sends that never
// duplicate: each send has a clientMessageId, kept across retries, so a retry after a network
// error returns the stored original (200) instead of storing it twice. A message shows as
// pending until its 201 (or its push frame) arrives.
import { api } from "./api.js";
import { h } from "./dom.js";
import { changed, displayName, thread } from "./store.js";

const RETRY_DELAYS_MS = [1000, 2000, 4000];
const TYPING_REFRESH_MS = 1000;
const TYPING_IDLE_MS = 3000;

function newClientMessageId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  return [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function deliver(conversationId, entry) {
  const current = thread(conversationId);
  entry.status = "sending";
  changed("messages", conversationId);
  const body = { content: entry.content, clientMessageId: entry.clientMessageId };
  if (entry.mediaUrl) Object.assign(body, { mediaUrl: entry.mediaUrl, mediaType: entry.mediaType });
  if (entry.replyToId) body.replyToId = entry.replyToId;
  for (let attempt = 0; ; attempt++) {
    try {
      const { message } = await api.send(conversationId, body);
      current.put(message);
      changed("messages", conversationId);
      return message;
    } catch (error) {
      // The push frame may already have brought the stored message: then there is nothing to retry.
      const stored = [...current.byId.values()].find((m) => m.clientMessageId === entry.clientMessageId);
      if (stored) return stored;
      if (!error.retryable || attempt >= RETRY_DELAYS_MS.length) {
        entry.status = "failed";
        entry.error = error.message;
        changed("messages", conversationId);
        return null;
      }
      // The server's Retry-After (a rate limit, an overloaded pool) wins over our own schedule.
      await sleep(Math.max(RETRY_DELAYS_MS[attempt], (error.retryAfterSeconds ?? 0) * 1000));
    }
  }
}

// A failed send the person gives up on (e.g. a link the server refused).
export function discardSend(conversationId, clientMessageId) {
  thread(conversationId).pending.delete(clientMessageId);
  changed("messages", conversationId);
}

// Retry of a failed send, with the same clientMessageId.
export function retrySend(conversationId, clientMessageId) {
  const entry = thread(conversationId).pending.get(clientMessageId);
  if (entry) deliver(conversationId, entry);
}

export function createComposer({ conversationId, push, onSent }) {
  let replyTo = null;
  let typingSince = 0;
  let idleTimer = null;

  const stopTyping = () => {
    clearTimeout(idleTimer);
    if (typingSince) push.sendTyping(conversationId, false);
    typingSince = 0;
  };
  const typed = () => {
    const now = Date.now();
    if (now - typingSince >= TYPING_REFRESH_MS) {
      push.sendTyping(conversationId, true);
      typingSince = now;
    }
    clearTimeout(idleTimer);
    idleTimer = setTimeout(stopTyping, TYPING_IDLE_MS);
  };

  const input = h("textarea", {
    id: "composer-input", class: "composer-input", rows: 1, placeholder: "Write a message",
    "aria-label": "Message", maxlength: 4000,
  });
  const mediaUrl = h("input", { type: "url", class: "media-url", placeholder: "https://… picture or video link", "aria-label": "Media link" });
  const mediaType = h("select", { class: "media-type", "aria-label": "Media kind" },
    h("option", { value: "image" }, "Picture"), h("option", { value: "video" }, "Video"));
  const mediaRow = h("div", { class: "media-row", hidden: true }, mediaUrl, mediaType);
  const replyBar = h("div", { class: "reply-bar", hidden: true });
  const error = h("p", { class: "composer-error", role: "alert" });

  const send = async () => {
    const content = input.value.trim();
    const link = mediaRow.hidden ? "" : mediaUrl.value.trim();
    if (!content && !link) return;
    const entry = {
      clientMessageId: newClientMessageId(), content, createdAt: new Date().toISOString(),
      mediaUrl: link || null, mediaType: link ? mediaType.value : null, replyToId: replyTo?.id ?? null,
      replyTo: replyTo ? { senderDisplayName: displayName(replyTo.senderId), preview: replyTo.content } : null,
    };
    thread(conversationId).pending.set(entry.clientMessageId, entry);
    input.value = "";
    mediaUrl.value = "";
    mediaRow.hidden = true;
    setReply(null);
    stopTyping();
    error.textContent = "";
    onSent();
    const message = await deliver(conversationId, entry);
    if (!message && entry.error) error.textContent = entry.error;
  };

  const setReply = (message) => {
    replyTo = message;
    replyBar.hidden = !message;
    replyBar.replaceChildren(...(message ? [
      h("span", {}, `Replying to ${displayName(message.senderId)}: ${message.content ?? ""}`.slice(0, 120)),
      h("button", { type: "button", class: "link-button", onclick: () => setReply(null), "aria-label": "Cancel the reply" }, "✕"),
    ] : []));
    if (message) input.focus();
  };

  input.addEventListener("input", typed);
  input.addEventListener("blur", stopTyping);
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      send();
    }
  });

  const form = h("form", { class: "composer", onsubmit: (event) => { event.preventDefault(); send(); } },
    replyBar, mediaRow,
    h("div", { class: "composer-row" },
      h("button", {
        type: "button", class: "icon-button", "aria-label": "Attach a picture or video by link", title: "Attach by link",
        onclick: () => { mediaRow.hidden = !mediaRow.hidden; if (!mediaRow.hidden) mediaUrl.focus(); },
      }, "Attach"),
      input,
      h("button", { type: "submit", class: "send-button" }, "Send")),
    error);
  return { element: form, focus: () => input.focus(), setReply, stopTyping };
}
