/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { svelteTesting } from '@testing-library/svelte/vite';

// The same UI runs in Tauri's WebKitGTK (Linux), WebView2 (Windows) and Android WebView.
export default defineConfig({
  plugins: [svelte(), svelteTesting()],
  base: './',
  clearScreen: false,
  server: {
    port: 5173,
    strictPort: true,
  },
  envPrefix: ['VITE_', 'TAURI_ENV_'],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: ['es2021', 'safari15', 'chrome105'],
    sourcemap: false,
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.ts'],
    globals: false,
    // Dates are tested in the town hall's zone, with its two daylight-saving changes a year.
    env: { TZ: 'Europe/Paris' },
  },
});
