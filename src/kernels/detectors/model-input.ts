import { inputShape, type OrtSession } from '../onnx-session';

/**
 * The NCHW input size of a user-supplied face model: the model's own size when its height and width are
 * fixed, else the requested size (default `fallback`), which must be a multiple of `multiple` (the
 * largest feature-map stride) so every stride's grid is whole.
 */
export function resolveNchwInput(
  session: OrtSession,
  modelPath: string,
  requested: { width: number; height: number } | undefined,
  fallback: number,
  multiple: number,
): { name: string; width: number; height: number } {
  const name = session.inputNames[0];
  if (!name) throw new Error(`${modelPath}: model has no input`);
  const shape = inputShape(session, name);
  if (shape.length !== 4) throw new Error(`${modelPath}: input "${name}" must be NCHW (4 dimensions)`);
  if (shape[1] !== undefined && shape[1] !== 3)
    throw new Error(`${modelPath}: input "${name}" must have 3 channels`);
  const height = shape[2] ?? requested?.height ?? fallback;
  const width = shape[3] ?? requested?.width ?? fallback;
  if (requested && (requested.width !== width || requested.height !== height)) {
    throw new Error(
      `${modelPath}: inputSize ${requested.width}x${requested.height} requested, the model is fixed at ${width}x${height}`,
    );
  }
  if (width % multiple !== 0 || height % multiple !== 0) {
    throw new Error(`${modelPath}: input size ${width}x${height} must be a multiple of ${multiple}`);
  }
  return { name, width, height };
}
