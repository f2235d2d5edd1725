import { Type, type Static } from '@sinclair/typebox';
import { loadConfig } from '@prophasis/protocol';

/** Settings of the service-health monitor (docs/services.md). */
const ServicesConfigSchema = Type.Object(
  {
    /**
     * Every service is recomputed this often even without host transitions, which picks up
     * services created or edited in the console and anything a missed event left stale.
     */
    resyncIntervalMs: Type.Integer({ minimum: 1000, maximum: 86_400_000 }),
  },
  { additionalProperties: false },
);
export type ServicesConfig = Static<typeof ServicesConfigSchema>;

export const SERVICES_DEFAULTS: ServicesConfig = {
  resyncIntervalMs: 60_000, // 1 minute
};

/** Reads the monitor's settings from defaults ← environment ← overrides. */
export function readServicesConfig(environment: NodeJS.ProcessEnv = process.env, overrides: Partial<ServicesConfig> = {}): ServicesConfig {
  return loadConfig({
    schema: ServicesConfigSchema,
    defaults: SERVICES_DEFAULTS,
    env: { resyncIntervalMs: 'PROPHASIS_SERVICES_RESYNC_MS' },
    environment,
    overrides,
  });
}
