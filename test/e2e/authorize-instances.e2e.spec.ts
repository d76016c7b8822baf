// Two app instances behind one issuer, on one PostgreSQL or MariaDB database: a user may start the
// authorization on one instance and finish it on the other, because interactions, codes and
// consents live in the database. The browser (its binding cookie) goes from one to the other.
import { openTestDatabase, OpenTestDatabase } from '../support/databases';
import {
  callbackParams,
  codeRequest,
  decide,
  openConsent,
  TestBrowser,
} from '../support/authorize-helpers';
import { describeOn } from '../support/targets';
import { freePort, startTestApp, TestApp } from '../support/test-app';
import { postForm, registerCodeClient, TestClient } from '../support/token-helpers';

// Express only: Fastify runs on SQLite alone (test/support/targets.ts).
describeOn('postgres', 'mariadb')('the authorization flow across two instances (%s)', (target) => {
  let database: OpenTestDatabase;
  let first: TestApp;
  let second: TestApp;
  let client: TestClient;
  let issuer: string;

  beforeAll(async () => {
    database = await openTestDatabase(target);
    issuer = `http://127.0.0.1:${await freePort()}`;
    first = await startTestApp(target, { issuer, dataSource: database.options });
    second = await startTestApp(target, { issuer, dataSource: database.options });
    client = await registerCodeClient(first);
  });
  afterAll(async () => {
    await first?.close();
    await second?.close();
    await database.dispose();
  });

  it('shows consent on one instance, accepts the decision and the code on the other', async () => {
    const browser = new TestBrowser(first, 'user-alice');
    const { params, verifier } = codeRequest({ client, scope: 'accounts:read' });
    const { form } = await openConsent(browser, params);

    const onSecond = new TestBrowser(second, 'user-alice');
    for (const [name, value] of browser.cookies) onSecond.cookies.set(name, value);
    const callback = callbackParams(await decide(onSecond, form, 'allow'));
    expect(callback.get('iss')).toBe(issuer);

    const exchange = await postForm(
      first,
      {
        grant_type: 'authorization_code',
        code: callback.get('code')!,
        code_verifier: verifier!,
        redirect_uri: params.redirect_uri!,
      },
      {
        authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`,
      },
    );
    expect(exchange.status).toBe(200);
    expect(exchange.body.scope).toBe('accounts:read');
  });

  it('a decision replayed on the other instance is refused: the interaction is used once', async () => {
    const browser = new TestBrowser(first, 'user-alice');
    const { params } = codeRequest({
      client,
      scope: 'accounts:read',
      extra: { prompt: 'consent' },
    });
    const { form } = await openConsent(browser, params);
    expect((await decide(browser, form, 'allow')).status).toBe(303);

    const onSecond = new TestBrowser(second, 'user-alice');
    for (const [name, value] of browser.cookies) onSecond.cookies.set(name, value);
    const replay = await decide(onSecond, form, 'allow');
    expect(replay.status).toBe(400);
    expect(replay.location).toBeNull();
  });
});
