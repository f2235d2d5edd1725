// Runs every first-party plugins/*/classifier.lua against its plugins/*/test/classifier-cases.json
// in the real Lua sandbox, so a plugin's default classification is tested where it runs.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { silentLogger } from '@prophasis/protocol';
import { CLASSIFICATION_DEFAULTS, createClassificationEngine, type ClassifierParam } from '../src/classification/index.js';

interface Case { name: string; values: (number | null)[]; messages?: (string | null)[]; resultTypes?: string[]; params?: Record<string, ClassifierParam>; expect: string }

const root = new URL('../../plugins/', import.meta.url);
const plugins = readdirSync(root).filter((name) => existsSync(new URL(`${name}/test/classifier-cases.json`, root)));

describe('first-party plugin classifiers', () => {
  const engine = createClassificationEngine({ ...CLASSIFICATION_DEFAULTS, workers: 1 }, { logger: silentLogger() });
  before(() => engine.start());
  after(() => engine.stop());

  it('finds the first-party plugins', () => assert.ok(plugins.length >= 12, plugins.join(', ')));

  for (const name of plugins) {
    it(`${name}: every case gives its expected severity`, async () => {
      const code = readFileSync(new URL(`${name}/classifier.lua`, root), 'utf8');
      const cases = JSON.parse(readFileSync(new URL(`${name}/test/classifier-cases.json`, root), 'utf8')) as Case[];
      const outcomes = await engine.classify(
        cases.map((c) => ({
          classifierKey: `io.prophasis.${name}`,
          code,
          values: c.values,
          messages: c.messages ?? c.values.map(() => null),
          resultTypes: c.resultTypes ?? c.values.map(() => 'plugin'),
          params: c.params ?? {},
        })),
      );
      assert.deepEqual(
        outcomes.map((o, i) => `${cases[i]!.name}: ${o.severity}${o.error ? ` (${o.error.kind}: ${o.error.message})` : ''}`),
        cases.map((c) => `${c.name}: ${c.expect}`),
      );
    });
  }
});
