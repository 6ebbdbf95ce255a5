// PDQ perceptual hash (256 bits) for the in-browser hasher.
//
// A JavaScript port of Meta's reference C++ PDQ hashing core
// (facebook/ThreatExchange, pdq/cpp: hashing/pdqhashing.cpp,
// downscaling/downscaling.cpp, hashing/torben.cpp), written to agree bit for bit
// with Python `pdqhash` 0.2.8, which runs that C++ core on the full-resolution
// RGB buffer. The reference is Copyright (c) Meta Platforms, Inc. and
// affiliates, BSD licence; this port keeps that notice (see
// tests/vectors/pdq/LICENSE.threatexchange).
//
// What "bit for bit" requires, and how this file does it:
//  * Luminance exactly as pdqhash's Cython binding computes it: in float64,
//    (R*0.299 + G*0.587) + B*0.114, then rounded to float32. (The C++ helper
//    fillFloatLumaFromRGB uses float32 coefficients instead; pdqhash does not
//    call it.)
//  * Everything after that is float32 arithmetic in the C++ evaluation order.
//    Every +, -, *, / of two float32 values is done in float64 and rounded with
//    Math.fround (or by storing into a Float32Array); for these operations that
//    gives the correctly rounded float32 result, i.e. the same bits as C++ on
//    x86-64/SSE without FMA contraction, which is how pdqhash is built there.
//    This matters: without the Math.fround rounding the hash is unchanged on
//    natural photos, but on flat or periodic images, where many DCT values sit
//    on or next to the median, it moved by up to 116 of 256 bits in our
//    synthetic cases.
//  * Jarosz filter: window = ceil(dim / 128) per axis (computeJaroszFilterWindowSize
//    with a 64 target), two passes of rows then columns, running-sum box filter with
//    the reference's four phases (the running sum, not a fresh window sum, is what
//    rounds).
//  * A 64x64 input skips the filter (the reference's video-frame shortcut);
//    a side under 5 pixels gives the all-zero hash with quality 0.
//  * Decimation samples the blurred image at ((i + 0.5) * dim) / 64, truncated.
//  * Quality: the reference's integer gradient heuristic on the 64x64 image.
//  * DCT: 16x64 float32 matrix sqrt(2/64) * cos(pi/128 * (i+1) * (2j+1)),
//    T = D A then B = T D^T, summed in index order.
//  * Threshold: Torben's median (the 128th smallest of 256 values); bit
//    i*16+j is set when B[i][j] > median, so values equal to the median are 0.
//  * Hex: 16 words of 16 bits, word 15 first, each as 4 hex digits, the same
//    as pdqhash's bit vector read most-significant bit first.
//
// Deliberately NOT done: the 512x512 nearest-neighbour pre-resize of the
// C++ CLI and of ThreatExchange's WASM build. The server hashes full resolution.
//
// Input: pixels exactly as the server's Pillow pipeline sees them
// (hashing/images.py): EXIF orientation applied, alpha dropped without
// compositing, no colour management. Decoding is the caller's job. In Chromium,
// createImageBitmap(blob, {colorSpaceConversion: "none", premultiplyAlpha: "none"})
// then getImageData matched Pillow's pixels for opaque JPEG/PNG; translucent
// pixels lose low bits in a 2D canvas (premultiplied storage).
//
// Cost: one float32 per pixel of scratch (48 MB at 12 MP) plus small buffers.
// Node 20 on a shared 2-vCPU Xeon VM (web/: npm run bench): 1 MP about 20-40 ms,
// 12 MP about 250-450 ms once warm; the first call adds JIT warm-up (~100 ms).
//
// Verified by web/test/pdq-parity.test.js against pdqhash: hash, quality and all
// 256 float32 DCT values, on the PDQ vectors, synthetic edge cases, 12 MP
// buffers and the development corpus.
//
// No dependencies; an ES module usable in a Web Worker, a page, or Node.

export const PDQ_HASH_BITS = 256;
export const PDQ_MIN_HASHABLE_DIM = 5;

const DOWNSAMPLE_DIM = 64;
const DCT_DIM = 16;
const JAROSZ_PASSES = 2;

const fround = Math.fround;

// Luminance lookup tables: v * coefficient in float64, exactly as numpy does it.
const LUMA_R = new Float64Array(256);
const LUMA_G = new Float64Array(256);
const LUMA_B = new Float64Array(256);
for (let v = 0; v < 256; v++) {
  LUMA_R[v] = v * 0.299;
  LUMA_G[v] = v * 0.587;
  LUMA_B[v] = v * 0.114;
}

