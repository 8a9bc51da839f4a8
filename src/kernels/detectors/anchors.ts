/** One SSD anchor: centre in normalised input coordinates, size (1 x 1 when the anchor size is fixed). */
export interface Anchor {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** The subset of MediaPipe's SsdAnchorsCalculatorOptions the face detectors use. */
export interface SsdAnchorOptions {
  inputWidth: number;
  inputHeight: number;
  numLayers: number;
  minScale: number;
  maxScale: number;
  strides: number[];
  aspectRatios: number[];
  /** Adds one anchor per layer with scale sqrt(scale * nextScale) at this aspect ratio (0: none). */
  interpolatedScaleAspectRatio: number;
  anchorOffsetX: number;
  anchorOffsetY: number;
  fixedAnchorSize: boolean;
}

function layerScale(minScale: number, maxScale: number, index: number, count: number): number {
  return count === 1 ? (minScale + maxScale) / 2 : minScale + ((maxScale - minScale) * index) / (count - 1);
}

/**
 * Generates SSD anchors exactly as MediaPipe's SsdAnchorsCalculator does: consecutive layers with the same
 * stride share one feature map and contribute their anchors to each of its cells, in row-major cell order
 * with the anchors of a cell adjacent. The result lines up index by index with the model's output rows.
 */
export function generateSsdAnchors(o: SsdAnchorOptions): Anchor[] {
  const anchors: Anchor[] = [];
  let layer = 0;
  while (layer < o.numLayers) {
    const widths: number[] = [];
    const heights: number[] = [];
    let last = layer;
    while (last < o.numLayers && o.strides[last] === o.strides[layer]) {
      const scale = layerScale(o.minScale, o.maxScale, last, o.numLayers);
      const shapes: Array<[ratio: number, scale: number]> = o.aspectRatios.map((r) => [r, scale]);
      if (o.interpolatedScaleAspectRatio > 0) {
        const next = last === o.numLayers - 1 ? 1 : layerScale(o.minScale, o.maxScale, last + 1, o.numLayers);
        shapes.push([o.interpolatedScaleAspectRatio, Math.sqrt(scale * next)]);
      }
      for (const [ratio, s] of shapes) {
        heights.push(s / Math.sqrt(ratio));
        widths.push(s * Math.sqrt(ratio));
      }
      last++;
    }
    const stride = o.strides[layer];
    const rows = Math.ceil(o.inputHeight / stride);
    const cols = Math.ceil(o.inputWidth / stride);
    for (let y = 0; y < rows; y++) {
      for (let x = 0; x < cols; x++) {
        for (let k = 0; k < widths.length; k++) {
          anchors.push({
            x: (x + o.anchorOffsetX) / cols,
            y: (y + o.anchorOffsetY) / rows,
            w: o.fixedAnchorSize ? 1 : widths[k],
            h: o.fixedAnchorSize ? 1 : heights[k],
          });
        }
      }
    }
    layer = last;
  }
  return anchors;
}
