// Locks in the folder-level import graph of core/src (docs/architecture.md): reads every
// relative import of core/src (static, `import type`, `export … from`, dynamic `import('…')`),
// maps each file to its folder (first path segment under core/src; files directly in core/src
// and cli/ form the node `(root)`), prints the folder graph and fails on a cycle between folders
// or an import the table below does not allow. Proves first, on in-memory files, that it refuses
// what it must refuse (like check-boundaries.mjs). Runs as part of `npm test`.
//   node scripts/check-core-graph.mjs              self-test, then check core/src
//   node scripts/check-core-graph.mjs --self-test  self-test only
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

// ─── The rules: edit here ───────────────────────────────────────────────────────────────────
// Which folders each folder may import. A folder not listed is a feature and uses FEATURE's row.
// An entry names a folder the importer may use:
//   'kernel'     only through that folder's index.ts   (`../kernel/index.js`)
//   'db/**'      any file of that folder                (`../db/models/hosts.js`)
//   FEATURES     every other feature, only through its index.ts
//   '**'         anything, any file
// A folder always may import its own files. `(root)` (main.ts, api.ts, index.ts, cli.ts, cli/)
// is the composition root: nothing but `(root)` may import it, so no row lists it.
// Besides the table: no cycle between folders, whatever the table allows.
const ROOT = '(root)';
const FEATURE = '(feature)';
const FEATURES = '(features)';
const RULES = {
  kernel: [], //                                       the kernel imports nothing else of the core
  db: ['kernel/**'],
  http: ['kernel/**', 'db/**'],
  inventory: ['kernel/**', 'db/**', 'http/**'],
  [FEATURE]: ['kernel', 'db/**', 'http', 'inventory', FEATURES], // db/models/* are used directly
  [ROOT]: ['**'],
};
// Files directly in core/src, and these folders, belong to `(root)`.
const ROOT_FOLDERS = ['cli'];
// ────────────────────────────────────────────────────────────────────────────────────────────

const SOURCE = /\.(ts|mts|mjs)$/;

/** `core/src`-relative POSIX path → folder node. */
const folderOf = (file) => {
  const slash = file.indexOf('/');
  if (slash < 0) return ROOT;
  const folder = file.slice(0, slash);
  return ROOT_FOLDERS.includes(folder) ? ROOT : folder;
};
const isFeature = (folder) => folder !== ROOT && !(folder in RULES);
const isIndex = (file, folder) => /^[^/]+\/index\.(ts|mts|mjs)$/.test(file) && file.startsWith(`${folder}/`);

/** Resolves a relative specifier of `from` to a file of `files` (Set), or null. */
const resolve = (files, from, spec) => {
  const base = path.posix.normalize(path.posix.join(path.posix.dirname(from), spec));
  if (base.startsWith('../') || base === '..') return undefined; // outside core/src: not ours
  const stem = base.replace(/\.(js|ts|mjs|mts)$/, '');
  const candidates = [base];
  if (/\.m?js$/.test(base)) candidates.push(base.replace(/js$/, 'ts'));
  for (const ext of ['.ts', '.mts', '.mjs']) candidates.push(`${stem}${ext}`);
  for (const ext of ['ts', 'mts', 'mjs']) candidates.push(`${base}/index.${ext}`);
  return candidates.find((c) => files.has(c)) ?? null;
};

/** Why `fromFile` may not import `toFile`, or null if it may (table only; cycles apart). */
const refusal = (fromFile, toFile) => {
  const from = folderOf(fromFile);
  const to = folderOf(toFile);
  if (from === to) return null;
  const row = RULES[from] ?? RULES[FEATURE];
  if (row.includes('**')) return null;
  if (to === ROOT) return `only ${ROOT} imports ${ROOT} files (main.ts, api.ts, index.ts, cli.ts, cli/)`;
  if (row.includes(`${to}/**`)) return null;
  const allowedThroughIndex = row.includes(to) || (isFeature(to) && row.includes(FEATURES));
  if (allowedThroughIndex) {
    if (isIndex(toFile, to)) return null;
    return isFeature(to)
      ? `another feature's internals: import ${to}/index.ts`
      : `${to} is imported through its index.ts only`;
  }
  const who = isFeature(from) ? 'a feature' : from;
  if (row.length === 0) return `${who} imports nothing else of the core`;
  const allowed = row.map((e) => (e === FEATURES ? 'other features' : e.replace('/**', ''))).join(', ');
  return `${who} may import only ${allowed}`;
};

