// Pillow's convert("L") of RGB pixels: ITU-R 601-2 luma in Pillow's fixed point,
// (R*19595 + G*38470 + B*7471 + 0x8000) >> 16 (libImaging/Convert.c, rgb2l; LICENSE.pillow).
// A float 0.299/0.587/0.114 conversion is 1 level off on some pixels, which moves pHash and
// the band-trimming boxes.

/**
 * Grey levels of `pixels` pixels of RGB(A) data; alpha, if any, is ignored.
 * @param {ArrayLike<number>} data
 * @param {number} pixels
 * @param {number} [channels] 4 for RGBA (canvas getImageData), 3 for RGB
 * @returns {Uint8Array}
 */
export function luma(data, pixels, channels = 4) {
  const out = new Uint8Array(pixels);
  for (let p = 0, i = 0; p < pixels; p++, i += channels) {
    out[p] = (data[i] * 19595 + data[i + 1] * 38470 + data[i + 2] * 7471 + 0x8000) >>> 16;
  }
  return out;
}
