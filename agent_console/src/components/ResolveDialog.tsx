import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import * as api from "../api";
import { cannedFor, fillCanned, valuesOf } from "../canned";
import { categoryOf, loadCatalog } from "../catalog";
import { resolveCase } from "../desk";
import type { FollowUp } from "../deskApi";
import { useT } from "../i18n";
import { useStore } from "../store";
import type { Attachment, Conversation, ErrorBody } from "../types";
import { shapeOf } from "./Attachments";
import { Dialog, FormError } from "./Dialog";
import { deskErrorText } from "./useTransfers";

/** The canned response whose body prefills the follow-up. */
const FOLLOW_UP_SHORTCUT = "selesai";

/** Photos the resident sent in this case, newest first. */
function residentPhotos(messages: { direction: string; attachments?: Attachment[] }[]): Attachment[] {
  const photos: Attachment[] = [];
  for (const m of messages) {
    if (m.direction !== "in") continue;
    for (const a of m.attachments ?? []) if (a.media_id && shapeOf(a) === "image") photos.push(a);
  }
  return photos.reverse();
}

/** A picked file, shown before it is uploaded. */
function usePreview(file: File | null): string | null {
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    if (!file) return setUrl(null);
    const made = URL.createObjectURL(file);
    setUrl(made);
    return () => URL.revokeObjectURL(made);
  }, [file]);
  return url;
}

/**
 * Resolving tells the resident what was done: a follow-up note (required), the photo from
 * before (one of theirs, or uploaded) and the photo after the work (required by some categories).
 */
