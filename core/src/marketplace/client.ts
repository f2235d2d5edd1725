import {
  DEFAULT_BUNDLE_LIMITS,
  RegistryPluginPage,
  RegistryPluginSummary,
  RegistrySearchResponse,
  type ProphasisError,
  type RegistrySearchQuery,
} from '@prophasis/protocol';
import { Type, type TSchema, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { MarketplaceErrors } from './errors.js';

/** A registry's search answer: the hits that match their schema, and why each other one was left out. */
interface RegistrySearchAnswer {
  items: RegistryPluginSummary[];
  /** `CORE_MARKET_LISTING_INVALID`, one per hit left out, naming the plugin and the reason. */
  rejected: ProphasisError[];
}

/**
 * The search answer's envelope ({@link RegistrySearchResponse} with its hits not checked yet):
 * one plugin in a shape the core refuses must not hide the others, so each hit is checked alone.
 */
const SearchEnvelope = Type.Object({ items: Type.Array(Type.Unknown(), { maxItems: RegistrySearchResponse.properties.items.maxItems }) });

/** What the core asks of one registry (the marketplace's read-only `/api/v1`). */
export interface RegistryClient {
  readonly name: string;
  readonly url: string;
  search(query: RegistrySearchQuery): Promise<RegistrySearchAnswer>;
  page(pluginId: string): Promise<RegistryPluginPage>;
  /** The bytes the registry serves for a hash; NOT checked here (the installer does). */
  bundle(sha256: string): Promise<Buffer>;
}

export interface ClientOptions {
  timeoutMs?: number;
  /** Largest JSON answer read (bytes). */
  maxJsonBytes?: number;
  /** Largest bundle read (bytes); one byte more is a refusal. */
  maxBundleBytes?: number;
  fetch?: typeof fetch;
}

/**
 * An HTTP client for one registry. Nothing a registry says is believed without a check:
 * answers must match their schema, sizes are capped while reading, every request has a
 * deadline, and bundles are verified by the installer (hash, then signature).
 */
export function createRegistryClient(registry: { name: string; url: string }, options: ClientOptions = {}): RegistryClient {
  const base = registry.url.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 15_000;
  const maxJson = options.maxJsonBytes ?? 8 * 1024 * 1024;
  const maxBundle = options.maxBundleBytes ?? DEFAULT_BUNDLE_LIMITS.maxPackedBytes;
  const doFetch = options.fetch ?? fetch;

  async function get(path: string, limit: number): Promise<{ status: number; body: Buffer }> {
    let response: Response;
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      response = await doFetch(`${base}${path}`, { signal, redirect: 'error', headers: { accept: 'application/json, application/zip' } });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause;
      throw MarketplaceErrors.REGISTRY_UNREACHABLE(`${registry.name} (${base}): ${cause?.code ?? (err as Error).message}`, { registry: registry.name });
    }
    const body = await readCapped(response, limit, registry.name);
    return { status: response.status, body };
  }

  async function json<S extends TSchema>(path: string, schema: S, notFound: () => Error): Promise<Static<S>> {
    const { status, body } = await get(path, maxJson);
    if (status === 404) throw notFound();
    if (status < 200 || status >= 300) throw registryError(registry.name, status, body);
    let value: unknown;
    try {
      value = JSON.parse(body.toString('utf8'));
    } catch {
      throw MarketplaceErrors.REGISTRY_ERROR(`${registry.name} answered ${path} with something that is not JSON`, { registry: registry.name });
    }
    if (!Value.Check(schema, value)) {
      const first = [...Value.Errors(schema, value)][0];
      throw MarketplaceErrors.REGISTRY_ERROR(`${registry.name} answered ${path} with an unexpected shape (${first?.path ?? ''}: ${first?.message ?? ''})`, { registry: registry.name });
    }
    return value;
  }

  return {
    name: registry.name,
    url: base,
    async search(query) {
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries(query)) if (v) params.set(k, v);
      const qs = params.toString();
      const result = await json(`/api/v1/plugins${qs ? `?${qs}` : ''}`, SearchEnvelope, () => MarketplaceErrors.REGISTRY_ERROR(`${registry.name} has no plugin index`));
      const answer: RegistrySearchAnswer = { items: [], rejected: [] };
      result.items.forEach((item, index) => {
        if (Value.Check(RegistryPluginSummary, item)) {
          answer.items.push(item);
          return;
        }
        const first = [...Value.Errors(RegistryPluginSummary, item)][0];
        const id = (item as { id?: unknown } | null)?.id;
        const pluginId = typeof id === 'string' ? id.slice(0, 200) : undefined;
        const which = pluginId === undefined ? `hit #${index}` : JSON.stringify(pluginId);
        answer.rejected.push(
          MarketplaceErrors.LISTING_INVALID(`${registry.name} lists ${which} with an unexpected shape (${first?.path ?? ''}: ${first?.message ?? ''})`, { registry: registry.name, pluginId: pluginId ?? null }),
        );
      });
      return answer;
    },
    page(pluginId) {
      return json(`/api/v1/plugins/${encodeURIComponent(pluginId)}`, RegistryPluginPage, () => MarketplaceErrors.PLUGIN_NOT_FOUND(`${pluginId} in ${registry.name}`));
    },
    async bundle(sha256) {
      const { status, body } = await get(`/api/v1/bundles/${sha256}`, maxBundle);
      if (status === 404) throw MarketplaceErrors.VERSION_NOT_OFFERED(`${registry.name} has no bundle ${sha256}`);
      if (status < 200 || status >= 300) throw registryError(registry.name, status, body);
      return body;
    },
  };
}

function registryError(name: string, status: number, body: Buffer) {
  let detail = `HTTP ${status}`;
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { code?: unknown; message?: unknown };
    if (typeof parsed.code === 'string' && typeof parsed.message === 'string') detail = `${parsed.message} (${parsed.code.slice(0, 64)}, HTTP ${status})`;
  } catch {
    // keep the status only
  }
  return MarketplaceErrors.REGISTRY_ERROR(`${name}: ${detail.slice(0, 500)}`, { registry: name, status });
}

/** Reads a response body, refusing (and cancelling) it as soon as it exceeds `limit` bytes. */
async function readCapped(response: Response, limit: number, name: string): Promise<Buffer> {
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > limit) {
    await response.body?.cancel().catch(() => {});
    throw MarketplaceErrors.REGISTRY_ERROR(`${name} sent ${declared} bytes, more than the ${limit} allowed`, { registry: name });
  }
  const chunks: Buffer[] = [];
  let total = 0;
  if (!response.body) return Buffer.alloc(0);
  const reader = response.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > limit) {
        await reader.cancel().catch(() => {});
        throw MarketplaceErrors.REGISTRY_ERROR(`${name} sent more than the ${limit} bytes allowed`, { registry: name });
      }
      chunks.push(Buffer.from(value));
    }
  } catch (err) {
    if ((err as { code?: string }).code?.startsWith('CORE_MARKET_')) throw err;
    throw MarketplaceErrors.REGISTRY_UNREACHABLE(`${name}: ${(err as Error).message}`, { registry: name });
  }
  return Buffer.concat(chunks);
}
