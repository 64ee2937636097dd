package org.lowrank.bench.timing;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.lowrank.analysis.LayerProfile;
import org.lowrank.analysis.ModelProfile;
import org.lowrank.analysis.WeightFolding;
import org.lowrank.cost.Cost;
import org.lowrank.cost.CostModel;
import org.lowrank.cost.Method;
import org.lowrank.graph.Model;
import org.lowrank.graph.TensorValue;
import org.lowrank.linalg.LinearAlgebra;
import org.lowrank.onnx.OnnxReader;
import org.lowrank.plan.Budget;
import org.lowrank.plan.LayerDecision;
import org.lowrank.plan.Plan;
import org.lowrank.plan.select.LayerInput;
import org.lowrank.plan.select.Planner;
import org.lowrank.progress.ProgressListener;
import org.lowrank.rewrite.LayerRewriter;
import org.lowrank.tensor.DenseTensor;
import org.lowrank.train.data.Batch;
import org.lowrank.train.data.DataLoader;
import org.lowrank.train.data.Datasets;
import org.lowrank.train.data.ImageDataset;
import org.lowrank.train.data.ImageFolderDataset;
import org.lowrank.train.data.Normalization;
import org.lowrank.train.dse.SimilarityMetric;
import org.lowrank.train.dse.SimilaritySelector;
import org.lowrank.train.dse.WeightApproximation;
import org.lowrank.train.eval.EvaluationResult;
import org.lowrank.train.eval.Evaluator;
import org.lowrank.train.eval.ExecutorPredictor;
import org.lowrank.train.exec.GraphExecutor;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Measures the feature-map similarity search on a CIFAR-10 model (a benchmark, not a test): for
 * Tucker-2, CP, TT and hybrid, the wall time of a search over all 3x3 convs (calibration pass
 * included) and the ranks chosen at a keep-params budget, plus the top-1 accuracy of the compressed
 * model before fine-tuning (dense reconstructions, equivalent to the factorized chains).
 *
 * <pre>
 * ./bench dse-timing [--model m.onnx] [--data cifar10-jpeg.zip] [--threads 2]
 *     [--samples 64] [--budget 0.22] [--threshold 0.98] [--metric cosine] [--eval 2000]
 *     [--methods tucker,cp,tt,hybrid] [--only name-substring]
 * </pre>
 *
 * Defaults locate ResNet-20 and CIFAR-10 under {@code LOWRANK_SHARED_DATA} (property or env) or
 * {@code ../shared/data} from the repository root. Threads: PyTorch intra-op threads (the layer
 * evaluations); the decompositions of the small layer weights run on single-threaded BLAS ({@link
 * LinearAlgebra#defaultInstance()}), faster than threaded BLAS on such sizes. Wall time on a shared
 * machine depends on its load: the process CPU time is printed too.
 */
@Command(
    name = "dse-timing",
    mixinStandardHelpOptions = true,
    description = "Time the feature-map similarity search (design-space exploration) on ResNet-20.")
public final class DseTiming implements Callable<Integer> {
  @Option(
      names = "--model",
      paramLabel = "FILE",
      description = "The model (default: ResNet-20 of the shared data).")
  Path modelPath;

  @Option(
      names = "--data",
      paramLabel = "ZIP",
      description = "CIFAR-10 class folders (default: cifar10-jpeg.zip of the shared data).")
  Path zip;

  @Option(
      names = "--threads",
      paramLabel = "N",
      description = "PyTorch intra-op threads (default ${DEFAULT-VALUE}).")
  int threads = 2;

  @Option(
      names = "--samples",
      paramLabel = "N",
      description = "Calibration images (default ${DEFAULT-VALUE}).")
  int samples = 64;

  @Option(
      names = "--budget",
      paramLabel = "F",
      description = "Fraction of the parameters to keep (default ${DEFAULT-VALUE}).")
  double keep = 0.22;

  @Option(
      names = "--threshold",
      paramLabel = "T",
      description = "Similarity threshold (default ${DEFAULT-VALUE}).")
  double threshold = 0.98;

  @Option(
      names = "--metric",
      paramLabel = "NAME",
      description = "Similarity metric (default ${DEFAULT-VALUE}).")
  String metricName = "cosine";

  @Option(
      names = "--eval",
      paramLabel = "N",
      description = "Test images for top-1, 0 = none (default ${DEFAULT-VALUE}).")
  int evalImages = 2000;

  @Option(
      names = "--methods",
      split = ",",
      paramLabel = "RUN",
      description = "Runs, of tucker, cp, tt, hybrid (default ${DEFAULT-VALUE}).")
  List<String> runs = List.of("tucker", "cp", "tt", "hybrid");

  @Option(
      names = "--only",
      paramLabel = "TEXT",
      description = "Only the 3x3 convs whose name contains TEXT.")
  String only = "";

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    String shared = System.getProperty("LOWRANK_SHARED_DATA", System.getenv("LOWRANK_SHARED_DATA"));
    Path data = shared != null ? Path.of(shared) : Path.of("..", "shared", "data");
    if (!Files.exists(data)) {
      data = Path.of("..", "..", "shared", "data");
    }
    Path modelPath =
        this.modelPath != null
            ? this.modelPath
            : data.resolve("models/resnet20_cifar10/model.onnx");
    Path zip = this.zip != null ? this.zip : data.resolve("cifar10/cifar10-jpeg.zip");
    SimilarityMetric metric = SimilarityMetric.parse(metricName);
    System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
    System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
    PrintWriter out = spec.commandLine().getOut();

    Model model = WeightFolding.fold(OnnxReader.read(modelPath));
    ModelProfile profile = ModelProfile.of(model);
    Cost total = new Cost(profile.totalParams(), profile.totalMacs());
    List<String> convs = new ArrayList<>();
    for (LayerProfile l : profile.layers()) {
      if (l.isConv()
          && l.groups() == 1
          && l.name().contains(only)
          && Arrays.equals(Arrays.copyOfRange(l.weightShape(), 2, 4), new long[] {3, 3})) {
        convs.add(l.name());
      }
    }
    Normalization norm =
        Normalization.of(
            new float[] {0.485f, 0.456f, 0.406f}, new float[] {0.229f, 0.224f, 0.225f});
    TensorValue calib;
    ImageDataset test = ImageFolderDataset.builder().setRoot(zip).optSplit("test").build();
    try (ImageDataset few = Datasets.limit(test, samples, 1)) {
      Batch b =
          DataLoader.builder(few)
              .setBatchSize(samples)
              .optNormalization(norm)
              .build()
              .epoch(0)
              .next();
      calib = TensorValue.ofFloats(b.shape(), b.data());
    }
    out.printf(
        Locale.ROOT,
        "model %s: %,d params, %,d MACs; %d 3x3 convs (%,d params); calibration %d test "
            + "images; %d threads; budget keep params %.2f; %s threshold %.3f%n",
        modelPath.getFileName(),
        total.params(),
        total.macs(),
        convs.size(),
        convs.stream().mapToLong(n -> profile.layer(n).orElseThrow().params()).sum(),
        samples,
        threads,
        keep,
        metric.cliName(),
        threshold);
    LinearAlgebra la = LinearAlgebra.defaultInstance();
    double baseline = evalImages > 0 ? accuracy(model, test, norm, evalImages) : Double.NaN;
    out.printf(
        Locale.ROOT, "original top-1 on %d test images: %.2f%%%n", evalImages, 100 * baseline);
    Map<String, Plan> plans = new LinkedHashMap<>();
    for (String run : runs) {
      List<Method> methods =
          run.equals("hybrid")
              ? List.of(Method.TUCKER2, Method.CP, Method.TT)
              : List.of(Method.parse(run));
      long t0 = System.nanoTime();
      long cpu0 = processCpuNanos();
      Plan plan;
      Plan free;
      Model compressed;
      Model thresholdModel;
      try (SimilaritySelector s =
          SimilaritySelector.builder(model)
              .calibration(calib)
              .calibrationSize(samples)
              .threshold(threshold)
              .metric(metric)
              .seed(1)
              .linearAlgebra(la)
              .layers(convs)
              .build()) {
        List<LayerInput> layers = new ArrayList<>();
        for (String n : convs) {
          LayerInput l = s.layer(n);
          Cost mine = CostModel.original(l.geometry());
          Cost theirs = CostModel.original(profile.layer(n).orElseThrow().geometry());
          if (!mine.equals(theirs)) {
            throw new IllegalStateException(
                "layer " + n + ": geometry differs from the profile's: " + mine + " vs " + theirs);
          }
          layers.add(l);
        }
        plan =
            Planner.plan(
                new Planner.Request(
                    modelPath.getFileName().toString(),
                    layers,
                    List.of(),
                    total,
                    methods,
                    s,
                    Budget.keepParams(keep),
                    1),
                ProgressListener.NONE);
        double seconds = (System.nanoTime() - t0) / 1e9;
        double cpuSeconds = (processCpuNanos() - cpu0) / 1e9;
        free =
            Planner.plan(
                new Planner.Request(
                    modelPath.getFileName().toString(),
                    layers,
                    List.of(),
                    total,
                    methods,
                    s,
                    Budget.none(),
                    1),
                ProgressListener.NONE);
        out.printf(
            Locale.ROOT,
            "%n== %s: search %.1f s wall, %.1f s CPU (all threads); budget plan keeps %.1f%% params, %.1f%% MACs; "
                + "threshold-only plan keeps %.1f%% params%n",
            run,
            seconds,
            cpuSeconds,
            100 * plan.keptParamsFraction(),
            100 * plan.keptFlopsFraction(),
            100 * free.keptParamsFraction());
        compressed = reconstructed(model, plan, s, la);
        thresholdModel = reconstructed(model, free, s, la);
      }
      out.printf(
          "%-28s %-16s %8s   %-16s %8s%n",
          "layer", "budget choice", "sim", "threshold pick", "sim");
      for (LayerDecision d : plan.layers()) {
        LayerDecision f = free.layer(d.layer());
        out.printf(
            Locale.ROOT,
            "%-28s %-16s %8.4f   %-16s %8.4f%n",
            d.layer(),
            d.choice() == null ? "original" : d.choice().toString(),
            d.score(),
            f.choice() == null ? "original" : f.choice().toString(),
            f.score());
      }
      if (evalImages > 0) {
        out.printf(
            Locale.ROOT,
            "top-1 before fine-tuning: budget plan %.2f%%, threshold plan %.2f%% (original %.2f%%)%n",
            100 * accuracy(compressed, test, norm, evalImages),
            100 * accuracy(thresholdModel, test, norm, evalImages),
            100 * baseline);
      }
      plans.put(run, plan);
      out.flush();
    }
    test.close();
    return 0;
  }

  /**
   * The model with each planned layer's weight replaced by its reconstruction (same outputs as the
   * chains).
   */
  private static Model reconstructed(
      Model model, Plan plan, SimilaritySelector s, LinearAlgebra la) {
    Model m = model;
    WeightApproximation approx = new WeightApproximation(la, 1);
    for (LayerDecision d : plan.layers()) {
      if (d.choice() != null) {
        DenseTensor w = approx.reconstruct(s.layer(d.layer()).weight(), d.choice());
        m =
            LayerRewriter.withWeight(
                m,
                d.layer(),
                TensorValue.ofFloats(
                    Arrays.stream(w.shape()).asLongStream().toArray(), w.toFloats()));
      }
    }
    return m;
  }

  private static long processCpuNanos() {
    java.lang.management.OperatingSystemMXBean os =
        java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getProcessCpuTime() : 0;
  }

  private static double accuracy(Model model, ImageDataset test, Normalization norm, int n)
      throws Exception {
    ImageDataset subset = Datasets.limit(test, n, 2);
    try (GraphExecutor ex = GraphExecutor.builder(model).optTrainable(x -> false).build()) {
      EvaluationResult r =
          Evaluator.evaluate(
              new ExecutorPredictor(ex),
              DataLoader.builder(subset).setBatchSize(100).optNormalization(norm).build());
      return r.top1();
    }
  }
}
