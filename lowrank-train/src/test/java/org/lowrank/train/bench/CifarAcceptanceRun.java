package org.lowrank.train.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import org.lowrank.graph.Model;
import org.lowrank.onnx.OnnxReader;
import org.lowrank.onnx.OnnxWriter;
import org.lowrank.runtime.OrtRunner;
import org.lowrank.runtime.RuntimeOptions;
import org.lowrank.train.data.Augmentation;
import org.lowrank.train.data.DataLoader;
import org.lowrank.train.data.Datasets;
import org.lowrank.train.data.ImageDataset;
import org.lowrank.train.data.ImageFolderDataset;
import org.lowrank.train.data.Normalization;
import org.lowrank.train.eval.AgreementResult;
import org.lowrank.train.eval.EvaluationResult;
import org.lowrank.train.eval.Evaluator;
import org.lowrank.train.eval.ExecutorPredictor;
import org.lowrank.train.eval.OrtPredictor;
import org.lowrank.train.exec.GraphExecutor;
import org.lowrank.train.finetune.FineTuneConfig;
import org.lowrank.train.finetune.FineTuneListener;
import org.lowrank.train.finetune.FineTuneResult;
import org.lowrank.train.finetune.FineTuner;

/**
 * Manual acceptance check (not a unit test): fine-tune ResNet-20 on the CIFAR-10 JPEG train split
 * for one epoch (or a seeded subset), export to ONNX, evaluate the export on the test split in ONNX
 * Runtime and in the executor, and print both. Args: sharedDataDir outDir [trainLimit] [testLimit]
 * [batch] [lr].
 *
 * <p>Measured 2026-11-23 (shared 2-core machine, load average ~15, 2 engine threads): full train
 * split (50,000 JPEGs, 391 steps of 128, SGD Nesterov lr 0.005, cosine, crop+flip) in 1194 s (42
 * images/s end to end); test split (10,000): original 81.03 % top-1, fine-tuned 82.84 % top-1 /
 * 98.89 % top-5 / loss 0.7225 in both ONNX Runtime and the executor (top-1 agreement 1.0, mean KL
 * 4e-13).
 */
public final class CifarAcceptanceRun {
  private CifarAcceptanceRun() {}

  public static void main(String[] args) throws Exception {
    Path shared = Path.of(args[0]);
    Path out = Path.of(args[1]);
    int trainLimit = args.length > 2 ? Integer.parseInt(args[2]) : Integer.MAX_VALUE;
    int testLimit = args.length > 3 ? Integer.parseInt(args[3]) : Integer.MAX_VALUE;
    int batch = args.length > 4 ? Integer.parseInt(args[4]) : 128;
    double lr = args.length > 5 ? Double.parseDouble(args[5]) : 0.005;
    Files.createDirectories(out);
    Path zip = shared.resolve("cifar10/cifar10-jpeg.zip");
    Model model = OnnxReader.read(shared.resolve("models/resnet20_cifar10/model.onnx"));
    try (ImageFolderDataset trainAll =
            ImageFolderDataset.builder().setRoot(zip).optSplit("train").build();
        ImageFolderDataset testAll =
            ImageFolderDataset.builder().setRoot(zip).optSplit("test").optCache(true).build()) {
      ImageDataset train = Datasets.limit(trainAll, trainLimit, 11);
      ImageDataset test = Datasets.limit(testAll, testLimit, 12);
      DataLoader trainLoader =
          DataLoader.builder(train)
              .setBatchSize(batch)
              .optShuffle(1)
              .optNormalization(Normalization.imagenet())
              .optAugmentation(Augmentation.cifar(2))
              .build();
      DataLoader testLoader =
          DataLoader.builder(test)
              .setBatchSize(200)
              .optNormalization(Normalization.imagenet())
              .build();
      System.out.printf(
          "train %d images, test %d images, batch %d, lr %.4g%n",
          train.size(), test.size(), batch, lr);
      long t0 = System.nanoTime();
      EvaluationResult before;
      try (GraphExecutor ex = GraphExecutor.of(model)) {
        before = Evaluator.evaluate(new ExecutorPredictor(ex), testLoader);
      }
      System.out.printf(
          "original   executor: top-1 %.4f top-5 %.4f loss %.4f (%.0f s)%n",
          before.top1(), before.top5(), before.meanLoss(), (System.nanoTime() - t0) / 1e9);
      FineTuneConfig cfg =
          FineTuneConfig.builder()
              .optLearningRate(lr)
              .optEpochs(1)
              .optWarmupFraction(0.05)
              .optWeightDecay(5e-4)
              .optGradientClipNorm(5)
              .optSeed(3)
              .optListener(
                  new FineTuneListener() {
                    @Override
                    public void onStep(StepEvent e) {
                      if (e.step() % 25 == 0 || e.step() == e.totalSteps()) {
                        System.out.printf(
                            "  step %d/%d loss %.4f batch top-1 %.3f lr %.5f %.1f img/s%n",
                            e.step(),
                            e.totalSteps(),
                            e.loss(),
                            e.batchTop1(),
                            e.learningRate(),
                            e.imagesPerSecond());
                      }
                    }
                  })
              .build();
      long t1 = System.nanoTime();
      FineTuneResult r = FineTuner.run(model, trainLoader, cfg);
      double secs = (System.nanoTime() - t1) / 1e9;
      System.out.printf(
          "fine-tuned %d steps in %.0f s: %.1f images/s end to end (decode + train)%n",
          r.steps(), secs, train.size() / secs);
      Path onnx = out.resolve("resnet20_finetuned.onnx");
      OnnxWriter.write(r.model(), onnx);
      Model back = OnnxReader.read(onnx);
      try (OrtRunner ort = OrtRunner.open(onnx, RuntimeOptions.withThreads(2));
          GraphExecutor ex = GraphExecutor.of(back)) {
        EvaluationResult inOrt = Evaluator.evaluate(new OrtPredictor(ort), testLoader);
        EvaluationResult inDjl = Evaluator.evaluate(new ExecutorPredictor(ex), testLoader);
        AgreementResult a =
            Evaluator.agreement(new OrtPredictor(ort), new ExecutorPredictor(ex), testLoader);
        System.out.printf(
            "fine-tuned ORT:      top-1 %.4f top-5 %.4f loss %.4f%n",
            inOrt.top1(), inOrt.top5(), inOrt.meanLoss());
        System.out.printf(
            "fine-tuned executor: top-1 %.4f top-5 %.4f loss %.4f%n",
            inDjl.top1(), inDjl.top5(), inDjl.meanLoss());
        System.out.printf(
            "ORT vs executor top-1 agreement %.5f, mean KL %.3g%n", a.top1Agreement(), a.meanKl());
      }
    }
  }
}
