// The open thread: history, join/catch-up, replies, read marks, status changes.
import * as api from "./api";
import { applyConversation, setUnread } from "./conversations";
import { highestSeq, mergeMessages, newClientId } from "./model";
import { call, fire, isConnected } from "./socket";
import { getState, setState, type ThreadState } from "./store";
import type { Conversation, ErrorBody, Media, Message, Outgoing, Status, TemplateChoice } from "./types";
import { clearContactTyping, resetTyping, stopTyping } from "./typing";

const NOTICE_MS = 8000;
let historyRequest = 0;
let noticeTimer: ReturnType<typeof setTimeout> | undefined;

interface JoinResult {
  conversation: Conversation;
  messages: Message[];
  more: boolean;
}

function patchThread(id: number, patch: Partial<ThreadState>): void {
  setState((s) => (s.thread?.id === id ? { thread: { ...s.thread, ...patch } } : {}));
}

/** Stored messages in: merged by seq, and they replace the local copies that became them. */
function addMessages(id: number, messages: Message[], live = false): void {
  if (messages.length === 0) return;
  const stored = new Set(messages.map((m) => m.client_id).filter(Boolean));
  setState((s) => ({
    thread: s.thread?.id === id ? { ...s.thread, messages: mergeMessages(s.thread.messages, messages, live) } : s.thread,
    outgoing: s.outgoing.some((o) => stored.has(o.client_id)) ? s.outgoing.filter((o) => !stored.has(o.client_id)) : s.outgoing,
  }));
}

export function showNotice(error: ErrorBody): void {
  clearTimeout(noticeTimer);
  setState({ notice: error });
  noticeTimer = setTimeout(clearNotice, NOTICE_MS);
}

/** The notice is about an attempt that has since been made good. */
export function clearNotice(): void {
  clearTimeout(noticeTimer);
  if (getState().notice) setState({ notice: null });
}

export function openConversation(id: number): void {
  if (getState().openId === id) return;
  leaveOpen();
  setState({ openId: id, thread: { id, messages: [], loading: true, error: null }, notice: null });
  resetTyping();
  markRead();
  void loadHistory(id);
  if (isConnected()) void joinOpen();
}

export function closeConversation(): void {
  leaveOpen();
  setState({ openId: null, thread: null });
  resetTyping();
}

function leaveOpen(): void {
  const id = getState().openId;
  if (id === null) return;
  stopTyping();
  fire("leave", { conversation_id: id });
}

export function reloadThread(): void {
  const id = getState().openId;
  if (id === null) return;
  void loadHistory(id);
  if (isConnected()) void joinOpen();
}

async function loadHistory(id: number): Promise<void> {
  const token = ++historyRequest;
  patchThread(id, { loading: true, error: null });
  try {
    let cursor: string | null = null;
    do {
      const page: { items: Message[]; next: string | null } = await api.listMessages(id, cursor);
      if (token !== historyRequest) return;
      addMessages(id, page.items);
      cursor = page.next;
    } while (cursor);
    patchThread(id, { loading: false });
  } catch (err) {
    if (token === historyRequest) patchThread(id, { loading: false, error: api.errorBody(err) });
  }
}

/** Subscribe to the open thread and fetch what we may have missed (on open and on every reconnect). */
export async function joinOpen(): Promise<void> {
  const s = getState();
  const id = s.openId;
  if (id === null || !s.thread) return;
  // While history is still loading it will cover up to the list's last_seq; otherwise we hold it all.
  const held = highestSeq(s.thread.messages);
  const after = s.thread.loading ? Math.max(held, s.conversations[id]?.last_seq ?? 0) : held;
  try {
    const joined = await call<JoinResult>("join", { conversation_id: id, after_seq: after });
    if (getState().openId !== id) return;
    applyConversation(joined.conversation);
    addMessages(id, joined.messages);
    let more = joined.more;
    let last = highestSeq(joined.messages) || after;
    while (more) {
      const batch = await call<{ messages: Message[]; more: boolean }>("sync", { conversation_id: id, after_seq: last });
      if (getState().openId !== id) return;
      addMessages(id, batch.messages);
      last = highestSeq(batch.messages) || last;
      more = batch.more && batch.messages.length > 0;
    }
    readIfVisible();
  } catch (err) {
    const error = api.errorBody(err);
    // Without the join only typing is missing; a missing conversation, though, is worth saying.
    if (error.code === "not_found") patchThread(id, { loading: false, error });
  }
}

/** A message from an ack, or (live) from the socket's message event. */
export function acceptMessage(message: Message, live = false): void {
  addMessages(message.conversation_id, [message], live);
  if (message.conversation_id === getState().openId && message.direction === "in") clearContactTyping();
}

