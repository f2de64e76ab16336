// Starting conversations, guided by the H2AC scripts: the group form is built from
// GET /api/h2ac/guidance/group (title, steps, required and optional fields with their labels),
// so a change to lua/guidance.lua changes the form; after creating, the response's nextSteps are
// followed (open_conversation, focus_input).
import { api } from "./api.js";
import { avatar, fill, h } from "./dom.js";
import { rememberUser, state } from "./store.js";
import { createUserPicker } from "./user-picker.js";

function stepList(guidance) {
  return h("ol", { class: "guidance-steps" }, guidance.steps.filter((step) => !step.skip).map((step) =>
    h("li", { dataset: { step: step.id } }, step.title ?? step.id)));
}

// The people chosen for a group, as removable chips; `people` is changed in place.
function peopleField(field, id, label, people) {
  const list = h("ul", { class: "chips", "aria-label": "Chosen people" });
  const show = () => fill(list, people.map((person) => h("li", { class: "chip" },
    avatar(person.displayName, person.avatar, "small"), person.displayName,
    h("button", {
      type: "button", class: "link-button", "aria-label": `Remove ${person.displayName}`,
      onclick: () => { people.splice(people.indexOf(person), 1); show(); },
    }, "✕"))));
  const picker = createUserPicker({
    label: field.label,
    exclude: (user) => user.id === state.me || people.some((p) => p.id === user.id),
    onPick: (user) => { if (!people.some((p) => p.id === user.id)) people.push(user); show(); },
  });
  picker.element.querySelector("input").id = id;
  return h("div", { class: "field", dataset: { field: field.field } }, label, list, picker.element);
}

// The input for one guidance field; unknown fields (a script may add some) are plain text.
function fieldInput(field, required, people) {
  const id = `field-${field.field}`;
  const label = h("label", { for: id, class: "field-label" }, field.label, required ? "" : " (optional)");
  if (field.field === "participantIds") return peopleField(field, id, label, people);
  const attributes = { id, name: field.field, required: required || null };
  const control = field.field === "firstMessage" ? h("textarea", { ...attributes, rows: 2, maxlength: 4000 })
    : h("input", { ...attributes, type: field.field === "avatar" ? "url" : "text", maxlength: field.field === "name" ? 100 : null });
  return h("div", { class: "field", dataset: { field: field.field } }, label, control);
}

export async function mountGroupForm(root, followNextSteps) {
  fill(root, h("p", { class: "loading" }, "Loading…"));
  const guidance = await api.guidance("group");
  const people = [];
  const error = h("p", { class: "form-error", role: "alert" });
  const fieldsOf = (list, required) => (list ?? []).map((field) => fieldInput(field, required, people));
  const fields = h("div", { class: "fields" }, fieldsOf(guidance.required, true), fieldsOf(guidance.optional, false));

  const submit = async (event) => {
    event.preventDefault();
    error.textContent = "";
    const body = { participantIds: people.map((p) => p.id) };
    for (const input of fields.querySelectorAll("[name]")) {
      const value = input.value.trim();
      if (value) body[input.name] = value;
    }
    try {
      const created = await api.createGroup(body);
      created.conversation.participants.forEach(rememberUser);
      state.conversations.set(created.conversation.id, created.conversation);
      followNextSteps(created);
    } catch (failure) {
      // The scripts' own words for missing information (validate_group in lua/guidance.lua).
      error.textContent = failure.message;
    }
  };
  fill(root, h("section", { class: "panel", "aria-labelledby": "group-form-title" },
    h("a", { class: "back-link", href: "#/", "aria-label": "Back to the conversations" }, "←"),
    h("h2", { id: "group-form-title" }, guidance.title ?? "New group"),
    stepList(guidance),
    // novalidate: the scripts word what is missing (validate_group), not the browser.
    h("form", { class: "group-form", novalidate: true, onsubmit: submit }, fields, error, h("button", { type: "submit", class: "primary" }, "Create group"))));
  fields.querySelector("input, textarea")?.focus();
}

export async function mountDirectPicker(root, followNextSteps) {
  fill(root, h("p", { class: "loading" }, "Loading…"));
  const guidance = await api.guidance("direct");
  const error = h("p", { class: "form-error", role: "alert" });
  const start = async (user) => {
    error.textContent = "";
    try {
      rememberUser(user);
      const opened = await api.openDirect(user.id);
      opened.conversation.participants.forEach(rememberUser);
      if (!state.conversations.has(opened.conversation.id)) state.conversations.set(opened.conversation.id, opened.conversation);
      followNextSteps(opened);
    } catch (failure) {
      error.textContent = failure.message;
    }
  };
  const label = guidance.required?.find((f) => f.field === "participantId")?.label ?? "Who do you want to write to?";
  const picker = createUserPicker({ label, onPick: start, exclude: (user) => user.id === state.me });
  fill(root, h("section", { class: "panel", "aria-labelledby": "direct-title" },
    h("a", { class: "back-link", href: "#/", "aria-label": "Back to the conversations" }, "←"),
    h("h2", { id: "direct-title" }, guidance.title ?? "New chat"),
    stepList(guidance),
    h("p", { class: "field-label" }, label), picker.element, error));
  picker.focus();
}
