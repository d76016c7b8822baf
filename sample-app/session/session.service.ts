import { Inject, Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { SAMPLE_CONFIG, SampleConfig } from '../config';
import type { AdapterRequest, AdapterResponse } from '../http/adapter-types';
import { readCookie, serializeCookie } from './cookies';

/** Name of the session cookie. */
export const SESSION_COOKIE = 'sid';
/** How long a sign-in lasts, in seconds (8 hours). */
export const SESSION_TTL = 8 * 3600;

/** What the session cookie proves: who signed in, and when. */
export interface Session {
  userId: string;
  /** Seconds since the epoch (becomes OIDC `auth_time`). */
  authTime: number;
}

/**
 * A stateless session: the cookie is `userId.authTime.signature`, signed with HMAC-SHA256 so the
 * browser cannot change it. Nothing is stored on the server, so every instance that shares
 * SESSION_SECRET shares sessions. Signing out clears the cookie; a stolen cookie stays valid until
 * it expires (SESSION_TTL), which is the usual trade-off of stateless sessions.
 */
@Injectable()
export class SessionService {
  constructor(
    @Inject(SAMPLE_CONFIG) private readonly config: SampleConfig,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  /** The valid, unexpired session of this request, or null. */
  read(request: AdapterRequest): Session | null {
    const value = readCookie(request.headers.cookie, SESSION_COOKIE);
    const parts = value?.split('.');
    if (!parts || parts.length !== 3) return null;
    const [userId, authTimeText, signature] = parts;
    if (!this.verify(`${userId}.${authTimeText}`, signature)) return null;
    const authTime = Number(authTimeText);
    const now = Math.floor(Date.now() / 1000);
    if (!Number.isInteger(authTime) || authTime > now + 60 || now - authTime >= SESSION_TTL)
      return null;
    return { userId, authTime };
  }

  /** Signs the user in: sets the session cookie. */
  start(response: AdapterResponse, userId: string): Session {
    const session = { userId, authTime: Math.floor(Date.now() / 1000) };
    const payload = `${session.userId}.${session.authTime}`;
    this.setCookie(response, `${payload}.${this.sign(payload)}`, SESSION_TTL);
    return session;
  }

  /** Signs the user out: expires the cookie. */
  end(response: AdapterResponse): void {
    this.setCookie(response, '', 0);
  }

  /** Adds the session cookie to the response (appended: other cookies it sets are kept). */
  private setCookie(response: AdapterResponse, value: string, maxAge: number): void {
    const cookie = serializeCookie(SESSION_COOKIE, value, {
      maxAge,
      secure: this.config.secureCookies,
    });
    this.adapterHost.httpAdapter.appendHeader(response, 'Set-Cookie', cookie);
  }

  /**
   * The CSRF token of forms that act on the session (sign out): an HMAC of the session, so a page
   * on another site cannot know it. Changes with every sign-in.
   */
  csrfToken(session: Session): string {
    return this.sign(`csrf.${session.userId}.${session.authTime}`);
  }

  /** Whether `token` is this session's CSRF token. */
  verifyCsrfToken(session: Session, token: unknown): boolean {
    return (
      typeof token === 'string' && this.verify(`csrf.${session.userId}.${session.authTime}`, token)
    );
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.config.sessionSecret).update(payload).digest('base64url');
  }

  private verify(payload: string, signature: string): boolean {
    const expected = Buffer.from(this.sign(payload));
    const actual = Buffer.from(signature);
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  }
}
