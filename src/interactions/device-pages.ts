import { OAUTH_PATHS } from '../oauth.constants';
import { escapeHtml, layout } from './pages';

export interface UserCodePageModel {
  /** What to fill the input with (from verification_uri_complete, or what the user typed). */
  userCode: string;
  /** Why the last code was not accepted. */
  error?: string;
}

/**
 * The verification page (RFC 8628 §3.3): one input labelled Code, one Continue button. Filled
 * in from `verification_uri_complete`, but never submitted for the user: they confirm the code
 * (§5.4, remote phishing).
 */
export function userCodePage(model: UserCodePageModel): string {
  const error = model.error
    ? `<p role="alert" id="code-error"><strong>${escapeHtml(model.error)}</strong></p>`
    : '';
  return layout(
    model.error ? 'Error: Connect a device' : 'Connect a device',
    `<h1>Connect a device</h1>
<p>Enter the code shown on your device.</p>${error}
<form method="post" action="${OAUTH_PATHS.deviceVerification}">
<p><label for="user_code">Code</label>
<input id="user_code" name="user_code" value="${escapeHtml(model.userCode)}" required maxlength="64" autocomplete="off" autocapitalize="characters" spellcheck="false"${model.error ? ' aria-invalid="true" aria-describedby="code-error" autofocus' : ''}></p>
<button type="submit">Continue</button>
</form>`,
  );
}

/** After the decision: back to the device, which learns the outcome at its next poll. */
export function deviceDonePage(result: 'approved' | 'denied'): string {
  return result === 'approved'
    ? layout(
        'Device connected',
        '<h1>Device connected</h1><p>You can close this window and go back to your device.</p>',
      )
    : layout(
        'Access denied',
        '<h1>Access denied</h1><p>The device was not given access. You can close this window.</p>',
      );
}
