// The push stream (docs/PUSH_PROTOCOL.md): one WebSocket, resumed with ?since=<cursor> after any
// drop, with exponential backoff and jitter between attempts. The cursor kept is the last one
// received (cursors are not always increasing), so a resume replays exactly what was missed.
import { currentToken, isExpired, requestNewToken } from "./token.js";
import { api } from "./api.js";

const BASE_DELAY_MS = 500;
const MAX_DELAY_MS = 30000;
const PING_EVERY_MS = 25000;
const PONG_WITHIN_MS = 10000;
// Close codes after which reconnecting with the same token cannot help (section 5).
const TOKEN_CLOSE_CODES = new Map([[4001, "invalid"], [4002, "expired"], [4003, "deactivated"], [4004, "suspended"]]);
// Closed because the user opened more connections than the server allows: reconnecting by itself
// would close another of their tabs or devices, which would do the same (section 5).
const TOO_MANY_CONNECTIONS = 4008;

// Backoff for attempt n (0-based): a random delay in [half, full] of min(max, base·2ⁿ), so a fleet
// of clients dropped by one daemon restart does not come back in lock-step.
export function backoffDelay(attempt, random = Math.random) {
  const ceiling = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** attempt);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

export class PushConnection {
  // handlers: onFrame(frame), onState("connecting"|"online"|"reconnecting"|"signed-out"|"replaced"),
  // onResync() (reload state from REST), onConnected(firstTime, userId)
  constructor(handlers) {
    this.handlers = handlers;
    this.cursor = null;
    this.socket = null;
    this.attempt = 0;
    this.retryTimer = null;
    this.pingTimer = null;
    this.pongTimer = null;
    this.stopped = true;
    this.focus = null;
    this.everConnected = false;
  }

  start() {
    this.stopped = false;
    this.connect();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.clearTimers();
    if (this.socket) this.socket.close(1000, "bye");
    this.socket = null;
  }

  get url() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const params = new URLSearchParams({ token: currentToken() });
    if (this.cursor !== null) params.set("since", String(this.cursor));
    return `${scheme}://${location.host}/ws/notifications?${params}`;
  }

  connect() {
    if (this.stopped) return;
    if (!currentToken() || isExpired()) {
      this.signedOut("expired");
      return;
    }
    this.handlers.onState(this.everConnected ? "reconnecting" : "connecting");
    const socket = new WebSocket(this.url);
    this.socket = socket;
    let connected = false;
    socket.onmessage = (event) => {
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch {
        return;
      }
      this.armPing();
      if (frame.type === "connected") {
        connected = true;
        this.onConnected(frame);
      } else if (frame.type === "resync_required") {
        this.cursor = frame.cursor;
        this.handlers.onResync();
      } else {
        if (frame.cursor !== undefined) this.cursor = frame.cursor;
        if (frame.type !== "pong") this.handlers.onFrame(frame);
      }
    };
    socket.onclose = (event) => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.clearTimers();
      if (this.stopped) return;
      const tokenProblem = TOKEN_CLOSE_CODES.get(event.code);
      if (tokenProblem) {
        this.signedOut(tokenProblem);
        return;
      }
      if (event.code === TOO_MANY_CONNECTIONS) {
        this.stopped = true;
        this.handlers.onState("replaced");
        return;
      }
      if (!connected) {
        // The upgrade was refused or failed: a browser cannot see a 401, so ask REST whether the
        // token still works before trying again (a 401 there asks for a new token).
        this.checkTokenThenRetry();
        return;
      }
      this.scheduleRetry();
    };
  }

  onConnected(frame) {
    const firstTime = !this.everConnected;
    if (this.cursor === null) this.cursor = frame.cursor;
    this.everConnected = true;
    this.attempt = 0;
    this.handlers.onState("online");
    // Focus is per connection: the daemon forgot it with the old one.
    this.sendFocus(this.focus);
    this.handlers.onConnected(firstTime, frame.userId);
  }

  async checkTokenThenRetry() {
    if (isExpired()) {
      this.signedOut("expired");
      return;
    }
    try {
      await api.conversations(undefined, 1);
    } catch (error) {
      if (error.status === 401) {
        this.signedOut("expired");
        return;
      }
    }
    this.scheduleRetry();
  }

  scheduleRetry() {
    const delay = backoffDelay(this.attempt++);
    this.handlers.onState("reconnecting");
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  signedOut(reason) {
    this.stopped = true;
    this.handlers.onState("signed-out");
    requestNewToken(reason);
  }

  // A new token (after an expiry): resume from the same cursor.
  resume() {
    if (!this.stopped) return;
    this.stopped = false;
    this.attempt = 0;
    this.connect();
  }

  // The connection is checked with an application ping when nothing arrived for a while; no pong
  // in time means a dead connection (e.g. a laptop that slept): drop it and resume.
  armPing() {
    clearTimeout(this.pingTimer);
    clearTimeout(this.pongTimer);
    this.pingTimer = setTimeout(() => {
      this.send({ type: "ping" });
      this.pongTimer = setTimeout(() => this.socket?.close(4000, "no pong"), PONG_WITHIN_MS);
    }, PING_EVERY_MS);
  }

  clearTimers() {
    clearTimeout(this.pingTimer);
    clearTimeout(this.pongTimer);
  }

  send(command) {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(command));
  }

  // Which conversation this device shows (null: none, e.g. the tab is hidden), for the H2AC decisions.
  sendFocus(conversationId) {
    this.focus = conversationId;
    this.send({ type: "focus", conversationId });
  }

  sendTyping(conversationId, isTyping) {
    this.send({ type: "typing", conversationId, isTyping });
  }
}
