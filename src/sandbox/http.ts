/**
 * Small HTTP helpers shared by the routes: a reply value, body reading, and the contract's two error
 * body formats (resource errors in §2, OAuth errors in §1).
 */
import type { IncomingMessage } from 'node:http';

export interface Reply {
  status: number;
  body: string;
  contentType?: string;
  headers?: Record<string, string>;
  /** Set on Citi resource errors: the server renders it in the market's error body shape (contract §2). */
  citiError?: CitiErrorObject;
}

export interface CitiErrorObject {
  type: string;
  code: string;
  details: string;
  location: string;
  moreInfo: string;
}

const JSON_TYPE = 'application/json';

export function json(status: number, value: unknown, headers?: Record<string, string>): Reply {
  return { status, body: JSON.stringify(value), contentType: JSON_TYPE, ...(headers ? { headers } : {}) };
}

/** Contract §2 error, as the flat Asia-Pacific body; errorBodyFor turns it into the US `errors[]` list. */
export function citiError(status: number, code: string, details: string, location = ''): Reply {
  const type = status >= 500 ? 'fatal' : 'error';
  const error: CitiErrorObject = { type, code, details, location, moreInfo: 'https://sandbox.apihub.citi.com/gcb/api/errors' };
  return { ...json(status, error), citiError: error };
}

/** US v2 wraps every error object in `{"errors":[…]}` [spec]; Asia-Pacific sends it flat [seen]. */
export function inErrorList(reply: Reply): Reply {
  if (!reply.citiError) return reply;
  return { ...reply, body: JSON.stringify({ errors: [reply.citiError] }) };
}

/** The API gateway's own 404 for a path no API serves (contract §2: the gateway body shape). */
export function gatewayNotFound(): Reply {
  return json(404, { httpCode: '404', httpMessage: 'Not Found', moreInformation: 'No resources match requested URI' });
}

export const badRequest = (details: string, location = ''): Reply => citiError(400, 'invalidRequest', details, location);

/** Contract §1 token error body. Token responses must never be cached (RFC 6749 §5.1). */
export function oauthError(status: number, error: string, description: string, headers: Record<string, string> = {}): Reply {
  return json(status, { error, error_description: description }, { 'Cache-Control': 'no-store', ...headers });
}

export function redirect(location: string): Reply {
  return { status: 302, body: '', headers: { Location: location } };
}

export function html(status: number, body: string): Reply {
  return { status, body, contentType: 'text/html; charset=utf-8' };
}

const MAX_BODY = 1 << 20;

/** Reads a request body (bounded: this is a test server, but a runaway client must not eat memory). */
export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY) throw new Error('request body too large');
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function headerValue(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export function isForm(req: IncomingMessage): boolean {
  return (headerValue(req, 'content-type') ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded');
}
