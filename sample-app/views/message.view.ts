import { html } from './html';
import { layout } from './layout';

/** A short page that says what happened and links home. */
/** Where a message page leads back to. */
export interface BackLink {
  href: string;
  label: string;
}

const HOME: BackLink = { href: '/', label: 'Go to the home page' };

export function messagePage(title: string, message: string, back: BackLink = HOME): string {
  return layout(
    title,
    html`<h1>${title}</h1>
      <p>${message}</p>
      <p><a href="${back.href}">${back.label}</a></p>`,
  );
}
