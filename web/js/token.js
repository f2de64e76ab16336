// The access token: where it comes from (a #token= link, a postMessage from the embedding page,
// or MessagingClient.setToken()), where it is kept (sessionStorage only: never a cookie, never left
// in the address bar), and asking for a fresh one when it expires.
import { config } from "./config.js";

const STORAGE_KEY = "messaging.token";
const listeners = new Set();
let token = null;

export function currentToken() {
  return token;
}

// The claims we read (exp, to ask for a new token instead of connecting with an expired one); the
// server verifies the signature, and says who we are in the stream's `connected` frame.
export function claims(value = token) {
  try {
    const payload = value.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    return JSON.parse(atob(payload + "=".repeat((4 - (payload.length % 4)) % 4)));
  } catch {
    return null;
  }
}

export function isExpired(value = token) {
  const exp = claims(value)?.exp;
  return typeof exp !== "number" || exp * 1000 <= Date.now();
}

export function setToken(value) {
  if (typeof value !== "string" || value.split(".").length !== 3) throw new Error("not a JWT");
  token = value;
  sessionStorage.setItem(STORAGE_KEY, value);
  for (const listener of listeners) listener(value);
}

export function onToken(listener) {
  listeners.add(listener);
}

// The platform is asked for a new token (embedded: a postMessage to the parent; any page: a DOM
// event), and the sign-in screen tells the person why.
export function requestNewToken(reason) {
  token = null;
  sessionStorage.removeItem(STORAGE_KEY);
  const message = { type: "messaging:token-needed", reason };
  if (window.parent !== window) {
    for (const origin of config.platformOrigins) window.parent.postMessage(message, origin);
  }
  window.dispatchEvent(new CustomEvent("messaging:token-needed", { detail: { reason } }));
}

// Reads a #token= fragment into sessionStorage and strips it from the address (and history).
function takeTokenFromAddress() {
  const match = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (!match) return null;
  history.replaceState(null, "", location.pathname + location.search + "#/");
  return decodeURIComponent(match[1]);
}

export function initToken() {
  const fromAddress = takeTokenFromAddress();
  token = fromAddress || sessionStorage.getItem(STORAGE_KEY);
  if (fromAddress) sessionStorage.setItem(STORAGE_KEY, fromAddress);
  window.addEventListener("message", (event) => {
    if (!config.platformOrigins.includes(event.origin)) return;
    if (event.data?.type === "messaging:token" && typeof event.data.token === "string") setToken(event.data.token);
  });
  // The documented JS call for pages and web views that host the client on its own origin.
  window.MessagingClient = Object.freeze({ setToken });
  return token;
}
