/**
 * Converts a tfjs graph model (model.json `format: "graph-model"`: a TensorFlow GraphDef plus weight
 * shards) into ONNX, for the op subset of MobileNet-style image networks: Mul/Sub/AddV2, `_FusedConv2D`
 * and `FusedDepthwiseConv2dNative` (BiasAdd with an optional Relu/Relu6), AvgPool, Squeeze,
 * `_FusedMatMul`, Softmax and Identity. Any other op is an error naming the node, never a silent gap.
 *
 * Only the nodes the requested output depends on are converted, so a classifier can be cut at its
 * feature vector. The ONNX graph keeps the tfjs input contract (NHWC float32, same value range) with a
 * dynamic batch, and works in NCHW inside (onnxruntime's native layout); TF 'SAME' padding becomes
 * explicit pads through the face-api converter's helpers.
 */
import { depthwiseToOnnx, hwioToOihw, NetBuilder, type Padding, type Value } from './face-api-convert';
import type { ManifestGroup, WeightMap } from './tfjs-weights';

/** A TensorFlow attribute value as tfjs serialises it (strings are base64). */
interface GraphAttr {
  s?: string;
  i?: string;
  f?: number;
  b?: boolean;
  list?: { i?: string[]; s?: string[] };
  shape?: { dim?: { size: string }[] };
}

/** One GraphDef node. */
export interface GraphNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, GraphAttr>;
}

/** The parts of a tfjs graph model.json the converter reads. */
export interface TfjsGraphModel {
  format?: string;
  modelTopology: { node: GraphNode[] };
  weightsManifest: ManifestGroup[];
}

/** What to convert. */
export interface GraphConvertOptions {
  /** Name of the node whose value becomes the ONNX output. */
  output: string;
  /** Name of the ONNX output. */
  outputName: string;
  /** Source name for errors and the model's doc string. */
  file: string;
}

/** A converted value: a 4-D NCHW map, or a 2-D [batch, c] vector after Squeeze/MatMul. */
interface Converted extends Value {
  flat: boolean;
}

const decodeString = (s: string): string => Buffer.from(s, 'base64').toString('utf8');

function stringAttr(node: GraphNode, key: string): string | undefined {
  const a = node.attr?.[key];
  return a?.s !== undefined ? decodeString(a.s) : undefined;
}

function intsAttr(node: GraphNode, key: string): number[] {
  return (node.attr?.[key]?.list?.i ?? []).map(Number);
}

function fusedOps(node: GraphNode): string[] {
  return (node.attr?.fused_ops?.list?.s ?? []).map(decodeString);
}

/** A node input without its output index (`x:0`) or control-dependency marker (`^x`). */
function inputName(raw: string): string {
  return raw.replace(/:\d+$/, '');
}

/** Inputs of a node, control dependencies dropped. */
function dataInputs(node: GraphNode): string[] {
  return (node.input ?? []).filter((i) => !i.startsWith('^')).map(inputName);
}

function padding(node: GraphNode, file: string): Padding {
  const p = stringAttr(node, 'padding');
  if (p === 'SAME') return 'same';
  if (p === 'VALID') return 'valid';
  throw new Error(`${file}: node ${node.name} (${node.op}) has unsupported padding ${p}`);
}

/** Strides of an NHWC op, checked square and without dilation. */
function nhwcStride(node: GraphNode, key: string, file: string): number {
  const s = intsAttr(node, key);
  if (stringAttr(node, 'data_format') !== undefined && stringAttr(node, 'data_format') !== 'NHWC') {
    throw new Error(`${file}: node ${node.name} is not NHWC`);
  }
  if (intsAttr(node, 'dilations').some((d) => d !== 1)) {
    throw new Error(`${file}: node ${node.name} uses dilation, which the converter does not support`);
  }
  if (s.length !== 4 || s[1] !== s[2]) throw new Error(`${file}: node ${node.name} has ${key} [${s}]`);
  return s[1];
}

