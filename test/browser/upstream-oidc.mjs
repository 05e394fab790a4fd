// An independent OpenID Provider for the social login tests: the npm
// oidc-provider package (pinned in package.json), on 127.0.0.1, with
// confidential clients (custos's, whose redirect URI is custos's callback,
// and others the test names). Its login is the package's own development
// form (any login, any password); the consent is taken as given (first
// party). The users' claims are what the test sets with setUser.
import http from 'node:http';
import Provider from 'oidc-provider';

/**
 * startUpstream runs the provider until close().
 * @param {{clients: {clientId: string, clientSecret: string, redirectURIs: string[]}[]}} o
 * @returns {Promise<{issuer: string, setUser: (login: string, claims: object) => void,
 *   setIdTokenTTL: (seconds: number) => void, close: () => Promise<void>}>}
 */
export async function startUpstream({ clients }) {
  const server = http.createServer();
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const users = new Map();
  let idTokenTTL = 3600;
  const provider = new Provider(issuer, {
    clients: clients.map((c) => ({
      client_id: c.clientId,
      client_secret: c.clientSecret,
      redirect_uris: c.redirectURIs,
      response_types: ['code'],
      grant_types: ['authorization_code'],
      token_endpoint_auth_method: 'client_secret_basic',
    })),
    pkce: { required: () => true },
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['given_name', 'family_name', 'name', 'locale'],
    },
    ttl: { IdToken: () => idTokenTTL },
    // The scopes' claims go in the id_token too, as most providers put
    // them: accounts.notifySocialLogin reads the id_token alone.
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: true } },
    cookies: { keys: ['custos browser tests: not a secret'] },
    async findAccount(ctx, id) {
      return {
        accountId: id,
        async claims() {
          return { sub: id, ...(users.get(id) ?? { email: `${id}@oidc-provider.test`, email_verified: false }) };
        },
      };
    },
    // First party: the consent is given (the package's recipe for skipping
    // it), so that the login form is the only step at the provider.
    async loadExistingGrant(ctx) {
      const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
      grant.addOIDCScope('openid email profile');
      await grant.save();
      return grant;
    },
  });
  server.on('request', provider.callback());
  return {
    issuer,
    setUser(login, claims) { users.set(login, claims); },
    setIdTokenTTL(seconds) { idTokenTTL = seconds; },
    close() {
      server.closeAllConnections?.();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
