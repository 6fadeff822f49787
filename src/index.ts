export * from './oxd/index.js';
