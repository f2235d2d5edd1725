import { LuaFactory } from 'wasmoon';
import { Packer, packWindows, unpackWindows, type PackedWindows } from './pack.js';
import { DRIVER } from './batch-driver.js';
import { PRELUDE } from './prelude.js';
import { CLASSIFIER_SEVERITIES, type ClassifierErrorKind, type ClassifierParam, type ClassifyOutcome } from './types.js';

/** Limits of one Lua state. */
export interface SandboxLimits {
  /** Lua heap cap in bytes; an allocation beyond it fails inside Lua (`not enough memory`). */
  memoryBytes: number;
  /** CPU-time budget of one classification (compile + run), in milliseconds. */
  timeoutMs: number;
  /** Compiled classifiers kept per state (least recently used are dropped). */
  maxCompiled: number;
}

/** One item as the worker receives it (the code travels once per batch, by key). */
export interface SandboxItem {
  key: string;
  values: readonly (number | null)[];
  messages: readonly (string | null)[];
  resultTypes: readonly string[];
  params?: Readonly<Record<string, ClassifierParam>> | undefined;
}

/**
 * The raw exports of wasmoon's Emscripten module that the sandbox drives directly: the wrapped
 * `LuaWasm` methods convert strings on every call, which is most of the cost of a classification.
 * Pointers are numbers; `lua_Integer` arguments are BigInt (wasm i64).
 */
interface RawLua {
  HEAPU8: Uint8Array;
  addFunction(fn: (...args: number[]) => number | void, signature: string): number;
  _malloc(size: number): number;
  _free(ptr: number): void;
  _realloc(ptr: number, size: number): number;
  _lua_newstate(alloc: number, ud: number): number;
  _lua_close(L: number): void;
  _luaopen_base(L: number): number;
  _luaopen_table(L: number): number;
  _luaopen_string(L: number): number;
  _luaopen_math(L: number): number;
  _luaopen_utf8(L: number): number;
  _lua_setglobal(L: number, name: number): void;
  _luaL_loadbufferx(L: number, buf: number, size: number, name: number, mode: number): number;
  _lua_pcallk(L: number, nargs: number, nresults: number, errfunc: number, ctx: number, k: number): number;
  _lua_settop(L: number, idx: number): void;
  _lua_gettop(L: number): number;
  _lua_type(L: number, idx: number): number;
  _lua_tolstring(L: number, idx: number, len: number): number;
  _lua_createtable(L: number, narr: number, nrec: number): void;
  _lua_pushnumber(L: number, n: number): void;
  _lua_pushlstring(L: number, s: number, len: number): number;
  _lua_pushinteger(L: number, n: bigint): void;
  _lua_pushboolean(L: number, b: number): void;
  _lua_rawseti(L: number, idx: number, n: bigint): void;
  _lua_rawgeti(L: number, idx: number, n: bigint): number;
  _lua_rawlen(L: number, idx: number): number | bigint;
  _lua_tonumberx(L: number, idx: number, isnum: number): number;
  _lua_setfield(L: number, idx: number, k: number): void;
  _lua_setmetatable(L: number, idx: number): number;
  _lua_setupvalue(L: number, funcidx: number, n: number): number;
  _lua_sethook(L: number, f: number, mask: number, count: number): void;
  _lua_pushcclosure(L: number, fn: number, n: number): void;
  _luaL_ref(L: number, t: number): number;
  _luaL_unref(L: number, t: number, ref: number): void;
}

const LUA_REGISTRYINDEX = -1_000_000 - 1000; // -LUAI_MAXSTACK - 1000 (lua.h)
const LUA_OK = 0;
const LUA_ERRMEM = 4;
const LUA_TSTRING = 4;
const LUA_MASKCOUNT = 8;
/** Instructions between two clock checks: about 10 µs of Lua, so a deadline is missed by little. */
const HOOK_EVERY = 1000;
const MAX_CODE_BYTES = 64 * 1024;
/** Blocks up to this size are recycled by the allocator hook (see Sandbox.create)… */
const POOL_MAX_BYTES = 256;
/** …holding at most this many bytes of freed blocks. */
const POOL_BYTES = 256 * 1024;

