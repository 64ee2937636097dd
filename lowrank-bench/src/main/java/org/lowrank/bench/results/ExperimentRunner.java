package org.lowrank.bench.results;

import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.lowrank.analysis.LayerProfile;
import org.lowrank.analysis.ModelProfile;
import org.lowrank.bench.DecompositionBenchmark;
import org.lowrank.bench.timing.TrainThroughputBench;
import org.lowrank.demo.DemoAssets;
import org.lowrank.demo.DemoModel;
import org.lowrank.demo.DemoTrainer;
import org.lowrank.demo.FashionMnist;
import org.lowrank.graph.Model;
import org.lowrank.onnx.OnnxReader;
import org.lowrank.onnx.OnnxWriter;
import org.lowrank.pipeline.Checkpoint;
import org.lowrank.pipeline.CompressionResult;
import org.lowrank.plan.Budget;
import org.lowrank.plan.LayerDecision;
import org.lowrank.plan.Plan;
import org.lowrank.progress.ProgressListener;
import org.lowrank.runtime.LatencyComparison;
import org.lowrank.train.eval.EvaluationResult;

/**
 * Runs one {@link Experiment} through the public API and returns its measured rows (most
 * experiments have one; the decomposition benchmark has one per case, method and rank). What a row
 * plans and runs in the compression pipeline is in {@link Pipelines}; this class times it and turns
 * the results into metrics.
 *
 * <p>Metrics are numbers in the unit their name says: "removed" columns are fractions (0..1), top-1
 * and drops are percent points, "s" seconds, "ms" milliseconds, speedups ratios; verdicts against a
 * published target are text. A row that failed has {@code error} and {@code wall s}.
 */
public final class ExperimentRunner {
  /** One measured row: its id suffix below the experiment's row ("" for the row itself). */
  public record Measured(String suffix, Map<String, Object> metrics) {}

  private final ResultsOptions o;
  private final Map<String, Map<String, Object>> earlier;
  private final PrintWriter err;
  private final Pipelines pipelines;

  /**
   * @param o the run's options (not modified)
   * @param earlier the latest line per id already recorded (reference rows are looked up in it)
   * @param err progress lines
   */
  public ExperimentRunner(
      ResultsOptions o, Map<String, Map<String, Object>> earlier, PrintWriter err) {
    this.o = o;
    this.earlier = earlier;
    this.err = err;
    this.pipelines = new Pipelines(o);
  }

  /** Runs {@code e}; a failure is a row with its error, never an exception. */
  public List<Measured> run(Experiment e) {
    long t0 = System.nanoTime();
    try {
      return switch (e.kind()) {
        case REFERENCE -> List.of(one(reference(e)));
        case FINE_TUNED -> List.of(one(compressed(e, true)));
        case BEFORE_FINE_TUNING -> List.of(one(compressed(e, false)));
        case FASHION -> List.of(one(fashion(e)));
        case PLAN_ONLY -> List.of(one(planOnly(e)));
        case THROUGHPUT -> List.of(one(throughput(e)));
        case DECOMPOSITIONS -> decompositions();
      };
    } catch (Exception | OutOfMemoryError x) {
      err.println("[results] " + e.row() + " failed: " + x);
      x.printStackTrace(err);
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("error", x.getMessage() == null ? x.getClass().getSimpleName() : x.getMessage());
      m.put("wall s", seconds(t0));
      return List.of(one(m));
    }
  }

  private static Measured one(Map<String, Object> metrics) {
    return new Measured("", metrics);
  }

  // ---------------------------------------------------------------- the rows

