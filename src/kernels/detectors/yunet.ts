import type { Detection, DetectorFrame, InputLayout } from '../frame';
import { resolveNchwInput } from './model-input';
import { floatTensor, openOnnxSession, outputData, type OrtSession } from '../onnx-session';
import { finishDetections, resolveOptions } from './postprocess';
import { modelInput, type TensorFormat } from './tensor';
import type { YuNetOptions } from './spec';
import type { FaceDetector, ResolvedDetectorOptions } from './types';

export type { YuNetOptions } from './spec';

const STRIDES = [8, 16, 32] as const;
/** OpenCV's FaceDetectorYN feeds BGR bytes as floats without scaling. */
const YUNET_FORMAT: TensorFormat = { layout: 'nchw', channels: 'bgr', scale: 1, offset: 0 };

/** The four output tensors of one YuNet stride. */
export interface YuNetStrideOutputs {
  cls: ArrayLike<number>;
  obj: ArrayLike<number>;
  bbox: ArrayLike<number>;
  kps: ArrayLike<number>;
}

/**
 * Decodes one stride of YuNet 2023mar outputs as OpenCV's FaceDetectorYN does: score =
 * sqrt(clamp(cls) * clamp(obj)), centre = (cell + bbox[0..1]) * stride, size = exp(bbox[2..3]) * stride,
 * landmark = (cell + kps) * stride. Cells are row-major over a (width/stride) x (height/stride) grid.
 */
export function decodeYuNetStride(
  out: YuNetStrideOutputs,
  stride: number,
  inputWidth: number,
  inputHeight: number,
  scoreThreshold: number,
): Detection[] {
  const cols = Math.floor(inputWidth / stride);
  const rows = Math.floor(inputHeight / stride);
  const clamp = (v: number) => Math.min(1, Math.max(0, v));
  const dets: Detection[] = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const i = r * cols + c;
      const score = Math.sqrt(clamp(out.cls[i]) * clamp(out.obj[i]));
      if (score < scoreThreshold) continue;
      const cx = (c + out.bbox[i * 4]) * stride;
      const cy = (r + out.bbox[i * 4 + 1]) * stride;
      const w = Math.exp(out.bbox[i * 4 + 2]) * stride;
      const h = Math.exp(out.bbox[i * 4 + 3]) * stride;
      const landmarks: Array<[number, number]> = [];
      for (let k = 0; k < 5; k++) {
        landmarks.push([(out.kps[i * 10 + 2 * k] + c) * stride, (out.kps[i * 10 + 2 * k + 1] + r) * stride]);
      }
      dets.push({ box: [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], score, landmarks });
    }
  }
  return dets;
}

class YuNetDetector implements FaceDetector {
  readonly name = 'yunet';
  readonly inputSize: { width: number; height: number };
  readonly inputLayout: InputLayout;

  constructor(
    private readonly session: OrtSession,
    private readonly input: { name: string; width: number; height: number },
    private readonly options: ResolvedDetectorOptions,
  ) {
    this.inputSize = { width: input.width, height: input.height };
    // Top-left placement like OpenCV, which pads the bottom and right of the image.
    this.inputLayout = { ...this.inputSize, align: 'top-left', roi: options.roi };
  }

  async detect(frame: DetectorFrame): Promise<Detection[]> {
    const { name, width, height } = this.input;
    const lb = modelInput(frame, this.inputLayout, YUNET_FORMAT);
    if (!lb) return [];
    const tensor = floatTensor(lb.data, [1, 3, height, width]);
    const outputs = await this.session.run({ [name]: tensor });
    const raw = STRIDES.flatMap((s) =>
      decodeYuNetStride(
        {
          cls: outputData(outputs, `cls_${s}`),
          obj: outputData(outputs, `obj_${s}`),
          bbox: outputData(outputs, `bbox_${s}`),
          kps: outputData(outputs, `kps_${s}`),
        },
        s,
        width,
        height,
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
 * Opens a user-supplied YuNet model (outputs cls_8/16/32, obj_*, bbox_*, kps_*). Defaults as OpenCV's
 * FaceDetectorYN: scoreThreshold 0.9, nmsIouThreshold 0.3 (hard NMS); minFaceSize 0, maxFaces 100.
 */
export async function createYuNetDetector(options: YuNetOptions): Promise<FaceDetector> {
  if (!options.modelPath)
    throw new Error('yunet: modelPath is required (no YuNet model ships with rxvision)');
  const resolved = resolveOptions(
    options,
    { scoreThreshold: 0.9, nmsIouThreshold: 0.3, minFaceSize: 0, maxFaces: 100 },
    'yunet',
  );
  const session = await openOnnxSession(options.modelPath);
  try {
    const missing = STRIDES.flatMap((s) => ['cls', 'obj', 'bbox', 'kps'].map((k) => `${k}_${s}`)).filter(
      (n) => !session.outputNames.includes(n),
    );
    if (missing.length > 0) {
      throw new Error(
        `${options.modelPath}: not a YuNet 2023mar model, outputs missing: ${missing.join(', ')}`,
      );
    }
    const input = resolveNchwInput(session, options.modelPath, options.inputSize, 640, 32);
    return new YuNetDetector(session, input, resolved);
  } catch (err) {
    await session.release();
    throw err;
  }
}
