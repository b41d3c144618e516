import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import * as api from "../api";
import { loadCatalog } from "../catalog";
import { cannedFor, cannedToken, fillCanned, insertCanned, matching, valuesOf, type CannedToken } from "../canned";
import { fileSize } from "../format";
import { useT } from "../i18n";
import { COUNTDOWN_MS, windowState } from "../replyWindow";
import { useStore } from "../store";
import { clearNotice, sendReply, showNotice } from "../thread";
import type { CannedResponse, Conversation } from "../types";
import { noteTyping, stopTyping } from "../typing";
import { Icon } from "./icons";
import { TemplatePicker, WindowClosedNotice, WindowCountdown } from "./ReplyWindow";
import { useNow } from "./useNow";

const MAX_HEIGHT_PX = 180;
// What the file picker offers: photos and the documents offices trade (PDF, Word, Excel).
const ACCEPT = [
  "image/*",
  ".pdf",
  "application/pdf",
  ".doc",
  "application/msword",
  ".docx",
  "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  ".xls",
  "application/vnd.ms-excel",
  ".xlsx",
  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
].join(",");
// Unsent text and an unsent file survive switching between conversations.
const drafts = new Map<number, string>();
const fileDrafts = new Map<number, File>();

/** A pasted screenshot is called "image.png" by every browser: give it a name worth keeping. */
function pastedName(file: File): string {
  const stamp = new Date().toISOString().slice(0, 19).replace(/[-:]/g, "").replace("T", "-");
  const ext = file.type.split("/")[1]?.replace(/[^a-z0-9]/g, "") || "png";
  return file.name && file.name !== `image.${ext}` ? file.name : `tempel-${stamp}.${ext}`;
}

