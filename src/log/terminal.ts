import { Writable } from 'node:stream';

/**
 * The terminal's one writer for log lines. While a progress bar is drawn, lines go through the bar
 * (above it, on its next redraw) instead of straight to stderr, where they would tear it.
 */
let sink: ((line: string) => void) | undefined;

export function routeLogLines(to: ((line: string) => void) | undefined): void {
  sink = to;
}

export const terminalLogStream = new Writable({
  write(chunk: Buffer | string, _enc, done) {
    const text = chunk.toString();
    if (sink) sink(text);
    else process.stderr.write(text);
    done();
  },
});
