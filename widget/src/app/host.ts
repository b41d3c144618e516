// The frame's side of the postMessage bridge to the page that embeds it.
// The host's origin is unknown in advance: it is learnt from the first message that
// window.parent sends (the loader's "hello"), and nothing but "ready" goes out before.
import { SOURCE, isEnvelope, type Command, type Notice, type User } from "../bridge";

const embedded = window.parent !== window;
let hostOrigin: string | null = null;
const queue: Notice[] = [];

export function tellHost(notice: Notice): void {
  if (!embedded) return;
  if (hostOrigin) window.parent.postMessage(notice, hostOrigin);
  else queue.push(notice);
}

export function listenToHost(handle: (command: Command) => void): void {
  if (!embedded) return;
  addEventListener("message", (event) => {
    if (event.source !== window.parent || !isEnvelope(event.data)) return;
    if (!hostOrigin) {
      hostOrigin = event.origin === "null" ? "*" : event.origin; // an opaque origin can only be addressed as "*"
      queue.splice(0).forEach(tellHost);
    }
    handle(event.data as Command);
  });
  window.parent.postMessage({ source: SOURCE, type: "ready" } satisfies Notice, "*");
}

/** Only non-empty string name/email/phone from the host (the server checks lengths); null if none. */
export function userFrom(value: unknown): User | null {
  const user: User = {};
  const source = (typeof value === "object" && value) || {};
  for (const field of ["name", "email", "phone"] as const) {
    const text = (source as User)[field];
    if (typeof text === "string" && text.trim()) user[field] = text.trim();
  }
  return Object.keys(user).length ? user : null;
}
