import { Inject, Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { SAMPLE_CONFIG, SampleConfig } from '../config';
import type { AdapterRequest, AdapterResponse } from '../http/adapter-types';
import { readCookie, serializeCookie } from './cookies';
import { isSignInLevel, SignInLevel } from './sign-in-levels';

/** Name of the session cookie. */
export const SESSION_COOKIE = 'sid';
/** How long a sign-in lasts, in seconds (8 hours). */
export const SESSION_TTL = 8 * 3600;

/** What the session cookie proves: who signed in, when, and how strongly. */
export interface Session {
  userId: string;
  /** Seconds since the epoch (becomes OIDC `auth_time`): the last sign-in step. */
  authTime: number;
  /** The level reached (becomes OIDC `acr`): `low` by password, `substantial` with the code. */
  level: SignInLevel;
}

/**
 * A stateless session: the cookie is `userId.authTime.level.signature`, signed with HMAC-SHA256 so the
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
    if (!parts || parts.length !== 4) return null;
    const [userId, authTimeText, level, signature] = parts;
    if (!this.verify(`${userId}.${authTimeText}.${level}`, signature)) return null;
    const authTime = Number(authTimeText);
    const now = Math.floor(Date.now() / 1000);
    if (!Number.isInteger(authTime) || authTime > now + 60 || now - authTime >= SESSION_TTL)
      return null;
    return isSignInLevel(level) ? { userId, authTime, level } : null;
  }

  /**
   * Signs the user in at `level` (`low` after the password, `substantial` after the one-time
   * code too): sets the session cookie, with the time of this step as the sign-in time.
   */
  start(response: AdapterResponse, userId: string, level: SignInLevel = 'low'): Session {
    const session = { userId, authTime: Math.floor(Date.now() / 1000), level };
    const payload = `${session.userId}.${session.authTime}.${session.level}`;
    this.setCookie(response, `${payload}.${this.sign(payload)}`, SESSION_TTL);
    return session;
  }

  /**
   * The simulated second factor's one-time code for this session: six digits derived from it
   * (an HMAC), so every instance computes the same one and a new sign-in gets a new one. A real
   * app sends it by SMS or has an authenticator app compute it; the sample shows it on the page.
   */
  oneTimeCode(session: Session): string {
    const digest = createHmac('sha256', this.config.sessionSecret)
      .update(`otp.${session.userId}.${session.authTime}`)
      .digest();
    return String(digest.readUInt32BE(0) % 1_000_000).padStart(6, '0');
  }

  /** Whether `code` is this session's one-time code (compared in constant time). */
  verifyOneTimeCode(session: Session, code: unknown): boolean {
    if (typeof code !== 'string') return false;
    const expected = Buffer.from(this.oneTimeCode(session));
    const actual = Buffer.from(code.trim());
    return actual.length === expected.length && timingSafeEqual(actual, expected);
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