// DCT matrix, 16 rows x 64 columns, float32, row-major (element i,j at i*64+j):
//   C++: const float scale = sqrt(2.0 / 64);
//        D[i][j] = scale * cos((pi / 2.0 / 64) * (i + 1) * (2 * j + 1))
//   (the product in double, stored as float).
// Embedded as little-endian float32 bytes rather than computed with Math.cos:
// JS engines do not promise the C library's cos to the last bit (V8 differs from
// glibc in 34 of these 1024 doubles, though not after rounding to float32).
// Regenerate with `.venv/bin/python web/scripts/dump_pixels.py --dct-matrix`;
// web/test/pdq.test.js checks it against that and against the formula.
export const DCT_MATRIX_BASE64 =
  "/vY0PmOHND5yqDM+tFoyPvaeMD5Mdi4+CuIrPsbjKD5ZfSU+3bAhPqiAHT5R7xg+qP8TPrm0Dj7HEQk+TBoDPu2j+T1Neew9" +
  "1bzePf920D2YsME9vXKyPdXGoj2JtpI9wUuCPT0hYz3kHkE9cKUePUqU9zwERbE81BBVPHEojjtxKI671BBVvARFsbxKlPe8" +
  "cKUeveQeQb09IWO9wUuCvYm2kr3VxqK9vXKyvZiwwb3/dtC91bzevU157L3to/m9TBoDvscRCb65tA6+qP8TvlHvGL6ogB2+" +
  "3bAhvll9Jb7G4yi+CuIrvkx2Lr72njC+tFoyvnKoM75jhzS+/vY0viHNND5hDzM+K5gvPgxwKj65oyM+9UMbPmZlET5hIAY+" +
  "XCHzPYuq1z0FILo9nsqaPS/vcz277y89CX3UPHsdDjx7HQ68CX3UvLvvL70v73O9nsqavQUgur2Lqte9XCHzvWEgBr5mZRG+" +
  "9UMbvrmjI74McCq+K5gvvmEPM74hzTS+Ic00vmEPM74rmC++DHAqvrmjI771Qxu+ZmURvmEgBr5cIfO9i6rXvQUgur2eypq9" +
  "L+9zvbvvL70JfdS8ex0OvHsdDjwJfdQ8u+8vPS/vcz2eypo9BSC6PYuq1z1cIfM9YSAGPmZlET71Qxs+uaMjPgxwKj4rmC8+" +
  "YQ8zPiHNND5jhzQ+9p4wPsbjKD6ogB0+ubQOPu2j+T3/dtA91caiPT0hYz1KlPc8cSiOOwRFsbzkHkG9ibaSvZiwwb1Neey9" +
  "xxEJvlHvGL5ZfSW+THYuvnKoM77+9jS+tFoyvgriK77dsCG+qP8TvkwaA77VvN69vXKyvcFLgr1wpR691BBVvNQQVTxwpR49" +
  "wUuCPb1ysj3VvN49TBoDPqj/Ez7dsCE+CuIrPrRaMj7+9jQ+cqgzPkx2Lj5ZfSU+Ue8YPscRCT5Neew9mLDBPYm2kj3kHkE9" +
  "BEWxPHEojrtKlPe8PSFjvdXGor3/dtC97aP5vbm0Dr6ogB2+xuMovvaeML5jhzS+ziU0PoY5LT4SpR8+Cu4LPsas5T3yqao9" +
  "RTBSPanxjTyp8Y28RTBSvfKpqr3GrOW9Cu4LvhKlH76GOS2+ziU0vs4lNL6GOS2+EqUfvgruC77GrOW98qmqvUUwUr2p8Y28" +
  "qfGNPEUwUj3yqao9xqzlPQruCz4SpR8+hjktPs4lND7OJTQ+hjktPhKlHz4K7gs+xqzlPfKpqj1FMFI9qfGNPKnxjbxFMFK9" +
  "8qmqvcas5b0K7gu+EqUfvoY5Lb7OJTS+ziU0voY5Lb4SpR++Cu4Lvsas5b3yqaq9RTBSvanxjbyp8Y08RTBSPfKpqj3GrOU9" +
  "Cu4LPhKlHz6GOS0+ziU0PnKoMz7G4yg+qP8TPk157D3VxqI9cKUePXEojrvkHkG9vXKyve2j+b1R7xi+CuIrvmOHNL60WjK+" +
  "WX0lvrm0Dr7VvN69ibaSvUqU97zUEFU8PSFjPZiwwT1MGgM+qIAdPkx2Lj7+9jQ+9p4wPt2wIT7HEQk+/3bQPcFLgj0ERbE8" +
  "BEWxvMFLgr3/dtC9xxEJvt2wIb72njC+/vY0vkx2Lr6ogB2+TBoDvpiwwb09IWO91BBVvEqU9zyJtpI91bzePbm0Dj5ZfSU+" +
  "tFoyPmOHND4K4is+Ue8YPu2j+T29crI95B5BPXEojjtwpR691caivU157L2o/xO+xuMovnKoM75hDzM+uaMjPmEgBj4FILo9" +
  "u+8vPXsdDrwv73O9i6rXvWZlEb4McCq+Ic00viuYL771Qxu+XCHzvZ7Kmr0JfdS8CX3UPJ7Kmj1cIfM99UMbPiuYLz4hzTQ+" +
  "DHAqPmZlET6Lqtc9L+9zPXsdDjy77y+9BSC6vWEgBr65oyO+YQ8zvmEPM765oyO+YSAGvgUgur277y+9ex0OPC/vcz2Lqtc9" +
  "ZmURPgxwKj4hzTQ+K5gvPvVDGz5cIfM9nsqaPQl91DwJfdS8nsqavVwh8731Qxu+K5gvviHNNL4McCq+ZmURvouq170v73O9" +
  "ex0OvLvvLz0FILo9YSAGPrmjIz5hDzM+tFoyPqiAHT5Neew9wUuCPXEojjs9IWO91bzevVHvGL72njC+cqgzvt2wIb7to/m9" +
  "ibaSvdQQVbzkHkE9/3bQPaj/Ez5Mdi4+Y4c0Pll9JT5MGgM+1caiPQRFsTxwpR69mLDBvbm0Dr4K4iu+/vY0vsbjKL7HEQm+" +
  "vXKyvUqU97xKlPc8vXKyPccRCT7G4yg+/vY0PgriKz65tA4+mLDBPXClHj0ERbG81caivUwaA75ZfSW+Y4c0vkx2Lr6o/xO+" +
  "/3bQveQeQb3UEFU8ibaSPe2j+T3dsCE+cqgzPvaeMD5R7xg+1bzePT0hYz1xKI67wUuCvU157L2ogB2+tFoyvoWKMT4XgxY+" +
  "TiPJPa9CDT2vQg29TiPJvReDFr6FijG+hYoxvheDFr5OI8m9r0INva9CDT1OI8k9F4MWPoWKMT6FijE+F4MWPk4jyT2vQg09" +
  "r0INvU4jyb0Xgxa+hYoxvoWKMb4Xgxa+TiPJva9CDb2vQg09TiPJPReDFj6FijE+hYoxPheDFj5OI8k9r0INPa9CDb1OI8m9" +
  "F4MWvoWKMb6FijG+F4MWvk4jyb2vQg29r0INPU4jyT0XgxY+hYoxPoWKMT4XgxY+TiPJPa9CDT2vQg29TiPJvReDFr6FijG+" +
  "hYoxvheDFr5OI8m9r0INva9CDT1OI8k9F4MWPoWKMT72njA+ubQOPtXGoj1xKI47ibaSvccRCb5Mdi6+tFoyvqj/E769crK9" +
  "1BBVvMFLgj1MGgM+CuIrPnKoMz5R7xg+mLDBPQRFsTw9IWO97aP5vcbjKL5jhzS+qIAdvv920L1KlPe85B5BPU157D1ZfSU+" +
  "/vY0Pt2wIT7VvN49cKUePXClHr3VvN693bAhvv72NL5ZfSW+TXnsveQeQb1KlPc8/3bQPaiAHT5jhzQ+xuMoPu2j+T09IWM9" +
  "BEWxvJiwwb1R7xi+cqgzvgriK75MGgO+wUuCvdQQVTy9crI9qP8TPrRaMj5Mdi4+xxEJPom2kj1xKI671caivbm0Dr72njC+" +
  "K5gvPmEgBj4v73M9CX3UvIuq1725oyO+Ic00vvVDG74FILq9ex0OvJ7Kmj1mZRE+YQ8zPgxwKj5cIfM9u+8vPbvvL71cIfO9" +
  "DHAqvmEPM75mZRG+nsqavXsdDjwFILo99UMbPiHNND65oyM+i6rXPQl91Dwv73O9YSAGviuYL74rmC++YSAGvi/vc70JfdQ8" +
  "i6rXPbmjIz4hzTQ+9UMbPgUguj17HQ48nsqavWZlEb5hDzO+DHAqvlwh87277y+9u+8vPVwh8z0McCo+YQ8zPmZlET6eypo9" +
  "ex0OvAUgur31Qxu+Ic00vrmjI76Lqte9CX3UvC/vcz1hIAY+K5gvPkx2Lj7to/k9cKUePT0hY73HEQm+tFoyvsbjKL7VvN69" +
  "BEWxvIm2kj2o/xM+Y4c0Pt2wIT6YsME9cSiOO71ysr2ogB2+/vY0vlHvGL7VxqK91BBVPP920D1ZfSU+cqgzPrm0Dj7BS4I9" +
  "SpT3vE157L0K4iu+9p4wvkwaA77kHkG95B5BPUwaAz72njA+CuIrPk157D1KlPc8wUuCvbm0Dr5yqDO+WX0lvv920L3UEFW8" +
  "1caiPVHvGD7+9jQ+qIAdPr1ysj1xKI67mLDBvd2wIb5jhzS+qP8Tvom2kr0ERbE81bzePcbjKD60WjI+xxEJPj0hYz1wpR69" +
  "7aP5vUx2Lr6GOS0+xqzlPanxjTzyqaq9EqUfvs4lNL4K7gu+RTBSvUUwUj0K7gs+ziU0PhKlHz7yqao9qfGNvMas5b2GOS2+" +
  "hjktvsas5b2p8Y288qmqPRKlHz7OJTQ+Cu4LPkUwUj1FMFK9Cu4Lvs4lNL4SpR++8qmqvanxjTzGrOU9hjktPoY5LT7GrOU9" +
  "qfGNPPKpqr0SpR++ziU0vgruC75FMFK9RTBSPQruCz7OJTQ+EqUfPvKpqj2p8Y28xqzlvYY5Lb6GOS2+xqzlvanxjbzyqao9" +
  "EqUfPs4lND4K7gs+RTBSPUUwUr0K7gu+ziU0vhKlH77yqaq9qfGNPMas5T2GOS0+CuIrPv920D1xKI671bzevUx2Lr7G4yi+" +
  "mLDBvdQQVTxNeew99p4wPll9JT69crI9BEWxvO2j+b20WjK+3bAhvtXGor1KlPc8TBoDPnKoMz6ogB0+ibaSPXClHr3HEQm+" +
  "Y4c0vlHvGL7BS4K95B5BPbm0Dj7+9jQ+qP8TPj0hYz09IWO9qP8Tvv72NL65tA6+5B5BvcFLgj1R7xg+Y4c0PscRCT5wpR49" +
  "ibaSvaiAHb5yqDO+TBoDvkqU97zVxqI93bAhPrRaMj7to/k9BEWxPL1ysr1ZfSW+9p4wvk157L3UEFW8mLDBPcbjKD5Mdi4+" +
  "1bzePXEojjv/dtC9CuIrvgxwKj4FILo9CX3UvGEgBr4hzTS+ZmURvrvvL72eypo9uaMjPiuYLz6Lqtc9ex0OvFwh871hDzO+" +
  "9UMbvi/vc70v73M99UMbPmEPMz5cIfM9ex0OPIuq170rmC++uaMjvp7Kmr277y89ZmURPiHNND5hIAY+CX3UPAUgur0McCq+" +
  "DHAqvgUgur0JfdQ8YSAGPiHNND5mZRE+u+8vPZ7Kmr25oyO+K5gvvouq1717HQ48XCHzPWEPMz71Qxs+L+9zPS/vc731Qxu+" +
  "YQ8zvlwh8717HQ68i6rXPSuYLz65oyM+nsqaPbvvL71mZRG+Ic00vmEgBr4JfdS8BSC6PQxwKj7G4yg+1caiPeQeQb1R7xi+" +
  "tFoyvtW83r3UEFU8TBoDPv72ND7HEQk+BEWxPP920L32njC+qIAdvj0hY72JtpI9WX0lPgriKz69crI9cKUevaj/E75yqDO+" +
  "TXnsvXEojjvto/k9Y4c0Prm0Dj5KlPc8mLDBvUx2Lr7dsCG+wUuCvcFLgj3dsCE+THYuPpiwwT1KlPe8ubQOvmOHNL7to/m9" +
  "cSiOu0157D1yqDM+qP8TPnClHj29crK9CuIrvll9Jb6JtpK9PSFjPaiAHT72njA+/3bQPQRFsbzHEQm+/vY0vkwaA77UEFW8" +
  "1bzePbRaMj5R7xg+5B5BPdXGor3G4yi+dD0nPtSLij3Ui4q9dD0nvnQ9J77Ui4q91IuKPXQ9Jz50PSc+1IuKPdSLir10PSe+" +
  "dD0nvtSLir3Ui4o9dD0nPnQ9Jz7Ui4o91IuKvXQ9J750PSe+1IuKvdSLij10PSc+dD0nPtSLij3Ui4q9dD0nvnQ9J77Ui4q9" +
  "1IuKPXQ9Jz50PSc+1IuKPdSLir10PSe+dD0nvtSLir3Ui4o9dD0nPnQ9Jz7Ui4o91IuKvXQ9J750PSe+1IuKvdSLij10PSc+" +
  "dD0nPtSLij3Ui4q9dD0nvnQ9J77Ui4q91IuKPXQ9Jz50PSc+1IuKPdSLir10PSe+dD0nvtSLir3Ui4o9dD0nPg==";
