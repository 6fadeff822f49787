/**
 * Every file, directory and heading that the repository's documents and comments point at
 * exists: relative Markdown links with their anchors, repository paths named in Markdown
 * (inline code, prose, code blocks), in the Dockerfile's and scripts' comments, and in
 * TypeScript comments. A moved or deleted file shows up here, with the line that still names it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { headingAnchors, isChecked, problemWith, referencesIn, type Reference } from './references.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** The repository's files: tracked, plus new ones not ignored; never node_modules or dist. */
const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' })
  .split('\0')
  .filter((f) => f !== '' && existsSync(join(root, f)));
const topDirs = [...new Set(files.filter((f) => f.includes('/')).map((f) => f.slice(0, f.indexOf('/'))))];
const read = (file: string): string => readFileSync(join(root, file), 'utf8');

const dangling = (refs: readonly Reference[], readMarkdown = read): string[] =>
  refs.flatMap((ref) => {
    const problem = problemWith(ref, root, readMarkdown);
    return problem === null ? [] : [`${ref.from}:${ref.line}: ${ref.kind} ${ref.target} — ${problem}`];
  });

describe('references in the repository', () => {
  const documents = files.filter(isChecked);

  it('checks the Markdown files, the Dockerfile, the scripts and the workflows', () => {
    expect(documents).toEqual(expect.arrayContaining(['README.md', 'ARCHITECTURE.md', 'Dockerfile', '.ci/run']));
    expect(topDirs).toEqual(expect.arrayContaining(['src', 'test', 'docs', 'examples', 'scripts']));
  });

  it.each(documents.map((d) => [d] as const))('%s points only at what exists', (document) => {
    expect(dangling(referencesIn(document, read(document), topDirs))).toEqual([]);
  });
});

describe('the reference finder', () => {
  const find = (file: string, text: string): string[] => referencesIn(file, text, ['src', 'docs', '.ci']).map((r) => `${r.kind} ${r.target}`);

  it.each([
    ['a relative link with an anchor', 'README.md', 'see [x](docs/a.md#b "title")', ['link docs/a.md#b']],
    ['a same-file anchor', 'docs/a.md', '[up](#top)', ['link #top']],
    ['a reference definition', 'README.md', '[x]: ../y.md', ['link ../y.md']],
    ['an image', 'README.md', '![d](docs/d.png)', ['link docs/d.png']],
    ['external links are not checked', 'README.md', '[x](https://e.org/docs/a.md) <mailto:a@b>', []],
    ['a path in inline code', 'README.md', 'Run `src/cli/main.ts` or `./docs/x/`.', ['path src/cli/main.ts', 'path ./docs/x/']],
    ['a path at the end of a sentence', 'README.md', 'See docs/a.md.', ['path docs/a.md']],
    ['a bare Markdown file name', 'docs/a.md', 'See `ARCHITECTURE.md#modules`.', ['path ARCHITECTURE.md#modules']],
    ['a path in a code block', 'README.md', '```sh\n$EDITOR .ci/run\n```', ['path .ci/run']],
    ['globs, placeholders and elisions are not paths', 'README.md', '`src/*.ts` `docs/<name>.md` `src/…` src/...', []],
    ['a directory that is not the repository’s', 'README.md', '`dist/cli/main.js` `lib/x.md`', []],
    ['a URL is not a path', 'README.md', 'https://github.com/o/r/blob/main/docs/a.md', []],
    ['a Dockerfile comment, not its instructions', 'Dockerfile', '# see docs/a.md\nCOPY src/x ./src/x', ['path docs/a.md']],
    ['a TypeScript comment, not its code', 'src/a.ts', "// in docs/a.md\nconst p = 'docs/b.md';", ['path docs/a.md']],
  ] as const)('finds %s', (_, file, text, expected) => {
    expect(find(file, text)).toEqual(expected);
  });

  it('slugs headings as GitHub does, numbering repeats', () => {
    const anchors = headingAnchors(
      '# umagate\n## `umagate oxd` — oxd from the shell\n## Try it: the dev sandbox (`npm start`)\n### Flags\n### Flags\n```\n# not a heading\n```\n<a id="custom"></a>',
    );
    expect([...anchors].sort()).toEqual(
      ['custom', 'flags', 'flags-1', 'try-it-the-dev-sandbox-npm-start', 'umagate', 'umagate-oxd--oxd-from-the-shell'].sort(),
    );
  });

  it.each([
    ['a missing file', { from: 'README.md', line: 1, target: 'docs/nope.md', kind: 'link' }, 'no such file or directory'],
    ['a missing heading', { from: 'README.md', line: 1, target: '#no-such-heading', kind: 'link' }, 'no heading #no-such-heading in README.md'],
    ['a link out of the repository', { from: 'README.md', line: 1, target: '../../examples/x.yml', kind: 'link' }, 'points outside the repository'],
    ['a path relative to the wrong directory', { from: 'docs/dev-oxd.md', line: 1, target: 'examples/kubernetes', kind: 'link' }, 'no such file or directory'],
  ] as const)('reports %s', (_, ref, problem) => {
    expect(problemWith(ref, root, read)).toBe(problem);
  });

  it.each([
    ['an existing file with a heading', { from: 'docs/dev-oxd.md', line: 1, target: '../README.md#quick-start', kind: 'link' }],
    ['a root path mentioned from a subdirectory', { from: 'docs/dev-oxd.md', line: 1, target: 'src/devoxd/', kind: 'path' }],
    ['a directory link', { from: 'README.md', line: 1, target: 'examples/kubernetes/', kind: 'link' }],
  ] as const)('accepts %s', (_, ref) => {
    expect(problemWith(ref, root, read)).toBeNull();
  });
});
