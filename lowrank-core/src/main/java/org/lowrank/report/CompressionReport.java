package org.lowrank.report;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.lowrank.cost.Cost;
import org.lowrank.cost.Method;
import org.lowrank.plan.Budget;
import org.lowrank.plan.LayerDecision;
import org.lowrank.plan.Plan;

/**
 * Everything a compression run reports, as immutable data: the model, the {@link Plan} (per-layer
 * methods, ranks, costs and scores), whole-model totals, accuracy at each stage, ONNX Runtime
 * latency, the accuracy-vs-compression points the search explored, seeds, versions, stage timings
 * and warnings. Built with {@link #builder()}; rendered by {@link ReportJson}, {@link HtmlReport}
 * and {@link ReportText}.
 *
 * <p>Fractions (accuracy, kept parameters) are in [0, 1]; costs count parameters and
 * multiply-accumulates (MACs) per sample, FLOPs = 2 MACs, so removed fractions are the same.
 */
public final class CompressionReport {

  /**
   * Accuracy of a model on a labelled data set.
   *
   * @param top1 top-1 accuracy in [0, 1]
   * @param top5 top-5 accuracy in [0, 1], NaN when not measured
   * @param dataset name of the data set (e.g. "cifar10-test")
   * @param samples number of samples evaluated
   */
  public record Accuracy(double top1, double top5, String dataset, long samples) {
    public Accuracy {
      checkFraction(top1, "top-1 accuracy");
      if (!Double.isNaN(top5)) {
        checkFraction(top5, "top-5 accuracy");
      }
      dataset = dataset == null ? "" : dataset;
      if (samples < 0) {
        throw new IllegalArgumentException("accuracy sample count must be >= 0, found " + samples);
      }
    }

    /** Top-1 only. */
    public static Accuracy top1(double top1, String dataset, long samples) {
      return new Accuracy(top1, Double.NaN, dataset, samples);
    }

    public boolean hasTop5() {
      return !Double.isNaN(top5);
    }
  }

  /**
   * Median ONNX Runtime latency of the original and the compressed model for one setting.
   *
   * @param batchSize samples per inference
   * @param threads intra-op threads
   * @param originalMillis median latency of the original model, milliseconds
   * @param compressedMillis median latency of the compressed model, milliseconds
   * @param runs timed runs of each model (interleaved; 0 = not recorded)
   * @param medianSpread relative spread of the last running medians when timing stopped (NaN = not
   *     recorded, or too few runs to tell)
   */
  public record Latency(
      int batchSize,
      int threads,
      double originalMillis,
      double compressedMillis,
      int runs,
      double medianSpread) {
    /** A latency whose run count and spread were not recorded. */
    public Latency(int batchSize, int threads, double originalMillis, double compressedMillis) {
      this(batchSize, threads, originalMillis, compressedMillis, 0, Double.NaN);
    }

    public Latency {
      if (batchSize < 1 || threads < 1) {
        throw new IllegalArgumentException(
            "latency batch size and threads must be >= 1, found batch "
                + batchSize
                + ", threads "
                + threads);
      }
      checkPositive(originalMillis, "original latency (ms)");
      checkPositive(compressedMillis, "compressed latency (ms)");
    }

    /** originalMillis / compressedMillis (above 1 means the compressed model is faster). */
    public double speedup() {
      return originalMillis / compressedMillis;
    }
  }

  /**
   * One configuration the search evaluated.
   *
   * @param label what it is (e.g. "tucker threshold 0.95" or "keep-params 0.3")
   * @param paramsKept fraction of the model's parameters kept
   * @param flopsKept fraction of the model's FLOPs (MACs) kept
   * @param quality accuracy or similarity (see {@link CompressionReport#explorationMetric()})
   * @param selected whether this is the configuration the run kept
   */
  public record ExploredPoint(
      String label, double paramsKept, double flopsKept, double quality, boolean selected) {
    public ExploredPoint {
      label = label == null ? "" : label;
      checkNonNegative(paramsKept, "explored point '" + label + "': params kept fraction");
      checkNonNegative(flopsKept, "explored point '" + label + "': FLOPs kept fraction");
      if (!Double.isFinite(quality)) {
        throw new IllegalArgumentException(
            "explored point '" + label + "': quality must be a finite number, found " + quality);
      }
    }
  }