const DCT_MATRIX = decodeFloat32LE(DCT_MATRIX_BASE64);

function decodeFloat32LE(base64) {
  const binary = atob(base64);
  const view = new DataView(new ArrayBuffer(binary.length));
  for (let i = 0; i < binary.length; i++) view.setUint8(i, binary.charCodeAt(i));
  const values = new Float32Array(binary.length / 4);
  for (let i = 0; i < values.length; i++) values[i] = view.getFloat32(4 * i, true);
  return values;
}

// Small fixed-size scratch, reused across calls (pdqHash is synchronous).
const buffer64x64 = new Float32Array(DOWNSAMPLE_DIM * DOWNSAMPLE_DIM);
const buffer16x64 = new Float32Array(DCT_DIM * DOWNSAMPLE_DIM);

/**
 * PDQ hash of an image buffer.
 *
 * @param {Uint8Array|Uint8ClampedArray|ArrayLike<number>} pixels row-major,
 *   RGBA (canvas getImageData) by default, or RGB with {channels: 3}. Alpha is ignored.
 * @param {number} width
 * @param {number} height
 * @param {{channels?: 3|4, box?: number[]}} [options] `box` [left, top, right, bottom): hash
 *   that part of the image, exactly as a copy cropped to it (the default is all of it)
 * @returns {{hash: string, quality: number}} hash: 64 lowercase hex digits
 *   (canonical PDQ order), quality: 0..100 (Meta suggests rejecting <= 49).
 */
