/** A strict reader of the Prometheus text exposition format (0.0.4), enough to check `/metrics`. */

export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface PromText {
  types: Map<string, string>;
  help: Map<string, string>;
  samples: PromSample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const SUFFIXES = ['_bucket', '_sum', '_count', '_total', '_created', '_gcount', '_gsum'];

function parseValue(text: string, line: number): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN') return NaN;
  const n = Number(text);
  if (text === '' || Number.isNaN(n)) throw new Error(`line ${line}: bad value "${text}"`);
  return n;
}

function parseLabels(text: string, line: number): [Record<string, string>, string] {
  const labels: Record<string, string> = {};
  let i = 1; // after '{'
  while (text[i] !== '}') {
    const name = NAME.exec(text.slice(i))?.[0];
    if (!name || text[i + name.length] !== '=' || text[i + name.length + 1] !== '"')
      throw new Error(`line ${line}: bad label at "${text.slice(i)}"`);
    i += name.length + 2;
    let value = '';
    while (text[i] !== '"') {
      if (i >= text.length) throw new Error(`line ${line}: unterminated label value`);
      if (text[i] === '\\') {
        const next = text[i + 1];
        value += next === 'n' ? '\n' : next;
        i += 2;
      } else value += text[i++];
    }
    labels[name] = value;
    i++;
    if (text[i] === ',') i++;
    else if (text[i] !== '}') throw new Error(`line ${line}: expected , or } after label ${name}`);
  }
  return [labels, text.slice(i + 1)];
}

/** Parses exposition text; throws naming the line on anything malformed or a sample without a TYPE. */
export function parsePromText(text: string): PromText {
  const out: PromText = { types: new Map(), help: new Map(), samples: [] };
  text.split('\n').forEach((raw, index) => {
    const line = index + 1;
    if (raw.trim() === '') return;
    if (raw.startsWith('#')) {
      const m = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) ?(.*)$/.exec(raw);
      if (!m) return; // other comments are allowed
      if (m[1] === 'TYPE') {
        if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(m[3]))
          throw new Error(`line ${line}: unknown type ${m[3]}`);
        out.types.set(m[2], m[3]);
      } else out.help.set(m[2], m[3]);
      return;
    }
    const name = NAME.exec(raw)?.[0];
    if (!name) throw new Error(`line ${line}: no metric name in "${raw}"`);
    let rest = raw.slice(name.length);
    let labels: Record<string, string> = {};
    if (rest.startsWith('{')) [labels, rest] = parseLabels(rest, line);
    const parts = rest.trim().split(/\s+/);
    if (parts.length < 1 || parts.length > 2) throw new Error(`line ${line}: expected value [timestamp]`);
    const family = out.types.has(name)
      ? name
      : SUFFIXES.map((s) => (name.endsWith(s) ? name.slice(0, -s.length) : '')).find(
          (f) => f && out.types.has(f),
        );
    if (!family) throw new Error(`line ${line}: sample ${name} has no # TYPE`);
    out.samples.push({ name, labels, value: parseValue(parts[0], line) });
  });
  return out;
}

/** The value of the sample `name` whose labels include `labels` (undefined when there is none). */
export function sampleValue(
  text: PromText,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  return text.samples.find(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  )?.value;
}
