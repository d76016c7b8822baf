import type {
  ApiChoice,
  ClientTypeChoice,
  FormError,
  RegistrationField,
  RegistrationFormValues,
} from '../portal/registration-form';
import { html, SafeHtml } from './html';
import { layout } from './layout';

/** An application the signed-in user registered. */
export interface PortalApp {
  clientId: string;
  name: string;
  website: string | null;
  clientType: 'confidential' | 'public';
  /** Registered for the device flow (RFC 8628). */
  device: boolean;
  /** Registered under the FAPI 2.0 rules (private_key_jwt, PAR, DPoP). */
  fapi: boolean;
  redirectUris: string[];
  scopes: string[];
  /** OpenID Connect logout: where the browser may return after signing out. */
  postLogoutRedirectUris: string[];
  /** Where logout tokens are POSTed, or null. */
  backchannelLogoutUri: string | null;
}

/** An application the signed-in user let act for them (remembered consent). */
export interface AuthorisedApp {
  clientId: string;
  name: string;
  website: string | null;
  scopes: { name: string; description: string }[];
}

export interface PortalView {
  user: { name: string; username: string };
  /** The CSRF token of every form on the page (the session's). */
  csrfToken: string;
  apps: PortalApp[];
  authorised: AuthorisedApp[];
  apiChoices: ApiChoice[];
  form: RegistrationFormValues;
  error?: FormError;
  /** What the last action did (after a redirect), announced politely. */
  notice?: string;
}

/** Ids of the registration form's inputs, by field (the first input of a group). */
const FIELD_IDS: Record<RegistrationField, string> = {
  name: 'app-name',
  website: 'app-website',
  redirectUris: 'app-redirect-uris',
  scopes: 'api-0',
  clientType: 'client-type-confidential',
  postLogoutRedirectUris: 'app-post-logout-redirect-uris',
  backchannelLogoutUri: 'app-backchannel-logout-uri',
  jwks: 'app-jwks',
};

const csrfInput = (token: string) =>
  html`<input type="hidden" name="csrf_token" value="${token}" />`;

/** "Account Information (accounts:read)", or the bare scope when the portal has no title for it. */
function apiLabel(scope: string, choices: ApiChoice[]): SafeHtml {
  const choice = choices.find((c) => c.scope === scope);
  return choice && choice.title !== scope
    ? html`${choice.title} (<code>${scope}</code>)`
    : html`<code>${scope}</code>`;
}

function appItem(app: PortalApp, index: number, csrfToken: string, choices: ApiChoice[]) {
  const heading = `app-${index}-name`;
  const base = `/developers/apps/${encodeURIComponent(app.clientId)}`;
  return html`<li>
    <article aria-labelledby="${heading}">
      <h3 id="${heading}">${app.name}</h3>
      <dl>
        <dt>Client ID</dt>
        <dd><code>${app.clientId}</code></dd>
        <dt>Client type</dt>
        <dd>
          ${
            app.device
              ? 'Device (no secret: the user enters a code on this site)'
              : app.fapi
                ? 'FAPI 2.0 (private_key_jwt with its own keys, pushed requests, DPoP-bound tokens)'
                : app.clientType === 'confidential'
                  ? 'Confidential (authenticates with its client secret)'
                  : 'Public (no secret: PKCE only)'
          }
        </dd>
        ${
          app.website
            ? html`<dt>Website</dt>
                <dd>${app.website}</dd>`
            : null
        }
        <dt>Redirect URIs</dt>
        <dd>
          <ul>
            ${app.redirectUris.map((uri) => html`<li><code>${uri}</code></li>`)}
          </ul>
        </dd>
        ${
          app.postLogoutRedirectUris.length > 0
            ? html`<dt>Sign-out return URIs</dt>
                <dd>
                  <ul>
                    ${app.postLogoutRedirectUris.map((uri) => html`<li><code>${uri}</code></li>`)}
                  </ul>
                </dd>`
            : null
        }
        ${
          app.backchannelLogoutUri
            ? html`<dt>Back-channel logout URI</dt>
                <dd><code>${app.backchannelLogoutUri}</code></dd>`
            : null
        }
        <dt>APIs</dt>
        <dd>
          <ul>
            ${app.scopes.map((scope) => html`<li>${apiLabel(scope, choices)}</li>`)}
          </ul>
        </dd>
      </dl>
      ${
        app.clientType === 'confidential' && !app.fapi
          ? html`<form method="post" action="${base}/secret">
              ${csrfInput(csrfToken)}
              <button type="submit" aria-describedby="${heading}">Rotate secret</button>
            </form>`
          : null
      }
      <form method="post" action="${base}/delete">
        ${csrfInput(csrfToken)}
        <button type="submit" aria-describedby="${heading}">Delete</button>
      </form>
    </article>
  </li>`;
}

