// REST client for /api/v1 (same origin, session cookie).
import type { Agent, Conversation, ErrorBody, Message, Page, Status, StatusFilter } from "./types";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }

  get body(): ErrorBody {
    return { code: this.code, message: this.message };
  }
}

let onUnauthorized: () => void = () => undefined;

/** Called when a request other than login/me finds the session gone. */
export function setUnauthorizedHandler(handler: () => void): void {
  onUnauthorized = handler;
}

async function request<T>(method: string, path: string, body?: unknown, quiet401 = false): Promise<T> {
  let response: Response;
  try {
    response = await fetch(`/api/v1${path}`, {
      method,
      credentials: "same-origin",
      headers: body === undefined ? { Accept: "application/json" } : { Accept: "application/json", "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    throw new ApiError(0, "network", String(err));
  }
  if (response.status === 204) return undefined as T;
  const data: unknown = await response.json().catch(() => null);
  if (!response.ok) {
    const error = (data as { error?: ErrorBody } | null)?.error;
    if (response.status === 401 && !quiet401) onUnauthorized();
    throw new ApiError(response.status, error?.code ?? `http_${response.status}`, error?.message ?? response.statusText);
  }
  return data as T;
}

function query(params: Record<string, string | number | null | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== null && value !== undefined) search.set(key, String(value));
  }
  return search.toString();
}

export async function login(email: string, password: string): Promise<Agent> {
  const data = await request<{ agent: Agent }>("POST", "/auth/login", { email, password }, true);
  return data.agent;
}

export async function logout(): Promise<void> {
  await request<void>("POST", "/auth/logout", {}, true);
}

/** The signed-in agent, or null without a valid session. */
export async function me(): Promise<Agent | null> {
  try {
    return (await request<{ agent: Agent }>("GET", "/me", undefined, true)).agent;
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return null;
    throw err;
  }
}

export function listConversations(filter: StatusFilter, cursor: string | null, limit = 50): Promise<Page<Conversation>> {
  const status = filter === "all" ? null : filter;
  return request("GET", `/conversations?${query({ status, limit, cursor })}`);
}

export function listMessages(conversationId: number, cursor: string | null, limit = 200): Promise<Page<Message>> {
  return request("GET", `/conversations/${conversationId}/messages?${query({ limit, cursor })}`);
}

export async function postMessage(conversationId: number, text: string, isPrivate: boolean, clientId: string): Promise<Message> {
  const body = { text, private: isPrivate, client_id: clientId };
  return (await request<{ message: Message }>("POST", `/conversations/${conversationId}/messages`, body)).message;
}

export async function postStatus(conversationId: number, status: Status): Promise<Conversation> {
  return (await request<{ conversation: Conversation }>("POST", `/conversations/${conversationId}/status`, { status })).conversation;
}

/** Any failure (REST, ack, exception) as the protocol's error shape. */
export function errorBody(err: unknown): ErrorBody {
  if (err instanceof Error && typeof (err as { code?: unknown }).code === "string") {
    return { code: (err as Error & { code: string }).code, message: err.message };
  }
  return { code: "unknown", message: String(err) };
}
