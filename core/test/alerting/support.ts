import { Type } from '@sinclair/typebox';
import type { AlertModule, AlertNotice } from '../../src/alerting/index.js';
import type { Clock } from '../../src/kernel/index.js';
import type { SystemLogEntry } from '../../src/kernel/system-log.js';

/** A clock whose timers fire only when the test advances it. */
/**
 * A clock that moves only when told. Its `random` is 0 unless given (the backoff's full wait,
 * no jitter), so timings in tests are exact.
 */
export function fakeClock(start = 1_700_000_000_000, random: () => number = () => 0): Clock & { advance(ms: number): void; timers(): number } {
  let now = start;
  let seq = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  return {
    now: () => now,
    random,
    setTimeout(fn, ms) {
      const id = ++seq;
      timers.set(id, { at: now + ms, fn });
      return id;
    },
    clearTimeout(handle) {
      timers.delete(handle as number);
    },
    advance(ms) {
      const target = now + ms;
      for (;;) {
        const next = [...timers.entries()].filter(([, t]) => t.at <= target).sort((a, b) => a[1].at - b[1].at)[0];
        if (!next) break;
        timers.delete(next[0]);
        now = next[1].at;
        next[1].fn();
      }
      now = target;
    },
    timers: () => timers.size,
  };
}

export function notice(overrides: Partial<AlertNotice> = {}): AlertNotice {
  return {
    alert: { id: 1, name: 'Web down' },
    target: { kind: 'host', id: 7, name: 'web1' },
    plugin: { id: 3, pluginId: 'io.prophasis.cpu-load', name: 'cpu-load' },
    from: 'ok',
    to: 'major',
    at: Date.UTC(2025, 0, 2, 3, 4, 5),
    late: false,
    causes: [],
    test: false,
    ...overrides,
  };
}

/** Waits (bounded) until `predicate` holds, polling on the event loop; for real I/O only. */
export async function until(predicate: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}

export const messages = (entries: SystemLogEntry[], level?: string) => entries.filter((e) => !level || e.level === level).map((e) => e.message);

/** Decodes RFC 2047 encoded-words (B and Q) in a header value. */
function decodeHeader(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (_m, _charset: string, enc: string, text: string) =>
      enc.toUpperCase() === 'B'
        ? Buffer.from(text, 'base64').toString('utf8')
        : Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_x, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8'),
    );
}

/** Splits a received message into unfolded headers and a decoded text body (QP, base64 or plain). */
export function parseMail(data: string): { headers: Map<string, string>; body: string } {
  const [head = '', ...rest] = data.split('\r\n\r\n');
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) headers.set(line.slice(0, i).toLowerCase(), decodeHeader(line.slice(i + 1).trim()));
  }
  const raw = rest.join('\r\n\r\n');
  const encoding = headers.get('content-transfer-encoding')?.toLowerCase();
  let body: string;
  if (encoding === 'quoted-printable') {
    const bytes = raw.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/gi, (_x, h: string) => String.fromCharCode(parseInt(h, 16)));
    body = Buffer.from(bytes, 'latin1').toString('utf8');
  } else if (encoding === 'base64') body = Buffer.from(raw.replace(/\s+/g, ''), 'base64').toString('utf8');
  else body = raw;
  return { headers, body: body.replace(/\r\n/g, '\n') };
}

/** A module whose sends fail while `fails()` says so, recording every call (settings need `to`). */
export function recordingModule(id: string, fails: () => boolean): { module: AlertModule<{ to: string }>; calls: { notice: AlertNotice; settings: unknown }[] } {
  const calls: { notice: AlertNotice; settings: unknown }[] = [];
  const module: AlertModule<{ to: string }> = {
    id,
    label: id,
    settingsSchema: Type.Object({ to: Type.String() }),
    validate(settings) {
      if (!settings || typeof (settings as { to?: unknown }).to !== 'string') throw new Error('settings.to: required');
      return settings as { to: string };
    },
    async send(n, settings) {
      calls.push({ notice: n, settings });
      if (fails()) throw new Error('connection refused');
    },
    test: async () => {},
  };
  return { module, calls };
}
