// The page for product staff: which H2AC scripts are loaded (GET /api/h2ac/status) and, for a
// message and a recipient state they choose, the decision the scripts on disk would make now
// (POST /api/h2ac/preview) — the web version of `messaging-admin hooks run`.
import { api } from "./api.js";
import { fill, formatTime, h } from "./dom.js";

function statusTable(status) {
  return h("div", { class: "hook-status" },
    // `folder` (or `directory` from servers before it was renamed).
    h("p", {}, `Folder ${status.folder ?? status.directory}: `, h("strong", { class: status.healthy ? "ok" : "bad" }, status.healthy ? "healthy" : "has problems")),
    h("table", { class: "hook-scripts" },
      h("thead", {}, h("tr", {}, ["Script", "State", "Loaded", "Load error", "Last runtime error"].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, status.scripts.map((script) => h("tr", {},
        h("td", {}, script.file),
        h("td", {}, script.state + (script.usingBuiltinDefaults ? " (built-in defaults)" : "")),
        h("td", {}, script.loadedAt ? formatTime(script.loadedAt) : "—"),
        h("td", { class: script.loadError ? "error-text" : null }, script.loadError ?? "—"),
        h("td", { class: script.lastRuntimeError ? "error-text" : null }, script.lastRuntimeError ?? "—"))))),
    status.compileErrors.length > 0 && h("ul", { class: "error-text" }, status.compileErrors.map((e) => h("li", {}, `${e.file}: ${e.error}`))),
    status.suspended?.length > 0 && h("p", { class: "error-text" }, `Suspended (the built-in defaults decide for now): ${status.suspended.join(", ")}`),
    status.failures?.length > 0 && failureTable(status.failures));
}

// Failed or skipped hook calls over the whole deployment (servers that report them).
function failureTable(failures) {
  return h("table", { class: "hook-failures" },
    h("caption", {}, "Hook failures in the last day"),
    h("thead", {}, h("tr", {}, ["Function", "Kind", "Last 5 min", "Last day", "Last", "Error"].map((t) => h("th", { scope: "col" }, t)))),
    h("tbody", {}, failures.map((f) => h("tr", {},
      h("td", {}, `${f.script} ${f.function}`), h("td", {}, f.kind), h("td", {}, f.lastFiveMinutes), h("td", {}, f.lastDay),
      h("td", {}, formatTime(f.lastAt)), h("td", { class: f.lastError ? "error-text" : null }, f.lastError ?? "—")))));
}

function decisionView(preview) {
  const { toast, badge, sound, scroll } = preview.decision;
  return h("div", { class: "decision", "aria-live": "polite" },
    toast ? h("div", { class: "toast sample" }, h("strong", { class: "toast-title" }, toast.title), h("span", { class: "toast-body" }, toast.body))
      : h("p", {}, "No toast."),
    h("ul", {},
      h("li", {}, `Badge: ${badge.total} in total, ${badge.conversation} in this conversation`),
      h("li", {}, `Sound: ${sound ?? "none"}`),
      h("li", {}, `Scroll to the newest message: ${scroll ? "yes" : "no"}`),
      h("li", {}, preview.usedBuiltin ? "Decided by the built-in default (the script did not decide)." : "Decided by lua/notifications.lua."),
      preview.scriptError && h("li", { class: "error-text" }, preview.scriptError)),
    h("details", {}, h("summary", {}, "Decision and input as JSON"),
      h("pre", {}, JSON.stringify({ decision: preview.decision, input: preview.input }, null, 2))));
}

function field(label, control) {
  return h("label", { class: "field" }, h("span", { class: "field-label" }, label), control);
}

function checkbox(label, name) {
  return h("label", { class: "check" }, h("input", { type: "checkbox", name }), label);
}

export async function mountStaff(root) {
  fill(root, h("p", { class: "loading" }, "Loading…"));
  let status;
  try {
    status = await api.hookStatus();
  } catch (error) {
    fill(root, h("section", { class: "panel" }, h("h2", {}, "Staff"), h("p", {}, error.message)));
    return;
  }
  const form = h("form", { class: "preview-form" },
    field("Event", h("select", { name: "event" },
      h("option", { value: "new_message" }, "New message"), h("option", { value: "reaction_added" }, "Reaction to their message"),
      h("option", { value: "message_read" }, "Read receipt"))),
    field("Message", h("textarea", { name: "content", rows: 2, maxlength: 4000 }, "Are we still on for tonight?")),
    field("Sender's name", h("input", { name: "senderName", value: "Alice", maxlength: 100 })),
    field("Group name (empty: a direct chat)", h("input", { name: "groupName", maxlength: 100 })),
    h("fieldset", {}, h("legend", {}, "Recipient"),
      checkbox("Looking at this conversation", "focused"),
      checkbox("Muted it", "muted"),
      checkbox("Is the sender (another device)", "isSender"),
      checkbox("Blocked the sender", "senderBlocked"),
      field("Unread in this conversation", h("input", { type: "number", name: "unreadInConversation", min: 0, value: 1 })),
      field("Unread in total", h("input", { type: "number", name: "unreadTotal", min: 0, value: 3 }))),
    h("button", { type: "submit", class: "primary" }, "Show the decision"));
  const result = h("div", { class: "preview-result" });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const v = (name) => form.elements[name];
    const body = {
      event: v("event").value, content: v("content").value, senderName: v("senderName").value || "Alice",
      conversation: v("groupName").value.trim() ? { type: "group", name: v("groupName").value.trim() } : { type: "direct" },
      recipient: {
        focused: v("focused").checked, muted: v("muted").checked, isSender: v("isSender").checked,
        senderBlocked: v("senderBlocked").checked,
        unreadTotal: Number(v("unreadTotal").value || 0), unreadInConversation: Number(v("unreadInConversation").value || 0),
      },
    };
    try {
      fill(result, decisionView(await api.hookPreview(body)));
    } catch (error) {
      fill(result, h("p", { class: "form-error", role: "alert" }, error.message));
    }
  });
  fill(root, h("section", { class: "panel staff", "aria-labelledby": "staff-title" },
    h("a", { class: "back-link", href: "#/", "aria-label": "Back to the conversations" }, "←"),
    h("h2", { id: "staff-title" }, "H2AC scripts"),
    statusTable(status),
    h("h3", {}, "Try a decision"),
    form, result));
}
