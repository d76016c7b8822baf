import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { OAuthModuleOptions } from './options/oauth-module-options.interface';

export const {
  ConfigurableModuleClass: OAuthConfigurableModuleClass,
  MODULE_OPTIONS_TOKEN: OAUTH_MODULE_OPTIONS,
  OPTIONS_TYPE: OAUTH_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: OAUTH_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<OAuthModuleOptions>({ moduleName: 'OAuth' })
  .setClassMethodName('forRoot')
  .setExtras({ isGlobal: false }, (definition, extras) => ({
    ...definition,
    global: extras.isGlobal,
  }))
  .build();
