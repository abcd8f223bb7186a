/**
 * OAuth 2.0 per contract §1: authorization codes, grants, access and refresh tokens, rotation,
 * refresh-token reuse detection (theft: the whole grant dies) and revocation. Access tokens and codes
 * expire in real time; refresh tokens in world time (30 days), so advance() can age them.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { StatsRecorder } from './stats.ts';
import type { TokenResponse } from './types.ts';

export const DEFAULT_SCOPE = 'accounts_details_transactions customers_profiles';
export const CODE_TTL_MS = 120_000;
export const REFRESH_TTL_DAYS = 30;
/** Refresh handling takes this long, so overlapping refreshes of one grant are observable. */
export const REFRESH_PROCESSING_MS = 20;

export interface Grant {
  id: number;
  userId: string;
  scope: string;
  revoked: boolean;
  refreshesInFlight: number;
}

interface AccessToken {
  grant: Grant;
  expiresAtMs: number;
  epoch: number;
}

interface RefreshToken {
  grant: Grant;
  rotated: boolean;
  expiresDay: number;
}

export interface AuthCode {
  userId: string;
  redirectUri: string;
  scope: string;
  challenge: string | undefined;
  expiresAtMs: number;
  used: boolean;
  /** The grant this code was exchanged for, revoked if the code is presented again (RFC 6749 §4.1.2). */
  grant: Grant | undefined;
}

export type TokenResult = { ok: true; tokens: TokenResponse } | { ok: false; status: number; error: string; description: string };

const fail = (error: string, description: string, status = 400): TokenResult => ({ ok: false, status, error, description });

