import * as fs from 'node:fs';
import * as path from 'node:path';
import type { JSONWebKeySet } from 'jose';
import type { ClientRegistration } from '../../clients/client-metadata';
import type { ClientService } from '../../clients/client.service';
import type { CreateClientFlags } from '../args';
import { CliError } from '../errors';
import { clientDetails, clientJson, clientTable, safe } from '../output';

/** What a command prints: `json` with --json, else `text`. */
export interface CommandOutput {
  json: unknown;
  text: string;
}

const SHOWN_ONCE = (clientId: string) =>
  'This secret is shown once: store it now. Only its SHA-256 hash is kept; if it is lost, run\n' +
  `  nest-oauth-server clients rotate-secret ${clientId}`;

export async function createClient(
  clients: ClientService,
  flags: CreateClientFlags,
  cwd: string,
): Promise<CommandOutput> {
  const registration: ClientRegistration = {
    name: flags.name,
    website: flags.website,
    redirectUris: flags.redirectUris,
    grantTypes: flags.grantTypes,
    scopes: flags.scopes,
    tokenEndpointAuthMethod: flags.authMethod,
    jwks: flags.jwksFile ? readJwks(path.resolve(cwd, flags.jwksFile)) : undefined,
    firstParty: flags.firstParty,
    requirePushedAuthorizationRequests: flags.requirePar,
    dpopBoundAccessTokens: flags.dpopBound,
    authorizationDetailsTypes: flags.authorizationDetailsTypes,
    owner: flags.owner,
    postLogoutRedirectUris: flags.postLogoutRedirectUris,
    backchannelLogoutUri: flags.backchannelLogoutUri,
  };
  const { client, clientSecret } = await clients.register(registration);
  const lines = [
    `Created ${client.clientType} client "${safe(client.name)}".`,
    '',
    `client_id:     ${client.clientId}`,
  ];
  if (clientSecret) {
    lines.push(`client_secret: ${clientSecret}`, '', SHOWN_ONCE(client.clientId));
  } else if (client.clientType === 'public') {
    lines.push('', 'Public client: it has no secret and must use PKCE.');
  } else {
    lines.push(
      '',
      `No secret: the client authenticates with ${client.tokenEndpointAuthMethod} (its registered public keys).`,
    );
  }
  return {
    json: { ...clientJson(client), ...(clientSecret ? { client_secret: clientSecret } : {}) },
    text: lines.join('\n'),
  };
}

export async function listClients(
  clients: ClientService,
  owner: string | undefined,
): Promise<CommandOutput> {
  const list = await clients.list(owner !== undefined ? { owner } : {});
  return {
    json: list.map(clientJson),
    text: list.length === 0 ? 'No clients.' : clientTable(list),
  };
}

export async function getClient(clients: ClientService, clientId: string): Promise<CommandOutput> {
  const client = await clients.get(clientId);
  return { json: clientJson(client), text: clientDetails(client) };
}

export async function rotateClientSecret(
  clients: ClientService,
  clientId: string,
): Promise<CommandOutput> {
  const clientSecret = await clients.rotateSecret(clientId);
  return {
    json: { client_id: clientId, client_secret: clientSecret },
    text: [
      `New secret for client ${clientId}; the previous secret no longer works.`,
      '',
      `client_secret: ${clientSecret}`,
      '',
      SHOWN_ONCE(clientId),
    ].join('\n'),
  };
}

export async function deleteClient(
  clients: ClientService,
  clientId: string,
): Promise<CommandOutput> {
  await clients.delete(clientId);
  return {
    json: { client_id: clientId, deleted: true },
    text: `Deleted client ${clientId}; its tokens are revoked.`,
  };
}

/** A JWK Set (`{ "keys": [...] }`) or a single JWK from a JSON file. The service checks the keys. */
function readJwks(file: string): JSONWebKeySet {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read --jwks-file ${file}: ${(error as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new CliError(`--jwks-file ${file} is not JSON: ${(error as Error).message}`);
  }
  if (value && typeof value === 'object' && 'kty' in value)
    return { keys: [value] } as JSONWebKeySet;
  return value as JSONWebKeySet;
}
