import { randomUUID } from 'node:crypto';
import { AMBIGUOUS_CODES } from './errorMapping.ts';
import { MalformedResponseError, RateLimitedError, ReauthRequiredError, RefreshOutcomeUnknownError, RetryLaterError } from './errors.ts';
import type { RequestExecutor } from './executor.ts';
import { parseJsonBody, validate } from './parse.ts';
import { revokeResponseSchema, tokenResponseSchema } from './schemas.ts';
import type { TokenSet } from './types.ts';

/**
 * Contract §1: authorization code + refresh, Basic client authentication, form-encoded bodies.
 *
 * Invariants:
 * - No token, code or secret ever reaches an error message or a log line (token bodies are parsed
 *   with `sensitive`, so even a malformed one is not quoted).
 * - A refresh is never retried after the server may have acted on it (a timeout waiting for the
 *   answer, a truncated 200, a connection dropped with no answer): the refresh token may have
 *   rotated, and presenting the old one again is treated as theft and revokes the grant. Such a
 *   refresh ends in RefreshOutcomeUnknownError. 5xx, 429 and failures to connect are retried.
 * - `invalid_grant` is final (ReauthRequiredError), never retried.
 */

/** The US token path; every market has its own (`…/token/{cc}/gcb`, dialects/*.ts). */
export const TOKEN_PATH = '/authCode/oauth2/token/us/gcb';
export const REFRESH_PATH = '/authCode/oauth2/refresh';
export const REVOKE_PATH = '/authCode/oauth2/revoke';
export const AUTHORIZE_PATH = '/authCode/oauth2/authorize';
export const DEFAULT_SCOPE = 'accounts_details_transactions customers_profiles';

/** §1: refresh tokens live 30 days; used when the response omits `refresh_token_expires_in`. */
const DEFAULT_REFRESH_TTL_S = 30 * 24 * 3600;

/**
 * Longest lifetimes believed (§1 says 30 minutes and 30 days). A larger `expires_in` (1e20, sent by a
 * broken or hostile server) made an Invalid Date that Postgres refused while storing the rotated
 * refresh token, so the refresh Citi had already done was rolled back and the grant lost. A token
 * believed too long costs one 401 and a refresh, never the grant.
 */
export const MAX_ACCESS_TTL_S = 24 * 3600;
export const MAX_REFRESH_TTL_S = 366 * 24 * 3600;

export interface AuthorizeUrlOptions {
  redirectUri: string;
  state: string;
  /** PKCE S256 challenge, when the caller uses PKCE. */
  codeChallenge?: string | undefined;
  /** @defaultValue 'accounts_details_transactions customers_profiles' */
  scope?: string | undefined;
  /** @defaultValue the client's market (`US`) */
  countryCode?: string | undefined;
  /** @defaultValue 'GCB' */
  businessCode?: string | undefined;
  /** @defaultValue the market's locale (`en_US`) */
  locale?: string | undefined;
}

export interface OAuthSettings {
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  executor: RequestExecutor;
  now: () => number;
  /** The market's code exchange path (§1). @defaultValue TOKEN_PATH (US) */
  tokenPath?: string | undefined;
  /** The market's consent-page parameters (§1). @defaultValue US, GCB, en_US */
  authorize?: { countryCode: string; businessCode: string; locale: string } | undefined;
}

export class CitiOAuth {
  private readonly basic: string;

  constructor(private readonly s: OAuthSettings) {
    this.basic = `Basic ${Buffer.from(`${s.clientId}:${s.clientSecret}`).toString('base64')}`;
  }

  /** The consent page URL to send the user's browser to. */
  authorizeUrl(o: AuthorizeUrlOptions): string {
    const url = new URL(this.s.baseUrl.replace(/\/+$/, '') + AUTHORIZE_PATH);
    const q = url.searchParams;
    q.set('response_type', 'code');
    q.set('client_id', this.s.clientId);
    q.set('scope', o.scope ?? DEFAULT_SCOPE);
    const market = this.s.authorize;
    q.set('countryCode', o.countryCode ?? market?.countryCode ?? 'US');
    q.set('businessCode', o.businessCode ?? market?.businessCode ?? 'GCB');
    q.set('locale', o.locale ?? market?.locale ?? 'en_US');
    q.set('state', o.state);
    q.set('redirect_uri', o.redirectUri);
    if (o.codeChallenge) {
      q.set('code_challenge', o.codeChallenge);
      q.set('code_challenge_method', 'S256');
    }
    return url.toString();
  }

  exchangeCode(o: { code: string; redirectUri: string; codeVerifier?: string | undefined }): Promise<TokenSet> {
    const form: Record<string, string> = { grant_type: 'authorization_code', code: o.code, redirect_uri: o.redirectUri };
    if (o.codeVerifier) form.code_verifier = o.codeVerifier;
    return this.tokenCall(this.s.tokenPath ?? TOKEN_PATH, form);
  }

  /**
   * Rotates the refresh token: the caller must store the new one durably before using it. A refresh
   * that may have reached Citi but whose answer was lost throws RefreshOutcomeUnknownError (not retried).
   */
  async refresh(refreshToken: string): Promise<TokenSet> {
    try {
      return await this.tokenCall(REFRESH_PATH, { grant_type: 'refresh_token', refresh_token: refreshToken });
    } catch (err) {
      if (err instanceof RetryLaterError && !(err instanceof RateLimitedError) && (err instanceof MalformedResponseError || (err.code !== undefined && AMBIGUOUS_CODES.has(err.code)))) {
        throw new RefreshOutcomeUnknownError(
          `${err.message}: the refresh may have reached Citi, which would have rotated the refresh token; not retried, the grant may be lost (if the next sync fails with invalid_grant, run citi-sync connect)`,
          { path: err.path, status: err.status, code: err.code, cause: err },
        );
      }
      throw err;
    }
  }

  /**
   * Ends the whole grant (§1). A token that is already invalid (`invalid_grant`) counts as revoked:
   * the outcome the caller wanted.
   */
  async revoke(token: string, hint: 'access_token' | 'refresh_token'): Promise<void> {
    try {
      await this.post(REVOKE_PATH, { token, token_type_hint: hint }, (body) =>
        validate(revokeResponseSchema, parseJsonBody(body, REVOKE_PATH, { sensitive: true }), REVOKE_PATH, { sensitive: true }),
      );
    } catch (err) {
      if (err instanceof ReauthRequiredError) return;
      throw err;
    }
  }

  private tokenCall(path: string, form: Record<string, string>): Promise<TokenSet> {
    return this.post(path, form, (body) => {
      const t = validate(tokenResponseSchema, parseJsonBody(body, path, { sensitive: true }), path, { sensitive: true });
      const now = this.s.now();
      return {
        accessToken: t.access_token,
        refreshToken: t.refresh_token,
        expiresAt: new Date(now + Math.min(t.expires_in, MAX_ACCESS_TTL_S) * 1000),
        refreshTokenExpiresAt: new Date(now + Math.min(t.refresh_token_expires_in ?? DEFAULT_REFRESH_TTL_S, MAX_REFRESH_TTL_S) * 1000),
        ...(t.scope ? { scope: t.scope } : {}),
      };
    });
  }

  private post<T>(path: string, form: Record<string, string>, parse: (body: string) => T): Promise<T> {
    return this.s.executor.run({
      kind: 'token',
      method: 'POST',
      path,
      body: new URLSearchParams(form).toString(),
      headers: () => ({
        authorization: this.basic,
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
        uuid: randomUUID(),
      }),
      parse,
      retryAmbiguous: false,
    });
  }
}
