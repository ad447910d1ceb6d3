import { defineConfig } from 'vite'
import { taupy } from './taupy/vite/plugin.ts'

// https://vite.dev/config/ — taupy() links the dev server to the backend (see docs/lit.md).
export default defineConfig({
  plugins: [taupy()],
})
