import { excerpt, hasControlCharacters } from '../common/text';
import { OAuthException } from '../errors/oauth.exception';
import type { OAuthConfig } from '../options/oauth-config';
import type {
  AuthorizationDetail,
  AuthorizationDetailContext,
  AuthorizationDetailType,
} from '../options/authorization-detail-type';

/** At most this many details in one request. */
export const MAX_AUTHORIZATION_DETAILS = 20;
/**
 * At most this many characters of `authorization_details` JSON: the details travel in every JWT
 * access token, and the whole token must fit in a request header (Node.js: 16 KB of headers).
 */
export const MAX_AUTHORIZATION_DETAILS_LENGTH = 8_192;
/** At most this deep (objects and arrays inside a detail). */
const MAX_DEPTH = 8;

/** RFC 9396 §2.2: members every type shares, with their shape. */
const STRING_LIST_MEMBERS = ['locations', 'actions', 'datatypes', 'privileges'];

const invalid = (description: string) => OAuthException.invalidAuthorizationDetails(description);

/**
 * The `authorization_details` parameter (RFC 9396 §2) of a request, checked for shape, known
 * types and the client's allowed types (`authorization_details_types`); undefined when absent.
 * The host's validators run afterwards (`checkAuthorizationDetails`): this part is synchronous.
 * Throws `invalid_authorization_details`.
 */
export function parseAuthorizationDetails(
  raw: string | undefined,
  config: Pick<OAuthConfig, 'authorizationDetailsTypes'>,
  client: { authorizationDetailsTypes: string[] | null },
): AuthorizationDetail[] | undefined {
  if (raw === undefined) return undefined;
  if (Object.keys(config.authorizationDetailsTypes).length === 0)
    throw invalid('This server supports no authorization_details types.');
  if (raw.length > MAX_AUTHORIZATION_DETAILS_LENGTH)
    throw invalid('authorization_details is too long.');
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw invalid('authorization_details must be a JSON array of objects.');
  }
  return checkShape(parsed, config, client);
}

/** The shape checks of `parseAuthorizationDetails`, on a parsed value. */
export function checkShape(
  parsed: unknown,
  config: Pick<OAuthConfig, 'authorizationDetailsTypes'>,
  client: { authorizationDetailsTypes: string[] | null },
): AuthorizationDetail[] {
  if (!Array.isArray(parsed) || parsed.length === 0)
    throw invalid('authorization_details must be a non-empty JSON array of objects.');
  if (parsed.length > MAX_AUTHORIZATION_DETAILS)
    throw invalid(`authorization_details may hold at most ${MAX_AUTHORIZATION_DETAILS} objects.`);
  parsed.forEach((detail: unknown, index) => {
    const at = `authorization_details[${index}]`;
    if (!isPlainObject(detail)) throw invalid(`${at} must be a JSON object.`);
    const type = detail.type;
    if (typeof type !== 'string' || type.length === 0) throw invalid(`${at} needs a string type.`);
    if (!detailTypeOf(config, type)) throw invalid(`${at}: unknown type ${excerpt(type)}.`);
    if (client.authorizationDetailsTypes && !client.authorizationDetailsTypes.includes(type))
      throw invalid(`${at}: this client may not request type ${excerpt(type)}.`);
    for (const member of STRING_LIST_MEMBERS) {
      const value = detail[member];
      if (
        value !== undefined &&
        (!Array.isArray(value) || value.some((item) => typeof item !== 'string'))
      )
        throw invalid(`${at}: ${member} must be an array of strings.`);
    }
    if (detail.identifier !== undefined && typeof detail.identifier !== 'string')
      throw invalid(`${at}: identifier must be a string.`);
    if (tooDeep(detail, MAX_DEPTH)) throw invalid(`${at} is nested too deeply.`);
    if (hasControlText(detail)) throw invalid(`${at} may not contain control characters.`);
  });
  return parsed as AuthorizationDetail[];
}

/**
 * Runs each detail through its type's `validate` (the host's rules). Throws
 * `invalid_authorization_details` with the host's sentence; a validator that throws is a host
 * bug and propagates as such.
 */
export async function checkAuthorizationDetails(
  details: AuthorizationDetail[],
  config: Pick<OAuthConfig, 'authorizationDetailsTypes'>,
  context: AuthorizationDetailContext,
): Promise<void> {
  for (const [index, detail] of details.entries()) {
    const problem = await typeOf(config, detail).validate(detail, context);
    if (typeof problem === 'string' && problem.length > 0)
      throw invalid(`authorization_details[${index}] (${detail.type}): ${problem}`);
  }
}

