// Pure rules for merging what arrives from REST and the socket.
import type { Conversation, Message, Queue, StatusFilter } from "./types";

export function activityOf(c: Conversation): number {
  return Date.parse(c.last_message_at ?? c.created_at) || 0;
}

/** Newest activity first; ties broken by id so the order is stable. */
export function byActivity(a: Conversation, b: Conversation): number {
  return activityOf(b) - activityOf(a) || b.id - a.id;
}

export function matchesFilter(c: Conversation, filter: StatusFilter): boolean {
  return filter === "all" || c.status === filter;
}

/** Whether a case belongs in a queue, as the hub decides it (?triage=true, ?assignee=...). */
export function matchesQueue(c: Conversation, queue: Queue, agentId: number | null): boolean {
  if (queue === "triage") return Boolean(c.triage);
  if (queue === "none") return c.assignee === null;
  if (queue === "me") return c.assignee !== null && c.assignee.id === agentId;
  return true;
}

export function matchesList(c: Conversation, list: { filter: StatusFilter; queue: Queue }, agentId: number | null): boolean {
  return matchesFilter(c, list.filter) && matchesQueue(c, list.queue, agentId);
}

/** A snapshot older than what we hold (a slow REST page) must not roll back message fields. */
export function mergeConversation(held: Conversation | undefined, incoming: Conversation): Conversation {
  if (!held || incoming.last_seq >= held.last_seq) return incoming;
  return {
    ...incoming,
    last_seq: held.last_seq,
    last_message_at: held.last_message_at,
    last_message_preview: held.last_message_preview,
    unread_count: held.unread_count,
  };
}

export function upsertConversations(
  map: Record<number, Conversation>,
  incoming: Conversation[],
): Record<number, Conversation> {
  const next = { ...map };
  for (const c of incoming) next[c.id] = mergeConversation(next[c.id], c);
  return next;
}

const DELIVERY_RANK: Record<Message["delivery_status"], number> = {
  pending: 0,
  sent: 1,
  delivered: 2,
  read: 3,
  failed: 4,
};

/**
 * Of two copies of one seq keep the later delivery state (an ack can trail a status update).
 * Failed is final except for a reply sent again: the live feed, which comes in order, says
 * so with a pending copy; snapshots and acks may be older than the failure and cannot.
 */
function newer(held: Message | undefined, incoming: Message, live: boolean): Message {
  if (!held) return incoming;
  // A delivery update may come without the sender's name; the copy we hold has it.
  const fresh = incoming.sender_name || !held.sender_name ? incoming : { ...incoming, sender_name: held.sender_name };
  if (live && held.delivery_status === "failed") return fresh;
  return DELIVERY_RANK[incoming.delivery_status] >= DELIVERY_RANK[held.delivery_status] ? fresh : held;
}

/** Merge by seq, ascending, no duplicates; `live` for copies from the socket's message event. */
export function mergeMessages(held: Message[], incoming: Message[], live = false): Message[] {
  if (incoming.length === 0) return held;
  const last = held.length ? held[held.length - 1].seq : 0;
  if (incoming.every((m, i) => m.seq > (i === 0 ? last : incoming[i - 1].seq))) {
    return held.concat(incoming);
  }
  const bySeq = new Map<number, Message>();
  for (const m of held) bySeq.set(m.seq, m);
  for (const m of incoming) bySeq.set(m.seq, newer(bySeq.get(m.seq), m, live));
  return Array.from(bySeq.values()).sort((a, b) => a.seq - b.seq);
}

export function highestSeq(messages: Message[]): number {
  return messages.length ? messages[messages.length - 1].seq : 0;
}

export function contactName(c: Conversation, fallback: string): string {
  return c.contact.name?.trim() || fallback;
}

/** An idempotency key for one reply; randomUUID needs a secure context, so fall back. */
export function newClientId(): string {
  const c = globalThis.crypto;
  if (c && typeof c.randomUUID === "function") return c.randomUUID();
  const bytes = new Uint8Array(16);
  c.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
