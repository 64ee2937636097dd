package org.lowrank.linalg;

import org.bytedeco.javacpp.DoublePointer;

/**
 * A row-major matrix in native memory, for repeated products without the JNI copy of a {@code
 * double[]} on each call: either a large operand copied once ({@link LinearAlgebra#upload}, e.g.
 * the tensor in every CP-ALS sweep), or a work buffer ({@link LinearAlgebra#allocate}) refreshed in
 * place with {@link #write} and read back with {@link #read}, reused across iterations. Only a
 * {@code gemm} that takes it as C modifies it. Close it (try-with-resources) to free the memory.
 */
public final class NativeMatrix implements AutoCloseable {
  private final DoublePointer pointer;
  private final int rows;
  private final int cols;

  NativeMatrix(double[] data, int rows, int cols) {
    if ((long) rows * cols != data.length) {
      throw new IllegalArgumentException(
          "upload: expected "
              + (long) rows * cols
              + " elements for "
              + rows
              + "x"
              + cols
              + ", found "
              + data.length);
    }
    this.pointer = new DoublePointer(data);
    this.rows = rows;
    this.cols = cols;
  }

  /** A zeroed rows x cols buffer. */
  NativeMatrix(int rows, int cols) {
    long size = (long) rows * cols;
    this.pointer = new DoublePointer(Math.max(size, 1));
    this.pointer.zero();
    this.rows = rows;
    this.cols = cols;
  }

  /** Element count rows * cols. */
  public long size() {
    return (long) rows * cols;
  }

  /** Overwrites the whole matrix with {@code src} (row-major, length rows * cols). */
  public void write(double[] src) {
    requireSize("write", src);
    pointer().put(src);
  }

  /** Copies the whole matrix into {@code dst} (length rows * cols) and returns it. */
  public double[] read(double[] dst) {
    requireSize("read", dst);
    pointer().get(dst);
    return dst;
  }

  private void requireSize(String op, double[] x) {
    if (x.length != size()) {
      throw new IllegalArgumentException(
          "NativeMatrix."
              + op
              + ": the "
              + rows
              + "x"
              + cols
              + " matrix holds "
              + size()
              + " elements, the array has "
              + x.length);
    }
  }

  public int rows() {
    return rows;
  }

  public int cols() {
    return cols;
  }

  DoublePointer pointer() {
    if (pointer.isNull()) {
      throw new IllegalStateException("NativeMatrix " + rows + "x" + cols + " used after close()");
    }
    return pointer;
  }

  @Override
  public void close() {
    pointer.close();
  }
}
