// The sample's API under malformed request bodies (bad gzip, unknown charset, too large, bad
// JSON): each is a 4xx, and the app logs at most one short line for it, never an ERROR with a
// stack trace (a client's mistake is not a server error). Logging does not depend on the
// database, so this runs on SQLite only, on each HTTP adapter (Express's body-parser, Fastify's
// content parser with the sample's decoding hook).
import { ConsoleLogger } from '@nestjs/common';
import { gzipSync } from 'node:zlib';
import { SAMPLE_ADAPTERS, startSample } from '../support/sample-app';
import type { TestApp } from '../support/test-app';

interface LogLine {
  level: string;
  text: string;
}

/** Nest's console logger, but every line is kept instead of printed. */
class CapturingLogger extends ConsoleLogger {
  readonly lines: LogLine[] = [];
  private keep(level: string, message: unknown, rest: unknown[]): void {
    // Nest passes (message, stack?, context): the last string is the context.
    const parts = [message, ...rest.slice(0, -1)].filter((part) => part !== undefined);
    this.lines.push({ level, text: parts.map((part) => String(part)).join('\n') });
  }
  override log(message: unknown, ...rest: unknown[]): void {
    this.keep('log', message, rest);
  }
  override error(message: unknown, ...rest: unknown[]): void {
    this.keep('error', message, rest);
  }
  override warn(message: unknown, ...rest: unknown[]): void {
    this.keep('warn', message, rest);
  }
  override debug(message: unknown, ...rest: unknown[]): void {
    this.keep('debug', message, rest);
  }
  override verbose(message: unknown, ...rest: unknown[]): void {
    this.keep('verbose', message, rest);
  }
  override fatal(message: unknown, ...rest: unknown[]): void {
    this.keep('fatal', message, rest);
  }
}

const MALFORMED: [string, Record<string, string>, string, number][] = [
  ['bad gzip', { 'content-encoding': 'gzip' }, 'this is not gzip', 400],
  ['an unknown charset', { 'content-type': 'application/json; charset=koi8-xx' }, '{}', 415],
  ['an unknown content encoding', { 'content-encoding': 'x-unknown' }, '{}', 415],
  ['a body over the limit', {}, JSON.stringify({ memo: 'x'.repeat(2_000_000) }), 413],
  ['bad JSON', {}, '{"amount": ', 400],
];

describe.each(SAMPLE_ADAPTERS)('sample app API on %s: malformed request bodies', (adapter) => {
  let sample: TestApp;
  const logger = new CapturingLogger();

  beforeAll(async () => {
    sample = await startSample({}, { logger, adapter });
  });
  afterAll(() => sample?.close());

  it.each(MALFORMED)(
    '%s: a 4xx and at most one short non-error log line',
    async (name, headers, body, status) => {
      const before = logger.lines.length;
      const response = await fetch(`${sample.url}/api/payments`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer x', ...headers },
        body,
      });
      expect(response.status).toBe(status);
      if (name !== 'bad JSON') {
        // Nest itself turns bad JSON into a BadRequestException (its own body); the others are
        // the sample filter's fixed messages, which never quote the request (the charset named).
        const answer = await response.json();
        expect(answer).toEqual({ statusCode: status, message: expect.any(String) });
        expect(JSON.stringify(answer)).not.toMatch(/koi8|x-unknown|memo/i);
      }

      const logged = logger.lines.slice(before);
      expect(logged.filter((line) => ['error', 'fatal', 'warn'].includes(line.level))).toEqual([]);
      expect(logged.length).toBeLessThanOrEqual(1);
      for (const line of logged) {
        expect(line.level).toBe('debug');
        expect(line.text.split('\n')).toHaveLength(1);
        expect(line.text.length).toBeLessThan(120);
      }
    },
  );

  it('a well-formed gzip body still reaches the API (here: refused for its token)', async () => {
    const response = await fetch(`${sample.url}/api/payments`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'content-encoding': 'gzip',
        authorization: 'Bearer x',
      },
      body: new Uint8Array(gzipSync('{}')),
    });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: 'invalid_token' });
  });
});
