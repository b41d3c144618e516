// Pure operations on the list of stored messages.
import type { Message } from "./types";

const key = (m: Message) => `${m.conversation_id}:${m.seq}`;

/** Merges by (conversation, seq): no duplicates, later copies win, sorted; private notes dropped. */
export function merge(messages: Message[], incoming: Message[]): { messages: Message[]; added: Message[] } {
  const byKey = new Map(messages.map((m) => [key(m), m]));
  const added: Message[] = [];
  for (const m of incoming) {
    if (m.private || m.kind === "note") continue;
    if (!byKey.has(key(m))) added.push(m);
    byKey.set(key(m), m);
  }
  if (!incoming.length) return { messages, added };
  const merged = [...byKey.values()].sort(
    (a, b) => a.conversation_id - b.conversation_id || a.seq - b.seq,
  );
  return { messages: merged, added };
}

/**
 * The seq to sync after: the highest one held before the first gap, so a message that
 * arrives out of order (a missed event) makes the next sync fetch what lies in between.
 */
export function lastSeq(messages: Message[], conversationId: number | undefined): number {
  let seq = 0;
  for (const m of messages) {
    if (m.conversation_id !== conversationId) continue;
    if (seq && m.seq !== seq + 1) break;
    seq = m.seq;
  }
  return seq;
}