export function ResolveDialog({ conversation: c, onClose }: { conversation: Conversation; onClose: () => void }) {
  const t = useT();
  const r = t.desk.resolve;
  const catalog = useStore((s) => s.catalog);
  const messages = useStore((s) => (s.thread?.id === c.id ? s.thread.messages : []));
  const photos = useMemo(() => residentPhotos(messages), [messages]);
  const category = categoryOf(c, catalog);
  const afterRequired = Boolean(category?.needs_after_photo);

  const [note, setNote] = useState("");
  const edited = useRef(false);
  // "" none, a media_id of the resident's photos, or "upload".
  const [before, setBefore] = useState("");
  const [beforeFile, setBeforeFile] = useState<File | null>(null);
  const [afterFile, setAfterFile] = useState<File | null>(null);
  const [progress, setProgress] = useState<number | null>(null);
  const [error, setError] = useState<ErrorBody | null>(null);
  const busy = progress !== null;
  const beforePreview = usePreview(beforeFile);
  const afterPreview = usePreview(afterFile);

  useEffect(() => {
    void loadCatalog(true);
  }, []);

  // Prefilled from /selesai once the canned responses are there, unless the agent wrote already.
  useEffect(() => {
    if (edited.current || !catalog.canned) return;
    const canned = cannedFor(catalog.canned, c.opd.id).find((x) => x.shortcut === FOLLOW_UP_SHORTCUT);
    if (canned) setNote(fillCanned(canned.body, valuesOf(c, t.contactFallback)));
  }, [catalog.canned, c, t]);

  async function upload(file: File, share: number, offset: number): Promise<string> {
    const media = await api.uploadMedia(c.id, file, file.name, (f) => setProgress(offset + f * share));
    return media.media_id;
  }

  async function submit(event: Event): Promise<void> {
    event.preventDefault();
    if (!note.trim()) return setError({ code: "form", message: r.needNote });
    if (afterRequired && !afterFile) return setError({ code: "form", message: r.needAfter });
    setError(null);
    setProgress(0);
    const followUp: FollowUp = { note: note.trim() };
    try {
      const files = (before === "upload" && beforeFile ? 1 : 0) + (afterFile ? 1 : 0);
      const share = files ? 1 / files : 1;
      if (before === "upload" && beforeFile) followUp.before_media_id = await upload(beforeFile, share, 0);
      else if (before) followUp.before_media_id = before;
      if (afterFile) followUp.after_media_id = await upload(afterFile, share, files === 2 ? 0.5 : 0);
    } catch (err) {
      setProgress(null);
      return setError(api.errorBody(err));
    }
    const failed = await resolveCase(c.id, followUp);
    setProgress(null);
    if (failed) setError(failed);
    else onClose();
  }

  return (
    <Dialog title={r.title} testid="resolve-dialog" onClose={onClose} wide>
      <form class="form" onSubmit={(e) => void submit(e)} noValidate>
        <label class="form-field">
          <span class="field-label">{r.note}</span>
          <textarea
            class="input"
            rows={4}
            autoFocus
            data-testid="resolve-note"
            value={note}
            onInput={(e) => {
              edited.current = true;
              setNote(e.currentTarget.value);
            }}
          />
          <span class="field-hint">{r.noteHint}</span>
        </label>

        <fieldset class="form-field photo-field" data-testid="resolve-before">
          <legend class="field-label">{r.before}</legend>
          <span class="field-hint">{r.beforeHint}</span>
          <div class="photo-choices">
            <label class={before === "" ? "photo-choice chosen" : "photo-choice"}>
              <input type="radio" name="before" value="" checked={before === ""} onChange={() => setBefore("")} />
              <span class="photo-none">{r.beforeNone}</span>
            </label>
            {photos.map((p, i) => (
              <label key={p.media_id} class={before === p.media_id ? "photo-choice chosen" : "photo-choice"}>
                <input
                  type="radio"
                  name="before"
                  value={p.media_id}
                  data-testid="resolve-before-option"
                  checked={before === p.media_id}
                  onChange={() => setBefore(p.media_id as string)}
                />
                <img src={api.mediaUrl(p.media_id as string)} alt={r.residentPhoto(photos.length - i)} />
              </label>
            ))}
            <label class={before === "upload" ? "photo-choice chosen" : "photo-choice"}>
              <input type="radio" name="before" value="upload" checked={before === "upload"} onChange={() => setBefore("upload")} />
              {beforePreview ? <img src={beforePreview} alt={beforeFile?.name ?? ""} /> : <span class="photo-none">{r.upload}</span>}
            </label>
          </div>
          {before === "upload" && (
            <PhotoInput testid="resolve-before-upload" label={r.choose} file={beforeFile} onPick={setBeforeFile} />
          )}
        </fieldset>

        <div class="form-field photo-field">
          <span class="field-label">{r.after}</span>
          <span class={afterRequired ? "field-hint field-required" : "field-hint"} data-testid="resolve-after-rule" data-required={String(afterRequired)}>
            {afterRequired && category ? r.afterRequired(category.name) : r.afterOptional}
          </span>
          <div class="photo-after">
            {afterPreview && <img src={afterPreview} alt={afterFile?.name ?? ""} data-testid="resolve-after-preview" />}
            <PhotoInput testid="resolve-after" label={r.choose} file={afterFile} onPick={setAfterFile} />
          </div>
        </div>

        {progress !== null && (
          <p class="field-hint" aria-live="polite">
            {r.uploading(Math.round(progress * 100))}
          </p>
        )}
        <FormError testid="resolve-error" code={error?.code} text={error?.code === "form" ? error.message : deskErrorText(t, error)} />
        <div class="form-actions">
          <button type="button" class="btn" onClick={onClose}>
            {t.desk.actions.cancel}
          </button>
          <button type="submit" class="btn btn-primary" data-testid="resolve-submit" disabled={busy}>
            {busy ? r.submitting : r.submit}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

interface PhotoInputProps {
  testid: string;
  label: string;
  file: File | null;
  onPick: (file: File | null) => void;
}

/** A photo from this computer: a button in our words rather than the browser's own. */
function PhotoInput({ testid, label, file, onPick }: PhotoInputProps) {
  return (
    <span class="photo-input">
      <label class="btn btn-small file-button">
        {label}
        <input type="file" accept="image/*" data-testid={testid} onChange={(e) => onPick(e.currentTarget.files?.[0] ?? null)} />
      </label>
      {file && <span class="file-name">{file.name}</span>}
    </span>
  );
}