export function pdqHash(pixels, width, height, options = {}) {
  const { dct, quality } = pdqFloat256(pixels, width, height, options);
  if (dct === null) {
    return { hash: "0".repeat(PDQ_HASH_BITS / 4), quality: 0 };
  }
  return { hash: dctToHex(dct), quality };
}

/**
 * The unthresholded 16x16 DCT behind the hash, plus quality; for tests and tools.
 * dct is row-major (i*16+j) float32, or null when a side is under 5 pixels
 * (pdqhash then returns the all-zero hash and quality 0).
 *
 * @returns {{dct: Float32Array|null, quality: number}}
 */
export function pdqFloat256(pixels, width, height, options = {}) {
  const channels = options.channels ?? 4;
  validate(pixels, width, height, channels);
  const [left, top, right, bottom] = options.box ?? [0, 0, width, height];
  validateBox(width, height, [left, top, right, bottom]);
  const numCols = right - left;
  const numRows = bottom - top;
  if (numCols < PDQ_MIN_HASHABLE_DIM || numRows < PDQ_MIN_HASHABLE_DIM) {
    return { dct: null, quality: 0 };
  }
  // Rows of the box are read in place: a crop of a 40-megapixel photo is not copied.
  const source = { pixels, channels, origin: (top * width + left) * channels, stride: width * channels };

  if (numCols === DOWNSAMPLE_DIM && numRows === DOWNSAMPLE_DIM) {
    // The reference's shortcut for frames already downsampled: no blur at all.
    loadRows(source, 0, numRows, numCols, buffer64x64);
  } else {
    blurAndDecimate(source, numRows, numCols, buffer64x64);
  }

  const quality = imageDomainQuality(buffer64x64);
  const dct = new Float32Array(DCT_DIM * DCT_DIM);
  dct64To16(buffer64x64, buffer16x64, dct);
  return { dct, quality };
}

