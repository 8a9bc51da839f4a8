/**
 * Converts two @vladmandic/face-api networks from their tfjs weights into ONNX graphs that reproduce the
 * face-api forward passes exactly (same ops, same padding), with a dynamic batch dimension:
 *
 * - FaceRecognitionNet (src/faceRecognitionNet in face-api; dlib's ResNet-34 port): input 150x150 RGB,
 *   output a 128-D descriptor (not normalised; face-api compares Euclidean distances, < 0.6 = same person).
 * - AgeGenderNet (src/ageGenderNet + src/xception/TinyXception with 2 main blocks): input 112x112 RGB,
 *   outputs age in years and softmax [male, female].
 *
 * Graph input `input`: float32 NHWC [batch, S, S, 3], RGB in 0..255 (the values face-api's toBatchTensor
 * produces). Both nets subtract the mean RGB (122.782, 117.001, 104.298) and divide by 255 first; the graph
 * does that itself, then transposes to NCHW for onnxruntime's convolutions. TF 'same' padding is turned
 * into explicit ONNX pads (TF puts the odd pixel at the end). Conv + per-channel scale layers are folded
 * into one Conv (W * s, b * s + t).
 */
import { OnnxGraph } from './onnx-builder';
import { weight, type WeightMap, type WeightTensor } from './tfjs-weights';

/** Mean RGB both face-api networks subtract before dividing by 255. */
export const FACE_API_MEAN_RGB = [122.782, 117.001, 104.298] as const;

/** A value flowing through the graph: its name and static NCHW size (batch is dynamic). */
export interface Value {
  name: string;
  c: number;
  h: number;
  w: number;
}

export type Padding = 'same' | 'valid';

/** Output size and [begin, end] padding of one spatial axis, as TensorFlow computes them. */
export function tfPadding(
  size: number,
  kernel: number,
  stride: number,
  padding: Padding,
): {
  out: number;
  begin: number;
  end: number;
} {
  if (padding === 'valid') return { out: Math.floor((size - kernel) / stride) + 1, begin: 0, end: 0 };
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + kernel - size, 0);
  const begin = Math.floor(total / 2);
  return { out, begin, end: total - begin };
}

/** tfjs conv filter [kh, kw, in, out] -> ONNX [out, in, kh, kw], each output channel scaled by `scale`. */
export function hwioToOihw(f: WeightTensor, scale?: Float32Array): Float32Array {
  const [kh, kw, ci, co] = f.shape;
  const out = new Float32Array(f.data.length);
  for (let o = 0; o < co; o++) {
    const s = scale ? scale[o] : 1;
    for (let i = 0; i < ci; i++)
      for (let y = 0; y < kh; y++)
        for (let x = 0; x < kw; x++) {
          const v = f.data[((y * kw + x) * ci + i) * co + o];
          out[((o * ci + i) * kh + y) * kw + x] = scale ? v * s : v;
        }
  }
  return out;
}

/** tfjs depthwise filter [kh, kw, c, 1] -> ONNX grouped conv weight [c, 1, kh, kw]. */
export function depthwiseToOnnx(f: WeightTensor): Float32Array {
  const [kh, kw, c] = f.shape;
  const out = new Float32Array(f.data.length);
  for (let ch = 0; ch < c; ch++)
    for (let y = 0; y < kh; y++)
      for (let x = 0; x < kw; x++) out[(ch * kh + y) * kw + x] = f.data[(y * kw + x) * c + ch];
  return out;
}

/** Graph-building helpers shared by both face-api networks and the tfjs graph converter. */
export class NetBuilder {
  readonly g: OnnxGraph;

  constructor(
    name: string,
    readonly weights: WeightMap,
    readonly file: string,
  ) {
    this.g = new OnnxGraph(name);
  }

  w(name: string, rank: number): WeightTensor {
    return weight(this.weights, name, rank, this.file);
  }

  /** `input` (NHWC RGB 0..255) -> (x - mean) / 255 in NCHW. */
  normalisedInput(size: number): Value {
    const input = this.g.input('input', ['batch', size, size, 3]);
    const mean = this.g.constant('mean_rgb', [1, 1, 1, 3], Float32Array.from(FACE_API_MEAN_RGB));
    const centred = this.g.node('Sub', [input, mean]);
    const scaled = this.g.node('Div', [centred, this.g.constant('div_255', [], new Float32Array([255]))]);
    const nchw = this.g.node('Transpose', [scaled], { perm: [0, 3, 1, 2] });
    return { name: nchw, c: 3, h: size, w: size };
  }

