import { parseArgs } from 'node:util';
import type { RegistryVersion } from '@prophasis/protocol';
import { EXIT, UsageError, type Command } from './io.js';
import { registryOptions, registryRequest } from './registry-client.js';

const OPTIONS = { registry: { type: 'string' }, token: { type: 'string' } } as const;

export const yank: Command = {
  usage: 'yank ID VERSION --registry URL --token TOKEN',
  summary: 'stop offering a published version (sites that have it can still fetch it by hash)',
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, options: OPTIONS, strict: true, allowPositionals: true });
    if (positionals.length !== 2) throw new UsageError('yank needs a plugin ID and a VERSION');
    const { registry, token } = registryOptions({ ...values, token: values.token ?? process.env.PROPHASIS_MARKETPLACE_TOKEN }, 'yank');
    const [id, version] = positionals as [string, string];
    const path = `/api/v1/plugins/${encodeURIComponent(id)}/versions/${encodeURIComponent(version)}/yank`;
    const { body } = await registryRequest<RegistryVersion>(registry, path, { method: 'POST', token });
    io.out(`yanked ${id} ${body.version} (bundle ${body.sha256} stays downloadable by hash)`);
    return EXIT.OK;
  },
};
