import type { Detection, DetectorFrame, InputLayout } from '../frame';
import { resolveNchwInput } from './model-input';
import { floatTensor, openOnnxSession, outputData, type OrtSession } from '../onnx-session';
import { finishDetections, resolveOptions } from './postprocess';
import { modelInput, type TensorFormat } from './tensor';
import type { ScrfdOptions } from './spec';
import type { FaceDetector, ResolvedDetectorOptions } from './types';

export type { ScrfdOptions } from './spec';

/** InsightFace feeds RGB as (v - 127.5) / 128. */
const SCRFD_FORMAT: TensorFormat = { layout: 'nchw', channels: 'rgb', scale: 1 / 128, offset: -127.5 / 128 };
const STRIDES = [8, 16, 32, 64, 128];

/** Where one stride's tensors are among the model outputs. */
export interface ScrfdStrideLayout {
  stride: number;
  anchorsPerCell: number;
  scores: string;
  bboxes: string;
  kps?: string;
}

/**
 * Works out which outputs belong to which stride. SCRFD exports name their outputs by number, so this goes
 * by shape, as InsightFace does by position: last dimension 1 = scores, 4 = distances, 10 = keypoints;
 * within a kind, more rows = finer stride (8, 16, 32, ...). Rows per stride must be a whole number of
 * anchors per grid cell.
 */
export function scrfdLayout(
  outputs: ReadonlyArray<{ name: string; shape: readonly number[] }>,
  inputWidth: number,
  inputHeight: number,
  what: string,
): ScrfdStrideLayout[] {
  const rowsOf = (shape: readonly number[]) => shape.slice(0, -1).reduce((a, b) => a * b, 1);
  const kind = (k: number) =>
    outputs
      .filter((o) => o.shape[o.shape.length - 1] === k)
      .map((o) => ({ name: o.name, rows: rowsOf(o.shape) }))
      .sort((a, b) => b.rows - a.rows);
  const scores = kind(1);
  const bboxes = kind(4);
  const kps = kind(10);
  if (
    scores.length === 0 ||
    scores.length !== bboxes.length ||
    (kps.length > 0 && kps.length !== scores.length)
  ) {
    throw new Error(
      `${what}: not an SCRFD model: expected per stride one [N,1] score, one [N,4] box and optionally one [N,10] keypoint output`,
    );
  }
  return scores.map((s, i) => {
    const stride = STRIDES[i];
    const cells = Math.ceil(inputWidth / stride) * Math.ceil(inputHeight / stride);
    const anchorsPerCell = s.rows / cells;
    if (!Number.isInteger(anchorsPerCell) || anchorsPerCell < 1 || bboxes[i].rows !== s.rows) {
      throw new Error(
        `${what}: output "${s.name}" has ${s.rows} rows, not a multiple of the ${cells} cells of stride ${stride}`,
      );
    }
    return { stride, anchorsPerCell, scores: s.name, bboxes: bboxes[i].name, kps: kps[i]?.name };
  });
}

/**
 * Decodes one SCRFD stride: anchor centres are (x, y) * stride of a row-major grid, each repeated
 * anchorsPerCell times; boxes are distances (left, top, right, bottom) * stride from the centre; keypoints
 * are offsets * stride from the centre. Scores are already probabilities.
 */
export function decodeScrfdStride(
  scores: ArrayLike<number>,
  bboxes: ArrayLike<number>,
  kps: ArrayLike<number> | undefined,
  stride: number,
  anchorsPerCell: number,
  inputWidth: number,
  scoreThreshold: number,
): Detection[] {
  const cols = Math.ceil(inputWidth / stride);
  const dets: Detection[] = [];
  for (let i = 0; i < scores.length; i++) {
    const score = scores[i];
    if (score < scoreThreshold) continue;
    const cell = Math.floor(i / anchorsPerCell);
    const cx = (cell % cols) * stride;
    const cy = Math.floor(cell / cols) * stride;
    const b = i * 4;
    const det: Detection = {
      box: [
        cx - bboxes[b] * stride,
        cy - bboxes[b + 1] * stride,
        cx + bboxes[b + 2] * stride,
        cy + bboxes[b + 3] * stride,
      ],
      score,
    };
    if (kps) {
      det.landmarks = [];
      for (let k = 0; k < 5; k++) {
        det.landmarks.push([cx + kps[i * 10 + 2 * k] * stride, cy + kps[i * 10 + 2 * k + 1] * stride]);
      }
    }
    dets.push(det);
  }
  return dets;
}

