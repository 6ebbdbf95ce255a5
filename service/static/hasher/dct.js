// scipy.fftpack.dct(x) (type II, no normalisation) of 32 float64 values, bit for bit: the
// arithmetic of pocketfft (scipy's copy, pocketfft_hdronly.h; Copyright Max-Planck-Society and
// Peter Bell, BSD-3-Clause, see LICENSE.pocketfft) in the same order. A direct-sum DCT agrees to about 1e-12, which is enough
// except where pHash compares values at a median tie (flat or symmetric images, where the
// zero coefficients are rounding noise and its sign sets the bits), so the FFT route is
// reproduced instead: pre-processing, a backward real FFT (radix 2 then 4 then 4, FFTPACK
// layout), post-twiddles.

export const DCT_LENGTH = 32;

// exp(2*pi*i*k/32) for k = 0..31 (real and imaginary interleaved), then cos(2*pi*k/128) for
// k = 1..32, as little-endian float64: the twiddle factors exactly as pocketfft's
// sincos_2pibyn computes them with the C library's cos and sin. They are embedded rather
// than computed because V8's Math.cos(15*pi/64) is one unit in the last place away from
// glibc's, which moves DCT values. web/scripts/dump_pixels.py --dct-twiddles prints this
// string; web/test/phash-parity.test.js checks it.
export const TWIDDLES_BASE64 =
  "AAAAAAAA8D8AAAAAAAAAALBc98+XYu8/CqZpPLj4yD9GjTLPa5DtP2Oprqbifdg/o6EOKWab6j/IaK45O8fhP8w7f2aeoOY/zTt/Zp6g5j/IaK45O8fhP6OhDilmm+o/Y6mupuJ92D9GjTLPa5DtPwqmaTy4+Mg/sFz3z5di7z8AAAAAAAAAgAAAAAAAAPA/CqZpPLj4yL+wXPfPl2LvP2Oprqbifdi/Ro0yz2uQ7T/IaK45O8fhv6OhDilmm+o/zTt/Zp6g5r/MO39mnqDmP6OhDilmm+q/yGiuOTvH4T9GjTLPa5Dtv2Oprqbifdg/sFz3z5di778Kpmk8uPjIPwAAAAAAAPC/AAAAAAAAAICwXPfPl2LvvwqmaTy4+Mi/Ro0yz2uQ7b9jqa6m4n3Yv6OhDilmm+q/yGiuOTvH4b/NO39mnqDmv8w7f2aeoOa/yGiuOTvH4b+joQ4pZpvqv2Oprqbifdi/Ro0yz2uQ7b8Kpmk8uPjIv7Bc98+XYu+/AAAAAAAAAIAAAAAAAADwvwqmaTy4+Mg/sFz3z5di779jqa6m4n3YP0aNMs9rkO2/yGiuOTvH4T+joQ4pZpvqv8w7f2aeoOY/zTt/Zp6g5r+joQ4pZpvqP8horjk7x+G/Ro0yz2uQ7T9jqa6m4n3Yv7Bc98+XYu8/CqZpPLj4yL9+bXnjIfbvPyYl0aON2O8/F6UIf1Wn7z+wXPfPl2LvP9cwkvt+Cu8/2i3GVkGf7j/lhvYEISHuP0aNMs9rkO0/c8c89Hrt7D+xvYDxsjjsPz5uGUWDcus/o6EOKWab6j9Bh/NH4LPpP0EXFWuAvOg/r69qIt+15z/MO39mnqDmP5/sjDRpfeU/1h0JJfNM5D80cOH89w/jP8horjk7x+E/7f8imYdz4D859gY4XSveP79c4QkQXds/YamupuJ92D/bH6t1mo/VPwSf1S4GlNI/HF8he/kZzz8Kpmk8uPjIPzZhjm4QyMI/JLQpvKYXuT8Q2A3xZR+pPwAAAAAAAACA";

const TWIDDLES = (() => {
  const bytes = Uint8Array.from(atob(TWIDDLES_BASE64), (c) => c.charCodeAt(0));
  const view = new DataView(bytes.buffer);
  return Float64Array.from({ length: bytes.length / 8 }, (_, i) => view.getFloat64(8 * i, true));
})();
const twiddle = (k) => [TWIDDLES[2 * k], TWIDDLES[2 * k + 1]];
const POST = TWIDDLES.subarray(2 * DCT_LENGTH);

