/**
 * A dependency-free ONNX model writer: a minimal protobuf encoder and a graph builder covering the
 * onnx.proto messages we emit (ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto,
 * ValueInfoProto). Field numbers follow onnx/onnx.proto. Used by the tfjs -> ONNX converter
 * (./face-api-convert.ts) and by tests that build tiny models on purpose.
 */

/** Encodes protobuf messages into a list of byte chunks (large tensors are not copied byte by byte). */
export class ProtoWriter {
  private readonly chunks: Uint8Array[] = [];
  private pending: number[] = [];
  private length = 0;

  private flushPending(): void {
    if (this.pending.length === 0) return;
    this.chunks.push(Uint8Array.from(this.pending));
    this.pending = [];
  }

  private varint(value: number | bigint): void {
    // Negative int64 values are encoded as 10-byte two's complement, as protobuf does.
    let v = BigInt.asUintN(64, BigInt(value));
    while (v >= 0x80n) {
      this.pending.push(Number((v & 0x7fn) | 0x80n));
      this.length++;
      v >>= 7n;
    }
    this.pending.push(Number(v));
    this.length++;
  }

  private tag(field: number, wireType: number): void {
    this.varint((field << 3) | wireType);
  }

  /** A varint field (int32, int64, enum). */
  int(field: number, value: number | bigint): this {
    this.tag(field, 0);
    this.varint(value);
    return this;
  }

  /** A 32-bit float field (wire type 5). */
  float(field: number, value: number): this {
    this.tag(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    return this.raw(b);
  }

  /** A length-delimited field holding `data`. */
  bytes(field: number, data: Uint8Array): this {
    this.tag(field, 2);
    this.varint(data.length);
    return this.raw(data);
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  message(field: number, inner: ProtoWriter): this {
    return this.bytes(field, inner.finish());
  }

  private raw(data: Uint8Array): this {
    this.flushPending();
    this.chunks.push(data);
    this.length += data.length;
    return this;
  }

  /** The encoded message. */
  finish(): Uint8Array {
    this.flushPending();
    if (this.chunks.length === 1) return this.chunks[0];
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}

/** onnx TensorProto.DataType values we use. */
export const OnnxType = { FLOAT: 1, INT64: 7 } as const;

const ATTR = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7 } as const;

/** A dimension: a number, or a string for a symbolic (dynamic) dimension such as the batch. */
export type Dim = number | string;

/** Node attribute values: numbers are ints unless wrapped with {@link floatAttr}. */
export type AttributeValue =
  number | number[] | string | { float: number } | { floats: number[] } | { tensor: TensorData };

/** A constant tensor: float32 or int64 data with its dims. */
export interface TensorData {
  dims: readonly number[];
  data: Float32Array | BigInt64Array;
}

/** Marks a number attribute as a float (plain numbers are ints). */
export function floatAttr(value: number): { float: number } {
  return { float: value };
}

function tensorProto(name: string, t: TensorData): ProtoWriter {
  const w = new ProtoWriter();
  for (const d of t.dims) w.int(1, d);
  const type = t.data instanceof BigInt64Array ? OnnxType.INT64 : OnnxType.FLOAT;
  w.int(2, type).string(8, name);
  // raw_data is little-endian; typed arrays on x86/arm hosts are little-endian too.
  return w.bytes(9, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
}

function valueInfo(name: string, shape: readonly Dim[], elemType: number = OnnxType.FLOAT): ProtoWriter {
  const shapeProto = new ProtoWriter();
  for (const d of shape) {
    shapeProto.message(
      1,
      typeof d === 'number' ? new ProtoWriter().int(1, d) : new ProtoWriter().string(2, d),
    );
  }
  const tensorType = new ProtoWriter().int(1, elemType).message(2, shapeProto);
  return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, tensorType));
}

function attribute(name: string, value: AttributeValue): ProtoWriter {
  const w = new ProtoWriter().string(1, name);
  if (typeof value === 'number') return w.int(20, ATTR.INT).int(3, value);
  if (typeof value === 'string') return w.int(20, ATTR.STRING).bytes(4, new TextEncoder().encode(value));
  if (Array.isArray(value)) {
    w.int(20, ATTR.INTS);
    for (const v of value) w.int(8, v);
    return w;
  }
  if ('float' in value) return w.int(20, ATTR.FLOAT).float(2, value.float);
  if ('floats' in value) {
    w.int(20, ATTR.FLOATS);
    for (const v of value.floats) w.float(7, v);
    return w;
  }
  return w.int(20, ATTR.TENSOR).message(5, tensorProto(name, value.tensor));
}

/**
 * Builds one ONNX graph: declare inputs, add initializers and nodes, declare outputs, then `toModel()`.
 * Node outputs get unique names from {@link OnnxGraph.node}; names are what connects nodes.
 */
export class OnnxGraph {
  private readonly nodes: ProtoWriter[] = [];
  private readonly initializers: ProtoWriter[] = [];
  private readonly inputs: ProtoWriter[] = [];
  private readonly outputs: ProtoWriter[] = [];
  private readonly used = new Set<string>();
  private counter = 0;