/** Thrown from the instruction hook straight through Lua: Emscripten's setjmp emulation only
 *  catches its own longjmps, so no `pcall` in user code can stop it. The state is then
 *  inconsistent and the sandbox must be discarded (see {@link Sandbox.broken}). */
class HardStop extends Error {
  constructor(readonly kind: ClassifierErrorKind) {
    super(kind);
  }
}

const SEVERITY_SET: ReadonlySet<string> = new Set(CLASSIFIER_SEVERITIES);
const SMALL_INTS: bigint[] = Array.from({ length: 1025 }, (_, i) => BigInt(i));
const big = (i: number): bigint => SMALL_INTS[i] ?? BigInt(i);
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** CPU time of the calling thread (user + system), in milliseconds. */
function threadCpuMs(): number {
  const { user, system } = process.threadCpuUsage();
  return (user + system) / 1000;
}

type Compiled = { ref: number } | { error: string };

const TYPE_NAMES: Record<string, string> = {
  nil: 'nothing (nil)',
  boolean: 'a boolean',
  number: 'a number',
  string: 'a string',
  table: 'a table',
  function: 'a function',
  userdata: 'a userdata',
  thread: 'a thread',
};


/**
 * One Lua state with the sandbox prelude loaded. Not thread-safe and synchronous: a worker owns
 * one and runs items one after the other. After a hard stop (timeout, wasm trap) the state is
 * unusable; the owner checks {@link Sandbox.broken} and creates a new sandbox.
 */
export class Sandbox {
  /** True once a hard stop unwound through Lua; the state must not be used again. */
  broken = false;
  private readonly compiled = new Map<string, Compiled>();
  private readonly cstrings = new Map<string, number>();
  private memoryUsed = 0;
  private lastRefused = -1;
  /** Set by the allocator when Lua really ran out (an allocation refused twice in a row:
   *  Lua retries once after an emergency collection). Survives a `pcall` in user code. */
  private outOfMemory = false;
  /** Wall-clock time (performance.now) after which the hook checks the CPU time spent. */
  private deadline = Infinity;
  /** This thread's CPU time when the current item started, in milliseconds. */
  private cpuStart = 0;
  /** performance.now() when the current item of a batch started. */
  private itemStart = 0;
  private scratch = 0;
  private scratchSize = 0;
  private readonly envMetaRef: number;
  private readonly driverRef: number;
  /** Lua C function `begin(fn, env)` of the batch driver. */
  private readonly beginFn: number;
  /** Batch run state: items begun so far, the caller's per-item callback, the items that ran out of memory. */
  private begun = 0;
  private onBegin: ((j: number, now: number) => void) | undefined;
  private readonly outOfMemoryItems = new Set<number>();
  private readonly packer = new Packer();

  private constructor(
    private readonly m: RawLua,
    private readonly L: number,
    private readonly limits: SandboxLimits,
    allocState: { sandbox?: Sandbox },
    private readonly heartbeat: Float64Array | undefined,
  ) {
    allocState.sandbox = this;
    this.envMetaRef = this.loadPrelude();
    this.driverRef = this.loadDriver();
    this.beginFn = m.addFunction((l: number): number => {
      // Item `begun` starts: its own time budget (its CPU time is read at the first hook, so a
      // quick item costs no clock read), the watchdog told which item runs, the fresh _ENV set.
      if (this.outOfMemory && this.begun > 0) this.outOfMemoryItems.add(this.begun - 1);
      this.outOfMemory = false;
      this.cpuStart = NaN;
      this.itemStart = performance.now();
      this.deadline = this.itemStart + this.limits.timeoutMs;
      this.onBegin?.(this.begun, this.itemStart);
      this.begun++;
      m._lua_setupvalue(l, 1, 1); // pops env (argument 2) into fn's (argument 1) only upvalue, _ENV
      return 0;
    }, 'ii');
    const hook = m.addFunction(() => {
      const now = performance.now();
      // Tells the pool's watchdog that Lua is still executing (slowly, perhaps, on a busy
      // machine) rather than stuck in one C function, so only the latter gets the worker killed.
      if (this.heartbeat) this.heartbeat[0] = performance.timeOrigin + now;
      // In a batch, an item's CPU clock is read only once a millisecond of wall time has passed
      // since it started (a quick item costs no clock read). Earlier hooks saw less than that, so
      // it has used at most that millisecond (plus one hook interval): counted in full. Time the
      // thread spent descheduled is not counted, as on the single path.
      if (this.cpuStart !== this.cpuStart && now - this.itemStart > 1) this.cpuStart = threadCpuMs() - 1;
      if (now <= this.deadline) return;
      // The wall clock says the budget is spent; the budget is CPU time, so that a busy
      // machine (this thread descheduled) does not turn good classifiers into timeouts.
      const spent = threadCpuMs() - this.cpuStart;
      if (spent >= this.limits.timeoutMs) throw new HardStop('timeout');
      this.deadline = performance.now() + (this.limits.timeoutMs - spent);
    }, 'vii');
    m._lua_sethook(L, hook, LUA_MASKCOUNT, HOOK_EVERY);
  }

