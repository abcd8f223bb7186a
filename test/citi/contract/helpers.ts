import {
  CitiClient,
  TokenBucketGate,
  monthsBefore,
  addDays,
  splitWindows,
  type AccessTokenProvider,
  type CitiClientOptions,
  type CitiLogger,
  type CitiTransaction,
  type TokenSet,
} from '../../../src/citi/index.ts';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../../src/sandbox/index.ts';

export const TODAY = '2026-11-25';

export async function sandbox(opts: SandboxOptions = {}): Promise<Sandbox> {
  return startSandbox({
    seed: 42,
    today: TODAY,
    autoConsent: true,
    rateLimit: { perSecond: 50, burst: 50 },
    retryAfterSeconds: 1,
    ...opts,
  });
}

export function clientFor(sb: Sandbox, over: Partial<CitiClientOptions> = {}): CitiClient {
  return new CitiClient({
    baseUrl: sb.url,
    clientId: sb.clientId,
    clientSecret: sb.clientSecret,
    gate: new TokenBucketGate({ perSecond: 40, burst: 10 }),
    retryBaseMs: 5,
    retryMaxMs: 50,
    ...over,
  });
}

/**
 * The smallest AccessTokenProvider that follows the rules: one refresh at a time, and a caller whose
 * token was already replaced gets the new one instead of refreshing again (a second refresh with the
 * same refresh token would be reuse, which revokes the grant).
 */
export class MemoryTokens implements AccessTokenProvider {
  refreshes = 0;
  private inflight: Promise<string> | undefined;
  constructor(
    private readonly client: CitiClient,
    public set: Pick<TokenSet, 'accessToken' | 'refreshToken'>,
  ) {}

  static async issue(sb: Sandbox, client: CitiClient, userId: string): Promise<MemoryTokens> {
    const t = await sb.issueTokens(userId);
    return new MemoryTokens(client, { accessToken: t.access_token, refreshToken: t.refresh_token });
  }

  async accessToken(): Promise<string> {
    return this.set.accessToken;
  }

  refreshAfterUnauthorized(rejected: string): Promise<string> {
    if (rejected !== this.set.accessToken) return Promise.resolve(this.set.accessToken);
    this.inflight ??= this.client.oauth
      .refresh(this.set.refreshToken)
      .then((s) => {
        this.refreshes++;
        this.set = s;
        return s.accessToken;
      })
      .finally(() => {
        this.inflight = undefined;
      });
    return this.inflight;
  }
}

export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/** The first day of the 24-month history the sandbox serves (as the sync engine computes it). */
export const HISTORY_FROM = addDays(monthsBefore(TODAY, 24), 1);

/** Every row of an account's history, window by window, as the engine would walk it. */
export async function fullHistory(
  client: CitiClient,
  tokens: AccessTokenProvider,
  account: { accountId: string; accountType: string },
  opts: { windowDays?: number } = {},
): Promise<CitiTransaction[]> {
  const out: CitiTransaction[] = [];
  for (const w of splitWindows(HISTORY_FROM, TODAY, account.accountType, opts)) {
    out.push(...(await collect(client.transactions(tokens, account, w.from, w.to))));
  }
  return out;
}

export async function failure(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to fail');
}

/** A pino-like logger that keeps every line, to prove no secret is ever logged. */
export function captureLogger(): { logger: CitiLogger; lines: string[] } {
  const lines: string[] = [];
  const make = (bindings: Record<string, unknown>): CitiLogger => {
    const log = (level: string) => (obj: object, msg?: string) => {
      lines.push(JSON.stringify({ level, ...bindings, ...obj, msg }));
    };
    return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error'), child: (b) => make({ ...bindings, ...b }) };
  };
  return { logger: make({}), lines };
}

/** The API's amount for a row, signed by the client's rule (negative = money leaving the customer). */
export function expectedSigned(accountType: string, raw: Record<string, unknown>): string {
  const amt = raw.transactionAmount as number;
  if (accountType === 'creditCard') return String(amt === 0 ? 0 : -amt);
  return String(raw.debitCreditMemo === 'DEBIT' && amt > 0 ? -amt : amt);
}
