// The registered-URI rules as one table, run through every way of registering a client: DCR,
// ClientService, the CLI and the sample portal (and the unit spec of src/clients/redirect-uri).

/** [label, redirect URI, what the refusal says]: all refused with invalid_redirect_uri. */
export const BAD_REDIRECT_URIS: [string, string, RegExp][] = [
  ['a wildcard host', 'https://*.example.com/cb', /wildcard/],
  ['a wildcard path', 'https://app.example.com/cb/*', /wildcard/],
  ['a percent-encoded wildcard', 'https://app.example.com/cb%2A', /wildcard/],
  ['a percent-encoded wildcard host', 'https://%2a.example.com/cb', /wildcard/],
  ['user info', 'https://user:pw@app.example/cb', /user info/],
  ['an empty user info', 'https://@app.example/cb', /user info/],
  ['a host hidden behind user info', 'https://app.example@evil.example/cb', /user info/],
  ['a non-ASCII (IDN) host', 'https://bücher.example/cb', /ASCII.*punycode/],
  ['a homograph host', 'https://аpp.example/cb', /ASCII/],
  ['a backslash in the path', 'https://app.example/cb\\..\\evil', /backslash/],
  ['a backslash before the host', 'https:\\\\evil.example/cb', /backslash/],
  ['a space', 'https://app.example/c b', /whitespace/],
  ['a trailing no-break space', 'https://app.example/cb\u00a0', /whitespace/],
  ['markup in the query', 'https://app.example/cb?x=<script>', /may not contain </],
  ['a double quote', 'https://app.example/cb"onmouseover="x', /may not contain </],
  ['a backtick', 'https://app.example/cb`', /may not contain </],
  ['a percent-encoded host', 'https://app%2Eexample/cb', /host that is not in plain form/],
  ['a numeric-trick host', 'https://0x7f.1/cb', /host that is not in plain form/],
  ['a dot segment', 'https://app.example/cb/../admin', /dot segment/],
  ['a percent-encoded dot segment', 'https://app.example/cb/%2e%2E/admin', /dot segment/],
  ['a malformed percent-encoding', 'https://app.example/cb%zz', /malformed percent/],
  ['a percent-encoded NUL', 'https://app.example/cb%00', /percent-encoded control/],
];

/** [label, client_uri, what the refusal says]: all refused with invalid_client_metadata. */
export const BAD_CLIENT_URIS: [string, string, RegExp][] = [
  ['javascript:', 'javascript:alert(1)', /http\(s\) URL/],
  ['a data: URI', 'data:text/html,<b>x</b>', /may not contain </],
  ['ftp', 'ftp://app.example/', /http\(s\) URL/],
  ['markup', 'https://app.example/"><script>alert(1)</script>', /may not contain </],
  ['a single quote', "https://app.example/'onclick='x", /may not contain </],
  ['a backtick', 'https://app.example/`x`', /may not contain </],
  ['a control character', 'https://app.example/\u0007', /control characters/],
  ['user info', 'https://bank.example@evil.example/', /user info/],
  ['a non-ASCII host', 'https://bücher.example/', /ASCII/],
  ['a backslash', 'https://app.example\\evil', /backslash/],
];

/** Accepted everywhere (a confidential client). */
export const GOOD_REDIRECT_URIS = [
  'https://xn--bcher-kva.example/cb',
  'https://app.example:8443/cb?next=%2Fhome',
  'https://app.example/cb/%C3%A9',
];
