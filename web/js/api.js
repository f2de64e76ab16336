// The REST API (docs/openapi.yaml): one function per call the client makes. Errors become
// ApiError with the server's code and sentence; a 401 asks the platform for a new token.
import { currentToken, requestNewToken } from "./token.js";

export class ApiError extends Error {
  constructor(status, code, message, retryAfterSeconds = null) {
    super(message);
    this.status = status;
    this.code = code;
    this.retryAfterSeconds = retryAfterSeconds; // from Retry-After (429, 503)
  }
  // A retry may succeed: the network failed, the server was busy (500, 503) or asked to slow down (429).
  get retryable() {
    return this.status === 0 || this.status === 429 || this.status >= 500;
  }
}

// What a 401's code means for the sign-in (docs/openapi.yaml lists every refusal code).
const TOKEN_REFUSALS = { token_expired: "expired", account_deactivated: "deactivated", account_suspended: "suspended" };

async function request(method, path, body) {
  const headers = { Authorization: `Bearer ${currentToken()}` };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, "network_error", "The server cannot be reached.");
  }
  if (response.status === 204) return null;
  let payload = null;
  try {
    payload = await response.json();
  } catch {
    payload = null;
  }
  if (!response.ok) {
    const error = payload?.error ?? { code: "http_" + response.status, message: `The server answered ${response.status}.` };
    if (response.status === 401) requestNewToken(TOKEN_REFUSALS[error.code] ?? "invalid");
    const retryAfter = Number(response.headers.get("Retry-After"));
    throw new ApiError(response.status, error.code, error.message, Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null);
  }
  return payload;
}

const q = (params) => {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== null) search.set(key, value);
  const text = search.toString();
  return text ? "?" + text : "";
};

export const api = {
  conversations: (cursor, limit = 100) => request("GET", `/api/messages/conversations${q({ cursor, limit })}`),
  openDirect: (participantId) => request("POST", "/api/messages/conversations", { participantId }),
  createGroup: (body) => request("POST", "/api/messages/groups", body),
  history: (conversationId, before, limit = 30) => request("GET", `/api/messages/${conversationId}${q({ before, limit })}`),
  send: (conversationId, body) => request("POST", `/api/messages/${conversationId}`, body),
  markRead: (conversationId, upToMessageId) =>
    request("POST", `/api/messages/${conversationId}/read`, upToMessageId ? { upToMessageId } : {}),
  readState: (conversationId) => request("GET", `/api/messages/${conversationId}/read-state`),
  setMuted: (conversationId, muted) => request("PATCH", `/api/messages/${conversationId}/settings`, { muted }),
  react: (messageId, emoji) => request("POST", `/api/messages/${messageId}/reactions`, { emoji }),
  reactors: (messageId) => request("GET", `/api/messages/${messageId}/reactions`),
  unreact: (messageId, emoji) => request("DELETE", `/api/messages/${messageId}/reactions/${encodeURIComponent(emoji)}`),
  edit: (messageId, content) => request("PATCH", `/api/messages/${messageId}`, { content }),
  remove: (messageId) => request("DELETE", `/api/messages/${messageId}`),
  search: (text, cursor) => request("GET", `/api/messages/search${q({ q: text, cursor, limit: 20 })}`),
  addMembers: (groupId, userIds) => request("POST", `/api/messages/groups/${groupId}/members`, { userIds }),
  removeMember: (groupId, userId) => request("DELETE", `/api/messages/groups/${groupId}/members/${userId}`),
  setRole: (groupId, userId, role) => request("PATCH", `/api/messages/groups/${groupId}/members/${userId}`, { role }),
  updateGroup: (groupId, changes) => request("PATCH", `/api/messages/groups/${groupId}`, changes),
  guidance: (flow, participantId) => request("GET", `/api/h2ac/guidance/${encodeURIComponent(flow)}${q({ participantId })}`),
  hookStatus: () => request("GET", "/api/h2ac/status"),
  hookPreview: (body) => request("POST", "/api/h2ac/preview", body),
  presence: (userId) => request("GET", `/api/users/${userId}/presence`),
  me: () => request("GET", "/api/users/me"),
  user: (userId) => request("GET", `/api/users/${userId}`),
  users: (text, cursor) => request("GET", `/api/users${q({ q: text, cursor, limit: 20 })}`),
};
