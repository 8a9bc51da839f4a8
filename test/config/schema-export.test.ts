import { readFileSync } from 'node:fs';
import path from 'node:path';
import { configJsonSchema, configJsonSchemaText, loadConfig } from '../../src/config';
import { packageRoot } from '../../src/util/paths';

const configDir = path.join(packageRoot(), 'config');

type JsonSchemaNode = Record<string, unknown>;

/** Every object-typed node of a JSON Schema, with its location. */
function objectNodes(node: unknown, where = '#'): Array<[string, JsonSchemaNode]> {
  if (node === null || typeof node !== 'object') return [];
  const out: Array<[string, JsonSchemaNode]> = [];
  const record = node as JsonSchemaNode;
  if (record.type === 'object' && record.properties) out.push([where, record]);
  for (const [key, child] of Object.entries(record)) out.push(...objectNodes(child, `${where}/${key}`));
  return out;
}

describe('config JSON Schema', () => {
  it('committed config/rxvision.schema.json equals a fresh export (run npm run schema to update)', () => {
    expect(readFileSync(path.join(configDir, 'rxvision.schema.json'), 'utf8')).toBe(configJsonSchemaText());
  });

  it('describes the root sections with descriptions and defaults, and allows $schema', () => {
    const schema = configJsonSchema() as {
      properties: Record<string, JsonSchemaNode & { properties?: Record<string, JsonSchemaNode> }>;
      additionalProperties: unknown;
      required?: string[];
    };
    expect(Object.keys(schema.properties).sort()).toEqual(
      [
        '$schema',
        'channelDefaults',
        'channels',
        'database',
        'dedup',
        'log',
        'metrics',
        'pools',
        'web',
        'identities',
        'demographics',
        'cluster',
      ].sort(),
    );
    expect(schema.properties.cluster.properties?.heartbeatMs).toMatchObject({
      default: 1000,
      type: 'integer',
    });
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required ?? []).toEqual([]);
    expect(schema.properties.database.properties?.dataDir).toMatchObject({ default: './data/db' });
    expect(schema.properties.database.properties?.url.description).toContain('${DATABASE_URL}');
    expect(schema.properties.web.properties?.port).toMatchObject({ default: 8080, type: 'integer' });
    expect(schema.properties.web.required ?? []).toEqual([]); // defaults make fields optional in files
  });

  it('forbids unknown keys in every object (typos are errors)', () => {
    const open = objectNodes(configJsonSchema())
      .filter(([, node]) => node.additionalProperties !== false)
      .map(([where]) => where);
    expect(open).toEqual([]);
  });

  it.each(['channels.json', 'dedup.json'])('example config/%s is valid', async (name) => {
    const config = await loadConfig(path.join(configDir, name), { env: {} });
    expect(config.$schema).toBe('./rxvision.schema.json');
    expect((config.channels?.length ?? 0) + (config.dedup?.length ?? 0)).toBeGreaterThan(0);
    expect(config.database?.dataDir).toBe(path.join(packageRoot(), 'data', 'db'));
  });
});
