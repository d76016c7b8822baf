import { createHash } from 'node:crypto';
import { html, SafeHtml } from './html';

/** The only stylesheet, inline: allowed by its hash in the Content-Security-Policy. */
const STYLE = `
body { font: 16px/1.5 system-ui, sans-serif; max-width: 36rem; margin: 2rem auto; padding: 0 1rem; color: #1a1a1a; }
label { display: block; margin-top: 1rem; font-weight: 600; }
input { display: block; width: 100%; box-sizing: border-box; padding: .5rem; font: inherit; }
input[type='checkbox'], input[type='radio'] { display: inline-block; width: auto; margin: 1rem .5rem 0 0; }
input[type='checkbox'] + label, input[type='radio'] + label { display: inline; margin: 0; }
textarea { display: block; width: 100%; box-sizing: border-box; padding: .5rem; font: inherit; }
fieldset { margin-top: 1.25rem; }
.hint { margin: .25rem 0 0; color: #555; }
button { margin-top: 1.25rem; padding: .5rem 1.25rem; font: inherit; cursor: pointer; }
:focus-visible { outline: 3px solid #1a5fb4; outline-offset: 2px; }
.error { border-left: 4px solid #c01c28; padding: .5rem 1rem; background: #fbeaea; }
`;

/** `style-src` source that allows exactly STYLE. */
export const STYLE_HASH = `'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`;

// Built outside the html`` template so that formatting can never change what the hash covers.
const STYLE_ELEMENT = new SafeHtml(`<style>${STYLE}</style>`);

/** A full page: language, title, the stylesheet and a main landmark around the content. */
export function layout(title: string, content: SafeHtml): string {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title} · nest-oauth-server sample</title>
        ${STYLE_ELEMENT}
      </head>
      <body>
        <main>${content}</main>
      </body>
    </html> `.value;
}
