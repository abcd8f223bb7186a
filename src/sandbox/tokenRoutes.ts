/** The token, refresh and revoke endpoints (contract §1): Basic client auth, form bodies, exact error bodies. */
import { isForm, json, oauthError, type Reply } from './http.ts';
import type { OAuthState, TokenResult } from './oauth.ts';
import type { IncomingMessage } from 'node:http';

export type TokenEndpoint = 'token' | 'refresh' | 'revoke';

const EXPECTED_GRANT: Record<Exclude<TokenEndpoint, 'revoke'>, string> = { token: 'authorization_code', refresh: 'refresh_token' };

function fromResult(r: TokenResult): Reply {
  if (r.ok) return json(200, r.tokens, { 'Cache-Control': 'no-store', Pragma: 'no-cache' });
  return oauthError(r.status, r.error, r.description);
}

export async function tokenEndpoint(endpoint: TokenEndpoint, req: IncomingMessage, body: string, oauth: OAuthState): Promise<Reply> {
  if (!oauth.clientAuthenticates(req.headers.authorization)) {
    return oauthError(401, 'invalid_client', 'client authentication failed (Authorization: Basic base64(client_id:client_secret))', {
      'WWW-Authenticate': 'Basic realm="citi-sandbox"',
    });
  }
  if (!isForm(req)) return oauthError(400, 'invalid_request', 'Content-Type must be application/x-www-form-urlencoded');
  const form = new URLSearchParams(body);
  if (endpoint === 'revoke') {
    const token = form.get('token');
    if (!token) return oauthError(400, 'invalid_request', 'token is required');
    oauth.revoke(token);
    return json(200, { status: 'success' }, { 'Cache-Control': 'no-store' });
  }
  const grantType = form.get('grant_type');
  if (!grantType) return oauthError(400, 'invalid_request', 'grant_type is required');
  if (grantType !== EXPECTED_GRANT[endpoint]) {
    return oauthError(400, 'unsupported_grant_type', `this endpoint takes grant_type=${EXPECTED_GRANT[endpoint]}`);
  }
  return fromResult(endpoint === 'token' ? oauth.exchangeCode(form) : await oauth.refreshGrant(form));
}
