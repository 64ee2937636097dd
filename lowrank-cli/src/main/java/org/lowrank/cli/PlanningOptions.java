package org.lowrank.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Stack;
import org.lowrank.pipeline.CompressionPipeline;
import org.lowrank.plan.select.LayerSelection;
import org.lowrank.pipeline.Selectors;
import org.lowrank.plan.Budget;
import org.lowrank.cost.Method;
import org.lowrank.plan.select.EnergySelector;
import org.lowrank.progress.ProgressListener;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** How ranks are chosen: selector, methods, budget, layer rules, or a plan file. */
public final class PlanningOptions {
  @Option(names = "--selector", paramLabel = "NAME", defaultValue = "auto",
      description = {"Rank selector: similarity (feature maps on calibration data), vbmf, energy,",
          "ratio, datafree (a rank search on the weights under the budget, no data); auto =",
          "similarity with --data, else energy (default: ${DEFAULT-VALUE})."})
  String selector;

  @Option(names = "--method", paramLabel = "M", defaultValue = "hybrid",
      description = {"tucker, cp, tt (convolutions), svd, qr, ttm (dense), or hybrid = the cheapest",
          "passing method per layer; comma-separated lists allowed (default: ${DEFAULT-VALUE})."})
  String method;

  @Option(names = "--keep-params", paramLabel = "F",
      description = "Global budget: keep this fraction of the model's parameters, e.g. 0.25.")
  Double keepParams;

  @Option(names = "--keep-flops", paramLabel = "F",
      description = "Global budget: keep this fraction of the model's FLOPs (MACs).")
  Double keepFlops;

  @Option(names = "--threshold", paramLabel = "T",
      description = "Similarity a layer must keep (similarity selector; default 0.98).")
  Double threshold;

  @Option(names = "--metric", paramLabel = "cosine|centered|cka", defaultValue = "cosine",
      description = "Feature-map similarity metric: cosine, centered (cosine after removing the "
          + "original's per-channel mean) or linear CKA (default: ${DEFAULT-VALUE}).")
  String metric;

  @Option(names = "--energy", paramLabel = "E", defaultValue = "" + EnergySelector.DEFAULT_THRESHOLD,
      description = "Energy fraction each factorized layer keeps, 1 - ||W - W'||^2 / ||W||^2 "
          + "(energy selector; a layer no method can factorize that well is kept; default: ${DEFAULT-VALUE}).")
  double energy;

  @Option(names = "--ratio", paramLabel = "R", defaultValue = "0.25",
      description = "Rank / full rank (ratio selector; 1 keeps every layer as it is; default: ${DEFAULT-VALUE}).")
  double ratio;

  @Option(names = "--rank-multiple", paramLabel = "K", defaultValue = "1",
      description = "Round ranks up to a multiple of K, e.g. 8 (default: ${DEFAULT-VALUE}).")
  int rankMultiple;

  @Option(names = "--calibration", paramLabel = "N", defaultValue = "64",
      description = "Calibration images for the similarity selector (default: ${DEFAULT-VALUE}).")
  int calibration;

  @Mixin LayerRuleOptions layers;

  @Option(names = "--prune-latency", arity = "0..1", paramLabel = "RATIO",
      parameterConsumer = OptionalRatio.class,
      description = "Drop candidates whose factorized layer is not faster than the original in ONNX "
          + "Runtime (1 thread, layer timed alone at --prune-batch): keep iff time <= RATIO x the "
          + "original's (RATIO default 1.0; 0.8 demands 20%% faster). A layer with no faster candidate "
          + "is kept. Off by default; adds seconds to planning (ResNet-20: ~3 s at batch 1).")
  Double pruneLatency;

  @Option(names = "--prune-batch", paramLabel = "B",
      description = "Batch size of the --prune-latency timings (default 1).")
  Integer pruneBatch;

  @Option(names = "--plan", paramLabel = "PLAN.json", description = "Apply this plan instead of searching.")
  Path plan;

  @CommandLine.Mixin InputShapeOptions inputShape;

  /**
   * Takes the next argument as the ratio only when it is a number, so that {@code --prune-latency
   * MODEL.onnx} leaves the model to the positional parameter; without a number the ratio is 1.0.
   */
  static final class OptionalRatio implements CommandLine.IParameterConsumer {
    @Override
    public void consumeParameters(
        Stack<String> args, CommandLine.Model.ArgSpec arg, CommandLine.Model.CommandSpec spec) {
      double ratio = 1.0;
      if (!args.isEmpty() && args.peek().matches("[0-9.].*")) {
        String v = args.pop();
        try {
          ratio = Double.parseDouble(v);
        } catch (NumberFormatException e) {
          throw new CommandLine.ParameterException(spec.commandLine(),
              "--prune-latency takes a ratio such as 0.8, found '" + v + "'");
        }
      }
      arg.setValue(ratio);
    }
  }

  List<Method> methods() {
    return parseMethods(method);
  }

  /** "tucker,cp,..." or "hybrid" (every method) as a list of methods. */
  static List<Method> parseMethods(String spec) {
    List<Method> out = new ArrayList<>();
    for (String m : spec.split(",")) {
      if (m.trim().equalsIgnoreCase("hybrid")) {
        out.addAll(List.of(Method.TUCKER2, Method.CP, Method.TT, Method.SVD, Method.QR, Method.TTM));
      } else {
        out.add(Method.parse(m));
      }
    }
    return out.stream().distinct().toList();
  }

  Budget budget() {
    if (keepParams != null && keepFlops != null) {
      throw new IllegalArgumentException("give one budget: --keep-params or --keep-flops, not both");
    }
    if (keepParams != null) {
      return Budget.keepParams(keepParams);
    }
    if (keepFlops != null) {
      return Budget.keepFlops(keepFlops);
    }
    return Budget.none();
  }

  /** Configures the planning part of a pipeline builder. */
  CompressionPipeline.Builder configure(
      CompressionPipeline.Builder b, DataOptions data, ProgressListener progress) {
    List<Method> ms = methods();
    b.optMethods(ms).optBudget(budget())
        .optSelection(new LayerSelection(layers.rules(), ms))
        .optCalibrationSize(calibration);
    b.optInputShapeSpecs(inputShape.specs);
    if (pruneBatch != null && pruneLatency == null) {
      throw new IllegalArgumentException("--prune-batch sets the batch of --prune-latency: give both");
    }
    if (plan != null) {
      if (pruneLatency != null) {
        throw new IllegalArgumentException(
            "--prune-latency prunes candidates while planning; it does not apply to --plan "
                + plan + ": drop one of them");
      }
      b.optPlan(plan);
      return b;
    }
    if (pruneLatency != null) {
      b.optLatencyPruning(pruneLatency, pruneBatch == null ? 1 : pruneBatch);
    }
    String name = selector.equals("auto") ? (data.present() ? "similarity" : "energy") : selector;
    Selectors.Settings d = Selectors.Settings.defaults();
    b.optSelector(Selectors.byName(name, new Selectors.Settings(
        threshold == null ? d.threshold() : threshold, metric, energy, ratio, rankMultiple), progress));
    if (data.present()) {
      b.optData(data.source());
    }
    return b;
  }
}
