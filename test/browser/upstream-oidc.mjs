// An independent OpenID Provider for the social login tests: the npm
// oidc-provider package (pinned in package.json), on 127.0.0.1, with one
// confidential client whose redirect URI is custos's callback. Its login
// is the package's own development form (any login, any password); the
// consent is taken as given (first party). The users' claims are what the
// test sets with setUser before they log in.
import http from 'node:http';
import Provider from 'oidc-provider';

/**
 * startUpstream runs the provider until close().
 * @param {{redirectURI: string, clientId?: string, clientSecret?: string}} o
 * @returns {Promise<{issuer: string, clientId: string, clientSecret: string,
 *   setUser: (login: string, claims: object) => void, close: () => Promise<void>}>}
 */
export async function startUpstream({ redirectURI, clientId = 'custos', clientSecret = 'upstream-client-secret-0123456789' }) {
  const server = http.createServer();
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const users = new Map();
  const provider = new Provider(issuer, {
    clients: [{
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: [redirectURI],
      response_types: ['code'],
      grant_types: ['authorization_code'],
      token_endpoint_auth_method: 'client_secret_basic',
    }],
    pkce: { required: () => true },
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['given_name', 'family_name', 'name', 'locale'],
    },
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
    clientId,
    clientSecret,
    setUser(login, claims) { users.set(login, claims); },
    close() {
      server.closeAllConnections?.();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
