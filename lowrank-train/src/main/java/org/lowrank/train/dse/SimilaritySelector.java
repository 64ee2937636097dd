package org.lowrank.train.dse;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.lowrank.cost.Choice;
import org.lowrank.cost.CostModel;
import org.lowrank.cost.LayerGeometry;
import org.lowrank.cost.Method;
import org.lowrank.decomp.InputMoment;
import org.lowrank.graph.DataType;
import org.lowrank.graph.Model;
import org.lowrank.graph.Node;
import org.lowrank.graph.TensorValue;
import org.lowrank.graph.ValueInfo;
import org.lowrank.linalg.LinearAlgebra;
import org.lowrank.plan.BudgetAllocator;
import org.lowrank.plan.Candidate;
import org.lowrank.plan.select.CandidateGrid;
import org.lowrank.plan.select.LayerInput;
import org.lowrank.plan.select.RankSelector;
import org.lowrank.progress.ProgressListener;
import org.lowrank.tensor.DenseTensor;
import org.lowrank.train.exec.DeviceChoice;
import org.lowrank.train.exec.GraphExecutor;
import org.lowrank.train.exec.MemoryBudget;
import org.lowrank.train.refit.InputMoments;
import org.lowrank.train.refit.OutputReconstruction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Method B of MISSION.md (Kokhazadeh et al., arXiv 2510.00062): rank selection by feature-map
 * similarity, a design-space exploration over layer x method x rank.
 *
 * <p><b>Mechanics.</b> The original model runs once on a small calibration batch (first use, or
 * {@link #calibrate()}), and the input of every candidate layer (Conv, Gemm, MatMul with a constant
 * weight) is cached. For a layer and a method, a candidate's weight W is factorized at the
 * candidate's ranks and reconstructed ({@link WeightApproximation}); the layer's own op runs with Ŵ
 * on the cached input ({@link LayerProbe}) and its output Ŷ is compared with the original output Y
 * by the {@link SimilarityMetric}. Running the op with the dense Ŵ equals running the factorized
 * chain up to float rounding, at a fraction of the cost. By default Ŷ is first replaced by what the
 * pipeline's output reconstruction will make of it, the least-squares refit of the last factor
 * ({@link LastFactorRefit}; {@link Builder#refitLastFactor}).
 *
 * <p><b>Layer by layer.</b> Every layer sees the original model's input, not the output of earlier
 * factorized layers: the similarity measures one layer's approximation without error accumulation,
 * so layers can be searched independently and in any order. The global budget then trades
 * similarity across layers ({@link BudgetAllocator}).
 *
 * <p><b>Rank search.</b> Candidates come from {@link CandidateGrid} (only choices that lower both
 * parameters and MACs, optionally rounded to a rank multiple), ordered by increasing rank. Per
 * method, a bisection over the grid finds the smallest grid point whose similarity reaches the
 * threshold, assuming similarity grows with rank (about log2(48) = 6 evaluations); then {@code
 * maxCandidates} points spread evenly from the smallest rank up to it (the range where a budget
 * trades similarity for size) and one point halfway above it are evaluated too, so the allocator
 * can move each layer up or down. Large ranks, the most expensive to factorize (CP-ALS), are only
 * evaluated when the bisection needs them. The preferred candidate (the pick without a budget) is
 * the one with the fewest parameters over all given methods whose similarity reaches the threshold
 * (hybrid = several methods), or the original layer if none does.
 *
 * <p><b>Defaults.</b> Cosine similarity, threshold 0.98 (about a 20% relative output error per
 * layer; see {@link SimilarityMetric}; on ResNet-20's 3x3 convs, scored without the refit, it keeps
 * 40% (CP) to 89% (Tucker-2) of their parameters and loses 7 to 15 points of top-1 before
 * fine-tuning, which the one-shot fine-tuning of method B is there to recover), 64 calibration
 * samples (enough for a stable mean cosine on CIFAR-sized inputs, small enough to cache every layer
 * input of ResNet-56 in a few hundred MB), 10 spread grid points per method (enough for the
 * allocator to trade across layers; each costs one factorization and one layer evaluation), no rank
 * rounding.
 *
 * <p>Deterministic for a seed (calibration subset when the batch is larger than the calibration
 * size, CP-ALS init) and a thread count. Not thread-safe. Holds native memory: close it.
 */
public final class SimilaritySelector implements RankSelector.Scored, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SimilaritySelector.class);

  /** Default similarity threshold. */
  public static final double DEFAULT_THRESHOLD = 0.98;

  /** Default number of calibration samples. */
  public static final int DEFAULT_CALIBRATION_SIZE = 64;

  /** Default number of grid points evaluated per method (besides the bisection). */
  public static final int DEFAULT_MAX_CANDIDATES = 10;

  private final Model model;
  private final TensorValue calibration;
  private final String inputName;
  private final double threshold;
  private final SimilarityMetric metric;
  private final long seed;
  private final int rankMultiple;
  private final int maxCandidates;
  private final WeightApproximation approximation;
  private final LinearAlgebra la;
  private final boolean refitLastFactor;
  private final boolean dataAware;

  /** Input moments of the probed layers for data-aware scoring, filled by {@link #calibrate()}. */
  private final Map<String, InputMoment> moments = new HashMap<>();

  private final ProgressListener progress;
  private final NDManager manager;
  private final Map<String, LayerProbe> probes = new LinkedHashMap<>();
  private final Map<String, NDArray> inputs = new HashMap<>();
  private final Map<String, long[]> outputDims = new HashMap<>();
  private final Map<String, Map<Choice, Double>> scores = new HashMap<>();
  private boolean calibrated;
  private long factorizeNanos;
  private long evaluateNanos;

  private SimilaritySelector(Builder b) {
    this.model = b.model;
    this.threshold = b.threshold;
    this.metric = b.metric;
    this.seed = b.seed;
    this.rankMultiple = b.rankMultiple;
    this.maxCandidates = b.maxCandidates;
    this.progress = b.progress;
    this.approximation = new WeightApproximation(b.la, b.seed);
    this.la = b.la;
    this.refitLastFactor = b.refitLastFactor;
    this.dataAware = b.dataAware;
    List<ValueInfo> ins = model.graph().runtimeInputs();
    if (ins.size() != 1) {
      throw new IllegalArgumentException(
          "the similarity search feeds one calibration batch, but model graph '"
              + model.graph().name()
              + "' has "
              + ins.size()
              + " inputs "
              + ins.stream().map(ValueInfo::name).toList());
    }
    this.inputName = ins.get(0).name();
    this.calibration = subset(checkBatch(ins.get(0), b.calibration), b.calibrationSize, b.seed);
    Set<String> wanted = b.layers == null ? null : new LinkedHashSet<>(b.layers);
    for (Node n : model.graph().nodes()) {
      LayerProbe.of(model, n)
          .ifPresent(
              p -> {
                if (wanted == null || wanted.contains(p.name())) {
                  probes.put(p.name(), p);
                }
              });
    }
    if (wanted != null) {
      for (String w : wanted) {
        if (!probes.containsKey(w)) {
          throw unknownLayer(w);
        }
      }
    }
    this.manager =
        b.manager != null
            ? b.manager.newSubManager()
            : NDManager.newBaseManager(DeviceChoice.configuredDevice(), "PyTorch");
    manager.setName("similarity-selector");
  }

  public static Builder builder(Model model) {
    return new Builder(model);
  }

  /** Validates the calibration batch against the model input [N, ...]. */
  private static TensorValue checkBatch(ValueInfo in, TensorValue batch) {
    if (batch == null) {
      throw new IllegalArgumentException(
          "no calibration batch: call calibration(...) with a float batch for input '"
              + in.name()
              + "'");
    }
    if (!batch.isFloatingPoint()) {
      throw new IllegalArgumentException(
          "calibration batch for input '"
              + in.name()
              + "' must be floating point, found "
              + batch.dataType());
    }
    long[] want = in.dims();
    long[] got = batch.dims();
    boolean ok = got.length >= 1 && got[0] >= 1 && (want == null || want.length == got.length);
    for (int i = 1; ok && want != null && i < want.length; i++) {
      ok = want[i] < 0 || want[i] == got[i];
    }
    if (!ok) {
      throw new IllegalArgumentException(
          "calibration batch of shape "
              + Arrays.toString(got)
              + " does not match model input '"
              + in.name()
              + "' of shape "
              + in.shape()
              + " (batch first, e.g. NCHW; check the image "
              + "size, channels and layout)");
    }
    return batch;
  }

  /** At most {@code size} samples: all if the batch is not larger, else a seeded random subset. */
  private static TensorValue subset(TensorValue batch, int size, long seed) {
    int n = Math.toIntExact(batch.dim(0));
    if (n <= size) {
      return batch;
    }
    List<Integer> idx = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      idx.add(i);
    }
    Collections.shuffle(idx, new Random(seed));
    List<Integer> pick = new ArrayList<>(idx.subList(0, size));
    Collections.sort(pick);
    float[] all = batch.toFloatArray();
    int per = all.length / n;
    float[] out = new float[size * per];
    for (int i = 0; i < size; i++) {
      System.arraycopy(all, pick.get(i) * per, out, i * per, per);
    }
    long[] dims = batch.dims().clone();
    dims[0] = size;
    return TensorValue.ofFloats(dims, out);
  }

  @Override
  public String name() {
    return "similarity";
  }

  @Override
  public Map<String, Object> settings() {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("metric", metric.cliName());
    s.put("threshold", threshold);
    s.put("calibration_size", calibration.dim(0));
    s.put("max_candidates", (long) maxCandidates);
    s.put("rank_multiple", (long) rankMultiple);
    s.put("seed", seed);
    s.put("evaluation", "layer by layer on the original inputs (no error accumulation)");
    s.put("refit_last_factor", refitLastFactor);
    s.put("data_aware", dataAware);
    return Collections.unmodifiableMap(s);
  }

  /** The similarity threshold. */
  public double threshold() {
    return threshold;
  }

  public SimilarityMetric metric() {
    return metric;
  }

  /** Names of the layers this selector can score, in graph order. */
  public List<String> layerNames() {
    return List.copyOf(probes.keySet());
  }

  /**
   * The layer {@code name} as a {@link LayerInput} (the model's weight, geometry measured on the
   * calibration batch); runs the calibration pass if needed.
   */
  public LayerInput layer(String name) {
    LayerProbe p = probe(name);
    calibrate();
    return p.layerInput(inputs.get(p.dataInput()).getShape().getShape(), outputDims(p));
  }

  /** All layers this selector can score as {@link LayerInput}s, in graph order. */
  public List<LayerInput> layers() {
    List<LayerInput> out = new ArrayList<>();
    for (String n : probes.keySet()) {
      out.add(layer(n));
    }
    return out;
  }

  /**
   * Runs the original model once on the calibration batch and caches the inputs of every layer.
   * Called on first use; explicit calls let the caller time it.
   */
  public void calibrate() {
    if (calibrated) {
      return;
    }
    long t0 = System.nanoTime();
    progress.start("calibration pass (" + calibration.dim(0) + " samples)", 1);
    Set<String> taps = new LinkedHashSet<>();
    for (LayerProbe p : probes.values()) {
      taps.add(p.dataInput());
    }
    MemoryBudget budget = MemoryBudget.configured();
    int count = (int) calibration.dim(0);
    Map<String, List<NDArray>> parts = new LinkedHashMap<>();
    try (GraphExecutor ex =
            GraphExecutor.builder(model).optTrainable(n -> false).optManager(manager).build();
        NDManager all = manager.newSubManager()) {
      NDArray images = all.create(calibration.toFloatArray(), new Shape(calibration.dims()));
      // the first chunk is one image: its layer inputs size the cache and the chunks
      int chunk = 1;
      for (int done = 0; done < count; ) {
        int size = Math.min(chunk, count - done);
        try (NDManager batch = all.newSubManager()) {
          NDArray x = images.get(done + ":" + (done + size));
          Map<String, NDArray> maps = ex.featureMaps(batch, Map.of(inputName, x), taps);
          for (String t : taps) {
            parts.computeIfAbsent(t, k -> new ArrayList<>()).add(keep(maps.get(t)));
          }
          if (done == 0) {
            long perImage = 0;
            for (String t : taps) {
              perImage += maps.get(t).size() * Float.BYTES;
            }
            budget.require(
                perImage * count,
                "the similarity selector's cache of "
                    + taps.size()
                    + " layer inputs for "
                    + count
                    + " calibration images",
                "use fewer calibration images (--calibration)");
            chunk = budget.items(FORWARD_BYTES_PER_TAP_BYTE * perImage, count);
          }
        }
        done += size;
      }
    }
    for (String t : taps) {
      List<NDArray> ps = parts.get(t);
      if (ps.size() == 1) {
        inputs.put(t, ps.get(0));
      } else {
        NDArray a = NDArrays.concat(new NDList(ps), 0);
        a.attach(manager);
        ps.forEach(NDArray::close);
        inputs.put(t, a);
      }
    }
    if (dataAware) {
      moments.putAll(
          InputMoments.collect(
              model,
              List.copyOf(probes.keySet()),
              calibration,
              (int) calibration.dim(0),
              ProgressListener.NONE));
    }
    calibrated = true;
    progress.progress(1, "");
    progress.finish("");
    LOG.info(
        "calibration: {} layer inputs of {} samples cached in {} ms",
        inputs.size(),
        calibration.dim(0),
        (System.nanoTime() - t0) / 1_000_000);
  }

  /**
   * Bytes a forward pass holds per byte of cached layer inputs: each conv input comes with the conv
   * output and the add and activation after it, all alive until the chunk is done.
   */
  private static final int FORWARD_BYTES_PER_TAP_BYTE = 4;

  /** The cached input of every layer reading {@code tap}, for all calibration images (tests). */
  NDArray cachedInput(String tap) {
    calibrate();
    return inputs.get(tap);
  }

  /** A copy of {@code a} owned by this selector's manager, outliving the batch. */
  private NDArray keep(NDArray a) {
    NDArray c = a.duplicate();
    c.attach(manager);
    return c;
  }

  private long[] outputDims(LayerProbe p) {
    return outputDims.computeIfAbsent(
        p.name(),
        k -> {
          try (NDManager batch = manager.newSubManager()) {
            NDArray x = inputs.get(p.dataInput());
            NDArray one = x.get("0:1");
            long[] d = p.run(manager, batch, one, p.weight()).getShape().getShape();
            d[0] = x.getShape().get(0);
            return d;
          }
        });
  }

  private LayerProbe probe(String name) {
    LayerProbe p = probes.get(name);
    if (p == null) {
      throw unknownLayer(name);
    }
    return p;
  }

  private IllegalArgumentException unknownLayer(String name) {
    List<String> known = new ArrayList<>();
    for (Node n : model.graph().nodes()) {
      LayerProbe.of(model, n).ifPresent(p -> known.add(p.name()));
    }
    return new IllegalArgumentException(
        "no factorizable layer named '"
            + name
            + "' in model graph '"
            + model.graph().name()
            + "' (Conv, ConvTranspose, Gemm or MatMul node with a constant weight); its layers are "
            + (known.size() > 30 ? known.subList(0, 30) + "..." : known));
  }

  /**
   * The similarity of the layer's output with weight Ŵ of {@code choice} to its original output
   * (cached per layer and choice).
   */
  public double similarity(String layerName, Choice choice) {
    LayerProbe p = probe(layerName);
    calibrate();
    Map<Choice, Double> cache = scores.computeIfAbsent(layerName, k -> new HashMap<>());
    Double s = cache.get(choice);
    if (s == null) {
      try (NDManager batch = manager.newSubManager()) {
        NDArray x = inputs.get(p.dataInput());
        NDArray ref = p.run(manager, batch, x, p.weight());
        s = similarity(p, batch, x, ref, choice);
      }
      cache.put(choice, s);
    }
    return s;
  }

  private double similarity(LayerProbe p, NDManager parent, NDArray x, NDArray ref, Choice choice) {
    Map<Choice, Double> cache = scores.computeIfAbsent(p.name(), k -> new HashMap<>());
    Double cached = cache.get(choice);
    if (cached != null) {
      return cached;
    }
    double s;
    try (NDManager batch = parent.newSubManager()) {
      long t0 = System.nanoTime();
      DenseTensor w = approximation.reconstruct(p.weight(), choice, moments.get(p.name()));
      long t1 = System.nanoTime();
      NDArray out = p.run(manager, batch, x, w);
      if (refitsLastFactor(p, choice)) {
        Optional<NDArray> refitted = LastFactorRefit.apply(ref, out, p.isConv(), p.hasBias(), la);
        if (refitted.isEmpty()) {
          LOG.debug(
              "layer '{}': candidate {} scored without the refit (the solve failed)",
              p.name(),
              choice);
        }
        out = refitted.orElse(out);
      }
      s = metric.compute(ref, out, !p.isConv());
      factorizeNanos += t1 - t0;
      evaluateNanos += System.nanoTime() - t1;
    } catch (RuntimeException e) {
      LOG.warn(
          "layer '{}': candidate {} could not be evaluated and is dropped: {}",
          p.name(),
          choice,
          e.getMessage());
      s = Double.NaN;
    }
    cache.put(choice, s);
    return s;
  }

  /**
   * Whether a candidate is scored after the least-squares refit of its last factor: when enabled,
   * for chains that end in a 1x1 conv or dense factor (not TT-matrix), on ungrouped layers, with
   * enough samples ({@link LastFactorRefit#applies}).
   */
  private boolean refitsLastFactor(LayerProbe p, Choice choice) {
    if (dataAware && moments.containsKey(p.name()) && approximation.isDataAware(choice.method())) {
      // the pipeline's sequential data-aware fit replaces the refit for these layers
      return false;
    }
    if (!refitLastFactor
        || choice.method() == Method.TTM
        || p.groups() != 1
        || !LastFactorRefit.applies(outputDims(p), p.isConv())) {
      return false;
    }
    boolean tuckerChain = choice.method() == Method.TUCKER2 || choice.method() == Method.TT;
    if (!tuckerChain || (choice.method() == Method.TT && !p.isTransposedConv())) {
      return true;
    }
    // with U_out folded, the chain ends in the kxk core over r_i channels: the pipeline refits a
    // Conv core on its r_i K input patches, and skips it above
    // OutputReconstruction.MAX_PATCH_FEATURES;
    // a ConvTranspose core is not refitted
    LayerGeometry g = layer(p.name()).geometry();
    return CostModel.TuckerChain.of(g, choice) != CostModel.TuckerChain.OUTPUT_FOLDED
        || (!p.isTransposedConv()
            && (long) choice.ranks()[1] * g.kernelElements()
                <= OutputReconstruction.MAX_PATCH_FEATURES);
  }

  @Override
  public BudgetAllocator.LayerOptions options(LayerInput layer, List<Method> methods) {
    LayerProbe p = probe(layer.name());
    if (!Arrays.equals(layer.weight().shape(), p.weightShape())) {
      throw new IllegalArgumentException(
          "layer '"
              + layer.name()
              + "': the weight given has shape "
              + Arrays.toString(layer.weight().shape())
              + " but the model's is "
              + Arrays.toString(p.weightShape())
              + "; pass the model the layers were taken from");
    }
    DenseTensor w = p.weight();
    double diff = DenseTensor.relativeError(w, layer.weight());
    if (diff > 1e-4) {
      throw new IllegalArgumentException(
          String.format(
              Locale.ROOT,
              "layer '%s': the weight given differs from the model's (relative difference %.3g); pass the "
                  + "model the layers were taken from (e.g. after batch-norm folding)",
              layer.name(),
              diff));
    }
    if (p.groups() != 1) {
      throw new IllegalArgumentException(
          "layer '"
              + layer.name()
              + "' is a grouped convolution (group "
              + p.groups()
              + "); the factorized rewrites do not support it: exclude the layer");
    }
    calibrate();
    long t0 = System.nanoTime();
    List<Candidate> cands = new ArrayList<>();
    cands.add(Candidate.original(layer.geometry()));
    int preferred = 0;
    int[] evaluations = {0};
    progress.start("similarity " + layer.name(), -1);
    try (NDManager batch = manager.newSubManager()) {
      NDArray x = inputs.get(p.dataInput());
      NDArray ref = p.run(manager, batch, x, p.weight());
      for (Method m : methods) {
        if (m.forConv() != layer.geometry().conv()) {
          throw new IllegalArgumentException(
              "layer '"
                  + layer.name()
                  + "' is "
                  + (layer.geometry().conv() ? "a convolution" : "dense")
                  + ": method "
                  + m.cliName()
                  + " does not apply");
        }
        List<Choice> grid = CandidateGrid.choices(layer.geometry(), m, rankMultiple);
        double[] s = new double[grid.size()];
        Arrays.fill(s, Double.NaN);
        boolean[] done = new boolean[grid.size()];
        int n = grid.size();
        java.util.function.IntPredicate passes =
            i -> {
              if (!done[i]) {
                s[i] = similarity(p, batch, x, ref, grid.get(i));
                done[i] = true;
                progress.progress(++evaluations[0], grid.get(i) + " " + fmt(s[i]));
              }
              return s[i] >= threshold;
            };
        // bisection: lo fails (or is before the grid), hi passes (or is past the grid)
        int lo = -1;
        int hi = n;
        while (hi - lo > 1) {
          int mid = (lo + hi) >>> 1;
          if (passes.test(mid)) {
            hi = mid;
          } else {
            lo = mid;
          }
        }
        // the trading range up to the smallest passing rank, and one stronger option above it
        for (int i : CandidateGrid.spread(Math.min(hi + 1, n), maxCandidates)) {
          passes.test(i);
        }
        if (hi < n - 1) {
          passes.test((hi + n) >>> 1);
        }
        for (int i = 0; i < grid.size(); i++) {
          if (!done[i] || Double.isNaN(s[i])) {
            continue;
          }
          Choice c = grid.get(i);
          Candidate cand = new Candidate(c, CostModel.factorized(layer.geometry(), c), s[i]);
          cands.add(cand);
          if (s[i] >= threshold && cand.preferableTo(cands.get(preferred))) {
            preferred = cands.size() - 1;
          }
        }
      }
    } finally {
      progress.finish("");
    }
    Candidate pick = cands.get(preferred);
    LOG.info(
        "layer '{}': {} candidates in {} ms (so far {} ms factorizing, {} ms evaluating), preferred {} "
            + "(similarity {})",
        layer.name(),
        evaluations[0],
        (System.nanoTime() - t0) / 1_000_000,
        factorizeNanos / 1_000_000,
        evaluateNanos / 1_000_000,
        pick.isOriginal() ? "original" : pick.choice(),
        fmt(pick.score()));
    return new BudgetAllocator.LayerOptions(layer.name(), cands, preferred);
  }

  private static String fmt(double v) {
    return String.format(Locale.ROOT, "%.4f", v);
  }

  @Override
  public void close() {
    for (LayerProbe p : probes.values()) {
      p.close();
    }
    inputs.clear();
    manager.close();
  }

  /** Builder; only the model and a calibration batch are required. */
  public static final class Builder {
    private final Model model;
    private TensorValue calibration;
    private int calibrationSize = DEFAULT_CALIBRATION_SIZE;
    private double threshold = DEFAULT_THRESHOLD;
    private SimilarityMetric metric = SimilarityMetric.COSINE;
    private long seed;
    private int rankMultiple = 1;
    private int maxCandidates = DEFAULT_MAX_CANDIDATES;
    private LinearAlgebra la = LinearAlgebra.defaultInstance();
    private boolean refitLastFactor = true;
    private boolean dataAware;
    private ProgressListener progress = ProgressListener.NONE;
    private Collection<String> layers;
    private NDManager manager;

    private Builder(Model model) {
      this.model = Objects.requireNonNull(model, "model");
    }

    /** The calibration batch [N, ...] for the model's single input (float, batch first). */
    public Builder calibration(TensorValue batch) {
      this.calibration = Objects.requireNonNull(batch, "calibration batch");
      return this;
    }

    /** The calibration batch as float data in row-major order with its shape [N, ...]. */
    public Builder calibration(float[] data, long... shape) {
      if (TensorValue.elementCount(shape) != data.length) {
        throw new IllegalArgumentException(
            "calibration data has "
                + data.length
                + " values but shape "
                + Arrays.toString(shape)
                + " needs "
                + TensorValue.elementCount(shape));
      }
      return calibration(TensorValue.ofFloats(DataType.FLOAT, shape, data));
    }

    /** Samples used (default 64); a larger batch is subsampled with the seed. */
    public Builder calibrationSize(int size) {
      if (size < 1) {
        throw new IllegalArgumentException("calibration size must be >= 1, found " + size);
      }
      this.calibrationSize = size;
      return this;
    }

    /** Similarity a candidate must reach to be preferred, in (0, 1] (default 0.98). */
    public Builder threshold(double t) {
      if (!(t > 0 && t <= 1)) {
        throw new IllegalArgumentException(
            "similarity threshold must be in (0, 1], found " + t + " (e.g. 0.98 for cosine)");
      }
      this.threshold = t;
      return this;
    }

    /** Cosine (default) or linear CKA. */
    public Builder metric(SimilarityMetric m) {
      this.metric = Objects.requireNonNull(m, "metric");
      return this;
    }

    /** Seed of every random step (calibration subset, CP-ALS init); default 0. */
    public Builder seed(long s) {
      this.seed = s;
      return this;
    }

    /** Round ranks up to a multiple (1 = no rounding, the default; e.g. 8 for hardware). */
    public Builder rankMultiple(int multiple) {
      if (multiple < 1) {
        throw new IllegalArgumentException("rank multiple must be >= 1, found " + multiple);
      }
      this.rankMultiple = multiple;
      return this;
    }

    /**
     * Grid points spread from the smallest rank up to the threshold rank, evaluated per layer and
     * method besides the bisection (default 10, at least 2).
     */
    public Builder maxCandidates(int k) {
      if (k < 2) {
        throw new IllegalArgumentException("max candidates per method must be >= 2, found " + k);
      }
      this.maxCandidates = k;
      return this;
    }

    /**
     * Score each candidate as it will be deployed after the pipeline's output reconstruction (its
     * last factor refitted by least squares to the original output; {@link LastFactorRefit}).
     * Default true, matching {@code compress}'s default; turn off when the layers will not be
     * refitted.
     */
    public Builder refitLastFactor(boolean on) {
      this.refitLastFactor = on;
      return this;
    }

    /**
     * Score the data-aware factorization of each candidate (factors fitted to the layer's inputs on
     * the calibration batch, {@link org.lowrank.decomp.DataAwareFactorization}), the one {@code
     * compress --factorize data} deploys. Default false (weight-only factors).
     */
    public Builder dataAware(boolean on) {
      this.dataAware = on;
      return this;
    }

    /**
     * BLAS/LAPACK backend of the decompositions (default {@link LinearAlgebra#defaultInstance()}).
     */
    public Builder linearAlgebra(LinearAlgebra linearAlgebra) {
      this.la = Objects.requireNonNull(linearAlgebra, "linearAlgebra");
      return this;
    }

    /** Receives the calibration pass and each layer's search as steps (default none). */
    public Builder progress(ProgressListener listener) {
      this.progress = Objects.requireNonNull(listener, "progress");
      return this;
    }

    /** Only these layers are cached and scored (default: every Conv/Gemm/MatMul layer). */
    public Builder layers(Collection<String> names) {
      this.layers = List.copyOf(names);
      return this;
    }

    /**
     * Allocate native memory under a sub-manager of {@code parent} (default: a new base manager on
     * {@link DeviceChoice#configuredDevice()}).
     */
    public Builder manager(NDManager parent) {
      this.manager = parent;
      return this;
    }

    /**
     * @throws IllegalArgumentException if the calibration batch is missing or does not fit the
     *     model input, or a layer named in {@link #layers} does not exist
     */
    public SimilaritySelector build() {
      return new SimilaritySelector(this);
    }
  }
}
