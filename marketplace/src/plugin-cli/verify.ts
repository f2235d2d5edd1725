import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { BundleErrors, inspectBundle, loadPublicKey, trustKeys, verifyBundle, type InspectedBundle } from '@prophasis/protocol';
import { EXIT, table, UsageError, type CliIo, type Command } from './io.js';

export const verify: Command = {
  usage: 'verify BUNDLE [--trust PUBKEYFILE ...]',
  summary: 'check a bundle completely; exit 0 only if it is signed by one of the --trust keys',
  run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      options: { trust: { type: 'string', multiple: true } },
      strict: true,
      allowPositionals: true,
    });
    if (positionals.length !== 1) throw new UsageError('verify needs exactly one bundle');
    const zip = readFileSync(resolve(io.cwd, positionals[0]!));
    const trustFiles = values.trust ?? [];

    if (trustFiles.length === 0) {
      // Hashes, structure and schema can be checked without a key; who signed it cannot.
      const bundle = inspectBundle(zip);
      if (bundle.signature === undefined) throw BundleErrors.MISSING_SIGNATURE();
      io.err('NOT VERIFIED: signature not checked against a trusted key; pass --trust PUBKEYFILE');
      summary(io, bundle, `${bundle.signature.keyId} (claimed, not checked)`);
      return EXIT.REFUSED;
    }

    const trusted = trustFiles.map((file) => loadPublicKey(resolve(io.cwd, file)));
    const bundle = verifyBundle(zip, { trustedKeys: trustKeys(trusted) });
    io.out(`OK ${bundle.manifest.id} ${bundle.manifest.version}: signed by a trusted key, every file matches the manifest`);
    summary(io, bundle, `${bundle.keyId} (trusted)`);
    return EXIT.OK;
  },
};

function summary(io: CliIo, bundle: InspectedBundle, key: string): void {
  const { manifest } = bundle;
  const capabilities = manifest.capabilities.length === 0 ? ['(none)'] : manifest.capabilities;
  const rows: Array<[string, string]> = [
    ['id', manifest.id],
    ['version', manifest.version],
    ['name', manifest.name],
    ['publisher', manifest.publisher],
    ['publisher key', key],
    ['sha256', bundle.sha256],
    ['files', String(bundle.files.size)],
    ['capabilities', capabilities[0]!],
    ...capabilities.slice(1).map((c): [string, string] => ['', c]),
  ];
  for (const line of table(rows)) io.out(line);
}
