// Time pdqHash and phash on RGBA buffers of 1 MP and 12 MP (the sizes a Worker must handle).
// Usage: node --expose-gc scripts/bench.mjs [runs]   (npm run bench)

import { pdqHash } from "../../service/static/hasher/pdq.js";
import { phash } from "../../service/static/hasher/phash.js";

const runs = Number(process.argv[2] ?? 9);
const sizes = [
  [1000, 1000],
  [4000, 3000],
];

function noiseRgba(width, height) {
  const pixels = new Uint8ClampedArray(width * height * 4);
  let state = 1;
  for (let i = 0; i < pixels.length; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    pixels[i] = state >>> 24;
  }
  return pixels;
}

console.log(`node ${process.version}, ${runs} runs each (first run includes JIT warm-up)`);
for (const [name, hash] of [
  ["pdq", pdqHash],
  ["phash", phash],
]) {
  for (const [width, height] of sizes) {
    const pixels = noiseRgba(width, height);
    const times = [];
    for (let run = 0; run < runs; run++) {
      globalThis.gc?.();
      const started = performance.now();
      hash(pixels, width, height);
      times.push(performance.now() - started);
    }
    const first = times[0];
    const sorted = times.slice(1).sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)];
    console.log(
      `${name} ${width}x${height} (${((width * height) / 1e6).toFixed(0)} MP): first ${first.toFixed(0)} ms, ` +
        `then median ${median.toFixed(0)} ms, min ${sorted[0].toFixed(0)} ms, max ${sorted.at(-1).toFixed(0)} ms`,
    );
  }
}
