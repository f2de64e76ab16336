// A group's info panel: members and their roles; admins add, remove, promote and demote members,
// rename the group and change its picture; anyone may leave.
import { api } from "./api.js";
import { avatar, fill, h } from "./dom.js";
import { showToast } from "./notifier.js";
import { isAdmin, onChange, state } from "./store.js";
import { createUserPicker } from "./user-picker.js";

function report(error) {
  showToast({ title: "That did not work", body: error.message });
}

function memberRow(conversation, member, admin) {
  const self = member.id === state.me;
  const promote = member.role === "admin" ? "member" : "admin";
  return h("li", { class: "member", dataset: { userId: member.id } },
    avatar(member.displayName, member.avatar, "small"),
    h("span", { class: "member-name" }, self ? `${member.displayName} (you)` : member.displayName),
    h("span", { class: "role" }, member.role),
    admin && !self && h("button", {
      type: "button", class: "link-button",
      onclick: () => api.setRole(conversation.id, member.id, promote).catch(report),
    }, promote === "admin" ? "Make admin" : "Make member"),
    admin && !self && h("button", {
      type: "button", class: "link-button",
      onclick: () => { if (confirm(`Remove ${member.displayName} from the group?`)) api.removeMember(conversation.id, member.id).catch(report); },
    }, "Remove"));
}

function textForm(label, value, type, onSave) {
  const input = h("input", { type, value: value ?? "", "aria-label": label });
  return h("form", {
    class: "inline-form",
    onsubmit: (event) => { event.preventDefault(); onSave(input.value.trim()).catch(report); },
  }, h("label", {}, label, " ", input), h("button", { type: "submit" }, "Save"));
}

export function mountGroupInfo(root, conversationId) {
  const render = () => {
    const conversation = state.conversations.get(conversationId);
    if (!conversation) {
      location.hash = "#/";
      return;
    }
    const admin = isAdmin(conversation);
    const picker = admin && createUserPicker({
      label: "Add people",
      exclude: (user) => conversation.participants.some((p) => p.id === user.id),
      onPick: (user) => api.addMembers(conversation.id, [user.id]).catch(report),
    });
    fill(root, h("section", { class: "panel", "aria-labelledby": "group-info-title" },
      h("a", { class: "back-link", href: `#/c/${conversation.id}`, "aria-label": "Back to the conversation" }, "←"),
      h("h2", { id: "group-info-title" }, conversation.name),
      admin && textForm("Name", conversation.name, "text", (name) => api.updateGroup(conversation.id, { name })),
      admin && textForm("Picture link", conversation.avatar, "url", (link) => api.updateGroup(conversation.id, { avatar: link || null })),
      h("h3", {}, `${conversation.participants.length} members`),
      h("ul", { class: "members" }, conversation.participants.map((member) => memberRow(conversation, member, admin))),
      picker && h("div", { class: "add-members" }, h("h3", {}, "Add people"), picker.element),
      h("button", {
        type: "button", class: "danger",
        onclick: async () => {
          if (!confirm("Leave this group?")) return;
          try {
            await api.removeMember(conversation.id, "me");
            location.hash = "#/";
          } catch (error) {
            report(error);
          }
        },
      }, "Leave group")));
  };
  const stop = onChange(({ what, conversationId: changedId }) => {
    if (what === "members" && changedId === conversationId) render();
  });
  render();
  return { destroy: stop };
}
