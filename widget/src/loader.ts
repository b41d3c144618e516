// Embed: <script src="https://HUB/widget.js" data-inbox="KEY" async></script>
// Injects one iframe holding the launcher and the chat panel, and exposes window.Kanal.
import { SOURCE, isEnvelope, type Command, type Notice, type User } from "./bridge";
import type { Message } from "./app/types";

type KanalEvent = "open" | "close" | "message";
type Callback = (message?: Message) => void;

interface Kanal {
  open(): void;
  close(): void;
  setUser(user: User): void;
  on(event: KanalEvent, cb: Callback): () => void;
}

declare global {
  interface Window {
    Kanal?: Kanal;
  }
}

type Style = Partial<CSSStyleDeclaration>;

const BASE: Style = {
  position: "fixed", border: "0", margin: "0", padding: "0", zIndex: "2147483000",
  background: "transparent", colorScheme: "light", top: "auto", left: "auto",
  right: "16px", bottom: "16px", maxWidth: "none", maxHeight: "none",
  borderRadius: "0", boxShadow: "none",
};
const CLOSED: Style = { width: "72px", height: "72px" };
const PANEL: Style = {
  width: "380px", height: "600px", maxWidth: "calc(100% - 32px)", maxHeight: "calc(100% - 32px)",
  borderRadius: "16px", boxShadow: "0 8px 32px rgba(0,0,0,.25)",
};
const FULL: Style = { top: "0", left: "0", right: "0", bottom: "0", width: "100%", height: "100%" };

(() => {
  if (window.Kanal) return;
  const script =
    (document.currentScript as HTMLScriptElement | null) ||
    document.querySelector<HTMLScriptElement>('script[data-inbox][src*="widget.js"]');
  const inbox = script && script.dataset.inbox;
  if (!script || !inbox) return;

  const hubOrigin = new URL(script.src, location.href).origin;
  const lang = script.dataset.lang;
  const iframe = document.createElement("iframe");
  iframe.id = "kanal-widget-frame";
  iframe.title = "Kanal";
  iframe.src =
    `${hubOrigin}/widget/frame?inbox=${encodeURIComponent(inbox)}` +
    (lang ? `&lang=${encodeURIComponent(lang)}` : "");

  let ready = false;
  let open = false;
  const queue: Command[] = [];
  const listeners: { [E in KanalEvent]?: Callback[] } = {};

  const layout = () => {
    const narrow = innerWidth < 480;
    // Hidden until the frame says it is ready, so a hub that is down shows nothing.
    Object.assign(iframe.style, BASE, { visibility: ready ? "visible" : "hidden" },
      open ? (narrow ? FULL : PANEL) : CLOSED);
  };
  const post = (command: Command) => {
    if (ready && iframe.contentWindow) iframe.contentWindow.postMessage(command, hubOrigin);
    else queue.push(command);
  };
  const emit = (event: KanalEvent, message?: Message) => {
    for (const cb of listeners[event] || []) {
      try {
        cb(message);
      } catch (err) {
        setTimeout(() => { throw err; }); // a failing host callback must not break the others
      }
    }
  };

  addEventListener("message", (event) => {
    if (event.origin !== hubOrigin || event.source !== iframe.contentWindow || !isEnvelope(event.data)) return;
    const notice = event.data as Notice;
    if (notice.type === "ready") {
      ready = true;
      post({ source: SOURCE, type: "hello" });
      queue.splice(0).forEach(post);
    } else if (notice.type === "message") {
      emit("message", notice.message);
    } else {
      open = notice.type === "open";
      emit(notice.type);
    }
    layout();
  });
  addEventListener("resize", () => open && layout());

  window.Kanal = {
    open: () => post({ source: SOURCE, type: "open" }),
    close: () => post({ source: SOURCE, type: "close" }),
    setUser: (user) =>
      post({ source: SOURCE, type: "setUser", user: { name: user.name, email: user.email, phone: user.phone } }),
    on(event, cb) {
      (listeners[event] = listeners[event] || []).push(cb);
      return () => {
        listeners[event] = (listeners[event] || []).filter((f) => f !== cb);
      };
    },
  };

  const mount = () => {
    layout();
    document.body.appendChild(iframe);
  };
  if (document.body) mount();
  else addEventListener("DOMContentLoaded", mount);
})();
