/**
 * Loads sharp (libvips, a native add-on) on first use, so that importing the library or a pipeline module
 * does not load it: the main thread needs it only for image-folder sources and report thumbnails.
 */
import type SharpModule from 'sharp';

export type Sharp = typeof SharpModule;

let sharp: Sharp | undefined;

/** The sharp module, loaded on the first call. */
export function loadSharp(): Sharp {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  sharp ??= require('sharp') as Sharp;
  return sharp;
}
