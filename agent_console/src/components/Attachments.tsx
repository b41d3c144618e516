import { useState } from "preact/hooks";
import { mediaUrl } from "../api";
import { clockDuration, fileSize } from "../format";
import { label, useT } from "../i18n";
import type { Strings } from "../locales/id";
import type { Attachment } from "../types";
import { Icon } from "./icons";

type Shape = "image" | "audio" | "video" | "file" | "location" | "missing";

// Attachments that describe the message rather than carry a file or a place: the template a
// reply was sent as (labelled on the bubble), a button the resident tapped and a type the
// channel could not pass on (both already in the message's text).
const DESCRIPTIONS = new Set(["template", "reply", "unsupported"]);

/** The attachments a bubble shows: files and places. */
export function shownAttachments(items: Attachment[]): Attachment[] {
  return items.filter((a) => !DESCRIPTIONS.has(a.kind ?? ""));
}

// The largest thumbnail; CSS gives the same box when the picture's size is unknown.
const THUMB_W = 240;
const THUMB_H = 200;

function isCoordinate(value: unknown, limit: number): value is number {
  return typeof value === "number" && Number.isFinite(value) && Math.abs(value) <= limit;
}

/** How an attachment is shown: its type first, the channel's kind when the type is unknown. */
export function shapeOf(a: Attachment): Shape {
  if (a.kind === "location" || a.latitude !== undefined) {
    return isCoordinate(a.latitude, 90) && isCoordinate(a.longitude, 180) ? "location" : "missing";
  }
  if (!a.media_id) return "missing";
  const type = (a.mime_type ?? "").toLowerCase();
  const major = type.split("/")[0];
  if (major === "image" || (!type && a.kind === "photo")) return "image";
  if (major === "audio" || (!type && (a.kind === "voice" || a.kind === "audio"))) return "audio";
  if (major === "video" || (!type && (a.kind === "video" || a.kind === "video_note"))) return "video";
  return "file";
}

/** The file's own name, else what it is ("Pesan suara", "Berkas"). */
function nameOf(a: Attachment, t: Strings): string {
  return a.file_name?.trim() || label(t.attachment.kinds, a.kind ?? "", t.attachment.file);
}

function thumbSize(a: Attachment): { width: number; height: number } | undefined {
  if (!a.width || !a.height) return undefined;
  const scale = Math.min(1, THUMB_W / a.width, THUMB_H / a.height);
  return { width: Math.round(a.width * scale), height: Math.round(a.height * scale) };
}

/** "0:12 · 48 KB": what is known of a file besides its name. */
function details(a: Attachment, t: Strings): string {
  const parts = [];
  if (a.duration) parts.push(clockDuration(a.duration));
  if (a.size) parts.push(fileSize(a.size, t));
  return parts.join(" · ");
}

export function Attachments({ items }: { items: Attachment[] }) {
  return (
    <div class="attachments">
      {items.map((a, i) => (
        <AttachmentView key={a.media_id ?? i} item={a} />
      ))}
    </div>
  );
}

function AttachmentView({ item: a }: { item: Attachment }) {
  const t = useT();
  // A picture the browser cannot draw (HEIC, say) is still there to download.
  const [undrawable, setUndrawable] = useState(false);
  const shape = shapeOf(a);
  const name = nameOf(a, t);
  if (shape === "location") return <Place item={a} />;
  if (shape === "missing") {
    const known = [a.file_name, a.size ? fileSize(a.size, t) : ""].filter(Boolean).join(", ");
    return (
      <p class="att att-missing" data-testid="attachment-missing" data-error={a.error}>
        <Icon name="file" />
        <span>
          {a.error === "too_large" ? t.attachment.tooLarge : t.attachment.notStored}
          {known && ` (${known})`}
        </span>
      </p>
    );
  }
  const url = mediaUrl(a.media_id as string);
  if (shape === "image" && !undrawable) {
    return (
      <a class="att att-image" href={url} target="_blank" rel="noopener" title={t.attachment.openImage} data-testid="attachment-image">
        <img
          src={url}
          alt={a.file_name?.trim() || t.attachment.image}
          loading="lazy"
          decoding="async"
          style={thumbSize(a)}
          onError={() => setUndrawable(true)}
        />
      </a>
    );
  }
  if (shape === "audio" || shape === "video") {
    const player =
      shape === "audio" ? <audio controls preload="none" src={url} /> : <video controls preload="metadata" src={url} />;
    return (
      <figure class={`att att-${shape}`} data-testid={`attachment-${shape}`}>
        {player}
        <figcaption>
          <a href={url} download={a.file_name || undefined} title={t.attachment.download(name)}>
            {name}
          </a>
          {details(a, t) && <span class="att-meta"> · {details(a, t)}</span>}
        </figcaption>
      </figure>
    );
  }
  return (
    <a class="att att-file" href={url} download={a.file_name || undefined} title={t.attachment.download(name)} data-testid="attachment-file">
      <Icon name="file" />
      <span class="att-name">{name}</span>
      {details(a, t) && <span class="att-meta">{details(a, t)}</span>}
    </a>
  );
}

/** A point on OpenStreetMap, marked. */
export function mapUrl(lat: number, lon: number): string {
  return `https://www.openstreetmap.org/?mlat=${lat}&mlon=${lon}#map=17/${lat}/${lon}`;
}

function Place({ item: a }: { item: Attachment }) {
  const t = useT();
  const lat = a.latitude as number;
  const lon = a.longitude as number;
  const href = mapUrl(lat, lon);
  return (
    <a class="att att-location" href={href} target="_blank" rel="noopener noreferrer" title={t.attachment.openMap} data-testid="attachment-location">
      <Icon name="pin" />
      <span>
        <span class="att-name">{a.title?.trim() || a.name?.trim() || t.attachment.location}</span>
        {a.address && <span class="att-address">{a.address}</span>}
        <span class="att-meta">
          {lat.toFixed(5)}, {lon.toFixed(5)}
        </span>
      </span>
    </a>
  );
}
