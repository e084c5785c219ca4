import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Flaky under load, with one failure mode still unexplained (docs/delivery.md, "Known gaps"): run by `npm run soak`.
    exclude: ['test/delivery/corrupt-buffer.test.ts', '**/node_modules/**'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
})
