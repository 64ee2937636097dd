package org.lowrank.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Stack;
import org.lowrank.cost.Method;
import org.lowrank.pipeline.DataSpec;
import org.lowrank.pipeline.PlanSpec;
import org.lowrank.plan.Budget;
import org.lowrank.plan.select.SelectorChoice;
import org.lowrank.plan.select.SelectorOption;
import org.lowrank.plan.select.SelectorProvider;
import org.lowrank.plan.select.SelectorRegistry;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * How ranks are chosen: selector, methods, budget, layer rules, or a plan file. {@code --selector}
 * and the selectors' own options (e.g. {@code --energy}) are not declared here: each selector's
 * {@link SelectorProvider} declares them, and they are added to the command as it is built.
 */
public final class PlanningOptions {
  @Option(
      names = "--method",
      paramLabel = "M",
      defaultValue = "hybrid",
      description = {
        "tucker, cp, tt (convolutions), svd, qr, ttm (dense), or hybrid = the cheapest",
        "passing method per layer; comma-separated lists allowed (default: ${DEFAULT-VALUE})."
      })
  String method;

  @Option(
      names = "--keep-params",
      paramLabel = "F",
      description = "Global budget: keep this fraction of the model's parameters, e.g. 0.25.")
  Double keepParams;

  @Option(
      names = "--keep-flops",
      paramLabel = "F",
      description = "Global budget: keep this fraction of the model's FLOPs (MACs).")
  Double keepFlops;

  @Option(
      names = "--keep-latency",
      paramLabel = "F",
      description =
          "Latency budget: keep at most this fraction of the original model's measured ONNX "
              + "Runtime time at every --latency-batches size (0.5 = 2x faster); usable with "
              + "--keep-params or --keep-flops (all met). Each candidate is timed against its "
              + "layer (cached on disk, see --latency-cache), then the whole planned model is "
              + "measured and re-planned with the error folded in (at most 3 rounds).")
  Double keepLatency;

  @Option(
      names = "--latency-batches",
      paramLabel = "B",
      split = ",",
      defaultValue = "1,32",
      description =
          "Batch sizes of the --keep-latency budget and, in compress, of the ONNX Runtime latency "
              + "comparison (default: ${DEFAULT-VALUE}).")
  int[] latencyBatches;

  @Option(
      names = "--latency-cache",
      paramLabel = "DIR",
      description =
          "Directory of the layer timing cache, one file per CPU model, ONNX Runtime version and "
              + "thread count (default: $LOWRANK_LATENCY_CACHE, else ~/.cache/lowrank/latency).")
  Path latencyCache;

  @Option(
      names = "--calibration",
      paramLabel = "N",
      defaultValue = "64",
      description = "Calibration images for the similarity selector (default: ${DEFAULT-VALUE}).")
  int calibration;

  @Mixin LayerRuleOptions layers;

  @Option(
      names = "--prune-latency",
      arity = "0..1",
      paramLabel = "RATIO",
      parameterConsumer = OptionalRatio.class,
      description =
          "Per-layer latency cap, the layer-by-layer form of --keep-latency (same timings and "
              + "cache): drop candidates whose factorized layer is not faster than the original in "
              + "ONNX Runtime (layer timed alone at --prune-batch): keep iff time <= RATIO x the "
              + "original's (RATIO default 1.0; 0.8 demands 20%% faster). A layer with no faster "
              + "candidate is kept.")
  Double pruneLatency;

  @Option(
      names = "--allow-slower",
      description =
          "Without a budget, keep candidates that run slower than their layer. By default a plan "
              + "without --keep-params, --keep-flops or --keep-latency drops them (a per-layer "
              + "latency cap of 1.0 at batch 1, as --prune-latency 1.0), so that the defaults do not "
              + "hand back a slower model.")
  boolean allowSlower;

  @Option(
      names = "--prune-batch",
      paramLabel = "B",
      description = "Batch size of the --prune-latency timings (default 1).")
  Integer pruneBatch;

  @Option(
      names = "--prune-keep",
      paramLabel = "F",
      description = {
        "Filter pruning before factorization: keep this fraction of the channels of every",
        "prunable channel group (counts rounded up to the rank block). Without it, --method",
        "prune (alone or e.g. hybrid,prune) lets the planner choose each group's count under",
        "--keep-params, --keep-flops or --keep-latency."
      })
  Double pruneKeep;

