// Proves that the module-boundary rule is alive: lints in-memory files that make imports
// docs/architecture.md forbids ("Packages and the import rules") and fails unless every one of
// them is refused, and lints allowed imports and fails if any of them is refused. Runs as part
// of `npm test`.
import { ESLint } from 'eslint';

const forbidden = [
  ['agent/src/x.ts', "import '@prophasis/core';"],
  ['agent/src/x.ts', "import '@prophasis/broker';"],
  ['broker/src/x.ts', "import '@prophasis/core';"],
  ['marketplace/src/x.ts', "import '@prophasis/core';"],
  ['protocol/src/x.ts', "import '@prophasis/broker';"],
  ['core/src/x.ts', "import '@prophasis/web';"],
  ['core/src/x.ts', "import '@prophasis/agent';"],
  ['agent/src/x.ts', "import '../../core/src/main.js';"],
];
const allowed = [
  ['core/src/x.ts', "import '@prophasis/broker';"],
  ['agent/src/x.ts', "import '@prophasis/protocol';"],
];

const eslint = new ESLint({ cwd: process.cwd() });
const boundaryErrors = async (filePath, code) => {
  const [result] = await eslint.lintText(`${code}\nexport {};\n`, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === '@nx/enforce-module-boundaries' && m.severity === 2);
};

let failures = 0;
for (const [file, code] of forbidden) {
  if ((await boundaryErrors(file, code)).length === 0) {
    console.error(`boundaries: NOT refused: ${file}: ${code}`);
    failures++;
  }
}
for (const [file, code] of allowed) {
  const errors = await boundaryErrors(file, code);
  if (errors.length > 0) {
    console.error(`boundaries: wrongly refused: ${file}: ${code}: ${errors[0].message}`);
    failures++;
  }
}
if (failures > 0) process.exit(1);
console.log(`boundaries: ${forbidden.length} forbidden imports refused, ${allowed.length} allowed imports accepted`);
