import { dismissToast } from "../desk";
import { label, useT } from "../i18n";
import { navigate } from "../router";
import { dueTime } from "../sla";
import { useStore, type Toast as ToastState } from "../store";
import { Icon } from "./icons";

/** A short word over the console: a case left for another OPD, a disposisi went out, a deadline is near or missed. */
export function Toast() {
  const t = useT();
  const toast = useStore((s) => s.toast);
  const openId = useStore((s) => s.openId);
  if (!toast) return null;
  const alert = toast.sla;
  return (
    <div
      class={alert ? `toast toast-sla toast-${alert.level}` : "toast"}
      role="status"
      data-testid="toast"
      data-code={toast.code}
      data-level={alert?.level}
      data-conversation-id={alert?.conversationId}
    >
      <span>{alert ? <SlaText alert={alert} /> : label(t.desk.toasts, toast.code)}</span>
      {alert && alert.conversationId !== openId && (
        <button
          type="button"
          class="btn btn-small toast-open"
          data-testid="toast-open"
          onClick={() => {
            navigate(alert.conversationId);
            dismissToast();
          }}
        >
          {t.sla.open}
        </button>
      )}
      <button type="button" class="btn btn-ghost btn-icon" aria-label={t.desk.actions.close} title={t.desk.actions.close} onClick={dismissToast}>
        <Icon name="close" />
      </button>
    </div>
  );
}

function SlaText({ alert }: { alert: NonNullable<ToastState["sla"]> }) {
  const t = useT();
  const text = t.sla.alert[alert.kind][alert.level](alert.trackingCode, dueTime(alert.dueAt, Date.now(), t));
  return (
    <>
      {text}
      {alert.more > 0 && <span class="toast-more"> {t.sla.more(alert.more)}</span>}
    </>
  );
}
