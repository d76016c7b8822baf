import { OAUTH_PATHS } from '../oauth.constants';
import type { OAuthConfig } from '../options/oauth-config';
import type { OAuthDeviceAuthorization } from '../storage/entities/oauth-device-authorization.entity';
import type { AuthorizationRequest } from './authorization-request';

/**
 * An authorization request that a user started at the device verification page: it goes
 * through the same sign-in and consent as the code flow, and ends by deciding the device
 * authorization instead of sending a code to a redirect URI.
 */
export interface DeviceVerificationRequest extends AuthorizationRequest {
  device: { id: string; userCode: string };
}

export function isDeviceRequest(
  authorization: AuthorizationRequest,
): authorization is DeviceVerificationRequest {
  return typeof (authorization as Partial<DeviceVerificationRequest>).device?.id === 'string';
}

/**
 * The request for a device authorization. The consent page is always shown (RFC 8628 §5.4: a
 * user code can be phished, so the user must see which application asks, and the code, even if
 * they consented before); `redirectUri` is the module's closing page, never a client's.
 */
export function deviceVerificationRequest(
  device: OAuthDeviceAuthorization,
  userCode: string,
  config: Pick<OAuthConfig, 'issuer'>,
): DeviceVerificationRequest {
  return {
    clientId: device.clientId,
    redirectUri: deviceDoneUrl(config, 'approved'),
    scopes: device.scopes,
    prompt: ['consent'],
    ...(device.resources ? { resources: device.resources } : {}),
    device: { id: device.id, userCode },
  };
}

/** The page that tells the user they are done and may go back to their device. */
export function deviceDoneUrl(
  config: Pick<OAuthConfig, 'issuer'>,
  result: 'approved' | 'denied',
): string {
  return `${config.issuer}${OAUTH_PATHS.deviceVerification}/done?result=${result}`;
}
