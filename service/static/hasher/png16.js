// 16-bit PNGs, decoded the way Pillow 13 turns them into RGB.
//
// Browsers scale 16-bit samples to 8 bits; Pillow does not: greyscale becomes mode
// "I;16" and convert("RGB") clips it at 255 (a bright 16-bit photo turns nearly
// white), while RGB, grey+alpha and RGBA keep the high byte of each sample. PDQ of
// the browser's pixels was 118 bits away from the Python PDQ on tests/vectors'
// I16.png, so these files are decoded here: IDAT inflated with the browser's own
// zlib (DecompressionStream), scanlines unfiltered, Adam7 undone.

const CHANNELS = { 0: 1, 2: 3, 4: 2, 6: 4 };
// Adam7 passes: x start, y start, x step, y step.
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
];

function header(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 33 || String.fromCharCode(...bytes.subarray(12, 16)) !== "IHDR") return null;
  return {
    width: view.getUint32(16),
    height: view.getUint32(20),
    bitDepth: bytes[24],
    colorType: bytes[25],
    interlace: bytes[28],
  };
}

/** The size of a PNG whose samples are 16 bits (palette PNGs cannot be), else null. */
export function png16Size(bytes) {
  const ihdr = header(bytes);
  const sixteen = ihdr !== null && ihdr.bitDepth === 16 && ihdr.colorType in CHANNELS;
  return sixteen ? { width: ihdr.width, height: ihdr.height } : null;
}

/** Decode a 16-bit PNG to RGBA8 holding the RGB Pillow would produce (alpha left 255). */
export async function decodePng16(bytes) {
  const { width, height, colorType, interlace } = header(bytes);
  const channels = CHANNELS[colorType];
  const bpp = channels * 2;
  const data = await inflate(idat(bytes));
  const samples = new Uint16Array(width * height * channels);
  let offset = 0;
  const passes = interlace ? ADAM7 : [[0, 0, 1, 1]];
  for (const [x0, y0, dx, dy] of passes) {
    const passWidth = Math.ceil((width - x0) / dx);
    const passHeight = Math.ceil((height - y0) / dy);
    if (passWidth <= 0 || passHeight <= 0) continue;
    const stride = passWidth * bpp;
    let previous = new Uint8Array(stride);
    for (let row = 0; row < passHeight; row++) {
      if (offset + 1 + stride > data.length) throw new Error("truncated PNG data");
      const line = data.slice(offset + 1, offset + 1 + stride);
      unfilter(data[offset], line, previous, bpp);
      offset += 1 + stride;
      const y = y0 + row * dy;
      for (let col = 0; col < passWidth; col++) {
        const target = ((y * width) + x0 + col * dx) * channels;
        for (let c = 0; c < channels; c++) {
          const at = col * bpp + c * 2;
          samples[target + c] = (line[at] << 8) | line[at + 1];
        }
      }
      previous = line;
    }
  }
  return { width, height, rgba: toRgba(samples, channels, width * height) };
}

function idat(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const parts = [];
  for (let offset = 8; offset + 12 <= bytes.length; ) {
    const length = view.getUint32(offset);
    const type = String.fromCharCode(...bytes.subarray(offset + 4, offset + 8));
    if (type === "IDAT") parts.push(bytes.subarray(offset + 8, offset + 8 + length));
    if (type === "IEND") break;
    offset += 12 + length;
  }
  return new Blob(parts);
}

async function inflate(blob) {
  const stream = blob.stream().pipeThrough(new DecompressionStream("deflate"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function unfilter(filter, line, previous, bpp) {
  for (let i = 0; i < line.length; i++) {
    const left = i >= bpp ? line[i - bpp] : 0;
    const up = previous[i];
    const upLeft = i >= bpp ? previous[i - bpp] : 0;
    let predictor = 0;
    if (filter === 1) predictor = left;
    else if (filter === 2) predictor = up;
    else if (filter === 3) predictor = (left + up) >> 1;
    else if (filter === 4) predictor = paeth(left, up, upLeft);
    else if (filter !== 0) throw new Error(`unknown PNG filter ${filter}`);
    line[i] = (line[i] + predictor) & 0xff;
  }
}

function paeth(a, b, c) {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  if (pa <= pb && pa <= pc) return a;
  return pb <= pc ? b : c;
}

function toRgba(samples, channels, pixels) {
  const rgba = new Uint8Array(pixels * 4);
  for (let p = 0; p < pixels; p++) {
    const s = p * channels;
    let r;
    let g;
    let b;
    if (channels === 1) {
      r = g = b = Math.min(samples[s], 255); // I;16 -> RGB clips
    } else if (channels === 2) {
      r = g = b = samples[s] >> 8;
    } else {
      r = samples[s] >> 8;
      g = samples[s + 1] >> 8;
      b = samples[s + 2] >> 8;
    }
    rgba.set([r, g, b, 255], p * 4);
  }
  return rgba;
}
