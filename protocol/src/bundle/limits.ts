/** Size limits applied whenever a bundle is opened (issue 5; docs/bundles.md). */
export interface BundleLimits {
  /** Entries in the zip, directories included. */
  maxEntries: number;
  /** Bytes of the zip file itself. */
  maxPackedBytes: number;
  /** Sum of the uncompressed sizes of all entries. */
  maxUnpackedBytes: number;
}

export const DEFAULT_BUNDLE_LIMITS: Readonly<BundleLimits> = Object.freeze({
  maxEntries: 200,
  maxPackedBytes: 5 * 1024 * 1024, // 5 MiB: a bundle travels base64 in one MQTT message
  maxUnpackedBytes: 20 * 1024 * 1024, // 20 MiB
});

/** The defaults, with any of them lowered (or raised) by the caller. */
export function bundleLimits(overrides?: Partial<BundleLimits>): BundleLimits {
  return { ...DEFAULT_BUNDLE_LIMITS, ...overrides };
}
