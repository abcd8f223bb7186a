/**
 * Preloaded (`node --import`) into a CLI process the bench runs as a user would (the demo): at exit
 * it writes the process's peak RSS and CPU time to $BENCH_RSS_FILE, figures only the process knows.
 */
import { writeFileSync } from 'node:fs';

const file = process.env.BENCH_RSS_FILE;
if (file) {
  process.on('exit', () => {
    const cpu = process.cpuUsage();
    writeFileSync(file, JSON.stringify({ maxRssMB: process.resourceUsage().maxRSS / 1024, cpuMs: (cpu.user + cpu.system) / 1000 }));
  });
}
