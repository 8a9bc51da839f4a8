/**
 * Config of the face models behind the `embed` and `classify` pools: the built-in face-api networks
 * (converted to ONNX on first use) or any user-supplied ONNX file with its input size, layout,
 * normalisation and output meaning (e.g. ArcFace 112x112 embeddings, InsightFace genderage).
 */
import { z } from 'zod';
import type * as Kernel from '../../kernels/faces/model-config';
import type { Conform } from './conform';

const rgbTriple = z.tuple([z.number(), z.number(), z.number()]);

const onnxInput = {
  path: z.string().min(1).describe('ONNX model file'),
  inputName: z.string().optional().describe('input tensor name (default: the first input)'),
  inputSize: z.number().int().min(16).max(1024).describe('square input side in pixels'),
  layout: z.enum(['NCHW', 'NHWC']).default('NCHW').describe('input tensor layout'),
  channels: z.enum(['rgb', 'bgr']).default('rgb').describe('channel order the model expects'),
  mean: rgbTriple
    .default([127.5, 127.5, 127.5])
    .describe('subtracted from 0..255 pixel values, per channel in model order'),
  std: rgbTriple.default([127.5, 127.5, 127.5]).describe('divides the centred values, per channel'),
  eyeDistance: z
    .number()
    .min(0.1)
    .max(0.8)
    .optional()
    .describe('crop: align on the eyes, their distance / crop side (e.g. ArcFace 0.34); unset: box crop'),
  margin: z
    .number()
    .min(0)
    .max(1)
    .default(0.2)
    .describe('box crop: border around the box, fraction of its side'),
  eyeY: z.number().min(0.1).max(0.8).optional().describe('crop: eye line height / crop side'),
};

/** Face embedding model: face-api's 128-D recognition net or an ONNX file. */
export const embedderConfigSchema = z
  .discriminatedUnion('type', [
    z.strictObject({ type: z.literal('face-api') }).describe('face-api recognition net (128-D)'),
    z
      .strictObject({
        type: z.literal('onnx'),
        ...onnxInput,
        output: z.string().optional().describe('embedding output name (default: the first output)'),
      })
      .describe('user-supplied ONNX embedding model, e.g. ArcFace 112x112'),
  ])
  .describe('face embedding model');

/** Age/gender model: face-api's net or an ONNX file with the meaning of its outputs. */
export const classifierConfigSchema = z
  .discriminatedUnion('type', [
    z.strictObject({ type: z.literal('face-api') }).describe('face-api age/gender net'),
    z
      .strictObject({
        type: z.literal('onnx'),
        ...onnxInput,
        age: z
          .strictObject({
            output: z.string().optional().describe('output name (default: the first output)'),
            index: z.number().int().min(0).default(0).describe('value index per face'),
            scale: z.number().default(1).describe('years = value * scale (InsightFace: 100)'),
          })
          .describe('where the age is'),
        gender: z
          .strictObject({
            output: z.string().optional().describe('output name (default: the first output)'),
            index: z.number().int().min(0).default(0).describe('index of the first of two gender values'),
            kind: z
              .enum(['probabilities', 'logits'])
              .default('logits')
              .describe('two class probabilities, or two logits to softmax'),
            maleIndex: z
              .union([z.literal(0), z.literal(1)])
              .default(1)
              .describe('which of the two is male'),
          })
          .describe('where the gender is'),
      })
      .describe('user-supplied ONNX classifier, e.g. InsightFace genderage (96x96)'),
  ])
  .describe('age/gender model');

/** A parsed embedding model config; the compiler checks the embed kernel accepts it. */
export type EmbedderConfig = Conform<z.infer<typeof embedderConfigSchema>, Kernel.EmbedderConfig>;
/** A parsed age/gender model config; the compiler checks the classify kernel accepts it. */
export type ClassifierConfig = Conform<z.infer<typeof classifierConfigSchema>, Kernel.ClassifierConfig>;
