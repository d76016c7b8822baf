import { html } from './html';
import { layout } from './layout';

export interface LoginView {
  /** Where to go after signing in (already checked to be a same-origin path). */
  returnTo: string;
  /** The username typed, kept after a failed attempt. */
  username?: string;
  error?: string;
  /** The level the authorization server asked for (`acr_values`), kept through the form. */
  acrValues?: string;
}

/** The sign-in form. Works without JavaScript; the error is announced to screen readers. */
export function loginPage({ returnTo, username, error, acrValues }: LoginView): string {
  return layout(
    'Sign in',
    html`<h1>Sign in</h1>
      ${error ? html`<p class="error" role="alert" id="login-error">${error}</p>` : null}
      <form method="post" action="/login">
        <input type="hidden" name="return_to" value="${returnTo}" />
        ${
          acrValues && acrValues !== 'low'
            ? html`<input type="hidden" name="acr_values" value="${acrValues}" />`
            : null
        }
        <label for="username">Username</label>
        <input
          id="username"
          name="username"
          type="text"
          autocomplete="username"
          autocapitalize="none"
          spellcheck="false"
          required
          value="${username ?? ''}"
          ${error ? html` aria-describedby="login-error"` : null}${username ? null : html` autofocus`}
        />
        <label for="password">Password</label>
        <input
          id="password"
          name="password"
          type="password"
          autocomplete="current-password"
          required${username ? html` autofocus` : null}
        />
        <button type="submit">Sign in</button>
      </form>
      <p>
        Try <strong>alice</strong> / <code>alice-password</code> or <strong>bob</strong> /
        <code>bob-password</code>.
      </p>`,
  );
}
