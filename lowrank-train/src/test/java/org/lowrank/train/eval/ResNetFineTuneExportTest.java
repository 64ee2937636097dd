package org.lowrank.train.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.lowrank.graph.Model;
import org.lowrank.onnx.OnnxReader;
import org.lowrank.onnx.OnnxWriter;
import org.lowrank.runtime.OrtRunner;
import org.lowrank.runtime.RuntimeOptions;
import org.lowrank.train.TrainTestData;
import org.lowrank.train.data.Augmentation;
import org.lowrank.train.data.DataLoader;
import org.lowrank.train.data.ImageFolderDataset;
import org.lowrank.train.data.Normalization;
import org.lowrank.train.exec.GraphExecutor;
import org.lowrank.train.finetune.FineTuneConfig;
import org.lowrank.train.finetune.FineTuneResult;
import org.lowrank.train.finetune.FineTuner;

/**
 * End to end in miniature: ResNet-20 evaluated on a CIFAR-10 JPEG test subset, fine-tuned a few
 * steps on a train subset, exported to ONNX; ONNX Runtime and the executor agree on the exported
 * model.
 */
class ResNetFineTuneExportTest {

  @Test
  void fineTunedResNet20AgreesInOrtAndExecutor() throws Exception {
    Path zip = TrainTestData.require("cifar10/cifar10-jpeg.zip");
    Model model = OnnxReader.read(TrainTestData.require("models/resnet20_cifar10/model.onnx"));
    try (ImageFolderDataset train =
            ImageFolderDataset.builder()
                .setRoot(zip)
                .optSplit("train")
                .optLimitPerClass(4)
                .build();
        ImageFolderDataset test =
            ImageFolderDataset.builder()
                .setRoot(zip)
                .optSplit("test")
                .optLimitPerClass(5)
                .build()) {
      DataLoader trainLoader =
          DataLoader.builder(train)
              .setBatchSize(20)
              .optShuffle(1)
              .optNormalization(Normalization.imagenet())
              .optAugmentation(Augmentation.cifar(2))
              .build();
      DataLoader testLoader =
          DataLoader.builder(test)
              .setBatchSize(25)
              .optNormalization(Normalization.imagenet())
              .build();
      EvaluationResult before;
      try (GraphExecutor ex = GraphExecutor.of(model)) {
        before = Evaluator.evaluate(new ExecutorPredictor(ex), testLoader);
      }
      assertTrue(
          before.top1() >= 0.6, "pretrained ResNet-20 top-1 on 50 test JPEGs: " + before.top1());
      FineTuneResult r =
          FineTuner.run(
              model,
              trainLoader,
              FineTuneConfig.builder().optLearningRate(0.002).optSteps(2).build());
      assertEquals(2, r.steps());
      byte[] onnx = OnnxWriter.toBytes(r.model());
      try (OrtRunner ort = OrtRunner.open(onnx, "finetuned", RuntimeOptions.singleThreaded());
          GraphExecutor ex = GraphExecutor.of(OnnxReader.parse(onnx, "finetuned"))) {
        EvaluationResult inOrt = Evaluator.evaluate(new OrtPredictor(ort), testLoader);
        EvaluationResult inDjl = Evaluator.evaluate(new ExecutorPredictor(ex), testLoader);
        assertEquals(inOrt.top1(), inDjl.top1(), 1e-12);
        assertEquals(inOrt.meanLoss(), inDjl.meanLoss(), 1e-4);
        AgreementResult a =
            Evaluator.agreement(new OrtPredictor(ort), new ExecutorPredictor(ex), testLoader);
        assertEquals(1.0, a.top1Agreement(), 1e-12);
      }
    }
  }
}
