import { parseArgs } from 'node:util';
import { UsageError } from './errors';

export const USAGE = `Usage: nest-oauth-server <command> [options]

Manages the clients and signing keys stored by nest-oauth-server, through the same
ClientService and SigningKeyService as your app (same validation, same database).

Commands:
  migrate                                 Run the pending migrations of the app's DataSource (see docs/cli.md)
  clients create --name <name> [options]  Register a client; prints its client_id and secret (shown once)
  clients list [--owner <owner>]          List clients, oldest first
  clients get <client_id>                 Show one client (never its secret)
  clients rotate-secret <client_id>       Issue a new secret (shown once); the old one stops working at once
  clients delete <client_id>              Delete a client and revoke its tokens
  keys rotate [--alg <alg>]               New active signing key(s); the previous ones keep verifying (retiring)
  keys reencrypt                          Encrypt every stored private key with the first of keys.encryptionKeys
  cleanup                                 Delete expired codes, tokens and pending sign-ins now

Options of clients create:
  --name <name>            Application name, shown on the consent page (required)
  --website <url>          Application website (client_uri)
  --redirect-uri <uri>     Redirect URI; repeat for several
  --grant-type <grant>     Allowed grant type; repeat for several (default: authorization_code)
  --scope <scope>          Allowed scope; repeat or space-separate (default: every scope of the server)
  --auth-method <method>   client_secret_basic (default), client_secret_post, private_key_jwt,
                           or none (a public client: no secret)
  --jwks-file <path>       JSON file with the client's public JWK Set (for private_key_jwt)
  --first-party            A trusted first-party application
  --require-par            Only pushed authorization requests (RFC 9126) for this client
  --dpop-bound             Only DPoP-bound access tokens (RFC 9449) for this client
  --authorization-details-type <type>
                           An RFC 9396 type the client may request; repeat for several
                           (default: every type of the server)
  --post-logout-redirect-uri <uri>
                           Where logout may redirect (OpenID Connect logout); repeat for several
  --backchannel-logout-uri <uri>
                           Where logout tokens are POSTed (OpenID Connect Back-Channel Logout)
  --owner <owner>          Who manages the client (free-form, e.g. a developer portal user id)

Global options:
  --config <path>          File exporting the OAuthModule options (default: $OAUTH_CONFIG, else
                           ./oauth.config.js, .mjs, .cjs, .ts, .mts or .cts)
  --json                   Print JSON instead of text
  -h, --help               Show this help

Exit codes: 0 success, 1 error (invalid input, unknown client, bad config), 2 wrong command line.`;

const OPTIONS = {
  config: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  name: { type: 'string' },
  website: { type: 'string' },
  'redirect-uri': { type: 'string', multiple: true },
  'grant-type': { type: 'string', multiple: true },
  scope: { type: 'string', multiple: true },
  'auth-method': { type: 'string' },
  'jwks-file': { type: 'string' },
  'first-party': { type: 'boolean' },
  'require-par': { type: 'boolean' },
  'dpop-bound': { type: 'boolean' },
  'authorization-details-type': { type: 'string', multiple: true },
  'post-logout-redirect-uri': { type: 'string', multiple: true },
  'backchannel-logout-uri': { type: 'string' },
  owner: { type: 'string' },
  alg: { type: 'string' },
} as const;

type OptionName = keyof typeof OPTIONS;
const GLOBAL_OPTIONS: OptionName[] = ['config', 'json', 'help'];

/** Each command: its positional arguments and the options it accepts besides the global ones. */
const COMMANDS = {
  'clients create': {
    args: [],
    options: [
      'name',
      'website',
      'redirect-uri',
      'grant-type',
      'scope',
      'auth-method',
      'jwks-file',
      'first-party',
      'require-par',
      'dpop-bound',
      'authorization-details-type',
      'owner',
      'post-logout-redirect-uri',
      'backchannel-logout-uri',
    ],
  },
  'clients list': { args: [], options: ['owner'] },
  'clients get': { args: ['client_id'], options: [] },
  'clients rotate-secret': { args: ['client_id'], options: [] },
  'clients delete': { args: ['client_id'], options: [] },
  'keys rotate': { args: [], options: ['alg'] },
  'keys reencrypt': { args: [], options: [] },
  cleanup: { args: [], options: [] },
  migrate: { args: [], options: [] },
} as const satisfies Record<string, { args: readonly string[]; options: readonly OptionName[] }>;

export type CommandName = keyof typeof COMMANDS;

export interface CreateClientFlags {
  name: string;
  website?: string;
  redirectUris?: string[];
  grantTypes?: string[];
  scopes?: string[];
  authMethod?: string;
  jwksFile?: string;
  firstParty: boolean;
  requirePar: boolean;
  dpopBound: boolean;
  authorizationDetailsTypes?: string[];
  owner?: string;
  postLogoutRedirectUris?: string[];
  backchannelLogoutUri?: string;
}

export type ParsedCommand =
  | { command: 'help' }
  | {
      command: CommandName;
      /** The positional argument of get / rotate-secret / delete. */
      clientId?: string;
      config?: string;
      json: boolean;
      create?: CreateClientFlags;
      owner?: string;
      alg?: string;
    };

/** Parses argv (without node and the script). Throws `UsageError` for anything it cannot run. */
export function parseCommandLine(argv: string[]): ParsedCommand {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    // parseArgs throws TypeErrors with ERR_PARSE_ARGS_* codes and readable messages.
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return { command: 'help' };
  if (positionals.length === 0) throw new UsageError('no command given', true);

  const [group, action, ...rest] = positionals;
  const name = `${group} ${action ?? ''}`.trim();
  if (!(name in COMMANDS)) {
    throw new UsageError(
      action === undefined ? `unknown command "${group}"` : `unknown command "${name}"`,
      true,
    );
  }
  const command = name as CommandName;
  const spec = COMMANDS[command];
  if (rest.length !== spec.args.length) {
    throw new UsageError(
      spec.args.length === 0
        ? `${command} takes no arguments, got "${rest.join(' ')}"`
        : `${command} needs <${spec.args.join('> <')}>`,
    );
  }
  const allowed: readonly OptionName[] = [...GLOBAL_OPTIONS, ...spec.options];
  for (const option of Object.keys(values) as OptionName[]) {
    if (!allowed.includes(option)) throw new UsageError(`${command} does not take --${option}`);
  }

  const result = {
    command,
    config: values.config,
    json: values.json === true,
    clientId: spec.args.length > 0 ? rest[0] : undefined,
    owner: values.owner,
    alg: values.alg,
  };
  if (command !== 'clients create') return result;

  if (values.name === undefined) throw new UsageError('clients create needs --name <name>');
  return {
    ...result,
    owner: undefined,
    create: {
      name: values.name,
      website: values.website,
      redirectUris: values['redirect-uri'],
      grantTypes: values['grant-type'],
      // --scope "a b" --scope c: both forms, as RFC 6749 scope strings are space-separated.
      scopes: values.scope
        ?.flatMap((scope) => scope.split(/\s+/))
        .filter((scope) => scope.length > 0),
      authMethod: values['auth-method'],
      jwksFile: values['jwks-file'],
      firstParty: values['first-party'] === true,
      requirePar: values['require-par'] === true,
      dpopBound: values['dpop-bound'] === true,
      authorizationDetailsTypes: values['authorization-details-type'],
      owner: values.owner,
      postLogoutRedirectUris: values['post-logout-redirect-uri'],
      backchannelLogoutUri: values['backchannel-logout-uri'],
    },
  };
}

function parse(argv: string[]) {
  return parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
}
