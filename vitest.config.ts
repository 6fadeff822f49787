import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Forks, not threads: the in-process CLI tests change directory, which workers may not.
    pool: 'forks',
    // Test files share their worker's module graph instead of importing src/ afresh each time.
    // Safe because no test mocks a module or leaves global state behind (fake timers, env and
    // spies are restored in the tests that use them); it saves most of the import time.
    isolate: false,
  },
});
