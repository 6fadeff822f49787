import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

/**
 * The vitest config Stryker runs the scoped tests with (stryker.config.mjs): the usual one minus
 * the global setup, which builds dist/ for the CLI tests — none of the scoped tests use it, and
 * Stryker's sandbox holds instrumented sources that should not be built.
 */
export default defineConfig({ ...base, test: { ...base.test, globalSetup: [] } });