class ScrfdDetector implements FaceDetector {
  readonly name = 'scrfd';
  readonly inputSize: { width: number; height: number };
  readonly inputLayout: InputLayout;

  constructor(
    private readonly session: OrtSession,
    private readonly input: { name: string; width: number; height: number },
    private readonly layout: ScrfdStrideLayout[],
    private readonly options: ResolvedDetectorOptions,
  ) {
    this.inputSize = { width: input.width, height: input.height };
    // InsightFace places the resized image at the top-left of the input.
    this.inputLayout = { ...this.inputSize, align: 'top-left', roi: options.roi };
  }

  async detect(frame: DetectorFrame): Promise<Detection[]> {
    const { name, width, height } = this.input;
    const lb = modelInput(frame, this.inputLayout, SCRFD_FORMAT);
    if (!lb) return [];
    const tensor = floatTensor(lb.data, [1, 3, height, width]);
    const outputs = await this.session.run({ [name]: tensor });
    const raw = this.layout.flatMap((l) =>
      decodeScrfdStride(
        outputData(outputs, l.scores),
        outputData(outputs, l.bboxes),
        l.kps ? outputData(outputs, l.kps) : undefined,
        l.stride,
        l.anchorsPerCell,
        width,
        this.options.scoreThreshold,
      ),
    );
    return finishDetections(raw, lb.transform, lb.region, this.options, 'hard');
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}

/**
 * Opens a user-supplied SCRFD model. Defaults as InsightFace: scoreThreshold 0.5, nmsIouThreshold 0.4
 * (hard NMS); minFaceSize 0, maxFaces 100. Output shapes must be static (they are in InsightFace exports
 * with a fixed input); for dynamic models the layout is read from the first inference.
 */
export async function createScrfdDetector(options: ScrfdOptions): Promise<FaceDetector> {
  if (!options.modelPath)
    throw new Error('scrfd: modelPath is required (no SCRFD model ships with rxvision)');
  const resolved = resolveOptions(
    options,
    { scoreThreshold: 0.5, nmsIouThreshold: 0.4, minFaceSize: 0, maxFaces: 100 },
    'scrfd',
  );
  const session = await openOnnxSession(options.modelPath);
  try {
    const input = resolveNchwInput(session, options.modelPath, options.inputSize, 640, 32);
    const shapes = await outputShapes(session, input);
    const layout = scrfdLayout(shapes, input.width, input.height, options.modelPath);
    return new ScrfdDetector(session, input, layout, resolved);
  } catch (err) {
    await session.release();
    throw err;
  }
}

/** Output shapes from the metadata when static, else from one inference on a black input. */
async function outputShapes(
  session: OrtSession,
  input: { name: string; width: number; height: number },
): Promise<Array<{ name: string; shape: number[] }>> {
  const fromMeta = session.outputMetadata.map((m) => ({
    name: m.name,
    shape: m.isTensor ? m.shape.map((d) => (typeof d === 'number' && d > 0 ? d : NaN)) : [NaN],
  }));
  if (fromMeta.every((o) => o.shape.every(Number.isFinite))) return fromMeta;
  const zeros = new Float32Array(3 * input.width * input.height);
  const out = await session.run({ [input.name]: floatTensor(zeros, [1, 3, input.height, input.width]) });
  return session.outputNames.map((name) => ({
    name,
    shape: [...(out[name] as { dims: readonly number[] }).dims],
  }));
}
