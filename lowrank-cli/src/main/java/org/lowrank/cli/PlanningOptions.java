package org.lowrank.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Stack;
import org.lowrank.cost.Method;
import org.lowrank.pipeline.CompressionPipeline;
import org.lowrank.plan.Budget;
import org.lowrank.plan.select.LayerSelection;
import org.lowrank.plan.select.SelectorOption;
import org.lowrank.plan.select.SelectorProvider;
import org.lowrank.plan.select.SelectorRegistry;
import org.lowrank.progress.ProgressListener;
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
          "Drop candidates whose factorized layer is not faster than the original in ONNX "
              + "Runtime (1 thread, layer timed alone at --prune-batch): keep iff time <= RATIO x the "
              + "original's (RATIO default 1.0; 0.8 demands 20%% faster). A layer with no faster candidate "
              + "is kept. Off by default; adds seconds to planning (ResNet-20: ~3 s at batch 1).")
  Double pruneLatency;

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
        "prunable channel group (counts rounded up to the rank block); --method prune prunes",
        "only (then --keep-flops alone may set the fraction)."
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
                    + AUTO
                    + " = similarity with --data, else energy (default: ${DEFAULT-VALUE}).")
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
  static final String AUTO = "auto";

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
    double flops = keepFlops == null ? Double.NaN : keepFlops;
    return new org.lowrank.pipeline.PruneStep(
        pruneKeep == null ? Double.NaN : pruneKeep,
        only ? flops : Double.NaN,
        pruneCriterion,
        org.lowrank.cost.RankMultiple.detect(),
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

  /** Configures the planning part of a pipeline builder. */
  CompressionPipeline.Builder configure(
      CompressionPipeline.Builder b, DataOptions data, ProgressListener progress) {
    List<Method> ms = methods();
    b.optMethods(ms)
        .optBudget(budget())
        .optSelection(new LayerSelection(layers.rules(), ms))
        .optCalibrationSize(calibration)
        .optPrune(pruneStep());
    b.optInputShapeSpecs(inputShape.specs);
    if (pruneBatch != null && pruneLatency == null) {
      throw new IllegalArgumentException(
          "--prune-batch sets the batch of --prune-latency: give both");
    }
    if (plan != null) {
      if (pruneLatency != null) {
        throw new IllegalArgumentException(
            "--prune-latency prunes candidates while planning; it does not apply to --plan "
                + plan
                + ": drop one of them");
      }
      b.optPlan(plan);
      return b;
    }
    if (pruneLatency != null) {
      b.optLatencyPruning(pruneLatency, pruneBatch == null ? 1 : pruneBatch);
    }
    String selector = selector();
    String name = selector.equals(AUTO) ? (data.present() ? "similarity" : "energy") : selector;
    SelectorProvider<?> provider = SelectorRegistry.require(name);
    b.optSelector(provider.bind(selectorValues(provider), progress));
    if (data.present()) {
      b.optData(data.source());
    }
    return b;
  }
}
