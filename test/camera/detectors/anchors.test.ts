import { generateSsdAnchors } from '../../../src/kernels/detectors/anchors';
import { BLAZEFACE_VARIANTS, decodeBlazeFace } from '../../../src/kernels/detectors/blazeface';

describe('SSD anchors (MediaPipe layout)', () => {
  it('front-128 has 16x16x2 + 8x8x6 = 896 anchors matching the model outputs 512 + 384', () => {
    const anchors = generateSsdAnchors(BLAZEFACE_VARIANTS.front.anchors);
    expect(anchors).toHaveLength(512 + 384);
    // First cell of the stride-8 map: two anchors at (0.5/16, 0.5/16).
    expect(anchors[0]).toEqual({ x: 0.5 / 16, y: 0.5 / 16, w: 1, h: 1 });
    expect(anchors[1]).toEqual(anchors[0]);
    // Second cell is one column to the right; row 1 starts after 16 cells.
    expect(anchors[2].x).toBeCloseTo(1.5 / 16);
    expect(anchors[32].y).toBeCloseTo(1.5 / 16);
    // Stride-16 map starts at index 512, six anchors per cell.
    expect(anchors[512]).toEqual({ x: 0.5 / 8, y: 0.5 / 8, w: 1, h: 1 });
    expect(anchors[517].x).toBeCloseTo(0.5 / 8);
    expect(anchors[518].x).toBeCloseTo(1.5 / 8);
    expect(anchors[895]).toEqual({ x: 7.5 / 8, y: 7.5 / 8, w: 1, h: 1 });
  });

  it('back-256 (strides 16 and 32) gives the same 512 + 384 grid', () => {
    const anchors = generateSsdAnchors(BLAZEFACE_VARIANTS.back.anchors);
    expect(anchors).toHaveLength(896);
    expect(anchors[2].x).toBeCloseTo(1.5 / 16);
    expect(anchors[518].x).toBeCloseTo(1.5 / 8);
  });

  it('gives anchor sizes from the scales when the size is not fixed', () => {
    const anchors = generateSsdAnchors({ ...BLAZEFACE_VARIANTS.front.anchors, fixedAnchorSize: false });
    expect(anchors[0].w).toBeCloseTo(0.1484375);
    // Interpolated anchor: sqrt(scale0 * scale1).
    const s1 = 0.1484375 + (0.75 - 0.1484375) / 3;
    expect(anchors[1].w).toBeCloseTo(Math.sqrt(0.1484375 * s1));
  });
});

describe('decodeBlazeFace', () => {
  it('places a box at anchor + offset in input pixels and applies the sigmoid', () => {
    const anchors = generateSsdAnchors(BLAZEFACE_VARIANTS.front.anchors);
    const scores = new Float32Array(512).fill(-10);
    const boxes = new Float32Array(512 * 16);
    const i = 2 * (3 * 16 + 5); // cell row 3, col 5, first anchor
    scores[i] = 2;
    boxes.set([4, -2, 20, 30, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], i * 16);
    const out = decodeBlazeFace(scores, boxes, anchors, 0, 128, 0.5);
    expect(out).toHaveLength(1);
    const cx = 5.5 * 8 + 4;
    const cy = 3.5 * 8 - 2;
    expect(out[0].box).toEqual([cx - 10, cy - 15, cx + 10, cy + 15]);
    expect(out[0].score).toBeCloseTo(1 / (1 + Math.exp(-2)));
    expect(out[0].landmarks?.[0]).toEqual([5.5 * 8 + 1, 3.5 * 8 + 1]);
    expect(out[0].landmarks).toHaveLength(6);
  });
});
