package org.lowrank.bench.results;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.lowrank.pipeline.CompressionPipeline;
import org.lowrank.train.finetune.FineTuneSettings;
import picocli.CommandLine.Option;

/**
 * The options of {@code ./bench results}: which rows to run ({@code --experiments}, {@code --only},
 * {@code --models}, {@code --methods}, {@code --selectors}) and the settings every row runs with.
 * The settings a user changed are part of each row's id, so rows measured under other settings
 * never replace each other in RESULTS.md.
 */
public final class ResultsOptions {
  /**
   * Options that pick rows or say where things are, not what a row measures: not in row ids ({@code
   * --models} is, as in the rows recorded before these options were picocli's).
   */
  static final Set<String> NOT_IN_ID =
      Set.of(
          "--threads",
          "--experiments",
          "--only",
          "--methods",
          "--selectors",
          "--data",
          "--data-root",
          "--no-render");

  @Option(names = "--quick", description = "Small subsets and a few steps (minutes).")
  boolean quick;

  @Option(
      names = "--experiments",
      split = ",",
      paramLabel = "N",
      description = "Experiments to run, of 1..5 (default: all).")
  Set<Integer> experiments = new LinkedHashSet<>(List.of(1, 2, 3, 4, 5));

  @Option(
      names = "--epochs",
      paramLabel = "N",
      description = "Fine-tuning epochs (default ${DEFAULT-VALUE}).")
  int epochs = 1;

  @Option(
      names = "--lr",
      paramLabel = "LR",
      description =
          "Fine-tuning peak learning rate (default: the product's, as compress/finetune use).")
  Double lr;

  @Option(
      names = "--threads",
      paramLabel = "N",
      description = "PyTorch intra-op threads (default ${DEFAULT-VALUE}).")
  int threads = 2;

  @Option(
      names = "--ort-threads",
      paramLabel = "N",
      description =
          "ONNX Runtime threads for latency and ORT evaluation (default ${DEFAULT-VALUE}).")
  int ortThreads = 1;

  @Option(names = "--seed", paramLabel = "S", description = "Seed (default ${DEFAULT-VALUE}).")
  long seed = 42;

  @Option(
      names = "--eval",
      paramLabel = "N",
      description = "CIFAR-10 test images to evaluate on, 0 = all (default all 10000; quick 200).")
  Integer eval;

  @Option(
      names = "--train-limit",
      paramLabel = "N",
      description =
          "Fine-tuning images, 0 = all (default CIFAR all 50000 / Fashion 20000; quick 256 / 512).")
  Integer trainLimit;

  @Option(
      names = "--models",
      split = ",",
      paramLabel = "MODEL",
      description = "Models of experiment 1: resnet20 and/or resnet56 (default resnet20).")
  List<String> models = List.of("resnet20");

  @Option(
      names = "--data-root",
      paramLabel = "DIR",
      description = "Shared data (default $LOWRANK_SHARED_DATA or ../shared/data).")
  Path dataRoot;

  @Option(
      names = "--only",
      paramLabel = "TEXT",
      description = "Only the rows whose id contains TEXT (the reference rows included).")
  String only;

  @Option(
      names = "--methods",
      split = ",",
      paramLabel = "METHOD",
      description = "Rows of experiments 1 and 3 with these methods only: tucker, cp, tt, hybrid.")
  Set<String> methods;

  @Option(
      names = "--selectors",
      split = ",",
      paramLabel = "SELECTOR",
      description =
          "Rows of experiments 1 and 3 with these selectors only: vbmf, energy, ratio, similarity,"
              + " datafree.")
  Set<String> selectors;

  @Option(
      names = "--prune-latency",
      arity = "0..1",
      fallbackValue = "1.0",
      paramLabel = "RATIO",
      description =
          "Drop planning candidates not faster in ONNX Runtime than the original layer (keep iff"
              + " time <= RATIO x original, batch 1; RATIO default 1.0).")
  Double pruneLatency;

  @Option(
      names = "--refit",
      paramLabel = "N",
      description = "Output reconstruction images per row, 0 = off (default ${DEFAULT-VALUE}).")
  int refit = CompressionPipeline.DEFAULT_REFIT_IMAGES;

  @Option(
      names = "--keep-flops",
      paramLabel = "F",
      description =
          "Experiment 1 keeps F of the MACs instead of 22%% of the parameters; rows are named"
              + " .../keep-flops-F.")
  Double keepFlops;

  @Option(
      names = "--kd-weight",
      paramLabel = "W",
      description =
          "Fine-tuning logit-distillation weight in [0, 1], the labels get 1 - W (default: the"
              + " product's).")
  Double kdWeight;

