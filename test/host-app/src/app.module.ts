import { Module } from '@nestjs/common';
import { OAuthModule } from 'nest-oauth-server';
import { AccountsController } from './accounts.controller';

@Module({
  imports: [
    OAuthModule.forRoot({
      issuer: 'http://localhost:3000',
      dataSource: { type: 'better-sqlite3', database: ':memory:' },
      scopes: { 'accounts:read': { description: 'Read your accounts' } },
      interaction: { loginUrl: '/login' },
      resourceOwner: {
        getSignedInUser: () => null,
        findById: (id) => ({ id }),
        getClaims: () => ({}),
      },
    }),
  ],
  controllers: [AccountsController],
})
export class AppModule {}
