import { defineErrors } from '@prophasis/protocol';

/**
 * Refusals of `prophasis config export|apply` and `/api/config/*` (docs/configuration-as-code.md).
 * Every refusal of a file names the place in it (`checks[3].plugins[0].plugin`) in the message
 * and in `details.path`; nothing is written when one is raised.
 */
export const ConfigErrors = defineErrors('CORE_CONFIG', {
  /** YAML syntax, an unknown kind or field, a bad value, a name used twice, a reference to nothing. */
  INVALID: { status: 400, message: 'The configuration file is invalid' },
  /** A `${secret:NAME}` reference that no environment variable resolves, for an object that has no value yet. */
  SECRET_MISSING: { status: 400, message: 'A secret the file refers to is not set' },
  /** The core holds something the file format cannot name unambiguously (two silences with one name). */
  NOT_EXPORTABLE: { status: 409, message: 'The configuration cannot be exported' },
});
