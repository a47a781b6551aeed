import * as fs from 'node:fs';
import * as path from 'node:path';
import { headingSlug, markdownAnchors } from '../../../src/docs/markdown-anchors';
import { installDir } from '../../../src/project';

/**
 * Every document a source file or a doc cites must be in the repository (issue #14: "no
 * source file cites a document that is not in the repo"). Checks citations of `docs/…md`
 * (and `#section` anchors), relative markdown links in docs, and flags any mention of the
 * design notes that used to live outside the repo.
 */

const SCANNED_DIRS = [
  'src',
  'activities',
  'workflows',
  'test',
  'scripts',
  'firmware',
  'bin',
  'infra',
  'docs',
  'pipelines',
  '.ci',
];
const SCANNED_EXT = /\.(ts|js|c|h|sh|py|ya?ml|md|json|mk)$|^(Makefile|tinyops|run)$/;
// Names built from parts so this file does not cite them itself.
const OUTSIDE = [
  ['DESIGN', 'md'].join('.'),
  ['STYLE', 'md'].join('.'),
  ['..', 'shared'].join('/'),
  ['DESIGN', '§'].join(' '),
  ['STYLE', '§'].join(' '),
];

function listFiles(dir: string): string[] {
  const abs = path.join(installDir, dir);
  if (!fs.existsSync(abs)) return [];
  const out: string[] = [];
  for (const e of fs.readdirSync(abs, { withFileTypes: true })) {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'node_modules' && e.name !== 'vectors' && !e.name.startsWith('.')) out.push(...listFiles(rel));
    } else if (SCANNED_EXT.test(e.name)) out.push(rel);
  }
  return out;
}

const files = [...SCANNED_DIRS.flatMap(listFiles), 'README.md'].filter((f) => f !== 'pipelines/tinyops.schema.json');
const anchorCache = new Map<string, Set<string>>();
function anchorsOf(file: string): Set<string> {
  let a = anchorCache.get(file);
  if (!a) {
    a = markdownAnchors(fs.readFileSync(path.join(installDir, file), 'utf8'));
    anchorCache.set(file, a);
  }
  return a;
}

/**
 * The comment text of a TypeScript line (block-comment lines and `//` tails); other files
 * (markdown, shell, C, YAML) are checked whole. Test strings such as fixtures' paths are not
 * citations.
 */
function citedText(file: string, line: string): string {
  if (!file.endsWith('.ts')) return line;
  const t = line.trimStart();
  if (t.startsWith('*') || t.startsWith('/*') || t.startsWith('//')) return line;
  const at = line.search(/(?<!:)\/\/ /);
  return at >= 0 ? line.slice(at) : '';
}

/** Problems with one cited `target` (a repo-relative path, maybe with `#anchor`). */
function checkTarget(target: string): string | undefined {
  const [file, anchor] = target.split('#') as [string, string | undefined];
  if (!fs.existsSync(path.join(installDir, file))) return `${file} does not exist`;
  if (anchor !== undefined && anchor !== '' && file.endsWith('.md') && !anchorsOf(file).has(anchor)) {
    return `${file} has no section #${anchor}`;
  }
  return undefined;
}

describe('document references', () => {
  it('scans a meaningful set of files', () => {
    expect(files.length).toBeGreaterThan(300);
    expect(files).toContain('src/cache/cache-key.ts');
    expect(files).toContain('firmware/kernels/ref/tops_conv2d_s8.c');
  });

  it('no file cites the design notes that lived outside the repository', () => {
    const bad: string[] = [];
    for (const f of files) {
      if (f === 'test/unit/project/doc-references.test.ts') continue;
      const lines = fs.readFileSync(path.join(installDir, f), 'utf8').split('\n');
      lines.forEach((line, i) => {
        for (const o of OUTSIDE) if (line.includes(o)) bad.push(`${f}:${i + 1}: ${o}`);
      });
    }
    expect(bad).toEqual([]);
  });

  it('every cited docs/…md path (and #section) exists', () => {
    const bad: string[] = [];
    const re = /(?<![\w./-])docs\/[\w./-]*?\.md(?:#[\w-]+)?/g;
    for (const f of files) {
      const lines = fs.readFileSync(path.join(installDir, f), 'utf8').split('\n');
      lines.forEach((line, i) => {
        for (const m of citedText(f, line).matchAll(re)) {
          const problem = checkTarget(m[0]);
          if (problem) bad.push(`${f}:${i + 1}: ${m[0]}: ${problem}`);
        }
      });
    }
    expect(bad).toEqual([]);
  });

  it('every relative markdown link in the docs resolves', () => {
    const bad: string[] = [];
    for (const f of files.filter((x) => x.endsWith('.md'))) {
      const text = fs.readFileSync(path.join(installDir, f), 'utf8');
      for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const link = m[1] as string;
        if (/^[a-z]+:/i.test(link)) continue; // http:, mailto:
        const [file, anchor] = link.split('#') as [string, string | undefined];
        const target = file === '' ? f : path.normalize(path.join(path.dirname(f), file));
        const problem = checkTarget(anchor === undefined ? target : `${target}#${anchor}`);
        if (problem) bad.push(`${f}: (${link}): ${problem}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('slugs headings the way GitHub does', () => {
    expect(headingSlug('Components: embedded and scaled out')).toBe('components-embedded-and-scaled-out');
    expect(headingSlug('Stage `compose-kws`: a KWS dataset')).toBe('stage-compose-kws-a-kws-dataset');
    expect([...markdownAnchors('# A\n```\n# not\n```\n## A\n')]).toEqual(['a', 'a-1']);
  });
});
