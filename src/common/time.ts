/** Milliseconds since the epoch: how every timestamp column is stored (portable across drivers). */
export const nowMs = (): number => Date.now();

/** Seconds since the epoch: how JWT claims and token responses express time. */
export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

export const secondsToMs = (seconds: number): number => seconds * 1000;
