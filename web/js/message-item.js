// One message in the conversation view: sender, quoted reply, inline media, text or tombstone,
// time and edit mark, pending/failed state, reactions (who and how many), and its actions.
import { api } from "./api.js";
import { formatTime, h } from "./dom.js";
import { displayName, state } from "./store.js";

export const QUICK_REACTIONS = ["👍", "❤️", "😂", "🎉"];

function media(message) {
  if (!message.mediaUrl) return null;
  if (message.mediaType === "video") {
    return h("video", { class: "media", src: message.mediaUrl, controls: true, preload: "metadata" });
  }
  const picture = h("img", { class: "media", src: message.mediaUrl, alt: "Picture", loading: "lazy", referrerpolicy: "no-referrer" });
  // A picture that cannot be loaded stays findable: a link in its place.
  picture.addEventListener("error", () => picture.replaceWith(
    h("a", { class: "media-link", href: message.mediaUrl, target: "_blank", rel: "noopener noreferrer" }, "📷 Picture (open the link)")));
  return picture;
}

function quote(message) {
  const reply = message.replyTo;
  if (!reply) return null;
  const text = reply.deleted ? "Message deleted" : reply.preview || { image: "📷 Photo", video: "🎬 Video" }[reply.mediaType] || "";
  return h("blockquote", { class: "reply-quote" },
    h("strong", {}, reply.senderDisplayName ?? "Someone"), " ", text);
}

function reactionButtons(message, report) {
  if (!message.reactions?.length) return null;
  return h("div", { class: "reactions" }, message.reactions.map((reaction) => {
    const who = [...(reaction.who ?? [])].map(displayName);
    if (reaction.reacted && !who.includes("You")) who.unshift("You");
    const label = `${reaction.emoji} ${reaction.count}${who.length ? `: ${who.join(", ")}` : ""}`;
    return h("button", {
      type: "button", class: `reaction${reaction.reacted ? " mine" : ""}`, "aria-pressed": reaction.reacted ? "true" : "false",
      title: label, "aria-label": label, dataset: { emoji: reaction.emoji },
      onclick: () => (reaction.reacted ? api.unreact(message.id, reaction.emoji) : api.react(message.id, reaction.emoji)).catch(report),
    }, `${reaction.emoji} ${reaction.count}`);
  }));
}

// The draft survives re-renders (a message arriving while one edits): `draft` holds it.
function editForm(message, draft, done, report) {
  const input = h("input", { class: "edit-input", value: draft.text ?? message.content ?? "", "aria-label": "Edited message", maxlength: 4000 });
  input.addEventListener("input", () => { draft.text = input.value; });
  const form = h("form", {
    class: "edit-form",
    onsubmit: async (event) => {
      event.preventDefault();
      try {
        await api.edit(message.id, input.value);
        done();
      } catch (error) {
        report(error);
      }
    },
  }, input, h("button", { type: "submit" }, "Save"), h("button", { type: "button", onclick: done }, "Cancel"));
  input.addEventListener("keydown", (event) => { if (event.key === "Escape") done(); });
  setTimeout(() => input.focus());
  return form;
}

// actions: {reply(message), retry(clientMessageId), canDelete(message), report(error), rerender()}
export function messageItem(message, { isGroup, editing, actions }) {
  const mine = message.senderId === state.me || message.pending;
  const classes = ["message", mine ? "mine" : "theirs"];
  if (message.pending) classes.push(message.status === "failed" ? "failed" : "pending");
  if (message.deleted) classes.push("deleted");
  const body = message.deleted
    ? h("p", { class: "content tombstone" }, message.removal === "moderation" ? "This message was removed by moderation" : "This message was deleted")
    : editing
      ? editForm(message, actions.editDraft, () => actions.stopEditing(), actions.report)
      : message.content && h("p", { class: "content" }, message.content);
  const status = message.pending
    ? message.status === "failed"
      ? h("span", { class: "status" }, `Not sent${message.error ? ` (${message.error})` : ""}. `,
        h("button", { type: "button", class: "link-button", onclick: () => actions.retry(message.clientMessageId) }, "Retry"),
        h("button", { type: "button", class: "link-button", onclick: () => actions.discard(message.clientMessageId) }, "Discard"))
      : h("span", { class: "status" }, "Sending…")
    : null;
  const buttons = message.pending || message.deleted ? [] : [
    ...QUICK_REACTIONS.map((emoji) => h("button", {
      type: "button", class: "icon-button", "aria-label": `React ${emoji}`, dataset: { react: emoji },
      onclick: () => api.react(message.id, emoji).catch(actions.report),
    }, emoji)),
    h("button", { type: "button", class: "link-button", onclick: () => actions.reply(message) }, "Reply"),
    message.reactions?.length > 0 && h("button", {
      type: "button", class: "link-button", "aria-expanded": message.reactorsShown ? "true" : "false",
      onclick: () => actions.toggleReactors(message),
    }, "Who reacted"),
    message.senderId === state.me && h("button", { type: "button", class: "link-button", onclick: () => actions.startEditing(message.id) }, "Edit"),
    actions.canDelete(message) && h("button", {
      type: "button", class: "link-button",
      onclick: () => { if (confirm("Delete this message for everyone?")) api.remove(message.id).catch(actions.report); },
    }, "Delete"),
  ];
  return h("li", {
    class: classes.join(" "), id: message.id ? `m-${message.id}` : null, tabindex: 0,
    dataset: { messageId: message.id ?? "", clientMessageId: message.clientMessageId ?? "" },
  },
    isGroup && !mine && h("span", { class: "sender" }, message.sender?.displayName ?? displayName(message.senderId)),
    quote(message), !message.deleted && media(message), body,
    h("footer", { class: "message-meta" },
      h("time", { datetime: message.createdAt }, formatTime(message.createdAt)),
      message.editedAt && !message.deleted && h("span", { class: "edited" }, " · edited"),
      status && " · ", status),
    reactionButtons(message, actions.report),
    message.reactorsShown && message.reactions?.length > 0 && h("ul", { class: "reactors", "aria-label": "Who reacted" },
      message.reactions.map((reaction) => h("li", {}, `${reaction.emoji} ${[...(reaction.who ?? [])].map(displayName).join(", ")}`))),
    buttons.length > 0 && h("div", { class: "message-actions", role: "group", "aria-label": "Message actions" }, buttons));
}
