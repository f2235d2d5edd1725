import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { isResultType, silentLogger, type Logger } from '@prophasis/protocol';
import { CLASSIFICATION_DEFAULTS } from '../config.js';
import { createClassificationEngine } from '../engine.js';
import type { ClassifierParam } from '../types.js';

/** What a command produced: the process exit code and the text to print. */
export interface CommandResult {
  exitCode: number;
  output: string;
}

export const CLASSIFIER_TEST_USAGE = `Usage: prophasis classifier test FILE.lua --values 1,2,3 [--messages a,b,c] [--result-types plugin,...] [--params JSON]

Runs a classifier once in the same sandbox as the core and prints the severity it returns.
Lists are oldest first, newest last, split on commas. An empty entry (or "nil") in --values or
--messages is a result without a value or message. --result-types defaults to "plugin" for every
entry; --params is the check's parameters as a JSON object.
Exit code: 0 for a severity, 1 when the classifier failed (severity unknown), 2 for bad usage.`;

const usage = (problem: string): CommandResult => ({ exitCode: 2, output: `${problem}\n\n${CLASSIFIER_TEST_USAGE}` });
const splitList = (raw: string | undefined): string[] => (raw === undefined || raw === '' ? [] : raw.split(','));
const isNil = (s: string): boolean => s.trim() === '' || s.trim() === 'nil' || s.trim() === 'null';

/**
 * `prophasis classifier test FILE.lua --values ...`: `argv` is what follows `classifier test`.
 * Starts a one-worker engine, classifies once, stops it.
 */
export async function runClassifierTestCommand(argv: readonly string[], deps: { logger?: Logger } = {}): Promise<CommandResult> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        values: { type: 'string' },
        messages: { type: 'string' },
        'result-types': { type: 'string' },
        params: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    return usage((err as Error).message);
  }
  const { values: opts, positionals } = parsed;
  if (opts.help) return { exitCode: 0, output: CLASSIFIER_TEST_USAGE };
  if (positionals.length !== 1) return usage('Name exactly one classifier file.');
  if (opts.values === undefined) return usage('--values is required.');

  const rawValues = splitList(opts.values);
  const values: (number | null)[] = [];
  for (const raw of rawValues) {
    if (isNil(raw)) values.push(null);
    else if (Number.isFinite(Number(raw))) values.push(Number(raw));
    else return usage(`--values: ${JSON.stringify(raw)} is not a number.`);
  }
  const rawMessages = splitList(opts.messages);
  const rawTypes = splitList(opts['result-types']);
  const bad = rawTypes.find((t) => !isResultType(t.trim()));
  if (bad !== undefined) return usage(`--result-types: ${JSON.stringify(bad)} is not a result type.`);
  const n = Math.max(values.length, rawMessages.length, rawTypes.length);
  while (values.length < n) values.push(null);
  const messages = Array.from({ length: n }, (_, i) => (rawMessages[i] === undefined || isNil(rawMessages[i]) ? null : rawMessages[i]!));
  const resultTypes = Array.from({ length: n }, (_, i) => rawTypes[i]?.trim() ?? 'plugin');

  let params: Record<string, ClassifierParam> = {};
  if (opts.params !== undefined) {
    try {
      params = JSON.parse(opts.params) as Record<string, ClassifierParam>;
    } catch {
      return usage('--params must be a JSON object.');
    }
    if (typeof params !== 'object' || params === null || Array.isArray(params)) return usage('--params must be a JSON object.');
  }

  const file = positionals[0]!;
  let code: string;
  try {
    code = await readFile(file, 'utf8');
  } catch (err) {
    return { exitCode: 2, output: `Cannot read ${file}: ${(err as Error).message}` };
  }

  const engine = createClassificationEngine({ ...CLASSIFICATION_DEFAULTS, workers: 1 }, { logger: deps.logger ?? silentLogger() });
  await engine.start();
  try {
    const [outcome] = await engine.classify([{ classifierKey: file, code, values, messages, resultTypes, params }]);
    if (!outcome!.error) return { exitCode: 0, output: outcome!.severity };
    return { exitCode: 1, output: `unknown (${outcome!.error.kind}): ${outcome!.error.message}` };
  } finally {
    await engine.stop();
  }
}
