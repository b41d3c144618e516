import { dismissToast } from "../desk";
import { label, useT } from "../i18n";
import { useStore } from "../store";
import { Icon } from "./icons";

/** A short word over the console: a case left for another OPD, a disposisi went out. */
export function Toast() {
  const t = useT();
  const toast = useStore((s) => s.toast);
  if (!toast) return null;
  return (
    <div class="toast" role="status" data-testid="toast" data-code={toast.code}>
      <span>{label(t.desk.toasts, toast.code)}</span>
      <button type="button" class="btn btn-ghost btn-icon" aria-label={t.desk.actions.close} title={t.desk.actions.close} onClick={dismissToast}>
        <Icon name="close" />
      </button>
    </div>
  );
}
