// Loading and failure of one panel's data, with a way to try again.
import { errorText, useT } from "../i18n";
import type { Loaded } from "./useReport";

/** `ready`: whether the data on hand is the data wanted (not an answer to older filters). */
export function LoadNote({ loaded, ready = loaded.data !== null }: { loaded: Loaded<unknown>; ready?: boolean }) {
  const t = useT();
  if (loaded.error) {
    return (
      <p class="dash-error" role="alert" data-code={loaded.error.code}>
        {t.dashboard.loadError} {errorText(t, loaded.error)}{" "}
        <button type="button" class="btn btn-small" onClick={loaded.reload}>
          {t.dashboard.retry}
        </button>
      </p>
    );
  }
  return ready ? null : <p class="dash-muted">{t.dashboard.loading}</p>;
}
