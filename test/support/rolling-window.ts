/** The most of `times` (ms) within any rolling window of `windowMs`: how HubSpot counts. */
export function busiestWindow(times: readonly number[], windowMs: number): number {
  const at = [...times].sort((a, b) => a - b);
  let most = 0;
  let start = 0;
  for (let end = 0; end < at.length; end++) {
    while ((at[end] as number) - (at[start] as number) >= windowMs) start++;
    most = Math.max(most, end - start + 1);
  }
  return most;
}
