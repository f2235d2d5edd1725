// Checks the documentation against the repository; part of `npm run lint:tools`.
//
// Documents: README.md, docs/**/*.md, and the README.md of each workspace folder (packages,
// and the folder of a glob such as plugins/README.md).
//
// 1. Links. Every relative Markdown link must point to an existing file and every `#anchor` to
//    an existing heading, in the same document or another one (remark-validate-links, offline).
// 2. Paths in backticks. Every token of inline code, and of code blocks in shell or plain text,
//    that contains a slash and ends in a file extension or a slash (`protocol/src/schedule.ts`,
//    `src/states/`) must name something that exists: relative to the repository root, to the
//    document's folder, or to some folder of the repository (`src/schedule.ts` in a shared doc,
//    `features/hosts/` in the console guide, which writes paths relative to web/src/app).
//    A token that matches nothing is not failed, but printed with the reason, when it is
//    - a placeholder (a folder or file name in capitals other than a `.md`: `bench/NAME.ts`),
//    - listed in NOT_REPOSITORY_PATHS below (a data-directory folder, a made-up example),
//    - a generated path (git ignores it: `dist/…`, `web/test-output/…`),
//    - not a repository path at all: no file or folder of the repository has the name of its
//      first folder (`pki/`, `trusted-keys/` of a data directory),
//    - pending the core restructure (PENDING_CORE_RESTRUCTURE below).
//    Code blocks in a programming language (ts, json, lua …) are not scanned, since their paths
//    are relative to the example's own file; each one is printed as not scanned.
//
// Every broken link or path is printed as `file:line: …` on stderr and the exit code is 1.
// First the same check runs on scripts/fixtures/check-docs, whose breakage is known, and fails
// unless it finds exactly that breakage: a check that finds nothing does not pass silently.
import { spawnSync } from 'node:child_process';
import { existsSync, globSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { remark } from 'remark';
import remarkValidateLinks from 'remark-validate-links';
import { engine } from 'unified-engine';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const fixtureRoot = join(repoRoot, 'scripts', 'fixtures', 'check-docs');

/**
 * Broken backtick paths tolerated while the core restructure moves core's files: a path that
 * starts with one of these (as the document writes it) is printed as pending and does not fail
 * the check. Links are never tolerated. Empty since the docs follow core's new layout; an entry
 * that matches nothing broken is reported, to be removed.
 */
const PENDING_CORE_RESTRUCTURE = [];

/** Backtick paths that are not the repository's, each for one document, with the reason. */
const NOT_REPOSITORY_PATHS = [
  { doc: 'docs/agent.md', path: 'bundles/.tmp/', why: "a folder of the agent's data directory" },
  { doc: 'docs/development.md', path: 'marketplace/src/x.ts', why: 'the made-up file of an example lint message' },
];

/** Code block languages whose tokens are scanned (shell sessions, plain text, configuration). */
const SCANNED_LANGUAGES = new Set(['', 'sh', 'bash', 'shell', 'console', 'text', 'conf']);

// A token that names a path: plain path characters only (no globs, variables, <placeholders>
// or URLs), a slash, and a file extension or a trailing slash.
const PATH_TOKEN = /^(?:\.{1,2}\/)*[\w@][\w.@-]*(?:\/[\w.@-]+)*(?:\/|\.[A-Za-z][A-Za-z0-9]*)$/;

const git = (cwd, args, input) => {
  const run = spawnSync('git', args, { cwd, input, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (run.error) throw run.error;
  return run;
};
const lines = (text) => text.split('\n').filter(Boolean);

/** Every file and folder (`dir/`) of the work tree that git does not ignore, relative to root. */
function repositoryPaths(root, exclude) {
  const paths = new Set();
  for (const file of lines(git(root, ['ls-files', '--cached', '--others', '--exclude-standard']).stdout)) {
    if (exclude.some((prefix) => file.startsWith(prefix)) || !existsSync(join(root, file))) continue;
    paths.add(file);
    for (let dir = dirname(file); dir !== '.'; dir = dirname(dir)) paths.add(`${dir}/`);
  }
  return paths;
}

/** The subset of the given paths (relative to root) that git ignores: generated files. */
function ignoredPaths(root, paths) {
  if (paths.length === 0) return new Set();
  return new Set(lines(git(root, ['check-ignore', '--no-index', '--stdin'], paths.join('\n')).stdout));
}

/** The documents of a tree: README.md, docs/**\/*.md, and each workspace folder's README.md. */
function documents(root, workspaceGlobs) {
  const docs = ['README.md', ...globSync('docs/**/*.md', { cwd: root })];
  for (const pattern of workspaceGlobs) {
    if (pattern.includes('*') && dirname(pattern) !== '.') docs.push(join(dirname(pattern), 'README.md'));
    for (const folder of globSync(pattern, { cwd: root })) docs.push(join(folder, 'README.md'));
  }
  return [...new Set(docs)].filter((doc) => existsSync(join(root, doc))).sort();
}

/** The path-like tokens of a piece of code, each with its line offset inside the code. */
function pathTokens(code) {
  const tokens = [];
  code.split('\n').forEach((text, lineOffset) => {
    for (const raw of text.split(/[\s=]+/)) {
      const token = raw
        .replace(/^[("'`[<]+/, '')
        .replace(/[)"'`\]>,;.]+$/, '')
        .replace(/:\d+(?::\d+)?$/, '') // file.ts:42
        .replace(/#[\w-]*$/, ''); // doc.md#section
      if (!PATH_TOKEN.test(token)) continue;
      // `./x.tgz` is a file of the current folder, not a path with a folder.
      if (!token.replace(/^(\.\/)+/, '').slice(0, -1).includes('/') && !token.endsWith('/')) continue;
      tokens.push({ token, lineOffset });
    }
  });
  return tokens;
}

/** Inline code and code blocks of an mdast tree, with the line where their text starts. */
function codeNodes(node, source, out = []) {
  if ((node.type === 'inlineCode' || node.type === 'code') && node.position) {
    let line = node.position.start.line;
    if (node.type === 'code' && /^\s*(```|~~~)/.test(source.split('\n')[line - 1] ?? '')) line++;
    out.push({ value: node.value, line, lang: node.type === 'code' ? (node.lang ?? '') : '' });
  }
  for (const child of node.children ?? []) codeNodes(child, source, out);
  return out;
}

const isPlaceholder = (token) => token.split('/').some((segment) => /^[A-Z][A-Z0-9_]*(\.(?!md$)[\w.]+)?$/.test(segment));

/**
 * Runs both checks on a tree. Returns the problems (`file:line: …`, failing), the pending
 * paths and the notes (what was not checked and why); none of them is dropped silently.
 */
async function checkTree(root, { workspaceGlobs, pending, notRepositoryPaths, exclude = [] }) {
  const docs = documents(root, workspaceGlobs);
  const paths = repositoryPaths(root, exclude);
  const packages = workspaceGlobs.flatMap((pattern) => globSync(pattern, { cwd: root })).map((folder) => join(root, folder));
  const names = new Set([...paths].flatMap((path) => path.split('/').filter(Boolean)));
  const problems = [];
  const pendingPaths = [];
  const notes = [];
  const unknown = []; // { where, token, doc }
  const usedExceptions = new Set();

  const found = (doc, token) => {
    if (token.startsWith('../')) return [root, join(root, dirname(doc)), ...packages].some((base) => existsSync(join(base, token)));
    const path = token.replace(/^(\.\/)+/, '');
    return paths.has(path) || paths.has(join(dirname(doc), path) + (path.endsWith('/') ? '/' : '')) || [...paths].some((p) => p.endsWith(`/${path}`));
  };

  const checkPaths = (doc, source, tree) => {
    for (const { value, line, lang } of codeNodes(tree, source)) {
      if (!SCANNED_LANGUAGES.has(lang)) {
        notes.push(`${doc}:${line - 1}: ${lang} code block (not scanned: its paths are relative to the example's own file)`);
        continue;
      }
      for (const { token, lineOffset } of pathTokens(value)) {
        if (!found(doc, token)) unknown.push({ where: `${doc}:${line + lineOffset}: ${token}`, token: token.replace(/^(\.\/)+/, ''), doc });
      }
    }
  };

  const context = await new Promise((done, fail) => {
    engine(
      {
        processor: remark(),
        cwd: root,
        files: docs,
        extensions: ['md'],
        plugins: [
          [remarkValidateLinks, { repository: false, root }],
          [() => (tree, file) => checkPaths(relative(root, resolve(file.cwd, file.path)), String(file.value), tree)],
        ],
        detectConfig: false,
        detectIgnore: false,
        out: false,
        output: false,
        quiet: true,
        streamError: new PassThrough(),
        streamOut: new PassThrough(),
      },
      (error, _code, result) => (error ? fail(error) : done(result)),
    );
  });
  for (const file of context.files) {
    for (const message of file.messages) problems.push(`${relative(root, resolve(file.cwd, file.path))}:${message.line ?? 1}: ${message.reason}`);
  }

  const ignored = ignoredPaths(
    root,
    unknown.map(({ token }) => token).filter((token) => !token.startsWith('../')),
  );
  for (const { where, token, doc } of unknown) {
    const exception = notRepositoryPaths.find((entry) => entry.doc === doc && entry.path === token);
    const first = token.split('/')[0];
    if (exception) {
      usedExceptions.add(exception);
      notes.push(`${where} (not checked: ${exception.why}; NOT_REPOSITORY_PATHS)`);
    } else if (isPlaceholder(token)) {
      notes.push(`${where} (not checked: a placeholder)`);
    } else if (ignored.has(token)) {
      notes.push(`${where} (not checked: generated, git ignores it)`);
    } else if (pending.some((prefix) => token.startsWith(prefix))) {
      pendingPaths.push(`${where} (pending the core restructure: PENDING_CORE_RESTRUCTURE)`);
    } else if (first !== '..' && !names.has(first)) {
      notes.push(`${where} (not checked: not a repository path, nothing in the repository is named ${first})`);
    } else {
      problems.push(where);
    }
  }
  for (const prefix of pending) {
    if (!pendingPaths.some((line) => line.split(': ')[1].startsWith(prefix))) notes.push(`PENDING_CORE_RESTRUCTURE: nothing broken starts with ${prefix} any more; remove it`);
  }
  for (const entry of notRepositoryPaths) {
    if (!usedExceptions.has(entry)) problems.push(`${entry.doc}:1: NOT_REPOSITORY_PATHS lists \`${entry.path}\`, which the document no longer names or which now exists`);
  }
  const sort = (list) => list.sort(byFileAndLine);
  return { docs, problems: sort(problems), pending: sort(pendingPaths), notes: sort(notes) };
}

function byFileAndLine(a, b) {
  const [fileA, lineA] = a.split(':');
  const [fileB, lineB] = b.split(':');
  return fileA === fileB ? Number(lineA) - Number(lineB) : fileA.localeCompare(fileB);
}

// Self-check on the fixture: each kind of breakage once, next to valid links and paths and
// to tokens that must not fail (a placeholder, a data-directory path, a listed exception).
const expected = [
  'README.md:5: Cannot find file `docs/missing.md`',
  'README.md:7: Cannot find heading for `#no-such-heading` in `docs/guide.md`',
  'README.md:11: docs/nowhere.txt',
  'README.md:13: pkg/src/moved.txt (pending the core restructure: PENDING_CORE_RESTRUCTURE)',
  'docs/guide.md:7: Cannot find heading for `#nothing-here`',
  'docs/guide.md:15: src/absent.txt',
  'pkg/README.md:5: src/gone.txt',
];
const selfCheck = await checkTree(fixtureRoot, {
  workspaceGlobs: ['pkg'],
  pending: ['pkg/src/moved'],
  notRepositoryPaths: [{ doc: 'docs/guide.md', path: 'src/example.txt', why: 'an example' }],
});
const got = [...selfCheck.problems, ...selfCheck.pending].sort(byFileAndLine);
if (JSON.stringify(got) !== JSON.stringify([...expected].sort(byFileAndLine))) {
  console.error('docs: the self-check on scripts/fixtures/check-docs did not find exactly its known breakage');
  console.error(`expected:\n  ${expected.join('\n  ')}\nfound:\n  ${got.join('\n  ')}`);
  process.exit(1);
}

const { workspaces } = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
const { docs, problems, pending, notes } = await checkTree(repoRoot, {
  workspaceGlobs: workspaces,
  pending: PENDING_CORE_RESTRUCTURE,
  notRepositoryPaths: NOT_REPOSITORY_PATHS,
  exclude: [`${relative(repoRoot, fixtureRoot)}/`],
});
for (const line of [...notes, ...pending]) console.log(line);
for (const line of problems) console.error(line);
const summary =
  `docs: ${docs.length} documents, ${problems.length} broken links or paths, ${pending.length} pending the core restructure, ` +
  `${notes.length} not checked (listed above); the self-check found its ${expected.length} known breakages`;
if (problems.length > 0) {
  console.error(summary);
  process.exit(1);
}
console.log(summary);
