package org.lowrank.onnx;

/**
 * Conversions between float32 and the 16-bit float formats of ONNX: IEEE 754 binary16 (FLOAT16) and
 * bfloat16 (BFLOAT16). Widening is exact; narrowing rounds to nearest even, so a value that came
 * from a 16-bit tensor is narrowed back to the very same bits (NaN payloads included when they
 * fit).
 */
final class HalfFloats {
  private HalfFloats() {}

  /** binary16 bits (low 16 bits of {@code h}) to float, exactly. */
  static float halfToFloat(int h) {
    int sign = (h & 0x8000) << 16;
    int exp = (h >>> 10) & 0x1f;
    int mant = h & 0x3ff;
    if (exp == 0x1f) {
      return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
    }
    if (exp == 0) {
      if (mant == 0) {
        return Float.intBitsToFloat(sign);
      }
      // subnormal: mant * 2^-24
      float v = mant * 0x1p-24f;
      return sign != 0 ? -v : v;
    }
    return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
  }

  /** float to binary16 bits, rounding to nearest even; overflow gives infinity. */
  static int floatToHalf(float f) {
    int bits = Float.floatToRawIntBits(f);
    int sign = (bits >>> 16) & 0x8000;
    int exp = (bits >>> 23) & 0xff;
    int mant = bits & 0x7fffff;
    if (exp == 0xff) {
      if (mant == 0) {
        return sign | 0x7c00;
      }
      int m = mant >>> 13;
      return sign | 0x7c00 | (m == 0 ? 0x200 : m);
    }
    int e = exp - 127 + 15;
    if (e >= 0x1f) {
      return sign | 0x7c00;
    }
    if (e <= 0) {
      if (e < -10) {
        return sign;
      }
      // subnormal half: shift the full mantissa (with implicit 1) right
      int full = mant | 0x800000;
      int shift = 14 - e;
      int half = full >>> shift;
      int rem = full & ((1 << shift) - 1);
      int mid = 1 << (shift - 1);
      if (rem > mid || (rem == mid && (half & 1) != 0)) {
        half++;
      }
      return sign | half;
    }
    int half = (e << 10) | (mant >>> 13);
    int rem = mant & 0x1fff;
    if (rem > 0x1000 || (rem == 0x1000 && (half & 1) != 0)) {
      half++; // may carry into the exponent, up to infinity: correct rounding
    }
    return sign | half;
  }

  /** bfloat16 bits to float, exactly. */
  static float bfloat16ToFloat(int b) {
    return Float.intBitsToFloat((b & 0xffff) << 16);
  }

  /** float to bfloat16 bits, rounding to nearest even (NaN stays NaN). */
  static int floatToBfloat16(float f) {
    int bits = Float.floatToRawIntBits(f);
    if ((bits & 0x7f800000) == 0x7f800000 && (bits & 0x7fffff) != 0) {
      int hi = bits >>> 16;
      return (hi & 0x7f) == 0 ? (hi | 0x40) : hi;
    }
    int lsb = (bits >>> 16) & 1;
    return (bits + 0x7fff + lsb) >>> 16;
  }
}
