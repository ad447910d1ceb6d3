import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'
import { taupy } from './taupy/vite/plugin.ts'

// https://vite.dev/config/ — taupy() links the dev server to the backend (see docs in taupy/vite).
export default defineConfig({
  plugins: [react(), taupy()],
})