export function s256(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

export class OAuthState {
  private readonly codes = new Map<string, AuthCode>();
  private readonly access = new Map<string, AccessToken>();
  private readonly refresh = new Map<string, RefreshToken>();
  private readonly secrets: string[] = [];
  private nextGrantId = 1;
  /** Access tokens issued in an earlier epoch are dead (expireAccessTokens). */
  private epoch = 0;

  constructor(
    readonly clientId: string,
    readonly clientSecret: string,
    private readonly accessTtlSeconds: number,
    private readonly worldDay: () => number,
    private readonly stats: StatsRecorder,
  ) {
    this.secrets.push(clientSecret);
  }

  private secret(prefix: string): string {
    const s = `${prefix}${randomBytes(24).toString('base64url')}`;
    this.secrets.push(s);
    return s;
  }

  issuedSecrets(): string[] {
    return [...this.secrets];
  }

  /** Checks `Authorization: Basic base64(client_id:client_secret)`. */
  clientAuthenticates(header: string | undefined): boolean {
    if (!header?.startsWith('Basic ')) return false;
    const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return false;
    // RFC 6749 §2.3.1: both parts are form-urlencoded before base64.
    const id = safeDecode(decoded.slice(0, colon));
    const secret = Buffer.from(safeDecode(decoded.slice(colon + 1)));
    const expected = Buffer.from(this.clientSecret);
    return id === this.clientId && secret.length === expected.length && timingSafeEqual(secret, expected);
  }

  newCode(userId: string, redirectUri: string, scope: string, challenge: string | undefined): string {
    const code = this.secret('sbx_code_');
    this.codes.set(code, { userId, redirectUri, scope, challenge, expiresAtMs: Date.now() + CODE_TTL_MS, used: false, grant: undefined });
    return code;
  }

  /** A fresh grant with its first token pair (the end of the code flow). */
  newGrant(userId: string, scope = DEFAULT_SCOPE): { grant: Grant; tokens: TokenResponse } {
    const grant: Grant = { id: this.nextGrantId++, userId, scope, revoked: false, refreshesInFlight: 0 };
    return { grant, tokens: this.tokensFor(grant) };
  }

  private tokensFor(grant: Grant): TokenResponse {
    const accessToken = this.secret('sbx_at_');
    const refreshToken = this.secret('sbx_rt_');
    this.access.set(accessToken, { grant, expiresAtMs: Date.now() + this.accessTtlSeconds * 1000, epoch: this.epoch });
    this.refresh.set(refreshToken, { grant, rotated: false, expiresDay: this.worldDay() + REFRESH_TTL_DAYS });
    return {
      access_token: accessToken,
      refresh_token: refreshToken,
      token_type: 'bearer',
      expires_in: this.accessTtlSeconds,
      refresh_token_expires_in: REFRESH_TTL_DAYS * 86_400,
      scope: grant.scope,
    };
  }

  revokeGrant(grant: Grant): void {
    if (grant.revoked) return;
    grant.revoked = true;
    this.stats.current.grantsRevoked++;
  }

  exchangeCode(form: URLSearchParams): TokenResult {
    const code = form.get('code');
    const redirectUri = form.get('redirect_uri');
    if (!code) return fail('invalid_request', 'code is required');
    if (!redirectUri) return fail('invalid_request', 'redirect_uri is required');
    const c = this.codes.get(code);
    if (!c) return fail('invalid_grant', 'unknown authorization code');
    if (c.used) {
      if (c.grant) this.revokeGrant(c.grant);
      return fail('invalid_grant', 'authorization code already used');
    }
    if (Date.now() > c.expiresAtMs) return fail('invalid_grant', 'authorization code expired');
    if (c.redirectUri !== redirectUri) return fail('invalid_grant', 'redirect_uri does not match the authorization request');
    if (c.challenge !== undefined) {
      const verifier = form.get('code_verifier');
      if (!verifier) return fail('invalid_grant', 'code_verifier is required (PKCE)');
      if (s256(verifier) !== c.challenge) return fail('invalid_grant', 'code_verifier does not match code_challenge');
    }
    c.used = true;
    const { grant, tokens } = this.newGrant(c.userId, c.scope);
    c.grant = grant;
    return { ok: true, tokens };
  }

  /** Refresh with rotation. Async: it takes REFRESH_PROCESSING_MS, during which overlaps are counted. */
  async refreshGrant(form: URLSearchParams): Promise<TokenResult> {
    const token = form.get('refresh_token');
    if (!token) return fail('invalid_request', 'refresh_token is required');
    const rt = this.refresh.get(token);
    const grant = rt?.grant;
    if (grant) {
      grant.refreshesInFlight++;
      const s = this.stats.current;
      s.maxConcurrentRefreshesPerGrant = Math.max(s.maxConcurrentRefreshesPerGrant, grant.refreshesInFlight);
    }
    try {
      await new Promise((r) => setTimeout(r, REFRESH_PROCESSING_MS));
      if (!rt || !grant) return fail('invalid_grant', 'unknown refresh token');
      if (grant.revoked) return fail('invalid_grant', 'the grant was revoked');
      if (rt.rotated) {
        // Contract §1 (assumed): a reused refresh token means theft; the whole grant is revoked.
        this.stats.current.refreshTokenReuse++;
        this.revokeGrant(grant);
        return fail('invalid_grant', 'refresh token already used: grant revoked');
      }
      if (this.worldDay() >= rt.expiresDay) return fail('invalid_grant', 'refresh token expired');
      rt.rotated = true;
      return { ok: true, tokens: this.tokensFor(grant) };
    } finally {
      if (grant) grant.refreshesInFlight--;
    }
  }

  /** Revoking either token ends the whole grant. Unknown tokens succeed too (RFC 7009 §2.2). */
  revoke(token: string): void {
    const grant = this.access.get(token)?.grant ?? this.refresh.get(token)?.grant;
    if (grant) this.revokeGrant(grant);
  }

  /** The grant behind a bearer token, or why it cannot be used. */
  authenticate(token: string): { grant: Grant } | { reason: string } {
    const at = this.access.get(token);
    if (!at) return { reason: 'unknown access token' };
    if (at.grant.revoked) return { reason: 'access token revoked' };
    if (at.epoch < this.epoch || Date.now() >= at.expiresAtMs) return { reason: 'access token expired' };
    return { grant: at.grant };
  }

  expireAccessTokens(): void {
    this.epoch++;
  }
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}
