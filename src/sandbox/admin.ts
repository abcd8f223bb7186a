/**
 * Control API under /__sandbox/ (outside the Citi base path), so another process (benchmarks, chaos
 * runs) can drive the sandbox. No authentication: it is a loopback test tool. Never counted in stats.
 */
import { json, type Reply } from './http.ts';
import type { Faults, Sandbox } from './types.ts';
import { messageOf } from '../log/errorText.ts';

export const ADMIN_PREFIX = '/__sandbox/';

const SHAPES = new Set(['noIds', 'billedStatus', 'singleObject', 'normal']);

function parseJson(body: string): unknown {
  if (body.trim() === '') return {};
  return JSON.parse(body) as unknown;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const fail = (status: number, message: string): Reply => json(status, { error: message });

/** Routes one admin request. Errors become 4xx JSON: a bad control call must not crash the server. */
export async function handleAdmin(sandbox: Sandbox, method: string, path: string, query: URLSearchParams, body: string): Promise<Reply> {
  const route = path.slice(ADMIN_PREFIX.length).split('/').map(decodeURIComponent);
  let input: unknown;
  try {
    input = parseJson(body);
  } catch {
    return fail(400, 'body must be JSON');
  }
  try {
    const [a, b, c] = route;
    if (method === 'GET' && a === 'info' && route.length === 1) {
      // A supplied secret may be a real one (see Sandbox.clientSecretSupplied): its holder knows it.
      const secret = sandbox.clientSecretSupplied ? {} : { clientSecret: sandbox.clientSecret };
      return json(200, { url: sandbox.url, country: sandbox.country, clientId: sandbox.clientId, ...secret, today: sandbox.today(), users: sandbox.users });
    }
    if (a === 'stats' && route.length === 1 && method === 'GET') return json(200, sandbox.stats());
    if (a === 'stats' && b === 'reset' && method === 'POST') {
      sandbox.resetStats();
      return json(200, { status: 'success' });
    }
    if (a === 'advance' && method === 'POST') {
      const days = isObject(input) ? input.days : undefined;
      if (typeof days !== 'number') return fail(400, 'body must be {"days": n}');
      sandbox.advance(days);
      return json(200, { today: sandbox.today() });
    }
    if (a === 'faults' && route.length === 1) {
      if (method === 'DELETE') {
        sandbox.clearFaults();
        return json(200, { status: 'success' });
      }
      if (method === 'POST') {
        if (!isObject(input)) return fail(400, 'body must be a JSON object of faults');
        if (Object.keys(input).length === 0) sandbox.clearFaults();
        else sandbox.setFaults(input as Partial<Faults>);
        return json(200, { status: 'success' });
      }
    }
    if (a === 'users' && b !== undefined && c === 'tokens' && method === 'POST') return json(200, await sandbox.issueTokens(b));
    if (a === 'truth' && method === 'GET') return json(200, sandbox.truth(query.get('userId') ?? undefined));
    if (a === 'expire-tokens' && method === 'POST') {
      sandbox.expireAccessTokens();
      return json(200, { status: 'success' });
    }
    if (a === 'accounts' && b !== undefined && c === 'shape' && method === 'POST') {
      const shape = isObject(input) ? input.shape : undefined;
      if (typeof shape !== 'string' || !SHAPES.has(shape)) return fail(400, `shape must be one of ${[...SHAPES].join(', ')}`);
      sandbox.setAccountShape(b, shape as Parameters<Sandbox['setAccountShape']>[1]);
      return json(200, { status: 'success' });
    }
    if (a === 'accounts' && b !== undefined && c === 'response' && method === 'POST') {
      if (input !== null && !(isObject(input) && typeof input.status === 'number' && typeof input.body === 'string')) {
        return fail(400, 'body must be {"status": n, "body": "...", "contentType"?: "...", "times"?: n} or null');
      }
      sandbox.setAccountResponse(b, input as Parameters<Sandbox['setAccountResponse']>[1]);
      return json(200, { status: 'success' });
    }
    return fail(404, `no admin route ${method} ${path}`);
  } catch (err) {
    return fail(400, messageOf(err));
  }
}
