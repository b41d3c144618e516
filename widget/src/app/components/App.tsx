import { useEffect } from "preact/hooks";
import type { Config } from "../config";
import { strings } from "../i18n";
import { useStore, type Store } from "../store";
import type { AckError } from "../types";
import { Composer } from "./Composer";
import { Header } from "./Header";
import { Launcher } from "./Launcher";
import { MessageList } from "./MessageList";
import { ConnectionStatus, SendError } from "./Notices";

export interface Actions {
  open(): void;
  close(): void;
  toggleLang(): void;
  dismissError(): void;
  send(text: string): void;
  retry(clientId: string): void;
  discard(clientId: string): void;
  typing(hasText: boolean): void;
  rate(score: number, comment: string): Promise<AckError | null>;
  forget(): void;
}

export function App({ store, config, actions }: { store: Store; config: Config; actions: Actions }) {
  const state = useStore(store);
  const t = strings[state.lang];

  useEffect(() => {
    document.documentElement.lang = state.lang;
  }, [state.lang]);

  return (
    <>
      {!state.open && <Launcher t={t} unread={state.unread} onOpen={actions.open} />}
      <section
        class="kw-panel"
        hidden={!state.open}
        aria-label={config.opdName || config.inboxName || t.defaultTitle}
        onKeyDown={(e) => e.key === "Escape" && actions.close()}
      >
        <Header
          t={t}
          lang={state.lang}
          config={config}
          conversation={state.conversation}
          onToggleLang={actions.toggleLang}
          onClose={actions.close}
          onForget={() => window.confirm(t.forgetConfirm) && actions.forget()}
        />
        <ConnectionStatus t={t} state={state.connection} refused={state.refused} />
        <MessageList
          t={t}
          config={config}
          open={state.open}
          conversation={state.conversation}
          messages={state.messages}
          outgoing={state.outgoing}
          onRetry={actions.retry}
          onDiscard={actions.discard}
          onRate={actions.rate}
        />
        {state.agentTyping && (
          <div class="kw-typing" data-testid="typing-indicator" role="status">
            <span class="kw-dots" aria-hidden="true"><i /><i /><i /></span>
            {t.typing}
          </div>
        )}
        {state.error && <SendError t={t} error={state.error} onDismiss={actions.dismissError} />}
        <Composer t={t} disabled={state.refused} open={state.open} onSend={actions.send} onTyping={actions.typing} />
      </section>
    </>
  );
}