export function markRead(): void {
  const s = getState();
  const id = s.openId;
  if (id === null) return;
  const seq = Math.max(highestSeq(s.thread?.messages ?? []), s.conversations[id]?.last_seq ?? 0);
  fire("read", { conversation_id: id, seq });
  setUnread(id, 0);
}

/** The open thread is on screen, so whatever arrived in it counts as read. */
export function readIfVisible(): void {
  const s = getState();
  if (s.openId === null || document.visibilityState !== "visible") return;
  if ((s.conversations[s.openId]?.unread_count ?? 0) > 0) markRead();
}

/** A reply to conversation `id` (the open one, or the one an upload started in). */
export function sendReply(id: number, text: string, isPrivate: boolean, media: Media | null = null): void {
  queue(id, text, isPrivate, media, null);
}

/** An approved template, once the reply window has closed; `preview` is its body as filled in. */
export function sendTemplate(id: number, template: TemplateChoice, preview: string): void {
  queue(id, preview, false, null, template);
}

function queue(id: number, text: string, isPrivate: boolean, media: Media | null, template: TemplateChoice | null): void {
  stopTyping();
  const item: Outgoing = {
    client_id: newClientId(),
    conversation_id: id,
    text,
    private: isPrivate,
    media,
    template,
    created_at: new Date().toISOString(),
    state: "sending",
    error: null,
  };
  setState((s) => ({ outgoing: [...s.outgoing, item] }));
  void deliver(item);
}

function patchOutgoing(clientId: string, patch: Partial<Outgoing>): void {
  setState((s) => ({ outgoing: s.outgoing.map((o) => (o.client_id === clientId ? { ...o, ...patch } : o)) }));
}

// Over the socket when connected, else REST; client_id makes either safe to repeat.
// A template goes without text: the hub renders the body itself.
async function deliver(item: Outgoing): Promise<void> {
  const text = item.template ? "" : item.text;
  try {
    const message = isConnected()
      ? (
          await call<{ message: Message }>(
            "send",
            {
              conversation_id: item.conversation_id,
              client_id: item.client_id,
              text,
              private: item.private,
              media_id: item.media?.media_id,
              template: item.template ?? undefined,
            },
            15000,
          )
        ).message
      : await api.postMessage(item.conversation_id, text, item.private, item.client_id, item.media?.media_id, item.template);
    acceptMessage(message);
  } catch (err) {
    const error = api.errorBody(err);
    patchOutgoing(item.client_id, { state: "failed", error });
    if (error.code === "window_closed") void windowRefused(item.conversation_id);
  }
}

/**
 * The hub refused free text: the window closed (while the agent typed, say, or by the hub's
 * clock). The composer turns to templates until the resident writes again.
 */
async function windowRefused(id: number): Promise<void> {
  let conversation = getState().conversations[id];
  try {
    conversation = await api.getConversation(id);
    applyConversation(conversation);
  } catch {
    // What we hold says when the resident last wrote well enough.
  }
  const since = conversation?.last_inbound_at ?? "";
  setState((s) => ({ refusedWindows: { ...s.refusedWindows, [id]: since } }));
}

export function retryOutgoing(clientId: string): void {
  const item = getState().outgoing.find((o) => o.client_id === clientId);
  if (!item || item.state === "sending") return;
  patchOutgoing(clientId, { state: "sending", error: null });
  void deliver(item);
}

export function discardOutgoing(clientId: string): void {
  setState((s) => ({ outgoing: s.outgoing.filter((o) => o.client_id !== clientId) }));
}

/** A stored reply whose delivery failed goes back to the outbox. */
export async function resendFailed(message: Message): Promise<void> {
  try {
    const fresh = await api.retryMessage(message.conversation_id, message.id);
    // Connected, the socket's message events bring this change in order with the relay's
    // next one, which this answer could trail; offline, nothing else will tell.
    if (!isConnected()) acceptMessage(fresh, true);
  } catch (err) {
    showNotice(api.errorBody(err));
  }
}

/** Make the place a location message shares the case's location. */
export async function setCaseLocation(id: number, messageId: number): Promise<void> {
  try {
    applyConversation(await api.postLocation(id, messageId));
  } catch (err) {
    showNotice(api.errorBody(err));
  }
}

export async function changeStatus(status: Status): Promise<void> {
  const id = getState().openId;
  if (id === null) return;
  try {
    const conversation = isConnected()
      ? (await call<{ conversation: Conversation }>("status", { conversation_id: id, status })).conversation
      : await api.postStatus(id, status);
    applyConversation(conversation);
  } catch (err) {
    showNotice(api.errorBody(err));
  }
}
