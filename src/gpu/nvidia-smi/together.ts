/**
 * Reads run side by side (each nvidia-smi call takes a while to start), and all of them ended before a
 * failure is thrown: a GPU change may come next, and a real driver refuses changes while another
 * nvidia-smi holds the GPU.
 */
export async function together<T extends readonly unknown[]>(reads: { readonly [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const settled = await Promise.allSettled(reads);
  const failure = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
  if (failure) throw failure.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<unknown>).value) as unknown as T;
}
