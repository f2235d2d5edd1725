/** The Node.js major every Prophasis process runs on (docs/decisions/0001-node-24.md). */
const REQUIRED_NODE_MAJOR = 24;

/** Why this runtime cannot run Prophasis, or `undefined` when it can. */
export function nodeVersionProblem(version: string = process.versions.node): string | undefined {
  const major = Number(version.split('.')[0]);
  return major >= REQUIRED_NODE_MAJOR
    ? undefined
    : `Prophasis needs Node.js ${REQUIRED_NODE_MAJOR} or newer (this is v${version}); run it through npm scripts or npx, which use the Node ${REQUIRED_NODE_MAJOR} that \`npm ci\` installs.`;
}
