import { Column, ColumnOptions } from 'typeorm';
import { hasControlCharacters } from '../common/text';

/**
 * Column types chosen to mean the same on SQLite, PostgreSQL and MySQL/MariaDB (and most
 * TypeORM drivers): timestamps are epoch milliseconds in a bigint (PostgreSQL and mysql2 return
 * bigint as a string, hence the transformer), lists are JSON in a text column.
 */
const epochMsTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | number | null) =>
    value === null || value === undefined ? value : Number(value),
};

export const EpochMsColumn = (name: string, options: ColumnOptions = {}): PropertyDecorator =>
  Column({ name, type: 'bigint', transformer: epochMsTransformer, ...options });

export const JsonColumn = (name: string, options: ColumnOptions = {}): PropertyDecorator =>
  Column({ name, type: 'simple-json', ...options });

export const StringColumn = (
  name: string,
  length: number,
  options: ColumnOptions = {},
): PropertyDecorator => Column({ name, type: 'varchar', length, ...options });

/** Length of a SHA-256 digest in base64url. */
export const HASH_LENGTH = 64;
/** Client ids, subjects and other identifiers. */
export const ID_LENGTH = 255;
/** URLs (redirect URIs, websites). */
export const URL_LENGTH = 2048;

/**
 * Whether an identifier from a request can name a stored row at all: a non-empty string of at
 * most `maxLength` characters without control characters (no id has them, and PostgreSQL
 * refuses a query whose text holds a NUL). Check before querying, so such input is "not found",
 * never a server error.
 */
export function isStorableId(value: unknown, maxLength: number): value is string {
  return (
    typeof value === 'string' &&
    value.length > 0 &&
    value.length <= maxLength &&
    !hasControlCharacters(value)
  );
}

/**
 * An RFC 9396 authorization detail as a JSON column holds it: an object with a string `type`
 * and any other members (a type alias, so it converts to and from `AuthorizationDetail`). Not
 * `AuthorizationDetail` itself: its `unknown` index signature defeats TypeORM's insert typing.
 */
export type StoredAuthorizationDetail = { type: string };
