#!/usr/bin/env node
import { runTypeScriptEntry } from '@prophasis/protocol/runtime';

await runTypeScriptEntry(new URL('../src/cli.ts', import.meta.url).href);