  /** Conv with TF padding semantics; `filter` already in ONNX layout [out, in/group, kh, kw]. */
  conv(
    x: Value,
    filter: Float32Array,
    bias: Float32Array | undefined,
    k: number,
    outChannels: number,
    stride: number,
    padding: Padding,
    prefix: string,
    group = 1,
  ): Value {
    const ph = tfPadding(x.h, k, stride, padding);
    const pw = tfPadding(x.w, k, stride, padding);
    const inputs = [x.name, this.g.constant(`${prefix}/W`, [outChannels, x.c / group, k, k], filter)];
    if (bias) inputs.push(this.g.constant(`${prefix}/B`, [outChannels], bias));
    const name = this.g.node('Conv', inputs, {
      kernel_shape: [k, k],
      strides: [stride, stride],
      pads: [ph.begin, pw.begin, ph.end, pw.end],
      group,
    });
    return { name, c: outChannels, h: ph.out, w: pw.out };
  }

  pool(op: 'MaxPool' | 'AveragePool', x: Value, k: number, stride: number, padding: Padding): Value {
    const ph = tfPadding(x.h, k, stride, padding);
    const pw = tfPadding(x.w, k, stride, padding);
    const name = this.g.node(op, [x.name], {
      kernel_shape: [k, k],
      strides: [stride, stride],
      pads: [ph.begin, pw.begin, ph.end, pw.end],
    });
    return { ...x, name, h: ph.out, w: pw.out };
  }

  relu(x: Value): Value {
    return { ...x, name: this.g.node('Relu', [x.name]) };
  }

  add(a: Value, b: Value): Value {
    return { ...a, name: this.g.node('Add', [a.name, b.name]) };
  }

  /** Zero-pads channels and the bottom/right edges (face-api's residualDown shape adjustment). */
  padEnd(x: Value, channels: number, rows: number, cols: number): Value {
    if (channels === 0 && rows === 0 && cols === 0) return x;
    const pads = this.g.int64('pads', [0, 0, 0, 0, 0, channels, rows, cols]);
    const name = this.g.node('Pad', [x.name, pads], { mode: 'constant' });
    return { name, c: x.c + channels, h: x.h + rows, w: x.w + cols };
  }

  /** [batch, c, 1, 1] or [batch, c] times a tfjs dense matrix [in, out] plus bias. */
  dense(x: string, weights: WeightTensor, bias: Float32Array | undefined, prefix: string): string {
    const m = this.g.node('MatMul', [x, this.g.constant(`${prefix}/W`, weights.shape, weights.data)]);
    return bias ? this.g.node('Add', [m, this.g.constant(`${prefix}/B`, [bias.length], bias)]) : m;
  }
}

// ---- FaceRecognitionNet -------------------------------------------------------------------------

/** Input size of the face recognition net. */
export const FACE_RECOGNITION_INPUT = 150;

function recognitionConv(
  b: NetBuilder,
  x: Value,
  prefix: string,
  stride: number,
  relu: boolean,
  padding: Padding,
): Value {
  const filters = b.w(`${prefix}/conv/filters`, 4);
  const bias = b.w(`${prefix}/conv/bias`, 1).data;
  const s = b.w(`${prefix}/scale/weights`, 1).data;
  const t = b.w(`${prefix}/scale/biases`, 1).data;
  const fusedBias = new Float32Array(bias.length);
  for (let i = 0; i < bias.length; i++) fusedBias[i] = bias[i] * s[i] + t[i];
  const k = filters.shape[0];
  const out = b.conv(x, hwioToOihw(filters, s), fusedBias, k, filters.shape[3], stride, padding, prefix);
  return relu ? b.relu(out) : out;
}

function residual(b: NetBuilder, x: Value, prefix: string): Value {
  let out = recognitionConv(b, x, `${prefix}/conv1`, 1, true, 'same');
  out = recognitionConv(b, out, `${prefix}/conv2`, 1, false, 'same');
  return b.relu(b.add(out, x));
}

function residualDown(b: NetBuilder, x: Value, prefix: string): Value {
  let out = recognitionConv(b, x, `${prefix}/conv1`, 2, true, 'valid');
  out = recognitionConv(b, out, `${prefix}/conv2`, 1, false, 'same');
  let pooled = b.pool('AveragePool', x, 2, 2, 'valid');
  // face-api appends a zero row and column when the strided conv output is smaller than the pooled input.
  out = b.padEnd(out, 0, pooled.h - out.h, pooled.w - out.w);
  pooled = b.padEnd(pooled, out.c - pooled.c, 0, 0);
  return b.relu(b.add(pooled, out));
}

/** The face recognition ONNX graph: input [batch,150,150,3] RGB 0..255 -> `embedding` [batch,128]. */
export function buildFaceRecognitionOnnx(weights: WeightMap, file = 'face_recognition_model'): Uint8Array {
  const b = new NetBuilder('face_api_recognition', weights, file);
  let out = b.normalisedInput(FACE_RECOGNITION_INPUT);
  out = recognitionConv(b, out, 'conv32_down', 2, true, 'valid');
  out = b.pool('MaxPool', out, 3, 2, 'valid');
  for (const p of ['conv32_1', 'conv32_2', 'conv32_3']) out = residual(b, out, p);
  out = residualDown(b, out, 'conv64_down');
  for (const p of ['conv64_1', 'conv64_2', 'conv64_3']) out = residual(b, out, p);
  out = residualDown(b, out, 'conv128_down');
  for (const p of ['conv128_1', 'conv128_2']) out = residual(b, out, p);
  out = residualDown(b, out, 'conv256_down');
  for (const p of ['conv256_1', 'conv256_2']) out = residual(b, out, p);
  out = residualDown(b, out, 'conv256_down_out');
  const mean = b.g.node('GlobalAveragePool', [out.name]);
  const flat = b.g.node('Flatten', [mean], { axis: 1 });
  const fc = b.w('fc', 2);
  const embedding = b.g.node('MatMul', [flat, b.g.constant('fc/W', fc.shape, fc.data)], {}, 'embedding');
  b.g.output(embedding, ['batch', fc.shape[1]]);
  return b.g.toModel({ producer: 'rxvision face-api converter', doc: 'face-api FaceRecognitionNet' });
}

