/** The error of class `type` a call rejects with; anything else (or success) fails the test. */
export async function rejectionOf<E extends Error>(promise: Promise<unknown>, type: abstract new (...args: never[]) => E): Promise<E> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof type) return err;
    throw new Error(`expected a ${type.name}, got ${String(err)}`, { cause: err });
  }
  throw new Error('expected the call to fail');
}
