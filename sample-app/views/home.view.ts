import { html } from './html';
import { layout } from './layout';

export interface HomeView {
  /** The signed-in user, or none. */
  user?: { name: string; username: string };
  issuer: string;
}

export function homePage({ user, issuer }: HomeView): string {
  return layout(
    'Home',
    html`<h1>nest-oauth-server sample</h1>
      ${
        user
          ? html`<p>Signed in as <strong>${user.name}</strong> (${user.username}).</p>
              <p><a href="/oauth/end_session">Sign out</a></p>
              <p><a href="/developers">Developer portal</a>: register your applications.</p>`
          : html`<p>You are not signed in. <a href="/login">Sign in</a></p>`
      }
      <h2>Authorization server</h2>
      <ul>
        <li>Issuer: <code>${issuer}</code></li>
        <li><a href="/.well-known/oauth-authorization-server">Authorization server metadata</a></li>
        <li><a href="/.well-known/openid-configuration">OpenID Provider configuration</a></li>
      </ul>`,
  );
}
