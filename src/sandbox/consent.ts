/** The consent page a browser sees at authorize time (when autoConsent is off). */
import type { SandboxUser } from './types.ts';

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export interface ConsentRequest {
  clientId: string;
  redirectUri: string;
  state: string;
  scope: string;
  codeChallenge: string;
  codeChallengeMethod: string;
}

export function consentPage(action: string, req: ConsentRequest, users: readonly SandboxUser[], preselect: string | undefined): string {
  const hidden = ([
    ['client_id', req.clientId],
    ['redirect_uri', req.redirectUri],
    ['state', req.state],
    ['scope', req.scope],
    ['code_challenge', req.codeChallenge],
    ['code_challenge_method', req.codeChallengeMethod],
  ] as const)
    .map(([n, v]) => `<input type="hidden" name="${n}" value="${escapeHtml(v)}">`)
    .join('\n      ');
  const options = users
    .map((u) => `<option value="${escapeHtml(u.userId)}"${u.userId === preselect ? ' selected' : ''}>${escapeHtml(u.name)} (${escapeHtml(u.userId)})</option>`)
    .join('\n        ');
  return `<!doctype html>
<html lang="en">
  <head><meta charset="utf-8"><title>Citi sandbox: consent</title></head>
  <body>
    <h1>Citi sandbox</h1>
    <p>An application wants access to: <code>${escapeHtml(req.scope)}</code></p>
    <form method="POST" action="${escapeHtml(action)}">
      ${hidden}
      <label>Sign in as
        <select name="userId">
        ${options}
        </select>
      </label>
      <button type="submit" name="decision" value="allow">Allow</button>
      <button type="submit" name="decision" value="deny">Deny</button>
    </form>
  </body>
</html>
`;
}

export function errorPage(message: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Citi sandbox: error</title></head>
<body><h1>Authorization error</h1><p>${escapeHtml(message)}</p></body></html>
`;
}
