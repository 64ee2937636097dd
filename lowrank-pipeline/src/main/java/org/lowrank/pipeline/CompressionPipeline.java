package org.lowrank.pipeline;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import org.lowrank.analysis.ModelProfile;
import org.lowrank.analysis.ProfileOptions;
import org.lowrank.graph.Model;
import org.lowrank.linalg.LinearAlgebra;
import org.lowrank.onnx.OnnxReader;
import org.lowrank.onnx.OnnxWriter;
import org.lowrank.plan.Budget;
import org.lowrank.plan.Cost;
import org.lowrank.plan.LayerDecision;
import org.lowrank.plan.Method;
import org.lowrank.plan.Plan;
import org.lowrank.plan.select.LayerInput;
import org.lowrank.plan.select.Planner;
import org.lowrank.plan.select.RankSelector;
import org.lowrank.rewrite.FactorizedLayer;
import org.lowrank.rewrite.LayerFactorizer;
import org.lowrank.rewrite.LayerRewriter;
import org.lowrank.runtime.ExportCheck;
import org.lowrank.runtime.ExportCheckResult;
import org.lowrank.runtime.LatencyBenchmark;
import org.lowrank.runtime.LatencyComparison;
import org.lowrank.runtime.RuntimeOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole compression pipeline, stage by stage (ARCHITECTURE.md): read the ONNX model, analyze
 * it, plan a method and ranks per layer, factorize the weights and rewrite the graph, check the
 * rewrite in ONNX Runtime, export atomically, and measure latency. Build one with {@link
 * #builder()}; {@link #run()} reads top to bottom as those stages.
 */
public final class CompressionPipeline {
  private static final Logger LOG = LoggerFactory.getLogger(CompressionPipeline.class);

  /** What a selector factory gets: the model, its profile and the selected layers. */
  public record SelectorContext(Model model, ModelProfile profile, List<LayerInput> layers, long seed) {}

  private final Builder b;

  private CompressionPipeline(Builder b) {
    this.b = b;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Runs every stage; writes the output model when one was set. */
  public CompressionResult run() throws IOException {
    Map<String, Double> seconds = new LinkedHashMap<>();
    PipelineListener l = b.listener;

    long t = start(l, "read");
    Model original = OnnxReader.read(b.model);
    seconds.put("read", elapsed(t));

    t = start(l, "analyze");
    ModelProfile before = profile(original);
    LayerSelection.Result selection = b.selection.apply(original, before);
    seconds.put("analyze", elapsed(t));

    t = start(l, "plan");
    Plan plan = b.planFile != null
        ? PlanFiles.readFor(b.planFile, before)
        : plan(original, before, selection);
    seconds.put("plan", elapsed(t));

    t = start(l, "factorize");
    Rewritten rw = factorizeAndRewrite(original, plan, l);
    seconds.put("factorize", elapsed(t));

    t = start(l, "check");
    ExportCheckResult check = ExportCheck.compare(OnnxWriter.toBytes(rw.reference()),
        OnnxWriter.toBytes(rw.model()), 2, b.seed, RuntimeOptions.withThreads(b.threads));
    LOG.info("rewrite check vs dense reconstruction: {}", check);
    seconds.put("check", elapsed(t));

    Model compressed = rw.model();
    ModelProfile after = profile(compressed);

    Path written = null;
    if (b.output != null) {
      t = start(l, "export");
      OnnxWriter.write(compressed, b.output, b.model);
      written = b.output;
      seconds.put("export", elapsed(t));
    }

    LatencyComparison latency = null;
    if (b.latencyBatches.length > 0) {
      t = start(l, "measure");
      latency = LatencyBenchmark.compare(b.model.getFileName().toString(),
          OnnxWriter.toBytes(original), OnnxWriter.toBytes(compressed),
          (double) after.totalMacs() / before.totalMacs(), b.latencyBatches,
          LatencyBenchmark.Settings.defaults().withThreads(b.threads)
              .withRuns(b.latencyWarmup, b.latencyRuns));
      seconds.put("measure", elapsed(t));
    }
    return new CompressionResult(original, compressed, plan, before, after, check, latency, written,
        seconds);
  }

  private ModelProfile profile(Model m) {
    Map<String, long[]> shapes = new LinkedHashMap<>();
    if (b.inputShape != null) {
      shapes.put(m.graph().runtimeInputs().get(0).name(), b.inputShape.clone());
    }
    return ModelProfile.of(m, shapes, b.profileOptions);
  }

  private Plan plan(Model model, ModelProfile profile, LayerSelection.Result selection) {
    if (selection.selected().isEmpty()) {
      throw new IllegalArgumentException(
          b.model + ": no layer can be factorized with methods " + names(b.methods)
              + "; skipped: " + selection.skipped().stream()
                  .map(d -> d.layer() + " (" + d.note() + ")").toList());
    }
    RankSelector selector = b.selectorFactory.apply(
        new SelectorContext(model, profile, selection.selected(), b.seed));
    Cost total = new Cost(profile.totalParams(), profile.totalMacs());
    return Planner.plan(new Planner.Request(b.model.getFileName().toString(), selection.selected(),
        selection.skipped(), total, b.methods, selector, b.budget, b.seed), b.listener);
  }

  /** The rewritten model and the reference with the same factors as dense weights. */
  private record Rewritten(Model model, Model reference) {}

  private Rewritten factorizeAndRewrite(Model original, Plan plan, PipelineListener l) {
    LayerFactorizer factorizer = LayerFactorizer.builder()
        .optLinearAlgebra(LinearAlgebra.defaultInstance()).optSeed(b.seed).build();
    List<LayerDecision> todo = plan.layers().stream().filter(LayerDecision::isFactorized).toList();
    l.start("factorize", todo.size());
    Map<String, FactorizedLayer> specs = new LinkedHashMap<>();
    Model reference = original;
    int done = 0;
    for (LayerDecision d : todo) {
      FactorizedLayer f = factorizer.factorize(original.graph(), d.layer(), d.choice());
      specs.put(d.layer(), f);
      reference = LayerRewriter.withWeight(reference, d.layer(), f.reconstruct());
      l.progress(++done, d.layer());
    }
    l.finish(done + " layers");
    return new Rewritten(LayerRewriter.rewriteAll(original, specs), reference);
  }

  private static long start(PipelineListener l, String stage) {
    l.stage(stage);
    LOG.debug("stage {}", stage);
    return System.nanoTime();
  }

  private static double elapsed(long t0) {
    return (System.nanoTime() - t0) / 1e9;
  }

  private static List<String> names(List<Method> ms) {
    return ms.stream().map(Method::cliName).toList();
  }

  /** Builder: {@code setModel} is required, everything else has a default. */
  public static final class Builder {
    private Path model;
    private Path output;
    private long[] inputShape;
    private Path planFile;
    private List<Method> methods = List.of(Method.values());
    private Budget budget = Budget.keepParams(0.25);
    private LayerSelection selection;
    private ProfileOptions profileOptions = ProfileOptions.DEFAULTS;
    private Function<SelectorContext, RankSelector> selectorFactory;
    private long seed = 42;
    private int threads = 1;
    private int[] latencyBatches = new int[0];
    private int latencyWarmup = 10;
    private int latencyRuns = 50;
    private PipelineListener listener = PipelineListener.NONE;

    /** The ONNX model to compress (never modified or overwritten). */
    public Builder setModel(Path v) {
      model = v;
      return this;
    }

    /** Where to write the compressed model (atomically; must differ from the input). */
    public Builder optOutput(Path v) {
      output = v;
      return this;
    }

    /** Overrides the model input shape (e.g. for a symbolic or fixed batch). */
    public Builder optInputShape(long... v) {
      inputShape = v.clone();
      return this;
    }

    /** Applies this plan file instead of searching. */
    public Builder optPlan(Path v) {
      planFile = v;
      return this;
    }

    /** The methods to consider; several = hybrid (default: all). */
    public Builder optMethods(List<Method> v) {
      methods = List.copyOf(v);
      return this;
    }

    /** The global budget (default: keep 25% of the parameters). */
    public Builder optBudget(Budget v) {
      budget = v;
      return this;
    }

    /** Layer selection rules (default: {@link LayerSelection#defaults}). */
    public Builder optSelection(LayerSelection v) {
      selection = v;
      return this;
    }

    public Builder optProfileOptions(ProfileOptions v) {
      profileOptions = v;
      return this;
    }

    /** Makes the rank selector once the model is analyzed (default: energy 0.9, no rounding). */
    public Builder optSelector(Function<SelectorContext, RankSelector> v) {
      selectorFactory = v;
      return this;
    }

    public Builder optSeed(long v) {
      seed = v;
      return this;
    }

    /** Threads for ONNX Runtime and BLAS-heavy steps (default 1). */
    public Builder optThreads(int v) {
      threads = v;
      return this;
    }

    /** Measure latency at these batch sizes (default: none). */
    public Builder optLatency(int warmupRuns, int measuredRuns, int... batchSizes) {
      latencyWarmup = warmupRuns;
      latencyRuns = measuredRuns;
      latencyBatches = batchSizes.clone();
      return this;
    }

    public Builder optListener(PipelineListener v) {
      listener = v;
      return this;
    }

    public CompressionPipeline build() {
      Objects.requireNonNull(model, "setModel: the model to compress is required");
      if (!Files.isRegularFile(model)) {
        throw new IllegalArgumentException(model + ": no such model file");
      }
      if (output != null && output.toAbsolutePath().normalize().equals(model.toAbsolutePath().normalize())) {
        throw new IllegalArgumentException(
            output + ": the output would overwrite the input model; choose another path");
      }
      if (threads < 1) {
        throw new IllegalArgumentException("threads must be >= 1, found " + threads);
      }
      if (selection == null) {
        selection = LayerSelection.defaults(methods);
      }
      if (selectorFactory == null) {
        selectorFactory = Selectors.energy(0.9, 1);
      }
      return new CompressionPipeline(this);
    }
  }
}
