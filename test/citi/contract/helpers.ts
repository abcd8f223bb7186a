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
import { collect } from '../../helpers/async.ts';
export { collect, failure } from '../../helpers/async.ts';

export const TODAY = '2026-11-25';

/**
 * The contract suite runs once per dialect (contract §0): US v2 and Asia-Pacific v1 as Singapore
 * speaks it (the `transaction` key, SGD). Each test file is a describe.each over these.
 */
export const DIALECTS = ['US', 'SG', 'IN'] as const;
export type Country = (typeof DIALECTS)[number];

/** The first day of the history a first sync asks for (US 24 months, Asia-Pacific 12, inclusive of today). */
export const historyFrom = (country: string): string => addDays(monthsBefore(TODAY, country === 'US' ? 24 : 12), 1);

/** The main checking account of user 1, in the market's home currency. */
export const homeCurrency = (country: string): string => ({ US: 'USD', SG: 'SGD', HK: 'HKD', AU: 'AUD', IN: 'INR' })[country] ?? 'USD';

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
    country: sb.country,
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

/** Every row of an account's history, window by window, as the engine would walk it. */
export async function fullHistory(
  client: CitiClient,
  tokens: AccessTokenProvider,
  account: { accountId: string; accountType: string },
  opts: { windowDays?: number } = {},
): Promise<CitiTransaction[]> {
  const out: CitiTransaction[] = [];
  for (const w of splitWindows(historyFrom(client.country), TODAY, client.windowLimit(account.accountType), opts)) {
    out.push(...(await collect(client.transactions(tokens, account, w.from, w.to))));
  }
  return out;
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

/** Where the market serves an account's transactions (US v2, Asia-Pacific v1). */
export const transactionsPath = (sb: Sandbox, accountId: string): string =>
  `/${sb.country === 'US' ? 'v2' : 'v1'}/accounts/${encodeURIComponent(accountId)}/transactions`;

/** The transactions of an account the way the market keys them (contract §4). */
export const transactionsKey = (sb: Sandbox, accountType: string): string =>
  sb.country === 'SG' ? 'transaction' : sb.country === 'IN' ? 'transactions' : `${accountType}AccountTransactions`;
