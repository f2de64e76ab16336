// Finding people in the user directory (GET /api/users?q=, built by the identity work). Where a
// server has no directory yet, a user id can be entered instead.
import { api } from "./api.js";
import { avatar, clear, fill, h } from "./dom.js";
import { rememberUser } from "./store.js";

const SEARCH_DELAY_MS = 250;

// onPick(user) for each chosen person; `label` names the search box.
export function createUserPicker({ label, onPick, exclude = () => false }) {
  const input = h("input", { type: "search", class: "picker-input", "aria-label": label, placeholder: "Name or username", autocomplete: "off" });
  const results = h("ul", { class: "picker-results", "aria-label": "People found" });
  const note = h("p", { class: "picker-note", "aria-live": "polite" });
  const idInput = h("input", { type: "number", min: 1, class: "picker-id", "aria-label": "User id" });
  // Not a <form>: the picker sits inside other forms (the group form), and forms do not nest.
  const addById = async () => {
    const id = Number(idInput.value);
    idInput.value = "";
    if (!Number.isInteger(id) || id <= 0) return;
    // The profile where the server has GET /api/users/:id (the identity work); else just the id.
    const user = await api.user(id).then((body) => body.user, () => null);
    if (user) rememberUser(user);
    onPick(user ?? { id, displayName: `User ${id}`, username: null, avatar: null });
  };
  idInput.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      addById();
    }
  });
  const byId = h("div", { class: "picker-by-id", role: "group", "aria-label": "Add by user id" },
    h("label", {}, "Or add by user id ", idInput), h("button", { type: "button", onclick: addById }, "Add"));
  let timer = null;
  let generation = 0;

  const search = async () => {
    const text = input.value.trim();
    const mine = ++generation;
    if (!text) {
      clear(results);
      note.textContent = "";
      return;
    }
    try {
      const body = await api.users(text);
      if (mine !== generation) return;
      const users = body.users.filter((user) => !exclude(user));
      users.forEach(rememberUser);
      fill(results, ...users.map((user) => h("li", {},
        h("button", { type: "button", class: "picker-result", dataset: { userId: user.id }, onclick: () => onPick(user) },
          avatar(user.displayName, user.avatar, "small"), h("span", {}, user.displayName), h("span", { class: "username" }, `@${user.username}`)))));
      note.textContent = users.length ? `${users.length} found` : "Nobody found";
    } catch (error) {
      if (mine !== generation) return;
      // 404 not_found: this server has no directory (the identity work adds it).
      if (error.status === 404) {
        note.textContent = "This server has no user directory yet: add people by their user id.";
      } else note.textContent = error.message;
    }
  };
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(search, SEARCH_DELAY_MS);
  });
  return { element: h("div", { class: "user-picker" }, input, note, results, byId), focus: () => input.focus() };
}
