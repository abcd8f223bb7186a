import { readFileSync } from 'node:fs';

/**
 * The package's version, read from its package.json (one level up from both src/ and dist/), for
 * `--version`, worker heartbeats and the library API. npm_package_version exists only under `npm run`.
 */
export const VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
