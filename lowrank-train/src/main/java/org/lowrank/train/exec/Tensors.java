package org.lowrank.train.exec;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.lowrank.graph.TensorValue;

/**
 * Conversions between the IR's {@link TensorValue} and DJL arrays. Floating-point tensors become
 * float32 arrays, booleans boolean arrays and every other integral type int64.
 */
public final class Tensors {
  private Tensors() {}

  /** A new array owned by {@code manager} holding {@code t}'s data. */
  public static NDArray toNDArray(NDManager manager, TensorValue t) {
    Shape shape = new Shape(t.dims());
    if (t.isFloatingPoint()) {
      return manager.create(t.toFloatArray(), shape);
    }
    if (t.dataType() == org.lowrank.graph.DataType.BOOL) {
      long[] v = t.toLongArray();
      boolean[] b = new boolean[v.length];
      for (int i = 0; i < v.length; i++) {
        b[i] = v[i] != 0;
      }
      return manager.create(b, shape);
    }
    return manager.create(t.toLongArray(), shape);
  }

  /**
   * The data of {@code a} as an IR tensor (float32/64/16 as FLOAT, booleans as BOOL, else INT64).
   */
  public static TensorValue toTensorValue(NDArray a) {
    long[] dims = a.getShape().getShape();
    DataType t = a.getDataType();
    if (t.isFloating()) {
      NDArray f = t == DataType.FLOAT32 ? a : a.toType(DataType.FLOAT32, false);
      return TensorValue.ofFloats(dims, f.toFloatArray());
    }
    if (t == DataType.BOOLEAN) {
      boolean[] b = a.toBooleanArray();
      long[] v = new long[b.length];
      for (int i = 0; i < b.length; i++) {
        v[i] = b[i] ? 1 : 0;
      }
      return TensorValue.ofLongs(org.lowrank.graph.DataType.BOOL, dims, v);
    }
    NDArray l = t == DataType.INT64 ? a : a.toType(DataType.INT64, false);
    return TensorValue.ofLongs(dims, l.toLongArray());
  }

  /** The DJL type used for an IR element type, or null if the executor has none. */
  static DataType djlType(org.lowrank.graph.DataType t) {
    return switch (t) {
      case FLOAT, DOUBLE, FLOAT16, BFLOAT16 -> DataType.FLOAT32;
      case BOOL -> DataType.BOOLEAN;
      case INT8, UINT8, INT16, UINT16, INT32, UINT32, INT64, UINT64 -> DataType.INT64;
      default -> null;
    };
  }
}
