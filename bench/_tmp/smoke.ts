import { startServer } from '../lib/ipc';
import { createHash, randomBytes } from 'node:crypto';
async function main() {
  const net = await import('node:net'); const port: number = await new Promise((res) => { const srv = net.createServer(); srv.listen(0, '127.0.0.1', () => { const p = (srv.address() as any).port; srv.close(() => res(p)); }); });
  const s = process.env.WHICH === 'ours' ? await startServer('ours', 'ours-server.ts', { BENCH_PORT: String(port) }) : await startServer('oidc', 'oidc-provider-server.ts', {});
  const setup: any = await s.call('setup');
  console.log(setup); if (setup.protectedRoute) for (const p of Object.values<string>(setup.protectedRoute.paths)) { const rr = await fetch(s.url + p, { headers: { authorization: 'Bearer ' + setup.protectedRoute.accessToken } }); console.log(p, rr.status); }
  let r = await fetch(s.url + setup.paths.token, { method: 'POST', headers: { authorization: setup.clientCredentials.authorization, 'content-type': 'application/x-www-form-urlencoded' }, body: setup.clientCredentials.body });
  console.log('cc', r.status, await r.text());
  const [rt] = await s.call<string[]>('refreshTokens', 2);
  r = await fetch(s.url + setup.paths.token, { method: 'POST', headers: { authorization: setup.web.authorization, 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=refresh_token&refresh_token=' + rt });
  console.log('refresh', r.status, await r.text());
  const [rt2] = await s.call<string[]>('refreshTokens', 1);
  r = await fetch(s.url + setup.paths.introspection, { method: 'POST', headers: { authorization: setup.web.authorization, 'content-type': 'application/x-www-form-urlencoded' }, body: 'token=' + rt2 });
  console.log('introspect', r.status, await r.text());
  const verifier = randomBytes(32).toString('base64url');
  const q = new URLSearchParams({ client_id: setup.web.clientId, response_type: 'code', scope: setup.web.scope, redirect_uri: setup.web.redirectUri, code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256', state: 's1', nonce: 'n1', ...(setup.web.authorizeParams ?? {}) });
  r = await fetch(`${s.url}${setup.paths.authorize}?${q}`, { redirect: 'manual', headers: setup.web.authorizeHeaders });
  const loc = r.headers.get('location')!;
  console.log('authorize', r.status, loc);
  const code = new URL(loc).searchParams.get('code')!;
  r = await fetch(s.url + setup.paths.token, { method: 'POST', headers: { authorization: setup.web.authorization, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: setup.web.redirectUri, code_verifier: verifier }).toString() });
  console.log('code', r.status, await r.text());
  await s.stop();
}
main().catch((e) => { console.error(e); process.exit(1); });
