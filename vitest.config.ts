import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Tests spawn real processes; two workers match the 2-core machines we run on.
    maxWorkers: 2,
    // Tests build S3 clients of their own; the pinned SDK's notice about later, Node 22-only lines is noise
    // (src/remote/s3.ts silences it for users the same way).
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
