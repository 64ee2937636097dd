package org.lowrank.train.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.lowrank.train.data.DataLoader;
import org.lowrank.train.data.ImageDataset;

class EvaluatorTest {

  static ImageDataset labelled(int n, int classes) {
    return new ImageDataset() {
      public int size() { return n; }
      public int channels() { return 1; }
      public int height() { return 1; }
      public int width() { return 1; }
      public List<String> classNames() { return java.util.Collections.nCopies(classes, "c"); }
      public Example get(int i) { return new Example(new byte[] {(byte) i}, i % classes); }
      public String description() { return "labelled"; }
    };
  }

  @Test
  void topKAndLossMatchHandComputation() {
    int k = 6;
    DataLoader data = DataLoader.builder(labelled(12, k)).setBatchSize(5).build();
    // scores: class j gets j, except the label gets a rank that depends on the example
    Predictor p = b -> {
      float[] out = new float[b.size() * k];
      for (int i = 0; i < b.size(); i++) {
        int idx = b.indices()[i];
        int label = b.labels()[i];
        for (int j = 0; j < k; j++) {
          out[i * k + j] = j == label ? 0f : 1f; // label ranked last
        }
        if (idx % 2 == 0) {
          out[i * k + label] = 2f; // label ranked first for even examples
        }
      }
      return out;
    };
    EvaluationResult r = Evaluator.evaluate(p, data);
    assertEquals(12, r.examples());
    assertEquals(0.5, r.top1(), 1e-12);
    assertEquals(0.5, r.top5(), 1e-12); // odd examples: label is 6th of 6
    double lossFirst = Math.log(Math.exp(2) + 5 * Math.E) - 2;
    double lossLast = Math.log(1 + 5 * Math.E) - 0;
    assertEquals((lossFirst + lossLast) / 2, r.meanLoss(), 1e-6);
    AgreementResult a = Evaluator.agreement(p, p, data);
    assertEquals(1.0, a.top1Agreement(), 1e-12);
    assertEquals(0.0, a.meanKl(), 1e-9);
  }
}
