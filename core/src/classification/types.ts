import type { Severity } from '@prophasis/protocol';

/** Why a classification ended as `unknown` instead of the classifier's answer. */
export type ClassifierErrorKind = 'compile' | 'runtime' | 'timeout' | 'memory' | 'invalid_return';

/** Parameters of a check as the classifier sees them in `params` (JSON-like values only). */
export type ClassifierParam = string | number | boolean | null | ClassifierParam[] | { [key: string]: ClassifierParam };

/** One result to classify: the classifier's code and the window of the last n results. */
export interface ClassifyRequest {
  /** Names the classifier in logs (e.g. `plugin-id@version` or an override id); not used for caching. */
  classifierKey: string;
  /** Lua source of the classifier (text only; precompiled chunks are refused). */
  code: string;
  /** Numeric values of the last n results, oldest first; `null` where a result had no value. */
  values: readonly (number | null)[];
  /** Messages of the same results; `null` where a result had no message. Same length as `values`. */
  messages: readonly (string | null)[];
  /** Result types of the same results (`plugin`, `connection_error`, ...). Same length as `values`. */
  resultTypes: readonly string[];
  /** The check's parameters. */
  params?: Readonly<Record<string, ClassifierParam>>;
}

/** What a classification produced; `error` is set exactly when the severity was forced to `unknown`. */
export interface ClassifyOutcome {
  severity: Severity;
  error?: { kind: ClassifierErrorKind; message: string };
}

/** Severities a classifier may return: every severity except `critical`, which is for services only. */
export const CLASSIFIER_SEVERITIES = ['major', 'minor', 'degraded', 'unknown', 'ok', 'no_data'] as const satisfies readonly Severity[];