// ---- AgeGenderNet (TinyXception + two dense heads) ----------------------------------------------

/** Input size of the age/gender net. */
export const AGE_GENDER_INPUT = 112;

function xceptionConv(b: NetBuilder, x: Value, prefix: string, stride: number): Value {
  const filters = b.w(`${prefix}/filters`, 4);
  const bias = b.w(`${prefix}/bias`, 1).data;
  return b.conv(x, hwioToOihw(filters), bias, filters.shape[0], filters.shape[3], stride, 'same', prefix);
}

/** tf.separableConv2d(..., 'same') + bias: a depthwise conv followed by a 1x1 conv carrying the bias. */
function separableConv(b: NetBuilder, x: Value, prefix: string): Value {
  const dw = b.w(`${prefix}/depthwise_filter`, 4);
  const pw = b.w(`${prefix}/pointwise_filter`, 4);
  const bias = b.w(`${prefix}/bias`, 1).data;
  const depth = b.conv(x, depthwiseToOnnx(dw), undefined, dw.shape[0], x.c, 1, 'same', `${prefix}/dw`, x.c);
  return b.conv(depth, hwioToOihw(pw), bias, 1, pw.shape[3], 1, 'same', `${prefix}/pw`);
}

function reductionBlock(b: NetBuilder, x: Value, prefix: string, activateInput: boolean): Value {
  let out = activateInput ? b.relu(x) : x;
  out = separableConv(b, out, `${prefix}/separable_conv0`);
  out = separableConv(b, b.relu(out), `${prefix}/separable_conv1`);
  out = b.pool('MaxPool', out, 3, 2, 'same');
  return b.add(out, xceptionConv(b, x, `${prefix}/expansion_conv`, 2));
}

function mainBlock(b: NetBuilder, x: Value, prefix: string): Value {
  let out = separableConv(b, b.relu(x), `${prefix}/separable_conv0`);
  out = separableConv(b, b.relu(out), `${prefix}/separable_conv1`);
  out = separableConv(b, b.relu(out), `${prefix}/separable_conv2`);
  return b.add(out, x);
}

/**
 * The age/gender ONNX graph: input [batch,112,112,3] RGB 0..255 -> `age` [batch,1] (years) and `gender`
 * [batch,2] (softmax: male, female).
 */
export function buildAgeGenderOnnx(weights: WeightMap, file = 'age_gender_model'): Uint8Array {
  const b = new NetBuilder('face_api_age_gender', weights, file);
  let out = b.normalisedInput(AGE_GENDER_INPUT);
  out = b.relu(xceptionConv(b, out, 'entry_flow/conv_in', 2));
  out = reductionBlock(b, out, 'entry_flow/reduction_block_0', false);
  out = reductionBlock(b, out, 'entry_flow/reduction_block_1', true);
  for (let i = 0; weights.has(`middle_flow/main_block_${i}/separable_conv0/bias`); i++) {
    out = mainBlock(b, out, `middle_flow/main_block_${i}`);
  }
  out = reductionBlock(b, out, 'exit_flow/reduction_block', true);
  out = b.relu(separableConv(b, out, 'exit_flow/separable_conv'));
  const pooled = b.pool('AveragePool', out, 7, 2, 'valid');
  const flat = b.g.node('Flatten', [pooled.name], { axis: 1 });
  if (pooled.h !== 1 || pooled.w !== 1) {
    throw new Error(`${file}: expected a 1x1 map before the heads, got ${pooled.h}x${pooled.w}`);
  }
  const ageW = b.w('fc/age/weights', 2);
  const age = b.dense(flat, ageW, b.w('fc/age/bias', 1).data, 'fc/age');
  b.g.node('Identity', [age], {}, 'age');
  b.g.output('age', ['batch', 1]);
  const genderW = b.w('fc/gender/weights', 2);
  const logits = b.dense(flat, genderW, b.w('fc/gender/bias', 1).data, 'fc/gender');
  b.g.node('Softmax', [logits], { axis: 1 }, 'gender');
  b.g.output('gender', ['batch', 2]);
  return b.g.toModel({ producer: 'rxvision face-api converter', doc: 'face-api AgeGenderNet' });
}
