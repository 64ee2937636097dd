package org.lowrank.pipeline;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import org.lowrank.analysis.InputShapes;
import org.lowrank.analysis.ModelProfile;
import org.lowrank.analysis.SkipRule;
import org.lowrank.cost.Cost;
import org.lowrank.cost.Method;
import org.lowrank.decomp.InputMoment;
import org.lowrank.graph.Model;
import org.lowrank.graph.TensorValue;
import org.lowrank.linalg.LinearAlgebra;
import org.lowrank.onnx.OnnxReader;
import org.lowrank.onnx.OnnxWriter;
import org.lowrank.plan.Budget;
import org.lowrank.plan.LayerDecision;
import org.lowrank.plan.Plan;
import org.lowrank.plan.select.EnergySelector;
import org.lowrank.plan.select.LayerInput;
import org.lowrank.plan.select.LayerSelection;
import org.lowrank.plan.select.Planner;
import org.lowrank.plan.select.RankSelector;
import org.lowrank.plan.select.SelectorContext;
import org.lowrank.rewrite.FactorizedLayer;
import org.lowrank.rewrite.LayerFactorizer;
import org.lowrank.rewrite.LayerRewriter;
import org.lowrank.runtime.ExportCheck;
import org.lowrank.runtime.ExportCheckResult;
import org.lowrank.runtime.FidelityCheck;
import org.lowrank.runtime.LatencyBenchmark;
import org.lowrank.runtime.LatencyComparison;
import org.lowrank.runtime.LatencyFilter;
import org.lowrank.runtime.OrtRunner;
import org.lowrank.runtime.RuntimeOptions;
import org.lowrank.train.data.Batch;
import org.lowrank.train.data.DataLoader;
import org.lowrank.train.data.Datasets;
import org.lowrank.train.data.ImageDataset;
import org.lowrank.train.eval.EvaluationResult;
import org.lowrank.train.eval.Evaluator;
import org.lowrank.train.eval.ExecutorPredictor;
import org.lowrank.train.exec.GraphExecutor;
import org.lowrank.train.finetune.FineTuneResult;
import org.lowrank.train.finetune.FineTuneSettings;
import org.lowrank.train.finetune.LayerPair;
import org.lowrank.train.refit.InputMoments;
import org.lowrank.train.refit.OutputReconstruction;
import org.lowrank.train.refit.SequentialFactorization;
import org.lowrank.util.AtomicFiles;
import org.lowrank.util.OutputPaths;
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

  /** Training images the output reconstruction fits on by default. */
  public static final int DEFAULT_REFIT_IMAGES = 256;

  private final Builder b;

  private CompressionPipeline(Builder b) {
    this.b = b;
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * The result of the first three stages: read, analyze, plan.
   *
   * @param inputShape the first input's shape the model was analyzed at
   * @param inputs every input's resolved shapes (fixed batch, given height and width)
   */
  public record Planned(
      Model original,
      ModelProfile profile,
      long[] inputShape,
      Plan plan,
      Map<Stage, Double> stageSeconds,
      InputShapes inputs) {}

  /** Runs read, analyze and plan only (what {@code lowrank plan} does). */
  public Planned plan() throws IOException {
    Map<Stage, Double> seconds = new EnumMap<>(Stage.class);
    PipelineListener l = b.listener;
    long t = start(l, Stage.READ);
    Model original = OnnxReader.read(b.model);
    FiniteWeights.require(original, b.model);
    InputShapes inputs =
        InputShapes.resolve(
            b.model.toString(), original.graph().runtimeInputs(), inputShapes(original));
    seconds.put(Stage.READ, elapsed(t));

    t = start(l, Stage.ANALYZE);
    ModelProfile before = profile(original);
    LayerSelection.Result selection = b.selection.apply(original, before, b.model);
    long[] inputShape = before.inputShapes().values().iterator().next();
    seconds.put(Stage.ANALYZE, elapsed(t));

    t = start(l, Stage.PLAN);
    Plan plan =
        b.planFile != null
            ? PlanFiles.readFor(b.planFile, before)
            : plan(original, before, selection, calibration(inputShape));
    seconds.put(Stage.PLAN, elapsed(t));
    return new Planned(original, before, inputShape, plan, seconds, inputs);
  }

  /** Runs every stage; writes the output model when one was set. */
  public CompressionResult run() throws IOException {
    Planned planned = plan();
    Map<Stage, Double> seconds = new EnumMap<>(planned.stageSeconds());
    Map<Checkpoint, EvaluationResult> accuracy = new EnumMap<>(Checkpoint.class);
    PipelineListener l = b.listener;
    Model original = planned.original();
    ModelProfile before = planned.profile();
    long[] inputShape = planned.inputShape();
    InputShapes inputs = planned.inputs();
    Plan plan = planned.plan();

    long t = start(l, Stage.FACTORIZE);
    Rewritten rw =
        b.data != null && b.dataAwareImages > 0 && b.sequential
            ? factorizeSequentially(original, plan, inputShape)
            : factorizeAndRewrite(original, plan, inputMoments(original, plan, inputShape), l);
    seconds.put(Stage.FACTORIZE, elapsed(t));

    t = start(l, Stage.CHECK);
    ExportCheckResult check =
        ExportCheck.compare(
            OnnxWriter.toBytes(rw.reference()),
            OnnxWriter.toBytes(rw.model()),
            inputs,
            inputs.batchOr(2),
            b.seed,
            RuntimeOptions.withThreads(b.threads));
    LOG.info("rewrite check vs dense reconstruction: {}", check);
    seconds.put(Stage.CHECK, elapsed(t));

    Model compressed = rw.model();
    boolean evaluating = b.data != null && b.evalLimit >= 0;
    if (evaluating) {
      t = start(l, Stage.EVALUATE);
      accuracy.put(Checkpoint.ORIGINAL, evaluate(original, inputs, Checkpoint.ORIGINAL));
      seconds.put(Stage.EVALUATE, elapsed(t));
    }
    List<OutputReconstruction.LayerFit> refit = List.of();
    if (b.data != null && b.refitImages > 0) {
      if (evaluating) {
        t = start(l, Stage.EVALUATE);
        accuracy.put(Checkpoint.FACTORIZED, evaluate(compressed, inputs, Checkpoint.FACTORIZED));
        seconds.merge(Stage.EVALUATE, elapsed(t), Double::sum);
      }
      t = start(l, Stage.REFIT);
      OutputReconstruction.Result r =
          refit(original, compressed, plan, inputShape, rw.dataFitted());
      compressed = r.model();
      refit = r.layers();
      seconds.put(Stage.REFIT, elapsed(t));
    }
    if (evaluating) {
      t = start(l, Stage.EVALUATE);
      accuracy.put(Checkpoint.COMPRESSED, evaluate(compressed, inputs, Checkpoint.COMPRESSED));
      seconds.merge(Stage.EVALUATE, elapsed(t), Double::sum);
    }
    FineTuneResult tuned = null;
    if (b.fineTune != null) {
      t = start(l, Stage.FINE_TUNE);
      tuned = fineTune(original, compressed, plan, inputs);
      compressed = tuned.model();
      seconds.put(Stage.FINE_TUNE, elapsed(t));
      if (b.evalLimit >= 0) {
        accuracy.put(Checkpoint.FINE_TUNED, evaluate(compressed, inputs, Checkpoint.FINE_TUNED));
      }
    }
    ModelProfile after = profile(compressed);
    if (b.data != null && b.evalLimit >= 0) {
      t = start(l, Stage.EVALUATE);
      accuracy.put(Checkpoint.FINAL_ORT, evaluateInOrt(compressed, inputs));
      seconds.merge(Stage.EVALUATE, elapsed(t), Double::sum);
    }

    t = start(l, Stage.VERIFY);
    Fidelity fidelity = verify(original, compressed, plan, inputs, accuracy, tuned != null);
    seconds.put(Stage.VERIFY, elapsed(t));
    if (fidelity.passed()) {
      LOG.info("fidelity {}", fidelity.verdict());
    } else {
      LOG.warn("fidelity {}", fidelity.verdict());
    }

    LatencyComparison latency = null;
    if (b.latencyBatches.length > 0) {
      t = start(l, Stage.MEASURE);
      int[] batches = inputs.batches(b.latencyBatches);
      String note =
          java.util.Arrays.equals(batches, b.latencyBatches)
              ? ""
              : "latency timed at "
                  + inputs.describeBatch(batches[0])
                  + " only; asked for batches "
                  + java.util.Arrays.toString(b.latencyBatches);
      if (!note.isEmpty()) {
        LOG.warn("{}: {}", b.model, note);
      }
      latency =
          LatencyBenchmark.compare(
                  b.model.getFileName().toString(),
                  OnnxWriter.toBytes(original),
                  OnnxWriter.toBytes(compressed),
                  (double) after.totalMacs() / before.totalMacs(),
                  inputs,
                  batches,
                  LatencyBenchmark.Settings.defaults()
                      .withThreads(b.threads)
                      .withRuns(b.latencyWarmup, b.latencyRuns))
              .withNote(note);
      seconds.put(Stage.MEASURE, elapsed(t));
    }

    Path written = null;
    if (b.output != null) {
      t = start(l, Stage.EXPORT);
      written = fidelity.passed() || b.guard.force() ? b.output : rejectedPath(b.output);
    }
    CompressionResult result =
        new CompressionResult(
            original,
            compressed,
            plan,
            before,
            after,
            check,
            fidelity,
            latency,
            written,
            accuracy,
            tuned,
            refit,
            seconds,
            b.seed);
    if (written != null) {
      commit(result, compressed, written);
      seconds.put(Stage.EXPORT, elapsed(t));
      result =
          new CompressionResult(
              original,
              compressed,
              plan,
              before,
              after,
              check,
              fidelity,
              latency,
              written,
              accuracy,
              tuned,
              refit,
              seconds,
              b.seed);
    }
    return result;
  }

  /**
   * A file written beside the output model, rendered from the finished result and committed
   * together with the model.
   *
   * @param what what the file is, for error messages (e.g. "JSON report")
   * @param location where it goes, given where the model goes (OUT.onnx or OUT.rejected.onnx)
   * @param render the file's bytes from the result
   */
  public record Companion(
      String what,
      java.util.function.UnaryOperator<Path> location,
      Function<CompressionResult, byte[]> render) {
    /** A companion at OUT + {@code suffix} (e.g. ".report.json"; see {@link #sibling}). */
    public static Companion sibling(
        String suffix, String what, Function<CompressionResult, byte[]> render) {
      return new Companion(what, out -> CompressionPipeline.sibling(out, suffix), render);
    }
  }

  /**
   * Writes the model and its companions as one unit ({@link AtomicFiles#writeAll}): every file is
   * rendered and written to a temporary file beside its target first, so a failure (or a kill)
   * until then leaves the previous files untouched; then the companions are renamed and the model
   * last. The model's rename commits the run: a kill in the microseconds between the renames can
   * leave new reports beside the previous model, never a new model beside previous reports.
   */
  private void commit(CompressionResult result, Model compressed, Path written) throws IOException {
    Map<Path, byte[]> files = new LinkedHashMap<>();
    for (Companion c : b.companions) {
      files.put(c.location().apply(written), c.render().apply(result));
    }
    files.put(written, OnnxWriter.toBytes(compressed));
    AtomicFiles.writeAll(files);
  }

  /** Samples the fidelity check compares the models on (test images, or random inputs). */
  public static final int FIDELITY_SAMPLES = 256;

  /** Where a model that failed the fidelity guard is written: OUT.onnx -> OUT.rejected.onnx. */
  public static Path rejectedPath(Path output) {
    return sibling(output, ".rejected.onnx");
  }

  /** A file beside an output model: OUT.onnx -> OUT + suffix (e.g. ".report.json"). */
  public static Path sibling(Path output, String suffix) {
    String name = output.getFileName().toString();
    String stem = name.endsWith(".onnx") ? name.substring(0, name.length() - 5) : name;
    return output.resolveSibling(stem + suffix);
  }

  /**
   * Compares the final model with the original in ONNX Runtime (see {@link Fidelity}): on labelled
   * test images when data is given, else on the test_data_set inputs next to the model, else on
   * seeded random inputs; judged by the guard. A comparison that cannot run fails the guard.
   */
  private Fidelity verify(
      Model original,
      Model compressed,
      Plan plan,
      InputShapes inputs,
      Map<Checkpoint, EvaluationResult> accuracy,
      boolean fineTuned)
      throws IOException {
    List<FidelityCheck.LayerProbe> probes = new ArrayList<>();
    for (LayerDecision d : plan.layers()) {
      if (d.isFactorized()) {
        org.lowrank.graph.Node n = LayerRewriter.findLayer(original.graph(), d.layer());
        probes.add(new FidelityCheck.LayerProbe(d.layer(), n.input(0), n.output(0)));
      }
    }
    RuntimeOptions ort = RuntimeOptions.withThreads(b.threads);
    EvaluationResult before = accuracy.get(Checkpoint.ORIGINAL);
    EvaluationResult after = accuracy.get(Checkpoint.FINAL_ORT);
    FidelityInputs source = new FidelityInputs(original, inputs, b.seed);
    List<FeedSource> sources = new ArrayList<>();
    if (b.data != null) {
      sources.add(() -> Optional.of(source.testImages(b.data, FIDELITY_SAMPLES)));
    } else {
      sources.add(() -> source.testDataSets(b.model));
    }
    sources.add(() -> Optional.of(source.random(FIDELITY_SAMPLES)));
    Exception failure = null;
    for (FeedSource s : sources) {
      try {
        Optional<FidelityInputs.Feeds> f = s.feeds();
        if (f.isPresent()) {
          FidelityCheck.Measurement m =
              FidelityCheck.measure(original, compressed, probes, f.get().feeds(), ort);
          return Fidelity.judge(
              f.get().inputs(), m, before, after, b.guard, fineTuned, b.data != null);
        }
      } catch (IOException | RuntimeException e) {
        LOG.warn("fidelity check: {}; trying the next inputs", e.getMessage());
        failure = e;
      }
    }
    throw new IllegalStateException(
        "the fidelity check could not compare the models in ONNX Runtime ("
            + failure.getMessage()
            + "); the compressed model was not written",
        failure);
  }

  /** One way of getting fidelity inputs (empty when this model has none of that kind). */
  private interface FeedSource {
    Optional<FidelityInputs.Feeds> feeds() throws IOException;
  }

  /** The calibration batch for data-driven selectors: training images chosen with the seed. */
  private TensorValue calibration(long[] inputShape) throws IOException {
    if (b.data == null || b.calibrationSize <= 0) {
      return null;
    }
    return trainingImages(inputShape, b.calibrationSize);
  }

  /** {@code n} training images (normalized, batch first), chosen with the seed. */
  private TensorValue trainingImages(long[] inputShape, int n) throws IOException {
    try (ImageDataset train = b.data.open("train", inputShape)) {
      ImageDataset subset = Datasets.limit(train, n, b.seed);
      DataLoader loader =
          DataLoader.builder(subset)
              .setBatchSize(subset.size())
              .optNormalization(b.data.normalization())
              .build();
      Batch batch = loader.epoch(0).next();
      return TensorValue.ofFloats(batch.shape(), batch.data());
    }
  }

  /**
   * Top-1/top-5 of a model on the test split (at most evalLimit images; 0 = all), in the executor.
   */
  private EvaluationResult evaluate(Model model, InputShapes inputs, Checkpoint what)
      throws IOException {
    try (ImageDataset test = b.data.open("test", inputs.first());
        GraphExecutor exec = GraphExecutor.of(model)) {
      DataLoader loader = testLoader(test, inputs);
      b.listener.start("evaluate " + what, loader.batchesPerEpoch());
      EvaluationResult r =
          Evaluator.evaluate(
              FixedBatchPredictor.of(new ExecutorPredictor(exec), inputs.fixedBatch()),
              loader,
              n -> b.listener.progress(n, ""));
      b.listener.finish(String.format(java.util.Locale.ROOT, "top-1 %.2f%%", 100 * r.top1()));
      return r;
    }
  }

  /** Top-1 of the deployed form: the model serialized and run in ONNX Runtime. */
  private EvaluationResult evaluateInOrt(Model model, InputShapes inputs) throws IOException {
    try (ImageDataset test = b.data.open("test", inputs.first());
        OrtRunner ort =
            OrtRunner.open(
                OnnxWriter.toBytes(model), "compressed", RuntimeOptions.withThreads(b.threads))) {
      return Evaluator.evaluate(
          FixedBatchPredictor.of(new OrtPredictor(ort), inputs.fixedBatch()),
          testLoader(test, inputs));
    }
  }

  /** Test images in batches of {@value #EVAL_BATCH}, or of the model's fixed batch. */
  private DataLoader testLoader(ImageDataset test, InputShapes inputs) {
    ImageDataset ds = b.evalLimit > 0 ? Datasets.limit(test, b.evalLimit, b.seed) : test;
    return DataLoader.builder(ds)
        .setBatchSize(inputs.batchOr(EVAL_BATCH))
        .optNormalization(b.data.normalization())
        .build();
  }

  /** Batch of evaluation runs when the model's batch is free. */
  public static final int EVAL_BATCH = 100;

  /**
   * Output reconstruction of every factorized layer's last factor, in graph order. After the
   * sequential data-aware factorization, which already fits each whole layer to the compressed
   * model's inputs, only the layers it factorized from their weights alone (separable CP, no patch
   * view such as ConvTranspose) are refitted: refitting the others lowered ResNet-20's top-1 by
   * 0.05-0.7 points.
   */
  private OutputReconstruction.Result refit(
      Model original,
      Model compressed,
      Plan plan,
      long[] inputShape,
      java.util.Set<String> dataFitted)
      throws IOException {
    LayerFactorizer factorizer = LayerFactorizer.create();
    List<String> layers =
        plan.layers().stream()
            .filter(LayerDecision::isFactorized)
            .filter(
                d ->
                    !(dataFitted.contains(d.layer())
                        && factorizer.isDataAware(d.choice().method())))
            .map(LayerDecision::layer)
            .toList();
    OutputReconstruction.Result r =
        OutputReconstruction.refit(
            original,
            compressed,
            layers,
            trainingImages(inputShape, b.refitImages),
            OutputReconstruction.Settings.defaults(),
            b.listener);
    OutputReconstruction.Summary s = OutputReconstruction.Summary.of(r.layers());
    LOG.info(
        "refit on {} images: {} of {} layers, mean relative output error {} -> {} ({} s)",
        b.refitImages,
        s.refitted(),
        s.layers(),
        String.format(java.util.Locale.ROOT, "%.4f", s.meanErrorBefore()),
        String.format(java.util.Locale.ROOT, "%.4f", s.meanErrorAfter()),
        String.format(java.util.Locale.ROOT, "%.1f", r.seconds()));
    for (OutputReconstruction.LayerFit f : r.layers()) {
      if (!f.refitted()) {
        LOG.info("refit left {} as factorized: {}", f.layer(), f.skipped());
      }
    }
    return r;
  }

  private FineTuneResult fineTune(Model teacher, Model student, Plan plan, InputShapes inputs)
      throws IOException {
    if (b.data == null) {
      throw new IllegalArgumentException("fine-tuning needs training data: set a dataset");
    }
    List<LayerPair> pairs = new ArrayList<>();
    for (LayerDecision d : plan.layers()) {
      if (d.isFactorized()) {
        String out = LayerRewriter.findLayer(teacher.graph(), d.layer()).output(0);
        pairs.add(new LayerPair(out, out));
      }
    }
    return FineTuning.run(student, teacher, pairs, b.data, inputs, b.fineTune, b.seed, b.listener);
  }

  /**
   * The no-layer error: one count per skip rule with the option that would include such layers, and
   * when only the 1x1 rule stands in the way (a MobileNet/SqueezeNet-style net), says so, with the
   * layers {@code --include-pointwise} would make candidates (checked, not guessed).
   */
  private String nothingToFactorize(Model model, LayerSelection.Result selection) {
    String counts =
        selection.skipSummary() + "; run lowrank inspect " + b.model + " for the per-layer list";
    String none =
        b.model + ": no layer can be factorized with methods " + names(b.methods) + "; " + counts;
    if (!selection.skipCounts().containsKey(SkipRule.POINTWISE)) {
      return none;
    }
    LayerSelection pointwise = new LayerSelection(b.selection.rules().withPointwise(), b.methods);
    ModelProfile p = ModelProfile.of(model, inputShapes(model), pointwise.rules());
    List<LayerInput> would = pointwise.apply(model, p, b.model).selected();
    if (would.isEmpty()) {
      return none;
    }
    long params = would.stream().mapToLong(l -> p.layer(l.name()).orElseThrow().params()).sum();
    return String.format(
        Locale.ROOT,
        "%s: nothing to compress: no layer passes the layer rules, and 1x1 "
            + "(pointwise) convolutions are skipped by default; --include-pointwise makes %d layer%s (%,d "
            + "parameters) candidates. %s",
        b.model,
        would.size(),
        would.size() == 1 ? "" : "s",
        params,
        counts);
  }

  private ModelProfile profile(Model m) {
    return ModelProfile.of(m, inputShapes(m), b.selection.rules());
  }

  /** The given input shapes by input name (empty = as declared). */
  private Map<String, long[]> inputShapes(Model m) {
    Map<String, long[]> shapes = new LinkedHashMap<>(b.inputShapes);
    shapes.putAll(InputShapes.parse(b.inputShapeSpecs, m.graph().runtimeInputs()));
    if (b.inputShape != null && !m.graph().runtimeInputs().isEmpty()) {
      shapes.put(m.graph().runtimeInputs().get(0).name(), b.inputShape.clone());
    }
    return shapes;
  }

  private Plan plan(
      Model model, ModelProfile profile, LayerSelection.Result selection, TensorValue calibration) {
    if (selection.selected().isEmpty()) {
      throw new IllegalArgumentException(nothingToFactorize(model, selection));
    }
    RankSelector selector =
        b.selectorFactory.apply(
            new SelectorContext(
                model,
                profile,
                selection.selected(),
                b.seed,
                calibration,
                b.budget,
                b.data != null && b.refitImages > 0));
    Cost total = new Cost(profile.totalParams(), profile.totalMacs());
    LatencyFilter pruning =
        b.pruneRatio > 0
            ? LatencyFilter.ort(model, inputShapes(model), b.pruneRatio, b.pruneBatch)
            : null;
    try {
      Plan p =
          Planner.plan(
              new Planner.Request(
                      b.model.getFileName().toString(),
                      selection.selected(),
                      selection.skipped(),
                      total,
                      b.methods,
                      selector,
                      b.budget,
                      b.seed)
                  .withFilter(pruning),
              b.listener);
      if (pruning != null) {
        LOG.info(
            "latency pruning (ratio {}, batch {}): {} timings in {} s, {} candidates dropped",
            b.pruneRatio,
            b.pruneBatch,
            pruning.timings(),
            String.format(java.util.Locale.ROOT, "%.1f", pruning.timingSeconds()),
            p.settings().get("prune_dropped_candidates"));
      }
      List<String> order = profile.layers().stream().map(lp -> lp.name()).toList();
      List<LayerDecision> sorted = new ArrayList<>(p.layers());
      sorted.sort(java.util.Comparator.comparingInt(d -> order.indexOf(d.layer())));
      return new Plan(
          p.model(),
          p.selector(),
          p.budget(),
          p.seed(),
          p.settings(),
          sorted,
          p.modelBefore(),
          p.modelAfter());
    } finally {
      if (selector instanceof AutoCloseable c) {
        try {
          c.close();
        } catch (Exception e) {
          LOG.warn("closing selector {}: {}", selector.name(), e.toString());
        }
      }
    }
  }

  /** The rewritten model and the reference with the same factors as dense weights. */
  private record Rewritten(Model model, Model reference, java.util.Set<String> dataFitted) {
    Rewritten(Model model, Model reference) {
      this(model, reference, java.util.Set.of());
    }
  }

  /**
   * The input second moment of every factorized layer on {@code dataAwareImages} training images,
   * for the data-aware factorization; empty without data or when it is off.
   */
  private Map<String, InputMoment> inputMoments(Model original, Plan plan, long[] inputShape)
      throws IOException {
    if (b.data == null || b.dataAwareImages <= 0) {
      return Map.of();
    }
    List<String> layers =
        plan.layers().stream()
            .filter(LayerDecision::isFactorized)
            .map(LayerDecision::layer)
            .toList();
    return InputMoments.collect(
        original,
        layers,
        trainingImages(inputShape, b.dataAwareImages),
        OutputReconstruction.Settings.defaults().chunk(),
        b.listener);
  }

  /** Asymmetric data-aware factorization, layer by layer ({@link SequentialFactorization}). */
  private Rewritten factorizeSequentially(Model original, Plan plan, long[] inputShape)
      throws IOException {
    LayerFactorizer factorizer =
        LayerFactorizer.builder()
            .optLinearAlgebra(LinearAlgebra.defaultInstance())
            .optSeed(b.seed)
            .build();
    Map<String, LayerDecision> todo = new LinkedHashMap<>();
    plan.layers().stream().filter(LayerDecision::isFactorized).forEach(d -> todo.put(d.layer(), d));
    SequentialFactorization.Result r =
        SequentialFactorization.run(
            original,
            List.copyOf(todo.keySet()),
            trainingImages(inputShape, b.dataAwareImages),
            OutputReconstruction.Settings.defaults().chunk(),
            (g, layer, m) -> factorizer.factorize(g, layer, todo.get(layer).choice(), m),
            b.listener);
    Model reference = original;
    for (Map.Entry<String, FactorizedLayer> e : r.layers().entrySet()) {
      reference = LayerRewriter.withWeight(reference, e.getKey(), e.getValue().reconstruct());
    }
    return new Rewritten(r.model(), reference, r.fitted());
  }

  private Rewritten factorizeAndRewrite(
      Model original, Plan plan, Map<String, InputMoment> moments, PipelineListener l) {
    LayerFactorizer factorizer =
        LayerFactorizer.builder()
            .optLinearAlgebra(LinearAlgebra.defaultInstance())
            .optSeed(b.seed)
            .build();
    List<LayerDecision> todo = plan.layers().stream().filter(LayerDecision::isFactorized).toList();
    l.start("factorize", todo.size());
    Map<String, FactorizedLayer> specs = new LinkedHashMap<>();
    Model reference = original;
    int done = 0;
    for (LayerDecision d : todo) {
      FactorizedLayer f =
          factorizer.factorize(original.graph(), d.layer(), d.choice(), moments.get(d.layer()));
      specs.put(d.layer(), f);
      reference = LayerRewriter.withWeight(reference, d.layer(), f.reconstruct());
      l.progress(++done, d.layer());
    }
    l.finish(done + " layers");
    return new Rewritten(LayerRewriter.rewriteAll(original, specs), reference);
  }

  private static long start(PipelineListener l, Stage stage) {
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
    private Map<String, long[]> inputShapes = Map.of();
    private List<String> inputShapeSpecs = List.of();
    private Path planFile;
    private List<Method> methods = List.of(Method.values());
    private Budget budget = Budget.none();
    private LayerSelection selection;
    private Function<SelectorContext, RankSelector> selectorFactory;
    private long seed = 42;
    private int threads = 1;
    private int[] latencyBatches = new int[0];
    private int latencyWarmup = 10;
    private int latencyRuns = 50;
    private PipelineListener listener = PipelineListener.NONE;
    private DataSource data;
    private int calibrationSize = 64;
    private int refitImages = DEFAULT_REFIT_IMAGES;
    private int dataAwareImages = DEFAULT_REFIT_IMAGES;
    private boolean sequential = true;
    private int evalLimit = -1;
    private FineTuneSettings fineTune;
    private double pruneRatio;
    private int pruneBatch = 1;
    private FidelityGuard guard = FidelityGuard.defaults();
    private List<Companion> companions = List.of();

    /**
     * Files written beside the output model and committed with it (e.g. the reports); their
     * locations are checked when the pipeline is built, with the model's.
     */
    public Builder optCompanions(List<Companion> v) {
      companions = List.copyOf(v);
      return this;
    }

    /**
     * The fidelity guard (default {@link FidelityGuard#defaults()}): a final model that misses it
     * is written as {@link #rejectedPath OUT.rejected.onnx} instead of OUT.onnx, unless it forces.
     */
    public Builder optGuard(FidelityGuard v) {
      guard = Objects.requireNonNull(v, "guard");
      return this;
    }

    /** Labelled images for calibration, evaluation and fine-tuning. */
    public Builder optData(DataSource v) {
      data = v;
      return this;
    }

    /** Calibration images for data-driven selectors (default 64; 0 = none). */
    public Builder optCalibrationSize(int v) {
      calibrationSize = v;
      return this;
    }

    /**
     * Output reconstruction: after factorizing, refit each factorized layer's last factor (1x1
     * conv, kxk conv on its input patches, or Gemm) by least squares so its output matches the
     * original layer's on {@code images} training images (see {@link OutputReconstruction});
     * default {@value #DEFAULT_REFIT_IMAGES}, 0 = off. Runs only when data is set.
     */
    public Builder optRefit(int images) {
      if (images < 0) {
        throw new IllegalArgumentException("refit images must be >= 0 (0 = off), got " + images);
      }
      refitImages = images;
      return this;
    }

    /**
     * Data-aware factorization: fit the factors to each layer's inputs on {@code images} training
     * images ({@link org.lowrank.decomp.DataAwareFactorization}; default {@value
     * #DEFAULT_REFIT_IMAGES}); 0 = from the weights alone. Runs only when data is set.
     */
    public Builder optDataAwareFactorization(int images) {
      if (images < 0) {
        throw new IllegalArgumentException(
            "data-aware images must be >= 0 (0 = off), got " + images);
      }
      dataAwareImages = images;
      return this;
    }

    /**
     * Data-aware factorization fitted layer by layer to the inputs of the model compressed so far
     * (asymmetric, {@link SequentialFactorization}; default) instead of the original model's inputs
     * (false: one pass, {@link InputMoments}).
     */
    public Builder optSequential(boolean v) {
      sequential = v;
      return this;
    }

    /**
     * Evaluate top-1 before and after compression (and after fine-tuning) on at most {@code limit}
     * test images (0 = the whole test split); negative = no evaluation (the default).
     */
    public Builder optEvaluation(int limit) {
      evalLimit = limit;
      return this;
    }

    /** Fine-tune the compressed model once (needs {@link #optData}). */
    public Builder optFineTune(FineTuneSettings v) {
      fineTune = v;
      return this;
    }

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

    /**
     * The shape of the model's first input (see {@link InputShapes}): needed for a free height or
     * width; must agree with every fixed dimension, a fixed batch included.
     */
    public Builder optInputShape(long... v) {
      inputShape = v.clone();
      return this;
    }

    /** Input shapes by input name (see {@link InputShapes}). */
    public Builder optInputShapes(Map<String, long[]> v) {
      inputShapes = new LinkedHashMap<>(v);
      return this;
    }

    /**
     * Input shapes as {@code --input-shape} gives them ({@code D0,D1,..} for a single-input model,
     * {@code NAME=D0,D1,..} otherwise), parsed against the model's inputs by {@link
     * InputShapes#parse} once it is read.
     */
    public Builder optInputShapeSpecs(List<String> v) {
      inputShapeSpecs = List.copyOf(v);
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

    /**
     * The global budget (default: none, each layer takes its cheapest candidate that meets the
     * selector's threshold, as {@code compress} without --keep-params / --keep-flops).
     */
    public Builder optBudget(Budget v) {
      budget = v;
      return this;
    }

    /**
     * Layer selection rules (default: {@link LayerSelection#defaults}); the model is profiled with
     * its {@link LayerSelection#rules()}, so the profile's factorizable layers are the candidates.
     */
    public Builder optSelection(LayerSelection v) {
      selection = v;
      return this;
    }

    /**
     * Makes the rank selector once the model is analyzed (default: energy {@value
     * EnergySelector#DEFAULT_THRESHOLD}, no rounding).
     */
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

    /**
     * Drops planning candidates whose factorized layer is not faster in ONNX Runtime than the
     * original layer: keep iff t_factorized &lt;= {@code ratio} * t_original at batch {@code
     * batch}, one intra-op thread ({@link LatencyFilter}). Default: off.
     *
     * @param ratio 1.0 keeps candidates not slower than the original; 0.8 demands 20% faster
     * @param batch batch size of the timed runs (e.g. 1 for online inference)
     */
    public Builder optLatencyPruning(double ratio, int batch) {
      pruneRatio = ratio;
      pruneBatch = batch;
      return this;
    }

    public Builder optListener(PipelineListener v) {
      listener = v;
      return this;
    }

    /**
     * Every file a run may write (the output model or OUT.rejected.onnx and their companions),
     * checked up front against every input: see {@link OutputPaths}.
     */
    private void checkOutputs() {
      if (output == null) {
        return;
      }
      Map<String, Path> outs = new LinkedHashMap<>();
      outs.put("output model", output);
      outs.put("rejected model", rejectedPath(output));
      for (Companion c : companions) {
        outs.put(c.what(), c.location().apply(output));
        outs.put(c.what() + " of the rejected model", c.location().apply(rejectedPath(output)));
      }
      Map<String, Path> ins = new LinkedHashMap<>();
      ins.put("input model", model);
      ins.put("plan file", planFile);
      ins.put("dataset", data == null ? null : data.path());
      OutputPaths.check(outs, ins);
    }

    public CompressionPipeline build() {
      Objects.requireNonNull(model, "setModel: the model to compress is required");
      if (!Files.isRegularFile(model)) {
        throw new IllegalArgumentException(model + ": no such model file");
      }
      checkOutputs();
      if (threads < 1) {
        throw new IllegalArgumentException("threads must be >= 1, found " + threads);
      }
      if (fineTune != null && data == null) {
        throw new IllegalArgumentException("fine-tuning needs a dataset (optData / --data)");
      }
      if (evalLimit >= 0 && data == null) {
        throw new IllegalArgumentException("evaluation needs a dataset (optData / --data)");
      }
      if (pruneRatio != 0) {
        LatencyFilter.check(pruneRatio, pruneBatch);
      }
      if (selection == null) {
        selection = LayerSelection.defaults(methods);
      }
      if (selectorFactory == null) {
        selectorFactory = Selectors.energy(EnergySelector.DEFAULT_THRESHOLD, 1);
      }
      return new CompressionPipeline(this);
    }
  }
}
