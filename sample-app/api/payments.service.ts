import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { QueryFailedError, Repository } from 'typeorm';
import { PaymentRecord, PaymentStatus } from './payment.entity';

/** A payment as the API shows it. Amounts are decimal strings, never floats. */
export interface Payment {
  id: string;
  status: PaymentStatus;
  amount: string;
  currency: string;
  creditor: string;
  creditor_iban?: string;
  /** The paying user's id (the token's `sub`). */
  debtor: string;
  /** The client that initiated the payment for the user. */
  initiated_by: string;
}

export type NewPayment = Omit<Payment, 'id' | 'status'>;

/** The Payment Initiation API's data: a stand-in for the bank's payment system. */
@Injectable()
export class PaymentsService {
  constructor(
    @InjectRepository(PaymentRecord) private readonly payments: Repository<PaymentRecord>,
  ) {}

  /**
   * Stores a payment. With an `authorizationKey` (one approval: token jti and detail index) the
   * database's unique constraint makes it single use: null when a payment was made with it
   * before, whichever of two concurrent requests that was.
   */
  async create(payment: NewPayment, authorizationKey: string | null): Promise<Payment | null> {
    const record: PaymentRecord = {
      id: randomUUID(),
      authorizationKey,
      status: 'approved',
      amount: payment.amount,
      currency: payment.currency,
      creditor: payment.creditor,
      creditorIban: payment.creditor_iban ?? null,
      debtor: payment.debtor,
      initiatedBy: payment.initiated_by,
      createdAt: Date.now(),
    };
    try {
      await this.payments.insert(record);
    } catch (error) {
      if (authorizationKey !== null && isUniqueViolation(error)) return null;
      throw error;
    }
    return toPayment(record);
  }

  /** The payment `id` of `debtor` made through `clientId`, or null. */
  async find(id: string, debtor: string, clientId: string): Promise<Payment | null> {
    if (!/^[0-9a-f-]{36}$/.test(id)) return null;
    const record = await this.payments.findOneBy({ id, debtor, initiatedBy: clientId });
    return record ? toPayment(record) : null;
  }
}

function toPayment(record: PaymentRecord): Payment {
  return {
    id: record.id,
    status: record.status,
    amount: record.amount,
    currency: record.currency,
    creditor: record.creditor,
    ...(record.creditorIban ? { creditor_iban: record.creditorIban } : {}),
    debtor: record.debtor,
    initiated_by: record.initiatedBy,
  };
}

/** A primary-key or unique constraint refused the row: someone stored it first. */
function isUniqueViolation(error: unknown): boolean {
  if (!(error instanceof QueryFailedError)) return false;
  const driverError = error.driverError as { code?: unknown; errno?: unknown } | undefined;
  const code = driverError?.code;
  return (
    code === '23505' || // PostgreSQL
    code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ||
    code === 'ER_DUP_ENTRY' || // MySQL / MariaDB
    driverError?.errno === 1062
  );
}
