// Decode an image file to the RGBA pixels the server's Pillow pipeline sees
// (hashing/images.py: Image.open, ImageOps.exif_transpose, convert("RGB")), so that
// PDQ over them equals the Python PDQ bit for bit.
//
// What that takes in a browser (../shared/reference/browser-hashing.md, and the
// measurements in tests/browser):
//  * No colour management: colorSpaceConversion "none". With the default, ICC
//    profiles moved PDQ by up to 36 bits.
//  * Alpha dropped without compositing, as convert("RGB") does. A 2D canvas stores
//    premultiplied pixels, so wherever alpha < 255 getImageData loses low bits, and
//    at alpha 0 the colour entirely. Translucent images are therefore read a second
//    time through a WebGL texture, which keeps the unpremultiplied values exactly.
//  * EXIF orientation applied exactly as exif_transpose does. Browsers apply it for
//    some formats and not others (Chromium ignores it in WebP), so a tiny probe
//    image per format finds out what this browser does, and we rotate ourselves
//    where it does not. Pillow also takes the orientation from XMP when EXIF has
//    none; browsers never do, so that case is always ours.
//  * 16-bit PNGs come out of browsers scaled to 8 bits, while Pillow clips 16-bit
//    greyscale at 255 and keeps the high byte otherwise: those are decoded by
//    png16.js instead.

import { decodePng16, png16Size } from "./png16.js";

const BITMAP_OPTIONS = {
  colorSpaceConversion: "none",
  premultiplyAlpha: "none",
  imageOrientation: "from-image",
};

// 2x1 images (red, green) tagged with EXIF orientation 6 (rotate 90 degrees clockwise):
// a browser that applies the tag decodes them as 1x2.
const ORIENTATION_PROBES = {
  jpeg:
    "/9j/4AAQSkZJRgABAQAAAQABAAD/4QAiRXhpZgAATU0AKgAAAAgAAQESAAMAAAABAAYAAAAAAAD/2wBDAAIBAQEBAQIBAQECAgICAgQDAgICAgUEBAMEBgUGBgYFBgYGBwkIBgcJBwYGCAsICQoKCgoKBggLDAsKDAkKCgr/2wBDAQICAgICAgUDAwUKBwYHCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgr/wAARCAABAAIDASIAAhEBAxEB/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3+Pn6/8QAHwEAAwEBAQEBAQEBAQAAAAAAAAECAwQFBgcICQoL/8QAtREAAgECBAQDBAcFBAQAAQJ3AAECAxEEBSExBhJBUQdhcRMiMoEIFEKRobHBCSMzUvAVYnLRChYkNOEl8RcYGRomJygpKjU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6goOEhYaHiImKkpOUlZaXmJmaoqOkpaanqKmqsrO0tba3uLm6wsPExcbHyMnK0tPU1dbX2Nna4uPk5ebn6Onq8vP09fb3+Pn6/9oADAMBAAIRAxEAPwDA8Af8iJon/YItv/RS0UUV/C2K/wB6qf4n+Z/n3xx/yWmZ/wDYRW/9OSP/2Q==",
  png: "iVBORw0KGgoAAAANSUhEUgAAAAIAAAABCAIAAAB7QOjdAAAAGmVYSWZNTQAqAAAACAABARIAAwAAAAEABgAAAAAAANZnS2kAAAAPSURBVHicYzghJydyQgQAB6UB9aXIENUAAAAASUVORK5CYII=",
  webp: "UklGRlYAAABXRUJQVlA4WAoAAAAIAAAAAQAAAAAAVlA4TBUAAAAvAQAAAA9wK+RT0F6BYv6jBRnR/wAARVhJRhoAAABNTQAqAAAACAABARIAAwAAAAEABgAAAAAAAA==",
};

