#!/usr/bin/env node
// Launcher for `npx plexctl` / the package's bin: loads tsx's ESM hooks in this process and
// runs cli/plexctl/main.ts (TypeScript, no build step).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/plexctl/main.ts');
await main(process.argv.slice(2));
