/**
 * @jest-environment ./test/fixtures/onnx/ort-environment.ts
 *
 * Proves the tfjs -> ONNX conversion: our ONNX graphs (onnxruntime-node) against the reference, face-api
 * itself running on the tfjs CPU backend with weights decoded by tfjs, on real face crops (messi5.jpg,
 * astronaut.png, a Megamind.avi frame) cut by our aligner from BlazeFace detections.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { assetPath } from '../../src/assets';
import { tfPadding } from '../../src/models/face-api-convert';
import { faceApiOnnxPath, FACE_API_MODELS, type FaceApiModel } from '../../src/models/face-api-models';
import { loadTfjsWeights } from '../../src/models/tfjs-weights';
import { createDetector } from '../../src/kernels/detectors/open';
import type { FrameImage } from '../../src/kernels/frame';
import { cropFace } from '../../src/kernels/faces/face-crop';
import { astronautPath, loadImage, sampleImage, sampleVideoFrame } from '../reid/faces';

// face-api's node-wasm bundle requires the wasm backend; the reference runs on the CPU backend only.
jest.mock('@tensorflow/tfjs-backend-wasm', () => ({}), { virtual: true });

/* eslint-disable @typescript-eslint/no-require-imports, @typescript-eslint/no-explicit-any */
const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js');
const tf = faceapi.tf as typeof import('@tensorflow/tfjs');
/* eslint-enable @typescript-eslint/no-require-imports */

let dir: string;
let crops150: Uint8Array[];
let crops112: Uint8Array[];

function referenceNet(model: FaceApiModel): any {
  const manifestFile = assetPath('face-api', FACE_API_MODELS[model].manifest);
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
  const bin = readFileSync(path.join(path.dirname(manifestFile), manifest[0].paths[0]));
  const weightMap = tf.io.decodeWeights(
    bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength),
    manifest[0].weights,
  );
  const net = model === 'face-recognition' ? new faceapi.FaceRecognitionNet() : new faceapi.AgeGenderNet();
  net.loadFromWeightMap(weightMap);
  return net;
}

function batchInput(crops: Uint8Array[], size: number): Float32Array {
  const data = new Float32Array(crops.length * size * size * 3);
  crops.forEach((c, i) => data.set(c, i * size * size * 3));
  return data;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = mkdtempSync(path.join(os.tmpdir(), 'rxvision-onnx-'));
  const detector = await createDetector({ type: 'blazeface', variant: 'back' });
  const frames: FrameImage[] = [
    await sampleImage('messi5.jpg'),
    await loadImage(astronautPath()),
    sampleVideoFrame('Megamind.avi', 60),
  ];
  crops150 = [];
  crops112 = [];
  for (const frame of frames) {
    const [face] = await detector.detect(frame);
    expect(face).toBeDefined();
    crops150.push(cropFace(frame, face, { size: 150 }));
    crops112.push(cropFace(frame, face, { size: 112 }));
  }
  await detector.dispose();
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('TensorFlow padding arithmetic', () => {
  it('puts the odd padding pixel at the end, as TensorFlow does', () => {
    expect(tfPadding(112, 3, 2, 'same')).toEqual({ out: 56, begin: 0, end: 1 });
    expect(tfPadding(14, 3, 1, 'same')).toEqual({ out: 14, begin: 1, end: 1 });
    expect(tfPadding(150, 7, 2, 'valid')).toEqual({ out: 72, begin: 0, end: 0 });
    expect(tfPadding(17, 3, 2, 'valid')).toEqual({ out: 8, begin: 0, end: 0 });
  });
});

describe('tfjs weight decoding', () => {
  it('dequantises every weight exactly like tfjs io.decodeWeights', () => {
    const file = assetPath('face-api', FACE_API_MODELS['age-gender'].manifest);
    const ours = loadTfjsWeights(file);
    const manifest = JSON.parse(readFileSync(file, 'utf8'));
    const bin = readFileSync(path.join(path.dirname(file), manifest[0].paths[0]));
    const ref = tf.io.decodeWeights(
      bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength),
      manifest[0].weights,
    );
    expect(ours.size).toBe(Object.keys(ref).length);
    for (const [name, t] of Object.entries(ref)) {
      expect(ours.get(name)?.shape).toEqual(t.shape);
      expect(maxAbsDiff(ours.get(name)!.data, t.dataSync() as Float32Array)).toBe(0);
    }
  });
});

describe('converted face recognition net', () => {
  it('matches face-api on real face crops within 1e-3, batched, with a dynamic batch dimension', async () => {
    const session = await ort.InferenceSession.create(faceApiOnnxPath('face-recognition', { dir }));
    const n = crops150.length;
    const out = await session.run({
      input: new ort.Tensor('float32', batchInput(crops150, 150), [n, 150, 150, 3]),
    });
    expect(out.embedding.dims).toEqual([n, 128]);
    const net = referenceNet('face-recognition');
    for (let i = 0; i < n; i++) {
      const input = tf.tensor4d(crops150[i], [1, 150, 150, 3], 'float32');
      const reference = (await net.computeFaceDescriptor(input)) as Float32Array;
      input.dispose();
      const ours = (out.embedding.data as Float32Array).subarray(i * 128, (i + 1) * 128);
      expect(maxAbsDiff(ours, reference)).toBeLessThan(1e-3);
      // Not trivially equal: descriptors have a real magnitude.
      expect(Math.hypot(...reference)).toBeGreaterThan(0.3);
    }
    await session.release();
  });
});

describe('converted age/gender net', () => {
  it('matches face-api (age in years, softmax gender) on real face crops within 1e-3', async () => {
    const session = await ort.InferenceSession.create(faceApiOnnxPath('age-gender', { dir }));
    const n = crops112.length;
    const out = await session.run({
      input: new ort.Tensor('float32', batchInput(crops112, 112), [n, 112, 112, 3]),
    });
    expect(out.age.dims).toEqual([n, 1]);
    expect(out.gender.dims).toEqual([n, 2]);
    const net = referenceNet('age-gender');
    for (let i = 0; i < n; i++) {
      const input = tf.tensor4d(crops112[i], [1, 112, 112, 3], 'float32');
      const ref = await net.forward(input);
      const age = (await ref.age.data()) as Float32Array;
      const gender = (await ref.gender.data()) as Float32Array;
      input.dispose();
      expect(Math.abs((out.age.data as Float32Array)[i] - age[0])).toBeLessThan(1e-3);
      expect(maxAbsDiff((out.gender.data as Float32Array).subarray(i * 2, i * 2 + 2), gender)).toBeLessThan(
        1e-3,
      );
      expect(age[0]).toBeGreaterThan(5);
    }
    await session.release();
  });
});
