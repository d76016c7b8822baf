// The machine's ceiling for token issuance: how many access-token signatures per second
// node:crypto makes on all cores, with no HTTP, no database and no JSON around them. One
// worker_thread per core signs a JWT-sized signing input with crypto.sign in a tight loop.
// Each client_credentials request signs once, so a server's token rate over this figure is the
// share of the machine's signing capacity it turns into tokens.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

export type SigningAlgorithm = 'RS256' | 'ES256' | 'EdDSA';

export interface SignatureLimit {
  algorithm: SigningAlgorithm;
  threads: number;
  seconds: number;
  /** Signatures per second, all threads together. */
  perSecond: number;
  /** Signatures per second of each thread (one core each, if the machine lets them). */
  perThread: number[];
}

// Plain JavaScript, run with `eval`: the worker needs no TypeScript loader. Keys as ours makes
// them (jose's defaults): RSA 2048, P-256, Ed25519; ES256 signatures in JWS's raw r||s form.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const crypto = require('node:crypto');
const { algorithm, seconds, input } = workerData;
const { privateKey } =
  algorithm === 'RS256' ? crypto.generateKeyPairSync('rsa', { modulusLength: 2048 })
  : algorithm === 'ES256' ? crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' })
  : crypto.generateKeyPairSync('ed25519');
const digest = algorithm === 'EdDSA' ? null : 'sha256';
const key = algorithm === 'ES256' ? { key: privateKey, dsaEncoding: 'ieee-p1363' } : privateKey;
const data = Buffer.from(input);
for (let i = 0; i < 20; i++) crypto.sign(digest, data, key);
parentPort.once('message', () => {
  const started = performance.now();
  const deadline = started + seconds * 1000;
  let count = 0;
  while (performance.now() < deadline) {
    crypto.sign(digest, data, key);
    count++;
  }
  parentPort.postMessage({ count, seconds: (performance.now() - started) / 1000 });
});
parentPort.postMessage('ready');
`;

/** What an access token of the bench signs: a JOSE header and RFC 9068 claims, base64url. */
function signingInput(algorithm: SigningAlgorithm): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return `${part({ alg: algorithm, typ: 'at+jwt', kid: 'x'.repeat(43) })}.${part({
    iss: 'http://127.0.0.1:40000',
    sub: '3f1c2a9e-7d4b-4c1a-9e2f-5b6d7c8e9f01',
    aud: 'https://api.bank.example/',
    client_id: '3f1c2a9e-7d4b-4c1a-9e2f-5b6d7c8e9f01',
    scope: 'accounts:read',
    iat: now,
    exp: now + 3600,
    jti: 'Yk7mQ2vX9pL4sT8wR1nB6cJ3',
  })}`;
}

/** Signs for `seconds` on `threads` worker threads started together; resolves their total rate. */
export async function measureSignatureLimit(
  algorithm: SigningAlgorithm,
  seconds: number,
  threads = availableParallelism(),
): Promise<SignatureLimit> {
  const workerData = { algorithm, seconds, input: signingInput(algorithm) };
  const workers = Array.from(
    { length: threads },
    () => new Worker(WORKER, { eval: true, workerData }),
  );
  try {
    // Start the loops only once every worker has its key: they must all run at the same time.
    await Promise.all(workers.map((worker) => nextMessage(worker)));
    const results = await Promise.all(
      workers.map((worker) => {
        const done = nextMessage<{ count: number; seconds: number }>(worker);
        worker.postMessage('start');
        return done;
      }),
    );
    const perThread = results.map((result) => result.count / result.seconds);
    return {
      algorithm,
      threads,
      seconds,
      perSecond: perThread.reduce((sum, rate) => sum + rate, 0),
      perThread: perThread.map(Math.round),
    };
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}

function nextMessage<T = unknown>(worker: Worker): Promise<T> {
  return new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
}