/** Every cycle of the folder graph, as paths [a, b, …, a]: the shortest through each edge of a cycle. */
const cyclesOf = (graph) => {
  const cycles = new Map();
  for (const [a, targets] of graph) {
    for (const b of targets.keys()) {
      // Shortest path b → … → a closes a cycle through the edge a → b.
      const previous = new Map([[b, null]]);
      const queue = [b];
      while (queue.length > 0 && !previous.has(a)) {
        const node = queue.shift();
        for (const next of graph.get(node)?.keys() ?? []) {
          if (!previous.has(next)) {
            previous.set(next, node);
            queue.push(next);
          }
        }
      }
      if (!previous.has(a)) continue;
      const cycle = [];
      for (let node = a; node !== null; node = previous.get(node)) cycle.unshift(node);
      cycle.unshift(a); // a → b → … → a
      const ring = cycle.slice(0, -1);
      const start = ring.indexOf([...ring].sort()[0]);
      const canonical = [...ring.slice(start), ...ring.slice(0, start), ring[start]];
      cycles.set(canonical.join(' -> '), canonical);
    }
  }
  return [...cycles.values()].sort((x, y) => x.length - y.length || x.join().localeCompare(y.join()));
};

/**
 * Analyses a set of files (`core/src`-relative POSIX path → source text).
 * Returns the folder graph (folder → (folder → [imports])) and the violations as lines.
 */
const analyse = (sources) => {
  const files = new Set(sources.keys());
  const graph = new Map();
  const violations = [];
  for (const file of [...files].sort()) {
    const from = folderOf(file);
    if (!graph.has(from)) graph.set(from, new Map());
    for (const { fileName: spec } of ts.preProcessFile(sources.get(file), true, true).importedFiles) {
      if (!spec.startsWith('./') && !spec.startsWith('../') && spec !== '.' && spec !== '..') continue;
      const target = resolve(files, file, spec);
      if (target === undefined) continue;
      if (target === null) {
        violations.push(`${file}: imports '${spec}': resolves to no file of core/src`);
        continue;
      }
      const to = folderOf(target);
      const reason = refusal(file, target);
      if (reason !== null) violations.push(`${file}: imports '${spec}' (${from} -> ${to}): ${reason}`);
      if (to === from) continue;
      const edges = graph.get(from);
      if (!edges.has(to)) edges.set(to, []);
      edges.get(to).push({ file, spec });
    }
  }
  for (const cycle of cyclesOf(graph)) {
    const name = cycle.join(' -> ');
    for (let i = 0; i + 1 < cycle.length; i++) {
      for (const { file, spec } of graph.get(cycle[i]).get(cycle[i + 1])) {
        violations.push(`${file}: imports '${spec}' (${cycle[i]} -> ${cycle[i + 1]}): cycle ${name}`);
      }
    }
  }
  return { graph, violations };
};

const printGraph = (graph) => {
  console.log('core-graph: folder -> folders it imports (number of imports)');
  for (const folder of [...graph.keys()].sort()) {
    const edges = [...graph.get(folder)].sort(([x], [y]) => x.localeCompare(y));
    const targets = edges.map(([to, imports]) => `${to} (${imports.length})`).join(', ');
    console.log(`${folder} -> ${targets || '(nothing)'}`);
  }
};

