import { loadPrivateKey, loadPublicKey, publicKeyFingerprint, type RegistryKey } from '@prophasis/protocol';
import { sign } from 'node:crypto';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { keyAdditionMessage } from '../schemas.js';
import { EXIT, UsageError, type Command } from './io.js';
import { registryOptions, registryRequest } from './registry-client.js';

const OPTIONS = { key: { type: 'string' }, registry: { type: 'string' }, token: { type: 'string' } } as const;

export const addKey: Command = {
  usage: 'add-key NEWPUBFILE --key KEYFILE --registry URL --token TOKEN',
  summary: 'register a new public key with a registry, signed with one of your registered keys (key rotation)',
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, options: OPTIONS, strict: true, allowPositionals: true });
    if (positionals.length !== 1) throw new UsageError('add-key needs exactly one new public key file');
    if (!values.key) throw new UsageError('add-key needs --key KEYFILE (a private key the registry already knows)');
    const { registry, token } = registryOptions({ ...values, token: values.token ?? process.env.PROPHASIS_MARKETPLACE_TOKEN }, 'add-key');
    const fresh = loadPublicKey(resolve(io.cwd, positionals[0]!));
    const signer = loadPrivateKey(resolve(io.cwd, values.key));
    const me = await registryRequest<{ name: string }>(registry, '/api/v1/publishers/me', { method: 'GET', token });
    const body = JSON.stringify({
      publicKeyPem: fresh.export({ format: 'pem', type: 'spki' }).toString(),
      signedBy: publicKeyFingerprint(signer),
      signature: sign(null, keyAdditionMessage(me.body.name, publicKeyFingerprint(fresh)), signer).toString('base64'),
    });
    const added = await registryRequest<RegistryKey>(registry, '/api/v1/publishers/me/keys', { method: 'POST', token, body, contentType: 'application/json' });
    io.out(`registered key ${added.body.keyId} for ${me.body.name}`);
    return EXIT.OK;
  },
};