function validate(pixels, width, height, channels) {
  if (channels !== 3 && channels !== 4) {
    throw new RangeError(`channels must be 3 (RGB) or 4 (RGBA), got ${channels}`);
  }
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`width and height must be positive integers, got ${width}x${height}`);
  }
  const expected = width * height * channels;
  if (!pixels || pixels.length !== expected) {
    const got = pixels ? pixels.length : pixels;
    throw new RangeError(
      `expected ${expected} bytes for ${width}x${height} with ${channels} channels, got ${got}`,
    );
  }
}

function validateBox(width, height, [left, top, right, bottom]) {
  const inside = [left, top, right, bottom].every(Number.isInteger) && left >= 0 && top >= 0;
  if (!inside || right <= left || bottom <= top || right > width || bottom > height) {
    throw new RangeError(`box ${[left, top, right, bottom]} is not inside ${width}x${height}`);
  }
}

// C++ computeJaroszFilterWindowSize(oldDimension, 64): integer ceil(old / 128).
function jaroszWindowSize(oldDimension) {
  return Math.floor((oldDimension + 2 * DOWNSAMPLE_DIM - 1) / (2 * DOWNSAMPLE_DIM));
}

// jaroszFilterFloat(rows x cols, windows, 2 passes) then decimateFloat to 64x64,
// with the same float32 operations in the same order per row and per column,
// but organised for speed and memory:
//  * one full-size float32 buffer instead of the reference's two: each pass
//    works in place (rows via a small copy, columns via a ring of the rows the
//    running sum still has to subtract);
//  * luminance is computed row by row inside the first row pass;
//  * rows are filtered four at a time (independent running sums interleaved,
//    which hides the float32 rounding latency), columns all at once, row by row;
//  * the last column pass runs only over the 64 sampled columns and keeps only
//    the 64 sampled rows. Each running sum depends only on its own row or
//    column, so none of this changes a single bit.
function blurAndDecimate(source, numRows, numCols, out64x64) {
  const windowAlongRows = jaroszWindowSize(numCols);
  const windowAlongCols = jaroszWindowSize(numRows);
  const buffer = new Float32Array(numRows * numCols);
  const rowBlock = new Float32Array(ROW_BLOCK * numCols);
  const ring = new Float32Array(boxPhases(numRows, windowAlongCols)[1] * numCols);

  for (let pass = 0; pass < JAROSZ_PASSES; pass++) {
    boxAlongRows(buffer, numRows, numCols, windowAlongRows, rowBlock, pass === 0 ? source : null);
    if (pass < JAROSZ_PASSES - 1) {
      boxAlongCols(buffer, numRows, numCols, windowAlongCols, ring);
    } else {
      boxAlongSampledCols(buffer, numRows, numCols, windowAlongCols,
        sampleIndices(numRows), sampleIndices(numCols), out64x64);
    }
  }
}