function authorisedItem(app: AuthorisedApp, index: number, csrfToken: string) {
  const heading = `authorised-${index}-name`;
  return html`<li>
    <article aria-labelledby="${heading}">
      <h3 id="${heading}">${app.name}</h3>
      ${app.website ? html`<p>${app.website}</p>` : null}
      <p>You allowed it to:</p>
      <ul>
        ${app.scopes.map(
          (scope) => html`<li>${scope.description} (<code>${scope.name}</code>)</li>`,
        )}
      </ul>
      <form
        method="post"
        action="/developers/authorised/${encodeURIComponent(app.clientId)}/revoke"
      >
        ${csrfInput(csrfToken)}
        <button type="submit" aria-describedby="${heading}">Revoke access</button>
      </form>
    </article>
  </li>`;
}

/** ` aria-invalid="true" aria-describedby="..." autofocus` on the field the error points at. */
function fieldState(field: RegistrationField, error: FormError | undefined, hint?: string) {
  const invalid = error?.field === field;
  const describedBy = [invalid ? 'form-error' : null, hint].filter(Boolean).join(' ');
  return html`${invalid ? html` aria-invalid="true" autofocus` : null}${
    describedBy ? html` aria-describedby="${describedBy}"` : null
  }`;
}

/** The registration form's client types, the first one checked by default. */
const CLIENT_TYPES: { value: ClientTypeChoice; label: string; hint: SafeHtml }[] = [
  {
    value: 'confidential',
    label: 'Confidential',
    hint: html`A server-side application that can keep a secret. It gets a client secret and may
    also use the client credentials grant.`,
  },
  {
    value: 'public',
    label: 'Public',
    hint: html`A single-page or native application, which cannot keep a secret. It gets no secret
    and proves itself with PKCE.`,
  },
  {
    value: 'device',
    label: 'Device',
    hint: html`A TV, terminal or command-line tool without a browser. It gets no secret and no
    redirect URI: it shows the user a code to enter on this site (the device flow).`,
  },
  {
    value: 'fapi',
    label: 'FAPI 2.0',
    hint: html`A server-side application held to the FAPI 2.0 Security Profile: no secret, it signs
    its client assertions with its own key (<code>private_key_jwt</code>), pushes its authorization
    requests (PAR) and gets DPoP-bound tokens. Paste its public keys below.`,
  },
];

