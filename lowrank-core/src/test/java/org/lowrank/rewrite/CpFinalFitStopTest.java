package org.lowrank.rewrite;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.lowrank.cost.Choice;
import org.lowrank.cost.Method;
import org.lowrank.graph.TensorValue;
import org.lowrank.tensor.DenseTensor;

/**
 * The deployed CP fit stops on measured progress: after {@value LayerFactorizer#CP_MIN_SWEEPS}
 * sweeps, at the first sweep that removes less than about 1% of the unkept energy e^2.
 */
class CpFinalFitStopTest {
  @Test
  void theDefaultFitStopsOnceASweepRemovesUnderOnePercentOfTheUnkeptEnergy() {
    // a random 3x3 kernel near its break-even CP rank: slow ALS progress, as on InceptionV3
    DenseTensor w = DenseTensor.random(5, 16, 12, 3, 3);
    TensorValue tv =
        TensorValue.ofFloats(Arrays.stream(w.shape()).asLongStream().toArray(), w.toFloats());
    List<double[]> seen = new ArrayList<>();
    LayerFactorizer f =
        LayerFactorizer.builder()
            .optSeed(1)
            .optCpStopRule(
                (errors, max) -> {
                  seen.add(errors);
                  return false;
                })
            .build();
    f.factorizeConv(tv, Choice.of(Method.CP, 48));
    double[] e = seen.get(seen.size() - 1);
    int n = e.length + 1; // the stopping sweep is not shown to the stop rule
    assertTrue(n < 500, "stopped by progress, not the cap: " + n);
    assertTrue(n > LayerFactorizer.CP_MIN_SWEEPS, "ran the scored sweeps and more: " + n);
    double tau = LayerFactorizer.CP_RELATIVE_TOLERANCE;
    for (int i = LayerFactorizer.CP_MIN_SWEEPS; i < e.length; i++) {
      double removed = (e[i - 1] * e[i - 1] - e[i] * e[i]) / (e[i] * e[i]);
      assertTrue(removed >= 2 * tau, "sweep " + (i + 1) + " removed " + removed + " of e^2");
    }
  }
}