  /**
   * Creates a sandbox on a fresh wasm instance (a few milliseconds). `heartbeat[0]` receives the
   * time (epoch ms) whenever the instruction hook runs.
   */
  static async create(limits: SandboxLimits, heartbeat?: Float64Array): Promise<Sandbox> {
    const luaWasm = await new LuaFactory().getLuaModule();
    const m = luaWasm.module as unknown as RawLua;
    const allocState: { sandbox?: Sandbox } = {};
    let pending = 0; // bytes allocated while the prelude loads, before `sandbox` exists
    // Small blocks freed by Lua are kept in per-size free lists (up to POOL_BYTES) and handed
    // out again here, saving a call into wasm's malloc/free for most of the table allocations a
    // window needs. Every block is allocated at its size rounded up to 8 bytes, so a block of a
    // class can serve any request of that class.
    const pools: number[][] = Array.from({ length: POOL_MAX_BYTES / 8 + 1 }, () => []);
    let pooled = 0;
    const alloc = m.addFunction((_ud: number, ptr: number, osize: number, nsize: number): number => {
      const s = allocState.sandbox;
      if (nsize === 0) {
        if (ptr !== 0) {
          if (s) s.memoryUsed -= osize;
          else pending -= osize;
          const cls = (osize + 7) >> 3;
          if (osize <= POOL_MAX_BYTES && pooled + (cls << 3) <= POOL_BYTES) {
            pools[cls]!.push(ptr);
            pooled += cls << 3;
          } else m._free(ptr);
        }
        return 0;
      }
      // On a new block Lua passes the object's type in osize, not a size.
      const delta = ptr !== 0 ? nsize - osize : nsize;
      if (s) {
        if (delta > 0 && s.memoryUsed + delta > limits.memoryBytes) {
          if (s.lastRefused === nsize) s.outOfMemory = true;
          s.lastRefused = nsize;
          return 0;
        }
      }
      const size = (nsize + 7) & ~7;
      let out: number;
      if (ptr === 0 && nsize <= POOL_MAX_BYTES && pools[size >> 3]!.length > 0) {
        out = pools[size >> 3]!.pop()!;
        pooled -= size;
      } else out = m._realloc(ptr, size);
      if (out !== 0) {
        if (s) {
          s.memoryUsed += delta;
          s.lastRefused = -1;
        } else pending += delta;
      }
      return out;
    }, 'iiiii');
    const L = m._lua_newstate(alloc, 0);
    if (L === 0) throw new Error('lua_newstate failed');
    const sandbox = new Sandbox(m, L, limits, allocState, heartbeat);
    sandbox.memoryUsed += pending;
    return sandbox;
  }

  /** Classifiers compiled (or refused) and cached in this state. */
  get compiledCount(): number {
    return this.compiled.size;
  }

  /** Bytes the Lua heap holds now. */
  get heapBytes(): number {
    return this.memoryUsed;
  }

