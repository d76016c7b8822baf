import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomBytes, randomUUID } from 'node:crypto';
import { Repository } from 'typeorm';
import type { AdapterRequest, AdapterResponse } from '../http/adapter-types';
import type { ResourceOwner, ResourceOwnerProvider, SignedInUser } from '../oauth-server';
import { SessionService } from '../session/session.service';
import { METHODS_OF } from '../session/sign-in-levels';
import { hashPassword, verifyPassword } from './password';
import { User } from './user.entity';

/** Users created on start when missing, so the sample can be tried at once. */
export const SEED_USERS = [
  {
    username: 'alice',
    password: 'alice-password',
    name: 'Alice Liddell',
    email: 'alice@example.com',
  },
  { username: 'bob', password: 'bob-password', name: 'Bob Builder', email: 'bob@example.com' },
];

/**
 * The sample's users, and what the authorization server needs to know about them
 * (`ResourceOwnerProvider`): who is signed in on a request, a user by id, and their claims.
 */
@Injectable()
export class UsersService implements ResourceOwnerProvider, OnModuleInit {
  private readonly logger = new Logger('Users');
  /**
   * A hash checked when the username is unknown, so that a wrong username takes as long as a
   * wrong password (no user enumeration by timing).
   */
  private readonly dummyHash = hashPassword(randomBytes(16).toString('hex'));

  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    private readonly sessions: SessionService,
  ) {}

  /** Seeds alice and bob when missing. Safe when several instances start at once. */
  async onModuleInit(): Promise<void> {
    const existing = await this.users.find({ select: { username: true } });
    const missing = SEED_USERS.filter(
      (seed) => !existing.some((u) => u.username === seed.username),
    );
    for (const seed of missing) {
      await this.users
        .createQueryBuilder()
        .insert()
        .values({
          id: randomUUID(),
          username: seed.username,
          name: seed.name,
          email: seed.email,
          passwordHash: await hashPassword(seed.password),
        })
        .orIgnore() // another instance may have seeded it meanwhile
        .execute();
      this.logger.log(`Seeded user "${seed.username}"`);
    }
  }

  /** The user with this username and password, or null. Takes as long for an unknown username. */
  async authenticate(username: string, password: string): Promise<User | null> {
    const user = await this.users.findOneBy({ username });
    if (!user) {
      await verifyPassword(password, await this.dummyHash);
      return null;
    }
    return (await verifyPassword(password, user.passwordHash)) ? user : null;
  }

  /**
   * The signed-in user of a browser request (from the session cookie), or null. The module passes
   * the adapter's own request (Express's Request or Fastify's FastifyRequest): both have `headers`.
   */
  async getSignedInUser(request: unknown): Promise<SignedInUser | null> {
    const session = this.sessions.read(request as AdapterRequest);
    if (!session) return null;
    const user = await this.users.findOneBy({ id: session.userId });
    if (!user) return null;
    // How the user signed in: the module carries acr / amr / auth_time into id_tokens and tokens.
    return {
      id: user.id,
      username: user.username,
      authTime: session.authTime,
      acr: session.level,
      amr: [...METHODS_OF[session.level]],
    };
  }

  /**
   * Ends the sample's session (clears its cookie) when the user confirms a logout at the
   * authorization server's end-session endpoint. The sample's session is the one the module
   * reads, so this ends both.
   */
  endSession(_request: unknown, response: unknown): void {
    this.sessions.end(response as AdapterResponse);
  }

  async findById(id: string): Promise<ResourceOwner | null> {
    const user = await this.users.findOneBy({ id });
    return user ? { id: user.id, username: user.username } : null;
  }

  /** The full user row (for the app's own pages), or null. */
  findUser(id: string): Promise<User | null> {
    return this.users.findOneBy({ id });
  }

  /** Claims by scope (OIDC Core §5.4): `profile` -> name; `email` -> email, email_verified. */
  async getClaims(id: string, scopes: string[]): Promise<Record<string, unknown>> {
    const user = await this.users.findOneBy({ id });
    if (!user) return {};
    return {
      ...(scopes.includes('profile') ? { name: user.name } : {}),
      // The sample's addresses are set by the operator, so they count as verified. An app where
      // users change their address stores whether it was verified.
      ...(scopes.includes('email') ? { email: user.email, email_verified: true } : {}),
    };
  }
}
