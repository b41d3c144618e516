import { errorText, type Strings } from "../i18n";
import type { ConnectionState } from "../store";
import type { AckError } from "../types";
import { CloseIcon } from "./Icons";

export function ConnectionStatus({ t, state, refused }: { t: Strings; state: ConnectionState; refused: boolean }) {
  const text = refused ? t.unavailable : state === "offline" ? t.offline : state === "connecting" ? t.connecting : "";
  return (
    <div class={`kw-connection kw-connection-${state}`} data-testid="connection-status" data-state={state} role="status">
      {text}
    </div>
  );
}

export function SendError({ t, error, onDismiss }: { t: Strings; error: AckError; onDismiss: () => void }) {
  return (
    <div class="kw-error" role="alert">
      <span data-testid="error">{errorText(t, error)}</span>
      <button type="button" class="kw-icon-button" aria-label={t.dismiss} onClick={onDismiss}>
        <CloseIcon />
      </button>
    </div>
  );
}
