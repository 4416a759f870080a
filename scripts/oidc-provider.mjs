// A real OpenID Connect provider for Encore's tests: the npm package `oidc-provider`, with one
// registered client and one account, whose sign-in and consent steps finish at once (the tests
// are about Encore's side of the protocol, not about typing a password at the provider).
//
// Environment: OIDC_DIR (where `npm install oidc-provider` ran), PORT, CLIENT_ID, CLIENT_SECRET,
// REDIRECT_URIS (comma-separated), ACCOUNT (JSON: sub, email, email_verified, name).
import http from 'node:http';
import path from 'node:path';
import crypto from 'node:crypto';
import { pathToFileURL } from 'node:url';

const lib = pathToFileURL(path.join(process.env.OIDC_DIR, 'node_modules/oidc-provider/lib/index.js'));
console.error('oidc test provider: loading oidc-provider');
const { default: Provider } = await import(lib.href);
console.error('oidc test provider: loaded');

const port = Number(process.env.PORT);
const account = JSON.parse(process.env.ACCOUNT);
// An elliptic-curve key: made at once, where an RSA key's prime search stalled on a loaded machine.
const { privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
const jwk = { ...privateKey.export({ format: 'jwk' }), kid: crypto.randomUUID(), use: 'sig', alg: 'ES256' };
console.error('oidc test provider: signing key made');

const provider = new Provider(`http://127.0.0.1:${port}`, {
  clients: [{
    client_id: process.env.CLIENT_ID,
    client_secret: process.env.CLIENT_SECRET,
    redirect_uris: process.env.REDIRECT_URIS.split(','),
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_post',
    id_token_signed_response_alg: 'ES256',
  }],
  jwks: { keys: [jwk] },
  cookies: { keys: [crypto.randomBytes(32).toString('hex')] },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'preferred_username'] },
  features: { devInteractions: { enabled: false } },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  pkce: { required: () => true },
  findAccount: async (ctx, id) => ({
    accountId: id,
    claims: async () => ({ ...account, sub: id }),
  }),
});
provider.proxy = false;
console.error('oidc test provider: configured; listening next');

const handle = provider.callback();
http.createServer(async (req, res) => {
  try {
    if (req.url.startsWith('/interaction/')) {
      const details = await provider.interactionDetails(req, res);
      const { prompt, params } = details;
      if (prompt.name === 'login') {
        await provider.interactionFinished(req, res, { login: { accountId: account.sub } }, { mergeWithLastSubmission: false });
        return;
      }
      const grant = new provider.Grant({ accountId: details.session.accountId, clientId: params.client_id });
      if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(' '));
      if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
      const grantId = await grant.save();
      await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
      return;
    }
    handle(req, res);
  } catch (err) {
    res.statusCode = 500;
    res.end(String(err));
  }
}).listen(port, '127.0.0.1', () => console.log(`listening on ${port}`));
