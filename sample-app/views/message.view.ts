import { html } from './html';
import { layout } from './layout';

/** A short page that says what happened and links home. */
export function messagePage(title: string, message: string): string {
  return layout(
    title,
    html`<h1>${title}</h1>
      <p>${message}</p>
      <p><a href="/">Go to the home page</a></p>`,
  );
}
