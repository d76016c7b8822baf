import { DynamicModule, Global, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ApiModule } from './api/api.module';
import { ClientErrorsFilter } from './client-errors.filter';
import { SAMPLE_CONFIG, SampleConfig } from './config';
import { typeOrmOptions } from './database';
import { OAuthModule } from './oauth-server';
import { accountInformation, paymentInitiation } from './api/authorization-details';
import { PageResponseModule } from './pages/page-response.module';
import { PagesController } from './pages/pages.controller';
import { SecondFactorController } from './pages/second-factor.controller';
import { SIGN_IN_LEVELS } from './session/sign-in-levels';
import { PortalModule } from './portal/portal.module';
import { SessionModule } from './session/session.module';
import { UsersModule } from './users/users.module';
import { UsersService } from './users/users.service';

/** Makes the SampleConfig injectable everywhere (the sample's stand-in for @nestjs/config). */
@Global()
@Module({})
class SampleConfigModule {
  static forRoot(config: SampleConfig): DynamicModule {
    return {
      module: SampleConfigModule,
      providers: [{ provide: SAMPLE_CONFIG, useValue: config }],
      exports: [SAMPLE_CONFIG],
    };
  }
}

/**
 * The sample host app: its own users, sessions and pages, plus the authorization server
 * sharing its DataSource.
 *
 * Still to come (each in its own folder, imported here):
 * - consent page: the module serves a default one; a custom page would set
 *   `interaction.consentUrl` and live in sample-app/consent/.
 */
@Module({})
export class AppModule {
  static forRoot(config: SampleConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        SampleConfigModule.forRoot(config),
        TypeOrmModule.forRootAsync({
          inject: [SAMPLE_CONFIG],
          useFactory: (c: SampleConfig) => typeOrmOptions(c.database),
        }),
        UsersModule,
        SessionModule,
        OAuthModule.forRootAsync({
          // Global: OAuthGuard in the app's own modules (api/) needs the module's config.
          isGlobal: true,
          imports: [UsersModule],
          inject: [DataSource, UsersService, SAMPLE_CONFIG],
          useFactory: (dataSource: DataSource, users: UsersService, c: SampleConfig) => ({
            issuer: c.issuer,
            dataSource,
            scopes: {
              openid: { description: 'Sign you in with your identity', userOnly: true },
              profile: { description: 'See your name', userOnly: true },
              email: { description: 'See your email address', userOnly: true },
              offline_access: {
                description: 'Keep access when you are not using the app',
                userOnly: true,
              },
              'accounts:read': { description: 'Read your account information and balances' },
              'payments:write': {
                description: 'Initiate payments from your accounts',
                userOnly: true,
              },
            },
            // Rich Authorization Requests (RFC 9396): a payment approved once, account access
            // to the accounts the user picks. See api/authorization-details.ts.
            authorizationDetailsTypes: {
              payment_initiation: paymentInitiation,
              account_information: accountInformation(users),
            },
            resourceOwner: users,
            // A password is "low"; the one-time code makes it "substantial", which payments need,
            // by scope or by payment_initiation detail (step-up, docs/step-up.md). Reading
            // accounts needs no level.
            acr: {
              levels: [...SIGN_IN_LEVELS],
              scopes: { 'payments:write': 'substantial' },
              authorizationDetailsTypes: { payment_initiation: 'substantial' },
            },
            // The default grants plus the device flow (RFC 8628): try it with curl (README).
            grantTypes: [
              'authorization_code',
              'client_credentials',
              'refresh_token',
              'urn:ietf:params:oauth:grant-type:device_code',
            ],
            interaction: { loginUrl: '/login' },
            // OpenID Connect logout: /oauth/end_session, and logout tokens to the clients.
            logout: { enabled: true },
            resourceServer: { revocationCheck: 'strict' },
            registration: c.registrationToken
              ? { enabled: true, initialAccessToken: c.registrationToken }
              : { enabled: false },
          }),
        }),
        ApiModule,
        PortalModule,
        PageResponseModule,
      ],
      controllers: [PagesController, SecondFactorController],
      // Malformed request bodies are client errors: a 4xx and one DEBUG line, not an ERROR.
      providers: [{ provide: APP_FILTER, useClass: ClientErrorsFilter }],
    };
  }
}
