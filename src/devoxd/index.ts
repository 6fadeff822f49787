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
export type { DevOxd, DevOxdCall, DevOxdFault, DevOxdFaults, DevOxdOptions, DevTokenControls, FaultRule } from './types.js';
export { NEED_INFO_SUFFIX, DEFAULT_DEMANDED_CLAIM, parseClaimDemand } from './claim-demands.js';
export type { ClaimDemand, RequiredClaim } from './claim-demands.js';
export { AuthorizationServer } from './authorization-server.js';
export type { AuthorizationServerOptions, ClientMetadata, Ticket } from './authorization-server.js';
export { DEV_USER, DEV_USERS } from './dev-users.js';
export type { DevUser } from './dev-users.js';
