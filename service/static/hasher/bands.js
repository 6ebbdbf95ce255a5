// Crops of an image without its flat edge bands (borders, letterboxing, caption bars):
// a port of hashing/bands.py trim_bands, which the CLI uses to send extra PDQ hashes
// ("variants") so that a leak posted with a border, or cropped out of one, still
// matches. Same constants, same arithmetic: the grey level is Pillow's fixed-point
// convert("L") (luma.js), medians and shares are computed exactly as numpy does, so the
// crop boxes, and the hashes of each crop, equal the Python ones.

const MAX_TRIM_FRACTION = 0.8;
const BAND_TOLERANCE_LEVELS = 24;
const BAND_LINE_SHARE = 0.75;
const TEXT_LINE_SHARE = 0.5;
const MIN_BAND_PIXELS = 2;
const MIN_REMAINING_PIXELS = 32;
const MAX_BANDS_PER_EDGE = 3;

// numpy.median: the middle value, or the mean of the two middle values.
function median(values) {
  const sorted = Int16Array.from(values).sort();
  const half = sorted.length >> 1;
  return sorted.length % 2 ? sorted[half] : (sorted[half - 1] + sorted[half]) / 2;
}

// _band_depth over `count` lines, where line(i) returns the i-th line's grey values.
function bandDepth(line, limit, bands) {
  let depth = 0;
  for (let band = 0; band < bands; band++) {
    if (depth >= limit) break;
    const colour = median(line(depth));
    let end = depth;
    let scan = depth;
    while (scan < limit) {
      const values = line(scan);
      let near = 0;
      for (const value of values) if (Math.abs(value - colour) <= BAND_TOLERANCE_LEVELS) near++;
      const share = near / values.length;
      if (share < TEXT_LINE_SHARE) break;
      scan++;
      // The band ends on a full band line, never inside a run of text lines.
      if (share >= BAND_LINE_SHARE) end = scan;
    }
    if (end - depth < MIN_BAND_PIXELS) break;
    depth = end;
  }
  return depth;
}

/**
 * The distinct crop boxes [left, top, right, bottom) that trim_bands would cut, for one band
 * and for up to three bands per edge; empty when there is nothing to trim.
 * @param {{width: number, height: number, levels: Uint8Array}} image its grey levels (luma.js)
 */
export function bandBoxes({ width, height, levels }) {
  const row = (y) => levels.subarray(y * width, (y + 1) * width);
  const rowLimit = Math.trunc(height * MAX_TRIM_FRACTION);
  const columnLimit = Math.trunc(width * MAX_TRIM_FRACTION);
  const boxes = new Map();
  for (const bands of [1, MAX_BANDS_PER_EDGE]) {
    // Rows first, then columns of what is left: a caption bar must not count against the
    // columns beside the picture.
    const top = bandDepth(row, rowLimit, bands);
    const bottom = bandDepth((i) => row(height - 1 - i), rowLimit, bands);
    const rows = height - bottom - top;
    if (rows < MIN_REMAINING_PIXELS) continue;
    const column = (x) => {
      const values = new Int16Array(rows);
      for (let y = 0; y < rows; y++) values[y] = levels[(top + y) * width + x];
      return values;
    };
    const left = bandDepth(column, columnLimit, bands);
    const right = bandDepth((i) => column(width - 1 - i), columnLimit, bands);
    const box = [left, top, width - right, height - bottom];
    if ((top || bottom || left || right) && box[2] - box[0] >= MIN_REMAINING_PIXELS) {
      boxes.set(box.join(","), box);
    }
  }
  return [...boxes.values()];
}
