/**
 * Which paths the walkthrough demonstrates, read from the policy in force rather than assumed,
 * so that the printed commands keep working when policies.yaml is edited. Each choice is
 * confirmed with `explain`, the same matching the proxy does.
 */
import { explain, type Policy } from '../policy/index.js';

export interface DemoPaths {
  /** A concrete path whose GET is protected: the 401 → RPT → 200 demo; null if there is none. */
  readonly protectedPath: string | null;
  /** A concrete path whose GET is public; null if there is none. */
  readonly publicPath: string | null;
  /** A path no resource covers (403 under `unprotected: deny`), for the live-edit demo; null under `allow`. */
  readonly newPublicPath: string | null;
}

/** Tried in order for the live-edit demo. */
const NEW_PATH_CANDIDATES = ['/hello', '/hello-umagate', '/umagate-demo'];

export function demoPaths(policy: Policy): DemoPaths {
  const concrete = (kind: 'protected' | 'public'): string | null =>
    policy.resources
      .filter((resource) => resource.kind === kind)
      .map((resource) => concretePath(resource.path))
      .find((path): path is string => path !== null && explain(policy, 'GET', path).outcome === kind) ?? null;
  return {
    protectedPath: concrete('protected'),
    publicPath: concrete('public'),
    newPublicPath:
      policy.unprotected === 'deny'
        ? (NEW_PATH_CANDIDATES.find((path) => explain(policy, 'GET', path).outcome === 'unprotected') ?? null)
        : null,
  };
}

/**
 * A request path the pattern matches: `?` becomes one sample segment and `??` none. A
 * `{regex}` segment gives null, since no sample can be derived from an arbitrary regex.
 */
export function concretePath(pattern: string): string | null {
  const segments: string[] = [];
  for (const segment of pattern.split('/').slice(1)) {
    if (segment.includes('{')) return null;
    if (segment === '??') continue;
    segments.push(segment === '?' ? 'sample' : segment);
  }
  return `/${segments.join('/')}`;
}
