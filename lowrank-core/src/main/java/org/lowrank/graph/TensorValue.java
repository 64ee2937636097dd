package org.lowrank.graph;

import java.util.Arrays;
import java.util.Objects;

/**
 * An immutable constant tensor of the graph (an initializer or a constant attribute): element type,
 * dimensions and row-major data. Floating-point types are held as {@code float[]}, integral and
 * boolean types as {@code long[]}; the declared {@link #dataType()} is kept so a writer can restore
 * the original encoding. DOUBLE tensors made by {@link #ofDoubles} keep full double precision (read
 * back exactly by {@link #toDoubleArray()}). Accessors return copies: callers can never modify a
 * weight in place.
 */
public final class TensorValue {
  private final DataType dataType;
  private final long[] dims;
  private final float[] floats;
  private final long[] longs;
  private final double[] doubles;

  private TensorValue(DataType dataType, long[] dims, float[] floats, long[] longs) {
    this(dataType, dims, floats, longs, null);
  }

  private TensorValue(
      DataType dataType, long[] dims, float[] floats, long[] longs, double[] doubles) {
    this.dataType = Objects.requireNonNull(dataType, "dataType");
    this.dims = dims.clone();
    long n = elementCount(this.dims);
    int have = floats != null ? floats.length : doubles != null ? doubles.length : longs.length;
    if (n != have) {
      throw new IllegalArgumentException(
          "tensor of shape " + Arrays.toString(dims) + " needs " + n + " elements, got " + have);
    }
    this.floats = floats;
    this.longs = longs;
    this.doubles = doubles;
  }

  /** A float tensor (data is copied). */
  public static TensorValue ofFloats(long[] dims, float[] data) {
    return new TensorValue(DataType.FLOAT, dims, data.clone(), null);
  }

  /** A floating-point tensor of the given declared type (FLOAT, DOUBLE, FLOAT16, BFLOAT16). */
  public static TensorValue ofFloats(DataType type, long[] dims, float[] data) {
    if (!type.isFloatingPoint()) {
      throw new IllegalArgumentException(type + " is not a floating-point type");
    }
    return new TensorValue(type, dims, data.clone(), null);
  }

  /** A DOUBLE tensor holding full double precision (data is copied). */
  public static TensorValue ofDoubles(long[] dims, double[] data) {
    return new TensorValue(DataType.DOUBLE, dims, null, null, data.clone());
  }

  /** An INT64 tensor (data is copied). */
  public static TensorValue ofLongs(long[] dims, long[] data) {
    return new TensorValue(DataType.INT64, dims, null, data.clone());
  }

  /** An integral tensor of the given declared type (INT32, INT64, UINT8, BOOL, ...). */
  public static TensorValue ofLongs(DataType type, long[] dims, long[] data) {
    if (!type.isIntegral()) {
      throw new IllegalArgumentException(type + " is not an integral type");
    }
    return new TensorValue(type, dims, null, data.clone());
  }

  /** A rank-0 float scalar. */
  public static TensorValue scalar(float value) {
    return ofFloats(new long[0], new float[] {value});
  }

  /** The product of the dimensions (1 for a scalar). */
  public static long elementCount(long[] dims) {
    long n = 1;
    for (long d : dims) {
      if (d < 0) {
        throw new IllegalArgumentException("negative dimension in " + Arrays.toString(dims));
      }
      n = Math.multiplyExact(n, d);
    }
    return n;
  }

  public DataType dataType() {
    return dataType;
  }

  /** The dimensions (a copy). */
  public long[] dims() {
    return dims.clone();
  }

  public int rank() {
    return dims.length;
  }

  /** Size of dimension {@code i}. */
  public long dim(int i) {
    return dims[i];
  }

  public long elementCount() {
    return floats != null ? floats.length : doubles != null ? doubles.length : longs.length;
  }

  public boolean isFloatingPoint() {
    return floats != null || doubles != null;
  }

  /** True for a DOUBLE tensor made by {@link #ofDoubles} (full double precision). */
  public boolean hasDoublePrecision() {
    return doubles != null;
  }

  /** The elements as floats (a copy); integral tensors are converted. */
  public float[] toFloatArray() {
    if (floats != null) {
      return floats.clone();
    }
    if (doubles != null) {
      float[] out = new float[doubles.length];
      for (int i = 0; i < out.length; i++) {
        out[i] = (float) doubles[i];
      }
      return out;
    }
    float[] out = new float[longs.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = longs[i];
    }
    return out;
  }

  /** The elements as doubles (a copy). */
  public double[] toDoubleArray() {
    if (doubles != null) {
      return doubles.clone();
    }
    double[] out = new double[(int) elementCount()];
    for (int i = 0; i < out.length; i++) {
      out[i] = floats != null ? floats[i] : longs[i];
    }
    return out;
  }

  /** The elements as longs (a copy); floating-point tensors are truncated toward zero. */
  public long[] toLongArray() {
    if (longs != null) {
      return longs.clone();
    }
    long[] out = new long[(int) elementCount()];
    for (int i = 0; i < out.length; i++) {
      out[i] = doubles != null ? (long) doubles[i] : (long) floats[i];
    }
    return out;
  }

  /** Element {@code i} (row-major) as a float. */
  public float floatAt(int i) {
    return floats != null ? floats[i] : doubles != null ? (float) doubles[i] : longs[i];
  }

  /** Element {@code i} (row-major) as a double (exact for {@link #ofDoubles} tensors). */
  public double doubleAt(int i) {
    return floats != null ? floats[i] : doubles != null ? doubles[i] : longs[i];
  }

  /** Element {@code i} (row-major) as a long. */
  public long longAt(int i) {
    return longs != null ? longs[i] : doubles != null ? (long) doubles[i] : (long) floats[i];
  }

  /** The same data with new dimensions of equal element count. */
  public TensorValue reshape(long[] newDims) {
    return new TensorValue(dataType, newDims, floats, longs, doubles);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TensorValue t
        && dataType == t.dataType
        && Arrays.equals(dims, t.dims)
        && Arrays.equals(floats, t.floats)
        && Arrays.equals(longs, t.longs)
        && Arrays.equals(doubles, t.doubles);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        dataType,
        Arrays.hashCode(dims),
        Arrays.hashCode(floats),
        Arrays.hashCode(longs),
        Arrays.hashCode(doubles));
  }

  @Override
  public String toString() {
    return "TensorValue[" + dataType + " " + Arrays.toString(dims) + "]";
  }
}