function registrationForm(view: PortalView) {
  const { form, error, apiChoices } = view;
  return html`<form method="post" action="/developers/apps" novalidate>
    ${
      error
        ? html`<p class="error" role="alert" id="form-error">
            ${error.message}${
              error.field ? html` <a href="#${FIELD_IDS[error.field]}">Go to the field</a>` : null
            }
          </p>`
        : null
    }
    ${csrfInput(view.csrfToken)}
    <label for="app-name">Name</label>
    <input
      id="app-name"
      name="name"
      type="text"
      required
      maxlength="200"
      autocomplete="off"
      value="${form.name}"
      ${fieldState('name', error)}
    />
    <label for="app-website">Website</label>
    <input
      id="app-website"
      name="website"
      type="url"
      autocomplete="url"
      placeholder="https://app.example"
      value="${form.website}"
      ${fieldState('website', error, 'app-website-hint')}
    />
    <p class="hint" id="app-website-hint">
      Optional. Shown to users when your application asks for access.
    </p>
    <label for="app-redirect-uris">Redirect URIs</label>
    <textarea
      id="app-redirect-uris"
      name="redirect_uris"
      rows="3"
      cols="40"
      required
      spellcheck="false"
      autocapitalize="none"
      ${fieldState('redirectUris', error, 'app-redirect-uris-hint')}
    >
${form.redirectUris}</textarea>
    <p class="hint" id="app-redirect-uris-hint">
      One per line, e.g. <code>https://app.example/callback</code>. Use https, or http on
      <code>localhost</code> or <code>127.0.0.1</code> while developing.
    </p>
    <label for="app-post-logout-redirect-uris">Sign-out return URIs</label>
    <textarea
      id="app-post-logout-redirect-uris"
      name="post_logout_redirect_uris"
      rows="2"
      cols="40"
      spellcheck="false"
      autocapitalize="none"
      ${fieldState('postLogoutRedirectUris', error, 'app-post-logout-redirect-uris-hint')}
    >
${form.postLogoutRedirectUris}</textarea>
    <p class="hint" id="app-post-logout-redirect-uris-hint">
      Optional, one per line: where your application may send users back after they sign out (OpenID
      Connect <code>post_logout_redirect_uri</code>, matched exactly).
    </p>
    <label for="app-backchannel-logout-uri">Back-channel logout URI</label>
    <input
      id="app-backchannel-logout-uri"
      name="backchannel_logout_uri"
      type="url"
      autocomplete="off"
      placeholder="https://app.example/backchannel-logout"
      value="${form.backchannelLogoutUri}"
      ${fieldState('backchannelLogoutUri', error, 'app-backchannel-logout-uri-hint')}
    />
    <p class="hint" id="app-backchannel-logout-uri-hint">
      Optional. When a user signs out here, this server POSTs a signed logout token to it (OpenID
      Connect Back-Channel Logout).
    </p>
    <fieldset>
      <legend>APIs</legend>
      ${apiChoices.map(
        (choice, i) =>
          html`<input
              type="checkbox"
              id="api-${i}"
              name="scope"
              value="${choice.scope}"
              ${form.scopes.includes(choice.scope) ? html` checked` : null}
              ${fieldState('scopes', i === 0 ? error : undefined, `api-${i}-hint`)}
            />
            <label for="api-${i}">${choice.title}</label>
            <p class="hint" id="api-${i}-hint">
              <code>${choice.scope}</code>: ${choice.description}
            </p>`,
      )}
    </fieldset>
    <fieldset>
      <legend>Client type</legend>
      ${CLIENT_TYPES.map(
        (type, i) =>
          html`<input
              type="radio"
              id="client-type-${type.value}"
              name="client_type"
              value="${type.value}"
              ${form.clientType === type.value ? html` checked` : null}
              ${fieldState('clientType', i === 0 ? error : undefined, `client-type-${type.value}-hint`)}
            />
            <label for="client-type-${type.value}">${type.label}</label>
            <p class="hint" id="client-type-${type.value}-hint">${type.hint}</p>`,
      )}
    </fieldset>
    <label for="app-jwks">JWK Set (the application's signing keys)</label>
    <textarea
      id="app-jwks"
      name="jwks"
      rows="4"
      cols="40"
      spellcheck="false"
      autocapitalize="none"
      ${fieldState('jwks', error, 'app-jwks-hint')}
    >
${form.jwks}</textarea>
    <p class="hint" id="app-jwks-hint">
      FAPI 2.0 applications only: the public keys as a JWK Set, e.g.
      <code>{"keys": [{"kty": "EC", "crv": "P-256", "x": "...", "y": "..."}]}</code>. Never a
      private key.
    </p>
    <button type="submit">Register application</button>
  </form>`;
}

/** The developer portal: your applications, the registration form, the apps you authorised. */
export function portalPage(view: PortalView): string {
  const { user, apps, authorised, csrfToken, apiChoices, notice } = view;
  return layout(
    view.error ? 'Error: Developer portal' : 'Developer portal',
    html`<h1>Developer portal</h1>
      <p>
        Signed in as <strong>${user.name}</strong> (${user.username}).
        <a href="/">Home</a>
      </p>
      ${notice ? html`<p role="status">${notice}</p>` : null}
      <section aria-labelledby="your-apps">
        <h2 id="your-apps">Your applications</h2>
        ${
          apps.length
            ? html`<ul>
                ${apps.map((app, i) => appItem(app, i, csrfToken, apiChoices))}
              </ul>`
            : html`<p>You have not registered an application yet.</p>`
        }
      </section>
      <section aria-labelledby="register">
        <h2 id="register">Register an application</h2>
        <p>
          Tell us about your application and select the APIs it will use. Its credentials are
          generated and shown when you register it.
        </p>
        ${registrationForm(view)}
      </section>
      <section aria-labelledby="authorised">
        <h2 id="authorised">Apps you authorised</h2>
        ${
          authorised.length
            ? html`<ul>
                ${authorised.map((app, i) => authorisedItem(app, i, csrfToken))}
              </ul>`
            : html`<p>You have not allowed any application to access your account.</p>`
        }
      </section>`,
  );
}