  @Option(
      names = "--prune-criterion",
      paramLabel = "C",
      defaultValue = "l1",
      description =
          "Channel score for --prune-keep: l1, l2 (filter norm) or feature-map (needs --data)"
              + " (default: ${DEFAULT-VALUE}).")
  String pruneCriterion;

  @Option(
      names = "--plan",
      paramLabel = "PLAN.json",
      description = "Apply this plan instead of searching.")
  Path plan;

  @CommandLine.Mixin InputShapeOptions inputShape;

  /** The command these options are mixed into; holds --selector and the selectors' options. */
  private CommandLine.Model.CommandSpec command;

  /**
   * Adds {@code --selector} and every selector's options (from {@link SelectorRegistry}) to the
   * command that mixes these options in; picocli calls this while it builds the command.
   */
  @CommandLine.Spec(CommandLine.Spec.Target.MIXEE)
  void addSelectorOptions(CommandLine.Model.CommandSpec mixee) {
    command = mixee;
    List<String> listed =
        SelectorRegistry.all().stream().map(p -> p.name() + " (" + p.description() + ")").toList();
    mixee.addOption(
        CommandLine.Model.OptionSpec.builder(SELECTOR)
            .paramLabel("NAME")
            .type(String.class)
            .defaultValue(AUTO)
            .description(
                "Rank selector: "
                    + String.join(", ", listed)
                    + "; "
                    + SelectorRegistry.autoRule()
                    + " (default: ${DEFAULT-VALUE}).")
            .build());
    // One help section per selector with the options only it reads, one for shared options.
    Map<String, CommandLine.Model.ArgGroupSpec.Builder> groups = new LinkedHashMap<>();
    for (SelectorOption o : SelectorRegistry.options()) {
      List<String> users =
          SelectorRegistry.all().stream()
              .filter(p -> p.options().contains(o))
              .map(SelectorProvider::name)
              .toList();
      String heading =
          users.size() == 1
              ? "Selector " + users.get(0) + ":%n"
              : "Selectors " + String.join(", ", users) + ":%n";
      groups
          .computeIfAbsent(
              heading,
              h ->
                  CommandLine.Model.ArgGroupSpec.builder()
                      .heading(h)
                      .exclusive(false)
                      .multiplicity("0..1")
                      .validate(false))
          .addArg(
              CommandLine.Model.OptionSpec.builder(o.name())
                  .paramLabel(o.paramLabel())
                  .type(o.type())
                  .defaultValue(o.defaultValue())
                  .description(
                      o.description().replace("%", "%%")
                          + (o.defaultValue() == null ? "." : " (default: ${DEFAULT-VALUE})."))
                  .build());
    }
    groups.values().forEach(g -> mixee.addArgGroup(g.build()));
  }

  static final String SELECTOR = "--selector";
  static final String AUTO = SelectorRegistry.AUTO;

  /** The selector name given (or "auto"). */
  String selector() {
    return command.findOption(SELECTOR).getValue();
  }

