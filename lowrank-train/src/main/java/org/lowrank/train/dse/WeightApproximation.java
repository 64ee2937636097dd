package org.lowrank.train.dse;

import java.util.Arrays;
import java.util.Objects;
import org.lowrank.cost.Choice;
import org.lowrank.decomp.InputMoment;
import org.lowrank.graph.TensorValue;
import org.lowrank.linalg.LinearAlgebra;
import org.lowrank.rewrite.FactorizedLayer;
import org.lowrank.rewrite.LayerFactorizer;
import org.lowrank.tensor.DenseTensor;

/**
 * The dense weight Ŵ a {@link Choice} stands for: the layer's weight W factorized at the choice's
 * ranks by the same bridge the rewrite uses ({@link LayerFactorizer}: Tucker-2 by HOOI, TT-SVD,
 * CP-ALS CP3 seeded, truncated SVD, pivoted QR, TT-matrix with the choice's output/input modes),
 * then reconstructed (same shape as W). Scoring Ŵ thus rates exactly the factors {@code compress}
 * will deploy. Running the original op with Ŵ equals running the factorized chain up to float
 * rounding, and is much cheaper to evaluate. Immutable.
 */
public final class WeightApproximation {
  /**
   * The fraction of the data-aware ALS sweeps a candidate's score runs (Tucker-2 and TT 2 of 10, CP
   * 3 of 15): the closed-form step on the weight-only start does most of the work.
   */
  static final double DATA_AWARE_EFFORT = 0.2;

  private final LayerFactorizer factorizer;

  /**
   * @param la the BLAS/LAPACK backend
   * @param seed seed of CP-ALS (its random columns beyond the SVD init)
   */
  public WeightApproximation(LinearAlgebra la, long seed) {
    // 50 CP-ALS sweeps rate a candidate well enough (compress runs up to 500): this was ~70% of the
    // hybrid search's time with the full 500.
    this.factorizer =
        LayerFactorizer.builder()
            .optLinearAlgebra(Objects.requireNonNull(la, "la"))
            .optSeed(seed)
            .optCpIterations(50)
            .optDataAwareEffort(DATA_AWARE_EFFORT)
            .build();
  }

  /**
   * Ŵ for {@code choice} on weight {@code w} (conv [Cout, Cin, k..], dense [out, in]).
   *
   * @throws IllegalArgumentException if the method does not fit the weight or a rank is infeasible
   * @throws org.lowrank.decomp.ConvergenceException if CP-ALS fails
   */
  public DenseTensor reconstruct(DenseTensor w, Choice choice) {
    return reconstruct(w, choice, null);
  }

  /**
   * Ŵ for {@code choice}, data-aware when {@code moment} (the second moment of the layer's inputs)
   * is given: the factors {@code compress --factorize data} deploys.
   */
  public DenseTensor reconstruct(DenseTensor w, Choice choice, InputMoment moment) {
    boolean conv = w.order() >= 3;
    if (choice.method().forConv() != conv) {
      throw new IllegalArgumentException(
          "method "
              + choice.method().cliName()
              + " does not apply to a weight of shape "
              + Arrays.toString(w.shape())
              + " (conv weights are [Cout, Cin, k..], dense [out, in])");
    }
    TensorValue t =
        TensorValue.ofFloats(Arrays.stream(w.shape()).asLongStream().toArray(), w.toFloats());
    FactorizedLayer f =
        moment != null
            ? factorizer.factorize(t, choice, moment)
            : conv ? factorizer.factorizeConv(t, choice) : factorizer.factorizeDense(t, choice);
    TensorValue r = f.reconstruct();
    return DenseTensor.fromFloats(r.toFloatArray(), w.shape());
  }

  /** Whether {@code method} is factorized data-aware when a moment is given. */
  public boolean isDataAware(org.lowrank.cost.Method method) {
    return factorizer.isDataAware(method);
  }
}
