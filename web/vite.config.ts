import { defineConfig } from "vite";

// Preact through esbuild's automatic JSX runtime: no framework plugin needed. The build is plain files that the
// local stack (infra/local/console.py) and CloudFront serve from the API's origin; nothing is fetched elsewhere.
export default defineConfig({
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
  build: {
    target: "es2020",
    outDir: "dist",
    emptyOutDir: true,
    assetsInlineLimit: 0,
    reportCompressedSize: true,
  },
});
