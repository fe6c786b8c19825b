// Drives panoptes-client@5.6.2's own sign-in (lib/auth.js) against a server on loopback: a refused
// password, auth.signIn, a write with the token it got, auth.checkBearerToken once the token counts as
// expired (a refresh), and auth.signOut.
// Input (environment): API_BASE (no /api), LOGIN, PASSWORD, CLIENT_ID (a registered client application).
// Output: one JSON object on stdout describing what the client returned at each step.
'use strict';

const { attempt, run } = require('./scenario');

const { API_BASE: base, LOGIN: login, PASSWORD: password, CLIENT_ID: clientId } = process.env;
if (!base || !login || !password || !clientId) {
  process.stderr.write('API_BASE, LOGIN, PASSWORD and CLIENT_ID are required\n');
  process.exit(2);
}
process.env.PANOPTES_API_HOST = base;
process.env.PANOPTES_API_APPLICATION = clientId;
process.env.NODE_ENV = 'test';

const auth = require('panoptes-client/lib/auth');
const api = require('panoptes-client/lib/api-client');

async function main() {
  const out = { tokens: [] };
  // the client keeps its tokens to itself; it announces each new one
  auth.listen('refresh', (token) => out.tokens.push(token));

  // 1. A wrong password: the client rejects, and nobody is signed in.
  out.refused = await attempt(() => auth.signIn({ login, password: 'not the password' }));

  // 2. Sign in: CSRF token, session, token from the session, /api/me.
  const user = await auth.signIn({ login, password });
  out.user = { id: user.id, login: user.login };
  out.first_token = out.tokens[out.tokens.length - 1];

  // 3. A write with the token the sign-in got.
  const created = await api.type('collections').create({ display_name: 'Signed in through the client' }).save();
  out.created = { id: created.id, owner: created.links && created.links.owner };

  // 4. The server issues tokens shorter-lived than the client's five-minute margin, so the token counts
  // as expired: checkBearerToken refreshes it (JSON, no cookies) and keeps the new pair.
  out.refreshed_token = await auth.checkBearerToken();
  out.header_after_refresh = api.headers.Authorization;
  const [me] = await api.get('/me');
  out.me_after_refresh = { id: me.id, login: me.login };

  // 5. Sign out (CSRF token, bearer token, cookies); afterwards the session grant finds nobody.
  out.signed_out = await auth.signOut();
  out.current_after_sign_out = await auth.checkCurrent();
  return out;
}

run('panoptes-client sign-in', main);
