/**
 * The dev UMA 2.0 AS: an in-memory authorization server behind the standard UMA 2.0 endpoints,
 * in the Keycloak, Janssen or spec dialect, for tests and the dev sandbox. Never for production.
 */
export {
  startDevAs,
  DEFAULT_DEV_AS_REALM,
  DEFAULT_DEV_AS_RPT_LIFETIME_SECONDS,
  DEFAULT_PAT_LIFETIME_SECONDS,
  DEFAULT_RESOURCE_LIFETIME_SECONDS,
} from './dev-as.js';
export { UMA_TICKET_GRANT } from './token-endpoint.js';
export type {
  DevAs,
  DevAsAuth,
  DevAsCall,
  DevAsClient,
  DevAsClientInit,
  DevAsDialect,
  DevAsEndpoint,
  DevAsFault,
  DevAsFaultRule,
  DevAsFaults,
  DevAsOptions,
  DevAsResource,
} from './types.js';
