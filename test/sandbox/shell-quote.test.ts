import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { shellQuote } from '../../src/sandbox/shell-quote.js';

describe('shellQuote', () => {
  it.each(['dist/cli/main.js', 'http://127.0.0.1:8080/photo', '--ticket'])('leaves the plain word %s as it is', (word) => {
    expect(shellQuote(word)).toBe(word);
  });

  it.each(["/tmp/it's here/main.js", 'a b', '$HOME', '`id`', '/p?q=1&r=2', ''])('makes the shell read %j back unchanged', (word) => {
    const echoed = execFileSync('sh', ['-c', `printf %s ${shellQuote(word)}`], { encoding: 'utf8' });
    expect(echoed).toBe(word);
  });
});
