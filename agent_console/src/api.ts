// REST client for /api/v1 (same origin, session cookie).
import type { Agent, Conversation, ErrorBody, Media, Message, Page, Queue, Status, StatusFilter, TemplateChoice } from "./types";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** What the hub tells besides the code (say, the case a conflict is with). */
    readonly details: Partial<ErrorBody> = {},
  ) {
    super(message);
  }

  get body(): ErrorBody {
    return { ...this.details, code: this.code, message: this.message };
  }
}

let onUnauthorized: () => void = () => undefined;

/** Called when a request other than login/me finds the session gone. */
export function setUnauthorizedHandler(handler: () => void): void {
  onUnauthorized = handler;
}

export async function request<T>(method: string, path: string, body?: unknown, quiet401 = false): Promise<T> {
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
    throw new ApiError(response.status, error?.code ?? `http_${response.status}`, error?.message ?? response.statusText, error ?? {});
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

/** A page of the list: `queue` "triage" is the coordinator's, "none" the unassigned, "me" mine. */
export function listConversations(filter: StatusFilter, cursor: string | null, limit = 50, queue: Queue = "all"): Promise<Page<Conversation>> {
  const status = filter === "all" ? null : filter;
  const triage = queue === "triage" ? "true" : null;
  const assignee = queue === "me" || queue === "none" ? queue : null;
  return request("GET", `/conversations?${query({ status, triage, assignee, limit, cursor })}`);
}

export function listMessages(conversationId: number, cursor: string | null, limit = 200): Promise<Page<Message>> {
  return request("GET", `/conversations/${conversationId}/messages?${query({ limit, cursor })}`);
}

export async function getConversation(conversationId: number): Promise<Conversation> {
  return request("GET", `/conversations/${conversationId}`);
}

export async function postMessage(
  conversationId: number,
  text: string,
  isPrivate: boolean,
  clientId: string,
  mediaId: string | null = null,
  template: TemplateChoice | null = null,
): Promise<Message> {
  const body = {
    text,
    private: isPrivate,
    client_id: clientId,
    attachments: mediaId ? [{ media_id: mediaId }] : undefined,
    template: template ?? undefined,
  };
  return (await request<{ message: Message }>("POST", `/conversations/${conversationId}/messages`, body)).message;
}

/** Send a reply whose delivery failed again; the socket then reports its new delivery state. */
export async function retryMessage(conversationId: number, messageId: number): Promise<Message> {
  return (await request<{ message: Message }>("POST", `/conversations/${conversationId}/messages/${messageId}/retry`, {})).message;
}

/** Where a stored file is served (session cookie, same origin). */
export function mediaUrl(mediaId: string): string {
  return `/api/v1/media/${encodeURIComponent(mediaId)}`;
}

/**
 * Upload a file into a conversation; the body is the file itself. XMLHttpRequest rather
 * than fetch because only it reports upload progress (0..1).
 */
export function uploadMedia(
  conversationId: number,
  file: Blob,
  name: string,
  onProgress: (fraction: number) => void,
  signal?: AbortSignal,
): Promise<Media> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", `/api/v1/conversations/${conversationId}/media?${query({ name })}`);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.setRequestHeader("Content-Type", file.type || "application/octet-stream");
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    xhr.onload = () => {
      let data: { media?: Media; error?: ErrorBody } | null = null;
      try {
        data = JSON.parse(xhr.responseText);
      } catch {
        // An answer from a proxy in front of the hub, say; the status still tells.
      }
      if (xhr.status === 201 && data?.media) return resolve(data.media);
      if (xhr.status === 401) onUnauthorized();
      // 413 from a proxy (nginx's client_max_body_size) has no JSON body; it means the same.
      const code = data?.error?.code ?? (xhr.status === 413 ? "too_large" : `http_${xhr.status}`);
      reject(new ApiError(xhr.status, code, data?.error?.message ?? xhr.statusText));
    };
    xhr.onerror = () => reject(new ApiError(0, "network", "upload failed"));
    xhr.onabort = () => reject(new ApiError(0, "aborted", "upload cancelled"));
    signal?.addEventListener("abort", () => xhr.abort());
    xhr.send(file);
  });
}

export async function postStatus(conversationId: number, status: Status): Promise<Conversation> {
  return (await request<{ conversation: Conversation }>("POST", `/conversations/${conversationId}/status`, { status })).conversation;
}

/** Make the place that location message `messageId` shares the case's location. */
export async function postLocation(conversationId: number, messageId: number): Promise<Conversation> {
  const body = { message_id: messageId };
  return (await request<{ conversation: Conversation }>("POST", `/conversations/${conversationId}/location`, body)).conversation;
}

/** Any failure (REST, ack, exception) as the protocol's error shape. */
export function errorBody(err: unknown): ErrorBody {
  if (err instanceof ApiError) return err.body;
  if (err instanceof Error && typeof (err as { code?: unknown }).code === "string") {
    return { code: (err as Error & { code: string }).code, message: err.message };
  }
  return { code: "unknown", message: String(err) };
}
