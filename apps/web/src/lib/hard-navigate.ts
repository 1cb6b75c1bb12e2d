/**
 * A full document navigation. Next 15.5's client router intermittently drops a push to the same
 * pathname with new search params under CPU contention (the RSC payload arrives, nothing commits;
 * vercel/next.js#92152, #98305). These pages are server-rendered and fast, so a document load is
 * the reliable choice for picker changes, post-create redirects and post-action reloads.
 */
export function hardNavigate(url: string): void {
  window.location.assign(url);
}

export function hardReload(): void {
  window.location.reload();
}
