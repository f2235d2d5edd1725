import { defineErrors } from '@prophasis/protocol';

/**
 * Refusals of the console's HTTPS settings at start (docs/operations.md, "HTTPS for the
 * console"). Each message names the setting and its environment variable; the core does not
 * start, and changes nothing, until it is fixed.
 */
export const HttpsErrors = defineErrors('CORE_HTTPS', {
  INCOMPLETE: { status: 500, message: 'HTTPS needs a certificate and its key' },
  AMBIGUOUS: { status: 500, message: 'Two sources of the HTTPS certificate are configured' },
  UNREADABLE: { status: 500, message: 'Cannot read an HTTPS file' },
  INVALID: { status: 500, message: 'Not a usable certificate or key' },
  KEY_MISMATCH: { status: 500, message: 'The HTTPS key does not belong to the certificate' },
});
