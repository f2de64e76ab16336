// The web client's entry point: sign-in, the push connection, routing between screens
// (#/, #/c/42, #/c/42/m/7, #/c/42/info, #/new/direct, #/new/group, #/search, #/staff), and the
// `focus` frames that tell the server what this device shows.
import { api } from "./js/api.js";
import { fill, h } from "./js/dom.js";
import { mountConversationList } from "./js/conversation-list.js";
import { ConversationView } from "./js/conversation-view.js";
import { mountGroupInfo } from "./js/group-admin.js";
import { mountDirectPicker, mountGroupForm } from "./js/new-conversation.js";
import { actOnDecision, recordConnectionState, showToast, showUnreadCounts, unlockAudioOnFirstInteraction } from "./js/notifier.js";
import { backoffDelay, PushConnection } from "./js/push.js";
import { mountSearch } from "./js/search.js";
import { mountStaff } from "./js/staff.js";
import { changed, rememberUser, state } from "./js/store.js";
import { applyFrame, loadConversations, markReadIfSeen, reloadAll } from "./js/sync.js";
import { initToken, onToken } from "./js/token.js";

const main = document.getElementById("main");
const banner = document.getElementById("connection-status");
let screen = null;          // the mounted screen (ConversationView or {destroy})
let focusInputNext = false; // a nextSteps "focus_input" waiting for the conversation view
let resolveReady;
const ready = new Promise((resolve) => { resolveReady = resolve; });

const push = new PushConnection({
  onState: showConnectionState,
  onConnected: async (firstTime, userId) => {
    // The server's own id for the caller: a platform token's sub need not be it.
    state.me = userId;
    // Connect first, then load through REST, so nothing falls between the two (section 4).
    if (firstTime) {
      await loadFirstList();
      resolveReady();
      showWhoIsSignedIn();
    }
  },
  onResync: () => reloadAll().catch(() => {}),
  onFrame,
});

// The first load of the list, retried (with the same backoff as the stream) until it works.
async function loadFirstList() {
  for (let attempt = 0; ; attempt++) {
    try {
      await loadConversations();
      return;
    } catch (error) {
      if (error.status === 401) return; // the sign-in screen takes over
      showToast({ title: "Your conversations could not be loaded", body: `${error.message} Trying again…` });
      await new Promise((resolve) => setTimeout(resolve, backoffDelay(attempt)));
    }
  }
}

function showConnectionState(connection) {
  const text = {
    connecting: "Connecting…",
    reconnecting: "Reconnecting…",
    replaced: "Updates stopped here: you are connected in too many tabs or devices. Reload this page to continue here.",
  }[connection];
  banner.hidden = !text;
  banner.textContent = text ?? "";
  document.documentElement.dataset.connection = connection;
  recordConnectionState(connection);
}

let listReload = null;
function onFrame(frame) {
  if (!applyFrame(frame)) {
    // A conversation we do not know yet (e.g. just added to a group): load the list, then apply.
    listReload = listReload ?? loadConversations().finally(() => { listReload = null; });
    listReload.then(() => applyFrame(frame)).catch(() => {});
  }
  actOnDecision(frame, {
    open: () => { location.hash = `#/c/${frame.conversationId}`; },
    scrollToNewest: () => screen?.scrollToNewest?.(),
  });
  if (frame.type === "member_removed" && frame.userId === state.me && state.openId === frame.conversationId) location.hash = "#/";
}

// What this device shows, for the H2AC decisions: nothing while the tab is hidden.
function sendFocus() {
  push.sendFocus(document.visibilityState === "visible" ? state.openId : null);
}

// The steps the create/open responses carry (lua/guidance.lua next_steps).
function followNextSteps(response) {
  changed("conversations");
  for (const step of response.nextSteps?.steps ?? []) {
    if (step.id === "open_conversation") location.hash = `#/c/${step.conversationId ?? response.conversation.id}`;
    if (step.id === "focus_input") focusInputNext = true;
  }
}

