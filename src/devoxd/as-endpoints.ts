/**
 * Where the dev AS serves its browser-facing endpoints, relative to its issuer (`op_host`). The
 * paths are oxAuth's, so URLs built by the dev oxd look like those of a real Gluu server.
 */
export const AUTHORIZATION_PATH = '/oxauth/restv1/authorize';
export const END_SESSION_PATH = '/oxauth/restv1/end_session';
/** The UMA claims interaction endpoint (`redirect_user` of need_info). */
export const CLAIMS_GATHERING_PATH = '/oxauth/restv1/uma/gather_claims';
export const CLIENT_REGISTRATION_PATH = '/oxauth/restv1/register';
