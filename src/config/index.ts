export * from './errors';
export * from './load';
export { interpolateEnv, interpolateString, type Interpolated } from './interpolate';
export { formatJsonPath } from './json-path';
export { findJsonSyntaxError, type JsonSyntaxError } from './json-syntax';
export { configJsonSchema, configJsonSchemaText } from './json-schema';
export * from './schema/root';
export * from './schema/channel';
export * from './schema/dedup';