/** Converts one graph model; `weights` are its decoded shards (see decodeWeightGroups). */
export function buildTfjsGraphOnnx(
  model: TfjsGraphModel,
  weights: WeightMap,
  options: GraphConvertOptions,
): Uint8Array {
  const { file } = options;
  const byName = new Map(model.modelTopology.node.map((n) => [n.name, n]));
  const b = new NetBuilder('tfjs_graph', weights, file);
  const values = new Map<string, Converted>();

  const nodeOf = (name: string): GraphNode => {
    const n = byName.get(name);
    if (!n) throw new Error(`${file}: node ${name} not found`);
    return n;
  };
  const isConst = (name: string): boolean => nodeOf(name).op === 'Const';
  const constData = (name: string): { shape: number[]; data: Float32Array } => {
    const w = weights.get(name);
    if (!w) throw new Error(`${file}: constant ${name} has no weights`);
    return w;
  };

  const activation = (x: Converted, node: GraphNode): Converted => {
    const ops = fusedOps(node);
    if (ops[0] !== 'BiasAdd' || ops.length > 2) {
      throw new Error(`${file}: node ${node.name} fuses [${ops.join(', ')}], expected BiasAdd[, Relu|Relu6]`);
    }
    if (ops[1] === 'Relu') return { ...x, name: b.g.node('Relu', [x.name]) };
    if (ops[1] === 'Relu6') {
      const lo = b.g.constant('relu6_min', [], new Float32Array([0]));
      const hi = b.g.constant('relu6_max', [], new Float32Array([6]));
      return { ...x, name: b.g.node('Clip', [x.name, lo, hi]) };
    }
    if (ops[1] !== undefined) throw new Error(`${file}: node ${node.name} fuses unsupported ${ops[1]}`);
    return x;
  };

  /** Binary elementwise op where either side may be a (broadcast) constant. */
  const elementwise = (node: GraphNode, op: 'Mul' | 'Sub' | 'Add', inputs: string[]): Converted => {
    const [a, c] = inputs;
    const operand = (name: string): string => {
      if (!isConst(name)) return convert(name).name;
      const t = constData(name);
      if (t.data.length !== 1)
        throw new Error(`${file}: node ${node.name} has a non-scalar constant ${name}`);
      return b.g.constant(name, [], t.data);
    };
    const shape = isConst(a) ? convert(c) : convert(a);
    return { ...shape, name: b.g.node(op, [operand(a), operand(c)]) };
  };

  const convertNode = (node: GraphNode): Converted => {
    const inputs = dataInputs(node);
    switch (node.op) {
      case 'Placeholder': {
        const dims = node.attr?.shape?.shape?.dim?.map((d) => Number(d.size)) ?? [];
        if (dims.length !== 4 || dims[1] <= 0 || dims[2] <= 0) {
          throw new Error(`${file}: input ${node.name} needs a static NHWC shape, has [${dims}]`);
        }
        const input = b.g.input('input', ['batch', dims[1], dims[2], dims[3]]);
        const nchw = b.g.node('Transpose', [input], { perm: [0, 3, 1, 2] });
        return { name: nchw, c: dims[3], h: dims[1], w: dims[2], flat: false };
      }
      case 'Identity':
        return convert(inputs[0]);
      case 'Mul':
        return elementwise(node, 'Mul', inputs);
      case 'Sub':
        return elementwise(node, 'Sub', inputs);
      case 'AddV2':
      case 'Add':
        return elementwise(node, 'Add', inputs);
      case '_FusedConv2D': {
        const x = convert(inputs[0]);
        const f = constData(inputs[1]);
        const [k, kw, , co] = f.shape;
        if (k !== kw) throw new Error(`${file}: node ${node.name} has a non-square kernel`);
        const stride = nhwcStride(node, 'strides', file);
        const conv = b.conv(
          x,
          hwioToOihw(f),
          constData(inputs[2]).data,
          k,
          co,
          stride,
          padding(node, file),
          node.name,
        );
        return activation({ ...conv, flat: false }, node);
      }
      case 'FusedDepthwiseConv2dNative': {
        const x = convert(inputs[0]);
        const f = constData(inputs[1]);
        const [k, kw, c, multiplier] = f.shape;
        if (k !== kw || multiplier !== 1 || c !== x.c) {
          throw new Error(`${file}: node ${node.name} has an unsupported depthwise filter [${f.shape}]`);
        }
        const stride = nhwcStride(node, 'strides', file);
        const bias = constData(inputs[2]).data;
        const conv = b.conv(x, depthwiseToOnnx(f), bias, k, c, stride, padding(node, file), node.name, c);
        return activation({ ...conv, flat: false }, node);
      }
      case 'AvgPool': {
        const x = convert(inputs[0]);
        const k = intsAttr(node, 'ksize');
        if (k[1] !== k[2]) throw new Error(`${file}: node ${node.name} has a non-square pool`);
        const pooled = b.pool('AveragePool', x, k[1], nhwcStride(node, 'strides', file), padding(node, file));
        return { ...pooled, flat: false };
      }
      case 'Squeeze': {
        const x = convert(inputs[0]);
        const dims = intsAttr(node, 'squeeze_dims');
        if (x.flat || dims.join(',') !== '1,2' || x.h !== 1 || x.w !== 1) {
          throw new Error(
            `${file}: node ${node.name} squeezes [${dims}] of a ${x.h}x${x.w} map; only [1,2] of 1x1`,
          );
        }
        const name = b.g.node('Squeeze', [x.name, b.g.int64('squeeze_axes', [2, 3])]);
        return { ...x, name, flat: true };
      }
      case '_FusedMatMul': {
        const x = convert(inputs[0]);
        if (!x.flat) throw new Error(`${file}: node ${node.name} multiplies a 4-D value`);
        if (node.attr?.transpose_a?.b || node.attr?.transpose_b?.b) {
          throw new Error(
            `${file}: node ${node.name} transposes an operand, which the converter does not support`,
          );
        }
        const w = constData(inputs[1]);
        const out = b.dense(x.name, w, constData(inputs[2]).data, node.name);
        return activation({ ...x, name: out, c: w.shape[1] }, node);
      }
      case 'Softmax': {
        const x = convert(inputs[0]);
        if (!x.flat) throw new Error(`${file}: node ${node.name} applies Softmax to a 4-D value`);
        return { ...x, name: b.g.node('Softmax', [x.name], { axis: 1 }) };
      }
      default:
        throw new Error(`${file}: node ${node.name} has op ${node.op}, which the converter does not support`);
    }
  };

  // Depth-first from the output: each node converted once, after its inputs (MobileNet is ~180 deep).
  function convert(name: string): Converted {
    const done = values.get(name);
    if (done) return done;
    const v = convertNode(nodeOf(name));
    values.set(name, v);
    return v;
  }

  const out = convert(options.output);
  b.g.node('Identity', [out.name], {}, options.outputName);
  b.g.output(options.outputName, out.flat ? ['batch', out.c] : ['batch', out.c, out.h, out.w]);
  return b.g.toModel({ producer: 'rxvision tfjs graph converter', doc: `${file} up to ${options.output}` });
}
