/** A minimal test client for the sandbox: the four required headers, paging, and the code flow. */
import { randomUUID } from 'node:crypto';
import { request } from 'undici';
import type { Sandbox, TokenResponse } from '../../src/sandbox/index.ts';

export const TODAY = '2026-11-25';

export interface Res {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: Record<string, unknown>;
}

export async function get(sb: Sandbox, path: string, token: string, headers: Record<string, string> = {}): Promise<Res> {
  const r = await request(`${sb.url}${path}`, {
    headers: { authorization: `Bearer ${token}`, client_id: sb.clientId, uuid: randomUUID(), accept: 'application/json', ...headers },
  });
  const text = await r.body.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // not JSON (hostile bodies, HTML): tests look at text
  }
  return { status: r.statusCode, headers: r.headers, text, json };
}

export function basic(sb: Sandbox): string {
  return `Basic ${Buffer.from(`${sb.clientId}:${sb.clientSecret}`).toString('base64')}`;
}

export async function postForm(sb: Sandbox, path: string, form: Record<string, string>, auth: string | null = basic(sb)): Promise<Res> {
  const r = await request(`${sb.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(auth ? { authorization: auth } : {}) },
    body: new URLSearchParams(form).toString(),
  });
  const text = await r.body.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // redirects and HTML
  }
  return { status: r.statusCode, headers: r.headers, text, json };
}

export const refresh = (sb: Sandbox, refreshToken: string): Promise<Res> =>
  postForm(sb, '/authCode/oauth2/refresh', { grant_type: 'refresh_token', refresh_token: refreshToken });

/** Every row of a window, following nextStartIndex to the end. */
export async function pageAll(sb: Sandbox, token: string, accountId: string, from: string, to: string, extra = ''): Promise<{ rows: Record<string, unknown>[]; pages: number }> {
  const rows: Record<string, unknown>[] = [];
  let next = '';
  let pages = 0;
  do {
    const q = `transactionFromDate=${from}&transactionToDate=${to}${extra}${next ? `&nextStartIndex=${next}` : ''}`;
    const r = await get(sb, `/v1/accounts/${accountId}/transactions?${q}`, token);
    if (r.status !== 200) throw new Error(`page ${pages} answered ${r.status}: ${r.text}`);
    pages++;
    const key = Object.keys(r.json).find((k) => k.endsWith('Transactions'))!;
    const v = r.json[key];
    rows.push(...(Array.isArray(v) ? (v as Record<string, unknown>[]) : [v as Record<string, unknown>]));
    next = String(r.json.nextStartIndex ?? '');
  } while (next !== '');
  return { rows, pages };
}

/** The browser part of the code flow with autoConsent, then the token exchange. */
export async function codeFlow(sb: Sandbox, redirectUri = 'http://127.0.0.1:9/cb'): Promise<TokenResponse> {
  const r = await request(sb.authorizeUrl({ redirectUri, state: 's1' }));
  await r.body.text();
  const code = new URL(String(r.headers.location)).searchParams.get('code')!;
  const t = await postForm(sb, '/authCode/oauth2/token/us/gcb', { grant_type: 'authorization_code', code, redirect_uri: redirectUri });
  return t.json as unknown as TokenResponse;
}

export function isoAddDays(iso: string, days: number): string {
  return new Date(Date.parse(`${iso}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}
