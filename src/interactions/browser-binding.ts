import type { AdapterRequest } from '../http/http-request';
import type { HttpReply } from '../http/http-reply';
import { constantTimeEqual, randomToken, sha256 } from '../common/crypto';

/** The browser-binding cookie: ties an interaction to the browser that started it. */
export const BINDING_COOKIE = 'oauth_binding';

/** Bindings set on this very response, by request, since the request has no cookie yet. */
const newBindings = new WeakMap<AdapterRequest, string>();
const BINDING_FORMAT = /^[A-Za-z0-9_-]{43}$/;

/** The browser-binding value: from the cookie, or the one set on this very response. */
export function bindingOf(request: AdapterRequest): string | undefined {
  return (
    newBindings.get(request) ??
    readCookie((request as { headers: { cookie?: string } }).headers.cookie, BINDING_COOKIE)
  );
}

/**
 * The browser's binding value, creating it (HttpOnly, SameSite=Lax, Secure on https) when the
 * browser has none yet.
 */
export function ensureBinding(request: AdapterRequest, reply: HttpReply, secure: boolean): string {
  const existing = bindingOf(request);
  if (existing && BINDING_FORMAT.test(existing)) return existing;
  const binding = randomToken();
  setBinding(request, reply, binding, secure);
  return binding;
}

/** A fresh random binding value, not yet sent: see `setBinding`. */
export const newBindingValue = (): string => randomToken();

/**
 * Sends `binding` as the browser's binding cookie (replacing any it had) and makes it the value
 * `bindingOf` sees for the rest of this request, so a CSRF token derived now uses it.
 */
export function setBinding(
  request: AdapterRequest,
  reply: HttpReply,
  binding: string,
  secure: boolean,
): void {
  newBindings.set(request, binding);
  reply.addCookie(
    `${BINDING_COOKIE}=${binding}; Path=/; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`,
  );
}

/** The consent form's CSRF token: only the browser holding the binding cookie can know it. */
export function csrfToken(binding: string, interactionId: string): string {
  return sha256(`csrf:${binding}:${interactionId}`);
}

/** True when `token` is the consent form token of this interaction in this request's browser. */
export function isCsrfTokenValid(
  request: AdapterRequest,
  interactionId: string,
  token: unknown,
): boolean {
  const binding = bindingOf(request);
  return (
    !!binding &&
    typeof token === 'string' &&
    constantTimeEqual(token, csrfToken(binding, interactionId))
  );
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const pair of (header ?? '').split(';')) {
    const eq = pair.indexOf('=');
    if (eq > 0 && pair.slice(0, eq).trim() === name) return pair.slice(eq + 1).trim();
  }
  return undefined;
}
