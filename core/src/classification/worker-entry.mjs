// Entry of a classification worker thread. Plain JavaScript because a worker does not inherit
// the tsx loader that the parent may have registered at run time (protocol/runtime.mjs), so it
// registers tsx itself before loading the TypeScript worker.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
