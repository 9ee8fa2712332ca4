import type { NextConfig } from 'next';

const config: NextConfig = {
  // native and gRPC packages stay Node modules instead of being bundled
  serverExternalPackages: ['@temporalio/client', '@temporalio/common', '@grpc/grpc-js', '@prisma/adapter-pg', 'pg'],
  typedRoutes: false,
};
export default config;
