import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Where a payment stands: approved when made with the user's approval, pending, rejected. */
export type PaymentStatus = 'pending' | 'approved' | 'rejected';

/** A payment the Payment Initiation API created. */
@Entity('sample_payments')
export class PaymentRecord {
  @PrimaryColumn({ name: 'id', type: 'varchar', length: 36 })
  id: string;

  /**
   * For a payment made with a `payment_initiation` authorization detail: the token's `jti` and
   * the detail's index. Unique, so the database itself refuses a second payment with the same
   * approval, however many requests race (null for payments made with the `payments:write` scope).
   */
  @Column({ name: 'authorization_key', type: 'varchar', length: 64, nullable: true, unique: true })
  authorizationKey: string | null;

  @Column({ name: 'status', type: 'varchar', length: 16 })
  status: PaymentStatus;

  @Column({ name: 'amount', type: 'varchar', length: 20 })
  amount: string;

  @Column({ name: 'currency', type: 'varchar', length: 3 })
  currency: string;

  @Column({ name: 'creditor', type: 'varchar', length: 140 })
  creditor: string;

  @Column({ name: 'creditor_iban', type: 'varchar', length: 34, nullable: true })
  creditorIban: string | null;

  /** The paying user's id (the token's `sub`). */
  @Column({ name: 'debtor', type: 'varchar', length: 255 })
  debtor: string;

  /** The client that initiated the payment. */
  @Column({ name: 'initiated_by', type: 'varchar', length: 255 })
  initiatedBy: string;

  /** Epoch milliseconds. */
  @Column({ name: 'created_at', type: 'bigint' })
  createdAt: string | number;
}
