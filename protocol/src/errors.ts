/**
 * Errors with stable codes (after fastify's `FST_ERR_*` catalogue). Each package declares its
 * own catalogue with {@link defineErrors}; the REST API maps `status` to the HTTP status in one
 * error handler and shows `message` to the user. Codes never change meaning once released.
 */
export class ProphasisError extends Error {
  override readonly name = 'ProphasisError';
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    readonly details?: unknown,
  ) {
    super(message);
  }

  toJSON(): { code: string; message: string; details?: unknown } {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

/** One entry of a catalogue: HTTP-style status and a human message. */
export interface ErrorSpec {
  readonly status: number;
  readonly message: string;
}

/** Builds a `ProphasisError`; `detail` is appended to the catalogue message after a colon. */
export type ErrorFactory = ((detail?: string, details?: unknown) => ProphasisError) & { readonly code: string };

/** Where each code and each prefix was first declared, for the duplicate check of {@link defineErrors}. */
const definedCodes = new Map<string, string>();
const definedPrefixes = new Map<string, string>();

/**
 * The place (file:line:column, as the stack shows it) of the code that called `defineErrors`,
 * so that a duplicate names both catalogues. Browser-safe: only the standard `Error.stack`.
 */
function callerPlace(): string {
  const frames = (new Error().stack ?? '').split('\n').filter((line) => /^\s+at /.test(line));
  // frames[0] is callerPlace, frames[1] defineErrors, frames[2] the catalogue's module.
  const frame = frames[2]?.trim().replace(/^at\s+/, '');
  if (frame === undefined) return 'an unknown place';
  const inParens = /\((.*)\)$/.exec(frame);
  return (inParens?.[1] ?? frame).replace(/^file:\/\//, '');
}

/**
 * Declares a catalogue of errors whose codes are `${prefix}_${KEY}`.
 *
 * Codes are unique across the whole process: a prefix that another catalogue already uses, or
 * a code another catalogue already defines (`CORE` + `API_X` against `CORE_API` + `X`), throws
 * at start, naming both places, and declares nothing. A catalogue is a module-level constant,
 * evaluated once; specs that declare ad-hoc catalogues use a prefix no other spec uses.
 *
 * @example
 * const E = defineErrors('PROTO', { INVALID_TOPIC: { status: 400, message: 'Invalid topic' } });
 * throw E.INVALID_TOPIC('prophasis/v1/x');
 */
export function defineErrors<K extends string>(prefix: string, specs: Record<K, ErrorSpec>): Record<K, ErrorFactory> {
  const place = callerPlace();
  const keys = Object.keys(specs) as K[];
  const samePrefix = definedPrefixes.get(prefix);
  if (samePrefix !== undefined) {
    throw new Error(
      `defineErrors: prefix ${prefix} is already used by the catalogue at ${samePrefix}; declared again at ${place}` +
        (samePrefix === place ? ' (the same module evaluated twice?)' : ' (merge the two catalogues or pick another prefix)'),
    );
  }
  for (const key of keys) {
    const code = `${prefix}_${key}`;
    const first = definedCodes.get(code);
    if (first !== undefined) {
      throw new Error(`defineErrors: code ${code} is already defined by the catalogue at ${first}; defined again at ${place}`);
    }
  }
  definedPrefixes.set(prefix, place);
  const out = {} as Record<K, ErrorFactory>;
  for (const key of keys) {
    const spec = specs[key];
    const code = `${prefix}_${key}`;
    definedCodes.set(code, place);
    const factory = (detail?: string, details?: unknown) =>
      new ProphasisError(code, detail ? `${spec.message}: ${detail}` : spec.message, spec.status, details);
    out[key] = Object.assign(factory, { code });
  }
  return out;
}

/** True for a `ProphasisError`, optionally with the code of the given factory. */
export function isProphasisError(err: unknown, factory?: ErrorFactory): err is ProphasisError {
  return err instanceof ProphasisError && (factory === undefined || err.code === factory.code);
}

/** The protocol package's own catalogue. */
export const ProtocolErrors = defineErrors('PROTO', {
  INVALID_AGENT_ID: { status: 400, message: 'Invalid agent id' },
  INVALID_TOPIC: { status: 400, message: 'Not a Prophasis topic' },
  MESSAGE_TOO_LARGE: { status: 413, message: 'Message too large' },
  MALFORMED_JSON: { status: 400, message: 'Message is not valid JSON' },
  INVALID_MESSAGE: { status: 400, message: 'Message does not match its schema' },
  UNKNOWN_MESSAGE_TYPE: { status: 400, message: 'Unknown message type' },
  WRONG_CHANNEL: { status: 400, message: 'Message type not allowed on this topic' },
  INVALID_MANIFEST: { status: 400, message: 'Plugin manifest does not match its schema' },
  INVALID_CAPABILITY: { status: 400, message: 'Unknown or malformed capability' },
  INVALID_SCHEDULE: { status: 400, message: 'Invalid schedule' },
  TOO_MANY_SLOTS: { status: 400, message: 'Too many slots in range' },
  INVALID_CONFIG: { status: 500, message: 'Invalid configuration' },
});
