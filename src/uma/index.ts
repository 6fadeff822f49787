export { UmaClient, DEFAULT_AS_TIMEOUT_MS } from './client.js';
export { UmaError, isUmaTransportError } from './errors.js';
export type { UmaEndpoint, UmaErrorCode, UmaErrorOptions } from './errors.js';
export { UMA_TICKET_GRANT } from './grant.js';
export type {
  AsDialect,
  PermissionRequest,
  RegisteredResource,
  RequiredClaim,
  ResourceDescription,
  RptIntrospection,
  IntrospectedPermission,
  RptRequest,
  RptGrantResult,
  RptVerification,
  UmaClientOptions,
  UmaDiscovery,
} from './types.js';
