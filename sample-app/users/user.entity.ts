import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A user of the sample app. The authorization server never sees this table: it asks
 * `UsersService` (a `ResourceOwnerProvider`) for what it needs.
 */
@Entity('sample_users')
export class User {
  /** Stable, never reassigned: becomes the `sub` claim of tokens. */
  @PrimaryColumn({ name: 'id', type: 'varchar', length: 36 })
  id: string;

  @Column({ name: 'username', type: 'varchar', length: 64, unique: true })
  username: string;

  @Column({ name: 'name', type: 'varchar', length: 200 })
  name: string;

  @Column({ name: 'email', type: 'varchar', length: 320 })
  email: string;

  /** `scrypt$N$r$p$salt$hash` (see password.ts); never the password itself. */
  @Column({ name: 'password_hash', type: 'varchar', length: 255 })
  passwordHash: string;
}