export function Composer({ id, conversation }: { id: number; conversation: Conversation | undefined }) {
  const t = useT();
  const [text, setText] = useState(() => drafts.get(id) ?? "");
  const [file, setFile] = useState<File | null>(() => fileDrafts.get(id) ?? null);
  // Upload progress 0..1 while the file is on its way, else null.
  const [progress, setProgress] = useState<number | null>(null);
  const [isPrivate, setPrivate] = useState(false);
  // "/sal" before the caret: the canned responses it matches, and the highlighted one.
  const [token, setToken] = useState<CannedToken | null>(null);
  const [highlight, setHighlight] = useState(0);
  const caretAfter = useRef<number | null>(null);
  const cannedList = useStore((s) => s.catalog.canned);
  const usable = useMemo(
    () => (cannedList && conversation ? cannedFor(cannedList, conversation.opd.id) : []),
    [cannedList, conversation?.opd.id],
  );
  const options = token ? matching(usable, token.query) : [];
  const wantsCanned = token !== null && cannedList === null;
  useEffect(() => {
    if (wantsCanned) void loadCatalog(true);
  }, [wantsCanned]);
  const input = useRef<HTMLTextAreaElement>(null);
  const picker = useRef<HTMLInputElement>(null);
  const cancel = useRef<AbortController | null>(null);
  const closed = conversation?.status === "closed";
  const uploading = progress !== null;
  // A channel's reply window (WhatsApp): checked often only where there is one.
  const now = useNow(conversation?.reply_window_closes_at ? 15000 : 600000);
  const refusedAt = useStore((s) => s.refusedWindows[id]);
  const replyWindow = windowState(conversation, now, refusedAt);
  const countdown = replyWindow.left !== null && replyWindow.left < COUNTDOWN_MS ? replyWindow.left : null;

  // Mounted once per conversation (keyed by id). On phones, focusing would pop up the keyboard.
  useEffect(() => {
    if (window.matchMedia("(min-width: 800px)").matches) input.current?.focus();
  }, []);

  useLayoutEffect(() => {
    const el = input.current;
    if (!el) return;
    el.style.height = "auto";
    el.style.height = `${Math.min(el.scrollHeight, MAX_HEIGHT_PX)}px`;
    // After a canned response went in, the caret goes to its end.
    if (caretAfter.current !== null) {
      el.setSelectionRange(caretAfter.current, caretAfter.current);
      caretAfter.current = null;
    }
  }, [text]);

  function findToken(value: string): void {
    const el = input.current;
    const next = cannedToken(value, el ? el.selectionStart : value.length);
    if (next?.query !== token?.query || next?.start !== token?.start) setHighlight(0);
    setToken(next);
  }

  function pickCanned(item: CannedResponse): void {
    const el = input.current;
    if (!token || !conversation) return;
    const caret = el ? el.selectionStart : text.length;
    const body = fillCanned(item.body, valuesOf(conversation, t.contactFallback));
    const next = insertCanned(text, token, caret, body);
    caretAfter.current = next.caret;
    setToken(null);
    setText(next.text);
    drafts.set(id, next.text);
    if (!isPrivate) noteTyping(id);
    el?.focus();
  }

  function update(value: string): void {
    findToken(value);
    setText(value);
    drafts.set(id, value);
    // The resident must not see "typing" while staff write a note they will never receive.
    if (value && !isPrivate) noteTyping(id);
  }

  function attach(chosen: File | undefined): void {
    if (!chosen || uploading) return;
    fileDrafts.set(id, chosen);
    setFile(chosen);
    input.current?.focus();
  }

  function detach(): void {
    if (uploading) cancel.current?.abort();
    fileDrafts.delete(id);
    setFile(null);
    input.current?.focus();
  }

  async function submit(): Promise<void> {
    const body = text.trim();
    if ((!body && !file) || closed || uploading) return;
    let media = null;
    if (file) {
      const controller = new AbortController();
      cancel.current = controller;
      setProgress(0);
      // Taken while on its way, so a composer mounted meanwhile (the agent came back) cannot send it twice.
      drafts.delete(id);
      fileDrafts.delete(id);
      try {
        media = await api.uploadMedia(id, file, file.name, setProgress, controller.signal);
      } catch (err) {
        const error = api.errorBody(err);
        drafts.set(id, text);
        // Aborted: the agent removed the file, and it stays removed.
        if (error.code !== "aborted") {
          fileDrafts.set(id, file);
          showNotice(error);
        }
        return;
      } finally {
        cancel.current = null;
        setProgress(null);
      }
    }
    if (media) clearNotice();
    // Sent even when the agent moved to another conversation meanwhile: they pressed send.
    sendReply(id, body, isPrivate, media);
    drafts.delete(id);
    fileDrafts.delete(id);
    setText("");
    setFile(null);
    input.current?.focus();
  }

  function onKeyDown(event: KeyboardEvent): void {
    if (token && !event.isComposing) {
      const count = options.length;
      if (event.key === "ArrowDown" && count) {
        event.preventDefault();
        setHighlight((highlight + 1) % count);
        return;
      }
      if (event.key === "ArrowUp" && count) {
        event.preventDefault();
        setHighlight((highlight - 1 + count) % count);
        return;
      }
      if ((event.key === "Enter" || event.key === "Tab") && count && !event.shiftKey) {
        event.preventDefault();
        pickCanned(options[Math.min(highlight, count - 1)]);
        return;
      }
      if (event.key === "Escape") {
        event.preventDefault();
        setToken(null);
        return;
      }
    }
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      void submit();
    }
  }

  // A screenshot pasted into the reply becomes its attachment; pasted text stays text.
  function onPaste(event: ClipboardEvent): void {
    const image = Array.from(event.clipboardData?.files ?? []).find((f) => f.type.startsWith("image/"));
    if (!image) return;
    event.preventDefault();
    attach(new File([image], pastedName(image), { type: image.type }));
  }

  function onDrop(event: DragEvent): void {
    const dropped = event.dataTransfer?.files[0];
    if (!dropped) return;
    event.preventDefault();
    attach(dropped);
  }

  function togglePrivate(on: boolean): void {
    setPrivate(on);
    if (on) stopTyping();
    // After the render: leaving the template picker is what brings the text box back.
    setTimeout(() => input.current?.focus(), 0);
  }

  if (closed) return <div class="composer composer-closed">{t.thread.closedNotice}</div>;

  const privateToggle = (
    <label class="toggle">
      <input
        type="checkbox"
        data-testid="private-toggle"
        checked={isPrivate}
        onChange={(e) => togglePrivate(e.currentTarget.checked)}
      />
      <span>{t.composer.privateToggle}</span>
      {isPrivate && <span class="toggle-hint">— {t.composer.privateHint}</span>}
    </label>
  );

  // Past the window only an approved template reaches the resident; notes stay possible.
  if (replyWindow.closed && !isPrivate && conversation) {
    return (
      <div class="composer composer-window">
        <WindowClosedNotice conversation={conversation} />
        <TemplatePicker id={id} conversation={conversation}>
          {privateToggle}
        </TemplatePicker>
      </div>
    );
  }

  return (
    <form
      class={isPrivate ? "composer composer-note" : "composer"}
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
      onDragOver={(e) => {
        if (e.dataTransfer?.types.includes("Files")) e.preventDefault();
      }}
      onDrop={onDrop}
    >
      {replyWindow.closed && conversation && <WindowClosedNotice conversation={conversation} />}
      {countdown !== null && !isPrivate && <WindowCountdown left={countdown} />}
      {file && <FileChip file={file} progress={progress} onRemove={detach} />}
      {token && (
        <CannedPicker
          options={options}
          highlight={Math.min(highlight, Math.max(options.length - 1, 0))}
          loading={cannedList === null}
          conversation={conversation}
          onPick={pickCanned}
          onHover={setHighlight}
        />
      )}
      <textarea
        ref={input}
        class="composer-input"
        data-testid="reply-input"
        rows={2}
        aria-label={t.composer.label}
        aria-autocomplete="list"
        aria-controls={token ? "canned-picker" : undefined}
        aria-activedescendant={token && options.length ? `canned-${options[Math.min(highlight, options.length - 1)].id}` : undefined}
        onBlur={() => setToken(null)}
        onClick={() => findToken(text)}
        placeholder={isPrivate ? t.composer.notePlaceholder : t.composer.placeholder}
        value={text}
        readOnly={uploading}
        onInput={(e) => update(e.currentTarget.value)}
        onKeyDown={onKeyDown}
        onPaste={onPaste}
      />
      <div class="composer-bar">
        <div class="composer-tools">
          <button
            type="button"
            class="btn btn-ghost btn-icon"
            data-testid="attach-button"
            aria-label={t.composer.attach}
            title={t.composer.attach}
            disabled={uploading}
            onClick={() => picker.current?.click()}
          >
            <Icon name="paperclip" />
          </button>
          <input
            ref={picker}
            type="file"
            hidden
            accept={ACCEPT}
            data-testid="attach-input"
            onChange={(e) => {
              attach(e.currentTarget.files?.[0]);
              // Picking the same file again after removing it must fire change again.
              e.currentTarget.value = "";
            }}
          />
          {privateToggle}
        </div>
        <button
          type="submit"
          class={isPrivate ? "btn btn-note" : "btn btn-primary"}
          data-testid="reply-send"
          disabled={uploading || (!text.trim() && !file)}
        >
          {isPrivate ? t.composer.saveNote : t.composer.send}
        </button>
      </div>
    </form>
  );
}

