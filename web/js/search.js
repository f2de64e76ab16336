// Search over the caller's conversations; the API's snippets are HTML-escaped with the match in
// <mark> (docs/openapi.yaml, SearchResult.snippet), so they are inserted as HTML. A result opens
// the conversation at that message.
import { api } from "./api.js";
import { clear, fill, formatTime, h } from "./dom.js";

export function mountSearch(root, initial = "") {
  const input = h("input", { type: "search", id: "search-input", value: initial, "aria-label": "Search messages", placeholder: "Search messages" });
  const results = h("ol", { class: "search-results", "aria-label": "Results" });
  const note = h("p", { class: "picker-note", "aria-live": "polite" });
  const more = h("button", { type: "button", class: "link-button", hidden: true }, "More results");
  let cursor = null;

  const show = (page, append) => {
    if (!append) clear(results);
    results.append(...page.results.map((result) => {
      const snippet = h("span", { class: "snippet" });
      snippet.innerHTML = result.snippet; // escaped by the server, <mark> only
      return h("li", {}, h("a", { class: "search-result", href: `#/c/${result.conversation.id}/m/${result.message.id}` },
        h("span", { class: "result-top" }, h("strong", {}, result.conversation.name), " · ", result.message.sender.displayName,
          h("time", { datetime: result.message.createdAt }, " ", formatTime(result.message.createdAt))),
        snippet));
    }));
    cursor = page.nextCursor;
    more.hidden = !cursor;
    note.textContent = results.children.length ? `${results.children.length} results` : "Nothing found";
  };
  const run = async (append = false) => {
    const text = input.value.trim();
    if (!text) return;
    try {
      show(await api.search(text, append ? cursor : undefined), append);
    } catch (error) {
      note.textContent = error.message;
    }
  };
  more.addEventListener("click", () => run(true));
  fill(root, h("section", { class: "panel", "aria-labelledby": "search-title" },
    h("a", { class: "back-link", href: "#/", "aria-label": "Back to the conversations" }, "←"),
    h("h2", { id: "search-title" }, "Search"),
    h("form", { class: "search-form", role: "search", onsubmit: (event) => { event.preventDefault(); run(); } },
      input, h("button", { type: "submit" }, "Search")),
    note, results, more));
  input.focus();
  if (initial) run();
}
