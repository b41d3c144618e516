// The /widget Socket.IO session: sync by seq, an outbox that survives disconnects,
// typing in both directions and identify. See docs/protocol.md.
import { io, type Socket } from "socket.io-client";
import type { User } from "../bridge";
import { readText, writeText } from "./storage";
import type { State, Store } from "./store";
import { lastSeq, merge } from "./thread";
import type { Ack, AckError, Conversation, Message, Outgoing, Session } from "./types";

const ACK_TIMEOUT = 10_000;
const TYPING_EVERY = 2_000;
const TYPING_IDLE = 3_000;
const AGENT_TYPING_TTL = 10_000; // hides the indicator if the agent's typing:false is lost
const RETRY_REFUSED = 5_000;

type SendResult = { message: Message; conversation: Conversation };
type SyncResult = { messages: Message[]; more: boolean };

export function newClientId(): string {
  if (typeof crypto !== "undefined" && crypto.randomUUID) return crypto.randomUUID();
  const bytes = new Uint8Array(16);
  if (typeof crypto !== "undefined" && crypto.getRandomValues) crypto.getRandomValues(bytes);
  else for (let i = 0; i < 16; i++) bytes[i] = (Math.random() * 256) | 0;
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export class Connection {
  private socket: Socket | null = null;
  /** A session was received on the current connection: requests may go out. */
  private ready = false;
  private syncing = false;
  private syncAgain = false;
  private flushing = false;
  private user: User | null = null;
  private typingSentAt = 0;
  private typingIdle = 0;
  private agentTypingTimer = 0;
  /** The server ended this session (session_ended): reconnect at once, as a new visitor. */
  private ended = false;

  constructor(
    private inbox: string,
    private store: Store,
    private announce: (message: Message) => void,
  ) {}

  /** Connects once; later calls do nothing. Socket.IO reconnects by itself. */
  start(): void {
    if (this.socket) return;
    const tokenKey = `kanal:token:${this.inbox}`;
    // auth as a function so every reconnect sends the latest token
    const socket = io("/widget", { auth: (cb) => cb({ inbox: this.inbox, token: readText(tokenKey) }) });
    this.socket = socket;

    socket.on("session", (session: Session) => {
      writeText(tokenKey, session.token);
      this.onSession(session);
    });
    socket.on("message", (message: Message) => this.onMessage(message));
    socket.on("conversation", (conversation: Conversation) => this.store.set({ conversation }));
    socket.on("typing", (payload: { typing?: boolean }) => this.setAgentTyping(!!payload?.typing));
    // This device's session was ended (here, in another tab, or by an officer): forget
    // the token and the thread, and come back as a new visitor.
    socket.on("session_ended", () => {
      this.ended = true;
      writeText(tokenKey, "");
      this.store.set({ visitorId: null, conversation: null, messages: [], outgoing: [], unread: 0, error: null });
    });
    socket.on("disconnect", (reason) => {
      this.ready = false;
      this.setAgentTyping(false);
      this.store.set({ connection: "offline" });
      if (reason === "io server disconnect") {
        const wait = this.ended ? 0 : RETRY_REFUSED;
        this.ended = false;
        setTimeout(() => socket.connect(), wait);
      }
    });
    socket.on("connect_error", (err: Error & { data?: { code?: string } }) => {
      const refused = err.message === "unknown_inbox" || err.data?.code === "unknown_inbox";
      this.store.set({ connection: "offline", refused });
      // refused by middleware for another reason: Socket.IO will not retry on its own
      if (!refused && !socket.active) setTimeout(() => socket.connect(), RETRY_REFUSED);
    });
  }

  send(text: string): void {
    this.stopTyping();
    const outgoing: Outgoing = {
      client_id: newClientId(),
      text,
      created_at: new Date().toISOString(),
      status: "sending",
    };
    this.store.set({ outgoing: [...this.store.state.outgoing, outgoing] });
    this.flush();
  }

  /** Sends a failed message again with the same client_id (the server dedupes on it). */
  retry(clientId: string): void {
    this.updateOutgoing(clientId, { status: "sending", error: undefined });
    this.store.set({ error: null });
    this.flush();
  }

  /** Drops a failed message the resident gave up on. */
  discard(clientId: string): void {
    this.store.set({ outgoing: this.store.state.outgoing.filter((o) => o.client_id !== clientId), error: null });
  }

  /** Called on every keystroke; `hasText` false when the composer was emptied. */
  typing(hasText: boolean): void {
    if (!hasText) return this.stopTyping();
    const now = Date.now();
    if (now - this.typingSentAt >= TYPING_EVERY) {
      this.typingSentAt = now;
      this.emitTyping(true);
    }
    clearTimeout(this.typingIdle);
    this.typingIdle = window.setTimeout(() => this.stopTyping(), TYPING_IDLE);
  }

  /** Rates the resolved case; null when stored, else why not. */
  async rate(score: number, comment: string): Promise<AckError | null> {
    const conversation = this.store.state.conversation;
    if (!this.ready || !conversation) return { code: "unavailable", message: "" };
    try {
      const res = await this.request<{ conversation: Conversation }>("rate", {
        tracking_code: conversation.tracking_code,
        score,
        comment: comment.trim() || undefined,
      });
      if (!res.ok) return res.error;
      this.store.set({ conversation: { ...conversation, ...res.conversation } });
      return null;
    } catch {
      return { code: "timeout", message: "" };
    }
  }

  /** Ends the session on this device (a shared computer): the server refuses the token
   * from now on and hangs up every tab; session_ended then clears what is kept here. */
  async forget(): Promise<boolean> {
    if (!this.ready) return false;
    try {
      return (await this.request("forget", {})).ok;
    } catch {
      return false;
    }
  }

  identify(user: User): void {
    this.user = user;
    this.sendUser();
  }

  private onSession(session: Session): void {
    const state = this.store.state;
    const sameVisitor = !state.visitorId || state.visitorId === session.visitor_id;
    this.store.set({
      visitorId: session.visitor_id,
      conversation: session.conversation,
      messages: sameVisitor ? state.messages : [],
      connection: "connected",
      refused: false,
    });
    this.ready = true;
    this.sync();
    this.flush();
    this.sendUser();
  }

  private onMessage(message: Message): void {
    const { conversation, messages } = this.store.state;
    const gap = conversation?.id === message.conversation_id &&
      message.seq > lastSeq(messages, conversation.id) + 1;
    if (message.direction === "out") this.setAgentTyping(false);
    this.add([message]);
    if (gap) this.sync();
  }

  /** Merges stored messages, drops the outgoing copies they confirm, tells the host. */
  private add(incoming: Message[], patch: Partial<State> = {}): void {
    const state = this.store.state;
    const { messages, added } = merge(state.messages, incoming);
    const confirmed = new Set(incoming.map((m) => m.client_id));
    const replies = added.filter((m) => m.direction === "out").length;
    this.store.set({
      ...patch,
      messages,
      outgoing: state.outgoing.filter((o) => !confirmed.has(o.client_id)),
      unread: state.open ? 0 : state.unread + replies,
    });
    added.forEach(this.announce);
  }

  /** Asks for everything after the highest seq held, page by page. */
  private async sync(): Promise<void> {
    if (this.syncing) {
      this.syncAgain = true;
      return;
    }
    this.syncing = true;
    try {
      const { conversation, messages } = this.store.state;
      let after = lastSeq(messages, conversation?.id);
      while (this.ready) {
        const res = await this.request<SyncResult>("sync", { after_seq: after });
        if (!res.ok) break;
        this.add(res.messages);
        if (!res.more || !res.messages.length) break;
        after = res.messages[res.messages.length - 1].seq;
      }
    } catch {
      // no ack: the next session syncs again
    } finally {
      this.syncing = false;
      if (this.syncAgain) {
        this.syncAgain = false;
        this.sync();
      }
    }
  }

  /** Sends queued messages one at a time, in order, while connected. */
  private async flush(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      let next: Outgoing | undefined;
      while (this.ready && (next = this.store.state.outgoing.find((o) => o.status === "sending"))) {
        if (!(await this.deliver(next))) break;
      }
    } finally {
      this.flushing = false;
    }
  }

  /** false when the connection dropped: the message stays queued for the next session. */
  private async deliver(outgoing: Outgoing): Promise<boolean> {
    const { client_id, text } = outgoing;
    try {
      const res = await this.request<SendResult>("send", { client_id, text });
      if (res.ok) this.add([res.message], { conversation: res.conversation, error: null });
      else this.fail(client_id, res.error);
      return true;
    } catch {
      if (!this.socket?.connected) return false;
      this.fail(client_id, { code: "timeout", message: "" });
      return true;
    }
  }

  private fail(clientId: string, error: AckError): void {
    this.updateOutgoing(clientId, { status: "failed", error });
    this.store.set({ error });
  }

  private updateOutgoing(clientId: string, patch: Partial<Outgoing>): void {
    this.store.set({
      outgoing: this.store.state.outgoing.map((o) => (o.client_id === clientId ? { ...o, ...patch } : o)),
    });
  }

  private async sendUser(): Promise<void> {
    const user = this.user;
    if (!user || !this.ready) return;
    try {
      await this.request("identify", user);
      if (this.user === user) this.user = null; // answered (even with an error): do not repeat
    } catch {
      // no ack: sent again after reconnect
    }
  }

  private stopTyping(): void {
    clearTimeout(this.typingIdle);
    if (!this.typingSentAt) return;
    this.typingSentAt = 0;
    this.emitTyping(false);
  }

  private emitTyping(typing: boolean): void {
    if (this.ready) this.socket?.volatile.emit("typing", { typing });
  }

  private setAgentTyping(typing: boolean): void {
    clearTimeout(this.agentTypingTimer);
    if (typing) this.agentTypingTimer = window.setTimeout(() => this.setAgentTyping(false), AGENT_TYPING_TTL);
    if (this.store.state.agentTyping !== typing) this.store.set({ agentTyping: typing });
  }

  private request<T>(event: string, payload: object): Promise<Ack<T>> {
    return this.socket!.timeout(ACK_TIMEOUT).emitWithAck(event, payload);
  }
}