const ORIENTATION_TAG = 0x0112;
const XMP_ORIENTATION = /tiff:Orientation(="|>)([0-9])/;
const latin1 = new TextDecoder("latin1");

/** Thrown when the bytes are not an image this browser can decode. */
export class NotAnImage extends Error {}

// Major brands of HEIF files holding HEVC-coded images (ISO/IEC 23008-12), iPhone photos among them.
const HEIC_BRANDS = new Set(["heic", "heix", "heim", "heis", "hevc", "hevx", "hevm", "hevs"]);

/**
 * Whether a file's first 12 bytes start a HEIC file: an ISO-BMFF `ftyp` box with a HEIC brand.
 * @param {Uint8Array} header
 */
export function isHeic(header) {
  const text = (start, end) => latin1.decode(header.subarray(start, end));
  return header.length >= 12 && text(4, 8) === "ftyp" && HEIC_BRANDS.has(text(8, 12));
}

/** Which container a file is, from its first bytes; null for anything else. */
function sniffFormat(bytes) {
  const at = (offset, text) => [...text].every((c, i) => bytes[offset + i] === c.charCodeAt(0));
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return "jpeg";
  if (at(0, "\x89PNG\r\n\x1a\n")) return "png";
  if (at(0, "RIFF") && at(8, "WEBP")) return "webp";
  if (at(0, "GIF8")) return "gif";
  if (at(0, "BM")) return "bmp";
  if (at(0, "II*\0") || at(0, "MM\0*")) return "tiff";
  return null;
}

/**
 * Decode a file's bytes to upright RGBA at full resolution.
 * @param {Uint8Array} bytes
 * @param {{maxPixels: number}} limits checked from the decoded size before pixels are read
 * @returns {Promise<{width: number, height: number, rgba: Uint8Array | Uint8ClampedArray}>}
 */
export async function decodeImage(bytes, limits) {
  const format = sniffFormat(bytes);
  const { orientation, inExif } = format ? orientationOf(bytes, format) : { orientation: 1 };
  let image;
  let browserOriented = false;
  const sixteen = format === "png" ? png16Size(bytes) : null;
  if (sixteen) {
    checkPixels(sixteen.width, sixteen.height, limits);
    image = await decodePng16(bytes);
  } else {
    image = await decodeWithBrowser(bytes, limits);
    // Browsers apply the EXIF tag (where they do at all), never XMP.
    browserOriented = inExif && (await browserOrients(format));
  }
  return orientation === 1 || browserOriented ? image : orient(image, orientation);
}

async function decodeWithBrowser(bytes, limits) {
  let bitmap;
  try {
    bitmap = await createImageBitmap(new Blob([bytes]), BITMAP_OPTIONS);
  } catch {
    throw new NotAnImage("not decodable");
  }
  try {
    const { width, height } = bitmap;
    checkPixels(width, height, limits);
    let rgba = readWith2d(bitmap);
    if (!opaque(rgba)) rgba = readWithWebgl(bitmap) ?? rgba;
    return { width, height, rgba };
  } finally {
    bitmap.close();
  }
}

function checkPixels(width, height, limits) {
  if (width * height > limits.maxPixels) {
    const error = new RangeError(`${width}x${height} is over ${limits.maxPixels} pixels`);
    error.code = "too_many_pixels";
    throw error;
  }
}

function readWith2d(bitmap) {
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const context = canvas.getContext("2d", { willReadFrequently: true });
  context.drawImage(bitmap, 0, 0);
  return context.getImageData(0, 0, bitmap.width, bitmap.height).data;
}

function opaque(rgba) {
  for (let i = 3; i < rgba.length; i += 4) if (rgba[i] !== 255) return false;
  return true;
}

// Unpremultiplied RGBA through a texture; null when WebGL is missing or the image is larger
// than a texture may be (the 2D pixels then stand, a few low bits off where translucent).
function readWithWebgl(bitmap) {
  const { width, height } = bitmap;
  const gl = new OffscreenCanvas(1, 1).getContext("webgl2");
  if (!gl) return null;
  const limit = gl.getParameter(gl.MAX_TEXTURE_SIZE);
  if (width > limit || height > limit) return null;
  const texture = gl.createTexture();
  gl.bindTexture(gl.TEXTURE_2D, texture);
  gl.pixelStorei(gl.UNPACK_PREMULTIPLY_ALPHA_WEBGL, false);
  gl.pixelStorei(gl.UNPACK_COLORSPACE_CONVERSION_WEBGL, gl.NONE);
  gl.pixelStorei(gl.UNPACK_FLIP_Y_WEBGL, false);
  gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA8, gl.RGBA, gl.UNSIGNED_BYTE, bitmap);
  const framebuffer = gl.createFramebuffer();
  gl.bindFramebuffer(gl.FRAMEBUFFER, framebuffer);
  gl.framebufferTexture2D(gl.FRAMEBUFFER, gl.COLOR_ATTACHMENT0, gl.TEXTURE_2D, texture, 0);
  if (gl.checkFramebufferStatus(gl.FRAMEBUFFER) !== gl.FRAMEBUFFER_COMPLETE) return null;
  const rgba = new Uint8Array(width * height * 4);
  gl.readPixels(0, 0, width, height, gl.RGBA, gl.UNSIGNED_BYTE, rgba);
  const ok = gl.getError() === gl.NO_ERROR;
  gl.deleteFramebuffer(framebuffer);
  gl.deleteTexture(texture);
  // Frees the context now rather than at garbage collection: browsers cap live contexts.
  gl.getExtension("WEBGL_lose_context")?.loseContext();
  return ok ? rgba : null;
}

