import { defineErrors } from '@prophasis/protocol';

/** Errors of the classification engine (stable codes; docs/classifiers.md). */
export const ClassificationErrors = defineErrors('CLS', {
  NOT_STARTED: { status: 503, message: 'Classification engine is not running' },
  STOPPED: { status: 503, message: 'Classification engine stopped before the batch finished' },
  INVALID_REQUEST: { status: 400, message: 'Invalid classification request' },
  WORKER_START_FAILED: { status: 500, message: 'Classification worker failed to start' },
});
