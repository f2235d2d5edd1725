// Refuse to run on anything but the Node.js major this repository is built for.
// Kept free of syntax newer than Node 12 so it can print its message on old runtimes.
const required = 24;
const major = Number(process.versions.node.split('.')[0]);
if (major < required) {
  process.stderr.write(
    `Prophasis needs Node.js ${required} or newer (this is ${process.version}); run it through npm scripts or npx, which use the Node ${required} that \`npm ci\` installs.\n`,
  );
  process.exit(1);
}
