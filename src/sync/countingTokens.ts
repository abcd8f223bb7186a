import type { AccessTokenProvider } from '../citi/index.ts';

/**
 * Counts the requests made on behalf of one account: the client asks for a token before every
 * attempt, retries included, so this is the account's request count for its run record.
 */
export class CountingTokens implements AccessTokenProvider {
  requests = 0;
  constructor(private readonly inner: AccessTokenProvider) {}
  accessToken(): Promise<string> {
    this.requests += 1;
    return this.inner.accessToken();
  }
  refreshAfterUnauthorized(rejected: string): Promise<string> {
    return this.inner.refreshAfterUnauthorized(rejected);
  }
}
