package org.lowrank.linalg;

import org.bytedeco.javacpp.DoublePointer;

/**
 * A row-major matrix copied once into native memory, for repeated products with the same large
 * operand (e.g. the tensor in every CP-ALS sweep) without the JNI copy of a {@code double[]} on
 * each call. Obtain from {@link LinearAlgebra#upload}; close it (try-with-resources) to free the
 * memory. Read-only: no operation modifies it.
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
