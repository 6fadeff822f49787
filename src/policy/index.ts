export { canonicalizeTarget } from './canonical.js';
export { PolicyError, formatProblem } from './errors.js';
export type { PolicyErrorCode, PolicyProblem } from './errors.js';
export { explain } from './explain.js';
export type { Explanation, Outcome, Reading } from './explain.js';
export { loadPolicy, readPolicyFile } from './load.js';
export { compileMatcher, resolveRequest } from './matcher.js';
export type { ReadingMatch } from './matcher.js';
export { parsePolicy, parsePolicyAsync } from './parse.js';
export { canonicalJson } from './registration.js';
export { HTTP_METHODS } from './types.js';
export type {
  CanonicalTarget,
  HttpMethod,
  Match,
  Matcher,
  Policy,
  PolicyResource,
  ProtectedResource,
  PublicResource,
  UnprotectedMode,
} from './types.js';
