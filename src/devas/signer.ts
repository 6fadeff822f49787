/** ES256 keys for JWT RPTs: one key pair per dev AS, published at `jwks_uri`. */
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload } from 'jose';

type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

export class RptSigner {
  readonly #privateKey: PrivateKey;
  readonly #kid: string;
  readonly jwks: { readonly keys: readonly JWK[] };

  private constructor(privateKey: PrivateKey, publicJwk: JWK, kid: string) {
    this.#privateKey = privateKey;
    this.#kid = kid;
    this.jwks = { keys: [{ ...publicJwk, kid, alg: 'ES256', use: 'sig' }] };
  }

  static async create(): Promise<RptSigner> {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    return new RptSigner(privateKey, await exportJWK(publicKey), `dev-as-${randomUUID()}`);
  }

  sign(payload: JWTPayload): Promise<string> {
    return new SignJWT(payload).setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid: this.#kid }).sign(this.#privateKey);
  }
}