  /** Runs one classifier over one window. Never throws; a hard stop sets {@link broken}. */
  classify(item: SandboxItem, code: string | undefined): ClassifyOutcome {
    if (this.broken) return fail('runtime', 'sandbox is broken');
    const { m, L } = this;
    this.deadline = performance.now() + this.limits.timeoutMs;
    this.cpuStart = threadCpuMs();
    this.outOfMemory = false;
    try {
      const fn = this.compile(item.key, code);
      if ('error' in fn) return fail('compile', fn.error);
      m._lua_settop(L, 0);
      m._lua_rawgeti(L, LUA_REGISTRYINDEX, big(fn.ref));
      m._lua_createtable(L, 0, 4);
      this.pushWindow(item);
      m._lua_rawgeti(L, LUA_REGISTRYINDEX, big(this.envMetaRef));
      m._lua_setmetatable(L, -2);
      m._lua_setupvalue(L, 1, 1); // the chunk's only upvalue is _ENV: a fresh one per call
      const status = m._lua_pcallk(L, 0, 1, 0, 0, 0);
      if (this.outOfMemory || status === LUA_ERRMEM) return fail('memory', `memory limit of ${this.limits.memoryBytes} bytes exceeded`);
      if (status !== LUA_OK) {
        const message = this.stringAt(-1) ?? 'error object is not a string';
        if (message === 'not enough memory') return fail('memory', `memory limit of ${this.limits.memoryBytes} bytes exceeded`);
        return fail('runtime', message);
      }
      return this.readSeverity();
    } catch (err) {
      this.broken = true;
      if (err instanceof HardStop) return fail(err.kind, `time limit of ${this.limits.timeoutMs} ms exceeded`);
      // A wasm trap (e.g. the C stack of the wasm instance overflowed) leaves the state unusable too.
      return fail('runtime', `sandbox aborted: ${(err as Error).message}`);
    } finally {
      this.deadline = Infinity;
      if (!this.broken) m._lua_settop(L, 0);
    }
  }

  /**
   * Classifies items that share one classifier (`key`, `code`) with ONE call into Lua (the batch
   * driver), with the same outcomes as {@link classify} per item. `onBegin(j, now)` is called as
   * item j starts (`now`: performance.now()). Never throws. After a hard stop (timeout, wasm trap) the sandbox is {@link broken}:
   * the item that was running has its outcome, the others are `undefined`, to be run again on
   * a new sandbox. If the driver itself fails (e.g. the heap is at its cap between two items),
   * the items are classified one call each.
   */
  classifyBatch(items: readonly SandboxItem[], key: string, code: string | undefined, onBegin?: (j: number, now: number) => void): (ClassifyOutcome | undefined)[] {
    if (items.length === 0) return [];
    return this.classifyPacked(packWindows(this.packer, items), items.length, key, code, onBegin, () => items);
  }

