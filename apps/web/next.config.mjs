/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  devIndicators: false,
  // The contracts and experiments libraries are TypeScript source shared with the API; Next transpiles them via tsconfig paths.
  experimental: { externalDir: true },
  // Lint runs through the monorepo's eslint (`npm run lint`), not next build.
  eslint: { ignoreDuringBuilds: true },
};

export default nextConfig;
