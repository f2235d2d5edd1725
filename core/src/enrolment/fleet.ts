import { FLEET_TOKEN_PREFIX } from '@prophasis/protocol';
import { randomBytes } from 'node:crypto';
import { minimatch } from 'minimatch';
import safeRegex from 'safe-regex2';
import type { SystemLog } from '../kernel/index.js';
import { EnrolmentErrors } from './errors.js';

/*
 * Auto-registration (docs/enrolment.md, "Fleet tokens and registration rules"): reusable fleet
 * tokens that create the host on an agent's first contact, and ordered rules that put it into
 * host groups by what the agent reports.
 */

/** A new fleet token: the shape `isFleetToken` (protocol) recognises, with 256 random bits. */
function generateFleetToken(): string {
  return `${FLEET_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/** One registration rule as the matcher needs it. */
export interface RuleSpec {
  id: number;
  hostnamePattern: string | null;
  platform: string | null;
  arch: string | null;
  groupIds: number[];
  stop: boolean;
}

/** What a registering agent reports that rules look at. */
export interface RegistrationFacts {
  hostname: string;
  platform: string;
  arch: string;
}

const REGEX_FORM = /^\/(.+)\/(i?)$/s;

/**
 * A host name pattern as a predicate: `/…/` (optionally `/…/i`) is a regular expression, anything
 * else a glob (`*`, `?`, `[…]`, `{a,b}`; minimatch), matched case-insensitively since host names
 * are. Throws `CORE_ENROL_INVALID_PATTERN` (400, naming the field) for a regular expression
 * that does not compile or that could backtrack catastrophically (safe-regex2's star height
 * check): the agent chooses the string it is matched against, so a pattern must not be able to
 * stall the core.
 */
export function compileHostnamePattern(pattern: string): (hostname: string) => boolean {
  const regex = REGEX_FORM.exec(pattern);
  if (!regex) return (hostname) => minimatch(hostname, pattern, { nocase: true, dot: true, noglobstar: true });
  let compiled: RegExp;
  try {
    compiled = new RegExp(regex[1]!, 'i');
  } catch (err) {
    throw EnrolmentErrors.INVALID_PATTERN(`hostnamePattern: ${(err as Error).message}`, { field: 'hostnamePattern' });
  }
  if (!safeRegex(compiled)) {
    throw EnrolmentErrors.INVALID_PATTERN(`hostnamePattern: ${pattern} could take exponential time (nested repetition); simplify it`, { field: 'hostnamePattern' });
  }
  return (hostname) => compiled.test(hostname);
}

const sameWord = (want: string | null, have: string) => want === null || want.toLowerCase() === have.toLowerCase();

/**
 * The rules that match, in order, and the groups they give: every condition a rule sets must
 * hold (no condition: it matches every host); each matching rule adds its groups; a matching
 * rule with `stop` ends the evaluation. A pattern that no longer compiles matches nothing.
 */
export function matchRules(rules: readonly RuleSpec[], facts: RegistrationFacts): { ruleIds: number[]; groupIds: number[] } {
  const ruleIds: number[] = [];
  const groupIds = new Set<number>();
  for (const rule of rules) {
    if (!sameWord(rule.platform, facts.platform) || !sameWord(rule.arch, facts.arch)) continue;
    if (rule.hostnamePattern !== null) {
      let test: (hostname: string) => boolean;
      try {
        test = compileHostnamePattern(rule.hostnamePattern);
      } catch {
        continue;
      }
      if (!test(facts.hostname)) continue;
    }
    ruleIds.push(rule.id);
    for (const id of rule.groupIds) groupIds.add(id);
    if (rule.stop) break;
  }
  return { ruleIds, groupIds: [...groupIds] };
}

/** A fleet token's row as the store returns it. */
export interface StoredFleetToken {
  id: number;
  name: string;
  expiresAt: number;
  revokedAt: number | null;
  maxHosts: number | null;
  hostsRegistered: number;
  groupIds: number[];
  tags: string[];
  lastUsedAt: number | null;
  createdBy: string;
  createdAt: number;
}

export type FleetTokenStatus = 'active' | 'expired' | 'revoked' | 'exhausted';

/** Why a fleet token admits no further host at `now`, or `active`. */
export function fleetTokenStatus(token: Pick<StoredFleetToken, 'expiresAt' | 'revokedAt' | 'maxHosts' | 'hostsRegistered'>, now: number): FleetTokenStatus {
  if (token.revokedAt !== null) return 'revoked';
  if (token.expiresAt <= now) return 'expired';
  if (token.maxHosts !== null && token.hostsRegistered >= token.maxHosts) return 'exhausted';
  return 'active';
}

/** What a registration changed, for the audit trail and the event bus. */
export interface Registration {
  fleetTokenId: number;
  fleetTokenName: string;
  groupIds: number[];
  ruleIds: number[];
  tags: string[];
}

export type FleetRegisterResult =
  | ({ ok: true; hostId: string; hostName: string } & Registration)
  | { ok: false; reason: 'unknown' | FleetTokenStatus | 'name_taken'; fleetTokenId?: number; fleetTokenName?: string; maxHosts?: number | null };

/** Persistence of fleet tokens and the registration they drive (a database one: fleet-store.ts). */
export interface FleetStore {
  insertFleetToken(token: { name: string; tokenHash: string; expiresAt: number; maxHosts: number | null; groupIds: number[]; tags: string[]; createdBy: string; now: number }): Promise<number>;
  listFleetTokens(): Promise<StoredFleetToken[]>;
  getFleetToken(id: number): Promise<StoredFleetToken | undefined>;
  findFleetTokenId(tokenHash: string): Promise<number | undefined>;
  /** Sets `revoked_at` unless it is set; false when the token was revoked already. */
  revokeFleetToken(id: number, at: number): Promise<boolean>;
  /**
   * In one transaction: counts the host against the token iff it is unrevoked, unexpired and
   * under its limit (one conditional UPDATE, so concurrent agents never pass the limit), creates
   * the enrolled host under `name` unless a host of that name (any case) exists, and adds it to
   * the token's groups and those of the matching rules. A refusal changes nothing.
   */
  registerHost(
    tokenHash: string,
    now: number,
    host: { name: string; agentId: string; secretHash: string; facts: RegistrationFacts & { agentVersion: string } },
  ): Promise<FleetRegisterResult>;
}

export interface FleetTokens {
  /** A new token (shown once; only its SHA-256 is kept). Throws 400 for unknown groups. */
  create(input: { name: string; ttlMs: number; maxHosts: number | null; groupIds: number[]; tags: string[]; createdBy: string }): Promise<{ token: string; fleetToken: StoredFleetToken }>;
  list(): Promise<StoredFleetToken[]>;
  get(id: number): Promise<StoredFleetToken | undefined>;
  /** False when the token was revoked already; throws 404 for an unknown one. */
  revoke(id: number): Promise<boolean>;
}

/** Fleet tokens over a store: creation, listing and revocation, each in the system log. */
export function createFleetTokens(deps: { store: FleetStore; hashToken(token: string): string; systemLog: SystemLog; now?: () => number }): FleetTokens {
  const now = deps.now ?? Date.now;
  return {
    async create(input) {
      const token = generateFleetToken();
      const at = now();
      const id = await deps.store.insertFleetToken({ ...input, tokenHash: deps.hashToken(token), expiresAt: at + input.ttlMs, now: at });
      const fleetToken = (await deps.store.getFleetToken(id))!;
      deps.systemLog.write('info', 'enrolment', 'fleet token created', { fleetTokenId: id, name: input.name, createdBy: input.createdBy, expiresAt: new Date(fleetToken.expiresAt).toISOString(), maxHosts: input.maxHosts });
      return { token, fleetToken };
    },
    list: () => deps.store.listFleetTokens(),
    get: (id) => deps.store.getFleetToken(id),
    async revoke(id) {
      const token = await deps.store.getFleetToken(id);
      if (!token) throw EnrolmentErrors.FLEET_TOKEN_NOT_FOUND(String(id));
      const revoked = await deps.store.revokeFleetToken(id, now());
      if (revoked) deps.systemLog.write('warn', 'enrolment', 'fleet token revoked', { fleetTokenId: id, name: token.name });
      return revoked;
    },
  };
}
