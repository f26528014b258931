/**
 * WWW-Authenticate challenges (RFC 7235 §4.1) as registries send them: `Bearer realm="…",
 * service="…",scope="…"` for the Docker token flow, `Basic realm="…"` for htpasswd. Parameter
 * values may be quoted strings (with backslash escapes) or bare tokens.
 */
export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** All challenges of one header value; unknown or malformed parts are skipped rather than fatal. */
export function parseChallenges(header: string | null | undefined): Challenge[] {
  if (!header) return [];
  const out: Challenge[] = [];
  let i = 0;
  const s = header;
  const skipWs = () => {
    while (i < s.length && (s[i] === ' ' || s[i] === '\t')) i++;
  };
  const token = () => {
    const start = i;
    while (i < s.length && /[!#$%&'*+\-.^_`|~0-9A-Za-z/]/.test(s[i]!)) i++;
    return s.slice(start, i);
  };
  while (i < s.length) {
    skipWs();
    while (s[i] === ',') {
      i++;
      skipWs();
    }
    const scheme = token();
    if (!scheme) break;
    const challenge: Challenge = { scheme: scheme.toLowerCase(), params: {} };
    out.push(challenge);
    for (;;) {
      skipWs();
      const mark = i;
      const key = token();
      skipWs();
      if (!key || s[i] !== '=') {
        // Not a parameter: the start of the next challenge (or a token68 we do not use).
        i = key && s[i] !== ',' ? mark : i;
        if (key && s[i] === ',') i = mark;
        break;
      }
      i++;
      skipWs();
      let value = '';
      if (s[i] === '"') {
        i++;
        while (i < s.length && s[i] !== '"') {
          if (s[i] === '\\' && i + 1 < s.length) i++;
          value += s[i++];
        }
        i++;
      } else value = token();
      challenge.params[key.toLowerCase()] = value;
      skipWs();
      if (s[i] !== ',') break;
      i++;
    }
  }
  return out;
}