  /**
   * The fidelity verdict: the final model against the original in ONNX Runtime.
   *
   * @param passed whether it met the guard
   * @param written where the model was written (OUT.rejected.onnx when it failed), or ""
   * @param verdict one line: what was measured and whether it passed
   * @param inputs what the models were compared on (random inputs are labelled as such)
   * @param samples samples compared
   * @param top1Agreement fraction of samples with the same top-1 class, NaN for non-classifiers
   * @param outputError relative output error ||y_c - y_o||_F / ||y_o||_F
   * @param guard the thresholds, as options (e.g. "--max-drop 1")
   * @param worstLayers the layers that add the most error, worst first
   * @param advice what to try when it failed
   */
  public record Fidelity(
      boolean passed,
      String written,
      String verdict,
      String inputs,
      long samples,
      double top1Agreement,
      double outputError,
      String guard,
      List<LayerError> worstLayers,
      List<String> advice) {
    public Fidelity {
      written = written == null ? "" : written;
      worstLayers = List.copyOf(worstLayers);
      advice = List.copyOf(advice);
    }
  }

  /**
   * Relative error around one factorized layer on the fidelity inputs.
   *
   * @param inputError relative error of the tensor entering the layer
   * @param outputError relative error of the tensor leaving it
   */
  public record LayerError(String layer, double inputError, double outputError) {
    /** What the layer adds: max(0, outputError - inputError). */
    public double added() {
      double a = outputError - inputError;
      return Double.isNaN(a) ? Double.POSITIVE_INFINITY : Math.max(0, a);
    }
  }

  /**
   * Filter pruning before factorization: what was decided for every channel group with filters.
   *
   * @param criterion how channels were scored (e.g. "l1", "feature-map, planned")
   * @param keep fraction of each group's channels asked to be kept, or, when the counts were chosen
   *     for a budget, the fraction of all eligible channels kept; NaN when unknown
   * @param groups one entry per group, graph order
   */
  public record Pruning(String criterion, double keep, List<PrunedGroup> groups) {
    public Pruning {
      criterion = criterion == null ? "" : criterion;
      groups = List.copyOf(groups);
    }

    /** The groups that lost channels. */
    public List<PrunedGroup> pruned() {
      return groups.stream().filter(PrunedGroup::isPruned).toList();
    }

    /** The groups kept whole, grouped by their reason (reasons in first-seen order). */
    public Map<String, List<PrunedGroup>> keptByReason() {
      Map<String, List<PrunedGroup>> out = new LinkedHashMap<>();
      for (PrunedGroup g : groups) {
        if (!g.isPruned()) {
          out.computeIfAbsent(
                  g.note().isEmpty() ? "kept whole: not selected for pruning" : g.note(),
                  k -> new ArrayList<>())
              .add(g);
        }
      }
      return out;
    }
  }

  /**
   * One channel group of {@link Pruning}: coupled channels removed together.
   *
   * @param members the group's producer nodes (the Conv/Gemm whose output channels make the group;
   *     a residual group has one per branch), graph order
   * @param channelsBefore channels of the group in the original model
   * @param channelsAfter channels kept (== channelsBefore when kept whole)
   * @param note why the group was kept whole or how its count was rounded; "" when pruned as asked
   */
  public record PrunedGroup(
      List<String> members, int channelsBefore, int channelsAfter, String note) {
    public PrunedGroup {
      members = List.copyOf(members);
      note = note == null ? "" : note;
      if (channelsAfter < 0 || channelsAfter > channelsBefore) {
        throw new IllegalArgumentException(
            "a pruned group keeps 0.."
                + channelsBefore
                + " channels, found "
                + channelsAfter
                + " ("
                + members
                + ")");
      }
    }

    public boolean isPruned() {
      return channelsAfter < channelsBefore;
    }
  }

