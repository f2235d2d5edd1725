import type { ApiError } from '../../core/api-error';
import { describeCapability, type CapabilityView } from '../../shared/ui/capabilities';

/** What the core asks before trusting a new publisher (409 `CORE_MARKET_PUBLISHER_NOT_TRUSTED`). */
export interface TrustQuestion {
  publisher: string;
  /** The signing key's fingerprint: the administrator compares it with one from the publisher. */
  keyId: string;
  pluginId: string;
  version: string;
  capabilities: string[];
}

/**
 * Reads the trust question out of the core's refusal, or `undefined` for any other error.
 * The details come from the API; anything malformed is not a question (the error is shown).
 */
export function trustQuestion(err: ApiError): TrustQuestion | undefined {
  if (err.status !== 409 || err.code !== 'CORE_MARKET_PUBLISHER_NOT_TRUSTED') return undefined;
  const d = err.details;
  if (typeof d !== 'object' || d === null) return undefined;
  const r = d as Record<string, unknown>;
  const keyId = r['keyId'];
  if (typeof keyId !== 'string' || !/^[a-f0-9]{64}$/.test(keyId)) return undefined;
  const str = (v: unknown): string => (typeof v === 'string' ? v : '');
  const caps = r['capabilities'] ?? r['requestedCapabilities'];
  const publisher = r['publisher'];
  return {
    publisher: typeof publisher === 'object' && publisher !== null ? str((publisher as Record<string, unknown>)['name']) : str(publisher),
    keyId,
    pluginId: str(r['pluginId'] ?? r['plugin']),
    version: str(r['version']),
    capabilities: Array.isArray(caps) ? caps.filter((c): c is string => typeof c === 'string') : [],
  };
}

/** A fingerprint in groups of four, so a person can compare it aloud. */
export function groupFingerprint(hex: string): string {
  return hex.replace(/(.{4})(?=.)/g, '$1 ');
}

export interface CapabilityRow extends CapabilityView {
  /** Not asked for by the previous approved version: needs a fresh approval. */
  added: boolean;
}

/** The requested capabilities with the ones new in this version marked, new ones first. */
export function capabilityRows(requested: readonly string[], added: readonly string[]): CapabilityRow[] {
  const fresh = new Set(added);
  return requested
    .map((c) => ({ ...describeCapability(c), added: fresh.has(c) }))
    .sort((a, b) => Number(b.added) - Number(a.added) || a.text.localeCompare(b.text));
}

/** Capabilities of `version` that `previous` did not ask for (for the plugin page's version list). */
export function newCapabilities(version: readonly string[], previous: readonly string[] | undefined): string[] {
  if (!previous) return [];
  const had = new Set(previous);
  return version.filter((c) => !had.has(c));
}