  /**
   * {@link classifyBatch} for items already packed (the pool packs a chunk on the main thread and
   * transfers the buffer). `items()` gives them as objects for the item-by-item fallback.
   */
  classifyPacked(
    packed: PackedWindows,
    count: number,
    key: string,
    code: string | undefined,
    onBegin?: (j: number, now: number) => void,
    items: () => readonly SandboxItem[] = () => unpackWindows(packed, count, key),
  ): (ClassifyOutcome | undefined)[] {
    const outcomes: (ClassifyOutcome | undefined)[] = new Array(count);
    if (count === 0) return outcomes;
    if (this.broken) return outcomes.fill(fail('runtime', 'sandbox is broken'));
    const { m, L } = this;
    this.deadline = Infinity;
    this.outOfMemory = false;
    this.outOfMemoryItems.clear();
    this.begun = 0;
    this.onBegin = onBegin;
    try {
      this.cpuStart = threadCpuMs();
      this.deadline = performance.now() + this.limits.timeoutMs;
      const fn = this.compile(key, code);
      this.deadline = Infinity;
      if ('error' in fn) return outcomes.fill(fail('compile', fn.error));
      const { data, strings, params } = packed;
      m._lua_settop(L, 0);
      m._lua_rawgeti(L, LUA_REGISTRYINDEX, big(this.driverRef));
      m._lua_rawgeti(L, LUA_REGISTRYINDEX, big(fn.ref));
      m._lua_pushcclosure(L, this.beginFn, 0);
      m._lua_rawgeti(L, LUA_REGISTRYINDEX, big(this.envMetaRef));
      m._lua_pushinteger(L, big(count));
      this.pushBytes(data);
      m._lua_createtable(L, strings.length, 0);
      strings.forEach((str, i) => {
        this.pushString(str);
        m._lua_rawseti(L, -2, big(i + 1));
      });
      m._lua_createtable(L, params.length, 0);
      params.forEach((p, i) => {
        this.pushParam(p, 0);
        m._lua_rawseti(L, -2, big(i + 1));
      });
      const status = m._lua_pcallk(L, 7, 2, 0, 0, 0);
      this.deadline = Infinity;
      if (status !== LUA_OK) {
        // The driver failed between items (memory at its cap): item by item instead.
        m._lua_settop(L, 0);
        this.onBegin = undefined;
        const list = items();
        for (let j = 0; j < count && !this.broken; j++) {
          onBegin?.(j, performance.now());
          outcomes[j] = this.classify(list[j]!, code);
        }
        return outcomes;
      }
      if (this.outOfMemory && this.begun > 0) this.outOfMemoryItems.add(this.begun - 1);
      const codes = this.bytesAt(-2);
      for (let j = 0; j < count; j++) {
        const c = codes[j]!;
        if (c > 0) outcomes[j] = { severity: CLASSIFIER_SEVERITIES[c - 1]! };
      }
      const nerr = Number(m._lua_rawlen(L, -1));
      for (let e = 1; e + 2 <= nerr; e += 3) {
        m._lua_rawgeti(L, -1, big(e));
        const j = m._lua_tonumberx(L, -1, 0) - 1;
        m._lua_rawgeti(L, -2, big(e + 1));
        const kind = this.stringAt(-1);
        m._lua_rawgeti(L, -3, big(e + 2));
        const payload = this.stringAt(-1);
        m._lua_settop(L, -4);
        if (kind === 'e') {
          const message = payload ?? 'error object is not a string';
          outcomes[j] = message === 'not enough memory' ? fail('memory', `memory limit of ${this.limits.memoryBytes} bytes exceeded`) : fail('runtime', message);
        } else if (kind === 't') outcomes[j] = fail('invalid_return', `classifier returned ${TYPE_NAMES[payload ?? 'nil'] ?? 'nothing'}, expected a severity name`);
        else outcomes[j] = invalidString(payload ?? '');
      }
      for (const j of this.outOfMemoryItems) outcomes[j] = fail('memory', `memory limit of ${this.limits.memoryBytes} bytes exceeded`);
      for (let j = 0; j < count; j++) outcomes[j] ??= fail('runtime', 'no outcome');
      return outcomes;
    } catch (err) {
      this.broken = true;
      const j = Math.max(0, this.begun - 1);
      outcomes.fill(undefined);
      outcomes[j] = err instanceof HardStop ? fail(err.kind, `time limit of ${this.limits.timeoutMs} ms exceeded`) : fail('runtime', `sandbox aborted: ${(err as Error).message}`);
      return outcomes;
    } finally {
      this.deadline = Infinity;
      this.onBegin = undefined;
      if (!this.broken) m._lua_settop(L, 0);
    }
  }

  private pushBytes(bytes: Uint8Array): void {
    if (bytes.length + 1 > this.scratchSize) {
      if (this.scratch) this.m._free(this.scratch);
      this.scratchSize = Math.max(bytes.length + 1, 4096);
      this.scratch = this.m._malloc(this.scratchSize);
    }
    this.m.HEAPU8.set(bytes, this.scratch);
    this.m._lua_pushlstring(this.L, this.scratch, bytes.length);
  }

  /** The bytes of the string at `idx` (a copy). */
  private bytesAt(idx: number): Uint8Array {
    const { m, L } = this;
    const lenPtr = this.cstr('\0\0\0\0');
    const p = m._lua_tolstring(L, idx, lenPtr);
    const heap = m.HEAPU8;
    const len = heap[lenPtr]! | (heap[lenPtr + 1]! << 8) | (heap[lenPtr + 2]! << 16) | (heap[lenPtr + 3]! << 24);
    return heap.slice(p, p + len);
  }

  /** Closes the Lua state (only when not broken: a broken state's invariants are gone). */
  close(): void {
    if (!this.broken) this.m._lua_close(this.L);
    this.broken = true;
  }

