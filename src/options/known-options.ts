/**
 * Every option the module reads, nested where options nest: what an unknown key is checked
 * against (a typo such as `acessTokenTtl` would otherwise be ignored in silence).
 */
const KNOWN_OPTIONS: OptionShape = {
  issuer: true,
  dataSource: true,
  scopes: true,
  authorizationDetailsTypes: true,
  grantTypes: true,
  resourceOwner: true,
  accessTokenTtl: true,
  accessTokenFormat: true,
  accessTokenAudience: true,
  resources: true,
  refreshTokenTtl: true,
  refreshTokenReuseInterval: true,
  refreshTokenRotation: true,
  authorizationCodeTtl: true,
  idTokenTtl: true,
  keys: { algorithms: true, jwks: true, encryptionKeys: true, signer: true },
  validateTokenRequest: true,
  tokenEndpointAuthMethods: true,
  pkce: { requiredForConfidentialClients: true, allowPlain: true },
  registration: { enabled: true, initialAccessToken: true },
  pushedAuthorizationRequests: { required: true, ttl: true },
  resourceServer: {
    revocationCheck: true,
    allowQueryToken: true,
    allowBodyToken: true,
    realm: true,
    clockTolerance: true,
    verifiedTokenCacheSize: true,
  },
  profile: true,
  dpop: {
    enabled: true,
    required: true,
    algorithms: true,
    proofLifetime: true,
    nonces: true,
    nonceSecret: true,
  },
  introspectionResourceServers: true,
  acr: { levels: true, scopes: true, authorizationDetailsTypes: true },
  interaction: { loginUrl: true, consentUrl: true, ttl: true },
  deviceFlow: { ttl: true, interval: true, verificationUri: true, maxUserCodeFailures: true },
  passwordGrant: { maxFailuresPerUser: true, maxFailuresPerClient: true },
  logout: {
    enabled: true,
    confirm: true,
    revokeTokens: true,
    backchannelTimeout: true,
    backchannelRetries: true,
  },
  cleanup: { enabled: true, interval: true },
};

type OptionShape = { [key: string]: true | OptionShape };

/** The first option key the module does not know, with the known key it most resembles. */
export function findUnknownOption(
  options: object,
  shape: OptionShape = KNOWN_OPTIONS,
  prefix = '',
): { path: string; suggestion?: string } | undefined {
  for (const [key, value] of Object.entries(options)) {
    const known = Object.hasOwn(shape, key) ? shape[key] : undefined;
    if (!known) {
      const suggestion = closest(key, Object.keys(shape));
      return { path: prefix + key, suggestion: suggestion && prefix + suggestion };
    }
    if (known !== true && value && typeof value === 'object' && !Array.isArray(value)) {
      const inner = findUnknownOption(value, known, `${prefix}${key}.`);
      if (inner) return inner;
    }
  }
  return undefined;
}

/** The candidate nearest to `word` by edit distance, if it is near enough to be a typo. */
export function closest(word: string, candidates: string[]): string | undefined {
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (!best || distance < best.distance) best = { candidate, distance };
  }
  const allowed = Math.max(2, Math.floor(word.length / 4));
  return best && best.distance <= allowed ? best.candidate : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        previous[j] + 1,
        current[j - 1] + 1,
        previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length];
}
