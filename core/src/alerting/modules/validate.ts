import type { Static, TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { AlertErrors } from '../errors.js';

/**
 * Applies the schema's defaults and checks `settings`; refuses with `CORE_ALERT_INVALID_SETTINGS`
 * naming the first bad field (`settings.url: …`) and, in `details.field`, its path.
 */
export function validateSettings<S extends TSchema>(module: string, schema: S, settings: unknown): Static<S> {
  if (settings === null || typeof settings !== 'object' || Array.isArray(settings)) {
    throw AlertErrors.INVALID_SETTINGS(`${module}: settings must be an object`, { field: 'settings' });
  }
  const value = Value.Default(schema, structuredClone(settings)) as unknown;
  const first = [...Value.Errors(schema, value)][0];
  if (first) {
    const field = `settings${first.path.replaceAll('/', '.')}`;
    const unknownKey = first.message.includes('additional') ? ' (unknown field)' : '';
    throw AlertErrors.INVALID_SETTINGS(`${module}: ${field}: ${first.message}${unknownKey}`, { field });
  }
  return value as Static<S>;
}

/** Refuses one field with the same error shape. */
export function invalidField(module: string, field: string, reason: string): never {
  throw AlertErrors.INVALID_SETTINGS(`${module}: settings.${field}: ${reason}`, { field: `settings.${field}` });
}