// rfftp's factors for 32 (4s, then a 2 moved to the front) and, for all but the last
// factor, its twiddles: (ip-1)*(ido-1) values, real and imaginary interleaved.
function realFftPlan(length) {
  const factors = [];
  let rest = length;
  while (rest % 4 === 0) {
    factors.push(4);
    rest /= 4;
  }
  if (rest % 2 === 0) {
    rest /= 2;
    factors.push(2);
    [factors[0], factors[factors.length - 1]] = [factors[factors.length - 1], factors[0]];
  }
  if (rest !== 1) throw new RangeError("only powers of two are implemented");
  const plan = [];
  let l1 = 1;
  for (const [k, ip] of factors.entries()) {
    const ido = length / (l1 * ip);
    const tw = new Float64Array((ip - 1) * (ido - 1));
    if (k < factors.length - 1) {
      for (let j = 1; j < ip; j++) {
        for (let i = 1; i <= (ido - 1) >> 1; i++) {
          const [re, im] = twiddle(j * l1 * i);
          tw[(j - 1) * (ido - 1) + 2 * i - 2] = re;
          tw[(j - 1) * (ido - 1) + 2 * i - 1] = im;
        }
      }
    }
    plan.push({ ip, l1, ido, tw });
    l1 *= ip;
  }
  return plan;
}

// radb2: backward radix-2 butterfly of FFTPACK's half-complex layout.
function radb2(ido, l1, cc, ch, wa) {
  const CC = (a, b, c) => a + ido * (b + 2 * c);
  const CH = (a, b, c) => a + ido * (b + l1 * c);
  for (let k = 0; k < l1; k++) {
    const a = cc[CC(0, 0, k)];
    const b = cc[CC(ido - 1, 1, k)];
    ch[CH(0, k, 0)] = a + b;
    ch[CH(0, k, 1)] = a - b;
  }
  if ((ido & 1) === 0) {
    for (let k = 0; k < l1; k++) {
      ch[CH(ido - 1, k, 0)] = 2 * cc[CC(ido - 1, 0, k)];
      ch[CH(ido - 1, k, 1)] = -2 * cc[CC(0, 1, k)];
    }
  }
  if (ido <= 2) return;
  for (let k = 0; k < l1; k++) {
    for (let i = 2; i < ido; i += 2) {
      const ic = ido - i;
      const tr2 = cc[CC(i - 1, 0, k)] - cc[CC(ic - 1, 1, k)];
      ch[CH(i - 1, k, 0)] = cc[CC(i - 1, 0, k)] + cc[CC(ic - 1, 1, k)];
      const ti2 = cc[CC(i, 0, k)] + cc[CC(ic, 1, k)];
      ch[CH(i, k, 0)] = cc[CC(i, 0, k)] - cc[CC(ic, 1, k)];
      const wr = wa[i - 2];
      const wi = wa[i - 1];
      ch[CH(i, k, 1)] = wr * ti2 + wi * tr2;
      ch[CH(i - 1, k, 1)] = wr * tr2 - wi * ti2;
    }
  }
}