const probed = new Map();

/** Whether this browser applies EXIF orientation when decoding `format` (probed once). */
function browserOrients(format) {
  if (!(format in ORIENTATION_PROBES)) return Promise.resolve(false);
  if (!probed.has(format)) {
    const bytes = Uint8Array.from(atob(ORIENTATION_PROBES[format]), (c) => c.charCodeAt(0));
    probed.set(
      format,
      createImageBitmap(new Blob([bytes]), BITMAP_OPTIONS).then(
        (bitmap) => {
          const rotated = bitmap.width === 1 && bitmap.height === 2;
          bitmap.close();
          return rotated;
        },
        () => false,
      ),
    );
  }
  return probed.get(format);
}

/**
 * The orientation Pillow's exif_transpose would apply (1 = none, else 2-8), and whether it
 * comes from the EXIF tag (Pillow falls back to XMP only when EXIF has no tag at all).
 */
function orientationOf(bytes, format) {
  const { exif, xmp } = metadataOf(bytes, format);
  let value = exif ? exifOrientation(exif) : null;
  const inExif = value !== null;
  if (!inExif && xmp) {
    const match = XMP_ORIENTATION.exec(xmp);
    value = match ? Number(match[2]) : null;
  }
  // exif_transpose leaves the image alone for 1, 0 and any value it has no method for.
  return { orientation: value >= 2 && value <= 8 ? value : 1, inExif };
}

// The raw EXIF (TIFF structure) and XMP text of a file, where Pillow looks for them.
function metadataOf(bytes, format) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const found = { exif: null, xmp: null };
  const text = (start, end) => latin1.decode(bytes.subarray(start, end));
  if (format === "jpeg") {
    let offset = 2;
    while (offset + 4 <= bytes.length && bytes[offset] === 0xff) {
      const marker = bytes[offset + 1];
      if (marker === 0xda || marker === 0xd9) break; // start of scan, end of image
      if (marker === 0xff) {
        offset += 1; // fill byte
        continue;
      }
      const length = view.getUint16(offset + 2);
      const start = offset + 4;
      const end = Math.min(offset + 2 + length, bytes.length);
      if (marker === 0xe1) {
        if (!found.exif && text(start, start + 6) === "Exif\0\0") {
          found.exif = bytes.subarray(start + 6, end);
        } else if (!found.xmp && text(start, start + 29) === "http://ns.adobe.com/xap/1.0/\0") {
          found.xmp = text(start + 29, end);
        }
      }
      offset = offset + 2 + length;
    }
  } else if (format === "png") {
    let offset = 8;
    while (offset + 12 <= bytes.length) {
      const length = view.getUint32(offset);
      const type = text(offset + 4, offset + 8);
      const data = bytes.subarray(offset + 8, Math.min(offset + 8 + length, bytes.length));
      if (type === "eXIf" && !found.exif) found.exif = data;
      if (type === "iTXt" && !found.xmp) found.xmp = pngXmp(data);
      if (type === "IEND") break;
      offset += 12 + length;
    }
  } else if (format === "webp") {
    let offset = 12;
    while (offset + 8 <= bytes.length) {
      const type = text(offset, offset + 4);
      const length = view.getUint32(offset + 4, true);
      const data = bytes.subarray(offset + 8, Math.min(offset + 8 + length, bytes.length));
      if (type === "EXIF" && !found.exif) {
        // Some writers keep JPEG's "Exif\0\0" prefix here; Pillow accepts both.
        found.exif = latin1.decode(data.subarray(0, 6)) === "Exif\0\0" ? data.subarray(6) : data;
      }
      if (type === "XMP " && !found.xmp) found.xmp = latin1.decode(data);
      offset += 8 + length + (length & 1);
    }
  }
  return found;
}

