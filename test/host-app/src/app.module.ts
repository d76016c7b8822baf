import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { OAUTH_ENTITIES, OAUTH_MIGRATIONS, OAuthModule } from 'nest-oauth-server';
import { DataSource } from 'typeorm';
import { AccountsController } from './accounts.controller';
import { UsersModule } from './users/users.module';
import { UsersService } from './users/users.service';

// The README's AppModule, on SQLite: DATABASE_FILE is shared with the CLI's oauth.config.js.
@Module({
  imports: [
    TypeOrmModule.forRoot({
      type: 'better-sqlite3',
      database: process.env.DATABASE_FILE ?? 'oauth.sqlite',
      entities: [...OAUTH_ENTITIES],
      migrations: [...OAUTH_MIGRATIONS],
      migrationsRun: true,
    }),
    OAuthModule.forRootAsync({
      isGlobal: true,
      imports: [UsersModule],
      inject: [DataSource, UsersService],
      useFactory: (dataSource: DataSource, users: UsersService) => ({
        issuer: 'http://localhost:3000',
        dataSource,
        scopes: {
          'accounts:read': { description: 'Read your account information' },
          'payments:write': { description: 'Initiate payments', userOnly: true },
        },
        resourceOwner: users,
        interaction: { loginUrl: '/login' },
      }),
    }),
  ],
  controllers: [AccountsController],
})
export class AppModule {}
