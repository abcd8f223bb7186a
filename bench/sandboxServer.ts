/**
 * Child-process entry: the Citi simulator in its own process, so the measured pipeline's RSS and CPU
 * profile are its own. Driven over the fork IPC channel (bench/lib/sandbox.ts is the other end):
 * the first message holds the SandboxOptions; every later one is a command that gets one reply.
 *
 * Commands that need the world's full state (snapshot, diff) run here, next to it, so a million rows
 * never cross the process boundary.
 */
import { startSandbox, type Sandbox, type SandboxOptions } from '../src/sandbox/index.ts';
import { digestOf, diffDigests, type Digest } from './lib/truthDigest.ts';

export type SandboxCommand =
  | { op: 'stats' }
  | { op: 'resetStats' }
  | { op: 'advance'; days: number }
  | { op: 'issueTokens'; userId: string }
  | { op: 'setFaults'; faults: NonNullable<SandboxOptions['faults']> }
  | { op: 'snapshot' }
  | { op: 'diff'; from: string }
  | { op: 'totals'; from: string };

let sandbox: Sandbox | undefined;
let before: Digest | undefined;

async function handle(cmd: SandboxCommand): Promise<unknown> {
  const sb = sandbox!;
  switch (cmd.op) {
    case 'stats':
      return sb.stats();
    case 'resetStats':
      sb.resetStats();
      return null;
    case 'advance':
      sb.advance(cmd.days);
      return sb.today();
    case 'issueTokens':
      return sb.issueTokens(cmd.userId);
    case 'setFaults':
      sb.setFaults(cmd.faults);
      return null;
    case 'snapshot':
      before = digestOf(sb.truth());
      return before.size;
    case 'diff': {
      if (!before) throw new Error('diff needs a snapshot first');
      return diffDigests(before, digestOf(sb.truth()), cmd.from);
    }
    case 'totals': {
      const d = digestOf(sb.truth());
      for (const [k, e] of d) if (e.transactionDate < cmd.from) d.delete(k);
      return { rows: d.size, perAccount: Object.fromEntries(accountTotals(d)) };
    }
  }
}

/** Rows and the sum of |amount| in cents per account: a cheap fingerprint to compare with the database. */
function accountTotals(d: Digest): Map<string, { rows: number; cents: number }> {
  const out = new Map<string, { rows: number; cents: number }>();
  for (const e of d.values()) {
    const t = out.get(e.accountId) ?? { rows: 0, cents: 0 };
    t.rows += 1;
    t.cents += e.cents;
    out.set(e.accountId, t);
  }
  return out;
}

process.once('message', (opts: SandboxOptions) => {
  void startSandbox(opts).then(
    (sb) => {
      sandbox = sb;
      process.on('message', (msg: { id: number; cmd: SandboxCommand }) => {
        handle(msg.cmd).then(
          (value) => process.send!({ id: msg.id, ok: true, value }),
          (err: unknown) => process.send!({ id: msg.id, ok: false, error: err instanceof Error ? err.message : String(err) }),
        );
      });
      process.send!({ ready: true, url: sb.url, port: sb.port, clientId: sb.clientId, clientSecret: sb.clientSecret, users: sb.users, today: sb.today() });
    },
    (err: unknown) => {
      process.send!({ ready: false, error: err instanceof Error ? err.message : String(err) });
      process.exit(1);
    },
  );
});

const stop = () => {
  void (sandbox?.close() ?? Promise.resolve()).then(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('disconnect', stop);