  /**
   * Experiments 1 and 3: plans alone first (timed: wall and process CPU), then applies that plan
   * from a plan file (as {@code lowrank compress --plan}) for the other stages.
   */
  private Map<String, Object> compressed(Experiment e, boolean fineTune) throws IOException {
    long t0 = System.nanoTime();
    Clock clock = Clock.start();
    Plan plan = pipelines.plan(e);
    Map<String, Object> search = clock.stop();
    CompressionResult c = pipelines.apply(e, plan, fineTune);
    Map<String, Object> m = new LinkedHashMap<>();
    if (!fineTune) {
      m.put("selector", e.selector());
      m.put("method", e.method());
    }
    m.put("params removed", c.paramsRemoved());
    m.put("FLOPs removed", c.flopsRemoved());
    m.put("top-1 original", acc(c, Checkpoint.ORIGINAL));
    if (fineTune) {
      m.put("compressed", acc(c, Checkpoint.COMPRESSED));
      m.put("fine-tuned", acc(c, Checkpoint.FINE_TUNED));
      m.put("ORT", acc(c, Checkpoint.FINAL_ORT));
      m.put("drop", drop(c));
      m.put("drop vs reference", referenceTop1(e) - acc(c, Checkpoint.FINE_TUNED));
    } else {
      m.put("compressed (no fine-tuning)", acc(c, Checkpoint.COMPRESSED));
      m.put("drop", drop(c));
    }
    m.putAll(search);
    m.put("wall s", seconds(t0));
    if (fineTune) {
      latency(c, m);
      m.put("fine-tune images/s", fineTuneImagesPerSecond(c));
      verdicts(m);
    }
    return m;
  }

  /**
   * The reference row of a model: the original fine-tuned with the rows' exact schedule (same
   * epochs, images, lr, augmentation, seed, loss), through the pipeline with a plan that factorizes
   * no layer.
   */
  private Map<String, Object> reference(Experiment e) throws IOException {
    long t0 = System.nanoTime();
    CompressionResult c = pipelines.reference(e);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("params removed", 0.0);
    m.put("FLOPs removed", 0.0);
    m.put("top-1 original", acc(c, Checkpoint.ORIGINAL));
    m.put("compressed", "(not compressed)");
    m.put("fine-tuned", acc(c, Checkpoint.FINE_TUNED));
    m.put("ORT", acc(c, Checkpoint.FINAL_ORT));
    m.put("drop", drop(c));
    m.put("wall s", seconds(t0));
    m.put("fine-tune images/s", fineTuneImagesPerSecond(c));
    return m;
  }

  /** The reference's fine-tuned top-1 measured with the same options; NaN when there is none. */
  private double referenceTop1(Experiment e) {
    String ref = e.id().replace(e.row(), "e1/" + e.model() + "/reference");
    Map<String, Object> r = earlier.get(ref);
    Object v = r != null && r.get("metrics") instanceof Map<?, ?> m ? m.get("fine-tuned") : null;
    if (v instanceof Number n) {
      return n.doubleValue();
    }
    try {
      return v == null ? Double.NaN : Double.parseDouble(v.toString());
    } catch (NumberFormatException x) {
      return Double.NaN;
    }
  }

  /** Experiment 2: one layer type of the Fashion-MNIST VGG factorized, fine-tuned. */
  private Map<String, Object> fashion(Experiment e) throws IOException {
    long t0 = System.nanoTime();
    Path modelFile = fashionModel();
    ModelProfile profile = ModelProfile.of(OnnxReader.read(modelFile));
    boolean conv = e.layers().equals("conv");
    Budget budget =
        e.budget() != null ? e.budget() : Budget.keepParams(keepForTarget(profile, conv));
    CompressionResult c = pipelines.fashion(e, modelFile, budget);
    double fc = typeRemoved(c.plan().layers(), false);
    double cv = typeRemoved(c.plan().layers(), true);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("budget", budget.toString());
    m.put("FC params removed", fc);
    m.put("conv params removed", cv);
    m.put("model params removed", c.paramsRemoved());
    m.put("top-1 original", acc(c, Checkpoint.ORIGINAL));
    m.put("compressed", acc(c, Checkpoint.COMPRESSED));
    m.put("fine-tuned", acc(c, Checkpoint.FINE_TUNED));
    m.put("drop", drop(c));
    m.put(
        "target (type)",
        (conv ? Published.CONV_REMOVED : Published.FC_REMOVED).verdict(100 * (conv ? cv : fc)));
    m.put("target (drop < 1.5)", Published.DROP_FASHION.verdict(drop(c)));
    m.put("wall s", seconds(t0));
    return m;
  }

