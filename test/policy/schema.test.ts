/**
 * policies.schema.json (what editors check as you type) and the validator must agree: valid
 * fixtures pass both, and every broken fixture the schema can express fails both.
 */
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { PolicyError, loadPolicy } from '../../src/policy/index.js';
import { BROKEN, EXAMPLE_POLICY, FIXTURES, validFixtures } from './fixtures.js';

const schema: unknown = JSON.parse(readFileSync(new URL('../../policies.schema.json', import.meta.url), 'utf8'));
const validateSchema = new Ajv2020({ allErrors: true, strict: true, strictRequired: false }).compile(schema as object);

function schemaAccepts(file: string): boolean {
  return validateSchema(parse(readFileSync(file, 'utf8'), { uniqueKeys: false }));
}

describe('policies.schema.json', () => {
  it('is referenced from the first line of policies.yaml', () => {
    expect(readFileSync(EXAMPLE_POLICY, 'utf8').split('\n')[0]).toBe('# yaml-language-server: $schema=./policies.schema.json');
  });

  it.each([EXAMPLE_POLICY, ...validFixtures()])('accepts %s, as the validator does', async (file) => {
    // On failure, ajv's errors are the useful diff.
    expect(schemaAccepts(file) ? [] : validateSchema.errors).toEqual([]);
    await expect(loadPolicy(file)).resolves.toBeDefined();
  });

  it.each(BROKEN.filter((b) => b.schemaRejects))('rejects $file, as the validator does', async ({ file }) => {
    expect(schemaAccepts(`${FIXTURES}invalid/${file}`)).toBe(false);
    await expect(loadPolicy(`${FIXTURES}invalid/${file}`)).rejects.toBeInstanceOf(PolicyError);
  });

  it.each(BROKEN.filter((b) => !b.schemaRejects && b.code !== 'yaml_syntax'))('leaves $code ($file) to the validator', ({ file }) => {
    expect(schemaAccepts(`${FIXTURES}invalid/${file}`)).toBe(true);
  });
});
