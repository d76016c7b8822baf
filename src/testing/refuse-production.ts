/**
 * The testing helpers issue tokens without a sign-in or a client secret: in a production
 * process that would be a back door, so they refuse to run there.
 */
export function refuseProduction(helper: string): void {
  if (process.env.NODE_ENV === 'production') {
    throw new Error(
      `${helper} issues access tokens without a sign-in and refuses to run when NODE_ENV is ` +
        "'production'. Import nest-oauth-server/testing from test code only.",
    );
  }
}
