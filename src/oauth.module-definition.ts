import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { ConfigurableModuleAsyncOptions } from '@nestjs/common';
import type { OAuthModuleOptions } from './options/oauth-module-options.interface';

export const {
  ConfigurableModuleClass: OAuthConfigurableModuleClass,
  MODULE_OPTIONS_TOKEN: OAUTH_MODULE_OPTIONS,
  OPTIONS_TYPE: OAUTH_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: OAUTH_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<OAuthModuleOptions>({ moduleName: 'OAuth' })
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createOAuthOptions')
  .setExtras({ isGlobal: false }, (definition, extras) => ({
    ...definition,
    global: extras.isGlobal,
  }))
  .build();

/** `OAuthModule.forRoot(...)`: the options, and `isGlobal` to make the module's exports global. */
export type OAuthModuleRootOptions = OAuthModuleOptions & {
  /** Register the module as global, so every module can inject its services. Default false. */
  isGlobal?: boolean;
};

/**
 * `OAuthModule.forRootAsync(...)`: the options from `useFactory` (with `inject`), from the
 * `createOAuthOptions()` of a `useClass` or `useExisting` provider (an `OAuthOptionsFactory`),
 * with `imports` for the modules they need.
 */
export interface OAuthModuleAsyncOptions extends ConfigurableModuleAsyncOptions<
  OAuthModuleOptions,
  'createOAuthOptions'
> {
  /** Register the module as global, so every module can inject its services. Default false. */
  isGlobal?: boolean;
}

/** A provider for `forRootAsync({ useClass })` or `forRootAsync({ useExisting })`. */
export interface OAuthOptionsFactory {
  createOAuthOptions(): Promise<OAuthModuleOptions> | OAuthModuleOptions;
}

// The named types above must stay what forRoot/forRootAsync accept: a compile error here means
// the builder changed and they need updating.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;
type _RootOptionsMatch = Assert<Same<OAuthModuleRootOptions, typeof OAUTH_OPTIONS_TYPE>>;
type _AsyncOptionsMatch = Assert<Same<OAuthModuleAsyncOptions, typeof OAUTH_ASYNC_OPTIONS_TYPE>>;
type _FactoryMatch = Assert<
  Same<
    OAuthOptionsFactory,
    NonNullable<(typeof OAUTH_ASYNC_OPTIONS_TYPE)['useClass']> extends new (
      ...args: any[]
    ) => infer F
      ? F
      : never
  >
>;