// ─── Self-test: the rules are alive ─────────────────────────────────────────────────────────
const selfTest = () => {
  const base = {
    'kernel/index.ts': "export * from './clock.js';",
    'kernel/clock.ts': 'export const now = 0;',
    'db/index.ts': "import { now } from '../kernel/index.js';\nexport const db = now;",
    'db/models/hosts.ts': "import type { db } from '../index.js';\nexport type Host = typeof db;",
    'alerting/index.ts': "export * from './queue.js';",
    'alerting/queue.ts': "import { now } from '../kernel/index.js';\nexport const queue = now;",
    'reports/index.ts': 'export const report = 1;',
    'main.ts': 'export {};',
  };
  // [description, file, source, text the violation must contain]
  const forbidden = [
    [
      'kernel imports db',
      'kernel/bad.ts',
      "import { db } from '../db/index.js';",
      '(kernel -> db): kernel imports nothing else',
    ],
    [
      "a feature imports another feature's internals",
      'reports/bad.ts',
      "export { queue } from '../alerting/queue.js';",
      "another feature's internals",
    ],
    [
      'a cycle between two features through their index files',
      'reports/index.ts',
      "export * from '../alerting/index.js';\nexport const report = 1;",
      'cycle alerting -> reports -> alerting',
      { 'alerting/index.ts': "export * from './queue.js';\nimport('../reports/index.js');" },
    ],
    [
      "a feature imports the kernel's internals",
      'reports/bad.ts',
      "import { now } from '../kernel/clock.js';",
      'kernel is imported through its index.ts only',
    ],
    ['a feature imports main.ts', 'reports/bad.ts', "import type {} from '../main.js';", `only ${ROOT} imports`],
  ];
  const allowed = [
    ['feature → kernel/index.js', 'reports/ok.ts', "import { now } from '../kernel/index.js';"],
    ['feature → db/models/x.js', 'reports/ok.ts', "import type { Host } from '../db/models/hosts.js';"],
    ["feature → other feature's index.js", 'reports/ok.ts', "import { queue } from '../alerting/index.js';"],
    [
      'main.ts → anything',
      'main.ts',
      "import './alerting/queue.js';\nimport './db/models/hosts.js';\nimport './kernel/clock.js';",
    ],
  ];
  const run = (file, source, extra = {}) =>
    analyse(new Map(Object.entries({ ...base, ...extra, [file]: source }))).violations;
  let failures = 0;
  const clean = run('main.ts', 'export {};');
  if (clean.length > 0) {
    console.error(`core-graph: self-test base set refused:\n  ${clean.join('\n  ')}`);
    failures++;
  }
  for (const [what, file, source, expected, extra] of forbidden) {
    const violations = run(file, source, extra);
    if (!violations.some((v) => v.includes(expected))) {
      const got = violations.length > 0 ? ` (refused for another reason: ${violations.join('; ')})` : '';
      console.error(`core-graph: NOT refused: ${what}: ${file}: ${source}${got}`);
      failures++;
    }
  }
  for (const [what, file, source] of allowed) {
    const violations = run(file, source);
    if (violations.length > 0) {
      console.error(`core-graph: wrongly refused: ${what}: ${violations.join('; ')}`);
      failures++;
    }
  }
  if (failures > 0) process.exit(1);
  console.log(`core-graph: ${forbidden.length} forbidden imports refused, ${allowed.length} allowed imports accepted`);
};

// ─── Main ───────────────────────────────────────────────────────────────────────────────────
selfTest();
if (!process.argv.includes('--self-test')) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../core/src');
  const sources = new Map();
  for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !SOURCE.test(entry.name)) continue;
    const full = path.join(entry.parentPath, entry.name);
    sources.set(path.relative(root, full).split(path.sep).join('/'), readFileSync(full, 'utf8'));
  }
  const { graph, violations } = analyse(sources);
  printGraph(graph);
  if (violations.length > 0) {
    console.error(`core-graph: ${violations.length} imports break the core's folder graph (docs/architecture.md):`);
    for (const line of violations) console.error(`  ${line}`);
    process.exit(1);
  }
  console.log(`core-graph: ${sources.size} files, no cycle, every import allowed`);
}