interface ChipProps {
  file: File;
  progress: number | null;
  onRemove: () => void;
}

/** The file about to go with the reply: a thumbnail for pictures, name, size, upload progress. */
function FileChip({ file, progress, onRemove }: ChipProps) {
  const t = useT();
  const [preview, setPreview] = useState<string | null>(null);

  useEffect(() => {
    if (!file.type.startsWith("image/")) return undefined;
    const url = URL.createObjectURL(file);
    setPreview(url);
    return () => URL.revokeObjectURL(url);
  }, [file]);

  const percent = progress === null ? null : Math.round(progress * 100);
  return (
    <div class={percent === null ? "chip" : "chip chip-busy"} data-testid="attachment-chip">
      {preview ? <img class="chip-thumb" src={preview} alt="" /> : <Icon name="file" class="icon chip-icon" />}
      <span class="chip-text">
        <span class="chip-name">{file.name}</span>
        <span class="chip-meta" aria-live="polite">
          {percent === null ? fileSize(file.size, t) : t.composer.uploading(percent)}
        </span>
        {percent !== null && (
          <span class="chip-bar" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={percent}>
            <span style={{ width: `${percent}%` }} />
          </span>
        )}
      </span>
      <button
        type="button"
        class="btn btn-ghost btn-icon chip-remove"
        data-testid="attachment-remove"
        aria-label={percent === null ? t.composer.removeAttachment : t.composer.cancelUpload}
        title={percent === null ? t.composer.removeAttachment : t.composer.cancelUpload}
        onClick={onRemove}
      >
        <Icon name="close" />
      </button>
    </div>
  );
}

interface PickerProps {
  options: CannedResponse[];
  highlight: number;
  loading: boolean;
  conversation: Conversation | undefined;
  onPick: (item: CannedResponse) => void;
  onHover: (index: number) => void;
}

/** The canned responses the typed shortcut matches, each with how it will read. */
function CannedPicker({ options, highlight, loading, conversation, onPick, onHover }: PickerProps) {
  const t = useT();
  const c = t.desk.canned;
  const values = conversation ? valuesOf(conversation, t.contactFallback) : null;
  return (
    <div class="canned-picker" data-testid="canned-picker">
      <div class="canned-head">
        <span>{c.title}</span>
        <span class="canned-hint">{c.hint}</span>
      </div>
      {options.length === 0 && <p class="canned-empty">{loading ? c.loading : c.empty}</p>}
      {options.length > 0 && (
        <ul id="canned-picker" role="listbox" aria-label={c.title}>
          {options.map((item, i) => (
            <li
              key={item.id}
              id={`canned-${item.id}`}
              role="option"
              aria-selected={i === highlight}
              class={i === highlight ? "canned-option active" : "canned-option"}
              data-testid="canned-option"
              data-shortcut={item.shortcut}
              // Keeps the focus (and the caret) in the reply box.
              onMouseDown={(e) => e.preventDefault()}
              onMouseEnter={() => onHover(i)}
              onClick={() => onPick(item)}
            >
              <span class="canned-shortcut">/{item.shortcut}</span>
              <span class="canned-body">{values ? fillCanned(item.body, values) : item.body}</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
