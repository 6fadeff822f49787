/**
 * Finds what the repository's documents and comments point at, so a test can check that each
 * target exists: relative Markdown links (with their #anchor), mentions of repository paths
 * (`src/…`, `docs/…`, … in inline code, prose, code blocks and comments) and bare `*.md` names.
 * Anchors into Markdown files must name one of that file's headings, slugged as GitHub does.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative, sep } from 'node:path';

export interface Reference {
  /** The document holding the reference, relative to the repository root. */
  readonly from: string;
  readonly line: number;
  /** As written: `../README.md#quick-start`, `src/proxy/`. */
  readonly target: string;
  readonly kind: 'link' | 'path';
}

/** Which text of a file is prose for this check: all of a Markdown file, the comments of others. */
export function checkedText(file: string, text: string): string {
  if (file.endsWith('.md')) return text;
  const comment = file.endsWith('.ts') ? /^\s*(\/\/|\/\*|\*)/ : /^\s*#/;
  // Lines keep their numbers: a non-comment line becomes empty.
  return text
    .split('\n')
    .map((line) => (comment.test(line) ? line : ''))
    .join('\n');
}

/** Files whose references are checked: Markdown, Dockerfiles, shell scripts, workflows, TypeScript comments. */
export function isChecked(file: string): boolean {
  const name = file.slice(file.lastIndexOf('/') + 1);
  return /\.(md|sh|ya?ml|ts)$/.test(name) || /^Dockerfile/.test(name) || file === '.ci/run';
}

const FENCE = /^\s*(```|~~~)/;

/** Markdown links `[text](target)` / `![alt](target)` and definitions `[id]: target`, outside code. */
function markdownLinks(text: string): { target: string; line: number }[] {
  const found: { target: string; line: number }[] = [];
  let fenced = false;
  text.split('\n').forEach((line, i) => {
    if (FENCE.test(line)) fenced = !fenced;
    if (fenced) return;
    const prose = line.replaceAll(/`[^`]*`/g, '');
    for (const m of prose.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) found.push({ target: m[1]!, line: i + 1 });
    const definition = /^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(\s|$)/.exec(prose);
    if (definition !== null) found.push({ target: definition[1]!, line: i + 1 });
  });
  return found;
}

/**
 * Mentions of repository paths: a word starting with one of the repository's top-level
 * directories and a slash (`src/proxy/respond.ts`, `./examples/`), or a bare Markdown file name
 * (`ARCHITECTURE.md`). Globs and placeholders (`bench/sut-*.ts`, `docs/<name>.md`, `src/…`) are
 * not references.
 */
function pathMentions(text: string, topDirs: readonly string[]): { target: string; line: number }[] {
  if (topDirs.length === 0) return [];
  const dirs = topDirs.map((d) => d.replaceAll('.', '\\.')).join('|');
  const mention = new RegExp(`(?<![\\w./@~:-])(?:\\./)?(?:(?:${dirs})/[\\w./-]*|[\\w-]+(?:\\.[\\w-]+)*\\.md)(?:#[\\w-]+)?`, 'g');
  const found: { target: string; line: number }[] = [];
  text.split('\n').forEach((line, i) => {
    for (const m of line.matchAll(mention)) {
      const next = line[m.index + m[0].length] ?? '';
      if (/[*{<…$[]/.test(next) || /\.\.\.?$/.test(m[0])) continue;
      found.push({ target: m[0].replace(/\.$/, ''), line: i + 1 });
    }
  });
  return found;
}

export function referencesIn(file: string, text: string, topDirs: readonly string[]): Reference[] {
  const prose = checkedText(file, text);
  const markdown = file.endsWith('.md');
  const links = markdown ? markdownLinks(prose).map((l) => ({ ...l, kind: 'link' as const })) : [];
  const external = (target: string): boolean => /^[a-z][a-z0-9+.-]*:/i.test(target);
  // A link's target is checked as a link (relative to the document), not again as a mention.
  const mentionsText = markdown ? prose.replaceAll(/\]\([^)\n]*\)/g, ']()') : prose;
  return [
    ...links.filter((l) => !external(l.target)),
    ...pathMentions(mentionsText, topDirs).map((p) => ({ ...p, kind: 'path' as const })),
  ].map((r) => ({ from: file, ...r }));
}

/** GitHub's heading ids: lower-cased, punctuation dropped, spaces to hyphens, repeats numbered. */
export function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (FENCE.test(line)) fenced = !fenced;
    if (fenced) continue;
    for (const m of line.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(m[1]!);
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading === null) continue;
    const slug = heading[1]!
      .replaceAll(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replaceAll(/<[^>]+>/g, '')
      .toLowerCase()
      .replaceAll(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
      .replaceAll(' ', '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}

/**
 * Why a reference does not resolve, or null when it does. Links resolve from the document's
 * directory (as GitHub renders them); path mentions from the repository root, else from the
 * document's directory. Nothing may resolve outside the repository.
 */
export function problemWith(ref: Reference, root: string, readMarkdown: (file: string) => string): string | null {
  const hash = ref.target.indexOf('#');
  const path = hash === -1 ? ref.target : ref.target.slice(0, hash);
  const anchor = hash === -1 ? '' : decodeURIComponent(ref.target.slice(hash + 1));
  const candidates =
    path === ''
      ? [ref.from]
      : ref.kind === 'link'
        ? [join(dirname(ref.from), decodeURI(path))]
        : [normalize(path), join(dirname(ref.from), path)];
  const inside = candidates.map(normalize).filter((c) => c !== '..' && !c.startsWith(`..${sep}`));
  if (inside.length === 0) return 'points outside the repository';
  const found = inside.find((c) => existsSync(join(root, c)));
  if (found === undefined) return 'no such file or directory';
  if (anchor === '' || !found.endsWith('.md') || statSync(join(root, found)).isDirectory()) return null;
  return headingAnchors(readMarkdown(found)).has(anchor) ? null : `no heading #${anchor} in ${relative('.', found)}`;
}
