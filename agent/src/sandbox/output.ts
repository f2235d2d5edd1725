import { isResultType, type ResultType } from '@prophasis/protocol';

/** What one plugin run produced, ready to become a result message (docs/protocol.md, "Message bodies"). */
export interface RunOutcome {
  resultType: ResultType;
  value: number | null;
  message: string | null;
  /** Wall-clock time of the run, isolate creation included. */
  durationMs: number;
}

/** The longest `message` a plugin may return (protocol/src/plugin-sdk.ts). */
const MAX_MESSAGE_LENGTH = 4096;

/**
 * What the isolate hands back after `measure` resolved: the output's three fields read once
 * and reduced to primitives inside the isolate, so nothing plugin-controlled but bounded
 * primitives crosses into the agent. `bad*` name the JavaScript type of a field of the wrong type.
 */
interface RawOutput {
  notAnObject?: string;
  value?: number | null;
  badValue?: string;
  message?: string | null;
  badMessage?: string;
  resultType?: string;
  badResultType?: string;
}

/** A `command_unsuccessful` outcome with a reason (the shape of every sandbox failure). */
export function failure(reason: string, durationMs: number): RunOutcome {
  return { resultType: 'command_unsuccessful', value: null, message: reason.slice(0, MAX_MESSAGE_LENGTH), durationMs };
}

/**
 * Validates a plugin's output: `value` a finite number or null, `message` a string of at most
 * 4096 characters or null, `resultType` one of the protocol's result types (default `plugin`),
 * at least one of `value` and `message`. Anything else is `command_unsuccessful` saying why.
 */
export function validateOutput(raw: unknown, durationMs: number): RunOutcome {
  const bad = (why: string) => failure(`invalid plugin output: ${why}`, durationMs);
  if (raw === null || typeof raw !== 'object') return bad('nothing usable came back from the sandbox');
  const out = raw as RawOutput;
  if (out.notAnObject !== undefined) return bad(`measure must return an object with value and/or message, got ${out.notAnObject}`);
  if (out.badValue !== undefined) return bad(`value must be a finite number or null, got ${out.badValue}`);
  if (out.badMessage !== undefined) return bad(`message must be a string or null, got ${out.badMessage}`);
  if (out.badResultType !== undefined) return bad(`resultType must be a string, got ${out.badResultType}`);
  const value = out.value ?? null;
  if (value !== null && (typeof value !== 'number' || !Number.isFinite(value))) return bad(`value must be a finite number or null, got ${String(value)}`);
  const message = out.message ?? null;
  if (message !== null && typeof message !== 'string') return bad('message must be a string or null');
  if (message !== null && message.length > MAX_MESSAGE_LENGTH) return bad(`message is longer than ${MAX_MESSAGE_LENGTH} characters`);
  const resultType = out.resultType ?? 'plugin';
  if (!isResultType(resultType)) return bad(`unknown resultType ${JSON.stringify(resultType.slice(0, 64))}`);
  if (value === null && message === null) return bad('neither value nor message');
  return { resultType, value, message, durationMs };
}