// The XMP packet of an uncompressed iTXt chunk with the keyword Pillow reads it from.
function pngXmp(data) {
  const keyword = "XML:com.adobe.xmp\0";
  if (latin1.decode(data.subarray(0, keyword.length)) !== keyword) return null;
  if (data[keyword.length] !== 0) return null; // compressed: left to a rarer day
  let offset = keyword.length + 2;
  for (let zeros = 0; zeros < 2 && offset < data.length; offset++) if (data[offset] === 0) zeros++;
  return latin1.decode(data.subarray(offset));
}

// Orientation from IFD0 of a TIFF structure, or null.
function exifOrientation(tiff) {
  if (tiff.length < 8) return null;
  const view = new DataView(tiff.buffer, tiff.byteOffset, tiff.byteLength);
  const little = tiff[0] === 0x49 && tiff[1] === 0x49;
  if (!little && !(tiff[0] === 0x4d && tiff[1] === 0x4d)) return null;
  const ifd = view.getUint32(4, little);
  if (ifd + 2 > tiff.length) return null;
  const entries = view.getUint16(ifd, little);
  for (let i = 0; i < entries; i++) {
    const entry = ifd + 2 + 12 * i;
    if (entry + 12 > tiff.length) return null;
    if (view.getUint16(entry, little) !== ORIENTATION_TAG) continue;
    const type = view.getUint16(entry + 2, little);
    if (type === 3) return view.getUint16(entry + 8, little); // SHORT
    if (type === 4) return view.getUint32(entry + 8, little); // LONG
    return null;
  }
  return null;
}

// Pillow's transposes for orientations 2-8, as "destination (x, y) reads source (sx, sy)".
const TRANSPOSES = {
  2: (x, y, w, h) => [w - 1 - x, y], // FLIP_LEFT_RIGHT
  3: (x, y, w, h) => [w - 1 - x, h - 1 - y], // ROTATE_180
  4: (x, y, w, h) => [x, h - 1 - y], // FLIP_TOP_BOTTOM
  5: (x, y) => [y, x], // TRANSPOSE
  6: (x, y, w, h) => [y, h - 1 - x], // ROTATE_270
  7: (x, y, w, h) => [w - 1 - y, h - 1 - x], // TRANSVERSE
  8: (x, y, w) => [w - 1 - y, x], // ROTATE_90
};

/** The image with an EXIF orientation (2-8) undone, as exif_transpose does. */
function orient(image, orientation) {
  const { width: w, height: h, rgba } = image;
  const swaps = orientation >= 5;
  const width = swaps ? h : w;
  const height = swaps ? w : h;
  const source = new Uint32Array(rgba.buffer, rgba.byteOffset, w * h);
  const out = new Uint32Array(width * height);
  const map = TRANSPOSES[orientation];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [sx, sy] = map(x, y, w, h);
      out[y * width + x] = source[sy * w + sx];
    }
  }
  return { width, height, rgba: new Uint8Array(out.buffer) };
}
