export { UmagateError, isUmagateError } from './errors.js';
export type { UmagateErrorOptions } from './errors.js';
export * from './oxd/index.js';
export * from './policy/index.js';
export * from './proxy/index.js';
export { startDevOxd } from './devoxd/index.js';
export type { DevOxd, DevOxdOptions, DevOxdFault, FaultRule } from './devoxd/index.js';
