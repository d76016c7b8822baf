import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { ClientView } from '../clients/client.service';
import { randomToken, sha256 } from '../common/crypto';
import { nowMs, secondsToMs } from '../common/time';
import { OAuthException } from '../errors/oauth.exception';
import { refuseAuthorizationDetails } from '../grants/authorization-details-request';
import { audienceFor } from '../grants/resource-indicator';
import { grantableScopes } from '../grants/scope-policy';
import { InjectOAuthConfig, OAUTH_PATHS } from '../oauth.constants';
import type { OAuthConfig } from '../options/oauth-config';
import { DEVICE_CODE_GRANT } from '../options/grant-types';
import type { SignedInUser } from '../options/resource-owner-provider.interface';
import type { OAuthDeviceAuthorization } from '../storage/entities/oauth-device-authorization.entity';
import { DeviceAuthorizationStore } from '../storage/stores/device-authorization.store';
import { newUserCode, normalizeUserCode } from './user-code';

/** RFC 8628 §3.2: the device authorization response. */
export interface DeviceAuthorizationResponse {
  device_code: string;
  user_code: string;
  verification_uri: string;
  verification_uri_complete: string;
  /** Seconds until both codes expire. */
  expires_in: number;
  /** Seconds the device waits between polls. */
  interval: number;
}

/** How often a colliding user code is drawn again before giving up (a near impossibility). */
const USER_CODE_DRAWS = 5;

/**
 * Device authorizations (RFC 8628): issued at the device authorization endpoint, found by user
 * code at the verification page, decided by the user there. Polling is the grant's.
 */
@Injectable()
export class DeviceAuthorizationService {
  constructor(
    @InjectOAuthConfig() private readonly config: OAuthConfig,
    private readonly store: DeviceAuthorizationStore,
  ) {}

  /** RFC 8628 §3.1-3.2: a new device code and user code for `client`. */
  async create(
    client: ClientView,
    params: Record<string, string>,
  ): Promise<DeviceAuthorizationResponse> {
    if (!client.grantTypes.includes(DEVICE_CODE_GRANT)) {
      throw OAuthException.unauthorizedClient(
        'This client is not registered for the device authorization grant.',
      );
    }
    refuseAuthorizationDetails(params, 'the device authorization endpoint');
    const scopes = grantableScopes(params.scope, client, this.config, true);
    const resources = audienceFor(params.resource, this.config) ?? null;
    const { ttl, interval } = this.config.deviceFlow;
    const deviceCode = randomToken();
    const now = nowMs();
    for (let draw = 1; draw <= USER_CODE_DRAWS; draw++) {
      const userCode = newUserCode();
      const row: OAuthDeviceAuthorization = {
        id: randomUUID(),
        deviceCodeHash: sha256(deviceCode),
        userCodeHash: userCodeHash(normalizeUserCode(userCode)!),
        clientId: client.clientId,
        scopes,
        resources,
        status: 'pending',
        subject: null,
        authTime: null,
        acr: null,
        amr: null,
        pollInterval: interval,
        // The first poll may come at once; later ones wait the interval.
        nextPollAt: now,
        expiresAt: now + secondsToMs(ttl),
        consumedAt: null,
        createdAt: now,
      };
      if (await this.store.insert(row)) {
        const page = this.verificationUri();
        const complete = new URL(page);
        complete.searchParams.set('user_code', userCode);
        return {
          device_code: deviceCode,
          user_code: userCode,
          verification_uri: page,
          verification_uri_complete: complete.href,
          expires_in: ttl,
          interval,
        };
      }
    }
    throw new Error('Could not draw an unused user code.');
  }

  /** The pending, unexpired authorization of a user code as typed, or null. */
  findPending(userCode: string): Promise<OAuthDeviceAuthorization | null> {
    const normalized = normalizeUserCode(userCode);
    if (!normalized) return Promise.resolve(null);
    return this.store.findPendingByUserCodeHash(userCodeHash(normalized), nowMs());
  }

  /** The user allowed or denied; false when it expired or was decided before. */
  decide(id: string, allowed: boolean, user: SignedInUser): Promise<boolean> {
    return this.store.decide(
      id,
      {
        status: allowed ? 'approved' : 'denied',
        subject: user.id,
        authTime: user.authTime ?? null,
        acr: user.acr ?? null,
        amr: user.amr ?? null,
      },
      nowMs(),
    );
  }

  /** Where users enter the code: the host's page if it has one, else the module's. */
  verificationUri(): string {
    const page = this.config.deviceFlow.verificationUri;
    return page
      ? new URL(page, this.config.issuer).href
      : `${this.config.issuer}${OAUTH_PATHS.deviceVerification}`;
  }
}

const userCodeHash = (normalized: string): string => sha256(`user-code:${normalized}`);
