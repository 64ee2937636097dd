package org.lowrank.plan.select;

import java.util.List;
import org.lowrank.analysis.ModelProfile;
import org.lowrank.decomp.CpFits;
import org.lowrank.graph.Model;
import org.lowrank.graph.TensorValue;
import org.lowrank.plan.Budget;

/**
 * What a selector factory gets: the model, its profile, the selected layers, the seed, a
 * calibration batch of training images (NCHW, normalized) or null when no data was given, the
 * budget, whether the factorized layers will be refitted (output reconstruction) and whether their
 * factors will be fitted to the data ({@code --factorize data}) rather than to the weights alone,
 * so a data-driven selector can score candidates as they will be deployed, and where CP-ALS fits
 * are kept for the deployment to continue ({@code cpFits}, null = nowhere).
 */
public record SelectorContext(
    Model model,
    ModelProfile profile,
    List<LayerInput> layers,
    long seed,
    TensorValue calibration,
    Budget budget,
    boolean refit,
    boolean dataAware,
    CpFits cpFits) {

  /** A context whose CP fits are kept nowhere. */
  public SelectorContext(
      Model model,
      ModelProfile profile,
      List<LayerInput> layers,
      long seed,
      TensorValue calibration,
      Budget budget,
      boolean refit,
      boolean dataAware) {
    this(model, profile, layers, seed, calibration, budget, refit, dataAware, null);
  }
}
