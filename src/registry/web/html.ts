/**
 * HTML building with escaping by default: `html` is a tagged template that escapes every
 * interpolated value unless it is already Html (the result of another `html`). Repository names,
 * tags, annotations and media types come from whoever pushed, so nothing reaches the page raw.
 */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

export type HtmlValue = Html | string | number | boolean | null | undefined | HtmlValue[];

function render(value: HtmlValue): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof Html) return value.text;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): Html {
  let out = strings[0] ?? '';
  values.forEach((v, i) => {
    out += render(v) + (strings[i + 1] ?? '');
  });
  return new Html(out);
}

/** A URL query string, each value percent-encoded (and the whole escaped again where it is interpolated). */
export function query(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** Encodes each path segment of a repository name for use in a link. */
export function repoHref(repo: string): string {
  return `/ui/repo/${repo.split('/').map(encodeURIComponent).join('/')}`;
}

export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let unit = 'B';
  for (const u of units) {
    if (v < 1024) break;
    v /= 1024;
    unit = u;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${unit}`;
}

export function shortDigest(digest: string): string {
  const colon = digest.indexOf(':');
  return colon < 0 ? digest.slice(0, 19) : `${digest.slice(0, colon + 13)}`;
}

const CSS = `
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1b1f24;background:#f6f8fa}
header{background:#24292f;color:#fff;padding:.7rem 1.5rem}header a{color:#fff;text-decoration:none;font-weight:600}
main{padding:1rem 1.5rem;max-width:80rem}h1{font-size:1.3rem;margin:.2rem 0 1rem}
table{border-collapse:collapse;width:100%;background:#fff;border:1px solid #d0d7de}
th,td{text-align:left;padding:.35rem .6rem;border-bottom:1px solid #eaeef2;vertical-align:top}
th{background:#f0f3f6;font-weight:600}code{font:12px ui-monospace,monospace;word-break:break-all}
.muted{color:#57606a}.note{background:#fff8c5;border:1px solid #d4a72c;padding:.4rem .7rem;margin:.7rem 0}
nav.pages{margin:.8rem 0}ul.plain{margin:0;padding-left:1rem}
`;

/** The whole document: no scripts, inline CSS only (the CSP sent with it allows nothing else). */
export function page(title: string, body: Html): string {
  return `<!doctype html>${
    html`<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${title}</title><style>${new Html(CSS)}</style></head>
<body><header><a href="/">hull registry</a></header><main>${body}</main></body></html>`.text
  }\n`;
}
