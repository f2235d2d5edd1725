// Unused files and unused exports, run by `npm run lint:tools` (so by `npm test`). Dependencies
// are not checked here. Every package is private and consumed only inside this repository, so
// exports of entry files count too (includeEntryExports): an export that no package, test or
// script imports is dead, however public its file. Plugin entries are the exception: the agent
// calls what src/plugin.ts exports inside the sandbox, not an import.
import type { KnipConfig } from 'knip';

/**
 * Findings in these folders are not reported (their code is still read, so what they import
 * from other packages counts as used). Empty: every workspace is clean and guarded. Only for a
 * folder whose dead exports are being removed in steps; empty it again once they are gone.
 */
const NOT_YET_CLEANED: string[] = [];

const config: KnipConfig = {
  include: ['files', 'exports', 'nsExports', 'types', 'nsTypes'],
  includeEntryExports: true,
  ignoreIssues: Object.fromEntries(NOT_YET_CLEANED.map((glob) => [glob, ['files', 'exports', 'nsExports', 'types', 'nsTypes']])),
  workspaces: {
    '.': {
      // bench/run.mjs runs bench/NAME.ts by name; scripts/*.mjs are run by package.json scripts.
      entry: ['bench/*.ts', 'scripts/*.mjs'],
      project: ['bench/**/*.ts', 'scripts/**/*.mjs', '*.{mjs,ts}'],
    },
    protocol: {
      // test/fixtures holds plugin bundles that tests zip and sign: data, not modules of protocol.
      project: ['**/*.{ts,mjs,js}', '!test/fixtures/**'],
    },
    'plugins/*': {
      entry: ['src/plugin.ts'],
      includeEntryExports: false,
    },
    agent: {
      // Sandbox overhead measurement, run by hand (`npx tsx test/sandbox/measure-overhead.ts`,
      // docs/performance.md).
      entry: ['test/sandbox/measure-overhead.ts'],
    },
    web: {
      // Screenshot scripts, run by hand (`npx tsx test/screenshots.ts`, docs/console.md).
      entry: ['test/screenshots*.ts'],
    },
  },
};

export default config;
