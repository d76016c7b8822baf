import type { ClientView } from '../clients/client.service';

/** A client as `--json` prints it: RFC 7591 member names where one exists. Never a secret or hash. */
export function clientJson(client: ClientView): Record<string, unknown> {
  return {
    client_id: client.clientId,
    client_type: client.clientType,
    client_name: client.name,
    client_uri: client.website,
    redirect_uris: client.redirectUris,
    grant_types: client.grantTypes,
    scope: client.scopes.join(' '),
    token_endpoint_auth_method: client.tokenEndpointAuthMethod,
    jwks: client.jwks,
    first_party: client.firstParty,
    require_pushed_authorization_requests: client.requirePushedAuthorizationRequests,
    dpop_bound_access_tokens: client.dpopBoundAccessTokens,
    authorization_details_types: client.authorizationDetailsTypes,
    owner: client.owner,
    post_logout_redirect_uris: client.postLogoutRedirectUris,
    backchannel_logout_uri: client.backchannelLogoutUri,
    created_at: new Date(client.createdAt).toISOString(),
    updated_at: new Date(client.updatedAt).toISOString(),
  };
}

/** `key: value` lines for one client. */
export function clientDetails(client: ClientView): string {
  const rows: [string, string][] = [
    ['client_id', client.clientId],
    ['name', client.name],
    ['type', client.clientType],
    ['website', client.website ?? '-'],
    ['redirect_uris', client.redirectUris.join(' ') || '-'],
    ['grant_types', client.grantTypes.join(' ')],
    ['scopes', client.scopes.join(' ') || '-'],
    ['token_endpoint_auth_method', client.tokenEndpointAuthMethod],
    ['jwks', client.jwks ? `${client.jwks.keys.length} key(s)` : '-'],
    ['first_party', client.firstParty ? 'yes' : 'no'],
    [
      'require_pushed_authorization_requests',
      client.requirePushedAuthorizationRequests ? 'yes' : 'no',
    ],
    ['dpop_bound_access_tokens', client.dpopBoundAccessTokens ? 'yes' : 'no'],
    ['authorization_details_types', client.authorizationDetailsTypes?.join(' ') ?? 'any'],
    ['owner', client.owner ?? '-'],
    ['post_logout_redirect_uris', client.postLogoutRedirectUris.join(' ') || '-'],
    ['backchannel_logout_uri', client.backchannelLogoutUri ?? '-'],
    ['created_at', new Date(client.createdAt).toISOString()],
    ['updated_at', new Date(client.updatedAt).toISOString()],
  ];
  const width = Math.max(...rows.map(([key]) => key.length)) + 1;
  return rows.map(([key, value]) => `${`${key}:`.padEnd(width)} ${safe(value)}`).join('\n');
}

/** A table of clients, one line each. */
export function clientTable(clients: ClientView[]): string {
  return table(
    ['CLIENT_ID', 'NAME', 'TYPE', 'AUTH_METHOD', 'GRANT_TYPES', 'OWNER', 'CREATED'],
    clients.map((client) => [
      client.clientId,
      client.name,
      client.clientType,
      client.tokenEndpointAuthMethod,
      client.grantTypes.join(','),
      client.owner ?? '-',
      new Date(client.createdAt).toISOString().slice(0, 10),
    ]),
  );
}

function table(header: string[], rows: string[][]): string {
  const cells = [header, ...rows.map((row) => row.map(safe))];
  const widths = header.map((_, column) => Math.max(...cells.map((row) => row[column].length)));
  return cells
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/**
 * Client names and owners may come from Dynamic Client Registration: replace control characters
 * so they cannot move the cursor or recolour the terminal.
 */
export const safe = (value: string): string =>
  // eslint-disable-next-line no-control-regex
  value.replace(/[\u0000-\u001f\u007f-\u009f]/g, '\uFFFD');
