// The sample's HTTP_ADAPTER: how it is read, and that the sample answers alike on Express and
// Fastify where the two platforms differ by default (headers, redirects, body limit).
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { loadSampleConfig, SampleConfigError } from '../../sample-app/config';
import { SAMPLE_ADAPTERS, startSample } from '../support/sample-app';
import type { TestApp } from '../support/test-app';

describe('HTTP_ADAPTER', () => {
  it.each([
    [undefined, 'express'],
    ['', 'express'],
    ['express', 'express'],
    ['fastify', 'fastify'],
  ])('%p runs the sample on %s', (value, adapter) => {
    expect(loadSampleConfig({ HTTP_ADAPTER: value }).httpAdapter).toBe(adapter);
  });

  it.each(['koa', 'Fastify', 'express '])(
    'stops start-up on %p, naming the values it takes',
    (value) => {
      expect(() => loadSampleConfig({ HTTP_ADAPTER: value })).toThrow(
        new SampleConfigError(
          `HTTP_ADAPTER must be unset, "express" or "fastify"; got "${value}".`,
        ),
      );
    },
  );
});

describe('the sample on Express and on Fastify', () => {
  const samples = {} as Record<(typeof SAMPLE_ADAPTERS)[number], TestApp>;

  beforeAll(async () => {
    for (const adapter of SAMPLE_ADAPTERS) samples[adapter] = await startSample({}, { adapter });
  });
  afterAll(async () => {
    for (const sample of Object.values(samples)) await sample.close();
  });

  /** What each adapter answers to the same request. */
  const onEach = (path: string, init: RequestInit = {}) =>
    Promise.all(
      SAMPLE_ADAPTERS.map((adapter) =>
        fetch(`${samples[adapter].url}${path}`, { redirect: 'manual', ...init }),
      ),
    );

  it.each(SAMPLE_ADAPTERS)('runs on the %s adapter it was given', (adapter) => {
    expect(samples[adapter].app.getHttpAdapter().getType()).toBe(adapter);
  });

  it('sends a page with the same security headers, and no X-Powered-By', async () => {
    const names = [
      'content-security-policy',
      'x-frame-options',
      'referrer-policy',
      'cache-control',
      'x-content-type-options',
      'content-type',
    ];
    const [express, fastify] = await onEach('/login');
    expect(express.status).toBe(200);
    expect(fastify.status).toBe(200);
    const headers = (response: Response) =>
      Object.fromEntries(names.map((name) => [name, response.headers.get(name)]));
    expect(headers(fastify)).toEqual(headers(express));
    expect(headers(express)['content-type']).toBe('text/html; charset=utf-8');
    expect(express.headers.get('x-powered-by')).toBeNull();
    expect(fastify.headers.get('x-powered-by')).toBeNull();
  });

  it('redirects to a return_to with quotes and non-ASCII characters with the same Location', async () => {
    const returnTo = '/developers?note=café "tea" 50%';
    const responses = await onEach('/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        username: 'alice',
        password: 'alice-password',
        return_to: returnTo,
      }).toString(),
    });
    for (const response of responses) {
      expect(response.status).toBe(303);
      expect(response.headers.get('location')).toBe(
        '/developers?note=caf%C3%A9%20%22tea%22%2050%25',
      );
    }
  });

  it.each([
    ['gzip', gzipSync],
    ['deflate', deflateSync],
    ['br', brotliCompressSync],
  ])('reads a %s sign-in form on both', async (encoding, compress) => {
    const form = new URLSearchParams({ username: 'alice', password: 'alice-password' });
    const responses = await onEach('/login', {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'content-encoding': encoding,
      },
      body: new Uint8Array(compress(form.toString())),
    });
    for (const response of responses) {
      expect(response.status).toBe(303);
      expect(response.headers.getSetCookie().some((c) => c.startsWith('sid='))).toBe(true);
    }
  });

  it('refuses a body over 100 KiB on both (Fastify takes 1 MiB by default)', async () => {
    const responses = await onEach('/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `username=alice&password=${'x'.repeat(110 * 1024)}`,
    });
    for (const response of responses) expect(response.status).toBe(413);
  });
});