  private final String modelName;
  private final String modelPath;
  private final long[] inputShape;
  private final String method;
  private final Plan plan;
  private final Cost totalBefore;
  private final Cost totalAfter;
  private final Map<String, Long> seeds;
  private final Map<String, String> versions;
  private final Map<String, Double> timingsSeconds;
  private final Accuracy accuracyBefore;
  private final Accuracy accuracyCompressed;
  private final Accuracy accuracyFinetuned;
  private final List<Latency> latency;
  private final String explorationMetric;
  private final List<ExploredPoint> explored;
  private final List<String> warnings;
  private final String scoreLabel;
  private final String created;
  private final Fidelity fidelity;
  private final Pruning pruning;

  private CompressionReport(Builder b) {
    this.plan = b.plan;
    this.modelName = b.modelName != null ? b.modelName : plan.model();
    this.modelPath = b.modelPath == null ? "" : b.modelPath;
    this.inputShape = b.inputShape.clone();
    this.method = b.method != null ? b.method : methodOf(plan);
    this.totalBefore = b.totalBefore != null ? b.totalBefore : plan.modelBefore();
    this.totalAfter = b.totalAfter != null ? b.totalAfter : plan.modelAfter();
    this.seeds = Collections.unmodifiableMap(new LinkedHashMap<>(b.seeds));
    Map<String, String> v = new LinkedHashMap<>();
    v.put("lowrank", lowrankVersion());
    v.put("java", System.getProperty("java.version", "unknown"));
    v.putAll(b.versions);
    this.versions = Collections.unmodifiableMap(v);
    this.timingsSeconds = Collections.unmodifiableMap(new LinkedHashMap<>(b.timings));
    this.accuracyBefore = b.accuracyBefore;
    this.accuracyCompressed = b.accuracyCompressed;
    this.accuracyFinetuned = b.accuracyFinetuned;
    this.latency = List.copyOf(b.latency);
    this.explorationMetric = b.explorationMetric;
    this.explored = List.copyOf(b.explored);
    this.warnings = List.copyOf(b.warnings);
    this.scoreLabel = b.scoreLabel;
    this.created = b.created == null ? "" : b.created;
    this.fidelity = b.fidelity;
    this.pruning = b.pruning;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Display name of the model (defaults to the plan's model). */
  public String modelName() {
    return modelName;
  }

  /** Path of the model file as the user gave it, or "". */
  public String modelPath() {
    return modelPath;
  }

  /** Input shape (NCHW for images), -1 for a dynamic dimension; empty when unknown. */
  public long[] inputShape() {
    return inputShape.clone();
  }

  /** The factorization method asked for (e.g. "hybrid", "tucker"). */
  public String method() {
    return method;
  }

  public Plan plan() {
    return plan;
  }

  public String selector() {
    return plan.selector();
  }

  public Budget budget() {
    return plan.budget();
  }

  /** Whole-model parameters and MACs before compression. */
  public Cost totalBefore() {
    return totalBefore;
  }

  /** Whole-model parameters and MACs after compression. */
  public Cost totalAfter() {
    return totalAfter;
  }

  /** Seeds of every random step, by step name. */
  public Map<String, Long> seeds() {
    return seeds;
  }

  /** Component versions by name; always includes "lowrank" and "java". */
  public Map<String, String> versions() {
    return versions;
  }

  /** Wall-clock seconds per pipeline stage, in stage order. */
  public Map<String, Double> timingsSeconds() {
    return timingsSeconds;
  }

  public Optional<Accuracy> accuracyBefore() {
    return Optional.ofNullable(accuracyBefore);
  }

  /** Accuracy of the factorized model before fine-tuning. */
  public Optional<Accuracy> accuracyCompressed() {
    return Optional.ofNullable(accuracyCompressed);
  }

  public Optional<Accuracy> accuracyFinetuned() {
    return Optional.ofNullable(accuracyFinetuned);
  }

  /** The accuracy the user ends up with: after fine-tuning if measured, else after compression. */
  public Optional<Accuracy> accuracyFinal() {
    return accuracyFinetuned != null ? accuracyFinetuned() : accuracyCompressed();
  }

  public List<Latency> latency() {
    return latency;
  }

  /** The latency row to headline: batch 1 if measured, else the first row. */
  public Optional<Latency> headlineLatency() {
    return latency.stream()
        .filter(l -> l.batchSize() == 1)
        .findFirst()
        .or(() -> latency.stream().findFirst());
  }

  /** What {@link ExploredPoint#quality()} measures (e.g. "top-1 accuracy", "cosine similarity"). */
  public String explorationMetric() {
    return explorationMetric;
  }

  public List<ExploredPoint> explored() {
    return explored;
  }

  public List<String> warnings() {
    return warnings;
  }

  /** The fidelity verdict, when the run measured one. */
  public Optional<Fidelity> fidelity() {
    return Optional.ofNullable(fidelity);
  }

  /** The channel groups of filter pruning, when the run pruned. */
  public Optional<Pruning> pruning() {
    return Optional.ofNullable(pruning);
  }

  /** What a layer's {@link LayerDecision#score()} measures (e.g. "cosine similarity"). */
  public String scoreLabel() {
    return scoreLabel;
  }

  /** When the report was made (ISO-8601), or "". */
  public String created() {
    return created;
  }

  /** 1 - params after / params before. */
  public double paramsRemovedFraction() {
    return removed(totalBefore.params(), totalAfter.params());
  }

  /** 1 - MACs after / MACs before (the same fraction of FLOPs). */
  public double flopsRemovedFraction() {
    return removed(totalBefore.macs(), totalAfter.macs());
  }

  /** totalBefore.params / totalAfter.params. */
  public double compressionRatio() {
    return totalAfter.params() == 0
        ? Double.NaN
        : (double) totalBefore.params() / totalAfter.params();
  }

  public long factorizedLayerCount() {
    return plan.layers().stream().filter(LayerDecision::isFactorized).count();
  }

  private static double removed(long before, long after) {
    return before == 0 ? 0 : 1 - (double) after / before;
  }

  /** The single method every factorized layer uses, "hybrid" when they differ, "none" for none. */
  static String methodOf(Plan plan) {
    List<Method> used =
        plan.layers().stream()
            .filter(LayerDecision::isFactorized)
            .map(d -> d.choice().method())
            .distinct()
            .toList();
    return used.isEmpty() ? "none" : used.size() == 1 ? used.get(0).cliName() : "hybrid";
  }

  static String lowrankVersion() {
    String v = CompressionReport.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }

  private static void checkFraction(double v, String what) {
    if (!(v >= 0 && v <= 1)) {
      throw new IllegalArgumentException(
          what + " must be a fraction in [0, 1], found " + v + " (pass 0.776 for 77.6%)");
    }
  }

  private static void checkPositive(double v, String what) {
    if (!(v > 0 && Double.isFinite(v))) {
      throw new IllegalArgumentException(what + " must be a positive number, found " + v);
    }
  }

  private static void checkNonNegative(double v, String what) {
    if (!(v >= 0 && Double.isFinite(v))) {
      throw new IllegalArgumentException(what + " must be a finite number >= 0, found " + v);
    }
  }

  @Override
  public String toString() {
    return "CompressionReport["
        + modelName
        + ", "
        + plan.selector()
        + "/"
        + method
        + ", "
        + factorizedLayerCount()
        + " of "
        + plan.layers().size()
        + " layers factorized]";
  }

  /**
   * Builds a report. {@link #setPlan} is required; everything else is optional and sections left
   * out are omitted from every rendering.
   */
  public static final class Builder {
    private Plan plan;
    private String modelName;
    private String modelPath;
    private long[] inputShape = new long[0];
    private String method;
    private Cost totalBefore;
    private Cost totalAfter;
    private final Map<String, Long> seeds = new LinkedHashMap<>();
    private final Map<String, String> versions = new LinkedHashMap<>();
    private final Map<String, Double> timings = new LinkedHashMap<>();
    private Accuracy accuracyBefore;
    private Accuracy accuracyCompressed;
    private Accuracy accuracyFinetuned;
    private final List<Latency> latency = new ArrayList<>();
    private String explorationMetric = "quality";
    private final List<ExploredPoint> explored = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();
    private String scoreLabel = "score";
    private String created;
    private Fidelity fidelity;
    private Pruning pruning;

    private Builder() {}

    /** The plan that was applied (required): per-layer table, selector, budget, default totals. */
    public Builder setPlan(Plan plan) {
      this.plan = Objects.requireNonNull(plan, "plan");
      return this;
    }

    /** Display name; defaults to the plan's model. */
    public Builder optModelName(String name) {
      this.modelName = name;
      return this;
    }

    public Builder optModelPath(String path) {
      this.modelPath = path;
      return this;
    }

    /** Input shape, -1 for dynamic dimensions. */
    public Builder optInputShape(long... shape) {
      this.inputShape = shape.clone();
      return this;
    }

    /** The method asked for (e.g. "hybrid"); defaults to the plan's single method or "hybrid". */
    public Builder optMethod(String method) {
      this.method = method;
      return this;
    }

    /** Measured whole-model totals (e.g. counted on the rewritten graph); default: the plan's. */
    public Builder optTotals(Cost before, Cost after) {
      this.totalBefore = Objects.requireNonNull(before, "before");
      this.totalAfter = Objects.requireNonNull(after, "after");
      return this;
    }

    /** Records the seed of a random step (e.g. "search", "finetune", "calibration-sample"). */
    public Builder optSeed(String step, long seed) {
      seeds.put(Objects.requireNonNull(step, "step"), seed);
      return this;
    }

    /** Records a component version (e.g. "onnxruntime", "djl"); "lowrank" and "java" are added. */
    public Builder optVersion(String component, String version) {
      versions.put(Objects.requireNonNull(component, "component"), String.valueOf(version));
      return this;
    }

    /** Adds wall-clock seconds to a stage (summed when a stage is recorded twice). */
    public Builder optTiming(String stage, double seconds) {
      if (!(seconds >= 0 && Double.isFinite(seconds))) {
        throw new IllegalArgumentException(
            "timing of stage '" + stage + "' must be >= 0 seconds, found " + seconds);
      }
      timings.merge(Objects.requireNonNull(stage, "stage"), seconds, Double::sum);
      return this;
    }

    public Builder optAccuracyBefore(Accuracy a) {
      this.accuracyBefore = a;
      return this;
    }

    /** Accuracy of the factorized model before fine-tuning. */
    public Builder optAccuracyCompressed(Accuracy a) {
      this.accuracyCompressed = a;
      return this;
    }

    public Builder optAccuracyFinetuned(Accuracy a) {
      this.accuracyFinetuned = a;
      return this;
    }

    public Builder optLatency(Latency row) {
      latency.add(Objects.requireNonNull(row, "row"));
      return this;
    }

    /**
     * Names what explored points' quality measures, e.g. "top-1 accuracy" or "cosine similarity".
     * When the name contains "accuracy" the HTML page shows the values as percentages.
     */
    public Builder optExplorationMetric(String metric) {
      this.explorationMetric = Objects.requireNonNull(metric, "metric");
      return this;
    }

    public Builder optExplored(ExploredPoint point) {
      explored.add(Objects.requireNonNull(point, "point"));
      return this;
    }

    public Builder optFidelity(Fidelity f) {
      this.fidelity = f;
      return this;
    }

    /** The channel groups of filter pruning before factorization. */
    public Builder optPruning(Pruning p) {
      this.pruning = p;
      return this;
    }

    public Builder optWarning(String warning) {
      warnings.add(Objects.requireNonNull(warning, "warning"));
      return this;
    }

    /** Names what the per-layer score measures (default "score"). */
    public Builder optScoreLabel(String label) {
      this.scoreLabel = Objects.requireNonNull(label, "label");
      return this;
    }

    /** When the report was made, ISO-8601 (e.g. {@code Instant.now().toString()}). */
    public Builder optCreated(String isoTime) {
      this.created = isoTime;
      return this;
    }

    public CompressionReport build() {
      if (plan == null) {
        throw new IllegalStateException(
            "a report needs the plan: call setPlan(plan) before build()");
      }
      for (long d : inputShape) {
        if (d == 0 || d < -1) {
          throw new IllegalArgumentException(
              "input shape dimensions must be positive or -1 (dynamic), found "
                  + Arrays.toString(inputShape));
        }
      }
      return new CompressionReport(this);
    }
  }
}
