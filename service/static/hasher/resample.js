// Pillow's Image.resize(size, Image.Resampling.LANCZOS) of a greyscale ("L") image, bit for
// bit: a port of ImagingResample for 8-bit single-band images (src/libImaging/Resample.c of
// Pillow 13.0.0, the version requirements.lock pins; MIT-CMU licence, see LICENSE.pillow).
// pHash is defined by this code, not by a spec, so every detail counts:
//  * Lanczos-3 kernel, its support widened by the scale factor when shrinking, weights
//    computed and normalised in double, then rounded to 22-bit fixed point;
//  * two passes, each rounding and clipping to 8 bits: horizontal first, unless the height
//    shrinks by more than twice as many pixels as the width;
//  * a pass is skipped when its side keeps its size.
// The weighted sums are integers well inside 2^31, so the order of additions is free, and
// the vertical pass runs row by row for speed.

const PRECISION_BITS = 32 - 8 - 2;
const HALF = 1 << (PRECISION_BITS - 1);
const ONE = 1 << PRECISION_BITS;
const LANCZOS_SUPPORT = 3.0;

function sinc(x) {
  if (x === 0.0) return 1.0;
  const angle = x * Math.PI;
  return Math.sin(angle) / angle;
}

function lanczos(x) {
  return -3.0 <= x && x < 3.0 ? sinc(x) * sinc(x / 3) : 0.0;
}

/**
 * precompute_coeffs and normalize_coeffs_8bpc: for each output pixel, the first input pixel
 * and how many it reads (`bounds`), and its fixed-point weights (`weights`, `ksize` apart).
 */
function coefficients(inSize, outSize) {
  const scale = inSize / outSize;
  const filterscale = scale < 1.0 ? 1.0 : scale;
  const support = LANCZOS_SUPPORT * filterscale;
  const ksize = Math.ceil(support) * 2 + 1;
  const bounds = new Int32Array(outSize * 2);
  const weights = new Int32Array(outSize * ksize);
  const kernel = new Float64Array(ksize);
  const inverse = 1.0 / filterscale;
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    const xmin = Math.max(0, Math.trunc(center - support + 0.5));
    const count = Math.min(inSize, Math.trunc(center + support + 0.5)) - xmin;
    let total = 0.0;
    for (let x = 0; x < count; x++) {
      const w = lanczos((x + xmin - center + 0.5) * inverse);
      kernel[x] = w;
      total += w;
    }
    for (let x = 0; x < count; x++) {
      const w = total !== 0.0 ? kernel[x] / total : kernel[x];
      weights[xx * ksize + x] = w < 0 ? Math.trunc(-0.5 + w * ONE) : Math.trunc(0.5 + w * ONE);
    }
    bounds[2 * xx] = xmin;
    bounds[2 * xx + 1] = count;
  }
  return { bounds, weights, ksize };
}

function clip8(sum) {
  const value = sum >> PRECISION_BITS;
  return value < 0 ? 0 : value > 255 ? 255 : value;
}

// Rows [first, last) of a plane, each resampled to the coefficients' output width.
function horizontal({ data, offset, stride }, first, last, { bounds, weights, ksize }) {
  const outWidth = bounds.length / 2;
  const out = new Uint8Array(outWidth * (last - first));
  for (let y = first; y < last; y++) {
    const row = offset + y * stride;
    const target = (y - first) * outWidth;
    for (let xx = 0; xx < outWidth; xx++) {
      const start = row + bounds[2 * xx];
      const count = bounds[2 * xx + 1];
      const k = xx * ksize;
      let sum = HALF;
      for (let x = 0; x < count; x++) sum += data[start + x] * weights[k + x];
      out[target + xx] = clip8(sum);
    }
  }
  return { data: out, offset: 0, stride: outWidth, width: outWidth, height: last - first };
}

// Every column of a plane resampled to the coefficients' output height; input row numbers in
// `bounds` are counted from `shift`.
function vertical({ data, offset, stride, width }, { bounds, weights, ksize }, shift = 0) {
  const outHeight = bounds.length / 2;
  const out = new Uint8Array(width * outHeight);
  const sums = new Float64Array(width);
  for (let yy = 0; yy < outHeight; yy++) {
    sums.fill(HALF);
    const ymin = bounds[2 * yy] - shift;
    const count = bounds[2 * yy + 1];
    for (let y = 0; y < count; y++) {
      const weight = weights[yy * ksize + y];
      const row = offset + (ymin + y) * stride;
      for (let x = 0; x < width; x++) sums[x] += data[row + x] * weight;
    }
    for (let x = 0; x < width; x++) out[yy * width + x] = clip8(sums[x]);
  }
  return { data: out, offset: 0, stride: width, width, height: outHeight };
}

/**
 * Resize the box [left, top, right, bottom) of a grey plane `stride` pixels wide, as Pillow
 * resizes image.crop(box) with LANCZOS.
 * @param {Uint8Array} levels
 * @param {number} stride
 * @param {number[]} box
 * @param {number} outWidth
 * @param {number} outHeight
 * @returns {Uint8Array} outWidth * outHeight grey levels, row by row
 */
export function resizeLanczos(levels, stride, [left, top, right, bottom], outWidth, outHeight) {
  const inWidth = right - left;
  const inHeight = bottom - top;
  let plane = { data: levels, offset: top * stride + left, stride, width: inWidth, height: inHeight };
  const needHorizontal = outWidth !== inWidth;
  const needVertical = outHeight !== inHeight;
  const horizontalFirst = !(inHeight - outHeight > 0 && inHeight - outHeight > (inWidth - outWidth) * 2);
  const rows = needVertical || (needHorizontal && horizontalFirst) ? coefficients(inHeight, outHeight) : null;
  const columns = needHorizontal ? coefficients(inWidth, outWidth) : null;
  if (horizontalFirst) {
    let first = 0;
    if (columns) {
      // Only the input rows the vertical pass will read.
      const last = rows.bounds[2 * outHeight - 2] + rows.bounds[2 * outHeight - 1];
      first = rows.bounds[0];
      plane = horizontal(plane, first, last, columns);
    }
    if (needVertical) plane = vertical(plane, rows, first);
  } else {
    plane = vertical(plane, rows);
    if (columns) plane = horizontal(plane, 0, plane.height, columns);
  }
  if (!needHorizontal && !needVertical) return copy(plane);
  return plane.data;
}

function copy({ data, offset, stride, width, height }) {
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) out.set(data.subarray(offset + y * stride, offset + y * stride + width), y * width);
  return out;
}
