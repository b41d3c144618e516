// The widget frame: launcher + chat panel, rendered inside the iframe the loader injects.
import "./styles.css";
import { render } from "preact";
import { SOURCE } from "../bridge";
import { App, type Actions } from "./components/App";
import { readConfig } from "./config";
import { Connection } from "./connection";
import { loadHistory, persistHistory } from "./history";
import { listenToHost, tellHost, userFrom } from "./host";
import { initialLang, saveLang } from "./i18n";
import { Store } from "./store";

const config = readConfig();
const history = loadHistory(config.inbox);
const store = new Store({
  ...history,
  open: false,
  lang: initialLang(config.lang),
  connection: "connecting",
  refused: false,
  agentTyping: false,
  error: null,
  unread: 0,
});
persistHistory(config.inbox, store);

const connection = new Connection(config.inbox, store, (message) =>
  tellHost({ source: SOURCE, type: "message", message }),
);

function setOpen(open: boolean): void {
  if (store.state.open === open) return;
  store.set(open ? { open, unread: 0 } : { open });
  if (open) connection.start();
  tellHost({ source: SOURCE, type: open ? "open" : "close" });
}

const actions: Actions = {
  open: () => setOpen(true),
  close: () => setOpen(false),
  toggleLang() {
    const lang = store.state.lang === "id" ? "en" : "id";
    saveLang(lang);
    store.set({ lang });
  },
  dismissError: () => store.set({ error: null }),
  send: (text) => connection.send(text),
  retry: (clientId) => connection.retry(clientId),
  discard: (clientId) => connection.discard(clientId),
  typing: (hasText) => connection.typing(hasText),
  rate: (score, comment) => connection.rate(score, comment),
  forget: () => void connection.forget(),
};

render(<App store={store} config={config} actions={actions} />, document.getElementById("kanal-root")!);

listenToHost((command) => {
  if (command.type === "open") actions.open();
  else if (command.type === "close") actions.close();
  else if (command.type === "setUser") {
    const user = userFrom(command.user);
    if (user) connection.identify(user);
  }
});

// Page views without a chat open no socket; a resident with a case in progress
// connects at once to get replies (and the unread badge) without opening the panel.
if (history.conversation || history.outgoing.length) connection.start();
