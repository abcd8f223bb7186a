/**
 * `npx tsx bench/render.ts [bench/last-run.json] [BENCHMARKS.md]`: re-renders the report from the raw
 * figures of a run, after a change to the report's wording, without running the bench again.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { analysis } from './lib/analysis.ts';
import { renderReport, type AllResults } from './lib/report.ts';

const [input = 'bench/last-run.json', output = 'BENCHMARKS.md'] = process.argv.slice(2);
const results = JSON.parse(readFileSync(input, 'utf8')) as AllResults;
writeFileSync(output, renderReport(results, analysis(results)));
process.stderr.write(`wrote ${output} from ${input}\n`);
