/**
 * What the live view draws on a frame (boxes, track ids, identity, age/gender) as plain data, and how the
 * `encode` worker draws it. Pure functions: the main thread builds the items from a frame's result; the
 * worker lays them out at the output size, draws the rectangles into the pixels and the texts as small SVGs.
 */
import type { Box } from './frame';
import type { TrackAttributes } from './track-attributes';

/** How a box is drawn: by its track's state. */
export type OverlayKind = 'confirmed' | 'tentative' | 'lost' | 'untracked';

/** One box with its caption, in source-frame pixels. */
export interface OverlayItem {
  box: Box;
  label: string;
  kind: OverlayKind;
}

/** Stroke colours per kind (readable on dark and bright video). */
export const OVERLAY_COLOURS: Record<OverlayKind, string> = {
  confirmed: '#22dd55',
  tentative: '#ffcc00',
  lost: '#9aa0a6',
  untracked: '#ff4444',
};

const GENDER_LETTER = { male: 'M', female: 'F' } as const;

/**
 * The caption of a track's attributes: its label first (a custom stage's name for it), then gender and
 * age ("Alice · F 31.3").
 */
export function attributeCaption(attributes: TrackAttributes | undefined): string {
  const parts: string[] = [];
  const label = attributes?.label?.trim();
  if (label) parts.push(label);
  const d = attributes?.demographics;
  if (d) parts.push(`${GENDER_LETTER[d.gender]} ${Math.round(d.age * 10) / 10}`);
  return parts.join(' · ');
}

/**
 * What {@link overlayItems} reads of a processed frame: structurally the camera pipeline's `FrameResult`
 * (kernels cannot import the pipelines).
 */
export interface OverlayFrame {
  detections: ReadonlyArray<{ box: Box; score: number }>;
  tracking: {
    trackIds: ReadonlyArray<number | undefined>;
    tracks: ReadonlyArray<{ id: number; state: string; box: Box }>;
  };
  attributes?: Readonly<Record<number, TrackAttributes>>;
}

/** The boxes of one processed frame: each detection with its track id, score and attributes; lost tracks. */
export function overlayItems(result: OverlayFrame): OverlayItem[] {
  const tracks = new Map(result.tracking.tracks.map((t) => [t.id, t]));
  const items: OverlayItem[] = result.detections.map((d, i) => {
    const trackId = result.tracking.trackIds[i];
    const track = trackId === undefined ? undefined : tracks.get(trackId);
    const head = track ? `#${track.id}` : '';
    const caption = track ? attributeCaption(result.attributes?.[track.id]) : '';
    const label = [head, d.score.toFixed(2), caption].filter(Boolean).join(' ');
    const kind: OverlayKind = !track ? 'untracked' : track.state === 'confirmed' ? 'confirmed' : 'tentative';
    return { box: d.box, label, kind };
  });
  for (const t of result.tracking.tracks) {
    if (t.state !== 'lost') continue;
    const caption = attributeCaption(result.attributes?.[t.id]);
    items.push({ box: t.box, label: [`#${t.id}`, 'lost', caption].filter(Boolean).join(' '), kind: 'lost' });
  }
  return items;
}

/** Escapes text for an SVG text node or attribute. */
export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) =>
    c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '&' ? '&amp;' : c === '"' ? '&quot;' : '&apos;',
  );
}

/** Output size for a frame: scaled down (aspect kept) so the width is at most `maxWidth`. */
export function outputSize(
  width: number,
  height: number,
  maxWidth: number,
): { width: number; height: number } {
  if (width <= maxWidth) return { width, height };
  return { width: maxWidth, height: Math.max(1, Math.round((height * maxWidth) / width)) };
}

/** A stroked or filled rectangle in output pixels (integers), colour as [r, g, b]. */
export interface LayoutRect {
  x: number;
  y: number;
  w: number;
  h: number;
  rgb: [number, number, number];
  /** Stroke width; 0 fills the rectangle. */
  stroke: number;
  /** Fill opacity (fills only). */
  alpha?: number;
  dashed?: boolean;
}

/** A text run drawn at (x, y) = top-left of a `w` x `h` box. */
export interface LayoutText {
  x: number;
  y: number;
  w: number;
  h: number;
  text: string;
  font: number;
  colour: string;
  mono?: boolean;
}

/** Everything to draw on one output frame. */
export interface OverlayLayout {
  rects: LayoutRect[];
  texts: LayoutText[];
}

