import { createHash } from 'node:crypto';
import type { HttpReply } from '../http/http-reply';

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"'`]/g, (char) => `&#${char.charCodeAt(0)};`);
}

const STYLE = `body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;line-height:1.5}
button{font-size:1rem;padding:.5rem 1.25rem;margin-right:.5rem}ul{padding-left:1.25rem}`;
/** The CSP source that allows exactly STYLE: no inline style an injection could add. */
const STYLE_SOURCE = `'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`;

/** Security headers of every page the module serves (no framing, no referrer, no caching). */
const PAGE_HEADERS = {
  'Content-Type': 'text/html; charset=utf-8',
  'X-Frame-Options': 'DENY',
  'Content-Security-Policy': `default-src 'none'; style-src ${STYLE_SOURCE}; frame-ancestors 'none'; base-uri 'none'`,
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
  Pragma: 'no-cache',
  'X-Content-Type-Options': 'nosniff',
};

export function sendPage(reply: HttpReply, status: number, html: string): void {
  reply.send(status, PAGE_HEADERS, html);
}

/**
 * A 303 to `location` (after a form POST the browser must GET it), never cached and without
 * a Referer that would leak the code or interaction id.
 */
export function sendRedirect(reply: HttpReply, location: string): void {
  reply.send(
    303,
    {
      Location: location,
      'Content-Type': 'text/plain; charset=utf-8',
      'Cache-Control': 'no-store',
      'Referrer-Policy': 'no-referrer',
      'X-Content-Type-Options': 'nosniff',
    },
    '',
  );
}

export function layout(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body><main>${body}</main></body></html>`;
}

export interface ConsentPageModel {
  action: string;
  csrfToken: string;
  clientName: string;
  clientWebsite: string | null;
  userName: string;
  scopes: { name: string; description: string }[];
  /** A device authorization's user code, for the user to compare with their device's. */
  userCode?: string;
  /** RFC 9396 details, described by their types; choices become checkboxes. */
  authorizationDetails?: {
    description: string;
    choices?: { value: string; label: string; checked?: boolean }[];
  }[];
}

/** The consent form field of choice `choice` of detail `detail` (RFC 9396 choices). */
export function detailChoiceField(detail: number, choice: number): string {
  return `authorization_detail_${detail}_${choice}`;
}

/** The picks of a consent form (fields named by `detailChoiceField`): values by detail index. */
export function detailPicksOf(form: Record<string, string>): Record<number, string[]> {
  const picks: Record<number, string[]> = {};
  for (const [name, value] of Object.entries(form)) {
    const match = /^authorization_detail_(\d{1,2})_\d{1,3}$/.exec(name);
    if (!match) continue;
    (picks[Number(match[1])] ??= []).push(value);
  }
  return picks;
}

function detailItems(model: ConsentPageModel): string {
  return (model.authorizationDetails ?? [])
    .map((detail, index) => {
      const choices = (detail.choices ?? [])
        .map(
          (choice, choiceIndex) =>
            `<li><label><input type="checkbox" name="${detailChoiceField(index, choiceIndex)}" value="${escapeHtml(choice.value)}"${choice.checked ? ' checked' : ''}> ${escapeHtml(choice.label)}</label></li>`,
        )
        .join('');
      return `<li>${escapeHtml(detail.description)}${choices ? `<ul>${choices}</ul>` : ''}</li>`;
    })
    .join('');
}

/** The default consent page: who asks, for what, Allow or Deny. Works without JavaScript. */
export function consentPage(model: ConsentPageModel): string {
  const website = model.clientWebsite
    ? ` (<a href="${escapeHtml(model.clientWebsite)}" rel="noopener noreferrer">${escapeHtml(model.clientWebsite)}</a>)`
    : '';
  const scopes = model.scopes
    .map(
      (scope) =>
        `<li>${escapeHtml(scope.description)} <small>(${escapeHtml(scope.name)})</small></li>`,
    )
    .join('');
  const details = detailItems(model);
  // Choices are form fields: the list goes inside the form, before the buttons.
  const hasChoices = (model.authorizationDetails ?? []).some((detail) => detail.choices?.length);
  const detailList = details ? `<ul class="authorization-details">${details}</ul>` : '';
  return layout(
    `Allow ${model.clientName}?`,
    `<h1>${escapeHtml(model.clientName)} wants access to your account</h1>
<p><strong>${escapeHtml(model.clientName)}</strong>${website} asks for permission to:</p>
${scopes ? `<ul>${scopes}</ul>` : ''}${hasChoices ? '' : detailList}${
      model.userCode
        ? `\n<p>Only continue if your device shows this code: <strong>${escapeHtml(model.userCode)}</strong></p>`
        : ''
    }
<p>Signed in as ${escapeHtml(model.userName)}.</p>
<form method="post" action="${escapeHtml(model.action)}">
<input type="hidden" name="csrf_token" value="${escapeHtml(model.csrfToken)}">${hasChoices ? detailList : ''}
<button type="submit" name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="deny">Deny</button>
</form>`,
  );
}

/** Shown when the request cannot be sent back to the client (unknown client or redirect URI). */
export function errorPage(title: string, message: string): string {
  return layout(title, `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>`);
}
