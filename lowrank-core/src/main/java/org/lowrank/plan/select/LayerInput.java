package org.lowrank.plan.select;

import java.util.Arrays;
import java.util.Objects;
import org.lowrank.cost.LayerGeometry;
import org.lowrank.tensor.DenseTensor;

/**
 * A layer offered to a rank selector: its name, kind label (e.g. "conv2d", "dense"), geometry and
 * weight. Conv weights are [C_out, C_in/groups, k_1..k_d]; dense weights are [out, in] (y = x W^T +
 * b), whatever the layout in the model file.
 */
public record LayerInput(String name, String kind, LayerGeometry geometry, DenseTensor weight) {

  public LayerInput {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(geometry, "geometry");
    Objects.requireNonNull(weight, "weight");
    int[] s = weight.shape();
    boolean ok =
        geometry.conv()
            ? s.length >= 3 && s[0] == geometry.cout() && s[1] == geometry.cin() / geometry.groups()
            : s.length == 2 && s[0] == geometry.cout() && s[1] == geometry.cin();
    if (!ok) {
      throw new IllegalArgumentException(
          "layer '"
              + name
              + "': weight shape "
              + Arrays.toString(s)
              + " does not match "
              + geometry);
    }
  }
}