let routeGeneration = 0;
async function route() {
  const generation = ++routeGeneration;
  await ready;
  if (generation !== routeGeneration) return; // a newer route came meanwhile
  const path = location.hash.replace(/^#/, "") || "/";
  const parts = path.split("/").filter(Boolean);
  screen?.destroy?.();
  screen = null;
  // Each route renders into a container of its own: a slow screen still loading when the next
  // route comes renders into a detached container, never over the newer screen.
  const root = h("div", { class: "screen" });
  fill(main, root);
  let openId = null;
  let showingMain = true;
  try {
    if (parts[0] === "c" && Number(parts[1]) > 0 && state.conversations.has(Number(parts[1]))) {
      const conversationId = Number(parts[1]);
      if (parts[2] === "info") screen = mountGroupInfo(root, conversationId);
      else {
        openId = conversationId;
        screen = new ConversationView({ root, conversationId, push, focusMessageId: parts[2] === "m" ? Number(parts[3]) : null });
        if (focusInputNext) screen.focusInput();
      }
    } else if (path === "/new/group") await mountGroupForm(root, followNextSteps);
    else if (path === "/new/direct") await mountDirectPicker(root, followNextSteps);
    else if (path === "/search") mountSearch(root);
    else if (path === "/staff") await mountStaff(root);
    else {
      showingMain = false;
      fill(root, h("p", { class: "placeholder" }, "Choose a conversation, or start one."));
    }
  } catch (error) {
    fill(root, h("p", { class: "form-error", role: "alert" }, error.message));
  }
  if (generation !== routeGeneration) return;
  focusInputNext = false;
  document.body.classList.toggle("showing-main", showingMain);
  state.openId = openId;
  changed("open");
  sendFocus();
}

// "Signed in as Alice", from GET /api/users/me (servers without it show nothing).
async function showWhoIsSignedIn() {
  try {
    const { user } = await api.me();
    rememberUser(user);
    const line = document.getElementById("signed-in-as");
    line.textContent = `Signed in as ${user.displayName}`;
    line.hidden = false;
  } catch {
    // An older server: the conversations still say who is who.
  }
}

function showTokenScreen(reason) {
  const texts = {
    expired: "Your session has ended. The page that opened this one hands over a new sign-in; or paste a new token.",
    invalid: "This sign-in was not accepted. The page that opened this one hands over a new one; or paste a new token.",
    deactivated: "This account has been deactivated.",
    suspended: "This account is suspended by the moderators for a while.",
  };
  document.getElementById("token-reason").textContent = texts[reason] ?? "This page needs an access token.";
  document.getElementById("token-screen").hidden = false;
  document.getElementById("token-input").focus();
}

function signedIn() {
  document.getElementById("token-screen").hidden = true;
  if (push.everConnected) push.resume();
  else push.start();
  api.hookStatus().then(() => { document.getElementById("open-staff").hidden = false; }, () => {});
}

function init() {
  unlockAudioOnFirstInteraction();
  showUnreadCounts();
  mountConversationList();
  window.addEventListener("hashchange", route);
  // The skip link moves the focus without touching the hash (the hash is the route).
  document.querySelector(".skip-link").addEventListener("click", (event) => {
    event.preventDefault();
    (document.getElementById("composer-input") ?? main).focus();
  });
  document.addEventListener("visibilitychange", () => {
    sendFocus();
    if (state.openId) markReadIfSeen(state.openId).catch(() => {});
  });
  window.addEventListener("messaging:token-needed", (event) => showTokenScreen(event.detail.reason));
  document.getElementById("token-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const input = document.getElementById("token-input");
    try {
      window.MessagingClient.setToken(input.value.trim());
      input.value = "";
    } catch {
      document.getElementById("token-reason").textContent = "That is not an access token.";
    }
  });
  onToken(signedIn);
  if (initToken()) signedIn();
  else showTokenScreen(null);
  route();
}

init();
