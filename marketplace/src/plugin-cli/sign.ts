import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { inspectBundle, loadPrivateKey, signBundle } from '@prophasis/protocol';
import { EXIT, table, UsageError, writeFileAtomic, type Command } from './io.js';

export const sign: Command = {
  usage: 'sign BUNDLE --key KEYFILE [--out FILE]',
  summary: 'sign a packed bundle with your publisher key (default: rewrite BUNDLE in place)',
  run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      options: { key: { type: 'string' }, out: { type: 'string' } },
      strict: true,
      allowPositionals: true,
    });
    if (positionals.length !== 1) throw new UsageError('sign needs exactly one bundle');
    if (!values.key) throw new UsageError('sign needs --key KEYFILE (your publisher.key)');
    const input = resolve(io.cwd, positionals[0]!);
    const key = loadPrivateKey(resolve(io.cwd, values.key));
    const signed = signBundle(readFileSync(input), key);
    const out = values.out ? resolve(io.cwd, values.out) : input;
    writeFileAtomic(out, signed);
    const { manifest, sha256, signature } = inspectBundle(signed);
    io.out(`signed ${out}`);
    for (const line of table([
      ['plugin', `${manifest.id} ${manifest.version}`],
      ['publisher key', signature!.keyId],
      ['sha256', sha256],
    ])) {
      io.out(line);
    }
    return EXIT.OK;
  },
};
