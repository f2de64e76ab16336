// Tiny DOM helpers: elements are built with h(), never from HTML strings (except the search
// snippets, which the API documents as HTML-escaped).

export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "class") element.className = value;
    else if (name === "dataset") Object.assign(element.dataset, value);
    else if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else if (value === true) element.setAttribute(name, "");
    else element.setAttribute(name, String(value));
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function clear(element) {
  element.replaceChildren();
  return element;
}

// Replaces an element's children; false, null and undefined children are skipped, as in h().
export function fill(element, ...children) {
  clear(element);
  append(element, children);
  return element;
}

export function formatTime(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  const now = new Date();
  const sameDay = date.toDateString() === now.toDateString();
  return sameDay
    ? date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })
    : date.toLocaleDateString([], { month: "short", day: "numeric" });
}

// Initials on a coloured disc when there is no picture.
export function avatar(name, url, size = "normal") {
  const label = (name || "?").trim();
  if (url && /^https?:\/\//i.test(url)) {
    return h("img", { class: `avatar avatar-${size}`, src: url, alt: "", loading: "lazy", referrerpolicy: "no-referrer" });
  }
  const initials = label.split(/\s+/).map((part) => part[0]).join("").slice(0, 2).toUpperCase();
  let hue = 0;
  for (const char of label) hue = (hue * 31 + char.codePointAt(0)) % 360;
  const disc = h("span", { class: `avatar avatar-${size}`, "aria-hidden": "true" }, initials);
  disc.style.setProperty("--avatar-hue", String(hue)); // CSSOM, which the CSP allows (style attributes it does not)
  return disc;
}
