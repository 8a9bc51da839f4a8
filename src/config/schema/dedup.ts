import { z } from 'zod';
import { dedupSettingsSchema } from './dedup-settings';
import { dedupClusterSchema } from './dedup-cluster';
import { BUILTIN_MOBILENET } from '../../kernels/features/types';

/**
 * One dedup job in a config file (`dedup: [...]`). Paths (root, out, settings.actions.targetDir,
 * settings.features.embedding.model) are relative to the config file. Every object is strict, so a
 * misspelt key is an error rather than a silently ignored option.
 */
export const dedupJobSchema = z
  .strictObject({
    id: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'a job id (letters, digits, _ . -)')
      .describe('Job id, unique among dedup jobs (names its rows in the database and its log lines)'),
    root: z.string().min(1).describe('Directory to scan (recursively), relative to this config file'),
    out: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Report directory (report.json, report.csv, report.html, undo.jsonl), relative to this config file; without it the undo log goes to settings.actions.targetDir',
      ),
    include: z
      .array(z.string().min(1))
      .optional()
      .describe('Globs (relative to root) a file must match, e.g. ["**/*.jpg"]; default: every image'),
    exclude: z
      .array(z.string().min(1))
      .optional()
      .describe('Globs (relative to root) of files and folders to leave out, e.g. ["thumbnails/**"]'),
    scan: z
      .strictObject({
        followSymlinks: z
          .boolean()
          .default(false)
          .describe(
            'Also scan files and folders reached through symbolic links that resolve inside root (reported, never acted on); default: links are skipped',
          ),
      })
      .optional()
      .describe('How root is walked'),
    settings: dedupSettingsSchema.optional(),
    cluster: dedupClusterSchema.optional(),
  })
  .describe('A dedup job: find near-duplicate images under root');

export type DedupJobConfig = z.infer<typeof dedupJobSchema>;

/** Resolves a job's path-valued fields with `resolve` (the config loader passes its config-relative resolver). */
export function resolveDedupJobPaths(job: DedupJobConfig, resolve: (p: string) => string): DedupJobConfig {
  const settings = job.settings && {
    ...job.settings,
    actions: job.settings.actions.targetDir
      ? { ...job.settings.actions, targetDir: resolve(job.settings.actions.targetDir) }
      : job.settings.actions,
    features:
      job.settings.features.embedding && job.settings.features.embedding.model !== BUILTIN_MOBILENET
        ? {
            ...job.settings.features,
            embedding: {
              ...job.settings.features.embedding,
              model: resolve(job.settings.features.embedding.model),
            },
          }
        : job.settings.features,
  };
  return {
    ...job,
    root: resolve(job.root),
    ...(job.out !== undefined ? { out: resolve(job.out) } : {}),
    ...(settings ? { settings } : {}),
  };
}
