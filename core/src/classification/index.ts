/**
 * Classification: sandboxed Lua classifiers (wasmoon) in a pool of worker threads.
 * See docs/classifiers.md.
 */
export { createClassificationEngine, type ClassificationEngine, type ClassificationDeps } from './engine.js';
export { readClassificationConfig, CLASSIFICATION_DEFAULTS, ClassificationConfigSchema, type ClassificationConfig } from './config.js';
export { ClassificationErrors } from './errors.js';
export { CLASSIFIER_TEST_USAGE, runClassifierTestCommand, type CommandResult } from './cli/test-command.js';
export { CLASSIFIER_SEVERITIES, type ClassifyRequest, type ClassifyOutcome, type ClassifierErrorKind, type ClassifierParam } from './types.js';
export {
  resolveClassifier,
  overridesFromRows,
  loadClassifierOverrides,
  NO_OVERRIDES,
  type ClassifierOverrides,
  type ClassifierContext,
  type ClassifierSource,
  type ResolvedClassifier,
  type OverrideRow,
} from './overrides.js';
