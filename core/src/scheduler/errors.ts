import { defineErrors } from '@prophasis/protocol';

/** Stable error codes of the dispatcher (plans and "Run now"). */
export const DispatchErrors = defineErrors('CORE_DISPATCH', {
  NOT_READY: { status: 503, message: 'The dispatcher has not computed the plans yet' },
  HOST_NOT_ENROLLED: { status: 409, message: 'The host has no enrolled agent' },
  NOT_IN_PLAN: { status: 404, message: "The plugin is not part of this check on this host's plan" },
  PLUGIN_NOT_USABLE: { status: 409, message: 'The plugin has no approved, usable version' },
  BUNDLE_MISSING: { status: 500, message: 'The bundle of the plugin version is not stored' },
});
