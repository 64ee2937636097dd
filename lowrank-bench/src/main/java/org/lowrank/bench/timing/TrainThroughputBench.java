package org.lowrank.bench.timing;

import ai.djl.engine.Engine;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import org.lowrank.graph.Model;
import org.lowrank.onnx.OnnxReader;
import org.lowrank.train.data.Batch;
import org.lowrank.train.data.DataLoader;
import org.lowrank.train.data.ImageDataset;
import org.lowrank.train.eval.ExecutorPredictor;
import org.lowrank.train.exec.DeviceChoice;
import org.lowrank.train.exec.GraphExecutor;
import org.lowrank.train.finetune.FineTuneConfig;
import org.lowrank.train.finetune.FineTuneListener;
import org.lowrank.train.finetune.FineTuner;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * Question: how many images per second does one fine-tuning step (forward + backward + SGD Nesterov
 * update) of ResNet-20 process at batch 128, and how fast is eval-mode inference? Baseline: PyTorch
 * on the same machine (ARCHITECTURE.md: parity for a small CNN on 2 cores).
 *
 * <p>Run: {@code LOWRANK_JAVA_OPTS=-Dai.djl.pytorch.num_threads=N ./bench train-throughput
 * [model.onnx] [batch] [steps]}. The model defaults to ResNet-20 under {@code $LOWRANK_SHARED_DATA}
 * or ../shared/data. Synthetic 32x32 RGB data, so decoding does not count. Prints a table; returns
 * nothing else.
 *
 * <p>Measured 2026-11-23 on the shared 2-core machine under load (load average 11-20): 1 thread
 * 180-274 images/s train step, 150-326 images/s eval; 2 threads collapse to ~45-49 train when the
 * neighbours are busy. No PyTorch is installed here, so the PyTorch baseline is still to be run.
 */
@Command(
    name = "train-throughput",
    mixinStandardHelpOptions = true,
    description = "Fine-tuning and inference images/s of the executor (synthetic 32x32 images).")
public final class TrainThroughputBench implements Callable<Integer> {
  /** Result of one measurement. */
  public record Result(
      int batch, int steps, double trainImagesPerSecond, double evalImagesPerSecond) {}

  @Parameters(
      index = "0",
      arity = "0..1",
      paramLabel = "MODEL.onnx",
      description = "The model (default: ResNet-20 of the shared data).")
  Path model;

  @Parameters(
      index = "1",
      arity = "0..1",
      paramLabel = "BATCH",
      description = "Batch size (default ${DEFAULT-VALUE}).")
  int batch = 128;

  @Parameters(
      index = "2",
      arity = "0..1",
      paramLabel = "STEPS",
      description = "Timed steps (default ${DEFAULT-VALUE}).")
  int steps = 20;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    Path model = this.model != null ? this.model : defaultModel();
    Result r = run(OnnxReader.read(model), batch, steps);
    PrintWriter out = spec.commandLine().getOut();
    out.printf("model            %s%n", model);
    out.printf(
        "engine threads   %d (ai.djl.pytorch.num_threads)%n",
        Integer.getInteger(
            "ai.djl.pytorch.num_threads", Runtime.getRuntime().availableProcessors()));
    out.printf(
        "engine           %s%n",
        Engine.getInstance().getEngineName() + " " + Engine.getInstance().getVersion());
    out.printf("%-28s %10s%n", "measurement (batch " + batch + ")", "images/s");
    out.printf("%-28s %10.1f%n", "train step (fwd+bwd+SGD)", r.trainImagesPerSecond());
    out.printf("%-28s %10.1f%n", "eval forward", r.evalImagesPerSecond());
    out.flush();
    return 0;
  }

  static Path defaultModel() {
    String p = System.getProperty("LOWRANK_SHARED_DATA", System.getenv("LOWRANK_SHARED_DATA"));
    Path base = p != null ? Path.of(p) : Path.of("..", "shared", "data");
    if (!Files.exists(base)) {
      base = Path.of("..", "..", "shared", "data");
    }
    return base.resolve("models/resnet20_cifar10/model.onnx");
  }

  /** Random 3x32x32 images (seeded) with 10 classes. */
  static ImageDataset synthetic(int n) {
    return synthetic(n, 3, 32, 32, 10);
  }

  /** {@code n} random c x h x w images (seeded by index), example i of class i mod classes. */
  public static ImageDataset synthetic(int n, int c, int h, int w, int classes) {
    return new ImageDataset() {
      public int size() {
        return n;
      }

      public int channels() {
        return c;
      }

      public int height() {
        return h;
      }

      public int width() {
        return w;
      }

      public List<String> classNames() {
        return java.util.Collections.nCopies(classes, "c");
      }

      public Example get(int i) {
        byte[] px = new byte[c * h * w];
        new Random(i).nextBytes(px);
        return new Example(px, i % classes);
      }

      public String description() {
        return "synthetic";
      }
    };
  }

  /** Measures {@code steps} training steps after 3 warm-up steps, and as many eval batches. */
  public static Result run(Model model, int batch, int steps) {
    int warm = 3;
    DataLoader data =
        DataLoader.builder(synthetic(batch * 4)).setBatchSize(batch).optDropLast(true).build();
    double train =
        trainImagesPerSecond(model, data, warm, steps, DeviceChoice.configuredReplicas());
    Batch b = data.epoch(0).next();
    double eval;
    try (GraphExecutor ex = GraphExecutor.of(model)) {
      ExecutorPredictor p = new ExecutorPredictor(ex);
      for (int i = 0; i < warm; i++) {
        p.logits(b);
      }
      long t0 = System.nanoTime();
      for (int i = 0; i < steps; i++) {
        p.logits(b);
      }
      eval = (double) steps * batch / ((System.nanoTime() - t0) / 1e9);
    }
    return new Result(batch, steps, train, eval);
  }

  /**
   * Fine-tuning images/s of {@code model} on {@code data} (SGD Nesterov, learning rate 1e-4) over
   * {@code devices} (more than one: data-parallel): {@code warm} untimed steps, then the harmonic
   * mean of the per-step images/s of {@code steps} steps (= images / total step time).
   */
  public static double trainImagesPerSecond(
      Model model, DataLoader data, int warm, int steps, List<DeviceChoice> devices) {
    List<Double> ips = new ArrayList<>();
    FineTuner.run(
        model,
        data,
        FineTuneConfig.builder()
            .optLearningRate(1e-4)
            .optSteps(warm + steps)
            .optDevices(devices)
            .optListener(
                new FineTuneListener() {
                  @Override
                  public void onStep(StepEvent e) {
                    if (e.step() > warm) {
                      ips.add(e.imagesPerSecond());
                    }
                  }
                })
            .build());
    return ips.size() / ips.stream().mapToDouble(v -> 1 / v).sum();
  }
}