  /**
   * The fraction of the model's parameters to keep so that the published share of one layer type
   * (plus a margin of 1.5 points) is removed, the other type kept as it is.
   */
  static double keepForTarget(ModelProfile profile, boolean conv) {
    double removeShare =
        (conv ? Published.CONV_REMOVED : Published.FC_REMOVED).value() / 100 + 0.015;
    long type = typeParams(profile, conv);
    double keep = (profile.totalParams() - removeShare * type) / profile.totalParams();
    return Math.round(keep * 10000) / 10000.0;
  }

  /**
   * The VGG-style Fashion-MNIST model: the product's cached demo model when present (not with
   * --quick), else one trained for 1 epoch on 30000 images (5000 with --quick), cached beside it.
   */
  private Path fashionModel() throws IOException {
    DemoModel which = DemoModel.VGG_STYLE;
    Path cached = DemoAssets.defaultCacheDir().resolve(which.fileName());
    if (Files.isRegularFile(cached) && !o.quick) {
      return DemoAssets.trained(which, DemoAssets.defaultCacheDir(), ProgressListener.NONE).file();
    }
    int limit = o.quick ? 5000 : 30000;
    Path file =
        DemoAssets.defaultCacheDir()
            .resolve("results")
            .resolve(which.fileName().replace(".onnx", "-e1-n" + limit + ".onnx"));
    if (!Files.isRegularFile(file)) {
      Model model =
          DemoTrainer.builder()
              .optSeed(DemoAssets.SEED)
              .optEpochs(1)
              .optTrainLimit(limit)
              .build()
              .train(which.build(DemoAssets.SEED), FashionMnist.train(), FashionMnist.test())
              .model();
      Files.createDirectories(file.getParent());
      Path tmp = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".tmp");
      OnnxWriter.write(model, tmp);
      Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }
    return file;
  }

  /** Experiment 5: planning only, timed against issue 5's goal. */
  private Map<String, Object> planOnly(Experiment e) throws IOException {
    Clock clock = Clock.start();
    Plan plan = pipelines.plan(e);
    Map<String, Object> search = clock.stop();
    Target goal =
        e.selector().equals("datafree") ? Published.DATAFREE_SEARCH_R56 : Published.DSE_SEARCH;
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("model", e.model());
    m.put("selector", e.selector());
    m.put("method", e.method());
    m.put("params removed (plan)", 1 - plan.keptParamsFraction());
    m.put("FLOPs removed (plan)", 1 - plan.keptFlopsFraction());
    m.put("search wall s", search.get("search wall s"));
    m.put("search CPU s", search.get("search CPU s"));
    m.put("load avg (start / end)", search.get("load avg (search start / end)"));
    m.put("goal (wall)", goal.verdict((Double) search.get("search wall s")));
    m.put("goal (CPU time)", goal.verdict((Double) search.get("search CPU s")));
    return m;
  }

  // ---------------------------------------------------------------- speed

  private Map<String, Object> throughput(Experiment e) throws IOException {
    long t0 = System.nanoTime();
    int batch = o.quick ? 16 : 64;
    int steps = o.quick ? 3 : 10;
    TrainThroughputBench.Result r =
        TrainThroughputBench.run(OnnxReader.read(pipelines.modelPath(e.model())), batch, steps);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("model", e.model() + " (original)");
    m.put("batch", batch);
    m.put("measured steps", steps);
    m.put("train images/s", r.trainImagesPerSecond());
    m.put("eval images/s", r.evalImagesPerSecond());
    m.put("wall s", seconds(t0));
    return m;
  }

  private List<Measured> decompositions() throws IOException {
    PrintWriter quiet = new PrintWriter(java.io.Writer.nullWriter());
    List<Measured> rows = new ArrayList<>();
    for (DecompositionBenchmark.Row r : DecompositionBenchmark.quickRows(1, quiet, quiet)) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("params", r.parameters());
      m.put("ratio", r.compression());
      m.put("median_ms", r.medianMillis());
      m.put("cpu_ms", r.medianCpuMillis());
      m.put("rel_err", r.relativeError());
      rows.add(new Measured("/" + r.caseName() + "/" + r.method() + "/" + r.ranks(), m));
    }
    return rows;
  }

  // ---------------------------------------------------------------- measurements

  /** Wall and process CPU seconds of a planning call, and the load average at its start and end. */
  private record Clock(long wall0, double cpu0, double load0) {
    static Clock start() {
      return new Clock(System.nanoTime(), processCpuSeconds(), loadAverage());
    }

    Map<String, Object> stop() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("search wall s", seconds(wall0));
      m.put("search CPU s", processCpuSeconds() - cpu0);
      m.put(
          "load avg (search start / end)",
          String.format(java.util.Locale.ROOT, "%.1f / %.1f", load0, loadAverage()));
      return m;
    }
  }

  private static void latency(CompressionResult c, Map<String, Object> m) {
    if (c.latency() == null) {
      return;
    }
    for (LatencyComparison.Row r : c.latency().rows()) {
      String b = "b" + r.batchSize();
      m.put(b + " original ms", r.original().medianMillis());
      m.put(b + " compressed ms", r.rewritten().medianMillis());
      m.put(b + " speedup (wall)", r.speedup());
      m.put(b + " speedup (CPU)", r.cpuSpeedup());
    }
  }

  /** Issue 7's targets for an experiment-1 row: params removed, drop, CPU speedup at b1 and b32. */
  private static void verdicts(Map<String, Object> m) {
    m.put(
        Published.PARAMS_REMOVED_R20.describe(),
        Published.PARAMS_REMOVED_R20.verdict(100 * (double) m.get("params removed")));
    m.put(Published.DROP_R20.describe(), Published.DROP_R20.verdict((double) m.get("drop")));
    for (String b : List.of("b1", "b32")) {
      Object s = m.get(b + " speedup (CPU)");
      m.put(
          b + " " + Published.SPEEDUP.describe() + " (CPU)",
          Published.SPEEDUP.verdict(s instanceof Double d ? d : Double.NaN));
    }
  }

  /** Fine-tuning images per second (teacher forward included), NaN without fine-tuning. */
  private double fineTuneImagesPerSecond(CompressionResult c) {
    if (c.fineTune() == null || c.fineTune().seconds() <= 0) {
      return Double.NaN;
    }
    return (double) c.fineTune().steps()
        * pipelines.cifarFineTune().batchSize()
        / c.fineTune().seconds();
  }

  /** Top-1 in % at a stage, NaN when not evaluated. */
  static double acc(CompressionResult c, Checkpoint stage) {
    EvaluationResult e = c.accuracy().get(stage);
    return e == null ? Double.NaN : 100 * e.top1();
  }

  /** original - fine-tuned (or - compressed without fine-tuning), points. */
  static double drop(CompressionResult c) {
    double after =
        c.accuracy().containsKey(Checkpoint.FINE_TUNED)
            ? acc(c, Checkpoint.FINE_TUNED)
            : acc(c, Checkpoint.COMPRESSED);
    return acc(c, Checkpoint.ORIGINAL) - after;
  }

  static long typeParams(ModelProfile p, boolean conv) {
    return p.layers().stream()
        .filter(l -> l.isConv() == conv)
        .mapToLong(LayerProfile::params)
        .sum();
  }

  /** Fraction of the parameters of one layer type (conv or dense) the plan removes, 0..1. */
  static double typeRemoved(List<LayerDecision> layers, boolean conv) {
    long before = 0;
    long after = 0;
    for (LayerDecision d : layers) {
      if (d.kind().startsWith("conv") == conv) {
        before += d.before().params();
        after += d.after().params();
      }
    }
    return before == 0 ? Double.NaN : 1 - (double) after / before;
  }

  /** CPU seconds used by this process so far (all threads), NaN when the JVM cannot tell. */
  static double processCpuSeconds() {
    if (ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      long ns = os.getProcessCpuTime();
      return ns < 0 ? Double.NaN : ns / 1e9;
    }
    return Double.NaN;
  }

  private static double loadAverage() {
    return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
  }

  private static double seconds(long t0) {
    return (System.nanoTime() - t0) / 1e9;
  }
}
