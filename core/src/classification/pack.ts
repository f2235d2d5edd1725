import type { SandboxItem } from './sandbox.js';
import type { ClassifierParam } from './types.js';

// The batch driver's input (sandbox.ts, DRIVER): the windows of a batch of items in one binary
// string, little-endian. Per item: u32 n (values), u32 messages, u32 result types, u32 params
// index, u32 index of the result type when all are alike, u8 flags (1: values with nulls,
// 2: messages present, 4: result types mixed); n f64 values (0 where null); with flag 1 a u32
// count and the 1-based positions of the nulls; with flag 2 one u32 string index per message
// (0: null); with flag 4 one u32 string index per result type. Strings and params are 1-based
// indexes into the lists that travel beside the string.

/** A packed batch: the binary string, its distinct strings and its distinct params. */
export interface PackedWindows {
  data: Uint8Array;
  strings: string[];
  params: Readonly<Record<string, ClassifierParam>>[];
}

/** Packs values into the batch driver's binary string (little-endian, grows as needed). */
export class Packer {
  buf = Buffer.allocUnsafe(64 * 1024);
  at = 0;
  private ensure(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + n));
    this.buf.copy(next, 0, 0, this.at);
    this.buf = next;
  }
  u8(v: number): void {
    this.ensure(1);
    this.buf[this.at++] = v;
  }
  u32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32LE(v, this.at);
    this.at += 4;
  }
  f64(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(v, this.at);
    this.at += 8;
  }
}

/** Packs `items` into `p` (reset first); `data` is a view of p's buffer, valid until its next use. */
export function packWindows(p: Packer, items: readonly SandboxItem[]): PackedWindows {
  p.at = 0;

  const strings: string[] = [];
  const stringIndex = new Map<string, number>();
  const str = (s: string): number => {
    let i = stringIndex.get(s);
    if (i === undefined) {
      strings.push(s);
      i = strings.length;
      stringIndex.set(s, i);
    }
    return i;
  };
  const params: Readonly<Record<string, ClassifierParam>>[] = [];
  const paramIndex = new Map<object, number>();
  const none = {};
  for (const item of items) {
    const { values, messages, resultTypes } = item;
    const prm = item.params ?? none;
    let pi = paramIndex.get(prm);
    // Equal parameters in distinct objects (a check's, for each of its hosts) share one template.
    if (pi === undefined && params.length > 0 && sameFlat(params[params.length - 1]!, prm)) pi = params.length;
    if (pi === undefined) {
      params.push(prm);
      pi = params.length;
      paramIndex.set(prm, pi);
    }
    let nulls = 0;
    for (const v of values) if (typeof v !== 'number') nulls++;
    let anyMessage = false;
    for (const s of messages) if (typeof s === 'string') anyMessage = true;
    const first = resultTypes[0] ?? '';
    let mixed = false;
    for (const t of resultTypes) if ((t ?? '') !== first) mixed = true;
    const ti = str(first);
    p.u32(values.length);
    p.u32(messages.length);
    p.u32(resultTypes.length);
    p.u32(pi);
    p.u32(ti);
    p.u8((nulls > 0 ? 1 : 0) | (anyMessage ? 2 : 0) | (mixed ? 4 : 0));
    for (const v of values) p.f64(typeof v === 'number' ? v : 0);
    if (nulls > 0) {
      p.u32(nulls);
      values.forEach((v, k) => {
        if (typeof v !== 'number') p.u32(k + 1);
      });
    }
    if (anyMessage) for (const s of messages) p.u32(typeof s === 'string' ? str(s) : 0);
    if (mixed) for (const t of resultTypes) p.u32(str(t ?? ''));
  }
  return { data: p.buf.subarray(0, p.at), strings, params };
}

/** The items of a packed batch back as objects (the sandbox's fallbacks; `key` as given). */
export function unpackWindows(packed: PackedWindows, count: number, key: string): SandboxItem[] {
  const { data, strings, params } = packed;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let at = 0;
  const u32 = () => {
    const v = view.getUint32(at, true);
    at += 4;
    return v;
  };
  const items: SandboxItem[] = [];
  for (let i = 0; i < count; i++) {
    const n = u32();
    const mn = u32();
    const rn = u32();
    const pi = u32();
    const ti = u32();
    const fl = view.getUint8(at++);
    const values: (number | null)[] = [];
    for (let k = 0; k < n; k++) {
      values.push(view.getFloat64(at, true));
      at += 8;
    }
    if (fl & 1) {
      const nulls = u32();
      for (let k = 0; k < nulls; k++) values[u32() - 1] = null;
    }
    const messages: (string | null)[] = [];
    for (let k = 0; k < mn; k++) messages.push(fl & 2 ? (strings[u32() - 1] ?? null) : null);
    const resultTypes: string[] = [];
    for (let k = 0; k < rn; k++) resultTypes.push(fl & 4 ? strings[u32() - 1]! : strings[ti - 1]!);
    items.push({ key, values, messages, resultTypes, params: params[pi - 1] });
  }
  return items;
}

/** Whether two parameter objects are equal key by key with primitive values (nested: identity). */
function sameFlat(a: Readonly<Record<string, ClassifierParam>>, b: Readonly<Record<string, ClassifierParam>>): boolean {
  if (a === b) return true;
  let n = 0;
  for (const k in a) {
    if (!Object.hasOwn(b, k) || a[k] !== b[k]) return false;
    n++;
  }
  for (const k in b) if (Object.hasOwn(b, k)) n--;
  return n === 0;
}

