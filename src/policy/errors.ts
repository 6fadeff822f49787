import { UmagateError } from '../errors.js';

/**
 * Every failure of the policy engine is a `PolicyError`. Callers match on `code`:
 * `policy_invalid` carries every problem found; `policy_unreadable` keeps the fs error as `cause`.
 */

export type PolicyErrorCode = 'policy_invalid' | 'policy_unreadable';

/** One thing wrong with a policy file, located at the offending YAML node. */
export interface PolicyProblem {
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly column: number;
  /** Where in the document, e.g. `resources[2].conditions[0].httpMethods[1]`; '' for the document itself. */
  readonly yamlPath: string;
  /** Stable identifier of the rule broken, e.g. `unknown_key`. */
  readonly code: string;
  readonly message: string;
}

export class PolicyError extends UmagateError<PolicyErrorCode> {
  override readonly name = 'PolicyError';
  readonly problems: readonly PolicyProblem[];

  constructor(
    code: PolicyErrorCode,
    message: string,
    options: { readonly problems?: readonly PolicyProblem[]; readonly cause?: unknown } = {},
  ) {
    super(code, message, options);
    this.problems = Object.freeze([...(options.problems ?? [])]);
  }
}

/** `file:line:col  yaml.path  message` — the format `umagate validate` prints. */
export function formatProblem(p: PolicyProblem): string {
  const where = p.yamlPath === '' ? '(document)' : p.yamlPath;
  return `${p.file}:${p.line}:${p.column}  ${where}  ${p.message}`;
}
