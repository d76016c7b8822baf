import { escapeHtml, layout } from '../interactions/pages';

export interface LogoutConfirmPageModel {
  action: string;
  csrfToken: string;
  /** The signed-in user, as shown. */
  userName: string;
  /** The application that sent the user, when known. */
  clientName?: string;
  /** Carried to the confirmation: already validated, re-checked when it comes back. */
  hidden: Record<string, string | undefined>;
}

/** RP-Initiated Logout §2: asks the user whether to sign out. Works without JavaScript. */
export function logoutConfirmPage(model: LogoutConfirmPageModel): string {
  const hidden = Object.entries(model.hidden)
    .filter(([, value]) => value !== undefined)
    .map(
      ([name, value]) =>
        `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`,
    )
    .join('\n');
  const from = model.clientName
    ? `<p><strong>${escapeHtml(model.clientName)}</strong> asks to sign you out.</p>\n`
    : '';
  return layout(
    'Sign out?',
    `<h1>Sign out?</h1>
${from}<p>Signed in as ${escapeHtml(model.userName)}. Signing out ends your session here and tells the applications you signed in to.</p>
<form method="post" action="${escapeHtml(model.action)}">
<input type="hidden" name="csrf_token" value="${escapeHtml(model.csrfToken)}">
${hidden}
<button type="submit">Sign out</button>
</form>`,
  );
}

/** Shown after a logout when there is no (valid) post-logout redirect URI. */
export function signedOutPage(): string {
  return layout('Signed out', '<h1>You are signed out</h1><p>You can close this window.</p>');
}
