import { html } from './html';
import { layout } from './layout';

export interface OneTimeCodeView {
  /** Where to go once verified (already checked to be a same-origin path). */
  returnTo: string;
  /** The simulated second factor's code, shown on the page (a real app sends it elsewhere). */
  code: string;
  /** Ties the form to the session (the session's CSRF token). */
  csrfToken: string;
  error?: string;
}

/**
 * The second sign-in step: raises a password session ("low") to "substantial", which payments
 * need. Works without JavaScript; the error is announced to screen readers.
 */
export function oneTimeCodePage({ returnTo, code, csrfToken, error }: OneTimeCodeView): string {
  return layout(
    'Confirm it is you',
    html`<h1>Confirm it is you</h1>
      <p>This needs a stronger sign-in. Enter the one-time code we sent you.</p>
      <p>
        Simulated second factor (the sample shows the code here):
        <strong id="one-time-code-shown">Your one-time code: ${code}</strong>
      </p>
      ${error ? html`<p class="error" role="alert" id="code-error">${error}</p>` : null}
      <form method="post" action="/login/one-time-code">
        <input type="hidden" name="return_to" value="${returnTo}" />
        <input type="hidden" name="csrf_token" value="${csrfToken}" />
        <label for="code">One-time code</label>
        <input
          id="code"
          name="code"
          type="text"
          inputmode="numeric"
          autocomplete="one-time-code"
          pattern="[0-9]{6}"
          maxlength="6"
          required
          autofocus${error ? html` aria-describedby="code-error"` : null}
        />
        <button type="submit">Verify</button>
      </form>`,
  );
}
