import type { FrameResult } from '../../src/pipelines/camera/channel';
import type { Track } from '../../src/pipelines/camera/tracker';
import {
  attributeCaption,
  escapeXml,
  outputSize,
  drawRects,
  hexToRgb,
  overlayItems,
  overlayLayout,
  OVERLAY_COLOURS,
  textSvg,
} from '../../src/kernels/overlay';

function track(id: number, state: Track['state'], box: Track['box']): Track {
  const best = { box, score: 0.9, seq: 1, timestamp: 0 };
  return {
    id,
    state,
    box,
    best,
    firstSeq: 1,
    lastSeq: 1,
    firstSeen: 0,
    lastSeen: 0,
    frames: 1,
    hits: 1,
    missed: 0,
  };
}

function result(partial: Partial<FrameResult> = {}): FrameResult {
  return {
    channel: 'cam',
    seq: 7,
    capturedAt: 0,
    detectedAt: 5,
    width: 640,
    height: 480,
    detections: [],
    tracking: { seq: 7, timestamp: 0, tracks: [], events: [], trackIds: [] },
    ...partial,
  };
}

describe('attributeCaption', () => {
  const female31 = { gender: 'female', genderConfidence: 0.9, age: 31.26, samples: 4 } as const;

  it('puts the label first, then gender and age', () => {
    expect(attributeCaption({ label: 'Alice', demographics: female31 })).toBe('Alice · F 31.3');
    expect(attributeCaption({ demographics: { ...female31, gender: 'male', age: 40 } })).toBe('M 40');
    expect(attributeCaption({ label: '  Bob ' })).toBe('Bob');
    expect(attributeCaption(undefined)).toBe('');
    expect(attributeCaption({ label: ' ' })).toBe('');
  });

  it('does not show the identity id (an opaque uuid)', () => {
    expect(attributeCaption({ identity: { id: '5f0c', similarity: 0.8, embeddings: 2 } })).toBe('');
  });
});

describe('overlayItems', () => {
  it('labels each detection with its track id, score and attributes; lost tracks are dashed items', () => {
    const items = overlayItems(
      result({
        detections: [
          { box: [10, 10, 50, 60], score: 0.93 },
          { box: [100, 100, 140, 150], score: 0.5 },
        ],
        tracking: {
          seq: 7,
          timestamp: 0,
          tracks: [
            track(3, 'confirmed', [10, 10, 50, 60]),
            track(4, 'tentative', [100, 100, 140, 150]),
            track(2, 'lost', [200, 200, 240, 250]),
          ],
          events: [],
          trackIds: [3, 4],
        },
        attributes: {
          3: { label: 'Alice', demographics: { gender: 'female', genderConfidence: 1, age: 30, samples: 1 } },
        },
      }),
    );
    expect(items).toEqual([
      { box: [10, 10, 50, 60], label: '#3 0.93 Alice · F 30', kind: 'confirmed' },
      { box: [100, 100, 140, 150], label: '#4 0.50', kind: 'tentative' },
      { box: [200, 200, 240, 250], label: '#2 lost', kind: 'lost' },
    ]);
  });
});

describe('overlayLayout and drawRects', () => {
  it('scales boxes to the output size, puts label plates above them and a footer at the bottom', () => {
    const layout = overlayLayout(
      [{ box: [100, 50, 300, 250], label: '#1 0.90', kind: 'confirmed' }],
      { width: 1000, height: 500 },
      { width: 500, height: 250 },
      'cam #1',
    );
    const [box, plate, footer] = layout.rects;
    expect(box).toMatchObject({
      x: 50,
      y: 25,
      w: 100,
      h: 100,
      stroke: 2,
      rgb: hexToRgb(OVERLAY_COLOURS.confirmed),
    });
    expect(plate).toMatchObject({ x: 50, stroke: 0, alpha: 0.85 });
    expect(plate.y + plate.h).toBe(25); // right above the box
    expect(footer).toMatchObject({ x: 0, w: 500, stroke: 0 });
    expect(footer.y + footer.h).toBe(250);
    expect(layout.texts.map((t) => t.text)).toEqual(['#1 0.90', 'cam #1']);
    for (const t of layout.texts) {
      expect(t.x + t.w).toBeLessThanOrEqual(500);
      expect(t.y + t.h).toBeLessThanOrEqual(250);
    }
  });

  it('clips boxes to the frame and skips empty ones', () => {
    const layout = overlayLayout(
      [
        { box: [-20, -20, 30, 30], label: '', kind: 'untracked' },
        { box: [700, 700, 800, 800], label: 'outside', kind: 'lost' },
      ],
      { width: 640, height: 480 },
      { width: 640, height: 480 },
    );
    expect(layout.rects).toEqual([expect.objectContaining({ x: 0, y: 0, w: 30, h: 30 })]);
    expect(layout.texts).toEqual([]);
  });

  it('draws strokes and blended fills into RGB pixels and leaves the rest alone', () => {
    const w = 20;
    const h = 10;
    const px = new Uint8Array(w * h * 3).fill(100);
    drawRects(px, w, h, [
      { x: 2, y: 2, w: 8, h: 6, rgb: [0, 255, 0], stroke: 1 },
      { x: 12, y: 0, w: 4, h: 4, rgb: [200, 0, 0], stroke: 0, alpha: 0.5 },
    ]);
    const at = (x: number, y: number) => [...px.subarray((y * w + x) * 3, (y * w + x) * 3 + 3)];
    expect(at(2, 2)).toEqual([0, 255, 0]); // corner
    expect(at(9, 7)).toEqual([0, 255, 0]); // opposite corner
    expect(at(5, 4)).toEqual([100, 100, 100]); // inside the box
    expect(at(13, 1)).toEqual([150, 50, 50]); // half-transparent fill
    expect(at(0, 9)).toEqual([100, 100, 100]);
  });

  it('textSvg escapes the text', () => {
    const svg = textSvg({ x: 0, y: 0, w: 50, h: 15, text: '<b>&"x"', font: 11, colour: '#000' });
    expect(svg).toContain('&lt;b&gt;&amp;&quot;x&quot;');
    expect(svg).not.toContain('<b>');
  });
});

describe('helpers', () => {
  it('outputSize keeps the aspect ratio under maxWidth', () => {
    expect(outputSize(1920, 1080, 960)).toEqual({ width: 960, height: 540 });
    expect(outputSize(640, 480, 960)).toEqual({ width: 640, height: 480 });
  });
  it('escapeXml escapes all five XML characters', () => {
    expect(escapeXml(`<>&"'`)).toBe('&lt;&gt;&amp;&quot;&apos;');
  });
});
