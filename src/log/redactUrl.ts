/**
 * The one place URLs lose their credentials before they are printed, logged or put in an error.
 * Config errors echo the value the user typed, and that value may not even parse as a URL
 * (`postgress://u:pw@h/db` was printed whole), so masking works on text, not only on parsed URLs.
 */

/** `scheme://userinfo@`: greedy up to the authority's last `@`, since a raw password may contain one. */
const USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/?#]*)@/gi;

export const MASK = '***';

/**
 * Query parameters that carry a secret: node-postgres and ioredis both take `?password=` (and pg
 * `?sslpassword=`) as well as the userinfo, and an error printed `postgres://u@h/db?password=…` whole.
 */
const SECRET_PARAM = /([?&](?:password|pass|pwd|sslpassword|passphrase|secret|client_secret|token|access_token|api_?key)=)[^&#\s"']*/gi;

/**
 * A value that is meant to be one URL, with its password masked (`postgres://u:***@h/db`). A user
 * part without a password is masked too: alone, it is often the secret (`https://<token>@host`).
 * The value may be too broken to parse (`postgres:/u:pw@h`, a slash missing): whatever precedes
 * its last `@` is then masked whole.
 */
export function redactUrl(url: string): string {
  const masked = redactUrlsIn(url);
  if (masked !== url || !url.includes('@')) return masked;
  return `${MASK}@${url.slice(url.lastIndexOf('@') + 1)}`;
}

/** Every URL inside `text` with its credentials masked; the rest of the text is unchanged. */
export function redactUrlsIn(text: string): string {
  return text
    .replace(USERINFO, (_m, scheme: string, userinfo: string) => {
      const colon = userinfo.indexOf(':');
      if (colon < 0) return userinfo === '' ? `${scheme}@` : `${scheme}${MASK}@`;
      return `${scheme}${userinfo.slice(0, colon)}:${MASK}@`;
    })
    .replace(SECRET_PARAM, (_m, name: string) => `${name}${MASK}`);
}
