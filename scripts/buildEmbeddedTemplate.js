#!/usr/bin/env node
// `npm run build`, after tsc: writes dist/embedded-template/migrated-<key>.tar.gz, the migrated
// database a fresh embedded directory starts from (src/db/embeddedTemplate.ts).
import { statSync } from 'node:fs';

const { writeEmbeddedTemplate } = await import('../dist/db/embeddedTemplateBuild.js');
const file = await writeEmbeddedTemplate();
console.log(`embedded database template: ${file} (${(statSync(file).size / 1e6).toFixed(1)} MB)`);
