/** The policy fixtures, shared by the validator and the schema-agreement tests. */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const FIXTURES = fileURLToPath(new URL('../fixtures/policies/', import.meta.url));
export const EXAMPLE_POLICY = fileURLToPath(new URL('../../policies.yaml', import.meta.url));

export function validFixtures(): string[] {
  return readdirSync(`${FIXTURES}valid`).sort().map((f) => `${FIXTURES}valid/${f}`);
}

export interface BrokenFixture {
  readonly file: string;
  readonly code: string;
  readonly yamlPath: string;
  readonly line: number;
  /** Whether JSON Schema can express the rule (duplicate keys, regexes, JsonLogic… it cannot). */
  readonly schemaRejects: boolean;
}

// One broken fixture per validation rule: the first problem expected, where it is reported,
// and whether policies.schema.json rejects the file too.
export const BROKEN: readonly BrokenFixture[] = [
  { file: 'yaml-syntax.yaml', code: 'yaml_syntax', yamlPath: '', line: 4, schemaRejects: false },
  { file: 'duplicate-key.yaml', code: 'duplicate_key', yamlPath: 'resources[0].path', line: 3, schemaRejects: false },
  { file: 'unknown-key.yaml', code: 'unknown_key', yamlPath: 'resources[0].conditions[0].http_methods', line: 4, schemaRejects: true },
  { file: 'missing-path.yaml', code: 'missing_key', yamlPath: 'resources[0].path', line: 2, schemaRejects: true },
  { file: 'missing-resources.yaml', code: 'missing_key', yamlPath: 'resources', line: 1, schemaRejects: true },
  { file: 'resources-not-a-list.yaml', code: 'wrong_type', yamlPath: 'resources', line: 1, schemaRejects: true },
  { file: 'resources-empty.yaml', code: 'empty_list', yamlPath: 'resources', line: 1, schemaRejects: true },
  { file: 'unprotected-value.yaml', code: 'invalid_value', yamlPath: 'unprotected', line: 1, schemaRejects: true },
  { file: 'conditions-missing.yaml', code: 'conditions_missing', yamlPath: 'resources[0].conditions', line: 2, schemaRejects: true },
  { file: 'conditions-empty.yaml', code: 'empty_list', yamlPath: 'resources[0].conditions', line: 3, schemaRejects: true },
  { file: 'condition-no-scopes.yaml', code: 'condition_no_scopes', yamlPath: 'resources[0].conditions[0]', line: 4, schemaRejects: true },
  { file: 'scopes-empty.yaml', code: 'empty_list', yamlPath: 'resources[0].conditions[0].scopes', line: 5, schemaRejects: true },
  { file: 'scope-not-string.yaml', code: 'wrong_type', yamlPath: 'resources[0].conditions[0].scopes[1]', line: 5, schemaRejects: true },
  { file: 'method-twice-one-condition.yaml', code: 'http_method_not_unique', yamlPath: 'resources[0].conditions[0].httpMethods[1]', line: 4, schemaRejects: true },
  { file: 'method-twice-across-conditions.yaml', code: 'http_method_not_unique', yamlPath: 'resources[0].conditions[1].httpMethods[1]', line: 6, schemaRejects: false },
  { file: 'method-unknown.yaml', code: 'method_unknown', yamlPath: 'resources[0].conditions[0].httpMethods[1]', line: 4, schemaRejects: true },
  { file: 'method-lowercase.yaml', code: 'method_lowercase', yamlPath: 'resources[0].conditions[0].httpMethods[0]', line: 4, schemaRejects: true },
  { file: 'path-duplicate.yaml', code: 'path_duplicate', yamlPath: 'resources[1].path', line: 6, schemaRejects: false },
  { file: 'path-public-overlaps-protected.yaml', code: 'path_duplicate', yamlPath: 'resources[1].path', line: 6, schemaRejects: false },
  { file: 'path-not-absolute.yaml', code: 'path_not_absolute', yamlPath: 'resources[0].path', line: 2, schemaRejects: true },
  { file: 'path-query.yaml', code: 'path_has_query', yamlPath: 'resources[0].path', line: 2, schemaRejects: false },
  { file: 'path-fragment.yaml', code: 'path_has_fragment', yamlPath: 'resources[0].path', line: 2, schemaRejects: true },
  { file: 'path-empty-segment.yaml', code: 'path_empty_segment', yamlPath: 'resources[0].path', line: 2, schemaRejects: true },
  { file: 'path-dot-segment.yaml', code: 'path_dot_segment', yamlPath: 'resources[0].path', line: 2, schemaRejects: false },
  { file: 'path-bad-segment.yaml', code: 'path_bad_segment', yamlPath: 'resources[0].path', line: 2, schemaRejects: false },
  { file: 'wildcard-not-segment.yaml', code: 'wildcard_not_segment', yamlPath: 'resources[0].path', line: 2, schemaRejects: false },
  { file: 'any-twice.yaml', code: 'path_multiple_any', yamlPath: 'resources[0].path', line: 2, schemaRejects: false },
  { file: 'regex-invalid.yaml', code: 'regex_invalid', yamlPath: 'resources[0].path', line: 2, schemaRejects: false },
  { file: 'regex-unsafe.yaml', code: 'regex_unsafe', yamlPath: 'resources[0].path', line: 2, schemaRejects: false },
  { file: 'regex-overlapping-alternatives.yaml', code: 'regex_unsafe', yamlPath: 'resources[0].path', line: 2, schemaRejects: false },
  { file: 'regex-duplicate-alternatives.yaml', code: 'regex_unsafe', yamlPath: 'resources[0].path', line: 2, schemaRejects: false },
  { file: 'regex-not-segment.yaml', code: 'regex_not_segment', yamlPath: 'resources[0].path', line: 2, schemaRejects: false },
  { file: 'scope-var-out-of-range.yaml', code: 'scope_var_out_of_range', yamlPath: 'resources[0].conditions[0].scope_expression.rule.or[1].var', line: 6, schemaRejects: false },
  { file: 'scope-var-invalid.yaml', code: 'scope_var_invalid', yamlPath: 'resources[0].conditions[0].scope_expression.rule.or[1].var', line: 6, schemaRejects: false },
  { file: 'scope-operator-unknown.yaml', code: 'scope_operator_unknown', yamlPath: 'resources[0].conditions[0].scope_expression.rule.nand', line: 6, schemaRejects: false },
  { file: 'scope-rule-result.yaml', code: 'scope_rule_result', yamlPath: 'resources[0].conditions[0].scope_expression.rule', line: 6, schemaRejects: false },
  { file: 'scope-rule-invalid.yaml', code: 'scope_rule_invalid', yamlPath: 'resources[0].conditions[0].scope_expression.rule', line: 6, schemaRejects: false },
  { file: 'scope-expression-no-data.yaml', code: 'missing_key', yamlPath: 'resources[0].conditions[0].scope_expression.data', line: 6, schemaRejects: true },
  { file: 'public-with-conditions.yaml', code: 'public_with_conditions', yamlPath: 'resources[0].conditions', line: 4, schemaRejects: true },
  { file: 'http-methods-not-public.yaml', code: 'http_methods_not_public', yamlPath: 'resources[0].httpMethods', line: 3, schemaRejects: true },
  { file: 'public-not-boolean.yaml', code: 'wrong_type', yamlPath: 'resources[0].public', line: 3, schemaRejects: true },
];