const ROW_BLOCK = 4;

// decimateFloat: "target centers not corners".
function sampleIndices(inDim) {
  const indices = new Int32Array(DOWNSAMPLE_DIM);
  for (let i = 0; i < DOWNSAMPLE_DIM; i++) {
    indices[i] = Math.trunc(((i + 0.5) * inDim) / DOWNSAMPLE_DIM);
  }
  return indices;
}

// Phase lengths of the reference box1DFloat for a vector and a full window:
// [accumulate only, grow and write, slide and write, shrink and write].
function boxPhases(length, fullWindow) {
  const half = Math.trunc((fullWindow + 2) / 2); // 7 -> 4, 8 -> 5
  return [half - 1, fullWindow - half + 1, length - fullWindow, half - 1];
}

// box1DFloat along every row, in place. Source rows are copied (or, on the
// first pass, computed as luminance from the source's pixels) into rowBlock first.
function boxAlongRows(buffer, numRows, numCols, fullWindow, rowBlock, source) {
  const phases = boxPhases(numCols, fullWindow);
  const load = (r, count) => {
    if (source === null) rowBlock.set(buffer.subarray(r * numCols, (r + count) * numCols));
    else loadRows(source, r, count, numCols, rowBlock);
  };
  let r = 0;
  for (; r + ROW_BLOCK <= numRows; r += ROW_BLOCK) {
    load(r, ROW_BLOCK);
    boxFourRows(rowBlock, buffer, r * numCols, numCols, phases);
  }
  for (; r < numRows; r++) {
    load(r, 1);
    boxOneRow(rowBlock, buffer, r * numCols, phases);
  }
}

// Luminance as pdqhash computes it, float64 (R*0.299 + G*0.587) + B*0.114 stored as
// float32, of `count` rows of the box from its row `firstRow`.
function loadRows({ pixels, channels, origin, stride }, firstRow, count, numCols, luma) {
  for (let row = 0, p = 0; row < count; row++) {
    const start = origin + (firstRow + row) * stride;
    for (let o = start, end = start + numCols * channels; o < end; p++, o += channels) {
      luma[p] = LUMA_R[pixels[o]] + LUMA_G[pixels[o + 1]] + LUMA_B[pixels[o + 2]];
    }
  }
}

function boxOneRow(input, output, outBase, [p1, p2, p3, p4]) {
  let ri = 0;
  let li = 0;
  let oi = outBase;
  let sum = 0;
  let size = 0;
  for (let i = 0; i < p1; i++) {
    sum = fround(sum + input[ri++]);
    size++;
  }
  for (let i = 0; i < p2; i++) {
    sum = fround(sum + input[ri++]);
    size++;
    output[oi++] = sum / size;
  }
  for (let i = 0; i < p3; i++) {
    sum = fround(sum + input[ri++]);
    sum = fround(sum - input[li++]);
    output[oi++] = sum / size;
  }
  for (let i = 0; i < p4; i++) {
    sum = fround(sum - input[li++]);
    size--;
    output[oi++] = sum / size;
  }
}

