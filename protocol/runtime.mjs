// Shared start of every Prophasis command-line entry point (plain JavaScript, so that it can
// explain itself on an old Node.js): refuse an old Node.js in one line, then load the
// TypeScript sources through tsx (docs/decisions/0004-typescript-at-runtime.md).
export async function runTypeScriptEntry(entryUrl) {
  const major = Number(process.versions.node.split('.')[0]);
  if (major < 24) {
    process.stderr.write(
      `Prophasis needs Node.js 24 or newer (this is ${process.version}); run it through npm scripts or npx, which use the Node 24 that \`npm ci\` installs.\n`,
    );
    process.exit(1);
  }
  const { register } = await import('tsx/esm/api');
  register();
  await import(entryUrl);
}