export interface CredentialsView {
  /** Registered a new application, or rotated the secret of an existing one. */
  kind: 'registered' | 'rotated';
  name: string;
  clientId: string;
  /** Confidential applications only. Shown this once. */
  clientSecret?: string;
  /** A device app (RFC 8628): starts at the device authorization endpoint. */
  device?: boolean;
  /** A FAPI 2.0 app: private_key_jwt, PAR and DPoP. */
  fapi?: boolean;
  issuer: string;
}

/**
 * The application's credentials right after registering it (or a new secret after rotating):
 * the only page that ever shows the secret.
 */
export function credentialsPage(view: CredentialsView): string {
  const { kind, name, clientId, clientSecret, issuer } = view;
  const title = kind === 'registered' ? 'Application registered' : 'New client secret';
  return layout(
    title,
    html`<h1>${title}</h1>
      <p>
        ${
          kind === 'registered'
            ? html`<strong>${name}</strong> is registered. Here are its credentials.`
            : html`<strong>${name}</strong> has a new client secret. The previous secret no longer
                works.`
        }
      </p>
      ${
        clientSecret
          ? html`<p class="error" id="secret-warning">
              <strong>Copy the client secret now: it is shown only once.</strong> Only a hash of it
              is stored, so it cannot be shown again. If you lose it, rotate the secret in the
              developer portal.
            </p>`
          : null
      }
      <label for="client-id">Client ID</label>
      <input id="client-id" type="text" readonly value="${clientId}" spellcheck="false" />
      ${
        clientSecret
          ? html`<label for="client-secret">Client secret</label>
              <input
                id="client-secret"
                type="text"
                readonly
                value="${clientSecret}"
                spellcheck="false"
                autocomplete="off"
                aria-describedby="secret-warning"
              />
              <p>
                Send it to the token endpoint with HTTP Basic authentication
                (<code>client_secret_basic</code>).
              </p>`
          : view.fapi
            ? html`<p>
                This is a FAPI 2.0 application: it has no client secret. It authenticates with a
                client assertion (<code>private_key_jwt</code>, audience <code>${issuer}</code>)
                signed with one of the keys you registered, pushes each authorization request to the
                PAR endpoint first, and sends a DPoP proof with every token request.
              </p>`
            : view.device
              ? html`<p>
                  This is a device application: it has no client secret. It asks the device
                  authorization endpoint for a code, shows it to the user, who enters it at
                  <code>${issuer}/oauth/device</code>, and polls the token endpoint meanwhile.
                </p>`
              : html`<p>
                  This is a public application: it has no client secret. It proves itself with PKCE
                  (<code>code_challenge_method=S256</code>) in the authorization code flow.
                </p>`
      }
      <h2>Endpoints</h2>
      <dl>
        <dt>Authorization endpoint</dt>
        <dd><code>${issuer}/oauth/authorize</code></dd>
        ${
          view.fapi
            ? html`<dt>Pushed authorization request endpoint</dt>
                <dd><code>${issuer}/oauth/par</code></dd>`
            : null
        }
        ${
          view.device
            ? html`<dt>Device authorization endpoint</dt>
                <dd><code>${issuer}/oauth/device_authorization</code></dd>`
            : null
        }
        <dt>Token endpoint</dt>
        <dd><code>${issuer}/oauth/token</code></dd>
        <dt>Server metadata</dt>
        <dd>
          <a href="/.well-known/oauth-authorization-server"
            >${issuer}/.well-known/oauth-authorization-server</a
          >
        </dd>
      </dl>
      <p><a href="/developers">Back to the developer portal</a></p>`,
  );
}

/** Message pages of the portal lead back to it. */
export const PORTAL_BACK = { href: '/developers', label: 'Back to the developer portal' };