// boxOneRow on four consecutive rows at once (same operations per row).
function boxFourRows(input, output, outBase, n, [p1, p2, p3, p4]) {
  let ri = 0;
  let li = 0;
  let oi = outBase;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let size = 0;
  const n2 = 2 * n;
  const n3 = 3 * n;
  for (let i = 0; i < p1; i++, ri++) {
    s0 = fround(s0 + input[ri]);
    s1 = fround(s1 + input[ri + n]);
    s2 = fround(s2 + input[ri + n2]);
    s3 = fround(s3 + input[ri + n3]);
    size++;
  }
  for (let i = 0; i < p2; i++, ri++, oi++) {
    s0 = fround(s0 + input[ri]);
    s1 = fround(s1 + input[ri + n]);
    s2 = fround(s2 + input[ri + n2]);
    s3 = fround(s3 + input[ri + n3]);
    size++;
    output[oi] = s0 / size;
    output[oi + n] = s1 / size;
    output[oi + n2] = s2 / size;
    output[oi + n3] = s3 / size;
  }
  for (let i = 0; i < p3; i++, ri++, li++, oi++) {
    s0 = fround(fround(s0 + input[ri]) - input[li]);
    s1 = fround(fround(s1 + input[ri + n]) - input[li + n]);
    s2 = fround(fround(s2 + input[ri + n2]) - input[li + n2]);
    s3 = fround(fround(s3 + input[ri + n3]) - input[li + n3]);
    output[oi] = s0 / size;
    output[oi + n] = s1 / size;
    output[oi + n2] = s2 / size;
    output[oi + n3] = s3 / size;
  }
  for (let i = 0; i < p4; i++, li++, oi++) {
    s0 = fround(s0 - input[li]);
    s1 = fround(s1 - input[li + n]);
    s2 = fround(s2 - input[li + n2]);
    s3 = fround(s3 - input[li + n3]);
    size--;
    output[oi] = s0 / size;
    output[oi + n] = s1 / size;
    output[oi + n2] = s2 / size;
    output[oi + n3] = s3 / size;
  }
}

// box1DFloat down every column, in place, all columns advanced together row by
// row so memory is read sequentially. sums[] is float32, so each += / -= rounds
// like the reference's float accumulator. Output row o overwrites input row o,
// which the running sum subtracts again p2 rows later, so the original is kept
// in ring slot o % p2 until then (the slot is read before it is reused).
function boxAlongCols(buffer, numRows, numCols, fullWindow, ring) {
  const [p1, p2, p3, p4] = boxPhases(numRows, fullWindow);
  const sums = new Float32Array(numCols);
  let ri = 0; // offset of the next row to add
  let li = 0; // row number of the next row to subtract (its original is in the ring)
  let oi = 0; // row number of the next output row
  let size = 0;
  for (let i = 0; i < p1; i++, ri += numCols) {
    size++;
    for (let j = 0; j < numCols; j++) sums[j] += buffer[ri + j];
  }
  for (let i = 0; i < p2; i++, ri += numCols, oi++) {
    size++;
    const o = oi * numCols;
    const slot = (oi % p2) * numCols;
    for (let j = 0; j < numCols; j++) {
      sums[j] += buffer[ri + j];
      ring[slot + j] = buffer[o + j];
      buffer[o + j] = sums[j] / size;
    }
  }
  for (let i = 0; i < p3; i++, ri += numCols, li++, oi++) {
    const o = oi * numCols;
    const slot = (oi % p2) * numCols; // == (li % p2) * numCols, since oi - li == p2
    for (let j = 0; j < numCols; j++) {
      const sum = fround(fround(sums[j] + buffer[ri + j]) - ring[slot + j]);
      sums[j] = sum;
      ring[slot + j] = buffer[o + j];
      buffer[o + j] = sum / size;
    }
  }
  for (let i = 0; i < p4; i++, li++, oi++) {
    size--;
    const o = oi * numCols;
    const slot = (oi % p2) * numCols;
    for (let j = 0; j < numCols; j++) {
      sums[j] -= ring[slot + j];
      ring[slot + j] = buffer[o + j];
      buffer[o + j] = sums[j] / size;
    }
  }
}

// The last column pass, restricted to the 64 sampled columns; writes the 64
// sampled rows straight into the 64x64 output (what decimateFloat would pick).
function boxAlongSampledCols(input, numRows, numCols, fullWindow, sampleRows, sampleCols, out) {
  const [p1, p2, p3, p4] = boxPhases(numRows, fullWindow);
  const sums = new Float32Array(DOWNSAMPLE_DIM);
  const values = new Float32Array(DOWNSAMPLE_DIM);
  let row = 0; // next input row to add
  let leftRow = 0; // next input row to subtract
  let outRow = 0; // output row being written
  let nextSample = 0; // index into sampleRows
  let size = 0;

  const emit = () => {
    // Several output rows sample the same input row when numRows < 64.
    while (nextSample < DOWNSAMPLE_DIM && sampleRows[nextSample] === outRow) {
      out.set(values, nextSample * DOWNSAMPLE_DIM);
      nextSample++;
    }
    outRow++;
  };

  for (let i = 0; i < p1; i++, row++) {
    size++;
    const base = row * numCols;
    for (let k = 0; k < DOWNSAMPLE_DIM; k++) sums[k] += input[base + sampleCols[k]];
  }
  for (let i = 0; i < p2; i++, row++) {
    size++;
    const base = row * numCols;
    for (let k = 0; k < DOWNSAMPLE_DIM; k++) {
      sums[k] += input[base + sampleCols[k]];
      values[k] = sums[k] / size;
    }
    emit();
  }
  for (let i = 0; i < p3; i++, row++, leftRow++) {
    const base = row * numCols;
    const leftBase = leftRow * numCols;
    for (let k = 0; k < DOWNSAMPLE_DIM; k++) {
      const col = sampleCols[k];
      const sum = fround(fround(sums[k] + input[base + col]) - input[leftBase + col]);
      sums[k] = sum;
      values[k] = sum / size;
    }
    emit();
  }
  for (let i = 0; i < p4; i++, leftRow++) {
    size--;
    const leftBase = leftRow * numCols;
    for (let k = 0; k < DOWNSAMPLE_DIM; k++) {
      sums[k] -= input[leftBase + sampleCols[k]];
      values[k] = sums[k] / size;
    }
    emit();
  }
}