// radb4: backward radix-4 butterfly.
function radb4(ido, l1, cc, ch, wa) {
  const CC = (a, b, c) => a + ido * (b + 4 * c);
  const CH = (a, b, c) => a + ido * (b + l1 * c);
  const WA = (x, i) => wa[i + x * (ido - 1)];
  for (let k = 0; k < l1; k++) {
    const tr2 = cc[CC(0, 0, k)] + cc[CC(ido - 1, 3, k)];
    const tr1 = cc[CC(0, 0, k)] - cc[CC(ido - 1, 3, k)];
    const tr3 = 2 * cc[CC(ido - 1, 1, k)];
    const tr4 = 2 * cc[CC(0, 2, k)];
    ch[CH(0, k, 0)] = tr2 + tr3;
    ch[CH(0, k, 2)] = tr2 - tr3;
    ch[CH(0, k, 3)] = tr1 + tr4;
    ch[CH(0, k, 1)] = tr1 - tr4;
  }
  if ((ido & 1) === 0) {
    for (let k = 0; k < l1; k++) {
      const ti1 = cc[CC(0, 3, k)] + cc[CC(0, 1, k)];
      const ti2 = cc[CC(0, 3, k)] - cc[CC(0, 1, k)];
      const tr2 = cc[CC(ido - 1, 0, k)] + cc[CC(ido - 1, 2, k)];
      const tr1 = cc[CC(ido - 1, 0, k)] - cc[CC(ido - 1, 2, k)];
      ch[CH(ido - 1, k, 0)] = tr2 + tr2;
      ch[CH(ido - 1, k, 1)] = Math.SQRT2 * (tr1 - ti1);
      ch[CH(ido - 1, k, 2)] = ti2 + ti2;
      ch[CH(ido - 1, k, 3)] = -Math.SQRT2 * (tr1 + ti1);
    }
  }
  if (ido <= 2) return;
  for (let k = 0; k < l1; k++) {
    for (let i = 2; i < ido; i += 2) {
      const ic = ido - i;
      const tr2 = cc[CC(i - 1, 0, k)] + cc[CC(ic - 1, 3, k)];
      const tr1 = cc[CC(i - 1, 0, k)] - cc[CC(ic - 1, 3, k)];
      const ti1 = cc[CC(i, 0, k)] + cc[CC(ic, 3, k)];
      const ti2 = cc[CC(i, 0, k)] - cc[CC(ic, 3, k)];
      const tr4 = cc[CC(i, 2, k)] + cc[CC(ic, 1, k)];
      const ti3 = cc[CC(i, 2, k)] - cc[CC(ic, 1, k)];
      const tr3 = cc[CC(i - 1, 2, k)] + cc[CC(ic - 1, 1, k)];
      const ti4 = cc[CC(i - 1, 2, k)] - cc[CC(ic - 1, 1, k)];
      ch[CH(i - 1, k, 0)] = tr2 + tr3;
      const cr3 = tr2 - tr3;
      ch[CH(i, k, 0)] = ti2 + ti3;
      const ci3 = ti2 - ti3;
      const cr4 = tr1 + tr4;
      const cr2 = tr1 - tr4;
      const ci2 = ti1 + ti4;
      const ci4 = ti1 - ti4;
      for (const [x, ci, cr] of [
        [0, ci2, cr2],
        [1, ci3, cr3],
        [2, ci4, cr4],
      ]) {
        const wr = WA(x, i - 2);
        const wi = WA(x, i - 1);
        ch[CH(i, k, x + 1)] = wr * ci + wi * cr;
        ch[CH(i - 1, k, x + 1)] = wr * cr - wi * ci;
      }
    }
  }
}

const PLAN = realFftPlan(DCT_LENGTH);
const scratch = new Float64Array(DCT_LENGTH);

// rfftp::exec(c, 1, false): the backward real FFT, in place.
function backwardRealFft(c) {
  let p1 = c;
  let p2 = scratch;
  for (const { ip, l1, ido, tw } of PLAN) {
    (ip === 4 ? radb4 : radb2)(ido, l1, p1, p2, tw);
    [p1, p2] = [p2, p1];
  }
  if (p1 !== c) c.set(p1);
}

/**
 * The unnormalised DCT-II of 32 values, in place, as scipy.fftpack.dct computes it:
 * y[k] = 2 * sum x[n] cos(pi k (2n + 1) / 64), rounded exactly as pocketfft rounds it.
 * @param {Float64Array} c
 */
export function dctII(c) {
  const n = DCT_LENGTH;
  const half = (n + 1) >> 1;
  c[0] *= 2;
  c[n - 1] *= 2;
  for (let k = 1; k < n - 1; k += 2) {
    const t = c[k + 1];
    c[k + 1] = t - c[k];
    c[k] = t + c[k];
  }
  backwardRealFft(c);
  for (let k = 1, kc = n - 1; k < half; k++, kc--) {
    const t1 = POST[k - 1] * c[kc] + POST[kc - 1] * c[k];
    const t2 = POST[k - 1] * c[k] - POST[kc - 1] * c[kc];
    c[k] = 0.5 * (t1 + t2);
    c[kc] = 0.5 * (t1 - t2);
  }
  c[half] *= POST[half - 1];
}
