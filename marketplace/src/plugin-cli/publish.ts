import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { PublishResult } from '../schemas.js';
import { EXIT, table, UsageError, type Command } from './io.js';
import { registryOptions, registryRequest } from './registry-client.js';

const OPTIONS = { registry: { type: 'string' }, token: { type: 'string' } } as const;

export const publish: Command = {
  usage: 'publish BUNDLE --registry URL --token TOKEN',
  summary: 'publish a signed bundle to a marketplace registry (the registry checks it completely)',
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, options: OPTIONS, strict: true, allowPositionals: true });
    if (positionals.length !== 1) throw new UsageError('publish needs exactly one bundle');
    const { registry, token } = registryOptions({ ...values, token: values.token ?? process.env.PROPHASIS_MARKETPLACE_TOKEN }, 'publish');
    const zip = readFileSync(resolve(io.cwd, positionals[0]!));
    const { body } = await registryRequest<PublishResult>(registry, '/api/v1/plugins', { method: 'POST', token, body: zip, contentType: 'application/zip' });
    io.out(body.created ? `published ${body.pluginId} ${body.version}` : `${body.pluginId} ${body.version} was already published with this bundle; nothing changed`);
    for (const line of table([
      ['registry', registry],
      ['sha256', body.sha256],
      ['signed by', body.keyId],
      ['capabilities', body.capabilities.join(', ') || '(none)'],
    ])) {
      io.out(line);
    }
    return EXIT.OK;
  },
};
