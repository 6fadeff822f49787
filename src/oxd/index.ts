export { OxdClient, DEFAULT_CLIENT_TOKEN_SCOPE } from './client.js';
export type { FromConfigFileOptions } from './client.js';
export { OxdError, isOxdTransportError } from './errors.js';
export type { OxdErrorCode, OxdErrorOptions, OxdLocalErrorCode, OxdServerErrorCode } from './errors.js';
export { OxdConfigFile, parseOxdConfig } from './config.js';
export type { OxdConfig } from './config.js';
export type { IniUpdates } from './config-write.js';
export type { ClientState } from './settings.js';
export type {
  AuthorizationUrlOptions,
  CheckAccessResult,
  ClientRegistration,
  GetClientTokenOptions,
  IntrospectionResult,
  LogoutUriOptions,
  NeedInfoResult,
  OxdCallOptions,
  OxdClientCommonOptions,
  OxdClientOptions,
  OxdClientSettings,
  OxdLogger,
  OxdProtocol,
  RegisterSiteOptions,
  RpInfo,
  RptIntrospectionResult,
  RptPermission,
  RptResult,
  SiteResult,
  TokenResult,
  TokensByCodeResult,
  UmaCondition,
  UmaResource,
  UmaRpGetRptOptions,
  UmaRpGetRptResult,
  UmaRsProtectOptions,
  UpdateSiteOptions,
} from './types.js';
