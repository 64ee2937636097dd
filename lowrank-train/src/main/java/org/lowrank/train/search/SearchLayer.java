package org.lowrank.train.search;

import java.util.Arrays;
import java.util.Objects;
import org.lowrank.cost.LayerGeometry;
import org.lowrank.cost.Method;
import org.lowrank.graph.TensorValue;

/**
 * One layer handed to the rank search: its geometry (for costs and rank bounds), its weight and the
 * factorization method whose rank is searched.
 *
 * <ul>
 *   <li>Convolution: weight [C_out, C_in, k_1..k_d] (groups = 1), method {@link Method#TT}, {@link
 *       Method#TUCKER2} (both with tied ranks r_1 = r_2 = r, as RENE) or {@link Method#CP} (CP3).
 *   <li>Dense: weight [out, in] (y = x W^T), method {@link Method#SVD}.
 * </ul>
 *
 * @param name layer (node) name, unique within one search
 * @param geometry the layer's geometry (its name need not equal {@code name})
 * @param weight the layer's weight, not modified
 * @param method the factorization whose rank is searched
 */
public record SearchLayer(String name, LayerGeometry geometry, TensorValue weight, Method method) {

  public SearchLayer {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(geometry, "geometry of layer '" + name + "'");
    Objects.requireNonNull(weight, "weight of layer '" + name + "'");
    Objects.requireNonNull(method, "method of layer '" + name + "'");
    if (!weight.isFloatingPoint()) {
      throw new IllegalArgumentException(
          "layer '" + name + "': weight must be floating point, found " + weight.dataType());
    }
    if (geometry.conv()) {
      if (method != Method.TT && method != Method.TUCKER2 && method != Method.CP) {
        throw new IllegalArgumentException(
            "layer '"
                + name
                + "' is a convolution: the data-free "
                + "search supports tt, tucker and cp for convolutions, found "
                + method.cliName());
      }
      if (geometry.groups() != 1) {
        throw new IllegalArgumentException(
            "layer '"
                + name
                + "' is a grouped convolution (groups "
                + geometry.groups()
                + "): exclude it from the search");
      }
      long[] expected = new long[2 + geometry.kernel().length];
      expected[0] = geometry.cout();
      expected[1] = geometry.cin();
      System.arraycopy(geometry.kernel(), 0, expected, 2, geometry.kernel().length);
      requireDims(name, weight, expected, "[C_out, C_in, k...]");
    } else {
      if (method != Method.SVD) {
        throw new IllegalArgumentException(
            "layer '"
                + name
                + "' is dense: the data-free search "
                + "supports svd for dense layers, found "
                + method.cliName());
      }
      requireDims(name, weight, new long[] {geometry.cout(), geometry.cin()}, "[out, in]");
    }
  }

  private static void requireDims(String name, TensorValue w, long[] expected, String layout) {
    if (!Arrays.equals(w.dims(), expected)) {
      throw new IllegalArgumentException(
          "layer '"
              + name
              + "': weight shape "
              + Arrays.toString(w.dims())
              + " does not match its geometry, expected "
              + Arrays.toString(expected)
              + " "
              + layout);
    }
  }

  /** Rows of the 3-way view T [rows, mid, cols]: C_out (conv) or out (dense). */
  int rows() {
    return (int) geometry.cout();
  }

  /** Middle mode of the 3-way view: K = prod(kernel) (conv) or 1 (dense). */
  int mid() {
    return geometry.conv() ? (int) geometry.kernelElements() : 1;
  }

  /** Columns of the 3-way view: C_in (conv) or in (dense). */
  int cols() {
    return (int) geometry.cin();
  }
}
