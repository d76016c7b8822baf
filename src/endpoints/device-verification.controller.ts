import { Controller, Get, Logger, Post, Req, Res } from '@nestjs/common';
import { DeviceAuthorizationService } from '../device/device-authorization.service';
import { formatUserCode, normalizeUserCode } from '../device/user-code';
import { InteractionError } from '../errors/oauth-server.error';
import { addressNetworkOf, clientAddressOf } from '../http/client-address';
import { AdapterRequest, httpRequestOf, OAuthHttpRequest } from '../http/http-request';
import { AdapterResponse, HttpReply, httpReplyOf } from '../http/http-reply';
import { AuthorizationFlow } from '../interactions/authorization-flow.service';
import { deviceVerificationRequest } from '../interactions/device-request';
import { deviceDonePage, userCodePage } from '../interactions/device-pages';
import { sendInteractionFailure } from '../interactions/interaction-failure-page';
import { errorPage, sendPage, sendRedirect } from '../interactions/pages';
import { AttemptLimiter, AttemptParty, CountedAttempt } from '../limits/attempt-limiter.service';
import { InjectOAuthConfig, OAUTH_PATHS } from '../oauth.constants';
import type { OAuthConfig } from '../options/oauth-config';
import { DEVICE_CODE_GRANT } from '../options/grant-types';
import { Public } from '../resource/decorators';
import { DatabaseHealthLog } from '../storage/database-health-log';
import type { OAuthDeviceAuthorization } from '../storage/entities/oauth-device-authorization.entity';
import { ClientStore } from '../storage/stores/client.store';
import { formParams, queryParams } from './form-params';

const WRONG_CODE = 'That code is not valid, or it has expired. Check the code on your device.';

/**
 * The device verification page (RFC 8628 §3.3): the user enters the code their device shows,
 * then signs in and consents as in the code flow (the consent page lives at the authorization
 * endpoint's interaction routes). A host with its own page (`deviceFlow.verificationUri`) posts
 * `user_code` here from the same origin. Wrong codes are limited per client address (§5.1).
 */
@Public()
@Controller(OAUTH_PATHS.deviceVerification)
export class DeviceVerificationController {
  private readonly logger = new Logger('OAuth');

  constructor(
    @InjectOAuthConfig() private readonly config: OAuthConfig,
    private readonly devices: DeviceAuthorizationService,
    private readonly clients: ClientStore,
    private readonly flow: AuthorizationFlow,
    private readonly limiter: AttemptLimiter,
    private readonly health: DatabaseHealthLog,
  ) {}

  /** The code form, filled in from `verification_uri_complete`'s `user_code`. */
  @Get()
  async form(@Req() raw: AdapterRequest, @Res() response: AdapterResponse): Promise<void> {
    await this.guard(httpReplyOf(response), async (reply) => {
      const typed = queryParams(httpRequestOf(raw)).user_code ?? '';
      const normalized = normalizeUserCode(typed);
      sendPage(
        reply,
        200,
        userCodePage({ userCode: normalized ? formatUserCode(normalized) : '' }),
      );
    });
  }

  /** The code entered: on to sign-in and consent for its device authorization. */
  @Post()
  async submit(@Req() raw: AdapterRequest, @Res() response: AdapterResponse): Promise<void> {
    await this.guard(httpReplyOf(response), async (reply) => {
      const request = httpRequestOf(raw);
      if (this.postedFromAnotherSite(request)) {
        throw new InteractionError('Enter the code on this site’s own page.');
      }
      const userCode = (formParams(request).user_code ?? '').slice(0, 64);
      const attempt = await this.limiter.attempt([this.addressParty(raw)]);
      if (!attempt.allowed) return this.tooManyCodes(reply, userCode, attempt.wait);
      const device = await this.findPending(userCode, attempt);
      if (!device) {
        if (attempt.waitIfWrong > 0) return this.tooManyCodes(reply, userCode, attempt.waitIfWrong);
        return sendPage(reply, 400, userCodePage({ userCode, error: WRONG_CODE }));
      }
      const client = await this.clients.find(device.clientId);
      if (!client) throw new InteractionError('The application no longer exists.');
      const authorization = deviceVerificationRequest(
        device,
        formatUserCode(normalizeUserCode(userCode)!),
        this.config,
      );
      const next = await this.flow.proceed(raw, reply, authorization, client);
      // The consent page is served where the code flow serves it, for this interaction.
      sendRedirect(
        reply,
        next.kind === 'redirect'
          ? next.url
          : `${OAUTH_PATHS.authorize}/interaction/${next.details.id}`,
      );
    });
  }

  /** Where the browser lands after the decision. */
  @Get('done')
  async done(@Req() raw: AdapterRequest, @Res() response: AdapterResponse): Promise<void> {
    await this.guard(httpReplyOf(response), async (reply) => {
      const result = queryParams(httpRequestOf(raw)).result === 'approved' ? 'approved' : 'denied';
      sendPage(reply, 200, deviceDonePage(result));
    });
  }

  private tooManyCodes(reply: HttpReply, userCode: string, wait: number): void {
    reply.setHeader('Retry-After', String(wait));
    sendPage(
      reply,
      429,
      userCodePage({ userCode, error: `Too many wrong codes. Try again in ${wait} seconds.` }),
    );
  }

  /** The pending authorization of a code; a right code takes back its counted attempt. */
  private async findPending(
    userCode: string,
    attempt: CountedAttempt,
  ): Promise<OAuthDeviceAuthorization | null> {
    try {
      const device = await this.devices.findPending(userCode);
      if (device) await attempt.succeeded();
      return device;
    } catch (error) {
      await attempt.withdraw();
      throw error;
    }
  }

  /** Wrong codes count per network (an IPv6 /64 is one), never forgotten by a right one. */
  private addressParty(raw: AdapterRequest): AttemptParty {
    return {
      kind: 'user-code-address',
      party: addressNetworkOf(clientAddressOf(raw)),
      maxFailures: this.config.deviceFlow.maxUserCodeFailures,
      forgetsOnSuccess: false,
    };
  }

  /**
   * A form posted from another site (which would start a verification in the user's browser
   * without them typing the code) is recognised by what browsers send with every form post:
   * Sec-Fetch-Site, or else Origin. The host's own code page, on its origin, is welcome.
   */
  private postedFromAnotherSite(request: OAuthHttpRequest): boolean {
    const site = request.header('sec-fetch-site');
    const origin = request.header('origin');
    const allowed = [
      new URL(this.config.issuer).origin,
      new URL(this.devices.verificationUri()).origin,
    ];
    if (origin !== undefined && origin !== 'null') return !allowed.includes(origin);
    return site === 'cross-site';
  }

  /** Runs a step; 404 while the device grant is off; errors become pages, never stack traces. */
  private async guard(reply: HttpReply, step: (reply: HttpReply) => Promise<void>): Promise<void> {
    try {
      if (!this.config.grantTypes.includes(DEVICE_CODE_GRANT)) {
        return sendPage(reply, 404, errorPage('Not found', 'Device sign-in is not enabled.'));
      }
      await step(reply);
    } catch (error) {
      if (reply.sent) throw error;
      sendInteractionFailure(reply, error, this.health, this.logger);
    }
  }
}
