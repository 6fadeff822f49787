/**
 * Progress of a bench run on stderr, each line stamped with the seconds since the runner
 * started, so a slow run shows where its time went.
 */
export function progress(text: string): void {
  console.error(`bench [${(performance.now() / 1000).toFixed(1)} s]: ${text}`);
}