// pdqImageDomainQualityMetric: count significant gradients on the 64x64 image.
// C++: float u, v; int d = ((u - v) * 100) / 255; sum += abs(d); quality = sum / 90.
function imageDomainQuality(a) {
  let gradientSum = 0;
  for (let i = 0; i < DOWNSAMPLE_DIM - 1; i++) {
    for (let j = 0; j < DOWNSAMPLE_DIM; j++) {
      const u = a[i * DOWNSAMPLE_DIM + j];
      const v = a[(i + 1) * DOWNSAMPLE_DIM + j];
      gradientSum += Math.abs(Math.trunc(fround(fround(fround(u - v) * 100) / 255)));
    }
  }
  for (let i = 0; i < DOWNSAMPLE_DIM; i++) {
    for (let j = 0; j < DOWNSAMPLE_DIM - 1; j++) {
      const u = a[i * DOWNSAMPLE_DIM + j];
      const v = a[i * DOWNSAMPLE_DIM + j + 1];
      gradientSum += Math.abs(Math.trunc(fround(fround(fround(u - v) * 100) / 255)));
    }
  }
  const quality = Math.trunc(gradientSum / 90);
  return quality > 100 ? 100 : quality;
}

// dct64To16: B = D A D^T via T = D A, float32 accumulation in index order.
function dct64To16(a, t, b) {
  const D = DCT_MATRIX;
  const N = DOWNSAMPLE_DIM;
  for (let i = 0; i < DCT_DIM; i++) {
    const di = i * N;
    for (let j = 0; j < N; j++) {
      let sum = 0;
      for (let k = 0; k < N; k++) {
        sum = fround(sum + fround(D[di + k] * a[k * N + j]));
      }
      t[di + j] = sum;
    }
  }
  for (let i = 0; i < DCT_DIM; i++) {
    const ti = i * N;
    for (let j = 0; j < DCT_DIM; j++) {
      const dj = j * N;
      let sum = 0;
      for (let k = 0; k < N; k++) {
        sum = fround(sum + fround(t[ti + k] * D[dj + k]));
      }
      b[i * DCT_DIM + j] = sum;
    }
  }
}

// torben(m, n): Torben Mogensen's median as in the reference, on float32 values.
function torbenMedian(m) {
  const n = m.length;
  const half = Math.trunc((n + 1) / 2);
  let min = m[0];
  let max = m[0];
  for (let i = 1; i < n; i++) {
    if (m[i] < min) min = m[i];
    if (m[i] > max) max = m[i];
  }
  let less;
  let greater;
  let equal;
  let guess;
  let maxLtGuess;
  let minGtGuess;
  for (;;) {
    guess = fround(fround(min + max) / 2);
    less = 0;
    greater = 0;
    equal = 0;
    maxLtGuess = min;
    minGtGuess = max;
    for (let i = 0; i < n; i++) {
      const x = m[i];
      if (x < guess) {
        less++;
        if (x > maxLtGuess) maxLtGuess = x;
      } else if (x > guess) {
        greater++;
        if (x < minGtGuess) minGtGuess = x;
      } else {
        equal++;
      }
    }
    if (less <= half && greater <= half) break;
    if (less > greater) max = maxLtGuess;
    else min = minGtGuess;
  }
  if (less >= half) return maxLtGuess;
  if (less + equal >= half) return guess;
  return minGtGuess;
}

// pdqBuffer16x16ToBits + Hash256 hex formatting (word 15 first).
function dctToHex(dct) {
  const median = torbenMedian(dct);
  let hex = "";
  for (let word = DCT_DIM - 1; word >= 0; word--) {
    let bits = 0;
    for (let j = 0; j < DCT_DIM; j++) {
      if (dct[word * DCT_DIM + j] > median) bits |= 1 << j;
    }
    hex += bits.toString(16).padStart(4, "0");
  }
  return hex;
}