  private compile(key: string, code: string | undefined): Compiled {
    const hit = this.compiled.get(key);
    if (hit) {
      // Map order is insertion order: re-inserting makes this the most recently used.
      this.compiled.delete(key);
      this.compiled.set(key, hit);
      return hit;
    }
    if (code === undefined) return { error: 'classifier code missing' };
    const { m, L } = this;
    let entry: Compiled;
    const size = this.writeScratch(code);
    if (size > MAX_CODE_BYTES) {
      entry = { error: `classifier is larger than ${MAX_CODE_BYTES} bytes` };
    } else {
      // Mode "t": text only. Precompiled chunks could break the VM's invariants.
      const status = m._luaL_loadbufferx(L, this.scratch, size, this.cstr('=classifier'), this.cstr('t'));
      if (status === LUA_OK) entry = { ref: m._luaL_ref(L, LUA_REGISTRYINDEX) };
      else if (status === LUA_ERRMEM || this.outOfMemory) entry = { error: 'not enough memory to compile' };
      else entry = { error: this.stringAt(-1) ?? 'syntax error' };
      m._lua_settop(L, 0);
    }
    this.compiled.set(key, entry);
    if (this.compiled.size > this.limits.maxCompiled) {
      const [oldKey, old] = this.compiled.entries().next().value as [string, Compiled];
      this.compiled.delete(oldKey);
      if ('ref' in old) m._luaL_unref(L, LUA_REGISTRYINDEX, old.ref);
    }
    return entry;
  }

  /** Sets values, messages, result_types and params on the table at the top of the stack. */
  private pushWindow(item: SandboxItem): void {
    const { m, L } = this;
    const n = item.values.length;
    m._lua_createtable(L, n, 1);
    for (let i = 0; i < n; i++) {
      const v = item.values[i];
      if (typeof v === 'number') {
        m._lua_pushnumber(L, v);
        m._lua_rawseti(L, -2, big(i + 1));
      }
    }
    this.setN(n);
    m._lua_setfield(L, -2, this.cstr('values'));
    const mn = item.messages.length;
    m._lua_createtable(L, mn, 1);
    for (let i = 0; i < mn; i++) {
      const s = item.messages[i];
      if (typeof s === 'string') {
        this.pushString(s);
        m._lua_rawseti(L, -2, big(i + 1));
      }
    }
    this.setN(mn);
    m._lua_setfield(L, -2, this.cstr('messages'));
    const rn = item.resultTypes.length;
    m._lua_createtable(L, rn, 1);
    for (let i = 0; i < rn; i++) {
      this.pushString(item.resultTypes[i] ?? '');
      m._lua_rawseti(L, -2, big(i + 1));
    }
    this.setN(rn);
    m._lua_setfield(L, -2, this.cstr('result_types'));
    this.pushParam(item.params ?? {}, 0);
    m._lua_setfield(L, -2, this.cstr('params'));
  }

  private setN(n: number): void {
    this.m._lua_pushinteger(this.L, big(n));
    this.m._lua_setfield(this.L, -2, this.cstr('n'));
  }

  private pushParam(value: ClassifierParam | undefined, depth: number): void {
    const { m, L } = this;
    if (typeof value === 'number') m._lua_pushnumber(L, value);
    else if (typeof value === 'string') this.pushString(value);
    else if (typeof value === 'boolean') m._lua_pushboolean(L, value ? 1 : 0);
    else if (Array.isArray(value) && depth < 16) {
      m._lua_createtable(L, value.length, 0);
      value.forEach((v, i) => {
        this.pushParam(v, depth + 1);
        m._lua_rawseti(L, -2, big(i + 1));
      });
    } else if (value !== null && typeof value === 'object' && depth < 16) {
      const entries = Object.entries(value);
      m._lua_createtable(L, 0, entries.length);
      for (const [k, v] of entries) {
        this.pushParam(v, depth + 1);
        this.writeScratch(k, 1);
        m._lua_setfield(L, -2, this.scratch); // a NUL-terminated key in the scratch buffer
      }
    } else m._lua_createtable(L, 0, 0); // null (and over-deep nesting): an empty table, never nil, so params.x.y does not error
  }

  private pushString(s: string): void {
    const size = this.writeScratch(s);
    this.m._lua_pushlstring(this.L, this.scratch, size);
  }

