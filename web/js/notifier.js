// What the H2AC decision (`h2ac` on a push frame, docs/PUSH_PROTOCOL.md section 6) does here:
// a toast (announced to screen readers), a short sound, and the unread count in the tab title
// and the favicon. A frame without `h2ac` does none of these.
import { h } from "./dom.js";
import { onChange, state } from "./store.js";

const TOAST_MS = 6000;
const BASE_TITLE = "Messages";

let audio = null;
// For tests and curious developers: what the page was told to do (never read by the app itself).
const record = { sounds: [], toasts: [], connection: [] };
window.messagingDebug = Object.freeze({ sounds: record.sounds, toasts: record.toasts, connection: record.connection });

export function recordConnectionState(connection) {
  record.connection.push(connection);
}

// Browsers keep audio locked until the person interacts with the page: the first click or key
// press creates (or resumes) the AudioContext.
export function unlockAudioOnFirstInteraction() {
  const unlock = () => {
    audio = audio ?? new AudioContext();
    if (audio.state === "suspended") audio.resume();
    window.removeEventListener("pointerdown", unlock, true);
    window.removeEventListener("keydown", unlock, true);
  };
  window.addEventListener("pointerdown", unlock, true);
  window.addEventListener("keydown", unlock, true);
}

// Two short notes; Web Audio, so no file to ship.
export function playSound(name) {
  if (!audio) {
    record.sounds.push({ name, started: false, state: "locked" });
    return;
  }
  const now = audio.currentTime;
  const gain = audio.createGain();
  gain.connect(audio.destination);
  gain.gain.setValueAtTime(0.0001, now);
  gain.gain.exponentialRampToValueAtTime(0.2, now + 0.02);
  gain.gain.exponentialRampToValueAtTime(0.0001, now + 0.35);
  [660, 880].forEach((frequency, index) => {
    const tone = audio.createOscillator();
    tone.frequency.value = frequency;
    tone.connect(gain);
    tone.start(now + index * 0.12);
    tone.stop(now + 0.35);
  });
  record.sounds.push({ name, started: true, state: audio.state });
}

export function showToast({ title, body }, onOpen) {
  const container = document.getElementById("toasts");
  const toast = h("button", { class: "toast", type: "button", onclick: () => { toast.remove(); onOpen?.(); } },
    h("strong", { class: "toast-title" }, title), h("span", { class: "toast-body" }, body));
  container.append(toast);
  record.toasts.push({ title, body });
  setTimeout(() => toast.remove(), TOAST_MS);
}

// Acts on one frame's decision; `open` opens the frame's conversation.
export function actOnDecision(frame, { open, scrollToNewest }) {
  const decision = frame.h2ac;
  if (!decision) return;
  if (decision.toast) showToast(decision.toast, open);
  if (decision.sound) playSound(decision.sound);
  if (decision.scroll && frame.conversationId === state.openId) scrollToNewest();
}

// "(3) Messages" and a favicon with the number, whenever the total changes.
export function showUnreadCounts() {
  const favicon = document.getElementById("favicon");
  let shown = null;
  onChange(({ what }) => {
    if (what !== "unread" && what !== "conversations") return;
    const total = state.unreadTotal;
    if (total === shown) return;
    shown = total;
    document.title = total > 0 ? `(${total}) ${BASE_TITLE}` : BASE_TITLE;
    favicon.href = faviconWith(total);
    document.documentElement.dataset.unreadTotal = String(total);
  });
}

function faviconWith(count) {
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = 64;
  const context = canvas.getContext("2d");
  context.fillStyle = "#8a1c3b";
  context.beginPath();
  context.arc(32, 32, 28, 0, Math.PI * 2);
  context.fill();
  context.fillStyle = "#fff";
  context.font = "bold 34px sans-serif";
  context.textAlign = "center";
  context.textBaseline = "middle";
  context.fillText(count > 0 ? (count > 99 ? "99" : String(count)) : "✉", 32, 34);
  return canvas.toDataURL("image/png");
}
