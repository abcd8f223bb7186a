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

/** The market's paths: US v2 or Asia-Pacific v1 (contract §0). */
export const accountsPath = (sb: Sandbox): string => (sb.country === 'US' ? '/v2/accounts/details' : '/v1/accounts');
export const transactionsPath = (sb: Sandbox, accountId: string): string => `/${sb.country === 'US' ? 'v2' : 'v1'}/accounts/${accountId}/transactions`;
export const tokenPath = (sb: Sandbox): string => `/authCode/oauth2/token/${sb.country.toLowerCase()}/gcb`;

/** The rows of a transactions answer, whatever the market keys them by (contract §4). */
export function rowsOf(body: Record<string, unknown>): Record<string, unknown>[] {
  const key = Object.keys(body).find((k) => k === 'transaction' || k === 'transactions' || k.endsWith('AccountTransactions'));
  if (key === undefined) throw new Error(`no transactions key in ${Object.keys(body).join(', ')}`);
  const v = body[key];
  return Array.isArray(v) ? (v as Record<string, unknown>[]) : [v as Record<string, unknown>];
}

/** The code of an error body in either dialect's shape. */
export function errorCode(body: Record<string, unknown>): unknown {
  const list = body.errors as Array<Record<string, unknown>> | undefined;
  return list ? list[0]?.code : body.code;
}

/** Every row of a window, following nextStartIndex to the end; a 204 is an empty window. */
export async function pageAll(sb: Sandbox, token: string, accountId: string, from: string, to: string, extra = ''): Promise<{ rows: Record<string, unknown>[]; pages: number }> {
  const rows: Record<string, unknown>[] = [];
  let next = '';
  let pages = 0;
  do {
    const q = `transactionFromDate=${from}&transactionToDate=${to}${extra}${next ? `&nextStartIndex=${next}` : ''}`;
    const r = await get(sb, `${transactionsPath(sb, accountId)}?${q}`, token);
    if (r.status === 204) break;
    if (r.status !== 200) throw new Error(`page ${pages} answered ${r.status}: ${r.text}`);
    pages++;
    rows.push(...rowsOf(r.json));
    next = String(r.json.nextStartIndex ?? '');
  } while (next !== '');
  return { rows, pages };
}

/** The browser part of the code flow with autoConsent, then the token exchange. */
export async function codeFlow(sb: Sandbox, redirectUri = 'http://127.0.0.1:9/cb'): Promise<TokenResponse> {
  const r = await request(sb.authorizeUrl({ redirectUri, state: 's1' }));
  await r.body.text();
  const code = new URL(String(r.headers.location)).searchParams.get('code')!;
  const t = await postForm(sb, tokenPath(sb), { grant_type: 'authorization_code', code, redirect_uri: redirectUri });
  return t.json as unknown as TokenResponse;
}

export function isoAddDays(iso: string, days: number): string {
  return new Date(Date.parse(`${iso}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}