/** '#rrggbb' -> [r, g, b]. */
export function hexToRgb(hex: string): [number, number, number] {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/**
 * Where boxes, label plates and texts go on an `out`-sized frame for `items` given in `source` pixels,
 * plus an optional footer line. Labels sit above their box, or inside it at the top edge.
 */
export function overlayLayout(
  items: readonly OverlayItem[],
  source: { width: number; height: number },
  out: { width: number; height: number },
  footer?: string,
): OverlayLayout {
  const sx = out.width / source.width;
  const sy = out.height / source.height;
  const font = Math.max(11, Math.round(out.width / 55));
  const stroke = Math.max(2, Math.round(out.width / 320));
  const clampX = (v: number) => Math.max(0, Math.min(out.width, Math.round(v)));
  const clampY = (v: number) => Math.max(0, Math.min(out.height, Math.round(v)));
  const layout: OverlayLayout = { rects: [], texts: [] };
  for (const item of items) {
    const x1 = clampX(item.box[0] * sx);
    const y1 = clampY(item.box[1] * sy);
    const x2 = clampX(item.box[2] * sx);
    const y2 = clampY(item.box[3] * sy);
    if (x2 <= x1 || y2 <= y1) continue;
    const rgb = hexToRgb(OVERLAY_COLOURS[item.kind]);
    layout.rects.push({ x: x1, y: y1, w: x2 - x1, h: y2 - y1, rgb, stroke, dashed: item.kind === 'lost' });
    if (item.label) {
      const h = font + 4;
      const w = Math.min(out.width - x1, Math.ceil(item.label.length * font * 0.62) + 6);
      const y = y1 - h >= 0 ? y1 - h : y1;
      if (w <= 0 || y + h > out.height) continue;
      layout.rects.push({ x: x1, y, w, h, rgb, stroke: 0, alpha: 0.85 });
      layout.texts.push({ x: x1 + 3, y, w: Math.max(1, w - 3), h, text: item.label, font, colour: '#000' });
    }
  }
  if (footer) {
    const h = font + 6;
    if (h < out.height) {
      layout.rects.push({ x: 0, y: out.height - h, w: out.width, h, rgb: [0, 0, 0], stroke: 0, alpha: 0.55 });
      const w = Math.min(out.width - 4, Math.ceil(footer.length * font * 0.62) + 2);
      layout.texts.push({ x: 4, y: out.height - h, w, h, text: footer, font, colour: '#fff', mono: true });
    }
  }
  return layout;
}

/**
 * Draws the rectangles of a layout straight into packed RGB pixels (cheap: only the pixels touched).
 * Texts are left to {@link textSvg} (the worker composites them as small images).
 */
export function drawRects(
  pixels: Uint8Array,
  width: number,
  height: number,
  rects: readonly LayoutRect[],
): void {
  const blend = (
    x0: number,
    y0: number,
    x1: number,
    y1: number,
    rgb: [number, number, number],
    alpha: number,
  ) => {
    const xa = Math.max(0, x0);
    const xb = Math.min(width, x1);
    const ya = Math.max(0, y0);
    const yb = Math.min(height, y1);
    const keep = 1 - alpha;
    for (let y = ya; y < yb; y++) {
      let o = (y * width + xa) * 3;
      for (let x = xa; x < xb; x++, o += 3) {
        pixels[o] = rgb[0] * alpha + pixels[o] * keep;
        pixels[o + 1] = rgb[1] * alpha + pixels[o + 1] * keep;
        pixels[o + 2] = rgb[2] * alpha + pixels[o + 2] * keep;
      }
    }
  };
  for (const r of rects) {
    if (r.stroke === 0) {
      blend(r.x, r.y, r.x + r.w, r.y + r.h, r.rgb, r.alpha ?? 1);
      continue;
    }
    const s = Math.min(r.stroke, Math.ceil(r.w / 2), Math.ceil(r.h / 2));
    const dash = r.dashed ? s * 3 : 0;
    const gap = r.dashed ? s * 2 : 0;
    // Horizontal edges, then vertical edges; dashes run along each edge.
    const hline = (y: number) => {
      for (let x = r.x; x < r.x + r.w; x += dash ? dash + gap : r.w)
        blend(x, y, Math.min(r.x + r.w, x + (dash || r.w)), y + s, r.rgb, 1);
    };
    const vline = (x: number) => {
      for (let y = r.y; y < r.y + r.h; y += dash ? dash + gap : r.h)
        blend(x, y, x + s, Math.min(r.y + r.h, y + (dash || r.h)), r.rgb, 1);
    };
    hline(r.y);
    hline(r.y + r.h - s);
    vline(r.x);
    vline(r.x + r.w - s);
  }
}

/** A small transparent SVG holding one text run (composited by the worker at the text's position). */
export function textSvg(t: LayoutText): string {
  const family = t.mono ? 'DejaVu Sans Mono, monospace' : 'DejaVu Sans, sans-serif';
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${t.w}" height="${t.h}">` +
    `<text x="0" y="${t.font}" font-family="${family}" font-size="${t.font}" fill="${t.colour}">${escapeXml(t.text)}</text></svg>`
  );
}
