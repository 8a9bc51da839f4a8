import { sql, type RawBuilder } from 'kysely';

/**
 * A value for a json/jsonb column that behaves the same on both dialects: pg would turn a JS array
 * parameter into a Postgres array, so the value is sent as JSON text and cast.
 */
export function jsonb<T>(value: T): RawBuilder<T> {
  return sql<T>`cast(${JSON.stringify(value)} as jsonb)`;
}
