/**
 * The session's CSRF token (OWASP synchronizer token pattern, ADR 0032) and the fetch that sends
 * it: every call to this page's own server that is not a read carries it in X-CSRF-Token.
 */
let csrfToken: string | undefined

export function setCsrfToken(token: string | undefined): void {
  csrfToken = token
}

/** fetch for the portal server's own routes: same-origin cookies, and the CSRF token on changes. */
export const sameOriginFetch: typeof fetch = (input, init = {}) => {
  const method = (init.method ?? 'GET').toUpperCase()
  const headers = new Headers(init.headers)
  if (csrfToken !== undefined && method !== 'GET' && method !== 'HEAD') headers.set('x-csrf-token', csrfToken)
  return fetch(input, { ...init, headers, credentials: 'same-origin' })
}
