// The postMessage contract between the host page (loader.ts) and the widget frame.
// Every envelope carries `source: "kanal"` so unrelated messages are ignored.
import type { Message } from "./app/types";

export const SOURCE = "kanal";

export interface User {
  name?: string;
  email?: string;
  phone?: string;
}

/** Host page -> frame. `hello` lets the frame learn the host's origin. */
export type Command =
  | { source: typeof SOURCE; type: "hello" | "open" | "close" }
  | { source: typeof SOURCE; type: "setUser"; user: User };

/** Frame -> host page. `ready` is the only one posted to "*" (it carries nothing). */
export type Notice =
  | { source: typeof SOURCE; type: "ready" | "open" | "close" }
  | { source: typeof SOURCE; type: "message"; message: Message };

export function isEnvelope(data: unknown): data is { source: string; type: string } {
  return typeof data === "object" && data !== null && (data as { source?: unknown }).source === SOURCE;
}