  /** Writes UTF-8 (plus `extra` zero bytes) into the scratch buffer; returns the byte length. */
  private writeScratch(s: string, extra = 0): number {
    const need = s.length * 3 + extra + 1;
    if (need > this.scratchSize) {
      if (this.scratch) this.m._free(this.scratch);
      this.scratchSize = Math.max(need, 4096);
      this.scratch = this.m._malloc(this.scratchSize);
    }
    const heap = this.m.HEAPU8; // re-read: memory growth replaces the view
    const { written } = encoder.encodeInto(s, heap.subarray(this.scratch, this.scratch + need));
    if (extra) heap[this.scratch + written] = 0;
    return written;
  }

  /** A NUL-terminated copy of a constant string, allocated once outside the Lua heap. */
  private cstr(s: string): number {
    let p = this.cstrings.get(s);
    if (p === undefined) {
      const bytes = encoder.encode(s);
      p = this.m._malloc(bytes.length + 1);
      this.m.HEAPU8.set(bytes, p);
      this.m.HEAPU8[p + bytes.length] = 0;
      this.cstrings.set(s, p);
    }
    return p;
  }

  private stringAt(idx: number): string | undefined {
    const { m, L } = this;
    if (m._lua_type(L, idx) !== LUA_TSTRING) return undefined;
    const lenPtr = this.cstr('\0\0\0\0'); // 4-byte out-parameter
    const p = m._lua_tolstring(L, idx, lenPtr);
    const heap = m.HEAPU8;
    const len = heap[lenPtr]! | (heap[lenPtr + 1]! << 8) | (heap[lenPtr + 2]! << 16) | (heap[lenPtr + 3]! << 24);
    return decoder.decode(heap.subarray(p, p + Math.min(len, 4096)));
  }

  private readSeverity(): ClassifyOutcome {
    const { m, L } = this;
    const type = m._lua_type(L, -1);
    if (type !== LUA_TSTRING) {
      const what = ['nothing (nil)', 'a boolean', 'a light userdata', 'a number', 'a string', 'a table', 'a function', 'a userdata', 'a thread'][type] ?? 'nothing';
      return fail('invalid_return', `classifier returned ${what}, expected a severity name`);
    }
    const s = this.stringAt(-1) ?? '';
    if (SEVERITY_SET.has(s)) return { severity: s as ClassifyOutcome['severity'] };
    return invalidString(s);
  }

  private loadDriver(): number {
    const { m, L } = this;
    const size = this.writeScratch(DRIVER);
    if (m._luaL_loadbufferx(L, this.scratch, size, this.cstr('=driver'), this.cstr('t')) !== LUA_OK || m._lua_pcallk(L, 0, 1, 0, 0, 0) !== LUA_OK) {
      throw new Error(`classification batch driver failed: ${this.stringAt(-1)}`);
    }
    return m._luaL_ref(L, LUA_REGISTRYINDEX);
  }

  private loadPrelude(): number {
    const { m, L } = this;
    const libs: [string, (L: number) => number][] = [
      ['_G', (l) => m._luaopen_base(l)],
      ['table', (l) => m._luaopen_table(l)],
      ['string', (l) => m._luaopen_string(l)],
      ['math', (l) => m._luaopen_math(l)],
      ['utf8', (l) => m._luaopen_utf8(l)],
    ];
    for (const [name, open] of libs) {
      open(L);
      m._lua_setglobal(L, this.cstr(name));
    }
    const size = this.writeScratch(PRELUDE);
    if (m._luaL_loadbufferx(L, this.scratch, size, this.cstr('=prelude'), this.cstr('t')) !== LUA_OK || m._lua_pcallk(L, 0, 1, 0, 0, 0) !== LUA_OK) {
      throw new Error(`classification prelude failed: ${this.stringAt(-1)}`);
    }
    return m._luaL_ref(L, LUA_REGISTRYINDEX);
  }
}

function invalidString(s: string): ClassifyOutcome {
  if (s === 'critical') return fail('invalid_return', 'classifier returned "critical", which is reserved for services');
  return fail('invalid_return', `classifier returned ${JSON.stringify(s.slice(0, 64))}, which is not a severity name`);
}

function fail(kind: ClassifierErrorKind, message: string): ClassifyOutcome {
  return { severity: 'unknown', error: { kind, message } };
}
