package org.lowrank.demo;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.lowrank.graph.Model;
import org.lowrank.onnx.OnnxWriter;
import org.lowrank.train.data.IdxDataset;
import org.lowrank.train.finetune.FineTuneListener;
import org.lowrank.train.finetune.OptimizerKind;

/**
 * Trains a demo model on the full Fashion-MNIST and prints a one-line summary (test top-1, training
 * time, images/s). A developer tool, not library code. Arguments are {@code key=value}: {@code
 * model=fashion|vgg} (default fashion), {@code epochs}, {@code batch}, {@code lr}, {@code
 * optimizer=adam|sgd}, {@code seed}, {@code trainLimit}, {@code out=FILE.onnx} (optional). Run with
 * e.g. {@code -Dai.djl.pytorch.num_threads=2 -Dai.djl.offline=true}.
 */
public final class TrainDemoModel {
  private TrainDemoModel() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> a = new HashMap<>();
    for (String s : args) {
      int eq = s.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("expected key=value, got '" + s + "'");
      }
      a.put(s.substring(0, eq), s.substring(eq + 1));
    }
    String which = a.getOrDefault("model", "fashion");
    long seed = Long.parseLong(a.getOrDefault("seed", "0"));
    Model initial =
        switch (which) {
          case "fashion" -> DemoModels.fashionCnn(seed);
          case "vgg" -> DemoModels.vggStyle(seed);
          default ->
              throw new IllegalArgumentException("model must be fashion or vgg, got " + which);
        };
    DemoTrainer.Builder tb =
        DemoTrainer.builder()
            .optSeed(seed)
            .optFineTuneListener(
                new FineTuneListener() {
                  @Override
                  public void onStep(StepEvent e) {
                    if (e.step() % 50 == 0) {
                      System.err.printf(
                          "step %d/%d loss %.4f lr %.5f %.0f images/s%n",
                          e.step(),
                          e.totalSteps(),
                          e.loss(),
                          e.learningRate(),
                          e.imagesPerSecond());
                    }
                  }
                });
    if (a.containsKey("epochs")) {
      tb.optEpochs(Integer.parseInt(a.get("epochs")));
    }
    if (a.containsKey("batch")) {
      tb.optBatchSize(Integer.parseInt(a.get("batch")));
    }
    if (a.containsKey("lr")) {
      tb.optLearningRate(Double.parseDouble(a.get("lr")));
    }
    if (a.containsKey("optimizer")) {
      tb.optOptimizer(
          a.get("optimizer").equals("sgd") ? OptimizerKind.SGD_NESTEROV : OptimizerKind.ADAM);
    }
    if (a.containsKey("trainLimit")) {
      tb.optTrainLimit(Integer.parseInt(a.get("trainLimit")));
    }
    if (a.containsKey("testLimit")) {
      tb.optTestLimit(Integer.parseInt(a.get("testLimit")));
    }
    IdxDataset train = FashionMnist.train();
    IdxDataset test = FashionMnist.test();
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    long cpu0 = mx.getCurrentThreadCpuTime();
    DemoTrainingResult r = tb.build().train(initial, train, test);
    double cpuSeconds = (mx.getCurrentThreadCpuTime() - cpu0) / 1e9;
    if (a.containsKey("out")) {
      OnnxWriter.write(r.model(), Path.of(a.get("out")));
    }
    StringBuilder epochs = new StringBuilder();
    r.history()
        .forEach(
            e ->
                epochs.append(
                    String.format(
                        " [epoch %d: loss %.4f top-1 %.4f %.1f s]",
                        e.epoch() + 1, e.trainLoss(), e.trainTop1(), e.seconds())));
    System.out.printf(
        "%s %s: test top-1 %.4f (loss %.4f), %d epochs, training %.1f s (%.0f images/s),"
            + " evaluation %.1f s, main-thread CPU %.1f s, threads %s%s%n",
        which,
        a,
        r.testTop1(),
        r.test().meanLoss(),
        r.epochs(),
        r.trainSeconds(),
        r.trainImagesPerSecond(),
        r.evalSeconds(),
        cpuSeconds,
        System.getProperty("ai.djl.pytorch.num_threads", "default"),
        epochs);
  }
}
