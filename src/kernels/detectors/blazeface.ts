import { assetPath } from '../../assets/paths';
import type { Detection, DetectorFrame, InputLayout } from '../frame';
import { generateSsdAnchors, type Anchor, type SsdAnchorOptions } from './anchors';
import { floatTensor, openOnnxSession, outputData, type OrtSession } from '../onnx-session';
import { finishDetections, resolveOptions, sigmoid } from './postprocess';
import { modelInput, type TensorFormat } from './tensor';
import { DEFAULT_BLAZEFACE_VARIANT, type BlazeFaceOptions, type BlazeFaceVariant } from './spec';
import type { FaceDetector, ResolvedDetectorOptions } from './types';

export type { BlazeFaceOptions, BlazeFaceVariant } from './spec';

interface VariantSpec {
  file: string;
  inputSize: number;
  anchors: SsdAnchorOptions;
  /** Default scoreThreshold of the variant. */
  scoreThreshold: number;
}

const INPUT_NAME = 'input:0';
/** Score and regressor outputs per feature map (stride order), as exported by the keijiro package. */
const OUTPUTS: ReadonlyArray<{ scores: string; boxes: string }> = [
  { scores: 'Identity:0', boxes: 'Identity_2:0' },
  { scores: 'Identity_1:0', boxes: 'Identity_3:0' },
];
const VALUES_PER_ANCHOR = 16;
const KEYPOINTS = 6;

/**
 * Anchor layouts from MediaPipe's face_detection_{short,full}_range graphs. The back model's outputs
 * ([1,512,*] and [1,384,*] at 256 px) fit only strides 16 (16x16 cells x 2 anchors) and 32 (8x8 cells x 6).
 */
export const BLAZEFACE_VARIANTS: Record<BlazeFaceVariant, VariantSpec> = {
  front: {
    file: 'face_detection_front_128x128_barracuda.onnx',
    inputSize: 128,
    anchors: ssdFaceAnchors(128, 0.1484375, [8, 16, 16, 16]),
    scoreThreshold: 0.5,
  },
  back: {
    file: 'face_detection_back_256x256_barracuda.onnx',
    inputSize: 256,
    anchors: ssdFaceAnchors(256, 0.15625, [16, 32, 32, 32]),
    // Small faces score lower on this model; the tracker's second pass (trackScore 0.5) takes the 0.3-0.5
    // detections only to continue tracks, so they cost no false tracks.
    scoreThreshold: 0.3,
  },
};

function ssdFaceAnchors(size: number, minScale: number, strides: number[]): SsdAnchorOptions {
  return {
    inputWidth: size,
    inputHeight: size,
    numLayers: strides.length,
    minScale,
    maxScale: 0.75,
    strides,
    aspectRatios: [1],
    interpolatedScaleAspectRatio: 1,
    anchorOffsetX: 0.5,
    anchorOffsetY: 0.5,
    fixedAnchorSize: true,
  };
}

/**
 * Input normalisation: RGB scaled to [-1, 1] as MediaPipe's face detection graphs do. Checked on messi5.jpg
 * and Megamind.avi frames: face scores differ by at most 0.03 between [-1, 1] and [0, 1], while on a
 * face-free frame [-1, 1] scores lower (0.01 against 0.05 to 0.10), so the MediaPipe range is kept.
 */
const BLAZEFACE_FORMAT: TensorFormat = { layout: 'nhwc', channels: 'rgb', scale: 1 / 127.5, offset: -1 };

/**
 * Decodes raw BlazeFace outputs into detections in model-input pixels (MediaPipe TensorsToDetections with
 * x/y/w/h scale = input size, reverse_output_order): centre = anchor + raw / size, sizes = raw / size.
 * Only anchors scoring at least `scoreThreshold` are decoded.
 */
