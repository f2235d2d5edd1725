import { CLASSIFIER_TEST_USAGE, runClassifierTestCommand } from '../index.js';

export const CLASSIFIER_USAGE = CLASSIFIER_TEST_USAGE;

/** `prophasis classifier test FILE.lua --values …`: prints the severity, or the error. */
export async function classifierCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'test') {
    console.error(`Unknown classifier command ${JSON.stringify(sub ?? '')}.\n\n${CLASSIFIER_USAGE}`);
    return 2;
  }
  const { exitCode, output } = await runClassifierTestCommand(rest);
  (exitCode === 0 ? console.log : console.error)(output);
  return exitCode;
}
