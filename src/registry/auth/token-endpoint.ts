/**
 * The token endpoint: GET realm?service=…&scope=…[&scope=…] with optional Basic credentials
 * (docker, podman), and POST of an OAuth2 form with grant_type=password (containerd). Answers
 * with a JWT holding the intersection of the scopes asked and the user's rights; bad credentials
 * are a 401, never a silently anonymous token, so `login` fails as it should.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AccessRule } from './access.js';
import { quote } from './decide.js';
import { type Htpasswd, parseBasicAuth } from './htpasswd.js';
import { grantScopes, parseScopes, type ResourceScope } from './scope.js';

export interface TokenEndpointContext {
  path: string;
  service: string;
  htpasswd: Htpasswd | undefined;
  access: AccessRule[] | undefined;
  issueToken(
    user: string | undefined,
    access: ResourceScope[],
  ): Promise<{ token: string; expiresIn: number; issuedAt: Date }>;
}

const MAX_FORM_BYTES = 64 * 1024;

export async function handleTokenEndpoint(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: TokenEndpointContext,
): Promise<boolean> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname !== ctx.path) return false;

  let params: URLSearchParams;
  let creds = parseBasicAuth(req.headers.authorization);
  const oauth = req.method === 'POST';
  if (req.method === 'GET') {
    params = url.searchParams;
  } else if (oauth) {
    const body = await readBody(req);
    if (body === undefined) return reply(res, 413, { error: 'invalid_request', error_description: 'form too large' });
    params = new URLSearchParams(body);
    const grant = params.get('grant_type');
    if (grant !== 'password')
      return reply(res, 400, {
        error: 'unsupported_grant_type',
        error_description: `grant_type ${grant ?? '(none)'} is not supported; use password`,
      });
    creds = { user: params.get('username') ?? '', password: params.get('password') ?? '' };
  } else {
    res.setHeader('Allow', 'GET, POST');
    return reply(res, 405, failure('UNSUPPORTED', `${req.method} is not supported on the token endpoint`));
  }

  const service = params.get('service');
  if (service !== null && service !== ctx.service)
    return reply(
      res,
      400,
      failure('DENIED', `this token endpoint issues tokens for service ${ctx.service}, not ${service}`, oauth),
    );

  let user: string | undefined;
  if (creds) {
    if (!ctx.htpasswd || !(await ctx.htpasswd.verify(creds.user, creds.password))) {
      res.setHeader('WWW-Authenticate', `Basic realm=${quote(ctx.service)}`);
      return reply(res, 401, failure('UNAUTHORIZED', 'invalid username or password', oauth));
    }
    user = creds.user;
  }

  const granted = grantScopes(parseScopes(params.getAll('scope')), ctx.access, user);
  const { token, expiresIn, issuedAt } = await ctx.issueToken(user, granted);
  return reply(res, 200, {
    token,
    access_token: token,
    expires_in: expiresIn,
    issued_at: issuedAt.toISOString(),
    ...(oauth
      ? { token_type: 'Bearer', scope: granted.map((s) => `${s.type}:${s.name}:${s.actions.join(',')}`).join(' ') }
      : {}),
  });
}

/** A registry-style error body, plus the OAuth2 `error` member for form posts. */
function failure(code: string, message: string, oauth = false): object {
  return {
    errors: [{ code, message }],
    ...(oauth
      ? { error: code === 'UNAUTHORIZED' ? 'invalid_grant' : 'invalid_request', error_description: message }
      : {}),
  };
}

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_FORM_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function reply(res: ServerResponse, status: number, body: object): true {
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json');
  res.setHeader('Content-Length', Buffer.byteLength(text));
  // Tokens are credentials: no cache may keep them.
  res.setHeader('Cache-Control', 'no-store');
  res.end(text);
  return true;
}
