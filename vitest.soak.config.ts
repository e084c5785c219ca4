import { defineConfig } from 'vitest/config'

// `npm run soak`: long-running delivery scenarios kept out of `npm test`.
export default defineConfig({
  test: {
    include: ['test/soak/**/*.soak.ts'],
    testTimeout: 900_000,
    pool: 'forks',
  },
})
