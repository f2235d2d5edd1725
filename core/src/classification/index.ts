/**
 * Classification: sandboxed Lua classifiers (wasmoon) in a pool of worker threads.
 * See docs/classifiers.md.
 */
export { createClassificationEngine, type ClassificationEngine } from './engine.js';
export { readClassificationConfig, CLASSIFICATION_DEFAULTS } from './config.js';
export { ClassificationErrors } from './errors.js';
export { CLASSIFIER_TEST_USAGE, runClassifierTestCommand } from './cli/test-command.js';
export type { ClassifyRequest, ClassifyOutcome, ClassifierErrorKind, ClassifierParam } from './types.js';
export {
  resolveClassifier,
  overridesFromRows,
  NO_OVERRIDES,
  type ClassifierOverrides,
  type ResolvedClassifier,
} from './overrides.js';
