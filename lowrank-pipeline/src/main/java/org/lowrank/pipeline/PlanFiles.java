package org.lowrank.pipeline;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.lowrank.analysis.LayerProfile;
import org.lowrank.analysis.ModelProfile;
import org.lowrank.cost.Cost;
import org.lowrank.cost.CostModel;
import org.lowrank.plan.Budget;
import org.lowrank.plan.LayerDecision;
import org.lowrank.plan.Plan;
import org.lowrank.report.ReportFiles;
import org.lowrank.util.InputFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plan files: written atomically, read back and checked against the model they are applied to. The
 * costs stored in a (possibly hand-edited) file are recomputed from the model; a layer name that is
 * not in the model, a method that does not fit a layer or a rank beyond the full rank is an error
 * naming the file and the layer. A plan made on a filter-pruned model (its settings list {@code
 * prune_groups}) is refused: plan files do not carry the channels removed.
 */
public final class PlanFiles {
  private static final Logger LOG = LoggerFactory.getLogger(PlanFiles.class);

  private PlanFiles() {}

  public static void write(Plan plan, Path out) throws IOException {
    ReportFiles.writeAtomically(out, plan.toJson());
  }

  /** Reads a plan and validates it against {@code profile}. */
  public static Plan readFor(Path file, ModelProfile profile) throws IOException {
    Plan p =
        Plan.fromJson(
            InputFiles.readString(file, InputFiles.MAX_TEXT_BYTES, "plan"), file.toString());
    if (p.settings().get("prune_groups") instanceof List<?> pruned && !pruned.isEmpty()) {
      throw new IllegalArgumentException(
          file
              + ": the plan was made on a filter-pruned model ("
              + pruned.size()
              + " channel groups pruned, e.g. "
              + pruned.get(0)
              + "), and --plan applies factorizations only, so its ranks do not fit this model:"
              + " run 'lowrank compress' with the options that made the plan (--method ...,prune"
              + " and the budget) instead of --plan");
    }
    List<LayerDecision> checked = new ArrayList<>();
    Cost after = new Cost(profile.totalParams(), profile.totalMacs());
    for (LayerDecision d : p.layers()) {
      LayerProfile lp =
          profile
              .layer(d.layer())
              .orElseThrow(
                  () ->
                      new IllegalArgumentException(
                          file
                              + ": layer '"
                              + d.layer()
                              + "' is not a Conv/ConvTranspose/Gemm/MatMul layer of the model; "
                              + "its layers are "
                              + profile.layers().stream().map(LayerProfile::name).toList()));
      Cost before = CostModel.original(lp.geometry());
      if (!d.isFactorized()) {
        checked.add(
            new LayerDecision(d.layer(), lp.kind(), null, before, before, d.score(), d.note()));
        continue;
      }
      String where = file + ", layer '" + d.layer() + "' (" + lp.kind() + ")";
      if (!d.choice().method().appliesTo(lp.geometry())) {
        throw new IllegalArgumentException(
            where
                + ": method "
                + d.choice().method().cliName()
                + " does not apply; use "
                + (lp.isConv() ? "tucker, cp or tt" : "svd, qr or ttm"));
      }
      if (lp.groups() > 1) {
        throw new IllegalArgumentException(where + ": grouped convolutions cannot be factorized");
      }
      if (d.choice().method().rankCount() > 0
          && d.choice().method() != org.lowrank.cost.Method.CP) {
        int[] max = CostModel.maxRanks(lp.geometry(), d.choice().method());
        for (int i = 0; i < max.length; i++) {
          if (d.choice().ranks()[i] > max[i]) {
            throw new IllegalArgumentException(
                where
                    + ": rank "
                    + d.choice().ranks()[i]
                    + " exceeds the full rank "
                    + max[i]
                    + " of this layer; use at most "
                    + max[i]);
          }
        }
      }
      Cost c;
      try {
        c = CostModel.factorized(lp.geometry(), d.choice());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
      }
      String note = d.note();
      if (c.params() >= before.params() || c.macs() >= before.macs()) {
        note =
            (note.isEmpty() ? "" : note + "; ") + "ranks from the plan file do not lower the cost";
        LOG.warn(
            "{}: ranks {} do not lower the layer's cost ({} -> {})", where, d.choice(), before, c);
      }
      checked.add(new LayerDecision(d.layer(), lp.kind(), d.choice(), before, c, d.score(), note));
      after = after.minus(before).plus(c);
    }
    Cost total = new Cost(profile.totalParams(), profile.totalMacs());
    return new Plan(
        p.model(),
        p.selector(),
        realBudget(file, p.budget(), total, after),
        p.seed(),
        p.settings(),
        checked,
        total,
        after);
  }

  /**
   * The budget a plan file may claim: its stated budget when its layers meet it, else what its
   * layers really keep (a hand-edited or partial plan must not report a budget it does not meet).
   */
  static Budget realBudget(Path file, Budget stated, Cost total, Cost after) {
    if (stated.isNone()) {
      return stated;
    }
    double kept = (double) after.get(stated.kind()) / total.get(stated.kind());
    if (kept <= stated.keepFraction() + 1e-9) {
      return stated;
    }
    LOG.warn(
        "{}: the plan states budget '{}' but its layers keep {} of the {}; reporting what they keep",
        file,
        stated,
        String.format(java.util.Locale.ROOT, "%.4f", kept),
        stated.kind().name().toLowerCase(java.util.Locale.ROOT));
    double rounded = Math.ceil(kept * 1e4) / 1e4; // 4 digits, never below what is kept
    return rounded < 1 ? new Budget(stated.kind(), rounded) : Budget.none();
  }
}