  /** The values of the chosen selector's options, as parsed (defaults where not given). */
  SelectorOption.Values selectorValues(SelectorProvider<?> provider) {
    java.util.Map<String, Object> m = new java.util.HashMap<>();
    for (SelectorOption o : provider.options()) {
      m.put(o.name(), command.findOption(o.name()).getValue());
    }
    return SelectorOption.Values.of(m);
  }

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
          throw new CommandLine.ParameterException(
              spec.commandLine(), "--prune-latency takes a ratio such as 0.8, found '" + v + "'");
        }
      }
      arg.setValue(ratio);
    }
  }

  List<Method> methods() {
    List<Method> ms = parseMethods(method);
    return ms.isEmpty() ? parseMethods("hybrid") : ms;
  }

  /** True when --method lists "prune". */
  boolean pruneMethod() {
    return java.util.Arrays.stream(method.split(",")).anyMatch(m -> m.trim().equals("prune"));
  }

  /** The pruning step, or null when neither --prune-keep nor --method prune is given. */
  org.lowrank.pipeline.PruneStep pruneStep() {
    boolean only = pruneMethod() && parseMethods(method).isEmpty();
    if (pruneKeep == null && !pruneMethod()) {
      return null;
    }
    // channel counts on the rank block: --rank-multiple (auto when no selector declares it)
    CommandLine.Model.OptionSpec multiple = command.findOption(SelectorOption.RANK_MULTIPLE.name());
    Object block = multiple == null ? null : multiple.getValue();
    return new org.lowrank.pipeline.PruneStep(
        pruneKeep == null ? Double.NaN : pruneKeep,
        pruneCriterion,
        org.lowrank.cost.RankMultiple.parse(block == null ? null : block.toString()),
        only);
  }

  /** "tucker,cp,..." or "hybrid" (every method) as a list of methods. */
  static List<Method> parseMethods(String spec) {
    List<Method> out = new ArrayList<>();
    for (String m : spec.split(",")) {
      if (m.trim().equalsIgnoreCase("prune")) {
        continue; // filter pruning: see pruneStep()
      } else if (m.trim().equalsIgnoreCase("hybrid")) {
        out.addAll(
            List.of(Method.TUCKER2, Method.CP, Method.TT, Method.SVD, Method.QR, Method.TTM));
      } else {
        out.add(Method.parse(m));
      }
    }
    return out.stream().distinct().toList();
  }

  Budget budget() {
    if (keepParams != null && keepFlops != null) {
      throw new IllegalArgumentException(
          "give one budget: --keep-params or --keep-flops, not both");
    }
    if (keepParams != null) {
      return Budget.keepParams(keepParams);
    }
    if (keepFlops != null) {
      return Budget.keepFlops(keepFlops);
    }
    return Budget.none();
  }

  /**
   * The plan spec these options give; {@value SelectorRegistry#AUTO} resolved by {@link
   * SelectorRegistry#resolve} from whether {@code data} is given, with the options as parsed.
   */
  PlanSpec spec(DataOptions data) {
    if (pruneBatch != null && pruneLatency == null) {
      throw new IllegalArgumentException(
          "--prune-batch sets the batch of --prune-latency: give both");
    }
    SelectorChoice choice = null;
    if (plan == null) {
      SelectorProvider<?> provider = SelectorRegistry.resolve(selector(), data.present());
      choice = SelectorChoice.read(provider, selectorValues(provider));
    }
    org.lowrank.pipeline.PruneStep prune = pruneStep();
    PlanSpec.LatencyPruning pruning = null;
    if (pruneLatency != null) {
      pruning = new PlanSpec.LatencyPruning(pruneLatency, pruneBatch == null ? 1 : pruneBatch);
    } else if (plan == null
        && (prune == null || !prune.only()) // pruning alone plans no ranks to cap
        && !allowSlower
        && keepParams == null
        && keepFlops == null
        && keepLatency == null) {
      pruning = new PlanSpec.LatencyPruning(1.0, 1); // the default: not slower than the original
    }
    PlanSpec planSpec =
        new PlanSpec(
            methods(),
            budget(),
            layers.rules(),
            choice,
            plan,
            pruning,
            keepLatency == null ? 0 : PlanSpec.requireKeepLatency(keepLatency),
            latencyCache,
            prune);
    if (plan != null) {
      List<String> planning =
          new ArrayList<>(
              List.of(
                  "--keep-params",
                  "--keep-flops",
                  SELECTOR,
                  "--method",
                  "--calibration",
                  "--allow-slower",
                  "--include-pointwise",
                  "--include-first",
                  "--include-classifier",
                  "--include",
                  "--exclude",
                  "--min-weights"));
      SelectorRegistry.options().forEach(o -> planning.add(o.name()));
      OptionChecks.refuseGiven(
          command,
          "--plan " + plan + " fixes every layer's method and rank, so nothing is planned",
          "drop them, or drop --plan to plan anew",
          planning.toArray(String[]::new));
    }
    return planSpec;
  }

  /** The data spec of planning: the images (if any), the calibration count, the input shapes. */
  DataSpec dataSpec(DataOptions data) {
    OptionChecks.nonNegative("--calibration", calibration, "no calibration images");
    if (!data.present()) {
      OptionChecks.refuseGiven(
          command,
          "the calibration images come from --data PATH, and none is given",
          "add --data PATH or drop it",
          "--calibration");
    }
    return DataSpec.none()
        .withSource(data.present() ? data.source() : null)
        .withCalibrationImages(calibration)
        .withInputShapeSpecs(inputShape.specs);
  }
}