export function decodeBlazeFace(
  scores: ArrayLike<number>,
  boxes: ArrayLike<number>,
  anchors: readonly Anchor[],
  anchorStart: number,
  inputSize: number,
  scoreThreshold: number,
): Detection[] {
  const out: Detection[] = [];
  for (let i = 0; i < scores.length; i++) {
    const score = sigmoid(scores[i]);
    if (score < scoreThreshold) continue;
    const a = anchors[anchorStart + i];
    const r = i * VALUES_PER_ANCHOR;
    const cx = boxes[r] * a.w + a.x * inputSize;
    const cy = boxes[r + 1] * a.h + a.y * inputSize;
    const w = boxes[r + 2] * a.w;
    const h = boxes[r + 3] * a.h;
    const landmarks: Array<[number, number]> = [];
    for (let k = 0; k < KEYPOINTS; k++) {
      landmarks.push([
        boxes[r + 4 + 2 * k] * a.w + a.x * inputSize,
        boxes[r + 5 + 2 * k] * a.h + a.y * inputSize,
      ]);
    }
    out.push({ box: [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], score, landmarks });
  }
  return out;
}

class BlazeFaceDetector implements FaceDetector {
  readonly name: string;
  readonly inputSize: { width: number; height: number };
  readonly inputLayout: InputLayout;

  constructor(
    private readonly session: OrtSession,
    private readonly spec: VariantSpec,
    private readonly anchors: readonly Anchor[],
    private readonly options: ResolvedDetectorOptions,
    variant: BlazeFaceVariant,
  ) {
    this.name = `blazeface-${variant}`;
    this.inputSize = { width: spec.inputSize, height: spec.inputSize };
    this.inputLayout = { ...this.inputSize, align: 'center', roi: options.roi };
  }

  async detect(frame: DetectorFrame): Promise<Detection[]> {
    const size = this.spec.inputSize;
    const input = modelInput(frame, this.inputLayout, BLAZEFACE_FORMAT);
    if (!input) return [];
    const tensor = floatTensor(input.data, [1, size, size, 3]);
    const outputs = await this.session.run({ [INPUT_NAME]: tensor });
    const raw: Detection[] = [];
    let start = 0;
    for (const o of OUTPUTS) {
      const scores = outputData(outputs, o.scores);
      raw.push(
        ...decodeBlazeFace(
          scores,
          outputData(outputs, o.boxes),
          this.anchors,
          start,
          size,
          this.options.scoreThreshold,
        ),
      );
      start += scores.length;
    }
    return finishDetections(raw, input.transform, input.region, this.options, 'weighted');
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}

/**
 * Opens a BlazeFace detector (default variant "back", 256 px). Defaults: scoreThreshold 0.3 for "back" and
 * 0.5 for "front", nmsIouThreshold 0.3 with weighted NMS, minFaceSize 0, maxFaces 100. The frame (or ROI) is
 * letterboxed to the model input.
 */
export async function createBlazeFaceDetector(options: BlazeFaceOptions = {}): Promise<FaceDetector> {
  const variant = options.variant ?? DEFAULT_BLAZEFACE_VARIANT;
  const spec = BLAZEFACE_VARIANTS[variant];
  if (!spec) throw new Error(`blazeface: unknown variant "${variant}" (front or back)`);
  const modelPath = options.modelPath ?? assetPath('blazeface', spec.file);
  const resolved = resolveOptions(
    options,
    { scoreThreshold: spec.scoreThreshold, nmsIouThreshold: 0.3, minFaceSize: 0, maxFaces: 100 },
    `blazeface-${variant}`,
  );
  const anchors = generateSsdAnchors(spec.anchors);
  const session = await openOnnxSession(modelPath);
  checkLayout(session, anchors.length, modelPath);
  return new BlazeFaceDetector(session, spec, anchors, resolved, variant);
}

/** Fails early when the model's outputs do not match the anchor layout (a different BlazeFace export). */
function checkLayout(session: OrtSession, anchorCount: number, modelPath: string): void {
  let rows = 0;
  for (const o of OUTPUTS) {
    const meta = session.outputMetadata.find((m) => m.name === o.scores);
    if (!meta || !meta.isTensor) throw new Error(`${modelPath}: output "${o.scores}" missing`);
    rows += Number(meta.shape[1]);
  }
  if (!session.inputNames.includes(INPUT_NAME))
    throw new Error(`${modelPath}: input "${INPUT_NAME}" missing`);
  if (rows !== anchorCount) {
    throw new Error(
      `${modelPath}: outputs have ${rows} anchors, the BlazeFace layout expects ${anchorCount}`,
    );
  }
}
