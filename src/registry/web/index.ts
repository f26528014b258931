/** The registry's read-only web page. */
export { createWebHandler, type WebHandlerOptions } from './handler.js';
export { escapeHtml, html } from './html.js';
