import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { inspectBundle, packBundle } from '@prophasis/protocol';
import { EXIT, table, UsageError, writeFileAtomic, type Command } from './io.js';

export const pack: Command = {
  usage: 'pack DIR [--out FILE]',
  summary: 'pack a plugin folder into an unsigned bundle (default FILE: ID-VERSION.zip)',
  run(args, io) {
    const { values, positionals } = parseArgs({ args, options: { out: { type: 'string' } }, strict: true, allowPositionals: true });
    if (positionals.length !== 1) throw new UsageError('pack needs exactly one plugin folder');
    const zip = packBundle(resolve(io.cwd, positionals[0]!));
    const { manifest, sha256 } = inspectBundle(zip);
    const out = resolve(io.cwd, values.out ?? `${manifest.id}-${manifest.version}.zip`);
    writeFileAtomic(out, zip);
    io.out(`packed ${out}`);
    for (const line of table([
      ['plugin', `${manifest.id} ${manifest.version}`],
      ['files', String(Object.keys(manifest.files).length)],
      ['bytes', String(zip.length)],
      ['sha256', `${sha256} (unsigned; signing changes it)`],
    ])) {
      io.out(line);
    }
    io.out(`Next: prophasis-plugin sign ${values.out ?? out} --key publisher.key`);
    return EXIT.OK;
  },
};
