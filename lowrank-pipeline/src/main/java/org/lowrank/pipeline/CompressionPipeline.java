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
import org.lowrank.analysis.ProfileOptions;
import org.lowrank.analysis.SkipRule;
import org.lowrank.cost.Cost;
import org.lowrank.cost.Method;
import org.lowrank.decomp.CpFits;
import org.lowrank.decomp.InputMoment;
import org.lowrank.graph.Model;
import org.lowrank.graph.TensorValue;
import org.lowrank.linalg.LinearAlgebra;
import org.lowrank.onnx.OnnxReader;
import org.lowrank.onnx.OnnxWriter;
import org.lowrank.plan.Budget;
import org.lowrank.plan.BudgetAllocator;
import org.lowrank.plan.LayerDecision;
import org.lowrank.plan.Plan;
import org.lowrank.plan.select.LatencyBudget;
import org.lowrank.plan.select.LayerInput;
import org.lowrank.plan.select.LayerSelection;
import org.lowrank.plan.select.Planner;
import org.lowrank.plan.select.RankSelector;
import org.lowrank.plan.select.SelectorChoice;
import org.lowrank.plan.select.SelectorContext;
import org.lowrank.plan.select.SelectorRegistry;
import org.lowrank.prune.ChannelSelection;
import org.lowrank.report.CompressionReport;
import org.lowrank.rewrite.FactorizedLayer;
import org.lowrank.rewrite.LayerFactorizer;
import org.lowrank.rewrite.LayerRewriter;
import org.lowrank.runtime.ExportCheck;
import org.lowrank.runtime.ExportCheckResult;
import org.lowrank.runtime.FidelityCheck;
import org.lowrank.runtime.LatencyBenchmark;
import org.lowrank.runtime.LatencyCache;
import org.lowrank.runtime.LatencyComparison;
import org.lowrank.runtime.LatencyFilter;
import org.lowrank.runtime.OrtLayerTimer;
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

  /** Steps of the label-free distillation on the fit images ({@code --factorize data-distill}). */
  public static final int DEFAULT_DISTILL_STEPS = 200;

  /** Batch of the label-free distillation (fewer when there are fewer fit images). */
  static final int DISTILL_BATCH = 64;

  private final Path modelFile;
  private final Path output;
  private final PlanSpec planSpec;
  private final DataSpec dataSpec;
  private final FineTuneSettings fineTune;
  private final int distillSteps;
  private final boolean distillAugment;
  private final int distillImages;
  private final MeasurementSpec measure;
  private final long seed;
  private final PipelineListener listener;
  private final List<Companion> companions;

  /** The layers the planner may factorize: the plan spec's methods and rules. */
  private final LayerSelection layerSelection;

  /** The rank selector, {@value SelectorRegistry#AUTO} resolved by whether there is data. */
  private final SelectorChoice selector;

  /**
   * The energy selector's CP scoring fits, continued by the factorize stage (an eighth of the heap
   * at most).
   */
  private final CpFits cpFits = new CpFits(Runtime.getRuntime().maxMemory() / 8);

  /**
   * Checks the specs against each other and the files against each other (see {@link
   * Builder#build()}); each spec checked its own values when it was made.
   */
  private CompressionPipeline(Builder b) {
    modelFile = Objects.requireNonNull(b.model, "setModel: the model to compress is required");
    if (!Files.isRegularFile(modelFile)) {
      throw new IllegalArgumentException(modelFile + ": no such model file");
    }
    output = b.output;
    planSpec = b.plan;
    dataSpec = b.data;
    fineTune = b.fineTune;
    distillSteps = b.distillSteps;
    distillAugment = b.distillAugment;
    distillImages = b.distillImages;
    measure = b.measure;
    seed = b.seed;
    listener = b.listener;
    companions = b.companions;
    checkOutputs();
    if (fineTune != null && !dataSpec.present()) {
      throw new IllegalArgumentException("fine-tuning needs a dataset (optData / --data)");
    }
    if (dataSpec.evalLimit() >= 0 && !dataSpec.present()) {
      throw new IllegalArgumentException("evaluation needs a dataset (optData / --data)");
    }
    layerSelection = planSpec.selection();
    selector = planSpec.selectorFor(dataSpec.present());
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
    ins.put("input model", modelFile);
    ins.put("plan file", planSpec.planFile());
    ins.put("dataset", dataSpec.present() ? dataSpec.source().path() : null);
    OutputPaths.check(outs, ins);
  }

  /** The specs this pipeline runs with. */
  public PlanSpec planSpec() {
    return planSpec;
  }

  public DataSpec dataSpec() {
    return dataSpec;
  }

  public MeasurementSpec measurementSpec() {
    return measure;
  }

  /** The selector the plan stage uses ({@value SelectorRegistry#AUTO} resolved). */
  public SelectorChoice selector() {
    return selector;
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * The result of the first three stages: read, analyze, plan.
   *
   * @param inputShape the first input's shape the model was analyzed at
   * @param inputs every input's resolved shapes (fixed batch, given height and width)
   * @param factorized the model the plan factorizes (the pruned one after filter pruning)
   * @param pruning the channel groups filter pruning decided on, or null when it did not run
   */
  public record Planned(
      Model original,
      ModelProfile profile,
      long[] inputShape,
      Plan plan,
      Map<Stage, Double> stageSeconds,
      InputShapes inputs,
      Model factorized,
      CompressionReport.Pruning pruning) {}

  /** Runs read, analyze and plan only (what {@code lowrank plan} does). */
  public Planned plan() throws IOException {
    Map<Stage, Double> seconds = new EnumMap<>(Stage.class);
    PipelineListener l = listener;
    long t = start(l, Stage.READ);
    Model original = OnnxReader.read(modelFile);
    FiniteWeights.require(original, modelFile);
    InputShapes inputs =
        InputShapes.resolve(
            modelFile.toString(), original.graph().runtimeInputs(), inputShapes(original));
    seconds.put(Stage.READ, elapsed(t));

    t = start(l, Stage.ANALYZE);
    ModelProfile before = profile(original);
    long[] inputShape = before.inputShapes().values().iterator().next();
    // filter pruning first (--prune-keep, or chosen by the allocator with the factorizations):
    // the planner then factorizes the pruned model
    PruneStep prune = planSpec.prune();
    PlannedStart planned =
        prune != null && prune.planned()
            ? plannedPruning(original, before, inputShape, inputs)
            : null;
    PruneStep.Result pruning =
        prune == null
            ? null
            : planned != null
                ? planned.pruning()
                : prune.apply(original, calibration(inputShape), measure.threads());
    Model start = pruning == null ? original : pruning.model();
    ModelProfile startProfile = start == original ? before : profile(start);
    LayerSelection.Result selection = layerSelection.apply(start, startProfile, modelFile);
    seconds.put(Stage.ANALYZE, elapsed(t));

    t = start(l, Stage.PLAN);
    Budget budget = prune == null ? planSpec.budget() : budgetAfterPruning(before, startProfile);
    Plan plan =
        planSpec.planFile() != null
            ? PlanFiles.readFor(planSpec.planFile(), startProfile)
            : planSpec.prune() != null && (planSpec.prune().only() || budget == null)
                ? prunedOnly(startProfile, pruning)
                : plan(
                    start,
                    startProfile,
                    selection,
                    calibration(inputShape),
                    inputs,
                    budget,
                    original,
                    planned == null ? null : planned.reusableFor(budget));
    if (pruning != null) {
      plan = withPruning(plan, pruning, before);
    }
    seconds.put(Stage.PLAN, elapsed(t));
    return new Planned(
        original,
        before,
        inputShape,
        plan,
        seconds,
        inputs,
        start,
        pruning == null ? null : pruning.report());
  }

  /**
   * The chosen selector bound to this run for {@code model}'s selected layers: whether the factors
   * will be refitted and fitted to data comes from the data spec, so that a data-driven selector
   * scores the layer that will be deployed.
   */
  private RankSelector rankSelector(
      Model model,
      ModelProfile profile,
      LayerSelection.Result selection,
      TensorValue calibration,
      Budget budget) {
    return selector
        .bind(listener)
        .apply(
            new SelectorContext(
                model,
                profile,
                selection.selected(),
                seed,
                calibration,
                budget,
                dataSpec.source() != null && dataSpec.refitImages() > 0,
                dataSpec.source() != null && dataSpec.dataAwareImages() > 0,
                cpFits));
  }

  /**
   * Pruning planned by the budget allocator ({@link PruneStep#applyPlanned}): together with the
   * factorizations of the original model's selected layers, or alone ({@code --method prune}). A
   * latency budget alone is met on MACs here (a pruned convolution's time follows its MACs): with
   * factorizations the latency rounds then measure the plan of the pruned model against the
   * original; pruning alone is measured and re-pruned in rounds of its own ({@link
   * LatencyRounds#runMacs}).
   */
  private PlannedStart plannedPruning(
      Model original, ModelProfile profile, long[] inputShape, InputShapes inputs)
      throws IOException {
    PruneStep prune = planSpec.prune();
    Budget budget = planSpec.budget();
    boolean onLatency = budget.isNone() && planSpec.keepLatency() > 0 && planSpec.keepLatency() < 1;
    if (onLatency) {
      budget = Budget.keepFlops(planSpec.keepLatency());
    }
    TensorValue calibration = calibration(inputShape);
    Cost total = new Cost(profile.totalParams(), profile.totalMacs());
    int threads = measure.threads();
    if (prune.only()) {
      if (!onLatency) {
        return new PlannedStart(
            prune.applyPlanned(original, calibration, threads, List.of(), total, budget),
            budget,
            null);
      }
      int[] batches = inputs.batches(measure.latencyBatchSizes());
      byte[] reference = OnnxWriter.toBytes(original);
      LatencyBenchmark.Settings rounds =
          LatencyBenchmark.Settings.defaults().withThreads(threads).withMaxSeconds(30);
      LatencyRounds.Outcome<PruneStep.Result> o;
      try {
        o =
            LatencyRounds.runMacs(
                planSpec.keepLatency(),
                keepMacs ->
                    prune.applyPlanned(
                        original,
                        calibration,
                        threads,
                        List.of(),
                        total,
                        Budget.keepFlops(keepMacs)),
                r -> LatencyRounds.ratios(reference, r.model(), inputs, batches, rounds),
                r -> (double) profile(r.model()).totalMacs() / profile.totalMacs());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "--keep-latency "
                + planSpec.keepLatency()
                + " with pruning alone starts from the same fraction of the MACs: "
                + e.getMessage(),
            e);
      }
      Map<String, Object> settings = new java.util.LinkedHashMap<>(o.settings());
      settings.put("latency_keep", planSpec.keepLatency());
      return new PlannedStart(o.best().withSettings(settings), budget, null);
    }
    LayerSelection.Result selection = layerSelection.apply(original, profile, modelFile);
    List<BudgetAllocator.LayerOptions> options = List.of();
    RankSelector.Scored searched = null;
    if (!selection.selected().isEmpty()) {
      RankSelector rs = rankSelector(original, profile, selection, calibration, budget);
      try {
        options =
            Planner.options(
                new Planner.Request(
                    modelFile.getFileName().toString(),
                    selection.selected(),
                    selection.skipped(),
                    total,
                    planSpec.methods(),
                    rs,
                    budget,
                    seed),
                listener);
        searched = PlannedStart.searched(rs, options);
      } finally {
        close(rs);
      }
    }
    return new PlannedStart(
        prune.applyPlanned(original, calibration, threads, options, total, budget),
        budget,
        searched);
  }

  /**
   * Planned pruning's outcome, with the rank search it ran on the original model's layers (null for
   * pruning alone).
   *
   * @param budget the budget the search and the allocation ran under
   * @param searched the search's candidates, replayed as a selector
   */
  private record PlannedStart(
      PruneStep.Result pruning, Budget budget, RankSelector.Scored searched) {

    /**
     * The search to reuse when the factorizations are re-planned under {@code replan}: only when no
     * channel was pruned (the model is the original) and the budget is the same, so the selector
     * would score the same layers alike; else null (search the pruned model anew).
     */
    RankSelector.Scored reusableFor(Budget replan) {
      return searched != null && pruning.selection().prunedGroups() == 0 && budget.equals(replan)
          ? searched
          : null;
    }

    /** {@code rs}'s name, settings and the candidates it offered per layer, replayed. */
    static RankSelector.Scored searched(
        RankSelector rs, List<BudgetAllocator.LayerOptions> options) {
      String name = rs.name();
      Map<String, Object> settings = new java.util.LinkedHashMap<>(rs.settings());
      Map<String, BudgetAllocator.LayerOptions> byLayer = new java.util.LinkedHashMap<>();
      options.forEach(o -> byLayer.put(o.layer(), o));
      return new RankSelector.Scored() {
        @Override
        public String name() {
          return name;
        }

        @Override
        public Map<String, Object> settings() {
          return settings;
        }

        @Override
        public BudgetAllocator.LayerOptions options(LayerInput layer, List<Method> methods) {
          BudgetAllocator.LayerOptions o = byLayer.get(layer.name());
          if (o == null) {
            throw new IllegalStateException("no searched candidates for layer " + layer.name());
          }
          return o;
        }
      };
    }
  }

  /**
   * {@code plan} with the pruning recorded in its settings: the criterion, the fraction of channels
   * kept, the pruned groups ("label: kept of width") and the original model's cost (the plan's own
   * totals count from the pruned model).
   */
  private static Plan withPruning(Plan plan, PruneStep.Result pruning, ModelProfile original) {
    Map<String, Object> extra = new java.util.LinkedHashMap<>(pruneSettings(pruning));
    extra.keySet().removeAll(plan.settings().keySet());
    extra.put("original_params", original.totalParams());
    extra.put("original_macs", original.totalMacs());
    return plan.withSettings(extra);
  }

  private static Map<String, Object> pruneSettings(PruneStep.Result pruning) {
    ChannelSelection.Result r = pruning.selection();
    Map<String, Object> m = new java.util.LinkedHashMap<>(pruning.settings());
    m.put("prune_keep", r.keep());
    m.put("prune_criterion", r.criterion());
    m.put("pruned_groups", r.prunedGroups());
    m.put(
        "prune_groups",
        r.decisions().stream()
            .filter(d -> d.kept() < d.group().width())
            .map(d -> d.group().label() + ": " + d.kept() + " of " + d.group().width())
            .toList());
    return m;
  }

  /**
   * The budget of the original model restated for the pruned one (keep F of the original = keep F x
   * original / pruned of the pruned model); null when pruning alone meets it.
   */
  private Budget budgetAfterPruning(ModelProfile original, ModelProfile pruned) {
    if (planSpec.budget().isNone()) {
      return planSpec.budget();
    }
    Cost o = new Cost(original.totalParams(), original.totalMacs());
    Cost p = new Cost(pruned.totalParams(), pruned.totalMacs());
    if (o.get(planSpec.budget().kind()) == p.get(planSpec.budget().kind())) {
      return planSpec.budget(); // nothing pruned that this budget counts
    }
    double keep =
        planSpec.budget().keepFraction()
            * o.get(planSpec.budget().kind())
            / p.get(planSpec.budget().kind());
    if (keep >= 1) {
      LOG.warn("{}: pruning alone meets {}; nothing is factorized", modelFile, planSpec.budget());
      return null;
    }
    return new Budget(planSpec.budget().kind(), keep);
  }

  /** The empty plan of a pruned-only model. */
  private Plan prunedOnly(ModelProfile pruned, PruneStep.Result pruning) {
    Cost c = new Cost(pruned.totalParams(), pruned.totalMacs());
    return new Plan(
        modelFile.getFileName().toString(),
        "prune",
        planSpec.budget(),
        seed,
        Map.of(
            "prune_keep",
            pruning.selection().keep(),
            "prune_criterion",
            planSpec.prune().criterion(),
            "pruned_groups",
            pruning.selection().prunedGroups()),
        List.of(),
        c,
        c);
  }

  /** Runs every stage; writes the output model when one was set. */
  public CompressionResult run() throws IOException {
    Planned planned = plan();
    Map<Stage, Double> seconds = new EnumMap<>(planned.stageSeconds());
    Map<Checkpoint, EvaluationResult> accuracy = new EnumMap<>(Checkpoint.class);
    PipelineListener l = listener;
    Model original = planned.original();
    Model start = planned.factorized();
    ModelProfile before = planned.profile();
    long[] inputShape = planned.inputShape();
    InputShapes inputs = planned.inputs();
    Plan plan = planned.plan();

    long t = start(l, Stage.FACTORIZE);
    Rewritten rw =
        dataSpec.source() != null && dataSpec.dataAwareImages() > 0 && dataSpec.sequential()
            ? factorizeSequentially(start, plan, inputShape)
            : factorizeAndRewrite(start, plan, inputMoments(start, plan, inputShape), l);
    seconds.put(Stage.FACTORIZE, elapsed(t));

    t = start(l, Stage.CHECK);
    ExportCheckResult check =
        ExportCheck.compare(
            OnnxWriter.toBytes(rw.reference()),
            OnnxWriter.toBytes(rw.model()),
            inputs,
            inputs.batchOr(2),
            seed,
            RuntimeOptions.withThreads(measure.threads()));
    LOG.info("rewrite check vs dense reconstruction: {}", check);
    seconds.put(Stage.CHECK, elapsed(t));

    Model compressed = rw.model();
    boolean evaluating = dataSpec.source() != null && dataSpec.evalLimit() >= 0;
    if (evaluating) {
      t = start(l, Stage.EVALUATE);
      accuracy.put(Checkpoint.ORIGINAL, evaluate(original, inputs, Checkpoint.ORIGINAL));
      seconds.put(Stage.EVALUATE, elapsed(t));
    }
    List<OutputReconstruction.LayerFit> refit = List.of();
    if (dataSpec.source() != null && dataSpec.refitImages() > 0) {
      if (evaluating) {
        t = start(l, Stage.EVALUATE);
        accuracy.put(Checkpoint.FACTORIZED, evaluate(compressed, inputs, Checkpoint.FACTORIZED));
        seconds.merge(Stage.EVALUATE, elapsed(t), Double::sum);
      }
      t = start(l, Stage.REFIT);
      OutputReconstruction.Result r = refit(start, compressed, plan, inputShape, rw.dataFitted());
      compressed = r.model();
      refit = r.layers();
      seconds.put(Stage.REFIT, elapsed(t));
    }
    if (distillSteps > 0 && dataSpec.source() != null && dataSpec.dataAwareImages() > 0) {
      if (evaluating && !accuracy.containsKey(Checkpoint.FACTORIZED)) {
        t = start(l, Stage.EVALUATE);
        accuracy.put(Checkpoint.FACTORIZED, evaluate(compressed, inputs, Checkpoint.FACTORIZED));
        seconds.merge(Stage.EVALUATE, elapsed(t), Double::sum);
      }
      t = start(l, Stage.DISTILL);
      compressed = distillOnFitImages(original, compressed, plan, inputs);
      seconds.put(Stage.DISTILL, elapsed(t));
    }
    if (evaluating) {
      t = start(l, Stage.EVALUATE);
      accuracy.put(Checkpoint.COMPRESSED, evaluate(compressed, inputs, Checkpoint.COMPRESSED));
      seconds.merge(Stage.EVALUATE, elapsed(t), Double::sum);
    }
    FineTuneResult tuned = null;
    if (fineTune != null) {
      t = start(l, Stage.FINE_TUNE);
      tuned = fineTune(original, compressed, plan, inputs);
      compressed = tuned.model();
      seconds.put(Stage.FINE_TUNE, elapsed(t));
      if (dataSpec.evalLimit() >= 0) {
        accuracy.put(Checkpoint.FINE_TUNED, evaluate(compressed, inputs, Checkpoint.FINE_TUNED));
      }
    }
    ModelProfile after = profile(compressed);
    if (dataSpec.source() != null && dataSpec.evalLimit() >= 0) {
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
    int[] asked = measure.latencyBatchSizes();
    if (asked.length > 0) {
      t = start(l, Stage.MEASURE);
      int[] batches = inputs.batches(asked);
      String note =
          java.util.Arrays.equals(batches, asked)
              ? ""
              : "latency timed at "
                  + inputs.describeBatch(batches[0])
                  + " only; asked for batches "
                  + java.util.Arrays.toString(asked);
      if (!note.isEmpty()) {
        LOG.warn("{}: {}", modelFile, note);
      }
      latency =
          LatencyBenchmark.compare(
                  modelFile.getFileName().toString(),
                  OnnxWriter.toBytes(original),
                  OnnxWriter.toBytes(compressed),
                  (double) after.totalMacs() / before.totalMacs(),
                  inputs,
                  batches,
                  LatencyBenchmark.Settings.defaults()
                      .withThreads(measure.threads())
                      .withRuns(measure.latencyWarmup(), measure.latencyRuns()))
              .withNote(note);
      if (planSpec.keepLatency() > 0) {
        latency = latency.withNote(latencyBudgetNote(latency, note));
      }
      seconds.put(Stage.MEASURE, elapsed(t));
    }

    Path written = null;
    byte[] modelBytes = null;
    if (output != null) {
      t = start(l, Stage.EXPORT);
      written = fidelity.passed() || measure.guard().force() ? output : rejectedPath(output);
      modelBytes = OnnxWriter.toBytes(compressed);
      seconds.put(Stage.EXPORT, elapsed(t));
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
            seed,
            planned.pruning());
    if (written != null) {
      commit(result, modelBytes, written);
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
  private void commit(CompressionResult result, byte[] model, Path written) throws IOException {
    Map<Path, byte[]> files = new LinkedHashMap<>();
    for (Companion c : companions) {
      files.put(c.location().apply(written), c.render().apply(result));
    }
    files.put(written, model);
    AtomicFiles.writeAll(files);
  }

  /**
   * The latency note with a missed latency budget added (the batch sizes where the compressed
   * model's CPU time over the original's, measured side by side, exceeds it); unchanged when met.
   */
  private String latencyBudgetNote(LatencyComparison latency, String note) {
    List<String> missed = new ArrayList<>();
    for (LatencyComparison.Row r : latency.rows()) {
      double ratio = 1 / (Double.isNaN(r.cpuSpeedup()) ? r.speedup() : r.cpuSpeedup());
      if (ratio > planSpec.keepLatency()) {
        missed.add(String.format(Locale.ROOT, "batch %d: %.2f", r.batchSize(), ratio));
      }
    }
    if (missed.isEmpty()) {
      LOG.info("latency budget {} met (measured after the rewrite)", planSpec.keepLatency());
      return note;
    }
    String what =
        String.format(
            Locale.ROOT,
            "latency budget %.2f missed: the compressed model measured %s of the original's time",
            planSpec.keepLatency(),
            String.join(", ", missed));
    LOG.warn("{}: {}", modelFile, what);
    return note.isEmpty() ? what : note + "; " + what;
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
    RuntimeOptions ort = RuntimeOptions.withThreads(measure.threads());
    EvaluationResult before = accuracy.get(Checkpoint.ORIGINAL);
    EvaluationResult after = accuracy.get(Checkpoint.FINAL_ORT);
    FidelityInputs source = new FidelityInputs(original, inputs, seed);
    List<FeedSource> sources = new ArrayList<>();
    if (dataSpec.source() != null) {
      sources.add(() -> Optional.of(source.testImages(dataSpec.source(), FIDELITY_SAMPLES)));
    } else {
      sources.add(() -> source.testDataSets(modelFile));
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
              f.get().inputs(),
              m,
              before,
              after,
              measure.guard(),
              fineTuned,
              dataSpec.source() != null);
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
    if (dataSpec.source() == null || dataSpec.calibrationImages() <= 0) {
      return null;
    }
    return trainingImages(inputShape, dataSpec.calibrationImages());
  }

  /** {@code n} training images (normalized, batch first), chosen with the seed. */
  private TensorValue trainingImages(long[] inputShape, int n) throws IOException {
    try (ImageDataset train = dataSpec.source().open("train", inputShape)) {
      ImageDataset subset = Datasets.limit(train, n, seed);
      DataLoader loader =
          DataLoader.builder(subset)
              .setBatchSize(subset.size())
              .optNormalization(dataSpec.source().normalization())
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
    try (ImageDataset test = dataSpec.source().open("test", inputs.first());
        GraphExecutor exec = GraphExecutor.of(model)) {
      DataLoader loader = testLoader(test, inputs);
      listener.start("evaluate " + what, loader.batchesPerEpoch());
      EvaluationResult r =
          Evaluator.evaluate(
              FixedBatchPredictor.of(new ExecutorPredictor(exec), inputs.fixedBatch()),
              loader,
              n -> listener.progress(n, ""));
      listener.finish(String.format(java.util.Locale.ROOT, "top-1 %.2f%%", 100 * r.top1()));
      return r;
    }
  }

  /** Top-1 of the deployed form: the model serialized and run in ONNX Runtime. */
  private EvaluationResult evaluateInOrt(Model model, InputShapes inputs) throws IOException {
    try (ImageDataset test = dataSpec.source().open("test", inputs.first());
        OrtRunner ort =
            OrtRunner.open(
                OnnxWriter.toBytes(model),
                "compressed",
                RuntimeOptions.withThreads(measure.threads()))) {
      return Evaluator.evaluate(
          FixedBatchPredictor.of(new OrtPredictor(ort), inputs.fixedBatch()),
          testLoader(test, inputs));
    }
  }

  /** Test images in batches of {@value #EVAL_BATCH}, or of the model's fixed batch. */
  private DataLoader testLoader(ImageDataset test, InputShapes inputs) {
    ImageDataset ds =
        dataSpec.evalLimit() > 0 ? Datasets.limit(test, dataSpec.evalLimit(), seed) : test;
    return DataLoader.builder(ds)
        .setBatchSize(inputs.batchOr(EVAL_BATCH))
        .optNormalization(dataSpec.source().normalization())
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
            trainingImages(inputShape, dataSpec.refitImages()),
            OutputReconstruction.Settings.defaults(),
            listener);
    OutputReconstruction.Summary s = OutputReconstruction.Summary.of(r.layers());
    LOG.info(
        "refit on {} images: {} of {} layers, mean relative output error {} -> {} ({} s)",
        dataSpec.refitImages(),
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
    if (dataSpec.source() == null) {
      throw new IllegalArgumentException("fine-tuning needs training data: set a dataset");
    }
    return FineTuning.run(
        student,
        teacher,
        layerPairs(teacher, plan),
        dataSpec.source(),
        inputs,
        fineTune,
        seed,
        listener);
  }

  /** The outputs of the factorized layers, matched between the student and the teacher. */
  private List<LayerPair> layerPairs(Model teacher, Plan plan) {
    List<LayerPair> pairs = new ArrayList<>();
    for (LayerDecision d : plan.layers()) {
      // pruned layers have fewer channels than the teacher's: no layer pairs, outputs only
      if (d.isFactorized() && planSpec.prune() == null) {
        String out = LayerRewriter.findLayer(teacher.graph(), d.layer()).output(0);
        pairs.add(new LayerPair(out, out));
      }
    }
    return pairs;
  }

  /**
   * Label-free distillation on the fit images ({@code --factorize data-distill}): {@link
   * #distillSteps} Adam steps on the same {@link DataSpec#dataAwareImages()} training images the
   * data-aware factorization fitted to, or on {@link #distillImages} images that start with them
   * (randomly cropped and flipped with {@link #distillAugment}), no labels, matching the compressed
   * model to the original: L = T^2 KL(softmax(t / T) || softmax(s / T)) + 0.5 (1/P) sum_i mean((S_i
   * - D_i)^2) over the P factorized layers' outputs (the cross-entropy's weight is 0). As
   * post-training reconstruction in quantization (BRECQ, AdaRound: a small calibration set, the
   * original model as the only target), applied to the low-rank factors and the whole network at
   * once. Cost: steps x batch images forward and backward through the student and forward through
   * the teacher ({@link #DEFAULT_DISTILL_STEPS} x 64 = 12,800 images, a quarter of a CIFAR-10
   * epoch).
   */
  private Model distillOnFitImages(Model teacher, Model student, Plan plan, InputShapes inputs)
      throws IOException {
    int images = distillImages > 0 ? distillImages : dataSpec.dataAwareImages();
    FineTuneSettings s =
        FineTuneSettings.epochs(1)
            .withSteps(distillSteps)
            .withBatchSize(Math.min(DISTILL_BATCH, images))
            .withTrainLimit(images)
            .withValidationImages(0)
            .withAugmentation(distillAugment)
            .withDistillation(true)
            .withKdWeight(1.0);
    FineTuneResult r =
        FineTuning.run(
            student,
            teacher,
            layerPairs(teacher, plan),
            dataSpec.source(),
            inputs,
            s,
            seed,
            listener);
    LOG.info(
        "label-free distillation on {} training images: {} steps, loss {} -> {}",
        images,
        distillSteps,
        r.epochs().isEmpty() ? "?" : fixed4(r.epochs().get(0).trainLoss()),
        r.epochs().isEmpty() ? "?" : fixed4(r.epochs().get(r.epochs().size() - 1).trainLoss()));
    return r.model();
  }

  private static String fixed4(double v) {
    return String.format(java.util.Locale.ROOT, "%.4f", v);
  }

  /**
   * The no-layer error: one count per skip rule with the option that would include such layers, and
   * when only the 1x1 rule stands in the way (a MobileNet/SqueezeNet-style net), says so, with the
   * layers {@code --include-pointwise} would make candidates (checked, not guessed).
   */
  private String nothingToFactorize(Model model, LayerSelection.Result selection) {
    String counts =
        selection.skipSummary() + "; run lowrank inspect " + modelFile + " for the per-layer list";
    String none =
        modelFile
            + ": no layer can be factorized with methods "
            + names(planSpec.methods())
            + "; "
            + counts;
    if (!selection.skipCounts().containsKey(SkipRule.POINTWISE)) {
      return none;
    }
    LayerSelection pointwise =
        new LayerSelection(layerSelection.rules().withPointwise(), planSpec.methods());
    ModelProfile p = ModelProfile.of(model, inputShapes(model), pointwise.rules());
    List<LayerInput> would = pointwise.apply(model, p, modelFile).selected();
    if (would.isEmpty()) {
      return none;
    }
    long params = would.stream().mapToLong(l -> p.layer(l.name()).orElseThrow().params()).sum();
    return String.format(
        Locale.ROOT,
        "%s: nothing to compress: no layer passes the layer rules, and 1x1 "
            + "(pointwise) convolutions are skipped by default; --include-pointwise makes %d layer%s (%,d "
            + "parameters) candidates. %s",
        modelFile,
        would.size(),
        would.size() == 1 ? "" : "s",
        params,
        counts);
  }

  private ModelProfile profile(Model m) {
    return ModelProfile.of(m, inputShapes(m), layerSelection.rules());
  }

  /** The given input shapes by input name (empty = as declared). */
  private Map<String, long[]> inputShapes(Model m) {
    return InputShapes.parse(dataSpec.inputShapeSpecs(), m.graph().runtimeInputs());
  }

  private Plan plan(
      Model model,
      ModelProfile profile,
      LayerSelection.Result selection,
      TensorValue calibration,
      InputShapes inputs,
      Budget budget,
      Model reference,
      RankSelector.Scored searched) {
    if (selection.selected().isEmpty()) {
      throw new IllegalArgumentException(nothingToFactorize(model, selection));
    }
    if (searched != null) {
      LOG.info(
          "no channel pruned: the factorizations reuse the rank search of the original"
              + " (rank_search_reused)");
    }
    RankSelector rankSelector =
        searched != null ? searched : rankSelector(model, profile, selection, calibration, budget);
    Cost total = new Cost(profile.totalParams(), profile.totalMacs());
    PlanSpec.LatencyPruning prune = planSpec.latencyPruning();
    double keepLatency = planSpec.keepLatency();
    int threads = measure.threads();
    OrtLayerTimer timer =
        keepLatency > 0 || prune != null
            ? new OrtLayerTimer(
                model,
                inputShapes(model),
                OrtLayerTimer.defaultSettings(threads),
                LatencyCache.open(
                    planSpec.latencyCache() != null
                        ? planSpec.latencyCache()
                        : LatencyCache.defaultDirectory(),
                    LatencyCache.machineKey(threads)))
            : null;
    LatencyFilter[] pruning = new LatencyFilter[1]; // the last round's filter, for its counts
    try {
      Planner.Request request =
          new Planner.Request(
              modelFile.getFileName().toString(),
              selection.selected(),
              selection.skipped(),
              total,
              planSpec.methods(),
              rankSelector,
              budget,
              seed);
      Plan p;
      java.util.function.DoubleFunction<Planner.Request> capped =
          cap -> {
            pruning[0] = LatencyFilter.of(timer, cap, prune.batch());
            return request.withFilter(pruning[0]);
          };
      LatencyBenchmark.Settings rounds =
          LatencyBenchmark.Settings.defaults().withThreads(threads).withMaxSeconds(30);
      if (keepLatency > 0) {
        int[] batches = inputs.batches(measure.latencyBatchSizes());
        double[] millis = LatencyRounds.modelMillis(model, inputs, batches, rounds);
        // a pruned model is planned to keep the fraction of the original's time (reference)
        double[] correction = new double[batches.length];
        java.util.Arrays.fill(correction, 1.0);
        if (reference != model) {
          double[] ref = LatencyRounds.modelMillis(reference, inputs, batches, rounds);
          for (int b = 0; b < batches.length; b++) {
            correction[b] = ref[b] / millis[b];
          }
        }
        LatencyBudget first = new LatencyBudget(keepLatency, batches, millis, correction, timer);
        p =
            LatencyRounds.run(
                first,
                lb ->
                    Planner.plan(
                        (prune != null ? capped.apply(prune.ratio()) : request).withLatency(lb),
                        listener),
                LatencyRounds.ort(reference, model, selection.selected(), inputs, batches, rounds));
      } else if (prune != null) {
        int[] batches = inputs.batches(new int[] {prune.batch()});
        p =
            LatencyRounds.runCap(
                prune.ratio(),
                cap -> Planner.plan(capped.apply(cap), listener),
                LatencyRounds.ort(model, selection.selected(), inputs, batches, rounds));
      } else {
        p = Planner.plan(request, listener);
      }
      if (timer != null) {
        LOG.info(
            "layer timings: {} measured in ONNX Runtime, {} from the cache {}",
            timer.measured(),
            timer.cached(),
            timer.cache().file().map(Object::toString).orElse("(memory)"));
      }
      if (pruning[0] != null) {
        LatencyFilter last = pruning[0];
        LOG.info(
            "latency pruning (ratio {}, batch {}): {} timings in {} s, {} candidates dropped",
            last.ratio(),
            prune.batch(),
            last.timings(),
            String.format(java.util.Locale.ROOT, "%.1f", last.timingSeconds()),
            p.settings().get("prune_dropped_candidates"));
      }
      List<String> order = profile.layers().stream().map(lp -> lp.name()).toList();
      List<LayerDecision> sorted = new ArrayList<>(p.layers());
      sorted.sort(java.util.Comparator.comparingInt(d -> order.indexOf(d.layer())));
      Map<String, Object> settings = new java.util.LinkedHashMap<>(p.settings());
      if (searched != null) {
        settings.put("rank_search_reused", true);
      }
      return new Plan(
          p.model(),
          p.selector(),
          p.budget(),
          p.seed(),
          settings,
          sorted,
          p.modelBefore(),
          p.modelAfter());
    } finally {
      close(rankSelector);
    }
  }

  private static void close(RankSelector rankSelector) {
    if (rankSelector instanceof AutoCloseable c) {
      try {
        c.close();
      } catch (Exception e) {
        LOG.warn("closing selector {}: {}", rankSelector.name(), e.toString());
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
    if (dataSpec.source() == null || dataSpec.dataAwareImages() <= 0) {
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
        trainingImages(inputShape, dataSpec.dataAwareImages()),
        OutputReconstruction.Settings.defaults().chunk(),
        listener);
  }

  /** Asymmetric data-aware factorization, layer by layer ({@link SequentialFactorization}). */
  private Rewritten factorizeSequentially(Model original, Plan plan, long[] inputShape)
      throws IOException {
    LayerFactorizer factorizer =
        LayerFactorizer.builder()
            .optLinearAlgebra(LinearAlgebra.defaultInstance())
            .optSeed(seed)
            .optCpFits(cpFits)
            .build();
    Map<String, LayerDecision> todo = new LinkedHashMap<>();
    plan.layers().stream().filter(LayerDecision::isFactorized).forEach(d -> todo.put(d.layer(), d));
    SequentialFactorization.Result r =
        SequentialFactorization.run(
            original,
            List.copyOf(todo.keySet()),
            trainingImages(inputShape, dataSpec.dataAwareImages()),
            OutputReconstruction.Settings.defaults().chunk(),
            (g, layer, m) -> factorizer.factorize(g, layer, todo.get(layer).choice(), m),
            listener);
    Model reference = original;
    for (Map.Entry<String, FactorizedLayer> e : r.layers().entrySet()) {
      reference = LayerRewriter.withWeight(reference, e.getKey(), e.getValue().reconstruct());
    }
    // the refitted biases too, or the rewrite check compares against the old ones
    org.lowrank.graph.Graph.Builder withBiases = reference.graph().toBuilder();
    r.biases().forEach(withBiases::putInitializer);
    reference = reference.withGraph(withBiases.build());
    return new Rewritten(r.model(), reference, r.fitted());
  }

  private Rewritten factorizeAndRewrite(
      Model original, Plan plan, Map<String, InputMoment> moments, PipelineListener l) {
    LayerFactorizer factorizer =
        LayerFactorizer.builder()
            .optLinearAlgebra(LinearAlgebra.defaultInstance())
            .optSeed(seed)
            .optCpFits(cpFits)
            .build();
    List<LayerDecision> todo = plan.layers().stream().filter(LayerDecision::isFactorized).toList();
    l.start("factorize", todo.size());
    Map<String, FactorizedLayer> specs = new LinkedHashMap<>();
    Model reference = original;
    int done = 0;
    for (LayerDecision d : todo) {
      // one layer (CP on a big kernel) may take minutes: say which one is in hand
      l.progress(done, "factorizing " + d.layer());
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

  /**
   * Builder: {@code setModel} is required; the settings go in as the four specs ({@link
   * #optPlanSpec}, {@link #optDataSpec}, {@link #optFineTune}, {@link #optMeasurement}) or through
   * the shortcuts, each of which changes one spec component. {@link #build()} checks the specs
   * against each other and the files.
   */
  public static final class Builder {
    private Path model;
    private Path output;
    private PlanSpec plan = PlanSpec.defaults();
    private DataSpec data = DataSpec.none();
    private FineTuneSettings fineTune;
    private int distillSteps;
    private boolean distillAugment;
    private int distillImages;
    private MeasurementSpec measure = MeasurementSpec.defaults();
    private long seed = 42;
    private PipelineListener listener = PipelineListener.NONE;
    private List<Companion> companions = List.of();

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

    /** Stage 3's settings: methods, layer rules, selector, budget, plan file, latency pruning. */
    public Builder optPlanSpec(PlanSpec v) {
      plan = Objects.requireNonNull(v, "plan spec");
      return this;
    }

    /** The data and the images each step takes, and the input shapes. */
    public Builder optDataSpec(DataSpec v) {
      data = Objects.requireNonNull(v, "data spec");
      return this;
    }

    /** Threads, latency runs and the fidelity guard. */
    public Builder optMeasurement(MeasurementSpec v) {
      measure = Objects.requireNonNull(v, "measurement spec");
      return this;
    }

    /**
     * Label-free distillation on the data-aware fit images after factorizing: {@code steps} Adam
     * steps matching the compressed model's logits and factorized layers' outputs to the original's
     * (0 = off, the default; runs only with data and the data-aware factorization); {@code
     * augment}: random crop and flip of the fit images while distilling (natural images).
     */
    public Builder optDistillation(int steps, boolean augment) {
      if (steps < 0) {
        throw new IllegalArgumentException(
            "distillation steps must be >= 0 (0 = off), got " + steps);
      }
      distillSteps = steps;
      distillAugment = augment;
      return this;
    }

    /**
     * Training images the label-free distillation draws its batches from: the first {@code images}
     * of the same seeded permutation as the fit images, so its first {@link
     * DataSpec#dataAwareImages()} are the fit images (0 = the fit images only, the default).
     */
    public Builder optDistillationImages(int images) {
      if (images < 0) {
        throw new IllegalArgumentException(
            "distillation images must be >= 0 (0 = the fit images), got " + images);
      }
      distillImages = images;
      return this;
    }

    /** Fine-tune the compressed model once (needs data); null = no fine-tuning (the default). */
    public Builder optFineTune(FineTuneSettings v) {
      fineTune = v;
      return this;
    }

    /**
     * Files written beside the output model and committed with it (e.g. the reports); their
     * locations are checked when the pipeline is built, with the model's.
     */
    public Builder optCompanions(List<Companion> v) {
      companions = List.copyOf(v);
      return this;
    }

    public Builder optSeed(long v) {
      seed = v;
      return this;
    }

    public Builder optListener(PipelineListener v) {
      listener = Objects.requireNonNull(v, "listener");
      return this;
    }

    /** {@link PlanSpec#methods()}: the methods to consider; several = hybrid (default: all). */
    public Builder optMethods(List<Method> v) {
      plan = plan.withMethods(v);
      return this;
    }

    /** {@link PlanSpec#budget()} (default: none, each layer its cheapest passing candidate). */
    public Builder optBudget(Budget v) {
      plan = plan.withBudget(v);
      return this;
    }

    /**
     * {@link PlanSpec#rules()}: the layer rules of {@code v} (default {@link
     * ProfileOptions#DEFAULTS}); the methods come from {@link #optMethods}.
     */
    public Builder optSelection(LayerSelection v) {
      plan = plan.withRules(v.rules());
      return this;
    }

    /** {@link PlanSpec#selector()} (default: {@value SelectorRegistry#AUTO}). */
    public Builder optSelector(SelectorChoice v) {
      plan = plan.withSelector(v);
      return this;
    }

    /** {@link PlanSpec#planFile()}: applies this plan file instead of searching. */
    public Builder optPlan(Path v) {
      plan = plan.withPlanFile(v);
      return this;
    }

    /** {@link PlanSpec#prune()}: filter pruning before planning (see {@link PruneStep}). */
    public Builder optPrune(PruneStep v) {
      plan = plan.withPrune(v);
      return this;
    }

    /**
     * {@link PlanSpec#latencyPruning()}: drops planning candidates whose factorized layer is not
     * faster in ONNX Runtime than the original layer: keep iff t_factorized &lt;= {@code ratio} *
     * t_original at batch {@code batch}, one intra-op thread ({@link LatencyFilter}).
     */
    public Builder optLatencyPruning(double ratio, int batch) {
      plan = plan.withLatencyPruning(new PlanSpec.LatencyPruning(ratio, batch));
      return this;
    }

    /** {@link DataSpec#source()}: labelled images for calibration, evaluation, fine-tuning. */
    public Builder optData(DataSource v) {
      data = data.withSource(v);
      return this;
    }

    /** {@link DataSpec#calibrationImages()} (default 64; 0 = none). */
    public Builder optCalibrationSize(int v) {
      data = data.withCalibrationImages(v);
      return this;
    }

    /**
     * {@link PlanSpec#keepLatency()}: keep at most {@code fraction} of the original model's
     * measured time at each latency batch size ({@link #optLatency}; batch 1 when none), met
     * together with {@link #optBudget}; planned in rounds ({@link LatencyRounds}). Default: none.
     */
    public Builder optKeepLatency(double fraction) {
      plan = plan.withKeepLatency(fraction);
      return this;
    }

    /** {@link PlanSpec#latencyCache()}: the layer timing cache's directory. */
    public Builder optLatencyCache(Path dir) {
      plan = plan.withLatencyCache(dir);
      return this;
    }

    /**
     * {@link DataSpec#refitImages()}: output reconstruction, refitting each factorized layer's last
     * factor by least squares so its output matches the original layer's on {@code images} training
     * images ({@link OutputReconstruction}; default {@value #DEFAULT_REFIT_IMAGES}, 0 = off). Runs
     * only when data is set.
     */
    public Builder optRefit(int images) {
      data = data.withRefitImages(images);
      return this;
    }

    /**
     * {@link DataSpec#dataAwareImages()}: fit the factors to each layer's inputs on {@code images}
     * training images ({@link org.lowrank.decomp.DataAwareFactorization}; default {@value
     * #DEFAULT_REFIT_IMAGES}); 0 = from the weights alone. Runs only when data is set.
     */
    public Builder optDataAwareFactorization(int images) {
      data = data.withDataAware(images, data.sequential());
      return this;
    }

    /**
     * {@link DataSpec#sequential()}: data-aware factors fitted layer by layer to the inputs of the
     * model compressed so far ({@link SequentialFactorization}; default) or to the original model's
     * (false: one pass, {@link InputMoments}).
     */
    public Builder optSequential(boolean v) {
      data = data.withDataAware(data.dataAwareImages(), v);
      return this;
    }

    /**
     * {@link DataSpec#evalLimit()}: evaluate top-1 on at most {@code limit} test images (0 = the
     * whole test split); negative = no evaluation (the default).
     */
    public Builder optEvaluation(int limit) {
      data = data.withEvalLimit(Math.max(limit, -1));
      return this;
    }

    /** {@link DataSpec#inputShapeSpecs()}: input shapes as {@code --input-shape} gives them. */
    public Builder optInputShapeSpecs(List<String> v) {
      data = data.withInputShapeSpecs(v);
      return this;
    }

    /**
     * {@link MeasurementSpec#guard()}: the fidelity guard (default {@link
     * FidelityGuard#defaults()}).
     */
    public Builder optGuard(FidelityGuard v) {
      measure = measure.withGuard(v);
      return this;
    }

    /** {@link MeasurementSpec#threads()}: threads for ONNX Runtime and BLAS-heavy steps. */
    public Builder optThreads(int v) {
      measure = measure.withThreads(v);
      return this;
    }

    /** {@link MeasurementSpec#latencyBatches()}: measure latency at these batch sizes. */
    public Builder optLatency(int warmupRuns, int measuredRuns, int... batchSizes) {
      measure = measure.withLatency(warmupRuns, measuredRuns, batchSizes);
      return this;
    }

    /**
     * The pipeline, checked: the model exists, no output overwrites an input, fine-tuning and
     * evaluation have data.
     */
    public CompressionPipeline build() {
      plan.requireBudgetForPlannedPruning();
      if (plan.keepLatency() > 0 && measure.latencyBatchSizes().length == 0) {
        measure = measure.withLatency(measure.latencyWarmup(), measure.latencyRuns(), 1);
      }
      return new CompressionPipeline(this);
    }
  }
}
