/**
 * The dev oxd: an in-memory UMA authorization server behind oxd's three wire protocols, for tests
 * and the dev sandbox. Never for production.
 */
export {
  startDevOxd,
  DEFAULT_DEV_OP_HOST,
  DEFAULT_RPT_LIFETIME_SECONDS,
  DEFAULT_TOKEN_LIFETIME_SECONDS,
  DEFAULT_CALL_LOG_LIMIT,
} from './dev-oxd.js';
export type { DevOxd, DevOxdCall, DevOxdFault, DevOxdFaults, DevOxdOptions, FaultRule } from './types.js';
export { NEED_INFO_SUFFIX } from './uma-operations.js';
export { DEV_USER } from './authorization-server.js';
