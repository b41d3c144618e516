import type { ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";
import { useT } from "../i18n";
import { Icon } from "./icons";

interface DialogProps {
  title: string;
  testid: string;
  onClose: () => void;
  children: ComponentChildren;
  wide?: boolean;
}

/** A modal over the console: the browser's <dialog> keeps focus inside and closes on Escape. */
export function Dialog({ title, testid, onClose, children, wide }: DialogProps) {
  const t = useT();
  const ref = useRef<HTMLDialogElement>(null);
  const closing = useRef(onClose);
  closing.current = onClose;

  useEffect(() => {
    const el = ref.current;
    if (!el) return undefined;
    if (!el.open) el.showModal();
    const cancel = (event: Event): void => {
      event.preventDefault();
      closing.current();
    };
    el.addEventListener("cancel", cancel);
    return () => el.removeEventListener("cancel", cancel);
  }, []);

  return (
    <dialog ref={ref} class={wide ? "modal modal-wide" : "modal"} data-testid={testid} aria-label={title}>
      <div class="modal-head">
        <h2 class="modal-title">{title}</h2>
        <button type="button" class="btn btn-ghost btn-icon" aria-label={t.desk.actions.close} title={t.desk.actions.close} onClick={onClose}>
          <Icon name="close" />
        </button>
      </div>
      <div class="modal-body">{children}</div>
    </dialog>
  );
}

/** A form's error line, in our words. */
export function FormError({ text, code, testid }: { text: string; code?: string; testid: string }) {
  if (!text) return null;
  return (
    <p class="form-error" role="alert" data-testid={testid} data-code={code}>
      {text}
    </p>
  );
}