  @Option(
      names = "--data",
      paramLabel = "FILE",
      description = "Result records to append to (default ${DEFAULT-VALUE}).")
  Path data = Path.of("results", "experiments.jsonl");

  /**
   * The options as typed that change what a row measures, e.g. {@code [--epochs, 2]}; set by the
   * command from its parse result.
   */
  List<String> given = new ArrayList<>();

  /** Every option as typed, for the rerun commands; set by the command. */
  List<String> typed = new ArrayList<>();

  /** Rejects values no experiment can run with, naming the option, what was expected and found. */
  void validate() {
    for (int e : experiments) {
      if (e < 1 || e > 5) {
        throw new IllegalArgumentException("--experiments: expected numbers 1..5, found " + e);
      }
    }
    positive("--epochs", epochs);
    positive("--threads", threads);
    positive("--ort-threads", ortThreads);
    nonNegative("--eval", eval);
    nonNegative("--train-limit", trainLimit);
    nonNegative("--refit", refit);
    if (lr != null && !(lr > 0)) {
      throw new IllegalArgumentException("--lr: expected > 0, found " + lr);
    }
    if (pruneLatency != null && !(pruneLatency > 0)) {
      throw new IllegalArgumentException(
          "--prune-latency: expected a ratio > 0, found " + pruneLatency);
    }
    if (keepFlops != null && !(keepFlops > 0 && keepFlops < 1)) {
      throw new IllegalArgumentException(
          "--keep-flops: expected a fraction in (0, 1), found " + keepFlops);
    }
    if (kdWeight != null) {
      kdWeight = fineTune(1).withKdWeight(kdWeight).kdWeight();
    }
    for (String m : models) {
      if (!m.equals("resnet20") && !m.equals("resnet56")) {
        throw new IllegalArgumentException(
            "--models: expected resnet20 and/or resnet56, found " + m);
      }
    }
    methods = names("--methods", methods, Experiments.CONV_METHODS.keySet());
    selectors = names("--selectors", selectors, new LinkedHashSet<>(Experiments.E3_SELECTORS));
  }

  /** The product's fine-tuning settings for {@code epochs} with --kd-weight applied. */
  FineTuneSettings fineTune(int epochs) {
    FineTuneSettings f = FineTuneSettings.epochs(epochs);
    return kdWeight == null ? f : f.withKdWeight(kdWeight);
  }

  /** CIFAR-10 test images to evaluate on (0 = all 10000). */
  int evalImages() {
    return eval != null ? eval : quick ? 200 : 0;
  }

  /** CIFAR-10 fine-tuning images (0 = all 50000). */
  int cifarTrainLimit() {
    return trainLimit != null ? trainLimit : quick ? 256 : 0;
  }

  int fashionTrainLimit() {
    return trainLimit != null ? trainLimit : quick ? 512 : 20000;
  }

  /** Fine-tuning peak lr: the product's default for its default optimizer unless --lr. */
  double learningRate() {
    return lr != null ? lr : FineTuneSettings.epochs(1).learningRate();
  }

  int calibration() {
    return quick ? 16 : 64;
  }

  /** Whether the --methods and --selectors filters let a row of experiment 1 or 3 run. */
  boolean allows(String method, String selector) {
    return (methods == null || methods.contains(method))
        && (selectors == null || selectors.contains(selector));
  }

  /** The shared data folder: --data-root, $LOWRANK_SHARED_DATA, or ../shared/data. */
  Path dataRoot() {
    if (dataRoot != null) {
      return dataRoot;
    }
    String env = System.getProperty("LOWRANK_SHARED_DATA", System.getenv("LOWRANK_SHARED_DATA"));
    if (env != null && !env.isBlank()) {
      return Path.of(env);
    }
    Path p = Path.of("..", "shared", "data");
    return Files.exists(p) ? p : Path.of("..", "..", "shared", "data");
  }

  private static void positive(String name, int n) {
    if (n < 1) {
      throw new IllegalArgumentException(name + ": expected >= 1, found " + n);
    }
  }

  private static void nonNegative(String name, Integer n) {
    if (n != null && n < 0) {
      throw new IllegalArgumentException(name + ": expected >= 0, found " + n);
    }
  }

  /** Lower-cased names, each one of {@code allowed}; null stays null (no filter). */
  private static Set<String> names(String option, Set<String> given, Set<String> allowed) {
    if (given == null) {
      return null;
    }
    Set<String> out = new LinkedHashSet<>();
    for (String n : given) {
      String t = n.trim().toLowerCase(java.util.Locale.ROOT);
      if (!allowed.contains(t)) {
        throw new IllegalArgumentException(
            option + ": expected names from " + allowed + ", found '" + n + "'");
      }
      out.add(t);
    }
    return out;
  }
}