  constructor(private readonly name: string) {}

  private unique(base: string): string {
    let name = base;
    while (this.used.has(name)) name = `${base}_${++this.counter}`;
    this.used.add(name);
    return name;
  }

  /** Declares a float graph input. */
  input(name: string, shape: readonly Dim[]): string {
    this.used.add(name);
    this.inputs.push(valueInfo(name, shape));
    return name;
  }

  /** Declares `value` (a node output name) as a float graph output under its own name. */
  output(value: string, shape: readonly Dim[]): void {
    this.outputs.push(valueInfo(value, shape));
  }

  /** Adds a float32 constant (weights, biases). */
  constant(name: string, dims: readonly number[], data: Float32Array): string {
    if (data.length !== dims.reduce((a, b) => a * b, 1)) {
      throw new Error(`onnx constant ${name}: ${data.length} values do not fill dims [${dims.join(',')}]`);
    }
    const unique = this.unique(name);
    this.initializers.push(tensorProto(unique, { dims, data }));
    return unique;
  }

  /** Adds an int64 constant (shapes, pads). */
  int64(name: string, values: readonly number[]): string {
    const unique = this.unique(name);
    this.initializers.push(
      tensorProto(unique, { dims: [values.length], data: BigInt64Array.from(values.map(BigInt)) }),
    );
    return unique;
  }

  /**
   * Adds a node with one output (named `outputName` or after the op) and returns the output name.
   * Pass `outputs` to name several outputs; the first is returned.
   */
  node(
    opType: string,
    inputs: string[],
    attributes: Record<string, AttributeValue> = {},
    outputName?: string,
  ): string {
    const out = outputName ?? this.unique(`${opType.toLowerCase()}`);
    if (outputName) this.used.add(outputName);
    const w = new ProtoWriter();
    for (const i of inputs) w.string(1, i);
    w.string(2, out);
    w.string(3, `${opType}_${out}`).string(4, opType);
    for (const [k, v] of Object.entries(attributes)) w.message(5, attribute(k, v));
    this.nodes.push(w);
    return out;
  }

  /** Serialises the graph as a model (IR version 7, default-domain opset `opset`). */
  toModel(options: { opset?: number; producer?: string; doc?: string } = {}): Uint8Array {
    const graph = new ProtoWriter();
    for (const n of this.nodes) graph.message(1, n);
    graph.string(2, this.name);
    for (const i of this.initializers) graph.message(5, i);
    if (options.doc) graph.string(10, options.doc);
    for (const i of this.inputs) graph.message(11, i);
    for (const o of this.outputs) graph.message(12, o);
    return new ProtoWriter()
      .int(1, 7)
      .string(2, options.producer ?? 'rxvision')
      .message(7, graph)
      .message(8, new ProtoWriter().string(1, '').int(2, options.opset ?? 13))
      .finish();
  }
}