/**
 * The details a token request may get out of a grant (RFC 9396 §6.1, §7): each requested detail
 * must be narrowed from (by default: equal to) a granted detail of its type. Undefined
 * `requested` keeps the grant. Throws `invalid_authorization_details`.
 */
export function narrowAuthorizationDetails(
  requested: AuthorizationDetail[] | undefined,
  granted: AuthorizationDetail[] | null,
  config: Pick<OAuthConfig, 'authorizationDetailsTypes'>,
): AuthorizationDetail[] | null {
  if (requested === undefined) return granted;
  requested.forEach((detail, index) => {
    if (!isCoveredBy(detail, granted ?? [], config)) {
      throw invalid(
        `authorization_details[${index}] (${detail.type}) asks for more than was granted.`,
      );
    }
  });
  return requested;
}

/** Whether remembered (reusable) details cover every requested one. One-off types never are. */
export function consentCoversDetails(
  requested: AuthorizationDetail[] | undefined,
  remembered: AuthorizationDetail[] | null,
  config: Pick<OAuthConfig, 'authorizationDetailsTypes'>,
): boolean {
  if (!requested || requested.length === 0) return true;
  return requested.every(
    (detail) =>
      typeOf(config, detail).reusable === true && isCoveredBy(detail, remembered ?? [], config),
  );
}

/** The details of reusable types, which remembered consent keeps. */
export function reusableDetails(
  details: AuthorizationDetail[] | undefined,
  config: Pick<OAuthConfig, 'authorizationDetailsTypes'>,
): AuthorizationDetail[] {
  return (details ?? []).filter((detail) => typeOf(config, detail).reusable === true);
}

/** `existing` plus those of `added` that are not in it already (as JSON). */
export function mergeDetails(
  existing: AuthorizationDetail[] | null,
  added: AuthorizationDetail[],
): AuthorizationDetail[] {
  const merged = [...(existing ?? [])];
  for (const detail of added) {
    if (!merged.some((kept) => sameJson(kept, detail))) merged.push(detail);
  }
  return merged;
}

function isCoveredBy(
  detail: AuthorizationDetail,
  granted: AuthorizationDetail[],
  config: Pick<OAuthConfig, 'authorizationDetailsTypes'>,
): boolean {
  const narrows = typeOf(config, detail).narrows;
  return granted.some(
    (candidate) =>
      candidate.type === detail.type &&
      (narrows ? narrows(detail, candidate) : sameJson(detail, candidate)),
  );
}

/** The host's definition of a type, if it declares it (never an inherited member). */
export function detailTypeOf(
  config: Pick<OAuthConfig, 'authorizationDetailsTypes'>,
  type: string,
): AuthorizationDetailType | undefined {
  return Object.hasOwn(config.authorizationDetailsTypes, type)
    ? config.authorizationDetailsTypes[type]
    : undefined;
}

/** The type's definition; only called on details whose type was checked to exist. */
function typeOf(
  config: Pick<OAuthConfig, 'authorizationDetailsTypes'>,
  detail: AuthorizationDetail,
): AuthorizationDetailType {
  const type = detailTypeOf(config, detail.type);
  if (!type) throw invalid(`Unknown authorization_details type ${excerpt(detail.type)}.`);
  return type;
}

/** Equal as JSON, whatever the order of object members. */
export function sameJson(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isPlainObject(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Whether `value` nests deeper than `left` more levels (stops there: no deep recursion). */
function tooDeep(value: unknown, left: number): boolean {
  if (!Array.isArray(value) && !isPlainObject(value)) return false;
  if (left === 0) return true;
  const members = Array.isArray(value) ? value : Object.values(value);
  return members.some((member) => tooDeep(member, left - 1));
}

function hasControlText(value: unknown): boolean {
  if (typeof value === 'string') return hasControlCharacters(value);
  if (Array.isArray(value)) return value.some(hasControlText);
  if (isPlainObject(value))
    return Object.entries(value).some(
      ([key, member]) => hasControlCharacters(key) || hasControlText(member),
    );
  return false;
}

/** A deep copy (details are plain JSON), so no caller can alter what another holds. */
export function copyDetails(details: AuthorizationDetail[]): AuthorizationDetail[] {
  return JSON.parse(JSON.stringify(details)) as AuthorizationDetail[];
}
