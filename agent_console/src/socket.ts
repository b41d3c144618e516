// The /agent Socket.IO connection: lifecycle, acked calls, fire-and-forget events.
import { io, type Socket } from "socket.io-client";
import type { Ack } from "./types";

export interface LiveHandlers {
  connected(reconnect: boolean): void;
  disconnected(): void;
  /** The hub refused the session (expired or logged out elsewhere). */
  refused(): void;
  event(name: string, payload: unknown): void;
}

export class AckError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const RETRY_MS = 3000;
let socket: Socket | null = null;
let retryTimer: ReturnType<typeof setTimeout> | undefined;
const watchers = new Set<(name: string, payload: unknown) => void>();

/** Hear the live events too (the dashboard recounts on them); returns the way to stop. */
export function watchEvents(watcher: (name: string, payload: unknown) => void): () => void {
  watchers.add(watcher);
  return () => watchers.delete(watcher);
}

export function startSocket(handlers: LiveHandlers): void {
  stopSocket();
  let everConnected = false;
  const s = io("/agent", { withCredentials: true });
  socket = s;

  const retryLater = (): void => {
    clearTimeout(retryTimer);
    retryTimer = setTimeout(() => socket === s && !s.connected && s.connect(), RETRY_MS);
  };

  s.on("connect", () => {
    handlers.connected(everConnected);
    everConnected = true;
  });
  s.on("disconnect", (reason) => {
    handlers.disconnected();
    // The client only reconnects by itself after transport failures, not when the hub hung up.
    if (reason === "io server disconnect") retryLater();
  });
  s.on("connect_error", (err: Error) => {
    handlers.disconnected();
    // Inactive means the hub's connect handler refused us; the manager will not retry that.
    if (!s.active) {
      if (err.message === "unauthorized") handlers.refused();
      else retryLater();
    }
  });
  s.onAny((name: string, payload: unknown) => {
    handlers.event(name, payload);
    watchers.forEach((watcher) => watcher(name, payload));
  });
}

export function stopSocket(): void {
  clearTimeout(retryTimer);
  socket?.removeAllListeners();
  socket?.offAny();
  socket?.disconnect();
  socket = null;
}

export function isConnected(): boolean {
  return socket?.connected ?? false;
}

/** Skip the back-off wait (the network came back, or the user asked). */
export function reconnectNow(): void {
  if (!socket || socket.connected) return;
  socket.disconnect();
  socket.connect();
}

/** Drop a connection that the browser knows is dead instead of waiting for the ping timeout. */
export function dropConnection(): void {
  if (socket?.connected) socket.io.engine?.close();
}

export async function call<T>(event: string, payload: object, timeoutMs = 10000): Promise<T> {
  if (!socket) throw new AckError("network", "not connected");
  let ack: Ack<T>;
  try {
    ack = await socket.timeout(timeoutMs).emitWithAck(event, payload);
  } catch {
    throw new AckError("timeout", `no answer to ${event}`);
  }
  if (!ack || !ack.ok) {
    const error = ack && !ack.ok ? ack.error : { code: "unknown", message: "malformed ack" };
    throw new AckError(error.code, error.message);
  }
  return ack;
}

/** An event whose answer we do not need; dropped while offline (catch-up covers it). */
export function fire(event: string, payload: object): void {
  if (socket?.connected) socket.emit(event, payload);
}
