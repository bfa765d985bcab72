const JWT_SHAPE = /^[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*$/;

/**
 * Whether a bearer credential has the shape of a JWS compact serialization (three base64url parts, the last one
 * possibly empty as `alg: none` leaves it): a cheap test that tells an access token from a Policy OS API key
 * (`pos_…`, which has no dots) before anything is hashed or fetched.
 *
 * @example looksLikeJwt("eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhIn0.sig") // true; looksLikeJwt("pos_abc") // false
 */
export function looksLikeJwt(credential: string): boolean {
  return JWT_SHAPE.test(credential);
}
