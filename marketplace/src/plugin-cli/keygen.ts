import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { generatePublisherKeys, writePublisherKeys } from '@prophasis/protocol';
import { EXIT, table, type Command } from './io.js';

export const keygen: Command = {
  usage: 'keygen [--out DIR]',
  summary: 'create an Ed25519 publisher key pair: DIR/publisher.key (secret, 0600) and DIR/publisher.pub',
  run(args, io) {
    const { values } = parseArgs({ args, options: { out: { type: 'string' } }, strict: true, allowPositionals: false });
    const dir = resolve(io.cwd, values.out ?? '.');
    // Owner-only if we create it: it is about to hold a signing key.
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const keys = generatePublisherKeys();
    const { privateKeyPath, publicKeyPath } = writePublisherKeys(dir, keys);
    io.out('created a publisher key pair');
    for (const line of table([
      ['private key', `${privateKeyPath} (mode 0600; keep it secret, never ship it)`],
      ['public key', publicKeyPath],
      ['fingerprint', keys.keyId],
    ])) {
      io.out(line);
    }
    io.out('Give publisher.pub (or the fingerprint) to the sites that should trust your plugins.');
    return EXIT.OK;
  },
};
