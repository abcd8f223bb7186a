/**
 * The browser half of the code flow (contract §1): GET authorize shows the consent page (or, with
 * autoConsent, redirects at once); POST authorize/decision redirects with a code or access_denied.
 * An unknown client_id or a bad redirect_uri is shown as an error page, never redirected to
 * (RFC 6749 §4.1.2.1: redirecting there would make the server an open redirector).
 */
import { consentPage, errorPage } from './consent.ts';
import { html, redirect, type Reply } from './http.ts';
import { DEFAULT_SCOPE, type OAuthState } from './oauth.ts';
import type { SandboxUser } from './types.ts';

export const DECISION_PATH = '/authCode/oauth2/authorize/decision';

interface AuthRequest {
  redirectUri: string;
  state: string | null;
  scope: string;
  challenge: string | undefined;
  challengeMethod: string;
}

function withParams(redirectUri: string, params: Record<string, string | null>): string {
  const u = new URL(redirectUri);
  for (const [k, v] of Object.entries(params)) if (v !== null) u.searchParams.set(k, v);
  return u.toString();
}

function validate(p: URLSearchParams, oauth: OAuthState): { ok: true; req: AuthRequest } | { ok: false; reply: Reply } {
  const clientId = p.get('client_id');
  if (clientId !== oauth.clientId) return { ok: false, reply: html(400, errorPage(`unknown client_id ${JSON.stringify(clientId)}`)) };
  const redirectUri = p.get('redirect_uri') ?? '';
  let parsed: URL | undefined;
  try {
    parsed = new URL(redirectUri);
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || parsed.hash) {
    return { ok: false, reply: html(400, errorPage('redirect_uri must be an absolute http(s) URL without a fragment')) };
  }
  const state = p.get('state');
  if (p.get('response_type') !== 'code') {
    return { ok: false, reply: redirect(withParams(redirectUri, { error: 'unsupported_response_type', state })) };
  }
  const challenge = p.get('code_challenge') || undefined;
  const challengeMethod = p.get('code_challenge_method') || 'S256';
  // Only S256: 'plain' PKCE protects nothing the client should rely on.
  if (challenge !== undefined && challengeMethod !== 'S256') {
    return { ok: false, reply: redirect(withParams(redirectUri, { error: 'invalid_request', error_description: 'code_challenge_method must be S256', state })) };
  }
  return { ok: true, req: { redirectUri, state, scope: p.get('scope') || DEFAULT_SCOPE, challenge, challengeMethod } };
}

export interface AuthorizeDeps {
  oauth: OAuthState;
  users: readonly SandboxUser[];
  autoConsent: boolean;
  basePath: string;
}

export function authorizeGet(params: URLSearchParams, deps: AuthorizeDeps): Reply {
  const v = validate(params, deps.oauth);
  if (!v.ok) return v.reply;
  const { req } = v;
  const hint = params.get('login_hint') ?? undefined;
  if (deps.autoConsent) {
    const user = deps.users.find((u) => u.userId === hint) ?? deps.users[0];
    if (!user) return html(500, errorPage('the sandbox has no users'));
    const code = deps.oauth.newCode(user.userId, req.redirectUri, req.scope, req.challenge);
    return redirect(withParams(req.redirectUri, { code, state: req.state }));
  }
  return html(
    200,
    consentPage(
      `${deps.basePath}${DECISION_PATH}`,
      {
        clientId: deps.oauth.clientId,
        redirectUri: req.redirectUri,
        state: req.state ?? '',
        scope: req.scope,
        codeChallenge: req.challenge ?? '',
        codeChallengeMethod: req.challenge ? req.challengeMethod : '',
      },
      deps.users,
      hint,
    ),
  );
}

export function authorizeDecision(form: URLSearchParams, deps: AuthorizeDeps): Reply {
  // The form always carries response_type implicitly: it only exists for the code flow.
  if (!form.has('response_type')) form.set('response_type', 'code');
  const v = validate(form, deps.oauth);
  if (!v.ok) return v.reply;
  const { req } = v;
  const state = req.state === '' ? null : req.state;
  if (form.get('decision') !== 'allow') return redirect(withParams(req.redirectUri, { error: 'access_denied', state }));
  const user = deps.users.find((u) => u.userId === form.get('userId'));
  if (!user) return html(400, errorPage('unknown user'));
  const code = deps.oauth.newCode(user.userId, req.redirectUri, req.scope, req.challenge);
  return redirect(withParams(req.redirectUri, { code, state }));
}
