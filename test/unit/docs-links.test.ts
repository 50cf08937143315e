/**
 * Every relative link in README.md and docs/*.md leads somewhere: the file (or folder) exists,
 * and an anchor names a heading of the page it points into, as GitHub derives heading anchors.
 * Every page of docs/ is linked from the README, so none is left where no reader finds it.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const PAGES = [
  'README.md',
  ...readdirSync(path.join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`),
];

/** The text outside fenced code blocks and inline code spans, where links are links. */
function prose(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[ \t]*$/gm, '').replace(/(`+)[\s\S]*?\1/g, '');
}

/** GitHub's anchor for a heading: lowercased, punctuation dropped, spaces as hyphens; repeats numbered. */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  const withoutCode = markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[ \t]*$/gm, '');
  for (const [, heading] of withoutCode.matchAll(/^#{1,6}[ \t]+(.+?)[ \t#]*$/gm)) {
    const text = heading!.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1');
    const slug = text
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    anchors.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return anchors;
}

/** Every `[text](target)` link of a page whose target is not an absolute URL. */
function relativeLinks(markdown: string): string[] {
  return [...prose(markdown).matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => m[1]!).filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target));
}

test('the pages of docs/ are found', () => {
  assert.ok(PAGES.length > 5, `docs/ holds ${PAGES.length - 1} pages`);
});

test('the anchor of a heading is derived as GitHub derives it', () => {
  const anchors = anchorsOf(
    '# The component contract (WIT)\n## Following a live runtime: `verify --follow` and `mirror`\n## Errors\n## Errors\n```\n# not a heading\n```\n',
  );
  assert.deepEqual([...anchors], ['the-component-contract-wit', 'following-a-live-runtime-verify---follow-and-mirror', 'errors', 'errors-1']);
});

test('every relative link and anchor in README.md and docs/*.md resolves', () => {
  const broken: string[] = [];
  for (const page of PAGES) {
    const markdown = readFileSync(path.join(ROOT, page), 'utf8');
    for (const target of relativeLinks(markdown)) {
      const [file, anchor] = target.split('#', 2) as [string, string | undefined];
      const resolved = file === '' ? path.join(ROOT, page) : path.resolve(path.dirname(path.join(ROOT, page)), decodeURIComponent(file));
      if (!existsSync(resolved)) {
        broken.push(`${page}: ${target} (no file ${path.relative(ROOT, resolved)})`);
        continue;
      }
      if (anchor === undefined) continue;
      if (statSync(resolved).isDirectory() || !resolved.endsWith('.md')) {
        broken.push(`${page}: ${target} (an anchor into a file that is not markdown)`);
        continue;
      }
      if (!anchorsOf(readFileSync(resolved, 'utf8')).has(anchor)) broken.push(`${page}: ${target} (no heading #${anchor} in ${path.relative(ROOT, resolved)})`);
    }
  }
  assert.deepEqual(broken, []);
});

test('the README links every page of docs/', () => {
  const linked = new Set(relativeLinks(readFileSync(path.join(ROOT, 'README.md'), 'utf8')).map((target) => path.normalize(target.split('#')[0]!)));
  for (const page of PAGES.slice(1)) assert.ok(linked.has(page), `README.md does not link ${page}`);
});
