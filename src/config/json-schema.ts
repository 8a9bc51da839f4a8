import { z } from 'zod';
import { rxvisionConfigSchema } from './schema/root';

/**
 * The JSON Schema of config files, generated from the zod schema (the single source of truth). It
 * describes the input side (defaults are optional), in draft-07 for the widest editor support.
 */
export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(rxvisionConfigSchema, { target: 'draft-07', io: 'input' }) as Record<
    string,
    unknown
  >;
  const { $schema, ...rest } = schema;
  return { $schema, title: 'rxvision config', ...rest };
}

/** The schema as the text committed in config/rxvision.schema.json (2-space indent, final newline). */
export function configJsonSchemaText(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
}
